package cli

import "strings"

// stringList is a flag that may be given several times (--unit A --unit B); each
// value is kept in order, trimmed, and empty values are dropped.
type stringList []string

func (l *stringList) String() string { return strings.Join(*l, ",") }

// Set adds one value.
func (l *stringList) Set(v string) error {
	if v = strings.TrimSpace(v); v != "" {
		*l = append(*l, v)
	}
	return nil
}

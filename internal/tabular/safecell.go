package tabular

import "strings"

// SafeCell defuses spreadsheet formula injection: a cell that a spreadsheet would
// read as a formula (starting with = + - @, a tab or a carriage return) gets a
// leading apostrophe.
func SafeCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

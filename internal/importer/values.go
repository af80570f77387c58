package importer

import "strings"

// rowValues is a row's value of each field (by fieldIndex), kept in one string:
// a big import holds one allocation per row this way, not a string per field and
// the line of the file each of them points into.
type rowValues struct {
	text string
	ends [numFields]uint32 // where the value of each field ends in text
}

// packValues packs vals (one per field, by fieldIndex) into a rowValues.
func packValues(vals *[numFields]string) rowValues {
	var b strings.Builder
	n := 0
	for _, s := range vals {
		n += len(s)
	}
	b.Grow(n)
	var v rowValues
	for i, s := range vals {
		b.WriteString(s)
		v.ends[i] = uint32(b.Len())
	}
	v.text = b.String()
	return v
}

// get returns the value of field i.
func (v *rowValues) get(i int) string {
	start := uint32(0)
	if i > 0 {
		start = v.ends[i-1]
	}
	return v.text[start:v.ends[i]]
}

// unpack returns the value of each field.
func (v *rowValues) unpack() *[numFields]string {
	var vals [numFields]string
	for i := range vals {
		vals[i] = v.get(i)
	}
	return &vals
}

package tabular

import "strings"

// formulaStart holds the characters that make a spreadsheet read a cell starting
// with one of them as a formula.
const formulaStart = "=+-@\t\r"

// startsFormula reports whether a spreadsheet would read s as a formula.
func startsFormula(s string) bool {
	return s != "" && strings.IndexByte(formulaStart, s[0]) >= 0
}

// Guarded reports whether s starts the way SafeCell's guard does: one or more
// apostrophes followed by a character that starts a formula ("'+49 170 1234567";
// more apostrophes where SafeCell guarded a value that already looked guarded).
func Guarded(s string) bool {
	return len(s) > 1 && s[0] == '\'' && startsFormula(strings.TrimLeft(s, "'"))
}

// SafeCell defuses spreadsheet formula injection: a cell that a spreadsheet would
// read as a formula (starting with = + - @, a tab or a carriage return) gets a
// leading apostrophe. So does a cell that already looks guarded ("'=x"), so that
// UnguardCell gives every value back exactly.
func SafeCell(s string) string {
	if startsFormula(s) || Guarded(s) {
		return "'" + s
	}
	return s
}

// UnguardCell undoes SafeCell: it takes off the leading apostrophe of a guarded
// cell (see Guarded) and leaves every other cell as it is. UnguardCell(SafeCell(s))
// is s for every s. Readers of files written by Onboard or by other programs that
// guard their exports the same way call it on every cell.
func UnguardCell(s string) string {
	if Guarded(s) {
		return s[1:]
	}
	return s
}

// TextCell is SafeCell for a cell typed as text (an XLSX cell with the text
// format), which no spreadsheet takes for a formula: the value stays as it is,
// except that one that looks guarded ("'=x") gets one more apostrophe, so that a
// reader calling UnguardCell gets it back exactly.
func TextCell(s string) string {
	if Guarded(s) {
		return "'" + s
	}
	return s
}

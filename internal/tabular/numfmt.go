package tabular

import (
	"strings"

	"github.com/xuri/excelize/v2"
)

// How XLSX cell values become text
//
// excelize streams rows (Rows/Columns) as strings but cannot tell the style
// of a cell while streaming (qax-os/excelize#1439): Columns formats each
// value with the number format of its style itself. So before streaming, the
// number formats of the workbook's cell styles are rewritten in the
// in-memory style sheet (f.Styles, never saved):
//
//   - a date, date-time or time format (built-in or custom, e.g.
//     "dd.mm.yyyy") gets an ISO format: "yyyy-mm-dd", "yyyy-mm-dd hh:mm",
//     "yyyy-mm-dd hh:mm:ss", "hh:mm" or "hh:mm:ss";
//   - "General" and "@" (text) get a number format id that has no code, so
//     excelize returns the value as stored: text exactly ("00123"), and
//     numbers as excelize prints floats without noise (123, 4915112345678,
//     0.3 for 0.30000000000000004; more than 15 significant digits are
//     rounded to 15);
//   - every other format (0.00, #,##0, 00000, percent, currency) is left to
//     excelize, which shows the value as Excel would.
//
// The ISO formats are added with the public NewStyle; pointing existing
// styles at them uses exported fields of excelize's unexported style types
// (CellXfs.Xf[i].NumFmtID), which the compiler checks against the pinned
// excelize version. Limits: elapsed-time formats ([h]:mm) and the built-in
// minute formats 45–47 are left as excelize formats them; a date style on
// a text cell leaves the text as it is.

// plainNumFmtID is a number format id with no code, built-in or custom:
// excelize then returns the stored value unformatted.
const plainNumFmtID = -1

// fmtKind is how a number format shows a value.
type fmtKind int

const (
	fmtOther fmtKind = iota // leave to excelize
	fmtPlain                // General or text: the stored value
	fmtDate
	fmtDateTime
	fmtDateTimeSec
	fmtTime
	fmtTimeSec
)

// isoCodes are the number formats that replace date and time formats.
var isoCodes = map[fmtKind]string{
	fmtDate:        "yyyy-mm-dd",
	fmtDateTime:    "yyyy-mm-dd hh:mm",
	fmtDateTimeSec: "yyyy-mm-dd hh:mm:ss",
	fmtTime:        "hh:mm",
	fmtTimeSec:     "hh:mm:ss",
}

// isoDateStyles rewrites the number formats of the workbook's cell styles
// as described above.
func isoDateStyles(xf *excelize.File) error {
	ss := xf.Styles
	if ss == nil || ss.CellXfs == nil {
		return nil // no styles: excelize shows every value as stored
	}
	custom := map[int]string{}
	if ss.NumFmts != nil {
		for _, nf := range ss.NumFmts.NumFmt {
			if nf == nil {
				continue
			}
			code := nf.FormatCode
			if nf.FormatCode16 != "" {
				code = nf.FormatCode16
			}
			custom[nf.NumFmtID] = code
		}
	}
	n := len(ss.CellXfs.Xf)
	kinds := make([]fmtKind, n)
	for i := range n {
		id := 0
		if p := ss.CellXfs.Xf[i].NumFmtID; p != nil {
			id = *p
		}
		if code, ok := custom[id]; ok {
			kinds[i] = classifyCode(code)
		} else {
			kinds[i] = builtinKind(id)
		}
	}
	ids := map[fmtKind]int{fmtPlain: plainNumFmtID}
	for _, k := range kinds {
		if _, done := ids[k]; done || k == fmtOther {
			continue
		}
		code := isoCodes[k]
		style, err := xf.NewStyle(&excelize.Style{CustomNumFmt: &code})
		if err != nil {
			return err
		}
		p := xf.Styles.CellXfs.Xf[style].NumFmtID
		if p == nil {
			continue
		}
		ids[k] = *p
	}
	xfs := xf.Styles.CellXfs.Xf
	for i, k := range kinds {
		if id, ok := ids[k]; ok && k != fmtOther {
			xfs[i].NumFmtID = &id
		}
	}
	return nil
}

// builtinKind classifies Excel's built-in number formats.
func builtinKind(id int) fmtKind {
	switch {
	case id == 0 || id == 49:
		return fmtPlain
	case id >= 14 && id <= 17, id >= 27 && id <= 31, id == 36,
		id == 50, id == 51, id == 54, id == 57, id == 58:
		return fmtDate
	case id == 22:
		return fmtDateTime
	case id == 18 || id == 20 || id == 32 || id == 34 || id == 52 || id == 55:
		return fmtTime
	case id == 19 || id == 21 || id == 33 || id == 35 || id == 53 || id == 56:
		return fmtTimeSec
	}
	return fmtOther // includes the minute/elapsed formats 45–47
}

// classifyCode classifies a custom number format code by its first section:
// y or d make a date, h or s a time; quoted text, escaped characters and
// [bracketed] parts (colours, locales) do not count, and [h]/[mm]/[ss]
// mark an elapsed time, which is left alone.
func classifyCode(code string) fmtKind {
	if strings.EqualFold(strings.TrimSpace(code), "general") || strings.TrimSpace(code) == "@" {
		return fmtPlain
	}
	return scanCode(code).kind()
}

// codeMarks is what the first section of a number format code holds.
type codeMarks struct {
	date, hour, sec, elapsed bool
}

// scanCode reads the first section of a number format code (see classifyCode).
func scanCode(code string) codeMarks {
	var m codeMarks
	for i := 0; i < len(code); i++ {
		switch c := code[i]; c {
		case ';':
			return m
		case '"':
			j := strings.IndexByte(code[i+1:], '"')
			if j < 0 {
				return m
			}
			i += j + 1
		case '\\', '_', '*':
			i++
		case '[':
			j := strings.IndexByte(code[i:], ']')
			if j < 0 {
				return m
			}
			if inner := strings.ToLower(code[i+1 : i+j]); inner != "" && strings.Trim(inner, "hms") == "" {
				m.elapsed = true
			}
			i += j
		default:
			m.mark(c)
		}
	}
	return m
}

// mark notes a format character outside quotes and brackets: y or d for a date, h
// for hours, s for seconds.
func (m *codeMarks) mark(c byte) {
	switch c | 0x20 { // ASCII lower case
	case 'y', 'd':
		m.date = true
	case 'h':
		m.hour = true
	case 's':
		m.sec = true
	}
}

// kind is the format kind of a code with these marks; an elapsed time without a
// date is left alone.
func (m codeMarks) kind() fmtKind {
	switch {
	case m.elapsed && !m.date:
		return fmtOther
	case m.date && m.sec:
		return fmtDateTimeSec
	case m.date && m.hour:
		return fmtDateTime
	case m.date:
		return fmtDate
	case m.sec:
		return fmtTimeSec
	case m.hour:
		return fmtTime
	}
	return fmtOther
}

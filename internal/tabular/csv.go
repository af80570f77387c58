package tabular

import (
	"bufio"
	"context"
	"encoding/csv"
	"errors"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/transform"

	"onboard/internal/uitext"
)

// maxRecordBytes bounds the decoded bytes of one CSV record. encoding/csv
// keeps a whole record in memory, and a quote that is never closed makes
// the rest of the file one record; past this the read stops with an error.
const maxRecordBytes = 16 << 20

// errRecordTooLong is returned by recordGuard when a record passes
// maxRecordBytes.
var errRecordTooLong = errors.New("tabular: record too long")

// csvRows streams the records of a CSV file (see File.Rows).
func (f *File) csvRows(ctx context.Context, yield func(Row, error) bool) {
	var src io.Reader = io.NewSectionReader(f.src, f.csv.skip, f.size-f.csv.skip)
	if f.csv.checkLines {
		src = newLineChecker(src, f.csv.enc == nil)
	}
	if f.csv.enc != nil {
		src = transform.NewReader(src, f.csv.enc.NewDecoder())
	}
	quotes := newQuoteTracker(&newlineReader{r: src}, f.csv.delim)
	guard := &recordGuard{r: quotes}
	br := bufio.NewReaderSize(guard, 64<<10)
	lineOffset := 0
	if f.csv.sep {
		if err := skipLine(br); err != nil {
			yield(Row{}, f.readError(0, err))
			return
		}
		lineOffset = 1
	}
	cr := csv.NewReader(br)
	cr.Comma = f.csv.delim
	cr.LazyQuotes = true
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = false

	rows, lastLine := 0, lineOffset
	for {
		if err := ctx.Err(); err != nil {
			yield(Row{}, &Error{File: f.info.Name, Msg: uitext.L("reading was cancelled"), Err: err})
			return
		}
		guard.n = 0
		rec, err := cr.Read()
		if quotes.truncated() {
			yield(Row{}, f.truncatedError(quotes.openLine))
			return
		}
		if err == io.EOF {
			return
		}
		if err != nil {
			yield(Row{}, f.csvError(err, lastLine))
			return
		}
		line, _ := cr.FieldPos(0)
		line += lineOffset
		lastLine = line
		if isBlank(rec) {
			continue
		}
		if rows++; rows > f.opt.MaxRows {
			yield(Row{}, &Error{
				File: f.info.Name, Line: line, Err: ErrTooManyRows,
				Msg: uitext.F("has more than %d rows", f.opt.MaxRows),
			})
			return
		}
		if err := f.checkCSVCells(rec, line); err != nil {
			yield(Row{}, err)
			return
		}
		if !yield(Row{Line: line, Cells: rec}, nil) {
			return
		}
	}
}

// checkCSVCells enforces MaxCellLen, refuses NUL characters and replaces
// invalid UTF-8 (possible only in UTF-8 files) with U+FFFD, in place.
func (f *File) checkCSVCells(rec []string, line int) error {
	for i, c := range rec {
		if f.csv.enc == nil && !utf8.ValidString(c) {
			c = strings.ToValidUTF8(c, "\uFFFD")
			rec[i] = c
		}
		if len(c) > f.opt.MaxCellLen && utf8.RuneCountInString(c) > f.opt.MaxCellLen {
			msg := uitext.F("a cell is longer than %d characters", f.opt.MaxCellLen)
			if n := strings.Count(strings.TrimRight(c, "\n"), "\n"); n > 0 {
				msg = uitext.F("a cell is longer than %d characters and spans %d lines; is a quote (\") never closed?", f.opt.MaxCellLen, n+1)
			}
			return &Error{File: f.info.Name, Line: line, Column: i + 1, Msg: msg, Err: ErrCellTooLong}
		}
		if strings.IndexByte(c, 0) >= 0 {
			return &Error{
				File: f.info.Name, Line: line, Column: i + 1, Err: ErrNotTable,
				Msg: uitext.L("contains a NUL character; the file is binary or in another encoding"),
			}
		}
	}
	return nil
}

// csvError turns an error from encoding/csv into an *Error. lastLine is
// where the last good record started.
func (f *File) csvError(err error, lastLine int) error {
	lineOffset := 0
	if f.csv.sep {
		lineOffset = 1
	}
	var pe *csv.ParseError
	var me *mixedError
	switch {
	case errors.As(err, &me):
		return &Error{File: f.info.Name, Line: me.line, Msg: mixedMessage(me, f.info.Encoding), Err: ErrNotTable}
	case errors.As(err, &pe):
		// Column of a syntax error is the 1-based byte position in the line.
		return &Error{
			File: f.info.Name, Line: pe.Line + lineOffset, Column: pe.Column,
			Msg: uitext.F("the file is not valid CSV: %v", pe.Err), Err: err,
		}
	case errors.Is(err, errRecordTooLong):
		return &Error{
			File: f.info.Name, Err: ErrCellTooLong,
			Msg: uitext.F("after line %d, a record is longer than %s; is a quote (\") never closed?",
				lastLine, mb(maxRecordBytes)),
		}
	}
	return f.readError(lastLine, err)
}

// truncatedError says that the file ends inside the quoted value that begins on
// line: encoding/csv (with LazyQuotes) would return the rest as the value.
func (f *File) truncatedError(line int) error {
	return &Error{
		File: f.info.Name, Line: line, Err: ErrTruncated,
		Msg: uitext.L("a quoted value begins here, but the file ends before its closing quote (\"); the file is cut off (an interrupted download or copy?): get the whole file again"),
	}
}

// readError wraps an I/O error.
func (f *File) readError(line int, err error) error {
	return &Error{File: f.info.Name, Line: line, Msg: uitext.F("cannot be read: %v", err), Err: err}
}

// skipLine consumes one line (the sep= line) from br.
func skipLine(br *bufio.Reader) error {
	for {
		_, err := br.ReadSlice('\n')
		switch {
		case err == nil, errors.Is(err, io.EOF):
			return nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		default:
			return err
		}
	}
}

// newlineReader turns CR and CRLF line ends into LF, so that encoding/csv
// (which knows only LF and CRLF) counts lines of old Mac files right. A CR
// inside a quoted field becomes LF too, as CRLF already does in
// encoding/csv.
type newlineReader struct {
	r      io.Reader
	lastCR bool // the previous byte was a CR (now LF); drop a following LF
}

func (n *newlineReader) Read(p []byte) (int, error) {
	for {
		k, err := n.r.Read(p)
		w := 0
		for _, c := range p[:k] {
			switch {
			case c == '\r':
				p[w] = '\n'
				w++
				n.lastCR = true
				continue
			case c == '\n' && n.lastCR:
			default:
				p[w] = c
				w++
			}
			n.lastCR = false
		}
		if w > 0 || err != nil || k == 0 {
			return w, err
		}
		// everything read was a dropped LF: read again rather than return 0, nil
	}
}

// recordGuard fails a read when more than maxRecordBytes were read since n
// was last set to 0 (before each record).
type recordGuard struct {
	r io.Reader
	n int
}

func (g *recordGuard) Read(p []byte) (int, error) {
	if g.n > maxRecordBytes {
		return 0, errRecordTooLong
	}
	k, err := g.r.Read(p)
	g.n += k
	return k, err
}

// quoteTracker follows the quoting of the CSV text read through it, as
// encoding/csv with LazyQuotes reads it, to tell when the file ends inside a
// quoted field (which encoding/csv accepts silently). It sees the text after
// newlineReader, so lines end in LF. A delimiter outside ASCII is followed by
// its last byte.
type quoteTracker struct {
	r        io.Reader
	delim    byte
	state    quoteState
	line     int  // the physical line being read, 1-based
	openLine int  // where the quoted field being read began
	eof      bool // r has reported the end
}

// quoteState is where a quoteTracker is in a record.
type quoteState uint8

const (
	atFieldStart quoteState = iota
	inUnquoted
	inQuoted
	afterQuote // a quote inside a quoted field: its end, or the first of ""
)

func newQuoteTracker(r io.Reader, delim rune) *quoteTracker {
	d := []byte(string(delim))
	return &quoteTracker{r: r, delim: d[len(d)-1], line: 1}
}

func (q *quoteTracker) Read(p []byte) (int, error) {
	n, err := q.r.Read(p)
	for _, c := range p[:n] {
		q.step(c)
	}
	if err == io.EOF {
		q.eof = true
	}
	return n, err
}

// step advances the state by one byte.
func (q *quoteTracker) step(c byte) {
	if c == '\n' {
		q.line++
		if q.state != inQuoted {
			q.state = atFieldStart
		}
		return
	}
	switch q.state {
	case atFieldStart:
		switch c {
		case '"':
			q.state, q.openLine = inQuoted, q.line
		case q.delim:
		default:
			q.state = inUnquoted
		}
	case inUnquoted:
		if c == q.delim {
			q.state = atFieldStart
		}
	case inQuoted:
		if c == '"' {
			q.state = afterQuote
		}
	case afterQuote:
		if c == q.delim {
			q.state = atFieldStart
		} else {
			q.state = inQuoted // "" or a lazy bare quote: the field goes on
		}
	}
}

// truncated reports whether the text ended inside a quoted field.
func (q *quoteTracker) truncated() bool { return q.eof && q.state == inQuoted }

package tabular

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"io"
	"path"
	"strconv"
	"strings"
)

// excelize stops streaming a sheet at the first XML error without reporting it,
// so a workbook whose sheet is damaged in the middle would read as a shorter list.
// While checkZip inflates each worksheet part anyway, a sheetEnd notes the number
// of its last row and whether the part ends its rows properly; xlsxRows compares
// where its reading stopped with that.

// sheetEnd is what the zip check saw of a worksheet part.
type sheetEnd struct {
	lastRow int  // the number of the last <row> (its r attribute, or counted)
	closed  bool // </sheetData> was seen
	// rowStarts and rowEnds count the <row> and </row> tags (<row/> is both):
	// they differ when the XML is broken between rows, where excelize stops too.
	rowStarts, rowEnds int
	// uncalculated are cells holding a formula but no value (a workbook written
	// by a program and never calculated: the cell reads as empty), by row and
	// column numbers; at most maxUncalculated.
	uncalculated map[int][]int
}

// maxUncalculated bounds sheetEnd.uncalculated.
const maxUncalculated = 100

// cellState is what the scanner saw of the cell it is in.
type cellState struct {
	row, col int  // from its r attribute; 0 when it has none
	text     bool // t="str": a formula's text result, which may be empty
	formula  bool
	sawValue bool // a <v> or <is> tag
	hasValue bool // … with something in it
	// valueOpen: the last tag was <v>, so an end tag right after it leaves the
	// value empty.
	valueOpen bool
}

// uncalculated reports whether the cell holds a formula that was never
// calculated: no value, or an empty one where only a text result may be empty
// (Excel writes <v></v> for a formula whose result is "").
func (c cellState) uncalculated() bool {
	return c.formula && !c.hasValue && !(c.text && c.sawValue)
}

// balanced reports whether every row of the part was closed once.
func (e sheetEnd) balanced() bool { return e.rowStarts == e.rowEnds }

// rowScanner is an io.Writer that fills a sheetEnd from a worksheet's XML.
type rowScanner struct {
	end  sheetEnd
	cell cellState
	tail []byte // the start of a tag cut by the end of the last write
}

// maxTagScan is how far a row tag is looked at for its r attribute.
const maxTagScan = 1024

func (s *rowScanner) Write(p []byte) (int, error) {
	n := len(p)
	if len(s.tail) > 0 { // a tag cut by the end of the last write
		k := bytes.IndexByte(p, '>')
		if k < 0 {
			s.tail = append(s.tail, p[:min(len(p), max(0, maxTagScan-len(s.tail)))]...)
			return n, nil
		}
		s.tail = append(s.tail, p[:k]...)
		if interesting(s.tail) {
			s.tag(s.tail[1:])
		}
		s.tail = s.tail[:0]
		p = p[k+1:]
		s.emptyValue(p)
	}
	for {
		j := bytes.IndexByte(p, '<')
		if j < 0 {
			return n, nil
		}
		p = p[j:]
		if !interesting(p) {
			p = p[1:]
			continue
		}
		k := bytes.IndexByte(p, '>')
		if k < 0 {
			s.tail = append(s.tail[:0], p[:min(len(p), maxTagScan)]...)
			return n, nil
		}
		s.tag(p[1:k])
		p = p[k+1:]
		s.emptyValue(p)
	}
}

// emptyValue notes that the value just opened is empty when p, the text after
// its <v> tag, starts with an end tag (openpyxl writes <v></v> for a formula it
// did not calculate). A value cut by the end of a write counts as one.
func (s *rowScanner) emptyValue(p []byte) {
	if s.cell.valueOpen && bytes.HasPrefix(p, []byte("</")) {
		s.cell.hasValue = false
	}
	s.cell.valueOpen = false
}

// interesting reports whether the tag starting at p (with '<') may be a row or
// sheetData tag, or is cut too short to tell. Cells and values are passed over
// without looking for their end.
func interesting(p []byte) bool {
	name := p[1:]
	end := bytes.IndexAny(name, " \t\r\n>")
	if end < 0 {
		return len(name) < 64 // cut off: look again with the rest
	}
	name = bytes.TrimPrefix(bytes.TrimSuffix(name[:end], []byte("/")), []byte("/"))
	if c := bytes.LastIndexByte(name, ':'); c >= 0 {
		name = name[c+1:]
	}
	switch string(name) {
	case "row", "sheetData", "c", "f", "v", "is":
		return true
	}
	return false
}

// tag looks at the text between < and > of one tag.
func (s *rowScanner) tag(t []byte) {
	name, attrs, _ := bytes.Cut(t, []byte(" "))
	if c := bytes.IndexByte(name, ':'); c >= 0 && !bytes.HasPrefix(name, []byte("/")) {
		name = name[c+1:] // x:row
	} else if c >= 0 {
		name = append([]byte("/"), name[c+1:]...) // /x:sheetData
	}
	switch string(bytes.TrimSuffix(name, []byte("/"))) {
	case "row":
		s.end.rowStarts++
		if bytes.HasSuffix(t, []byte("/")) {
			s.end.rowEnds++
		}
		s.end.lastRow++
		if r, ok := attrValue(attrs, refKey); ok {
			if n, err := strconv.Atoi(string(r)); err == nil && n > 0 {
				s.end.lastRow = n
			}
		}
	case "/row":
		s.end.rowEnds++
	case "c":
		s.cell = cellState{}
		if r, ok := attrValue(attrs, refKey); ok {
			s.cell.col, s.cell.row = cellCoordinates(r)
		}
		typ, _ := attrValue(attrs, typeKey)
		s.cell.text = string(typ) == "str"
	case "f":
		s.cell.formula = true
	case "v", "is":
		s.cell.sawValue = true
		s.cell.hasValue = !bytes.HasSuffix(t, []byte("/")) // <v/> holds nothing
		s.cell.valueOpen = s.cell.hasValue
	case "/c":
		s.noteUncalculated()
	case "/sheetData":
		s.end.closed = true
	case "sheetData":
		s.end.closed = bytes.HasSuffix(t, []byte("/")) // <sheetData/>: no rows at all
	}
}

// noteUncalculated records the cell just closed when it holds a formula but no
// value.
func (s *rowScanner) noteUncalculated() {
	c := s.cell
	s.cell = cellState{}
	if !c.uncalculated() || c.row == 0 {
		return
	}
	n := 0
	for _, cols := range s.end.uncalculated {
		n += len(cols)
	}
	if n >= maxUncalculated {
		return
	}
	if s.end.uncalculated == nil {
		s.end.uncalculated = map[int][]int{}
	}
	s.end.uncalculated[c.row] = append(s.end.uncalculated[c.row], c.col)
}

// The attributes of row and cell tags the scanner reads.
var refKey, typeKey = []byte(`r="`), []byte(`t="`)

// attrValue finds the value of the attribute whose key (`name="`) is given in the
// attribute text of a tag, without allocating (it runs for every row and cell).
func attrValue(attrs, key []byte) ([]byte, bool) {
	for i := 0; i < len(attrs); {
		j := bytes.Index(attrs[i:], key)
		if j < 0 {
			return nil, false
		}
		at := i + j
		i = at + len(key)
		if at > 0 && attrs[at-1] != ' ' && attrs[at-1] != '\t' && attrs[at-1] != '\n' && attrs[at-1] != '\r' {
			continue // the end of another attribute's name ("spans" is no "s")
		}
		end := bytes.IndexByte(attrs[i:], '"')
		if end < 0 {
			return nil, false
		}
		return attrs[i : i+end], true
	}
	return nil, false
}

// cellCoordinates are the column and row numbers of a cell reference ("B12": 2,
// 12); 0, 0 when ref is not one.
func cellCoordinates(ref []byte) (col, row int) {
	i := 0
	for ; i < len(ref) && ref[i] >= 'A' && ref[i] <= 'Z'; i++ {
		col = col*26 + int(ref[i]-'A'+1)
		if col > 1<<20 {
			return 0, 0
		}
	}
	if i == 0 || i == len(ref) {
		return 0, 0
	}
	for ; i < len(ref); i++ {
		if ref[i] < '0' || ref[i] > '9' || row > 1<<24 {
			return 0, 0
		}
		row = row*10 + int(ref[i]-'0')
	}
	return col, row
}

// sheetParts maps each sheet name to its part in the zip ("xl/worksheets/sheet1.xml"),
// read from the workbook and its relationships; nil when they cannot be read.
func sheetParts(zr *zip.Reader) map[string]string {
	var wb struct {
		Sheets []struct {
			Name string `xml:"name,attr"`
			RID  string `xml:"http://schemas.openxmlformats.org/officeDocument/2006/relationships id,attr"`
		} `xml:"sheets>sheet"`
	}
	var rels struct {
		Rels []struct {
			ID     string `xml:"Id,attr"`
			Target string `xml:"Target,attr"`
		} `xml:"Relationship"`
	}
	if readXML(zr, "xl/workbook.xml", &wb) != nil || readXML(zr, "xl/_rels/workbook.xml.rels", &rels) != nil {
		return nil
	}
	targets := map[string]string{}
	for _, r := range rels.Rels {
		t := r.Target
		if strings.HasPrefix(t, "/") {
			t = strings.TrimPrefix(t, "/")
		} else {
			t = path.Join("xl", t)
		}
		targets[r.ID] = t
	}
	out := map[string]string{}
	for _, s := range wb.Sheets {
		if t, ok := targets[s.RID]; ok {
			out[s.Name] = t
		}
	}
	return out
}

// readXML decodes one small part of the zip into v.
func readXML(zr *zip.Reader, name string, v any) error {
	rc, err := zr.Open(name)
	if err != nil {
		return err
	}
	defer rc.Close()
	return xml.NewDecoder(io.LimitReader(rc, 16<<20)).Decode(v)
}

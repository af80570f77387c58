package tabular

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// cfbFile builds a minimal compound file (OLE2, version 3, 512-byte
// sectors) whose root storage holds empty streams with the given names, as
// Excel's .xls files and encrypted .xlsx files are.
func cfbFile(streams ...string) []byte {
	const (
		sector     = 512
		endOfChain = 0xFFFFFFFE
		freeSect   = 0xFFFFFFFF
		fatSect    = 0xFFFFFFFD
		noStream   = 0xFFFFFFFF
	)
	le := binary.LittleEndian
	header := make([]byte, sector)
	copy(header, magicCFB)
	le.PutUint16(header[24:], 0x003E)     // minor version
	le.PutUint16(header[26:], 3)          // major version
	le.PutUint16(header[28:], 0xFFFE)     // byte order
	le.PutUint16(header[30:], 9)          // sector shift
	le.PutUint16(header[32:], 6)          // mini sector shift
	le.PutUint32(header[44:], 1)          // FAT sectors
	le.PutUint32(header[48:], 1)          // first directory sector
	le.PutUint32(header[56:], 4096)       // mini stream cutoff
	le.PutUint32(header[60:], endOfChain) // first mini FAT sector
	le.PutUint32(header[68:], endOfChain) // first DIFAT sector
	for i := 76; i < sector; i += 4 {
		le.PutUint32(header[i:], freeSect)
	}
	le.PutUint32(header[76:], 0) // DIFAT[0]: the FAT is sector 0

	fat := make([]byte, sector)
	for i := 0; i < sector; i += 4 {
		le.PutUint32(fat[i:], freeSect)
	}
	le.PutUint32(fat[0:], fatSect)
	le.PutUint32(fat[4:], endOfChain) // directory: one sector

	dir := make([]byte, sector)
	entry := func(i int, name string, typ byte, child, right uint32) {
		e := dir[i*128 : (i+1)*128]
		copy(e, utf16Name(name))
		le.PutUint16(e[64:], uint16(2*len(name)+2))
		e[66], e[67] = typ, 1 // type, black
		le.PutUint32(e[68:], noStream)
		le.PutUint32(e[72:], right)
		le.PutUint32(e[76:], child)
		le.PutUint32(e[116:], endOfChain)
	}
	entry(0, "Root Entry", 5, 1, noStream)
	for i, s := range streams {
		right := uint32(noStream)
		if i+1 < len(streams) {
			right = uint32(i + 2)
		}
		entry(i+1, s, 2, noStream, right)
	}
	return append(append(header, fat...), dir...)
}

// zipOf builds a zip with the given parts, in order.
func zipOf(t testing.TB, parts ...string) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for i := 0; i < len(parts); i += 2 {
		w, err := zw.Create(parts[i])
		must(t, err)
		_, err = io.WriteString(w, parts[i+1])
		must(t, err)
	}
	must(t, zw.Close())
	return buf.Bytes()
}

func TestNotATable(t *testing.T) {
	png := append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 200)...)
	rnd := rand.New(rand.NewPCG(1, 2))
	for i := 8; i < len(png); i++ {
		png[i] = byte(rnd.UintN(256))
	}
	tests := []struct {
		name, file string
		data       []byte
		sent       error
		msg        string
	}{
		{
			"PDF renamed", "users.csv", []byte("%PDF-1.7\n%âãÏÓ\n1 0 obj\n"), ErrNotTable,
			"users.csv: is a PDF, not a CSV or Excel file",
		},
		{
			"encrypted xlsx", "users.xlsx", cfbFile("EncryptionInfo", "EncryptedPackage"), ErrEncrypted,
			"users.xlsx: is password-protected; remove the password in Excel or save as CSV",
		},
		{
			"old xls", "users.xlsx", cfbFile("Workbook", "\x05SummaryInformation"), ErrNotTable,
			"users.xlsx: is an old Excel 97–2003 .xls file; save it as .xlsx or CSV",
		},
		{
			"old doc", "users.xlsx", cfbFile("WordDocument", "1Table"), ErrNotTable,
			"users.xlsx: is an old Word .doc document, not a table; save the table as .xlsx or CSV",
		},
		{
			"ods", "users.xlsx", zipOf(t, "mimetype", "application/vnd.oasis.opendocument.spreadsheet",
				"content.xml", "<office:document-content/>"), ErrNotTable,
			"users.xlsx: is an OpenDocument spreadsheet (.ods), not an Excel workbook; save it as .xlsx or CSV",
		},
		{
			"docx", "users.xlsx", zipOf(t, "[Content_Types].xml", "<Types/>", "word/document.xml", "<w:document/>"),
			ErrNotTable, "users.xlsx: is a Word document (.docx), not an Excel workbook; save it as .xlsx or CSV",
		},
		{
			"zip", "users.zip", zipOf(t, "users.csv", "a;b\n"), ErrNotTable,
			"users.zip: is a ZIP archive, not an Excel workbook; save it as .xlsx or CSV",
		},
		{"png", "users.csv", png, ErrNotTable, "users.csv: is not a text table (it contains NUL bytes, as binary files do)"},
		{
			"control characters", "users.csv", []byte("a;b\x01\x02\x03\x04;c\x05\n"), ErrNotTable,
			"users.csv: is not a text table (it contains binary data)",
		},
		{
			"UTF-16 read as UTF-8", "users.csv", utf16le("a;b\n", false), ErrNotTable,
			"users.csv: is not a text table (it contains NUL bytes, as binary files do) (if it is UTF-16 text, choose the encoding UTF-16)",
		},
		{"empty", "users.csv", nil, ErrNotTable, "users.csv: is empty"},
		{"only a BOM", "users.csv", bomUTF8, ErrNotTable, "users.csv: is empty (it holds only a byte-order mark)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opt := Options{}
			if tt.name == "UTF-16 read as UTF-8" {
				opt.Encoding = "utf-8"
			}
			err := openErr(t, tt.file, tt.data, opt)
			var e *Error
			if !errors.Is(err, tt.sent) || !errors.As(err, &e) || err.Error() != tt.msg {
				t.Errorf("error %v;\nwant  %s (%v)", err, tt.msg, tt.sent)
			}
		})
	}
}

// bombXLSX returns a valid workbook whose sheet1.xml is padded with size
// bytes of whitespace. If lie, the zip headers declare the sheet as small
// as the original.
func bombXLSX(t testing.TB, size int, lie bool) []byte {
	small := xlsxBytes(t, func(f *excelize.File) { must(t, f.SetCellStr("Sheet1", "A1", "boom")) })
	return replaceSheet1(t, small, func(zw *zip.Writer, name string, orig []byte) {
		i := bytes.Index(orig, []byte("<sheetData>"))
		if i < 0 {
			t.Fatalf("no sheetData in %s", orig)
		}
		body := append(append(append([]byte{}, orig[:i]...), bytes.Repeat([]byte(" "), size)...), orig[i:]...)
		var comp bytes.Buffer
		fw, _ := flate.NewWriter(&comp, flate.BestCompression)
		_, _ = fw.Write(body)
		must(t, fw.Close())
		hdr := &zip.FileHeader{
			Name: name, Method: zip.Deflate,
			CRC32: crc32.ChecksumIEEE(body), CompressedSize64: uint64(comp.Len()), UncompressedSize64: uint64(len(body)),
		}
		if lie {
			hdr.UncompressedSize64 = uint64(len(orig))
		}
		w, err := zw.CreateRaw(hdr)
		must(t, err)
		_, err = w.Write(comp.Bytes())
		must(t, err)
	})
}

// replaceSheet1 copies the workbook data, letting write put a new first sheet
// (xl/worksheets/sheet1.xml) into the zip in place of orig.
func replaceSheet1(t testing.TB, data []byte, write func(zw *zip.Writer, name string, orig []byte)) []byte {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	must(t, err)
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, zf := range zr.File {
		if zf.Name != "xl/worksheets/sheet1.xml" {
			must(t, zw.Copy(zf))
			continue
		}
		rc, err := zf.Open()
		must(t, err)
		orig, err := io.ReadAll(rc)
		must(t, err)
		write(zw, zf.Name, orig)
	}
	must(t, zw.Close())
	return buf.Bytes()
}

func TestZipBomb(t *testing.T) {
	for _, lie := range []bool{false, true} {
		data := bombXLSX(t, 50<<20, lie)
		if len(data) > 100<<10 {
			t.Fatalf("bomb is %d bytes; want < 100 KB", len(data))
		}
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err := OpenBytes("bomb.xlsx", data, Options{MaxUnzipSize: 10 << 20})
		runtime.ReadMemStats(&after)
		var e *Error
		if !errors.Is(err, ErrTooLarge) || !errors.As(err, &e) || !strings.HasPrefix(err.Error(), "bomb.xlsx: unpacks to more than") {
			t.Errorf("lie=%v: error %v; want ErrTooLarge", lie, err)
		}
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 16<<20 {
			t.Errorf("lie=%v: allocated %d MB to refuse a bomb", lie, alloc>>20)
		}
	}
	// Under a limit the same (honest) file is just a workbook.
	data := bombXLSX(t, 1<<20, false)
	tab := readAll(t, writeFile(t, "fine.xlsx", data), Options{MaxUnzipSize: 10 << 20})
	if len(tab.Rows) != 1 || tab.Rows[0].Cells[0] != "boom" {
		t.Errorf("rows %+v; want boom", tab.Rows)
	}
}

func TestDamagedXLSX(t *testing.T) {
	data := xlsxBytes(t, func(f *excelize.File) {
		must(t, f.SetCellStr("Sheet1", "A1", strings.Repeat("some text ", 100)))
	})
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	must(t, err)
	for _, zf := range zr.File {
		if zf.Name == "xl/worksheets/sheet1.xml" {
			off, err := zf.DataOffset()
			must(t, err)
			data[off+5] ^= 0xFF // damage the compressed sheet
		}
	}
	err = openErr(t, "broken.xlsx", data, Options{})
	if !errors.Is(err, ErrNotTable) || !strings.HasPrefix(err.Error(), "broken.xlsx: is a damaged Excel file (part xl/worksheets/sheet1.xml") {
		t.Errorf("error %v; want a damaged file", err)
	}
	err = openErr(t, "cut.xlsx", data[:len(data)/2], Options{})
	if !errors.Is(err, ErrNotTable) || !strings.HasPrefix(err.Error(), "cut.xlsx: is a damaged ZIP or Excel file") {
		t.Errorf("error %v; want a damaged file", err)
	}
}

// TestExcelizeZipLimits documents what excelize does by itself with the
// bombs of TestZipBomb, and so why checkZip inflates every part: excelize
// refuses a bomb whose headers are honest, but opens one whose headers lie
// (it ignores the error archive/zip reports and keeps the cut-off part).
// If the second half starts failing, excelize catches lying headers itself.
func TestExcelizeZipLimits(t *testing.T) {
	opts := excelize.Options{UnzipSizeLimit: 10 << 20, UnzipXMLSizeLimit: 10 << 20}
	_, err := excelize.OpenReader(bytes.NewReader(bombXLSX(t, 50<<20, false)), opts)
	if err == nil || !strings.Contains(err.Error(), "unzip size") {
		t.Errorf("honest bomb: error %v; want excelize's unzip size limit", err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(bombXLSX(t, 50<<20, true)), opts)
	if err != nil {
		t.Logf("lying bomb: excelize now refuses it: %v", err)
		return
	}
	f.Close()
	t.Log("lying bomb: excelize opens it without error; checkZip is needed")
}

func TestContainsAnyAcrossChunks(t *testing.T) {
	enc, doc := utf16Name("EncryptionInfo"), utf16Name("WordDocument")
	data := make([]byte, 3<<20)
	copy(data[1<<20-5:], doc)  // across the first chunk boundary
	copy(data[2<<20-11:], enc) // across the second
	for _, tt := range []struct {
		size int64
		want int
	}{{1 << 20, -1}, {1<<20 + 100, 1}, {3 << 20, 0}} {
		got, err := containsAny(bytesReaderAt(data[:tt.size]), tt.size, enc, doc)
		if err != nil || got != tt.want {
			t.Errorf("size %d: %d, %v; want %d", tt.size, got, err, tt.want)
		}
	}
}

// Package pdfcheck helps tests look into PDF files with real tools: poppler's
// pdfinfo, pdftotext and pdftoppm, and zbar's zbarimg for QR codes (make deps
// installs them). Without CI set, a test whose tool is missing is skipped; on CI it
// fails.
package pdfcheck

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// Need skips (or, on CI, fails) t when one of the tools is not installed.
func Need(t testing.TB, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("%s is not installed (make deps installs it)", tool)
			}
			t.Skipf("%s is not installed; run make deps", tool)
		}
	}
}

// Run runs a tool and returns its standard output. Any output on standard error
// fails t: poppler reports damaged files there.
func Run(t testing.TB, name string, args ...string) string {
	t.Helper()
	var out, errOut bytes.Buffer
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil || errOut.Len() > 0 {
		t.Fatalf("%s %s: %v\nstderr: %s", name, strings.Join(args, " "), err, errOut.String())
	}
	return out.String()
}

// Pages is the page count pdfinfo reports.
func Pages(t testing.TB, path string) int {
	t.Helper()
	for _, line := range strings.Split(Run(t, "pdfinfo", path), "\n") {
		if v, ok := strings.CutPrefix(line, "Pages:"); ok {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Fatal("pdfinfo printed no page count")
	return 0
}

// Text is the text of one page (counted from 1), as pdftotext reads it.
func Text(t testing.TB, path string, page int) string {
	t.Helper()
	n := strconv.Itoa(page)
	return Run(t, "pdftotext", "-f", n, "-l", n, path, "-")
}

// Render renders one page as a PNG file at dpi and returns the file's path.
func Render(t testing.TB, path string, page, dpi int, gray bool) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "page")
	n := strconv.Itoa(page)
	args := []string{"-r", strconv.Itoa(dpi), "-png", "-singlefile", "-f", n, "-l", n}
	if gray {
		args = append(args, "-gray")
	}
	Run(t, "pdftoppm", append(args, path, out)...)
	return out + ".png"
}

// QR returns what the QR codes in a picture hold, one per line; "" when zbarimg
// finds none.
func QR(t testing.TB, png string) string {
	t.Helper()
	out, err := exec.Command("zbarimg", "--nodbus", "--quiet", "--raw", png).Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok && ee.ExitCode() == 4 { // 4: no symbol found
			return ""
		}
		t.Fatalf("zbarimg %s: %v", png, err)
	}
	return strings.TrimSpace(string(out))
}

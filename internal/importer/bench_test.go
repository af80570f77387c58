package importer

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"onboard/data"
	"onboard/internal/demo"
	"onboard/internal/lifecycle"
	"onboard/internal/tabular"
)

// benchRows is the size of the benchmark files and of the store they go into.
const benchRows = 100_000

// benchHeader and benchRow make the 8-column benchmark file.
var benchHeader = []string{"Vorname", "Nachname", "E-Mail", "Mobil", "Externe ID", "Klasse", "Gruppe", "Bemerkung"}

func benchRow(i int) []string {
	return []string{
		"Jürgen", fmt.Sprintf("Groß%d", i), fmt.Sprintf("juergen.gross%d@schule.example", i),
		fmt.Sprintf("+49 151 %07d", i), fmt.Sprintf("%06d", i), fmt.Sprintf("Klasse %d", i%40), "Chor", "importiert",
	}
}

// benchDir holds the benchmark store; TestMain removes it.
var benchDir string

func TestMain(m *testing.M) {
	code := m.Run()
	if benchDir != "" {
		os.RemoveAll(benchDir)
	}
	os.Exit(code)
}

// benchStore is a database file holding benchRows demo users, made once and copied
// for each run.
var benchStore = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "onboard-bench-")
	if err != nil {
		return "", err
	}
	benchDir = dir
	path := filepath.Join(dir, "base.db")
	st, err := data.Open(path)
	if err != nil {
		return "", err
	}
	defer st.Close()
	_, err = demo.Fill(context.Background(), st, demo.Options{Users: benchRows, Seed: 1, Now: now})
	return path, err
})

// freshStore copies the benchmark store to a new file and opens it.
func freshStore(b *testing.B) *data.Store {
	b.Helper()
	base, err := benchStore()
	if err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(b.TempDir(), "onboard.db")
	if err := copyFile(base, path); err != nil {
		b.Fatal(err)
	}
	st, err := data.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	return st
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// benchImport measures the whole import of path into a store holding benchRows
// other users: read, map, check, commit with a key per user.
func benchImport(b *testing.B, path string) {
	ctx := context.Background()
	var read, check, commit time.Duration
	for range b.N {
		b.StopTimer()
		st := freshStore(b)
		svc := lifecycle.New(st)
		role, err := st.RoleByName(ctx, "Student")
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		t0 := time.Now()
		src, err := Load(ctx, path, tabular.Options{}, true, nil)
		if err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		p, err := Check(ctx, st, src, Settings{Mapping: AutoMap(src.Header), RoleID: role.ID}, svc.Now())
		if err != nil {
			b.Fatal(err)
		}
		t2 := time.Now()
		rep, err := Commit(ctx, svc, p, false, nil)
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		read, check, commit = read+t1.Sub(t0), check+t2.Sub(t1), commit+time.Since(t2)
		if rep.Created != benchRows {
			b.Fatalf("created %d", rep.Created)
		}
		st.Close()
		b.StartTimer()
	}
	// The phases, to see where the time goes.
	for name, d := range map[string]time.Duration{"read-s": read, "check-s": check, "commit-s": commit} {
		b.ReportMetric(d.Seconds()/float64(b.N), name)
	}
}

// BenchmarkImportCSV100k: a 100k-row, 8-column semicolon CSV (Windows-1252) into a
// store that already holds 100k other users. Target ≤ 1.3 s.
func BenchmarkImportCSV100k(b *testing.B) {
	var buf bytes.Buffer
	buf.WriteString(strings.Join(benchHeader, ";") + "\r\n")
	for i := range benchRows {
		buf.WriteString(strings.Join(benchRow(i), ";") + "\r\n")
	}
	path := filepath.Join(b.TempDir(), "users.csv")
	if err := os.WriteFile(path, cp1252(b, buf.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	benchImport(b, path)
}

// BenchmarkImportXLSX100k: the same rows as an XLSX. Target ≤ 4 s, peak memory ≤ 300 MB.
func BenchmarkImportXLSX100k(b *testing.B) {
	rows := [][]string{benchHeader}
	for i := range benchRows {
		rows = append(rows, benchRow(i))
	}
	var buf bytes.Buffer
	if err := tabular.WriteXLSX(&buf, []tabular.Sheet{{Name: "Schüler", Rows: rows}}); err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(b.TempDir(), "users.xlsx")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		b.Fatal(err)
	}
	benchImport(b, path)
}

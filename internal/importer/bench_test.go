package importer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
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
var benchStore = sync.OnceValues(func() (string, error) { return makeBaseStore("base.db", benchRows) })

// emptyStore is a database file with the demo catalog (roles, units) and no users.
var emptyStore = sync.OnceValues(func() (string, error) { return makeBaseStore("empty.db", 0) })

// makeBaseStore makes a database file called name in benchDir holding users demo
// users and the demo catalog.
func makeBaseStore(name string, users int) (string, error) {
	if benchDir == "" {
		dir, err := os.MkdirTemp("", "onboard-bench-")
		if err != nil {
			return "", err
		}
		benchDir = dir
	}
	path := filepath.Join(benchDir, name)
	st, err := data.Open(path)
	if err != nil {
		return "", err
	}
	defer st.Close()
	_, err = demo.Fill(context.Background(), st, demo.Options{Users: users, Seed: 1, Now: now})
	return path, err
}

// storeCopy copies the base store made by base to a new file and returns its path.
func storeCopy(b *testing.B, base func() (string, error)) string {
	b.Helper()
	from, err := base()
	if err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(b.TempDir(), "onboard.db")
	if err := copyFile(from, path); err != nil {
		b.Fatal(err)
	}
	return path
}

// freshStore copies the benchmark store to a new file and opens it.
func freshStore(b *testing.B) *data.Store {
	b.Helper()
	st, err := data.Open(storeCopy(b, benchStore))
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

// benchCSV writes a semicolon CSV (Windows-1252) of rows benchRow rows under a
// header and returns its path.
func benchCSV(b *testing.B, rows int) string {
	b.Helper()
	var buf bytes.Buffer
	buf.WriteString(strings.Join(benchHeader, ";") + "\r\n")
	for i := range rows {
		buf.WriteString(strings.Join(benchRow(i), ";") + "\r\n")
	}
	path := filepath.Join(b.TempDir(), "users.csv")
	if err := os.WriteFile(path, cp1252(b, buf.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	return path
}

// BenchmarkImportCSV100k: a 100k-row, 8-column semicolon CSV (Windows-1252) into a
// store that already holds 100k other users. Target ≤ 1.3 s.
func BenchmarkImportCSV100k(b *testing.B) {
	benchImport(b, benchCSV(b, benchRows))
}

// BenchmarkCheckSameName checks 20,000 rows of one name without email, each of
// which needs the next numbered username (max.mustermann, max.mustermann2, …).
// Target: linear in the rows, ≤ 0.5 s (searching every number from 2 again for
// each row took 95 s).
func BenchmarkCheckSameName(b *testing.B) {
	const rows = 20_000
	table := &tabular.Table{Info: tabular.Info{Name: "same.csv", Format: tabular.FormatCSV}}
	table.Rows = append(table.Rows, tabular.Row{Line: 1, Cells: []string{"Vorname", "Nachname", "Externe ID"}})
	for i := range rows {
		table.Rows = append(table.Rows, tabular.Row{Line: i + 2, Cells: []string{"Max", "Mustermann", fmt.Sprintf("X%d", i)}})
	}
	src := NewSource(table, true)
	ctx := context.Background()
	st, err := data.Open(storeCopy(b, emptyStore))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	role, err := st.RoleByName(ctx, "Student")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		p, err := Check(ctx, st, src, Settings{Mapping: AutoMap(src.Header), RoleID: role.ID}, now)
		if err != nil {
			b.Fatal(err)
		}
		if got := p.Rows[rows-1].Username; got != fmt.Sprintf("max.mustermann%d", rows) {
			b.Fatalf("last username %q", got)
		}
	}
}

// childEnv passes the file and the store to import to the child process of
// BenchmarkImportCSVScale (see TestImportChild), separated by a newline.
const childEnv = "ONBOARD_BENCH_IMPORT_CHILD"

// BenchmarkImportCSVScale imports 100k- and 300k-row CSV files (as
// BenchmarkImportCSV100k's) into an empty store and into one holding benchRows
// other users, the way the import command does it. Each run is a child process,
// so that peak-MB is the most memory the import itself held resident (VmHWM),
// SQLite's included; cpu-s/op is the child's user and system time, which other
// work on the machine disturbs less than the wall time. Targets: time grows
// linearly at most (300k ≤ 3× the time of 100k), and the 300k import peaks at
// ≤ 300 MB.
func BenchmarkImportCSVScale(b *testing.B) {
	if _, err := os.Stat("/proc/self/status"); err != nil {
		b.Skip("peak memory is read from /proc/self/status (Linux)")
	}
	stores := []struct {
		name string
		base func() (string, error)
	}{{"empty", emptyStore}, {"100k", benchStore}}
	for _, rows := range []int{100_000, 300_000} {
		csvPath := benchCSV(b, rows)
		for _, st := range stores {
			b.Run(fmt.Sprintf("rows=%dk/store=%s", rows/1000, st.name), func(b *testing.B) {
				peak, cpu := 0, time.Duration(0)
				for range b.N {
					b.StopTimer()
					db := storeCopy(b, st.base)
					b.StartTimer()
					kb, used := importInChild(b, csvPath, db, rows)
					peak, cpu = max(peak, kb), cpu+used
				}
				b.ReportMetric(float64(peak)/1024, "peak-MB")
				b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op")
			})
		}
	}
}

// importInChild runs TestImportChild in a new process of the test binary to
// import csvPath into the store at db, checks that it created rows users, and
// returns the child's peak resident memory in kB and the CPU time it used.
func importInChild(b *testing.B, csvPath, db string, rows int) (int, time.Duration) {
	b.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestImportChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), childEnv+"="+csvPath+"\n"+db)
	out, err := cmd.CombinedOutput()
	if err != nil {
		b.Fatalf("child: %v\n%s", err, out)
	}
	var created, peak int
	if _, err := fmt.Sscanf(lastLine(string(out), "created "), "created %d peak-kB %d", &created, &peak); err != nil {
		b.Fatalf("child said %q: %v", out, err)
	}
	if created != rows {
		b.Fatalf("created %d of %d", created, rows)
	}
	return peak, cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
}

// lastLine returns the last line of out that starts with prefix ("" when none).
func lastLine(out, prefix string) string {
	line := ""
	for l := range strings.Lines(out) {
		if strings.HasPrefix(l, prefix) {
			line = l
		}
	}
	return line
}

// TestImportChild is the child process of BenchmarkImportCSVScale: run without
// childEnv it skips. It imports the file into the store as the import command does
// (role Student, the units of the file, the cells let go after the check) and
// prints how many users it created and its peak resident memory.
func TestImportChild(t *testing.T) {
	csvPath, db, ok := strings.Cut(os.Getenv(childEnv), "\n")
	if !ok {
		t.Skip("the child process of BenchmarkImportCSVScale")
	}
	ctx := context.Background()
	st, err := data.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	svc := lifecycle.New(st)
	role, err := st.RoleByName(ctx, "Student")
	if err != nil {
		t.Fatal(err)
	}
	src, err := Load(ctx, csvPath, tabular.Options{}, true, nil)
	if err != nil {
		t.Fatal(err)
	}
	p, err := Check(ctx, st, src, Settings{Mapping: AutoMap(src.Header), RoleID: role.ID}, svc.Now())
	if err != nil {
		t.Fatal(err)
	}
	src.Rows = nil
	rep, err := Commit(ctx, svc, p, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	peak, err := peakRSS()
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("created %d peak-kB %d\n", rep.Created, peak)
}

// peakRSS returns the process's peak resident memory in kB (VmHWM).
func peakRSS() (int, error) {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, err
	}
	for l := range strings.Lines(string(status)) {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			return strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
		}
	}
	return 0, errors.New("no VmHWM in /proc/self/status")
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

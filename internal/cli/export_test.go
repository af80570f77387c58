package cli

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"onboard/internal/display"
	"onboard/internal/export"
	"onboard/internal/keys"
	"onboard/internal/tabular"
)

// listByUsername lists the users of db (users list --format csv) by username.
func listByUsername(t *testing.T, db string) map[string][]string {
	t.Helper()
	m := map[string][]string{}
	for _, r := range listCSV(t, db) {
		m[r[3]] = r
	}
	return m
}

// sortedList puts a cell listing units or groups in order.
func sortedList(s string) string {
	parts := strings.Split(s, ", ")
	slices.Sort(parts)
	return strings.Join(parts, ", ")
}

// demoDB is the database o.db in dir with n demo users (seed 5).
func demoDB(t *testing.T, dir string, n int) string {
	t.Helper()
	db := filepath.Join(dir, "o.db")
	if code, _, e := run(t, "--db", db, "demo", "--users", strconv.Itoa(n), "--seed", "5"); code != ExitOK {
		t.Fatalf("demo: %s", e)
	}
	return db
}

func TestUsersExportImportsBackUnchanged(t *testing.T) {
	dir := t.TempDir()
	db := demoDB(t, dir, 300)
	want := listByUsername(t, db)
	for _, format := range []string{"csv", "xlsx"} {
		t.Run(format, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "alle benutzer."+format)
			os.WriteFile(file, []byte("an older export"), 0o644)
			code, out, e := run(t, "--db", db, "users", "export", "--format", format, "-o", file, "--with-keys")
			if code != ExitOK || out != "Exported 300 users to "+file+".\n" || e != "" {
				t.Fatalf("export: %d %q %q", code, out, e)
			}
			tab, err := tabular.ReadAll(t.Context(), file, tabular.Options{}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if h := tab.Rows[0].Cells; !slices.Equal(h, export.Header(true)) || len(tab.Rows) != 301 {
				t.Fatalf("header %q, %d rows", h, len(tab.Rows))
			}
			withKey := 0
			for _, r := range tab.Rows[1:] {
				w, key := want[tabular.UnguardCell(r.Cells[3])], ""
				if len(r.Cells) > 11 { // an XLSX row ends at its last non-empty cell
					key = r.Cells[11]
				}
				if w == nil || key != w[11] || key != "" && !keys.Valid(keys.Personal, key) {
					t.Fatalf("row %q: the key is not the user's (%q)", r.Cells, w)
				}
				if key != "" {
					withKey++
				}
			}
			if withKey == 0 {
				t.Fatal("no user has a key")
			}

			fresh := filepath.Join(t.TempDir(), "fresh.db")
			if code, _, e := run(t, "--db", fresh, "demo", "--users", "0"); code != ExitOK {
				t.Fatalf("demo: %s", e)
			}
			code, out, e = run(t, "--db", fresh, "import", file)
			if code != ExitOK || !strings.Contains(out, "300 created, 0 updated, 0 skipped, 0 failed") ||
				!strings.Contains(out, "first_name → First name") || !strings.Contains(out, "status → ignored") {
				t.Fatalf("import: %d\n%s\n%s", code, out, e)
			}
			got := listByUsername(t, fresh)
			if len(got) != len(want) {
				t.Fatalf("%d users imported, want %d", len(got), len(want))
			}
			for name, w := range want {
				g := got[name]
				if g == nil || !slices.Equal(g[:7], w[:7]) || sortedList(g[7]) != sortedList(w[7]) || sortedList(g[8]) != sortedList(w[8]) {
					t.Fatalf("user %s:\n got %q\nwant %q", name, g, w)
				}
			}
		})
	}
}

func TestUsersExportFilters(t *testing.T) {
	dir := t.TempDir()
	db := demoDB(t, dir, 300)
	all := listCSV(t, db)
	file := filepath.Join(dir, "out.csv")
	exported := func(args ...string) [][]string {
		t.Helper()
		code, out, e := run(t, append([]string{"--db", db, "users", "export", "--format", "CSV", "-o", file}, args...)...)
		if code != ExitOK {
			t.Fatalf("%v: %d %s %s", args, code, out, e)
		}
		raw, err := os.ReadFile(file)
		if err != nil || !strings.HasPrefix(string(raw), "\ufeff") {
			t.Fatalf("%v: %v; want a BOM", args, err)
		}
		recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(raw), "\ufeff"))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if len(recs[0]) != 11 || !strings.Contains(out, "Exported "+display.Plural(len(recs)-1, "user")+" to "+file+".") {
			t.Fatalf("%v: header %q, output %q for %d users", args, recs[0], out, len(recs)-1)
		}
		return recs[1:]
	}
	count := func(match func(r []string) bool) int {
		n := 0
		for _, r := range all {
			if match(r) {
				n++
			}
		}
		return n
	}
	for _, tc := range []struct {
		args  []string
		match func(r []string) bool
	}{
		{[]string{"--status", "expired"}, func(r []string) bool { return r[9] == "expired" }},
		{[]string{"--role", "teacher"}, func(r []string) bool { return r[6] == "Teacher" }},
		{[]string{"--unit", "Class 5a", "--unit", "werk süd"}, func(r []string) bool {
			return slices.Contains(strings.Split(r[7], ", "), "Class 5a") || slices.Contains(strings.Split(r[7], ", "), "Werk Süd")
		}},
		{[]string{"--group", "Choir", "--status", "active"}, func(r []string) bool {
			return r[9] == "active" && slices.Contains(strings.Split(r[8], ", "), "Choir")
		}},
		{[]string{"--search", all[0][1]}, func(r []string) bool {
			return strings.Contains(strings.ToLower(strings.Join(r[:6], " ")), strings.ToLower(all[0][1]))
		}},
	} {
		got := exported(tc.args...)
		if want := count(tc.match); len(got) != want || want == 0 || want == len(all) {
			t.Errorf("%v: %d users, want %d of %d", tc.args, len(got), want, len(all))
		}
		for _, r := range got {
			if !tc.match(r) {
				t.Errorf("%v: exported %q", tc.args, r)
			}
		}
	}
	if got := exported("--search", "nobody by this name"); len(got) != 0 {
		t.Errorf("no match: %d users", len(got))
	}
}

func TestUsersExportUsageErrorsNameTheFlag(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "never.db")
	file := filepath.Join(dir, "out.csv")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-o", file}, "give the format with --format csv or --format xlsx"},
		{[]string{"--format", "ods", "-o", file}, `--format must be csv or xlsx, not "ods"`},
		{[]string{"--format", "csv"}, "give the file to write with -o FILE"},
		{[]string{"--format", "csv", "-o", file, "--status", "sleeping"}, "--status: "},
		{[]string{"--format", "csv", "-o", file, "--keys"}, "flag provided but not defined: -keys"},
		{[]string{"--format", "csv", "-o", file, "extra"}, `unexpected argument "extra"`},
		{[]string{"--format", "csv", "-o"}, "flag needs an argument: -o"},
	} {
		code, out, errOut := run(t, append([]string{"--db", db, "users", "export"}, tc.args...)...)
		if code != ExitUsage || out != "" || !strings.HasPrefix(errOut, "onboard users export: "+tc.want) ||
			!strings.Contains(errOut, "users export [--status S]") {
			t.Errorf("%v: exit %d, stdout %q, stderr %.200q; want 2, %q and the usage", tc.args, code, out, errOut, tc.want)
		}
	}
	if _, err := os.Stat(db); !os.IsNotExist(err) {
		t.Error("a usage error created the database file")
	}
	if _, err := os.Stat(file); !os.IsNotExist(err) {
		t.Error("a usage error wrote the file")
	}
	if code, _, errOut := run(t, "--db", db, "users", "frobnicate"); code != ExitUsage || !strings.Contains(errOut, "use list, export or extend") {
		t.Errorf("users frobnicate: %d %q", code, errOut)
	}
}

func TestUsersExportFailuresWriteNothing(t *testing.T) {
	dir := t.TempDir()
	db := demoDB(t, dir, 20)
	file := filepath.Join(dir, "out.xlsx")
	os.WriteFile(file, []byte("older"), 0o644)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--unit", "Class 9z"}, `onboard users export: there is no unit "Class 9z"; units: `},
		{[]string{"--group", "Band"}, `onboard users export: there is no group "Band"; groups: `},
		{[]string{"--role", "Janitor"}, `onboard users export: there is no role "Janitor"; roles: `},
	} {
		code, out, errOut := run(t, append([]string{"--db", db, "users", "export", "--format", "xlsx", "-o", file}, tc.args...)...)
		if code != ExitFail || out != "" || !strings.HasPrefix(errOut, tc.want) || strings.Count(errOut, "\n") != 1 {
			t.Errorf("%v: exit %d, %q %q; want 1 and %q", tc.args, code, out, errOut, tc.want)
		}
	}
	if b, _ := os.ReadFile(file); string(b) != "older" {
		t.Errorf("the file became %.40q", b)
	}
	missing := filepath.Join(dir, "no such folder", "out.csv")
	code, _, errOut := run(t, "--db", db, "users", "export", "--format", "csv", "-o", missing)
	if code != ExitFail || !strings.Contains(errOut, missing) || strings.Count(errOut, "\n") != 1 {
		t.Errorf("missing folder: %d %q", code, errOut)
	}
	var names []string
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), "o.db") {
			names = append(names, e.Name())
		}
	}
	if !slices.Equal(names, []string{"out.xlsx"}) {
		t.Errorf("files besides the database: %q; want out.xlsx alone", names)
	}
}

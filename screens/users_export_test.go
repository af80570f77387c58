package screens

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"onboard/internal/export"
	"onboard/screens/internal/uitest"
)

func TestUsersExportWritesTheListOrTheSelection(t *testing.T) {
	test.NewTempApp(t)
	st, svc, base := uitest.OpenStore(t)
	for _, n := range []string{"Anna", "Ben", "Cem"} {
		uitest.CreateUser(t, svc, base, n, "Müller", "")
	}
	s, w := newScreen(t, st, svc)
	s.SelectRows(0, 1)
	uitest.Settle(s.wait)
	scope := s.ExportScope()
	if scope.Shown != 3 || len(scope.Selected) != 2 {
		t.Fatalf("scope %+v", scope)
	}
	e := NewUserExport(st, svc.Now, w)
	e.Ask(scope)
	uitest.MustShow(t, w, "The 3 users in the list", "The 2 users selected", "Include the personal keys")
	test.Tap(uitest.Button(t, w, "Cancel"))

	read := func(path string) [][]string {
		t.Helper()
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(b), "\ufeff"))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		return rows
	}
	all := filepath.Join(t.TempDir(), "users.csv")
	e.ExportTo(scope.Query, nil, export.CSV, false, all)
	uitest.Settle(e.wait)
	if rows := read(all); len(rows) != 4 || e.Exported != 3 || rows[1][1] != "Müller" {
		t.Fatalf("all: %d rows, exported %d: %v", len(rows), e.Exported, rows)
	}
	uitest.MustShow(t, w, "Exported 3 users to")
	sel := filepath.Join(t.TempDir(), "selected.csv")
	e.ExportTo(scope.Query, scope.Selected, export.CSV, true, sel)
	uitest.Settle(e.wait)
	rows := read(sel)
	if len(rows) != 3 || rows[0][len(rows[0])-1] != "key" || rows[1][len(rows[1])-1] == "" {
		t.Fatalf("selection with keys: %v", rows)
	}
}

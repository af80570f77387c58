package importer

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"onboard/internal/tabular"
)

// realFile is the path of a file in testdata/imports, written by real software
// (see scripts/make-import-testdata.sh).
func realFile(name string) string {
	return filepath.Join("..", "..", "testdata", "imports", name)
}

// loadReal loads a file of testdata/imports with its header.
func (e *env) loadReal(name string, opt tabular.Options) (*Source, error) {
	return Load(e.ctx, realFile(name), opt, true, nil)
}

// A formula that failed in the source sheet (a lookup that found nothing, a
// division by zero) is an error of that cell, in an .xlsx (cells of type "e",
// saved by LibreOffice) and in the CSV LibreOffice exports from it: the row is not
// imported, and the message names the line and the column. "#N/A" became a unit
// before.
func TestSpreadsheetErrorCellsFailTheirRow(t *testing.T) {
	for _, name := range []string{"errorcells.xlsx", "errorcells.csv"} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			src, err := e.loadReal(name, tabular.Options{})
			if err != nil {
				t.Fatal(err)
			}
			p, err := Check(e.ctx, e.store, src, Settings{Mapping: AutoMap(src.Header), RoleID: e.roleID("Student")}, now)
			if err != nil {
				t.Fatal(err)
			}
			if p.Counts.Valid != 1 || p.Counts.Errors != 2 || p.Rows[0].Action != Create {
				t.Fatalf("counts %+v; rows %+v", p.Counts, p.Rows)
			}
			for i, want := range []string{
				`"Klasse": the cell holds the spreadsheet error #N/A (a formula failed in the file)`,
				`"Notiz": the cell holds the spreadsheet error #DIV/0! (a formula failed in the file)`,
			} {
				r := p.Rows[i+1]
				if r.Action != Fails || r.Line != i+3 || !strings.HasPrefix(r.Reason, want) {
					t.Errorf("line %d: %s %q, want line %d failing with %q", r.Line, r.Action, r.Reason, i+3, want)
				}
			}
			for _, u := range p.NewUnits {
				if strings.HasPrefix(u.Name, "#") {
					t.Errorf("the error value %q would become a unit", u.Name)
				}
			}
			if _, err := Commit(e.ctx, e.svc, p, false, nil); !errors.Is(err, ErrRowsFailed) || e.userCount() != 0 {
				t.Fatalf("commit: %v, %d users", err, e.userCount())
			}
		})
	}
	if v, ok := ErrorValue("Err:502"); !ok || v != "Err:502" {
		t.Error("LibreOffice's Err:502 is not an error value")
	}
	for _, s := range []string{"#5a", "Erna", "Err:5", "N/A", "#"} {
		if _, ok := ErrorValue(s); ok {
			t.Errorf("%q taken for an error value", s)
		}
	}
}

package letterscreen

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"

	"onboard/internal/atomicfile"
	"onboard/internal/display"
	"onboard/internal/lifecycle"
	"onboard/internal/settings"
	"onboard/internal/sheets"
	"onboard/screens/internal/uikit"
)

// SaveClassSheets writes the class sheets sel selects to path, in the paper,
// language and organization of the settings; the file appears only when whole.
func SaveClassSheets(ctx context.Context, deps Deps, path string, sel sheets.Selection) (sheets.Result, error) {
	o, err := settings.SheetOptions(ctx, deps.Settings)
	if err != nil {
		return sheets.Result{}, err
	}
	o.Printed = deps.Service.Now()
	units, err := sheets.Collect(ctx, deps.Sheets, sel, o.Printed)
	if err != nil {
		return sheets.Result{}, err
	}
	var res sheets.Result
	err = atomicfile.Write(path, func(w io.Writer) error {
		res, err = sheets.Write(w, units, o)
		return err
	})
	return res, err
}

// classSheetsPath is where the class sheets printed with the letters in path go:
// beside them, "letters.pdf" → "letters-class-sheets.pdf".
func classSheetsPath(path string) string {
	return strings.TrimSuffix(path, filepath.Ext(path)) + "-class-sheets.pdf"
}

// recipientIDs are the IDs of the users a batch prints letters for.
func recipientIDs(b *lifecycle.LetterBatch) []string {
	ids := make([]string, len(b.Recipients))
	for i, r := range b.Recipients {
		ids[i] = r.UserID
	}
	return ids
}

// sheetsSaved says what was saved to path.
func sheetsSaved(res sheets.Result, path string) string {
	return fmt.Sprintf(lang.L("Class sheets of %s (%s) saved to %s."),
		display.PluralOf(res.Units, lang.L("unit"), lang.L("units")), display.PluralOf(res.Pages, lang.L("page"), lang.L("pages")), path)
}

// sheetsError says why no class sheet was saved, in words for an admin.
func sheetsError(err error) string {
	if errors.Is(err, sheets.ErrNothing) {
		return lang.L("none of these users is in a unit.")
	}
	return err.Error()
}

// AskClassSheet asks where to save the class sheet of one unit and saves it in
// the background (bg tracks it), telling the admin the outcome.
func AskClassSheet(win fyne.Window, bg *sync.WaitGroup, deps Deps, unitID, unitName string) {
	name := "class-sheet-" + strings.Map(fileNameRune, unitName) + ".pdf"
	uikit.AskSavePath(win, name, []string{".pdf"}, func(path string) {
		bg.Go(func() {
			res, err := SaveClassSheets(context.Background(), deps, path, sheets.Selection{UnitIDs: []string{unitID}})
			uikit.OnUI(func() {
				title := lang.L("Class sheet")
				switch {
				case errors.Is(err, sheets.ErrNothing):
					dialog.ShowInformation(title, fmt.Sprintf(lang.L("%s has nobody to list (the deactivated are left out); no file was saved."), unitName), win)
				case err != nil:
					uikit.ShowError(err, win)
				default:
					dialog.ShowInformation(title, fmt.Sprintf(lang.L("The class sheet of %s (%s, %s) is saved to %s."), unitName,
						display.PluralOf(res.People, lang.L("user"), lang.L("users")), display.PluralOf(res.Pages, lang.L("page"), lang.L("pages")), path), win)
				}
			})
		})
	})
}

// fileNameRune keeps r in a suggested file name, or replaces it with "-" where
// file systems refuse it or it reads badly.
func fileNameRune(r rune) rune {
	if strings.ContainsRune(`/\:*?"<>| `, r) || r < ' ' {
		return '-'
	}
	return r
}

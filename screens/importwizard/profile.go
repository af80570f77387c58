package importwizard

import (
	"context"
	"fmt"

	"fyne.io/fyne/v2/lang"

	"onboard/internal/display"
	"onboard/internal/importer"
)

// useProfile maps the columns of a newly read file: as chosen when a list with the
// same titles was imported (prof), else from the titles.
func (w *importWizard) useProfile(src *importer.Source, prof *importer.Profile) {
	w.mapping, w.profile = importer.AutoMap(src.Header), nil
	w.settings.Mapping = nil
	w.columns.saved.Hide()
	if prof == nil {
		return
	}
	m, err := prof.ColumnMapping()
	if err != nil {
		return // a damaged profile: the titles map the columns
	}
	w.mapping, w.profile = m, prof
	w.columns.saved.SetText(fmt.Sprintf(lang.L("A list with these columns was imported on %s (%s): its columns and choices are used again. Change what is different this time."),
		display.Time(&prof.SavedAt), prof.FileName))
	w.columns.saved.Show()
}

// applySavedOptions puts the saved choices of the file's columns into the
// settings, once the roles, units and groups are known (deleted ones are left
// out), and shows them on the File and Options steps.
func (w *importWizard) applySavedOptions() {
	if w.profile == nil {
		return
	}
	mode := w.settings.UpdateList
	if err := w.profile.ApplyOptions(&w.settings, w.roles, w.units, w.groups); err != nil {
		return
	}
	if w.modeChosen {
		w.settings.UpdateList = mode
	}
	w.file.showMode()
}

// saveProfile remembers the choices of the import of p for the next list with
// the same column titles.
func (w *importWizard) saveProfile(p *importer.Plan) {
	src, s, now := p.Source, cloneSettings(p.Settings), w.svc.Now()
	w.bg.Go(func() {
		_ = importer.SaveProfile(context.Background(), w.store, src, s, now) // only a convenience for next time
	})
}

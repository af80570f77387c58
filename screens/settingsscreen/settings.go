// Package settingsscreen is the Settings screen (organization, server, mail
// server, database, appearance) and the restore from a backup.
package settingsscreen

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"onboard/data"
	"onboard/internal/settings"
	"onboard/internal/syncclient"
	"onboard/resources"
	"onboard/screens/internal/uikit"
)

// DatabaseInfo is what the settings screen shows of the store and does with it.
type DatabaseInfo interface {
	Path() string
	SchemaVersion(ctx context.Context) (int, error)
	Backup(ctx context.Context, dest string) error
}

// Store is what the settings screen reads and writes: the database and the
// settings kept in it.
type Store interface {
	DatabaseInfo
	settings.Store
}

// Screen sets up sync with onboard-server and the mail server, shows where
// the data lives and offers a backup.
type Screen struct {
	db      Store
	win     fyne.Window
	bg      sync.WaitGroup
	schema  *widget.Label
	status  *widget.Label
	mail    *mailSettings
	sync    *syncSettings
	content fyne.CanvasObject
	// appearance is the window's language and theme; it shows after SetAppearance.
	appearance *appearanceSettings

	// OnMailSaved, if set, is called after the mail settings were saved (the
	// window tries the waiting mails again).
	OnMailSaved func()
	// Syncer runs "Sync now"; the window shares its own with the screen. Nil
	// (a store that is not a *data.Store) turns "Sync now" off.
	Syncer *syncclient.Runner
	// SyncContext is the context of "Sync now" (nil: none); the window cancels it
	// when it closes.
	SyncContext context.Context
	// OnSyncSaved, if set, is called after the server settings were saved (the
	// window syncs with them at once).
	OnSyncSaved func()
	// OnSynced, if set, is called after "Sync now" (the window updates the status
	// line, the permissions and the users).
	OnSynced func(syncclient.Outcome)
	// OnSetup, if set, opens the organization's setup (the first-run dialog).
	OnSetup func()
	// OnRestore, if set, restores the database from a backup (the window's Restore…).
	OnRestore func()
}

// New builds the settings screen for window win.
func New(db Store, win fyne.Window) *Screen {
	s := &Screen{db: db, win: win, schema: widget.NewLabel(""), status: widget.NewLabel("")}
	path := &widget.Entry{Text: db.Path(), Scroll: pageScroll}
	path.Disable()
	form := widget.NewForm(
		widget.NewFormItem(lang.L("Database file"), path),
		widget.NewFormItem(lang.L("Schema version"), s.schema),
	)
	backup := &widget.Button{Text: lang.L("Back up database…"), OnTapped: s.onBackup}
	restore := &widget.Button{Text: lang.L("Restore from backup…"), OnTapped: func() {
		if s.OnRestore != nil {
			s.OnRestore()
		}
	}}
	note := &widget.Label{
		Text:     lang.L("Start Onboard with --db PATH or the ONBOARD_DB environment variable to use another database file."),
		Wrapping: fyne.TextWrapWord,
	}
	if st, ok := db.(*data.Store); ok {
		s.Syncer = syncclient.NewRunner(st, nil)
	}
	s.mail = newMailSettings(s)
	s.sync = newSyncSettings(s)
	s.appearance = newAppearanceSettings()
	s.content = container.NewBorder(uikit.Heading(lang.L("Settings")), nil, nil, nil,
		container.NewVScroll(container.NewVBox(
			section(lang.L("Organization"), lang.L("Its name, the language of letters and mails, the registration address, "+
				"and roles and units to start with."), container.NewHBox(&widget.Button{Text: lang.L("Set up the organization…"), OnTapped: func() {
				if s.OnSetup != nil {
					s.OnSetup()
				}
			}})),
			section(lang.L("Server"), lang.L("Sync users, keys, units and groups with your organization's onboard-server: "+
				"people register there, and their accounts show up here as active."), s.sync.content),
			section(lang.L("Mail server"), lang.L("Invitation emails go out through your organization's mail server."), s.mail.content),
			widget.NewCard(lang.L("Database"), "", container.NewVBox(form, note, container.NewHBox(backup, restore), s.status)),
			s.appearance.card)))
	return s
}

// pageScroll is the scrolling of the settings page's one-line fields: none of
// their own, so that the mouse wheel over a field scrolls the page (a field that
// scrolls its text takes the wheel even when it has nothing to scroll). The fields
// are wide enough for their values.
const pageScroll = container.ScrollNone

// section is a card of the settings page whose explanation wraps (a card's own
// subtitle does not, and would widen the page past a 1024-pixel window).
func section(title, explanation string, content fyne.CanvasObject) *widget.Card {
	return widget.NewCard(title, "", container.NewVBox(uikit.Note(explanation), content))
}

// Content is the screen's root object.
func (s *Screen) Content() fyne.CanvasObject { return s.content }

// Reload reads the schema version and the mail settings (unless the admin is
// editing them) off the UI goroutine.
func (s *Screen) Reload() {
	s.bg.Go(func() {
		v, err := s.db.SchemaVersion(context.Background())
		uikit.OnUI(func() {
			if err != nil {
				s.schema.SetText(fmt.Sprintf(lang.L("unknown: %s"), err))
				return
			}
			s.schema.SetText(fmt.Sprint(v))
		})
	})
	s.mail.reload()
	s.sync.reload()
}

func (s *Screen) onBackup() {
	uikit.AskSavePath(s.win, "onboard-backup-"+time.Now().Format(time.DateOnly)+".db", []string{".db"}, func(dest string) {
		s.status.SetText(lang.L("Backing up…"))
		s.bg.Go(func() {
			err := s.db.Backup(context.Background(), dest)
			uikit.OnUI(func() {
				if err != nil {
					s.status.SetText("")
					dialog.ShowError(err, s.win)
					return
				}
				s.status.SetText(fmt.Sprintf(lang.L("Backed up to %s at %s"), dest, time.Now().Format("15:04")))
			})
		})
	})
}

// settingLabels are the labels of the settings the mail and server sections edit
// (settings.Key.Label, English there for the command line), by setting name,
// translated where shown.
var settingLabels = map[string]string{
	settings.SMTPHost.Name:     resources.Mark("SMTP server"),
	settings.SMTPPort.Name:     resources.Mark("Port"),
	settings.SMTPSecurity.Name: resources.Mark("Security"),
	settings.SMTPUser.Name:     resources.Mark("User name"),
	settings.SMTPPassword.Name: resources.Mark("Password"),
	settings.SMTPFrom.Name:     resources.Mark("Sender"),
	settings.SyncURL.Name:      resources.Mark("Server address"),
	settings.SyncToken.Name:    resources.Mark("Operator token"),
}

// settingLabel is the label of setting k in the window's language.
func settingLabel(k settings.Key) string {
	if l, ok := settingLabels[k.Name]; ok {
		return lang.L(l)
	}
	return k.Label
}

// settingProblem is what is wrong with a value of setting k, as a sentence under
// its field: "Port must be a number from 1 to 65535."
func settingProblem(k settings.Key, err *settings.Error) string {
	return fmt.Sprintf(lang.L("%s %s."), settingLabel(k), err.Err)
}

// secretPlace says where a stored password or token is kept (settings.Get's
// "(stored in the OS keyring)"), without the brackets.
func secretPlace(note string) string {
	switch note {
	case settings.SecretKeyring.Describe():
		return lang.L("stored in the OS keyring")
	case settings.SecretDatabase.Describe():
		return lang.L("stored in the database: no OS keyring was found")
	}
	return strings.TrimSuffix(strings.TrimPrefix(note, "("), ")")
}

// wait blocks until the background work has finished.
func (s *Screen) wait() { s.bg.Wait() }

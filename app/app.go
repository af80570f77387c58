// Package app is Onboard's window: navigation, menus and the screens in it.
package app

import (
	"context"
	"fmt"
	"os"
	"time"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/widget"

	"onboard/data"
	"onboard/lifecycle"
	"onboard/resources"
	"onboard/screens"
)

// processStart is when the program started, for ONBOARD_MEASURE_START.
var processStart = time.Now()

// AppID is the application's unique ID (as in FyneApp.toml).
const AppID = "org.onboard.desktop"

// Deps is what the window needs.
type Deps struct {
	Store   *data.Store
	Service *lifecycle.Service
	Screen  string // the screen to open first (see Screens); "" for users
	// OpenFile is a user list to open in the import wizard at start ("" for none).
	OpenFile string
}

// Screens are the navigation entries: the ID used by --screen and the label shown.
var Screens = []struct{ ID, Label string }{
	{"users", "Users"},
	{"invite-keys", "Invite keys"},
	{"units", "Units and groups"},
	{"imports", "Imports"},
	{"letters", "Letters"},
	{"settings", "Settings"},
}

// Dialogs that --screen can open at start, on top of their screen (for screenshots
// and documentation).
var startDialogs = map[string]string{"new-user": "users", "import-wizard": "imports", "invite-emails": "imports",
	"print-letters": "letters"}

// Run opens the main window and blocks until it closes. It refuses an unknown
// start screen.
func Run(d Deps) error {
	dlg := ""
	if parent, ok := startDialogs[d.Screen]; ok {
		dlg, d.Screen = d.Screen, parent
	}
	start, err := ScreenIndex(d.Screen)
	if err != nil {
		return err
	}
	a := fyneapp.NewWithID(AppID)
	a.SetIcon(fyne.NewStaticResource("icon.png", resources.IconPNG))
	w := a.NewWindow("Onboard")
	m := NewMain(d, w, start)
	w.SetContent(m.Content())
	w.Resize(fyne.NewSize(1280, 800))
	switch dlg {
	case "new-user":
		m.users.NewUser("")
	case "import-wizard":
		m.imports.OpenWizard()
	case "invite-emails":
		m.imports.OnBulkInvite()
	case "print-letters":
		m.printStartLetters()
	}
	if d.OpenFile != "" {
		m.nav.Select(m.index("imports"))
		m.imports.ImportFile(d.OpenFile)
	}
	if os.Getenv("ONBOARD_MEASURE_START") != "" {
		// For the start-up benchmark: report when the table shows users, then quit.
		m.users.OnFirstPage = func() {
			fmt.Fprintf(os.Stderr, "users table populated %d ms after start\n", time.Since(processStart).Milliseconds())
			// Quitting inside the first frames crashes GLFW: let the window settle.
			time.AfterFunc(500*time.Millisecond, func() { fyne.Do(a.Quit) })
		}
	}
	w.ShowAndRun()
	return nil
}

// ScreenIndex finds a screen by its ID; "" is the first screen.
func ScreenIndex(id string) (int, error) {
	if parent, ok := startDialogs[id]; ok {
		id = parent
	}
	if id == "" {
		return 0, nil
	}
	for i, s := range Screens {
		if s.ID == id {
			return i, nil
		}
	}
	return 0, fmt.Errorf("unknown screen %q (use users, new-user, invite-keys, units, imports, import-wizard, invite-emails, letters, print-letters or settings)", id)
}

// Main is the window's content: navigation on the left, the current screen beside it,
// a status line at the bottom.
type Main struct {
	users    *screens.UsersScreen
	keys     *screens.KeysScreen
	catalog  *screens.CatalogScreen
	imports  *screens.ImportsScreen
	letters  *screens.LettersScreen
	settings *screens.SettingsScreen
	store    *data.Store
	svc      *lifecycle.Service
	win      fyne.Window
	views    []fyne.CanvasObject
	stack    *fyne.Container
	nav      *widget.List
	current  int
	content  fyne.CanvasObject
}

// NewMain builds the window content showing screen start.
func NewMain(d Deps, w fyne.Window, start int) *Main {
	m := &Main{store: d.Store, svc: d.Service, win: w}
	m.users = screens.NewUsersScreen(d.Store, d.Service, w)
	m.keys = screens.NewKeysScreen(d.Store, d.Service, w)
	m.catalog = screens.NewCatalogScreen(d.Store, d.Service, w)
	m.catalog.OnShowUsers = func(unitID string) {
		m.users.SetUnitFilter(unitID)
		m.nav.Select(0)
	}
	m.catalog.OnNewUserInUnit = func(unitID string) { m.users.NewUser(unitID) }
	m.settings = screens.NewSettingsScreen(d.Store, w)
	m.imports = screens.NewImportsScreen(d.Store, d.Service, w)
	m.letters = screens.NewLettersScreen(m.letterDeps(), w)
	m.letters.OnPrint = m.printNotActivated
	m.imports.OnPrintLetters = m.printLetters
	m.users.OnPrintLetters = m.printLetters
	inviteEmails := func() {
		b := screens.ShowBulkInviteDialog(d.Store, d.Service, w)
		b.OnInvited = func(*lifecycle.InviteEmailsResult) { m.users.Reload() }
	}
	m.imports.OnBulkInvite = inviteEmails
	m.users.OnInviteEmails = inviteEmails
	m.users.OnImport = func() {
		m.nav.Select(m.index("imports"))
		m.imports.OpenWizard()
	}
	// A table file dropped anywhere on the window goes into the import wizard.
	w.SetOnDropped(func(_ fyne.Position, uris []fyne.URI) {
		if m.imports.Dropped(uris) {
			m.nav.Select(m.index("imports"))
		}
	})
	m.views = []fyne.CanvasObject{
		m.users.Content(),
		m.keys.Content(),
		m.catalog.Content(),
		m.imports.Content(),
		m.letters.Content(),
		m.settings.Content(),
	}
	m.stack = container.NewStack(m.views...)
	m.nav = widget.NewList(
		func() int { return len(Screens) },
		func() fyne.CanvasObject { return widget.NewLabel("Units and groups") },
		func(i widget.ListItemID, o fyne.CanvasObject) { o.(*widget.Label).SetText(Screens[i].Label) },
	)
	m.nav.OnSelected = m.show
	status := &widget.Label{Text: "Database: " + d.Store.Path(), Truncation: fyne.TextTruncateEllipsis}
	split := container.NewHSplit(m.nav, m.stack)
	split.Offset = 0.14
	m.content = container.NewBorder(nil, status, nil, nil, split)
	m.nav.Select(start) // shows and loads the screen through OnSelected
	m.addShortcuts(w)
	return m
}

// addShortcuts registers the keyboard shortcuts of the users screen: Ctrl+N new
// user, Ctrl+F search, Ctrl+A select all matching, Delete the selection.
func (m *Main) addShortcuts(w fyne.Window) {
	onUsers := func(f func()) func(fyne.Shortcut) {
		return func(fyne.Shortcut) {
			m.nav.Select(0)
			f()
		}
	}
	c := w.Canvas()
	c.AddShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyN, Modifier: fyne.KeyModifierShortcutDefault},
		onUsers(func() { m.users.NewUser("") }))
	c.AddShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyF, Modifier: fyne.KeyModifierShortcutDefault},
		onUsers(m.users.FocusSearch))
	// The driver reports Ctrl+A as the standard select-all shortcut, not a custom one.
	c.AddShortcut(&fyne.ShortcutSelectAll{}, onUsers(m.users.SelectAllMatching))
	c.SetOnTypedKey(func(ev *fyne.KeyEvent) {
		if ev.Name == fyne.KeyDelete && m.current == 0 {
			m.users.Bulk(lifecycle.ActionDelete)
		}
	})
}

// index is the position of screen id in Screens.
func (m *Main) index(id string) int {
	i, _ := ScreenIndex(id)
	return i
}

// Content is the root object of the window.
func (m *Main) Content() fyne.CanvasObject { return m.content }

// show switches to screen i and reloads it.
func (m *Main) show(i int) {
	m.current = i
	for j, v := range m.views {
		if j == i {
			v.Show()
		} else {
			v.Hide()
		}
	}
	switch Screens[i].ID {
	case "users":
		m.users.Reload()
	case "invite-keys":
		m.keys.Reload()
	case "units":
		m.catalog.Reload()
	case "imports":
		m.imports.Reload()
	case "letters":
		m.letters.Reload()
	case "settings":
		m.settings.Reload()
	}
}

// letterDeps is what the letters screen and the print dialog use.
func (m *Main) letterDeps() screens.LetterDeps {
	return screens.LetterDeps{Settings: m.store, Service: m.svc}
}

// printLetters opens the print dialog for the users ids.
func (m *Main) printLetters(ids []string) {
	p := screens.ShowPrintLetters(m.win, m.letterDeps(), ids)
	p.OnSaved = m.users.Reload // renewed keys change the list
}

// printNotActivated opens the print dialog for every user who is not activated.
func (m *Main) printNotActivated() { m.printUsers(data.UserQuery{Status: data.StatusNotActivated}, 0) }

// printStartLetters opens the print dialog at start (--screen print-letters) for
// the first 200 users by name: some get a letter, others are skipped with a reason.
func (m *Main) printStartLetters() { m.printUsers(data.UserQuery{}, 200) }

// printUsers reads the IDs of the users q matches (at most limit, 0 for all) off the
// UI goroutine and opens the print dialog for them.
func (m *Main) printUsers(q data.UserQuery, limit int) {
	go func() {
		ids, err := m.store.UserIDs(context.Background(), q, m.svc.Now())
		if limit > 0 && len(ids) > limit {
			ids = ids[:limit]
		}
		fyne.Do(func() {
			if err != nil {
				dialog.ShowError(err, m.win)
				return
			}
			if len(ids) == 0 {
				dialog.ShowInformation("Print letters", "There are no users to print letters for.", m.win)
				return
			}
			m.printLetters(ids)
		})
	}()
}

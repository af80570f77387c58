// Package app is Onboard's window: navigation, menus and the screens in it.
package app

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"onboard/screens/settingsscreen"

	"onboard/screens/activityscreen"
	"onboard/screens/letterscreen"
	"onboard/screens/mailscreen"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"onboard/data"
	"onboard/internal/display"
	"onboard/internal/lifecycle"
	"onboard/internal/outbox"
	"onboard/internal/settings"
	"onboard/internal/syncclient"
	"onboard/resources"
	"onboard/screens"
	"onboard/screens/importwizard"
)

// onUI runs f on the UI goroutine; the sender's reports reach the window through
// it. Tests replace it.
var onUI = fyne.Do

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
	// Readme is the README the Help menu shows.
	Readme string
}

// Screens are the navigation entries: the ID used by --screen and the label shown.
var Screens = []struct{ ID, Label string }{
	{"users", resources.Mark("Users")},
	{"invite-keys", resources.Mark("Invite keys")},
	{"units", resources.Mark("Units and groups")},
	{"roles", resources.Mark("Roles and permissions")},
	{"imports", resources.Mark("Imports")},
	{"letters", resources.Mark("Letters")},
	{"mail", resources.Mark("Mail")},
	{"activity", resources.Mark("Activity")},
	{"settings", resources.Mark("Settings")},
}

// Dialogs that --screen can open at start, on top of their screen (for screenshots
// and documentation).
var startDialogs = map[string]string{
	"new-user": "users", "import-wizard": "imports", "invite-emails": "imports",
	"print-letters": "letters", "mail-template": "mail", "setup": "settings",
}

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
	applyPreferences(a)
	if err := keepFilesUntilWritten(); err != nil {
		return err
	}
	a.SetIcon(fyne.NewStaticResource("icon.png", resources.IconPNG))
	w := a.NewWindow("Onboard")
	m := NewMain(d, w, start)
	m.settings.SetAppearance(newAppearance(a))
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
	case "mail-template":
		m.mail.ShowTemplate()
	case "setup":
		m.ShowSetup(false)
	default:
		m.OfferSetup()
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
	// The outbox is durable: closing the window stops the sender between mails,
	// and what is still queued goes out at the next start.
	m.StartMail(context.Background())
	defer m.StopMail()
	// Sync is durable too: what is not confirmed by the server goes at the next sync.
	m.StartSync(context.Background())
	defer m.StopSync()
	w.ShowAndRun()
	return nil
}

// longestLabel is the longest navigation label in the chosen language: the list
// sizes its rows by it.
func longestLabel() string {
	longest := ""
	for _, s := range Screens {
		if l := lang.L(s.Label); len([]rune(l)) > len([]rune(longest)) {
			longest = l
		}
	}
	return longest
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
	return 0, fmt.Errorf("unknown screen %q (use users, new-user, invite-keys, units, roles, imports, import-wizard, invite-emails, letters, print-letters, mail, mail-template, activity, settings or setup)", id)
}

// Main is the window's content: navigation on the left, the current screen beside it,
// a status line at the bottom.
type Main struct {
	users    *screens.UsersScreen
	keys     *screens.KeysScreen
	catalog  *screens.CatalogScreen
	roles    *screens.RolesScreen
	imports  *importwizard.ImportsScreen
	letters  *letterscreen.Screen
	mail     *mailscreen.Screen
	activity *activityscreen.Screen
	settings *settingsscreen.Screen
	restore  *settingsscreen.RestoreDialog
	export   *screens.UserExport
	printing *letterscreen.PrintDialog // the print dialog opened last
	readme   string
	store    *data.Store
	svc      *lifecycle.Service
	win      fyne.Window
	views    []fyne.CanvasObject
	stack    *fyne.Container
	nav      *widget.List
	current  int
	status   *widget.Label
	content  fyne.CanvasObject

	// The outbox sender: it runs while the window is open.
	sender     *outbox.Sender
	wake       chan struct{}
	mailCtx    context.Context
	stopMail   context.CancelFunc
	sendingNow atomic.Bool
	senders    sync.WaitGroup // the sender and a "send now" in progress
	mailText   string         // the mail part of the status line

	// Sync with onboard-server: it runs while the window is open.
	syncer   *syncclient.Runner
	syncWake chan struct{} // local changes: sync soon
	syncKick chan struct{} // the server settings changed: sync at once
	stopSync context.CancelFunc
	syncers  sync.WaitGroup
	syncLine syncLine // the sync part of the status line; UI goroutine only

	sheetWrites sync.WaitGroup // class sheets being saved from the Units and groups screen
}

// NewMain builds the window content showing screen start.
func NewMain(d Deps, w fyne.Window, start int) *Main {
	m := &Main{
		store: d.Store, svc: d.Service, win: w, readme: d.Readme, wake: make(chan struct{}, 1),
		syncWake: make(chan struct{}, 1), syncKick: make(chan struct{}, 1),
	}
	m.syncer = syncclient.NewRunner(d.Store, d.Service.Now)
	m.sender = &outbox.Sender{Store: d.Store, Now: d.Service.Now}
	m.users = screens.NewUsersScreen(d.Store, d.Service, w)
	m.keys = screens.NewKeysScreen(d.Store, d.Service, w)
	m.catalog = screens.NewCatalogScreen(d.Store, d.Service, w)
	m.catalog.OnShowUsers = func(unitID string) {
		m.users.SetUnitFilter(unitID)
		m.nav.Select(0)
	}
	m.catalog.OnNewUserInUnit = func(unitID string) { m.users.NewUser(unitID) }
	m.catalog.OnClassSheet = func(unitID, name string) {
		letterscreen.AskClassSheet(w, &m.sheetWrites, m.letterDeps(), unitID, name)
	}
	m.catalog.OnChanged = m.WakeSync
	m.roles = screens.NewRolesScreen(d.Store, d.Service, w)
	m.roles.OnChanged = m.WakeSync
	m.users.OnChanged = m.WakeSync
	m.keys.OnChanged = m.WakeSync
	m.settings = settingsscreen.New(d.Store, w)
	m.settings.OnMailSaved = m.SendMailNow // the waiting mails try the new settings at once
	m.settings.Syncer = m.syncer           // "Sync now" and the automatic sync take turns
	m.settings.OnSyncSaved = m.SyncNow
	m.settings.OnSynced = m.applySync
	m.settings.OnSetup = func() { m.ShowSetup(true) }
	m.mail = mailscreen.New(d.Store, d.Service, w)
	m.mail.OnSendNow = m.SendMailNow
	m.mail.OnQueued = func() {
		m.WakeMail()
		m.WakeSync() // a resend gives the user a new key
	}
	m.imports = importwizard.NewImportsScreen(d.Store, d.Service, w)
	m.imports.OnImported = func(invited bool) {
		if invited {
			m.WakeMail()
		}
		m.WakeSync()
	}
	m.activity = activityscreen.New(d.Store, w)
	m.letters = letterscreen.New(m.letterDeps(), w)
	m.letters.OnPrint = m.printNotActivated
	m.imports.OnPrintLetters = m.printLetters
	m.users.OnPrintLetters = m.printLetters
	m.users.OnMailQueued = m.WakeMail
	m.users.Settings = m.store
	m.users.OnSetUpMail = m.setUpMail
	m.imports.OnBulkInvite = m.inviteEmails
	m.users.OnInviteEmails = m.inviteEmails
	m.users.OnImport = m.openImport
	m.export = screens.NewUserExport(d.Store, d.Service.Now, w)
	m.restore = settingsscreen.NewRestoreDialog(d.Store, w)
	m.restore.OnRestored = m.reloadAll
	m.imports.OnUndone = m.reloadAll
	m.settings.OnRestore = m.restore.Ask
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
		m.roles.Content(),
		m.imports.Content(),
		m.letters.Content(),
		m.mail.Content(),
		m.activity.Content(),
		m.settings.Content(),
	}
	m.stack = container.NewStack(m.views...)
	m.nav = widget.NewList(
		func() int { return len(Screens) },
		func() fyne.CanvasObject { return widget.NewLabel(longestLabel()) },
		func(i widget.ListItemID, o fyne.CanvasObject) { o.(*widget.Label).SetText(lang.L(Screens[i].Label)) },
	)
	m.nav.OnSelected = m.show
	m.status = &widget.Label{Truncation: fyne.TextTruncateEllipsis}
	m.showStatus()
	split := container.NewHSplit(m.nav, m.stack)
	split.Offset = 0.14
	m.content = container.NewBorder(nil, m.status, nil, nil, split)
	m.nav.Select(start) // shows and loads the screen through OnSelected
	m.addShortcuts(w)
	w.SetMainMenu(m.mainMenu())
	w.SetCloseIntercept(m.Quit)
	return m
}

// inviteEmails opens the invite-by-email dialog.
func (m *Main) inviteEmails() {
	b := screens.ShowBulkInviteDialog(m.store, m.svc, m.win)
	b.Settings = m.store
	b.OnSetUpMail = m.setUpMail
	b.OnInvited = func(*lifecycle.InviteEmailsResult) {
		m.WakeMail()
		m.WakeSync()
		m.users.Reload()
	}
}

// setUpMail closes the dialogs and shows the mail server settings.
func (m *Main) setUpMail() {
	m.closeDialogs()
	m.nav.Select(m.index("settings"))
}

// closeDialogs closes every dialog of the window.
func (m *Main) closeDialogs() {
	ov := m.win.Canvas().Overlays()
	for o := ov.Top(); o != nil; o = ov.Top() {
		ov.Remove(o)
	}
}

// reloadAll reads every screen again (after a restore replaced the content).
func (m *Main) reloadAll() {
	for _, r := range []interface{ Reload() }{m.users, m.keys, m.catalog, m.roles, m.imports, m.letters, m.mail, m.activity, m.settings} {
		r.Reload()
	}
	m.WakeSync()
	m.WakeMail()
}

// addShortcuts registers the keys the menus do not carry: Escape and Enter answer
// the open dialog, Delete deletes the selected users. (Ctrl+N, Ctrl+F, Ctrl+A and
// Ctrl+Q are menu shortcuts.)
func (m *Main) addShortcuts(w fyne.Window) {
	c := w.Canvas()
	c.SetOnTypedKey(func(ev *fyne.KeyEvent) {
		if dialogKey(c, ev.Name) || c.Overlays().Top() != nil {
			return
		}
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
	case "roles":
		m.roles.Reload()
	case "imports":
		m.imports.Reload()
	case "letters":
		m.letters.Reload()
	case "mail":
		m.mail.Reload()
	case "activity":
		m.activity.Reload()
	case "settings":
		m.settings.Reload()
	}
}

// OfferSetup opens the first-run setup when the database needs it: nothing set up
// yet, and the setup neither ran nor was skipped.
func (m *Main) OfferSetup() {
	go func() {
		need, err := m.svc.NeedsSetup(context.Background())
		if err == nil && need {
			onUI(func() { m.ShowSetup(false) })
		}
	}()
}

// ShowSetup opens the setup; again is true when the admin asked for it (Settings).
func (m *Main) ShowSetup(again bool) *screens.SetupDialog {
	d := screens.ShowSetupDialog(m.store, m.svc, m.win, again)
	d.OnDone = func(res *lifecycle.SetupResult) {
		m.WakeSync()
		m.reloadVisible()
		dialog.ShowInformation(lang.L("Onboard is set up"), screens.SetupSummary(res), m.win)
	}
	return d
}

// letterDeps is what the letters screen and the print dialog use.
func (m *Main) letterDeps() letterscreen.Deps {
	return letterscreen.Deps{Settings: m.store, Service: m.svc, Sheets: m.store}
}

// printLetters opens the print dialog for the users ids.
func (m *Main) printLetters(ids []string) {
	p := letterscreen.ShowPrintDialog(m.win, m.letterDeps(), ids)
	m.printing = p
	p.OnSaved = func() { // renewed keys change the list
		m.WakeSync()
		m.users.Reload()
	}
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
				dialog.ShowInformation(lang.L("Print letters"), lang.L("There are no users to print letters for."), m.win)
				return
			}
			m.printLetters(ids)
		})
	}()
}

// StartMail starts the outbox sender: it sends the queued mails now, whenever
// WakeMail is called and when the next retry is due, until ctx ends or StopMail is
// called. After each round the status line shows what waits.
func (m *Main) StartMail(ctx context.Context) {
	ctx, m.stopMail = context.WithCancel(ctx)
	m.mailCtx = ctx
	m.senders.Go(func() {
		m.sender.Run(ctx, m.wake, func(res outbox.Result, err error) { m.drained(ctx, res, err) })
	})
}

// stopWait bounds how long StopMail waits for the sender to put back the mail it
// was sending.
const stopWait = 10 * time.Second

// StopMail stops the sender and waits (at most stopWait) until it has recorded or
// put back the mail it was sending. Queued mails stay in the outbox (it is durable)
// and go out at the next start.
func (m *Main) StopMail() {
	if m.stopMail == nil {
		return
	}
	stopAndWait(m.stopMail, &m.senders, stopWait)
}

// stopAndWait cancels background work (stop) and waits until its goroutines (wg)
// are done, at most limit, so that quitting never hangs on a slow server.
func stopAndWait(stop func(), wg *sync.WaitGroup, limit time.Duration) {
	stop()
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(limit):
	}
}

// WakeMail tells the sender that mail was queued. It never blocks.
func (m *Main) WakeMail() {
	select {
	case m.wake <- struct{}{}:
	default: // a wake is pending already
	}
}

// SendMailNow tries every queued mail at once, also those waiting for a later
// retry (the Mail screen's "Send now").
func (m *Main) SendMailNow() {
	ctx := m.mailCtx
	if ctx == nil || !m.sendingNow.CompareAndSwap(false, true) {
		return
	}
	m.senders.Go(func() {
		defer m.sendingNow.Store(false)
		res, err := m.sender.Drain(ctx, true)
		if ctx.Err() == nil {
			m.drained(ctx, res, err)
		}
	})
}

// drained reports a round of the sender, on the sender's goroutine: it counts what
// still waits and shows it in the status line and on the mail screen.
func (m *Main) drained(ctx context.Context, res outbox.Result, err error) {
	counts, cerr := m.store.MailCounts(ctx)
	host, herr := settings.Get(ctx, m.store, settings.SMTPHost)
	configured := host != "" || herr != nil
	text := mailStatus(counts[data.MailQueued], configured, err, m.waitingNote(ctx, counts[data.MailQueued]))
	if cerr != nil {
		text = lang.L("Cannot read the outbox: ") + cerr.Error()
	}
	at := time.Now()
	onUI(func() {
		if ctx.Err() != nil {
			return
		}
		m.mailText = text
		m.showStatus()
		m.mail.ShowDrain(res, err, at, configured)
		if res.Sent+res.Failed+res.Retrying > 0 && Screens[m.current].ID == "users" {
			m.users.Reload() // the users' mail states changed
		}
	})
}

// waitingNote says why the queued mails wait when a round of the sender found none
// due: the server was unreachable at the last try (the sender notes "waiting: …"
// on the mails then), or when the next attempt is.
func (m *Main) waitingNote(ctx context.Context, queued int) string {
	if queued == 0 {
		return ""
	}
	mails, err := m.store.Mails(ctx, data.MailQuery{State: data.MailQueued, Limit: 1})
	if err != nil || len(mails) == 0 {
		return ""
	}
	if cause, ok := strings.CutPrefix(mails[0].LastError, "waiting: "); ok {
		return lang.L("Mail server unreachable: ") + cause
	}
	if next, err := m.store.NextMailAttempt(ctx); err == nil && next.After(m.svc.Now()) {
		return fmt.Sprintf(lang.L("next attempt at %s"), next.Local().Format("15:04"))
	}
	return ""
}

// mailStatus is the mail part of the status line: how many mails are queued and
// why they wait, or "" when none is queued. err is what the last round of the
// sender returned; waiting says why the mails wait when the round found none due.
func mailStatus(queued int, configured bool, err error, waiting string) string {
	n := fmt.Sprintf(lang.L("%s queued"), display.PluralOf(queued, lang.L("mail"), lang.L("mails")))
	var ue *outbox.UnreachableError
	switch {
	case queued == 0 && err == nil:
		return ""
	case !configured && queued > 0:
		return n + lang.L(": set up the mail server in Settings to send them")
	case errors.As(err, &ue):
		return n + " · " + lang.L("Mail server unreachable: ") + ue.Err.Error()
	case err != nil && !errors.Is(err, context.Canceled):
		return n + " · " + lang.L("Sending mail stopped: ") + err.Error()
	case waiting != "":
		return n + " · " + waiting
	}
	return n
}

// showStatus writes the status line: the database, sync, then the outbox.
func (m *Main) showStatus() {
	text := lang.L("Database: ") + m.store.Path()
	if s := m.syncLine.text(time.Now()); s != "" {
		text += "   ·   " + s
	}
	if m.mailText != "" {
		text += "   ·   " + m.mailText
	}
	m.status.SetText(text)
}

// StatusText is the text of the status line.
func (m *Main) StatusText() string { return m.status.Text }

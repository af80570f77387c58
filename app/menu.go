package app

import (
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"onboard/internal/cli"
)

// ctrl is the shortcut of key with Ctrl (Cmd on macOS).
func ctrl(key fyne.KeyName) fyne.Shortcut {
	return &desktop.CustomShortcut{KeyName: key, Modifier: fyne.KeyModifierShortcutDefault}
}

// item is a menu entry with an optional shortcut; the window runs a main-menu
// shortcut before the focused widget sees it, so these work wherever focus is.
func item(label string, sc fyne.Shortcut, action func()) *fyne.MenuItem {
	it := fyne.NewMenuItem(label, action)
	it.Shortcut = sc
	return it
}

// mainMenu is the window's menu bar: File, Edit, View and Help.
func (m *Main) mainMenu() *fyne.MainMenu {
	quit := item(lang.L("Quit"), ctrl(fyne.KeyQ), m.Quit)
	quit.IsQuit = true
	file := fyne.NewMenu(lang.L("File"),
		item(lang.L("Import…"), ctrl(fyne.KeyI), m.openImport),
		fyne.NewMenuItem(lang.L("Invite by email…"), m.inviteEmails),
		item(lang.L("Print letters…"), ctrl(fyne.KeyP), m.printNotActivated),
		item(lang.L("Export users…"), ctrl(fyne.KeyE), m.onUsers(func() { m.export.Ask(m.users.ExportScope()) })),
		fyne.NewMenuItemSeparator(),
		fyne.NewMenuItem(lang.L("Back up…"), m.settings.BackUp),
		fyne.NewMenuItem(lang.L("Restore…"), m.restore.Ask),
		fyne.NewMenuItemSeparator(),
		quit,
	)
	edit := fyne.NewMenu(lang.L("Edit"),
		item(lang.L("Cut"), &fyne.ShortcutCut{}, m.toFocused(func(c fyne.Clipboard) fyne.Shortcut { return &fyne.ShortcutCut{Clipboard: c} })),
		item(lang.L("Copy"), &fyne.ShortcutCopy{}, m.toFocused(func(c fyne.Clipboard) fyne.Shortcut { return &fyne.ShortcutCopy{Clipboard: c} })),
		item(lang.L("Paste"), &fyne.ShortcutPaste{}, m.toFocused(func(c fyne.Clipboard) fyne.Shortcut { return &fyne.ShortcutPaste{Clipboard: c} })),
		item(lang.L("Select all"), &fyne.ShortcutSelectAll{}, m.selectAll),
		fyne.NewMenuItemSeparator(),
		item(lang.L("New user…"), ctrl(fyne.KeyN), m.onUsers(func() { m.users.NewUser("") })),
		item(lang.L("Find users"), ctrl(fyne.KeyF), m.onUsers(m.users.FocusSearch)),
	)
	var views []*fyne.MenuItem
	for i, s := range Screens {
		var sc fyne.Shortcut
		if i < 9 {
			sc = ctrl(fyne.KeyName(fmt.Sprint(i + 1)))
		}
		views = append(views, item(lang.L(s.Label), sc, func() { m.nav.Select(i) }))
	}
	view := fyne.NewMenu(lang.L("View"), views...)
	help := fyne.NewMenu(lang.L("Help"),
		fyne.NewMenuItem(lang.L("Read me"), m.showReadme),
		fyne.NewMenuItem(lang.L("About Onboard"), m.showAbout),
	)
	return fyne.NewMainMenu(file, edit, view, help)
}

// onUsers returns f run on the users screen (switching to it first).
func (m *Main) onUsers(f func()) func() {
	return func() {
		m.nav.Select(0)
		f()
	}
}

// toFocused returns an action that hands the shortcut made by mk to the focused
// widget (a text field), as the key press would have without the menu.
func (m *Main) toFocused(mk func(fyne.Clipboard) fyne.Shortcut) func() {
	return func() {
		if f, ok := m.win.Canvas().Focused().(fyne.Shortcutable); ok {
			f.TypedShortcut(mk(fyne.CurrentApp().Clipboard()))
		}
	}
}

// selectAll selects the text of the focused field, or else every user matching
// the users screen's filter.
func (m *Main) selectAll() {
	if f, ok := m.win.Canvas().Focused().(fyne.Shortcutable); ok {
		if _, isEntry := f.(*widget.Entry); isEntry {
			f.TypedShortcut(&fyne.ShortcutSelectAll{})
			return
		}
	}
	m.onUsers(m.users.SelectAllMatching)()
}

// openImport shows the Imports screen with its wizard open.
func (m *Main) openImport() {
	m.nav.Select(m.index("imports"))
	m.imports.OpenWizard()
}

// showAbout shows the version and the database in use.
func (m *Main) showAbout() {
	text := fmt.Sprintf(lang.L("Onboard %s\n\nDatabase: %s"), cli.Version, m.store.Path())
	dialog.ShowInformation(lang.L("About Onboard"), text, m.win)
}

// showReadme shows the README in a scrollable dialog.
func (m *Main) showReadme() {
	text := widget.NewRichTextFromMarkdown(strings.TrimSpace(m.readme))
	text.Wrapping = fyne.TextWrapWord
	scroll := container.NewVScroll(text)
	d := dialog.NewCustom(lang.L("Read me"), lang.L("Close"), scroll, m.win)
	d.Resize(fyne.NewSize(860, 620))
	d.Show()
}

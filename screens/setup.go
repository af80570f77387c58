package screens

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"onboard/internal/display"
	"onboard/internal/lifecycle"
	"onboard/internal/settings"
	"onboard/internal/syncapi"
	"onboard/resources"
	"onboard/screens/internal/uikit"
)

// SetupService is what the first-run setup runs.
type SetupService interface {
	Setup(ctx context.Context, in lifecycle.SetupInput) (*lifecycle.SetupResult, error)
	SkipSetup(ctx context.Context) error
}

// The languages of letters and mails, as the setup offers them.
// Each is named in its own language, as language choices are.
var setupLanguages = []struct{ code, label string }{{"en", "English"}, {"de", "Deutsch"}}

// presetLabels are the names of the presets (lifecycle.Preset.Label) as the
// setup shows them, by preset name, translated where shown.
var presetLabels = map[string]string{
	"school":  resources.Mark("School"),
	"company": resources.Mark("Company"),
}

// SetupDialog is the first-run setup: the organization's name, the language of
// letters and mails, the registration address, a starting set of roles and the
// first units.
type SetupDialog struct {
	svc   SetupService
	win   fyne.Window
	bg    sync.WaitGroup
	again bool // opened from Settings: the organization may be set up already

	org, url, units *widget.Entry
	language        *widget.Select
	preset          *widget.RadioGroup
	presetRoles     *widget.Label
	messages        map[string]*widget.Label
	save            *widget.Button
	dlg             *dialog.CustomDialog

	// OnDone, if set, is called after the setup was saved, with what it created.
	OnDone func(*lifecycle.SetupResult)
}

// ShowSetupDialog reads the current settings off the UI goroutine, then opens the
// setup filled with them. again is false for the first run (its second button
// skips the setup for good) and true from Settings.
func ShowSetupDialog(st settings.Store, svc SetupService, win fyne.Window, again bool) *SetupDialog {
	d := &SetupDialog{svc: svc, win: win, again: again, messages: map[string]*widget.Label{}}
	d.bg.Go(func() {
		ctx := context.Background()
		org, err := settings.Get(ctx, st, settings.OrgName)
		url, err2 := settings.Get(ctx, st, settings.RegistrationURL)
		language, set, err3 := settings.Stored(ctx, st, settings.Language)
		if !set {
			language = display.Language() // letters and mails in the window's language, until chosen
		}
		uikit.OnUI(func() {
			if err := errors.Join(err, err2, err3); err != nil {
				uikit.ShowError(err, win)
			}
			d.build(org, url, language)
		})
	})
	return d
}

// presetLabel is a preset's radio option: "School: Student, Teacher, Staff, Parent".
func presetLabel(p lifecycle.Preset) string {
	if len(p.Roles) == 0 {
		return lang.L("None — I create the roles myself")
	}
	label := p.Label
	if l, ok := presetLabels[p.Name]; ok {
		label = lang.L(l)
	}
	names := make([]string, len(p.Roles))
	for i, r := range p.Roles {
		names[i] = r.Name
	}
	return label + ": " + strings.Join(names, ", ")
}

// presetPermissions lists what each role of a preset may do, one line per role.
func presetPermissions(p lifecycle.Preset) string {
	lines := make([]string, len(p.Roles))
	for i, r := range p.Roles {
		labels := make([]string, len(r.Permissions))
		for j, perm := range r.Permissions {
			info, _ := syncapi.LookupPermission(perm)
			labels[j] = permissionLabel(info)
		}
		lines[i] = fmt.Sprintf("%s: %s", r.Name, strings.Join(labels, ", "))
	}
	if len(lines) == 0 {
		return lang.L("Create roles later in Roles and permissions. New users need a role.")
	}
	return strings.Join(lines, "\n") + "\n" + lang.L("You can change these later in Roles and permissions.")
}

func (d *SetupDialog) build(org, url, language string) {
	d.org = &widget.Entry{Text: org, PlaceHolder: lang.L("e.g. Goethe-Gymnasium")}
	d.url = &widget.Entry{Text: url, PlaceHolder: lang.L("https://onboard.example.org (optional)")}
	d.units = widget.NewMultiLineEntry()
	d.units.SetPlaceHolder(lang.L("Optional: 5a, 5b, 6a … (commas or one per line)"))
	d.units.SetMinRowsVisible(3)
	labels := make([]string, len(setupLanguages))
	current := setupLanguages[0].label
	for i, l := range setupLanguages {
		labels[i] = l.label
		if l.code == language {
			current = l.label
		}
	}
	d.language = widget.NewSelect(labels, nil)
	d.language.SetSelected(current)
	options := make([]string, len(lifecycle.Presets))
	for i, p := range lifecycle.Presets {
		options[i] = presetLabel(p)
	}
	d.presetRoles = &widget.Label{Importance: widget.LowImportance, Wrapping: fyne.TextWrapWord}
	d.preset = widget.NewRadioGroup(options, func(string) { d.presetRoles.SetText(presetPermissions(d.chosenPreset())) })
	d.preset.Required = true
	d.preset.SetSelected(options[0])
	if d.again {
		d.preset.SetSelected(options[len(options)-1]) // existing roles stay; adding more is a choice
	}
	for _, f := range []string{"organization", "language", "registration_url", "preset", "units"} {
		d.messages[f] = uikit.DangerLabel()
		d.messages[f].Hide() // no empty line under a field without a problem
	}
	item := func(label string, obj fyne.CanvasObject, field string) *widget.FormItem {
		return widget.NewFormItem(label, container.NewVBox(obj, d.messages[field]))
	}
	form := widget.NewForm(
		item(lang.L("Organization *"), d.org, "organization"),
		item(lang.L("Letters and mails in"), d.language, "language"),
		item(lang.L("Registration address"), d.url, "registration_url"),
		item(lang.L("Roles to start with"), container.NewVBox(d.preset, d.presetRoles), "preset"),
		item(lang.L("First units"), d.units, "units"),
	)
	intro := &widget.Label{Text: lang.L("A few facts about your organization, and Onboard is ready for the first users. " +
		"Everything can be changed later."), Wrapping: fyne.TextWrapWord}
	title, action, other := lang.L("Welcome to Onboard"), lang.L("Set up"), lang.L("Skip for now")
	if d.again {
		title, action, other = lang.L("Set up the organization"), lang.L("Save"), lang.L("Cancel")
		intro.SetText(lang.L("Existing roles and units stay; the roles and units chosen here are added when missing."))
	}
	d.save = &widget.Button{Text: action, Importance: widget.HighImportance, OnTapped: d.submit}
	d.org.OnSubmitted = func(string) { d.submit() }
	second := &widget.Button{Text: other, OnTapped: d.skip}
	scroll := container.NewVScroll(container.NewVBox(intro, form))
	scroll.SetMinSize(fyne.NewSize(640, 520))
	d.dlg = dialog.NewCustomWithoutButtons(title, scroll, d.win)
	d.dlg.SetButtons([]fyne.CanvasObject{second, d.save})
	d.dlg.Show()
	d.win.Canvas().Focus(d.org)
}

// chosenPreset is the preset of the ticked option (the options are in the order
// of lifecycle.Presets).
func (d *SetupDialog) chosenPreset() lifecycle.Preset {
	for i, o := range d.preset.Options {
		if o == d.preset.Selected && i < len(lifecycle.Presets) {
			return lifecycle.Presets[i]
		}
	}
	return lifecycle.Presets[len(lifecycle.Presets)-1]
}

// input is what the form says.
func (d *SetupDialog) input() lifecycle.SetupInput {
	in := lifecycle.SetupInput{
		Organization: d.org.Text, RegistrationURL: d.url.Text, Preset: d.chosenPreset().Name,
		Units: lifecycle.SplitNames(d.units.Text), Force: d.again,
	}
	for _, l := range setupLanguages {
		if l.label == d.language.Selected {
			in.Language = l.code
		}
	}
	return in
}

// submit runs the setup off the UI goroutine; problems show under their fields.
func (d *SetupDialog) submit() {
	in := d.input()
	for _, m := range d.messages {
		m.SetText("")
		m.Hide()
	}
	d.save.Disable()
	d.bg.Go(func() {
		res, err := d.svc.Setup(context.Background(), in)
		uikit.OnUI(func() {
			d.save.Enable()
			var ve *lifecycle.ValidationError
			switch {
			case errors.As(err, &ve):
				for _, p := range ve.Problems {
					if m, ok := d.messages[p.Field]; ok {
						m.SetText(p.Message)
						m.Show()
					}
				}
			case err != nil:
				uikit.ShowError(err, d.win)
			default:
				d.dlg.Hide()
				if d.OnDone != nil {
					d.OnDone(res)
				}
			}
		})
	})
}

// skip closes the dialog; on the first run it also records that the admin skipped
// it, so it does not open again by itself.
func (d *SetupDialog) skip() {
	d.dlg.Hide()
	if d.again {
		return
	}
	d.bg.Go(func() {
		if err := d.svc.SkipSetup(context.Background()); err != nil {
			uikit.OnUI(func() { uikit.ShowError(err, d.win) })
		}
	})
}

// SetupSummary says what a setup created, for the message after it.
func SetupSummary(res *lifecycle.SetupResult) string {
	var parts []string
	if len(res.CreatedRoles) > 0 {
		parts = append(parts, fmt.Sprintf(lang.L("Roles: %s."), strings.Join(res.CreatedRoles, ", ")))
	}
	if len(res.CreatedUnits) > 0 {
		parts = append(parts, fmt.Sprintf(lang.L("Units: %s."), strings.Join(res.CreatedUnits, ", ")))
	}
	if len(res.CreatedRoles)+len(res.ExistingRoles) == 0 {
		parts = append(parts, lang.L("There are no roles yet: create one in Roles and permissions before the first user."))
	} else {
		parts = append(parts, lang.L("Next: add the first user (New user), import a list, or invite by email."))
	}
	return strings.Join(parts, "\n")
}

// wait blocks until background work has finished.
func (d *SetupDialog) wait() { d.bg.Wait() }

package settingsscreen

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"onboard/internal/mail"
	"onboard/internal/settings"
	"onboard/resources"
	"onboard/screens/internal/uikit"
)

// securityChoices are the connection security options as the settings show them
// (the labels in English; securityLabel translates them).
var securityChoices = []struct {
	value mail.Security
	label string
	port  string // the usual port
}{
	{mail.SecurityStartTLS, resources.Mark("STARTTLS (usually port 587)"), "587"},
	{mail.SecurityTLS, resources.Mark("TLS (usually port 465)"), "465"},
	{mail.SecurityNone, resources.Mark("None: only for a mail server on this computer"), "25"},
}

// securityLabel is the option of the security value v as the select shows it.
func securityLabel(v string) string {
	for _, c := range securityChoices {
		if string(c.value) == v {
			return lang.L(c.label)
		}
	}
	return lang.L(securityChoices[0].label)
}

// securityValue is the security value of the option label of the select.
func securityValue(label string) string {
	for _, c := range securityChoices {
		if lang.L(c.label) == label {
			return string(c.value)
		}
	}
	return ""
}

// mailKeys are the mail server settings the section edits, the password aside.
var mailKeys = []settings.Key{settings.SMTPHost, settings.SMTPPort, settings.SMTPSecurity, settings.SMTPUser, settings.SMTPFrom}

// noPassword is the password note when none is stored (in English; shown with lang.L).
var noPassword = resources.Mark("No password is stored.")

// mailSettings is the mail server section of the settings screen: the fields are
// checked together and stored when the admin saves them, and a test email checks
// what is stored.
type mailSettings struct {
	s *Screen

	host, port, user, password, from *widget.Entry
	security                         *widget.Select
	errs                             map[string]*widget.Label // by setting name
	general                          *widget.Label            // a problem of no single field
	passNote                         *widget.Label
	removePass                       *widget.Button
	saveBtn, testBtn                 *widget.Button
	status                           *widget.Label
	testResult                       *widget.Label
	content                          *fyne.Container

	saved      map[string]string // the stored values by setting name, the password aside
	passStored bool
	passText   string // where the stored password is kept, as the note shows it
	clearPass  bool   // the stored password is removed on save
	loaded     bool
	filling    bool // the fields are being set from the store
	saving     bool
	testing    bool
}

func newMailSettings(s *Screen) *mailSettings {
	m := &mailSettings{s: s, errs: map[string]*widget.Label{}, saved: map[string]string{}}
	entry := func(placeholder string) *widget.Entry {
		e := &widget.Entry{PlaceHolder: placeholder, Scroll: pageScroll}
		e.ExtendBaseWidget(e)
		return e
	}
	m.host = entry("smtp.example.org")
	m.port = entry("587")
	m.user = entry("")
	m.password = widget.NewPasswordEntry()
	m.password.Scroll = pageScroll
	m.from = entry("Onboard <onboard@example.org>")
	m.security = widget.NewSelect(nil, nil)
	for _, c := range securityChoices {
		m.security.Options = append(m.security.Options, lang.L(c.label))
	}
	m.security.Selected = lang.L(securityChoices[0].label)
	m.security.OnChanged = m.onSecurity
	for _, k := range append([]settings.Key{settings.SMTPPassword}, mailKeys...) {
		l := uikit.DangerLabel()
		l.Hide()
		m.errs[k.Name] = l
	}
	watch := map[string]*widget.Entry{
		settings.SMTPHost.Name: m.host, settings.SMTPPort.Name: m.port,
		settings.SMTPUser.Name: m.user, settings.SMTPPassword.Name: m.password, settings.SMTPFrom.Name: m.from,
	}
	for name, e := range watch {
		e.OnChanged = func(string) { m.edited(name) }
	}
	m.passNote = &widget.Label{Importance: widget.LowImportance, Wrapping: fyne.TextWrapWord}
	m.removePass = &widget.Button{Text: lang.L("Remove password"), Importance: widget.LowImportance, OnTapped: m.RemovePassword}
	m.general = uikit.DangerLabel()
	m.general.Hide()
	m.saveBtn = &widget.Button{Text: lang.L("Save mail settings"), Importance: widget.HighImportance, OnTapped: m.Save}
	m.testBtn = &widget.Button{Text: lang.L("Send test email…"), Icon: theme.MailSendIcon(), OnTapped: m.askTest}
	m.status = &widget.Label{Importance: widget.LowImportance}
	m.testResult = &widget.Label{Wrapping: fyne.TextWrapWord, Selectable: true}
	m.testResult.Hide()

	item := func(k settings.Key, obj fyne.CanvasObject, hint string) *widget.FormItem {
		return widget.NewFormItem(settingLabel(k), container.NewVBox(obj, uikit.Note(hint), m.errs[k.Name]))
	}
	form := widget.NewForm(
		item(settings.SMTPHost, m.host, lang.L("Host name of your organization's mail server")),
		item(settings.SMTPSecurity, m.security, lang.L("How the connection is protected")),
		item(settings.SMTPPort, container.NewGridWrap(fyne.NewSize(120, 36), m.port), ""),
		item(settings.SMTPUser, m.user, lang.L("Leave empty if the server needs no login")),
		item(settings.SMTPPassword, container.NewVBox(m.password,
			container.NewBorder(nil, nil, nil, m.removePass, m.passNote)), ""),
		item(settings.SMTPFrom, m.from, lang.L(`Invitations come from this address: "Name <address>" or an address; without a name, the organization's name is used`)),
	)
	m.content = container.NewVBox(form, m.general,
		container.NewHBox(m.saveBtn, m.testBtn, m.status), m.testResult)
	m.update()
	return m
}

// typed returns the values as typed, by setting name, the password aside.
func (m *mailSettings) typed() map[string]string {
	return map[string]string{
		settings.SMTPHost.Name: m.host.Text, settings.SMTPPort.Name: m.port.Text,
		settings.SMTPSecurity.Name: securityValue(m.security.Selected),
		settings.SMTPUser.Name:     m.user.Text, settings.SMTPFrom.Name: m.from.Text,
	}
}

// dirty reports changes that are not saved.
func (m *mailSettings) dirty() bool {
	if !m.loaded {
		return false
	}
	for name, v := range m.typed() {
		if v != m.saved[name] {
			return true
		}
	}
	return m.password.Text != "" || m.clearPass
}

func (m *mailSettings) update() {
	uikit.SetEnabled(m.saveBtn, m.loaded && m.dirty() && !m.saving)
	uikit.SetEnabled(m.testBtn, m.loaded && !m.testing)
	if m.clearPass {
		m.passNote.SetText(lang.L("The stored password is removed when you save."))
	} else {
		m.passNote.SetText(m.passText)
	}
	if m.passStored && !m.clearPass {
		m.removePass.Show()
		m.password.SetPlaceHolder(lang.L("Leave empty to keep the stored password"))
	} else {
		m.removePass.Hide()
		m.password.SetPlaceHolder("")
	}
}

// edited hides the error of a field the admin changes.
func (m *mailSettings) edited(name string) {
	if m.filling {
		return
	}
	if name == settings.SMTPPassword.Name && m.password.Text != "" {
		m.clearPass = false // a new password replaces the stored one
	}
	if l := m.errs[name]; l.Visible() {
		l.Hide()
		m.content.Refresh()
	}
	m.status.SetText("")
	m.update()
}

// onSecurity follows the security with the port while the port is empty or the
// usual port of a security.
func (m *mailSettings) onSecurity(label string) {
	if m.filling {
		return
	}
	usual := m.port.Text == ""
	for _, c := range securityChoices {
		usual = usual || m.port.Text == c.port
	}
	for _, c := range securityChoices {
		if usual && lang.L(c.label) == label {
			m.port.SetText(c.port)
		}
	}
	m.edited(settings.SMTPSecurity.Name)
}

// RemovePassword removes the stored password when the admin saves.
func (m *mailSettings) RemovePassword() {
	m.clearPass = true
	m.password.SetText("")
	m.update()
}

// reload reads the stored mail settings, unless the admin is editing them.
func (m *mailSettings) reload() {
	if m.dirty() || m.saving {
		return
	}
	m.s.bg.Go(func() {
		ctx := context.Background()
		values := map[string]string{}
		var err error
		for _, k := range mailKeys {
			if values[k.Name], err = settings.Get(ctx, m.s.db, k); err != nil {
				break
			}
		}
		note, passErr := settings.Get(ctx, m.s.db, settings.SMTPPassword)
		uikit.OnUI(func() {
			if err != nil {
				uikit.ShowError(err, m.s.win)
				return
			}
			m.saved, m.loaded = values, true
			m.fill(values)
			m.showPassword(note, passErr)
			m.update()
		})
	})
}

// fill sets the fields to values, by setting name.
func (m *mailSettings) fill(values map[string]string) {
	m.filling = true
	m.host.SetText(values[settings.SMTPHost.Name])
	m.port.SetText(values[settings.SMTPPort.Name])
	m.security.SetSelected(securityLabel(values[settings.SMTPSecurity.Name]))
	m.user.SetText(values[settings.SMTPUser.Name])
	m.from.SetText(values[settings.SMTPFrom.Name])
	m.password.SetText("")
	m.filling = false
}

// showPassword shows where the stored password is kept.
func (m *mailSettings) showPassword(note string, err error) {
	m.clearPass = false
	m.passStored = note != ""
	m.passNote.Importance = widget.LowImportance
	switch {
	case err != nil:
		m.passNote.Importance = widget.DangerImportance
		m.passText = uikit.Capitalize(err.Error())
	case note == "":
		m.passText = lang.L(noPassword)
	default:
		m.passText = fmt.Sprintf(lang.L("Password %s."), secretPlace(note))
	}
}

// Save checks every field and stores them all, or none when one is wrong.
func (m *mailSettings) Save() {
	if !m.loaded || m.saving {
		return
	}
	in, pass, clear := m.typed(), m.password.Text, m.clearPass
	m.saving = true
	m.status.SetText(lang.L("Saving…"))
	m.update()
	m.s.bg.Go(func() {
		res := saveMailSettings(context.Background(), m.s.db, in, pass, clear)
		uikit.OnUI(func() {
			m.saving = false
			m.applySave(res)
		})
	})
}

// mailSaveResult is what saving the mail settings did.
type mailSaveResult struct {
	problems map[string]string // by setting name; "" for a problem of no single field
	stored   map[string]string // the values stored, normalized
	passNote string            // where the password is kept now
	err      error             // reading or writing the store failed
}

// saveMailSettings checks the values in (by setting name) and the password pass
// (empty: keep the stored one, or remove it when clearPass) with each setting's
// check and together as the outbox will use them, and stores them only when all
// pass.
func saveMailSettings(ctx context.Context, st settings.Store, in map[string]string, pass string, clearPass bool) mailSaveResult {
	r := mailSaveResult{problems: map[string]string{}, stored: map[string]string{}}
	norm := map[string]string{}
	check := func(k settings.Key, v string) {
		n, err := k.Check(v)
		if se, ok := errors.AsType[*settings.Error](err); ok {
			r.problems[k.Name] = settingProblem(k, se)
			return
		}
		norm[k.Name] = n
	}
	for _, k := range mailKeys {
		check(k, in[k.Name])
	}
	setPass := pass != "" || clearPass
	if pass != "" {
		check(settings.SMTPPassword, pass)
	}
	if len(r.problems) == 0 && norm[settings.SMTPHost.Name] != "" {
		hasPass := pass != ""
		if !setPass {
			_, place, err := settings.Secret(ctx, st, settings.SMTPPassword)
			hasPass = place != settings.SecretUnset || err != nil
		}
		if name, msg := checkMailServer(norm, hasPass); msg != "" {
			r.problems[name] = msg
		}
	}
	if len(r.problems) > 0 {
		return r
	}
	for _, k := range mailKeys {
		v, err := settings.Set(ctx, st, k, norm[k.Name])
		if err != nil {
			r.err = err
			return r
		}
		r.stored[k.Name] = v
	}
	var err error
	if setPass {
		r.passNote, err = settings.Set(ctx, st, settings.SMTPPassword, pass)
	} else {
		r.passNote, err = settings.Get(ctx, st, settings.SMTPPassword)
	}
	r.err = err
	return r
}

// checkMailServer checks the settings v (by setting name, each one valid) together,
// as the outbox connects with them, and returns the setting a problem belongs to
// ("" for none in particular) and the message.
func checkMailServer(v map[string]string, hasPass bool) (name, msg string) {
	if v[settings.SMTPFrom.Name] == "" {
		return settings.SMTPFrom.Name, fmt.Sprintf(lang.L("%s is needed to send mail: the address invitations come from, "+
			"e.g. Onboard <onboard@example.org>."), settingLabel(settings.SMTPFrom))
	}
	c := mail.Config{
		Host: v[settings.SMTPHost.Name], Security: mail.Security(v[settings.SMTPSecurity.Name]),
		User: v[settings.SMTPUser.Name],
	}
	c.Port, _ = strconv.Atoi(v[settings.SMTPPort.Name])
	if hasPass {
		c.Password = "set"
	}
	var err error
	if c.FromName, c.From, err = mail.ParseAddress("from", v[settings.SMTPFrom.Name]); err == nil {
		err = c.Check()
	}
	if err == nil {
		return "", ""
	}
	field, text, _ := strings.Cut(err.Error(), ": ")
	k, ok := map[string]settings.Key{
		"host": settings.SMTPHost, "port": settings.SMTPPort, "security": settings.SMTPSecurity,
		"user": settings.SMTPUser, "from": settings.SMTPFrom, "from name": settings.SMTPFrom,
	}[field]
	if !ok {
		return "", uikit.Capitalize(err.Error()) + "."
	}
	return k.Name, fmt.Sprintf(lang.L("%s: %s."), settingLabel(k), text)
}

func (m *mailSettings) applySave(r mailSaveResult) {
	for name, l := range m.errs {
		if msg := r.problems[name]; msg != "" {
			l.SetText(msg)
			l.Show()
		} else {
			l.Hide()
		}
	}
	if msg := r.problems[""]; msg != "" {
		m.general.SetText(msg)
		m.general.Show()
	} else {
		m.general.Hide()
	}
	switch {
	case r.err != nil:
		m.status.SetText("")
		uikit.ShowError(r.err, m.s.win)
	case len(r.problems) > 0:
		m.status.SetText(lang.L("Nothing was saved: correct the fields marked in red."))
	default:
		m.saved = r.stored
		m.fill(r.stored)
		m.showPassword(r.passNote, nil)
		m.status.SetText(lang.L("Mail settings saved."))
		if m.s.OnMailSaved != nil {
			m.s.OnMailSaved()
		}
	}
	m.content.Refresh()
	m.update()
}

// FieldError is the error shown under a mail setting, "" when there is none.
func (s *Screen) FieldError(k settings.Key) string {
	if l := s.mail.errs[k.Name]; l != nil && l.Visible() {
		return l.Text
	}
	return ""
}

// askTest asks for an address and sends a test email to it.
func (m *mailSettings) askTest() {
	addr := &widget.Entry{PlaceHolder: "you@example.org"}
	addr.ExtendBaseWidget(addr)
	addr.Validator = func(text string) error {
		if _, _, err := mail.ParseAddress("address", text); err != nil {
			return errors.New(strings.TrimPrefix(err.Error(), "address: "))
		}
		return nil
	}
	item := widget.NewFormItem(lang.L("Send to"), addr)
	item.HintText = lang.L("Sent at once with the saved settings, not through the outbox")
	if m.dirty() {
		item.HintText = lang.L("Your changes are not saved yet: the test uses the saved settings")
	}
	d := dialog.NewForm(lang.L("Send a test email"), lang.L("Send"), lang.L("Cancel"), []*widget.FormItem{item}, func(ok bool) {
		if ok {
			m.SendTest(addr.Text)
		}
	}, m.s.win)
	d.Resize(fyne.NewSize(480, 200))
	d.Show()
	m.s.win.Canvas().Focus(addr)
}

// SendTest sends a test email to the address to with the saved settings, in the
// background, and shows the outcome: the server's exact answer when it refused.
func (m *mailSettings) SendTest(to string) {
	_, addr, err := mail.ParseAddress("address", to)
	if err != nil {
		m.showTest(widget.DangerImportance, uikit.Capitalize(strings.TrimPrefix(err.Error(), "address: "))+".")
		return
	}
	m.testing = true
	m.update()
	m.showTest(widget.MediumImportance, fmt.Sprintf(lang.L("Sending a test email to %s…"), addr))
	m.s.bg.Go(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		cfg, err := settings.SMTPConfig(ctx, m.s.db)
		if err == nil && cfg.Host == "" {
			err = errors.New(lang.L("no mail server is set up: enter its host name and save first"))
		}
		if err == nil {
			err = mail.SendTest(ctx, cfg, addr, time.Now())
		}
		uikit.OnUI(func() {
			m.testing = false
			m.update()
			if err != nil {
				m.showTest(widget.DangerImportance, fmt.Sprintf(lang.L("The test email was not sent: %s"), err))
				return
			}
			m.showTest(widget.SuccessImportance, fmt.Sprintf(
				lang.L("The mail server %s accepted the test email to %s. Check that it arrived."), cfg.Host, addr))
		})
	})
}

func (m *mailSettings) showTest(imp widget.Importance, text string) {
	m.testResult.Importance = imp
	m.testResult.SetText(text)
	m.testResult.Show()
	m.content.Refresh()
}

// TestResult is the outcome of the last test email shown, "" when none.
func (s *Screen) TestResult() string {
	if !s.mail.testResult.Visible() {
		return ""
	}
	return s.mail.testResult.Text
}

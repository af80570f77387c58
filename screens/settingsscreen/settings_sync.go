package settingsscreen

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"onboard/data"
	"onboard/internal/display"
	"onboard/internal/settings"
	"onboard/internal/syncapi"
	"onboard/internal/syncclient"
	"onboard/resources"
	"onboard/screens/internal/uikit"
)

// noToken is the token note when none is stored (in English; shown with lang.L).
var noToken = resources.Mark("No token is stored.")

// maxProblemLines bounds the refused changes the section lists.
const maxProblemLines = 8

// syncSettings is the server section of the settings screen: the address of
// onboard-server and the operator token, "Sync now" and what the last sync did.
type syncSettings struct {
	s *Screen

	url, token       *widget.Entry
	urlErr, tokenErr *widget.Label
	tokenNote        *widget.Label
	removeToken      *widget.Button
	saveBtn, syncBtn *widget.Button
	status           *widget.Label // saving, syncing
	result           *widget.Label // what the last sync did, or why it failed
	operator         *widget.Label // who the token belongs to and what it may do
	problems         *widget.Label // changes the server refused
	content          *fyne.Container

	savedURL    string
	tokenStored bool
	tokenText   string // where the stored token is kept, as the note shows it
	clearToken  bool   // the stored token is removed on save
	loaded      bool
	filling     bool
	saving      bool
	syncing     bool
}

func newSyncSettings(s *Screen) *syncSettings {
	y := &syncSettings{s: s}
	y.url = &widget.Entry{PlaceHolder: "https://onboard.example.org", Scroll: pageScroll}
	y.url.ExtendBaseWidget(y.url)
	y.token = widget.NewPasswordEntry()
	y.token.Scroll = pageScroll
	y.urlErr, y.tokenErr = uikit.DangerLabel(), uikit.DangerLabel()
	y.urlErr.Hide()
	y.tokenErr.Hide()
	y.url.OnChanged = func(string) { y.edited(y.urlErr) }
	y.token.OnChanged = func(string) {
		if !y.filling && y.token.Text != "" {
			y.clearToken = false // a new token replaces the stored one
		}
		y.edited(y.tokenErr)
	}
	y.tokenNote = &widget.Label{Importance: widget.LowImportance, Wrapping: fyne.TextWrapWord}
	y.removeToken = &widget.Button{Text: lang.L("Remove token"), Importance: widget.LowImportance, OnTapped: y.RemoveToken}
	y.saveBtn = &widget.Button{Text: lang.L("Save server settings"), Importance: widget.HighImportance, OnTapped: y.Save}
	y.syncBtn = &widget.Button{Text: lang.L("Sync now"), Icon: theme.ViewRefreshIcon(), OnTapped: y.SyncNow}
	y.status = &widget.Label{Importance: widget.LowImportance}
	y.result = &widget.Label{Wrapping: fyne.TextWrapWord, Selectable: true}
	y.result.Hide()
	y.operator = &widget.Label{Wrapping: fyne.TextWrapWord}
	y.operator.Hide()
	y.problems = &widget.Label{Wrapping: fyne.TextWrapWord, Selectable: true}
	y.problems.Hide()

	// The hints wrap under their fields (a form's own hints do not, and the German
	// ones would widen the page past a 1024-pixel window).
	urlItem := widget.NewFormItem(settingLabel(settings.SyncURL), container.NewVBox(y.url,
		uikit.Note(lang.L("Your organization's onboard-server; leave empty to work on this computer only")), y.urlErr))
	tokenItem := widget.NewFormItem(settingLabel(settings.SyncToken), container.NewVBox(y.token,
		container.NewBorder(nil, nil, nil, y.removeToken, y.tokenNote),
		uikit.Note(lang.L("The API token onboard-server printed for you (onboard-server operator add)")), y.tokenErr))
	y.content = container.NewVBox(widget.NewForm(urlItem, tokenItem),
		container.NewHBox(y.saveBtn, y.syncBtn, y.status), y.result, y.operator, y.problems)
	y.update()
	return y
}

// dirty reports changes that are not saved.
func (y *syncSettings) dirty() bool {
	return y.loaded && (strings.TrimSpace(y.url.Text) != y.savedURL || y.token.Text != "" || y.clearToken)
}

// configured reports whether an address and a token are stored.
func (y *syncSettings) configured() bool { return y.savedURL != "" && y.tokenStored }

func (y *syncSettings) update() {
	uikit.SetEnabled(y.saveBtn, y.loaded && y.dirty() && !y.saving)
	uikit.SetEnabled(y.syncBtn, y.loaded && y.configured() && !y.dirty() && !y.syncing && !y.saving && y.s.Syncer != nil)
	if y.clearToken {
		y.tokenNote.SetText(lang.L("The stored token is removed when you save."))
	} else {
		y.tokenNote.SetText(y.tokenText)
	}
	if y.tokenStored && !y.clearToken {
		y.removeToken.Show()
		y.token.SetPlaceHolder(lang.L("Leave empty to keep the stored token"))
	} else {
		y.removeToken.Hide()
		y.token.SetPlaceHolder("")
	}
}

// edited hides a field's error when the admin changes the field.
func (y *syncSettings) edited(errLabel *widget.Label) {
	if y.filling {
		return
	}
	if errLabel.Visible() {
		errLabel.Hide()
		y.content.Refresh()
	}
	y.status.SetText("")
	y.update()
}

// RemoveToken removes the stored token when the admin saves.
func (y *syncSettings) RemoveToken() {
	y.clearToken = true
	y.token.SetText("")
	y.update()
}

// reload reads the stored server settings (unless the admin is editing them) and
// where sync stands.
func (y *syncSettings) reload() {
	if y.dirty() || y.saving {
		return
	}
	y.s.bg.Go(func() {
		ctx := context.Background()
		url, err := settings.Get(ctx, y.s.db, settings.SyncURL)
		note, tokenErr := settings.Get(ctx, y.s.db, settings.SyncToken)
		var out *syncclient.Outcome
		if y.s.Syncer != nil && err == nil {
			o := y.s.Syncer.State(ctx)
			out = &o
		}
		uikit.OnUI(func() {
			if err != nil {
				uikit.ShowError(err, y.s.win)
				return
			}
			if y.dirty() || y.saving {
				return
			}
			y.loaded = true
			y.fill(url)
			y.showToken(note, tokenErr)
			y.update()
			if out != nil && !y.syncing {
				y.ShowOutcome(*out)
			}
		})
	})
}

func (y *syncSettings) fill(url string) {
	y.filling = true
	y.savedURL = url
	y.url.SetText(url)
	y.token.SetText("")
	y.filling = false
}

// showToken shows where the stored token is kept.
func (y *syncSettings) showToken(note string, err error) {
	y.clearToken = false
	y.tokenStored = note != "" || err != nil
	y.tokenNote.Importance = widget.LowImportance
	switch {
	case err != nil:
		y.tokenNote.Importance = widget.DangerImportance
		y.tokenText = uikit.Capitalize(err.Error())
	case note == "":
		y.tokenText = lang.L(noToken)
	default:
		y.tokenText = fmt.Sprintf(lang.L("Token %s."), secretPlace(note))
	}
}

// Save checks the address and the token and stores both, or neither when one is
// wrong. An empty token field keeps the stored token.
func (y *syncSettings) Save() {
	if !y.loaded || y.saving {
		return
	}
	url, tok, clear := y.url.Text, y.token.Text, y.clearToken
	y.saving = true
	y.status.SetText(lang.L("Saving…"))
	y.update()
	y.s.bg.Go(func() {
		r := saveSyncSettings(context.Background(), y.s.db, url, tok, clear)
		uikit.OnUI(func() {
			y.saving = false
			y.applySave(r)
		})
	})
}

// syncSaveResult is what saving the server settings did.
type syncSaveResult struct {
	urlProblem, tokenProblem string
	url                      string // stored, normalized
	tokenNote                string // where the token is kept now
	tokenErr                 error  // reading where the token is kept failed
	err                      error  // writing failed
}

// saveSyncSettings checks the address and the token (empty: keep the stored one,
// or remove it when clearToken) and stores them when both pass.
func saveSyncSettings(ctx context.Context, st settings.Store, url, token string, clearToken bool) syncSaveResult {
	var r syncSaveResult
	problem := func(k settings.Key, v string) (string, string) {
		n, err := k.Check(v)
		if se, ok := errors.AsType[*settings.Error](err); ok {
			return "", settingProblem(k, se)
		} else if err != nil {
			return "", uikit.Capitalize(err.Error()) + "."
		}
		return n, ""
	}
	var normURL string
	normURL, r.urlProblem = problem(settings.SyncURL, url)
	if token != "" {
		_, r.tokenProblem = problem(settings.SyncToken, token)
	}
	if r.urlProblem != "" || r.tokenProblem != "" {
		return r
	}
	if r.url, r.err = settings.Set(ctx, st, settings.SyncURL, normURL); r.err != nil {
		return r
	}
	if token != "" || clearToken {
		r.tokenNote, r.err = settings.Set(ctx, st, settings.SyncToken, token)
	} else {
		r.tokenNote, r.tokenErr = settings.Get(ctx, st, settings.SyncToken)
	}
	return r
}

func (y *syncSettings) applySave(r syncSaveResult) {
	show := func(l *widget.Label, msg string) {
		l.SetText(msg)
		l.Hidden = msg == ""
	}
	show(y.urlErr, r.urlProblem)
	show(y.tokenErr, r.tokenProblem)
	switch {
	case r.err != nil:
		y.status.SetText("")
		uikit.ShowError(r.err, y.s.win)
	case r.urlProblem != "" || r.tokenProblem != "":
		y.status.SetText(lang.L("Nothing was saved: correct the fields marked in red."))
	default:
		y.fill(r.url)
		y.showToken(r.tokenNote, r.tokenErr)
		switch {
		case y.configured():
			y.status.SetText(lang.L("Server settings saved; syncing starts."))
		case r.url != "":
			y.status.SetText(lang.L("Server settings saved; enter the operator token to sync."))
		default:
			y.status.SetText(lang.L("Server settings saved; this computer works alone."))
		}
		if !y.configured() {
			y.ShowOutcome(syncclient.Outcome{})
		}
		if y.s.OnSyncSaved != nil {
			y.s.OnSyncSaved()
		}
	}
	y.content.Refresh()
	y.update()
}

// SyncNow syncs in the background with the saved settings and shows what it did.
func (y *syncSettings) SyncNow() {
	if y.syncing || y.s.Syncer == nil {
		return
	}
	y.syncing = true
	y.status.SetText(fmt.Sprintf(lang.L("Syncing with %s: sending this computer's changes, fetching the server's…"), y.savedURL))
	y.update()
	ctx := y.s.SyncContext
	if ctx == nil {
		ctx = context.Background()
	}
	y.s.bg.Go(func() {
		out := y.s.Syncer.Run(ctx)
		uikit.OnUI(func() {
			y.syncing = false
			y.status.SetText("")
			y.ShowOutcome(out)
			y.update()
			if y.s.OnSynced != nil {
				y.s.OnSynced(out)
			}
		})
	})
}

// ShowOutcome shows what a sync did (or, when none ran, how the last one went),
// the operator and the refused changes.
func (y *syncSettings) ShowOutcome(out syncclient.Outcome) {
	text, imp := syncResultText(out, time.Now())
	y.result.Importance = imp
	y.result.SetText(text)
	y.result.Hidden = text == ""
	y.operator.Hidden = !out.Configured || out.Me == nil
	if out.Me != nil {
		y.operator.SetText(uikit.DescribeMe(out.Me))
	}
	probs := problemLines(out.Problems)
	y.problems.SetText(probs)
	y.problems.Hidden = probs == ""
	y.content.Refresh()
}

// syncResultText says what a sync did, or how the last one went when none ran.
func syncResultText(out syncclient.Outcome, now time.Time) (string, widget.Importance) {
	switch {
	case !out.Configured:
		return "", widget.MediumImportance
	case out.Ran && out.Err != nil:
		text := syncclient.ErrorText(out.Err)
		if r := out.Result; r.Pushed+r.Pulled+r.Conflicts+r.Refused > 0 {
			text += " " + fmt.Sprintf(lang.L("Before that: %s"), syncCountsText(out))
		}
		return text, widget.DangerImportance
	case out.Ran:
		at := out.Status.LastSync
		if at.IsZero() {
			at = now
		}
		text := fmt.Sprintf(lang.L("Synced at %s: %s"), clock(at, now), syncCountsText(out))
		if out.Result == (syncclient.Result{}) {
			text = fmt.Sprintf(lang.L("Synced at %s: nothing to send, nothing new on the server."), clock(at, now))
		}
		if out.Result.Conflicts > 0 {
			text += " " + lang.L("Where a user was changed here and on the server at the same time, the server's version was kept; "+
				"the change made here is in the user's history.")
		}
		if n := out.Status.Counts.Pending; n > 0 {
			text += " " + fmt.Sprintf(lang.L("%s made meanwhile wait for the next sync."), changesText(n))
		}
		return text, widget.SuccessImportance
	case out.Err != nil:
		return syncclient.ErrorText(out.Err), widget.DangerImportance
	case out.Status.LastError != "":
		return fmt.Sprintf(lang.L("The last sync failed: %s"), out.Status.LastError), widget.DangerImportance
	case !out.Status.LastSync.IsZero():
		text := fmt.Sprintf(lang.L("Last synced %s."), clock(out.Status.LastSync, now))
		if n := out.Status.Counts.Pending; n > 0 {
			text += " " + fmt.Sprintf(lang.L("%s wait for the next sync."), changesText(n))
		}
		return text, widget.MediumImportance
	}
	return lang.L("Not synced yet."), widget.MediumImportance
}

// syncCountsText is "sent 3 changes, received 2, no conflicts, none refused."
func syncCountsText(out syncclient.Outcome) string {
	r := out.Result
	some := func(n int, none string) string {
		if n == 0 {
			return none
		}
		return display.Count(n)
	}
	conflicts := lang.L("no conflicts")
	if r.Conflicts > 0 {
		conflicts = display.PluralOf(r.Conflicts, lang.L("conflict"), lang.L("conflicts"))
	}
	return fmt.Sprintf(lang.L("sent %s, received %s, %s, %s refused."), changesText(r.Pushed),
		some(r.Pulled, lang.L("none")), conflicts, some(r.Refused, lang.L("none")))
}

// changesText is "1 change" or "3 changes".
func changesText(n int) string { return display.PluralOf(n, lang.L("change"), lang.L("changes")) }

// clock is a time as the status shows it: the time of day for today, else the date too.
func clock(t, now time.Time) string {
	t, now = t.Local(), now.Local()
	if t.YearDay() == now.YearDay() && t.Year() == now.Year() {
		return t.Format("15:04")
	}
	return display.Time(&t)
}

// problemLines lists the rows sync could not bring across, with the reasons.
func problemLines(probs []data.SyncProblem) string {
	if len(probs) == 0 {
		return ""
	}
	lines := []string{lang.L("Not synced (the server refused these changes; change them to send them again):")}
	for i, p := range probs {
		if i == maxProblemLines {
			lines = append(lines, fmt.Sprintf(lang.L("… and %s more"), display.Count(len(probs)-i)))
			break
		}
		what := entityWord(p.Entity)
		if p.Name != "" {
			what += " " + p.Name
		}
		lines = append(lines, "• "+what+": "+p.Reason)
	}
	return strings.Join(lines, "\n")
}

// entityWords name the kinds of rows sync brings across, as the list of refused
// changes names them ("user Anna Müller: …"), translated where shown.
var entityWords = map[syncapi.Entity]string{
	syncapi.EntityUser:        resources.Mark("user"),
	syncapi.EntityUnit:        resources.Mark("unit"),
	syncapi.EntityGroup:       resources.Mark("group"),
	syncapi.EntityRole:        resources.Mark("role"),
	syncapi.EntityPersonalKey: resources.Mark("personal key"),
	syncapi.EntityInviteKey:   resources.Mark("invite key"),
}

// entityWord names a kind of row: "user", "invite key".
func entityWord(e syncapi.Entity) string {
	if w, ok := entityWords[e]; ok {
		return lang.L(w)
	}
	return strings.ReplaceAll(string(e), "_", " ")
}

// SyncResult is the outcome the server section shows, "" when none.
func (s *Screen) SyncResult() string {
	if !s.sync.result.Visible() {
		return ""
	}
	return s.sync.result.Text
}

// SyncOperator is the operator line of the server section, "" when hidden.
func (s *Screen) SyncOperator() string {
	if !s.sync.operator.Visible() {
		return ""
	}
	return s.sync.operator.Text
}

// SyncFieldError is the error shown under the server address (settings.SyncURL) or
// the token, "" when there is none.
func (s *Screen) SyncFieldError(k settings.Key) string {
	l := s.sync.urlErr
	if k.Name == settings.SyncToken.Name {
		l = s.sync.tokenErr
	}
	if l.Visible() {
		return l.Text
	}
	return ""
}

// ShowSync shows a sync the window ran (the automatic sync) in the server section.
func (s *Screen) ShowSync(out syncclient.Outcome) {
	if !s.sync.syncing {
		s.sync.ShowOutcome(out)
	}
}

// SyncNow runs "Sync now".
func (s *Screen) SyncNow() { s.sync.SyncNow() }

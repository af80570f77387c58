package screens

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"onboard/data"
	"onboard/internal/display"
	"onboard/internal/lifecycle"
	"onboard/internal/settings"
	"onboard/internal/syncapi"
	"onboard/internal/userrules"
	"onboard/resources"
	"onboard/screens/internal/uikit"
)

// bulkVerbs are the bulk actions: button text, the question of the confirmation
// (a format of the users, "5 users", and for a role or group its name), and what
// none of the selected users can do when the action would change nobody ("None of
// the 12 selected users can be reactivated"). English, translated where shown.
var bulkVerbs = []struct {
	action lifecycle.Action
	button string
	ask    string
	none   string
}{
	{lifecycle.ActionResend, resources.Mark("Resend invitation"), resources.Mark("Resend the invitation to %s?"), resources.Mark("get the invitation again")},
	{lifecycle.ActionCancel, resources.Mark("Cancel invitation"), resources.Mark("Cancel the invitation of %s?"), resources.Mark("have their invitation cancelled")},
	{lifecycle.ActionDeactivate, resources.Mark("Deactivate"), resources.Mark("Deactivate %s?"), resources.Mark("be deactivated")},
	{lifecycle.ActionReactivate, resources.Mark("Reactivate"), resources.Mark("Reactivate %s?"), resources.Mark("be reactivated")},
	{lifecycle.ActionChangeRole, resources.Mark("Change role"), resources.Mark("Change the role of %s: role %s?"), resources.Mark("get another role")},
	{lifecycle.ActionAddToGroup, resources.Mark("Add to group"), resources.Mark("Add %s to the group %s?"), resources.Mark("be added to the group")},
	{lifecycle.ActionExtend, resources.Mark("Extend validity"), resources.Mark("Extend the validity of the keys of %s?"), resources.Mark("have the validity of their key extended")},
	{lifecycle.ActionHandOut, resources.Mark("Mark handed out"), resources.Mark("Mark the letters of %s handed out?"), resources.Mark("have their letter marked handed out")},
	{lifecycle.ActionDelete, resources.Mark("Delete"), resources.Mark("Delete %s?"), resources.Mark("be deleted")},
}

func (s *UsersScreen) buildBulkBar() {
	s.selLabel = widget.NewLabel(lang.L("No users selected"))
	s.selectAll = &widget.Button{Text: lang.L("Select all matching"), OnTapped: s.SelectAllMatching}
	clear := &widget.Button{Text: lang.L("Clear selection"), OnTapped: s.ClearSelection}
	printLetters := &widget.Button{Text: lang.L("Print letters…"), Icon: theme.DocumentPrintIcon(), OnTapped: func() {
		s.printLetters(s.selectedIDs())
	}}
	objs := []fyne.CanvasObject{s.selLabel, s.selectAll, clear, printLetters}
	for _, b := range bulkVerbs {
		a := b.action
		btn := &widget.Button{Text: lang.L(b.button), OnTapped: func() { s.Bulk(a) }}
		if a == lifecycle.ActionDelete {
			btn.Importance = widget.DangerImportance
		}
		objs = append(objs, btn)
	}
	// In a narrow window the actions that do not fit go into the More menu
	// instead of widening the window or being cut off. The count and "Select all"
	// always show; the actions while users are selected.
	s.bulk, s.bulkBar = newOverflowBar(s.win, objs, func(i int) bool { return i < 2 || len(s.selected) > 0 })
	s.updateSelectionBar()
}

// updateSelectionBar shows the action buttons while users are selected.
func (s *UsersScreen) updateSelectionBar() {
	s.bulkBar.Refresh()
}

// Bulk runs action a on the selection: it asks for what the action needs (a role, a
// group), says how many users it will change and skip and why, and runs after the
// admin agrees, with progress.
func (s *UsersScreen) Bulk(a lifecycle.Action) {
	ids := s.selectedIDs()
	if len(ids) == 0 {
		return
	}
	op := lifecycle.BulkOp{Action: a}
	switch a {
	case lifecycle.ActionResend:
		s.beforeMails(func() { s.planAndRun(ids, op, "") })
	case lifecycle.ActionExtend:
		s.askValidDays(lang.L("Extend validity"), lang.L("The keys stay the same, so letters already printed keep working."), func(days int) {
			op.ValidDays = days
			s.planAndRun(ids, op, "")
		})
	case lifecycle.ActionChangeRole:
		s.choose(lang.L("Change role"), lang.L("New role"), uikit.Names(s.roles, func(r data.Role) string { return r.Name }), func(name string) {
			op.RoleID = uikit.IDByName(s.roles, name, func(r data.Role) (string, string) { return r.ID, r.Name })
			s.planAndRun(ids, op, name)
		})
	case lifecycle.ActionAddToGroup:
		s.choose(lang.L("Add to group"), lang.L("Group"), uikit.Names(s.groups, func(g data.Group) string { return g.Name }), func(name string) {
			op.GroupID = uikit.IDByName(s.groups, name, func(g data.Group) (string, string) { return g.ID, g.Name })
			s.planAndRun(ids, op, name)
		})
	default:
		s.planAndRun(ids, op, "")
	}
}

// choose asks the admin to pick one option.
func (s *UsersScreen) choose(title, label string, options []string, then func(string)) {
	if len(options) == 0 {
		dialog.ShowInformation(title, lang.L("There is nothing to choose from yet."), s.win)
		return
	}
	sel := widget.NewSelect(options, nil)
	sel.SetSelected(options[0])
	dialog.ShowForm(title, lang.L("Continue"), lang.L("Cancel"), []*widget.FormItem{widget.NewFormItem(label, sel)}, func(ok bool) {
		if ok {
			then(sel.Selected)
		}
	}, s.win)
}

// planAndRun shows what the action will do and runs it when confirmed.
func (s *UsersScreen) planAndRun(ids []string, op lifecycle.BulkOp, target string) {
	var plan *lifecycle.BulkPlan
	now := s.act.Now()
	s.background(func() (err error) {
		ctx := context.Background()
		if plan, err = s.act.PlanBulk(ctx, ids, op.Action); err != nil {
			return err
		}
		if op.Action == lifecycle.ActionCancel {
			// A user who was never invited has no invitation to cancel (the key of
			// a letter still to print is not one).
			var never []string
			if never, err = s.src.UserIDs(ctx, data.UserQuery{Status: data.StatusNotActivated}, now); err != nil {
				return err
			}
			skipNeverInvited(plan, never)
		}
		return nil
	}, func() {
		s.confirmBulk(plan, len(ids), op, target)
	})
}

// skipNeverInvited moves the users of plan that are in never (never invited) from
// the eligible to the skipped.
func skipNeverInvited(plan *lifecycle.BulkPlan, never []string) {
	set := make(map[string]bool, len(never))
	for _, id := range never {
		set[id] = true
	}
	eligible := plan.Eligible[:0]
	for _, id := range plan.Eligible {
		if set[id] {
			plan.Skipped = append(plan.Skipped, lifecycle.Skip{UserID: id, Reason: uikit.NeverInvited})
		} else {
			eligible = append(eligible, id)
		}
	}
	plan.Eligible = eligible
}

// nobodyToChange says why a bulk action on selected users would change none of
// them: "None of the 12 selected users can be reactivated: 12 not deactivated."
func nobodyToChange(plan *lifecycle.BulkPlan, selected int, none string) string {
	why := uikit.SkipSummary(plan.Skipped)
	if gone := selected - len(plan.Skipped); gone > 0 {
		why = joinNonEmpty(", ", why, fmt.Sprintf(lang.L("%d deleted meanwhile"), gone))
	}
	if selected == 1 {
		return fmt.Sprintf(lang.L("The selected user cannot %s: %s."), lang.L(none), why)
	}
	return fmt.Sprintf(lang.L("None of the %s selected users can %s: %s."), display.Count(selected), lang.L(none), why)
}

// confirmBulk is the question before a bulk action on selected users; when it
// would change none of them it says so, and why, instead.
func (s *UsersScreen) confirmBulk(plan *lifecycle.BulkPlan, selected int, op lifecycle.BulkOp, target string) {
	ask, button, none := "", "", ""
	for _, b := range bulkVerbs {
		if b.action == op.Action {
			ask, button, none = b.ask, lang.L(b.button), b.none
		}
	}
	n := len(plan.Eligible)
	if n == 0 {
		dialog.ShowInformation(button, nobodyToChange(plan, selected, none), s.win)
		return
	}
	var msg string
	if target != "" {
		msg = fmt.Sprintf(lang.L(ask), usersText(n), target)
	} else {
		msg = fmt.Sprintf(lang.L(ask), usersText(n))
	}
	if len(plan.Skipped) > 0 {
		msg += "\n" + fmt.Sprintf(lang.L("%s will be skipped: %s."), usersText(len(plan.Skipped)), uikit.SkipSummary(plan.Skipped))
	}
	switch op.Action {
	case lifecycle.ActionDelete:
		msg += "\n" + lang.L("Deleted users disappear from every list and their keys stop working.")
	case lifecycle.ActionDeactivate:
		msg += "\n" + lang.L("Deactivated users cannot sign in or register until reactivated.")
	case lifecycle.ActionResend:
		msg += "\n" + lang.L("Each gets a new key; the old keys stop working.")
	case lifecycle.ActionExtend:
		msg += "\n" + fmt.Sprintf(lang.L("Their keys work until %s."), display.Date(s.act.Now().AddDate(0, 0, op.ValidDays)))
	}
	d := dialog.NewConfirm(button, msg, func(ok bool) {
		if ok {
			s.runBulk(plan.Eligible, op, button)
		}
	}, s.win)
	d.SetConfirmText(fmt.Sprintf("%s (%s)", button, display.Count(n)))
	d.SetDismissText(lang.L("Cancel"))
	if op.Action == lifecycle.ActionDelete || op.Action == lifecycle.ActionDeactivate {
		d.SetConfirmImportance(widget.DangerImportance)
	}
	d.Show()
}

// runBulk runs the action with a progress dialog that can cancel it.
func (s *UsersScreen) runBulk(ids []string, op lifecycle.BulkOp, title string) {
	ctx, cancel := context.WithCancel(context.Background())
	bar := widget.NewProgressBar()
	bar.Max = float64(len(ids))
	prog := dialog.NewCustomWithoutButtons(title, container.NewVBox(
		widget.NewLabel(fmt.Sprintf(lang.L("Working on %s…"), usersText(len(ids)))), bar), s.win)
	prog.SetButtons([]fyne.CanvasObject{&widget.Button{Text: lang.L("Cancel"), OnTapped: cancel}})
	prog.Show()
	var res *lifecycle.BulkResult
	s.bg.Go(func() {
		var err error
		res, err = s.act.RunBulk(ctx, ids, op, func(done, total int) {
			uikit.OnUI(func() { bar.SetValue(float64(done)) })
		})
		cancel()
		uikit.OnUI(func() {
			prog.Hide()
			msg := fmt.Sprintf(lang.L("%s: %s done."), title, usersText(res.Done))
			if len(res.Skipped) > 0 {
				msg += "\n" + fmt.Sprintf(lang.L("%s skipped: %s."), usersText(len(res.Skipped)), uikit.SkipSummary(res.Skipped))
			}
			switch {
			case errors.Is(err, context.Canceled):
				msg += "\n" + lang.L("Stopped before the end; the rest is unchanged.")
			case err != nil:
				msg += "\n" + fmt.Sprintf(lang.L("Stopped by an error: %s"), err.Error())
			}
			if op.Action == lifecycle.ActionDelete {
				s.ClearSelection()
			}
			if op.Action == lifecycle.ActionResend && res.Done > 0 {
				s.mailQueued()
				msg += "\n" + lang.L("The invitation emails are queued and sent through the mail server set in Settings.")
			}
			s.LastResult = res
			if res.Done > 0 {
				s.changed()
			}
			dialog.ShowInformation(title, msg, s.win)
			s.Reload() // also drops from the selection the users the change moved out of the filter
		})
	})
}

// showRowMenu opens the menu of one row, with what the user's status allows.
func (s *UsersScreen) showRowMenu(row int, anchor fyne.CanvasObject) {
	r := s.row(row)
	if r == nil {
		return
	}
	uikit.ShowMenuBelow(s.win, anchor, s.rowMenuItems(r))
}

// rowMenuItems are the actions of one user; those its status forbids are disabled.
func (s *UsersScreen) rowMenuItems(r *data.UserRow) []*fyne.MenuItem {
	id, name := r.ID, r.FullName()
	item := func(label string, a lifecycle.Action, do func()) *fyne.MenuItem {
		it := fyne.NewMenuItem(label, do)
		it.Disabled = !lifecycle.Allowed(a, r.Status)
		return it
	}
	simple := func(title, question string, run func(context.Context) error) func() {
		return func() {
			s.confirmThen(title, question, func() { s.runOne(title, run) })
		}
	}
	toggle := item(lang.L("Deactivate…"), lifecycle.ActionDeactivate, simple(lang.L("Deactivate"),
		fmt.Sprintf(lang.L("Deactivate %s? The user cannot sign in or register until reactivated."), name),
		func(ctx context.Context) error { _, err := s.act.Deactivate(ctx, id); return err }))
	if r.Status == data.StatusDeactivated {
		toggle = item(lang.L("Reactivate"), lifecycle.ActionReactivate, func() {
			s.runOne(lang.L("Reactivate"), func(ctx context.Context) error { _, err := s.act.Reactivate(ctx, id); return err })
		})
	}
	items := []*fyne.MenuItem{
		fyne.NewMenuItem(lang.L("Edit…"), func() { s.EditUser(id) }),
		item(lang.L("Resend invitation…"), lifecycle.ActionResend, func() { s.resendDialog(r) }),
	}
	if r.Phase == data.PhaseInvited { // only an invited user has an invitation to cancel
		items = append(items, item(lang.L("Cancel invitation…"), lifecycle.ActionCancel, simple(lang.L("Cancel invitation"),
			fmt.Sprintf(lang.L("Cancel the invitation of %s? The key stops working at once."), name),
			func(ctx context.Context) error { _, err := s.act.CancelInvitation(ctx, id); return err })))
	}
	return append(items,
		item(lang.L("New key…"), lifecycle.ActionNewKey, func() {
			s.confirmThen(lang.L("New key"), fmt.Sprintf(lang.L("Give %s a new key? The current key stops working."), name), func() {
				var inv *lifecycle.Invitation
				s.runOne(lang.L("New key"), func(ctx context.Context) (err error) {
					inv, err = s.act.NewKey(ctx, id, 0)
					return err
				}, func() { s.showKey(lang.L("New key"), inv, "") })
			})
		}),
		item(lang.L("Extend validity…"), lifecycle.ActionExtend, func() {
			s.askValidDays(fmt.Sprintf(lang.L("Extend the validity of %s's key"), name),
				lang.L("The key stays the same, so a letter already printed keeps working."), func(days int) {
					s.runOne(lang.L("Extend validity"), func(ctx context.Context) error {
						_, err := s.act.ExtendValidity(ctx, id, days)
						return err
					})
				})
		}),
		toggle,
		letterItem(r.Status, func() { s.printLetters([]string{id}) }),
		s.handOutItem(r),
		fyne.NewMenuItemSeparator(),
		item(lang.L("Delete…"), lifecycle.ActionDelete, simple(lang.L("Delete user"),
			fmt.Sprintf(lang.L("Delete %s? The user disappears from every list and the key stops working."), name),
			func(ctx context.Context) error { return s.act.Delete(ctx, id) })),
	)
}

// letterItem is the row menu's "Print letter…": only users who still have to
// register get a letter.
func letterItem(st data.Status, do func()) *fyne.MenuItem {
	it := fyne.NewMenuItem(lang.L("Print letter…"), do)
	it.Disabled = st == data.StatusActive || st == data.StatusDeactivated
	return it
}

// printLetters opens the print dialog for the users ids (the window owns it).
func (s *UsersScreen) printLetters(ids []string) {
	if s.OnPrintLetters != nil && len(ids) > 0 {
		s.OnPrintLetters(ids)
	}
}

// confirmThen asks a yes/no question and runs then on yes.
func (s *UsersScreen) confirmThen(title, question string, then func()) {
	dialog.ShowConfirm(title, question, func(ok bool) {
		if ok {
			then()
		}
	}, s.win)
}

// runOne runs a single-user action off the UI goroutine, then reloads; after runs
// on success.
func (s *UsersScreen) runOne(title string, run func(context.Context) error, after ...func()) {
	s.bg.Go(func() {
		err := run(context.Background())
		uikit.OnUI(func() {
			s.changed() // also after an error: part of it may be done
			if err != nil {
				dialog.ShowError(err, s.win)
			} else {
				for _, f := range after {
					f()
				}
			}
			s.Reload()
		})
	})
}

// resendDialog lets the admin correct the email before a new invitation is sent.
// beforeMails runs send once the mails can read right and the admin knows where
// they go (uikit.CheckBeforeSending), when Settings is set; else at once.
func (s *UsersScreen) beforeMails(send func()) {
	if s.Settings == nil {
		send()
		return
	}
	uikit.CheckBeforeSending(s.win, &s.bg, s.Settings, true, send, s.OnSetUpMail)
}

func (s *UsersScreen) resendDialog(r *data.UserRow) {
	email := &widget.Entry{Text: r.Email}
	email.ExtendBaseWidget(email)
	email.Validator = func(text string) error { // Resend stays disabled while the address is wrong
		if p := userrules.EmailProblem(text); p != "" {
			return errors.New(p)
		}
		return nil
	}
	item := widget.NewFormItem(lang.L("Email"), email)
	item.HintText = lang.L("Correct the address if the first invitation did not arrive.")
	items := []*widget.FormItem{item}
	d := dialog.NewForm(fmt.Sprintf(lang.L("Resend invitation to %s"), r.FullName()), lang.L("Resend"), lang.L("Cancel"), items, func(ok bool) {
		if !ok {
			return
		}
		s.beforeMails(func() {
			var inv *lifecycle.Invitation
			s.runOne(lang.L("Resend invitation"), func(ctx context.Context) (err error) {
				inv, err = s.act.ResendInvitation(ctx, r.ID, lifecycle.ResendOptions{Email: email.Text})
				return err
			}, func() {
				s.mailQueued()
				s.showKey(lang.L("Invitation queued"), inv, lang.L("The invitation email goes out through the mail server set in Settings; the Mail screen shows how it fares."))
			})
		})
	}, s.win)
	d.Resize(fyne.NewSize(460, 200))
	d.Show()
}

// showKey shows a new key with a Copy button, and note below it when not "".
func (s *UsersScreen) showKey(title string, inv *lifecycle.Invitation, note string) {
	if inv == nil {
		return
	}
	key := &widget.Label{Text: inv.Key, TextStyle: fyne.TextStyle{Monospace: true}, SizeName: theme.SizeNameHeadingText}
	copyBtn := &widget.Button{Text: lang.L("Copy key"), OnTapped: func() { uikit.CopyText(inv.Key) }}
	box := container.NewVBox(
		widget.NewLabel(fmt.Sprintf(lang.L("%s has a new key; the old one no longer works."), inv.User.FullName())),
		container.NewCenter(key),
		widget.NewLabel(fmt.Sprintf(lang.L("Valid until %s"), display.Time(inv.User.KeyExpiresAt))),
		container.NewCenter(copyBtn))
	if note != "" {
		box.Add(&widget.Label{Text: note, Wrapping: fyne.TextWrapWord, Importance: widget.LowImportance})
	}
	d := dialog.NewCustom(title, lang.L("Close"), box, s.win)
	if note != "" {
		d.Resize(fyne.NewSize(480, d.MinSize().Height))
	}
	d.Show()
}

// mailQueued tells the window that invitation mail was queued.
func (s *UsersScreen) mailQueued() {
	if s.OnMailQueued != nil {
		s.OnMailQueued()
	}
}

// NewUser opens the new-user dialog, with unitID (may be "") preset, unless the
// operator may not add users (then it says so).
func (s *UsersScreen) NewUser(unitID string) {
	if uikit.Refused(s.perms, syncapi.PermAddUsers, lang.L("New user"), s.win) {
		return
	}
	s.openForm("", unitID)
}

// EditUser opens the edit dialog of a user.
func (s *UsersScreen) EditUser(id string) {
	s.openForm(id, "")
}

// openForm reads what the form offers (and the user to edit, when id is set) off the
// UI goroutine, then opens the new-user or edit dialog.
func (s *UsersScreen) openForm(id, unitID string) {
	var cat staticCatalog
	var u *data.User
	var units, groups []string
	s.background(func() (err error) {
		ctx := context.Background()
		if cat.roles, err = s.src.Roles(ctx); err != nil {
			return err
		}
		if cat.units, err = s.src.Units(ctx); err != nil {
			return err
		}
		if cat.groups, err = s.src.Groups(ctx); err != nil {
			return err
		}
		if id == "" {
			return nil
		}
		if u, err = s.src.UserByID(ctx, id); err != nil {
			return err
		}
		if units, err = s.src.UserUnitIDs(ctx, id); err != nil {
			return err
		}
		groups, err = s.src.UserGroupIDs(ctx, id)
		return err
	}, func() {
		s.lastForm = ShowUserForm(s.act, cat, s.win, u, units, groups, unitID, func(*data.User) {
			s.changed()
			s.Reload()
		})
		if s.lastForm == nil {
			return
		}
		s.lastForm.LimitAdditionalPermissions(s.perms.Why(syncapi.PermManageRoles))
		if s.OnPrintLetters != nil {
			s.lastForm.OnPrintLetter = func(id string) { s.OnPrintLetters([]string{id}) }
		}
	})
}

// askValidDays asks for how many days from today keys are to work, starting from
// the invitations' default (invite.valid_days) and saying until when; then gets the
// days when the admin agrees.
func (s *UsersScreen) askValidDays(title, note string, then func(days int)) {
	days := &widget.Entry{}
	days.ExtendBaseWidget(days)
	until := &widget.Label{Wrapping: fyne.TextWrapWord, Importance: widget.LowImportance}
	parse := func(text string) (int, error) {
		n, err := strconv.Atoi(strings.TrimSpace(text))
		if err != nil || n < settings.MinValidDays || n > settings.MaxValidDays {
			return 0, fmt.Errorf(lang.L("Enter how many days the keys are valid: a whole number from %d to %d."), settings.MinValidDays, settings.MaxValidDays)
		}
		return n, nil
	}
	days.Validator = func(text string) error { _, err := parse(text); return err }
	days.OnChanged = func(text string) {
		if n, err := parse(text); err == nil {
			until.SetText(fmt.Sprintf(lang.L("Valid until %s. %s"), display.Date(s.act.Now().AddDate(0, 0, n)), note))
		} else {
			until.SetText(note)
		}
	}
	item := widget.NewFormItem(lang.L("Valid for (days from today)"), days)
	d := dialog.NewForm(title, lang.L("Extend"), lang.L("Cancel"), []*widget.FormItem{item, widget.NewFormItem("", until)}, func(ok bool) {
		if n, err := parse(days.Text); ok && err == nil {
			then(n)
		}
	}, s.win)
	d.Resize(fyne.NewSize(520, 240))
	s.lastDays = days
	s.bg.Go(func() {
		n, err := s.act.ValidDays(context.Background(), 0)
		uikit.OnUI(func() {
			if err != nil {
				n = settings.DefaultValidDays
			}
			days.SetText(strconv.Itoa(n))
			d.Show()
		})
	})
}

package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"onboard/internal/syncapi"
)

// maxMutationID bounds the length of a client's mutation ID.
const maxMutationID = 128

// rowKey names one synchronised row.
type rowKey struct {
	entity syncapi.Entity
	id     string
}

// ownerKey names one value of a unique column of an entity.
type ownerKey struct {
	entity syncapi.Entity
	column string
	value  string
}

// rowState is a row as the batch sees it while applying changes in order.
type rowState struct {
	m       model // the current state; nil when the server has no such row
	version int64 // the version in the database before the batch; 0 for a new row
	touched bool  // the batch changed the row
}

// pending is one change of a batch with its decoded data.
type pending struct {
	c       *syncapi.Change
	spec    *spec
	payload any           // decoded data; nil for a deletion
	uniq    []uniqueValue // the payload's unique values
	done    bool          // answered before the ordered pass (refused or duplicate)
}

// batch applies one push inside its transaction.
type batch struct {
	s       *Store
	tx      *gorm.DB
	op      *Operator
	now     time.Time
	results []syncapi.Result
	items   []pending
	rows    map[rowKey]*rowState
	owners  map[ownerKey]string        // which row holds a unique value now
	applied map[string]appliedMutation // by mutation ID: applied before or in this batch
	order   []rowKey                   // touched rows in the order first touched
	newMuts []Mutation
}

// Push applies a batch of changes for op and answers one result per change, in
// order. Changes are applied in order, so a batch may create a row and change it
// again. The whole batch is one transaction: the answers describe exactly what was
// committed, and a failure (an error return) commits nothing, so the client can
// push the same batch again. A refused or conflicting change does not block the
// others.
//
// Idempotency: an applied change's mutation ID is recorded for the operator; the
// same mutation pushed again is answered as a duplicate with the version it
// produced. Conflict: a change whose BaseVersion is not the row's current version
// is not applied and is answered with the current row.
func (s *Store) Push(ctx context.Context, op *Operator, changes []syncapi.Change) ([]syncapi.Result, error) {
	var results []syncapi.Result
	err := s.write(ctx, func(tx *gorm.DB) error {
		b := &batch{s: s, tx: tx, op: op, now: now()}
		if err := b.run(changes); err != nil {
			return err
		}
		results = b.results
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: push %d changes for %s: %w", len(changes), op.Name, err)
	}
	return results, nil
}

func (b *batch) run(changes []syncapi.Change) error {
	b.results = make([]syncapi.Result, len(changes))
	b.items = make([]pending, len(changes))
	b.rows = map[rowKey]*rowState{}
	b.owners = map[ownerKey]string{}
	b.applied = map[string]appliedMutation{}
	for i := range changes {
		b.decode(i, &changes[i])
	}
	if err := b.loadApplied(); err != nil {
		return fmt.Errorf("read applied mutations: %w", err)
	}
	if err := b.loadRows(); err != nil {
		return fmt.Errorf("read rows: %w", err)
	}
	if err := b.loadOwners(); err != nil {
		return fmt.Errorf("read unique values: %w", err)
	}
	if err := b.checkBulk(); err != nil {
		return err
	}
	for i := range b.items {
		if !b.items[i].done {
			if err := b.apply(i); err != nil {
				return err
			}
		}
	}
	return b.save()
}

func (b *batch) refuse(i int, reason string) {
	b.results[i] = syncapi.Result{MutationID: b.items[i].c.MutationID, Status: syncapi.StatusRefused, Reason: reason}
	b.items[i].done = true
}

// decode checks a change's form, permission and data.
func (b *batch) decode(i int, c *syncapi.Change) {
	it := &b.items[i]
	it.c = c
	switch sp := specs[c.Entity]; {
	case c.MutationID == "" || len(c.MutationID) > maxMutationID:
		b.refuse(i, fmt.Sprintf("mutation_id must have 1 to %d characters", maxMutationID))
	case sp == nil:
		b.refuse(i, fmt.Sprintf("unknown entity %q", c.Entity))
	case uuid.Validate(c.ID) != nil:
		b.refuse(i, fmt.Sprintf("id %q is not a UUID", c.ID))
	case c.BaseVersion < 0:
		b.refuse(i, "base_version is negative")
	case !slices.ContainsFunc(sp.perms, b.op.Has):
		reason := sp.denied
		if reason == "" {
			names := make([]string, len(sp.perms))
			for i, p := range sp.perms {
				names[i] = string(p)
			}
			reason = fmt.Sprintf("changing %s needs the %s permission", aEntity(c.Entity), strings.Join(names, " or "))
		}
		b.refuse(i, reason)
	default:
		it.spec = sp
		if c.Deleted {
			return
		}
		var err error
		if it.payload, it.uniq, err = sp.decode(b.s, c.Data); err != nil {
			b.refuse(i, err.Error())
		}
	}
}

// aEntity names an entity for a sentence: "a user", "an invite key".
func aEntity(e syncapi.Entity) string {
	w := strings.ReplaceAll(string(e), "_", " ")
	if e == syncapi.EntityInviteKey {
		return "an " + w
	}
	return "a " + w
}

// loadApplied finds the batch's mutations the operator pushed before.
func (b *batch) loadApplied() error {
	var ids []string
	for _, it := range b.items {
		if !it.done {
			ids = append(ids, it.c.MutationID)
		}
	}
	for _, c := range chunks(ids, idChunk) {
		var muts []Mutation
		err := b.tx.Select("mutation_id", "version", "digest").
			Where("operator_id = ? AND mutation_id IN ?", b.op.ID, c).Find(&muts).Error
		if err != nil {
			return err
		}
		for _, m := range muts {
			b.applied[m.MutationID] = appliedMutation{m.Version, m.Digest}
		}
	}
	return nil
}

// loadRows reads the current state of every row the batch changes and of the rows
// the rules need to decide (see want): the rows the changes refer to, then the rows
// those point to.
func (b *batch) loadRows() error {
	ids := map[syncapi.Entity][]string{}
	for _, it := range b.items {
		if !it.done {
			b.want(ids, it.c.Entity, it.c.ID)
		}
	}
	for _, it := range b.items {
		if !it.done && it.payload != nil {
			b.wantRefs(ids, it.payload)
		}
	}
	// A personal key's user, and a user's invite key: two rounds at most.
	for round := 0; round < 3 && len(ids) > 0; round++ {
		if err := b.read(ids); err != nil {
			return err
		}
		ids = map[syncapi.Entity][]string{}
		b.wantLoaded(ids)
	}
	return nil
}

// read loads the rows of ids into the batch's states.
func (b *batch) read(ids map[syncapi.Entity][]string) error {
	for e, list := range ids {
		ms, err := specs[e].load(b.tx, list)
		if err != nil {
			return fmt.Errorf("%s: %w", e, err)
		}
		for _, m := range ms {
			st := b.rows[rowKey{e, m.row().ID}]
			st.m, st.version = m, m.row().Version
		}
	}
	return nil
}

// loadOwners finds which rows hold the unique values the batch's data claims. The
// query repeats the conditions of the partial unique indexes so that SQLite and
// PostgreSQL use them.
func (b *batch) loadOwners() error {
	type col struct {
		entity syncapi.Entity
		column string
	}
	values := map[col][]string{}
	for _, it := range b.items {
		for _, u := range it.uniq {
			if !it.done && u.Value != "" {
				c := col{it.c.Entity, u.Column}
				values[c] = append(values[c], u.Value)
			}
		}
	}
	for c, vals := range values {
		for _, chunk := range chunks(vals, idChunk) {
			var found []struct{ ID, Value string }
			err := b.tx.Table(specs[c.entity].table).Select("id, "+c.column+" AS value").
				Where("deleted_at IS NULL AND "+c.column+" <> '' AND "+c.column+" IN ?", chunk).Find(&found).Error
			if err != nil {
				return fmt.Errorf("%s %s: %w", c.entity, c.column, err)
			}
			for _, f := range found {
				b.owners[ownerKey{c.entity, c.column, f.Value}] = f.ID
			}
		}
	}
	return nil
}

// checkBulk refuses the new users of a batch when the operator lacks the
// bulk-invite permission and they would make it more than syncapi.BulkLimit users
// created within syncapi.BulkWindow, counting those its earlier pushes created: a
// limit per push alone would let a few pushes do what one may not.
func (b *batch) checkBulk() error {
	if b.op.Has(syncapi.PermBulkInvite) {
		return nil
	}
	var fresh []int
	seen := map[string]bool{}
	for i, it := range b.items {
		if it.done || it.c.Entity != syncapi.EntityUser || it.c.Deleted || it.c.BaseVersion != 0 {
			continue
		}
		if _, dup := b.applied[it.c.MutationID]; dup || b.rows[rowKey{it.c.Entity, it.c.ID}].m != nil {
			continue
		}
		fresh = append(fresh, i)
		seen[it.c.ID] = true
	}
	if len(seen) == 0 {
		return nil
	}
	var before int64
	err := b.tx.Model(&User{}).Where("created_by = ? AND created_at > ?", b.op.ID, b.now.Add(-syncapi.BulkWindow)).
		Count(&before).Error
	if err != nil {
		return fmt.Errorf("count the users created lately: %w", err)
	}
	if int(before)+len(seen) <= syncapi.BulkLimit {
		return nil
	}
	for _, i := range fresh {
		b.refuse(i, fmt.Sprintf("creating more than %d users within %v needs the %s permission "+
			"(you created %d in that time; this push would add %d)",
			syncapi.BulkLimit, syncapi.BulkWindow, syncapi.PermBulkInvite, before, len(seen)))
	}
	return nil
}

// apply decides one change in the batch's order.
func (b *batch) apply(i int) error {
	it := &b.items[i]
	c := it.c
	k := rowKey{c.Entity, c.ID}
	st := b.rows[k]
	if m, ok := b.applied[c.MutationID]; ok {
		if m.digest == "" || m.digest == digest(c) {
			b.results[i] = syncapi.Result{MutationID: c.MutationID, Status: syncapi.StatusDuplicate, Version: m.version}
			return nil
		}
		return b.reused(i, st)
	}
	if st.m == nil && c.BaseVersion != 0 {
		b.refuse(i, fmt.Sprintf("the server has no %s %s (base_version %d)", c.Entity, c.ID, c.BaseVersion))
		return nil
	}
	if st.m == nil && c.Deleted {
		// Created and deleted before it ever reached the server: nothing to keep.
		b.results[i] = syncapi.Result{MutationID: c.MutationID, Status: syncapi.StatusApplied}
		return nil
	}
	if st.m != nil && c.BaseVersion != st.m.row().Version {
		rec, err := record(c.Entity, st.m)
		if err != nil {
			return err
		}
		b.results[i] = syncapi.Result{
			MutationID: c.MutationID, Status: syncapi.StatusConflict,
			Version: rec.Version, Current: &rec,
		}
		return nil
	}
	if reason := b.authorize(it, st.m); reason != "" {
		b.refuse(i, reason)
		return nil
	}
	next, reason, err := b.next(it, st.m)
	if err != nil || reason != "" {
		if reason != "" {
			b.refuse(i, reason)
		}
		return err
	}
	r := next.row()
	r.Version++
	r.UpdatedAt = b.now
	b.claim(c.Entity, st.m, next)
	st.m = next
	if !st.touched {
		st.touched = true
		b.order = append(b.order, k)
	}
	d := digest(c)
	b.applied[c.MutationID] = appliedMutation{r.Version, d}
	b.newMuts = append(b.newMuts, Mutation{
		OperatorID: b.op.ID, MutationID: c.MutationID,
		Entity: string(c.Entity), RowID: c.ID, Version: r.Version, Digest: d, AppliedAt: b.now,
	})
	b.results[i] = syncapi.Result{MutationID: c.MutationID, Status: syncapi.StatusApplied, Version: r.Version}
	return nil
}

// next builds the row's state after change it over old (nil for a new row), or
// says why the change is refused.
func (b *batch) next(it *pending, old model) (model, string, error) {
	c := it.c
	var next model
	if old == nil {
		next = it.spec.fresh()
		r := next.row()
		r.ID, r.CreatedAt = c.ID, b.now
		setCreator(next, b.op.ID)
	} else {
		next = old.clone()
	}
	r := next.row()
	if c.Deleted {
		if r.DeletedAt != nil {
			return next, "", nil
		}
		r.DeletedAt = &b.now
		reason, err := b.inUse(old)
		return next, reason, err
	}
	for _, u := range it.uniq {
		if owner, ok := b.owners[ownerKey{c.Entity, u.Column, u.Value}]; ok && u.Value != "" && owner != c.ID {
			return nil, fmt.Sprintf("the %s is already taken", u.Field), nil
		}
	}
	if reason := fieldsProblem(old, it.payload); reason != "" {
		return nil, reason, nil
	}
	next.apply(it.payload, b.op.Name)
	if reason := b.grantDenied(old, next); reason != "" {
		return nil, reason, nil
	}
	if err := next.complete(); err != nil {
		return nil, err.Error(), nil
	}
	if reason := b.refProblem(next); reason != "" {
		return nil, reason, nil
	}
	if reason := b.lifecycleProblem(old, next); reason != "" {
		return nil, reason, nil
	}
	r.DeletedAt = nil
	return next, "", nil
}

// setCreator records the operator that creates a user or an invite key.
func setCreator(m model, operatorID string) {
	switch x := m.(type) {
	case *User:
		x.CreatedBy = operatorID
	case *InviteKey:
		x.CreatedBy = operatorID
	}
}

// grantDenied says why the operator may not push next over old: giving a person
// permissions beyond their role (or taking them away) is a decision about who may
// do what, so it needs the manage-roles permission like a change of the roles.
func (b *batch) grantDenied(old, next model) string {
	u, ok := next.(*User)
	if !ok || b.op.Has(syncapi.PermManageRoles) {
		return ""
	}
	before := jsonList(nil)
	if o, ok := old.(*User); ok {
		before = o.ExtraPermissions
	}
	if u.ExtraPermissions == before {
		return ""
	}
	return "you may not change a person's additional permissions: that needs the " + string(syncapi.PermManageRoles) + " permission"
}

// claim moves the unique values from a row's old state to its new one.
func (b *batch) claim(e syncapi.Entity, old, next model) {
	id := next.row().ID
	if old != nil && old.row().DeletedAt == nil {
		for _, u := range old.uniques() {
			k := ownerKey{e, u.Column, u.Value}
			if b.owners[k] == id {
				delete(b.owners, k)
			}
		}
	}
	if next.row().DeletedAt == nil {
		for _, u := range next.uniques() {
			if u.Value != "" {
				b.owners[ownerKey{e, u.Column, u.Value}] = id
			}
		}
	}
}

// save writes the touched rows, the mutations and the change log.
func (b *batch) save() error {
	var updates []rowKey
	inserts := map[syncapi.Entity][]model{}
	var log []logEntry
	for _, k := range b.order {
		st := b.rows[k]
		if st.version > 0 {
			updates = append(updates, k)
		} else {
			inserts[k.entity] = append(inserts[k.entity], st.m)
		}
		log = append(log, logEntry{k.entity, k.id, st.version > 0})
	}
	// Updates in a fixed order, so that concurrent pushes on PostgreSQL lock rows in
	// the same order and do not deadlock.
	sort.Slice(updates, func(i, j int) bool {
		if updates[i].entity != updates[j].entity {
			return updates[i].entity < updates[j].entity
		}
		return updates[i].id < updates[j].id
	})
	for _, k := range updates {
		st := b.rows[k]
		res := b.tx.Model(st.m).Where("version = ?", st.version).Select("*").Updates(st.m)
		if res.Error != nil {
			return fmt.Errorf("update %s %s: %w", k.entity, k.id, res.Error)
		}
		if res.RowsAffected != 1 {
			return fmt.Errorf("update %s %s: %w", k.entity, k.id, errRetry)
		}
	}
	for _, e := range sortedEntities(inserts) {
		if err := specs[e].insert(b.tx, inserts[e]); err != nil {
			return fmt.Errorf("insert %s rows: %w", e, err)
		}
	}
	if len(b.newMuts) > 0 {
		if err := b.tx.CreateInBatches(b.newMuts, insertBatch).Error; err != nil {
			return fmt.Errorf("record mutations: %w", err)
		}
	}
	return b.s.appendLog(b.tx, log)
}

func sortedEntities(m map[syncapi.Entity][]model) []syncapi.Entity {
	out := make([]syncapi.Entity, 0, len(m))
	for e := range m {
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// logEntry is a row to append to the change log.
type logEntry struct {
	entity  syncapi.Entity
	id      string
	replace bool // the row may have an older entry to remove
}

// changeLogLock is the PostgreSQL advisory lock every transaction holds from its
// change-log insert to its commit.
const changeLogLock = 0x6f6e626f61726402 // "onboard" 02

// appendLog moves rows to the end of the change log, in order.
//
// A pull returns the entries after the client's cursor and moves the cursor to the
// last one returned, so the log must never gain an entry below a sequence number a
// reader has already seen. On SQLite that holds by itself: there is one writer.
// On PostgreSQL it does not: sequence numbers are handed out when a transaction
// inserts, not when it commits, so transaction A could take 41, B take 42 and commit
// first, a pull return 42 and move the cursor past 41, and A's row, committed a
// moment later with 41, would never be pulled. So every writer takes one
// transaction-scoped advisory lock before inserting into the log and keeps it until
// its commit: the numbers are then taken in commit order, and an entry is visible
// before the next writer can take a number. The lock is taken as the last step of
// a transaction (after its row writes), so it is held only for the log insert and
// the commit. Readers take no lock.
func (s *Store) appendLog(tx *gorm.DB, entries []logEntry) error {
	if len(entries) == 0 {
		return nil
	}
	if s.dialect == Postgres {
		if err := tx.Exec("SELECT pg_advisory_xact_lock(?)", int64(changeLogLock)).Error; err != nil {
			return fmt.Errorf("lock the change log: %w", err)
		}
	}
	replace := map[syncapi.Entity][]string{}
	rows := make([]Change, len(entries))
	for i, e := range entries {
		if e.replace {
			replace[e.entity] = append(replace[e.entity], e.id)
		}
		rows[i] = Change{Entity: string(e.entity), RowID: e.id}
	}
	for e, ids := range replace {
		for _, c := range chunks(ids, idChunk) {
			if err := tx.Where("entity = ? AND row_id IN ?", e, c).Delete(&Change{}).Error; err != nil {
				return fmt.Errorf("change log: %w", err)
			}
		}
	}
	if err := tx.CreateInBatches(rows, idChunk).Error; err != nil {
		return fmt.Errorf("change log: %w", err)
	}
	return nil
}

// appliedMutation is what the server remembers of an applied mutation.
type appliedMutation struct {
	version int64  // the row's version it produced
	digest  string // of what it carried (digest); "" when applied before digests were kept
}

// digest is the SHA-256 of what a change carries: its row, whether it deletes the
// row, and its data with insignificant white space removed.
func digest(c *syncapi.Change) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%t\x00", c.Entity, c.ID, c.Deleted)
	var buf bytes.Buffer
	if json.Compact(&buf, c.Data) == nil {
		h.Write(buf.Bytes())
	} else {
		h.Write(c.Data)
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// reused answers change i, whose mutation ID was applied before with other data:
// a conflict with the server's current row, so that the desktop sees what the
// server holds instead of taking its change as applied.
func (b *batch) reused(i int, st *rowState) error {
	c := b.items[i].c
	if st == nil || st.m == nil {
		b.refuse(i, fmt.Sprintf("mutation %s was applied before with other data", c.MutationID))
		return nil
	}
	rec, err := record(c.Entity, st.m)
	if err != nil {
		return err
	}
	b.results[i] = syncapi.Result{MutationID: c.MutationID, Status: syncapi.StatusConflict, Version: rec.Version, Current: &rec}
	return nil
}

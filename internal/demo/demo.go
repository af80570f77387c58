// Package demo fills a database with realistic sample data: names with umlauts,
// accents, Polish, Turkish, Greek and Cyrillic letters, several units, groups and
// roles, and users in every status, some of them expired.
package demo

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"onboard/data"
	"onboard/internal/keys"
	"onboard/internal/lifecycle"
	"onboard/internal/settings"
	"onboard/internal/syncapi"
)

var firstNames = []string{
	"Anna", "Lukas", "Jürgen", "Zoë", "Ömer", "Łukasz", "Юлия", "Ξανθή", "François", "Çağla",
	"Søren", "Chloé", "Małgorzata", "Дмитрий", "Ayşe", "Mehmet", "Elif", "Jörg", "Björn", "Ingrid",
	"Mia", "Noah", "Emma", "Leon", "Sofía", "José", "Zoltán", "Agnieszka", "Piotr", "Václav",
	"Hélène", "Renée", "Maximilian", "Lea", "Ben", "Hannah", "Paul", "Marie", "Felix", "Lina",
	"Γιώργος", "Ελένη", "Наталья", "Сергей", "Gülşen", "İbrahim", "Grzegorz", "Żaneta", "Åsa", "Niña",
}

var lastNames = []string{
	"Müller", "Schäfer", "Groß", "Weiß", "Nowak", "Wójcik", "Kowalczyk", "Yılmaz", "Öztürk", "Şahin",
	"Иванова", "Смирнов", "Παπαδόπουλος", "Dubois", "Lefèvre", "García", "Núñez", "Brontë", "Ångström", "Dvořák",
	"Kovač", "Schmidt", "Fischer", "Becker", "Hoffmann", "Schröder", "Köhler", "Jäger", "Krüger", "Böhm",
	"Lewandowski", "Zieliński", "Çelik", "Doğan", "Кузнецов", "Οικονόμου", "Moreau", "Fontaine", "Peña", "Løvberg",
}

var (
	unitNames  = []string{"Class 5a", "Class 5b", "Class 6a", "Class 7c", "Head office", "Site Nord", "Werk Süd", "Kundenservice"}
	groupNames = []string{"Choir", "Football", "Parents' council", "First aid", "Newsletter", "Chess club"}
)

var roleDefs = []struct {
	name  string
	perms []data.Permission
}{
	{"Student", []data.Permission{syncapi.PermChat}},
	{"Teacher", []data.Permission{syncapi.PermChat, syncapi.PermAddUsersByLink}},
	{"Staff", []data.Permission{syncapi.PermChat, syncapi.PermAddUsers}},
	{"Administrator", []data.Permission{syncapi.PermChat, syncapi.PermAddUsers, syncapi.PermAddUsersByLink, syncapi.PermBulkInvite, syncapi.PermManageUsers}},
}

// demoBatch is how many users Fill makes before handing them to the store.
const demoBatch = 2000

// Options controls Fill.
type Options struct {
	Users    int
	Seed     uint64 // same seed, same names and statuses (keys stay random)
	Now      time.Time
	Actor    string
	Progress func(done int)
	// Mix weighs the statuses in the order of data.Statuses; nil means DefaultMix.
	Mix []int
}

// DefaultMix is the share of each status (in the order of data.Statuses), in percent.
var DefaultMix = []int{28, 27, 8, 30, 7}

// Fill adds opt.Users users (and the units, groups and roles they need, when missing)
// in one transaction. It returns how many users of each status it created.
func Fill(ctx context.Context, store *data.Store, opt Options) (map[data.Status]int, error) {
	if opt.Users < 0 || opt.Users > 1_000_000 {
		return nil, fmt.Errorf("demo: the number of users must be between 0 and 1000000, not %d", opt.Users)
	}
	if opt.Mix == nil {
		opt.Mix = DefaultMix
	}
	if len(opt.Mix) != len(data.Statuses) {
		return nil, fmt.Errorf("demo: the status mix needs %d weights, not %d", len(data.Statuses), len(opt.Mix))
	}
	if opt.Now.IsZero() {
		opt.Now = time.Now()
	}
	now := opt.Now.UTC()
	cat, err := ensureCatalog(ctx, store)
	if err != nil {
		return nil, err
	}
	if cat.inviteKey, err = ensureInviteKeys(ctx, store, cat, now); err != nil {
		return nil, err
	}
	start, err := store.CountAllUsers(ctx)
	if err != nil {
		return nil, err
	}
	rnd := rand.New(rand.NewPCG(opt.Seed, uint64(start)))
	counts := map[data.Status]int{}
	// Users are made a batch at a time while the previous batch is written.
	batches := func(yield func([]data.BulkUser, error) bool) {
		for first := 0; first < opt.Users; first += demoBatch {
			batch := make([]data.BulkUser, min(demoBatch, opt.Users-first))
			for i := range batch {
				if err := fill(&batch[i], start+first+i+1, rnd, cat, now, opt); err != nil {
					yield(nil, err)
					return
				}
				counts[batch[i].User.Status(now)]++
			}
			if !yield(batch, nil) {
				return
			}
		}
	}
	audit := data.AuditEvent{At: now, Actor: opt.Actor, Action: string(lifecycle.ActionCreate), Summary: "Created (demo data)"}
	if err := store.InsertUsersStream(ctx, batches, opt.Users, audit, opt.Progress); err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	if k := cat.inviteKey; k != nil && cat.inviteUses > 0 {
		k.Uses += cat.inviteUses
		k.MaxUses = max(k.MaxUses, k.Uses+20)
		if err := store.SaveInviteKey(ctx, k); err != nil {
			return nil, fmt.Errorf("demo: %w", err)
		}
	}
	return counts, nil
}

// ensureInviteKeys creates three invite keys when there are none (one active, one
// expired, one revoked) and returns the active one, which some active users used.
func ensureInviteKeys(ctx context.Context, store *data.Store, c *catalog, now time.Time) (*data.InviteKey, error) {
	existing, err := store.InviteKeys(ctx)
	if err != nil || len(existing) > 0 {
		return nil, err
	}
	revoked := now.Add(-48 * time.Hour)
	defs := []*data.InviteKey{
		{Label: "Parents of class 5a", ValidUntil: now.AddDate(0, 0, 21), MaxUses: 60},
		{Label: "Open day Werk Süd", ValidUntil: now.AddDate(0, 0, -3), MaxUses: 40, Uses: 0},
		{Label: "Staff autumn", ValidUntil: now.AddDate(0, 0, 10), MaxUses: 15, RevokedAt: &revoked},
	}
	for i, k := range defs {
		key, err := keys.NewInvite()
		if err != nil {
			return nil, err
		}
		k.Key, k.RoleID, k.CreatedBy = key, c.roles[0].ID, "demo"
		if err := store.CreateInviteKey(ctx, k, []string{c.units[i].ID}, nil); err != nil {
			return nil, err
		}
	}
	return defs[0], nil
}

type catalog struct {
	roles      []data.Role
	units      []data.Unit
	groups     []data.Group
	inviteKey  *data.InviteKey // active users sometimes registered with it
	inviteUses int
}

// ensureCatalog creates the demo roles, units and groups that do not exist yet.
func ensureCatalog(ctx context.Context, store *data.Store) (*catalog, error) {
	c := &catalog{}
	err := store.Write(ctx, func(tx *data.Store) error {
		for _, rd := range roleDefs {
			r, err := findOrCreate(func() (*data.Role, error) { return tx.RoleByName(ctx, rd.name) },
				func(r *data.Role) error { return tx.CreateRole(ctx, r) },
				&data.Role{Name: rd.name, Permissions: syncapi.JoinPermissions(rd.perms)})
			if err != nil {
				return err
			}
			c.roles = append(c.roles, *r)
		}
		for _, n := range unitNames {
			u, err := findOrCreate(func() (*data.Unit, error) { return tx.UnitByName(ctx, n) },
				func(u *data.Unit) error { return tx.CreateUnit(ctx, u) }, &data.Unit{Name: n})
			if err != nil {
				return err
			}
			c.units = append(c.units, *u)
		}
		for _, n := range groupNames {
			g, err := findOrCreate(func() (*data.Group, error) { return tx.GroupByName(ctx, n) },
				func(g *data.Group) error { return tx.CreateGroup(ctx, g) }, &data.Group{Name: n})
			if err != nil {
				return err
			}
			c.groups = append(c.groups, *g)
		}
		return nil
	})
	return c, err
}

// findOrCreate returns what find finds, or stores fresh with create when find says
// there is none.
func findOrCreate[T any](find func() (*T, error), create func(*T) error, fresh *T) (*T, error) {
	v, err := find()
	if err == nil {
		return v, nil
	}
	if !errors.Is(err, data.ErrNotFound) {
		return nil, err
	}
	return fresh, create(fresh)
}

// fill makes user number n: names, email, username, links and a status.
func fill(b *data.BulkUser, n int, rnd *rand.Rand, c *catalog, now time.Time, opt Options) error {
	u := &b.User
	u.FirstName = firstNames[rnd.IntN(len(firstNames))]
	u.LastName = lastNames[rnd.IntN(len(lastNames))]
	local := lifecycle.Transliterate(u.FirstName + "." + u.LastName)
	u.Username = local + strconv.Itoa(n)
	if rnd.IntN(100) < 85 {
		u.Email = u.Username + "@example.org"
	}
	if rnd.IntN(100) < 50 {
		u.Mobile = fmt.Sprintf("+49 15%d %07d", rnd.IntN(10), rnd.IntN(10_000_000))
	}
	if rnd.IntN(100) < 60 {
		u.ExternalID = fmt.Sprintf("S%07d", n)
	}
	u.NamesLocked = rnd.IntN(100) < 70
	u.RoleID = c.roles[weighted(rnd, 70, 15, 12, 3)].ID
	u.CreatedBy, u.UpdatedBy = opt.Actor, opt.Actor
	b.UnitIDs = []string{c.units[rnd.IntN(len(c.units))].ID}
	if rnd.IntN(100) < 10 {
		if extra := c.units[rnd.IntN(len(c.units))].ID; extra != b.UnitIDs[0] {
			b.UnitIDs = append(b.UnitIDs, extra)
		}
	}
	for _, g := range c.groups {
		if rnd.IntN(100) < 12 {
			b.GroupIDs = append(b.GroupIDs, g.ID)
		}
	}
	created := now.Add(-time.Duration(rnd.IntN(60*24)) * time.Hour)
	u.Phase = data.PhaseNotActivated
	withKey := func(expires time.Time) error {
		k, err := keys.NewPersonal()
		if err != nil {
			return err
		}
		b.Key = &data.PersonalKey{Key: k, IssuedAt: expires.AddDate(0, 0, -settings.DefaultValidDays), ExpiresAt: expires}
		u.KeyExpiresAt = &expires
		return nil
	}
	future := now.Add(time.Duration(1+rnd.IntN(7*24-1)) * time.Hour).Truncate(time.Second)
	past := now.Add(-time.Duration(1+rnd.IntN(30*24)) * time.Hour).Truncate(time.Second)
	switch status := weighted(rnd, opt.Mix...); status {
	case 0: // not activated, with a key for a letter
		return withKey(future)
	case 1, 2: // invited, or invited and expired
		if u.Email == "" {
			u.Email = u.Username + "@example.org"
		}
		u.Phase, u.InvitedAt = data.PhaseInvited, &created
		if status == 2 {
			return withKey(past)
		}
		return withKey(future)
	case 3:
		u.Phase, u.ActivatedAt = data.PhaseActive, &created
		if c.inviteKey != nil && rnd.IntN(100) < 3 {
			u.InviteKeyID = &c.inviteKey.ID
			c.inviteUses++
		}
	default:
		u.Phase, u.DeactivatedAt = data.PhaseDeactivated, &created
		if rnd.IntN(2) == 0 {
			u.ActivatedAt = &created
		}
	}
	return nil
}

// weighted picks an index with the given relative weights.
func weighted(rnd *rand.Rand, weights ...int) int {
	total := 0
	for _, w := range weights {
		total += w
	}
	r := rnd.IntN(total)
	for i, w := range weights {
		if r < w {
			return i
		}
		r -= w
	}
	return len(weights) - 1
}

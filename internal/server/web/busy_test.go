package web

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// holdHashing makes every password hash wait until the returned release is
// called; started receives one value per hash that began.
func holdHashing(t *testing.T) (started chan struct{}, release func()) {
	started, gate := make(chan struct{}, 16), make(chan struct{})
	orig := hashFn
	hashFn = func(pw string, p HashParams) (string, error) {
		started <- struct{}{}
		<-gate
		return orig(pw, p)
	}
	var once bool
	release = func() {
		if !once {
			once = true
			close(gate)
		}
	}
	t.Cleanup(func() { release(); hashFn = orig })
	return started, release
}

// fieldsFor are registerFields for the i-th person.
func fieldsFor(i int) url.Values {
	f := registerFields()
	f.Set("username", fmt.Sprintf("jane%d", i))
	f.Set("email", fmt.Sprintf("jane%d@example.org", i))
	return f
}

// wantBusyPage checks a 503 busy answer: Retry-After, the message in the page's
// language, the form again with the i-th person's values, no password.
func wantBusyPage(t *testing.T, res response, i int, message string) {
	t.Helper()
	if res.status != http.StatusServiceUnavailable {
		t.Fatalf("status %d, want 503\n%s", res.status, res.body)
	}
	if res.header.Get("Retry-After") == "" {
		t.Error("no Retry-After")
	}
	body := html.UnescapeString(res.body)
	if !strings.Contains(body, message) {
		t.Errorf("no %q on the page:\n%s", message, body)
	}
	want := fieldsFor(i)
	if !strings.Contains(body, `name="username" type="text" value="`+want.Get("username")+`"`) || !strings.Contains(body, `value="`+want.Get("email")+`"`) {
		t.Error("the typed values are lost")
	}
	if strings.Contains(body, strongPassword) {
		t.Error("the page shows the password")
	}
}

// TestBusyPageWhenTheHashingQueueIsFull: with one hashing worker busy and the one
// place in the queue taken, a further registration gets the busy page at once
// (503, Retry-After, the form with its values), nothing of it is registered and its
// key still works; the registrations that got a worker or a place finish.
func TestBusyPageWhenTheHashingQueueIsFull(t *testing.T) {
	fb := newFakeBackend(testOrg)
	srv := startServer(t, fb, Options{HashWorkers: 1, HashQueue: 1, HashWait: time.Minute, Hash: HashParams{Time: 1, MemoryKiB: 64, Threads: 1}})
	started, release := holdHashing(t)
	keys, cls := make([]string, 3), make([]*client, 3)
	for i := range keys {
		keys[i] = fb.addPersonal(t, testInvitee)
		cls[i] = newClient(t, srv.URL)
	}
	post := func(i int, lang string) chan response {
		ch := make(chan response, 1)
		form := cls[i].formFor("/register?key="+keys[i]+"&lang="+lang, fieldsFor(i))
		go func() { ch <- cls[i].post("/register", form) }()
		return ch
	}
	first := post(0, "en")
	<-started // the worker is taken
	second, third := post(1, "en"), post(2, "de")
	// One of the two waits in the queue, the other is turned away at once.
	var busyIdx int
	var waiting chan response
	select {
	case res := <-second:
		busyIdx, waiting = 1, third
		wantBusyPage(t, res, 1, "The server is busy, please try again in a moment.")
	case res := <-third:
		busyIdx, waiting = 2, second
		wantBusyPage(t, res, 2, "Der Server ist gerade ausgelastet")
	}
	if _, ok := fb.registration(keys[busyIdx]); ok {
		t.Error("the refused registration was stored")
	}
	release()
	for _, ch := range []chan response{first, waiting} {
		if res := <-ch; res.status != http.StatusOK {
			t.Fatalf("a registration with a worker or a place in the queue: status %d\n%s", res.status, res.body)
		}
	}
	// Sending the form again works: the key was not used.
	if res := <-post(busyIdx, "en"); res.status != http.StatusOK {
		t.Fatalf("again: status %d\n%s", res.status, res.body)
	}
	for i, k := range keys {
		if _, ok := fb.registration(k); !ok {
			t.Errorf("registration %d missing", i)
		}
	}
}

// TestBusyPageWhenTheWaitIsTooLong: a registration that waits longer than HashWait
// for a worker gets the busy page.
func TestBusyPageWhenTheWaitIsTooLong(t *testing.T) {
	fb := newFakeBackend(testOrg)
	srv := startServer(t, fb, Options{HashWorkers: 1, HashQueue: 10, HashWait: 20 * time.Millisecond, Hash: HashParams{Time: 1, MemoryKiB: 64, Threads: 1}})
	started, release := holdHashing(t)
	k0, k1 := fb.addPersonal(t, testInvitee), fb.addPersonal(t, testInvitee)
	c0, c1 := newClient(t, srv.URL), newClient(t, srv.URL)
	f0, f1 := c0.formFor("/register?key="+k0, fieldsFor(0)), c1.formFor("/register?key="+k1, fieldsFor(1))
	first := make(chan response, 1)
	go func() { first <- c0.post("/register", f0) }()
	<-started
	wantBusyPage(t, c1.post("/register", f1), 1, "The server is busy")
	if _, ok := fb.registration(k1); ok {
		t.Error("the refused registration was stored")
	}
	release()
	if res := <-first; res.status != http.StatusOK {
		t.Fatalf("status %d", res.status)
	}
}

package outbox_test

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"onboard/data"
	"onboard/internal/addrlist"
	"onboard/internal/lifecycle"
	"onboard/internal/mail"
	"onboard/internal/mail/smtptest"
	"onboard/internal/outbox"
	"onboard/internal/settings"
)

// killChildEnv names the database of the child process of TestKillWhileSending.
const killChildEnv = "ONBOARD_OUTBOX_KILL_CHILD_DB"

const killMails = 200

// TestKillWhileSending runs a child process that queues 200 invitations and sends
// them to a slow server, printing each Message-ID once its "sent" is committed. The
// test kills the child with SIGKILL after some dozens, then checks that the file is
// sound, that every mail is either sent or still queued, that every mail the child
// reported is sent, and that a drain afterwards delivers every mail at least once;
// three times.
func TestKillWhileSending(t *testing.T) {
	if testing.Short() {
		t.Skip("child processes")
	}
	rnd := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	for round := range 3 {
		after, delay := 20+rnd.IntN(60), time.Duration(rnd.IntN(15000))*time.Microsecond
		t.Run(fmt.Sprint("round", round), func(t *testing.T) { killRound(t, after, delay) })
	}
}

// killRound kills the child delay after it reported killAfter sent mails.
func killRound(t *testing.T, killAfter int, delay time.Duration) {
	ctx := context.Background()
	srv := smtptest.Start(t, smtptest.Slow(5*time.Millisecond))
	e := newEnv(t, srv, mail.SecurityNone)
	path := e.store.Path()
	e.store.Close() // the child writes the file now

	cmd := exec.Command(os.Args[0], "-test.run=^TestKillChild$", "-test.v=false")
	cmd.Env = append(os.Environ(), killChildEnv+"="+path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	killed := false
	var waitOnce sync.Once
	wait := func() { waitOnce.Do(func() { _ = cmd.Wait() }) }
	defer func() {
		if !killed {
			_ = cmd.Process.Kill()
		}
		wait()
	}()
	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	var reported []string
	timeout := time.After(60 * time.Second)
read:
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				wait()
				t.Fatalf("the child ended after %d sent mails, before it was killed:\n%s", len(reported), stderr.String())
			}
			if id, found := strings.CutPrefix(l, "SENT "); found {
				reported = append(reported, id)
				if len(reported) >= killAfter {
					// Somewhere in the next mail: sending it, or storing its outcome.
					time.Sleep(delay)
					if err := cmd.Process.Kill(); err != nil { // SIGKILL on Unix
						t.Fatal(err)
					}
					killed = true
					break read
				}
			}
		case <-timeout:
			t.Fatalf("the child reported %d sent mails within 60 s:\n%s", len(reported), stderr.String())
		}
	}
	for range lines { // what the child wrote before it died
	}
	wait()

	st, err := data.Open(path)
	if err != nil {
		t.Fatalf("reopen after SIGKILL: %v", err)
	}
	defer st.Close()
	if res, err := st.IntegrityCheck(ctx); err != nil || res != "ok" {
		t.Fatalf("integrity_check = %q, %v", res, err)
	}
	mails, err := st.Mails(ctx, data.MailQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if len(mails) != killMails {
		t.Fatalf("%d mails in the outbox, want %d", len(mails), killMails)
	}
	byMessageID := map[string]data.Mail{}
	var sent, queued, claimed int
	for _, m := range mails {
		byMessageID[m.MessageID] = m
		switch {
		case m.State == data.MailSent && m.Attempts == 1 && m.SentAt != nil && m.ClaimedUntil == nil:
			sent++
		case m.State == data.MailQueued && m.Attempts == 0 && m.SentAt == nil:
			queued++
			if m.ClaimedUntil != nil {
				claimed++
			}
		default:
			t.Errorf("mail %s is %s with %d attempts, sent at %v, claimed until %v, %q",
				m.ID, m.State, m.Attempts, m.SentAt, m.ClaimedUntil, m.LastError)
		}
	}
	for _, id := range reported {
		if m, ok := byMessageID[id]; !ok || m.State != data.MailSent {
			t.Errorf("the child reported %s sent; stored: %+v", id, m)
		}
	}
	if counts, _ := st.MailCounts(ctx); counts[data.MailSent] < len(reported) {
		t.Errorf("counts %v, %d reported sent", counts, len(reported))
	}
	users, err := st.CountAllUsers(ctx)
	if err != nil || users != killMails {
		t.Fatalf("%d users, %v", users, err)
	}
	received := len(srv.Received())
	t.Logf("killed %v after %d reported: %d sent, %d queued (%d still claimed), %d received by the server",
		delay, len(reported), sent, queued, claimed, received)

	// Another sender, once the dead one's lease has ended, sends the rest.
	later := time.Now().Add(3 * time.Minute)
	s := &outbox.Sender{Store: st, Now: func() time.Time { return later }}
	s.Config = func(ctx context.Context) (mail.Config, error) {
		c, err := settings.SMTPConfig(ctx, st)
		c.Timeout = 10 * time.Second
		return c, err
	}
	dctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	res, err := s.Drain(dctx, false)
	if err != nil || res != (outbox.Result{Sent: queued}) {
		t.Fatalf("drain after the kill: %+v, %v; want %d sent", res, err, queued)
	}
	if counts, _ := st.MailCounts(ctx); counts[data.MailSent] != killMails {
		t.Fatalf("counts after the drain: %v", counts)
	}
	arrived := map[string]int{}
	for _, r := range srv.Received() {
		arrived[r.MessageID]++
	}
	twice := 0
	for id := range byMessageID {
		switch arrived[id] {
		case 0:
			t.Errorf("mail %s never reached the server", id)
		case 1:
		default:
			twice++
		}
	}
	if len(arrived) != killMails {
		t.Errorf("the server got %d distinct Message-IDs, want %d", len(arrived), killMails)
	}
	t.Logf("%d mails arrived twice (sent by the child, killed before it recorded them)", twice)
}

// TestKillChild is the child of TestKillWhileSending; it does nothing in a normal
// test run.
func TestKillChild(t *testing.T) {
	path := os.Getenv(killChildEnv)
	if path == "" {
		t.Skip("runs only as the child process of TestKillWhileSending")
	}
	ctx := context.Background()
	st, err := data.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	role, err := st.RoleByName(ctx, "Student")
	if err != nil {
		t.Fatal(err)
	}
	unit, err := st.UnitByName(ctx, "Class 5a")
	if err != nil {
		t.Fatal(err)
	}
	addrs := make([]addrlist.Address, killMails)
	for i := range addrs {
		addrs[i] = addrlist.Address{Email: fmt.Sprintf("user%04d@example.org", i)}
	}
	svc := lifecycle.New(st, lifecycle.WithActor("kill-child"))
	res, err := svc.InviteEmails(ctx, lifecycle.InviteEmailsInput{Addresses: addrs, RoleID: role.ID, UnitIDs: []string{unit.ID}})
	if err != nil || len(res.Invited) != killMails {
		t.Fatalf("invite: %v", err)
	}
	fmt.Fprintf(os.Stdout, "QUEUED %d\n", len(res.Invited))
	// A mail's "sent" is committed before the sender sends the next mail (or
	// returns): the Message-ID of a successful Send is printed then.
	rep := &reporter{}
	s := &outbox.Sender{Store: st, Dial: func(ctx context.Context, c mail.Config) (outbox.Conn, error) {
		cl, err := mail.Dial(ctx, c)
		if err != nil {
			return nil, err
		}
		return &reportingConn{Client: cl, rep: rep}, nil
	}}
	if _, err := s.Drain(ctx, true); err != nil {
		t.Fatal(err)
	}
	rep.flush()
}

// reporter prints the Message-ID of the last accepted mail once its outcome is
// stored.
type reporter struct {
	mu      sync.Mutex
	pending string
}

func (r *reporter) flush() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.pending != "" {
		fmt.Fprintf(os.Stdout, "SENT %s\n", r.pending)
		r.pending = ""
	}
}

type reportingConn struct {
	*mail.Client
	rep *reporter
}

func (c *reportingConn) Send(ctx context.Context, m *mail.Message) error {
	c.rep.flush()
	err := c.Client.Send(ctx, m)
	if err == nil {
		c.rep.mu.Lock()
		c.rep.pending = m.ID
		c.rep.mu.Unlock()
	}
	return err
}

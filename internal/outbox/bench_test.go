package outbox_test

import (
	"context"
	"sort"
	"testing"
	"time"

	"onboard/data"
	"onboard/internal/mail"
	"onboard/internal/mail/smtptest"
	"onboard/internal/outbox"
)

// BenchmarkInvite1k invites 1,000 addresses by email into a fresh store (the users,
// keys and mails in one transaction) and sends the mails to the loopback server
// without TLS. It reports the median parts: queue-ms and send-ms.
func BenchmarkInvite1k(b *testing.B) {
	const n = 1000
	srv := smtptest.Start(b)
	var queue, send []time.Duration
	for range b.N {
		b.StopTimer()
		e := newEnv(b, srv, mail.SecurityNone)
		e.now = time.Now().UTC()
		before := len(srv.Received())
		b.StartTimer()

		start := time.Now()
		e.inviteEmails(b, n)
		queued := time.Now()
		res := e.mustDrain(b, false)
		sent := time.Now()

		b.StopTimer()
		queue, send = append(queue, queued.Sub(start)), append(send, sent.Sub(queued))
		if res != (outbox.Result{Sent: n}) || len(srv.Received())-before != n {
			b.Fatalf("drain %+v, the server received %d", res, len(srv.Received())-before)
		}
		if counts, _ := e.store.MailCounts(context.Background()); counts[data.MailSent] != n {
			b.Fatalf("counts %v", counts)
		}
		e.store.Close()
		b.StartTimer()
	}
	b.ReportMetric(ms(median(queue)), "queue-ms")
	b.ReportMetric(ms(median(send)), "send-ms")
}

func median(ds []time.Duration) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

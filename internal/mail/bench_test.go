package mail_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"onboard/internal/mail"
	"onboard/internal/mail/smtptest"
)

// BenchmarkSend1k dials once and sends 1,000 small messages to the loopback
// server without TLS.
func BenchmarkSend1k(b *testing.B) {
	const n = 1000
	srv := smtptest.Start(b)
	c := config(srv, mail.SecurityNone)
	content, err := mail.DefaultTemplate("en").Render(sampleFields())
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	b.ResetTimer()
	for range b.N {
		cl, err := mail.Dial(ctx, c)
		if err != nil {
			b.Fatal(err)
		}
		for i := range n {
			m := &mail.Message{
				ID: mail.NewMessageID(c.From), ToName: "Anna Berg", To: fmt.Sprintf("user%d@example.org", i),
				Subject: content.Subject, Text: content.Text, HTML: content.HTML,
			}
			if err := cl.Send(ctx, m); err != nil {
				b.Fatalf("message %d: %v", i, err)
			}
		}
		if err := cl.Close(); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if got, conns := len(srv.Received()), srv.Connections(); got != n*b.N || conns != b.N {
		b.Fatalf("received %d over %d connections", got, conns)
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "msgs/s")
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(n*b.N), "us/msg")
}

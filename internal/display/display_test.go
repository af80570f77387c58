package display

import (
	"testing"
	"time"
)

func TestCountPluralTime(t *testing.T) {
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 100000: "100,000", 1234567: "1,234,567", -4200: "-4,200"} {
		if got := Count(n); got != want {
			t.Errorf("Count(%d) = %q, want %q", n, got, want)
		}
	}
	if Plural(1, "user") != "1 user" || Plural(2500, "user") != "2,500 users" || Plural(0, "user") != "0 users" {
		t.Error("Plural")
	}
	if PluralOf(1, "person", "people") != "1 person" || PluralOf(1200, "person", "people") != "1,200 people" {
		t.Error("PluralOf")
	}
	if Time(nil) != "" {
		t.Error("Time(nil)")
	}
	at := time.Date(2026, 11, 29, 9, 5, 0, 0, time.Local)
	if Time(&at) != "2026-11-29 09:05" {
		t.Errorf("Time = %q", Time(&at))
	}
}

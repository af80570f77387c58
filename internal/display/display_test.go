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

// inGerman switches to German until the test ends.
func inGerman(t *testing.T) {
	t.Helper()
	SetLanguage("de")
	t.Cleanup(func() { SetLanguage("en") })
}

func TestEnglishIsTheDefault(t *testing.T) {
	at := time.Date(2026, 12, 7, 9, 0, 0, 0, time.Local)
	if Count(55183) != "55,183" || Date(at) != "7 December 2026" || Time(&at) != "2026-12-07 09:00" {
		t.Errorf("Count %q, Date %q, Time %q", Count(55183), Date(at), Time(&at))
	}
	inGerman(t)
	SetLanguage("fr") // not German: English
	if Count(55183) != "55,183" || Date(at) != "7 December 2026" {
		t.Errorf("fr: Count %q, Date %q", Count(55183), Date(at))
	}
}

func TestGerman(t *testing.T) {
	inGerman(t)
	for n, want := range map[int]string{0: "0", 999: "999", 55183: "55.183", 1234567: "1.234.567", -4200: "-4.200"} {
		if got := Count(n); got != want {
			t.Errorf("Count(%d) = %q, want %q", n, got, want)
		}
	}
	if Plural(2500, "user") != "2.500 users" {
		t.Errorf("Plural = %q", Plural(2500, "user"))
	}
	at := time.Date(2026, 12, 7, 9, 0, 0, 0, time.Local)
	if got := Time(&at); got != "07.12.2026 09:00" {
		t.Errorf("Time = %q", got)
	}
	if Time(nil) != "" {
		t.Error("Time(nil)")
	}
	for d, want := range map[time.Time]string{
		at: "7. Dezember 2026",
		time.Date(2027, 3, 24, 23, 59, 0, 0, time.Local): "24. März 2027",
		time.Date(2026, 1, 1, 0, 0, 0, 0, time.Local):    "1. Januar 2026",
	} {
		if got := Date(d); got != want {
			t.Errorf("Date(%v) = %q, want %q", d, got, want)
		}
	}
	// DateIn ignores SetLanguage.
	if got := DateIn("en", at); got != "7 December 2026" {
		t.Errorf("DateIn(en) = %q", got)
	}
}

func TestDateAndTimeAreLocal(t *testing.T) {
	before := time.Local
	time.Local = time.FixedZone("CET", 3600)
	t.Cleanup(func() { time.Local = before })
	late := time.Date(2026, 12, 31, 23, 30, 0, 0, time.UTC) // 00:30 on 1 January in CET
	if got := Date(late); got != "1 January 2027" {
		t.Errorf("Date = %q", got)
	}
	inGerman(t)
	if got := Time(&late); got != "01.01.2027 00:30" {
		t.Errorf("Time = %q", got)
	}
}

package export

import (
	"encoding/csv"
	"io"
	"time"

	"onboard/data"
	"onboard/internal/tabular"
)

// column is one column of an export: its title and a user's value in it.
type column struct {
	title string
	value func(r *data.UserRow) string
}

// columns are the columns of every export. The titles are the names of the
// importer's fields (importer.Field), so an exported file maps itself when it is
// imported; status and key_valid_until describe the user and the key and are
// ignored by the importer (a validity date in the past would fail the row, and
// an imported user gets a new key anyway).
var columns = []column{
	{"first_name", func(r *data.UserRow) string { return r.FirstName }},
	{"last_name", func(r *data.UserRow) string { return r.LastName }},
	{"email", func(r *data.UserRow) string { return r.Email }},
	{"username", func(r *data.UserRow) string { return r.Username }},
	{"mobile", func(r *data.UserRow) string { return r.Mobile }},
	{"external_id", func(r *data.UserRow) string { return r.ExternalID }},
	{"role", func(r *data.UserRow) string { return r.Role }},
	{"units", func(r *data.UserRow) string { return r.Units }},
	{"groups", func(r *data.UserRow) string { return r.Groups }},
	{"status", func(r *data.UserRow) string { return string(r.Status) }},
	{"key_valid_until", func(r *data.UserRow) string { return fileTime(r.KeyExpiresAt) }},
}

// fileTime is an optional time as local date and minute ("2026-11-29 09:00"), ""
// for nil: display.Time in English, whatever language the window writes in, so
// that a file reads the same wherever it was exported.
func fileTime(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.Local().Format("2006-01-02 15:04")
}

// keyColumn is the column of the personal key, written only when asked for.
var keyColumn = column{"key", func(r *data.UserRow) string { return r.Key }}

// columnsOf returns the columns of an export with or without the key.
func columnsOf(keys bool) []column {
	if keys {
		return append(columns[:len(columns):len(columns)], keyColumn)
	}
	return columns
}

// Header returns the column titles of an export, with the personal key column
// last when keys is set.
func Header(keys bool) []string {
	cols := columnsOf(keys)
	h := make([]string, len(cols))
	for i, c := range cols {
		h[i] = c.title
	}
	return h
}

// record fills rec (of len(cols)) with the values of r, as they are stored.
func record(rec []string, cols []column, r *data.UserRow) []string {
	for i, c := range cols {
		rec[i] = c.value(r)
	}
	return rec
}

// CSVWriter writes users as CSV records: a header row (see Header), then one
// record per user, every cell through tabular.SafeCell so that no spreadsheet
// runs a value as a formula (the importer takes the guard off again). It writes
// no byte-order mark; Users does, for files.
type CSVWriter struct {
	w    *csv.Writer
	cols []column
	rec  []string
}

// NewCSVWriter starts a CSV of users on w with the personal key column when keys
// is set. Errors of w are returned by Write and Flush.
func NewCSVWriter(w io.Writer, keys bool) *CSVWriter {
	c := &CSVWriter{w: csv.NewWriter(w), cols: columnsOf(keys)}
	c.rec = make([]string, len(c.cols))
	c.w.Write(Header(keys)) // an error stays in the csv.Writer for Flush
	return c
}

// Write adds the record of one user.
func (c *CSVWriter) Write(r *data.UserRow) error {
	for i, v := range record(c.rec, c.cols, r) {
		c.rec[i] = tabular.SafeCell(v)
	}
	return c.w.Write(c.rec)
}

// Flush writes what is buffered and returns the first error of writing.
func (c *CSVWriter) Flush() error {
	c.w.Flush()
	return c.w.Error()
}

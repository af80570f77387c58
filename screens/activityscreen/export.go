package activityscreen

import (
	"bufio"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"strings"
	"time"

	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"onboard/data"
	"onboard/internal/atomicfile"
	"onboard/internal/display"
	"onboard/internal/tabular"
	"onboard/screens/internal/uikit"
)

// exportChunk is how many events the export reads, and looks up the users of, at
// a time.
const exportChunk = 500

// exportUsers is how many of the users an event touched its Users cell names.
const exportUsers = 20

// askExport asks where to save the filtered events, then saves them.
func (s *Screen) askExport() {
	uikit.AskSavePath(s.win, "activity-"+time.Now().Format(time.DateOnly)+".csv", []string{".csv"}, s.ExportTo)
}

// ExportTo writes every event the filters match, newest first, to path as CSV,
// off the UI goroutine; the line below the filters counts the events written and
// says when it is done. The file appears only once every event was written.
func (s *Screen) ExportTo(path string) {
	if s.exporting {
		return
	}
	q, names, total := s.q, s.names, s.total
	s.exporting = true
	s.exportButton.Disable()
	s.exportMsg.Importance = widget.LowImportance
	s.exportMsg.SetText(lang.L("Exporting…"))
	s.exportMsg.Show()
	s.layoutTop()
	s.bg.Go(func() {
		var last time.Time
		n, err := writeCSV(context.Background(), s.st, q, names, path, func(done int) {
			if now := time.Now(); now.Sub(last) > 200*time.Millisecond {
				last = now
				uikit.OnUI(func() {
					if s.exporting {
						s.exportMsg.SetText(fmt.Sprintf(lang.L("Exporting… %s of %s events"), display.Count(done), display.Count(max(done, total))))
					}
				})
			}
		})
		uikit.OnUI(func() {
			s.exporting = false
			uikit.SetEnabled(s.exportButton, s.total > 0)
			if err != nil {
				s.exportMsg.Importance = widget.DangerImportance
				s.exportMsg.SetText(fmt.Sprintf(lang.L("No file was saved: %v"), err))
				return
			}
			s.exportMsg.SetText(fmt.Sprintf(lang.L("Saved %s to %s."), eventsText(n), path))
		})
	})
}

// writeCSV writes the events q matches to path: UTF-8 with a byte-order mark (so
// Excel reads the umlauts), comma-separated, one row per event with the columns
// of the table and the changes, every cell through tabular.SafeCell. progress is
// called with the events written so far after each chunk. It returns how many
// events it wrote.
func writeCSV(ctx context.Context, st Store, q data.AuditQuery, names map[string]string, path string, progress func(done int)) (int, error) {
	n := 0
	actor, action := memo(actorLabel), memo(actionLabel)
	err := atomicfile.Write(path, func(w io.Writer) error {
		bw := bufio.NewWriter(w)
		bw.WriteString("\uFEFF")
		cw := csv.NewWriter(bw)
		cw.Write([]string{lang.L("When"), lang.L("Operator"), lang.L("Action"), lang.L("Summary"), lang.L("Users"), lang.L("Changes")})
		err := st.EachAuditEvent(ctx, q, exportChunk, func(events []data.AuditEvent) error {
			users, err := st.AuditEventUsers(ctx, events, exportUsers)
			if err != nil {
				return err
			}
			for i := range events {
				e := &events[i]
				rec := []string{
					e.At.Local().Format(time.DateTime), actor(e.Actor), action(e.Action), e.Summary,
					usersText(users[e.ID]), strings.Join(changeLines(e, names), "; "),
				}
				for j := range rec {
					rec[j] = tabular.SafeCell(rec[j])
				}
				if err := cw.Write(rec); err != nil {
					return err
				}
				n++
			}
			if progress != nil {
				progress(n)
			}
			return nil
		})
		if err != nil {
			return err
		}
		cw.Flush()
		if err := cw.Error(); err != nil {
			return err
		}
		return bw.Flush()
	})
	return n, err
}

// memo remembers the labels f gives, for the many rows of an export.
func memo(f func(string) string) func(string) string {
	seen := map[string]string{}
	return func(v string) string {
		l, ok := seen[v]
		if !ok {
			l = f(v)
			seen[v] = l
		}
		return l
	}
}

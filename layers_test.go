package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestOnlyTheWindowImportsFyne checks the layering of ARCHITECTURE.md: below app,
// screens and resources no package depends on Fyne, directly or through another.
func TestOnlyTheWindowImportsFyne(t *testing.T) {
	out, err := exec.Command("go", "list", "-tags", "migrated_fynedo,sqlite_fts5",
		"-f", `{{.ImportPath}} {{join .Deps " "}}`, "./...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	window := []string{"onboard", "onboard/app", "onboard/screens", "onboard/resources"}
	checked := 0
	for line := range strings.Lines(string(out)) {
		fields := strings.Fields(line)
		if len(fields) == 0 || inWindow(fields[0], window) {
			continue
		}
		checked++
		for _, dep := range fields[1:] {
			if strings.HasPrefix(dep, "fyne.io/") {
				t.Errorf("%s depends on %s", fields[0], dep)
				break
			}
		}
	}
	if checked < 20 {
		t.Fatalf("only %d packages checked; go list printed:\n%s", checked, out)
	}
}

// inWindow reports whether pkg is one of window or below one of them (except the
// module root, which is the main package alone).
func inWindow(pkg string, window []string) bool {
	for _, w := range window {
		if pkg == w || (w != "onboard" && strings.HasPrefix(pkg, w+"/")) {
			return true
		}
	}
	return false
}

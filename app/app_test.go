package app

import (
	"strings"
	"testing"
)

func TestScreenIndexKnowsTheImportWizard(t *testing.T) {
	imports, err := ScreenIndex("imports")
	if err != nil || Screens[imports].Label != "Imports" {
		t.Fatalf("imports: %d, %v", imports, err)
	}
	// --screen import-wizard opens the wizard on top of the imports screen.
	if i, err := ScreenIndex("import-wizard"); err != nil || i != imports {
		t.Fatalf("import-wizard: %d, %v", i, err)
	}
	_, err = ScreenIndex("import")
	if err == nil || !strings.Contains(err.Error(), "import-wizard") {
		t.Fatalf("an unknown screen: %v", err)
	}
}

func TestScreenIndexKnowsPrintLetters(t *testing.T) {
	letters, err := ScreenIndex("letters")
	if err != nil || Screens[letters].Label != "Letters" {
		t.Fatalf("letters: %d, %v", letters, err)
	}
	// --screen print-letters opens the print dialog on top of the letters screen.
	if i, err := ScreenIndex("print-letters"); err != nil || i != letters {
		t.Fatalf("print-letters: %d, %v", i, err)
	}
	if _, err := ScreenIndex("print"); err == nil || !strings.Contains(err.Error(), "print-letters") {
		t.Fatalf("an unknown screen: %v", err)
	}
}

package letterscreen

import (
	"testing"

	"fyne.io/fyne/v2/test"

	"onboard/screens/internal/uitest"
)

// TestLettersMarkup compares the letter settings (with a refused address) and the
// options of the print dialog with their reference markup. The letter previews are
// left out: their layout belongs to the letters package.
func TestLettersMarkup(t *testing.T) {
	s, _, _ := openLetters(t)
	s.tabs.SelectIndex(1)
	test.Type(s.urlEntry, "onboard.example.org")
	uitest.Settle(s.wait)
	test.AssertObjectRendersToMarkup(t, "letters_settings.xml", s.setPane)

	st, svc, ids := uitest.LetterUsers(t)
	p, _ := openPrint(t, st, svc, ids)
	p.skipBox.Open(0)
	test.AssertObjectRendersToMarkup(t, "print_letters_options.xml", p.left)
}

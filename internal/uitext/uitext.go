// Package uitext translates the texts that the packages below the window write for
// an admin to read — validation messages, refusals, problems found in a file — when
// the window shows them. The packages write English and call L (or F for a format
// with values) on each such text; the window sets the translator at start (Fyne's
// lang.L, through package resources), the command line never does, so it prints
// English. The translations live with the window's in resources/translations, and
// a test there finds every L and F and checks each text has its German.
package uitext

import (
	"fmt"
	"sync/atomic"
)

// translator is the function L uses; nil means English.
var translator atomic.Pointer[func(string) string]

// SetTranslator makes L translate through f (nil: English again). The window sets
// it once at start, before it shows any text.
func SetTranslator(f func(string) string) {
	if f == nil {
		translator.Store(nil)
		return
	}
	translator.Store(&f)
}

// L is text in the window's language: the English text itself on the command line.
func L(text string) string {
	if f := translator.Load(); f != nil {
		return (*f)(text)
	}
	return text
}

// F is fmt.Sprintf of format translated by L: the translation keeps the verbs.
func F(format string, args ...any) string { return fmt.Sprintf(L(format), args...) }

// Package localeenv maps a "C" or "POSIX" locale (Debian's default C.UTF-8 among
// them) to en_US before Fyne reads it. Fyne's lang package looks the locale up while
// it initialises and prints three "Fyne error" lines for "C", which would break the
// command line's one-line messages. Go initialises packages in import-path order once
// their imports are ready, so this package, whose path sorts before fyne.io and which
// imports only the standard library, runs first. It lives in a module of its own for
// that path: its directory is internal/early/localeenv, but a path such as
// onboard/internal/localeenv would sort after fyne.io ("o" > "f") and initialise too
// late, so the module keeps the path early/localeenv (go.mod replaces it with the
// directory).
package localeenv

import (
	"os"
	"strings"
)

func init() {
	for _, name := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		v := os.Getenv(name)
		if v == "" {
			continue
		}
		if IsC(v) {
			os.Setenv(name, "en_US.UTF-8")
		}
		return
	}
}

// IsC reports whether a locale value names the C or POSIX locale, with or without
// an encoding or modifier ("C", "C.UTF-8", "POSIX").
func IsC(v string) bool {
	lang, _, _ := strings.Cut(v, ".")
	lang, _, _ = strings.Cut(lang, "@")
	return lang == "C" || lang == "POSIX"
}

// Command genblocklist builds blocklist.txt.gz, the common passwords and words the
// registration page refuses (see isCommon in package web). It runs offline from
// Debian packages:
//
//	apt-get install john-data wamerican-large wbritish-large
//	cd internal/server/web && go generate
//
// It merges, lower-cased (Unicode), NFC-normalized, deduplicated and sorted by
// bytes, the entries of at least 4 characters of:
//
//   - /usr/share/john/password.lst (John the Ripper 1.9.0, Debian's john-data: common
//     passwords of the 1990s and of "top N" lists of breaches of 2006–2010; the file
//     states "It is assumed to be in the public domain"),
//   - /usr/share/dict/american-english-large and british-english-large (SCOWL size
//     70, Debian's wamerican-large and wbritish-large; permissive licence, see
//     SCOWL-COPYRIGHT.txt), without possessives ('s),
//   - extra.txt beside this file: German and school/office words and patterns the
//     Onboard authors added.
//
// The output is gzip of the sorted list, one entry a line. German dictionaries
// (wngerman) are GPL-licensed and therefore not included.
package main

import (
	"bufio"
	"compress/gzip"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

func main() {
	out := flag.String("o", "blocklist.txt.gz", "output file")
	flag.Parse()
	_, self, _, _ := runtime.Caller(0)
	sources := []string{
		"/usr/share/john/password.lst",
		"/usr/share/dict/american-english-large",
		"/usr/share/dict/british-english-large",
		filepath.Join(filepath.Dir(self), "extra.txt"),
	}
	if err := run(*out, sources); err != nil {
		fmt.Fprintln(os.Stderr, "genblocklist:", err)
		os.Exit(1)
	}
}

func run(out string, sources []string) error {
	set := map[string]bool{}
	for _, src := range sources {
		if err := read(src, set); err != nil {
			return err
		}
	}
	words := make([]string, 0, len(set))
	for w := range set {
		words = append(words, w)
	}
	slices.Sort(words)
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	zw, _ := gzip.NewWriterLevel(f, gzip.BestCompression)
	bw := bufio.NewWriter(zw)
	for _, w := range words {
		bw.WriteString(w)
		bw.WriteByte('\n')
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	fmt.Printf("%s: %d entries\n", out, len(words))
	return f.Close()
}

// read adds the usable lines of file to set: not comments (John's "#!" and "# "),
// no possessives, valid UTF-8, at least 4 characters, no spaces.
func read(file string, set map[string]bool) error {
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "#") || strings.HasSuffix(line, "'s") || !utf8.ValidString(line) ||
			strings.ContainsAny(line, " \t") || utf8.RuneCountInString(line) < 4 {
			continue
		}
		set[norm.NFC.String(strings.ToLower(line))] = true
	}
	return sc.Err()
}

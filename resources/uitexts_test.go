package resources

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"maps"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// The packages whose texts the window shows.
// internal is scanned for the uitext.L and uitext.F of the packages below the
// window.
var uiDirs = []string{"../screens", "../app", "../internal"}

// uiCode is what the window's code does with texts: the English texts it gives to
// lang.L or resources.Mark, each with where, and the places where a package
// variable calls lang.L (it runs before SetLanguage).
type uiCode struct {
	texts map[string][]string
	early []string
}

// readUICode parses every non-test Go file under dirs.
func readUICode(t *testing.T, dirs ...string) uiCode {
	t.Helper()
	c := uiCode{texts: map[string][]string{}}
	fset := token.NewFileSet()
	files := 0
	for _, dir := range dirs {
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return err
			}
			f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
			if err != nil {
				return err
			}
			files++
			c.read(fset, f)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if files < 20 {
		t.Fatalf("only %d Go files under %v", files, dirs)
	}
	return c
}

// read collects the texts of one file.
func (c *uiCode) read(fset *token.FileSet, f *ast.File) {
	langName, resName := importName(f, "fyne.io/fyne/v2/lang"), importName(f, "onboard/resources")
	textName := importName(f, "onboard/internal/uitext")
	// translates reports whether call is lang.L, and marks whether it is Mark.
	kind := func(call *ast.CallExpr) (translates, marks bool) {
		sel, ok := call.Fun.(*ast.SelectorExpr)
		if !ok {
			return false, false
		}
		x, ok := sel.X.(*ast.Ident)
		if !ok {
			return false, false
		}
		translates = langName != "" && x.Name == langName && (sel.Sel.Name == "L" || sel.Sel.Name == "Localize") ||
			textName != "" && x.Name == textName && (sel.Sel.Name == "L" || sel.Sel.Name == "F")
		marks = resName != "" && x.Name == resName && sel.Sel.Name == "Mark"
		return translates, marks
	}
	ast.Inspect(f, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok || len(call.Args) == 0 {
			return true
		}
		if tr, mk := kind(call); tr || mk {
			if s, ok := stringConstant(call.Args[0]); ok {
				c.texts[s] = append(c.texts[s], fset.Position(call.Pos()).String())
			}
		}
		return true
	})
	for _, decl := range f.Decls {
		g, ok := decl.(*ast.GenDecl)
		if !ok || g.Tok != token.VAR {
			continue
		}
		ast.Inspect(g, func(n ast.Node) bool {
			if _, ok := n.(*ast.FuncLit); ok {
				return false // runs when called, not at init
			}
			if call, ok := n.(*ast.CallExpr); ok {
				if tr, _ := kind(call); tr {
					c.early = append(c.early, fset.Position(call.Pos()).String())
				}
			}
			return true
		})
	}
}

// importName is the name the file uses for the package path, "" when it does not
// import it.
func importName(f *ast.File, path string) string {
	for _, imp := range f.Imports {
		if p, _ := strconv.Unquote(imp.Path.Value); p == path {
			if imp.Name != nil {
				return imp.Name.Name
			}
			return path[strings.LastIndex(path, "/")+1:]
		}
	}
	return ""
}

// stringConstant is the value of a string literal or a sum of them.
func stringConstant(e ast.Expr) (string, bool) {
	switch e := e.(type) {
	case *ast.BasicLit:
		if e.Kind != token.STRING {
			return "", false
		}
		s, err := strconv.Unquote(e.Value)
		return s, err == nil
	case *ast.ParenExpr:
		return stringConstant(e.X)
	case *ast.BinaryExpr:
		if e.Op != token.ADD {
			return "", false
		}
		a, ok1 := stringConstant(e.X)
		b, ok2 := stringConstant(e.Y)
		return a + b, ok1 && ok2
	}
	return "", false
}

// TestEveryUITextHasAGermanTranslation: every English text the window's code gives
// to lang.L (or resources.Mark) has a German entry in translations/*.de.json (or in
// Fyne's own, translations/fyne/), and every entry of translations/*.de.json is
// still used by the code.
func TestEveryUITextHasAGermanTranslation(t *testing.T) {
	code := readUICode(t, uiDirs...)
	own, err := readTexts(translationFiles, ownGerman)
	if err != nil {
		t.Fatal(err)
	}
	fyneDE, err := readTexts(translationFiles, fyneGerman)
	if err != nil {
		t.Fatal(err)
	}
	var missing, unused []string
	for _, s := range slices.Sorted(maps.Keys(code.texts)) {
		_, mine := own[s]
		_, fynes := fyneDE[s]
		if !mine && !fynes {
			missing = append(missing, fmt.Sprintf("%q (%s)", s, strings.Join(code.texts[s], ", ")))
		}
	}
	for _, s := range slices.Sorted(maps.Keys(own)) {
		if _, used := code.texts[s]; !used {
			unused = append(unused, fmt.Sprintf("%q (%s)", s, own[s].file))
		}
	}
	if len(missing) > 0 {
		t.Errorf("%d texts have no German translation in resources/translations/*.de.json:\n\t%s",
			len(missing), strings.Join(missing, "\n\t"))
	}
	if len(unused) > 0 {
		t.Errorf("%d German entries are used by no lang.L or resources.Mark in %v any more:\n\t%s",
			len(unused), uiDirs, strings.Join(unused, "\n\t"))
	}
}

// TestNoUITextIsTranslatedBeforeTheLanguageIsSet: a package variable that calls
// lang.L runs at init, before SetLanguage, and would stay English. Such tables
// hold resources.Mark("…") and translate with lang.L where they are shown.
func TestNoUITextIsTranslatedBeforeTheLanguageIsSet(t *testing.T) {
	for _, at := range readUICode(t, uiDirs...).early {
		t.Errorf("%s: lang.L in a package variable runs before the language is set; write resources.Mark(…) there and lang.L where the text is shown", at)
	}
}

// TestTranslationsKeepTheFormatVerbs: a German text formats the same values as its
// English one (fmt.Sprintf(lang.L("Delete (%s)"), n)); it may reorder them with
// explicit indexes (%[2]s … %[1]s).
func TestTranslationsKeepTheFormatVerbs(t *testing.T) {
	own, err := readTexts(translationFiles, ownGerman)
	if err != nil {
		t.Fatal(err)
	}
	for _, en := range slices.Sorted(maps.Keys(own)) {
		de, ok := own[en].value.(string)
		if !ok {
			continue
		}
		if a, b := formatArgs(en), formatArgs(de); !slices.Equal(a, b) {
			t.Errorf("%s: %q formats %v, its German %q formats %v", own[en].file, en, a, de, b)
		}
	}
}

var verb = regexp.MustCompile(`%(\[\d+\])?[-+# 0]*(\d+|\*)?(\.(\d+|\*)?)?([a-zA-Z%])`)

// formatArgs lists the values a format uses as "argument number + verb", sorted.
func formatArgs(format string) []string {
	var out []string
	next := 1
	for _, m := range verb.FindAllStringSubmatch(format, -1) {
		if m[5] == "%" {
			continue
		}
		if m[1] != "" {
			next, _ = strconv.Atoi(strings.Trim(m[1], "[]"))
		}
		out = append(out, fmt.Sprintf("%d%s", next, m[5]))
		next++
	}
	slices.Sort(out)
	return out
}

func TestFormatArgs(t *testing.T) {
	for format, want := range map[string]string{
		"Delete (%s)": "1s", "%d of %s": "1d 2s", "%[2]s von %[1]d": "1d 2s", "100%% done": "", "%5.1f%%": "1f", "%s %s": "1s 2s",
	} {
		if got := strings.Join(formatArgs(format), " "); got != want {
			t.Errorf("formatArgs(%q) = %q, want %q", format, got, want)
		}
	}
}

// TestReadUICodeFindsTexts runs the parser on a file of its own.
func TestReadUICodeFindsTexts(t *testing.T) {
	src := `package x
import (
	l "fyne.io/fyne/v2/lang"
	"onboard/resources"
)
var table = []string{resources.Mark("Users"), l.L("Too early")}
var later = func() string { return l.L("In a func") }
func f(n int) string { return fmt.Sprintf(l.L("Delete (%s)"), n) + l.L("Two " + "parts") + l.L(name) + lang.L("Not Fyne's lang") }
`
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "x.go", src, 0)
	if err != nil {
		t.Fatal(err)
	}
	c := uiCode{texts: map[string][]string{}}
	c.read(fset, f)
	got := slices.Sorted(maps.Keys(c.texts))
	want := []string{"Delete (%s)", "In a func", "Too early", "Two parts", "Users"}
	if !slices.Equal(got, want) {
		t.Errorf("texts %q, want %q", got, want)
	}
	if len(c.early) != 1 || !strings.HasPrefix(c.early[0], "x.go:6:") {
		t.Errorf("early %v", c.early)
	}
}

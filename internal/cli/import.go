package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"runtime/debug"
	"strings"

	"onboard/data"
	"onboard/internal/atomicfile"
	"onboard/internal/display"
	"onboard/internal/importer"
	"onboard/internal/tabular"
)

// maxListedProblems is how many row problems the import command prints.
const maxListedProblems = 50

// importFlags are the flags of the import command.
type importFlags struct {
	template, sheet, encoding, delimiter, mapSpec, dateOrder, onConflict, reportPath *string
	noHeader, invite, dryRun, skipInvalid, savedChoices                              *bool
	nu                                                                               *newUserFlags
	uf                                                                               *updateFlags
}

// addImportFlags defines the flags of the import command.
func (c *call) addImportFlags() *importFlags {
	f := &importFlags{}
	f.template = c.fs.String("template", "", "write the sample file (csv or xlsx) to FILE instead of importing")
	f.sheet = c.fs.String("sheet", "", "XLSX sheet to read (default: the active sheet)")
	f.encoding = c.fs.String("encoding", "auto", "auto, utf-8, utf-16, windows-1252, iso-8859-15, macintosh, ibm850 or ibm437")
	f.delimiter = c.fs.String("delimiter", "auto", "auto, comma, semicolon, tab or pipe")
	f.noHeader = c.fs.Bool("no-header", false, "the first row is data, not column titles")
	f.mapSpec = c.fs.String("map", "", `column mapping, e.g. "Vorname=first_name,Notiz=ignore"`)
	f.dateOrder = c.fs.String("date-order", "auto", "how to read dates like 3/1/2027: dmy (day first), mdy (month first) or auto (as the column's dates tell)")
	f.nu = c.addNewUserFlags(newUserHelp{
		role:      "role of users whose row names none",
		unit:      "unit every imported user joins (repeatable)",
		group:     "group every imported user joins (repeatable)",
		validDays: "validity of the personal keys in days (default: the organization's)",
	})
	f.onConflict = c.fs.String("on-conflict", "skip", "skip, update, rename or fail")
	f.invite = c.fs.Bool("invite", false, "mark created users with an email as invited")
	f.dryRun = c.fs.Bool("dry-run", false, "check everything, write nothing")
	f.reportPath = c.fs.String("report", "", "write what became of each row to this CSV file")
	f.skipInvalid = c.fs.Bool("skip-invalid", false, "import the valid rows even when others have errors")
	f.uf = c.addUpdateFlags()
	f.savedChoices = c.fs.Bool("saved-choices", false, "take the options saved when a list with the same column titles was imported, where not given here")
	return f
}

// runImport imports the users of a file (see importer.Check and importer.Commit),
// or checks them only (--dry-run), or writes the sample file (--template), or
// undoes the last import (--undo). It exits 1 when a row could not be imported.
func runImport(ctx context.Context, c *call) error {
	f := c.addImportFlags()
	pos, err := c.parseAll()
	if err != nil {
		return err
	}
	if *f.uf.undo {
		if len(pos) > 0 {
			return usagef("--undo takes no file")
		}
		return runUndoImport(ctx, c)
	}
	switch {
	case len(pos) == 0:
		return usagef("missing FILE")
	case len(pos) > 1:
		return usagef("unexpected argument %q", pos[1])
	}
	if *f.template != "" {
		return writeTemplate(*f.template, pos[0], c.stdout)
	}
	return importFile(ctx, c, pos[0], f)
}

// settings reads the file at path and turns the flags and the saved choices into
// the import's settings; it returns the units of --unit that do not exist yet too.
func (f *importFlags) settings(ctx context.Context, c *call, path string) (*importer.Source, importer.Settings, []data.Unit, error) {
	var s importer.Settings
	opt := tabular.Options{Sheet: *f.sheet, Encoding: *f.encoding, Delimiter: *f.delimiter}
	res, err := checkImportFlags(*f.onConflict, *f.nu.validDays, opt)
	if err != nil {
		return nil, s, nil, err
	}
	order, err := importer.ParseDateOrder(*f.dateOrder)
	if err != nil {
		return nil, s, nil, usagef("--date-order: %v", err)
	}
	src, mapping, err := loadImport(ctx, path, opt, !*f.noHeader, *f.mapSpec)
	if err != nil {
		return nil, s, nil, err
	}
	if err := c.open(); err != nil {
		return nil, s, nil, err
	}
	ids, err := f.nu.resolve(ctx, c)
	if err != nil {
		return nil, s, nil, err
	}
	s = importer.Settings{
		Mapping: mapping, RoleID: ids.role, UnitIDs: ids.units, GroupIDs: ids.groups,
		Invite: *f.invite, ValidDays: *f.nu.validDays, OnConflict: res, DateOrder: order,
	}
	if err := f.uf.apply(ctx, c, &s); err != nil {
		return nil, s, nil, err
	}
	return src, s, ids.newUnits, nil
}

// leanGCRows is how many rows make an import collect garbage at half the usual
// heap growth and under a soft memory limit (see leanMemoryLimit): the file's
// cells and the plan are most of its memory, and the default lets the heap grow
// to twice them (300,000 rows: 253 MB peak instead of 410 MB, in the same time).
const leanGCRows = 50_000

// leanMemoryLimit is the soft limit of the Go heap for an import of rows rows:
// 220 MiB, or about 750 bytes a row for a file so big that its plan alone comes
// near that (the collector would otherwise run without pause).
func leanMemoryLimit(rows int) int64 { return max(220<<20, int64(rows)*750) }

// leanMemory makes the collector keep a big import's memory low (see leanGCRows)
// and returns what puts the settings back.
func leanMemory(rows int) (restore func()) {
	if rows < leanGCRows {
		return func() {}
	}
	gc, limit := debug.SetGCPercent(50), debug.SetMemoryLimit(leanMemoryLimit(rows))
	return func() { debug.SetGCPercent(gc); debug.SetMemoryLimit(limit) }
}

// importFile imports the file at path as the flags say.
func importFile(ctx context.Context, c *call, path string, f *importFlags) error {
	src, settings, newUnits, err := f.settings(ctx, c, path)
	if err != nil {
		return err
	}
	defer leanMemory(len(src.Rows))()
	notes, err := applyProfile(ctx, c, src, &settings, *f.mapSpec != "", *f.savedChoices)
	if err != nil {
		return err
	}
	printSource(c.stdout, src, settings.Mapping)
	for _, n := range notes {
		fmt.Fprintln(c.stdout, n)
	}
	plan, err := checkImport(ctx, c, src, settings, newUnits)
	if err != nil {
		return err
	}
	src.Rows = nil // the plan holds what the rest needs: let the cells of a big file go
	printProblems(c.stdout, plan)
	if settings.UpdateList {
		printUpdate(c.stdout, plan)
	}
	if err := missingChoice(ctx, c.store, plan); err != nil {
		return err
	}
	printNewCatalog(c.stdout, plan)
	rep, err := carryOut(ctx, c, plan, src.Info.Name, *f.dryRun, *f.skipInvalid, *f.reportPath != "")
	if err != nil {
		return err
	}
	if !*f.dryRun && (plan.Counts.Fail == 0 || *f.skipInvalid) {
		if err := importer.SaveProfile(ctx, c.store, src, plan.Settings, c.svc.Now()); err != nil {
			return err
		}
	}
	if *f.reportPath != "" {
		if err := writeReport(*f.reportPath, rep); err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "Report written to %s\n", *f.reportPath)
	}
	if plan.Counts.Fail > 0 {
		// Exit 1; the report above says which rows and why.
		return fmt.Errorf("%s could not be imported", display.Plural(plan.Counts.Fail, "row"))
	}
	return nil
}

// checkImportFlags is the usage error of an import whose --on-conflict,
// --valid-days or reading options are wrong; else it returns the resolution of
// --on-conflict.
func checkImportFlags(onConflict string, validDays int, opt tabular.Options) (importer.Resolution, error) {
	res, err := importer.ParseResolution(onConflict)
	if err != nil {
		return res, usagef("--on-conflict: %v", err)
	}
	if validDays < 0 {
		return res, usagef("--valid-days must be positive, not %d", validDays)
	}
	if err := checkReadOptions(opt); err != nil {
		return res, usagef("%v", err)
	}
	return res, nil
}

// loadImport reads the file at path and maps its columns: automatically, then as
// mapSpec (--map) says.
func loadImport(ctx context.Context, path string, opt tabular.Options, header bool, mapSpec string) (*importer.Source, importer.Mapping, error) {
	src, err := importer.Load(ctx, path, opt, header, nil)
	if err != nil {
		return nil, nil, err
	}
	mapping, err := importer.AutoMap(src.Header).ApplySpec(mapSpec, src.Header)
	if err != nil {
		return nil, nil, usagef("--map: %v", err)
	}
	return src, mapping, nil
}

// checkImport plans the import of src. The units of --unit that do not exist yet,
// newUnits, are checked as if they did, so that rows naming them too use the same
// new unit; they join the file's own new units, which the commit creates in its
// transaction, and only when it writes a user.
func checkImport(ctx context.Context, c *call, src *importer.Source, settings importer.Settings, newUnits []data.Unit) (*importer.Plan, error) {
	plan, err := importer.CheckOnce(ctx, withUnits{c.store, newUnits}, src, settings, c.svc.Now())
	if errors.Is(err, importer.ErrMapping) {
		return nil, fmt.Errorf("%s: %w; map the columns with --map \"Column=first_name,...\"", src.Info.Name, err)
	}
	if errors.Is(err, importer.ErrDateOrder) {
		return nil, fmt.Errorf("%s: %w; add --date-order dmy (day first) or --date-order mdy (month first); nothing was imported", src.Info.Name, err)
	}
	if err != nil {
		return nil, err
	}
	if len(newUnits) > 0 && plan.Counts.Create+plan.Counts.Update > 0 {
		plan.NewUnits = append(append([]data.Unit(nil), newUnits...), plan.NewUnits...)
	}
	return plan, nil
}

// carryOut writes the plan of the import of the file named name, or only reports
// what it would do for a dry run, or when rows fail and skipInvalid is not set; it
// says which on stdout. Without perRow (no --report) the report has the numbers
// only, and nothing is held per created user.
func carryOut(ctx context.Context, c *call, plan *importer.Plan, name string, dryRun, skipInvalid, perRow bool) (*importer.Report, error) {
	switch {
	case dryRun:
		rep := importer.DryRun(plan)
		fmt.Fprintf(c.stdout, "Dry run, nothing written: %s.\n", rep.Summary())
		return rep, nil
	case plan.Counts.Fail > 0 && !skipInvalid:
		fmt.Fprintf(c.stdout, "Nothing imported: %s cannot be imported. Fix the rows above, or add --skip-invalid to import the valid rows.\n",
			display.Plural(plan.Counts.Fail, "row"))
		return importer.DryRun(plan), nil
	}
	commit := importer.CommitCounts
	if perRow {
		commit = importer.Commit
	}
	rep, err := commit(ctx, c.svc, plan, skipInvalid, nil)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(c.stdout, "Imported %s: %s.\n", name, rep.Summary())
	return rep, nil
}

// checkReadOptions rejects encodings and delimiters the reader does not know.
func checkReadOptions(o tabular.Options) error {
	if _, err := tabular.ParseEncoding(o.Encoding); err != nil {
		return fmt.Errorf("--encoding must be auto or one of %s, not %q", strings.Join(tabular.Encodings, ", "), o.Encoding)
	}
	switch strings.ToLower(o.Delimiter) {
	case "", "auto", "comma", "semicolon", "tab", "pipe", ",", ";", "|", "\t":
	default:
		return fmt.Errorf("--delimiter must be auto, comma, semicolon, tab or pipe, not %q", o.Delimiter)
	}
	return nil
}

// printSource says what was read and how the columns are mapped.
func printSource(w io.Writer, src *importer.Source, m importer.Mapping) {
	in := src.Info
	what := strings.ToUpper(string(in.Format))
	switch in.Format {
	case tabular.FormatHTML:
		what = "an HTML table saved as " + strings.ToLower(filepath.Ext(in.Name))
	case tabular.FormatXML2003:
		what = "Excel 2003 XML"
	}
	if in.Format != tabular.FormatCSV {
		what += ", sheet " + fmt.Sprintf("%q", in.Sheet)
		if len(in.Skipped) > 0 {
			what += fmt.Sprintf("; passed over %s without data", quotedList(in.Skipped))
		}
	} else {
		what += fmt.Sprintf(", %s, delimiter %s", in.Encoding, delimiterName(in.Delimiter))
	}
	fmt.Fprintf(w, "Read %s (%s): %s.\n", in.Name, what, display.Plural(len(src.Rows), "row"))
	if src.Above > 0 {
		fmt.Fprintf(w, "Left out %s above the column titles.\n", display.PluralOf(src.Above, "line", "lines"))
	}
	parts := make([]string, len(src.Header))
	for i, h := range src.Header {
		target := "ignored"
		if m[i] != importer.Ignore {
			target = m[i].Label()
		}
		parts[i] = fmt.Sprintf("%s → %s", h, target)
	}
	fmt.Fprintf(w, "Columns: %s\n", strings.Join(parts, ", "))
}

// quotedList writes names as "a", "b" and "c".
func quotedList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	if len(q) == 1 {
		return q[0]
	}
	return strings.Join(q[:len(q)-1], ", ") + " and " + q[len(q)-1]
}

func delimiterName(r rune) string {
	switch r {
	case ';':
		return "semicolon"
	case '\t':
		return "tab"
	case '|':
		return "pipe"
	}
	return "comma"
}

// printProblems lists the rows that will not be imported, with their reasons.
func printProblems(w io.Writer, p *importer.Plan) {
	n := 0
	for i := range p.Rows {
		r := &p.Rows[i]
		if r.Action != importer.Fails && r.Action != importer.Skips {
			continue
		}
		if n++; n > maxListedProblems {
			continue
		}
		verb := "skipped"
		if r.Action == importer.Fails {
			verb = "error"
		}
		fmt.Fprintf(w, "  line %d (%s): %s\n", r.Line, verb, r.Reason)
	}
	if n > maxListedProblems {
		fmt.Fprintf(w, "  … and %d more (--report FILE lists every row)\n", n-maxListedProblems)
	}
}

// printNewCatalog names the units and groups the import creates, so that a typo
// in the file ("Klase 5a") is seen.
func printNewCatalog(w io.Writer, p *importer.Plan) {
	var units, groups []string
	for _, u := range p.NewUnits {
		units = append(units, u.Name)
	}
	for _, g := range p.NewGroups {
		groups = append(groups, g.Name)
	}
	if len(units) > 0 {
		fmt.Fprintf(w, "New units: %s\n", strings.Join(units, ", "))
	}
	if len(groups) > 0 {
		fmt.Fprintf(w, "New groups: %s\n", strings.Join(groups, ", "))
	}
}

// writeReport writes the report CSV through a temporary file, so a failed write
// leaves no half file.
func writeReport(path string, rep *importer.Report) error {
	return atomicfile.Write(path, naming(path, rep.WriteCSV))
}

// naming makes the errors of write name the file it writes.
func naming(path string, write func(io.Writer) error) func(io.Writer) error {
	return func(w io.Writer) error {
		if err := write(w); err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
		return nil
	}
}

// writeTemplate writes the sample file in format (csv or xlsx).
func writeTemplate(format, path string, stdout io.Writer) error {
	var write func(io.Writer) error
	switch strings.ToLower(format) {
	case "csv":
		write = importer.WriteTemplateCSV
	case "xlsx":
		write = importer.WriteTemplateXLSX
	default:
		return usagef("--template must be csv or xlsx, not %q", format)
	}
	if err := atomicfile.Write(path, naming(path, write)); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Sample file written to %s\n", path)
	return nil
}

// withUnits is the store as Check sees it: with the units of --unit that the import
// will create.
type withUnits struct {
	*data.Store
	extra []data.Unit
}

// Units returns the stored units and the extra ones.
func (w withUnits) Units(ctx context.Context) ([]data.Unit, error) {
	units, err := w.Store.Units(ctx)
	return append(units, w.extra...), err
}

// missingChoice is the error for rows that name no role or no unit when the
// import gives them none: one line saying which flag to add.
func missingChoice(ctx context.Context, st *data.Store, p *importer.Plan) error {
	var parts []string
	if n := p.Counts.NeedRole; n > 0 {
		roles, err := st.Roles(ctx)
		if err != nil {
			return err
		}
		hint := "give them one with --role ROLE"
		if len(roles) == 0 {
			hint += "; there are no roles yet — create one with: onboard roles add NAME, or run: onboard setup --org NAME --preset school"
		} else {
			names := make([]string, len(roles))
			for i, r := range roles {
				names[i] = r.Name
			}
			hint += " (roles: " + nameList(names) + ")"
		}
		parts = append(parts, display.PluralOf(n, "row names", "rows name")+" no role: "+hint)
	}
	if n := p.Counts.NeedUnit; n > 0 {
		parts = append(parts, display.PluralOf(n, "row names", "rows name")+
			" no unit: give them one with --unit UNIT (a unit that does not exist yet is created)")
	}
	if len(parts) == 0 {
		return nil
	}
	return &lineError{strings.Join(parts, "; ") + "; nothing was imported"}
}

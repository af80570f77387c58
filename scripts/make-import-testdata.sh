#!/bin/sh
# Regenerates testdata/imports: small user lists written by real software
# (LibreOffice Calc, openpyxl), for the importer's tests of files that were
# once stored wrong. Needs: libreoffice-calc-nogui, python3-openpyxl.
#   sh scripts/make-import-testdata.sh
# The files are committed; run this only to change them.
set -eu
out=$(cd "$(dirname "$0")/.." && pwd)/testdata/imports
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$out"
export HOME="$tmp" # a fresh LibreOffice profile
CSV='Text - txt - csv (StarCalc)'

# soffice_csv IN CHARSET OUTNAME: LibreOffice reads the UTF-8 CSV IN
# (semicolons) and saves it as CSV in CHARSET (a LibreOffice charset number:
# 1 Windows-1252, 2 Mac Roman, 3 IBM437, 4 IBM850, 22 ISO-8859-15, 76 UTF-8).
soffice_csv() {
	d="$tmp/o$2"
	soffice --headless --infilter="$CSV:59,34,76" --convert-to "csv:$CSV:59,34,$2" --outdir "$d" "$1" >/dev/null 2>&1
	cp "$d/$(basename "$1")" "$out/$3"
}

# The list a German school office types: umlauts, accents, a note.
cat >"$tmp/names.csv" <<'CSVEOF'
Vorname;Nachname;E-Mail;Klasse;Notiz
Jörg;Müller;joerg.mueller@schule.example;5a;Sprecher
Änne;Weiß;aenne.weiss@schule.example;5a;
Élodie;Façade;elodie.facade@schule.example;5b;
Søren;Åkesson;soeren.akesson@schule.example;5b;
Zoë;Brontë;zoe.bronte@schule.example;5b;Ärztin: Dr. Öz
CSVEOF
soffice_csv "$tmp/names.csv" 2 mac-roman.csv
soffice_csv "$tmp/names.csv" 4 ibm850.csv
soffice_csv "$tmp/names.csv" 3 ibm437.csv
soffice_csv "$tmp/names.csv" 1 windows-1252.csv
soffice_csv "$tmp/names.csv" 76 utf-8.csv
# ISO-8859-15 differs from Windows-1252 in the euro sign (A4, "¤" in Windows-1252).
sed 's/;Sprecher$/;Kasse 5 €/' "$tmp/names.csv" >"$tmp/euro.csv"
soffice_csv "$tmp/euro.csv" 22 iso-8859-15.csv
# Two exports pasted together: UTF-8 rows, then Windows-1252 rows.
cat >"$tmp/more.csv" <<'CSVEOF'
Vorname;Nachname;E-Mail;Klasse;Notiz
Björn;Größer;bjoern.groesser@schule.example;6a;
CSVEOF
soffice_csv "$tmp/more.csv" 1 more-1252.csv
{ cat "$out/utf-8.csv"; tail -n +2 "$out/more-1252.csv"; } >"$out/mixed-utf8-1252.csv"
rm "$out/more-1252.csv"

# An interrupted download: the file ends inside a quoted note (line 4).
cat >"$tmp/notes.csv" <<'CSVEOF'
Vorname;Nachname;E-Mail;Notiz
Anna;Schmidt;anna.schmidt@schule.example;kurz
Ben;Weber;ben.weber@schule.example;"zwei
Zeilen"
Cara;Cruz;cara.cruz@schule.example;"Allergie: Nüsse; bitte beim Ausflug daran denken
und die Eltern anrufen"
CSVEOF
soffice_csv "$tmp/notes.csv" 76 notes.csv
head -c "$(( $(grep -b -o 'Allergie' "$out/notes.csv" | cut -d: -f1) + 20 ))" "$out/notes.csv" >"$out/truncated.csv"
rm "$out/notes.csv"

# Workbooks made with openpyxl, then opened and saved by LibreOffice (which
# computes the formulas and stores their results, errors as cells of type e).
/usr/bin/python3 - "$tmp" <<'PYEOF'
import sys, openpyxl
from openpyxl.chart import BarChart, Reference
tmp = sys.argv[1]

# Error cells: Klasse is looked up from a second sheet; one lookup fails.
wb = openpyxl.Workbook()
ws = wb.active
ws.title = "Schüler"
lk = wb.create_sheet("Klassen")
for row in [("ID", "Klasse"), (1, "5a"), (2, "5b")]:
    lk.append(row)
ws.append(["Vorname", "Nachname", "E-Mail", "Klassen-ID", "Klasse", "Notiz"])
people = [("Anna", "Schmidt", "anna.schmidt@schule.example", 1, ""),
          ("Ben", "Weber", "ben.weber@schule.example", 7, ""),
          ("Cara", "Cruz", "cara.cruz@schule.example", 2, "=1/0")]
for i, (first, last, mail, cid, note) in enumerate(people, start=2):
    ws.append([first, last, mail, cid, f"=VLOOKUP(D{i},Klassen!A:B,2,FALSE)", note])
wb.save(f"{tmp}/errorcells-src.xlsx")

# A chart sheet first, then the list.
wb = openpyxl.Workbook()
ws = wb.active
ws.title = "Liste"
ws.append(["Vorname", "Nachname", "E-Mail", "Klasse"])
ws.append(["Anna", "Schmidt", "anna.schmidt@schule.example", "5a"])
ws.append(["Ben", "Weber", "ben.weber@schule.example", "5b"])
cs = wb.create_chartsheet("Diagramm", 0)
chart = BarChart()
chart.add_data(Reference(ws, min_col=1, min_row=1, max_row=3))
cs.add_chart(chart)
wb.active = 0
wb.save(f"{tmp}/chartfirst.xlsx")

# An empty first sheet (a cover page never filled in), then the list.
wb = openpyxl.Workbook()
wb.active.title = "Deckblatt"
ws = wb.create_sheet("Schüler")
ws.append(["Vorname", "Nachname", "E-Mail", "Klasse"])
ws.append(["Anna", "Schmidt", "anna.schmidt@schule.example", "5a"])
wb.active = 0
wb.save(f"{tmp}/emptyfirst.xlsx")
PYEOF
soffice --headless --convert-to xlsx --outdir "$tmp/lo" "$tmp/errorcells-src.xlsx" >/dev/null 2>&1
cp "$tmp/lo/errorcells-src.xlsx" "$out/errorcells.xlsx"
soffice --headless --convert-to "csv:$CSV:59,34,76,1,,0,false,true,false,false,false,1" --outdir "$tmp/lo" "$out/errorcells.xlsx" >/dev/null 2>&1
cp "$tmp/lo/errorcells-Schüler.csv" "$out/errorcells.csv" 2>/dev/null || cp "$tmp/lo/errorcells.csv" "$out/errorcells.csv"
cp "$tmp/chartfirst.xlsx" "$tmp/emptyfirst.xlsx" "$out/"

# Files named .xls that are something else, as web applications and old
# Excel versions write them.
cp "$tmp/names.csv" "$tmp/list.csv"
soffice --headless --infilter="$CSV:59,34,76" --convert-to html --outdir "$tmp/lo" "$tmp/list.csv" >/dev/null 2>&1
cp "$tmp/lo/list.html" "$out/html-table.xls"
soffice --headless --infilter="$CSV:59,34,76" --convert-to "xml:MS Excel 2003 XML" --outdir "$tmp/lo" "$tmp/list.csv" >/dev/null 2>&1
cp "$tmp/lo/list.xml" "$out/excel2003.xls"
soffice --headless --infilter="$CSV:59,34,76" --convert-to "xls:MS Excel 97" --outdir "$tmp/lo" "$tmp/list.csv" >/dev/null 2>&1
cp "$tmp/lo/list.xls" "$out/biff8.xls"
ls -l "$out"

#!/usr/bin/env bash
# Renders every screen of Onboard under Xvfb into OUTDIR/<screen>.png, on a fresh
# demo database, on an empty one (the first-run setup) and on a school set up with
# 120 classes; and the main screens in English and German, light and dark, at
# 1024x700 and 1920x1080 into OUTDIR/matrix/<language>-<theme>-<size>/<screen>.png.
# Usage: scripts/screenshots.sh OUTDIR   (needs xvfb, x11-apps, netpbm: make deps)
set -euo pipefail
out=${1:?usage: scripts/screenshots.sh OUTDIR}
root=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$out"
out=$(cd "$out" && pwd)
cd "$root"
go build -tags migrated_fynedo,sqlite_fts5 -o bin/onboard .
go build -o bin/onboard-server ./cmd/onboard-server

tmp=$(mktemp -d)
xvfb_pid=""
app_pid=""
server_pid=""
cleanup() {
	[ -n "$app_pid" ] && kill "$app_pid" 2>/dev/null || true
	[ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
	[ -n "$xvfb_pid" ] && kill "$xvfb_pid" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

./bin/onboard --db "$tmp/demo.db" demo --users 2000 --seed 7 >/dev/null
# What letters print in the header and the QR code.
./bin/onboard --db "$tmp/demo.db" config set org.name "Gymnasium am Stadtpark" >/dev/null
./bin/onboard --db "$tmp/demo.db" config set org.logo "$root/resources/icon.png" >/dev/null
./bin/onboard --db "$tmp/demo.db" config set registration.url https://onboard.example.org >/dev/null
# Invitation emails in the outbox: queued while no mail server is set up; with the
# sqlite3 shell one is marked sent and one failed with a server's answer, as the
# outbox sender would record them.
./bin/onboard --db "$tmp/demo.db" invite --role Teacher --unit "Class 5a" \
	--emails "Lena Hoffmann <lena.hoffmann@example.org>, Jonas Weber <jonas.weber@exmaple.org>, Mira Schulz <mira.schulz@example.org>, Tarek Aydın <tarek.aydin@example.org>" >/dev/null
if command -v sqlite3 >/dev/null 2>&1; then
	sqlite3 "$tmp/demo.db" "UPDATE outbox SET state='sent', attempts=1, sent_at=next_attempt_at WHERE to_addr='lena.hoffmann@example.org';
		UPDATE outbox SET state='failed', attempts=1, last_error='recipient <jonas.weber@exmaple.org>: the mail server answered 550 5.1.1 <jonas.weber@exmaple.org>: Recipient address rejected: User unknown in virtual mailbox table' WHERE to_addr='jonas.weber@exmaple.org';"
fi
# The mail server: nothing answers there, so the queued mails wait and the status
# line says why.
./bin/onboard --db "$tmp/demo.db" config set smtp.host smtp.example.org >/dev/null
./bin/onboard --db "$tmp/demo.db" config set smtp.user onboard@example.org >/dev/null
./bin/onboard --db "$tmp/demo.db" config set smtp.from "Gymnasium am Stadtpark <onboard@example.org>" >/dev/null

# The first page of printed letters, as a PDF viewer shows it.
./bin/onboard --db "$tmp/letters.db" demo --users 20 --seed 7 >/dev/null
for key in org.name org.logo registration.url; do
	./bin/onboard --db "$tmp/letters.db" config set "$key" "$(./bin/onboard --db "$tmp/demo.db" config get "$key")" >/dev/null
done
./bin/onboard --db "$tmp/letters.db" letters -o "$tmp/letters.pdf" >/dev/null
pdftoppm -png -r 80 -f 1 -l 1 -singlefile "$tmp/letters.pdf" "$out/letter-page1"
echo "$out/letter-page1.png"
# The first class sheet, as printed.
./bin/onboard --db "$tmp/demo.db" sheets -o "$tmp/sheets.pdf" >/dev/null
pdftoppm -png -r 80 -f 1 -l 1 -singlefile "$tmp/sheets.pdf" "$out/class-sheet-page1"
echo "$out/class-sheet-page1.png"

display=:$((90 + RANDOM % 100))
Xvfb "$display" -screen 0 1920x1080x24 -nolisten tcp >/dev/null 2>&1 &
xvfb_pid=$!
for _ in $(seq 50); do xdpyinfo -display "$display" >/dev/null 2>&1 && break; sleep 0.1; done

# start SCREEN DB [ARGS…]: start the app on SCREEN and wait for its window.
start() {
	local screen=$1 db=$2
	shift 2
	LANG=en_US.UTF-8 HOME="$tmp" DISPLAY="$display" ONBOARD_SCREEN="$screen" ./bin/onboard --db "$db" "$@" >"$tmp/app.log" 2>&1 &
	app_pid=$!
	for _ in $(seq 300); do # a loaded machine can take a while to open the window
		xwininfo -display "$display" -root -tree 2>/dev/null | grep -q '"Onboard"' && break
		sleep 0.1
	done
	sleep 2 # let the screen load its data and draw
}

# capture NAME: write the window to OUTDIR/NAME.png.
capture() {
	mkdir -p "$(dirname "$out/$1.png")"
	xwd -display "$display" -name Onboard -silent | xwdtopnm 2>/dev/null | pnmtopng >"$out/$1.png"
	echo "$out/$1.png"
}

stop() {
	kill "$app_pid" 2>/dev/null || true
	wait "$app_pid" 2>/dev/null || true
	app_pid=""
}

# shoot NAME SCREEN DB: capture the app started on SCREEN.
shoot() {
	start "$2" "$3"
	capture "$1"
	stop
}

for screen in users new-user invite-keys units roles imports import-wizard invite-emails letters print-letters mail mail-template activity settings setup; do
	shoot "$screen" "$screen" "$tmp/demo.db"
done
# A new database opens the first-run setup over the empty users screen.
shoot first-run users "$tmp/empty.db"
# A school set up from the command line with 120 classes ("Klasse 1a" … "Klasse 12j"):
# the empty screens of a new organization, and the unit pickers at that scale.
classes=$(for g in $(seq 12); do for c in a b c d e f g h i j; do printf 'Klasse %s%s, ' "$g" "$c"; done; done)
./bin/onboard --db "$tmp/school.db" setup --org "Gymnasium am Stadtpark" --preset school --units "$classes" >/dev/null
shoot users-empty users "$tmp/school.db"
shoot roles-school roles "$tmp/school.db"
shoot units-120 units "$tmp/school.db"
shoot new-user-120-units new-user "$tmp/school.db"
shoot invite-emails-120-units invite-emails "$tmp/school.db"

# Sync with onboard-server. Offline: the address answers nothing, so the first sync
# gives up after its retries (a few seconds) and the status line and the Server
# section say so; the changes made here wait.
./bin/onboard --db "$tmp/offline.db" demo --users 300 --seed 7 >/dev/null
./bin/onboard --db "$tmp/offline.db" config set sync.url http://127.0.0.1:9 >/dev/null
./bin/onboard --db "$tmp/offline.db" config set sync.token not-checked-offline >/dev/null
start settings "$tmp/offline.db"
sleep 10
capture settings-sync-offline
stop

# Online: a real onboard-server on loopback. Alice (every permission) pushes the
# demo users with onboard sync; the app then runs as Bob, who may only create
# invite keys: New user, Import and Invite by email are off and say why.
port=$((20000 + RANDOM % 20000))
srvdb="$tmp/server.db"
alice=$(./bin/onboard-server operator add alice --permissions add-users,add-users-by-link,bulk-invite,manage-users,manage-roles,manage-units,manage-groups,manage-invite-keys --database "$srvdb" | tail -1)
bob=$(./bin/onboard-server operator add bob --permissions add-users-by-link --database "$srvdb" | tail -1)
./bin/onboard-server serve --listen "127.0.0.1:$port" --database "$srvdb" --org-name "Gymnasium am Stadtpark" 2>"$tmp/server.log" &
server_pid=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
./bin/onboard --db "$tmp/sync.db" demo --users 300 --seed 7 >/dev/null
./bin/onboard --db "$tmp/sync.db" config set sync.url "http://127.0.0.1:$port" >/dev/null
./bin/onboard --db "$tmp/sync.db" config set sync.token "$alice" >/dev/null
./bin/onboard --db "$tmp/sync.db" sync >/dev/null
./bin/onboard --db "$tmp/sync.db" config set sync.token "$bob" >/dev/null
start settings "$tmp/sync.db"
sleep 2
capture settings-sync-online
stop
start users "$tmp/sync.db"
sleep 1
if command -v xdotool >/dev/null 2>&1; then
	# The pointer on the disabled New user button (at 1128,28 of the window, which
	# the users screen widens to 1382) shows its tooltip.
	DISPLAY="$display" xdotool search --name '^Onboard$' mousemove --window %1 1125 27 >/dev/null 2>&1 || true
	sleep 0.3
	DISPLAY="$display" xdotool search --name '^Onboard$' mousemove --window %1 1128 28 >/dev/null 2>&1 || true
	sleep 1
fi
capture users-sync-permissions
stop
# bob may not change units or groups either: their buttons are off.
start units "$tmp/sync.db"
sleep 1
capture units-sync-permissions
stop
kill "$server_pid" 2>/dev/null || true
wait "$server_pid" 2>/dev/null || true
server_pid=""

# The letter settings tab of the letters screen (the tab sits at 333,75 of the window).
if command -v xdotool >/dev/null 2>&1; then
	start letters "$tmp/demo.db"
	DISPLAY="$display" xdotool search --name '^Onboard$' mousemove --window %1 333 75 click 1 >/dev/null 2>&1 || true
	sleep 1
	capture letters-settings
	stop
	# The mail screen with the failed mail (the third row, newest first) chosen: its
	# full answer and the Retry and Edit address buttons below the table.
	start mail "$tmp/demo.db"
	DISPLAY="$display" xdotool search --name '^Onboard$' mousemove --window %1 400 308 click 1 >/dev/null 2>&1 || true
	sleep 1
	capture mail-detail
	# Its "Edit address and resend…" dialog (the button sits at 368,738).
	DISPLAY="$display" xdotool search --name '^Onboard$' mousemove --window %1 368 738 click 1 >/dev/null 2>&1 || true
	sleep 1
	capture mail-edit-address
	stop
	# The users screen with the user whose invitation mail failed chosen.
	start users "$tmp/demo.db"
	DISPLAY="$display" xdotool search --name '^Onboard$' mousemove --window %1 1040 75 click 1 type jonas.weber >/dev/null 2>&1 || true
	sleep 1.5
	DISPLAY="$display" xdotool search --name '^Onboard$' mousemove --window %1 260 190 click 1 >/dev/null 2>&1 || true
	sleep 1
	capture users-mail-failed
	stop
fi

# The import wizard on a German Excel export (semicolon, Windows-1252) with a
# conflict with a demo user and a row with errors; with xdotool it is clicked through
# to the report (Next sits at the bottom right of the 1280x800 window; xdotool comes
# with make deps).
conflict=$(./bin/onboard --db "$tmp/demo.db" users list --format csv | awk -F, 'NR==2 {print $1";"$2";"$3}')
{
	printf 'Vorname;Nachname;E-Mail;Klasse;Externe ID;Rolle\r\n'
	printf '%s;Class 5a;X-0;Student\r\n' "$conflict"
	printf 'Zoë;Schäfer;zoe(at)example.org;Class 5b;X-1;Student\r\n'
	for i in $(seq 2 40); do printf 'Jürgen;Groß %s;juergen.gross%s@example.org;Class 7c;X-%s;Student\r\n' "$i" "$i" "$i"; done
} | iconv -f UTF-8 -t WINDOWS-1252 >"$tmp/schueler.csv"
start imports "$tmp/demo.db" --open "$tmp/schueler.csv"
capture import-read
if command -v xdotool >/dev/null 2>&1; then
	next() {
		DISPLAY="$display" xdotool search --name '^Onboard$' mousemove --window %1 1190 737 click 1 >/dev/null 2>&1 || true
		sleep 1.5
	}
	next
	capture import-columns
	next
	capture import-check
	next
	capture import-conflicts
	next
	capture import-options
	next
	capture import-confirm
	next
	sleep 1
	capture import-report
fi
stop

# Update from a list: a school's term-1 list imported, then the term-2 list (pupils
# moved up, two left, one new) opened in the wizard; on the File step (Back from
# Read) the mode is switched, then Check, Options and the confirmation are shown.
./bin/onboard --db "$tmp/rollover.db" setup --org "Schule am See" --preset school >/dev/null
printf 'Schüler-ID;Vorname;Nachname;Klasse\n1001;Anna;Müller;5a\n1002;Ben;Schulz;5a\n1003;Cem;Yılmaz;5a\n2001;Dora;Klein;6a\n2002;Emil;Groß;6a\n3001;Fritz;Lang;5b\n' >"$tmp/term1.csv"
printf 'Schüler-ID;Vorname;Nachname;Klasse\n1001;Anna;Müller;6a\n1002;Ben;Schulz;6a\n2001;Dora;Klein;7a\n4001;Gül;Öztürk;5a\n' >"$tmp/term2.csv"
./bin/onboard --db "$tmp/rollover.db" import "$tmp/term1.csv" --role Student >/dev/null
start imports "$tmp/rollover.db" --open "$tmp/term2.csv"
if command -v xdotool >/dev/null 2>&1; then
	click() {
		DISPLAY="$display" xdotool search --name '^Onboard$' mousemove --window %1 "$1" "$2" click 1 >/dev/null 2>&1 || true
		sleep 1.5
	}
	click 1117 737 # Back to the File step
	click 65 386   # Update from a list
	capture import-update-file
	next
	next
	next
	capture import-update-check
	next
	capture import-update-options
fi
stop

# The main screens in both languages and themes at the smallest and a large window:
# the choices are the app's preferences (Settings → Appearance), written before
# each start; xdotool sizes the window.
if command -v xdotool >/dev/null 2>&1; then
	prefs="$tmp/.config/fyne/org.onboard.desktop/preferences.json"
	mkdir -p "$(dirname "$prefs")"
	for lang in en de; do
		for theme in light dark; do
			printf '{"language":"%s","theme":"%s"}' "$lang" "$theme" >"$prefs"
			for size in 1024x700 1920x1080; do
				for screen in users new-user invite-keys units roles imports import-wizard invite-emails letters print-letters mail activity settings; do
					start "$screen" "$tmp/demo.db"
					DISPLAY="$display" xdotool search --name '^Onboard$' windowsize --sync %1 "${size%x*}" "${size#*x}" >/dev/null 2>&1 || true
					sleep 1
					capture "matrix/$lang-$theme-$size/$screen"
					stop
				done
			done
		done
	done
	rm -f "$prefs"
fi

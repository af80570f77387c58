#!/usr/bin/env bash
# Renders every screen of Onboard under Xvfb into OUTDIR/<screen>.png, on a fresh
# demo database (and the users screen once more on an empty one).
# Usage: scripts/screenshots.sh OUTDIR   (needs xvfb, x11-apps, netpbm: make deps)
set -euo pipefail
out=${1:?usage: scripts/screenshots.sh OUTDIR}
root=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$out"
out=$(cd "$out" && pwd)
cd "$root"
go build -tags migrated_fynedo -o bin/onboard .

tmp=$(mktemp -d)
xvfb_pid=""
app_pid=""
cleanup() {
	[ -n "$app_pid" ] && kill "$app_pid" 2>/dev/null || true
	[ -n "$xvfb_pid" ] && kill "$xvfb_pid" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

./bin/onboard --db "$tmp/demo.db" demo --users 2000 --seed 7 >/dev/null

display=:$((90 + RANDOM % 100))
Xvfb "$display" -screen 0 1400x900x24 -nolisten tcp >/dev/null 2>&1 &
xvfb_pid=$!
for _ in $(seq 50); do xdpyinfo -display "$display" >/dev/null 2>&1 && break; sleep 0.1; done

# shoot NAME SCREEN DB: start the app on SCREEN, wait for its window, capture it.
shoot() {
	local name=$1 screen=$2 db=$3
	LANG=en_US.UTF-8 HOME="$tmp" DISPLAY="$display" ONBOARD_SCREEN="$screen" ./bin/onboard --db "$db" >"$tmp/app.log" 2>&1 &
	app_pid=$!
	for _ in $(seq 100); do
		xwininfo -display "$display" -root -tree 2>/dev/null | grep -q '"Onboard"' && break
		sleep 0.1
	done
	sleep 2 # let the screen load its data and draw
	xwd -display "$display" -name Onboard -silent | xwdtopnm 2>/dev/null | pnmtopng >"$out/$name.png"
	kill "$app_pid" 2>/dev/null || true
	wait "$app_pid" 2>/dev/null || true
	app_pid=""
	echo "$out/$name.png"
}

for screen in users new-user invite-keys units imports letters settings; do
	shoot "$screen" "$screen" "$tmp/demo.db"
done
shoot users-empty users "$tmp/empty.db"

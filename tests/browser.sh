#!/bin/sh
# The HTML report in headless Chromium: rows and counts are in the DOM, the
# filter from the URL fragment (#status=failed) hides the other rows, and a
# screenshot is saved under the build dir. Skips visibly without chromium.
set -u
B=${PST_BUILD:-build}
REAL=${PST_REAL:-../shared/testdata/real}
CHROME=$(command -v chromium || command -v chromium-browser || true)
pass=0 fail=0
check() { if [ "$2" = "$3" ]; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $1: got '$2', expected '$3'"; fi; }
if [ -z "$CHROME" ] || [ ! -d "$REAL/london" ]; then
  echo "browser: SKIP: chromium or the real photos are missing (apt-get install chromium)"
  exit 0
fi
W=$(mktemp -d "${TMPDIR:-/tmp}/browser.XXXXXX")
trap 'rm -rf "$W"' EXIT
"$B/mkbatch" "$REAL" "$W/g" 20 >/dev/null || exit 1
"$B/photobatch" "$W/g/in" -o "$W/out" -q --roster "$W/g/roster.csv" --report "$W/r.html" --report "$W/r.json"
run() {
  "$CHROME" --headless --no-sandbox --disable-gpu --disable-background-networking \
    --disable-component-update --disable-sync --no-first-run \
    --user-data-dir="$(mktemp -d "$W/prof.XXXXXX")" "$@" 2>/dev/null
}
total=$(python3 -c "import json; print(json.load(open('$W/r.json'))['summary']['total'])")
failed=$(python3 -c "import json; print(json.load(open('$W/r.json'))['summary']['failed'])")
run --dump-dom "file://$W/r.html" > "$W/all.dom"
check "rows rendered" "$(grep -c '<tr class=' "$W/all.dom")" "$total"
check "total count shown" "$(grep -o 'id="c-total">[^<]*<b>[0-9]*' "$W/all.dom" | sed 's/.*<b>//')" "$total"
check "no filter: all shown" "$(grep -o 'id="shown">[0-9]*' "$W/all.dom" | sed 's/.*>//')" "$total"
run --dump-dom "file://$W/r.html#status=failed" > "$W/failed.dom"
check "#status=failed shows the failed rows" "$(grep -o 'id="shown">[0-9]*' "$W/failed.dom" | sed 's/.*>//')" "$failed"
check "#status=failed hides the others" "$(grep -c '<tr class="[a-z]*" data-status="[a-z]*" data-checks="[^"]*" hidden' "$W/failed.dom")" "$((total - failed))"
run --dump-dom "file://$W/r.html#check=jpeg.decode" > "$W/check.dom"
ndec=$(python3 -c "import json; print(sum('jpeg.decode' in f['reasons'] for f in json.load(open('$W/r.json'))['files']))")
check "#check=jpeg.decode filters by failing check" "$(grep -o 'id="shown">[0-9]*' "$W/check.dom" | sed 's/.*>//')" "$ndec"
mkdir -p "$B"
shot=$(cd "$B" && pwd)/batch-report.png
run --screenshot="$shot" --window-size=1280,2000 "file://$W/r.html" >/dev/null
[ -s "$shot" ] && pass=$((pass + 1)) || { fail=$((fail + 1)); echo "FAIL: no screenshot"; }
echo "browser: screenshot $shot"
echo "browser: $pass passed, $fail failed"
[ "$fail" -eq 0 ]

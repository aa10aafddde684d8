#!/bin/sh
# CLI tests of photofix: exit codes, nothing written on refusal, --force,
# --json shape, --mask size, no temporary files left, EXIF-rotated input.
# Run by `make test-cli` with PST_BUILD and PST_REAL.
set -u
LC_ALL=C
export LC_ALL
unset LC_MESSAGES
B=${PST_BUILD:-build}
REAL=${PST_REAL:-}
PF=$B/photofix
T=$(mktemp -d "${TMPDIR:-/tmp}/pst-clifix.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT INT TERM

npass=0
nfail=0
ok() { npass=$((npass + 1)); }
bad() {
  nfail=$((nfail + 1))
  echo "FAIL: $*"
  [ -s "$T/err" ] && sed 's/^/    stderr: /' "$T/err" | head -5
  return 0
}
# expect STATUS DESCRIPTION -- COMMAND...
expect() {
  want=$1 what=$2
  shift 3
  "$@" >"$T/out" 2>"$T/err"
  got=$?
  [ "$got" = "$want" ] && ok || bad "$what: exit $got, want $want"
}
# PNG width and height from the IHDR chunk.
png_size() { od -An -tu1 -j16 -N8 "$1" | awk '{print $3*256+$4 "x" $7*256+$8}'; }

expect 0 "--help" -- "$PF" --help
grep -q 'Usage: photofix' "$T/out" && ok || bad "--help prints usage on stdout"
expect 0 "--version" -- "$PF" --version
expect 2 "no OUTPUT" -- "$PF" in.jpg
expect 2 "bad --bg" -- "$PF" --bg purple in.jpg -o "$T/x.jpg"
grep -q -- '--bg' "$T/err" && ok || bad "bad --bg names the option"
expect 2 "bad --face" -- "$PF" --face 1,2,3 in.jpg -o "$T/x.jpg"
expect 2 "unknown profile" -- "$PF" --profile nosuch in.jpg -o "$T/x.jpg"
expect 1 "missing input" -- "$PF" "$T/nonexistent.jpg" -o "$T/x.jpg"
[ ! -e "$T/x.jpg" ] && ok || bad "missing input writes nothing"

if [ -z "$REAL" ] || [ ! -d "$REAL/london" ]; then
  echo "SKIP: real photos absent; photofix runs on photos not tested"
else
  GOOD=$REAL/london/011_03.jpg
  mkdir "$T/o"
  # A busy wall behind (a door and tiles): fixed, with a note to look at
  # the result's edges and a hint; a plain wall gets no note.
  expect 0 "busy wall" -- "$PF" "$REAL/snapshots/60cm.jpg" -o "$T/o/busy.jpg"
  grep -q ': note: the wall behind the person is not plain.*(background.busy)' \
    "$T/err" && ok || bad "busy wall: a note names background.busy"
  grep -q ': hint: Look at the edges of the result' "$T/err" && ok ||
    bad "busy wall: a hint line says what to do"
  expect 0 "busy wall, zh" -- "$PF" --lang zh --force "$REAL/snapshots/60cm.jpg" \
    -o "$T/o/busy.jpg"
  grep -q '注意：人物身后不是素色墙面' "$T/err" && ok || bad "busy wall: zh note"
  expect 0 "plain wall" -- "$PF" "$GOOD" -o "$T/o/plain.jpg"
  grep -q 'note:' "$T/err" && bad "plain wall: no note" || ok
  # A photo with no face: exit 1, reason named, nothing written.
  expect 1 "no face" -- "$PF" "$REAL/misc/coffee.png" -o "$T/o/c.jpg"
  grep -q 'face.none' "$T/err" && ok || bad "no face: reason face.none"
  grep -q ': hint: Use a photo of one person' "$T/err" && ok ||
    bad "no face: a hint line says what to do"
  [ ! -e "$T/o/c.jpg" ] && ok || bad "no face: nothing written"
  expect 1 "two faces" -- "$PF" "$REAL/misc/two_people.jpg" -o "$T/o/c.jpg"
  grep -q 'face.several' "$T/err" && ok || bad "two faces: face.several"
  expect 1 "zh reason" -- "$PF" --lang zh "$REAL/misc/coffee.png" -o "$T/o/c.jpg"
  grep -q '未检测到人脸' "$T/err" && ok || bad "--lang zh: Chinese reason"
  grep -q ': 建议：' "$T/err" && ok || bad "--lang zh: Chinese hint"
  expect 1 "--json refusal" -- "$PF" --json "$REAL/misc/two_people.jpg" \
    -o "$T/o/c.jpg"
  grep -q '"reason":"face.several","message":"[^"]*","hint":"[^"]' "$T/out" &&
    ok || bad "--json refusal: reason, message and hint"

  # A result photofix made but its check failed: every check it failed is
  # named, the first as the reason and the others as "also:" lines (Grace
  # Hopper's: the flag beside her, and her clipped face as on the
  # original). Nothing is written.
  expect 1 "refused on the check" -- "$PF" --json \
    "$REAL/misc/grace_hopper_512x512.jpg" -o "$T/o/g.jpg"
  [ ! -e "$T/o/g.jpg" ] && ok || bad "refused on the check: nothing written"
  fails=$(grep -o '"id":"[a-z.]*","status":"fail"' "$T/out" |
    sed 's/"id":"\([a-z.]*\)".*/\1/')
  [ -n "$fails" ] && ok || bad "refused on the check: --json lists the failed checks"
  for id in $fails; do
    grep -q "($id)\$" "$T/err" && ok || bad "refused on the check: $id named"
  done
  [ "$(grep -c ': hint: ' "$T/err")" -eq "$(echo "$fails" | wc -l)" ] && ok ||
    bad "refused on the check: the check's hint under each failure"
  if [ "$(echo "$fails" | wc -l)" -ge 2 ]; then
    [ "$(grep -c ': also: ' "$T/err")" -eq "$(($(echo "$fails" | wc -l) - 1))" ] &&
      ok || bad "refused on the check: an also: line per further check"
  fi

  # A good photo: written, JSON shape, mask size, sheet.
  expect 0 "fix a portrait" -- "$PF" --json --mask "$T/o/m.png" \
    --sheet "$T/o/s.jpg" "$GOOD" -o "$T/o/a.jpg"
  [ -s "$T/o/a.jpg" ] && ok || bad "output written"
  for key in '"file":' '"output":"' '"ok":true' '"crop":{"x":' '"angle":' \
    '"background":"#64C5FF"' '"quality":' '"bytes":' '"check":{"file":'; do
    grep -q "$key" "$T/out" && ok || bad "--json has $key"
  done
  [ "$(wc -l <"$T/out")" -eq 1 ] && ok || bad "--json: one line per input"
  [ "$(png_size "$T/o/m.png")" = "480x640" ] && ok ||
    bad "--mask is 480x640 ($(png_size "$T/o/m.png"))"
  "$B/photocheck" -q "$T/o/a.jpg" && ok || bad "output passes photocheck"
  [ -s "$T/o/s.jpg" ] && ok || bad "--sheet written"
  ls -A "$T/o" | grep -q '^\.' && bad "temporary files left" || ok

  # An existing output is kept without --force, replaced with it.
  cp "$T/o/a.jpg" "$T/keep.jpg"
  expect 2 "existing output" -- "$PF" --bg '#6AC0F0' "$GOOD" -o "$T/o/a.jpg"
  cmp -s "$T/o/a.jpg" "$T/keep.jpg" && ok || bad "existing output kept"
  expect 0 "--force" -- "$PF" --force --bg '#6AC0F0' "$GOOD" -o "$T/o/a.jpg"
  cmp -s "$T/o/a.jpg" "$T/keep.jpg" && bad "--force replaces output" || ok
  ls -A "$T/o" | grep -q '^\.' && bad "temporary files left (force)" || ok

  # -d: one good and one refused input; exit 1, only the good one written.
  mkdir "$T/d"
  expect 1 "-d with a refusal" -- "$PF" -q -d "$T/d" "$GOOD" \
    "$REAL/misc/coffee.png"
  [ -s "$T/d/011_03.jpg" ] && ok || bad "-d writes NAME.jpg"
  [ ! -e "$T/d/coffee.jpg" ] && ok || bad "-d writes nothing for a refusal"

  # EXIF orientation 6: the small hopper face is refused as too small...
  expect 1 "hopper rotated" -- "$PF" "$REAL/misc/hopper_orientation_6.jpg" \
    -o "$T/o/h.jpg"
  grep -q 'face.small' "$T/err" && ok || bad "hopper: face.small"
  # ...and a large photo stored turned a quarter counter-clockwise with
  # orientation 6 ("rotate 90 CW to show") comes out
  # upright (the face is found, which it would not be sideways).
  if command -v jpegtran >/dev/null && command -v python3 >/dev/null; then
    jpegtran -rotate 270 -copy none "$GOOD" >"$T/side.jpg"
    python3 - "$T/side.jpg" "$T/rot6.jpg" <<'PY'
import struct, sys
d = open(sys.argv[1], 'rb').read()
tiff = b'MM\0*' + struct.pack('>I', 8) + struct.pack('>H', 1) + \
    struct.pack('>HHIHH', 0x0112, 3, 1, 6, 0) + struct.pack('>I', 0)
app1 = b'Exif\0\0' + tiff
seg = b'\xff\xe1' + struct.pack('>H', len(app1) + 2) + app1
open(sys.argv[2], 'wb').write(d[:2] + seg + d[2:])
PY
    expect 0 "EXIF-rotated large photo" -- "$PF" --json "$T/rot6.jpg" \
      -o "$T/o/r.jpg"
    grep -q '"exif.orientation","status":"pass"' "$T/out" && ok ||
      bad "rotated: output has no EXIF rotation"
  else
    echo "SKIP: jpegtran/python3 absent; rotated copy not tested"
  fi
fi

echo "cli_fix: $npass passed, $nfail failed"
[ "$nfail" -eq 0 ]

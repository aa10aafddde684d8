#!/bin/sh
# CLI tests: run the photocheck binary and assert exit codes, JSON Lines,
# JUnit XML, languages and stdin. Run by `make test-cli` with PST_BUILD,
# PST_FIXTURES, PST_REAL and PST_VALGRIND (a command prefix, may be empty).
set -u
LC_ALL=C
export LC_ALL
unset LC_MESSAGES NO_COLOR
# A sanitizer report must not pass for a photo's exit status 1.
ASAN_OPTIONS="exitcode=98:${ASAN_OPTIONS:-}"
UBSAN_OPTIONS="exitcode=98:${UBSAN_OPTIONS:-}"
export ASAN_OPTIONS UBSAN_OPTIONS

B=${PST_BUILD:-build}
FIX=${PST_FIXTURES:-$B/fixtures}
REAL=${PST_REAL:-}
VG=${PST_VALGRIND:-}
PC=$B/photocheck
RUN_ENV=
T=$(mktemp -d "${TMPDIR:-/tmp}/pst-cli.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT INT TERM
# The synthetic fixtures show no face: the file-check matrix runs with a
# profile that runs only the file checks (`checks = file`; an explicit
# --profile later on a command line still wins). $PCX is the binary as is.
PCX=$PC
FILEPROF=$(pwd)/testdata/profiles/file-checks.conf
printf '#!/bin/sh\nexec "%s" --profile "%s" "$@"\n' "$PCX" "$FILEPROF" >"$T/photocheck"
chmod +x "$T/photocheck"
PC=$T/photocheck
case $VG in *valgrind*) VG="$VG --trace-children=yes" ;; esac

npass=0
nfail=0
ok() { npass=$((npass + 1)); }
bad() {
  nfail=$((nfail + 1))
  echo "FAIL: $*"
  [ -s "$T/err" ] && sed 's/^/    stderr: /' "$T/err" | head -5
  return 0
}
skip() { echo "SKIP: $*"; }

# run CMD...: stdout in $T/out, stderr in $T/err, exit status in $rc.
# RUN_ENV and VG are word lists on purpose (assignments, a command prefix).
# shellcheck disable=SC2086
run() {
  rc=0
  env $RUN_ENV $VG "$@" >"$T/out" 2>"$T/err" </dev/null || rc=$?
  vg_check "$@"
}
# A memory error or leak shows as exit status 99 (PST_VALGRIND) or 98
# (ASan/UBSan builds).
vg_check() {
  if [ -n "$VG" ] && [ "$rc" = 99 ]; then bad "valgrind: $*"; fi
  if [ "$rc" = 98 ]; then bad "sanitizer: $*"; fi
}
# run_in FILE CMD...: as run, with FILE on stdin.
# shellcheck disable=SC2086
run_in() {
  f=$1
  shift
  rc=0
  env $RUN_ENV $VG "$@" >"$T/out" 2>"$T/err" <"$f" || rc=$?
  vg_check "$@"
}
expect_rc() { # DESCRIPTION WANT
  if [ "$rc" = "$2" ]; then ok; else bad "$1: exit $rc, want $2"; fi
}
out_has() { # DESCRIPTION FIXED-STRING
  if grep -F -q -- "$2" "$T/out"; then ok; else bad "$1: stdout lacks '$2'"; fi
}
err_has() {
  if grep -F -q -- "$2" "$T/err"; then ok; else bad "$1: stderr lacks '$2'"; fi
}
out_empty() {
  if [ -s "$T/out" ]; then bad "$1: stdout not empty"; else ok; fi
}

HAVE_PY=0
command -v python3 >/dev/null 2>&1 && HAVE_PY=1
[ $HAVE_PY = 1 ] || skip "python3 absent: JSON contents are not parsed"
# py_json EXPR: every line of $T/out is JSON; EXPR holds for the list `rs`
# of objects (`c(r)` maps a report's check ids to checks).
py_json() {
  python3 -c '
import json, sys
rs = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
def c(r): return {x["id"]: x for x in r["checks"]}
sys.exit(0 if eval(sys.argv[2]) else 1)' "$T/out" "$1" 2>>"$T/err"
}
json_ok() { # DESCRIPTION EXPR
  if [ $HAVE_PY = 0 ]; then
    skip "$1 (no python3)"
  elif py_json "$2"; then ok; else bad "$1: JSON check '$2' is false"; fi
}

if [ ! -x "$PC" ]; then
  echo "FAIL: $PC is not built"
  echo "cli: 0 passed, 1 failed"
  exit 1
fi
GOOD=$FIX/good.jpg
[ -f "$GOOD" ] || echo "FAIL: fixture $GOOD is missing"

IDS='["file.read","file.format","file.extension","file.size","jpeg.decode",
"jpeg.quality","jpeg.baseline","image.dimensions","image.color","image.dpi",
"exif.orientation","exif.location","face.count","face.width","face.center",
"head.crown","eyes.line","eyes.level","background.color",
"background.uniform","face.exposure","face.lighting","image.sharpness",
"face.color","clothing.contrast"]'
IDS=$(echo "$IDS" | tr -d '\n')

# ---- --help, --version, usage errors (2) ----
run "$PC" --help
expect_rc "--help" 0
out_has "--help" "--profile"
out_has "--help lists exit status" "Exit status"
run "$PC" --version
expect_rc "--version" 0
out_has "--version" "photocheck"
run "$PC" --bogus "$GOOD"
expect_rc "unknown option" 2
err_has "unknown option" "--bogus"
run "$PC" --lang fr "$GOOD"
expect_rc "--lang fr" 2
err_has "--lang fr" "--lang must be en or zh"
run "$PC" --color=sometimes "$GOOD"
expect_rc "--color=sometimes" 2
err_has "--color=sometimes" "--color must be"
run "$PC" --profile
expect_rc "--profile without a value" 2
run "$PC"
expect_rc "no FILE" 2
err_has "no FILE" "photocheck: "
run "$PC" --profile nosuch "$GOOD"
expect_rc "unknown profile" 2
err_has "unknown profile" "nosuch"
printf 'base = chsi\nno_such_key = 1\n' >"$T/bad.conf"
run "$PC" --profile "$T/bad.conf" "$GOOD"
expect_rc "bad profile file" 2
err_has "bad profile file names file:line" "bad.conf:2:"
printf 'base = chsi\nname = loose\nmin_kb = 1\n' >"$T/loose.conf"
run "$PC" --profile "$T/loose.conf" --json "$GOOD"
expect_rc "profile file" 0
json_ok "profile file name in JSON" 'rs[0]["profile"] == "loose"'

# ---- I/O errors that stop the run (3) ----
run "$PC" --junit /proc/nonexistent/x.xml "$GOOD"
expect_rc "unwritable --junit" 3
err_has "unwritable --junit" "/proc/nonexistent/x.xml"
if [ -w /dev/full ]; then
  rc=0
  $VG "$PC" "$GOOD" >/dev/full 2>"$T/err" || rc=$?
  expect_rc "stdout on a full disk" 3
else
  skip "/dev/full absent"
fi

# ---- every fixture of the MANIFEST ----
nrows=0
nfailures=0
files=
if [ -f "$FIX/MANIFEST" ]; then
  while IFS='	' read -r name check status ex fails; do
    case $name in '#'* | '') continue ;; esac
    nrows=$((nrows + 1))
    run "$PC" --json "$FIX/$name"
    expect_rc "fixture $name" "$ex"
    if [ "$check" != - ]; then
      json_ok "fixture $name: $check is $status" \
        "c(rs[0])['$check']['status'] == '$status'"
    fi
    if [ "$fails" != - ]; then
      n=$(echo "$fails" | tr ',' '\n' | grep -c .)
      nfailures=$((nfailures + n))
      want=$fails
    else
      want=
    fi
    json_ok "fixture $name fails exactly: ${want:-nothing}" \
      "[i for i in ${IDS}[:12] if c(rs[0]).get(i, {}).get('status') == 'fail'] == list(filter(None, '$want'.split(',')))"
  done <"$FIX/MANIFEST"
  files=$(grep -v '^#' "$FIX/MANIFEST" | cut -f1 | sed "s|^|$FIX/|")
else
  bad "$FIX/MANIFEST is missing"
fi

# ---- --json over many files: one valid object per line, ids in order ----
# shellcheck disable=SC2086
run "$PC" --json $files
lines=$(wc -l <"$T/out")
if [ "$lines" -eq "$nrows" ]; then ok; else bad "--json: $lines lines for $nrows files"; fi
if [ $HAVE_PY = 1 ]; then
  if python3 -c 'import json,sys; [json.loads(l) for l in sys.stdin]' <"$T/out"; then
    ok
  else
    bad "--json lines do not parse"
  fi
else
  skip "--json lines parse (no python3)"
fi
json_ok "--json: check ids in SPEC order" \
  "all([x['id'] for x in r['checks']] in (${IDS}, ${IDS}[:12]) for r in rs)"
if [ $HAVE_PY = 1 ] && ! py_json "all(len(r['checks']) == 25 for r in rs)"; then
  skip "--json has only the 12 file checks: the content checks have not landed"
fi
json_ok "--json: numbers are numbers" \
  "all(isinstance(r['width'], int) and isinstance(r['pass'], bool) for r in rs if r['width'] is not None)"

# ---- awkward file names ----
if [ -f "$GOOD" ]; then
  cp "$GOOD" "$T/a\"b.jpg"
  cp "$GOOD" "$T/new
line.jpg"
  cp "$GOOD" "$T/$(printf 'x\377y').jpg"
  run "$PC" --json "$T/a\"b.jpg"
  json_ok "JSON name with a quote" 'rs[0]["file"].endswith("a\"b.jpg")'
  run "$PC" --json "$T/new
line.jpg"
  json_ok "JSON name with a newline" 'rs[0]["file"].endswith("new\nline.jpg")'
  run "$PC" --json "$T/$(printf 'x\377y').jpg"
  json_ok "JSON name with a non-UTF-8 byte" 'rs[0]["file"].endswith("x\u00ffy.jpg")'
  run "$PC" --junit "$T/names.xml" "$T/a\"b.jpg" "$T/new
line.jpg" "$T/$(printf 'x\377y').jpg"
  if command -v xmllint >/dev/null 2>&1; then
    if xmllint --noout "$T/names.xml" 2>"$T/err"; then ok; else bad "JUnit with awkward names is not well-formed"; fi
  else
    skip "xmllint absent: JUnit well-formedness"
  fi
fi

# ---- stdin ----
run_in "$GOOD" "$PC" -
expect_rc "stdin -" 0
out_has "stdin header" "-: PASS"
run_in "$GOOD" "$PC" --json -
json_ok "stdin JSON names the file -" 'rs[0]["file"] == "-" and rs[0]["pass"]'
run_in /dev/null "$PC" -
expect_rc "empty stdin" 1

# ---- JUnit ----
# shellcheck disable=SC2086
run "$PC" -q --junit "$T/r.xml" $files
if command -v xmllint >/dev/null 2>&1; then
  if xmllint --noout "$T/r.xml" 2>"$T/err"; then ok; else bad "JUnit not well-formed"; fi
else
  if head -1 "$T/r.xml" | grep -q '^<?xml' && tail -1 "$T/r.xml" | grep -q '^</testsuite>$'; then
    ok
  else
    bad "JUnit sanity (no xmllint)"
  fi
fi
nf=$(grep -c '<failure ' "$T/r.xml")
if [ "$nf" -eq "$nfailures" ]; then ok; else bad "JUnit: $nf failures, MANIFEST says $nfailures"; fi
nc=$(grep -c '<testcase ' "$T/r.xml")
if [ "$nc" -eq "$nrows" ]; then ok; else bad "JUnit: $nc testcases for $nrows files"; fi
if grep -q '<testsuite name="photocheck"' "$T/r.xml"; then ok; else bad "JUnit testsuite name"; fi
if grep -q 'classname="photocheck.chsi"' "$T/r.xml"; then ok; else bad "JUnit classname"; fi
run "$PC" --junit "$T/r.xml" "$GOOD"
expect_rc "JUnit file exists, no --force" 2
err_has "JUnit exists" "--force"
run "$PC" --force --junit "$T/r.xml" "$GOOD"
expect_rc "JUnit --force" 0
nc=$(grep -c '<testcase ' "$T/r.xml")
if [ "$nc" -eq 1 ]; then ok; else bad "JUnit --force rewrote: $nc testcases"; fi
set -- "$T"/.r.xml.*
if [ -e "$1" ]; then bad "JUnit temp file left behind: $1"; else ok; fi

# ---- text report, quiet, verbose, colour, languages ----
run "$PC" "$GOOD"
expect_rc "good.jpg" 0
out_has "text header" "good.jpg: PASS (profile chsi)"
out_has "passes summarised" "checks passed"
run "$PC" -v "$GOOD"
out_has "-v lists passed checks" "file.read"
run "$PC" -q "$GOOD"
expect_rc "-q good" 0
out_empty "-q good"
run "$PC" "$GOOD" "$T/no-such.jpg"
expect_rc "a missing file among several" 1
out_has "missing file reported" "no-such.jpg: FAIL"
err_has "missing file diagnostic" "photocheck: $T/no-such.jpg: "
run "$PC" -q "$T/no-such.jpg"
expect_rc "-q missing" 1
out_empty "-q missing"
run "$PC" --color=always "$GOOD"
if grep -q "$(printf '\033')" "$T/out"; then ok; else bad "--color=always has no ANSI"; fi
run "$PC" "$GOOD"
if grep -q "$(printf '\033')" "$T/out"; then bad "colour on a pipe"; else ok; fi
run "$PC" --lang zh "$GOOD"
out_has "--lang zh" "通过"
RUN_ENV="LC_ALL= LC_MESSAGES= LANG=zh_CN.UTF-8"
run "$PC" "$GOOD"
RUN_ENV=
out_has "LANG=zh_CN.UTF-8 selects Chinese" "通过"
RUN_ENV="LC_ALL= LC_MESSAGES= LANG=zh_CN.UTF-8"
run "$PC" --lang en "$GOOD"
RUN_ENV=
out_has "--lang en beats LANG" "PASS"

# ---- --strict turns a warning into a failure ----
warnfix=
[ -f "$FIX/MANIFEST" ] &&
  warnfix=$(awk -F '\t' '!/^#/ && $3 == "warn" && $4 == "0" { print $1; exit }' "$FIX/MANIFEST")
if [ -n "$warnfix" ]; then
  run "$PC" "$FIX/$warnfix"
  expect_rc "warning fixture $warnfix" 0
  run "$PC" --strict "$FIX/$warnfix"
  expect_rc "--strict $warnfix" 1
else
  bad "no warning-only fixture in MANIFEST for --strict"
fi

# ---- real photos ----
if [ -n "$REAL" ] && [ -d "$REAL/misc" ]; then
  run "$PC" --json "$REAL/misc/hopper.webp"
  expect_rc "hopper.webp" 1
  json_ok "hopper.webp fails file.format naming WebP" \
    "c(rs[0])['file.format']['status'] == 'fail' and 'WebP' in c(rs[0])['file.format']['message']"
  run "$PC" "$REAL/misc/hopper.webp"
  out_has "hopper.webp text names WebP" "WebP"
  run "$PC" --json "$REAL/misc/hopper_orientation_6.jpg"
  expect_rc "hopper_orientation_6.jpg" 1
  json_ok "hopper_orientation_6.jpg fails exif.orientation" \
    "c(rs[0])['exif.orientation']['status'] == 'fail'"
else
  skip "real photos absent (PST_REAL=$REAL)"
fi

# ---- a compliant real photo (tests/mkcompliance) passes every check ----
# The set is generated once into the build folder (about half a minute).
CSET=${PST_COMPLIANCE:-$B/compliance}
if [ -n "$REAL" ] && [ -d "$REAL/london" ] && [ -x "$B/mkcompliance" ]; then
  [ -f "$CSET/MANIFEST" ] || "$B/mkcompliance" "$REAL" "$CSET" >/dev/null 2>&1
  cfile=$(awk -F '\t' '$2 == "-" { print $1; exit }' "$CSET/MANIFEST" 2>/dev/null)
  if [ -n "$cfile" ]; then
    run "$PCX" --json "$CSET/$cfile"
    expect_rc "compliant $cfile" 0
    json_ok "compliant $cfile: all 25 checks, none fails" \
      "len(rs[0]['checks']) == 25 and all(x['status'] != 'fail' for x in rs[0]['checks']) and rs[0]['face'] is not None and len(rs[0]['eyes']) == 2"
  else
    bad "mkcompliance made no compliant photo in $CSET"
  fi
else
  skip "compliant real photo: needs PST_REAL and $B/mkcompliance"
fi

echo "cli: $npass passed, $nfail failed"
[ "$nfail" -eq 0 ]

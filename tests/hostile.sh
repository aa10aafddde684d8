#!/bin/sh
# Run the hostile corpus (tests/mkhostile.c) through the tools and assert:
# every file gets a named failure or a correct result within a time bound,
# RSS stays bounded, nothing is written outside OUTDIR, and the batch
# reports neutralise CSV formulas and escape HTML.
# Usage: hostile.sh quick|full|tsan   (PST_BUILD, PST_HOSTILE set by make)
# quick: photocheck on every file + one photobatch run (make check);
# full: also photofix on every file and photobatch with every roster;
# tsan: photobatch -j 8 over the corpus, built with -fsanitize=thread.
set -u
MODE=${1:-quick}
# Tools run from a scratch working directory: make both paths absolute.
B=$(cd "${PST_BUILD:?}" && pwd)
H=$(cd "${PST_HOSTILE:?}" && pwd)
T_BOUND=${PST_HOSTILE_SECONDS:-60}     # seconds per file, any tool
# 100 Mpx (the default limit) in RGB is 300 MB; the worst legitimate file
# here (8000x8000) takes 200 MB. 800 MB catches a limit that does not hold.
RSS_BOUND=${PST_HOSTILE_RSS_KB:-800000}
BATCH_BOUND=${PST_HOSTILE_BATCH_SECONDS:-300} # one photobatch run, all files
TIME=/usr/bin/time
[ -x $TIME ] || TIME=

S=$(mktemp -d "${TMPDIR:-/tmp}/hostile.XXXXXX")
trap 'chmod -R u+w "$S" 2>/dev/null; rm -rf "$S"' EXIT INT TERM
# OUTDIR sits four levels down, so "../../etc/x" from it still lands inside
# the sandbox, where the snapshot sees it.
OUT=$S/d1/d2/d3/out
mkdir -p "$S/in" "$OUT" "$S/log/rep" "$S/cwd"
cp -a "$H"/. "$S/in/"
rm -f "$S/in/.stamp"
mv "$S/in/MANIFEST" "$S/MANIFEST"
mkdir "$S/rosters" && mv "$S"/in/*.csv "$S/rosters/"
RES=$S/log/results.tsv
: >"$RES"
fails=0
nfiles=0

fail() {
  echo "FAIL: $*"
  fails=$((fails + 1))
}

snapshot() { # everything in the sandbox but OUTDIR, reports and logs
  (cd "$S" && find . -path ./d1/d2/d3/out -prune -o -path ./log -prune \
    -o -print0 | xargs -0 ls -ld --time-style=+%s 2>/dev/null | sort)
}

expect_of() { # NAME -> fail|any (MANIFEST escapes newlines as \n)
  N=$(printf '%s' "$1" | sed ':a;N;$!ba;s/\n/\\n/g') \
    awk -F'\t' '$1 == ENVIRON["N"] { print $2 }' "$S/MANIFEST"
}

# Run one command with a time bound; record seconds and peak RSS.
# measure TOOL NAME CMD...; sets rc, leaves stdout in $S/log/tmp.out
measure() {
  tool=$1 name=$2
  shift 2
  if [ -n "$TIME" ]; then
    (cd "$S/cwd" && $TIME -f '%e %M' -o "$S/log/tmp.time" \
      timeout -s KILL "${BOUND:-$T_BOUND}" "$@" >"$S/log/tmp.out" 2>"$S/log/tmp.err")
    rc=$?
    read -r secs rss <"$S/log/tmp.time" 2>/dev/null || secs=? rss=?
    # time(1) prints "Command exited..." first when the status is not 0.
    set -- $(tail -n 1 "$S/log/tmp.time")
    secs=${1:-?} rss=${2:-?}
  else
    (cd "$S/cwd" && timeout -s KILL "${BOUND:-$T_BOUND}" "$@" >"$S/log/tmp.out" 2>"$S/log/tmp.err")
    rc=$? secs=? rss=?
  fi
  printf '%s\t%s\t%s\t%s\n' "$tool" "$secs" "$rss" \
    "$(printf '%s' "$name" | tr '\n' '?')" >>"$RES"
  if [ "$rc" -ge 124 ]; then
    fail "$tool: $name: killed or crashed (status $rc, ${secs}s)"
    head -n 5 "$S/log/tmp.err"
  fi
  if [ "$rss" != "?" ] && [ "$rss" -gt "$RSS_BOUND" ]; then
    fail "$tool: $name: peak RSS $rss KB over $RSS_BOUND KB"
  fi
}

check_photocheck() { # PATH NAME EXPECT
  measure photocheck "$2" "$B/photocheck" --json "$1"
  [ "$rc" -ge 124 ] && return
  if [ "$rc" -ne 0 ] && [ "$rc" -ne 1 ]; then
    fail "photocheck: $2: exit $rc"
    return
  fi
  if [ "$(wc -l <"$S/log/tmp.out")" -ne 1 ] || ! grep -q '^{"file":' "$S/log/tmp.out"; then
    fail "photocheck: $2: not one JSON report line"
    return
  fi
  if [ "$3" = fail ] && ! grep -q '"pass":false' "$S/log/tmp.out"; then
    fail "photocheck: $2: hostile file passed"
  fi
  if grep -q '"pass":false' "$S/log/tmp.out" &&
    ! grep -q '"id":"[a-z.]*","status":"fail"' "$S/log/tmp.out"; then
    fail "photocheck: $2: rejected without a named failing check"
  fi
}

check_photofix() { # PATH NAME EXPECT
  measure photofix "$2" "$B/photofix" --json -d "$OUT" --force "$1"
  [ "$rc" -ge 124 ] && return
  if [ "$rc" -ne 0 ] && [ "$rc" -ne 1 ]; then
    fail "photofix: $2: exit $rc"
    return
  fi
  if ! grep -q '"ok":true' "$S/log/tmp.out" &&
    ! grep -q '"reason":"[a-z.]*"' "$S/log/tmp.out"; then
    fail "photofix: $2: neither fixed nor a named reason"
  fi
  if [ "$3" = fail ] && grep -q '"ok":true' "$S/log/tmp.out"; then
    fail "photofix: $2: hostile file was fixed"
  fi
}

# The reports of a batch: CSV cells never start a formula, HTML has no
# live markup from file names or roster cells, JSON parses.
check_reports() { # LABEL
  python3 - "$S/log/rep" "$1" <<'EOF' || fail "photobatch $1: reports"
import csv, json, re, sys, os
d, label = sys.argv[1], sys.argv[2]
bad = 0
num = re.compile(r'^-?[0-9]+(\.[0-9]+)?$')
with open(os.path.join(d, 'r.csv'), newline='', encoding='utf-8', errors='replace') as f:
    for row in csv.reader(f):
        for cell in row:
            if cell and cell[0] in '=+-@\t\r' and not num.match(cell):
                print('CSV formula cell not neutralised: %r' % cell); bad = 1
html = open(os.path.join(d, 'r.html'), encoding='utf-8', errors='replace').read()
for live in ('<script>alert', '<img src=x', 'onerror=alert(2)>'):
    if live in html:
        print('HTML not escaped: %r' % live); bad = 1
for line in open(os.path.join(d, 'r.json'), encoding='utf-8', errors='replace'):
    pass
try:
    json.load(open(os.path.join(d, 'r.json'), encoding='utf-8'))
except ValueError:
    # JSON Lines is accepted too.
    for line in open(os.path.join(d, 'r.json'), encoding='utf-8'):
        if line.strip():
            json.loads(line)
sys.exit(bad)
EOF
}

check_photobatch() { # ROSTER|"" LABEL JOBS
  rm -rf "$S/log/rep" && mkdir "$S/log/rep"
  BOUND=$BATCH_BOUND
  if [ -n "$1" ]; then
    measure photobatch "$2" "$B/photobatch" "$S/in" -o "$OUT" -j "$3" --force \
      --roster "$1" --name-by student_id --report "$S/log/rep/r.csv" \
      --report "$S/log/rep/r.html" --report "$S/log/rep/r.json"
  else
    measure photobatch "$2" "$B/photobatch" "$S/in" -o "$OUT" -j "$3" --force \
      --report "$S/log/rep/r.csv" --report "$S/log/rep/r.html" --report "$S/log/rep/r.json"
  fi
  BOUND=
  if [ "$rc" -ne 0 ] && [ "$rc" -ne 1 ]; then
    fail "photobatch $2: exit $rc"
    tail -n 5 "$S/log/tmp.err"
    return
  fi
  if grep -q 'ThreadSanitizer\|AddressSanitizer\|runtime error' "$S/log/tmp.err"; then
    fail "photobatch $2: sanitizer report"
    grep -A 12 'WARNING\|ERROR\|runtime error' "$S/log/tmp.err" | head -n 40
  fi
  check_reports "$2"
}

before=$(snapshot)
for f in "$S"/in/* "$S"/in/.[!.]*; do
  [ -e "$f" ] || [ -L "$f" ] || [ -p "$f" ] || continue
  name=${f##*/}
  exp=$(expect_of "$name")
  [ -n "$exp" ] || exp=any
  nfiles=$((nfiles + 1))
  case $MODE in
  quick | full)
    check_photocheck "$f" "$name" "$exp"
    # photocheck refuses PNG before decoding (CHSI wants JPEG), so the
    # library's own decoder is run on every regular file too.
    if [ -f "$f" ] && [ "$(stat -L -c %s "$f")" -le 67108864 ]; then
      measure load "$name" "$B/fuzz/replay_load" "$f"
      [ "$rc" -eq 0 ] || [ "$rc" -ge 124 ] || fail "load: $name: exit $rc"
    fi
    ;;
  esac
  [ "$MODE" = full ] && check_photofix "$f" "$name" "$exp"
done
# Ordinary files /dev/zero and a FIFO given directly, as a user could.
if [ "$MODE" != tsan ]; then
  check_photocheck /dev/zero /dev/zero fail
  nfiles=$((nfiles + 1))
fi

case $MODE in
quick) check_photobatch "$S/rosters/roster_formula.csv" formula 2 ;;
full)
  check_photobatch "" plain 2
  for r in "$S"/rosters/*.csv; do
    check_photobatch "$r" "$(basename "$r" .csv)" 2
  done
  ;;
tsan)
  # One run: TSan is 5-10x slower; the roster run covers the most paths.
  check_photobatch "$S/rosters/roster_traversal.csv" tsan-roster 8
  ;;
esac

after=$(snapshot)
if [ "$before" != "$after" ]; then
  fail "files changed outside OUTDIR:"
  printf '%s\n' "$before" >"$S/log/before"
  printf '%s\n' "$after" >"$S/log/after"
  diff "$S/log/before" "$S/log/after" | head -n 20
fi
# Nothing under OUTDIR may be a link out of it.
if [ -n "$(find "$OUT" -type l)" ]; then
  fail "symbolic links written into OUTDIR"
fi

echo "hostile ($MODE): $nfiles inputs, $(wc -l <"$RES") runs, $fails failures"
if [ -n "$TIME" ]; then
  echo "worst time: $(sort -t"$(printf '\t')" -k2,2 -g "$RES" | tail -n 1)"
  echo "worst RSS (KB): $(sort -t"$(printf '\t')" -k3,3 -n "$RES" | tail -n 1)"
  # Per tool: photocheck and photofix run one file each, photobatch the
  # whole corpus.
  for t in photocheck photofix photobatch; do
    LC_ALL=C awk -F '\t' -v t="$t" '$1 == t {
      if ($2 + 0 >= tm) { tm = $2 + 0; tn = $4 }
      if ($3 + 0 >= rm) { rm = $3 + 0; rn = $4 }
      n++ }
      END { if (n) printf "  %s: worst time %.2f s (%s), worst RSS %d KB (%s)\n", t, tm, tn, rm, rn }' "$RES"
  done
fi
[ -n "${PST_HOSTILE_RESULTS:-}" ] && cp "$RES" "$PST_HOSTILE_RESULTS"
[ "$fails" -eq 0 ]

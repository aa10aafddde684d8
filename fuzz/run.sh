#!/bin/sh
# Run libFuzzer targets for SECONDS each, JOBS at a time, and print each
# one's executions per second and coverage. A crash, leak, timeout or
# out-of-memory fails the run; the input is kept in
# $B/fuzz/artifacts/<target>/ (add it to fuzz/regress/<target>/).
# Usage: run.sh BUILDDIR SECONDS JOBS TARGET...
set -eu
B=$1 SECONDS_EACH=$2 JOBS=$3
shift 3

one() { # TARGET
  t=$1
  work=$B/fuzz/work/$t art=$B/fuzz/artifacts/$t log=$B/fuzz/$t.log
  mkdir -p "$work" "$art"
  # photofix and the content checks take ~1 s per photo uninstrumented and
  # 20x that under ASan and coverage on a loaded machine: not a hang.
  case $t in profile | roster) max_len=4096 tmo=25 ;; load) max_len=65536 tmo=25 ;;
  *) max_len=65536 tmo=300 ;; esac
  if nice -n 10 "$B/fuzz/fuzz_$t" -max_total_time="$SECONDS_EACH" \
    -rss_limit_mb=2048 -malloc_limit_mb=2048 -timeout=$tmo -max_len=$max_len \
    -print_final_stats=1 -artifact_prefix="$art/" \
    "$work" "$B/fuzz/seeds/$t" >"$log" 2>&1; then
    rc=0
  else
    rc=$?
  fi
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  eps=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
  rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log")
  echo "fuzz_$t: rc=$rc seconds=$SECONDS_EACH execs=${execs:-?} exec/s=${eps:-?} cov=${cov:-?} ft=${ft:-?} peak_rss_mb=${rss:-?}"
  if [ "$rc" -ne 0 ]; then
    grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error)' "$log" | head -5
    ls "$art"
  fi
  return "$rc"
}

if [ "${1:-}" = --one ]; then
  one "$2"
  exit $?
fi
fail=0
printf '%s\n' "$@" | xargs -P "$JOBS" -I{} sh "$0" "$B" "$SECONDS_EACH" "$JOBS" --one {} || fail=1
exit $fail

#!/bin/sh
# Reproducer: photobatch blocks forever on a FIFO in the input folder.
# cmd/batch/work.c read_input() opens every input with open(O_RDONLY)
# before the fstat() type check; a FIFO with no writer blocks in open().
# lib/file.c avoids this with O_NONBLOCK. Expect: the FIFO is a failed
# input and photobatch exits 1 within seconds.
# Usage: PST_BUILD=build sh tests/hostile/batch_fifo.sh
B=${PST_BUILD:-build}
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
mkdir "$d/in"
mkfifo "$d/in/pipe.jpg"
timeout -s KILL 20 "$B/photobatch" "$d/in" --check-only -q -j 1
rc=$?
if [ $rc -ge 124 ]; then
  echo "FAIL: photobatch hung on a FIFO input (killed after 20 s)"
  exit 1
fi
echo "ok: photobatch exit $rc on a FIFO input"

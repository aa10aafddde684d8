#!/bin/sh
# Build the seed corpora in $B/fuzz/seeds/<target>/ from the project's own
# generated fixtures, hostile files, profiles and regression inputs.
# Usage: seeds.sh BUILDDIR "TARGET..."
set -eu
B=$1
NAMES=$2
copy_small() { # SRCDIR MAXBYTES DEST: regular images up to MAXBYTES; the
  # seeds get plain names (the hostile names are tested elsewhere).
  find "$1" -maxdepth 1 -type f -size -"$2"c \( -name '*.jpg' -o -name '*.png' \) \
    -exec sh -c 'for f; do cp "$f" "$0/$(cksum <"$f" | cut -d" " -f1)"; done' "$3" {} + \
    2>/dev/null || true
}
for t in $NAMES; do
  d=$B/fuzz/seeds/$t
  rm -rf "$d" && mkdir -p "$d"
  case $t in
  load | check | fix)
    # Small seeds keep executions fast; the bombs stay in the hostile run.
    max=20000
    [ "$t" = load ] && max=65536
    copy_small "$B/fixtures" $max "$d"
    copy_small "$B/hostile" $max "$d"
    ;;
  profile)
    cp testdata/profiles/*.conf "$d/"
    printf 'base = chsi-intake\nwidth = 360\nheight = 480\n' >"$d/intake.conf"
    printf 'base = icao\nbg_rgb = 255,255,255\nmin_kb = 10\nmax_kb = 2048\n' >"$d/icao.conf"
    ;;
  roster)
    for f in "$B"/hostile/*.csv; do [ -f "$f" ] && cp "$f" "$d/"; done
    printf 'student_id,name,id_number,file\n2023001,Li,11010519491231002X,a.jpg\n' >"$d/plain.csv"
    printf '\357\273\277\345\255\246\345\217\267,\345\247\223\345\220\215\r\n1,"a,""b"""\r\n' >"$d/bom.csv"
    ;;
  esac
  if [ -d "fuzz/regress/$t" ]; then
    for f in fuzz/regress/"$t"/*; do [ -f "$f" ] && cp "$f" "$d/"; done
  fi
  echo "  SEEDS   $d: $(ls "$d" | wc -l) files"
done

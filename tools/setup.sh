#!/bin/sh
# Set up a Debian machine for photostd, build it, and run it on sample photos.
#   sh tools/setup.sh
# Installs missing Debian packages when run as root; otherwise prints the
# exact apt-get line to run and stops. Nothing is downloaded except Debian
# packages: the sample portrait comes from Debian's facedetect package
# (unpacked into build/samples, not installed, so OpenCV's Python stack is
# not pulled in).
set -eu

PKGS="gcc make pkg-config libjpeg62-turbo-dev libpng-dev libexif-dev nettle-dev check opencv-data"
B=${B:-build}

missing=""
for p in $PKGS; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
    missing="$missing $p"
  fi
done

if [ -n "$missing" ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "photostd needs these Debian packages:$missing" >&2
    echo "Run as root:  apt-get update && apt-get install -y$missing" >&2
    exit 1
  fi
  echo "Installing:$missing"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing
fi

make -s B="$B"

samples="$B/samples"
if [ ! -f "$samples/grace_hopper_512x512.jpg" ]; then
  mkdir -p "$samples/deb"
  (cd "$samples/deb" && apt-get download facedetect >/dev/null) || {
    echo "setup: could not download Debian's facedetect package for the sample photo" >&2
    exit 1
  }
  dpkg-deb -x "$samples"/deb/facedetect_*.deb "$samples/deb/root"
  cp "$samples"/deb/root/usr/share/doc/facedetect/examples/*.jpg "$samples/"
  rm -rf "$samples/deb"
fi
# Photos the project draws itself: a compliant-format file and broken ones.
make -s B="$B" "$B/fixtures/.stamp"
cp "$B/fixtures/good.jpg" "$B/fixtures/trunc_50.jpg" "$B/fixtures/png_named.jpg" "$samples/"

echo
echo "== photocheck on the sample photos ($samples) =="
set +e
"$B/photocheck" "$samples"/*.jpg
status=$?
set -e
echo
echo "photocheck exit status: $status (0 all pass, 1 some photo fails a check)"

# photofix on the same photos: each portrait it can fix becomes a 480x640
# light-blue CHSI photo in $samples/fixed; the others are refused with the
# reason (a face it cannot make pass, no face, not an image).
echo
echo "== photofix on the sample photos (into $samples/fixed) =="
mkdir -p "$samples/fixed"
set +e
"$B/photofix" --force -d "$samples/fixed" "$samples"/*.jpg
status=$?
set -e
echo
echo "photofix exit status: $status (0 all fixed, 1 some photo could not be fixed)"
echo "Built tools are in $B/; 'make install' puts them in /usr/local."

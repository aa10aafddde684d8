#!/bin/sh
# make install into a DESTDIR, then build a tiny program against the
# installed header and `pkg-config photostd`, run it, and uninstall.
set -eu
B=${PST_BUILD:-build}
MAKE=${MAKE:-make}
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT

$MAKE -s B="$B" install DESTDIR="$root" PREFIX=/usr >/dev/null
for f in usr/bin/photocheck usr/include/photostd.h usr/lib/libphotostd.a \
         usr/lib/libphotostd.so usr/lib/pkgconfig/photostd.pc \
         usr/share/man/man1/photocheck.1; do
  [ -e "$root/$f" ] || { echo "install: $f missing"; exit 1; }
done
soname=$(readelf -d "$root/usr/lib/libphotostd.so" | sed -n 's/.*SONAME.*\[\(.*\)\]/\1/p')
[ "$soname" = "libphotostd.so.0" ] || { echo "install: soname is '$soname'"; exit 1; }

cat > "$root/hello.c" <<'C'
#include <photostd.h>
#include <stdio.h>
#include <string.h>
int main(void) {
  pst_profile *p = NULL;
  if (pst_profile_builtin("chsi", &p) != PST_OK) return 1;
  printf("photostd %s profile %s\n", pst_version(), pst_profile_name(p));
  pst_profile_destroy(p);
  return strcmp(pst_version(), PST_VERSION_STRING) != 0;
}
C
export PKG_CONFIG_PATH="$root/usr/lib/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$root"
${CC:-cc} ${LDFLAGS:-} -o "$root/hello" "$root/hello.c" $(pkg-config --cflags --libs photostd)
LD_LIBRARY_PATH="$root/usr/lib" "$root/hello" | grep -q "profile chsi" ||
  { echo "install: program against the installed library failed"; exit 1; }
# Hidden symbols stay hidden: only pst_ names are exported.
if nm -D --defined-only "$root/usr/lib/libphotostd.so" | awk '{print $3}' | grep -v '^pst_' | grep -q .; then
  echo "install: the shared library exports non-pst_ symbols:"
  nm -D --defined-only "$root/usr/lib/libphotostd.so" | awk '{print $3}' | grep -v '^pst_' | head
  exit 1
fi
$MAKE -s B="$B" uninstall DESTDIR="$root" PREFIX=/usr >/dev/null
left=$(find "$root/usr" -type f | wc -l)
[ "$left" -eq 0 ] || { echo "install: uninstall left $left files"; find "$root/usr" -type f; exit 1; }
echo "install: 1 passed, 0 failed"

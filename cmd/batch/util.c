/* Small text and path helpers for photobatch. */
#include "batch.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void grow(sbuf *b, size_t extra) {
  size_t cap;
  char *p;
  if (b->oom || b->len + extra + 1 <= b->cap) return;
  cap = b->cap ? b->cap : 256;
  while (cap < b->len + extra + 1) cap *= 2;
  if (!(p = realloc(b->data, cap))) {
    b->oom = 1;
    return;
  }
  b->data = p;
  b->cap = cap;
}

void sb_add(sbuf *b, const char *s, size_t n) {
  grow(b, n);
  if (b->oom) return;
  memcpy(b->data + b->len, s, n);
  b->len += n;
  b->data[b->len] = '\0';
}

void sb_puts(sbuf *b, const char *s) { sb_add(b, s, strlen(s)); }

void sb_printf(sbuf *b, const char *fmt, ...) {
  va_list ap;
  int n;
  va_start(ap, fmt);
  n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  grow(b, (size_t)n);
  if (b->oom) return;
  va_start(ap, fmt);
  vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
  va_end(ap);
  b->len += (size_t)n;
}

static size_t utf8_len(const unsigned char *s) {
  size_t len, i;
  if (s[0] < 0x80) return 1;
  if (s[0] >= 0xC2 && s[0] <= 0xDF)
    len = 2;
  else if (s[0] >= 0xE0 && s[0] <= 0xEF)
    len = 3;
  else if (s[0] >= 0xF0 && s[0] <= 0xF4)
    len = 4;
  else
    return 0;
  for (i = 1; i < len; i++)
    if ((s[i] & 0xC0) != 0x80) return 0;
  return len;
}

void sb_json_str(sbuf *b, const char *s) {
  const unsigned char *p = (const unsigned char *)(s ? s : "");
  sb_add(b, "\"", 1);
  while (*p) {
    size_t k = utf8_len(p);
    if (*p == '"' || *p == '\\')
      sb_printf(b, "\\%c", *p), k = 1;
    else if (*p < 0x20 || *p == 0x7F)
      sb_printf(b, "\\u%04x", *p), k = 1;
    else if (!k)
      sb_printf(b, "\\u%04x", *p), k = 1;
    else
      sb_add(b, (const char *)p, k);
    p += k;
  }
  sb_add(b, "\"", 1);
}

void sb_free(sbuf *b) {
  free(b->data);
  memset(b, 0, sizeof *b);
}

static void oom(void) {
  fputs(BATCH_PROG ": out of memory\n", stderr);
  exit(3);
}

char *xstrdup(const char *s) {
  char *d = strdup(s ? s : "");
  if (!d) oom();
  return d;
}

void *xcalloc(size_t n, size_t size) {
  void *p = calloc(n ? n : 1, size ? size : 1);
  if (!p) oom();
  return p;
}

void hex_encode(const uint8_t *p, size_t n, char *out) {
  static const char hx[] = "0123456789abcdef";
  for (size_t i = 0; i < n; i++) {
    out[2 * i] = hx[p[i] >> 4];
    out[2 * i + 1] = hx[p[i] & 15];
  }
  out[2 * n] = '\0';
}

char *path_join(const char *a, const char *b) {
  size_t la = strlen(a), lb = strlen(b);
  char *p = xcalloc(la + lb + 2, 1);
  memcpy(p, a, la);
  if (la && a[la - 1] != '/') p[la++] = '/';
  memcpy(p + la, b, lb + 1);
  return p;
}

int mkdirs_for(const char *path) {
  char *p = xstrdup(path), *s;
  int rc = 0;
  for (s = p + 1; (s = strchr(s, '/')) != NULL; s++) {
    *s = '\0';
    if (mkdir(p, 0777) != 0 && errno != EEXIST) rc = -1;
    *s = '/';
  }
  free(p);
  return rc;
}

/* A growable string buffer and JSON text helpers. An allocation failure
 * sets `oom` and turns later appends into no-ops, so callers check once. */
#include "internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void pst__buf_init(pst_buf *b) { memset(b, 0, sizeof *b); }

void pst__buf_free(pst_buf *b) {
  free(b->data);
  pst__buf_init(b);
}

static int reserve(pst_buf *b, size_t extra) {
  size_t need, cap;
  char *p;
  if (b->oom) return 0;
  need = b->len + extra + 1;
  if (need <= b->cap) return 1;
  cap = b->cap ? b->cap : 256;
  while (cap < need) cap *= 2;
  p = realloc(b->data, cap);
  if (!p) {
    b->oom = 1;
    return 0;
  }
  b->data = p;
  b->cap = cap;
  return 1;
}

void pst__buf_add(pst_buf *b, const char *s, size_t n) {
  if (!reserve(b, n)) return;
  memcpy(b->data + b->len, s, n);
  b->len += n;
  b->data[b->len] = '\0';
}

void pst__buf_puts(pst_buf *b, const char *s) { pst__buf_add(b, s, strlen(s)); }

void pst__buf_printf(pst_buf *b, const char *fmt, ...) {
  va_list ap;
  int n;
  va_start(ap, fmt);
  n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (n < 0 || !reserve(b, (size_t)n)) return;
  va_start(ap, fmt);
  vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
  va_end(ap);
  b->len += (size_t)n;
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if invalid. */
static size_t utf8_len(const unsigned char *s) {
  if (s[0] < 0x80) return 1;
  if (s[0] >= 0xC2 && s[0] <= 0xDF) return (s[1] & 0xC0) == 0x80 ? 2 : 0;
  if (s[0] >= 0xE0 && s[0] <= 0xEF) {
    if ((s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80) return 0;
    if (s[0] == 0xE0 && s[1] < 0xA0) return 0;  /* overlong */
    if (s[0] == 0xED && s[1] >= 0xA0) return 0; /* surrogate */
    return 3;
  }
  if (s[0] >= 0xF0 && s[0] <= 0xF4) {
    if ((s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 || (s[3] & 0xC0) != 0x80)
      return 0;
    if (s[0] == 0xF0 && s[1] < 0x90) return 0;
    if (s[0] == 0xF4 && s[1] >= 0x90) return 0;
    return 4;
  }
  return 0;
}

void pst__buf_json_str(pst_buf *b, const char *str) {
  const unsigned char *s = (const unsigned char *)(str ? str : "");
  pst__buf_add(b, "\"", 1);
  while (*s) {
    size_t n = utf8_len(s);
    if (n == 0) {
      /* Not UTF-8: keep the byte visible and the JSON valid. */
      pst__buf_printf(b, "\\u%04x", *s);
      s++;
    } else if (n > 1) {
      pst__buf_add(b, (const char *)s, n);
      s += n;
    } else {
      switch (*s) {
      case '"': pst__buf_add(b, "\\\"", 2); break;
      case '\\': pst__buf_add(b, "\\\\", 2); break;
      case '\n': pst__buf_add(b, "\\n", 2); break;
      case '\r': pst__buf_add(b, "\\r", 2); break;
      case '\t': pst__buf_add(b, "\\t", 2); break;
      default:
        if (*s < 0x20 || *s == 0x7f)
          pst__buf_printf(b, "\\u%04x", *s);
        else
          pst__buf_add(b, (const char *)s, 1);
      }
      s++;
    }
  }
  pst__buf_add(b, "\"", 1);
}

void pst__buf_json_num(pst_buf *b, double v) {
  if (!isfinite(v))
    pst__buf_puts(b, "null");
  else if (v == floor(v) && fabs(v) < 1e15)
    pst__buf_printf(b, "%.0f", v);
  else
    pst__buf_printf(b, "%.6g", v);
}

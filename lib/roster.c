/* Roster (class list) CSV: RFC 4180 fields, UTF-8 or GB18030, header
 * mapping in English or Chinese, plus the ID-number and safe-name checks
 * a batch needs before a roster value may become a file name. */
#include "internal.h"

#include <errno.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>

enum { COL_SID, COL_NAME, COL_IDNO, COL_FILE, NCOLS };

typedef struct row {
  char *v[NCOLS];
  int line;
} row;

struct pst_roster {
  row *rows;
  int n, cap;
  const char *encoding;
};

/* ---- encoding ---- */

static size_t utf8_seq(const unsigned char *s, size_t n) {
  unsigned c = s[0];
  size_t len, i;
  unsigned cp;
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF)
    len = 2, cp = c & 0x1F;
  else if (c >= 0xE0 && c <= 0xEF)
    len = 3, cp = c & 0x0F;
  else if (c >= 0xF0 && c <= 0xF4)
    len = 4, cp = c & 0x07;
  else
    return 0;
  if (n < len) return 0;
  for (i = 1; i < len; i++) {
    if ((s[i] & 0xC0) != 0x80) return 0;
    cp = cp << 6 | (s[i] & 0x3F);
  }
  /* Overlong forms, surrogates and values past U+10FFFF are not UTF-8. */
  if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
      (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
    return 0;
  return len;
}

static int utf8_valid(const unsigned char *s, size_t n) {
  size_t i = 0, k;
  while (i < n) {
    if (!(k = utf8_seq(s + i, n - i))) return 0;
    i += k;
  }
  return 1;
}

/* GB18030 to UTF-8 with glibc's iconv; a UTF-8 character takes at most
 * 4 bytes and a GB18030 one at least 1, so 4n + 1 bytes always suffice. */
static pst_err from_gb18030(const char *in, size_t n, char **out,
                            size_t *out_len) {
  iconv_t cd = iconv_open("UTF-8", "GB18030");
  char *buf = NULL, *ip = (char *)(uintptr_t)in, *op;
  size_t il = n, ol = 4 * n + 1;
  pst_err err = PST_ERR_UNSUPPORTED;
  if (cd == (iconv_t)-1) return PST_ERR_UNSUPPORTED;
  buf = malloc(ol);
  if (!buf) {
    err = PST_ERR_NOMEM;
    goto out;
  }
  op = buf;
  if (iconv(cd, &ip, &il, &op, &ol) == (size_t)-1) goto out;
  *out_len = (size_t)(op - buf);
  *op = '\0';
  *out = buf;
  buf = NULL;
  err = PST_OK;
out:
  free(buf);
  iconv_close(cd);
  return err;
}

/* ---- CSV ---- */

typedef struct csv {
  const char *p, *end;
  int line;
} csv;

/* One field into `b`; returns 1 at the end of a record, 0 when another
 * field follows, -1 on an unterminated quote. */
static int csv_field(csv *c, pst_buf *b) {
  b->len = 0;
  pst__buf_add(b, "", 0);
  if (c->p < c->end && *c->p == '"') {
    c->p++;
    for (;;) {
      if (c->p >= c->end) return -1;
      if (*c->p == '"') {
        if (c->p + 1 < c->end && c->p[1] == '"') {
          pst__buf_add(b, "\"", 1);
          c->p += 2;
          continue;
        }
        c->p++;
        break;
      }
      if (*c->p == '\n') c->line++;
      pst__buf_add(b, c->p++, 1);
    }
  }
  /* Text after a closing quote is kept, as spreadsheet programs do. */
  while (c->p < c->end && *c->p != ',' && *c->p != '\n' && *c->p != '\r')
    pst__buf_add(b, c->p++, 1);
  if (c->p < c->end && *c->p == ',') {
    c->p++;
    return 0;
  }
  if (c->p < c->end && *c->p == '\r') c->p++;
  if (c->p < c->end && *c->p == '\n') c->p++;
  c->line++;
  return 1;
}

static void trim(char *s) {
  size_t n = strlen(s), i = 0;
  while (n && (s[n - 1] == ' ' || s[n - 1] == '\t')) s[--n] = '\0';
  while (s[i] == ' ' || s[i] == '\t') i++;
  memmove(s, s + i, n - i + 1);
}

static int header_col(const char *h) {
  static const char *const names[NCOLS][3] = {
      {"student_id", "学号", "studentid"},
      {"name", "姓名", "student_name"},
      {"id_number", "身份证号", "idnumber"},
      {"file", "文件名", "filename"},
  };
  for (int c = 0; c < NCOLS; c++)
    for (int k = 0; k < 3; k++)
      if (!strcasecmp(h, names[c][k])) return c;
  return -1;
}

static pst_err add_row(pst_roster *r, row *rw) {
  if (r->n == r->cap) {
    int cap = r->cap ? r->cap * 2 : 32;
    row *nr = realloc(r->rows, (size_t)cap * sizeof *nr);
    if (!nr) return PST_ERR_NOMEM;
    r->rows = nr;
    r->cap = cap;
  }
  r->rows[r->n++] = *rw;
  return PST_OK;
}

static void row_free(row *rw) {
  for (int c = 0; c < NCOLS; c++) free(rw->v[c]);
}

/* Reads the header into map[field index] = column; -1 for ignored. */
static pst_err read_header(csv *c, pst_buf *b, int *map, int max, int *nfields,
                           pst_errinfo *detail) {
  int k = 0, end = 0, seen = 0;
  while (!end) {
    end = csv_field(c, b);
    if (end < 0 || b->oom)
      return pst__fail(detail, PST_ERR_PARSE,
                       "roster: unterminated quote in the header");
    trim(b->data);
    if (k < max) {
      map[k] = header_col(b->data);
      if (map[k] >= 0) seen |= 1 << map[k];
    }
    k++;
  }
  *nfields = k;
  if (!(seen & (1 << COL_SID | 1 << COL_IDNO | 1 << COL_FILE)))
    return pst__fail(detail, PST_ERR_PARSE,
                     "roster: line 1: the header names none of student_id, "
                     "id_number, file (学号, 身份证号, 文件名)");
  return PST_OK;
}

static int row_empty(const row *rw) {
  for (int c = 0; c < NCOLS; c++)
    if (rw->v[c] && rw->v[c][0]) return 0;
  return 1;
}

static pst_err read_row(csv *c, pst_buf *b, const int *map, int max, row *rw,
                        pst_errinfo *detail) {
  int k = 0, end = 0, line = c->line;
  memset(rw, 0, sizeof *rw);
  rw->line = line;
  while (!end) {
    end = csv_field(c, b);
    if (end < 0)
      return pst__fail(detail, PST_ERR_PARSE,
                       "roster: line %d: unterminated quote", line);
    if (b->oom) return PST_ERR_NOMEM;
    trim(b->data);
    if (k < max && map[k] >= 0 && !rw->v[map[k]]) {
      rw->v[map[k]] = strdup(b->data);
      if (!rw->v[map[k]]) return PST_ERR_NOMEM;
    }
    k++;
  }
  for (int col = 0; col < NCOLS; col++)
    if (!rw->v[col] && !(rw->v[col] = strdup(""))) return PST_ERR_NOMEM;
  return PST_OK;
}

static pst_err parse_utf8(pst_roster *r, const char *s, size_t n,
                          pst_errinfo *detail) {
  enum { MAXF = 256 };
  int map[MAXF], nf = 0;
  csv c = {s, s + n, 1};
  pst_buf b;
  row rw;
  pst_err err;
  pst__buf_init(&b);
  for (int i = 0; i < MAXF; i++) map[i] = -1;
  err = read_header(&c, &b, map, MAXF, &nf, detail);
  while (!err && c.p < c.end) {
    err = read_row(&c, &b, map, MAXF, &rw, detail);
    if (!err && row_empty(&rw)) {
      row_free(&rw);
      continue;
    }
    if (!err) err = add_row(r, &rw);
    if (err) row_free(&rw);
  }
  pst__buf_free(&b);
  return err;
}

pst_err pst_roster_parse(const void *buf, size_t len, pst_roster **out,
                         pst_errinfo *detail) {
  const char *s = buf;
  char *conv = NULL;
  size_t n = len;
  pst_roster *r = NULL;
  pst_err err;
  if (!out || (!buf && len)) return PST_ERR_ARG;
  *out = NULL;
  if (!(r = calloc(1, sizeof *r))) return PST_ERR_NOMEM;
  r->encoding = "UTF-8";
  if (n >= 3 && !memcmp(s, "\xEF\xBB\xBF", 3)) s += 3, n -= 3;
  if (!utf8_valid((const unsigned char *)s, n)) {
    err = from_gb18030(s, n, &conv, &n);
    if (err) {
      pst__fail(detail, err, "roster: the text is neither UTF-8 nor GB18030");
      goto out;
    }
    s = conv;
    /* A BOM that went through the conversion is U+FEFF, now in UTF-8. */
    if (n >= 3 && !memcmp(s, "\xEF\xBB\xBF", 3)) s += 3, n -= 3;
    r->encoding = "GB18030";
  }
  err = parse_utf8(r, s, n, detail);
out:
  free(conv);
  if (err)
    pst_roster_destroy(r);
  else
    *out = r;
  return err;
}

pst_err pst_roster_load(const char *path, pst_roster **out,
                        pst_errinfo *detail) {
  uint8_t *buf = NULL;
  size_t len = 0;
  pst_err err;
  if (!path || !out) return PST_ERR_ARG;
  *out = NULL;
  err = pst__read_file(path, 64u << 20, &buf, &len, detail);
  if (!err) err = pst_roster_parse(buf, len, out, detail);
  free(buf);
  return err;
}

void pst_roster_destroy(pst_roster *r) {
  if (!r) return;
  for (int i = 0; i < r->n; i++) row_free(&r->rows[i]);
  free(r->rows);
  free(r);
}

int pst_roster_count(const pst_roster *r) { return r ? r->n : 0; }

pst_err pst_roster_get(const pst_roster *r, int i, pst_roster_row *out) {
  if (!r || !out) return PST_ERR_ARG;
  if (i < 0 || i >= r->n) return PST_ERR_RANGE;
  out->student_id = r->rows[i].v[COL_SID];
  out->name = r->rows[i].v[COL_NAME];
  out->id_number = r->rows[i].v[COL_IDNO];
  out->file = r->rows[i].v[COL_FILE];
  out->line = r->rows[i].line;
  return PST_OK;
}

const char *pst_roster_encoding(const pst_roster *r) {
  return r ? r->encoding : "UTF-8";
}

/* ---- validation ---- */

int pst_idnumber_valid(const char *s) {
  static const int w[17] = {7, 9, 10, 5,  8, 4, 2, 1, 6,
                            3, 7, 9,  10, 5, 8, 4, 2};
  static const char check[] = "10X98765432";
  int sum = 0;
  if (!s || strlen(s) != 18) return 0;
  for (int i = 0; i < 17; i++) {
    if (s[i] < '0' || s[i] > '9') return 0;
    sum += (s[i] - '0') * w[i];
  }
  return (s[17] == 'x' ? 'X' : s[17]) == check[sum % 11];
}

int pst_name_safe(const char *s) {
  size_t n;
  if (!s || !s[0] || s[0] == '.' || s[0] == '-') return 0;
  n = strlen(s);
  if (n > 200 || !utf8_valid((const unsigned char *)s, n)) return 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c < 0x20 || c == 0x7F || c == '/' || c == '\\') return 0;
  }
  return 1;
}

/* Roster rows for photos, output names, and the roster problems. */
#include "batch.h"

#include <stdlib.h>
#include <string.h>

static int is_word(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
         (c >= 'A' && c <= 'Z');
}

/* `needle` in `hay` as a whole token: "2021001" is in "2021001_张三.jpg"
 * but not in "20210015.jpg". */
static int has_token(const char *hay, const char *needle) {
  size_t n = strlen(needle);
  if (!n) return 0;
  for (const char *p = hay; (p = strstr(p, needle)) != NULL; p++)
    if ((p == hay || !is_word(p[-1])) && !is_word(p[n])) return 1;
  return 0;
}

static const char *base_of(const char *rel) {
  const char *s = strrchr(rel, '/');
  return s ? s + 1 : rel;
}

static int match_one(const pst_roster *r, const char *rel) {
  pst_roster_row row;
  int n = pst_roster_count(r), i;
  for (i = 0; i < n; i++)
    if (!pst_roster_get(r, i, &row) && row.file[0] &&
        (!strcmp(row.file, rel) || !strcmp(row.file, base_of(rel))))
      return i;
  for (i = 0; i < n; i++)
    if (!pst_roster_get(r, i, &row) && has_token(base_of(rel), row.id_number))
      return i;
  for (i = 0; i < n; i++)
    if (!pst_roster_get(r, i, &row) && has_token(base_of(rel), row.student_id))
      return i;
  return -1;
}

void batch_match_roster(batch *b) {
  if (!b->roster) return;
  for (int i = 0; i < b->n; i++)
    b->items[i].row = match_one(b->roster, b->items[i].rel);
}

/* The input's relative path with ".jpg" for its extension; ".." parts (from
 * --files-from) are dropped so an output never leaves OUTDIR. */
static char *original_name(const char *rel) {
  sbuf s = {0};
  const char *p = rel, *dot;
  char *out;
  while (*p) {
    const char *e = strchr(p, '/');
    size_t n = e ? (size_t)(e - p) : strlen(p);
    if (n && !(n == 1 && p[0] == '.') && !(n == 2 && !strncmp(p, "..", 2))) {
      if (s.len) sb_add(&s, "/", 1);
      sb_add(&s, p, n);
    }
    p += n + (e ? 1 : 0);
  }
  if (!s.len) sb_puts(&s, "photo");
  dot = strrchr(s.data, '.');
  if (dot && !strchr(dot, '/') && dot != s.data && dot[-1] != '/')
    s.len = (size_t)(dot - s.data);
  sb_add(&s, ".jpg", 4);
  out = xstrdup(s.data);
  sb_free(&s);
  return out;
}

static char *roster_name(const batch *b, const item *it) {
  pst_roster_row row;
  const char *v;
  if (it->row < 0 || pst_roster_get(b->roster, it->row, &row)) return NULL;
  v = b->o->name_by == NAME_ID_NUMBER ? row.id_number : row.student_id;
  if (b->o->name_by == NAME_ID_NUMBER && !pst_idnumber_valid(v)) return NULL;
  /* A roster value is never trusted as a path: it must be one safe name. */
  if (!pst_name_safe(v)) return NULL;
  return xstrdup(v);
}

static int taken(const batch *b, int upto, const char *name) {
  for (int i = 0; i < upto; i++)
    if (b->items[i].outname && !strcmp(b->items[i].outname, name)) return 1;
  return 0;
}

void batch_plan_outputs(batch *b) {
  if (b->o->check_only) return;
  for (int i = 0; i < b->n; i++) {
    item *it = &b->items[i];
    char *stem = NULL, *name;
    size_t len;
    if (b->o->name_by != NAME_ORIGINAL) {
      char *v = roster_name(b, it);
      if (v) {
        stem = xcalloc(strlen(v) + 8, 1);
        strcpy(stem, v);
        strcat(stem, ".jpg");
        free(v);
      }
    }
    if (!stem) stem = original_name(it->rel);
    name = xstrdup(stem);
    len = strlen(stem) - 4;
    /* Two photos for one name (one row matched twice, a.png + a.jpg): the
     * later in input order gets ~2, ~3... */
    for (int k = 2; taken(b, i, name); k++) {
      free(name);
      name = xcalloc(len + 24, 1);
      snprintf(name, len + 24, "%.*s~%d.jpg", (int)len, stem, k);
    }
    free(stem);
    it->outname = name;
  }
}

rrow *roster_rows(const pst_roster *r, int *n) {
  rrow *rows;
  pst_roster_row row;
  *n = pst_roster_count(r);
  rows = xcalloc((size_t)*n, sizeof *rows);
  for (int i = 0; i < *n; i++) {
    pst_roster_get(r, i, &row);
    rows[i].sid = row.student_id;
    rows[i].name = row.name;
    rows[i].idno = row.id_number;
    rows[i].line = row.line;
  }
  return rows;
}

static int matches_of(item **items, int n, int line) {
  int c = 0;
  for (int i = 0; i < n; i++)
    if (items[i]->dom &&
        (int)json_num(items[i]->dom, "roster_line", -1) == line)
      c++;
  return c;
}

static void list_start(sbuf *s, const char *key, int *first) {
  sb_printf(s, ",\"%s\":[", key);
  *first = 1;
}

static void list_add(sbuf *s, const char *v, int *first) {
  if (!*first) sb_add(s, ",", 1);
  *first = 0;
  sb_json_str(s, v);
}

char *roster_section_json(const rrow *rows, int nrows, item **items, int n) {
  sbuf s = {0};
  int first, i, j;
  sb_puts(&s, "{\"rows\":[");
  for (i = 0; i < nrows; i++) {
    sb_puts(&s, i ? ",{\"student_id\":" : "{\"student_id\":");
    sb_json_str(&s, rows[i].sid);
    sb_puts(&s, ",\"name\":");
    sb_json_str(&s, rows[i].name);
    sb_puts(&s, ",\"id_number\":");
    sb_json_str(&s, rows[i].idno);
    sb_printf(&s, ",\"line\":%d}", rows[i].line);
  }
  sb_add(&s, "]", 1);
  list_start(&s, "rows_without_photo", &first);
  for (i = 0; i < nrows; i++)
    if (!matches_of(items, n, rows[i].line)) list_add(&s, rows[i].sid, &first);
  sb_add(&s, "]", 1);
  list_start(&s, "photos_without_row", &first);
  for (i = 0; i < n; i++)
    if (items[i]->dom && json_num(items[i]->dom, "roster_line", -1) < 0)
      list_add(&s, json_str(items[i]->dom, "input"), &first);
  sb_add(&s, "]", 1);
  list_start(&s, "invalid_id_numbers", &first);
  for (i = 0; i < nrows; i++)
    if (rows[i].idno[0] && !pst_idnumber_valid(rows[i].idno))
      list_add(&s, rows[i].sid, &first);
  sb_add(&s, "]", 1);
  list_start(&s, "shared_id_numbers", &first);
  for (i = 0; i < nrows; i++)
    for (j = 0; j < nrows; j++)
      if (j != i && rows[i].idno[0] && !strcmp(rows[i].idno, rows[j].idno)) {
        list_add(&s, rows[i].sid, &first);
        break;
      }
  sb_add(&s, "]", 1);
  list_start(&s, "rows_with_several_photos", &first);
  for (i = 0; i < nrows; i++)
    if (matches_of(items, n, rows[i].line) > 1)
      list_add(&s, rows[i].sid, &first);
  sb_puts(&s, "]}");
  return s.data;
}

/* Results of a batch: duplicates, the summary, and the CSV, JSON and HTML
 * reports. Everything here reads the items' JSON entries, so a single run,
 * a resumed run and merged shards report alike. */
#include "batch.h"
#include "common.h"

#include <stdlib.h>
#include <string.h>

static const char *st_name(int s) {
  return s == ST_PASSED ? "passed" : s == ST_FIXED ? "fixed" : "failed";
}

static int item_is(const item *it, int status) {
  const char *s = json_str(it->dom, "status");
  return s && !strcmp(s, st_name(status));
}

int results_count(const results *r, int status) {
  int c = 0;
  for (int i = 0; i < r->n; i++) c += item_is(r->items[i], status);
  return c;
}

/* What a pair is compared by, parsed once per item. */
typedef struct sig {
  uint64_t ph;
  int has_ph;
  face_sig face;
} sig;

static void sig_of(const item *it, sig *s) {
  const char *h = json_str(it->dom, "phash");
  memset(s, 0, sizeof *s);
  s->has_ph = h && strlen(h) == 16;
  if (s->has_ph) s->ph = strtoull(h, NULL, 16);
  face_sig_parse(json_str(it->dom, "face_hash"),
                 json_get(it->dom, "face_frame"), &s->face);
}

static void add_pair(results *r, int a, int b, int d, int fd, int exact) {
  dup_pair *p = realloc(r->dups, (size_t)(r->ndups + 1) * sizeof *p);
  if (!p) return;
  r->dups = p;
  p[r->ndups++] = (dup_pair){a, b, d, exact, fd};
}

typedef struct by_sha {
  const char *sha;
  int i;
} by_sha;

static int cmp_sha(const void *a, const void *b) {
  const by_sha *x = a, *y = b;
  int c = strcmp(x->sha, y->sha);
  return c ? c : (x->i > y->i) - (x->i < y->i);
}

/* partner[j]: the first item with j's bytes, or -1. Sorting by SHA-256
 * keeps 30,000 files from costing 450 million string compares. */
static void exact_partners(const results *r, int *partner) {
  by_sha *v = xcalloc((size_t)r->n, sizeof *v);
  int n = 0;
  for (int j = 0; j < r->n; j++) {
    const jval *d = r->items[j]->dom;
    partner[j] = -1;
    if (json_str(d, "sha256") && json_num(d, "bytes", 0) > 0)
      v[n++] = (by_sha){json_str(d, "sha256"), j};
  }
  qsort(v, (size_t)n, sizeof *v, cmp_sha);
  for (int k = 1; k < n; k++)
    if (!strcmp(v[k].sha, v[k - 1].sha))
      partner[v[k].i] =
          partner[v[k - 1].i] >= 0 ? partner[v[k - 1].i] : v[k - 1].i;
  free(v);
}

/* Two photos are one photo (re-encoded, resized or cropped a little) when
 * - both show a face: the eye-aligned faces agree (face distance <=
 *   BATCH_FACE_NEAR of 256 bits) and the face sits where it sat (moved <=
 *   BATCH_FACE_MOVED % of the frame: a 5% crop moves it ~3%, a re-framed
 *   shot 10%), or the whole pictures agree (<= threshold) and the faces
 *   are not clearly two people (<= BATCH_FACE_FAR). The whole pictures
 *   alone never decide here: on a class's shared backdrop two students'
 *   photos taken at one position are within 4 bits;
 * - a face in one of them only: the whole pictures agree (<= threshold/2);
 * - no face in either: the whole pictures agree (<= threshold).
 * Calibration: tests/check_phash.c and README "Duplicates". Returns the
 * face distance, or -1 when the faces were not compared; *hit is the
 * verdict. */
static int compare(const sig *a, const sig *b, int threshold, int *whole,
                   int *hit) {
  int fd = -1;
  *whole = a->has_ph && b->has_ph ? pst_phash_distance(a->ph, b->ph) : 65;
  if (a->face.ok && b->face.ok) {
    fd = face_sig_distance(&a->face, &b->face);
    *hit = (fd <= BATCH_FACE_NEAR &&
            face_sig_moved(&a->face, &b->face) <= BATCH_FACE_MOVED) ||
           (*whole <= threshold && fd <= BATCH_FACE_FAR);
  } else if (a->face.ok || b->face.ok) {
    /* A face found in one only (the detector missed it in the other):
     * the backdrop alone decides, so ask for half the distance. */
    *hit = *whole <= threshold / 2;
  } else {
    *hit = *whole <= threshold;
  }
  return fd;
}

/* Byte-identical copies pair with the first of their kind; other photos
 * pair by compare(). Empty files are all identical and say nothing about
 * students, so they are left out. */
void results_find_duplicates(results *r, int threshold) {
  int *partner = xcalloc((size_t)r->n, sizeof *partner);
  sig *s = xcalloc((size_t)r->n, sizeof *s);
  exact_partners(r, partner);
  for (int j = 0; j < r->n; j++) {
    sig_of(r->items[j], &s[j]);
    if (partner[j] >= 0) add_pair(r, partner[j], j, 0, -1, 1);
  }
  for (int i = 0; i < r->n; i++) {
    if (partner[i] >= 0 || (!s[i].has_ph && !s[i].face.ok)) continue;
    for (int j = i + 1; j < r->n; j++) {
      int whole, hit, fd;
      if (partner[j] >= 0) continue;
      fd = compare(&s[i], &s[j], threshold, &whole, &hit);
      if (hit) add_pair(r, i, j, whole, fd, 0);
    }
  }
  free(s);
  free(partner);
}

/* ---- summary ---- */

typedef struct tally {
  char *key[256];
  int count[256];
  int n;
} tally;

static void tally_add(tally *t, const char *k) {
  for (int i = 0; i < t->n; i++)
    if (!strcmp(t->key[i], k)) {
      t->count[i]++;
      return;
    }
  if (t->n < 256) t->key[t->n] = xstrdup(k), t->count[t->n++] = 1;
}

static void tally_free(tally *t) {
  for (int i = 0; i < t->n; i++) free(t->key[i]);
}

static void failed_reasons(const results *r, tally *t) {
  memset(t, 0, sizeof *t);
  for (int i = 0; i < r->n; i++)
    if (item_is(r->items[i], ST_FAILED)) {
      const char *why = json_str(r->items[i]->dom, "reason");
      tally_add(t, why ? why : "unknown");
    }
}

static int roster_problem_count(const results *r, jval **out) {
  jval *v = r->roster_json ? json_parse(r->roster_json, strlen(r->roster_json))
                           : NULL;
  static const char *const keys[] = {"rows_without_photo", "photos_without_row",
                                     "invalid_id_numbers", "shared_id_numbers",
                                     "rows_with_several_photos"};
  int c = 0;
  for (size_t k = 0; v && k < 5; k++) {
    const jval *a = json_get(v, keys[k]);
    c += a ? a->n : 0;
  }
  *out = v;
  return c;
}

void results_summary(const results *r, FILE *f, pst_lang lang) {
  tally t;
  jval *ros = NULL;
  int zh = lang == PST_LANG_ZH, probs = roster_problem_count(r, &ros);
  failed_reasons(r, &t);
  fprintf(f,
          zh ? "共 %d 个文件：已修正 %d，原样合格 %d，失败 %d\n"
             : "%d files: %d fixed, %d passed as-is, %d failed\n",
          r->n, results_count(r, ST_FIXED), results_count(r, ST_PASSED),
          results_count(r, ST_FAILED));
  for (int i = 0; i < t.n; i++)
    fprintf(f, zh ? "  失败原因 %s：%d\n" : "  failed: %s: %d\n", t.key[i],
            t.count[i]);
  fprintf(f, zh ? "重复照片：%d 对\n" : "duplicates: %d pairs\n", r->ndups);
  if (ros) {
    static const char *const keys[] = {
        "rows_without_photo", "photos_without_row", "invalid_id_numbers",
        "shared_id_numbers", "rows_with_several_photos"};
    fprintf(f, zh ? "名单问题：%d\n" : "roster problems: %d\n", probs);
    for (size_t k = 0; k < 5; k++) {
      const jval *a = json_get(ros, keys[k]);
      fprintf(f, "  %s: %d\n", keys[k], a ? a->n : 0);
    }
  }
  if (r->interrupted)
    fprintf(
        f,
        zh ? "已中断：%d 个文件未处理（用 --resume 继续）\n"
           : "interrupted: %d files not processed (continue with --resume)\n",
        r->pending);
  json_free(ros);
  tally_free(&t);
}

/* ---- CSV ---- */

/* A cell a spreadsheet would run as a formula (= + - @, or a leading tab or
 * CR) gets a leading apostrophe; every cell is quoted. */
static void csv_cell(FILE *f, const char *s, int last) {
  s = s ? s : "";
  fputc('"', f);
  if (strchr("=+-@\t\r", s[0]) && s[0]) fputc('\'', f);
  for (; *s; s++) {
    if (*s == '"') fputc('"', f);
    fputc(*s, f);
  }
  fputs(last ? "\"\r\n" : "\",", f);
}

static char *joined(const jval *arr, const char *sep) {
  sbuf s = {0};
  sb_puts(&s, "");
  for (int i = 0; arr && i < arr->n; i++) {
    if (i) sb_puts(&s, sep);
    sb_puts(&s, arr->kids[i]->str ? arr->kids[i]->str : "");
  }
  return s.data;
}

static void write_csv(const results *r, FILE *f) {
  static const char *const cols[] = {
      "input",      "output", "status",    "reasons", "reason",
      "student_id", "name",   "id_number", "sha256",  "phash"};
  for (int c = 0; c < 10; c++) csv_cell(f, cols[c], c == 9);
  for (int i = 0; i < r->n; i++) {
    const jval *d = r->items[i]->dom;
    char *rs = joined(json_get(d, "reasons"), ";");
    for (int c = 0; c < 10; c++)
      csv_cell(f, c == 3 ? rs : json_str(d, cols[c]), c == 9);
    free(rs);
  }
}

/* ---- JSON ---- */

static void pair_student(sbuf *s, const char *side, const jval *d) {
  sb_printf(s, ",\"%s_student_id\":", side);
  if (json_str(d, "student_id"))
    sb_json_str(s, json_str(d, "student_id"));
  else
    sb_puts(s, "null");
  sb_printf(s, ",\"%s_name\":", side);
  if (json_str(d, "name"))
    sb_json_str(s, json_str(d, "name"));
  else
    sb_puts(s, "null");
}

static void dups_json(const results *r, sbuf *s) {
  sb_puts(s, "\"duplicates\":[");
  for (int i = 0; i < r->ndups; i++) {
    const dup_pair *p = &r->dups[i];
    const jval *a = r->items[p->a]->dom, *b = r->items[p->b]->dom;
    sb_puts(s, i ? ",{\"a\":" : "{\"a\":");
    sb_json_str(s, json_str(a, "input"));
    sb_puts(s, ",\"b\":");
    sb_json_str(s, json_str(b, "input"));
    sb_printf(s, ",\"kind\":\"%s\",\"distance\":%d",
              p->exact ? "exact" : "similar", p->distance);
    if (p->face_distance >= 0)
      sb_printf(s, ",\"face_distance\":%d", p->face_distance);
    pair_student(s, "a", a);
    pair_student(s, "b", b);
    sb_add(s, "}", 1);
  }
  sb_add(s, "]", 1);
}

static void write_json(const results *r, FILE *f) {
  sbuf s = {0};
  tally t;
  failed_reasons(r, &t);
  sb_puts(&s, "{\"profile\":");
  sb_json_str(&s, r->profile);
  sb_printf(&s,
            ",\"summary\":{\"total\":%d,\"passed\":%d,\"fixed\":%d,"
            "\"failed\":%d,\"duplicates\":%d,\"failed_by_reason\":{",
            r->n, results_count(r, ST_PASSED), results_count(r, ST_FIXED),
            results_count(r, ST_FAILED), r->ndups);
  for (int i = 0; i < t.n; i++) {
    if (i) sb_add(&s, ",", 1);
    sb_json_str(&s, t.key[i]);
    sb_printf(&s, ":%d", t.count[i]);
  }
  sb_printf(&s, "},\"interrupted\":%s,\"pending\":%d},\n\"files\":[\n",
            r->interrupted ? "true" : "false", r->pending);
  for (int i = 0; i < r->n; i++) {
    sb_puts(&s, r->items[i]->entry);
    sb_puts(&s, i + 1 < r->n ? ",\n" : "\n");
  }
  sb_puts(&s, "],\n");
  dups_json(r, &s);
  sb_puts(&s, ",\n\"roster\":");
  sb_puts(&s, r->roster_json ? r->roster_json : "null");
  sb_puts(&s, "}\n");
  fwrite(s.data, 1, s.len, f);
  sb_free(&s);
  tally_free(&t);
}

/* ---- HTML (html.c) ---- */
void write_html(const results *r, FILE *f, const char *indir,
                const char *outdir);

int results_write(const results *r, const char *path, const char *indir,
                  const char *outdir, pst_lang lang) {
  const char *dot = strrchr(path, '.');
  cmd_out out;
  int rc;
  (void)lang;
  if (!dot || (strcasecmp(dot, ".csv") && strcasecmp(dot, ".json") &&
               strcasecmp(dot, ".html") && strcasecmp(dot, ".htm"))) {
    cmd_diag(BATCH_PROG, path, "report type unknown: use .csv, .json or .html");
    return CMD_EXIT_USAGE;
  }
  /* Reports are ours to refresh: a rerun or resume replaces them. */
  if ((rc = cmd_out_open(BATCH_PROG, path, 1, &out))) return rc;
  if (!strcasecmp(dot, ".csv"))
    write_csv(r, out.fp);
  else if (!strcasecmp(dot, ".json"))
    write_json(r, out.fp);
  else
    write_html(r, out.fp, indir, outdir);
  return cmd_out_commit(BATCH_PROG, &out);
}

/* photobatch merge: join the JSON reports of shards into one, finding
 * duplicates and roster problems across the whole class. */
#include "batch.h"
#include "common.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

typedef struct merged {
  item *items;
  int n, cap;
  rrow *rows;
  int nrows;
  char *profile;
  char **texts;
  jval **docs;
  int ndocs;
} merged;

static char *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  sbuf s = {0};
  char chunk[65536];
  size_t got;
  if (!f) return NULL;
  while ((got = fread(chunk, 1, sizeof chunk, f)) > 0) sb_add(&s, chunk, got);
  fclose(f);
  if (s.oom) return sb_free(&s), NULL;
  *len = s.len;
  return s.data ? s.data : xstrdup("");
}

static int have_input(const merged *m, const char *in) {
  for (int i = 0; i < m->n; i++)
    if (!strcmp(json_str(m->items[i].dom, "input"), in)) return 1;
  return 0;
}

static void take_files(merged *m, const jval *files) {
  for (int i = 0; files && i < files->n; i++) {
    const jval *e = files->kids[i];
    const char *in = json_str(e, "input");
    item *it;
    if (!in || have_input(m, in)) continue;
    if (m->n == m->cap) {
      m->cap = m->cap ? 2 * m->cap : 256;
      m->items = realloc(m->items, (size_t)m->cap * sizeof *m->items);
      if (!m->items) exit(3);
    }
    it = &m->items[m->n++];
    memset(it, 0, sizeof *it);
    it->entry = xcalloc(e->raw_len + 1, 1);
    memcpy(it->entry, e->raw, e->raw_len);
    it->dom = json_parse(it->entry, e->raw_len);
  }
}

static void take_rows(merged *m, const jval *rows) {
  if (m->rows || !rows || rows->type != J_ARR) return;
  m->nrows = rows->n;
  m->rows = xcalloc((size_t)rows->n, sizeof *m->rows);
  for (int i = 0; i < rows->n; i++) {
    const jval *r = rows->kids[i];
    m->rows[i].sid = json_str(r, "student_id") ? json_str(r, "student_id") : "";
    m->rows[i].name = json_str(r, "name") ? json_str(r, "name") : "";
    m->rows[i].idno = json_str(r, "id_number") ? json_str(r, "id_number") : "";
    m->rows[i].line = (int)json_num(r, "line", -1);
  }
}

static int load_report(merged *m, const char *path) {
  size_t len = 0;
  char *text = slurp(path, &len);
  jval *doc = text ? json_parse(text, len) : NULL;
  if (!doc || !json_get(doc, "files")) {
    cmd_diag(BATCH_PROG, path,
             text ? "not a photobatch JSON report" : "cannot read");
    free(text);
    json_free(doc);
    return -1;
  }
  m->texts = realloc(m->texts, (size_t)(m->ndocs + 1) * sizeof *m->texts);
  m->docs = realloc(m->docs, (size_t)(m->ndocs + 1) * sizeof *m->docs);
  if (!m->texts || !m->docs) exit(3);
  m->texts[m->ndocs] = text;
  m->docs[m->ndocs++] = doc;
  if (!m->profile && json_str(doc, "profile"))
    m->profile = xstrdup(json_str(doc, "profile"));
  take_files(m, json_get(doc, "files"));
  take_rows(m, json_get(json_get(doc, "roster"), "rows"));
  return 0;
}

static int cmp_entry(const void *a, const void *b) {
  return strcmp(json_str((*(item *const *)a)->dom, "input"),
                json_str((*(item *const *)b)->dom, "input"));
}

static int write_all(merged *m, const char **reports, int nrep, int thr,
                     int quiet, pst_lang lang) {
  results r;
  int rc = CMD_EXIT_OK, has_roster = 0;
  memset(&r, 0, sizeof r);
  r.items = xcalloc((size_t)m->n, sizeof *r.items);
  for (int i = 0; i < m->n; i++)
    if (m->items[i].dom) r.items[r.n++] = &m->items[i];
  qsort(r.items, (size_t)r.n, sizeof *r.items, cmp_entry);
  r.profile = m->profile ? m->profile : "chsi";
  for (int i = 0; i < m->ndocs; i++)
    if (json_get(m->docs[i], "roster") &&
        json_get(m->docs[i], "roster")->type == J_OBJ)
      has_roster = 1;
  for (int i = 0; i < m->ndocs; i++) {
    const jval *s = json_get(m->docs[i], "summary");
    r.interrupted |= json_num(s, "interrupted", 0) != 0;
    r.pending += (int)json_num(s, "pending", 0);
  }
  results_find_duplicates(&r, thr);
  if (has_roster)
    r.roster_json = roster_section_json(m->rows, m->nrows, r.items, r.n);
  for (int i = 0; i < nrep; i++) {
    int w = results_write(&r, reports[i], NULL, NULL, lang);
    if (w) rc = w;
  }
  if (!quiet) results_summary(&r, stdout, lang);
  if (!rc && results_count(&r, ST_FAILED)) rc = CMD_EXIT_FAIL;
  free(r.roster_json);
  free(r.dups);
  free(r.items);
  return rc;
}

static void merged_free(merged *m) {
  for (int i = 0; i < m->n; i++) {
    free(m->items[i].entry);
    json_free(m->items[i].dom);
  }
  for (int i = 0; i < m->ndocs; i++) {
    json_free(m->docs[i]);
    free(m->texts[i]);
  }
  free(m->items);
  free(m->rows);
  free(m->docs);
  free(m->texts);
  free(m->profile);
}

int batch_merge_main(int argc, char **argv) {
  static const struct option lo[] = {{"report", required_argument, NULL, 'r'},
                                     {"similar", required_argument, NULL, 's'},
                                     {"lang", required_argument, NULL, 'l'},
                                     {"quiet", no_argument, NULL, 'q'},
                                     {NULL, 0, NULL, 0}};
  const char *reports[BATCH_MAX_REPORTS];
  int nrep = 0, thr = PST_PHASH_SIMILAR, quiet = 0, c, rc = 0;
  pst_lang lang = pst_lang_from_env();
  merged m;
  memset(&m, 0, sizeof m);
  while ((c = getopt_long(argc, argv, "q", lo, NULL)) != -1) {
    if (c == 'r' && nrep < BATCH_MAX_REPORTS)
      reports[nrep++] = optarg;
    else if (c == 's')
      thr = atoi(optarg);
    else if (c == 'l') {
      if (cmd_parse_lang(BATCH_PROG, optarg, &lang)) return CMD_EXIT_USAGE;
    } else if (c == 'q')
      quiet = 1;
    else
      return cmd_usage_error(BATCH_PROG, "merge: bad option");
  }
  if (optind >= argc)
    return cmd_usage_error(BATCH_PROG, "merge: no JSON reports given");
  if (thr < 0 || thr > 64)
    return cmd_usage_error(BATCH_PROG, "--similar should be between 0 and 64");
  for (int i = optind; i < argc; i++)
    if (load_report(&m, argv[i])) rc = CMD_EXIT_USAGE;
  if (!rc) rc = write_all(&m, reports, nrep, thr, quiet, lang);
  merged_free(&m);
  return cmd_finish_stdout(BATCH_PROG, rc);
}

/* The worker pool: each worker takes the next input, checks it, fixes it
 * when it fails and a fix is asked for, writes the output under a
 * temporary name and renames it, and leaves the file's report entry. */
#include "batch.h"
#include "common.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct pool {
  batch *b;
  int *todo; /* indices of the items to process */
  int ntodo;
  atomic_int next, done, failed;
  pthread_mutex_t state_lock;
} pool;

typedef struct job {
  const batch *b;
  item *it;
  uint8_t *buf;
  size_t len;
  pst_report *rep;
  const char *status;
  const char *primary;
  const char *fix_reason;
  const uint8_t *out_bytes;
  size_t out_len;
  int fix_quality;
  int io_error;
  int out_error;
#ifdef BATCH_HAVE_FIX
  pst_fix_result *fix;
#endif
} job;

/* The whole input in memory once: it is hashed, checked and fixed from the
 * same bytes, and the file is never opened for writing. */
static int read_input(job *j) {
  return pst_file_read(j->it->path, j->b->lim, &j->buf, &j->len, NULL) == PST_OK
             ? 0
             : -1;
}

static int write_all(int fd, const uint8_t *p, size_t n) {
  while (n) {
    ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return -1;
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

/* Temporary name in the target folder, then rename: a reader (or a kill
 * -9) never leaves half a photo under the final name. */
static int write_output(const batch *b, const char *name, const uint8_t *p,
                        size_t n) {
  char *final = path_join(b->o->outdir, name), *tmp;
  const char *slash = strrchr(final, '/');
  size_t dl = (size_t)(slash - final);
  int fd, rc = -1;
  struct stat st;
  tmp = xcalloc(strlen(final) + 32, 1);
  snprintf(tmp, strlen(final) + 32, "%.*s/" BATCH_TMP_PREFIX "%s.XXXXXX",
           (int)dl, final, slash + 1);
  if (!b->o->force && !b->o->resume && lstat(final, &st) == 0) {
    errno = EEXIST;
    goto out;
  }
  if (mkdirs_for(final) != 0 || (fd = mkstemp(tmp)) < 0) goto out;
  (void)fchmod(fd, 0644);
  rc = write_all(fd, p, n);
  if (close(fd) != 0) rc = -1;
  if (!rc) rc = rename(tmp, final);
  if (rc) unlink(tmp);
out:
  free(final);
  free(tmp);
  return rc;
}

static void add_findings(sbuf *s, const pst_report *rep) {
  int n = pst_report_count(rep), first = 1;
  pst_finding en, zh;
  sb_puts(s, ",\"findings\":[");
  for (int i = 0; i < n; i++) {
    if (pst_report_get(rep, i, PST_LANG_EN, &en) ||
        pst_report_get(rep, i, PST_LANG_ZH, &zh) || en.status == PST_PASS)
      continue;
    sb_puts(s, first ? "{\"id\":" : ",{\"id\":");
    first = 0;
    sb_json_str(s, en.id);
    sb_printf(s, ",\"status\":\"%s\",\"error\":%s,\"en\":",
              pst_status_name(en.status), en.severity_error ? "true" : "false");
    sb_json_str(s, en.message);
    sb_puts(s, ",\"zh\":");
    sb_json_str(s, zh.message);
    sb_puts(s, ",\"hint_en\":");
    sb_json_str(s, en.hint);
    sb_puts(s, ",\"hint_zh\":");
    sb_json_str(s, zh.hint);
    sb_add(s, "}", 1);
  }
  sb_add(s, "]", 1);
}

static void add_checks(sbuf *s, const pst_report *rep) {
  char *js = NULL;
  jval *v = NULL;
  const jval *c;
  if (rep && !pst_report_json(rep, PST_LANG_EN, &js))
    v = json_parse(js, strlen(js));
  c = json_get(v, "checks");
  sb_puts(s, ",\"checks\":");
  if (c)
    sb_add(s, c->raw, c->raw_len);
  else
    sb_puts(s, "[]");
  json_free(v);
  pst_free(js);
}

static void add_reasons(sbuf *s, const job *j) {
  int n = pst_report_count(j->rep), first = 1;
  pst_finding f;
  sb_puts(s, ",\"reasons\":[");
  for (int i = 0; i < n; i++)
    if (!pst_report_get(j->rep, i, PST_LANG_EN, &f) && f.status == PST_FAIL &&
        (f.severity_error || j->b->o->strict)) {
      if (!first) sb_add(s, ",", 1);
      first = 0;
      sb_json_str(s, f.id);
    }
  if (j->fix_reason) {
    if (!first) sb_add(s, ",", 1);
    sb_json_str(s, j->fix_reason);
  }
  sb_add(s, "]", 1);
}

/* The reason a failed file is counted under: a file that is not a readable
 * JPEG/PNG is counted by that check, a photo the fix gave up on by the
 * fix's reason, anything else by its first failing check. */
static const char *primary_reason(const job *j) {
  static const char *const unreadable[] = {"file.read", "file.format",
                                           "jpeg.decode"};
  int n = pst_report_count(j->rep);
  pst_finding f;
  const char *first = NULL;
  if (j->out_error) return "output.write";
  for (int i = 0; i < n; i++) {
    if (pst_report_get(j->rep, i, PST_LANG_EN, &f) || f.status != PST_FAIL)
      continue;
    for (size_t k = 0; k < 3; k++)
      if (!strcmp(f.id, unreadable[k]) &&
          !(k == 1 && pst_report_info(j->rep)->format == PST_FMT_PNG &&
            !j->fix_reason))
        return f.id;
    if (!first && (f.severity_error || j->b->o->strict)) first = f.id;
  }
  return j->fix_reason ? j->fix_reason : first ? first : "unknown";
}

static void add_roster(sbuf *s, const job *j) {
  pst_roster_row row;
  if (!j->b->roster) return;
  if (j->it->row < 0 || pst_roster_get(j->b->roster, j->it->row, &row)) {
    sb_puts(s, ",\"student_id\":null,\"name\":null,\"id_number\":null,"
               "\"roster_line\":-1");
    return;
  }
  sb_puts(s, ",\"student_id\":");
  sb_json_str(s, row.student_id);
  sb_puts(s, ",\"name\":");
  sb_json_str(s, row.name);
  sb_puts(s, ",\"id_number\":");
  sb_json_str(s, row.id_number);
  sb_printf(s, ",\"roster_line\":%d", row.line);
}

/* The eyes the check found place the face signature (facehash.c). */
static void add_face_hash(sbuf *s, const job *j) {
  pst_point eyes[2];
  face_sig fs;
  char hex[FACE_SIG_HEX];
  if (!j->rep || pst_report_face(j->rep, NULL, eyes) ||
      face_sig_mem(j->buf, j->len, j->b->lim, eyes, &fs)) {
    sb_puts(s, ",\"face_hash\":null,\"face_frame\":null");
    return;
  }
  face_sig_hex(&fs, hex);
  sb_printf(s, ",\"face_hash\":\"%s\",\"face_frame\":[%.4f,%.4f,%.4f]", hex,
            fs.cx, fs.cy, fs.size);
}

/* A file the check could not decode gets no perceptual hash: libjpeg
 * turns a cut-off JPEG into grey, and all grey pictures look alike. */
static int undecodable(const job *j) {
  int n = pst_report_count(j->rep);
  pst_finding f;
  pst_format fmt = pst_report_info(j->rep)->format;
  for (int i = 0; i < n; i++) {
    if (pst_report_get(j->rep, i, PST_LANG_EN, &f) || f.status != PST_FAIL)
      continue;
    if (!strcmp(f.id, "jpeg.decode") || !strcmp(f.id, "file.read") ||
        (!strcmp(f.id, "file.format") && fmt != PST_FMT_JPEG &&
         fmt != PST_FMT_PNG))
      return 1;
  }
  return 0;
}

static void add_hashes(sbuf *s, const job *j) {
  uint8_t sha[32];
  char hex[65];
  uint64_t ph;
  if (!j->buf) {
    sb_puts(s, ",\"sha256\":null,\"phash\":null");
    return;
  }
  pst_sha256_mem(j->buf, j->len, sha);
  hex_encode(sha, 32, hex);
  sb_printf(s, ",\"sha256\":\"%s\"", hex);
  if (undecodable(j)) {
    sb_puts(s, ",\"phash\":null,\"face_hash\":null,\"face_frame\":null");
    return;
  }
  if (j->len && !pst_phash_mem(j->buf, j->len, j->b->lim, &ph, NULL))
    sb_printf(s, ",\"phash\":\"%016llx\"", (unsigned long long)ph);
  else
    sb_puts(s, ",\"phash\":null");
  add_face_hash(s, j);
}

#ifdef BATCH_HAVE_FIX
/* ,"key":{"reason":id,"en","zh","hint_en","hint_zh"}: words and hint of a
 * fix result in both languages (a hint null where the words say it). */
static void
add_fix_words(sbuf *s, const char *key, const char *id, const pst_fix_result *r,
              const char *(*words)(const pst_fix_result *, pst_lang),
              const char *(*hint)(const pst_fix_result *, pst_lang)) {
  sb_printf(s, ",\"%s\":{\"reason\":", key);
  sb_json_str(s, id);
  for (int l = 0; l < 2; l++) {
    pst_lang lang = l ? PST_LANG_ZH : PST_LANG_EN;
    const char *h = hint(r, lang);
    sb_printf(s, ",\"%s\":", l ? "zh" : "en");
    sb_json_str(s, words(r, lang));
    sb_printf(s, ",\"hint_%s\":", l ? "zh" : "en");
    if (h)
      sb_json_str(s, h);
    else
      sb_puts(s, "null");
  }
  sb_add(s, "}", 1);
}
#endif

/* Why photofix gave up on a file, in both languages, and what the student
 * can do about it ("fix"); or, on a file it fixed, its caution ("caution":
 * the wall behind was busy, so the clerk looks at the output's edges). */
static void add_fix_words_of(sbuf *s, const job *j) {
#ifdef BATCH_HAVE_FIX
  if (!j->fix) return;
  if (!pst_fix_ok(j->fix) && pst_fix_reason_id(j->fix))
    add_fix_words(s, "fix", pst_fix_reason_id(j->fix), j->fix, pst_fix_reason,
                  pst_fix_hint);
  else if (pst_fix_caution_id(j->fix))
    add_fix_words(s, "caution", pst_fix_caution_id(j->fix), j->fix,
                  pst_fix_caution, pst_fix_caution_hint);
#else
  (void)s, (void)j;
#endif
}

static char *make_entry(const job *j) {
  sbuf s = {0};
  const int wrote = j->out_bytes && !j->out_error;
  sb_puts(&s, "{\"input\":");
  sb_json_str(&s, j->it->rel);
  sb_puts(&s, ",\"output\":");
  if (wrote)
    sb_json_str(&s, j->it->outname);
  else
    sb_puts(&s, "null");
  sb_printf(&s, ",\"status\":\"%s\"", j->status);
  add_reasons(&s, j);
  sb_puts(&s, ",\"reason\":");
  if (!strcmp(j->status, "failed"))
    sb_json_str(&s, primary_reason(j));
  else
    sb_puts(&s, "null");
  add_fix_words_of(&s, j);
  add_roster(&s, j);
  add_hashes(&s, j);
  sb_printf(&s, ",\"bytes\":%zu", j->len);
  if (wrote) {
    uint8_t sha[32];
    char hex[65];
    pst_sha256_mem(j->out_bytes, j->out_len, sha);
    hex_encode(sha, 32, hex);
    sb_printf(&s, ",\"output_sha256\":\"%s\",\"output_bytes\":%zu", hex,
              j->out_len);
  }
  if (j->fix_quality > 0) sb_printf(&s, ",\"quality\":%d", j->fix_quality);
  if (j->io_error) sb_puts(&s, ",\"io_error\":true");
  add_findings(&s, j->rep);
  add_checks(&s, j->rep);
  sb_add(&s, "}", 1);
  if (s.oom) {
    sb_free(&s);
    return NULL;
  }
  return s.data;
}

static void try_fix(job *j) {
#ifdef BATCH_HAVE_FIX
  pst_fix_opts *fo = pst_fix_opts_create();
  if (!fo) return;
  /* Parallelism is across files; one thread per fix keeps -jN honest. */
  pst_fix_opts_set_threads(fo, 1);
  if (pst_fix_mem(j->buf, j->len, j->it->rel, j->b->prof, j->b->lim, fo,
                  &j->fix) == PST_OK) {
    if (pst_fix_ok(j->fix)) {
      j->out_bytes = pst_fix_jpeg(j->fix, &j->out_len);
      j->fix_quality = pst_fix_quality(j->fix);
      j->status = "fixed";
    } else {
      j->fix_reason = pst_fix_reason_id(j->fix);
    }
  } else {
    j->fix_reason = "fix.error";
  }
  pst_fix_opts_destroy(fo);
#else
  j->fix_reason = "fix.unavailable";
#endif
}

static void process(batch *b, item *it) {
  job j;
  memset(&j, 0, sizeof j);
  j.b = b;
  j.it = it;
  j.status = "failed";
  if (read_input(&j) == 0)
    pst_check_mem(j.buf, j.len, it->rel, b->prof, b->lim, &j.rep);
  else
    pst_check_file(it->path, b->prof, b->lim, &j.rep);
  if (!j.rep) goto out;
  j.io_error = pst_report_io_error(j.rep);
  if (pst_report_pass(j.rep, b->o->strict)) {
    j.status = "passed";
    if (!b->o->check_only) j.out_bytes = j.buf, j.out_len = j.len;
  } else if (!b->o->check_only && j.buf && j.len) {
    try_fix(&j);
  }
  if (j.out_bytes && write_output(b, it->outname, j.out_bytes, j.out_len)) {
    cmd_diag(BATCH_PROG, it->outname, "cannot write: %s", strerror(errno));
    j.out_error = 1;
    j.status = "failed";
  }
  it->entry = make_entry(&j);
out:
  if (!it->entry) it->entry = xstrdup("{}");
  it->dom = json_parse(it->entry, strlen(it->entry));
#ifdef BATCH_HAVE_FIX
  pst_fix_result_destroy(j.fix);
#endif
  pst_report_destroy(j.rep);
  free(j.buf);
}

static void *worker(void *arg) {
  pool *p = arg;
  for (;;) {
    int k;
    item *it;
    if (*p->b->stop) break;
    k = atomic_fetch_add(&p->next, 1);
    if (k >= p->ntodo) break;
    it = &p->b->items[p->todo[k]];
    process(p->b, it);
    if (json_str(it->dom, "status") &&
        !strcmp(json_str(it->dom, "status"), "failed"))
      atomic_fetch_add(&p->failed, 1);
    pthread_mutex_lock(&p->state_lock);
    batch_state_append(p->b, it);
    pthread_mutex_unlock(&p->state_lock);
    atomic_fetch_add(&p->done, 1);
  }
  return NULL;
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void progress(const pool *p, double t0, int tty, int final) {
  int done = atomic_load(&p->done), total = p->ntodo;
  double el = now() - t0, rate = el > 0 ? done / el : 0;
  double eta = rate > 0 ? (total - done) / rate : 0;
  int failed = atomic_load(&p->failed);
  if (tty) {
    char bar[31];
    int fill = total ? 30 * done / total : 30;
    for (int i = 0; i < 30; i++) bar[i] = i < fill ? '#' : '-';
    bar[30] = '\0';
    fprintf(stderr, "\r[%s] %d/%d  %.1f/s  ETA %d:%02d  failed %d%s", bar, done,
            total, rate, (int)eta / 60, (int)eta % 60, failed,
            final ? "\n" : "");
  } else {
    fprintf(stderr,
            BATCH_PROG ": %d/%d done, %.1f files/s, ETA %.0f s, %d failed\n",
            done, total, rate, eta, failed);
  }
}

static void watch(pool *p, int quiet) {
  int tty = isatty(2);
  double t0 = now(), last = t0;
  const struct timespec tick = {0, 100 * 1000 * 1000};
  while (atomic_load(&p->done) < p->ntodo) {
    /* After SIGINT/SIGTERM nothing new starts; the joins wait for the
     * files in flight. */
    if (*p->b->stop) break;
    nanosleep(&tick, NULL);
    if (quiet) continue;
    if (tty ? now() - last >= 0.2 : now() - last >= 5.0) {
      progress(p, t0, tty, 0);
      last = now();
    }
  }
  if (!quiet && (tty || p->ntodo)) progress(p, t0, tty, 1);
}

/* Largest inputs first (longest-processing-time order): the files that
 * cost most start early, so the run does not end with one worker busy on
 * a 12-megapixel photo while the others sit idle. Ties keep walk order. */
typedef struct sized {
  off_t size;
  int index;
} sized;

static int by_size_desc(const void *a, const void *b) {
  const sized *x = a, *y = b;
  if (x->size != y->size) return x->size < y->size ? 1 : -1;
  return (x->index > y->index) - (x->index < y->index);
}

static void order_largest_first(const batch *b, int *todo, int n) {
  sized *s = xcalloc((size_t)n > 0 ? (size_t)n : 1, sizeof *s);
  for (int i = 0; i < n; i++) {
    struct stat st;
    s[i].index = todo[i];
    s[i].size = stat(b->items[todo[i]].path, &st) == 0 ? st.st_size : 0;
  }
  qsort(s, (size_t)n, sizeof *s, by_size_desc);
  for (int i = 0; i < n; i++) todo[i] = s[i].index;
  free(s);
}

int batch_run(batch *b) {
  pool p;
  pthread_t *th;
  int nth = b->o->jobs, started = 0;
  memset(&p, 0, sizeof p);
  p.b = b;
  p.todo = xcalloc((size_t)b->n, sizeof *p.todo);
  for (int i = 0; i < b->n; i++)
    if (!b->items[i].entry) p.todo[p.ntodo++] = i;
  order_largest_first(b, p.todo, p.ntodo);
  pthread_mutex_init(&p.state_lock, NULL);
  if (nth > p.ntodo) nth = p.ntodo ? p.ntodo : 1;
  th = xcalloc((size_t)nth, sizeof *th);
  for (int i = 0; i < nth; i++)
    if (pthread_create(&th[i], NULL, worker, &p) == 0)
      started++;
    else
      break;
  if (!started) worker(&p);
  watch(&p, b->o->quiet);
  for (int i = 0; i < started; i++) pthread_join(th[i], NULL);
  b->interrupted = atomic_load(&p.done) < p.ntodo;
  pthread_mutex_destroy(&p.state_lock);
  free(th);
  free(p.todo);
  return CMD_EXIT_OK;
}

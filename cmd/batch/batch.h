/* photobatch's modules: walking the input, the worker pool, roster
 * matching and duplicates, resume state, reports and merge. Every item's
 * result is one JSON object (the report's "files" entry); resume and merge
 * read those objects back, so a single run, a resumed run and merged
 * shards all report from the same record. */
#ifndef PST_BATCH_H
#define PST_BATCH_H

#include "photostd.h"

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define BATCH_PROG "photobatch"
#define BATCH_MAX_REPORTS 16
#define BATCH_TMP_PREFIX ".pbtmp."
#define BATCH_STATE_NAME ".photobatch-state"

/* ---- json.c: a small JSON reader for our own reports ---- */
typedef enum jtype { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ } jtype;
typedef struct jval jval;
struct jval {
  jtype type;
  double num;  /* J_NUM, J_BOOL */
  char *str;   /* J_STR, decoded UTF-8 */
  char **keys; /* J_OBJ */
  jval **kids; /* J_ARR, J_OBJ */
  int n;
  const char *raw; /* the value's text in the parsed buffer */
  size_t raw_len;
};
/* Parse `s` (NUL-terminated); NULL on a syntax error or no memory. The
 * raw pointers point into `s`, which must outlive the tree. */
jval *json_parse(const char *s, size_t len);
void json_free(jval *v);
const jval *json_get(const jval *obj, const char *key);
const char *json_str(const jval *obj, const char *key); /* NULL if absent */
double json_num(const jval *obj, const char *key, double dflt);

/* ---- text helpers (util.c) ---- */
typedef struct sbuf {
  char *data;
  size_t len, cap;
  int oom;
} sbuf;
void sb_add(sbuf *b, const char *s, size_t n);
void sb_puts(sbuf *b, const char *s);
void sb_printf(sbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void sb_json_str(sbuf *b, const char *s); /* non-UTF-8 bytes as \u00XX */
void sb_free(sbuf *b);
char *xstrdup(const char *s); /* exits on no memory: a tool can't go on */
void *xcalloc(size_t n, size_t size);
void hex_encode(const uint8_t *p, size_t n, char *out);
char *path_join(const char *a, const char *b);
int mkdirs_for(const char *path); /* parents of a file path */

/* ---- options ---- */
enum name_by { NAME_ORIGINAL = 0, NAME_ID_NUMBER, NAME_STUDENT_ID };

typedef struct batch_opts {
  const char *indir, *outdir, *files_from, *profile_arg, *roster_path;
  const char *reports[BATCH_MAX_REPORTS];
  int nreports;
  int jobs, check_only, quiet, resume, force, strict, phash_threshold;
  enum name_by name_by;
  int shard_k, shard_n; /* 1-based K of N; N 0: no sharding */
  pst_lang lang;
} batch_opts;

/* ---- items ---- */
enum item_status { ST_PENDING = 0, ST_PASSED, ST_FIXED, ST_FAILED };

typedef struct item {
  char *rel;     /* relative to INDIR (bytes as on disk) */
  char *path;    /* as opened */
  int row;       /* roster row or -1 */
  char *outname; /* planned output, relative to OUTDIR, or NULL */
  char *entry;   /* the report's JSON object for this file */
  jval *dom;     /* entry parsed */
  int resumed;
} item;

typedef struct batch {
  batch_opts *o;
  pst_profile *prof;
  pst_limits *lim;
  pst_roster *roster;
  item *items;
  int n, cap;
  char settings[65]; /* hash of everything that changes an output */
  FILE *state;       /* append-only resume log, or NULL */
  volatile sig_atomic_t *stop;
  int interrupted;
  int io_failed;
} batch;

/* walk.c */
int batch_collect(batch *b); /* CMD_EXIT_* */
uint64_t batch_shard_hash(const char *rel);
int batch_item_add(batch *b, const char *rel, const char *path);

/* match.c: roster rows for items and output names */
void batch_match_roster(batch *b);
void batch_plan_outputs(batch *b);

/* work.c */
int batch_run(batch *b); /* CMD_EXIT_* */

/* state.c */
int batch_state_open(batch *b); /* loads and reuses entries */
void batch_state_append(batch *b, const item *it);
void batch_clean_temps(const char *outdir);
void batch_settings_hash(batch *b);

/* report.c: the results of items (single run, resume or merged shards) */
typedef struct dup_pair {
  int a, b, distance;
  int exact;
  int face_distance; /* -1: not compared */
} dup_pair;

/* Near-duplicate thresholds of the face signature (report.c). */
#define BATCH_FACE_NEAR 40
#define BATCH_FACE_FAR 48
#define BATCH_FACE_MOVED 7.5

typedef struct results {
  item **items; /* processed items, sorted by input */
  int n;
  const char *profile;
  dup_pair *dups;
  int ndups;
  /* roster section as JSON text (already computed) */
  char *roster_json;
  int interrupted, pending;
} results;

void results_find_duplicates(results *r, int threshold);
int results_write(const results *r, const char *path, const char *indir,
                  const char *outdir, pst_lang lang);
void results_summary(const results *r, FILE *f, pst_lang lang);
int results_count(const results *r, int status);
typedef struct rrow {
  const char *sid, *name, *idno;
  int line;
} rrow;
/* The report's "roster" object from the rows and the items' roster_line. */
char *roster_section_json(const rrow *rows, int nrows, item **items, int n);
rrow *roster_rows(const pst_roster *r, int *n);

/* facehash.c: the face signature for near-duplicates */
#define BATCH_FACE_ZOOMS 3
#define FACE_SIG_HEX (2 * 32 * BATCH_FACE_ZOOMS + 1)
typedef struct face_sig {
  uint8_t bits[BATCH_FACE_ZOOMS][32]; /* 256-bit DCT hashes of the
                                         eye-aligned face at 3 zooms */
  double cx, cy;                      /* eye midpoint, fraction of the frame */
  double size; /* eye distance, fraction of the frame's width */
  int ok;
} face_sig;
/* `eyes` in full-size pixels after EXIF orientation (pst_report_face). */
int face_sig_mem(const uint8_t *buf, size_t len, const pst_limits *lim,
                 const pst_point eyes[2], face_sig *out);
int face_sig_distance(const face_sig *a, const face_sig *b); /* 0..256 */
double face_sig_moved(const face_sig *a, const face_sig *b); /* % of frame */
void face_sig_hex(const face_sig *s, char out[FACE_SIG_HEX]);
int face_sig_parse(const char *hex, const jval *frame, face_sig *out);

/* merge.c */
int batch_merge_main(int argc, char **argv);

#endif

/* Private to the check engine (check.c), its report (report.c) and its
 * message table (messages.c). Not "check.h": that would shadow libcheck's
 * <check.h> for the test suites, which build with -Ilib. */
#ifndef PST_CHECK_PRIV_H
#define PST_CHECK_PRIV_H

#include "analyze.h"
#include "internal.h"

/* Room for every check of SPEC §3 (25) with some to spare. */
#define PST__MAX_FINDINGS 40

typedef struct pst__finding_rec {
  const char *id; /* static string from the check table */
  int severity_error;
  pst_status status;
  int has_value;
  double value;
  const char *unit; /* static */
  char expected[96];
  char *text[2][2]; /* [pst_lang][0 message, 1 hint], malloc'd */
} pst__finding_rec;

struct pst_report {
  char *file;
  char profile[64];
  pst_info info;
  int info_known; /* the JPEG headers were read: width/height are real */
  int have_bytes; /* the file was read: info.file_bytes is real */
  int io_error;
  int n;
  pst__finding_rec f[PST__MAX_FINDINGS];
  /* The first face found and its pupils, for "face" and "eyes" (§4). */
  int has_face;
  pst_rect face;
  pst_point eyes[2];
};

/* The check engine's state for one file (check.c), shared with the content
 * checks (check_content.c). */
typedef struct pst__check_ctx {
  pst_report *r;
  const pst_profile *prof;
  const pst_limits *lim;
  const char *path; /* NULL when checking memory */
  const uint8_t *buf;
  size_t len;
  int read_ok;
  pst_err read_err;
  pst_errinfo read_detail;
  pst_image *img; /* decoded once by jpeg.decode, for the later checks */
  pst_err err;    /* PST_ERR_NOMEM once formatting a message failed */
  int analyzed;   /* `an` holds the content analysis of img */
  pst__analysis an;
} pst__check_ctx;

/* A new empty report for `file` (NULL: "-") and profile `profile`. */
pst_err pst__report_new(const char *file, const char *profile,
                        pst_report **out) PST_HIDDEN;

/* Arguments of a message template: {v} value, {e} expected, {p} profile,
 * {x} and {y} free text. `x_zh` (may be NULL: then `x`) is {x} in Chinese,
 * for the few arguments that are words rather than numbers or names. */
typedef struct pst__msg_args {
  const char *v, *e, *p, *x, *x_zh, *y;
} pst__msg_args;

/* Format the message and hint of check `id` for outcome `key` in `lang`
 * into two malloc'd strings. A key missing for `id` is looked up under "*"
 * (generic outcomes such as "skip"). PST_ERR_NOMEM, or PST_ERR_NOTFOUND
 * when no template exists (a bug: tests/check_check.c lists every outcome). */
pst_err pst__msg_format(const char *id, const char *key, pst_lang lang,
                        const pst__msg_args *a, char **msg,
                        char **hint) PST_HIDDEN;
/* 1 when a template exists for (id, key), directly or under "*". */
int pst__msg_exists(const char *id, const char *key) PST_HIDDEN;
/* 1 when every template is complete in both languages (Chinese text in
 * zh, hints in both or neither, the same placeholders); else 0 with the
 * first bad entry described in `bad`. For the tests. */
int pst__msg_lint(char *bad, size_t n) PST_HIDDEN;

/* Record outcome `key` of finding f with its message and hint (check.c). */
void pst__check_finish(pst__check_ctx *c, pst__finding_rec *f, pst_status st,
                       const char *key, const pst__msg_args *args) PST_HIDDEN;
void pst__check_value(pst__finding_rec *f, double v,
                      const char *unit) PST_HIDDEN;
/* The status of the finding `id` recorded so far, or PST_SKIP. */
pst_status pst__check_status(const pst__check_ctx *c,
                             const char *id) PST_HIDDEN;

/* The content checks of SPEC §3 (check_content.c), in §3 order. */
typedef void (*pst__check_fn)(pst__check_ctx *c, pst__finding_rec *f);
void pst__check_face_count(pst__check_ctx *c, pst__finding_rec *f) PST_HIDDEN;
void pst__check_face_width(pst__check_ctx *c, pst__finding_rec *f) PST_HIDDEN;
void pst__check_face_center(pst__check_ctx *c, pst__finding_rec *f) PST_HIDDEN;
void pst__check_head_crown(pst__check_ctx *c, pst__finding_rec *f) PST_HIDDEN;
void pst__check_eyes_line(pst__check_ctx *c, pst__finding_rec *f) PST_HIDDEN;
void pst__check_eyes_level(pst__check_ctx *c, pst__finding_rec *f) PST_HIDDEN;
void pst__check_bg_color(pst__check_ctx *c, pst__finding_rec *f) PST_HIDDEN;
void pst__check_bg_uniform(pst__check_ctx *c, pst__finding_rec *f) PST_HIDDEN;
void pst__check_exposure(pst__check_ctx *c, pst__finding_rec *f) PST_HIDDEN;
void pst__check_lighting(pst__check_ctx *c, pst__finding_rec *f) PST_HIDDEN;
void pst__check_sharpness(pst__check_ctx *c, pst__finding_rec *f) PST_HIDDEN;
void pst__check_face_color(pst__check_ctx *c, pst__finding_rec *f) PST_HIDDEN;
void pst__check_clothing(pst__check_ctx *c, pst__finding_rec *f) PST_HIDDEN;

#endif

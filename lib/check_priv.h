/* Private to the check engine (check.c), its report (report.c) and its
 * message table (messages.c). Not "check.h": that would shadow libcheck's
 * <check.h> for the test suites, which build with -Ilib. */
#ifndef PST_CHECK_PRIV_H
#define PST_CHECK_PRIV_H

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
  /* The content checks (a later issue) add the face box and eye points
   * here, for pst_report_json's "face" and "eyes". */
};

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

#endif

/* make bench: in-process timings of photostd against the libjpeg-turbo
 * floor, as ratios measured in one run on the same bytes (SPEC §5).
 *
 * Each row is one operation timed on the input; a row may name the row it
 * is compared with and the largest ratio allowed. To add a bench (full
 * photocheck, face detection, photofix of a 12 MP photo), write a function
 * `static int op(bench_ctx *)` doing one iteration and add a row. */
#include "photostd.h"

#include <stdio.h> /* before jpeglib.h, which uses FILE */

#include <jpeglib.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BATCHES 7
#define BATCH_SECONDS 0.15

typedef struct bench_ctx {
  const char *path;
  unsigned char *bytes;
  size_t len;
  pst_profile *prof;
  pst_limits *lim;
  int checks; /* findings pst_check_mem reports for this input */
} bench_ctx;

typedef struct bench_row {
  const char *name;
  int (*op)(bench_ctx *); /* one iteration; non-zero on failure */
  int base;               /* row index to compare with, or -1 */
  double target;          /* largest ratio to `base`; 0: none */
  double ms;              /* measured: median milliseconds per iteration */
} bench_row;

/* ---- operations ---- */

struct jerr {
  struct jpeg_error_mgr mgr;
  jmp_buf jb;
};

static void jerr_exit(j_common_ptr cinfo) {
  struct jerr *e = (struct jerr *)cinfo->err;
  longjmp(e->jb, 1);
}

/* The floor: what any program must spend to get RGB pixels out of the file
 * with libjpeg-turbo, including the output buffer. */
static int op_libjpeg_decode(bench_ctx *c) {
  struct jpeg_decompress_struct cinfo;
  struct jerr err;
  unsigned char *volatile px = NULL;
  volatile int rc = 1;
  cinfo.err = jpeg_std_error(&err.mgr);
  err.mgr.error_exit = jerr_exit;
  if (setjmp(err.jb)) goto out;
  jpeg_create_decompress(&cinfo);
  jpeg_mem_src(&cinfo, c->bytes, (unsigned long)c->len);
  jpeg_read_header(&cinfo, TRUE);
  cinfo.out_color_space = JCS_RGB;
  jpeg_start_decompress(&cinfo);
  px = malloc((size_t)cinfo.output_width * cinfo.output_height * 3);
  if (!px) goto out;
  while (cinfo.output_scanline < cinfo.output_height) {
    JSAMPROW row = px + (size_t)cinfo.output_scanline * cinfo.output_width * 3;
    jpeg_read_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_decompress(&cinfo);
  rc = 0;
out:
  jpeg_destroy_decompress(&cinfo);
  free(px);
  return rc;
}

static int op_pst_load(bench_ctx *c) {
  pst_image *img = NULL;
  pst_err e = pst_image_load_mem(c->bytes, c->len, c->lim, 1, &img, NULL, NULL);
  pst_image_destroy(img);
  return e != PST_OK;
}

static int op_pst_check(bench_ctx *c) {
  pst_report *r = NULL;
  pst_err e = pst_check_mem(c->bytes, c->len, "good.jpg", c->prof, c->lim, &r);
  pst_report_destroy(r);
  return e != PST_OK;
}

/* ---- timing ---- */

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Seconds per iteration of `n` iterations; < 0 when the op fails. */
static double time_batch(bench_row *row, bench_ctx *c, long n) {
  double t0 = now();
  for (long i = 0; i < n; i++)
    if (row->op(c)) return -1;
  return (now() - t0) / (double)n;
}

/* Median of BATCHES batches, each sized to last about BATCH_SECONDS, so a
 * noisy moment on the machine moves one batch and not the result. */
static int measure(bench_row *row, bench_ctx *c) {
  double t[BATCHES], one = time_batch(row, c, 3);
  long n;
  if (one < 0) return -1;
  n = (long)(BATCH_SECONDS / (one > 1e-7 ? one : 1e-7));
  if (n < 1) n = 1;
  for (int b = 0; b < BATCHES; b++)
    if ((t[b] = time_batch(row, c, n)) < 0) return -1;
  qsort(t, BATCHES, sizeof *t, cmp_double);
  row->ms = t[BATCHES / 2] * 1e3;
  return 0;
}

/* ---- input ---- */

static int read_all(const char *path, unsigned char **out, size_t *len) {
  FILE *f = fopen(path, "rb");
  long n;
  int rc = -1;
  *out = NULL;
  if (!f) return -1;
  if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) <= 0 ||
      fseek(f, 0, SEEK_SET) != 0)
    goto out;
  *out = malloc((size_t)n);
  if (*out && fread(*out, 1, (size_t)n, f) == (size_t)n)
    *len = (size_t)n, rc = 0;
out:
  fclose(f);
  return rc;
}

static int setup(bench_ctx *c, const char *path) {
  pst_report *r = NULL;
  memset(c, 0, sizeof *c);
  c->path = path;
  if (read_all(path, &c->bytes, &c->len) != 0) {
    fprintf(stderr, "bench: %s: cannot read (run make bench)\n", path);
    return -1;
  }
  if (pst_profile_builtin("chsi", &c->prof) != PST_OK ||
      !(c->lim = pst_limits_create()))
    return fprintf(stderr, "bench: out of memory\n"), -1;
  if (pst_check_mem(c->bytes, c->len, "good.jpg", c->prof, c->lim, &r))
    return fprintf(stderr, "bench: pst_check_mem failed\n"), -1;
  c->checks = pst_report_count(r);
  pst_report_destroy(r);
  return 0;
}

static void teardown(bench_ctx *c) {
  free(c->bytes);
  pst_profile_destroy(c->prof);
  pst_limits_destroy(c->lim);
}

static void report(const bench_row *rows, int n) {
  printf("%-44s %9s %8s %8s\n", "operation", "ms", "ratio", "target");
  for (int i = 0; i < n; i++) {
    const bench_row *r = &rows[i];
    printf("%-44s %9.3f", r->name, r->ms);
    if (r->base >= 0) {
      double ratio = r->ms / rows[r->base].ms;
      printf(" %7.2fx", ratio);
      if (r->target > 0)
        printf("  <= %.1fx  %s", r->target,
               ratio <= r->target ? "PASS" : "OVER");
    }
    putchar('\n');
  }
}

int main(int argc, char *argv[]) {
  const char *dir = getenv("PST_FIXTURES");
  char path[4096];
  bench_ctx c;
  int rc = 1;
  bench_row rows[] = {
      {"libjpeg-turbo decode to RGB (floor)", op_libjpeg_decode, -1, 0, 0},
      {"pst_image_load_mem (library decode)", op_pst_load, 0, 0, 0},
      {"pst_check_mem", op_pst_check, 0, 0, 0},
  };
  int n = (int)(sizeof rows / sizeof *rows);
  snprintf(path, sizeof path, "%s/good.jpg", dir ? dir : "build/fixtures");
  if (setup(&c, argc > 1 ? argv[1] : path) != 0) goto out;
  /* Until the content checks land the library runs only the file checks
   * (target 1.5x); a full photocheck has SPEC §5's 3x. */
  rows[2].name = c.checks > 12 ? "pst_check_mem (full photocheck, all checks)"
                               : "pst_check_mem (file checks)";
  rows[2].target = c.checks > 12 ? 3.0 : 1.5;
  printf("bench: %s, %zu bytes, %d checks, median of %d batches\n", c.path,
         c.len, c.checks, BATCHES);
  for (int i = 0; i < n; i++)
    if (measure(&rows[i], &c) != 0) {
      fprintf(stderr, "bench: %s failed on %s\n", rows[i].name, c.path);
      goto out;
    }
  report(rows, n);
  rc = 0;
out:
  teardown(&c);
  return rc;
}

/* make bench: in-process timings of photostd against the libjpeg-turbo
 * floor, as ratios measured in one run on the same bytes (SPEC §5).
 *
 * Each row is one operation timed on the input; a row may name the row it
 * is compared with and the largest ratio allowed. To add a bench (full
 * photocheck, face detection, photofix of a 12 MP photo), write a function
 * `static int op(bench_ctx *)` doing one iteration and add a row.
 *
 * `bench --fix-only` measures the photofix table alone (about ten seconds),
 * `bench --batch-only` photobatch's. */
#include "photostd.h"

#include "analyze.h" /* photofix stages: the bench links the static library */
#include "face.h"
#include "fix_priv.h"
#include "segment.h"

#include <stdio.h> /* before jpeglib.h, which uses FILE */

#include <jpeglib.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BATCHES 21
#define BATCH_SECONDS 0.05

typedef struct bench_ctx {
  const char *path;
  unsigned char *bytes;
  size_t len;
  pst_profile *prof;
  pst_profile *prof_files; /* prof with `checks = file`: issue 2's row */
  pst_limits *lim;
  int checks; /* findings pst_check_mem reports for this input */
  /* photofix rows: the stages' inputs, made once */
  pst_image *dec4, *out_img;
  uint8_t *out_jpeg; /* out_img encoded, for the final check's row */
  size_t out_len;
  pst__xform xf;
  /* face detection row: the plane the analysis searches */
  pst_plane det;
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
  /* Many rows per call, as lib/jpeg.c reads: a few % faster than one. */
  while (cinfo.output_scanline < cinfo.output_height) {
    size_t stride = (size_t)cinfo.output_width * 3;
    JSAMPROW rows[16];
    JDIMENSION n = cinfo.output_height - cinfo.output_scanline;
    n = n < 16 ? n : 16;
    for (JDIMENSION k = 0; k < n; k++)
      rows[k] = px + (cinfo.output_scanline + k) * stride;
    if (jpeg_read_scanlines(&cinfo, rows, n) == 0) break;
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

/* The file checks alone (file.*, jpeg.*, image.*, exif.*): decode once,
 * no face analysis. */
static int op_pst_check_files(bench_ctx *c) {
  pst_report *r = NULL;
  pst_err e;
  if (!c->prof_files) {
    c->prof_files = pst_profile_copy(c->prof);
    if (!c->prof_files ||
        pst_profile_set(c->prof_files, "checks", "file", NULL) != PST_OK)
      return 1;
  }
  e = pst_check_mem(c->bytes, c->len, "good.jpg", c->prof_files, c->lim, &r);
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

/* The rows of one table, measured together: each row's batch is sized to
 * last about BATCH_SECONDS, and the rows' batches alternate, BATCHES
 * rounds; each row keeps its median. A slow moment of a shared (virtual)
 * machine then falls on every row alike, and the ratios hold: measured one
 * row after the other, the full check moved from 2.8x to 3.4x the floor
 * between runs of the same binary. This VM also has slow spells of a
 * second or more (the same loop 40% slower): 21 short rounds rather than
 * 7 longer ones spread a spell over every row. Up to 8 rows. */
static int measure_rows(bench_row *rows, int nrows, bench_ctx *c) {
  double t[8][BATCHES];
  long n[8];
  if (nrows > 8) return -1;
  for (int r = 0; r < nrows; r++) {
    double one = time_batch(&rows[r], c, 3);
    if (one < 0) return -1;
    n[r] = (long)(BATCH_SECONDS / (one > 1e-7 ? one : 1e-7));
    if (n[r] < 1) n[r] = 1;
  }
  for (int b = 0; b < BATCHES; b++)
    for (int r = 0; r < nrows; r++)
      if ((t[r][b] = time_batch(&rows[r], c, n[r])) < 0) return -1;
  for (int r = 0; r < nrows; r++) {
    qsort(t[r], BATCHES, sizeof t[r][0], cmp_double);
    rows[r].ms = t[r][BATCHES / 2] * 1e3;
  }
  return 0;
}

static int measure(bench_row *row, bench_ctx *c) {
  return measure_rows(row, 1, c);
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
  pst_profile_destroy(c->prof_files);
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

/* ---- photofix on a 12 MP phone photo ---- */

/* The floor of photofix: the scaled decode (1/4) any program needs to see
 * the photo, plus the encode of the 480x640 result. */
static int op_floor_decode4(bench_ctx *c) {
  pst_image *img = NULL;
  pst_err e = pst_image_load_mem(c->bytes, c->len, c->lim, 4, &img, NULL, NULL);
  pst_image_destroy(img);
  return e != PST_OK;
}

static int op_encode_out(bench_ctx *c) {
  pst_jpeg_opts jo = {90, 300, 0, 0};
  uint8_t *buf = NULL;
  size_t len;
  pst_err e = pst_image_encode_jpeg(c->out_img, &jo, &buf, &len);
  pst_free(buf);
  return e != PST_OK;
}

static int op_floor(bench_ctx *c) {
  return op_floor_decode4(c) || op_encode_out(c);
}

static int op_analyze(bench_ctx *c) {
  pst__analysis an;
  return pst__analyze(c->dec4, &an) != PST_OK || an.nfaces != 1;
}

static int op_resample(bench_ctx *c) {
  pst_image *out = NULL;
  pst_err e =
      pst__warp_rgb(c->dec4, (double)c->dec4->width / 3000, &c->xf, &out);
  pst_image_destroy(out);
  return e != PST_OK;
}

static int op_segment(bench_ctx *c) {
  pst__seg_input in;
  pst__matte m = {0};
  pst_err e;
  memset(&in, 0, sizeof in);
  in.img = c->out_img;
  in.face.x = 120, in.face.y = 170, in.face.w = 240, in.face.h = 240;
  in.eye_l.x = 190, in.eye_r.x = 290, in.eye_l.y = in.eye_r.y = 250;
  in.crown_y = 60;
  in.work_max = 400;
  in.out_w = 480, in.out_h = 640;
  e = pst__segment(&in, &m);
  pst__matte_free(&m);
  return e != PST_OK;
}

/* The check photofix runs on its own output (the same as photocheck). */
static int op_check_out(bench_ctx *c) {
  pst_report *r = NULL;
  pst_err e =
      pst_check_mem(c->out_jpeg, c->out_len, "out.jpg", c->prof, c->lim, &r);
  pst_report_destroy(r);
  return e != PST_OK;
}

static int op_photofix(bench_ctx *c) {
  pst_fix_result *r = NULL;
  pst_err e =
      pst_fix_mem(c->bytes, c->len, "phone.jpg", c->prof, c->lim, NULL, &r);
  int bad = e != PST_OK || !pst_fix_jpeg(r, NULL);
  pst_fix_result_destroy(r);
  return bad;
}

/* A 3000x4000 phone-sized JPEG: a public portrait enlarged 2.2x (bilinear) with
 * sensor-like noise, or a generated head when the photos are absent. */
static pst_image *phone_pixels(const char *real) {
  char path[4096];
  pst_image *src = NULL, *big = NULL;
  pst_rgb grey = {180, 180, 180};
  unsigned seed = 12345;
  snprintf(path, sizeof path, "%s/london/001_03.jpg", real ? real : "");
  if (!real || pst_image_load(path, NULL, 1, &src, NULL, NULL) != PST_OK)
    src = NULL;
  if (pst_image_create(3000, 4000, grey, &big) != PST_OK) goto out;
  for (int y = 0; y < 4000; y++)
    for (int x = 0; x < 3000; x++) {
      uint8_t *d = pst_image_pixels(big) + ((size_t)y * 3000 + x) * 3;
      for (int k = 0; k < 3; k++) {
        int v;
        seed = seed * 1103515245u + 12345u;
        if (src) {
          /* 1350x1350 -> 3000 wide; below it the picture is
           * mirrored down to 4000 (more shirt) */
          double f = 1350.0 / 3000, sx = (x + 0.5) * f - 0.5,
                 sy = (y + 0.5) * f - 0.5;
          if (sy > 1348) sy = 2 * 1348 - sy;
          int x0 = sx < 0 ? 0 : (int)sx, y0 = sy < 0 ? 0 : (int)sy;
          int x1 = x0 + 1 < 1350 ? x0 + 1 : 1349,
              y1 = y0 + 1 < 1350 ? y0 + 1 : 1349;
          double fx = sx - x0, fy = sy - y0;
          const uint8_t *p = pst_image_cpixels(src);
          x0 = x0 > 1349 ? 1349 : x0;
          fx = fx < 0 ? 0 : fx > 1 ? 1 : fx;
          fy = fy < 0 ? 0 : fy > 1 ? 1 : fy;
          double t = p[(y0 * 1350 + x0) * 3 + k] * (1 - fx) +
                     p[(y0 * 1350 + x1) * 3 + k] * fx;
          double b = p[(y1 * 1350 + x0) * 3 + k] * (1 - fx) +
                     p[(y1 * 1350 + x1) * 3 + k] * fx;
          v = (int)(t * (1 - fy) + b * fy);
        } else {
          double dx = (x - 1500) / 700.0, dy = (y - 1700) / 900.0;
          v = dx * dx + dy * dy < 1 ? 190 - 40 * k : 200;
        }
        v += (int)((seed >> 16) % 13) - 6;
        d[k] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
      }
    }
out:
  pst_image_destroy(src);
  return big;
}

/* Write the phone photo to a temporary file and read it back, as a user's
 * file would be. */
static int make_phone(bench_ctx *c, char *tmp) {
  pst_image *big = phone_pixels(getenv("PST_REAL"));
  pst_jpeg_opts jo = {92, 72, 0, 0};
  uint8_t *buf = NULL;
  size_t len = 0;
  int fd = -1, rc = -1;
  if (!big || pst_image_encode_jpeg(big, &jo, &buf, &len) != PST_OK) goto out;
  fd = mkstemp(tmp);
  if (fd < 0 || write(fd, buf, len) != (ssize_t)len) goto out;
  rc = read_all(tmp, &c->bytes, &c->len);
out:
  if (fd >= 0) close(fd), unlink(tmp);
  pst_image_destroy(big);
  pst_free(buf);
  return rc;
}

/* Peak resident memory of one photofix, measured in a child process so the
 * bench's own buffers do not count. */
static double fix_peak_mb(bench_ctx *c) {
  struct rusage ru;
  int status;
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) _exit(op_photofix(c));
  if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
      WEXITSTATUS(status) != 0 || getrusage(RUSAGE_CHILDREN, &ru) != 0)
    return -1;
  return ru.ru_maxrss / 1024.0;
}

static int bench_fix(bench_ctx *c) {
  char tmp[] = "/tmp/pst-bench-phone.XXXXXX";
  double mb;
  int rc = -1;
  bench_row rows[] = {
      {"floor: decode 1/4 + encode 480x640", op_floor, -1, 0, 0},
      {"photofix 12 MP total (pst_fix_mem)", op_photofix, 0, 3.0, 0},
      {"  stage decode (1/4)", op_floor_decode4, 0, 0, 0},
      {"  stage detect+measure (pst__analyze)", op_analyze, 0, 0, 0},
      {"  stage resample to 480x640", op_resample, 0, 0, 0},
      {"  stage segment+matte", op_segment, 0, 0, 0},
      {"  stage encode", op_encode_out, 0, 0, 0},
      {"  stage check of the output", op_check_out, 0, 0, 0},
  };
  int n = (int)(sizeof rows / sizeof *rows);
  pst__landmarks lm;
  free(c->bytes);
  c->bytes = NULL;
  if (make_phone(c, tmp) != 0)
    return fprintf(stderr, "bench: no phone photo\n"), -1;
  if ((mb = fix_peak_mb(c)) < 0) {
    pst_fix_result *r = NULL;
    pst_fix_mem(c->bytes, c->len, "phone.jpg", c->prof, c->lim, NULL, &r);
    fprintf(stderr, "bench: photofix failed on the 12 MP photo: %s\n",
            r && pst_fix_reason_id(r) ? pst_fix_reason_id(r) : "error");
    pst_fix_result_destroy(r);
    return -1;
  }
  if (pst_image_load_mem(c->bytes, c->len, c->lim, 4, &c->dec4, NULL, NULL))
    goto out;
  memset(&lm, 0, sizeof lm);
  /* The London photo's landmarks, enlarged 2.22x. */
  lm.eye_l.x = 1242, lm.eye_r.x = 1740, lm.eye_l.y = lm.eye_r.y = 1400;
  lm.crown.x = lm.chin.x = 1490, lm.crown.y = 40, lm.chin.y = 2218;
  lm.face_w = 1188, lm.face_cx = 1490;
  if (pst__geometry_solve(&lm, c->prof, 480, 640, 3000, 4000, &c->xf) !=
          PST__GEO_OK ||
      pst__warp_rgb(c->dec4, (double)c->dec4->width / 3000, &c->xf,
                    &c->out_img) != PST_OK)
    goto out;
  {
    pst_jpeg_opts jo = {90, 300, 0, 0};
    if (pst_image_encode_jpeg(c->out_img, &jo, &c->out_jpeg, &c->out_len))
      goto out;
  }
  printf("\nbench: photofix on a 3000x4000 phone JPEG, %zu bytes\n", c->len);
  if (measure_rows(rows, n, c) != 0) {
    fprintf(stderr, "bench: a photofix operation failed\n");
    goto out;
  }
  report(rows, n);
  printf("%-44s %9.1f MB  <= 64 MB  %s\n", "photofix 12 MP peak RSS (child)",
         mb, mb <= 64 ? "PASS" : "OVER");
  rc = 0;
out:
  pst_image_destroy(c->dec4);
  pst_image_destroy(c->out_img);
  c->dec4 = c->out_img = NULL;
  pst_free(c->out_jpeg);
  c->out_jpeg = NULL;
  return rc;
}

/* ---- content checks (issue 3) ---- */

/* Face detection alone, on the plane pst__analyze searches for this photo
 * (its 1/4 box reduction; the decode is not timed), with the options
 * photocheck uses (lib/analyze.c detect(): first_min 0.3 of the short side,
 * one thread). */
static int op_detect(bench_ctx *c) {
  pst__face f[16];
  pst__detect_opts o = {0};
  int side = PST_MIN(c->det.width, c->det.height);
  o.min_size = PST_MAX(20, side / 8);
  o.first_min = (int)(0.3 * side);
  o.try_rotated = 1;
  o.threads = 1;
  return pst__detect_faces(&c->det, &o, f, 16) < 1;
}

/* The first compliant photo of an mkcompliance set, or NULL. */
static const char *compliant_photo(char *path, size_t n) {
  const char *dir = getenv("PST_COMPLIANCE");
  char line[1024], mpath[4096];
  FILE *fp;
  snprintf(mpath, sizeof mpath, "%s/MANIFEST", dir ? dir : "build/compliance");
  if (!(fp = fopen(mpath, "r"))) return NULL;
  while (fgets(line, sizeof line, fp)) {
    char *tab = strchr(line, '\t');
    if (tab && tab[1] == '-' && tab[2] == '\t') {
      *tab = 0;
      snprintf(path, n, "%s/%s", dir ? dir : "build/compliance", line);
      fclose(fp);
      return path;
    }
  }
  fclose(fp);
  return NULL;
}

/* One detection row on `full` reduced by `d`. */
static int detect_row(bench_ctx *c, const pst_plane *full, int d,
                      const char *name, const char *how, int fw, int fh) {
  bench_row row = {name, op_detect, -1, 0, 0};
  int rc = -1;
  if (pst__plane_resize(full, full->width / d, full->height / d, &c->det) ==
          PST_OK &&
      measure(&row, c) == 0) {
    printf("%-44s %9.3f ms  <= 15 ms  %s  (%dx%d plane: %s a %dx%d "
           "photo)\n",
           row.name, row.ms, row.ms <= 15 ? "PASS" : "OVER", c->det.width,
           c->det.height, how, fw, fh);
    rc = 0;
  }
  free(c->det.data);
  c->det.data = NULL;
  return rc;
}

/* Face detection on a 1350x1350 London photo: on the plane photocheck
 * searches (the check decodes it at pst__jpeg_auto_denom, then reduces by
 * up to 4), and on the 4x finer plane of a 1/4 reduction of the whole
 * photo, for comparison with earlier figures. */
static int bench_detect(bench_ctx *c) {
  const char *real = getenv("PST_REAL");
  char path[4096];
  pst_image *img = NULL;
  pst_plane full = {0};
  int rc = -1, w, h, denom, d;
  snprintf(path, sizeof path, "%s/london/001_03.jpg",
           real ? real : "../shared/testdata/real");
  if (pst_image_load(path, NULL, 1, &img, NULL, NULL) != PST_OK) {
    printf("\nbench: %s absent: face detection not timed\n", path);
    return 0;
  }
  w = pst_image_width(img), h = pst_image_height(img);
  denom = pst__jpeg_auto_denom(w, h);
  d = PST_CLAMP(PST_MIN(w, h) / denom / 120, 1, 4) * denom;
  printf("\n");
  if (pst__image_luma(img, &full) == PST_OK &&
      detect_row(c, &full, d, "face detection 1350x1350 (as photocheck)",
                 "as photocheck searches", w, h) == 0 &&
      detect_row(c, &full, 4, "face detection 1350x1350 at 1/4", "1/4 of", w,
                 h) == 0)
    rc = 0;
  free(full.data);
  pst_image_destroy(img);
  return rc;
}

static int bench_content(void) {
  char path[4096];
  bench_ctx c;
  int rc = 1;
  bench_row rows[] = {
      {"libjpeg-turbo decode to RGB (floor)", op_libjpeg_decode, -1, 0, 0},
      {"pst_check_mem (full photocheck, 25 checks)", op_pst_check, 0, 3.0, 0},
  };
  if (!compliant_photo(path, sizeof path)) {
    printf("\nbench: no mkcompliance set (PST_COMPLIANCE): the full "
           "photocheck of a compliant photo is not timed\n");
    return bench_detect(&c) != 0;
  }
  if (setup(&c, path) != 0) goto out;
  printf("\nbench: compliant photo %s, %zu bytes, %d checks\n", c.path, c.len,
         c.checks);
  if (measure_rows(rows, 2, &c) != 0) goto out;
  report(rows, 2);
  rc = bench_detect(&c) != 0;
out:
  teardown(&c);
  return rc;
}

/* ---- photobatch throughput (issue 5) ---- */

/* Runs argv to completion; its wall time and CPU (user + sys, the child's
 * threads included) come back. -1 when it could not run or exited > 1. */
static int run_timed(char *const argv[], double *wall, double *cpu) {
  struct rusage ru;
  int status;
  double t0 = now();
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    execv(argv[0], argv);
    _exit(127);
  }
  if (wait4(pid, &status, 0, &ru) != pid || !WIFEXITED(status) ||
      WEXITSTATUS(status) > 1)
    return -1;
  *wall = now() - t0;
  *cpu = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec +
         ru.ru_stime.tv_usec / 1e6;
  return 0;
}

/* The tools are built next to the bench ($(B)/bench, $(B)/photobatch). */
static void tool_path(const char *argv0, const char *tool, char *out,
                      size_t n) {
  const char *b = getenv("PST_BUILD");
  const char *slash = strrchr(argv0, '/');
  if (b)
    snprintf(out, n, "%s/%s", b, tool);
  else if (slash)
    snprintf(out, n, "%.*s/%s", (int)(slash - argv0), argv0, tool);
  else
    snprintf(out, n, "./%s", tool);
}

/* 200 mixed inputs from mkbatch (80% fixable, 10% duplicates, 10% broken)
 * through photobatch at -j1 and -j2. The wall ratio is the target; the
 * CPU per image shows whether a shortfall is contention inside photobatch
 * (CPU/image grows with -j) or a busy machine (load average over 2). */
static int bench_batch(const char *argv0) {
  enum { COUNT = 200, REPEATS = 3 };
  const char *real = getenv("PST_REAL");
  char dir[] = "/tmp/pst-bench-batch.XXXXXX", pb[4096], mk[4096];
  char in[4200], out[4200], count[16], jobs[8], src[4096];
  double wall[2] = {0}, cpu[2] = {0}, load[3] = {0};
  int rc = -1;
  tool_path(argv0, "photobatch", pb, sizeof pb);
  tool_path(argv0, "mkbatch", mk, sizeof mk);
  if (access(pb, X_OK) || access(mk, X_OK) || !real) {
    printf("\nbench: photobatch, mkbatch or PST_REAL missing: batch "
           "throughput not timed\n");
    return 0;
  }
  if (!mkdtemp(dir)) return -1;
  snprintf(count, sizeof count, "%d", COUNT);
  snprintf(src, sizeof src, "%s", real);
  {
    char *mkargv[] = {mk, src, dir, count, NULL};
    double w, c;
    if (run_timed(mkargv, &w, &c)) goto out;
  }
  snprintf(in, sizeof in, "%s/in", dir);
  /* -j1 and -j2 alternate, REPEATS times each, and each keeps its
   * fastest run: on a shared (virtual) machine a single pair swings the
   * ratio by +-15%, the best of three by much less. */
  for (int r = 0; r < REPEATS; r++)
    for (int j = 1; j <= 2; j++) {
      char *argv[] = {pb, in, "-o", out, "-q", "-j", jobs, NULL};
      double w, cp;
      snprintf(out, sizeof out, "%s/out%d_%d", dir, j, r);
      snprintf(jobs, sizeof jobs, "%d", j);
      if (run_timed(argv, &w, &cp)) goto out;
      if (r == 0 || w < wall[j - 1]) wall[j - 1] = w, cpu[j - 1] = cp;
    }
  getloadavg(load, 3);
  printf("\nbench: photobatch on %d mixed inputs (mkbatch), best of %d, load "
         "average %.2f %.2f %.2f on %ld cores\n",
         COUNT, REPEATS, load[0], load[1], load[2],
         sysconf(_SC_NPROCESSORS_ONLN));
  for (int j = 0; j < 2; j++)
    printf("%-44s %9.2f img/s  %7.1f ms CPU/img  (%.1f s wall)\n",
           j ? "photobatch -j2" : "photobatch -j1", COUNT / wall[j],
           1000 * cpu[j] / COUNT, wall[j]);
  printf("%-44s %9.2fx       >= 1.8x  %s\n", "photobatch -j2 / -j1 (wall)",
         wall[0] / wall[1], wall[0] / wall[1] >= 1.8 ? "PASS" : "UNDER");
  printf("%-44s %9.2fx       ~1.0x (no contention)\n",
         "photobatch CPU/img -j2 / -j1", cpu[1] / cpu[0]);
  rc = 0;
out : {
  char *rmargv[] = {"/bin/rm", "-rf", dir, NULL};
  double w, c;
  run_timed(rmargv, &w, &c);
}
  if (rc) fprintf(stderr, "bench: photobatch run failed\n");
  return rc;
}

int main(int argc, char *argv[]) {
  const char *dir = getenv("PST_FIXTURES");
  char path[4096];
  bench_ctx c;
  int rc = 1;
  bench_row rows[] = {
      {"libjpeg-turbo decode to RGB (floor)", op_libjpeg_decode, -1, 0, 0},
      {"pst_image_load_mem (library decode)", op_pst_load, 0, 0, 0},
      {"pst_check_mem (file checks only)", op_pst_check_files, 0, 1.5, 0},
      {"pst_check_mem", op_pst_check, 0, 0, 0},
  };
  int n = (int)(sizeof rows / sizeof *rows);
  if (argc > 1 && !strcmp(argv[1], "--batch-only"))
    return bench_batch(argv[0]) != 0;
  if (argc > 1 && !strcmp(argv[1], "--fix-only")) {
    /* the photofix table alone, for a change to its pipeline */
    memset(&c, 0, sizeof c);
    if (pst_profile_builtin("chsi", &c.prof) != PST_OK ||
        !(c.lim = pst_limits_create()))
      return 1;
    rc = bench_fix(&c) != 0;
    goto out;
  }
  snprintf(path, sizeof path, "%s/good.jpg", dir ? dir : "build/fixtures");
  if (setup(&c, argc > 1 ? argv[1] : path) != 0) goto out;
  /* Until the content checks land the library runs only the file checks
   * (target 1.5x); a full photocheck has SPEC §5's 3x. */
  rows[3].name = "pst_check_mem (full photocheck, all checks)";
  rows[3].target = 3.0;
  printf("bench: %s, %zu bytes, %d checks, median of %d batches\n", c.path,
         c.len, c.checks, BATCHES);
  if (measure_rows(rows, n, &c) != 0) {
    fprintf(stderr, "bench: an operation failed on %s\n", c.path);
    goto out;
  }
  report(rows, n);
  rc = bench_content() != 0;
  rc |= bench_fix(&c) != 0;
  rc |= bench_batch(argv[0]) != 0;
out:
  teardown(&c);
  return rc;
}

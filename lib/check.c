/* The check engine: runs the checks of SPEC §3 in order over one file and
 * records a finding for each.
 *
 * Each check is a descriptor {id, severity, prerequisite, function}. The
 * engine skips a check whose prerequisite failed (naming the check that
 * failed), so a function only ever sees what it needs. The file is decoded
 * once, by jpeg.decode, and the pixels stay in the context for the checks
 * that follow; the content checks of SPEC §3 (face.count, face.width, ...)
 * slot in after exif.location with their own prerequisites (a face). */
#include "check_priv.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

/* What a check needs; each level includes the ones before it. */
typedef enum need {
  NEED_NONE,
  NEED_READ,    /* the bytes (file.read passed) */
  NEED_JPEG,    /* the bytes are JPEG (file.format passed) */
  NEED_HEADER,  /* the JPEG headers were read (size, tables, markers) */
  NEED_PIXELS,  /* the pixels were decoded (maybe with warnings) */
  NEED_CONTENT, /* pixels, and the profile runs the content checks */
  NEED_FACE,    /* exactly one face (face.count passed) */
} need;

typedef pst__check_ctx ctx;

typedef void (*check_fn)(ctx *c, pst__finding_rec *f);

typedef struct check_desc {
  const char *id;
  int severity_error;
  need needs;
  check_fn run;
} check_desc;

/* Record the outcome `key` with its message and hint in both languages. */
static void finish(ctx *c, pst__finding_rec *f, pst_status st, const char *key,
                   const pst__msg_args *args) {
  pst__msg_args a = {0};
  if (args) a = *args;
  if (!a.p) a.p = c->r->profile;
  if (!a.e) a.e = f->expected;
  f->status = st;
  for (int l = PST_LANG_EN; l <= PST_LANG_ZH; l++) {
    pst_err e = pst__msg_format(f->id, key, (pst_lang)l, &a, &f->text[l][0],
                                &f->text[l][1]);
    /* A missing template (a bug the tests catch) leaves the text empty
     * rather than failing the check. */
    if (e == PST_ERR_NOMEM && !c->err) c->err = e;
  }
}

static void set_value(pst__finding_rec *f, double v, const char *unit) {
  f->has_value = 1;
  f->value = v;
  f->unit = unit;
}

void pst__check_finish(ctx *c, pst__finding_rec *f, pst_status st,
                       const char *key, const pst__msg_args *args) {
  finish(c, f, st, key, args);
}

void pst__check_value(pst__finding_rec *f, double v, const char *unit) {
  set_value(f, v, unit);
}

pst_status pst__check_status(const ctx *c, const char *id) {
  for (int i = 0; i < c->r->n; i++)
    if (!strcmp(c->r->f[i].id, id)) return c->r->f[i].status;
  return PST_SKIP;
}

/* ---- file checks ---- */

/* Why reading failed, judged from the file system rather than from errno
 * after the fact. A missing file, a folder, a FIFO or an oversized file is
 * the file's own fault; anything else is an I/O error of this machine. */
static const char *read_failure(const ctx *c, int *io_error) {
  struct stat st;
  *io_error = 0;
  if (!c->path) return "toobig"; /* memory: only the size limit applies */
  if (stat(c->path, &st) != 0) {
    if (errno == ENOENT || errno == ENOTDIR || errno == ENAMETOOLONG ||
        errno == ELOOP)
      return "missing";
    *io_error = 1;
    return errno == EACCES ? "denied" : "io";
  }
  if (S_ISDIR(st.st_mode)) return "dir";
  if (!S_ISREG(st.st_mode)) return "notreg";
  if (c->read_err == PST_ERR_LIMIT) return "toobig";
  *io_error = 1;
  return access(c->path, R_OK) != 0 && errno == EACCES ? "denied" : "io";
}

static void check_read(ctx *c, pst__finding_rec *f) {
  char v[32], e[32];
  pst__msg_args a = {.v = v, .e = e, .x = c->read_detail.message};
  const pst_limits *lim = c->lim;
  const char *key;
  if (c->read_ok) {
    snprintf(v, sizeof v, "%zu", c->len);
    a.e = "";
    finish(c, f, PST_PASS, "pass", &a);
    return;
  }
  key = read_failure(c, &c->r->io_error);
  if (!strcmp(key, "toobig")) {
    struct stat st;
    unsigned long long n = c->len;
    if (c->path && stat(c->path, &st) == 0) n = (unsigned long long)st.st_size;
    snprintf(v, sizeof v, "%llu", n);
  }
  snprintf(e, sizeof e, "%llu", (unsigned long long)lim->max_file_bytes);
  finish(c, f, PST_FAIL, key, &a);
}

static void check_format(ctx *c, pst__finding_rec *f) {
  pst_format fmt = pst_sniff(c->buf, c->len);
  pst__msg_args a = {.x = pst_format_name(fmt)};
  c->r->info.format = fmt;
  snprintf(f->expected, sizeof f->expected, "JPEG");
  if (fmt == PST_FMT_JPEG)
    finish(c, f, PST_PASS, "pass", &a);
  else if (fmt == PST_FMT_EMPTY)
    finish(c, f, PST_FAIL, "empty", &a);
  else if (fmt == PST_FMT_UNKNOWN)
    finish(c, f, PST_FAIL, "unknown", &a);
  else
    finish(c, f, PST_FAIL, "other", &a);
}

static int is_jpeg_ext(const char *ext) {
  return ext && (!strcasecmp(ext, ".jpg") || !strcasecmp(ext, ".jpeg"));
}

static void check_extension(ctx *c, pst__finding_rec *f) {
  const char *name = c->r->file, *base = strrchr(name, '/'), *ext;
  pst__msg_args a = {0};
  base = base ? base + 1 : name;
  ext = strrchr(base, '.');
  if (ext == base) ext = NULL; /* ".jpg" alone is a hidden file's name */
  a.x = ext ? ext : "";
  snprintf(f->expected, sizeof f->expected, ".jpg");
  if (!strcmp(name, "-"))
    finish(c, f, PST_SKIP, "stdin", &a);
  else if (is_jpeg_ext(ext))
    finish(c, f, PST_PASS, "pass", &a);
  else if (!c->prof->require_jpg_ext)
    finish(c, f, PST_SKIP, "off", &a);
  else
    finish(c, f, PST_WARN, ext ? "warn" : "none", &a);
}

static void kb_text(char *s, size_t n, double kb) { snprintf(s, n, "%g", kb); }

static void size_expected(const pst_profile *p, char *s, size_t n) {
  char lo[16], hi[16];
  kb_text(lo, sizeof lo, p->min_kb);
  kb_text(hi, sizeof hi, p->max_kb);
  if (p->max_kb > 0 && p->min_kb > 0)
    snprintf(s, n, "%s\u2013%s", lo, hi);
  else if (p->max_kb > 0)
    snprintf(s, n, "<= %s", hi);
  else
    snprintf(s, n, ">= %s", lo);
}

static void check_size(ctx *c, pst__finding_rec *f) {
  const pst_profile *p = c->prof;
  double kb = round(c->len / 1024.0 * 10) / 10;
  char v[32], lim[24];
  pst__msg_args a = {.v = v, .x = lim};
  snprintf(v, sizeof v, "%.1f", kb);
  set_value(f, kb, "KB");
  if (p->min_kb <= 0 && p->max_kb <= 0) {
    finish(c, f, PST_SKIP, "off", &a);
    return;
  }
  size_expected(p, f->expected, sizeof f->expected);
  /* Compare bytes, not the rounded KB shown: 30719 B is not 30 KB. */
  if (p->min_kb > 0 && c->len < p->min_kb * 1024) {
    kb_text(lim, sizeof lim, p->min_kb);
    finish(c, f, PST_FAIL, "small", &a);
  } else if (p->max_kb > 0 && c->len > p->max_kb * 1024) {
    kb_text(lim, sizeof lim, p->max_kb);
    finish(c, f, PST_FAIL, "large", &a);
  } else {
    finish(c, f, PST_PASS, "pass", &a);
  }
}

/* ---- JPEG checks ---- */

static const char *decode_failure(ctx *c, pst_err err, pst__msg_args *a,
                                  char *x, char *y, size_t n) {
  const pst_info *in = &c->r->info;
  if (err == PST_ERR_LIMIT) {
    uint64_t px = (uint64_t)in->width * (uint64_t)in->height;
    if (px > c->lim->max_pixels) {
      snprintf(x, n, "%llu", (unsigned long long)px);
      snprintf(y, n, "%llu", (unsigned long long)c->lim->max_pixels);
      return "pixels";
    }
    snprintf(y, n, "%d", c->lim->max_scans);
    return "scans";
  }
  if (in->truncated) return "truncated";
  if (in->corrupt_warnings > 0) {
    a->x = in->warning[0] ? in->warning : "corrupt data";
    return "corrupt";
  }
  return err == PST_ERR_UNSUPPORTED ? "unsupported" : "error";
}

static void check_decode(ctx *c, pst__finding_rec *f) {
  pst_info *in = &c->r->info;
  pst_errinfo detail = {0};
  char x[32] = "", y[32] = "";
  pst__msg_args a = {.x = x, .y = y};
  pst_err err =
      pst__jpeg_decode(c->buf, c->len, c->lim, 0, &c->img, in, &detail);
  in->format = PST_FMT_JPEG;
  in->file_bytes = c->len;
  c->r->info_known = in->width > 0 && in->height > 0;
  snprintf(f->expected, sizeof f->expected, "no corrupt data");
  if (err == PST_ERR_NOMEM && !c->err) c->err = err;
  if (err) {
    const char *key = decode_failure(c, err, &a, x, y, sizeof x);
    if (!strcmp(key, "error") || !strcmp(key, "unsupported"))
      a.x = detail.message[0] ? detail.message : pst_strerror(err);
    finish(c, f, PST_FAIL, key, &a);
  } else if (in->truncated || in->corrupt_warnings > 0) {
    finish(c, f, PST_FAIL, decode_failure(c, err, &a, x, y, sizeof x), &a);
  } else {
    finish(c, f, PST_PASS, "pass", &a);
  }
}

static void check_quality(ctx *c, pst__finding_rec *f) {
  int q = c->r->info.quality, min = c->prof->min_quality;
  char v[16], x[16];
  pst__msg_args a = {.v = v, .x = x};
  snprintf(v, sizeof v, "%d", q);
  snprintf(x, sizeof x, "%d", min);
  snprintf(f->expected, sizeof f->expected, ">= %d", min);
  if (q >= 0) set_value(f, q, "");
  if (min <= 0)
    finish(c, f, PST_SKIP, "off", &a);
  else if (q < 0)
    finish(c, f, PST_SKIP, "unknown", &a);
  else
    finish(c, f, q < min ? PST_WARN : PST_PASS, q < min ? "low" : "pass", &a);
}

static void check_baseline(ctx *c, pst__finding_rec *f) {
  const pst_info *in = &c->r->info;
  snprintf(f->expected, sizeof f->expected, "baseline");
  if (in->progressive && in->arithmetic)
    finish(c, f, PST_WARN, "both", NULL);
  else if (in->progressive)
    finish(c, f, PST_WARN, "progressive", NULL);
  else if (in->arithmetic)
    finish(c, f, PST_WARN, "arithmetic", NULL);
  else
    finish(c, f, PST_PASS, "pass", NULL);
}

/* "3:4" for 0.75: the smallest p:q within 0.5% of `aspect`. */
static void aspect_text(double aspect, char *s, size_t n) {
  for (int q = 1; q <= 100; q++) {
    int p = (int)lround(aspect * q);
    if (p > 0 && fabs((double)p / q - aspect) <= aspect * 0.005) {
      snprintf(s, n, "%d:%d", p, q);
      return;
    }
  }
  snprintf(s, n, "%.3g", aspect);
}

static void check_dimensions(ctx *c, pst__finding_rec *f) {
  const pst_profile *p = c->prof;
  const pst_info *in = &c->r->info;
  char x[24], y[24], ratio[24];
  pst__msg_args a = {.x = x, .y = y};
  f->unit = "px";
  snprintf(x, sizeof x, "%dx%d", in->width, in->height);
  snprintf(y, sizeof y, "%dx%d", p->width, p->height);
  aspect_text(p->aspect, ratio, sizeof ratio);
  if (p->width <= 0 && p->height <= 0 && p->aspect <= 0) {
    finish(c, f, PST_SKIP, "off", &a);
  } else if (p->exact_size) {
    snprintf(f->expected, sizeof f->expected, "%s", y);
    int ok = in->width == p->width && in->height == p->height;
    finish(c, f, ok ? PST_PASS : PST_FAIL, ok ? "pass" : "exact", &a);
  } else {
    if (p->aspect > 0)
      snprintf(f->expected, sizeof f->expected, ">= %s, %s \u00b1%g%%", y,
               ratio, p->aspect_tol * 100);
    else
      snprintf(f->expected, sizeof f->expected, ">= %s", y);
    double ar = (double)in->width / in->height;
    if (in->width < p->width || in->height < p->height) {
      finish(c, f, PST_FAIL, "small", &a);
    } else if (p->aspect > 0 &&
               fabs(ar - p->aspect) > p->aspect * p->aspect_tol + 1e-9) {
      a.y = ratio;
      finish(c, f, PST_FAIL, "aspect", &a);
    } else {
      finish(c, f, PST_PASS, "pass", &a);
    }
  }
}

/* How much of the decoded picture shows colour: the share of a sample grid
 * (about 64 samples across the short side, a small fraction of the
 * decode's cost) whose chroma max(r,g,b) - min(r,g,b) exceeds 8. A share
 * rather than a mean, so a grey picture's noise cannot add up to "colour".
 * The grid is every other point of the 128-across grid the calibration
 * below was made on, so a picture with no colourful sample there has none
 * here either (all grey pictures stay at 0.0); colour photos move by
 * sampling noise only (notes/content.md, "Speed, pixel pass").
 *
 * Calibration (percent of samples; testdata/real decoded as RGB):
 *   colour photos: london 82 files 19.1..35.0 (lowest 067_08.jpg; the
 *     palest, 137_08.jpg, has a mean chroma of only 6.95: grey backdrop,
 *     pale skin), canada 14 files 88.2..100, snapshots 6 files 89.6..95.7,
 *     misc colour 21 files 21.6 (Bryan.png)..99.5;
 *   grey pictures stored as 3 components: hopper_gray.jpg, the Solvay PNG
 *     and camera.png decoded as RGB, and every real photo turned grey and
 *     re-encoded as colour JPEG at quality 40/60/75/95: 0.0 (all 520);
 *     the same with +-4 per-channel noise before encoding: 0.0;
 *     the synthetic grey pattern exif_imagemagick_orientation.png: 0.0;
 *   nearly grey (london at 10% saturation, re-encoded): 0.0..0.1.
 * 5% leaves a factor of almost 4 below the palest colour portrait. */
#define PST__COLOUR_CHROMA 8
#define PST__MIN_COLOUR_PCT 5.0

static double colour_percent(const pst_image *img) {
  int fine = PST_MAX(1, PST_MIN(img->width, img->height) / 128);
  int step = 2 * fine;
  uint64_t colourful = 0, n = 0;
  for (int y = fine / 2; y < img->height; y += step) {
    const uint8_t *row = img->px + (size_t)y * img->width * 3;
    for (int x = fine / 2; x < img->width; x += step) {
      const uint8_t *p = row + (size_t)x * 3;
      int hi = PST_MAX(p[0], PST_MAX(p[1], p[2]));
      int lo = PST_MIN(p[0], PST_MIN(p[1], p[2]));
      colourful += hi - lo > PST__COLOUR_CHROMA;
      n++;
    }
  }
  return n ? 100.0 * (double)colourful / (double)n : 0;
}

static void check_color(ctx *c, pst__finding_rec *f) {
  const pst_info *in = &c->r->info;
  char x[16];
  pst__msg_args a = {.x = x};
  snprintf(x, sizeof x, "%d", in->components);
  snprintf(f->expected, sizeof f->expected, "colour");
  if (!c->prof->require_color) {
    finish(c, f, PST_SKIP, "off", &a);
  } else if (in->components == 1) {
    finish(c, f, PST_FAIL, "gray", &a);
  } else if (in->components == 4) {
    finish(c, f, PST_FAIL, "cmyk", &a);
  } else if (in->components != 3) {
    finish(c, f, PST_FAIL, "other", &a);
  } else if (!c->img || in->truncated || in->corrupt_warnings > 0) {
    /* A damaged file's filler rows are grey: judge no picture from them. */
    finish(c, f, PST_SKIP, "nopixels", &a);
  } else {
    double pct = round(colour_percent(c->img) * 10) / 10;
    char v[16];
    snprintf(v, sizeof v, "%.1f", pct);
    a.v = v;
    set_value(f, pct, "%");
    snprintf(f->expected, sizeof f->expected, ">= %g", PST__MIN_COLOUR_PCT);
    if (pct < PST__MIN_COLOUR_PCT)
      finish(c, f, PST_FAIL, "greypic", &a);
    else
      finish(c, f, PST_PASS, "pass", &a);
  }
}

static void check_dpi(ctx *c, pst__finding_rec *f) {
  const pst_info *in = &c->r->info;
  int want = c->prof->dpi;
  double dpi = in->xdpi > 0 ? round(in->xdpi) : 0;
  char v[16], x[16];
  pst__msg_args a = {.v = v, .x = x};
  snprintf(v, sizeof v, "%g", dpi);
  snprintf(x, sizeof x, "%d", want);
  snprintf(f->expected, sizeof f->expected, "%d", want);
  set_value(f, dpi, "dpi");
  if (want <= 0)
    finish(c, f, PST_SKIP, "off", &a);
  else if (in->xdpi <= 0)
    finish(c, f, PST_WARN, "none", &a);
  else if (fabs(in->xdpi - want) > 1 || fabs(in->ydpi - want) > 1)
    finish(c, f, PST_WARN, "wrong", &a);
  else
    finish(c, f, PST_PASS, "pass", &a);
}

/* What each EXIF orientation asks a viewer to do, and the jpegtran
 * transform that does it to the pixels. */
static const struct {
  const char *en, *zh, *jpegtran;
} orient[9] = {
    [2] = {"mirror it left to right", "左右镜像", "-flip horizontal"},
    [3] = {"rotate it 180\u00b0", "旋转 180\u00b0", "-rotate 180"},
    [4] = {"mirror it top to bottom", "上下翻转", "-flip vertical"},
    [5] = {"mirror it along its diagonal (transpose)", "沿主对角线翻转（转置）",
           "-transpose"},
    [6] = {"rotate it 90\u00b0 clockwise", "顺时针旋转 90\u00b0", "-rotate 90"},
    [7] = {"mirror it along its other diagonal (transverse)", "沿副对角线翻转",
           "-transverse"},
    [8] = {"rotate it 90\u00b0 counter-clockwise", "逆时针旋转 90\u00b0",
           "-rotate 270"},
};

static void check_orientation(ctx *c, pst__finding_rec *f) {
  const pst_info *in = &c->r->info;
  int o = in->orientation;
  pst__msg_args a = {.x = "apply an invalid orientation",
                     .x_zh = "使用无效的方向值",
                     .y = "-rotate 90"};
  snprintf(f->expected, sizeof f->expected, "1");
  set_value(f, o, "");
  if (o >= 2 && o <= 8) {
    a.x = orient[o].en;
    a.x_zh = orient[o].zh;
    a.y = orient[o].jpegtran;
  }
  if (in->exif_corrupt)
    finish(c, f, PST_WARN, "corrupt", &a);
  else if (o != 1)
    finish(c, f, PST_FAIL, "fail", &a);
  else
    finish(c, f, PST_PASS, "pass", &a);
}

static void check_location(ctx *c, pst__finding_rec *f) {
  snprintf(f->expected, sizeof f->expected, "no GPS");
  if (c->r->info.has_gps)
    finish(c, f, PST_WARN, "warn", NULL);
  else
    finish(c, f, PST_PASS, "pass", NULL);
}

/* SPEC §3 order. Severity: 1 error (a fail rejects), 0 warning. */
static const check_desc checks[] = {
    {"file.read", 1, NEED_NONE, check_read},
    {"file.format", 1, NEED_READ, check_format},
    {"file.extension", 0, NEED_READ, check_extension},
    {"file.size", 1, NEED_READ, check_size},
    {"jpeg.decode", 1, NEED_JPEG, check_decode},
    {"jpeg.quality", 0, NEED_HEADER, check_quality},
    {"jpeg.baseline", 0, NEED_HEADER, check_baseline},
    {"image.dimensions", 1, NEED_HEADER, check_dimensions},
    {"image.color", 1, NEED_HEADER, check_color},
    {"image.dpi", 0, NEED_HEADER, check_dpi},
    {"exif.orientation", 1, NEED_HEADER, check_orientation},
    {"exif.location", 0, NEED_HEADER, check_location},
    {"face.count", 1, NEED_CONTENT, pst__check_face_count},
    {"face.width", 1, NEED_FACE, pst__check_face_width},
    {"face.center", 1, NEED_FACE, pst__check_face_center},
    {"head.crown", 1, NEED_FACE, pst__check_head_crown},
    {"eyes.line", 1, NEED_FACE, pst__check_eyes_line},
    {"eyes.level", 1, NEED_FACE, pst__check_eyes_level},
    {"background.color", 1, NEED_FACE, pst__check_bg_color},
    {"background.uniform", 1, NEED_FACE, pst__check_bg_uniform},
    {"face.exposure", 1, NEED_FACE, pst__check_exposure},
    {"face.lighting", 0, NEED_FACE, pst__check_lighting},
    {"image.sharpness", 1, NEED_FACE, pst__check_sharpness},
    {"face.color", 0, NEED_FACE, pst__check_face_color},
    {"clothing.contrast", 0, NEED_FACE, pst__check_clothing},
};

/* The id of the check whose failure leaves `n` unmet, or NULL. */
static const char *unmet(const ctx *c, need n) {
  if (n >= NEED_READ && !c->read_ok) return "file.read";
  if (n >= NEED_JPEG && c->r->info.format != PST_FMT_JPEG) return "file.format";
  if (n >= NEED_HEADER && !c->r->info_known) return "jpeg.decode";
  if (n >= NEED_PIXELS && !c->img) return "jpeg.decode";
  if (n >= NEED_FACE && (!c->analyzed || c->an.nfaces != 1 || !c->an.found))
    return "face.count";
  return NULL;
}

static void run_checks(ctx *c) {
  for (size_t i = 0; i < sizeof checks / sizeof *checks; i++) {
    pst__finding_rec *f = &c->r->f[c->r->n++];
    int off =
        checks[i].needs >= NEED_CONTENT && c->prof->checks == PST__CHECKS_FILE;
    /* A file-checks profile skips the content checks as "not checked",
     * unless the file itself already stopped them. */
    const char *blocker = unmet(c, off ? NEED_PIXELS : checks[i].needs);
    f->id = checks[i].id;
    f->severity_error = checks[i].severity_error;
    f->unit = "";
    if (blocker) {
      pst__msg_args a = {.x = blocker};
      finish(c, f, PST_SKIP, "skip", &a);
    } else if (off) {
      finish(c, f, PST_SKIP, "off", NULL);
    } else {
      checks[i].run(c, f);
    }
  }
}

/* Shared by pst_check_file and pst_check_mem once the bytes are in hand
 * (or reading them failed). */
static pst_err check_common(ctx *c, const char *name, const pst_profile *prof,
                            const pst_limits *lim, pst_report **out) {
  pst_profile *own = NULL;
  pst_err err;
  if (!prof) {
    err = pst_profile_builtin("chsi", &own);
    if (err) return err == PST_ERR_NOMEM ? err : PST_ERR_ARG;
    prof = own;
  }
  c->prof = prof;
  c->lim = lim ? lim : pst__limits_default();
  err = pst__report_new(name, pst_profile_name(prof), &c->r);
  if (err) goto out;
  c->r->have_bytes = c->read_ok;
  c->r->info.file_bytes = c->read_ok ? c->len : 0;
  run_checks(c);
  err = c->err;
  if (!err) {
    *out = c->r;
    c->r = NULL;
  }
out:
  pst_report_destroy(c->r);
  pst_image_destroy(c->img);
  pst_profile_destroy(own);
  return err;
}

pst_err pst_check_mem(const void *buf, size_t len, const char *name,
                      const pst_profile *prof, const pst_limits *lim,
                      pst_report **out) {
  ctx c = {0};
  if (out) *out = NULL;
  if (!out || (!buf && len)) return PST_ERR_ARG;
  c.buf = buf;
  c.len = len;
  c.read_ok = len <= (lim ? lim : pst__limits_default())->max_file_bytes;
  c.read_err = c.read_ok ? PST_OK : PST_ERR_LIMIT;
  return check_common(&c, name ? name : "-", prof, lim, out);
}

pst_err pst_check_file(const char *path, const pst_profile *prof,
                       const pst_limits *lim, pst_report **out) {
  ctx c = {0};
  uint8_t *buf = NULL;
  pst_err err;
  if (out) *out = NULL;
  if (!path || !out) return PST_ERR_ARG;
  c.path = path;
  c.read_err =
      pst__read_file(path, (lim ? lim : pst__limits_default())->max_file_bytes,
                     &buf, &c.len, &c.read_detail);
  if (c.read_err == PST_ERR_NOMEM) return PST_ERR_NOMEM;
  c.read_ok = c.read_err == PST_OK;
  c.buf = buf;
  err = check_common(&c, path, prof, lim, out);
  free(buf);
  return err;
}

/* JPEG through the libjpeg API (libjpeg-turbo): decode with limits, scaled
 * DCT and corrupt-data warnings, header inspection, quality estimation and
 * encoding. Every call owns its error manager and jmp_buf. */
#include "internal.h"

#include <setjmp.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <jerror.h>

/* Decoder state for one call. `err` is first so that libjpeg's err pointer
 * leads back to the whole context. */
typedef struct jctx {
  struct jpeg_error_mgr err;
  jmp_buf jb;
  struct jpeg_decompress_struct d;
  struct jpeg_progress_mgr progress;
  pst_err code; /* what a longjmp means; PST_ERR_DECODE unless set */
  char msg[JMSG_LENGTH_MAX];
  pst_info *info;
  const pst_limits *lim;
  pst_image *img;
  uint8_t *row; /* CMYK scanline, converted to RGB by us */
} jctx;

static void on_error(j_common_ptr c) {
  jctx *x = (jctx *)c->err;
  (*c->err->format_message)(c, x->msg);
  if (x->code == PST_OK) x->code = PST_ERR_DECODE;
  longjmp(x->jb, 1);
}

/* libjpeg reports recoverable corruption (bad Huffman code, data ending
 * early, extraneous bytes) as level -1 messages; they become the caller's
 * warnings, or failures under `strict`. Trace messages are dropped. */
static void on_message(j_common_ptr c, int level) {
  jctx *x = (jctx *)c->err;
  char buf[JMSG_LENGTH_MAX];
  if (level >= 0) return;
  (*c->err->format_message)(c, buf);
  if (c->err->msg_code == JWRN_JPEG_EOF) x->info->truncated = 1;
  if (x->info->corrupt_warnings++ == 0)
    snprintf(x->info->warning, sizeof x->info->warning, "%.150s", buf);
  if (x->lim->strict) {
    snprintf(x->msg, sizeof x->msg, "corrupt data: %.180s", buf);
    x->code = PST_ERR_DECODE;
    longjmp(x->jb, 1);
  }
}

/* libjpeg calls this between input passes, so a file with thousands of
 * tiny progressive scans is stopped before it costs thousands of passes. */
static void on_progress(j_common_ptr c) {
  jctx *x = (jctx *)c->err;
  j_decompress_ptr d = (j_decompress_ptr)c;
  if (d->input_scan_number <= x->lim->max_scans) return;
  snprintf(x->msg, sizeof x->msg, "JPEG has more than %d scans (limit)",
           x->lim->max_scans);
  x->code = PST_ERR_LIMIT;
  longjmp(x->jb, 1);
}

static void info_reset(pst_info *info, size_t len) {
  memset(info, 0, sizeof *info);
  info->format = PST_FMT_JPEG;
  info->file_bytes = len;
  info->quality = -1;
  info->orientation = 1;
}

/* ---- quality ---- */

/* ITU-T T.81 Annex K.1 luminance table, natural order; libjpeg scales it
 * by jpeg_quality_scaling() for `-quality`. */
static const uint16_t std_luma[64] = {
    16, 11, 10, 16, 24,  40,  51,  61,  12, 12, 14, 19, 26,  58,  60,  55,
    14, 13, 16, 24, 40,  57,  69,  56,  14, 17, 22, 29, 51,  87,  80,  62,
    18, 22, 37, 56, 68,  109, 103, 77,  24, 35, 55, 64, 81,  104, 113, 92,
    49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99};

static int ijg_entry(int base, int q) {
  long scale = q < 50 ? 5000 / q : 200 - 2 * q;
  long v = (base * scale + 50) / 100;
  return (int)PST_CLAMP(v, 1, 255);
}

/* The quality whose IJG table is nearest (least squares). Entries that
 * clamp at 1 or 255 carry no information about the scale, so they are
 * skipped unless the candidate table has nothing else left. */
static long fit_error(const uint16_t q[64], int quality) {
  long sum = 0;
  for (int i = 0; i < 64; i++) {
    int e = ijg_entry(std_luma[i], quality);
    long dlt = (long)q[i] - e;
    if ((e == 1 && q[i] <= 1) || (e == 255 && q[i] >= 255)) continue;
    sum += dlt * dlt;
  }
  return sum;
}

int pst__jpeg_quality_from_table(const uint16_t q[64]) {
  long best = -1;
  int best_q = -1;
  if (!q) return -1;
  for (int i = 0; i < 64; i++)
    if (q[i] == 0) return -1;
  for (int quality = 1; quality <= 100; quality++) {
    long e = fit_error(q, quality);
    if (best < 0 || e < best) best = e, best_q = quality;
  }
  return best_q;
}

/* ---- headers ---- */

static pst_colorspace colorspace_of(J_COLOR_SPACE cs) {
  switch (cs) {
  case JCS_GRAYSCALE: return PST_CS_GRAY;
  case JCS_RGB:
  case JCS_YCbCr: return PST_CS_RGB;
  case JCS_CMYK:
  case JCS_YCCK: return PST_CS_CMYK;
  default: return PST_CS_UNKNOWN;
  }
}

static void read_density(j_decompress_ptr d, pst_info *info) {
  if (!d->saw_JFIF_marker) return;
  info->density_unit = d->density_unit;
  if (d->X_density == 0 || d->Y_density == 0) return;
  if (d->density_unit == 1) {
    info->xdpi = d->X_density;
    info->ydpi = d->Y_density;
  } else if (d->density_unit == 2) {
    info->xdpi = d->X_density * 2.54;
    info->ydpi = d->Y_density * 2.54;
  }
}

static void read_exif(j_decompress_ptr d, pst_info *info) {
  for (jpeg_saved_marker_ptr m = d->marker_list; m; m = m->next)
    if (m->marker == JPEG_APP0 + 1 && m->data_length >= 6 &&
        memcmp(m->data, "Exif\0\0", 6) == 0) {
      pst__exif_parse(m->data, m->data_length, info);
      return;
    }
}

static void fill_header_info(j_decompress_ptr d, pst_info *info) {
  info->width = (int)d->image_width;
  info->height = (int)d->image_height;
  info->components = d->num_components;
  info->colorspace = colorspace_of(d->jpeg_color_space);
  info->progressive = d->progressive_mode ? 1 : 0;
  info->arithmetic = d->arith_code ? 1 : 0;
  if (d->quant_tbl_ptrs[0]) {
    uint16_t q[64];
    for (int i = 0; i < 64; i++) q[i] = d->quant_tbl_ptrs[0]->quantval[i];
    info->quality = pst__jpeg_quality_from_table(q);
  }
  read_density(d, info);
  read_exif(d, info);
}

/* Errors before this point cannot longjmp: jpeg_create_decompress is the
 * first call that may. */
static void ctx_init(jctx *x, const pst_limits *lim, pst_info *info) {
  memset(x, 0, sizeof *x);
  x->lim = lim ? lim : pst__limits_default();
  x->info = info;
  x->d.err = jpeg_std_error(&x->err);
  x->err.error_exit = on_error;
  x->err.emit_message = on_message;
  x->progress.progress_monitor = on_progress;
}

static void read_header(jctx *x, const uint8_t *buf, size_t len) {
  jpeg_create_decompress(&x->d);
  x->d.progress = &x->progress;
  jpeg_mem_src(&x->d, buf, (unsigned long)len);
  jpeg_save_markers(&x->d, JPEG_APP0 + 1, 0xffff);
  jpeg_read_header(&x->d, TRUE);
  fill_header_info(&x->d, x->info);
}

/* Refused on the declared size, before libjpeg allocates anything that
 * grows with the image (the coefficient buffer of a progressive file). */
static void check_pixels(jctx *x) {
  uint64_t px = (uint64_t)x->d.image_width * x->d.image_height;
  if (px <= x->lim->max_pixels) return;
  snprintf(x->msg, sizeof x->msg, "image is %ux%u (%.1f MP), limit is %.1f MP",
           x->d.image_width, x->d.image_height, px / 1e6,
           x->lim->max_pixels / 1e6);
  x->code = PST_ERR_LIMIT;
  longjmp(x->jb, 1);
}

/* Without an Adobe marker CMYK is stored plainly; Photoshop's files (which
 * carry one) store it inverted, 255 meaning no ink. */
static void cmyk_to_rgb(const uint8_t *s, uint8_t *d, int n, int inverted) {
  for (int i = 0; i < n; i++, s += 4, d += 3) {
    unsigned k = inverted ? s[3] : 255u - s[3];
    for (int c = 0; c < 3; c++) {
      unsigned v = inverted ? s[c] : 255u - s[c];
      d[c] = (uint8_t)((v * k + 127) / 255);
    }
  }
}

/* Rows handed to libjpeg per call. One at a time makes the merged (h2v2)
 * upsampler decode each pair of rows into its spare row and copy one out:
 * 20% slower than the fancy upsampler it is meant to beat (480x640 photo:
 * 1.05 against 0.89 ms; 0.80 ms when it gets 2 rows or more). */
enum { ROWS_PER_READ = 16 };

static void read_pixels(jctx *x) {
  j_decompress_ptr d = &x->d;
  int cmyk = d->jpeg_color_space == JCS_CMYK || d->jpeg_color_space == JCS_YCCK;
  pst_err err;
  d->out_color_space = cmyk ? JCS_CMYK : JCS_RGB;
  jpeg_start_decompress(d);
  err = pst__image_alloc((int)d->output_width, (int)d->output_height, &x->img);
  if (!err && cmyk) {
    x->row = malloc((size_t)d->output_width * 4);
    if (!x->row) err = PST_ERR_NOMEM;
  }
  if (err) {
    snprintf(x->msg, sizeof x->msg, "out of memory for %ux%u pixels",
             d->output_width, d->output_height);
    x->code = err;
    longjmp(x->jb, 1);
  }
  while (d->output_scanline < d->output_height) {
    size_t stride = (size_t)d->output_width * 3;
    uint8_t *dst = x->img->px + (size_t)d->output_scanline * stride;
    JSAMPROW rows[ROWS_PER_READ];
    JDIMENSION n =
        PST_MIN(ROWS_PER_READ, d->output_height - d->output_scanline);
    if (cmyk) {
      rows[0] = x->row;
      if (jpeg_read_scanlines(d, rows, 1) != 1) break;
      cmyk_to_rgb(x->row, dst, (int)d->output_width, d->saw_Adobe_marker);
      continue;
    }
    for (JDIMENSION k = 0; k < n; k++) rows[k] = dst + k * stride;
    if (jpeg_read_scanlines(d, rows, n) == 0) break;
  }
  jpeg_finish_decompress(d);
  x->info->scans = d->input_scan_number;
}

int pst__jpeg_auto_denom(int width, int height) {
  int side = PST_MIN(width, height), s = 1;
  while (s < 8 && side / (2 * s) >= PST__ANALYSIS_SIDE) s *= 2;
  return s;
}

/* Denominator 0 is the checks' decode: the DCT scale that suits the
 * analysis, and libjpeg's merged chroma upsampling instead of the "fancy"
 * (triangle-filtered) one: the checks read colour as means over cells and
 * samples, which the filter does not change (compliance set: the same
 * verdicts, 98.7% of defects caught), and it saves 11% of the decode. */
static void set_scale(j_decompress_ptr d, int denom) {
  if (denom == 0) {
    denom = pst__jpeg_auto_denom((int)d->image_width, (int)d->image_height);
    d->do_fancy_upsampling = FALSE;
  }
  d->scale_num = 1;
  d->scale_denom = (unsigned)denom;
}

static pst_err run_decode(jctx *x, const uint8_t *buf, size_t len, int scale) {
  if (setjmp(x->jb)) return x->code;
  read_header(x, buf, len);
  check_pixels(x);
  set_scale(&x->d, scale);
  read_pixels(x);
  return PST_OK;
}

pst_err pst__jpeg_decode(const uint8_t *buf, size_t len, const pst_limits *lim,
                         int scale_denom, pst_image **out, pst_info *info,
                         pst_errinfo *detail) {
  pst_info local;
  jctx x;
  pst_err err;
  if (out) *out = NULL;
  if (!info) info = &local;
  info_reset(info, len);
  if (!out || !buf)
    return pst__fail(detail, PST_ERR_ARG, "no JPEG data or no output");
  if (scale_denom != 0 && scale_denom != 1 && scale_denom != 2 &&
      scale_denom != 4 && scale_denom != 8)
    return pst__fail(detail, PST_ERR_ARG, "scale 1/%d is not 1, 2, 4 or 8",
                     scale_denom);
  ctx_init(&x, lim, info);
  err = run_decode(&x, buf, len, scale_denom);
  jpeg_destroy_decompress(&x.d);
  free(x.row);
  if (err) {
    pst_image_destroy(x.img);
    return pst__fail(detail, err, "%s", x.msg);
  }
  *out = x.img;
  return PST_OK;
}

/* Counts SOS markers by walking the segments and skipping entropy-coded
 * data, where 0xFF is always followed by 0x00 or a restart marker. */
static int count_scans(const uint8_t *p, size_t len) {
  int scans = 0;
  size_t i = 2;
  while (i + 1 < len) {
    uint8_t m;
    if (p[i] != 0xff) {
      const uint8_t *q = memchr(p + i, 0xff, len - i);
      if (!q) break;
      i = (size_t)(q - p);
      continue;
    }
    m = p[i + 1];
    if (m == 0x00 || m == 0xff || m == 0x01 || (m >= 0xd0 && m <= 0xd8)) {
      i += m == 0xff ? 1 : 2;
      continue;
    }
    if (m == 0xd9 || i + 3 >= len) break;
    if (m == 0xda) scans++;
    i += 2 + ((size_t)p[i + 2] << 8 | p[i + 3]);
  }
  return scans;
}

static pst_err run_inspect(jctx *x, const uint8_t *buf, size_t len) {
  if (setjmp(x->jb)) return x->code;
  read_header(x, buf, len);
  return PST_OK;
}

pst_err pst__jpeg_inspect(const uint8_t *buf, size_t len, const pst_limits *lim,
                          pst_info *info, pst_errinfo *detail) {
  pst_info local;
  jctx x;
  pst_err err;
  if (!info) info = &local;
  info_reset(info, len);
  if (!buf) return pst__fail(detail, PST_ERR_ARG, "no JPEG data");
  ctx_init(&x, lim, info);
  err = run_inspect(&x, buf, len);
  jpeg_destroy_decompress(&x.d);
  if (err) return pst__fail(detail, err, "%s", x.msg);
  info->scans = count_scans(buf, len);
  return PST_OK;
}

/* ---- encoding ---- */

/* Our own growable destination: unlike jpeg_mem_dest, the buffer is ours
 * at every moment, so a longjmp mid-encode can free it. */
typedef struct jdest {
  struct jpeg_destination_mgr pub;
  uint8_t *buf;
  size_t cap, len;
} jdest;

typedef struct ectx {
  struct jpeg_error_mgr err;
  jmp_buf jb;
  struct jpeg_compress_struct c;
  jdest dest;
  pst_err code;
} ectx;

static void enc_error(j_common_ptr c) {
  ectx *x = (ectx *)c->err;
  if (x->code == PST_OK) x->code = PST_ERR_NOMEM;
  longjmp(x->jb, 1);
}

static void enc_silent(j_common_ptr c, int level) {
  PST_UNUSED(c), PST_UNUSED(level);
}

static void dest_init(j_compress_ptr c) {
  jdest *d = (jdest *)c->dest;
  d->cap = 65536;
  d->buf = malloc(d->cap);
  if (!d->buf) ERREXIT(c, JERR_OUT_OF_MEMORY);
  d->pub.next_output_byte = d->buf;
  d->pub.free_in_buffer = d->cap;
}

/* libjpeg calls this when the buffer is full, whatever free_in_buffer
 * says; the buffer doubles. */
static boolean dest_grow(j_compress_ptr c) {
  jdest *d = (jdest *)c->dest;
  uint8_t *nb = d->cap < SIZE_MAX / 2 ? realloc(d->buf, d->cap * 2) : NULL;
  if (!nb) ERREXIT(c, JERR_OUT_OF_MEMORY);
  d->buf = nb;
  d->pub.next_output_byte = nb + d->cap;
  d->pub.free_in_buffer = d->cap;
  d->cap *= 2;
  return TRUE;
}

static void dest_term(j_compress_ptr c) {
  jdest *d = (jdest *)c->dest;
  d->len = d->cap - d->pub.free_in_buffer;
}

static void set_params(j_compress_ptr c, const pst_jpeg_opts *o) {
  jpeg_set_defaults(c);
  if (o->grayscale) jpeg_set_colorspace(c, JCS_GRAYSCALE);
  jpeg_set_quality(c, o->quality, TRUE);
  if (o->progressive) jpeg_simple_progression(c);
  c->optimize_coding = TRUE;
  c->write_JFIF_header = TRUE;
  c->density_unit = o->dpi > 0 ? 1 : 0;
  c->X_density = c->Y_density = (UINT16)(o->dpi > 0 ? o->dpi : 1);
}

static pst_err run_encode(ectx *x, const pst_image *img,
                          const pst_jpeg_opts *o) {
  j_compress_ptr c = &x->c;
  if (setjmp(x->jb)) return x->code;
  jpeg_create_compress(c);
  x->dest.pub.init_destination = dest_init;
  x->dest.pub.empty_output_buffer = dest_grow;
  x->dest.pub.term_destination = dest_term;
  c->dest = &x->dest.pub;
  c->image_width = (JDIMENSION)img->width;
  c->image_height = (JDIMENSION)img->height;
  c->input_components = 3;
  c->in_color_space = JCS_RGB;
  set_params(c, o);
  jpeg_start_compress(c, TRUE);
  while (c->next_scanline < c->image_height) {
    JSAMPROW row = img->px + (size_t)c->next_scanline * (size_t)img->width * 3;
    jpeg_write_scanlines(c, &row, 1);
  }
  jpeg_finish_compress(c);
  return PST_OK;
}

pst_err pst_image_encode_jpeg(const pst_image *img, const pst_jpeg_opts *opts,
                              uint8_t **out, size_t *out_len) {
  ectx x;
  pst_err err;
  if (out) *out = NULL;
  if (out_len) *out_len = 0;
  if (!img || !opts || !out || !out_len) return PST_ERR_ARG;
  if (opts->quality < 1 || opts->quality > 100 || opts->dpi < 0 ||
      opts->dpi > 65535)
    return PST_ERR_RANGE;
  memset(&x, 0, sizeof x);
  x.c.err = jpeg_std_error(&x.err);
  x.err.error_exit = enc_error;
  x.err.emit_message = enc_silent;
  err = run_encode(&x, img, opts);
  jpeg_destroy_compress(&x.c);
  if (err) {
    free(x.dest.buf);
    return err;
  }
  *out = x.dest.buf;
  *out_len = x.dest.len;
  return PST_OK;
}

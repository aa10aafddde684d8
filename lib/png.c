/* PNG through libpng: every colour type, bit depth and interlacing becomes
 * RGB8 (alpha composited over white); EXIF from eXIf or from ImageMagick's
 * "Raw profile type exif" text. Every call owns its jmp_buf. */
#include "internal.h"

#include <png.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

typedef struct pctx {
  jmp_buf jb;
  pst_err code;
  char msg[200];
  const uint8_t *buf;
  size_t len, pos;
  pst_info *info;
  const pst_limits *lim;
  png_structp png;
  png_infop pi;
  pst_image *img;
  uint8_t *rgba;   /* whole image when it has alpha */
  png_bytep *rows; /* row pointers into img->px or rgba */
} pctx;

static void on_error(png_structp png, png_const_charp msg) {
  pctx *x = png_get_error_ptr(png);
  snprintf(x->msg, sizeof x->msg, "%.190s", msg);
  if (x->code == PST_OK) x->code = PST_ERR_DECODE;
  longjmp(x->jb, 1);
}

/* libpng warns about damaged ancillary chunks (bad CRC, bad lengths) and
 * about colour profiles it finds wrong; only the first kind is damage. */
static void on_warning(png_structp png, png_const_charp msg) {
  pctx *x = png_get_error_ptr(png);
  if (strstr(msg, "iCCP") || strstr(msg, "sRGB") || strstr(msg, "profile"))
    return;
  if (x->info->corrupt_warnings++ == 0)
    snprintf(x->info->warning, sizeof x->info->warning, "%.150s", msg);
  if (x->lim->strict) {
    snprintf(x->msg, sizeof x->msg, "corrupt data: %.180s", msg);
    x->code = PST_ERR_DECODE;
    longjmp(x->jb, 1);
  }
}

static void on_read(png_structp png, png_bytep out, size_t n) {
  pctx *x = png_get_io_ptr(png);
  if (n > x->len - x->pos) {
    x->info->truncated = 1;
    png_error(png, "file ends before the image does (truncated)");
  }
  memcpy(out, x->buf + x->pos, n);
  x->pos += n;
}

static void info_reset(pst_info *info, size_t len) {
  memset(info, 0, sizeof *info);
  info->format = PST_FMT_PNG;
  info->file_bytes = len;
  info->quality = -1;
  info->orientation = 1;
}

static void fail(pctx *x, pst_err code, const char *msg) {
  snprintf(x->msg, sizeof x->msg, "%s", msg);
  x->code = code;
  longjmp(x->jb, 1);
}

/* ---- header ---- */

static void read_density(pctx *x) {
  png_uint_32 px, py;
  int unit;
  if (!png_get_pHYs(x->png, x->pi, &px, &py, &unit)) return;
  if (unit != PNG_RESOLUTION_METER || px == 0 || py == 0) return;
  x->info->density_unit = 2;
  x->info->xdpi = px * 0.0254;
  x->info->ydpi = py * 0.0254;
}

static void fill_header_info(pctx *x) {
  int ct = png_get_color_type(x->png, x->pi);
  int ch = png_get_channels(x->png, x->pi);
  x->info->width = (int)png_get_image_width(x->png, x->pi);
  x->info->height = (int)png_get_image_height(x->png, x->pi);
  x->info->components = ct == PNG_COLOR_TYPE_PALETTE ? 3 : ch;
  x->info->colorspace = (ct & PNG_COLOR_MASK_COLOR) ? PST_CS_RGB : PST_CS_GRAY;
  read_density(x);
}

static void check_pixels(pctx *x) {
  uint64_t w = png_get_image_width(x->png, x->pi);
  uint64_t h = png_get_image_height(x->png, x->pi);
  if (w * h <= x->lim->max_pixels) return;
  snprintf(x->msg, sizeof x->msg,
           "image is %llux%llu (%.1f MP), limit is %.1f MP",
           (unsigned long long)w, (unsigned long long)h, (double)(w * h) / 1e6,
           (double)x->lim->max_pixels / 1e6);
  x->code = PST_ERR_LIMIT;
  longjmp(x->jb, 1);
}

/* Everything becomes 8-bit RGB, plus alpha when the file has any (an
 * alpha channel or a tRNS chunk). */
static int set_transforms(pctx *x) {
  png_structp png = x->png;
  int ct = png_get_color_type(png, x->pi);
  int alpha =
      (ct & PNG_COLOR_MASK_ALPHA) || png_get_valid(png, x->pi, PNG_INFO_tRNS);
  png_set_expand(png);
  png_set_scale_16(png);
  if (!(ct & PNG_COLOR_MASK_COLOR)) png_set_gray_to_rgb(png);
  png_set_interlace_handling(png);
  png_read_update_info(png, x->pi);
  if (png_get_channels(png, x->pi) != (alpha ? 4 : 3) ||
      png_get_bit_depth(png, x->pi) != 8)
    fail(x, PST_ERR_UNSUPPORTED, "PNG pixel layout not supported");
  return alpha;
}

/* ---- pixels ---- */

static void alloc_rows(pctx *x, int alpha) {
  int w = x->info->width, h = x->info->height;
  uint8_t *base;
  size_t stride = (size_t)w * (alpha ? 4 : 3);
  pst_err err = pst__image_alloc(w, h, &x->img);
  if (err) fail(x, err, "out of memory for the image");
  if (alpha && !(x->rgba = malloc(stride * (size_t)h)))
    fail(x, PST_ERR_NOMEM, "out of memory for the image");
  if (!(x->rows = malloc(sizeof *x->rows * (size_t)h)))
    fail(x, PST_ERR_NOMEM, "out of memory for the image");
  base = alpha ? x->rgba : x->img->px;
  for (int y = 0; y < h; y++) x->rows[y] = base + stride * (size_t)y;
}

/* Over white, as a viewer or a print shows a transparent photo. */
static void composite_white(pctx *x) {
  size_t n = (size_t)x->img->width * (size_t)x->img->height;
  const uint8_t *s = x->rgba;
  uint8_t *d = x->img->px;
  for (size_t i = 0; i < n; i++, s += 4, d += 3) {
    unsigned a = s[3];
    for (int c = 0; c < 3; c++)
      d[c] = (uint8_t)((s[c] * a + 255u * (255u - a) + 127) / 255);
  }
}

/* ---- EXIF ---- */

static int hexval(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* ImageMagick's text is "\nexif\n   LENGTH\nHEX..." with the hex wrapped
 * in lines; the decoded bytes start with "Exif\0\0". */
static void parse_raw_profile(const char *t, size_t n, pst_info *info) {
  const char *end = t + n, *p = t;
  unsigned long want;
  char *num_end;
  uint8_t *bin = NULL;
  size_t got = 0;
  while (p < end && (*p == '\n' || *p == ' ')) p++;
  while (p < end && *p != '\n') p++; /* the profile's name */
  want = strtoul(p, &num_end, 10);   /* the text is NUL-terminated */
  p = num_end;
  if (want == 0 || want > (1u << 24) || p > end) return;
  bin = malloc(want);
  if (!bin) return;
  for (int hi = -1; p < end && got < want; p++) {
    int v = hexval((unsigned char)*p);
    if (v < 0) continue;
    if (hi < 0) {
      hi = v;
    } else {
      bin[got++] = (uint8_t)(hi << 4 | v);
      hi = -1;
    }
  }
  if (got == want) pst__exif_parse(bin, got, info);
  free(bin);
}

static void read_exif(pctx *x) {
  png_bytep exif = NULL;
  png_uint_32 n = 0;
  png_textp text = NULL;
  int nt = 0;
  if (png_get_eXIf_1(x->png, x->pi, &n, &exif) && exif && n > 0) {
    pst__exif_parse(exif, n, x->info);
    return;
  }
  png_get_text(x->png, x->pi, &text, &nt);
  for (int i = 0; i < nt; i++)
    if (text[i].key && strcmp(text[i].key, "Raw profile type exif") == 0 &&
        text[i].text) {
      parse_raw_profile(text[i].text, text[i].text_length, x->info);
      return;
    }
}

static pst_err run_decode(pctx *x) {
  int alpha;
  if (setjmp(x->jb)) return x->code;
  x->png =
      png_create_read_struct(PNG_LIBPNG_VER_STRING, x, on_error, on_warning);
  if (!x->png) fail(x, PST_ERR_NOMEM, "out of memory");
  x->pi = png_create_info_struct(x->png);
  if (!x->pi) fail(x, PST_ERR_NOMEM, "out of memory");
  png_set_read_fn(x->png, x, on_read);
  /* The width and height limits are ours (pixels), checked below. */
  png_set_user_limits(x->png, 0x7fffffffu, 0x7fffffffu);
  /* Compressed text and ICC chunks inflate up to this; a photo's are far
   * below 8 MiB. */
  png_set_chunk_malloc_max(x->png, (png_alloc_size_t)8 << 20);
  png_read_info(x->png, x->pi);
  fill_header_info(x);
  check_pixels(x);
  alpha = set_transforms(x);
  alloc_rows(x, alpha);
  png_read_image(x->png, x->rows);
  /* eXIf and text chunks may follow the image data. */
  png_read_end(x->png, x->pi);
  read_exif(x);
  if (alpha) composite_white(x);
  return PST_OK;
}

/* libpng allocates an ancillary chunk's stated length before reading it
 * (png_set_chunk_malloc_max does not stop tEXt in libpng 1.6.39): a
 * 150-byte file whose tEXt says 1 GiB cost 1 GiB. No chunk but IDAT (read
 * in pieces, so a cut one is a truncation warning) can be longer than what
 * is left of the file; 0 when one claims to be. */
static int chunk_lengths_fit(const uint8_t *buf, size_t len) {
  uint64_t pos = 8;
  while (pos + 8 <= len) {
    const uint8_t *c = buf + pos;
    uint64_t n = (uint64_t)c[0] << 24 | (uint64_t)c[1] << 16 |
                 (uint64_t)c[2] << 8 | c[3];
    if (memcmp(c + 4, "IDAT", 4) != 0 && n > len - pos - 8) return 0;
    if (memcmp(c + 4, "IEND", 4) == 0) break;
    pos += n + 12;
  }
  return 1;
}

pst_err pst__png_decode(const uint8_t *buf, size_t len, const pst_limits *lim,
                        pst_image **out, pst_info *info, pst_errinfo *detail) {
  pst_info local;
  pctx x;
  pst_err err;
  if (out) *out = NULL;
  if (!info) info = &local;
  info_reset(info, len);
  if (!out || !buf)
    return pst__fail(detail, PST_ERR_ARG, "no PNG data or no output");
  if (!chunk_lengths_fit(buf, len)) {
    info->truncated = 1;
    return pst__fail(detail, PST_ERR_DECODE,
                     "a PNG chunk is longer than the file (truncated)");
  }
  memset(&x, 0, sizeof x);
  x.buf = buf, x.len = len, x.info = info;
  x.lim = lim ? lim : pst__limits_default();
  err = run_decode(&x);
  if (x.png) png_destroy_read_struct(&x.png, x.pi ? &x.pi : NULL, NULL);
  free(x.rows);
  free(x.rgba);
  if (err) {
    pst_image_destroy(x.img);
    return pst__fail(detail, err, "%s", x.msg);
  }
  *out = x.img;
  return PST_OK;
}

/* RGB8 images: allocation, orientation, and loading by sniffed format. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

pst_err pst__image_alloc(int width, int height, pst_image **out) {
  pst_image *img = NULL;
  size_t n;
  *out = NULL;
  if (width <= 0 || height <= 0) return PST_ERR_ARG;
  /* 4e9 pixels is the largest max_pixels pst_limits accepts; beyond it a
   * size is a bug or an attack, not a photo. */
  if ((uint64_t)width * (uint64_t)height > 4000000000u ||
      (size_t)width > SIZE_MAX / 3 / (size_t)height)
    return PST_ERR_LIMIT;
  n = (size_t)width * (size_t)height * 3;
  img = malloc(sizeof *img);
  if (!img) return PST_ERR_NOMEM;
  img->px = malloc(n);
  if (!img->px) {
    free(img);
    return PST_ERR_NOMEM;
  }
  img->width = width;
  img->height = height;
  *out = img;
  return PST_OK;
}

pst_err pst_image_create(int width, int height, pst_rgb fill, pst_image **out) {
  pst_err err;
  if (!out) return PST_ERR_ARG;
  err = pst__image_alloc(width, height, out);
  if (err) return err;
  uint8_t *p = (*out)->px;
  for (size_t i = 0, n = (size_t)width * (size_t)height; i < n; i++) {
    p[3 * i] = fill.r;
    p[3 * i + 1] = fill.g;
    p[3 * i + 2] = fill.b;
  }
  return PST_OK;
}

void pst_image_destroy(pst_image *img) {
  if (!img) return;
  free(img->px);
  free(img);
}

int pst_image_width(const pst_image *img) { return img ? img->width : 0; }
int pst_image_height(const pst_image *img) { return img ? img->height : 0; }
uint8_t *pst_image_pixels(pst_image *img) { return img ? img->px : NULL; }
const uint8_t *pst_image_cpixels(const pst_image *img) {
  return img ? img->px : NULL;
}

pst_err pst__image_luma(const pst_image *img, pst_plane *out) {
  size_t n;
  if (!img || !out) return PST_ERR_ARG;
  n = (size_t)img->width * (size_t)img->height;
  out->data = malloc(n ? n : 1);
  if (!out->data) return PST_ERR_NOMEM;
  out->width = out->stride = img->width;
  out->height = img->height;
  for (size_t i = 0; i < n; i++) {
    const uint8_t *p = img->px + 3 * i;
    /* BT.601 weights in 16.16 fixed point, rounded. */
    out->data[i] =
        (uint8_t)((19595u * p[0] + 38470u * p[1] + 7471u * p[2] + 32768u) >>
                  16);
  }
  return PST_OK;
}

/* Where destination pixel (dx, dy) comes from, for a stored image of w x h
 * shown with EXIF orientation `o`. */
static void orient_src(int o, int w, int h, int dx, int dy, int *sx, int *sy) {
  switch (o) {
  case 2: *sx = w - 1 - dx, *sy = dy; break;
  case 3: *sx = w - 1 - dx, *sy = h - 1 - dy; break;
  case 4: *sx = dx, *sy = h - 1 - dy; break;
  case 5: *sx = dy, *sy = dx; break;
  case 6: *sx = dy, *sy = h - 1 - dx; break;
  case 7: *sx = w - 1 - dy, *sy = h - 1 - dx; break;
  case 8: *sx = w - 1 - dy, *sy = dx; break;
  default: *sx = dx, *sy = dy; break;
  }
}

pst_err pst_image_orient(pst_image *img, int orientation) {
  int w, h, dw, dh, sx, sy;
  uint8_t *dst;
  if (!img) return PST_ERR_ARG;
  if (orientation < 1 || orientation > 8) return PST_ERR_RANGE;
  if (orientation == 1) return PST_OK;
  w = img->width, h = img->height;
  dw = orientation >= 5 ? h : w;
  dh = orientation >= 5 ? w : h;
  dst = malloc((size_t)w * (size_t)h * 3);
  if (!dst) return PST_ERR_NOMEM;
  for (int dy = 0; dy < dh; dy++) {
    uint8_t *d = dst + (size_t)dy * (size_t)dw * 3;
    for (int dx = 0; dx < dw; dx++, d += 3) {
      orient_src(orientation, w, h, dx, dy, &sx, &sy);
      memcpy(d, img->px + ((size_t)sy * (size_t)w + (size_t)sx) * 3, 3);
    }
  }
  free(img->px);
  img->px = dst;
  img->width = dw;
  img->height = dh;
  return PST_OK;
}

/* PNG has no DCT scaling, so a reduced decode averages n x n boxes; the
 * result has JPEG's scaled size, ceil(w / n) x ceil(h / n). */
static pst_err box_reduce(pst_image **img, int n) {
  pst_image *src = *img, *dst = NULL;
  int w = (src->width + n - 1) / n, h = (src->height + n - 1) / n;
  pst_err err = pst__image_alloc(w, h, &dst);
  if (err) return err;
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) {
      unsigned sum[3] = {0, 0, 0}, cnt = 0;
      for (int yy = y * n; yy < PST_MIN(y * n + n, src->height); yy++)
        for (int xx = x * n; xx < PST_MIN(x * n + n, src->width); xx++) {
          const uint8_t *p =
              src->px + ((size_t)yy * (size_t)src->width + (size_t)xx) * 3;
          sum[0] += p[0], sum[1] += p[1], sum[2] += p[2], cnt++;
        }
      uint8_t *d = dst->px + ((size_t)y * (size_t)w + (size_t)x) * 3;
      for (int c = 0; c < 3; c++) d[c] = (uint8_t)((sum[c] + cnt / 2) / cnt);
    }
  pst_image_destroy(src);
  *img = dst;
  return PST_OK;
}

static pst_err decode_by_format(pst_format fmt, const uint8_t *buf, size_t len,
                                const pst_limits *lim, int scale,
                                pst_image **out, pst_info *info,
                                pst_errinfo *detail) {
  pst_err err;
  switch (fmt) {
  case PST_FMT_JPEG:
    return pst__jpeg_decode(buf, len, lim, scale, out, info, detail);
  case PST_FMT_PNG:
    err = pst__png_decode(buf, len, lim, out, info, detail);
    if (err == PST_OK && scale > 1) {
      err = box_reduce(out, scale);
      if (err) {
        pst_image_destroy(*out);
        *out = NULL;
        return pst__fail(detail, err, "out of memory reducing the image");
      }
    }
    return err;
  case PST_FMT_EMPTY: return pst__fail(detail, PST_ERR_DECODE, "file is empty");
  case PST_FMT_UNKNOWN:
    return pst__fail(detail, PST_ERR_UNSUPPORTED,
                     "file is not a known image format (not JPEG or PNG)");
  default:
    return pst__fail(detail, PST_ERR_UNSUPPORTED, "file is %s, not JPEG or PNG",
                     pst_format_name(fmt));
  }
}

static void info_reset(pst_info *info, pst_format fmt, size_t len) {
  memset(info, 0, sizeof *info);
  info->format = fmt;
  info->file_bytes = len;
  info->quality = -1;
  info->orientation = 1;
}

pst_err pst_image_load_mem(const void *buf, size_t len, const pst_limits *lim,
                           int scale_denom, pst_image **out, pst_info *info,
                           pst_errinfo *detail) {
  pst_info local;
  pst_format fmt;
  pst_err err;
  if (out) *out = NULL;
  if (!info) info = &local;
  if (detail) detail->code = PST_OK, detail->message[0] = '\0';
  fmt = pst_sniff(buf, len);
  info_reset(info, fmt, len);
  if (!out || (!buf && len))
    return pst__fail(detail, PST_ERR_ARG, "no image or no output given");
  if (scale_denom != 1 && scale_denom != 2 && scale_denom != 4 &&
      scale_denom != 8)
    return pst__fail(detail, PST_ERR_ARG, "scale 1/%d is not 1, 2, 4 or 8",
                     scale_denom);
  if (!lim) lim = pst__limits_default();
  err = decode_by_format(fmt, buf, len, lim, scale_denom, out, info, detail);
  /* The decoders reset what they fill; these two hold whatever happened. */
  info->format = fmt;
  info->file_bytes = len;
  return err;
}

pst_err pst_image_load(const char *path, const pst_limits *lim, int scale_denom,
                       pst_image **out, pst_info *info, pst_errinfo *detail) {
  uint8_t *buf = NULL;
  size_t len = 0;
  pst_err err;
  if (out) *out = NULL;
  if (info) info_reset(info, PST_FMT_UNKNOWN, 0);
  if (!lim) lim = pst__limits_default();
  err = pst__read_file(path, lim->max_file_bytes, &buf, &len, detail);
  if (err) return err;
  err = pst_image_load_mem(buf, len, lim, scale_denom, out, info, detail);
  if (err && detail) {
    /* Name the file in the message, as the file reader's messages do. */
    char msg[sizeof detail->message];
    snprintf(msg, sizeof msg, "%.100s: %.150s", path, detail->message);
    memcpy(detail->message, msg, sizeof msg);
  }
  free(buf);
  return err;
}

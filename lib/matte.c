/* Soft matte helpers: box means, the colour guided filter, local
 * foreground/background colours and decontaminated compositing. */
#include "segment.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* One pass of a clipped box mean along a line of n samples of ch channels,
 * `step` floats apart; `acc` holds (n+1)*ch prefix sums. */
static void box_line(const float *src, float *dst, int n, int ch, long step,
                     int r, double *acc) {
  for (int c = 0; c < ch; c++) acc[c] = 0;
  for (int i = 0; i < n; i++)
    for (int c = 0; c < ch; c++)
      acc[(i + 1) * ch + c] = acc[i * ch + c] + src[i * step + c];
  for (int i = 0; i < n; i++) {
    int lo = PST_MAX(i - r, 0), hi = PST_MIN(i + r + 1, n);
    double inv = 1.0 / (hi - lo);
    for (int c = 0; c < ch; c++)
      dst[i * step + c] = (float)((acc[hi * ch + c] - acc[lo * ch + c]) * inv);
  }
}

pst_err pst__box_mean(const float *src, int w, int h, int ch, int r,
                      float *dst) {
  size_t line = (size_t)PST_MAX(w, h) + 1;
  double *acc = malloc(line * ch * sizeof *acc);
  float *col = calloc((size_t)h * ch, sizeof *col);
  float *colo = calloc((size_t)h * ch, sizeof *colo);
  pst_err err = PST_ERR_NOMEM;
  if (!acc || !col || !colo) goto out;
  for (int y = 0; y < h; y++)
    box_line(src + (size_t)y * w * ch, dst + (size_t)y * w * ch, w, ch, ch, r,
             acc);
  /* Columns are gathered into a contiguous line: cache-friendlier than a
   * strided prefix sum over the whole image. */
  for (int x = 0; x < w; x++) {
    for (int y = 0; y < h; y++)
      for (int c = 0; c < ch; c++)
        col[(size_t)y * ch + c] = dst[((size_t)y * w + x) * ch + c];
    box_line(col, colo, h, ch, ch, r, acc);
    for (int y = 0; y < h; y++)
      for (int c = 0; c < ch; c++)
        dst[((size_t)y * w + x) * ch + c] = colo[(size_t)y * ch + c];
  }
  err = PST_OK;
out:
  free(acc);
  free(col);
  free(colo);
  return err;
}

/* a = (Sigma + eps I)^-1 cov(I, p) for one pixel's window statistics
 * m = [mean I (3), mean p, E[II^T] (6: rr rg rb gg gb bb), E[I p] (3)]. */
static void solve_pixel(const float *m, float eps, float *a, float *b) {
  double mr = m[0], mg = m[1], mb = m[2], mp = m[3];
  double s00 = m[4] - mr * mr + eps, s01 = m[5] - mr * mg, s02 = m[6] - mr * mb;
  double s11 = m[7] - mg * mg + eps, s12 = m[8] - mg * mb;
  double s22 = m[9] - mb * mb + eps;
  double cr = m[10] - mr * mp, cg = m[11] - mg * mp, cb = m[12] - mb * mp;
  double i00 = s11 * s22 - s12 * s12, i01 = s02 * s12 - s01 * s22;
  double i02 = s01 * s12 - s02 * s11, i11 = s00 * s22 - s02 * s02;
  double i12 = s01 * s02 - s00 * s12, i22 = s00 * s11 - s01 * s01;
  double det = s00 * i00 + s01 * i01 + s02 * i02;
  double ar = 0, ag = 0, ab = 0;
  if (fabs(det) > 1e-18) {
    ar = (i00 * cr + i01 * cg + i02 * cb) / det;
    ag = (i01 * cr + i11 * cg + i12 * cb) / det;
    ab = (i02 * cr + i12 * cg + i22 * cb) / det;
  }
  a[0] = (float)ar;
  a[1] = (float)ag;
  a[2] = (float)ab;
  *b = (float)(mp - ar * mr - ag * mg - ab * mb);
}

pst_err pst__guided_coeffs(const float *I, const float *p, int w, int h, int r,
                           float eps, float *a, float *b) {
  size_t n = (size_t)w * h;
  float *st = calloc(n * 13, sizeof *st);
  float *ab = calloc(n * 4, sizeof *ab);
  pst_err err = PST_ERR_NOMEM;
  if (!st || !ab) goto out;
  for (size_t i = 0; i < n; i++) {
    const float *c = I + i * 3;
    float *s = st + i * 13;
    s[0] = c[0], s[1] = c[1], s[2] = c[2], s[3] = p[i];
    s[4] = c[0] * c[0], s[5] = c[0] * c[1], s[6] = c[0] * c[2];
    s[7] = c[1] * c[1], s[8] = c[1] * c[2], s[9] = c[2] * c[2];
    s[10] = c[0] * p[i], s[11] = c[1] * p[i], s[12] = c[2] * p[i];
  }
  if ((err = pst__box_mean(st, w, h, 13, r, st))) goto out;
  for (size_t i = 0; i < n; i++)
    solve_pixel(st + i * 13, eps, ab + i * 4, ab + i * 4 + 3);
  if ((err = pst__box_mean(ab, w, h, 4, r, ab))) goto out;
  for (size_t i = 0; i < n; i++) {
    memcpy(a + i * 3, ab + i * 4, 3 * sizeof *a);
    b[i] = ab[i * 4 + 3];
  }
out:
  free(st);
  free(ab);
  return err;
}

pst_err pst__guided_filter(const float *I, const float *p, int w, int h, int r,
                           float eps, float *q) {
  size_t n = (size_t)w * h;
  float *a = malloc(n * 3 * sizeof *a);
  pst_err err = PST_ERR_NOMEM;
  if (!a) goto out;
  if ((err = pst__guided_coeffs(I, p, w, h, r, eps, a, q))) goto out;
  for (size_t i = 0; i < n; i++)
    q[i] += a[i * 3] * I[i * 3] + a[i * 3 + 1] * I[i * 3 + 1] +
            a[i * 3 + 2] * I[i * 3 + 2];
out:
  free(a);
  return err;
}

/* Weighted local mean of the pixels whose alpha passes `sel`, into out
 * (3 per pixel); pixels with no such neighbour within r get a wider window,
 * then the global mean. */
static pst_err local_mean(const uint8_t *rgb, const uint8_t *alpha, int w,
                          int h, int r, int lo, int hi, float *out) {
  size_t n = (size_t)w * h;
  float *s = malloc(n * 4 * sizeof *s), *wide = NULL;
  double g[4] = {0, 0, 0, 0};
  pst_err err = PST_ERR_NOMEM;
  int missing = 0;
  if (!s) goto out;
  for (size_t i = 0; i < n; i++) {
    float k = alpha[i] >= lo && alpha[i] <= hi;
    for (int c = 0; c < 3; c++) {
      s[i * 4 + c] = k * rgb[i * 3 + c];
      g[c] += s[i * 4 + c];
    }
    s[i * 4 + 3] = k;
    g[3] += k;
  }
  if (!(wide = malloc(n * 4 * sizeof *wide))) goto out;
  memcpy(wide, s, n * 4 * sizeof *s);
  if ((err = pst__box_mean(s, w, h, 4, r, s))) goto out;
  for (size_t i = 0; i < n && !missing; i++) missing = s[i * 4 + 3] <= 1e-6f;
  if (missing && (err = pst__box_mean(wide, w, h, 4, r * 4 + 4, wide)))
    goto out;
  for (size_t i = 0; i < n; i++) {
    const float *src = s[i * 4 + 3] > 1e-6f ? s + i * 4 : wide + i * 4;
    for (int c = 0; c < 3; c++) {
      if (missing && src[3] <= 1e-6f)
        out[i * 3 + c] = g[3] > 0 ? (float)(g[c] / g[3]) : 0.f;
      else
        out[i * 3 + c] = src[c] / src[3];
    }
  }
out:
  free(s);
  free(wide);
  return err;
}

pst_err pst__estimate_fb(const uint8_t *rgb, const uint8_t *alpha, int w, int h,
                         int r, float *F, float *B) {
  pst_err err = PST_OK;
  if (F) err = local_mean(rgb, alpha, w, h, r, 247, 255, F);
  if (!err && B) err = local_mean(rgb, alpha, w, h, r, 0, 8, B);
  return err;
}

/* sRGB codes to linear light (0..1) and back (4096 steps): an edge pixel is
 * a blend of light, so the old wall is taken out and the new one put in
 * there, the same space the matte's alpha was measured in. */
#define LIN_STEPS 4096
typedef struct lin_tabs {
  float to_lin[256];
  uint8_t to_srgb[LIN_STEPS + 1];
} lin_tabs;

static void make_lin_tabs(lin_tabs *t) {
  pst__srgb_linear_table(t->to_lin);
  for (int i = 0; i <= LIN_STEPS; i++) {
    double c = pst__linear_to_srgb((double)i / LIN_STEPS);
    t->to_srgb[i] = (uint8_t)lrint(PST_CLAMP(c, 0.0, 1.0) * 255.0);
  }
}

/* sRGB code (fractional, 0..255) to linear, at the nearest code: half a
 * code is far below what a local mean colour is good for. */
static float lin_of(const lin_tabs *t, float c) {
  return t->to_lin[(int)lrintf(PST_CLAMP(c, 0.f, 255.f))];
}

/* Blend one pixel in linear light: the foreground colour is recovered
 * from the compositing equation where alpha is large enough to trust it; at
 * faint alpha the division amplifies noise, so the local person colour stands
 * in. */
static void blend_px(uint8_t *px, int a8, const float *F, const float *B,
                     pst_rgb bg, const lin_tabs *t) {
  double a = a8 / 255.0;
  uint8_t nb8[3] = {bg.r, bg.g, bg.b};
  for (int c = 0; c < 3; c++) {
    double f, i = t->to_lin[px[c]], b = lin_of(t, B[c]), fl = lin_of(t, F[c]);
    double nb = t->to_lin[nb8[c]], o;
    if (a >= 0.25)
      f = (i - (1 - a) * b) / a;
    else
      f = fl + (a / 0.25) * ((i - (1 - a) * b) / PST_MAX(a, 1e-3) - fl);
    f = f < 0 ? 0 : f > 1 ? 1 : f;
    o = a * f + (1 - a) * nb;
    px[c] = t->to_srgb[lrint(PST_CLAMP(o, 0.0, 1.0) * LIN_STEPS)];
  }
}

/* Sum of the 8 cell channels over cells x0..x1, y0..y1 (clipped) from the
 * summed-area table S ((gw+1) x (gh+1) x 8). */
static void window_sum(const double *S, int gw, int gh, int x0, int y0, int x1,
                       int y1, double *o) {
  size_t sw = (size_t)gw + 1;
  x0 = PST_MAX(x0, 0), y0 = PST_MAX(y0, 0);
  x1 = PST_MIN(x1, gw - 1) + 1, y1 = PST_MIN(y1, gh - 1) + 1;
  for (int k = 0; k < 8; k++)
    o[k] =
        S[((size_t)y1 * sw + x1) * 8 + k] - S[((size_t)y0 * sw + x1) * 8 + k] -
        S[((size_t)y1 * sw + x0) * 8 + k] + S[((size_t)y0 * sw + x0) * 8 + k];
}

/* Local person (alpha >= 247) and wall (alpha <= 8) colours on a grid
 * f times coarser than the image: cell sums of the selected pixels, summed
 * over about r pixels, normalised; a colour with nothing in reach takes a
 * 4x wider window, then the global mean. Only the cells the soft pixels
 * read (theirs and the neighbours of the bilinear lookup) are worked out.
 * 8 floats per cell: F rgb, F weight, B rgb, B weight (weights 1 once
 * normalised). */
static pst_err coarse_fb(const uint8_t *rgb, const uint8_t *alpha, int w, int h,
                         int f, int r, float **out, int *cw, int *ch) {
  int gw = (w + f - 1) / f, gh = (h + f - 1) / f, rc = PST_MAX(1, r / f);
  size_t gn = (size_t)gw * gh, sw = (size_t)gw + 1;
  float *g = calloc(gn * 8, sizeof *g);
  double *S = calloc(sw * (gh + 1) * 8, sizeof *S);
  uint8_t *need = calloc(gn, 1);
  pst_err err = PST_ERR_NOMEM;
  if (!g || !S || !need) goto out;
  for (int y = 0; y < h; y++) {
    const uint8_t *a = alpha + (size_t)y * w, *p = rgb + (size_t)y * w * 3;
    float *row = g + (size_t)(y / f) * gw * 8;
    uint8_t *nrow = need + (size_t)(y / f) * gw;
    for (int x0 = 0, cx = 0; x0 < w; x0 += f, cx++) {
      float *c = row + (size_t)cx * 8;
      for (int x = x0; x < PST_MIN(x0 + f, w); x++) {
        int o = a[x] >= 247 ? 0 : a[x] <= 8 ? 4 : -1;
        if (a[x] > 0 && a[x] < 255) nrow[cx] = 1;
        if (o < 0) continue;
        c[o] += p[x * 3], c[o + 1] += p[x * 3 + 1];
        c[o + 2] += p[x * 3 + 2], c[o + 3] += 1;
      }
    }
  }
  for (int y = 0; y < gh; y++)
    for (int x = 0; x < gw; x++)
      for (int k = 0; k < 8; k++)
        S[((size_t)(y + 1) * sw + x + 1) * 8 + k] =
            g[((size_t)y * gw + x) * 8 + k] +
            S[((size_t)y * sw + x + 1) * 8 + k] +
            S[((size_t)(y + 1) * sw + x) * 8 + k] -
            S[((size_t)y * sw + x) * 8 + k];
  for (int y = 0; y < gh; y++)
    for (int x = 0; x < gw; x++) {
      float *c = g + ((size_t)y * gw + x) * 8;
      double loc[8], wide[8], tot[8];
      int use = 0;
      for (int dy = -1; dy <= 1 && !use; dy++)
        for (int dx = -1; dx <= 1 && !use; dx++) {
          int xx = x + dx, yy = y + dy;
          use = xx >= 0 && yy >= 0 && xx < gw && yy < gh &&
                need[(size_t)yy * gw + xx];
        }
      if (!use) continue;
      window_sum(S, gw, gh, x - rc, y - rc, x + rc, y + rc, loc);
      for (int o = 0; o < 8; o += 4) {
        const double *src = loc;
        if (loc[o + 3] <= 0.5) {
          int R = rc * 4 + 4;
          window_sum(S, gw, gh, x - R, y - R, x + R, y + R, wide);
          src = wide;
          if (wide[o + 3] <= 0.5) {
            window_sum(S, gw, gh, 0, 0, gw - 1, gh - 1, tot);
            src = tot;
          }
        }
        for (int k = 0; k < 3; k++)
          c[o + k] = src[o + 3] > 0.5 ? (float)(src[o + k] / src[o + 3]) : 0.f;
        c[o + 3] = 1;
      }
    }
  *out = g, *cw = gw, *ch = gh;
  g = NULL;
  err = PST_OK;
out:
  free(g);
  free(S);
  free(need);
  return err;
}

/* F and B at pixel (x, y), bilinear between coarse cell centres. */
static void fb_at(const float *g, int gw, int gh, int f, int x, int y, float *F,
                  float *B) {
  float fx = PST_CLAMP((x + 0.5f) / f - 0.5f, 0.f, (float)(gw - 1));
  float fy = PST_CLAMP((y + 0.5f) / f - 0.5f, 0.f, (float)(gh - 1));
  int x0 = (int)fx, y0 = (int)fy;
  int x1 = PST_MIN(x0 + 1, gw - 1), y1 = PST_MIN(y0 + 1, gh - 1);
  float tx = fx - x0, ty = fy - y0;
  const float *a = g + ((size_t)y0 * gw + x0) * 8;
  const float *b = g + ((size_t)y0 * gw + x1) * 8;
  const float *c = g + ((size_t)y1 * gw + x0) * 8;
  const float *d = g + ((size_t)y1 * gw + x1) * 8;
  for (int k = 0; k < 3; k++) {
    F[k] = (a[k] + (b[k] - a[k]) * tx) * (1 - ty) +
           (c[k] + (d[k] - c[k]) * tx) * ty;
    B[k] = (a[4 + k] + (b[4 + k] - a[4 + k]) * tx) * (1 - ty) +
           (c[4 + k] + (d[4 + k] - c[4 + k]) * tx) * ty;
  }
}

pst_err pst__decontaminate(pst_image *img, const pst__matte *m,
                           pst_rgb new_bg) {
  float *g = NULL;
  int gw, gh, r, f;
  lin_tabs *t = NULL;
  pst_err err = PST_ERR_ARG;
  if (!img || !m || !m->alpha || m->w != img->width || m->h != img->height)
    goto out;
  err = PST_ERR_NOMEM;
  if (!(t = malloc(sizeof *t))) goto out;
  make_lin_tabs(t);
  /* The wall and person colours vary slowly: a grid of cells a third of
   * the window wide holds them, at a ninth of the full-size cost. */
  r = PST_MAX(3, PST_MAX(m->w, m->h) / 60);
  f = PST_MAX(1, r / 3);
  if ((err = coarse_fb(img->px, m->alpha, m->w, m->h, f, r, &g, &gw, &gh)))
    goto out;
  for (int y = 0; y < m->h; y++)
    for (int x = 0; x < m->w; x++) {
      size_t i = (size_t)y * m->w + x;
      uint8_t *px = img->px + i * 3;
      int a = m->alpha[i];
      float F[3], B[3];
      if (a == 0) {
        px[0] = new_bg.r, px[1] = new_bg.g, px[2] = new_bg.b;
      } else if (a < 255) {
        fb_at(g, gw, gh, f, x, y, F, B);
        blend_px(px, a, F, B, new_bg, t);
      }
    }
out:
  free(g);
  free(t);
  return err;
}

pst_err pst__composite(const pst_image *fg, const pst__matte *m, pst_rgb bg,
                       pst_image **out) {
  pst_image *img = NULL;
  pst_err err = PST_ERR_ARG;
  if (out) *out = NULL;
  if (!fg || !m || !out || m->w != fg->width || m->h != fg->height) goto out;
  if ((err = pst__image_alloc(fg->width, fg->height, &img))) goto out;
  memcpy(img->px, fg->px, (size_t)fg->width * fg->height * 3);
  if ((err = pst__decontaminate(img, m, bg))) goto out;
  *out = img;
  img = NULL;
out:
  pst_image_destroy(img);
  return err;
}

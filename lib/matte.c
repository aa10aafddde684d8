/* Soft matte helpers: box means, the refinement of the edge's alpha (a
 * confidence-weighted colour guided filter over a sparse zone), local
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

/* a = (Sigma + eps I)^-1 cov(I, p) for one window's statistics
 * m = [mean I (3), mean p, E[II^T] (6: rr rg rb gg gb bb), E[I p] (3)]. */
static void solve_pixel(const double *m, double eps, float *a, float *b) {
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

/* ---- window sums over a sparse set of pixels, row by row ---- */

/* A source of `ch` values per pixel, and what takes each window's sums. */
typedef void (*box_src)(void *ctx, int x, int y, double *v);
typedef void (*box_sink)(void *ctx, int x, int y, const double *sum);

/* Which pixels of a row lie within reach of the zone (zw > 0): per column
 * the count of zone pixels in rows y - ry .. y + ry, carried down the
 * image a row at a time; a row's pixels within rx of a column that has
 * any. Row by row: no mask of the frame's size. */
typedef struct reach {
  int ry, y; /* the rows counted are y - ry .. y + ry */
  int *cnt;
} reach;

static void reach_count(reach *d, const float *zw, int w, int h, int y) {
  for (; d->y < y; d->y++) {
    int in = d->y + 1 + d->ry, out = d->y - d->ry;
    if (in < h)
      for (int x = 0; x < w; x++) d->cnt[x] += zw[(size_t)in * w + x] > 0;
    if (out >= 0)
      for (int x = 0; x < w; x++) d->cnt[x] -= zw[(size_t)out * w + x] > 0;
  }
}

static void reach_row(const reach *d, int w, int rx, uint8_t *row) {
  int last = -rx - 1;
  for (int x = 0; x < w; x++) {
    if (d->cnt[x]) last = x;
    row[x] = x - last <= rx;
  }
  last = w + rx;
  for (int x = w - 1; x >= 0; x--) {
    if (d->cnt[x]) last = x;
    if (last - x <= rx) row[x] = 1;
  }
}

/* The sums of a source's values over the (2r+1)^2 window (clipped to the
 * w x h frame) of the pixels `need` marks, a row at a time (box_row), so
 * that one stream can feed on another's output. Cost independent of r:
 * each row's sums along the row are running sums, kept for the last 2r+2
 * rows, and a window's sum is the one of the window above it, one row in
 * and one row out, where that window was needed too. For each call the
 * caller marks in `need` the windows of row y, in `hn` the row sums wanted
 * in row y + r (the windows within r rows, dilated r down the columns) and
 * in `pn` the values read there (hn dilated r along the row). In double:
 * running sums over hundreds of pixels keep their precision. */
typedef struct box_stream {
  int w, h, r, ch;
  uint8_t *need, *hn, *pn; /* a row each */
  box_src src;
  box_sink sink;
  void *ctx;
  double *ring, *pv, *vs; /* (2r+2) rows of row sums; a row of values;
                             per column the last window sum */
  int *vrow;              /* the row of that sum */
} box_stream;

static pst_err box_open(box_stream *b, int w, int h, int r, int ch) {
  b->w = w, b->h = h, b->r = r, b->ch = ch;
  b->ring = malloc((size_t)(2 * r + 2) * w * ch * sizeof *b->ring);
  b->pv = malloc((size_t)w * ch * sizeof *b->pv);
  b->vs = malloc((size_t)w * ch * sizeof *b->vs);
  b->vrow = malloc((size_t)w * sizeof *b->vrow);
  b->need = malloc((size_t)w * 3);
  if (!b->ring || !b->pv || !b->vs || !b->vrow || !b->need)
    return PST_ERR_NOMEM;
  b->hn = b->need + w, b->pn = b->hn + w;
  for (int x = 0; x < w; x++) b->vrow[x] = -2;
  return PST_OK;
}

static void box_close(box_stream *b) {
  free(b->ring);
  free(b->pv);
  free(b->vs);
  free(b->vrow);
  free(b->need);
}

static double *box_ring(const box_stream *b, int y, int x) {
  return b->ring + ((size_t)(y % (2 * b->r + 2)) * b->w + x) * b->ch;
}

/* Row y + r's sums along the row come in; then the windows of row y (when
 * in the frame) go to the sink. Rows in order from -r. */
static void box_row(box_stream *b, int y) {
  int w = b->w, h = b->h, r = b->r, ch = b->ch, yy = y + r;
  if (yy >= 0 && yy < h) {
    const uint8_t *hr = b->hn, *pr = b->pn;
    double *pv = b->pv;
    for (int x = 0; x < w; x++)
      if (pr[x]) b->src(b->ctx, x, yy, pv + (size_t)x * ch);
    for (int x = 0; x < w; x++) {
      double *o = box_ring(b, yy, x);
      if (!hr[x]) continue;
      if (x > 0 && hr[x - 1]) {
        /* one pixel in at x + r, one out at x - r - 1 */
        memcpy(o, o - ch, ch * sizeof *o);
        if (x + r < w)
          for (int c = 0; c < ch; c++) o[c] += pv[(size_t)(x + r) * ch + c];
        if (x - r - 1 >= 0)
          for (int c = 0; c < ch; c++) o[c] -= pv[(size_t)(x - r - 1) * ch + c];
      } else {
        memset(o, 0, ch * sizeof *o);
        for (int k = PST_MAX(0, x - r); k <= PST_MIN(w - 1, x + r); k++)
          for (int c = 0; c < ch; c++) o[c] += pv[(size_t)k * ch + c];
      }
    }
  }
  if (y < 0 || y >= h) return;
  for (int x = 0; x < w; x++) {
    double *v = b->vs + (size_t)x * ch;
    if (!b->need[x]) continue;
    if (b->vrow[x] == y - 1) {
      if (y + r < h) {
        const double *a = box_ring(b, y + r, x);
        for (int c = 0; c < ch; c++) v[c] += a[c];
      }
      if (y - r - 1 >= 0) {
        const double *d = box_ring(b, y - r - 1, x);
        for (int c = 0; c < ch; c++) v[c] -= d[c];
      }
    } else {
      memset(v, 0, ch * sizeof *v);
      for (int k = PST_MAX(0, y - r); k <= PST_MIN(h - 1, y + r); k++) {
        const double *a = box_ring(b, k, x);
        for (int c = 0; c < ch; c++) v[c] += a[c];
      }
    }
    b->vrow[x] = y;
    b->sink(b->ctx, x, y, v);
  }
}

/* ---- the weighted colour-line fit of the edge zone ---- */

typedef struct fit_ctx {
  const uint8_t *rgb;
  uint8_t *alpha; /* read by the fits, then written where zw > 0 */
  const float *zw;
  float lin[256]; /* sRGB code to linear light, 0..1 */
  int w;
  double eps, solid;
  float *ab; /* one row of window fits: a (3), b */
} fit_ctx;

/* A pixel's terms of the fit: weight, and weighted I, p, II^T, I p; then
 * 1, alpha and alpha^2 in codes, whose sums stay exact integers: a window
 * of one alpha (n sum a^2 == (sum a)^2) needs no fit. */
static void fit_terms(void *ctx, int x, int y, double *v) {
  const fit_ctx *f = ctx;
  size_t j = (size_t)y * f->w + x;
  const uint8_t *px = f->rgb + j * 3;
  double i0 = f->lin[px[0]], i1 = f->lin[px[1]], i2 = f->lin[px[2]];
  double q = f->zw[j] > 0 ? f->zw[j] : f->solid, p = f->alpha[j] * (1.0 / 255);
  double q0 = q * i0, q1 = q * i1, q2 = q * i2;
  v[0] = q, v[1] = q0, v[2] = q1, v[3] = q2, v[4] = q * p;
  v[5] = q0 * i0, v[6] = q0 * i1, v[7] = q0 * i2;
  v[8] = q1 * i1, v[9] = q1 * i2, v[10] = q2 * i2;
  v[11] = q0 * p, v[12] = q1 * p, v[13] = q2 * p;
  v[14] = 1, v[15] = f->alpha[j], v[16] = v[15] * v[15];
}

static void fit_window(void *ctx, int x, int y, const double *s) {
  fit_ctx *f = ctx;
  float *ab = f->ab + (size_t)x * 4;
  double m[13], inv = 1.0 / s[0];
  (void)y;
  if (s[14] * s[16] == s[15] * s[15]) {
    ab[0] = ab[1] = ab[2] = 0, ab[3] = (float)(s[15] / s[14] / 255);
    return;
  }
  /* fit_terms' order after the weight is solve_pixel's */
  for (int k = 0; k < 13; k++) m[k] = s[k + 1] * inv;
  solve_pixel(m, f->eps, ab, ab + 3);
}

/* A window's fit (the row fit_window has just made), and 1 to count the
 * windows. */
static void fit_coeffs(void *ctx, int x, int y, double *v) {
  const fit_ctx *f = ctx;
  const float *c = f->ab + (size_t)x * 4;
  (void)y;
  for (int k = 0; k < 4; k++) v[k] = c[k];
  v[4] = 1;
}

static void apply_fits(void *ctx, int x, int y, const double *s) {
  fit_ctx *f = ctx;
  size_t i = (size_t)y * f->w + x;
  const uint8_t *px = f->rgb + i * 3;
  double q = s[3];
  for (int k = 0; k < 3; k++) q += s[k] * f->lin[px[k]];
  f->alpha[i] = (uint8_t)lrint(255.0 * PST_CLAMP(q / s[4], 0.0, 1.0));
}

/* Two streams: the fits of the windows (those holding a zone pixel) and
 * their means at the zone's pixels. The second takes the row of fits the
 * first has just made and lags r rows behind it, so it writes a row of
 * alpha only after every window reading that row has been fitted. */
pst_err pst__refine_alpha(const uint8_t *rgb, int w, int h, const float *zw,
                          float solid, int r, float eps, uint8_t *alpha) {
  box_stream fit = {0}, mean = {0};
  /* zone pixels within r rows of a row, and within 2r of the row r below */
  reach near = {r, -r - 1, NULL}, far = {2 * r, -2 * r - 1, NULL};
  fit_ctx f;
  pst_err err = PST_ERR_NOMEM;
  f.ab = malloc((size_t)w * 4 * sizeof *f.ab);
  near.cnt = calloc((size_t)w, sizeof *near.cnt);
  far.cnt = calloc((size_t)w, sizeof *far.cnt);
  if (!f.ab || !near.cnt || !far.cnt || box_open(&fit, w, h, r, 17) ||
      box_open(&mean, w, h, r, 5))
    goto out;
  f.rgb = rgb, f.alpha = alpha, f.zw = zw, f.w = w, f.eps = eps;
  f.solid = solid;
  pst__srgb_linear_table(f.lin);
  fit.src = fit_terms, fit.sink = fit_window, fit.ctx = &f;
  mean.src = fit_coeffs, mean.sink = apply_fits, mean.ctx = &f;
  for (int y = -r; y < h + r; y++) {
    if (y < h) {
      /* the fits of row y: windows within r of the zone; their rows'
       * sums in row y + r, of pixels within 2r */
      if (y >= 0) {
        reach_count(&near, zw, w, h, y);
        reach_row(&near, w, r, fit.need);
        memcpy(mean.pn, fit.need, (size_t)w);
        for (int x = 0; x < w; x++) mean.hn[x] = near.cnt[x] > 0;
      }
      if (y + r < h) {
        reach_count(&far, zw, w, h, y + r);
        reach_row(&far, w, r, fit.hn);
        reach_row(&far, w, 2 * r, fit.pn);
      }
      box_row(&fit, y);
    }
    /* the means of row y - r, the zone's own pixels; their row sums in
     * row y, of the fits just made */
    if (y - r >= 0)
      for (int x = 0; x < w; x++)
        mean.need[x] = zw[(size_t)(y - r) * w + x] > 0;
    box_row(&mean, y - r);
  }
  err = PST_OK;
out:
  box_close(&fit);
  box_close(&mean);
  free(near.cnt);
  free(far.cnt);
  free(f.ab);
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

/* Eye finding inside a detected face: OpenCV's eye cascade on a normalised
 * crop picks the pair, then each pupil is refined by the "means of
 * gradients" objective of Timm & Barth (2011): the centre that most image
 * gradients point away from, weighted by darkness.
 *
 * All work happens on fixed-size crops resampled from the caller's plane,
 * so the cost does not depend on the image or the face size. */
#include "face.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define FACE_W 128 /* normalised face width for the eye cascade */
#define BAND_TOP 0.10
#define BAND_BOT 0.62 /* the crop spans this band of the face box height */
#define REFINE 48     /* pupil refinement window, px */
/* Eye window centres are searched in these fractions of the face box. */
#define EYE_LX0 0.20
#define EYE_LX1 0.43
#define EYE_Y0 0.27
#define EYE_Y1 0.53

/* Mean pupil positions in a frontalface_alt2 box, as fractions of its
 * width/height, measured on the London set (see notes/face.md). */
#define GEO_LX 0.313
#define GEO_RX 0.694
#define GEO_Y 0.390

/* Maps patch pixel (u, v) of a w x h patch to the source: centre (cx, cy),
 * k source px per patch px, rotated by deg like face.c's rolled search. */
typedef struct frame {
  double cx, cy, k, ca, sa;
  int w, h;
} frame;

static frame frame_make(double cx, double cy, double k, double deg, int w,
                        int h) {
  double a = deg * M_PI / 180.0;
  frame f = {cx, cy, k, cos(a), sin(a), w, h};
  return f;
}

static pst_point frame_to_src(const frame *f, double u, double v) {
  double dx = (u - f->w / 2.0) * f->k, dy = (v - f->h / 2.0) * f->k;
  pst_point p = {f->cx + f->ca * dx - f->sa * dy,
                 f->cy + f->sa * dx + f->ca * dy};
  return p;
}

/* Bilinear tap in 8-bit fixed point; (x, y) in source pixels. */
static inline int tap(const pst_plane *p, float x, float y) {
  x = PST_CLAMP(x, 0.f, p->width - 1.f);
  y = PST_CLAMP(y, 0.f, p->height - 1.f);
  int x0 = (int)x, y0 = (int)y;
  int x1 = PST_MIN(x0 + 1, p->width - 1), y1 = PST_MIN(y0 + 1, p->height - 1);
  int wx = (int)((x - x0) * 256.f), wy = (int)((y - y0) * 256.f);
  const uint8_t *r0 = p->data + (size_t)y0 * p->stride;
  const uint8_t *r1 = p->data + (size_t)y1 * p->stride;
  int t = r0[x0] * (256 - wx) + r0[x1] * wx;
  int b = r1[x0] * (256 - wx) + r1[x1] * wx;
  return t * (256 - wy) + b * wy; /* value << 16 */
}

/* One axis of an unrotated tap: source index, next index and 8-bit weight,
 * as tap() computes them for coordinate x on an axis of n pixels. */
typedef struct axis_tap {
  int i0, i1, w;
} axis_tap;

static axis_tap axis_tap_at(float x, int n) {
  axis_tap t;
  x = PST_CLAMP(x, 0.f, n - 1.f);
  t.i0 = (int)x;
  t.i1 = PST_MIN(t.i0 + 1, n - 1);
  t.w = (int)((x - t.i0) * 256.f);
  return t;
}

/* sample() for an unrotated frame: every tap's column depends on u only and
 * its row on v only, so both are worked out once (same float expressions,
 * adding the exact zero of the rotation terms changes nothing). The 2-D
 * taps are then separable: each source row the patch touches is filtered
 * along x once, and the rows are blended along y. The integer sums are the
 * same terms regrouped, so the patch is bit-identical to the direct one. */
static pst_err sample_upright(const pst_plane *src, const frame *f, int taps,
                              float ox, float oy, float du_x, float dv_y,
                              pst_plane *out) {
  axis_tap *cx = malloc((size_t)f->w * taps * sizeof *cx);
  axis_tap *cy = malloc((size_t)f->h * taps * sizeof *cy);
  int32_t *hrow = NULL;
  int r_lo = src->height, r_hi = -1;
  pst_err err = PST_ERR_NOMEM;
  if (!cx || !cy) goto out;
  for (int u = 0; u < f->w; u++)
    for (int i = 0; i < taps; i++)
      cx[u * taps + i] =
          axis_tap_at(ox + (u + (i + 0.5f) / taps) * du_x, src->width);
  for (int v = 0; v < f->h; v++)
    for (int j = 0; j < taps; j++) {
      axis_tap t =
          axis_tap_at(oy + (v + (j + 0.5f) / taps) * dv_y, src->height);
      cy[v * taps + j] = t;
      r_lo = PST_MIN(r_lo, t.i0);
      r_hi = PST_MAX(r_hi, t.i1);
    }
  hrow = malloc(((size_t)(r_hi - r_lo + 1) + 1) * f->w * sizeof *hrow);
  if (!hrow) goto out;
  /* Row r filtered along x: the sum over the u taps of r's lerps. */
  for (int r = r_lo; r <= r_hi; r++) {
    const uint8_t *row = src->data + (size_t)r * src->stride;
    int32_t *h = hrow + (size_t)(r - r_lo) * f->w;
    const axis_tap *tx = cx;
    if (taps == 1)
      for (int u = 0; u < f->w; u++, tx++)
        h[u] = row[tx->i0] * (256 - tx->w) + row[tx->i1] * tx->w;
    else
      for (int u = 0; u < f->w; u++, tx += 2)
        h[u] = row[tx[0].i0] * (256 - tx[0].w) + row[tx[0].i1] * tx[0].w +
               row[tx[1].i0] * (256 - tx[1].w) + row[tx[1].i1] * tx[1].w;
  }
  /* Then blended along y; the last hrow line holds the accumulator. Sums
   * are >= 0 and at most 4 taps x 255 << 16, so int32 and a shift for the
   * division by taps^2 are exact. */
  int32_t *acc = hrow + (size_t)(r_hi - r_lo + 1) * f->w;
  int shift = taps == 1 ? 0 : 2;
  for (int v = 0; v < f->h; v++) {
    uint8_t *o = out->data + (size_t)v * f->w;
    for (int u = 0; u < f->w; u++) acc[u] = 0;
    for (int j = 0; j < taps; j++) {
      const axis_tap *ty = &cy[v * taps + j];
      const int32_t *h0 = hrow + (size_t)(ty->i0 - r_lo) * f->w;
      const int32_t *h1 = hrow + (size_t)(ty->i1 - r_lo) * f->w;
      int32_t w0 = 256 - ty->w, w1 = ty->w;
      for (int u = 0; u < f->w; u++) acc[u] += h0[u] * w0 + h1[u] * w1;
    }
    for (int u = 0; u < f->w; u++)
      o[u] = (uint8_t)(((acc[u] >> shift) + 32768) >> 16);
  }
  err = PST_OK;
out:
  free(cx);
  free(cy);
  free(hrow);
  return err;
}

/* Pixel centres are sampled (u + 0.5); the patch is box-filtered when it
 * shrinks the source a lot, so small eyes do not alias. The frame is
 * affine, so source positions advance by fixed steps. */
static pst_err sample(const pst_plane *src, const frame *f, pst_plane *out) {
  /* Two taps a side: the crops shrink at most ~2.5x (a 300 px face to
   * FACE_W), where 2x2 taps keep aliasing well below the cascade's needs. */
  int taps = PST_CLAMP((int)ceil(f->k), 1, 2);
  float du_x = (float)(f->ca * f->k), du_y = (float)(f->sa * f->k);
  float dv_x = (float)(-f->sa * f->k), dv_y = (float)(f->ca * f->k);
  pst_point o = frame_to_src(f, 0.0, 0.0);
  out->data = malloc((size_t)f->w * (size_t)f->h);
  if (!out->data) return PST_ERR_NOMEM;
  out->width = out->stride = f->w;
  out->height = f->h;
  if (du_y == 0.f && dv_x == 0.f) {
    pst_err err =
        sample_upright(src, f, taps, (float)o.x, (float)o.y, du_x, dv_y, out);
    if (err) {
      free(out->data);
      out->data = NULL;
    }
    return err;
  }
  for (int v = 0; v < f->h; v++)
    for (int u = 0; u < f->w; u++) {
      int64_t acc = 0;
      for (int j = 0; j < taps; j++)
        for (int i = 0; i < taps; i++) {
          float uu = u + (i + 0.5f) / taps, vv = v + (j + 0.5f) / taps;
          acc += tap(src, (float)o.x + uu * du_x + vv * dv_x,
                     (float)o.y + uu * du_y + vv * dv_y);
        }
      out->data[(size_t)v * f->w + u] =
          (uint8_t)((acc / (taps * taps) + 32768) >> 16);
    }
  return PST_OK;
}

/* ---- pupil refinement (means of gradients) ---- */
typedef struct grad {
  float x, y, gx, gy;
} grad;

static int collect_gradients(const pst_plane *p, grad *g) {
  int n = 0, w = p->width, h = p->height;
  double sum = 0, sq = 0;
  const uint8_t *d = p->data;
  for (int y = 1; y < h - 1; y++)
    for (int x = 1; x < w - 1; x++) {
      float gx = (d[y * w + x + 1] - d[y * w + x - 1]) / 2.f;
      float gy = (d[(y + 1) * w + x] - d[(y - 1) * w + x]) / 2.f;
      float m = sqrtf(gx * gx + gy * gy);
      g[n++] = (grad){(float)x, (float)y, gx, gy};
      sum += m;
      sq += (double)m * m;
    }
  if (n == 0) return 0;
  double mean = sum / n, sd = sqrt(fmax(sq / n - mean * mean, 0));
  double thr = mean + 0.3 * sd;
  int k = 0;
  /* Weak gradients are noise; the rest are normalised to unit length. */
  for (int i = 0; i < n; i++) {
    float m = sqrtf(g[i].gx * g[i].gx + g[i].gy * g[i].gy);
    if (m <= thr || m == 0.f) continue;
    g[k] = g[i];
    g[k].gx /= m;
    g[k].gy /= m;
    k++;
  }
  return k;
}

/* Candidates are scored LANES at a time along a row, in vectors of 4 (GCC
 * and Clang vector extensions: SSE2 on x86-64, the target's SIMD or plain
 * code elsewhere; -O2 does not vectorise the lane loop by itself). Each
 * lane still adds its terms in gradient order with the same float
 * operations as a one-candidate loop (`if (dot > 0) s += dot * dot / d2`);
 * a term not taken adds +0, which changes no sum, so the scores are
 * bit-identical to it. */
#define LANES 8
typedef float v4f __attribute__((vector_size(16)));
typedef int32_t v4i __attribute__((vector_size(16)));

static inline v4f mog_term(v4f dx, float dyy, float gx, float dyg) {
  v4f d2 = dx * dx + dyy, dot = dx * gx + dyg;
  /* At the gradient's own pixel d2 = dot = 0: that NaN is masked out. */
  v4f t = dot * dot / d2;
  return (v4f)((v4i)t & (dot > 0));
}

/* Means-of-gradients objective at (x0 + k, y), k < LANES, into s[k]. */
static void mog_row(const grad *g, int n, int x0, int y, float *s) {
  float fx = (float)x0;
  v4f c0 = {fx, fx + 1, fx + 2, fx + 3}, c1 = c0 + 4.f;
  v4f a0 = {0, 0, 0, 0}, a1 = a0;
  for (int i = 0; i < n; i++) {
    float dy = g[i].y - (float)y, gx = g[i].gx;
    float dyy = dy * dy, dyg = dy * g[i].gy;
    a0 += mog_term(g[i].x - c0, dyy, gx, dyg);
    a1 += mog_term(g[i].x - c1, dyy, gx, dyg);
  }
  for (int k = 0; k < 4; k++) {
    s[k] = a0[k];
    s[k + 4] = a1[k];
  }
}

/* The darkness weight (255 - I under a 5x5 box mean) at candidates
 * x0..x1, y0..y1 into dk (row-major, x1 - x0 + 1 wide), as a separable
 * float box5 (rows, then columns) computes it in the interior: a row term
 * sums five integers, exact in float, so an integer sum gives the same
 * value. Candidates keep >= 2 px from the patch border: no edge case. */
static void darkness_at(const pst_plane *p, int x0, int x1, int y0, int y1,
                        float *rows, float *dk) {
  int cw = x1 - x0 + 1;
  for (int y = y0 - 2; y <= y1 + 2; y++) {
    const uint8_t *c = p->data + (size_t)y * p->stride;
    float *r = rows + (size_t)(y - y0 + 2) * cw;
    for (int x = x0; x <= x1; x++)
      r[x - x0] = (float)(5 * 255 -
                          (c[x - 2] + c[x - 1] + c[x] + c[x + 1] + c[x + 2])) /
                  5;
  }
  for (int y = 0; y <= y1 - y0; y++)
    for (int x = 0; x < cw; x++) {
      const float *r = rows + (size_t)y * cw + x;
      float s = 0;
      for (int j = 0; j < 5; j++) s += r[(size_t)j * cw];
      dk[(size_t)y * cw + x] = s / 5;
    }
}

static inline uint8_t min5(uint8_t a, uint8_t b, uint8_t c, uint8_t d,
                           uint8_t e) {
  uint8_t p = PST_MIN(a, b), q = PST_MIN(d, e);
  return PST_MIN(PST_MIN(p, q), c);
}

/* Grey-level erosion (min over a 5x5 square, separably): the catch-light
 * inside the pupil would otherwise draw gradients and darkness away from
 * the centre; the dark iris grows by the same amount on every side, so its
 * centre stays put. Near the border the square is clipped, which is the
 * same as repeating the edge sample (a repeat does not change a minimum):
 * the column pass takes the minimum of five clamped rows. */
static void erode_rows(const uint8_t *restrict in, uint8_t *restrict out) {
  for (int y = 0; y < REFINE; y++) {
    const uint8_t *l = in + y * REFINE;
    uint8_t *o = out + y * REFINE;
    o[0] = min5(l[0], l[0], l[0], l[1], l[2]);
    o[1] = min5(l[0], l[0], l[1], l[2], l[3]);
    for (int x = 2; x < REFINE - 2; x++)
      o[x] = min5(l[x - 2], l[x - 1], l[x], l[x + 1], l[x + 2]);
    o[REFINE - 2] = min5(l[REFINE - 4], l[REFINE - 3], l[REFINE - 2],
                         l[REFINE - 1], l[REFINE - 1]);
    o[REFINE - 1] = min5(l[REFINE - 3], l[REFINE - 2], l[REFINE - 1],
                         l[REFINE - 1], l[REFINE - 1]);
  }
}

static void erode_cols(const uint8_t *restrict in, uint8_t *restrict out) {
  for (int y = 0; y < REFINE; y++) {
    const uint8_t *r[5];
    uint8_t *o = out + y * REFINE;
    for (int k = 0; k < 5; k++)
      r[k] = in + PST_CLAMP(y + k - 2, 0, REFINE - 1) * REFINE;
    for (int x = 0; x < REFINE; x++)
      o[x] = min5(r[0][x], r[1][x], r[2][x], r[3][x], r[4][x]);
  }
}

/* p must be REFINE x REFINE: fixed trip counts let -O2 vectorise both
 * passes (variable-length loops stayed scalar). */
static pst_err erode(pst_plane *p) {
  uint8_t *tmp = malloc((size_t)REFINE * REFINE);
  if (!tmp) return PST_ERR_NOMEM;
  erode_rows(p->data, tmp);
  erode_cols(tmp, p->data);
  free(tmp);
  return PST_OK;
}

/* The best centre among candidates x0..x1, y0..y1 (step 1, row-major, the
 * first of equal scores), weighted by darkness. x0, y0 >= 2 and
 * x1 <= width - 3, y1 <= height - 3 (darkness_at reads 2 px around). */
static void best_centre(const pst_plane *p, const grad *g, int n, int x0,
                        int x1, int y0, int y1, int *bx, int *by) {
  float best = -1, sc[LANES];
  float rows[(REFINE + 4) * REFINE], dk[REFINE * REFINE];
  int cw = x1 - x0 + 1;
  if (x1 < x0 || y1 < y0) return;
  darkness_at(p, x0, x1, y0, y1, rows, dk);
  for (int y = y0; y <= y1; y++)
    for (int xs = x0; xs <= x1; xs += LANES) {
      mog_row(g, n, xs, y, sc);
      for (int k = 0; k < LANES && xs + k <= x1; k++) {
        float s = sc[k] * dk[(size_t)(y - y0) * cw + xs + k - x0];
        if (s > best) {
          best = s;
          *bx = xs + k;
          *by = y;
        }
      }
    }
}

/* The patch halved (2x2 means), for the coarse search. */
static void halve(const pst_plane *p, pst_plane *half) {
  int w = half->width = half->stride = p->width / 2;
  half->height = p->height / 2;
  for (int y = 0; y < half->height; y++)
    for (int x = 0; x < w; x++) {
      const uint8_t *a = p->data + (size_t)(2 * y) * p->stride + 2 * x;
      half->data[y * w + x] =
          (uint8_t)((a[0] + a[1] + a[p->stride] + a[p->stride + 1] + 2) / 4);
    }
}

/* Which stages of the search pupil_in_patch runs. */
#define SEARCH_COARSE 1 /* the whole central part, on the patch halved */
#define SEARCH_FINE 2   /* full size, within 2 px of the coarse best */

/* Pupil in patch coordinates; candidates stay in the central part. The
 * objective costs (candidates x gradients): it is searched on the patch
 * halved, then at full size within 2 px of the coarse best (or of the
 * centre when the coarse stage is not run). */
static pst_err pupil_in_patch(const pst_plane *p, int stages, double *px,
                              double *py, int *seen) {
  int w = p->width, h = p->height, n, bx = w / 2, by = h / 2, cx, cy, r;
  grad *g = malloc((size_t)w * h * sizeof *g);
  uint8_t *hd = malloc((size_t)w * h / 4 + 1);
  pst_plane half = {0, 0, 0, hd};
  pst_err err = PST_OK;
  *px = w / 2.0;
  *py = h / 2.0;
  *seen = 0;
  if (!g || !hd) {
    err = PST_ERR_NOMEM;
    goto out;
  }
  if (stages & SEARCH_COARSE) {
    halve(p, &half);
    n = collect_gradients(&half, g);
  } else {
    n = 0;
  }
  *seen = n > 0;
  if (n > 0) {
    int hw = half.width, hh = half.height;
    best_centre(&half, g, n, hw / 6, hw - hw / 6 - 1, hh / 5, hh - hh / 5 - 1,
                &bx, &by);
    bx = 2 * bx, by = 2 * by;
    *px = bx + 0.5, *py = by + 0.5; /* the middle of the 2x2 block */
  }
  if (!(stages & SEARCH_FINE)) goto out;
  n = collect_gradients(p, g);
  if (n == 0) goto out;
  *seen = 1;
  cx = bx, cy = by;
  /* Without the coarse stage the caller's point is a coarse best of a
   * wider window: a little more room. */
  r = stages & SEARCH_COARSE ? 2 : 3;
  best_centre(p, g, n, PST_MAX(cx - r, w / 6),
              PST_MIN(cx + r + 1, w - w / 6 - 1), PST_MAX(cy - r, h / 5),
              PST_MIN(cy + r + 1, h - h / 5 - 1), &bx, &by);
  *px = bx;
  *py = by;
out:
  free(g);
  free(hd);
  return err;
}

/* Refines an eye at src point e, window side `side` source px, with the
 * search `stages`. */
static pst_err refine_by(const pst_plane *luma, pst_point *e, double side,
                         double deg, int stages, int *seen) {
  frame f = frame_make(e->x, e->y, side / REFINE, deg, REFINE, REFINE);
  pst_plane patch = {0};
  double u, v;
  pst_err err = sample(luma, &f, &patch);
  if (!err) err = erode(&patch);
  if (!err) err = pupil_in_patch(&patch, stages, &u, &v, seen);
  if (!err) *e = frame_to_src(&f, u + 0.5, v + 0.5);
  free(patch.data);
  return err;
}

static pst_err refine(const pst_plane *luma, pst_point *e, double side,
                      double deg) {
  int seen;
  return refine_by(luma, e, side, deg, SEARCH_COARSE | SEARCH_FINE, &seen);
}

/* ---- eye pair from the cascade ---- */
typedef struct eye_hit {
  double x, y, size; /* centre and side in the face crop */
  int n;
} eye_hit;

/* The best pair: plausible spacing, roughly level, most raw hits. */
static int best_pair(const pst__face *g, int n, eye_hit *l, eye_hit *r) {
  double best = -1;
  for (int i = 0; i < n; i++)
    for (int j = 0; j < n; j++) {
      double xi = g[i].box.x + g[i].box.w / 2.0,
             xj = g[j].box.x + g[j].box.w / 2.0;
      double yi = g[i].box.y + g[i].box.h / 2.0,
             yj = g[j].box.y + g[j].box.h / 2.0;
      double dx = xj - xi, dy = fabs(yj - yi);
      if (i == j || xi > FACE_W / 2.0 || xj < FACE_W / 2.0) continue;
      if (dx < 0.25 * FACE_W || dx > 0.6 * FACE_W || dy > 0.25 * dx) continue;
      /* Symmetric about the face's middle is what a frontal face gives. */
      double asym = fabs((xi + xj) / 2.0 - FACE_W / 2.0) / FACE_W;
      double s = g[i].neighbors + g[j].neighbors - 20.0 * asym - dy / 4.0;
      if (s <= best) continue;
      best = s;
      *l = (eye_hit){xi, yi, g[i].box.w, g[i].neighbors};
      *r = (eye_hit){xj, yj, g[j].box.w, g[j].neighbors};
    }
  return best >= 0;
}

/* Where eye windows are centred in the crop: around the mean pupils of
 * the face box (notes/face.md), wide enough for every pair found on the
 * London/Canada set when the whole band was searched (centres at 0.26-0.34
 * and 0.64-0.77 of the width, 0.35-0.45 of the box height). */
static void eye_regions(const frame *crop, double box_h, pst_rect roi[2]) {
  double k = box_h / crop->k; /* box height in crop px */
  int y0 = (int)lround((EYE_Y0 - BAND_TOP) * k);
  int y1 = (int)lround((EYE_Y1 - BAND_TOP) * k);
  int lx0 = (int)(EYE_LX0 * FACE_W), lx1 = (int)(EYE_LX1 * FACE_W);
  roi[0] = (pst_rect){lx0, y0, lx1 - lx0, y1 - y0};
  roi[1] = (pst_rect){FACE_W - lx1, y0, lx1 - lx0, y1 - y0};
}

static pst_err cascade_pair(const pst_plane *luma, const frame *crop,
                            double box_h, eye_hit *l, eye_hit *r, int *found) {
  pst_plane patch = {0};
  pst_rect *raw = NULL;
  pst__face grp[32];
  int n;
  pst_rect roi[2];
  pst_err err = sample(luma, crop, &patch);
  *found = 0;
  if (err) return err;
  eye_regions(crop, box_h, roi);
  /* Eyes span 0.12-0.3 of the face width; step 2 costs a third of step 1
   * and the pupil refinement makes up for the coarser eye boxes. */
  n = pst__cascade_scan_roi(&pst__cascade_eye, &patch, 20, (int)(0.3 * FACE_W),
                            1.1, 2, roi, 2, &raw);
  if (n < 0) {
    err = (pst_err)-n;
  } else {
    n = pst__group_rects(raw, n, 1, grp, 32);
    if (n < 0)
      err = (pst_err)-n;
    else
      *found = best_pair(grp, PST_MIN(n, 32), l, r);
  }
  free(raw);
  free(patch.data);
  return err;
}

/* Search window of the gradient-only pair, and how far (box widths) a pupil
 * may lie from its mean position before the pair is not believed. */
#define WIDE_SIDE 0.18
#define GEO_TOL 0.09

/* An upright face fixes its eyes to within ~8% of the box width around the
 * mean positions: the pupils are searched there by gradients alone (a
 * coarse window, then the usual one), with no eye cascade. *ok is 0 when
 * the pair does not look like a pair of eyes. */
static pst_err gradient_pair(const pst_plane *luma, const pst_rect *b,
                             pst__eyes *out, int *ok) {
  pst_point g[2] = {{b->x + GEO_LX * b->w, b->y + GEO_Y * b->h},
                    {b->x + GEO_RX * b->w, b->y + GEO_Y * b->h}};
  pst_point e[2] = {g[0], g[1]};
  pst_err err = PST_OK;
  int seen = 1;
  *ok = 0;
  /* A window with no strong gradient has no eye: the cascade decides. */
  for (int i = 0; i < 2 && !err && seen; i++) {
    err = refine_by(luma, &e[i], WIDE_SIDE * b->w, 0.0, SEARCH_COARSE, &seen);
    if (!err && seen)
      err = refine_by(luma, &e[i], 0.14 * b->w, 0.0,
                      SEARCH_COARSE | SEARCH_FINE, &seen);
  }
  if (err || !seen) return err;
  double dx = e[1].x - e[0].x, dy = fabs(e[1].y - e[0].y);
  for (int i = 0; i < 2; i++)
    if (hypot(e[i].x - g[i].x, e[i].y - g[i].y) > GEO_TOL * b->w) return err;
  if (dx < 0.28 * b->w || dx > 0.50 * b->w || dy > 0.15 * dx) return err;
  out->left = e[0];
  out->right = e[1];
  out->estimated = 0;
  *ok = 1;
  return err;
}

pst_err pst__detect_eyes(const pst_plane *luma, const pst__face *face,
                         pst__eyes *out) {
  const pst_rect *b;
  eye_hit l = {0}, r = {0};
  int found;
  pst_err err;
  if (!luma || !luma->data || !face || !out || face->box.w <= 0 ||
      face->box.h <= 0)
    return PST_ERR_ARG;
  b = &face->box;
  if (face->angle == 0) {
    err = gradient_pair(luma, b, out, &found);
    if (err || found) return err;
  }
  double k = (double)b->w / FACE_W;
  int ch = (int)lround((BAND_BOT - BAND_TOP) * b->h / k);
  double bcx = b->x + b->w / 2.0, bcy = b->y + b->h / 2.0;
  /* Crop centre: the band's middle, rotated with the face. */
  frame box = frame_make(bcx, bcy, 1.0, face->angle, b->w, b->h);
  pst_point mid =
      frame_to_src(&box, b->w / 2.0, (BAND_TOP + BAND_BOT) / 2.0 * b->h);
  frame crop =
      frame_make(mid.x, mid.y, k, face->angle, FACE_W, PST_MAX(ch, 20));
  err = cascade_pair(luma, &crop, b->h, &l, &r, &found);
  if (err) return err;
  if (found) {
    out->left = frame_to_src(&crop, l.x, l.y);
    out->right = frame_to_src(&crop, r.x, r.y);
  } else {
    out->left = frame_to_src(&box, GEO_LX * b->w, GEO_Y * b->h);
    out->right = frame_to_src(&box, GEO_RX * b->w, GEO_Y * b->h);
  }
  out->estimated = !found;
  /* About 1.5 iris diameters: in wider windows dark lashes and eye corners
   * outscore the pupil (measured on the London set, notes/face.md). */
  double side = 0.14 * b->w;
  err = refine(luma, &out->left, side, face->angle);
  if (!err) err = refine(luma, &out->right, side, face->angle);
  if (!err && out->left.x > out->right.x) {
    pst_point t = out->left;
    out->left = out->right;
    out->right = t;
  }
  return err;
}

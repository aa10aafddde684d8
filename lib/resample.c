/* Resampling for photofix: the similarity warp from the decoded photo to the
 * output canvas.
 *
 * Shrinking 3-8x with point samples aliases (stripes on a shirt turn into
 * moire). Each output pixel therefore averages an n x n grid of bilinear
 * samples spread over its footprint in the source, n = ceil(footprint):
 * a box filter of the footprint's size along the rotated grid, convolved
 * with the bilinear tent. When the source is enlarged a single Catmull-Rom
 * bicubic sample keeps the edges crisp. Outside the photo (an extended
 * canvas) the wall colour continues above. At the sides and below, the
 * segmenter sees the photo reflected and the cloth continued plainly
 * (extend_below); the output shows the sides continued row by row
 * (extend_side) and the cloth below with its neckline closed: never a
 * smeared last row, a stripe or a mirrored notch. */
#include "fix_priv.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_TAPS 12

typedef struct src {
  const uint8_t *data;
  int w, h, stride, ch;
  const uint8_t *fill; /* ch bytes painted above the photo, or NULL */
  /* ext_h rows continuing the photo below, or NULL: ext_w pixels wide,
   * the first ext_x0 of them left of the photo (under its left side). */
  const uint8_t *ext;
  int ext_h, ext_w, ext_x0;
  /* Columns continuing the photo to the left (0) and right (1), h rows of
   * side_w[i] pixels: column j stands at x = -1 - j (left) or w + j
   * (right). NULL: the photo is reflected there. */
  const uint8_t *side[2];
  int side_w[2];
} src;

/* Reflect an integer coordinate into 0..n-1 (edge sample repeated once). */
static int reflect(int i, int n) {
  if (n == 1) return 0;
  while (i < 0 || i >= n) {
    if (i < 0) i = -i - 1;
    if (i >= n) i = 2 * n - i - 1;
  }
  return i;
}

/* The source pixel at integer (x, y): inside, or continued outside (wall
 * colour above, the cloth continued at the sides and below). */
static const uint8_t *at(const src *s, int x, int y) {
  if (y >= s->h && s->ext) {
    int xx = PST_CLAMP(x + s->ext_x0, 0, s->ext_w - 1);
    return s->ext +
           ((size_t)PST_MIN(y - s->h, s->ext_h - 1) * s->ext_w + xx) * s->ch;
  }
  if (y < 0 && s->fill) return s->fill;
  if ((unsigned)x >= (unsigned)s->w) {
    int right = x >= s->w, j = right ? x - s->w : -1 - x;
    const uint8_t *col = s->side[right];
    if (col && (unsigned)y < (unsigned)s->h)
      return col + ((size_t)y * s->side_w[right] +
                    (size_t)PST_MIN(j, s->side_w[right] - 1)) *
                       s->ch;
    x = reflect(x, s->w);
  }
  if ((unsigned)y >= (unsigned)s->h) y = reflect(y, s->h);
  return s->data + (size_t)y * s->stride + (size_t)x * s->ch;
}

static void bilinear(const src *s, double x, double y, double *acc) {
  int x0 = (int)floor(x), y0 = (int)floor(y);
  double fx = x - x0, fy = y - y0;
  const uint8_t *p00 = at(s, x0, y0), *p10 = at(s, x0 + 1, y0);
  const uint8_t *p01 = at(s, x0, y0 + 1), *p11 = at(s, x0 + 1, y0 + 1);
  for (int c = 0; c < s->ch; c++) {
    double t = p00[c] + (p10[c] - p00[c]) * fx;
    double b = p01[c] + (p11[c] - p01[c]) * fx;
    acc[c] += t + (b - t) * fy;
  }
}

static void cubic_weights(double t, double w[4]) {
  double t2 = t * t, t3 = t2 * t;
  w[0] = 0.5 * (-t3 + 2 * t2 - t);
  w[1] = 0.5 * (3 * t3 - 5 * t2 + 2);
  w[2] = 0.5 * (-3 * t3 + 4 * t2 + t);
  w[3] = 0.5 * (t3 - t2);
}

static void bicubic(const src *s, double x, double y, double *acc) {
  int x0 = (int)floor(x), y0 = (int)floor(y);
  double wx[4], wy[4];
  cubic_weights(x - x0, wx);
  cubic_weights(y - y0, wy);
  for (int j = 0; j < 4; j++) {
    for (int i = 0; i < 4; i++) {
      const uint8_t *p = at(s, x0 - 1 + i, y0 - 1 + j);
      double w = wx[i] * wy[j];
      for (int c = 0; c < s->ch; c++) acc[c] += w * p[c];
    }
  }
}

static uint8_t clamp8(double v) {
  return (uint8_t)(v <= 0 ? 0 : v >= 255 ? 255 : v + 0.5);
}

/* Bilinear sample at (x, y) when its 2x2 neighbourhood is inside the
 * photo: the common case, without the edge rules of at(). */
static void bilinear_in(const src *s, float x, float y, float *acc) {
  int x0 = (int)x, y0 = (int)y;
  float fx = x - (float)x0, fy = y - (float)y0;
  const uint8_t *p = s->data + (size_t)y0 * s->stride + (size_t)x0 * s->ch;
  const uint8_t *q = p + s->stride;
  float w00 = (1 - fx) * (1 - fy), w10 = fx * (1 - fy);
  float w01 = (1 - fx) * fy, w11 = fx * fy;
  for (int c = 0; c < s->ch; c++)
    acc[c] += w00 * p[c] + w10 * p[c + s->ch] + w01 * q[c] + w11 * q[c + s->ch];
}

/* The same for RGB in 8-bit fixed point (weights in 1/256; the position
 * x16, y16 in 1/65536 of a pixel): exact enough for 8-bit output and
 * several times faster than float per byte. */
static void bilinear_in3(const src *s, int32_t x16, int32_t y16,
                         unsigned *acc) {
  int xf = x16 >> 8, yf = y16 >> 8;
  unsigned fx = (unsigned)xf & 255u, fy = (unsigned)yf & 255u;
  const uint8_t *p =
      s->data + (size_t)(yf >> 8) * s->stride + (size_t)(xf >> 8) * 3;
  const uint8_t *q = p + s->stride;
  unsigned w00 = (256 - fx) * (256 - fy), w10 = fx * (256 - fy);
  unsigned w01 = (256 - fx) * fy, w11 = fx * fy;
  acc[0] += w00 * p[0] + w10 * p[3] + w01 * q[0] + w11 * q[3];
  acc[1] += w00 * p[1] + w10 * p[4] + w01 * q[1] + w11 * q[4];
  acc[2] += w00 * p[2] + w10 * p[5] + w01 * q[2] + w11 * q[5];
}

typedef struct taps {
  int n; /* n x n samples over the footprint */
  float du[MAX_TAPS * MAX_TAPS], dv[MAX_TAPS * MAX_TAPS]; /* offsets, src px */
  int32_t du16[MAX_TAPS * MAX_TAPS], dv16[MAX_TAPS * MAX_TAPS]; /* 16.16 */
  int shift;   /* n*n*65536 == 1 << shift, or 0: divide */
  float reach; /* how far a sample strays from the centre */
} taps;

static void taps_init(taps *t, int n, double ca, double sa) {
  t->n = n;
  t->reach = 0;
  t->shift = 0;
  for (int k = 16; k < 31; k++)
    if (n * n << 16 == 1 << k) t->shift = k;
  for (int j = 0; j < n; j++)
    for (int i = 0; i < n; i++) {
      double du = (i + 0.5) / n - 0.5, dv = (j + 0.5) / n - 0.5;
      t->du[j * n + i] = (float)(du * ca - dv * sa);
      t->dv[j * n + i] = (float)(du * sa + dv * ca);
      t->du16[j * n + i] = (int32_t)lrint((du * ca - dv * sa) * 65536);
      t->dv16[j * n + i] = (int32_t)lrint((du * sa + dv * ca) * 65536);
      t->reach = (float)PST_MAX(t->reach, fabs(du * ca - dv * sa) +
                                              fabs(du * sa + dv * ca));
    }
}

/* One output pixel: the box of n x n bilinear samples around (cx, cy). */
static void area_px(const src *s, const taps *t, double cx, double cy,
                    uint8_t *out) {
  float acc[3] = {0, 0, 0}, inv = 1.0f / (float)(t->n * t->n);
  int nn = t->n * t->n;
  if (cx - t->reach >= 0 && cy - t->reach >= 0 && cx + t->reach < s->w - 1 &&
      cy + t->reach < s->h - 1) {
    if (s->ch == 3 && s->w < 32768 && s->h < 32768) {
      /* Sums of nn samples of 16-bit weights: nn <= 144 keeps them in 32
       * bits (144 * 65536 * 255 < 2^32). The samples' positions in 16.16
       * fixed point (in int32 below 32768 px): one conversion a pixel, not
       * two a sample. */
      unsigned ia[3] = {0, 0, 0};
      unsigned div = (unsigned)nn * 65536u;
      int32_t x16 = (int32_t)lrint(cx * 65536),
              y16 = (int32_t)lrint(cy * 65536);
      for (int i = 0; i < nn; i++)
        bilinear_in3(s, x16 + t->du16[i], y16 + t->dv16[i], ia);
      /* a division a channel was a fifth of the warp; n = 2 (the usual
       * 1-2x shrink after the DCT's) divides by 2^18 */
      if (t->shift)
        for (int c = 0; c < 3; c++)
          out[c] = (uint8_t)((ia[c] + div / 2) >> t->shift);
      else
        for (int c = 0; c < 3; c++) out[c] = (uint8_t)((ia[c] + div / 2) / div);
      return;
    }
    for (int i = 0; i < nn; i++)
      bilinear_in(s, (float)cx + t->du[i], (float)cy + t->dv[i], acc);
  } else {
    double a[3] = {0, 0, 0};
    for (int i = 0; i < nn; i++) bilinear(s, cx + t->du[i], cy + t->dv[i], a);
    for (int c = 0; c < s->ch; c++) acc[c] = (float)a[c];
  }
  for (int c = 0; c < s->ch; c++) out[c] = clamp8(acc[c] * inv);
}

/* The warp proper: one row of output at a time, walking the rotated grid
 * incrementally. */
static void warp(const src *s, double ratio, const pst__xform *x, int u0,
                 int u1, int v0, int v1, uint8_t *dst) {
  double k = ratio / x->s; /* source px per output px */
  int n = PST_CLAMP((int)ceil(k - 1e-6), 1, MAX_TAPS);
  double ca = cos(x->theta) * k, sa = sin(x->theta) * k;
  /* One output px to the right / down, in source px. */
  double ux = ca, uy = sa, vx = -sa, vy = ca;
  /* Continuous input p -> decoded sample index p * ratio - 0.5. */
  pst_point o = pst__xform_apply(x, 0.5, 0.5);
  double ox = o.x * ratio - 0.5, oy = o.y * ratio - 0.5;
  taps t;
  taps_init(&t, n, ca, sa);
  for (int v = v0; v < v1; v++) {
    uint8_t *out = dst + (size_t)v * x->out_w * s->ch;
    double cx = ox + v * vx + u0 * ux, cy = oy + v * vy + u0 * uy;
    for (int u = u0; u < u1; u++, cx += ux, cy += uy) {
      if (n == 1 && k < 1.0) {
        double acc[3] = {0, 0, 0};
        bicubic(s, cx, cy, acc);
        for (int c = 0; c < s->ch; c++) out[u * s->ch + c] = clamp8(acc[c]);
      } else {
        area_px(s, &t, cx, cy, out + u * s->ch);
      }
    }
  }
}

/* ---- below the photo ---- */

/* A repeatable noise value in -1..1 for pixel (x, y), channel c. */
static float grain(int x, int y, int c) {
  uint32_t h = (uint32_t)x * 73856093u ^ (uint32_t)y * 19349663u ^
               (uint32_t)c * 83492791u;
  h ^= h >> 13, h *= 0x5bd1e995u, h ^= h >> 15;
  return (float)(h & 0xffff) / 32767.5f - 1.0f;
}

#define EXT_WALL 24.f /* RGB: this close to the wall colour is wall */

/* Whether RGB pixel p is within EXT_WALL of the wall colour w. */
static int near_wall(const uint8_t *p, const uint8_t *w) {
  int d0 = p[0] - w[0], d1 = p[1] - w[1], d2 = p[2] - w[2];
  return d0 * d0 + d1 * d1 + d2 * d2 < EXT_WALL * EXT_WALL;
}

/* The cloth along one edge of the photo: n positions `along` bytes apart
 * from p0, each the mean of `band` pixels stepping `into` bytes inward
 * (the last rows, column by column, or the outer columns, row by row),
 * smoothed along the edge so one dark thread does not become a stripe;
 * and the spread of the cloth around it (its texture). With `wall` (RGB),
 * pixels of the wall's colour are left out of a mean where a quarter or
 * more are not: a collar's edge crossing the band diagonally would
 * otherwise mix the wall above it into the cloth below. `mean` holds 2 n
 * ch floats. */
static void band_stats(const uint8_t *p0, long along, long into, int n, int ch,
                       int band, const uint8_t *wall, float *mean,
                       float *spread) {
  int r = PST_MAX(2, n / 60);
  double var = 0;
  float *raw = mean + (size_t)n * ch; /* second half of the buffer */
  for (int i = 0; i < n; i++) {
    float acc[4] = {0, 0, 0, 0}, all[4] = {0, 0, 0, 0};
    int m = 0;
    for (int b = 0; b < band; b++) {
      const uint8_t *p = p0 + i * along + b * into;
      int cloth = !wall || ch != 3 || !near_wall(p, wall);
      m += cloth;
      for (int c = 0; c < ch; c++) all[c] += p[c], acc[c] += cloth ? p[c] : 0;
    }
    for (int c = 0; c < ch; c++)
      raw[i * ch + c] = m * 4 >= band ? acc[c] / m : all[c] / band;
  }
  for (int i = 0; i < n; i++)
    for (int c = 0; c < ch; c++) {
      float acc = 0;
      int m = 0;
      for (int j = PST_MAX(0, i - r); j <= PST_MIN(n - 1, i + r); j++, m++)
        acc += raw[j * ch + c];
      mean[i * ch + c] = acc / m;
    }
  for (int i = 0; i < n; i++)
    for (int b = 0; b < band; b++)
      for (int c = 0; c < ch; c++) {
        double d = p0[i * along + b * into + c] - raw[i * ch + c];
        var += d * d;
      }
  *spread = (float)sqrt(var / ((double)band * n * ch));
}

/* The spread of the cloth put back as grain: damped, so a coarse weave
 * does not come back as noise. */
static float grain_of(float spread) { return PST_MIN(spread, 10.0f) * 0.6f; }

/* One pixel of a continuation: the mirrored photo pixel m fading (weight t
 * 0..1) into the cloth's colour, grained. */
static uint8_t continue_px(float m, float t, float cloth, float grain) {
  float v = (1 - t) * m + t * (cloth + grain);
  return (uint8_t)PST_CLAMP(v + 0.5f, 0.0f, 255.0f);
}

/* The photo continued `cols` columns past its left (right) edge, row by
 * row as the bottom is column by column: the mirror of the outer columns
 * fades within a few columns into each row's cloth or wall colour, with a
 * fine grain. Reflecting further would bring a shoulder sloping down to
 * the edge back up beyond it: a V notch in the outline. */
static pst_err extend_side(src *s, int right, int cols, uint8_t **buf) {
  int band = PST_CLAMP(s->w / 40, 2, s->w), fade = PST_MAX(2, band);
  int ch = s->ch, h = s->h;
  long into = right ? -ch : ch;
  const uint8_t *p0 = s->data + (right ? (size_t)(s->w - 1) * ch : 0);
  float *mean = malloc(sizeof *mean * 2 * (size_t)h * ch), spread;
  uint8_t *ext = malloc((size_t)h * cols * ch);
  if (!mean || !ext) {
    free(mean), free(ext);
    return PST_ERR_NOMEM;
  }
  band_stats(p0, s->stride, into, h, ch, band, NULL, mean, &spread);
  spread = grain_of(spread);
  for (int y = 0; y < h; y++)
    for (int j = 0; j < cols; j++) {
      int mj = PST_MIN(j, s->w - 1);
      float t = PST_MIN(1.0f, (float)(j + 1) / (float)fade);
      for (int c = 0; c < ch; c++)
        ext[((size_t)y * cols + j) * ch + c] =
            continue_px(p0[(size_t)y * s->stride + mj * into + c], t,
                        mean[y * ch + c], spread * grain(j, y, c + 3 * right));
    }
  free(mean);
  s->side[right] = ext, s->side_w[right] = cols;
  *buf = ext;
  return PST_OK;
}

/* The photo's last `band` rows, with the columns continuing them at the
 * sides: what the cloth below is made from. x0 of the w columns are left
 * of the photo. */
typedef struct lastrows {
  const uint8_t *p;
  int w, x0, band, ch;
  size_t stride;
  const uint8_t *fill; /* the wall's colour, or NULL */
} lastrows;

/* The neckline of a tight crop: the run of columns in the middle of the
 * torso (neck, collar, a chain, a shirt under an open jacket) whose colour
 * differs from the clothing at the torso's outer ends. Continued straight
 * down it would become vertical stripes; instead the clothing on each side
 * closes over it, like lapels meeting, within EXT_CLOSE of the rows made
 * up. */
#define EXT_ZONE 36.f  /* RGB: the neckline is this far from the clothing */
#define EXT_CLOSE 0.6f /* share of the made-up rows over which it closes */
#define EXT_MIN_G 0.5f /* the slowest closing, columns per row */

typedef struct neckline {
  int on;
  int L, R;        /* the torso's columns on the last rows */
  int q;           /* how much clothing beside the neckline is mirrored */
  float zl, zr, g; /* the neckline's edges there; closing, columns per row */
} neckline;

static float dist3(const float *a, const float *b) {
  float d0 = a[0] - b[0], d1 = a[1] - b[1], d2 = a[2] - b[2];
  return sqrtf(d0 * d0 + d1 * d1 + d2 * d2);
}

/* Mean of the profile's colours over columns lo..hi. */
static void span_mean(const float *mean, int lo, int hi, float *out) {
  out[0] = out[1] = out[2] = 0;
  for (int x = lo; x <= hi; x++)
    for (int c = 0; c < 3; c++) out[c] += mean[x * 3 + c] / (hi - lo + 1);
}

/* Find the neckline in the profile `mean` of the last rows (RGB), the torso
 * being the run of non-wall columns around column xc. `need` rows are to
 * be made up. */
static void find_neckline(const lastrows *lr, const float *mean, int xc,
                          int need, neckline *nl) {
  float wall[3], cl[3], cr[3];
  int L, R, q, zl, zr;
  nl->on = 0;
  if (lr->ch != 3 || !lr->fill || need < 1) return;
  for (int c = 0; c < 3; c++) wall[c] = lr->fill[c];
  /* Wall shows beside the torso, from the photo's edges in; a wall-pale
   * shirt inside the torso is not wall. */
  for (L = 0; L < lr->w && dist3(mean + L * 3, wall) < EXT_WALL; L++) {
  }
  for (R = lr->w - 1; R >= 0 && dist3(mean + R * 3, wall) < EXT_WALL; R--) {
  }
  if (xc < L || xc > R) return;
  q = PST_MAX(2, (R - L + 1) / 10);
  if (R - L + 1 < 4 * q) return;
  /* Walk in from each end while the colour stays near the clothing just
   * passed (q columns): shading drifts slowly, the neckline jumps. */
  for (zl = L + q; zl <= R; zl++) {
    span_mean(mean, zl - q, zl - 1, cl);
    if (dist3(mean + zl * 3, cl) > EXT_ZONE) break;
  }
  for (zr = R - q; zr >= L; zr--) {
    span_mean(mean, zr + 1, zr + q, cr);
    if (dist3(mean + zr * 3, cr) > EXT_ZONE) break;
  }
  if (zl > R || zr < L || zr < zl) return;
  nl->L = L, nl->R = R, nl->q = q;
  nl->zl = (float)zl, nl->zr = (float)zr;
  nl->g = PST_MAX(EXT_MIN_G, (zr - zl) / 2.f / (EXT_CLOSE * need));
  nl->on = 1;
}

/* Clamp t to 0..1 and ease it. */
static float smooth01(float t) {
  t = PST_CLAMP(t, 0.f, 1.f);
  return t * t * (3 - 2 * t);
}

/* Reflect i into lo..hi. */
static int reflect_in(int i, int lo, int hi) {
  return lo + reflect(i - lo, hi - lo + 1);
}

/* The clothing closed over the whole neckline, into `cloth` (a copy of
 * the profile `mean`): the clothing right beside the neckline (q columns)
 * mirrored into what it covers, so its shading carries on, the left
 * meeting the right in the middle over `rw` columns. */
static void closed_cloth(const float *mean, const neckline *nl, float rw,
                         float *cloth) {
  float zc = (nl->zl + nl->zr) / 2;
  int zl = (int)nl->zl, zr = (int)nl->zr;
  int ll = PST_MAX(nl->L, zl - nl->q), rr = PST_MIN(nl->R, zr + nl->q);
  for (int x = nl->L; x <= nl->R; x++) {
    const float *ml = mean + x * 3, *mr = mean + x * 3;
    float t = smooth01((x - zc) / (2 * rw) + 0.5f);
    if (x < zl - rw || x > zr + rw) continue;
    if (x >= zl && zl > nl->L)
      ml = mean + reflect_in(2 * zl - 1 - x, ll, zl - 1) * 3;
    if (x <= zr && zr < nl->R)
      mr = mean + reflect_in(2 * zr + 1 - x, zr + 1, rr) * 3;
    for (int c = 0; c < 3; c++) cloth[x * 3 + c] = ml[c] + (mr[c] - ml[c]) * t;
  }
}

/* What is still open of the neckline `e` rows down, laid over the made-up
 * row `row`: its edges closing in by g a row, soft over `rw` columns, and
 * the whole fading out as it narrows to nothing. The neckline keeps its
 * own colours; the clothing under it was blurred without them, so no skin
 * spreads into the cloth beside it. */
static void open_neckline(const float *mean, const neckline *nl, int e,
                          float rw, float *row) {
  float el = nl->zl + nl->g * e, er = nl->zr - nl->g * e;
  float zc = (nl->zl + nl->zr) / 2, open;
  if (el > zc) el = er = zc;
  open = smooth01((er - el) / rw);
  for (int x = PST_MAX(nl->L, (int)(el - rw));
       x <= PST_MIN(nl->R, (int)(er + rw) + 1); x++) {
    float wz =
        open * smooth01((x - el) / rw + 0.5f) * smooth01((er - x) / rw + 0.5f);
    for (int c = 0; c < 3; c++)
      row[x * 3 + c] = wz * mean[x * 3 + c] + (1 - wz) * row[x * 3 + c];
  }
}

/* The column whose texture a made-up column carries: its own, or inside
 * the neckline (which the clothing closes over) the clothing's, mirrored
 * as closed_cloth mirrors its colour, so no skin or chain shows through. */
static int texture_column(const neckline *nl, int x) {
  int zl, zr;
  if (!nl->on) return x;
  zl = (int)nl->zl, zr = (int)nl->zr;
  if (x < zl || x > zr) return x;
  if (2 * x < zl + zr ? zl > nl->L : zr >= nl->R)
    return reflect_in(2 * zl - 1 - x, PST_MAX(nl->L, zl - nl->q), zl - 1);
  return reflect_in(2 * zr + 1 - x, zr + 1, PST_MIN(nl->R, zr + nl->q));
}

/* Box blur of a row profile over radius r, among the columns `keep` marks
 * (the torso: the wall beside it stays sharp); `sum` and `cnt` are
 * scratch. */
static void blur_row(float *row, const uint8_t *keep, int w, int ch, int r,
                     double *sum, int *cnt) {
  for (int c = 0; c < ch; c++) sum[c] = 0;
  cnt[0] = 0;
  for (int x = 0; x < w; x++) {
    cnt[x + 1] = cnt[x] + keep[x];
    for (int c = 0; c < ch; c++)
      sum[(x + 1) * ch + c] = sum[x * ch + c] + (keep[x] ? row[x * ch + c] : 0);
  }
  for (int x = 0; x < w; x++) {
    int lo = PST_MAX(0, x - r), hi = PST_MIN(w - 1, x + r);
    int n = cnt[hi + 1] - cnt[lo];
    if (!keep[x] || n < 1) continue;
    for (int c = 0; c < ch; c++)
      row[x * ch + c] =
          (float)((sum[(hi + 1) * ch + c] - sum[lo * ch + c]) / n);
  }
}

/* The cloth's own texture in the last rows: each pixel less the mean of
 * its (2r+1)^2 box (clipped to the band), as a signed offset, for the
 * made-up rows to carry on. Folds, seams and a collar's edge are shapes,
 * not texture: offsets beyond TEX_SIGMAS times the band's typical one
 * (1.4826 times the median absolute offset, the spread of the weave and
 * the sensor noise) are dropped, so no shape comes back mirrored. */
#define TEX_SIGMAS 3.f

static int16_t *cloth_texture(const lastrows *lr, int r) {
  int w = lr->w, band = lr->band, ch = lr->ch;
  size_t n = (size_t)w * band * ch, W = (size_t)w + 1;
  int16_t *tex = malloc(n * sizeof *tex);
  /* Summed area of the band, one table per channel: (band+1) x (w+1). */
  int32_t *sat = calloc((size_t)(band + 1) * W * ch, sizeof *sat);
  size_t hist[256] = {0}, seen = 0;
  int med = 0, lim;
  if (!tex || !sat) {
    free(tex), free(sat);
    return NULL;
  }
  for (int i = 0; i < band; i++)
    for (int x = 0; x < w; x++)
      for (int c = 0; c < ch; c++) {
        int32_t *q = sat + (((size_t)(i + 1) * W + x + 1) * ch + c);
        *q = lr->p[(size_t)i * lr->stride + (size_t)x * ch + c] + q[-ch] +
             q[-(long)(W * ch)] - q[-(long)(W * ch) - ch];
      }
  for (int i = 0; i < band; i++)
    for (int x = 0; x < w; x++)
      for (int c = 0; c < ch; c++) {
        int i0 = PST_MAX(0, i - r), i1 = PST_MIN(band, i + r + 1);
        int x0 = PST_MAX(0, x - r), x1 = PST_MIN(w, x + r + 1);
        int m = (i1 - i0) * (x1 - x0), v;
        int32_t acc = sat[((size_t)i1 * W + x1) * ch + c] -
                      sat[((size_t)i0 * W + x1) * ch + c] -
                      sat[((size_t)i1 * W + x0) * ch + c] +
                      sat[((size_t)i0 * W + x0) * ch + c];
        v = lr->p[(size_t)i * lr->stride + (size_t)x * ch + c] -
            (int)((acc + m / 2) / m);
        tex[((size_t)i * w + x) * ch + c] = (int16_t)v;
        hist[PST_MIN(abs(v), 255)]++;
      }
  free(sat);
  while (med < 255 && (seen += hist[med]) * 2 < n) med++;
  lim = (int)ceilf(TEX_SIGMAS * 1.4826f * PST_MAX((float)med, 0.5f));
  for (int i = 0; i < band; i++)
    for (int x = 0; x < w; x++) {
      int16_t *t = tex + ((size_t)i * w + x) * ch, big = 0;
      for (int c = 0; c < ch; c++) big |= abs(t[c]) > lim;
      if (big)
        for (int c = 0; c < ch; c++) t[c] = 0;
    }
  return tex;
}

/* Rows continuing a tightly framed portrait below its edge. Repeating or
 * mirroring rows shows: a diagonal collar turns into a zigzag, a chin
 * comes back upside down. Instead the mirror of the last rows fades within
 * a few rows into the cloth's own colour, column by column (so a dark
 * jacket over a white shirt stays where it was), the neckline closing over
 * (find_neckline), with a grain of the cloth's texture at the output's
 * scale (`k` source px per output px) so it does not look painted. `xc` is
 * the column below the face's centre, `need` the rows the canvas shows. */
static pst_err extend_below(const lastrows *lr, int rows, int need, double k,
                            int xc, int close, uint8_t **buf) {
  int band = lr->band, fade = PST_MAX(2, band);
  /* The plain continuation (what the segmenter was tuned on) keeps its
   * pixel-fine grain; the closed one's grain is of output pixels, so it
   * shows once shrunk. */
  int gc = close ? PST_MAX(1, (int)lrint(k)) : 1, ch = lr->ch, w = lr->w;
  size_t rowb = (size_t)w * ch;
  const uint8_t *last = lr->p + (size_t)(band - 1) * lr->stride;
  float *mean = malloc(sizeof *mean * 2 * (size_t)w * ch), spread;
  float *row = malloc(sizeof *row * (size_t)w * ch);
  float *cloth = malloc(sizeof *cloth * (size_t)w * ch);
  double *sum = malloc(sizeof *sum * ((size_t)w + 1) * ch);
  int *cnt = malloc(sizeof *cnt * ((size_t)w + 1));
  uint8_t *ext = malloc(rowb * (size_t)rows), *keep = calloc((size_t)w, 1);
  int16_t *tex = close ? cloth_texture(lr, PST_MAX(1, (int)lrint(k))) : NULL;
  int *tcol = close ? malloc(sizeof *tcol * (size_t)w) : NULL;
  neckline nl = {0};
  pst_err err = PST_ERR_NOMEM;
  if (!mean || !row || !cloth || !sum || !cnt || !ext || !keep ||
      (close && (!tex || !tcol)))
    goto out;
  band_stats(last, ch, -(long)lr->stride, w, ch, band, close ? lr->fill : NULL,
             mean, &spread);
  spread = grain_of(spread);
  if (close) find_neckline(lr, mean, PST_CLAMP(xc, 0, w - 1), need, &nl);
  if (nl.on) {
    memset(keep + nl.L, 1, (size_t)(nl.R - nl.L + 1));
    memcpy(cloth, mean, sizeof *cloth * (size_t)w * ch);
    closed_cloth(mean, &nl, (float)(4 * k), cloth);
  }
  for (int x = 0; x < w && tcol; x++) tcol[x] = texture_column(&nl, x);
  for (int e = 0; e < rows; e++) {
    const int16_t *trow =
        tex ? tex + (size_t)(band - 1 - reflect(e, band)) * w * ch : NULL;
    const uint8_t *mirror = last - (size_t)PST_MIN(e, band - 1) * lr->stride;
    float t = PST_MIN(1.0f, (float)(e + 1) / (float)fade);
    memcpy(row, nl.on ? cloth : mean, sizeof *row * (size_t)w * ch);
    if (nl.on) {
      /* Further down, the folds blur out across the torso: no stripe runs
       * straight to the bottom. */
      blur_row(row, keep, w, ch, e / 2, sum, cnt);
      open_neckline(mean, &nl, e, (float)(4 * k), row);
    }
    for (int x = 0; x < w; x++)
      for (int c = 0; c < ch; c++)
        ext[(size_t)e * rowb + (size_t)x * ch + c] =
            continue_px(mirror[(size_t)x * ch + c], t, row[x * ch + c],
                        trow ? trow[(size_t)tcol[x] * ch + c]
                             : spread * grain((x - lr->x0) / gc, e / gc, c));
  }
  *buf = ext;
  ext = NULL;
  err = PST_OK;
out:
  free(mean), free(row), free(sum), free(cnt), free(ext), free(keep);
  free(tex), free(tcol), free(cloth);
  return err;
}

/* Source rows the canvas shows below the photo (`*need`), and with the
 * filter's reach. */
static int rows_below(const src *s, double ratio, const pst__xform *x,
                      int *need) {
  double rows = x->over_bottom / x->s * ratio;
  *need = 0;
  if (x->over_bottom <= 0) return 0;
  *need = PST_MIN((int)ceil(rows), 4 * s->h);
  return PST_MIN((int)ceil(rows) + MAX_TAPS + 4, 4 * s->h);
}

/* Source columns the canvas needs past the photo's left (right) edge,
 * with the filter's reach. */
static int cols_beside(const src *s, double ratio, const pst__xform *x,
                       int right) {
  double over = right ? x->over_right : x->over_left;
  if (over <= 0) return 0;
  return PST_MIN((int)ceil(over / x->s * ratio) + MAX_TAPS + 4, 4 * s->w);
}

/* The last rows of the photo for the cloth below it, widened by the side
 * continuations when there are any (into *wide, to be freed). */
static pst_err last_rows(const src *s, lastrows *lr, uint8_t **wide) {
  int band = PST_CLAMP(s->h / 40, 2, s->h), cl = s->side_w[0] * !!s->side[0];
  int cr = s->side_w[1] * !!s->side[1], ch = s->ch, w = s->w + cl + cr;
  lr->band = band, lr->ch = ch, lr->fill = s->fill, lr->x0 = cl;
  *wide = NULL;
  if (!cl && !cr) {
    lr->p = s->data + (size_t)(s->h - band) * s->stride;
    lr->w = s->w, lr->stride = (size_t)s->stride;
    return PST_OK;
  }
  if (!(*wide = malloc((size_t)band * w * ch))) return PST_ERR_NOMEM;
  for (int i = 0; i < band; i++)
    for (int x = 0; x < w; x++)
      memcpy(*wide + ((size_t)i * w + x) * ch, at(s, x - cl, s->h - band + i),
             (size_t)ch);
  lr->p = *wide, lr->w = w, lr->stride = (size_t)w * ch;
  return PST_OK;
}

/* Warp into dst. For the segmenter (`shown` 0) the photo is reflected at
 * its sides and the cloth below is continued plainly, column by column:
 * its colour models were tuned on that, and at the sides of an indoor
 * photo the reflected room teaches the wall model the room's colours. For
 * the output (`shown` 1) only the canvas outside pst__real_area is warped:
 * the sides continued row by row, the cloth below under them too, with the
 * neckline closed. */
static pst_err warp_src(src *s, double ratio, const pst__xform *x, int shown,
                        uint8_t *dst) {
  uint8_t *ext = NULL, *side[2] = {NULL, NULL}, *wide = NULL;
  int need, rows = rows_below(s, ratio, x, &need), x0, x1, y1;
  pst_err err = PST_OK;
  for (int right = 0; right < 2 && !err && shown; right++) {
    int cols = cols_beside(s, ratio, x, right);
    if (cols > 0 && s->w >= 4) err = extend_side(s, right, cols, &side[right]);
  }
  if (!err && rows > 0 && s->h >= 4) {
    /* The column below the face: the canvas is centred on it. */
    pst_point b = pst__xform_apply(x, x->out_w / 2.0, x->out_h);
    lastrows lr;
    err = last_rows(s, &lr, &wide);
    if (!err)
      err = extend_below(&lr, rows, need, ratio / x->s,
                         (int)lrint(b.x * ratio - 0.5) + lr.x0, shown, &ext);
    if (!err) s->ext = ext, s->ext_h = rows, s->ext_w = lr.w, s->ext_x0 = lr.x0;
  }
  if (!err && !shown) warp(s, ratio, x, 0, x->out_w, 0, x->out_h, dst);
  if (!err && shown) {
    pst__real_area(x, &x0, &x1, &y1);
    warp(s, ratio, x, 0, x0, 0, y1, dst);
    warp(s, ratio, x, x1, x->out_w, 0, y1, dst);
    warp(s, ratio, x, 0, x->out_w, y1, x->out_h, dst);
  }
  free(ext), free(side[0]), free(side[1]), free(wide);
  s->ext = s->side[0] = s->side[1] = NULL;
  return err;
}

/* An RGB photo as a source, `fill` (3 bytes) taking top_rgb. */
static src rgb_src(const pst_image *img, const pst__xform *x, uint8_t *fill) {
  src s = {.data = img->px,
           .w = img->width,
           .h = img->height,
           .stride = img->width * 3,
           .ch = 3};
  fill[0] = x->top_rgb.r, fill[1] = x->top_rgb.g, fill[2] = x->top_rgb.b;
  if (x->top_fill) s.fill = fill;
  return s;
}

pst_err pst__warp_rgb(const pst_image *img, double ratio, const pst__xform *x,
                      pst_image **out) {
  uint8_t fill[3];
  src s = rgb_src(img, x, fill);
  pst_err err;
  *out = NULL;
  if (img->width < 1 || img->height < 1 || x->s <= 0) return PST_ERR_ARG;
  err = pst__image_alloc(x->out_w, x->out_h, out);
  if (!err) err = warp_src(&s, ratio, x, 0, (*out)->px);
  if (err) pst_image_destroy(*out), *out = NULL;
  return err;
}

void pst__real_area(const pst__xform *x, int *x0, int *x1, int *y1) {
  /* One output pixel further in where the canvas runs past the photo: the
   * filter reaches that far. */
  *x0 = x->over_left > 0
            ? PST_CLAMP((int)ceil(x->over_left) + 1, 0, x->out_w / 2)
            : 0;
  *x1 = x->over_right > 0 ? PST_CLAMP((int)floor(x->out_w - x->over_right) - 1,
                                      x->out_w / 2 + 1, x->out_w)
                          : x->out_w;
  *y1 = x->over_bottom > 0
            ? PST_CLAMP((int)floor(x->out_h - x->over_bottom) - 1, 0, x->out_h)
            : x->out_h;
}

pst_err pst__warp_made_up(const pst_image *img, double ratio,
                          const pst__xform *x, pst_image *out) {
  uint8_t fill[3];
  src s = rgb_src(img, x, fill);
  if (img->width < 1 || img->height < 1 || x->s <= 0 || !out ||
      out->width != x->out_w || out->height != x->out_h)
    return PST_ERR_ARG;
  return warp_src(&s, ratio, x, 1, out->px);
}

pst_err pst__warp_plane(const pst_plane *p, double ratio, const pst__xform *x,
                        uint8_t **out) {
  uint8_t fill = 0; /* above the photo: no person */
  src s = {.data = p->data,
           .w = p->width,
           .h = p->height,
           .stride = p->stride,
           .ch = 1};
  pst_err err;
  if (x->top_fill) s.fill = &fill;
  *out = NULL;
  if (p->width < 1 || p->height < 1 || x->s <= 0) return PST_ERR_ARG;
  *out = malloc((size_t)x->out_w * (size_t)x->out_h);
  if (!*out) return PST_ERR_NOMEM;
  err = warp_src(&s, ratio, x, 0, *out);
  if (err) free(*out), *out = NULL;
  return err;
}

/* Ground-truth alpha for studio portraits on a plain wall: the wall is
 * modelled from border regions that are certainly wall, every pixel's alpha
 * follows its CIELAB distance from that model, and the landmarks supply a
 * body prior so that a white shirt against a light-grey wall stays person. */
#include "truth.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const int truth_face_outline[] = {109, 110, 111, 125, 126, 127, 128, 129,
                                  130, 131, 132, 133, 114, 113, 112};
const int truth_face_outline_n =
    (int)(sizeof truth_face_outline / sizeof truth_face_outline[0]);

/* The head as a union of convex parts: one hull around everything would
 * also cover the wall between an ear and the jaw. The jaw/neck points 145,
 * 146, 156 and 157 lie beside the neck where wall shows and are left out. */
static const int part_face[] = {109, 110, 111, 125, 126, 127, 128, 129,
                                130, 131, 132, 133, 114, 113, 112, -1};
static const int part_skull[] = {109, 112, 134, 135, 136, 137, 138,
                                 139, 140, 141, 142, 143, 144, 148,
                                 149, 150, 151, 152, 153, 154, -1};
/* The forehead, eyes and nose bridge: the face outline's top edge runs
 * along the eye line and the shrunk skull does not reach down to it, so
 * without this part an eye's white or a lit nose bridge near the wall's
 * colour was keyed as partly wall. The hairline lies on the head, inside
 * the silhouette: this part is not shrunk. */
static const int part_brow[] = {109, 112, 134, 135, 136, 137, 138,
                                139, 140, 141, 142, 143, 144, -1};
static const int part_ear_l[] = {109, 110, 111, 115, 116, 117, 118, 119, -1};
static const int part_ear_r[] = {112, 113, 114, 120, 121, 122, 123, 124, -1};
static const int *const head_parts[] = {part_face, part_skull, part_brow,
                                        part_ear_l, part_ear_r};
#define NPARTS 5

typedef struct head_shape {
  pst_point hull[NPARTS][48];
  int n[NPARTS];
} head_shape;

/* ---- loading ---- */

static int read_tem(const char *path, int denom, pst_point *pt, char *err,
                    size_t errlen) {
  FILE *f = fopen(path, "r");
  int n = 0, ok = -1;
  if (!f) {
    snprintf(err, errlen, "%s: cannot open", path);
    return -1;
  }
  if (fscanf(f, "%d", &n) != 1 || n < TRUTH_NPTS) {
    snprintf(err, errlen, "%s: not a %d-point template", path, TRUTH_NPTS);
    goto out;
  }
  for (int i = 0; i < TRUTH_NPTS; i++) {
    double x, y;
    if (fscanf(f, "%lf %lf", &x, &y) != 2) {
      snprintf(err, errlen, "%s: point %d unreadable", path, i);
      goto out;
    }
    /* DCT scaling maps pixel centres, not pixel corners. */
    pt[i].x = (x + 0.5) / denom - 0.5;
    pt[i].y = (y + 0.5) / denom - 0.5;
  }
  ok = 0;
out:
  fclose(f);
  return ok;
}

int truth_load(const char *jpg, const char *tem, int denom, truth_photo *p,
               char *err, size_t errlen) {
  pst_errinfo e;
  memset(p, 0, sizeof *p);
  if (pst_image_load(jpg, NULL, denom, &p->img, NULL, &e) != PST_OK) {
    snprintf(err, errlen, "%s", e.message);
    return -1;
  }
  p->w = pst_image_width(p->img);
  p->h = pst_image_height(p->img);
  p->denom = denom;
  if (read_tem(tem, denom, p->pt, err, errlen) != 0) {
    truth_free(p);
    return -1;
  }
  return 0;
}

void truth_free(truth_photo *p) {
  if (!p) return;
  pst_image_destroy(p->img);
  free(p->alpha);
  free(p->bg_res);
  memset(p, 0, sizeof *p);
}

/* ---- colour ---- */

static double srgb_lin(double c) {
  c /= 255.0;
  return c <= 0.04045 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4);
}

static double lab_f(double t) {
  return t > 0.008856 ? cbrt(t) : 7.787 * t + 16.0 / 116.0;
}

static void lin_to_lab(double r, double g, double b, float lab[3]) {
  double x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047;
  double y = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  double z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883;
  double fx = lab_f(x), fy = lab_f(y), fz = lab_f(z);
  lab[0] = (float)(116.0 * fy - 16.0);
  lab[1] = (float)(500.0 * (fx - fy));
  lab[2] = (float)(200.0 * (fy - fz));
}

static void rgb_to_lab(const double rgb[3], float lab[3]) {
  lin_to_lab(srgb_lin(rgb[0]), srgb_lin(rgb[1]), srgb_lin(rgb[2]), lab);
}

/* CIE76 distance. Lightness keeps its full weight: a white shirt on a
 * light-grey wall differs from it almost only in lightness. */
static float lab_dist(const float a[3], const float b[3]) {
  float dl = a[0] - b[0], da = a[1] - b[1], db = a[2] - b[2];
  return sqrtf(dl * dl + da * da + db * db);
}

/* ---- background model ---- */

static void basis(double x, double y, double v[6]) {
  v[0] = 1;
  v[1] = x;
  v[2] = y;
  v[3] = x * x;
  v[4] = x * y;
  v[5] = y * y;
}

void truth_bg_at(const truth_photo *p, double x, double y, double rgb[3]) {
  double v[6], r[3] = {0, 0, 0};
  basis(x / p->w, y / p->h, v);
  if (p->bg_res) {
    /* bilinear between cell centres */
    double gx = (x + 0.5) / TRUTH_RES_CELL - 0.5;
    double gy = (y + 0.5) / TRUTH_RES_CELL - 0.5;
    gx = gx < 0 ? 0 : gx > p->res_w - 1 ? p->res_w - 1 : gx;
    gy = gy < 0 ? 0 : gy > p->res_h - 1 ? p->res_h - 1 : gy;
    int x0 = (int)gx, y0 = (int)gy;
    int x1 = x0 + 1 < p->res_w ? x0 + 1 : x0,
        y1 = y0 + 1 < p->res_h ? y0 + 1 : y0;
    double tx = gx - x0, ty = gy - y0;
    const float *a = p->bg_res + ((size_t)y0 * p->res_w + x0) * 3;
    const float *b = p->bg_res + ((size_t)y0 * p->res_w + x1) * 3;
    const float *c = p->bg_res + ((size_t)y1 * p->res_w + x0) * 3;
    const float *d = p->bg_res + ((size_t)y1 * p->res_w + x1) * 3;
    for (int k = 0; k < 3; k++)
      r[k] = (a[k] + (b[k] - a[k]) * tx) * (1 - ty) +
             (c[k] + (d[k] - c[k]) * tx) * ty;
  }
  for (int c = 0; c < 3; c++) {
    double s = r[c];
    for (int k = 0; k < 6; k++) s += p->bg[c][k] * v[k];
    rgb[c] = s < 0 ? 0 : s > 255 ? 255 : s;
  }
}

/* Solve the 6x6 system a x = b in place (Gaussian elimination with partial
 * pivoting); -1 when singular. */
static int solve6(double a[6][7]) {
  for (int i = 0; i < 6; i++) {
    int piv = i;
    for (int r = i + 1; r < 6; r++)
      if (fabs(a[r][i]) > fabs(a[piv][i])) piv = r;
    if (fabs(a[piv][i]) < 1e-12) return -1;
    for (int k = 0; k < 7; k++) {
      double t = a[i][k];
      a[i][k] = a[piv][k];
      a[piv][k] = t;
    }
    for (int r = 0; r < 6; r++) {
      if (r == i) continue;
      double f = a[r][i] / a[i][i];
      for (int k = i; k < 7; k++) a[r][k] -= f * a[i][k];
    }
  }
  for (int i = 0; i < 6; i++) a[i][6] /= a[i][i];
  return 0;
}

typedef struct sample {
  float x, y;
  uint8_t rgb[3];
  uint8_t use;
} sample;

static int in_head(const head_shape *hs, double x, double y);

static int is_wall(const truth_photo *p, int x, int y) {
  static const int off[5][2] = {{0, 0}, {-4, -4}, {4, -4}, {-4, 4}, {4, 4}};
  /* Pixels the first pass half-keyed are kept: where the first model was
   * off (a darker corner) they are wall, and the robust fit drops the hair
   * among them. */
  for (int k = 0; k < 5; k++) {
    int xx = x + off[k][0], yy = y + off[k][1];
    if (xx < 0 || yy < 0 || xx >= p->w || yy >= p->h) continue;
    if (p->alpha[(size_t)yy * p->w + xx] >= 0.5f) return 0;
  }
  return 1;
}

/* Wall samples. First pass (no alpha yet): the top band and the upper side
 * bands, away from the head (hair may reach the top border in the tightly
 * framed Canada photos). Second pass: wherever the first matte saw wall with
 * a margin, which reaches the lower corners beside the shoulders where the
 * wall is often darker. */
static int collect_samples(const truth_photo *p, const head_shape *hs,
                           sample **out) {
  int band = p->w / 16, step = p->alpha ? 3 : 2, n = 0, cap = 0;
  const uint8_t *px = pst_image_cpixels(p->img);
  sample *s = NULL;
  int ymax = p->alpha ? p->h : p->h / 2;
  for (int y = 0; y < ymax; y += step)
    for (int x = 0; x < p->w; x += step) {
      if (p->alpha) {
        if (!is_wall(p, x, y)) continue;
      } else {
        if (y >= band && x >= band && x < p->w - band) continue;
        if (in_head(hs, x, y)) continue;
      }
      if (n == cap) {
        cap = cap ? cap * 2 : 4096;
        sample *t = realloc(s, (size_t)cap * sizeof *s);
        if (!t) {
          free(s);
          return -1;
        }
        s = t;
      }
      s[n].x = (float)x;
      s[n].y = (float)y;
      memcpy(s[n].rgb, px + ((size_t)y * p->w + x) * 3, 3);
      s[n].use = 1;
      n++;
    }
  *out = s;
  return n;
}

static int fit_bg(truth_photo *p, const sample *s, int n) {
  for (int c = 0; c < 3; c++) {
    double a[6][7] = {{0}}, v[6];
    for (int i = 0; i < n; i++) {
      if (!s[i].use) continue;
      basis(s[i].x / p->w, s[i].y / p->h, v);
      for (int r = 0; r < 6; r++) {
        for (int k = 0; k < 6; k++) a[r][k] += v[r] * v[k];
        a[r][6] += v[r] * s[i].rgb[c];
      }
    }
    if (solve6(a) != 0) return -1;
    for (int k = 0; k < 6; k++) p->bg[c][k] = a[k][6];
  }
  return 0;
}

static int cmp_float(const void *a, const void *b) {
  float x = *(const float *)a, y = *(const float *)b;
  return (x > y) - (x < y);
}

/* Fit, drop samples far from the fit (hair strands, dust), refit. */
static int model_background(truth_photo *p, const head_shape *hs) {
  sample *s = NULL;
  float *d = NULL;
  int n = collect_samples(p, hs, &s), ok = -1;
  if (n < 100) goto out;
  d = malloc((size_t)n * sizeof *d);
  if (!d) goto out;
  for (int round = 0; round < 3; round++) {
    if (fit_bg(p, s, n) != 0) goto out;
    int m = 0;
    for (int i = 0; i < n; i++) {
      double rgb[3], px[3] = {s[i].rgb[0], s[i].rgb[1], s[i].rgb[2]};
      float la[3], lb[3];
      truth_bg_at(p, s[i].x, s[i].y, rgb);
      rgb_to_lab(rgb, la);
      rgb_to_lab(px, lb);
      if (s[i].use) d[m++] = lab_dist(la, lb);
    }
    /* The threshold comes from the samples in use; then every sample is
     * judged again, so one dropped by a poor first fit can return. */
    qsort(d, (size_t)m, sizeof *d, cmp_float);
    p->bg_sigma = 1.4826 * d[m / 2];
    double lim = 3.0 * p->bg_sigma + 1.0;
    for (int i = 0; i < n; i++) {
      double rgb[3], px[3] = {s[i].rgb[0], s[i].rgb[1], s[i].rgb[2]};
      float la[3], lb[3];
      truth_bg_at(p, s[i].x, s[i].y, rgb);
      rgb_to_lab(rgb, la);
      rgb_to_lab(px, lb);
      s[i].use = lab_dist(la, lb) <= lim;
    }
  }
  ok = 0;
out:
  free(s);
  free(d);
  return ok;
}

/* ---- the wall's departure from the quadratic ---- */

static int cmp_float(const void *a, const void *b);

/* The 4-connected piece of pixels keyed below 0.5 that holds `seed`:
 * labelled `id` in `lab`, its pixels listed in `comp` (*cn of them);
 * `stack` is scratch of the image's size. Whether it reaches the border. */
static int low_piece(const truth_photo *p, size_t seed, int id, int *lab,
                     int *stack, int *comp, size_t *cn) {
  static const int d4[4][2] = {{1, 0}, {-1, 0}, {0, 1}, {0, -1}};
  size_t top = 0;
  int border = 0;
  *cn = 0;
  lab[seed] = id;
  stack[top++] = (int)seed;
  while (top) {
    int i = stack[--top], x = i % p->w, y = i / p->w;
    comp[(*cn)++] = i;
    if (x == 0 || y == 0 || x == p->w - 1 || y == p->h - 1) border = 1;
    for (int k = 0; k < 4; k++) {
      int xx = x + d4[k][0], yy = y + d4[k][1];
      if (xx < 0 || yy < 0 || xx >= p->w || yy >= p->h) continue;
      int j = yy * p->w + xx;
      if (lab[j] || p->alpha[j] >= 0.5f) continue;
      lab[j] = id;
      stack[top++] = j;
    }
  }
  return border;
}

/* The wall around the person: the pieces keyed below 0.5 that reach the
 * image border. A hole the key opened inside the torso (a white collar) is
 * not wall to measure. NULL when out of memory. */
static uint8_t *outer_wall(const truth_photo *p) {
  size_t n = (size_t)p->w * p->h, cn;
  uint8_t *m = calloc(n, 1);
  int *lab = calloc(n, sizeof *lab), *stack = malloc(n * sizeof *stack);
  int *comp = malloc(n * sizeof *comp), next = 1;
  if (m && lab && stack && comp) {
    for (size_t s = 0; s < n; s++) {
      if (lab[s] || p->alpha[s] >= 0.5f) continue;
      if (low_piece(p, s, next++, lab, stack, comp, &cn))
        for (size_t k = 0; k < cn; k++) m[comp[k]] = 1;
    }
  } else {
    free(m);
    m = NULL;
  }
  free(lab);
  free(stack);
  free(comp);
  return m;
}

/* The mean of the cells around (cx, cy), itself included, that `have` a
 * value, into o; the number of them (o is untouched when 0). */
static int cell_mean(const float *res, const uint8_t *have, int gw, int gh,
                     int cx, int cy, float *o) {
  float s[3] = {0, 0, 0};
  int m = 0;
  for (int y = cy - 1; y <= cy + 1; y++)
    for (int x = cx - 1; x <= cx + 1; x++) {
      size_t j = (size_t)y * gw + x;
      if (x < 0 || y < 0 || x >= gw || y >= gh || !have[j]) continue;
      for (int k = 0; k < 3; k++) s[k] += res[j * 3 + k];
      m++;
    }
  for (int k = 0; m && k < 3; k++) o[k] = s[k] / m;
  return m;
}

/* A studio wall is not quite a quadratic: the Canada walls darken into
 * their lower corners, and there the quadratic's error passed the key's
 * threshold, so the corner was keyed as a grey speckle of person beside
 * the shoulders. Per cell of TRUTH_RES_CELL px: the median departure from
 * the quadratic of the cell's wall pixels (is_wall: nothing within 4 px
 * keyed >= 0.5), where at least a quarter of the cell is wall. A cell
 * without enough wall takes the mean of its measured neighbours, ring by
 * ring, up to RES_RINGS rings (beside the person and under loose strands;
 * deeper in, the person prior decides). Then one 3x3 mean. */
#define RES_RINGS 3

static int wall_residual(truth_photo *p) {
  enum { C = TRUTH_RES_CELL, CAP = (C / 2) * (C / 2) };
  const uint8_t *px = pst_image_cpixels(p->img);
  int gw = (p->w + C - 1) / C, gh = (p->h + C - 1) / C, ok = -1;
  size_t nc = (size_t)gw * gh;
  float *res = calloc(nc * 3, sizeof *res), *tmp = malloc(nc * 3 * sizeof *tmp);
  float *vals = malloc(3 * CAP * sizeof *vals);
  uint8_t *have = calloc(nc, 1), *next = malloc(nc);
  uint8_t *outer = outer_wall(p);
  if (!res || !tmp || !vals || !have || !next || !outer) goto out;
  free(p->bg_res); /* measured against the quadratic alone */
  p->bg_res = NULL;
  for (int cy = 0; cy < gh; cy++)
    for (int cx = 0; cx < gw; cx++) {
      int n = 0, tot = 0;
      for (int y = cy * C; y < (cy + 1) * C && y < p->h; y += 2)
        for (int x = cx * C; x < (cx + 1) * C && x < p->w; x += 2) {
          double rgb[3];
          const uint8_t *c = px + ((size_t)y * p->w + x) * 3;
          tot++;
          if (!outer[(size_t)y * p->w + x] || !is_wall(p, x, y)) continue;
          truth_bg_at(p, x, y, rgb);
          for (int k = 0; k < 3; k++)
            vals[k * CAP + n] = (float)(c[k] - rgb[k]);
          n++;
        }
      if (n < 8 || 4 * n < tot) continue;
      for (int k = 0; k < 3; k++) {
        qsort(vals + k * CAP, (size_t)n, sizeof *vals, cmp_float);
        res[((size_t)cy * gw + cx) * 3 + k] = vals[k * CAP + n / 2];
      }
      have[(size_t)cy * gw + cx] = 1;
    }
  for (int ring = 0; ring < RES_RINGS; ring++) {
    memcpy(next, have, nc);
    for (int cy = 0; cy < gh; cy++)
      for (int cx = 0; cx < gw; cx++) {
        size_t i = (size_t)cy * gw + cx;
        if (!have[i] && cell_mean(res, have, gw, gh, cx, cy, res + i * 3))
          next[i] = 1;
      }
    memcpy(have, next, nc);
  }
  for (int cy = 0; cy < gh; cy++)
    for (int cx = 0; cx < gw; cx++) {
      float *o = tmp + ((size_t)cy * gw + cx) * 3;
      if (!cell_mean(res, have, gw, gh, cx, cy, o)) o[0] = o[1] = o[2] = 0.f;
    }
  p->bg_res = tmp, p->res_w = gw, p->res_h = gh;
  tmp = NULL;
  ok = 0;
out:
  free(res);
  free(tmp);
  free(vals);
  free(have);
  free(next);
  free(outer);
  return ok;
}

/* ---- geometry helpers ---- */

static double cross(pst_point o, pst_point a, pst_point b) {
  return (a.x - o.x) * (b.y - o.y) - (a.y - o.y) * (b.x - o.x);
}

static int cmp_pt(const void *a, const void *b) {
  const pst_point *p = a, *q = b;
  if (p->x != q->x) return (p->x > q->x) - (p->x < q->x);
  return (p->y > q->y) - (p->y < q->y);
}

/* Andrew's monotone chain; hull has room for 2n points. */
static int convex_hull(pst_point *pts, int n, pst_point *hull) {
  int k = 0;
  qsort(pts, (size_t)n, sizeof *pts, cmp_pt);
  for (int i = 0; i < n; i++) {
    while (k >= 2 && cross(hull[k - 2], hull[k - 1], pts[i]) <= 0) k--;
    hull[k++] = pts[i];
  }
  for (int i = n - 2, t = k + 1; i >= 0; i--) {
    while (k >= t && cross(hull[k - 2], hull[k - 1], pts[i]) <= 0) k--;
    hull[k++] = pts[i];
  }
  return k - 1;
}

static int in_convex(const pst_point *hull, int n, double x, double y) {
  pst_point q = {x, y};
  for (int i = 0; i < n; i++)
    if (cross(hull[i], hull[(i + 1) % n], q) < 0) return 0;
  return n > 2;
}

static void head_shape_make(const truth_photo *p, head_shape *hs) {
  for (int k = 0; k < NPARTS; k++) {
    pst_point pts[24];
    int n = 0;
    double cx = 0, cy = 0;
    for (const int *i = head_parts[k]; *i >= 0; i++) pts[n++] = p->pt[*i];
    /* The skull outline runs through the hair and, on short hair, beyond
     * it: shrink that part so the keyed alpha decides the edge there. */
    for (int i = 0; i < n; i++) cx += pts[i].x / n, cy += pts[i].y / n;
    for (int i = 0; head_parts[k] == part_skull && i < n; i++) {
      pts[i].x = cx + 0.88 * (pts[i].x - cx);
      pts[i].y = cy + 0.88 * (pts[i].y - cy);
    }
    hs->n[k] = convex_hull(pts, n, hs->hull[k]);
  }
}

static int in_head(const head_shape *hs, double x, double y) {
  for (int k = 0; k < NPARTS; k++)
    if (in_convex(hs->hull[k], hs->n[k], x, y)) return 1;
  return 0;
}

/* ---- the matte ---- */

typedef struct matte_ctx {
  truth_photo *p;
  float *dist; /* Lab distance to the wall model */
  uint8_t *prior;
  float t0, t1; /* alpha ramp */
} matte_ctx;

static int compute_distance(matte_ctx *m) {
  truth_photo *p = m->p;
  const uint8_t *px = pst_image_cpixels(p->img);
  double lut[256];
  int chin = (int)p->pt[TRUTH_CHIN].y;
  m->dist = malloc((size_t)p->w * p->h * sizeof *m->dist);
  if (!m->dist) return -1;
  for (int i = 0; i < 256; i++) lut[i] = srgb_lin(i);
  for (int y = 0; y < p->h; y++) {
    double brow[3], brow2[3];
    float bl[3], bl2[3];
    /* The wall model is smooth: evaluate it every 8 pixels and blend. */
    for (int x = 0; x < p->w; x++) {
      const uint8_t *c = px + ((size_t)y * p->w + x) * 3;
      float lab[3];
      int x0 = x & ~7;
      if ((x & 7) == 0) {
        truth_bg_at(p, x0, y, brow);
        truth_bg_at(p, x0 + 8, y, brow2);
        rgb_to_lab(brow, bl);
        rgb_to_lab(brow2, bl2);
      }
      float f = (float)(x - x0) / 8.0f, b[3];
      for (int k = 0; k < 3; k++) b[k] = bl[k] + f * (bl2[k] - bl[k]);
      lin_to_lab(lut[c[0]], lut[c[1]], lut[c[2]], lab);
      float d = lab_dist(lab, b), dl = lab[0] - b[0];
      /* Below the chin, brighter than the wall is shirt: a white shirt's
       * shoulder under soft light is only a few L* above a light-grey
       * wall, and the wall there is never lit brighter than above. */
      if (y > chin && dl > 3.0f)
        d = fmaxf(d, m->t0 + (dl - 3.0f) * (m->t1 - m->t0) / 3.5f);
      m->dist[(size_t)y * p->w + x] = d;
    }
  }
  return 0;
}

static float ramp(const matte_ctx *m, float d) {
  if (d <= m->t0) return 0;
  if (d >= m->t1) return 1;
  return (d - m->t0) / (m->t1 - m->t0);
}

static void fill_convex(matte_ctx *m, const pst_point *hull, int n) {
  truth_photo *p = m->p;
  double x0 = p->w, x1 = 0, y0 = p->h, y1 = 0;
  for (int i = 0; i < n; i++) {
    x0 = fmin(x0, hull[i].x);
    x1 = fmax(x1, hull[i].x);
    y0 = fmin(y0, hull[i].y);
    y1 = fmax(y1, hull[i].y);
  }
  for (int y = (int)fmax(0, y0); y <= (int)fmin(p->h - 1, y1); y++)
    for (int x = (int)fmax(0, x0); x <= (int)fmin(p->w - 1, x1); x++)
      if (in_convex(hull, n, x, y)) m->prior[(size_t)y * p->w + x] = 1;
}

/* Walk from the neck outward along a row while the pixels are person,
 * tolerating gaps of `gap` pixels; returns the last person column. */
static int walk(const matte_ctx *m, int y, int x, int dir, int gap) {
  const truth_photo *p = m->p;
  int last = x, miss = 0;
  /* Just above the wall's noise: a white shirt on a light-grey wall is
   * only a few units away from it. */
  float lim = m->t0 + 1.5f;
  for (; x >= 0 && x < p->w; x += dir) {
    if (m->dist[(size_t)y * p->w + x] >= lim) {
      last = x;
      miss = 0;
    } else if (++miss > gap) {
      break;
    }
  }
  return last;
}

/* First column from `x` in direction dir where 3 pixels in a row are not
 * wall; -1 if none. */
static int first_solid(const matte_ctx *m, int y, int x, int dir) {
  const truth_photo *p = m->p;
  int run = 0;
  for (; x >= 0 && x < p->w; x += dir) {
    run = m->dist[(size_t)y * p->w + x] >= m->t0 ? run + 1 : 0;
    if (run == 3) return x - 2 * dir;
  }
  return -1;
}

/* Shirts in shadow come within a few units of a grey wall, so walking out
 * from the neck stops early. Below the shoulders' top the silhouette is
 * also found from the image sides inward; the span only narrows going up. */
static void outside_in(matte_ctx *m) {
  truth_photo *p = m->p;
  pst_point chin = p->pt[TRUTH_CHIN], eye = p->pt[TRUTH_PUPIL_L];
  int ys = (int)(chin.y + 0.25 * (chin.y - eye.y)), lo = 0, hi = p->w - 1;
  int jump = p->w / 20;
  int xl = (int)p->pt[TRUTH_NECK_L].x, xr = (int)p->pt[TRUTH_NECK_R].x;
  if (ys < 0) ys = 0;
  for (int y = p->h - 1; y >= ys; y--) {
    int l = first_solid(m, y, 0, +1), r = first_solid(m, y, p->w - 1, -1);
    if (l < 0 || r < 0 || l > xl || r < xr) break;
    /* A sudden step inward is the top of a shoulder: above it, solid
     * pixels out there are hair hanging beside the neck. */
    if (y < p->h - 1 && (l - lo > jump || hi - r > jump)) break;
    lo = l > lo ? l : lo;
    hi = r < hi ? r : hi;
    for (int x = lo + 2; x <= hi - 2; x++) m->prior[(size_t)y * p->w + x] = 1;
  }
}

/* Below the neck the person is the torso: for each row, from the bottom
 * up, the span reached from the neck, never wider than the row below (the
 * shoulders only narrow going up), so hair strands beside the neck do not
 * pull wall into the prior. The span's outer 2 px keep their keyed alpha. */
static void body_prior(matte_ctx *m) {
  truth_photo *p = m->p;
  pst_point nl = p->pt[TRUTH_NECK_L], nr = p->pt[TRUTH_NECK_R];
  int ytop = (int)fmin(nl.y, nr.y), gap = p->w / 200 + 1;
  int xl = (int)nl.x, xr = (int)nr.x, lo = 0, hi = p->w - 1;
  if (ytop < 0) ytop = 0;
  for (int y = p->h - 1; y >= ytop; y--) {
    int l = walk(m, y, xl, -1, gap), r = walk(m, y, xr, +1, gap);
    lo = l > lo ? l : lo;
    hi = r < hi ? r : hi;
    for (int x = lo + 2; x <= hi - 2; x++) m->prior[(size_t)y * p->w + x] = 1;
  }
  outside_in(m);
  /* The neck between the jaw and the neck points. */
  pst_point neck[8] = {p->pt[126], p->pt[128], p->pt[TRUTH_CHIN],
                       p->pt[130], p->pt[132], nl,
                       nr};
  pst_point hull[16];
  int n = convex_hull(neck, 7, hull);
  fill_convex(m, hull, n);
}

/* Keep what is connected to the prior (8-connected through alpha > 0.02). */
static int keep_connected(matte_ctx *m) {
  truth_photo *p = m->p;
  size_t n = (size_t)p->w * p->h, top = 0;
  uint8_t *seen = calloc(n, 1);
  int *stack = malloc(n * sizeof *stack);
  if (!seen || !stack) goto fail;
  for (size_t i = 0; i < n; i++)
    if (m->prior[i]) {
      seen[i] = 1;
      stack[top++] = (int)i;
    }
  while (top) {
    int i = stack[--top], x = i % p->w, y = i / p->w;
    for (int dy = -1; dy <= 1; dy++)
      for (int dx = -1; dx <= 1; dx++) {
        int xx = x + dx, yy = y + dy;
        if (xx < 0 || yy < 0 || xx >= p->w || yy >= p->h) continue;
        int j = yy * p->w + xx;
        if (seen[j] || p->alpha[j] <= 0.02f) continue;
        seen[j] = 1;
        stack[top++] = j;
      }
  }
  for (size_t i = 0; i < n; i++)
    if (!seen[i]) p->alpha[i] = 0;
  free(seen);
  free(stack);
  return 0;
fail:
  free(seen);
  free(stack);
  return -1;
}

/* Holes: wall-like regions (alpha < 0.5) not reachable from the border.
 * Small ones below the chin whose colour stands off the wall are a shirt's
 * folds and highlights and become person; the rest (a gap framed by hair,
 * wall between loose strands) are real wall and stay. */
static int fill_holes(matte_ctx *m) {
  truth_photo *p = m->p;
  size_t n = (size_t)p->w * p->h;
  int *stack = malloc(n * sizeof *stack), *comp = NULL;
  int *lab = calloc(n, sizeof *lab), ok = -1;
  size_t maxarea = n / 1500 + 16;
  if (!stack || !lab) goto out;
  comp = malloc(n * sizeof *comp);
  if (!comp) goto out;
  int next = 1;
  for (size_t s = 0; s < n; s++) {
    if (lab[s] || p->alpha[s] >= 0.5f) continue;
    size_t cn;
    int border = low_piece(p, s, next, lab, stack, comp, &cn);
    /* A pocket of wall framed by curls is wall: only holes whose colour
     * stands off the wall's noise on average are highlights to fill, and
     * only below the chin (a white shirt's folds). Above it a hole is wall
     * seen between loose strands, darkened by their blur: filled, it was
     * solid person of the old wall's grey (grey-white blotches in the
     * loose hair of london_013_03 and 001_03 on a new wall). */
    double md = 0, my = 0;
    for (size_t k = 0; k < cn; k++)
      md += m->dist[comp[k]], my += comp[k] / p->w;
    if (!border && cn <= maxarea && md > m->t0 * cn &&
        my > p->pt[TRUTH_CHIN].y * cn)
      for (size_t k = 0; k < cn; k++) p->alpha[comp[k]] = 1;
    next++;
  }
  ok = 0;
out:
  free(stack);
  free(lab);
  free(comp);
  return ok;
}

static int matte_pass(truth_photo *p, const head_shape *hs, int refit) {
  matte_ctx m = {p, NULL, NULL, 0, 0};
  size_t n = (size_t)p->w * p->h;
  float *alpha = NULL;
  int ok = -1;
  if (refit && model_background(p, hs) != 0) goto out;
  m.t0 = (float)fmax(3.0, 3.0 * p->bg_sigma);
  m.t1 = m.t0 + 12.0f;
  if (compute_distance(&m) != 0) goto out;
  alpha = malloc(n * sizeof *alpha);
  m.prior = calloc(n, 1);
  if (!alpha || !m.prior) goto out;
  free(p->alpha);
  p->alpha = alpha;
  for (int k = 0; k < NPARTS; k++) fill_convex(&m, hs->hull[k], hs->n[k]);
  body_prior(&m);
  for (size_t i = 0; i < n; i++)
    alpha[i] = m.prior[i] ? 1.0f : ramp(&m, m.dist[i]);
  if (keep_connected(&m) != 0 || fill_holes(&m) != 0) goto out;
  ok = 0;
out:
  if (ok != 0 && alpha && p->alpha != alpha) free(alpha);
  free(m.dist);
  free(m.prior);
  return ok;
}

int truth_matte(truth_photo *p) {
  head_shape hs;
  head_shape_make(p, &hs);
  free(p->alpha);
  free(p->bg_res);
  p->alpha = NULL;
  p->bg_res = NULL;
  /* The second pass models the wall from everything the first saw as wall;
   * the third adds the cells' departure from that model. */
  if (matte_pass(p, &hs, 1) != 0 || matte_pass(p, &hs, 1) != 0 ||
      wall_residual(p) != 0 || matte_pass(p, &hs, 0) != 0)
    return -1;
  p->touches_top = 0;
  for (int x = 0; x < p->w; x++) p->touches_top += p->alpha[x] >= 0.5f;
  return 0;
}

/* ---- geometry ---- */

void truth_geometry(const pst_point *pt, const float *alpha, int w, int h,
                    truth_geom *g) {
  pst_point l = pt[TRUTH_PUPIL_L], r = pt[TRUTH_PUPIL_R];
  double ux = r.x - l.x, uy = r.y - l.y, len = hypot(ux, uy);
  double mx = 0.5 * (l.x + r.x), my = 0.5 * (l.y + r.y), lo = 1e9, hi = -1e9;
  ux /= len;
  uy /= len;
  for (int i = 0; i < truth_face_outline_n; i++) {
    pst_point q = pt[truth_face_outline[i]];
    double u = (q.x - mx) * ux + (q.y - my) * uy;
    lo = fmin(lo, u);
    hi = fmax(hi, u);
  }
  g->eyes = my;
  g->roll = atan2(r.y - l.y, r.x - l.x) * 180.0 / M_PI;
  g->width = hi - lo;
  g->cx = mx + 0.5 * (lo + hi) * ux;
  g->crown = NAN;
  if (!alpha) return;
  /* The first row with a solid run of hair over the head: a few stray
   * strands above it do not count. */
  int need = (int)fmax(3, 0.04 * g->width);
  int x0 = (int)fmax(0, g->cx - 0.75 * g->width);
  int x1 = (int)fmin(w - 1, g->cx + 0.75 * g->width);
  for (int y = 0; y < h; y++) {
    int c = 0;
    for (int x = x0; x <= x1; x++) c += alpha[(size_t)y * w + x] >= 0.5f;
    if (c >= need) {
      g->crown = y;
      return;
    }
  }
}

/* ---- linear alpha and the person layer ---- */

#define TMIN(a, b) ((a) < (b) ? (a) : (b))
#define TMAX(a, b) ((a) > (b) ? (a) : (b))

/* Chessboard distance of every pixel to the nearest pixel with alpha < 1
 * (0 on those), by two raster passes. */
static void solid_distance(const float *a, int w, int h, int *d) {
  int big = w + h;
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) {
      size_t i = (size_t)y * w + x;
      int v = a[i] < 1.0f ? 0 : big;
      if (v && x > 0) v = TMIN(v, d[i - 1] + 1);
      if (v && y > 0) {
        v = TMIN(v, d[i - w] + 1);
        if (x > 0) v = TMIN(v, d[i - w - 1] + 1);
        if (x < w - 1) v = TMIN(v, d[i - w + 1] + 1);
      }
      d[i] = v;
    }
  for (int y = h - 1; y >= 0; y--)
    for (int x = w - 1; x >= 0; x--) {
      size_t i = (size_t)y * w + x;
      int v = d[i];
      if (!v) continue;
      if (x < w - 1) v = TMIN(v, d[i + 1] + 1);
      if (y < h - 1) {
        v = TMIN(v, d[i + w] + 1);
        if (x < w - 1) v = TMIN(v, d[i + w + 1] + 1);
        if (x > 0) v = TMIN(v, d[i + w - 1] + 1);
      }
      d[i] = v;
    }
}

/* Person colour (linear) at the solid pixels (a 5x5 mean over solid
 * neighbours, to calm JPEG noise), then carried outward ring by ring: a
 * pixel of ring k takes the mean of its ring k-1 neighbours. Pixels never
 * reached keep have[] = 0. */
static int propagate_fg(const float *lin, const int *dist, int w, int h,
                        float *F, uint8_t *have) {
  size_t n = (size_t)w * h;
  int *ring = malloc(n * sizeof *ring), *next = malloc(n * sizeof *next);
  int nr = 0, nn, level = 0;
  if (!ring || !next) {
    free(ring);
    free(next);
    return -1;
  }
  memset(have, 0, n);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) {
      size_t i = (size_t)y * w + x;
      double s[3] = {0, 0, 0};
      int c = 0;
      if (dist[i] < 3) continue;
      for (int yy = TMAX(0, y - 2); yy <= TMIN(h - 1, y + 2); yy++)
        for (int xx = TMAX(0, x - 2); xx <= TMIN(w - 1, x + 2); xx++) {
          size_t j = (size_t)yy * w + xx;
          if (dist[j] < 3) continue;
          for (int k = 0; k < 3; k++) s[k] += lin[j * 3 + k];
          c++;
        }
      for (int k = 0; k < 3; k++) F[i * 3 + k] = (float)(s[k] / c);
      have[i] = 1;
    }
  for (size_t i = 0; i < n; i++)
    if (have[i] && dist[i] == 3) ring[nr++] = (int)i;
  while (nr && level < 64) {
    nn = 0;
    level++;
    for (int r = 0; r < nr; r++) {
      int p = ring[r], x = p % w, y = p / w;
      for (int dy = -1; dy <= 1; dy++)
        for (int dx = -1; dx <= 1; dx++) {
          int xx = x + dx, yy = y + dy;
          size_t j;
          if (xx < 0 || yy < 0 || xx >= w || yy >= h) continue;
          j = (size_t)yy * w + xx;
          if (have[j]) continue;
          have[j] = 2; /* queued this ring */
          next[nn++] = (int)j;
        }
    }
    for (int r = 0; r < nn; r++) {
      int p = next[r], x = p % w, y = p / w;
      double s[3] = {0, 0, 0};
      int c = 0;
      for (int dy = -1; dy <= 1; dy++)
        for (int dx = -1; dx <= 1; dx++) {
          int xx = x + dx, yy = y + dy;
          size_t j;
          if (xx < 0 || yy < 0 || xx >= w || yy >= h) continue;
          j = (size_t)yy * w + xx;
          if (have[j] != 1) continue;
          for (int k = 0; k < 3; k++) s[k] += F[j * 3 + k];
          c++;
        }
      for (int k = 0; k < 3; k++) F[(size_t)p * 3 + k] = (float)(s[k] / c);
    }
    for (int r = 0; r < nn; r++) have[next[r]] = 1;
    memcpy(ring, next, (size_t)nn * sizeof *ring);
    nr = nn;
  }
  free(ring);
  free(next);
  return 0;
}

/* The physical alpha of one edge pixel: its position on the line from the
 * wall colour B to a person colour F (linear light). F is chosen among the
 * solid person pixels nearby (every other one within R px) and the
 * propagated local colour `fp`: of those whose line points the same way as
 * the pixel (within ~12 degrees), the one farthest out, so a thin dark
 * strand is measured against dense hair, not against a thicker strand that
 * is itself half wall. Without such a candidate the best-aligned one is
 * used, capped by the keyed value; above the chin (!below_chin), where no
 * person colour near lies on the pixel's side of the wall, 0. */
#define CAND_R 12
static float linear_alpha(const float *lin, const float *alpha, int w, int h,
                          int x, int y, const double *B, const float *fp,
                          float keyed, int below_chin) {
  int any = 0; /* a person colour on the pixel's side of the wall */
  const float *I = lin + ((size_t)y * w + x) * 3;
  double v[3], v2 = 0, best_t = 2, fall_t = keyed, fall_s = 1e9;
  for (int k = 0; k < 3; k++) v[k] = I[k] - B[k], v2 += v[k] * v[k];
  for (int yy = TMAX(0, y - CAND_R); yy <= TMIN(h - 1, y + CAND_R); yy += 2)
    for (int xx = TMAX(0, x - CAND_R); xx <= TMIN(w - 1, x + CAND_R); xx += 2) {
      size_t j = (size_t)yy * w + xx;
      const float *F = lin + j * 3;
      double d[3], l2 = 0, dot = 0, t, perp2;
      if (alpha[j] < 0.999f) continue;
      for (int k = 0; k < 3; k++) {
        d[k] = F[k] - B[k];
        l2 += d[k] * d[k], dot += d[k] * v[k];
      }
      if (l2 < 0.03 * 0.03 || dot <= 0) continue;
      any = 1;
      t = dot / l2;
      perp2 = v2 - t * t * l2;
      if (perp2 <= 0.04 * v2 && t <= 1.0) {
        if (t < best_t) best_t = t;
      } else if (perp2 / l2 < fall_s) {
        fall_s = perp2 / l2, fall_t = fmin(keyed, fmax(0.0, fmin(1.0, t)));
      }
    }
  if (fp) {
    double d[3], l2 = 0, dot = 0, t, perp2;
    for (int k = 0; k < 3; k++) {
      d[k] = fp[k] - B[k];
      l2 += d[k] * d[k], dot += d[k] * v[k];
    }
    if (l2 >= 0.03 * 0.03 && dot > 0) {
      any = 1;
      t = dot / l2, perp2 = v2 - t * t * l2;
      if (perp2 <= 0.04 * v2 && t <= 1.0 && t < best_t) best_t = t;
    }
  }
  if (best_t <= 1.0) return best_t < 0.02 ? 0.f : (float)best_t;
  /* Above the chin, a pixel off the wall away from every person colour
   * near it is no blend of them: the ringing of the JPEG beside a dark
   * strand (brighter than the wall), not coverage. */
  if (!any && !below_chin) return 0.f;
  return (float)fall_t;
}

int truth_extract(truth_photo *p, float **fg_out) {
  size_t n = (size_t)p->w * p->h;
  const uint8_t *px = pst_image_cpixels(p->img);
  float *lin = malloc(n * 3 * sizeof *lin), *F = malloc(n * 3 * sizeof *F);
  int *dist = malloc(n * sizeof *dist);
  uint8_t *have = malloc(n);
  float *keyed = malloc(n * sizeof *keyed);
  float lut[256];
  int ok = -1;
  *fg_out = NULL;
  if (!lin || !F || !dist || !have || !keyed || !p->alpha) goto out;
  memcpy(keyed, p->alpha, n * sizeof *keyed);
  for (int i = 0; i < 256; i++) lut[i] = (float)srgb_lin(i);
  for (size_t i = 0; i < n * 3; i++) lin[i] = lut[px[i]];
  solid_distance(p->alpha, p->w, p->h, dist);
  if (propagate_fg(lin, dist, p->w, p->h, F, have) != 0) goto out;
  for (int y = 0; y < p->h; y++)
    for (int x = 0; x < p->w; x++) {
      size_t i = (size_t)y * p->w + x;
      float *a = &p->alpha[i], *f = F + i * 3;
      const float *I = lin + i * 3;
      double b[3], B[3];
      if (*a <= 0.f || (dist[i] >= 3 && *a >= 1.f)) {
        memcpy(f, I, 3 * sizeof *f);
        continue;
      }
      truth_bg_at(p, x, y, b);
      for (int k = 0; k < 3; k++) B[k] = srgb_lin(b[k]);
      if (*a < 1.f || dist[i] < 3)
        *a = linear_alpha(lin, keyed, p->w, p->h, x, y, B, have[i] ? f : NULL,
                          *a, y > p->pt[TRUTH_CHIN].y);
      /* The person colour: from the compositing equation where alpha
       * carries it, leaning on the propagated colour where it is faint. */
      for (int k = 0; k < 3; k++) {
        double est = *a > 0 ? (I[k] - (1 - *a) * B[k]) / *a : f[k];
        double w8 = fmin(1.0, *a / 0.3), g = have[i] ? f[k] : est;
        est = fmin(1.0, fmax(0.0, est));
        f[k] = (float)(g + w8 * (est - g));
      }
    }
  *fg_out = F;
  F = NULL;
  ok = 0;
out:
  free(lin);
  free(F);
  free(dist);
  free(have);
  free(keyed);
  return ok;
}

/* ---- synthetic walls ---- */

const char *const truth_wall_names[TRUTH_NWALLS] = {
    "white", "beige", "gradient", "plaster", "darkblue", "indoor"};

uint32_t truth_seed(const char *name, int kind) {
  uint32_t h = 2166136261u;
  for (; *name; name++) h = (h ^ (uint8_t)*name) * 16777619u;
  return h + (uint32_t)kind * 7919u;
}

static uint32_t wall_rng(uint32_t *s) {
  *s ^= *s << 13;
  *s ^= *s >> 17;
  *s ^= *s << 5;
  return *s;
}

/* Smooth value noise in -0.5..0.5 with cells `cell` px wide, from a grid
 * drawn by the caller's generator. */
typedef struct vnoise {
  int gw, gh, cell;
  float *g;
} vnoise;

static int vnoise_make(vnoise *v, int w, int h, int cell, uint32_t *seed) {
  v->cell = cell, v->gw = w / cell + 2, v->gh = h / cell + 2;
  v->g = malloc((size_t)v->gw * v->gh * sizeof *v->g);
  if (!v->g) return -1;
  for (int i = 0; i < v->gw * v->gh; i++)
    v->g[i] = (float)(wall_rng(seed) % 10000) / 10000.0f - 0.5f;
  return 0;
}

static float vnoise_at(const vnoise *v, int x, int y) {
  float gx = (float)x / v->cell, gy = (float)y / v->cell;
  int i = (int)gx, j = (int)gy;
  float fx = gx - i, fy = gy - j;
  const float *r0 = v->g + (size_t)j * v->gw, *r1 = r0 + v->gw;
  fx = fx * fx * (3 - 2 * fx), fy = fy * fy * (3 - 2 * fy);
  return (r0[i] * (1 - fx) + r0[i + 1] * fx) * (1 - fy) +
         (r1[i] * (1 - fx) + r1[i + 1] * fx) * fy;
}

static void put_srgb(float *o, double r, double g, double b) {
  o[0] = (float)srgb_lin(fmin(255, fmax(0, r)));
  o[1] = (float)srgb_lin(fmin(255, fmax(0, g)));
  o[2] = (float)srgb_lin(fmin(255, fmax(0, b)));
}

static void fill_rect(float *o, int w, int h, double x0, double y0, double x1,
                      double y1, double r, double g, double b) {
  float c[3];
  put_srgb(c, r, g, b);
  for (int y = TMAX(0, (int)y0); y < TMIN(h, (int)y1); y++)
    for (int x = TMAX(0, (int)x0); x < TMIN(w, (int)x1); x++)
      memcpy(o + ((size_t)y * w + x) * 3, c, sizeof c);
}

/* A room behind the sitter: a door in a wooden frame on the left, a window
 * with a pale sky on the right, a shelf of books below it, lit from the
 * window side. */
static void indoor(float *o, int w, int h, uint32_t *seed) {
  double u = w / 100.0, v = h / 100.0;
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) {
      double l = 1.0 - 0.12 * (1.0 - (double)x / w) - 0.08 * y / h;
      put_srgb(o + ((size_t)y * w + x) * 3, 214 * l, 204 * l, 186 * l);
    }
  fill_rect(o, w, h, 3 * u, 12 * v, 31 * u, h, 118, 84, 56);
  fill_rect(o, w, h, 5.5 * u, 14.5 * v, 28.5 * u, h, 168, 128, 88);
  fill_rect(o, w, h, 8 * u, 18 * v, 26 * u, 45 * v, 150, 112, 76);
  fill_rect(o, w, h, 8.8 * u, 18.8 * v, 25.2 * u, 44.2 * v, 172, 132, 92);
  fill_rect(o, w, h, 8 * u, 52 * v, 26 * u, 90 * v, 150, 112, 76);
  fill_rect(o, w, h, 8.8 * u, 52.8 * v, 25.2 * u, 89.2 * v, 172, 132, 92);
  fill_rect(o, w, h, 23 * u, 55 * v, 25 * u, 57 * v, 200, 180, 90);
  fill_rect(o, w, h, 68 * u, 6 * v, 97 * u, 50 * v, 240, 240, 234);
  fill_rect(o, w, h, 70 * u, 8 * v, 95 * u, 48 * v, 178, 208, 236);
  fill_rect(o, w, h, 70 * u, 30 * v, 95 * u, 48 * v, 150, 175, 140);
  fill_rect(o, w, h, 81.8 * u, 8 * v, 83.2 * u, 48 * v, 240, 240, 234);
  fill_rect(o, w, h, 70 * u, 27.3 * v, 95 * u, 28.7 * v, 240, 240, 234);
  fill_rect(o, w, h, 58 * u, 68 * v, w, 70.5 * v, 96, 66, 42);
  for (double x = 60 * u; x < w - 2 * u;) {
    double bw = (2 + wall_rng(seed) % 30 / 10.0) * u;
    double bh = (8 + wall_rng(seed) % 60 / 10.0) * v;
    static const double cols[6][3] = {{160, 40, 40},   {40, 70, 130},
                                      {210, 190, 120}, {50, 110, 70},
                                      {230, 225, 215}, {90, 50, 100}};
    const double *c = cols[wall_rng(seed) % 6];
    fill_rect(o, w, h, x, 68 * v - bh, x + bw, 68 * v, c[0], c[1], c[2]);
    x += bw + 0.3 * u;
  }
}

int truth_wall(int kind, int w, int h, uint32_t seed, float *o) {
  vnoise n1 = {0}, n2 = {0}, n3 = {0};
  int ok = -1;
  seed = seed * 2654435761u + 1u;
  if (!seed) seed = 1;
  if (kind == TRUTH_WALL_INDOOR) {
    indoor(o, w, h, &seed);
  } else {
    if (vnoise_make(&n1, w, h, TMAX(8, w / 12), &seed) ||
        vnoise_make(&n2, w, h, TMAX(4, w / 60), &seed) ||
        vnoise_make(&n3, w, h, 3, &seed))
      goto out;
    for (int y = 0; y < h; y++)
      for (int x = 0; x < w; x++) {
        float *px = o + ((size_t)y * w + x) * 3;
        double t = (double)y / h, s = (double)x / w, k;
        switch (kind) {
        case TRUTH_WALL_WHITE:
          k = 1 + 0.03 * vnoise_at(&n1, x, y);
          put_srgb(px, 246 * k, 246 * k, 243 * k);
          break;
        case TRUTH_WALL_BEIGE:
          k = 1 + 0.05 * vnoise_at(&n1, x, y);
          put_srgb(px, 224 * k, 206 * k, 176 * k);
          break;
        case TRUTH_WALL_GRADIENT:
          k = 1 - 0.1 * (s - 0.5) * (s - 0.5);
          put_srgb(px, (236 - 90 * t) * k, (236 - 74 * t) * k,
                   (240 - 58 * t) * k);
          break;
        case TRUTH_WALL_PLASTER:
          k = 1 + 0.12 * vnoise_at(&n1, x, y) + 0.08 * vnoise_at(&n2, x, y) +
              0.07 * vnoise_at(&n3, x, y);
          put_srgb(px, 204 * k, 196 * k, 184 * k);
          break;
        default:
          k = 1 + 0.08 * vnoise_at(&n1, x, y);
          put_srgb(px, (40 + 15 * s) * k, (68 + 10 * s) * k,
                   (124 - 10 * t) * k);
          break;
        }
      }
  }
  ok = 0;
out:
  free(n1.g);
  free(n2.g);
  free(n3.g);
  return ok;
}

void truth_composite(const truth_photo *p, const float *fg, const float *wall,
                     uint32_t seed, uint8_t *rgb) {
  size_t n = (size_t)p->w * p->h;
  seed = seed * 747796405u + 3u;
  if (!seed) seed = 1;
  for (size_t i = 0; i < n; i++) {
    float a = p->alpha[i];
    /* Sensor noise on the new wall, as the old one had: a noiseless wall
     * next to a noisy person would look pasted. */
    int noise = (int)(wall_rng(&seed) % 5) - 2;
    for (int k = 0; k < 3; k++) {
      double l = a * fg[i * 3 + k] + (1 - a) * wall[i * 3 + k], c;
      l = fmin(1.0, fmax(0.0, l));
      c = l <= 0.0031308 ? l * 12.92 : 1.055 * pow(l, 1 / 2.4) - 0.055;
      c = c * 255 + (a < 1 ? noise * (1 - a) : 0);
      rgb[i * 3 + k] = (uint8_t)lrint(fmin(255, fmax(0, c)));
    }
  }
}

/* The face signature for near-duplicates: a 256-bit DCT hash of the face
 * cut out along the eyes (so crops, padding and resizing do not move it)
 * and where the face sits in the frame (so a re-framed shot of the same
 * photo is told apart from a mild crop).
 *
 * Why not only the whole-image hash: class photos share a backdrop and a
 * framing, so the low frequencies of two students' photos agree, and a 5%
 * crop moves more bits than another face does (tests/check_phash.c). The
 * face itself is what differs between students. */
#include "batch.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#ifndef K
#define K 16
#endif
enum { G = 32, SUB = 3 };

/* The face box in eye units: half the width, and above/below the eyes;
 * wide and tall enough for the hair line and the chin. */
#ifndef FACE_HALF_W
#define FACE_HALF_W 1.6
#define FACE_UP 1.6
#define FACE_DOWN 2.0
#endif

static double luma_at(const uint8_t *px, int w, int h, double x, double y) {
  int x0, y0, x1, y1;
  double fx, fy, v[4];
  x = x < 0 ? 0 : x > w - 1 ? w - 1 : x;
  y = y < 0 ? 0 : y > h - 1 ? h - 1 : y;
  x0 = (int)x, y0 = (int)y;
  x1 = x0 + 1 < w ? x0 + 1 : x0, y1 = y0 + 1 < h ? y0 + 1 : y0;
  fx = x - x0, fy = y - y0;
  {
    const uint8_t *p[4] = {
        px + ((size_t)y0 * w + x0) * 3, px + ((size_t)y0 * w + x1) * 3,
        px + ((size_t)y1 * w + x0) * 3, px + ((size_t)y1 * w + x1) * 3};
    for (int i = 0; i < 4; i++)
      v[i] = 0.299 * p[i][0] + 0.587 * p[i][1] + 0.114 * p[i][2];
  }
  return (v[0] * (1 - fx) + v[1] * fx) * (1 - fy) +
         (v[2] * (1 - fx) + v[3] * fx) * fy;
}

/* The face in a G x G grid, rotated so the eyes are level; each cell is
 * the mean of SUB x SUB bilinear samples. */
static void sample_face(const pst_image *img, pst_point l, pst_point r,
                        double zoom, double out[G][G]) {
  const uint8_t *px = pst_image_cpixels(img);
  int w = pst_image_width(img), h = pst_image_height(img);
  double dx = r.x - l.x, dy = r.y - l.y, d = hypot(dx, dy) * zoom;
  double ux = dx / hypot(dx, dy), uy = dy / hypot(dx, dy), mx = (l.x + r.x) / 2,
         my = (l.y + r.y) / 2;
  double cw = 2 * FACE_HALF_W * d / G, ch = (FACE_UP + FACE_DOWN) * d / G;
  for (int gy = 0; gy < G; gy++)
    for (int gx = 0; gx < G; gx++) {
      double s = 0;
      for (int sy = 0; sy < SUB; sy++)
        for (int sx = 0; sx < SUB; sx++) {
          double a = -FACE_HALF_W * d + (gx + (sx + 0.5) / SUB) * cw;
          double b = -FACE_UP * d + (gy + (sy + 0.5) / SUB) * ch;
          s += luma_at(px, w, h, mx + a * ux - b * uy, my + a * uy + b * ux);
        }
      out[gy][gx] = s / (SUB * SUB);
    }
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* The K x K lowest frequencies of the grid against their median; the DC
 * term (bit 0) is left 0: brightness says nothing of the face. */
static void dct_bits(double px[G][G], uint8_t bits[32]) {
  double cosv[K][G], tmp[K][G], coef[K * K], sorted[K * K - 1], median;
  for (int u = 0; u < K; u++)
    for (int x = 0; x < G; x++)
      cosv[u][x] = cos(M_PI * (2 * x + 1) * u / (2.0 * G));
  for (int v = 0; v < K; v++)
    for (int x = 0; x < G; x++) {
      double s = 0;
      for (int y = 0; y < G; y++) s += cosv[v][y] * px[y][x];
      tmp[v][x] = s;
    }
  for (int v = 0; v < K; v++)
    for (int u = 0; u < K; u++) {
      double s = 0;
      for (int x = 0; x < G; x++) s += cosv[u][x] * tmp[v][x];
      coef[v * K + u] = s;
    }
  memcpy(sorted, coef + 1, sizeof sorted);
  qsort(sorted, K * K - 1, sizeof *sorted, cmp_double);
  median = sorted[(K * K - 1) / 2];
  memset(bits, 0, 32);
  for (int i = 1; i < K * K; i++)
    if (coef[i] > median) bits[i / 8] |= (uint8_t)(1u << (i % 8));
}

/* Decode at the smallest DCT scale that still leaves the eyes 24 px
 * apart: the grid needs no more, and the full decode is 20x slower. */
static int pick_scale(double eye_dist) {
  int s = 8;
  while (s > 1 && eye_dist / s < 24) s /= 2;
  return s;
}

/* The eye distance the detector reports varies by up to 6% between copies
 * of one photo (London set, 80% resizes and 4% crops); the face is hashed
 * at that distance and 6% either side, and two signatures compare at the
 * best of the three. */
static const double zooms[BATCH_FACE_ZOOMS] = {1.0, 0.94, 1.06};

int face_sig_mem(const uint8_t *buf, size_t len, const pst_limits *lim,
                 const pst_point eyes[2], face_sig *out) {
  pst_image *img = NULL;
  pst_info info;
  pst_point l = eyes[0], r = eyes[1];
  double d = hypot(r.x - l.x, r.y - l.y), grid[G][G];
  int scale = pick_scale(d), rc = -1, w, h, fw, fh;
  memset(out, 0, sizeof *out);
  if (!(d >= 8) || pst_image_load_mem(buf, len, lim, scale, &img, &info, NULL))
    goto out;
  if (info.orientation > 1 && pst_image_orient(img, info.orientation)) goto out;
  w = pst_image_width(img), h = pst_image_height(img);
  /* The eyes are in full-size pixels; the decode is 1/scale of that,
   * rounded up by libjpeg. */
  fw = (info.orientation >= 5) ? info.height : info.width;
  fh = (info.orientation >= 5) ? info.width : info.height;
  if (fw <= 0 || fh <= 0) goto out;
  l.x *= (double)w / fw, l.y *= (double)h / fh;
  r.x *= (double)w / fw, r.y *= (double)h / fh;
  for (int z = 0; z < BATCH_FACE_ZOOMS; z++) {
    sample_face(img, l, r, zooms[z], grid);
    dct_bits(grid, out->bits[z]);
  }
  out->cx = (eyes[0].x + eyes[1].x) / 2 / fw;
  out->cy = (eyes[0].y + eyes[1].y) / 2 / fh;
  out->size = d / fw;
  out->ok = 1;
  rc = 0;
out:
  pst_image_destroy(img);
  return rc;
}

static int bits_distance(const uint8_t *a, const uint8_t *b) {
  int d = 0;
  for (int i = 0; i < 32; i++) d += __builtin_popcount(a[i] ^ b[i]);
  return d;
}

/* a's face against b's at the three zooms, and b's against a's. */
int face_sig_distance(const face_sig *a, const face_sig *b) {
  int best = bits_distance(a->bits[0], b->bits[0]);
  for (int z = 1; z < BATCH_FACE_ZOOMS; z++) {
    int x = bits_distance(a->bits[0], b->bits[z]);
    int y = bits_distance(a->bits[z], b->bits[0]);
    best = x < best ? x : best;
    best = y < best ? y : best;
  }
  return best;
}

/* How far the face moved in the frame, in percent of the frame: the eye
 * midpoint's shift and the change of the eye distance relative to it. */
double face_sig_moved(const face_sig *a, const face_sig *b) {
  double m = fmax(fabs(a->cx - b->cx), fabs(a->cy - b->cy));
  double s = fabs(log(a->size / b->size));
  return 100 * fmax(m, s / 2);
}

void face_sig_hex(const face_sig *s, char out[FACE_SIG_HEX]) {
  hex_encode(&s->bits[0][0], sizeof s->bits, out);
}

int face_sig_parse(const char *hex, const jval *frame, face_sig *out) {
  memset(out, 0, sizeof *out);
  if (!hex || strlen(hex) != FACE_SIG_HEX - 1 || !frame ||
      frame->type != J_ARR || frame->n != 3)
    return -1;
  for (size_t i = 0; i < sizeof out->bits; i++) {
    unsigned v;
    if (sscanf(hex + 2 * i, "%2x", &v) != 1) return -1;
    (&out->bits[0][0])[i] = (uint8_t)v;
  }
  out->cx = frame->kids[0]->num;
  out->cy = frame->kids[1]->num;
  out->size = frame->kids[2]->num;
  out->ok = out->size > 0;
  return out->ok ? 0 : -1;
}

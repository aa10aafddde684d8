/* Segmentation and matting: drawn head-and-shoulders portraits with a known
 * silhouette, degenerate inputs, compositing, and a real photo. */
#include "testutil.h"

#include "segment.h"
/* The keyed true mattes of the real photos (not part of the library). */
#include "truth.c"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct scene {
  pst_rgb wall, skin, hair, shirt;
  int w, h;
} scene;

/* Silhouette of the drawn person in a w x h frame: head ellipse with a hair
 * cap, neck, and shoulders widening to the bottom edge. */
static int drawn_inside(int w, int h, double x, double y, int *part) {
  double cx = w / 2.0, hy = h * 0.36, rx = w * 0.17, ry = h * 0.17;
  double nx = (x - cx) / rx, ny = (y - hy) / ry, t = y - h * 0.58;
  *part = 0;
  if (nx * nx + ny * ny <= 1) {
    *part = y < hy - ry * 0.55 ? 2 : 1;
    return 1;
  }
  if (y >= hy && fabs(x - cx) <= w * 0.07) return *part = 1;
  if (t >= 0 && fabs(x - cx) <= PST_MIN(w * 0.1 + t * 1.6, w * 0.46))
    return *part = 3;
  return 0;
}

static pst_image *draw(const scene *sc, uint8_t *truth) {
  pst_image *img = NULL;
  unsigned rng = 12345;
  ck_assert_int_eq(pst_image_create(sc->w, sc->h, sc->wall, &img), PST_OK);
  for (int y = 0; y < sc->h; y++)
    for (int x = 0; x < sc->w; x++) {
      uint8_t *p = pst_image_pixels(img) + ((size_t)y * sc->w + x) * 3;
      int part, in = drawn_inside(sc->w, sc->h, x + 0.5, y + 0.5, &part);
      const pst_rgb *c = part == 1   ? &sc->skin
                         : part == 2 ? &sc->hair
                         : part == 3 ? &sc->shirt
                                     : &sc->wall;
      int noise;
      rng = rng * 1103515245u + 12345u;
      noise = (int)((rng >> 16) % 9) - 4;
      p[0] = (uint8_t)PST_CLAMP(c->r + noise, 0, 255);
      p[1] = (uint8_t)PST_CLAMP(c->g + noise, 0, 255);
      p[2] = (uint8_t)PST_CLAMP(c->b + noise, 0, 255);
      if (truth) truth[(size_t)y * sc->w + x] = (uint8_t)in;
    }
  return img;
}

static void face_of(int w, int h, pst__seg_input *in) {
  double cx = w / 2.0, ey = h * 0.34, ed = w * 0.12;
  memset(in, 0, sizeof *in);
  in->eye_l = (pst_point){cx - ed / 2, ey};
  in->eye_r = (pst_point){cx + ed / 2, ey};
  in->face = (pst_rect){(int)(cx - 1.15 * ed), (int)(ey - 0.9 * ed),
                        (int)(2.3 * ed), (int)(2.3 * ed)};
  in->crown_y = -1;
}

/* Background IoU of alpha (its own size) against truth (w x h), sampling
 * the truth at each alpha pixel's centre. */
static double bg_iou(const pst__matte *m, const uint8_t *truth, int w, int h) {
  double inter = 0, uni = 0;
  for (int y = 0; y < m->h; y++)
    for (int x = 0; x < m->w; x++) {
      int tx = (int)((x + 0.5) * w / m->w), ty = (int)((y + 0.5) * h / m->h);
      int tb = !truth[ty * w + tx], pb = m->alpha[y * m->w + x] < 128;
      inter += tb && pb;
      uni += tb || pb;
    }
  return uni ? inter / uni : 1;
}

static const scene BEIGE = {
    {215, 200, 175}, {190, 140, 115}, {40, 30, 25}, {60, 70, 120}, 300, 400};

START_TEST(drawn_portrait_is_cut_out_in_fast_mode) {
  uint8_t *truth = malloc(300 * 400);
  pst_image *img = draw(&BEIGE, truth);
  pst__seg_input in;
  pst__matte m;
  face_of(300, 400, &in);
  in.img = img;
  in.work_max = 128;
  ck_assert_int_eq(pst__segment(&in, &m), PST_OK);
  ck_assert_int_eq(m.w, 96);
  ck_assert_int_eq(m.h, 128);
  ck_assert_double_ge(bg_iou(&m, truth, 300, 400), 0.95);
  pst__matte_free(&m);
  pst_image_destroy(img);
  free(truth);
}
END_TEST

START_TEST(drawn_portrait_matte_at_output_size_follows_the_silhouette) {
  uint8_t *truth = malloc(300 * 400);
  pst_image *img = draw(&BEIGE, truth);
  pst__seg_input in;
  pst__matte m;
  face_of(300, 400, &in);
  in.img = img;
  in.work_max = 200;
  in.out_w = 300, in.out_h = 400;
  ck_assert_int_eq(pst__segment(&in, &m), PST_OK);
  ck_assert_int_eq(m.w, 300);
  ck_assert_double_ge(bg_iou(&m, truth, 300, 400), 0.97);
  /* Shoulders touching the bottom edge stay person. */
  ck_assert_int_ge(m.alpha[399 * 300 + 60], 200);
  ck_assert_int_ge(m.alpha[399 * 300 + 240], 200);
  /* Partial alpha only right at the contour: a soft pixel inside the
   * person with no wall pixel (alpha < 128) next to it is texture. */
  for (int y = 1; y < 399; y++)
    for (int x = 1; x < 299; x++) {
      int a = m.alpha[y * 300 + x], near = 0;
      if (a < 128 || a == 255) continue;
      for (int dy = -1; dy <= 1; dy++)
        for (int dx = -1; dx <= 1; dx++)
          near |= m.alpha[(y + dy) * 300 + x + dx] < 128;
      ck_assert_msg(near, "soft alpha %d inside the person at %d,%d", a, x, y);
    }
  pst__matte_free(&m);
  pst_image_destroy(img);
  free(truth);
}
END_TEST

START_TEST(white_shirt_on_light_wall_stays_person) {
  scene sc = {{232, 232, 230},
              {200, 150, 125},
              {50, 40, 30},
              {246, 246, 246},
              300,
              400};
  uint8_t *truth = malloc(300 * 400);
  pst_image *img = draw(&sc, truth);
  pst__seg_input in;
  pst__matte m;
  int person = 0, total = 0;
  face_of(300, 400, &in);
  in.img = img;
  in.work_max = 128;
  ck_assert_int_eq(pst__segment(&in, &m), PST_OK);
  /* The chest: rows in the lower fifth, inside the drawn shoulders. */
  for (int y = m.h * 4 / 5; y < m.h; y++)
    for (int x = m.w / 3; x < m.w * 2 / 3; x++, total++)
      person += m.alpha[y * m.w + x] >= 128;
  ck_assert_int_ge(person, total * 95 / 100);
  pst__matte_free(&m);
  pst_image_destroy(img);
  free(truth);
}
END_TEST

START_TEST(uniform_tiny_and_edge_cases_give_a_matte) {
  pst_image *img = NULL;
  pst__seg_input in;
  pst__matte m;
  ck_assert_int_eq(pst_image_create(200, 200, (pst_rgb){128, 128, 128}, &img),
                   PST_OK);
  face_of(200, 200, &in);
  in.img = img;
  ck_assert_int_eq(pst__segment(&in, &m), PST_OK);
  ck_assert_ptr_nonnull(m.alpha);
  pst__matte_free(&m);
  /* Face box half outside the image. */
  in.face = (pst_rect){-40, -40, 80, 80};
  in.eye_l = (pst_point){-15, -10};
  in.eye_r = (pst_point){15, -10};
  ck_assert_int_eq(pst__segment(&in, &m), PST_OK);
  pst__matte_free(&m);
  pst_image_destroy(img);
  /* Three by three pixels. */
  ck_assert_int_eq(pst_image_create(3, 3, (pst_rgb){10, 200, 10}, &img),
                   PST_OK);
  memset(&in, 0, sizeof in);
  in.img = img;
  in.face = (pst_rect){1, 1, 1, 1};
  in.crown_y = -1;
  in.out_w = 7, in.out_h = 9;
  ck_assert_int_eq(pst__segment(&in, &m), PST_OK);
  ck_assert_int_eq(m.w, 7);
  ck_assert_int_eq(m.h, 9);
  pst__matte_free(&m);
  pst__matte_free(&m);
  pst_image_destroy(img);
}
END_TEST

START_TEST(bad_arguments_are_refused_by_name) {
  pst_image *img = NULL;
  pst__seg_input in;
  pst__matte m;
  ck_assert_int_eq(pst_image_create(50, 50, (pst_rgb){1, 2, 3}, &img), PST_OK);
  face_of(50, 50, &in);
  ck_assert_int_eq(pst__segment(&in, &m), PST_ERR_ARG); /* no image */
  ck_assert_ptr_null(m.alpha);
  in.img = img;
  ck_assert_int_eq(pst__segment(&in, NULL), PST_ERR_ARG);
  in.face = (pst_rect){60, 60, 10, 10}; /* outside */
  ck_assert_int_eq(pst__segment(&in, &m), PST_ERR_ARG);
  face_of(50, 50, &in);
  in.img = img;
  in.out_w = 10; /* out_h missing */
  ck_assert_int_eq(pst__segment(&in, &m), PST_ERR_ARG);
  in.out_w = 100000, in.out_h = 100000;
  ck_assert_int_eq(pst__segment(&in, &m), PST_ERR_LIMIT);
  pst_image_destroy(img);
}
END_TEST

/* a f + (1 - a) b of two sRGB codes, mixed in linear light. */
static int lin_mix(double a, double f, double b) {
  double fl = pow((f / 255 + 0.055) / 1.055, 2.4);
  double bl = pow((b / 255 + 0.055) / 1.055, 2.4);
  double l = a * fl + (1 - a) * bl;
  return (int)lrint(
      255 * (l <= 0.0031308 ? 12.92 * l : 1.055 * pow(l, 1 / 2.4) - 0.055));
}

START_TEST(composite_replaces_the_wall_without_a_fringe) {
  pst_image *img = NULL, *out = NULL;
  pst__matte m = {40, 1, NULL, 0};
  const pst_rgb blue = {100, 197, 255};
  ck_assert_int_eq(pst_image_create(40, 1, (pst_rgb){250, 250, 250}, &img),
                   PST_OK);
  m.alpha = malloc(40);
  /* Person colour (90, 60, 40) on the right, a soft edge over a white wall:
   * I = a F + (1 - a) W in linear light at every pixel, as a camera would
   * see it (the sensor adds light; the sRGB curve comes after). */
  for (int x = 0; x < 40; x++) {
    int a = x < 15 ? 0 : x >= 25 ? 255 : (x - 15) * 255 / 10;
    uint8_t *p = pst_image_pixels(img) + x * 3;
    m.alpha[x] = (uint8_t)a;
    p[0] = lin_mix(a / 255.0, 90, 250);
    p[1] = lin_mix(a / 255.0, 60, 250);
    p[2] = lin_mix(a / 255.0, 40, 250);
  }
  ck_assert_int_eq(pst__composite(img, &m, blue, &out), PST_OK);
  for (int x = 0; x < 40; x++) {
    const uint8_t *p = pst_image_cpixels(out) + x * 3;
    double a = m.alpha[x] / 255.0;
    /* The ideal: the person's colour over the new blue, the same way. */
    ck_assert_int_le(abs(p[0] - lin_mix(a, 90, 100)), 3);
    ck_assert_int_le(abs(p[1] - lin_mix(a, 60, 197)), 3);
    ck_assert_int_le(abs(p[2] - lin_mix(a, 40, 255)), 3);
  }
  pst_image_destroy(out);
  m.w = 39;
  ck_assert_int_eq(pst__composite(img, &m, blue, &out), PST_ERR_ARG);
  ck_assert_ptr_null(out);
  free(m.alpha);
  pst_image_destroy(img);
}
END_TEST

/* The refinement's reference: the weighted fit of alpha = a . I + b in one
 * window, summed directly (the library keeps running sums). */
static void direct_fit(const uint8_t *rgb, const uint8_t *al, const float *zw,
                       double solid, const float *lin, int w, int h, int cx,
                       int cy, int r, double eps, double ab[4]) {
  double s = 0, si[3] = {0}, sp = 0, sii[3][3] = {{0}}, sip[3] = {0};
  double c[3][3], v[3], det;
  for (int y = PST_MAX(0, cy - r); y <= PST_MIN(h - 1, cy + r); y++)
    for (int x = PST_MAX(0, cx - r); x <= PST_MIN(w - 1, cx + r); x++) {
      int j = y * w + x;
      double q = zw[j] > 0 ? zw[j] : solid, p = al[j] / 255.0, I[3];
      for (int k = 0; k < 3; k++) I[k] = lin[rgb[j * 3 + k]];
      s += q, sp += q * p;
      for (int k = 0; k < 3; k++) {
        si[k] += q * I[k], sip[k] += q * I[k] * p;
        for (int l = 0; l < 3; l++) sii[k][l] += q * I[k] * I[l];
      }
    }
  for (int k = 0; k < 3; k++) {
    v[k] = sip[k] / s - si[k] / s * sp / s;
    for (int l = 0; l < 3; l++)
      c[k][l] = sii[k][l] / s - si[k] / s * si[l] / s + (k == l ? eps : 0);
  }
  det = c[0][0] * (c[1][1] * c[2][2] - c[1][2] * c[2][1]) -
        c[0][1] * (c[1][0] * c[2][2] - c[1][2] * c[2][0]) +
        c[0][2] * (c[1][0] * c[2][1] - c[1][1] * c[2][0]);
  /* Cramer's rule, column k replaced by v */
  for (int k = 0; k < 3; k++) {
    double m[3][3];
    for (int i = 0; i < 3; i++)
      for (int l = 0; l < 3; l++) m[i][l] = l == k ? v[i] : c[i][l];
    ab[k] = (m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) -
             m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
             m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0])) /
            det;
  }
  ab[3] = sp / s - ab[0] * si[0] / s - ab[1] * si[1] / s - ab[2] * si[2] / s;
}

/* pst__refine_alpha against the fit done the slow way: every window that
 * holds a zone pixel fitted on the alpha before refinement, each zone pixel
 * the mean of its windows' fits at its colour; the rest untouched. Odd
 * sizes, solid runs and a zone of scattered pieces, so the running sums
 * start, stop and restart along rows and columns. */
START_TEST(refine_matches_the_window_fits_done_directly) {
  enum { W = 37, H = 23 };
  static uint8_t rgb[W * H * 3], al[W * H], out[W * H];
  static float zw[W * H];
  float lin[256];
  unsigned seed = 7;
  pst__srgb_linear_table(lin);
  for (int i = 0; i < W * H; i++) {
    int x = i % W, y = i / W;
    for (int k = 0; k < 3; k++)
      rgb[i * 3 + k] = (uint8_t)((seed = seed * 1103515245u + 12345u) >> 24);
    seed = seed * 1103515245u + 12345u;
    al[i] = x < 12 ? 0 : x > 26 ? 255 : (uint8_t)(seed >> 24);
    /* the zone: a band down the middle, and a few pixels apart */
    zw[i] = (x >= 10 && x <= 28 && y % 7 != 3) || (x == 3 && y == 20)
                ? 0.05f + (seed >> 8 & 255) / 256.f
                : 0.f;
  }
  for (int r = 1; r <= 4; r += 3) {
    memcpy(out, al, sizeof out);
    float solid = r == 1 ? 1.f : 0.1f;
    ck_assert_int_eq(pst__refine_alpha(rgb, W, H, zw, solid, r, 1e-4f, out),
                     PST_OK);
    for (int i = 0; i < W * H; i++) {
      int x = i % W, y = i / W, cnt = 0;
      double q = 0, ab[4];
      if (zw[i] <= 0) {
        ck_assert_int_eq(out[i], al[i]);
        continue;
      }
      for (int yy = PST_MAX(0, y - r); yy <= PST_MIN(H - 1, y + r); yy++)
        for (int xx = PST_MAX(0, x - r); xx <= PST_MIN(W - 1, x + r); xx++) {
          direct_fit(rgb, al, zw, solid, lin, W, H, xx, yy, r, 1e-4, ab);
          q += ab[3];
          for (int k = 0; k < 3; k++) q += ab[k] * lin[rgb[i * 3 + k]];
          cnt++;
        }
      q = PST_CLAMP(q / cnt, 0.0, 1.0) * 255;
      ck_assert_msg(fabs(out[i] - q) <= 0.51 + 1e-6,
                    "r %d (%d,%d): %d, direct %.2f", r, x, y, out[i], q);
    }
  }
}
END_TEST

/* A London studio photo: corners are wall, the face and the shirt at the
 * bottom centre are person. Pupils from its WebMorph template. */
START_TEST(real_portrait_keeps_face_and_shirt_and_drops_the_wall) {
  char *jpg, *tem;
  pst_image *img = NULL;
  pst__seg_input in;
  pst__matte m;
  FILE *f;
  int npt;
  double lx, ly, rx, ry, ed;
  TU_NEED_REAL();
  jpg = tu_real_path("london/001_03.jpg");
  tem = tu_real_path("london/001_03.tem");
  ck_assert_int_eq(pst_image_load(jpg, NULL, 4, &img, NULL, NULL), PST_OK);
  f = fopen(tem, "r");
  ck_assert_ptr_nonnull(f);
  ck_assert_int_eq(fscanf(f, "%d %lf %lf %lf %lf", &npt, &lx, &ly, &rx, &ry),
                   5);
  fclose(f);
  memset(&in, 0, sizeof in);
  in.img = img;
  in.eye_l = (pst_point){lx / 4, ly / 4};
  in.eye_r = (pst_point){rx / 4, ry / 4};
  ed = (rx - lx) / 4;
  in.face = (pst_rect){(int)(lx / 4 - 0.65 * ed), (int)(ly / 4 - 0.9 * ed),
                       (int)(2.3 * ed), (int)(2.3 * ed)};
  in.crown_y = -1;
  in.work_max = 128;
  ck_assert_int_eq(pst__segment(&in, &m), PST_OK);
  ck_assert_int_eq(m.alpha[0], 0);
  ck_assert_int_eq(m.alpha[m.w - 1], 0);
  ck_assert_int_eq(m.alpha[(m.h / 2) * m.w], 0);
  ck_assert_int_eq(
      m.alpha[(int)((ly + ry) / 8 * m.h / img->height) * m.w + m.w / 2], 255);
  ck_assert_int_eq(m.alpha[(m.h - 1) * m.w + m.w / 2], 255);
  pst__matte_free(&m);
  pst_image_destroy(img);
  free(jpg);
  free(tem);
}
END_TEST

/* Background IoU and mean |alpha error| within 10 px (chessboard) of the
 * keyed true silhouette, photofix-style (output at the photo's size). */
static void real_scores(const char *name, double *iou, double *band) {
  char *jpg, *tem, rel[64], err[256];
  truth_photo p;
  pst__seg_input in;
  pst__matte m;
  double ed, inter = 0, uni = 0, be = 0, bn = 0;
  snprintf(rel, sizeof rel, "%s.jpg", name);
  jpg = tu_real_path(rel);
  snprintf(rel, sizeof rel, "%s.tem", name);
  tem = tu_real_path(rel);
  ck_assert_int_eq(truth_load(jpg, tem, 2, &p, err, sizeof err), 0);
  ck_assert_int_eq(truth_matte(&p), 0);
  memset(&in, 0, sizeof in);
  in.img = p.img;
  in.eye_l = p.pt[TRUTH_PUPIL_L], in.eye_r = p.pt[TRUTH_PUPIL_R];
  ed = in.eye_r.x - in.eye_l.x;
  in.face =
      (pst_rect){(int)(in.eye_l.x - 0.65 * ed), (int)(in.eye_l.y - 0.9 * ed),
                 (int)(2.3 * ed), (int)(2.3 * ed)};
  in.crown_y = -1;
  in.work_max = 400;
  in.out_w = p.w, in.out_h = p.h;
  ck_assert_int_eq(pst__segment(&in, &m), PST_OK);
  for (int y = 0; y < p.h; y++)
    for (int x = 0; x < p.w; x++) {
      size_t i = (size_t)y * p.w + x;
      int tb = p.alpha[i] < 0.5f, pb = m.alpha[i] < 128, near = 0;
      inter += tb && pb, uni += tb || pb;
      for (int k = -10; k <= 10 && !near; k += 2) {
        int xx = PST_CLAMP(x + k, 0, p.w - 1),
            yy = PST_CLAMP(y + k, 0, p.h - 1);
        near = (p.alpha[(size_t)y * p.w + xx] < 0.5f) != tb ||
               (p.alpha[(size_t)yy * p.w + x] < 0.5f) != tb;
      }
      if (near) be += fabs(m.alpha[i] / 255.0 - p.alpha[i]), bn++;
    }
  *iou = uni ? inter / uni : 1;
  *band = bn ? be / bn : 0;
  pst__matte_free(&m);
  truth_free(&p);
  free(jpg);
  free(tem);
}

/* Bounds just outside what the matte reaches today (IoU 0.994 on both,
 * band 0.056 / 0.060): a regression in the cut or the edge model fails
 * them. 121_03 is the white shirt on a light wall. */
START_TEST(real_photos_match_their_keyed_mattes) {
  static const char *names[] = {"london/008_03", "london/121_03"};
  TU_NEED_REAL();
  for (int i = 0; i < 2; i++) {
    double iou, band;
    real_scores(names[i], &iou, &band);
    fprintf(stderr, "keyed %s: IoU %.3f band %.3f\n", names[i], iou, band);
    ck_assert_msg(iou >= 0.985, "%s: IoU %.4f", names[i], iou);
    ck_assert_msg(band <= 0.07, "%s: band error %.4f", names[i], band);
  }
}
END_TEST

/* CIE76 distance of an sRGB colour from the CHSI blue. */
static double de_from_blue(const double rgb[3]) {
  double lab[2][3];
  const double blue[3] = {100, 197, 255};
  for (int k = 0; k < 2; k++) {
    const double *c = k ? blue : rgb;
    double l[3], f[3];
    for (int j = 0; j < 3; j++) {
      double v = c[j] / 255;
      l[j] = v <= 0.04045 ? v / 12.92 : pow((v + 0.055) / 1.055, 2.4);
    }
    f[0] = cbrt((0.4124 * l[0] + 0.3576 * l[1] + 0.1805 * l[2]) / 0.95047);
    f[1] = cbrt(0.2126 * l[0] + 0.7152 * l[1] + 0.0722 * l[2]);
    f[2] = cbrt((0.0193 * l[0] + 0.1192 * l[1] + 0.9505 * l[2]) / 1.08883);
    lab[k][0] = 116 * f[1] - 16, lab[k][1] = 500 * (f[0] - f[1]);
    lab[k][2] = 200 * (f[1] - f[2]);
  }
  return sqrt(pow(lab[0][0] - lab[1][0], 2) + pow(lab[0][1] - lab[1][1], 2) +
              pow(lab[0][2] - lab[1][2], 2));
}

/* A real person keyed and composited onto a new wall, at 1/denom of the
 * photo's size: the truth (p, with its alpha) and the composite. The seed
 * places the wall's texture and the room's objects. */
static pst_image *composite_of(const char *name, int denom, int wall,
                               uint32_t seed, truth_photo *p) {
  char *jpg, *tem, rel[64], err[256];
  float *fg = NULL, *wl = NULL;
  pst_image *img = NULL;
  snprintf(rel, sizeof rel, "%s.jpg", name);
  jpg = tu_real_path(rel);
  snprintf(rel, sizeof rel, "%s.tem", name);
  tem = tu_real_path(rel);
  ck_assert_int_eq(truth_load(jpg, tem, denom, p, err, sizeof err), 0);
  ck_assert_int_eq(truth_matte(p), 0);
  ck_assert_int_eq(truth_extract(p, &fg), 0);
  wl = malloc((size_t)p->w * p->h * 3 * sizeof *wl);
  ck_assert_ptr_nonnull(wl);
  ck_assert_int_eq(truth_wall(wall, p->w, p->h, seed, wl), 0);
  ck_assert_int_eq(pst_image_create(p->w, p->h, (pst_rgb){0, 0, 0}, &img),
                   PST_OK);
  truth_composite(p, fg, wl, seed, pst_image_pixels(img));
  free(fg);
  free(wl);
  free(jpg);
  free(tem);
  return img;
}

/* A quality-set image made here (tests/mkquality.c's recipe at half size):
 * the keyed person composited onto a synthetic wall, so its alpha is exact.
 * Segmented photofix-style and put on the blue: background IoU, mean
 * |alpha error| within 10 px of the silhouette, and the CIE76 distance
 * from the blue of the mean colour just outside it (pure wall, 3 px). */
static void quality_scores(const char *name, int wall, double *iou,
                           double *band, double *halo) {
  truth_photo p;
  pst_image *img = composite_of(name, 2, wall, 7, &p), *comp = NULL;
  pst__seg_input in;
  pst__matte m;
  double ed, inter = 0, uni = 0, be = 0, bn = 0, hs[3] = {0, 0, 0}, hn = 0;
  memset(&in, 0, sizeof in);
  in.img = img;
  in.eye_l = p.pt[TRUTH_PUPIL_L], in.eye_r = p.pt[TRUTH_PUPIL_R];
  ed = in.eye_r.x - in.eye_l.x;
  in.face =
      (pst_rect){(int)(in.eye_l.x - 0.65 * ed), (int)(in.eye_l.y - 0.9 * ed),
                 (int)(2.3 * ed), (int)(2.3 * ed)};
  in.crown_y = -1;
  in.work_max = 400;
  in.out_w = p.w, in.out_h = p.h;
  ck_assert_int_eq(pst__segment(&in, &m), PST_OK);
  ck_assert_int_eq(pst__composite(img, &m, (pst_rgb){100, 197, 255}, &comp),
                   PST_OK);
  for (int y = 0; y < p.h; y++)
    for (int x = 0; x < p.w; x++) {
      size_t i = (size_t)y * p.w + x;
      int tb = p.alpha[i] < 0.5f, pb = m.alpha[i] < 128, near = 0, out3 = 0;
      inter += tb && pb, uni += tb || pb;
      for (int k = -10; k <= 10; k++) {
        int xx = PST_CLAMP(x + k, 0, p.w - 1),
            yy = PST_CLAMP(y + k, 0, p.h - 1);
        int flip = (p.alpha[(size_t)y * p.w + xx] < 0.5f) != tb ||
                   (p.alpha[(size_t)yy * p.w + x] < 0.5f) != tb;
        near |= flip;
        out3 |= flip && abs(k) <= 3;
      }
      if (near) be += fabs(m.alpha[i] / 255.0 - p.alpha[i]), bn++;
      if (out3 && tb && p.alpha[i] <= 0.05f) {
        for (int c = 0; c < 3; c++) hs[c] += pst_image_cpixels(comp)[i * 3 + c];
        hn++;
      }
    }
  *iou = uni ? inter / uni : 1;
  *band = bn ? be / bn : 0;
  for (int c = 0; c < 3; c++) hs[c] = hn ? hs[c] / hn : 0;
  *halo = de_from_blue(hs);
  pst__matte_free(&m);
  pst_image_destroy(img);
  pst_image_destroy(comp);
  truth_free(&p);
}

/* Bounds a little outside today's figures (IoU 0.996/0.996/0.980, band
 * 0.046/0.045/0.127, halo 0.9/0.1/6.8); the plaster and the room are the
 * hard walls of the quality set. The white shirts on a white wall were
 * cut off at the shoulders before pale_shoulders (043_03 IoU 0.919, band
 * 0.142; 104_03 0.987, 0.078); now 0.995/0.054/3.2 and 0.995/0.053/3.5.
 * The outer hair of 172_03, 019f and 140_03 is lighter than the hair
 * inside; on dark blue it read as wall while the edge zone's own colours
 * were no person candidates (band 0.084, 0.082, 0.059; now 0.037, 0.061,
 * 0.031). With those candidates a blend line counts as aligned within ~7
 * degrees, not 12: 104_03 and 124_03 on beige 0.033, 0.035 -> 0.026,
 * 0.030. The loose strands of 013_03 and 099_03 reach past the edge zone
 * on a plain wall; the zone reaching out 2 cut pixels takes them (band
 * 0.086, 0.032 -> 0.058, 0.027). Dark hair on dark blue is a short blend
 * line: the noise allowances, in codes, took up to a third of it, so
 * coverage was stretched to solid; capped to 15% and 5% of the line,
 * 107_03, 091_03 and 003_03 go 0.084, 0.071, 0.060 -> 0.075, 0.062,
 * 0.051. */
START_TEST(composites_on_new_walls_match_their_exact_alpha) {
  static const struct {
    const char *name;
    int wall;
    double iou, band, halo;
  } cases[] = {
      {"london/017_03", TRUTH_WALL_PLASTER, 0.99, 0.055, 2},
      {"london/022_03", TRUTH_WALL_DARKBLUE, 0.99, 0.055, 2},
      {"london/017_03", TRUTH_WALL_INDOOR, 0.97, 0.14, 8},
      {"london/043_03", TRUTH_WALL_WHITE, 0.98, 0.07, 5},
      {"london/104_03", TRUTH_WALL_WHITE, 0.98, 0.07, 5},
      {"london/172_03", TRUTH_WALL_DARKBLUE, 0.99, 0.05, 2},
      {"canada/019f", TRUTH_WALL_DARKBLUE, 0.98, 0.07, 2},
      {"london/140_03", TRUTH_WALL_DARKBLUE, 0.99, 0.045, 2},
      {"london/104_03", TRUTH_WALL_BEIGE, 0.99, 0.029, 2},
      {"london/124_03", TRUTH_WALL_BEIGE, 0.99, 0.0325, 2},
      {"london/013_03", TRUTH_WALL_WHITE, 0.99, 0.07, 5},
      {"london/099_03", TRUTH_WALL_BEIGE, 0.99, 0.029, 2},
      {"london/107_03", TRUTH_WALL_DARKBLUE, 0.98, 0.079, 2},
      {"london/091_03", TRUTH_WALL_DARKBLUE, 0.98, 0.066, 2},
      {"london/003_03", TRUTH_WALL_DARKBLUE, 0.98, 0.055, 2},
  };
  TU_NEED_REAL();
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    double iou, band, halo;
    quality_scores(cases[i].name, cases[i].wall, &iou, &band, &halo);
    fprintf(stderr, "quality %s %s: IoU %.3f band %.3f halo %.1f\n",
            cases[i].name, truth_wall_names[cases[i].wall], iou, band, halo);
    ck_assert_msg(iou >= cases[i].iou, "%s %s: IoU %.4f", cases[i].name,
                  truth_wall_names[cases[i].wall], iou);
    ck_assert_msg(band <= cases[i].band, "%s %s: band error %.4f",
                  cases[i].name, truth_wall_names[cases[i].wall], band);
    ck_assert_msg(halo <= cases[i].halo, "%s %s: halo dE %.1f", cases[i].name,
                  truth_wall_names[cases[i].wall], halo);
  }
}
END_TEST

/* The output matte (480x640) of a photofix result that must have fixed
 * `name`: channel 0 of its grey PNG. Frees the result. */
static uint8_t *matte_of(pst_fix_result *r, const char *name) {
  pst_image *mask = NULL;
  uint8_t *m = malloc(480 * 640);
  const uint8_t *png;
  size_t len = 0;
  ck_assert_ptr_nonnull(m);
  ck_assert_msg(pst_fix_ok(r), "%s: %s", name, pst_fix_reason_id(r));
  png = pst_fix_mask_png(r, &len);
  ck_assert_ptr_nonnull(png);
  ck_assert_int_eq(pst_image_load_mem(png, len, NULL, 1, &mask, NULL, NULL),
                   PST_OK);
  ck_assert_int_eq(pst_image_width(mask), 480);
  ck_assert_int_eq(pst_image_height(mask), 640);
  for (int i = 0; i < 480 * 640; i++) m[i] = pst_image_cpixels(mask)[i * 3];
  pst_image_destroy(mask);
  pst_fix_result_destroy(r);
  return m;
}

/* photofix on a real person keyed onto a new wall at the photo's own size:
 * the output matte. */
static uint8_t *fix_seeded(const char *name, int wall, uint32_t seed) {
  truth_photo p;
  pst_image *img = composite_of(name, 1, wall, seed, &p);
  pst_jpeg_opts jo = {92, 0, 0, 0};
  pst_fix_result *r = NULL;
  uint8_t *buf = NULL;
  size_t len = 0;
  ck_assert_int_eq(pst_image_encode_jpeg(img, &jo, &buf, &len), PST_OK);
  ck_assert_int_eq(pst_fix_mem(buf, len, name, NULL, NULL, NULL, &r), PST_OK);
  pst_free(buf);
  pst_image_destroy(img);
  truth_free(&p);
  return matte_of(r, name);
}

static uint8_t *fix_composite(const char *name, int wall) {
  return fix_seeded(name, wall, 7);
}

/* The same on the quality set's own composite of `name` ("london/086_03"
 * is its london_086_03; tests/mkquality.c), room objects where they are
 * there. */
static uint8_t *fix_quality(const char *name, int wall) {
  char set[64];
  snprintf(set, sizeof set, "%s", name);
  for (char *c = set; *c; c++)
    if (*c == '/') *c = '_';
  return fix_seeded(name, wall, truth_seed(set, wall));
}

/* photofix on one of the real photos as it is: the output matte. */
static uint8_t *fix_original(const char *rel) {
  char *path = tu_real_path(rel);
  pst_fix_result *r = NULL;
  uint8_t *m;
  ck_assert_int_eq(pst_fix_file(path, NULL, NULL, NULL, &r), PST_OK);
  m = matte_of(r, path);
  free(path);
  return m;
}

/* Mean matte over the output rectangle [x0, x1) x [y0, y1). */
static double mask_mean(const uint8_t *m, int x0, int y0, int x1, int y1) {
  double acc = 0;
  for (int y = y0; y < y1; y++)
    for (int x = x0; x < x1; x++) acc += m[y * 480 + x];
  return acc / ((double)(x1 - x0) * (y1 - y0));
}

/* An output rectangle [x0, x1) x [y0, y1) the matte must show as wall
 * (mean <= 32) or as person (mean >= 223). */
typedef struct patch {
  const char *what;
  int x0, y0, x1, y1, person;
} patch;

/* Prints every patch's mean matte, then asserts each; frees m. */
static void expect_patches(const char *name, uint8_t *m, const patch *p,
                           int n) {
  for (int i = 0; i < n; i++)
    fprintf(stderr, "%s: %s %.0f\n", name, p[i].what,
            mask_mean(m, p[i].x0, p[i].y0, p[i].x1, p[i].y1));
  for (int i = 0; i < n; i++) {
    double v = mask_mean(m, p[i].x0, p[i].y0, p[i].x1, p[i].y1);
    ck_assert_msg(p[i].person ? v >= 223 : v <= 32, "%s: %s mean %.0f", name,
                  p[i].what, v);
  }
  free(m);
}

/* A wall shading down the frame (a backdrop lit from above), through the
 * whole of photofix: the side strips follow it, so the lower wall beside
 * the jaw is seeded as wall. Before they did (3ae139a) the strips stopped
 * at the eyes and the cut kept whole rows of that wall (mask 255 beside
 * the jaw; quality-set IoU 0.767). */
START_TEST(photofix_keeps_a_shaded_wall_beside_the_jaw_out) {
  static const patch p[] = {{"left of the jaw", 0, 430, 40, 470, 0},
                            {"right of the jaw", 440, 430, 480, 470, 0},
                            {"neck", 220, 540, 260, 560, 1}};
  TU_NEED_REAL();
  expect_patches("065f gradient",
                 fix_composite("canada/065f", TRUTH_WALL_GRADIENT), p, 3);
}
END_TEST

/* A white shirt on a white wall: the shoulder line must be the shirt's top
 * edge, where the wall ends, not the shade of a fold lower down whose
 * shirt above is within PALE_WALL of the wall too. On 061_03 the old line
 * (before the wall's spread set the tolerance) ran 30 to 60 rows below the
 * shirt's top on the left (mask 0 here; quality-set IoU 0.953). */
START_TEST(photofix_keeps_a_white_shirt_up_to_its_top_edge) {
  static const patch p[] = {{"left shoulder", 60, 545, 120, 560, 1},
                            {"wall above it", 20, 470, 80, 500, 0}};
  TU_NEED_REAL();
  expect_patches("061_03 white",
                 fix_composite("london/061_03", TRUTH_WALL_WHITE), p, 2);
}
END_TEST

/* The shoulder line may not rise outward, so beside the neck, where the
 * neck hides the white shirt's top, it lay flat along the top of its search
 * and the white wall under it was settled as shirt: a grey block beside
 * the neck of london/099_08 (mask 159 here at 430e787, which tightened the
 * wall test and so left these columns without a step; 17 before it). */
START_TEST(photofix_leaves_no_wall_block_beside_a_white_collar) {
  static const patch p[] = {{"beside the collar", 360, 470, 384, 490, 0},
                            {"shoulder", 400, 560, 440, 580, 1}};
  TU_NEED_REAL();
  expect_patches("099_08", fix_original("london/099_08.jpg"), p, 2);
}
END_TEST

/* london/025_08 wears a white T-shirt before a backdrop lit from above:
 * the wall beside the shoulders is 15 to 20 codes lighter than its mean
 * above the eyes, so no step had wall above it and both shoulders were cut
 * away flat (mask 0 here at 21a5498). The wall down each side is now a
 * line; the right shoulder, under a braid, counts without the braid's
 * columns. On 025_03 the line runs through grey beside the braid with no
 * step, columns that failed the wall test until they said nothing (the
 * shoulder's top 0 here at ce0cb33). */
START_TEST(photofix_keeps_white_shoulders_on_a_wall_lit_from_above) {
  static const patch p[] = {{"left shoulder", 20, 560, 60, 590, 1},
                            {"right shoulder", 420, 560, 460, 590, 1},
                            {"wall above the left", 20, 460, 60, 490, 0},
                            {"wall above the right", 430, 460, 470, 490, 0}};
  static const patch q[] = {{"right shoulder's top", 430, 520, 470, 540, 1},
                            {"wall above it", 430, 460, 470, 490, 0}};
  TU_NEED_REAL();
  expect_patches("025_08", fix_original("london/025_08.jpg"), p, 4);
  expect_patches("025_03", fix_original("london/025_03.jpg"), q, 2);
}
END_TEST

/* The same line fits a drawn gradient, and the wall below a line that ran
 * through the wall there was as near it as a pale shirt: a grey wedge of
 * wall beside london/140_03's shoulders (mask 255 here when shirt columns
 * need no step off the wall above). */
START_TEST(photofix_keeps_a_gradient_wall_beside_the_shoulders_out) {
  static const patch p[] = {{"wall left of the shoulder", 0, 520, 30, 540, 0},
                            {"wall right of it", 450, 520, 480, 540, 0},
                            {"shirt", 180, 600, 300, 630, 1}};
  TU_NEED_REAL();
  expect_patches("140_03 gradient",
                 fix_composite("london/140_03", TRUTH_WALL_GRADIENT), p, 3);
}
END_TEST

/* london/001_03's curls hang beside the neck and frame pockets of the grey
 * backdrop; the cut kept them as person (the white T-shirt puts the wall's
 * colour in the person model and the shape prior held them): a grey block
 * between jaw and curls (mask 255 here at aac8232). Person pixels of the
 * wall's own colour beside the head are now wall. */
START_TEST(photofix_drops_the_wall_a_curl_encloses) {
  static const patch p[] = {{"pocket by the jaw", 125, 420, 140, 445, 0},
                            {"face", 200, 300, 280, 380, 1}};
  TU_NEED_REAL();
  expect_patches("001_03", fix_original("london/001_03.jpg"), p, 2);
}
END_TEST

/* Below the pocket that rule gives back, 001_03's loose curls hang over
 * the grey backdrop in strands with the wall between them; the cut calls
 * the whole mass person, so the old grey stayed between the strands on the
 * new blue (mask 236 here at 59be003). On a plain wall the hair's pixels
 * are unmixed against it too: the gaps open. */
START_TEST(photofix_opens_the_gaps_between_loose_curls) {
  uint8_t *m;
  double gap, face;
  TU_NEED_REAL();
  m = fix_original("london/001_03.jpg");
  gap = mask_mean(m, 348, 332, 360, 344);
  face = mask_mean(m, 200, 300, 280, 380);
  fprintf(stderr, "001_03: between the curls %.0f, face %.0f\n", gap, face);
  ck_assert_msg(gap <= 128, "between the curls: mean %.0f", gap);
  ck_assert_msg(face >= 250, "face: mean %.0f", face);
  free(m);
}
END_TEST

/* The gaps' unmixing took the local person colour, which beside the face
 * is mostly hair: the pale skin of an ear lay nearer the wall than the
 * hair, and came out as blue spots inside the ear (london/124_03's left
 * ear 187 here, 142_03's 190, at b093135). Where the line from the wall to
 * the face's skin passes nearer, the pixel is unmixed against the skin. */
START_TEST(photofix_keeps_the_ears_whole) {
  static const patch p124[] = {{"left ear", 116, 294, 125, 319, 1}};
  static const patch p142[] = {{"left ear", 112, 280, 120, 288, 1}};
  TU_NEED_REAL();
  expect_patches("124_03", fix_original("london/124_03.jpg"), p124, 1);
  expect_patches("142_03", fix_original("london/142_03.jpg"), p142, 1);
}
END_TEST

/* Below a tight crop the canvas runs past the photo and the cloth is made
 * up; the silhouette goes on straight down from the photo's last rows.
 * On canada/110m the wall right of the jacket reaches the bottom edge: the
 * cut, left to decide the made-up rows on their flat colours and its shape
 * prior, kept them as a grey block of old wall (mask 255 here at 705994b). */
START_TEST(photofix_continues_the_wall_beside_a_tight_crop_downward) {
  static const patch p[] = {{"wall below the photo", 410, 610, 450, 640, 0},
                            {"jacket below the photo", 100, 610, 200, 640, 1}};
  TU_NEED_REAL();
  expect_patches("110m", fix_original("canada/110m.jpg"), p, 2);
}
END_TEST

/* The canvas also runs past the sides of canada/098m. The photo was
 * reflected there, so the jacket's collar falling to the right edge came
 * back up beyond it: a V notch in the outline (mask 255 here at ebee0ae).
 * Continued past the edge, the collar keeps falling. */
START_TEST(photofix_continues_a_collar_past_the_photo_side) {
  static const patch p[] = {{"wall beyond the collar", 462, 460, 478, 500, 0},
                            {"jacket below the collar", 440, 580, 460, 620, 1}};
  TU_NEED_REAL();
  expect_patches("098m", fix_original("canada/098m.jpg"), p, 2);
}
END_TEST

/* canada/154m composited on the quality set's room: the tight crop puts
 * the door right beside the head, and the first cut kept the whole door
 * (mask 255 here at b5d40d3, and photocheck then passed the photo). The
 * output check now finds it (background.uniform, objects) and photofix
 * cuts again with it seeded as wall. */
START_TEST(photofix_cuts_a_door_beside_the_head_out) {
  static const patch p[] = {{"door beside the head", 15, 150, 55, 350, 0},
                            {"face", 200, 250, 280, 350, 1}};
  TU_NEED_REAL();
  expect_patches("154m indoor", fix_composite("canada/154m", TRUTH_WALL_INDOOR),
                 p, 2);
}
END_TEST

/* london/043_03 on the room: a strip of the room's beige wall between the
 * door frame and the face stayed person (mask 202 here at c9f82ce). The
 * wall's one line on that side, a mean of door and wall, matched neither;
 * the side's flat colours above the eyes find the beige. */
START_TEST(photofix_drops_the_room_wall_between_door_and_face) {
  static const patch p[] = {{"wall by the door frame", 100, 370, 116, 410, 0},
                            {"face", 200, 250, 280, 350, 1}};
  TU_NEED_REAL();
  expect_patches("043_03 indoor",
                 fix_composite("london/043_03", TRUTH_WALL_INDOOR), p, 2);
}
END_TEST

/* On the room the cut kept the shelf board beside london/086_03's neck and
 * the book spines beside canada/031f's (masks 172 and 168 here at
 * b093135): wood and paint of the person's colours, in lines the
 * smoothness term makes cheap to keep. Straight lines that thin and long
 * on a room's side are wall. */
START_TEST(photofix_drops_a_rooms_straight_lines) {
  static const patch p086[] = {{"shelf board", 420, 425, 478, 445, 0},
                               {"face", 200, 250, 280, 350, 1}};
  static const patch p031[] = {{"book spines", 405, 350, 435, 410, 0},
                               {"face", 200, 250, 280, 350, 1}};
  TU_NEED_REAL();
  expect_patches("086_03 indoor",
                 fix_quality("london/086_03", TRUTH_WALL_INDOOR), p086, 2);
  expect_patches("031f indoor", fix_quality("canada/031f", TRUTH_WALL_INDOOR),
                 p031, 2);
}
END_TEST

/* london/113_03 on the room: below her long neck the sure torso covered
 * the room's wall beside it, and the cut kept a strip of that wall down to
 * the shoulder (mask 162 here at c9f82ce). Sure-person pixels of the
 * room's flat colours are now left to the cut. */
START_TEST(photofix_leaves_the_room_out_of_the_sure_torso) {
  static const patch p[] = {
      {"wall left of the shoulder", 108, 540, 124, 560, 0},
      {"neck", 220, 450, 260, 500, 1}};
  TU_NEED_REAL();
  expect_patches("113_03 indoor",
                 fix_composite("london/113_03", TRUTH_WALL_INDOOR), p, 2);
}
END_TEST

/* On the room the edge zone unmixed each pixel against the mean of the
 * wall around it, a blend of the door, its dark frame and the paint; a
 * frame or book pixel lies between that mean and the hair, and came out
 * half person or more: strips of door frame beside 003_03's, 101_03's and
 * 172_03's hair, a book end beside 031f's neck. The room's own wall
 * colours are tried as the wall too. */
START_TEST(photofix_unmixes_against_the_rooms_own_colours) {
  static const patch p003[] = {{"door frame", 96, 196, 112, 212, 0},
                               {"face", 200, 250, 280, 350, 1}};
  static const patch p101[] = {{"door frame", 92, 240, 108, 256, 0},
                               {"face", 200, 250, 280, 350, 1}};
  static const patch p172[] = {{"door frame", 104, 144, 120, 160, 0},
                               {"face", 200, 250, 280, 350, 1}};
  static const patch p031[] = {{"book end", 412, 420, 428, 436, 0},
                               {"face", 200, 250, 280, 350, 1}};
  TU_NEED_REAL();
  expect_patches("003_03 indoor",
                 fix_quality("london/003_03", TRUTH_WALL_INDOOR), p003, 2);
  expect_patches("101_03 indoor",
                 fix_quality("london/101_03", TRUTH_WALL_INDOOR), p101, 2);
  expect_patches("172_03 indoor",
                 fix_quality("london/172_03", TRUTH_WALL_INDOOR), p172, 2);
  expect_patches("031f indoor", fix_quality("canada/031f", TRUTH_WALL_INDOOR),
                 p031, 2);
}
END_TEST

/* On the room's tan door the cut opened a hole in london/017_03's cheek
 * beside the ear, and in 140_03's: the new blue showed inside the face.
 * Wall enclosed by skin in the face is person. */
START_TEST(photofix_leaves_no_hole_in_the_cheek) {
  static const patch p017[] = {{"cheek", 136, 262, 150, 300, 1},
                               {"wall beside the ear", 40, 262, 80, 300, 0}};
  TU_NEED_REAL();
  expect_patches("017_03 indoor",
                 fix_quality("london/017_03", TRUTH_WALL_INDOOR), p017, 2);
}
END_TEST

/* The person colours of the edge zone are unmixing candidates too; a
 * piece of wall the cut takes for person beside the top of canada/098m's
 * hair, once a candidate, explained the wall next to it as solid person:
 * a white block above the hair (mask 211 here without CAND_APART). */
START_TEST(photofix_takes_no_wall_for_a_person_colour) {
  static const patch p[] = {{"wall above the hair", 170, 62, 220, 82, 0},
                            {"face", 200, 250, 280, 350, 1}};
  TU_NEED_REAL();
  expect_patches("098m gradient",
                 fix_quality("canada/098m", TRUTH_WALL_GRADIENT), p, 2);
}
END_TEST

Suite *segment_suite(void) {
  Suite *s = suite_create("segment");
  TCase *tc = tcase_create("core");
  /* composites_on_new_walls_match_their_exact_alpha runs photofix 15
   * times: 15-21 s under make asan on an idle 2-core machine, past 30 s
   * beside the CLI tests of make -j2. A hang still stops at 60. */
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, drawn_portrait_is_cut_out_in_fast_mode);
  tcase_add_test(tc,
                 drawn_portrait_matte_at_output_size_follows_the_silhouette);
  tcase_add_test(tc, white_shirt_on_light_wall_stays_person);
  tcase_add_test(tc, uniform_tiny_and_edge_cases_give_a_matte);
  tcase_add_test(tc, bad_arguments_are_refused_by_name);
  tcase_add_test(tc, composite_replaces_the_wall_without_a_fringe);
  tcase_add_test(tc, refine_matches_the_window_fits_done_directly);
  tcase_add_test(tc, real_portrait_keeps_face_and_shirt_and_drops_the_wall);
  tcase_add_test(tc, real_photos_match_their_keyed_mattes);
  tcase_add_test(tc, composites_on_new_walls_match_their_exact_alpha);
  tcase_add_test(tc, photofix_keeps_a_shaded_wall_beside_the_jaw_out);
  tcase_add_test(tc, photofix_keeps_a_white_shirt_up_to_its_top_edge);
  tcase_add_test(tc, photofix_leaves_no_wall_block_beside_a_white_collar);
  tcase_add_test(tc, photofix_keeps_white_shoulders_on_a_wall_lit_from_above);
  tcase_add_test(tc, photofix_keeps_a_gradient_wall_beside_the_shoulders_out);
  tcase_add_test(tc, photofix_drops_the_wall_a_curl_encloses);
  tcase_add_test(tc, photofix_opens_the_gaps_between_loose_curls);
  tcase_add_test(tc, photofix_keeps_the_ears_whole);
  tcase_add_test(tc, photofix_continues_the_wall_beside_a_tight_crop_downward);
  tcase_add_test(tc, photofix_continues_a_collar_past_the_photo_side);
  tcase_add_test(tc, photofix_cuts_a_door_beside_the_head_out);
  tcase_add_test(tc, photofix_drops_the_room_wall_between_door_and_face);
  tcase_add_test(tc, photofix_leaves_the_room_out_of_the_sure_torso);
  tcase_add_test(tc, photofix_drops_a_rooms_straight_lines);
  tcase_add_test(tc, photofix_unmixes_against_the_rooms_own_colours);
  tcase_add_test(tc, photofix_leaves_no_hole_in_the_cheek);
  tcase_add_test(tc, photofix_takes_no_wall_for_a_person_colour);
  suite_add_tcase(s, tc);
  return s;
}

/* The photofix geometry: the similarity transform (scale, roll, shift) that
 * puts the head where the profile wants it.
 *
 * The ranges of a profile leave slack (chsi: eye line anywhere in 200..300
 * px). The solver scores placements by their distance from the middle of
 * every range and by how far the canvas runs past the photo, and searches a
 * grid over scale, eye height and horizontal offset: a small, bounded space
 * (a few thousand cheap evaluations) where a closed form would have to
 * special-case every combination of active constraints. */
#include "fix_priv.h"

#include <math.h>
#include <string.h>

#define STEPS_S 28
#define STEPS_Y 28
#define STEPS_X 9
/* Overflow (output px) costs this much per px squared against a
 * deviation of a whole half-range; so the canvas stays inside the photo
 * whenever the ranges allow it. */
#define OVER_WEIGHT 4.0

/* The head in the levelled frame of the eyes: offsets from the eye
 * midpoint along the eye line (a) and across it (b, down positive). */
typedef struct head {
  double mx, my, theta;
  double b_crown, b_chin, a_face, face_w;
} head;

/* A range scaled to output px; `set` is 0 for an unset range. */
typedef struct span {
  double lo, hi;
  int set;
} span;

/* The solver aims inside the inner 80% of each range: the check measures
 * again on the output, and a placement on the very edge of a range fails
 * on a pixel of measuring noise. */
#define INNER 0.10

static span span_of(pst_range r, double size, double inner) {
  double m = inner * (r.max - r.min) * size;
  span s = {r.min * size + m, r.max * size - m, r.max > 0};
  return s;
}

static double mid(span s) { return 0.5 * (s.lo + s.hi); }

/* Squared deviation from the middle in half-ranges; > 1 means outside. */
static double dev2(span s, double v) {
  double h = 0.5 * (s.hi - s.lo);
  double d;
  if (!s.set) return 0;
  d = (v - mid(s)) / (h > 1e-9 ? h : 1e-9);
  return d * d;
}

static int inside(span s, double v) {
  return !s.set || (v >= s.lo - 1e-6 && v <= s.hi + 1e-6);
}

static head head_of(const pst__landmarks *lm) {
  head h;
  double ca, sa;
  h.mx = 0.5 * (lm->eye_l.x + lm->eye_r.x);
  h.my = 0.5 * (lm->eye_l.y + lm->eye_r.y);
  h.theta = atan2(lm->eye_r.y - lm->eye_l.y, lm->eye_r.x - lm->eye_l.x);
  ca = cos(h.theta), sa = sin(h.theta);
  h.b_crown = -sa * (lm->crown.x - h.mx) + ca * (lm->crown.y - h.my);
  h.b_chin = -sa * (lm->chin.x - h.mx) + ca * (lm->chin.y - h.my);
  /* The face centre is a horizontal position in the input; project the
   * point on the eye line's height. */
  h.a_face = ca * (lm->face_cx - h.mx);
  h.face_w = lm->face_w;
  return h;
}

pst_point pst__xform_apply(const pst__xform *x, double u, double v) {
  double ca = cos(x->theta), sa = sin(x->theta);
  double a = (u - x->xe) / x->s, b = (v - x->ye) / x->s;
  pst_point p = {x->mx + a * ca - b * sa, x->my + a * sa + b * ca};
  return p;
}

pst_point pst__xform_inverse(const pst__xform *x, pst_point p) {
  double ca = cos(x->theta), sa = sin(x->theta);
  double dx = p.x - x->mx, dy = p.y - x->my;
  pst_point q = {x->xe + x->s * (ca * dx + sa * dy),
                 x->ye + x->s * (-sa * dx + ca * dy)};
  return q;
}

/* How far the canvas's corners fall outside the photo, in output px. */
static void overflow(pst__xform *x, int img_w, int img_h) {
  const double cu[4] = {0, x->out_w, 0, x->out_w};
  const double cv[4] = {0, 0, x->out_h, x->out_h};
  x->over_top = x->over_bottom = x->over_left = x->over_right = 0;
  for (int i = 0; i < 4; i++) {
    pst_point p = pst__xform_apply(x, cu[i], cv[i]);
    x->over_left = PST_MAX(x->over_left, -p.x * x->s);
    x->over_top = PST_MAX(x->over_top, -p.y * x->s);
    x->over_right = PST_MAX(x->over_right, (p.x - img_w) * x->s);
    x->over_bottom = PST_MAX(x->over_bottom, (p.y - img_h) * x->s);
  }
}

static int over_allowed(const pst__xform *x) {
  return x->over_top <= PST__EXT_TOP * x->out_h &&
         x->over_bottom <= PST__EXT_BOTTOM * x->out_h &&
         x->over_left <= PST__EXT_SIDE * x->out_w &&
         x->over_right <= PST__EXT_SIDE * x->out_w;
}

static double over_cost(const pst__xform *x) {
  double t = x->over_top, b = x->over_bottom;
  double l = x->over_left, r = x->over_right;
  /* Above the head the extension is plain wall (invisible once the
   * background is painted); below, reflected cloth, which shows. */
  return OVER_WEIGHT * (t * t + 10 * b * b + 2 * (l * l + r * r));
}

typedef struct ranges {
  span crown, eye, fw, hh, cx;
} ranges;

static ranges ranges_of(const pst_profile *p, int w, int h, double inner) {
  ranges r;
  r.crown = span_of(p->crown, h, inner);
  r.eye = span_of(p->eye_line, h, inner);
  r.fw = span_of(p->face_width, w, inner);
  r.hh = span_of(p->head_height, h, inner);
  /* The centre is free of the other ranges: it always keeps a margin. */
  r.cx.lo = w * (0.5 - (1 - 2 * PST_MAX(inner, 0.2)) * p->center_tol);
  r.cx.hi = w * (0.5 + (1 - 2 * PST_MAX(inner, 0.2)) * p->center_tol);
  r.cx.set = 1;
  return r;
}

/* Score of a placement, or HUGE_VAL when a range is missed. */
static double score(const ranges *r, const head *hd, const pst__xform *x) {
  double crown = x->ye + x->s * hd->b_crown;
  double hh = x->s * (hd->b_chin - hd->b_crown);
  double cx = x->xe + x->s * hd->a_face;
  double fw = x->s * hd->face_w;
  if (!inside(r->crown, crown) || !inside(r->eye, x->ye) ||
      !inside(r->fw, fw) || !inside(r->hh, hh) || !inside(r->cx, cx))
    return HUGE_VAL;
  return dev2(r->crown, crown) + dev2(r->eye, x->ye) + dev2(r->fw, fw) +
         dev2(r->hh, hh) + dev2(r->cx, cx) + over_cost(x);
}

/* The scales that meet the face-width, head-height and crown-to-eye
 * ranges, as an interval; empty (lo > hi) when none does. */
static void scale_interval(const ranges *r, const head *hd, double *lo,
                           double *hi) {
  double ce = -hd->b_crown, hh = hd->b_chin - hd->b_crown;
  *lo = 1e-6;
  *hi = 1e6;
  if (r->fw.set && hd->face_w > 0) {
    *lo = PST_MAX(*lo, r->fw.lo / hd->face_w);
    *hi = PST_MIN(*hi, r->fw.hi / hd->face_w);
  }
  if (r->hh.set && hh > 0) {
    *lo = PST_MAX(*lo, r->hh.lo / hh);
    *hi = PST_MIN(*hi, r->hh.hi / hh);
  }
  if (r->crown.set && r->eye.set && ce > 0) {
    *lo = PST_MAX(*lo, (r->eye.lo - r->crown.hi) / ce);
    *hi = PST_MIN(*hi, (r->eye.hi - r->crown.lo) / ce);
  }
}

static span eye_span(const ranges *r, int h) {
  span s = r->eye;
  if (!s.set) s.lo = 0.2 * h, s.hi = 0.6 * h, s.set = 0;
  return s;
}

static pst__geo_status solve(const pst__landmarks *lm, const pst_profile *prof,
                             int out_w, int out_h, int img_w, int img_h,
                             double inner, pst__xform *out) {
  head hd = head_of(lm);
  ranges r = ranges_of(prof, out_w, out_h, inner);
  span ey = eye_span(&r, out_h);
  double slo, shi, best = HUGE_VAL;
  pst__xform x, bx;
  memset(&x, 0, sizeof x);
  x.theta = hd.theta, x.mx = hd.mx, x.my = hd.my;
  x.out_w = out_w, x.out_h = out_h;
  bx = x;
  scale_interval(&r, &hd, &slo, &shi);
  if (slo > PST__MAX_UPSCALE) return PST__GEO_SMALL;
  shi = PST_MIN(shi, PST__MAX_UPSCALE);
  if (slo > shi) return PST__GEO_FIT;
  for (int i = 0; i < STEPS_S; i++) {
    x.s = slo + (shi - slo) * i / (STEPS_S - 1);
    for (int j = 0; j < STEPS_Y; j++) {
      x.ye = ey.lo + (ey.hi - ey.lo) * j / (STEPS_Y - 1);
      for (int k = 0; k < STEPS_X; k++) {
        double cx = r.cx.lo + (r.cx.hi - r.cx.lo) * k / (STEPS_X - 1);
        double sc;
        x.xe = cx - x.s * hd.a_face;
        overflow(&x, img_w, img_h);
        if (!over_allowed(&x)) continue;
        sc = score(&r, &hd, &x);
        if (sc < best) best = sc, bx = x;
      }
    }
  }
  if (best == HUGE_VAL) return PST__GEO_FIT;
  *out = bx;
  return PST__GEO_OK;
}

/* Aim inside the inner part of the ranges where the head allows it, and
 * use the whole ranges only where it does not. */
pst__geo_status pst__geometry_solve(const pst__landmarks *lm,
                                    const pst_profile *prof, int out_w,
                                    int out_h, int img_w, int img_h,
                                    pst__xform *out) {
  /* Shrinking the margin step by step rather than dropping it at once: a
   * head whose hair only just fits (crown-to-eyes near the ranges' limit)
   * still keeps a few px from both edges instead of landing on one. */
  static const double inner[] = {INNER, 0.06, 0.03, 0.0};
  pst__geo_status st = PST__GEO_FIT;
  for (size_t i = 0; i < sizeof inner / sizeof *inner; i++) {
    st = solve(lm, prof, out_w, out_h, img_w, img_h, inner[i], out);
    if (st == PST__GEO_OK) return st;
  }
  return st;
}

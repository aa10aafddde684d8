/* The content checks of SPEC §3: what the photo shows. They share one
 * analysis of the decoded picture (lib/analyze.c), made by face.count; every
 * later check needs exactly one face and only reads the measures. Geometry
 * is reported in px when the profile has an exact size, else in % of the
 * image's width or height; the thresholds come from the profile. */
#include "check_priv.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* A length of the image (px) as shown for this profile: px for an exact
 * size, else % of `dim`. */
static double shown(const pst__check_ctx *c, double px, int dim) {
  if (c->prof->exact_size) return round(px);
  return round(1000.0 * px / dim) / 10;
}

/* Pupils this far apart (px of the analysed picture) or more are found
 * to within 5% of their distance: the London/Canada photos decoded at 1/2
 * (117 px apart on average) 60/60; at 1/4 (59 px) two of 60 miss, both
 * about 50 px apart (8% and 18%); at 1/8 (29 px) 16 miss. */
#define MIN_EYE_DIST 60.0

/* The file's size in px (the decoded picture may be DCT-scaled). */
static int width_of(const pst__check_ctx *c) { return c->r->info.width; }
static int height_of(const pst__check_ctx *c) { return c->r->info.height; }

static const char *unit_of(const pst__check_ctx *c) {
  return c->prof->exact_size ? "px" : "%";
}

/* The profile range `r` (fractions of `dim`) as text in the shown unit. */
static void range_text(const pst__check_ctx *c, pst_range r, int dim, char *s,
                       size_t n) {
  if (c->prof->exact_size)
    snprintf(s, n, "%g\u2013%g", round(r.min * dim), round(r.max * dim));
  else
    snprintf(s, n, "%g\u2013%g%%", round(r.min * 1000) / 10,
             round(r.max * 1000) / 10);
}

/* Judge `px` against the fractions `r` of `dim`: "low" below, "high" above. */
static void judge_range(pst__check_ctx *c, pst__finding_rec *f, double px,
                        pst_range r, int dim, const char *below,
                        const char *above) {
  char v[32];
  pst__msg_args a = {.v = v};
  double val = shown(c, px, dim);
  range_text(c, r, dim, f->expected, sizeof f->expected);
  snprintf(v, sizeof v, "%g%s", val, c->prof->exact_size ? " px" : "%");
  pst__check_value(f, val, unit_of(c));
  if (r.max <= 0)
    pst__check_finish(c, f, PST_SKIP, "off", &a);
  else if (px < r.min * dim - 1e-9)
    pst__check_finish(c, f, PST_FAIL, below, &a);
  else if (px > r.max * dim + 1e-9)
    pst__check_finish(c, f, PST_FAIL, above, &a);
  else
    pst__check_finish(c, f, PST_PASS, "pass", &a);
}

/* The DCT scale 1/d jpeg.decode read the picture at (libjpeg rounds the
 * scaled size up). */
static int denom_of(const pst__check_ctx *c, const pst_image *img) {
  for (int d = 1; d < 8; d *= 2)
    if ((width_of(c) + d - 1) / d == img->width) return d;
  return 8;
}

static double eye_distance(const pst__analysis *an) {
  return hypot(an->eye[1].x - an->eye[0].x, an->eye[1].y - an->eye[0].y);
}

/* The analysis of jpeg.decode's picture, which is DCT-scaled so that its
 * short side stays at least PST__ANALYSIS_SIDE (a 12 MP phone photo is read
 * at 1/4, a 480x640 file whole). A face small in the frame is measured
 * again from a finer decode: the pupil search needs MIN_EYE_DIST px between
 * the pupils. The measures are stated in the file's pixels. */
static pst_err analyze(pst__check_ctx *c) {
  const pst_image *img = c->img;
  pst_image *finer = NULL;
  pst_err err = pst__analyze(img, &c->an);
  int d = denom_of(c, img), nd = d;
  double ipd = eye_distance(&c->an);
  while (nd > 1 && ipd * d / nd < MIN_EYE_DIST) nd /= 2;
  if (!err && c->an.found && nd != d) {
    pst_info info;
    pst__analysis an;
    /* The file decoded once already: a failure here keeps the first
     * analysis. */
    if (pst__jpeg_decode(c->buf, c->len, c->lim, nd, &finer, &info, NULL) ==
            PST_OK &&
        (err = pst__analyze(finer, &an)) == PST_OK && an.found) {
      c->an = an;
      img = finer;
    }
  }
  if (!err)
    pst__analysis_scale(&c->an, (double)width_of(c) / img->width,
                        (double)height_of(c) / img->height);
  pst_image_destroy(finer);
  return err;
}

void pst__check_face_count(pst__check_ctx *c, pst__finding_rec *f) {
  const pst__analysis *an = &c->an;
  char v[16];
  pst__msg_args a = {.v = v};
  pst_err err = analyze(c);
  if (err && !c->err) c->err = err;
  c->analyzed = !err;
  snprintf(f->expected, sizeof f->expected, "1");
  snprintf(v, sizeof v, "%d", an->nfaces);
  pst__check_value(f, an->nfaces, "");
  if (!err && an->found) {
    c->r->has_face = 1;
    c->r->face = an->face;
    c->r->eyes[0] = an->eye[0];
    c->r->eyes[1] = an->eye[1];
  }
  if (an->nfaces == 0 || (an->nfaces == 1 && !an->found))
    pst__check_finish(c, f, PST_FAIL, "none", &a);
  else if (an->nfaces > 1)
    pst__check_finish(c, f, PST_FAIL, "many", &a);
  else
    pst__check_finish(c, f, PST_PASS, "pass", &a);
}

void pst__check_face_width(pst__check_ctx *c, pst__finding_rec *f) {
  judge_range(c, f, c->an.face_width, c->prof->face_width, width_of(c), "small",
              "large");
}

void pst__check_face_center(pst__check_ctx *c, pst__finding_rec *f) {
  double w = width_of(c), tol = c->prof->center_tol;
  pst_range r = {0.5 - tol, 0.5 + tol};
  if (tol <= 0) r.max = 0;
  /* "left": the face sits left of the middle. */
  judge_range(c, f, c->an.face_cx, r, (int)w, "left", "right");
}

void pst__check_head_crown(pst__check_ctx *c, pst__finding_rec *f) {
  judge_range(c, f, c->an.crown, c->prof->crown, height_of(c), "high", "low");
}

void pst__check_eyes_line(pst__check_ctx *c, pst__finding_rec *f) {
  judge_range(c, f, c->an.eye_y, c->prof->eye_line, height_of(c), "high",
              "low");
}

void pst__check_eyes_level(pst__check_ctx *c, pst__finding_rec *f) {
  double roll = round(fabs(c->an.roll_deg) * 10) / 10;
  char v[16];
  pst__msg_args a = {.v = v};
  snprintf(v, sizeof v, "%g", roll);
  snprintf(f->expected, sizeof f->expected, "<= %g", c->prof->max_roll_deg);
  pst__check_value(f, roll, "deg");
  if (c->prof->max_roll_deg <= 0)
    pst__check_finish(c, f, PST_SKIP, "off", &a);
  else if (fabs(c->an.roll_deg) > c->prof->max_roll_deg)
    pst__check_finish(c, f, PST_FAIL, "tilted", &a);
  else
    pst__check_finish(c, f, PST_PASS, "pass", &a);
}

/* Colour judgements mean nothing on a grey picture: image.color names it. */
static int grey_picture(pst__check_ctx *c, pst__finding_rec *f) {
  if (pst__check_status(c, "image.color") != PST_FAIL) return 0;
  pst__msg_args a = {.x = "image.color"};
  pst__check_finish(c, f, PST_SKIP, "skip", &a);
  return 1;
}

static int hue_in(double h, pst_range r) {
  if (r.max <= 0) return 1;
  return r.min <= r.max ? h >= r.min && h <= r.max : h >= r.min || h <= r.max;
}

static const char *bg_color_key(const pst_profile *p, const pst__analysis *an) {
  double l = an->bg_lab[0], ch = an->bg_chroma;
  if (p->bg_chroma.max > 0 && ch < p->bg_chroma.min) return "grey";
  if (!hue_in(an->bg_hue, p->bg_hue)) return "hue";
  if (p->bg_lightness.max > 0 && l < p->bg_lightness.min) return "dark";
  if (p->bg_lightness.max > 0 && l > p->bg_lightness.max) return "light";
  if (p->bg_chroma.max > 0 && ch > p->bg_chroma.max) return "vivid";
  return "pass";
}

void pst__check_bg_color(pst__check_ctx *c, pst__finding_rec *f) {
  const pst_profile *p = c->prof;
  const pst__analysis *an = &c->an;
  char v[64], x[32];
  pst__msg_args a = {.v = v, .x = x};
  const char *key;
  if (grey_picture(c, f)) return;
  snprintf(x, sizeof x, "#%02X%02X%02X", p->bg_rgb.r, p->bg_rgb.g, p->bg_rgb.b);
  snprintf(v, sizeof v, "hue %.0f\u00b0, L* %.0f, C* %.0f", an->bg_hue,
           an->bg_lab[0], an->bg_chroma);
  if (p->bg_hue.max > 0) {
    snprintf(f->expected, sizeof f->expected, "hue %g\u2013%g", p->bg_hue.min,
             p->bg_hue.max);
    pst__check_value(f, round(an->bg_hue), "deg");
  } else {
    snprintf(f->expected, sizeof f->expected, "L* %g\u2013%g",
             p->bg_lightness.min, p->bg_lightness.max);
    pst__check_value(f, round(an->bg_lab[0]), "L*");
  }
  if (an->bg_cells == 0) {
    pst__check_finish(c, f, PST_SKIP, "nobg", &a);
    return;
  }
  key = bg_color_key(p, an);
  pst__check_finish(c, f, strcmp(key, "pass") ? PST_FAIL : PST_PASS, key, &a);
}

void pst__check_bg_uniform(pst__check_ctx *c, pst__finding_rec *f) {
  const pst_profile *p = c->prof;
  const pst__analysis *an = &c->an;
  char v[32], x[32];
  pst__msg_args a = {.v = v, .x = x};
  double u = round(PST_MAX(an->bg_unevenness, an->bg_shadow_de) * 10) / 10;
  snprintf(v, sizeof v, "%g", u);
  snprintf(x, sizeof x, "%.1f%%", an->bg_objects);
  snprintf(f->expected, sizeof f->expected, "<= %g", p->bg_max_unevenness);
  pst__check_value(f, u, "dE");
  if (an->bg_cells == 0)
    pst__check_finish(c, f, PST_SKIP, "nobg", &a);
  else if (p->bg_max_unevenness > 0 && an->bg_unevenness > p->bg_max_unevenness)
    pst__check_finish(c, f, PST_FAIL, "uneven", &a);
  else if (p->bg_max_shadow > 0 && an->bg_shadow_de > p->bg_max_shadow)
    pst__check_finish(c, f, PST_FAIL, "shadow", &a);
  else if (p->bg_max_texture > 0 && an->bg_texture > p->bg_max_texture)
    pst__check_finish(c, f, PST_FAIL, "texture", &a);
  else if (p->bg_max_objects > 0 && an->bg_objects > p->bg_max_objects &&
           /* Blur smooths hair into patches as flat as paint: only
            * image.sharpness can speak for a blurred photo. */
           (p->min_sharpness <= 0 || an->sharpness >= p->min_sharpness))
    pst__check_finish(c, f, PST_FAIL, "objects", &a);
  else
    pst__check_finish(c, f, PST_PASS, "pass", &a);
}

void pst__check_exposure(pst__check_ctx *c, pst__finding_rec *f) {
  const pst_profile *p = c->prof;
  const pst__analysis *an = &c->an;
  double l = round(an->face_lab[0] * 10) / 10;
  char v[32], x[32];
  pst__msg_args a = {.v = v, .x = x};
  snprintf(v, sizeof v, "%g", l);
  snprintf(x, sizeof x, "%.0f%%", 100 * an->face_clipped);
  snprintf(f->expected, sizeof f->expected, "L* %g\u2013%g",
           p->face_lightness.min, p->face_lightness.max);
  pst__check_value(f, l, "L*");
  /* Dark skin is not under-exposure: the whites of the eyes tell them
   * apart (notes/content.md), in a sharp picture only: blur smears them
   * into the lids, and image.sharpness reports that. */
  if ((p->face_lightness.max > 0 && an->face_lab[0] < p->face_lightness.min) ||
      (p->min_eye_white > 0 && an->eye_hi < p->min_eye_white &&
       an->sharpness >= p->min_sharpness))
    pst__check_finish(c, f, PST_FAIL, "dark", &a);
  else if (p->face_max_clipped > 0 && an->face_clipped > p->face_max_clipped)
    pst__check_finish(c, f, PST_FAIL, "clipped", &a);
  else if (p->face_lightness.max > 0 && an->face_lab[0] > p->face_lightness.max)
    pst__check_finish(c, f, PST_FAIL, "bright", &a);
  else
    pst__check_finish(c, f, PST_PASS, "pass", &a);
}

void pst__check_lighting(pst__check_ctx *c, pst__finding_rec *f) {
  double d = round(fabs(c->an.face_sidediff) * 10) / 10;
  char v[32];
  pst__msg_args a = {.v = v,
                     .x = c->an.face_sidediff > 0 ? "right" : "left",
                     .x_zh = c->an.face_sidediff > 0 ? "右" : "左"};
  snprintf(v, sizeof v, "%g", d);
  snprintf(f->expected, sizeof f->expected, "<= %g",
           c->prof->face_max_sidediff);
  pst__check_value(f, d, "L*");
  if (c->prof->face_max_sidediff <= 0)
    pst__check_finish(c, f, PST_SKIP, "off", &a);
  else if (d > c->prof->face_max_sidediff)
    pst__check_finish(c, f, PST_WARN, "uneven", &a);
  else
    pst__check_finish(c, f, PST_PASS, "pass", &a);
}

void pst__check_sharpness(pst__check_ctx *c, pst__finding_rec *f) {
  double s = round(c->an.sharpness * 10) / 10;
  char v[32];
  pst__msg_args a = {.v = v};
  snprintf(v, sizeof v, "%g", s);
  snprintf(f->expected, sizeof f->expected, ">= %g", c->prof->min_sharpness);
  pst__check_value(f, s, "");
  if (c->prof->min_sharpness <= 0)
    pst__check_finish(c, f, PST_SKIP, "off", &a);
  else if (c->an.sharpness < c->prof->min_sharpness)
    pst__check_finish(c, f, PST_FAIL, "blurred", &a);
  else
    pst__check_finish(c, f, PST_PASS, "pass", &a);
}

void pst__check_face_color(pst__check_ctx *c, pst__finding_rec *f) {
  const pst_profile *p = c->prof;
  double fa = c->an.face_lab[1], fb = c->an.face_lab[2];
  char v[48];
  pst__msg_args a = {.v = v};
  if (grey_picture(c, f)) return;
  snprintf(v, sizeof v, "a* %.1f, b* %.1f", fa, fb);
  snprintf(f->expected, sizeof f->expected, "a* %g\u2013%g, b* %g\u2013%g",
           p->skin_a.min, p->skin_a.max, p->skin_b.min, p->skin_b.max);
  pst__check_value(f, round(hypot(fa, fb) * 10) / 10, "C*");
  if ((p->skin_a.max > 0 && (fa < p->skin_a.min || fa > p->skin_a.max)) ||
      (p->skin_b.max > 0 && (fb < p->skin_b.min || fb > p->skin_b.max)))
    pst__check_finish(c, f, PST_WARN, "cast", &a);
  else
    pst__check_finish(c, f, PST_PASS, "pass", &a);
}

void pst__check_clothing(pst__check_ctx *c, pst__finding_rec *f) {
  double d = round(c->an.cloth_de * 10) / 10;
  char v[32];
  pst__msg_args a = {.v = v};
  snprintf(v, sizeof v, "%g", d);
  snprintf(f->expected, sizeof f->expected, ">= %g", c->prof->clothing_min_de);
  if (!c->an.cloth_known || c->an.bg_cells == 0) {
    pst__check_finish(c, f, PST_SKIP, "unseen", &a);
    return;
  }
  pst__check_value(f, d, "dE");
  if (c->prof->clothing_min_de <= 0)
    pst__check_finish(c, f, PST_SKIP, "off", &a);
  else if (c->an.cloth_de < c->prof->clothing_min_de)
    pst__check_finish(c, f, PST_WARN, "similar", &a);
  else
    pst__check_finish(c, f, PST_PASS, "pass", &a);
}

/* Private to libphotostd: person/background segmentation and alpha matting.
 *
 * pst__segment cuts the person from the background GrabCut-style (Gaussian
 * mixture colour models seeded from the face and the image border, a shape
 * prior for the head and shoulders, a graph cut on the 8-connected grid) at a
 * reduced working resolution (<= 160 px), then works out a soft matte at the
 * output resolution in a narrow band around the cut's boundary from a local
 * two-colour model in linear light (alpha = position of the pixel on the line
 * from the local wall colour to a local person colour the pixel lines up
 * with), smoothed by a confidence-weighted local linear fit of alpha to the
 * colour (guided-filter style) over the band's pixels. Without an output
 * size (the fast check) the cut is coarser and cheaper (<= 96 px, 3
 * colour components, one pass, 4-connected) and only its labels come back.
 * pst__composite puts the person on a new background and removes the old
 * background's contribution from the edge pixels.
 *
 * All functions are safe to call from any thread: they keep no state between
 * calls and allocate their work buffers per call. */
#ifndef PST_SEGMENT_H
#define PST_SEGMENT_H

#include "internal.h"

#include <stdint.h>

typedef struct pst__seg_input {
  const pst_image *img;   /* RGB8, any size */
  pst_rect face;          /* face box in img coordinates */
  pst_point eye_l, eye_r; /* pupils in img coordinates */
  double crown_y;         /* top of hair in img coords, or -1 if unknown */
  int work_max;     /* longest side of the working resolution: ~128 for a fast
                       check, ~400 for photofix; 0: 128. Never above the image. */
  int out_w, out_h; /* resolution of the returned alpha (0,0: the working
                       resolution); the same frame as img, rescaled */
  /* Where img comes from the photo: columns real_x0..real_x1 - 1 (0, 0:
   * all), rows above real_h (0: all). Past them photofix continued the
   * cloth (resample.c), and the silhouette is continued the same way. */
  int real_x0, real_x1, real_h;
  /* img-sized, nonzero where the cut must take wall (objects a first cut
   * kept, found by the check in its output), or NULL. */
  const uint8_t *wall_seed;
} pst__seg_input;

typedef struct pst__matte {
  int w, h;
  uint8_t *alpha; /* w*h: 255 person, 0 background, soft at the edge */
  /* Sides of the head (0-2) where the wall is a room's rather than a plain
   * wall: its line spreads more than ROOM_SD (segment.c). Photofix's cut
   * only; 0 for the fast check's. */
  int busy;
} pst__matte;

/* Segment the person described by in->face and the eyes. On success
 * out->alpha is malloc'd (free with pst__matte_free); on failure out is
 * zeroed. Errors: PST_ERR_ARG (NULL or empty image, face box not meeting the
 * image, bad sizes), PST_ERR_LIMIT (out_w*out_h above 64 Mpx), PST_ERR_NOMEM.
 * A face box partly outside the image is clipped, not refused. */
pst_err pst__segment(const pst__seg_input *in, pst__matte *out) PST_HIDDEN;
void pst__matte_free(pst__matte *m) PST_HIDDEN;

/* ---- matte.c ---- */

/* Put `fg` on the plain colour `bg` through matte `m` (same size as fg) into
 * *out (a new image). Edge pixels are decontaminated: the old background's
 * colour B, estimated from nearby pixels of alpha 0, is taken out
 * (F = (I - (1-a)B)/a) before the new one is blended in, so no fringe of the
 * old wall survives; both steps in linear light, where a photo's edge pixels
 * are blends (the alpha is physical coverage). Errors: PST_ERR_ARG (sizes
 * differ), PST_ERR_NOMEM. */
pst_err pst__composite(const pst_image *fg, const pst__matte *m, pst_rgb bg,
                       pst_image **out) PST_HIDDEN;

/* The same in place. */
pst_err pst__decontaminate(pst_image *img, const pst__matte *m,
                           pst_rgb new_bg) PST_HIDDEN;

/* Refine a soft matte in its uncertain zone: in each (2r+1)^2 window
 * holding a pixel with zw > 0, the weighted least-squares fit of alpha as a
 * linear function of the colour in linear light (ridge eps on the slope;
 * weight zw, or `solid` where zw is 0), the colour-line model of closed-form
 * matting; each zone pixel takes the mean of its windows' fits at its own
 * colour, as the guided filter does. Pixels with zw == 0 keep their alpha.
 * rgb is RGB8 and alpha 8-bit, both w x h. PST_ERR_NOMEM or PST_OK. */
pst_err pst__refine_alpha(const uint8_t *rgb, int w, int h, const float *zw,
                          float solid, int r, float eps,
                          uint8_t *alpha) PST_HIDDEN;

/* Local colours at each pixel of an RGB8 image (w x h) with alpha: F the
 * mean of nearby sure-person pixels (alpha >= 247), B of nearby
 * sure-background ones (alpha <= 8), in a (2r+1)^2 window widened where it
 * holds none (then the global mean; 0 when the image has none at all).
 * F and B are 3 floats per pixel, 0..255; either may be NULL. */
pst_err pst__estimate_fb(const uint8_t *rgb, const uint8_t *alpha, int w, int h,
                         int r, float *F, float *B) PST_HIDDEN;

/* Box mean of `src` (w x h, `ch` interleaved channels) over a (2r+1)^2
 * window clipped at the border, into dst (which may be src). */
pst_err pst__box_mean(const float *src, int w, int h, int ch, int r,
                      float *dst) PST_HIDDEN;

#endif

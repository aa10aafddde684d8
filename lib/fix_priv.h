/* Private to photofix: the geometry solver (geometry.c), the resampler
 * (resample.c), the print sheet (sheet.c) and the pipeline (fix.c). */
#ifndef PST_FIX_PRIV_H
#define PST_FIX_PRIV_H

#include "internal.h"

/* What the pipeline measured on the input (full-resolution input pixels,
 * after EXIF orientation). Filled from face/eye detection and the head
 * measures; the solver needs nothing else. */
typedef struct pst__landmarks {
  pst_point eye_l, eye_r; /* pupil centres, left and right in the image */
  pst_point crown;        /* top of the hair above the eyes */
  pst_point chin;         /* bottom of the chin */
  double face_w;          /* cheek to cheek, px */
  double face_cx;         /* horizontal centre of the face, px */
} pst__landmarks;

/* Similarity transform from output pixels to input pixels:
 *   in = m + ((u - xe) / s) * ex + ((v - ye) / s) * ey
 * with ex = (cos t, sin t), ey = (-sin t, cos t); (u, v) continuous output
 * coordinates (pixel centres at +0.5), `in` continuous input coordinates. */
typedef struct pst__xform {
  double s;      /* output px per input px */
  double theta;  /* radians: the eye line's slope in the input (y down) */
  double mx, my; /* eye midpoint in the input */
  double xe, ye; /* where the eye midpoint lands in the output */
  int out_w, out_h;
  /* How far the canvas runs past the photo, in output px (0: inside). The
   * resampler continues the photo there (resample.c). */
  double over_top, over_bottom, over_left, over_right;
  /* Above the photo there is only wall: with top_fill set the resampler
   * paints top_rgb there instead of reflecting (which would mirror the
   * hair). */
  int top_fill;
  pst_rgb top_rgb;
} pst__xform;

/* Outcome of the solver. */
typedef enum pst__geo_status {
  PST__GEO_OK = 0,
  PST__GEO_SMALL, /* the face would be upscaled more than 1.5x */
  PST__GEO_FIT,   /* no placement inside the ranges fits, even extended */
} pst__geo_status;

/* Largest upscale of the input allowed (issue 4: face.small). */
#define PST__MAX_UPSCALE 1.5
/* How far the canvas may run past the photo (fractions of the canvas):
 * the bottom (shoulders continued), the sides, the top. */
#define PST__EXT_BOTTOM 0.20
#define PST__EXT_SIDE 0.12
#define PST__EXT_TOP 0.10

/* Solve the transform that puts crown, eye line, face width and face centre
 * in the middle of the profile's ranges for an out_w x out_h canvas, using
 * the slack in the ranges to keep the canvas inside the img_w x img_h photo.
 */
pst__geo_status pst__geometry_solve(const pst__landmarks *lm,
                                    const pst_profile *prof, int out_w,
                                    int out_h, int img_w, int img_h,
                                    pst__xform *out) PST_HIDDEN;
/* Map output point (u, v) to the input. */
pst_point pst__xform_apply(const pst__xform *x, double u, double v) PST_HIDDEN;
/* Map input point p to the output. */
pst_point pst__xform_inverse(const pst__xform *x, pst_point p) PST_HIDDEN;

/* Warp `src` (an image of the input decoded at `ratio` decoded px per input
 * px) into a new out_w x out_h image through `x`, with an area filter when
 * shrinking (no aliasing) and bicubic when enlarging. Outside the photo the
 * image is reflected at its edge. */
pst_err pst__warp_rgb(const pst_image *src, double ratio, const pst__xform *x,
                      pst_image **out) PST_HIDDEN;
/* Where the canvas shows the photo itself: columns x0..x1 - 1, rows
 * 0..y1 - 1 (the filter's reach inside the edge counted out). Above the
 * photo there is only wall. */
void pst__real_area(const pst__xform *x, int *x0, int *x1, int *y1) PST_HIDDEN;
/* Warp the rest of the canvas again into out (out_w x out_h, from
 * pst__warp_rgb) as the output shows it: past the sides the photo is
 * continued row by row (reflected, a shoulder falling to the edge would
 * come back up: a V notch), and below it the neckline of a tight crop is
 * closed by the clothing beside it rather than run down as stripes.
 * pst__warp_rgb's reflected sides and plain continuation below are what
 * the segmenter's colour models learn from. */
pst_err pst__warp_made_up(const pst_image *src, double ratio,
                          const pst__xform *x, pst_image *out) PST_HIDDEN;
/* The same for one 8-bit plane, into a malloc'd out_w*out_h buffer. */
pst_err pst__warp_plane(const pst_plane *src, double ratio, const pst__xform *x,
                        uint8_t **out) PST_HIDDEN;

/* Lay out the print sheet (1800x1200, 300 dpi) from an output photo. */
pst_err pst__sheet_render(const pst_image *photo, pst_image **out) PST_HIDDEN;
/* Sheet geometry, for the tests: copy i (0..11) as a rectangle on the
 * sheet; `rotated` is 1 when the copy is turned a quarter turn. */
int pst__sheet_slot(int i, pst_rect *r, int *rotated) PST_HIDDEN;
#define PST__SHEET_W 1800
#define PST__SHEET_H 1200
#define PST__SHEET_COPIES 12

#endif

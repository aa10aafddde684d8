/* Private to libphotostd: the Viola-Jones face and eye detector.
 *
 * The trained cascades come from Debian's opencv-data and are turned into the
 * tables below at build time by tools/cascade2c (build/gen/cascades.c). All
 * functions are safe to call from any thread: they keep no state between
 * calls and allocate their work buffers per call. */
#ifndef PST_FACE_H
#define PST_FACE_H

#include "internal.h"

#include <stdint.h>

/* ---- cascade tables (generated) ---- */
typedef struct pst__haar_rect {
  uint8_t x, y, w, h;
  float weight;
} pst__haar_rect;

typedef struct pst__haar_feature {
  pst__haar_rect r[3];
  int nrects;
} pst__haar_feature;

/* One split of a weak tree. left/right > 0 index a node of the same tree;
 * <= 0 name leaf -left (resp. -right) of the tree, as in OpenCV's format. */
typedef struct pst__haar_node {
  int16_t left, right;
  uint16_t feature;
  float threshold;
} pst__haar_node;

typedef struct pst__haar_weak {
  uint32_t node0, leaf0; /* first node / leaf in the cascade's arrays */
  uint16_t nnodes;
} pst__haar_weak;

typedef struct pst__haar_stage {
  uint32_t weak0;
  uint16_t nweak;
  float threshold; /* the stage passes when the leaf sum >= threshold */
} pst__haar_stage;

typedef struct pst__cascade {
  const char *name;
  int width, height; /* training window */
  int nstages, nweak, nnodes, nleaves, nfeatures;
  const pst__haar_stage *stages;
  const pst__haar_weak *weak;
  const pst__haar_node *nodes;
  const float *leaves;
  const pst__haar_feature *features;
} pst__cascade;

extern const pst__cascade pst__cascade_frontalface_alt2 PST_HIDDEN;
extern const pst__cascade pst__cascade_eye PST_HIDDEN;

/* ---- integral images ---- */
/* (w+1)x(h+1) tables with a zero first row and column: sum[y][x] is the sum
 * of all pixels above and left of (x, y). */
typedef struct pst__integral {
  int w, h, stride; /* stride = w + 1 */
  uint32_t *sum;
  uint64_t *sqsum;
} pst__integral;

pst_err pst__integral_build(const pst_plane *p, pst__integral *out) PST_HIDDEN;
void pst__integral_free(pst__integral *ii) PST_HIDDEN;
/* Sum of the w x h rectangle at (x, y); the caller keeps it inside. */
uint64_t pst__integral_rect(const pst__integral *ii, int x, int y, int w,
                            int h) PST_HIDDEN;

/* ---- detection ---- */
typedef struct pst__detect_opts {
  int min_size;      /* smallest face side in px; 0: 1/8 of the short side */
  int max_size;      /* largest; 0: the short side */
  double scale;      /* pyramid factor, > 1; 0: 1.1 */
  int min_neighbors; /* raw hits a face needs; 0: 3 */
  int try_rotated;   /* when nothing is found upright, try +-15 and +-30 deg */
  int step;          /* window step on each pyramid level, px; 0: 2. 1 gives
                        about 4x the hits (small faces) at 4x the time */
  int threads;       /* pyramid levels scanned in parallel (1..4); 0: 2 */
  int first_min;     /* > min_size: scan sizes >= first_min first; smaller
                        ones only down to 1/3 of the strongest face found
                        (not overlapping it), or all when none was found.
                        0: off */
} pst__detect_opts;

typedef struct pst__face {
  pst_rect box;  /* axis-aligned, in the plane's coordinates */
  int neighbors; /* raw hits merged into it: the confidence */
  double angle;  /* degrees the face is rolled (0 when found upright) */
} pst__face;

/* Faces in `luma`, strongest first; at most max_out are written. Returns the
 * number found (may exceed max_out) or a negative pst_err. A much smaller
 * and much weaker hit beside a strong face is dropped (see face.c). */
int pst__detect_faces(const pst_plane *luma, const pst__detect_opts *o,
                      pst__face *out, int max_out) PST_HIDDEN;

/* Raw cascade run: every window of `c` that passes, before grouping, with
 * `step` px between windows on each pyramid level, `threads` (1..4) workers.
 * Returns the count or a negative pst_err; *out is malloc'd (caller frees). */
int pst__cascade_scan(const pst__cascade *c, const pst_plane *luma,
                      int min_size, int max_size, double scale, int step,
                      int threads, pst_rect **out) PST_HIDDEN;

/* As pst__cascade_scan on one thread, but only windows whose centre lies
 * in one of the `ncentres` (0..2, disjoint) rectangles of luma. */
int pst__cascade_scan_roi(const pst__cascade *c, const pst_plane *luma,
                          int min_size, int max_size, double scale, int step,
                          const pst_rect *centres, int ncentres,
                          pst_rect **out) PST_HIDDEN;

/* OpenCV-style grouping of raw hits: classes of similar rectangles (eps 0.2)
 * with more than min_neighbors members become one averaged rectangle; small
 * ones inside stronger ones are dropped. Returns the group count. */
int pst__group_rects(const pst_rect *in, int n, int min_neighbors,
                     pst__face *out, int max_out) PST_HIDDEN;

/* ---- eyes ---- */
typedef struct pst__eyes {
  pst_point left, right; /* pupil centres, left and right in the image */
  int estimated;         /* 1: the eye cascade missed; a geometric guess */
} pst__eyes;

/* Pupil centres of `face` (a box in luma's coordinates; luma may be a finer
 * plane than the one the face was found in). */
pst_err pst__detect_eyes(const pst_plane *luma, const pst__face *face,
                         pst__eyes *out) PST_HIDDEN;

/* ---- plane helpers ---- */
/* Bilinear resample of `src` to dw x dh into a new plane (caller frees). */
pst_err pst__plane_resize(const pst_plane *src, int dw, int dh,
                          pst_plane *out) PST_HIDDEN;

#endif

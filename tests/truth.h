/* Ground truth for the real portrait photos (London and Canada sets of the
 * Face Research Lab): the photo, its 189-point WebMorph landmarks, a keyed
 * alpha matte of the plain studio background, and the CHSI geometry the
 * landmarks and the matte imply. Used by tests/mkcompliance.c and by the
 * matting evaluation. Not part of libphotostd. */
#ifndef PST_TRUTH_H
#define PST_TRUTH_H

#include "photostd.h"

#include <stddef.h>
#include <stdint.h>

#define TRUTH_NPTS 189
#define TRUTH_RES_CELL 32

/* Landmark indices of the 189-point London/Canada template (see
 * doc/notes/truth.md for how they were identified). */
enum {
  TRUTH_PUPIL_L = 0, /* left in the image */
  TRUTH_PUPIL_R = 1,
  TRUTH_CHIN = 129,    /* lowest point of the face outline */
  TRUTH_HEADTOP = 151, /* top of the skull outline, under the hair */
  TRUTH_NECK_L = 183,
  TRUTH_NECK_R = 184,
  TRUTH_CHEEK_L = 109, /* face outline at eye level, left and right */
  TRUTH_CHEEK_R = 112,
};

/* The face outline (cheek, jaw, chin, jaw, cheek), for the face width. */
extern const int truth_face_outline[];
extern const int truth_face_outline_n;

typedef struct truth_photo {
  pst_image *img; /* decoded at 1/denom */
  int w, h, denom;
  pst_point pt[TRUTH_NPTS]; /* in img pixel coordinates */
  float *alpha;             /* w*h in [0,1], after truth_matte */
  double bg[3][6];          /* background RGB: quadratic in (x/w, y/h) */
  double bg_sigma;          /* noise of the background around the model */
  float *bg_res;            /* the wall's departure from the quadratic (sRGB,
                               3 per cell of TRUTH_RES_CELL px) or NULL */
  int res_w, res_h;         /* cells across and down */
  int touches_top;          /* person pixels on the top border row */
} truth_photo;

/* Load `jpg` at scale 1/denom and its .tem `tem`. 0 on success, else -1
 * with a message in err. */
int truth_load(const char *jpg, const char *tem, int denom, truth_photo *p,
               char *err, size_t errlen);
/* Compute p->alpha by keying the plain background. 0 or -1 (no memory). */
int truth_matte(truth_photo *p);
void truth_free(truth_photo *p);

/* The background model's sRGB colour at image position (x, y): the
 * quadratic plus the cells' departure from it. */
void truth_bg_at(const truth_photo *p, double x, double y, double rgb[3]);

/* The person layer of a keyed photo, for compositing it onto new walls:
 * p->alpha is made physical in the edge band (hair strands get their
 * fractional coverage: the position of the pixel on the line from the wall
 * colour to the local person colour, in linear light) and *fg receives the
 * person colour F (w*h*3 linear floats, 0..1) with the old wall taken out
 * (I = aF + (1-a)B). Call after truth_matte. 0 or -1 (no memory). */
int truth_extract(truth_photo *p, float **fg);

enum {
  TRUTH_WALL_WHITE,
  TRUTH_WALL_BEIGE,
  TRUTH_WALL_GRADIENT,
  TRUTH_WALL_PLASTER,
  TRUTH_WALL_DARKBLUE,
  TRUTH_WALL_INDOOR,
  TRUTH_NWALLS
};
extern const char *const truth_wall_names[TRUTH_NWALLS];

/* The seed of the quality set's composite of photo `name` ("london_001_03")
 * on wall `kind` (tests/mkquality.c), so a test can make the same one. */
uint32_t truth_seed(const char *name, int kind);

/* Fill `o` (w*h*3 linear floats) with a synthetic wall of `kind`,
 * deterministic for a seed. 0 or -1 (no memory). */
int truth_wall(int kind, int w, int h, uint32_t seed, float *o);

/* sRGB8 composite a*F + (1-a)*wall in linear light, with a little sensor
 * noise on the wall part (deterministic for a seed). */
void truth_composite(const truth_photo *p, const float *fg, const float *wall,
                     uint32_t seed, uint8_t *rgb);

/* CHSI geometry of a head in some image. */
typedef struct truth_geom {
  double crown; /* first row of the hair (alpha) above the face, px */
  double eyes;  /* mean y of the pupils */
  double width; /* face outline extent along the eye line */
  double cx;    /* x of the face outline's centre on the eye line */
  double roll;  /* eye line angle, degrees, positive clockwise */
} truth_geom;

/* Geometry from landmarks `pt` and an alpha plane (w x h, may be NULL: then
 * crown is NAN). */
void truth_geometry(const pst_point *pt, const float *alpha, int w, int h,
                    truth_geom *g);

#endif

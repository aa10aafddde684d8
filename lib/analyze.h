/* Private to libphotostd: one analysis of a portrait for the content checks
 * (SPEC §3 face.count .. clothing.contrast). Computed once per image, on
 * reduced planes, and shared by every content check. */
#ifndef PST_ANALYZE_H
#define PST_ANALYZE_H

#include "internal.h"

/* Side of the square cells the appearance measures average over, in full
 * resolution pixels (the analysis works on a grid of cell means). */
#define PST__CELL 8

typedef struct pst__analysis {
  /* Faces. */
  int nfaces;       /* faces that count (SPEC: >= 1/3 the width of the first) */
  int found;        /* the first face was measured */
  pst_rect face;    /* detector box, full-resolution pixels */
  pst_point eye[2]; /* pupils, left and right in the image */
  int eyes_estimated;
  double roll_deg;   /* eye line angle, positive when the right eye is lower */
  double face_width; /* cheek to cheek, px */
  double face_cx;    /* horizontal centre of the face, px */
  double eye_y;      /* mean pupil height, px */
  double crown;      /* top of the hair, px from the top; 0 at the edge */
  int crown_found;   /* 0: estimated from the eyes (no clear background) */
  double chin;       /* px from the top */
  /* Background (pixels outside the person). */
  int bg_cells;
  double bg_lab[3], bg_hue, bg_chroma;
  double bg_unevenness; /* largest Delta E between background parts */
  double bg_texture;    /* median grey-level spread inside cells, L* units */
  double bg_shadow;     /* % of the picture that is shadow beside the head */
  double bg_shadow_de;  /* how much darker (L*) that shadow is; 0: none */
  double bg_objects;    /* % of the background's cells that are objects */
  /* Face core. */
  double face_lab[3];
  double face_clipped;  /* fraction */
  double face_hi;       /* L* of the brightest tenth of the face core */
  double eye_hi;        /* L* of the brightest 5% around the pupils */
  double face_sidediff; /* L* left minus right */
  double sharpness;
  /* Clothing. */
  int cloth_known;
  double cloth_de; /* Delta E of the region below the chin vs background */
} pst__analysis;

/* Analyse `img` (RGB, full resolution). A picture with no face is not an
 * error: out->nfaces is 0. PST_ERR_NOMEM or PST_ERR_ARG only. */
pst_err pst__analyze(const pst_image *img, pst__analysis *out) PST_HIDDEN;

/* The background's objects that background.uniform counts, as an
 * img-sized mask (1: object), for an analysis `a` of img that found the
 * face. photofix seeds them as wall and cuts again. */
pst_err pst__analysis_objects(const pst_image *img, const pst__analysis *a,
                              uint8_t **mask) PST_HIDDEN;

/* Positions and lengths of `a` multiplied by sx (across) and sy (down): the
 * analysis of a DCT-scaled decode stated in the file's own pixels. */
void pst__analysis_scale(pst__analysis *a, double sx, double sy) PST_HIDDEN;

/* sRGB 8-bit to CIELAB (D65). */
void pst__rgb_to_lab(double r, double g, double b, double lab[3]) PST_HIDDEN;
/* HSV hue of an sRGB colour, degrees 0..360. */
double pst__rgb_hue(double r, double g, double b) PST_HIDDEN;

#endif

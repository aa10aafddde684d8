/* Private to libphotostd: shared types and helpers between modules. */
#ifndef PST_INTERNAL_H
#define PST_INTERNAL_H

#define PST_BUILDING 1
#include "photostd.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>

#define PST_HIDDEN __attribute__((visibility("hidden")))
#define PST_UNUSED(x) ((void)(x))
#define PST_MIN(a, b) ((a) < (b) ? (a) : (b))
#define PST_MAX(a, b) ((a) > (b) ? (a) : (b))
#define PST_CLAMP(v, lo, hi) ((v) < (lo) ? (lo) : (v) > (hi) ? (hi) : (v))

/* ---- limits.c ---- */
struct pst_limits {
  uint64_t max_pixels;
  uint64_t max_file_bytes;
  int max_scans;
  int strict;
};
/* The defaults, for callers that pass NULL limits. */
const pst_limits *pst__limits_default(void) PST_HIDDEN;

/* ---- image.c ---- */
struct pst_image {
  int width, height;
  uint8_t *px; /* RGB8, stride width*3 */
};
pst_err pst__image_alloc(int width, int height, pst_image **out) PST_HIDDEN;

/* An 8-bit single-channel plane (luma), for detectors and measures. */
typedef struct pst_plane {
  int width, height, stride;
  uint8_t *data;
} pst_plane;
/* BT.601 luma of an RGB image; the caller frees plane->data. */
pst_err pst__image_luma(const pst_image *img, pst_plane *out) PST_HIDDEN;

/* ---- errinfo ---- */
/* Set `e` (may be NULL) to code and a printf-formatted message; returns code.
 */
pst_err pst__fail(pst_errinfo *e, pst_err code, const char *fmt, ...) PST_HIDDEN
    __attribute__((format(printf, 3, 4)));

/* The sRGB transfer curve (IEC 61966-2-1), values 0..1, and its table
 * for 8-bit codes: t[v] = linear light of code v. */
double pst__srgb_to_linear(double c) PST_HIDDEN;
double pst__linear_to_srgb(double l) PST_HIDDEN;
void pst__srgb_linear_table(float t[256]) PST_HIDDEN;

/* ---- file.c ---- */
/* Read a whole regular file (refusing directories, FIFOs, devices, and files
 * over max_bytes) into a malloc'd buffer. */
pst_err pst__read_file(const char *path, uint64_t max_bytes, uint8_t **out,
                       size_t *len, pst_errinfo *detail) PST_HIDDEN;
/* Open a regular file (O_NONBLOCK, checked with fstat on the descriptor)
 * of at most max_bytes, for readers that stream it. */
pst_err pst__open_regular(const char *path, uint64_t max_bytes, int *fd,
                          size_t *size, pst_errinfo *detail) PST_HIDDEN;

/* ---- jpeg.c ---- */
/* The content checks measure a picture whose short side is at least this
 * (px; the output width photofix works at): the largest DCT scaling 1/2,
 * 1/4 or 1/8 that keeps it. */
#define PST__ANALYSIS_SIDE 480
int pst__jpeg_auto_denom(int width, int height) PST_HIDDEN;
/* scale_denom 1, 2, 4 or 8; 0: the checks' decode (pst__jpeg_auto_denom of
 * the header's size, merged chroma upsampling). */
pst_err pst__jpeg_decode(const uint8_t *buf, size_t len, const pst_limits *lim,
                         int scale_denom, pst_image **out, pst_info *info,
                         pst_errinfo *detail) PST_HIDDEN;
/* Read headers and markers only (no pixels): dimensions, components,
 * progressive/arithmetic, quality, density, EXIF. */
pst_err pst__jpeg_inspect(const uint8_t *buf, size_t len, const pst_limits *lim,
                          pst_info *info, pst_errinfo *detail) PST_HIDDEN;
/* IJG quality 1..100 estimated from a luminance quantization table in
 * natural (not zigzag) order; -1 when the table is implausible. */
int pst__jpeg_quality_from_table(const uint16_t q[64]) PST_HIDDEN;

/* ---- png.c ---- */
pst_err pst__png_decode(const uint8_t *buf, size_t len, const pst_limits *lim,
                        pst_image **out, pst_info *info,
                        pst_errinfo *detail) PST_HIDDEN;

/* ---- exif.c ---- */
/* Parse a TIFF/EXIF block (starting at "Exif\0\0" or directly at the TIFF
 * header) into info->orientation, has_gps, density (when info has none),
 * exif_corrupt. */
void pst__exif_parse(const uint8_t *data, size_t len,
                     pst_info *info) PST_HIDDEN;

/* ---- text.c: growable string buffer ---- */
typedef struct pst_buf {
  char *data;
  size_t len, cap;
  int oom;
} pst_buf;
void pst__buf_init(pst_buf *b) PST_HIDDEN;
void pst__buf_free(pst_buf *b) PST_HIDDEN;
void pst__buf_add(pst_buf *b, const char *s, size_t n) PST_HIDDEN;
void pst__buf_puts(pst_buf *b, const char *s) PST_HIDDEN;
void pst__buf_printf(pst_buf *b, const char *fmt, ...) PST_HIDDEN
    __attribute__((format(printf, 2, 3)));
/* A JSON string literal (with quotes); bytes that are not valid UTF-8 become
 * \u00XX escapes of each byte. */
void pst__buf_json_str(pst_buf *b, const char *s) PST_HIDDEN;
/* A JSON number: integers without a fraction, others with up to 6
 * significant decimals; never NaN/Inf (those become null). */
void pst__buf_json_num(pst_buf *b, double v) PST_HIDDEN;

/* ---- profile.c ---- */
/* Geometry is kept as fractions of the output's width or height, so one
 * profile serves an exact size (chsi: 480x640, reported in px) and a
 * minimum size (chsi-intake: reported in %). A range whose max is 0 is
 * unset. Every field has a profile-file key of the same name. */
typedef struct pst_range {
  double min, max;
} pst_range;

struct pst_profile {
  char name[64];
  /* image.dimensions */
  int width, height; /* exact size when exact_size, else minimum */
  int exact_size;
  double aspect;     /* w/h required when > 0 (e.g. 0.75), */
  double aspect_tol; /* relative tolerance, e.g. 0.02 */
  /* file.extension, file.size, jpeg.quality, jpeg.baseline */
  int require_jpg_ext;
  double min_kb, max_kb; /* max_kb 0: none */
  int min_quality;       /* 0: not checked */
  /* image.color, image.dpi */
  int require_color;
  int dpi; /* 0: not checked */
  /* photofix: the file size it aims for, in KB */
  double target_kb_min, target_kb_max;
  /* Content geometry (issue 3), fractions of H or W. */
  pst_range crown;       /* top of hair from the top, of H */
  pst_range eye_line;    /* eye line from the top, of H */
  pst_range face_width;  /* cheek to cheek, of W */
  pst_range head_height; /* chin to crown, of H (icao); max 0: unset */
  double center_tol;     /* |face centre - W/2| <= center_tol * W */
  double max_roll_deg;
  /* Background */
  pst_rgb bg_rgb;   /* the colour photofix paints */
  pst_range bg_hue; /* accepted hue, degrees; max 0: any hue */
  /* Content checks (issue 3): which checks run, and the appearance
   * thresholds, calibrated on real photos (see lib/profile.c). */
  int checks;               /* PST__CHECKS_ALL, or _FILE: content ones skip */
  pst_range bg_lightness;   /* background CIELAB L*; max 0: unset */
  pst_range bg_chroma;      /* background CIELAB C*ab; max 0: unset */
  double bg_max_unevenness; /* background: largest Delta E between parts */
  double bg_max_shadow;     /* background: darkening of a shadow, L* */
  double bg_max_texture;    /* background: mean local L* deviation */
  double bg_max_objects;    /* background: % of it that is objects */
  pst_range face_lightness; /* mean L* of the face core */
  double min_eye_white;     /* L* of the whites of the eyes; 0: unchecked */
  double face_max_clipped;  /* fraction of clipped face pixels */
  double face_max_sidediff; /* |L* left - L* right| of the face */
  double min_sharpness;     /* image.sharpness score; 0: unchecked */
  pst_range skin_a;         /* face core mean a* */
  pst_range skin_b;         /* face core mean b* */
  double clothing_min_de;   /* Delta E clothing vs background */
};
enum { PST__CHECKS_ALL = 0, PST__CHECKS_FILE = 1 };

#endif /* PST_INTERNAL_H */

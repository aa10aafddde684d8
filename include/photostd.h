/*
 * photostd: check and standardize portrait photos for CHSI (学信网) diploma
 * registration.
 *
 * Threads: the library has no global mutable state. Every function is safe
 * to call from any thread; one object is not to be used by two threads at
 * once (const objects such as a profile may be shared for reading).
 *
 * Ownership: every *_create / *_load has a *_destroy; *_destroy(NULL) does
 * nothing. Strings returned as `const char *` are borrowed and stay valid
 * until the object they came from is destroyed. Out-parameters are set to
 * NULL on failure.
 */
#ifndef PHOTOSTD_H
#define PHOTOSTD_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PST_VERSION_MAJOR 0
#define PST_VERSION_MINOR 1
#define PST_VERSION_PATCH 0
#define PST_VERSION_STRING "0.1.0"

#if defined(__GNUC__) && defined(PST_BUILDING)
#define PST_API __attribute__((visibility("default")))
#else
#define PST_API
#endif

/** Status of a call. PST_OK is 0; everything else is a failure. */
typedef enum pst_err {
  PST_OK = 0,
  PST_ERR_NOMEM,       /**< an allocation failed */
  PST_ERR_IO,          /**< reading or writing a file failed (errno kept) */
  PST_ERR_DECODE,      /**< the bytes are corrupt beyond decoding */
  PST_ERR_UNSUPPORTED, /**< a format or feature photostd does not read */
  PST_ERR_LIMIT,       /**< the input exceeds a safety limit (pst_limits) */
  PST_ERR_RANGE,       /**< a setter got a value outside its range */
  PST_ERR_ARG,         /**< a NULL or otherwise invalid argument */
  PST_ERR_PARSE,       /**< a profile or text file has a syntax error */
  PST_ERR_NOTFOUND,    /**< a named thing (profile, file) does not exist */
} pst_err;

/** A short English description of `e`; never NULL. */
PST_API const char *pst_strerror(pst_err e);

/** The library's version, "MAJOR.MINOR.PATCH". */
PST_API const char *pst_version(void);

/** Free memory that the library allocated for the caller (strings). */
PST_API void pst_free(void *p);

/** Language of messages and hints. */
typedef enum pst_lang { PST_LANG_EN = 0, PST_LANG_ZH = 1 } pst_lang;

/** The language the environment asks for: LC_ALL, then LC_MESSAGES, then
 *  LANG; a value starting with "zh" means Chinese, anything else English. */
PST_API pst_lang pst_lang_from_env(void);

/** Detail of one failed call, filled in by the calls that take one. */
typedef struct pst_errinfo {
  pst_err code;
  char message[256]; /**< English, names the file and what went wrong */
} pst_errinfo;

typedef struct pst_rect {
  int x, y, w, h;
} pst_rect;
typedef struct pst_point {
  double x, y;
} pst_point;
typedef struct pst_rgb {
  uint8_t r, g, b;
} pst_rgb;

/* ------------------------------------------------------------------ */
/* Safety limits                                                       */

typedef struct pst_limits pst_limits;

/** Defaults: 100 megapixels, 64 MiB file, 500 progressive scans. */
PST_API pst_limits *pst_limits_create(void);
PST_API pst_limits *pst_limits_copy(const pst_limits *lim);
PST_API void pst_limits_destroy(pst_limits *lim);
/** Largest width*height decoded; 1..4e9, else PST_ERR_RANGE. */
PST_API pst_err pst_limits_set_max_pixels(pst_limits *lim, uint64_t pixels);
/** Largest file read; 1..4 GiB, else PST_ERR_RANGE. */
PST_API pst_err pst_limits_set_max_file_bytes(pst_limits *lim, uint64_t bytes);
/** Most scans of a progressive JPEG; 1..100000, else PST_ERR_RANGE. */
PST_API pst_err pst_limits_set_max_scans(pst_limits *lim, int scans);
/** Strict: corrupt-but-decodable data fails the load (PST_ERR_DECODE)
 *  instead of being a warning. Default off. */
PST_API pst_err pst_limits_set_strict(pst_limits *lim, int strict);

/* ------------------------------------------------------------------ */
/* Formats and images                                                  */

typedef enum pst_format {
  PST_FMT_UNKNOWN = 0,
  PST_FMT_EMPTY, /**< zero bytes */
  PST_FMT_JPEG,
  PST_FMT_PNG,
  PST_FMT_WEBP,
  PST_FMT_GIF,
  PST_FMT_BMP,
  PST_FMT_TIFF,
  PST_FMT_HEIC, /**< HEIC or HEIF */
  PST_FMT_AVIF,
  PST_FMT_PDF,
} pst_format;

/** The format of a file by its first bytes (16 are enough). */
PST_API pst_format pst_sniff(const void *buf, size_t len);
/** "JPEG", "PNG", ... or "unknown"; never NULL. */
PST_API const char *pst_format_name(pst_format f);

/** Colour model of the stored file. */
typedef enum pst_colorspace {
  PST_CS_UNKNOWN = 0,
  PST_CS_GRAY,
  PST_CS_RGB,  /**< RGB or YCbCr: three colour components */
  PST_CS_CMYK, /**< CMYK or YCCK */
} pst_colorspace;

/** What a file says about itself; filled in by pst_image_load*. */
typedef struct pst_info {
  pst_format format;
  uint64_t file_bytes;
  int width, height; /**< as stored, before EXIF orientation */
  int components;    /**< stored components: 1, 3 or 4 */
  pst_colorspace colorspace;
  int progressive;   /**< JPEG: progressive (SOF2/SOF6/SOF10) */
  int arithmetic;    /**< JPEG: arithmetic coding (SOF9..) */
  int scans;         /**< JPEG: scans decoded */
  int quality;       /**< JPEG: estimated IJG quality 1..100, else -1 */
  int density_unit;  /**< 0 none/aspect, 1 dpi, 2 dots per cm */
  double xdpi, ydpi; /**< density in dots per inch; 0 if unknown */
  int orientation;   /**< EXIF orientation 1..8; 1 when absent */
  int has_exif;
  int has_gps;          /**< EXIF GPS tags with a position */
  int exif_corrupt;     /**< EXIF present but unreadable */
  int corrupt_warnings; /**< libjpeg/libpng corrupt-data warnings */
  int truncated;        /**< data ended before the image did */
  char warning[160];    /**< first corrupt-data warning, English */
} pst_info;

typedef struct pst_image pst_image;

/** Decode a file. `scale_denom` is 1, 2, 4 or 8: JPEG is decoded at that
 *  DCT scale (PNG is decoded fully and then reduced). Pixels are RGB8 as
 *  stored: EXIF orientation is NOT applied (see pst_image_orient). `info`
 *  may be NULL; when given it is filled in as far as the file was read, even
 *  on failure. `detail` may be NULL.
 *  Errors: PST_ERR_IO, PST_ERR_DECODE, PST_ERR_UNSUPPORTED (not JPEG/PNG),
 *  PST_ERR_LIMIT, PST_ERR_NOMEM. */
PST_API pst_err pst_image_load(const char *path, const pst_limits *lim,
                               int scale_denom, pst_image **out, pst_info *info,
                               pst_errinfo *detail);
/** As pst_image_load from memory; `buf` is only read during the call. */
PST_API pst_err pst_image_load_mem(const void *buf, size_t len,
                                   const pst_limits *lim, int scale_denom,
                                   pst_image **out, pst_info *info,
                                   pst_errinfo *detail);
/** A new RGB8 image filled with `fill`. */
PST_API pst_err pst_image_create(int width, int height, pst_rgb fill,
                                 pst_image **out);
PST_API void pst_image_destroy(pst_image *img);
PST_API int pst_image_width(const pst_image *img);
PST_API int pst_image_height(const pst_image *img);
/** Row-major RGB8, stride width*3; borrowed. */
PST_API uint8_t *pst_image_pixels(pst_image *img);
PST_API const uint8_t *pst_image_cpixels(const pst_image *img);
/** Apply EXIF orientation 1..8 to the pixels, in place (the image may change
 *  shape). PST_ERR_RANGE for other values. */
PST_API pst_err pst_image_orient(pst_image *img, int orientation);

/** Encoding options for pst_image_save_jpeg. */
typedef struct pst_jpeg_opts {
  int quality;     /**< 1..100 */
  int dpi;         /**< JFIF density in dots per inch; 0 writes none */
  int progressive; /**< 0 baseline */
  int grayscale;   /**< 1 writes one component */
} pst_jpeg_opts;

/** Encode to a malloc'd buffer (free with pst_free). No EXIF is written. */
PST_API pst_err pst_image_encode_jpeg(const pst_image *img,
                                      const pst_jpeg_opts *opts, uint8_t **out,
                                      size_t *out_len);

/** Read a whole regular file into a malloc'd buffer (free with pst_free),
 *  as every loader here does: a directory, FIFO or device is refused at once
 *  (no hang), and a file over the limits' max_file_bytes is PST_ERR_LIMIT
 *  before any read. `lim` may be NULL (the defaults). */
PST_API pst_err pst_file_read(const char *path, const pst_limits *lim,
                              uint8_t **out, size_t *len, pst_errinfo *detail);

/* ------------------------------------------------------------------ */
/* Profiles                                                            */

typedef struct pst_profile pst_profile;

/** A built-in profile by name: "chsi", "chsi-intake", "icao".
 *  PST_ERR_NOTFOUND for another name. */
PST_API pst_err pst_profile_builtin(const char *name, pst_profile **out);
/** A `key = value` profile file ('#' comments; `base = NAME` starts from a
 *  built-in, default chsi). An unknown key or a bad value is PST_ERR_PARSE
 *  with `detail` naming the file, line and key. */
PST_API pst_err pst_profile_load(const char *path, pst_profile **out,
                                 pst_errinfo *detail);
/** NAME if it is a built-in, else a file path. */
PST_API pst_err pst_profile_open(const char *name_or_path, pst_profile **out,
                                 pst_errinfo *detail);
PST_API pst_profile *pst_profile_copy(const pst_profile *p);
PST_API void pst_profile_destroy(pst_profile *p);
PST_API const char *pst_profile_name(const pst_profile *p);
/** Set one field as a profile file would (`key`, `value` text). */
PST_API pst_err pst_profile_set(pst_profile *p, const char *key,
                                const char *value, pst_errinfo *detail);
/** Names of the built-in profiles, NULL-terminated. */
PST_API const char *const *pst_profile_builtin_names(void);

/* ------------------------------------------------------------------ */
/* Checks and reports                                                  */

typedef enum pst_status {
  PST_PASS = 0,
  PST_WARN,
  PST_FAIL,
  PST_SKIP,
} pst_status;

/** "pass", "warn", "fail", "skip". */
PST_API const char *pst_status_name(pst_status s);

/** One check's result; strings borrowed from the report. */
typedef struct pst_finding {
  const char *id; /**< e.g. "file.size" */
  pst_status status;
  int severity_error; /**< 1: a fail rejects the photo; 0: advice */
  int has_value;      /**< `value` is meaningful */
  double value;
  const char *unit;     /**< "KB", "px", "deg", ... or "" */
  const char *expected; /**< e.g. ">= 30", "480x640" */
  const char *message;  /**< one line, in the language asked for */
  const char *hint;     /**< how to fix it, in the language asked for */
} pst_finding;

typedef struct pst_report pst_report;

/** Run every check of the profile (NULL: the built-in "chsi") on a file,
 *  in SPEC §3 order, one finding per check. The report is returned
 *  whenever it could be made, also for unreadable or non-JPEG files (they
 *  fail file.read / file.format). Returns PST_ERR_NOMEM or PST_ERR_ARG only:
 *  problems of the file are findings, not errors. */
PST_API pst_err pst_check_file(const char *path, const pst_profile *prof,
                               const pst_limits *lim, pst_report **out);
/** As pst_check_file on bytes in memory; `name` is used for file.extension
 *  and in the report (may be "-"). */
PST_API pst_err pst_check_mem(const void *buf, size_t len, const char *name,
                              const pst_profile *prof, const pst_limits *lim,
                              pst_report **out);
PST_API void pst_report_destroy(pst_report *r);

/** Number of findings, and finding `i` in the language `lang`. */
PST_API int pst_report_count(const pst_report *r);
PST_API pst_err pst_report_get(const pst_report *r, int i, pst_lang lang,
                               pst_finding *out);
/** 1 when no error check failed (and, with `strict`, no warning either). */
PST_API int pst_report_pass(const pst_report *r, int strict);
/** 1 when a check could not run for an I/O reason (file.read failed).
 *  Only a failure of this machine counts: permission denied or a read
 *  error. A missing file, a folder, a FIFO/device or a file over the
 *  size limit fail file.read with io_error 0: the file itself is bad.
 *  Either way pst_report_pass is 0, and the tools exit 1 for such a file
 *  (SPEC §4's exit 3 is kept for output-side I/O: a result that cannot be
 *  written); io_error lets a tool say "could not read" and a batch count
 *  such files apart from rejected photos. */
PST_API int pst_report_io_error(const pst_report *r);
/** The file name, the profile's name, and what was read of the file. */
PST_API const char *pst_report_file(const pst_report *r);
PST_API const char *pst_report_profile(const pst_report *r);
PST_API const pst_info *pst_report_info(const pst_report *r);
/** The first face the content checks found (detector box, image pixels)
 *  and its pupils (left and right in the image, sub-pixel); either output
 *  may be NULL. PST_ERR_NOTFOUND when no face was found or the content
 *  checks did not run; PST_ERR_ARG for a NULL report. */
PST_API pst_err pst_report_face(const pst_report *r, pst_rect *face,
                                pst_point eyes[2]);
/** The report as one line of JSON (SPEC §4, no trailing newline), malloc'd;
 *  free with pst_free. File names that are not UTF-8 are escaped byte by
 *  byte (\u00XX for each byte that is not valid UTF-8). */
PST_API pst_err pst_report_json(const pst_report *r, pst_lang lang, char **out);

/* ------------------------------------------------------------------ */
/* Fixing (photofix)                                                   */

typedef struct pst_fix_opts pst_fix_opts;

/** Defaults: the profile's background colour, face found automatically. */
PST_API pst_fix_opts *pst_fix_opts_create(void);
PST_API pst_fix_opts *pst_fix_opts_copy(const pst_fix_opts *o);
PST_API void pst_fix_opts_destroy(pst_fix_opts *o);
/** Paint this background instead of the profile's. */
PST_API pst_err pst_fix_opts_set_background(pst_fix_opts *o, pst_rgb bg);
/** 1: keep the photo's own background (crop, level and resize only). */
PST_API pst_err pst_fix_opts_set_keep_background(pst_fix_opts *o, int keep);
/** Use this face box (input pixels, after EXIF orientation) instead of
 *  detection. w and h must be > 0, else PST_ERR_RANGE. */
PST_API pst_err pst_fix_opts_set_face(pst_fix_opts *o, pst_rect face);
/** Worker threads one fix may use (1..16; default 1). */
PST_API pst_err pst_fix_opts_set_threads(pst_fix_opts *o, int threads);

typedef struct pst_fix_result pst_fix_result;

/** Standardize a photo (JPEG or PNG) for the profile. A result is returned
 *  whenever one could be made: also when the photo cannot be fixed, with
 *  pst_fix_ok() 0 and a reason. Errors: PST_ERR_NOMEM, PST_ERR_ARG. */
PST_API pst_err pst_fix_file(const char *path, const pst_profile *prof,
                             const pst_limits *lim, const pst_fix_opts *opts,
                             pst_fix_result **out);
PST_API pst_err pst_fix_mem(const void *buf, size_t len, const char *name,
                            const pst_profile *prof, const pst_limits *lim,
                            const pst_fix_opts *opts, pst_fix_result **out);
PST_API void pst_fix_result_destroy(pst_fix_result *r);
/** 1 when an output was made and passes pst_check with the profile. */
PST_API int pst_fix_ok(const pst_fix_result *r);
/** Why not: a stable id ("face.none", "face.several", "face.cut",
 *  "face.small", "crop.fit", "input.unreadable", "input.corrupt", ...)
 *  or NULL when ok. */
PST_API const char *pst_fix_reason_id(const pst_fix_result *r);
/** The reason in words, in `lang`; NULL when ok. */
PST_API const char *pst_fix_reason(const pst_fix_result *r, pst_lang lang);
/** What to do about it, in `lang` (for a failed check, the check's hint);
 *  NULL when ok or when the reason's words say it already. */
PST_API const char *pst_fix_hint(const pst_fix_result *r, pst_lang lang);
/** A caution on an output that passed: "background.busy" when the wall
 *  beside the head was not plain (a room, furniture, a pattern), so the
 *  new background may keep bits of the old one or lose some hair, and the
 *  student should look at the result's edges. NULL when there is none, when
 *  not ok, and with the background kept. */
PST_API const char *pst_fix_caution_id(const pst_fix_result *r);
/** The caution in words, and what to do about it, in `lang`; NULL when
 *  there is none. */
PST_API const char *pst_fix_caution(const pst_fix_result *r, pst_lang lang);
PST_API const char *pst_fix_caution_hint(const pst_fix_result *r,
                                         pst_lang lang);
/** The output JPEG (borrowed), or NULL when not ok. */
PST_API const uint8_t *pst_fix_jpeg(const pst_fix_result *r, size_t *len);
/** The rectangle of the input (after EXIF orientation, input pixels) that
 *  became the output; `angle` in degrees, counter-clockwise about its
 *  centre. PST_ERR_NOTFOUND when no crop was chosen. */
PST_API pst_err pst_fix_crop(const pst_fix_result *r, double *x, double *y,
                             double *w, double *h, double *angle);
/** The JPEG quality chosen by the size search; -1 when not ok. */
PST_API int pst_fix_quality(const pst_fix_result *r);
/** The background colour painted (or kept: the measured mean). */
PST_API pst_rgb pst_fix_background(const pst_fix_result *r);
/** The alpha matte at output size as an 8-bit grey PNG (borrowed). */
PST_API const uint8_t *pst_fix_mask_png(const pst_fix_result *r, size_t *len);
/** photocheck's report of the output (borrowed). Also when the output
 *  failed it and photofix refused on that (pst_fix_reason_id is then the
 *  first failed check): the other checks it failed are in it too. NULL
 *  when no output was made (no face, unreadable input, ...). */
PST_API const pst_report *pst_fix_check(const pst_fix_result *r);
/** SPEC §4's photofix object as one line of JSON; `output` is the name
 *  written (or NULL). Free with pst_free. */
PST_API pst_err pst_fix_json(const pst_fix_result *r, const char *input,
                             const char *output, pst_lang lang, char **out);

/** A 6-inch (4x6 in, 1800x1200 px at 300 dpi) print sheet of a fixed photo:
 *  4 large and 8 small copies with cut lines ("4大8小"), as JPEG. */
PST_API pst_err pst_fix_sheet(const pst_fix_result *r, uint8_t **jpeg,
                              size_t *len);

/* ------------------------------------------------------------------ */
/* Batch helpers (photobatch)                                          */

/** A class list: the rows of a CSV file with a header row. */
typedef struct pst_roster pst_roster;

/** One roster row; strings are UTF-8, borrowed from the roster, "" when the
 *  column is absent or empty. `line` is the row's line in the file. */
typedef struct pst_roster_row {
  const char *student_id; /**< 学号 */
  const char *name;       /**< 姓名 */
  const char *id_number;  /**< 身份证号 */
  const char *file;       /**< 文件名 */
  int line;
} pst_roster_row;

/** Parse a roster CSV (RFC 4180 quoting, LF or CRLF, header row naming
 *  student_id, name, id_number, file or 学号, 姓名, 身份证号, 文件名 in any
 *  order and case; other columns are ignored). UTF-8 with or without BOM;
 *  bytes that are not UTF-8 are read as GB18030 (Excel's export). At least
 *  one of student_id, id_number, file must be a column, else PST_ERR_PARSE.
 *  Errors: PST_ERR_IO, PST_ERR_PARSE (detail names the line),
 *  PST_ERR_UNSUPPORTED (neither UTF-8 nor GB18030), PST_ERR_NOMEM. */
PST_API pst_err pst_roster_load(const char *path, pst_roster **out,
                                pst_errinfo *detail);
/** As pst_roster_load from memory. */
PST_API pst_err pst_roster_parse(const void *buf, size_t len, pst_roster **out,
                                 pst_errinfo *detail);
PST_API void pst_roster_destroy(pst_roster *r);
PST_API int pst_roster_count(const pst_roster *r);
/** Row `i` (0-based); PST_ERR_RANGE when out of range. */
PST_API pst_err pst_roster_get(const pst_roster *r, int i, pst_roster_row *out);
/** "UTF-8" or "GB18030": how the file was read. */
PST_API const char *pst_roster_encoding(const pst_roster *r);

/** 1 when `s` is an 18-character resident ID number (GB 11643): 17 digits
 *  and an ISO 7064 MOD 11-2 check character (0-9 or X/x); else 0. */
PST_API int pst_idnumber_valid(const char *s);
/** 1 when `s` may be used as one file-name component: non-empty, at most
 *  200 bytes, valid UTF-8, no '/', '\\', control characters, and not "." or
 *  ".." or starting with '.' or '-'; else 0. */
PST_API int pst_name_safe(const char *s);

/** Largest pst_phash_distance at which two photos count as the same photo
 *  (re-encoded, resized or cropped by a few percent); calibrated on the
 *  real test photos (see tests/check_phash.c). */
#define PST_PHASH_SIMILAR 8

/** A 64-bit perceptual hash (DCT of a 32x32 luma reduction, the 8x8 lowest
 *  frequencies against their median). Errors: PST_ERR_ARG. */
PST_API pst_err pst_phash_image(const pst_image *img, uint64_t *out);
/** Decode (JPEG at 1/8 or 1/4 DCT scale, or PNG) and hash. Errors as
 *  pst_image_load. */
PST_API pst_err pst_phash_file(const char *path, const pst_limits *lim,
                               uint64_t *out, pst_errinfo *detail);
PST_API pst_err pst_phash_mem(const void *buf, size_t len,
                              const pst_limits *lim, uint64_t *out,
                              pst_errinfo *detail);
/** Hamming distance of two hashes, 0..64. */
PST_API int pst_phash_distance(uint64_t a, uint64_t b);

/** SHA-256 of bytes or of a file's content (PST_ERR_IO when unreadable). */
PST_API void pst_sha256_mem(const void *buf, size_t len, uint8_t out[32]);
PST_API pst_err pst_sha256_file(const char *path, uint8_t out[32],
                                pst_errinfo *detail);

#ifdef __cplusplus
}
#endif
#endif

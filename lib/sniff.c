/* Telling formats apart by their first bytes, never by the file name. */
#include "internal.h"

#include <string.h>

static int has(const uint8_t *p, size_t len, size_t at, const char *magic,
               size_t n) {
  return len >= at + n && memcmp(p + at, magic, n) == 0;
}

/* Brands that mark an ISO BMFF file as HEIF (HEVC stills or generic image
 * collections) or as AVIF. */
static pst_format bmff_brand(const uint8_t *b) {
  static const char *const heif[] = {"heic", "heix", "hevc", "hevx", "heim",
                                     "heis", "hevm", "hevs", "mif1", "msf1"};
  if (!memcmp(b, "avif", 4) || !memcmp(b, "avis", 4)) return PST_FMT_AVIF;
  for (size_t i = 0; i < sizeof heif / sizeof *heif; i++)
    if (!memcmp(b, heif[i], 4)) return PST_FMT_HEIC;
  return PST_FMT_UNKNOWN;
}

/* The major brand decides; a generic major brand (mif1) with an avif
 * compatible brand is AVIF, as AVIF files often declare mif1 first. */
static pst_format sniff_bmff(const uint8_t *p, size_t len) {
  uint32_t box;
  pst_format major, f;
  if (!has(p, len, 4, "ftyp", 4) || len < 12) return PST_FMT_UNKNOWN;
  box =
      (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
  if (box < 16) return PST_FMT_UNKNOWN;
  major = bmff_brand(p + 8);
  if (major == PST_FMT_AVIF) return major;
  for (size_t at = 16; at + 4 <= box && at + 4 <= len; at += 4) {
    f = bmff_brand(p + at);
    if (f == PST_FMT_AVIF) return f;
    if (major == PST_FMT_UNKNOWN) major = f;
  }
  return major;
}

pst_format pst_sniff(const void *buf, size_t len) {
  const uint8_t *p = buf;
  if (len == 0) return PST_FMT_EMPTY;
  if (!p) return PST_FMT_UNKNOWN;
  if (has(p, len, 0, "\xff\xd8\xff", 3)) return PST_FMT_JPEG;
  if (has(p, len, 0, "\x89PNG\r\n\x1a\n", 8)) return PST_FMT_PNG;
  if (has(p, len, 0, "RIFF", 4) && has(p, len, 8, "WEBP", 4))
    return PST_FMT_WEBP;
  if (has(p, len, 0, "GIF87a", 6) || has(p, len, 0, "GIF89a", 6))
    return PST_FMT_GIF;
  if (has(p, len, 0, "BM", 2)) return PST_FMT_BMP;
  if (has(p, len, 0, "II*\0", 4) || has(p, len, 0, "MM\0*", 4))
    return PST_FMT_TIFF;
  if (has(p, len, 0, "%PDF-", 5)) return PST_FMT_PDF;
  return sniff_bmff(p, len);
}

const char *pst_format_name(pst_format f) {
  switch (f) {
  case PST_FMT_UNKNOWN: return "unknown";
  case PST_FMT_EMPTY: return "empty";
  case PST_FMT_JPEG: return "JPEG";
  case PST_FMT_PNG: return "PNG";
  case PST_FMT_WEBP: return "WebP";
  case PST_FMT_GIF: return "GIF";
  case PST_FMT_BMP: return "BMP";
  case PST_FMT_TIFF: return "TIFF";
  case PST_FMT_HEIC: return "HEIC";
  case PST_FMT_AVIF: return "AVIF";
  case PST_FMT_PDF: return "PDF";
  }
  return "unknown";
}

/* EXIF through libexif: orientation, GPS presence and resolution. Errors
 * are collected per call through an ExifLog, never in global state. */
#include "internal.h"

#include <libexif/exif-data.h>
#include <libexif/exif-log.h>
#include <stdlib.h>
#include <string.h>

static const uint8_t exif_header[6] = {'E', 'x', 'i', 'f', 0, 0};

typedef struct exif_ctx {
  int corrupt; /* corrupt-data messages from libexif's own parser */
} exif_ctx;

/* Maker notes are vendor data libexif guesses at; their complaints do not
 * make the standard tags unreadable, so only the core parser's count. */
static void on_log(ExifLog *log, ExifLogCode code, const char *domain,
                   const char *format, va_list args, void *data) {
  exif_ctx *ctx = data;
  PST_UNUSED(log), PST_UNUSED(format), PST_UNUSED(args);
  if (code == EXIF_LOG_CODE_CORRUPT_DATA && domain &&
      strncmp(domain, "ExifMnote", 9) != 0)
    ctx->corrupt++;
}

static int get_short(ExifData *ed, ExifIfd ifd, ExifTag tag, int *v) {
  ExifEntry *e = exif_content_get_entry(ed->ifd[ifd], tag);
  if (!e || e->format != EXIF_FORMAT_SHORT || e->components < 1 ||
      e->size < 2 || !e->data)
    return 0;
  *v = exif_get_short(e->data, exif_data_get_byte_order(ed));
  return 1;
}

static int get_rational(ExifData *ed, ExifTag tag, double *v) {
  ExifEntry *e = exif_content_get_entry(ed->ifd[EXIF_IFD_0], tag);
  ExifRational r;
  if (!e || e->format != EXIF_FORMAT_RATIONAL || e->components < 1 ||
      e->size < 8 || !e->data)
    return 0;
  r = exif_get_rational(e->data, exif_data_get_byte_order(ed));
  if (r.denominator == 0) return 0;
  *v = (double)r.numerator / r.denominator;
  return 1;
}

static void read_orientation(ExifData *ed, pst_info *info) {
  int o;
  if (!get_short(ed, EXIF_IFD_0, EXIF_TAG_ORIENTATION, &o)) return;
  if (o >= 1 && o <= 8)
    info->orientation = o;
  else
    info->exif_corrupt = 1;
}

/* A GPS IFD with only a version or a timestamp says nothing about where
 * the photo was taken; a latitude and a longitude do. */
static void read_gps(ExifData *ed, pst_info *info) {
  ExifContent *gps = ed->ifd[EXIF_IFD_GPS];
  if (exif_content_get_entry(gps, EXIF_TAG_GPS_LATITUDE) &&
      exif_content_get_entry(gps, EXIF_TAG_GPS_LONGITUDE))
    info->has_gps = 1;
}

/* EXIF resolution only fills in what JFIF or pHYs did not say. */
static void read_density(ExifData *ed, pst_info *info) {
  double x, y;
  int unit = 2; /* the EXIF default is inches */
  if (info->xdpi > 0) return;
  if (!get_rational(ed, EXIF_TAG_X_RESOLUTION, &x)) return;
  if (!get_rational(ed, EXIF_TAG_Y_RESOLUTION, &y)) y = x;
  get_short(ed, EXIF_IFD_0, EXIF_TAG_RESOLUTION_UNIT, &unit);
  if (unit != 2 && unit != 3) return;
  if (x <= 0 || y <= 0 || x > 1e6 || y > 1e6) return;
  info->density_unit = unit == 2 ? 1 : 2;
  info->xdpi = unit == 2 ? x : x * 2.54;
  info->ydpi = unit == 2 ? y : y * 2.54;
}

static int any_entries(ExifData *ed) {
  for (int i = 0; i < EXIF_IFD_COUNT; i++)
    if (ed->ifd[i] && ed->ifd[i]->count > 0) return 1;
  return 0;
}

/* libexif wants the "Exif\0\0" header (or a whole JPEG); a bare TIFF block
 * (PNG eXIf) gets the header put in front. */
static uint8_t *with_header(const uint8_t *data, size_t len, size_t *out_len) {
  uint8_t *b = malloc(len + sizeof exif_header);
  if (!b) return NULL;
  memcpy(b, exif_header, sizeof exif_header);
  memcpy(b + sizeof exif_header, data, len);
  *out_len = len + sizeof exif_header;
  return b;
}

static void parse_block(const uint8_t *d, size_t len, pst_info *info) {
  exif_ctx ctx = {0};
  ExifLog *log = exif_log_new();
  ExifData *ed = exif_data_new();
  if (!log || !ed) goto out;
  exif_log_set_func(log, on_log, &ctx);
  exif_data_log(ed, log);
  /* Following the specification would invent missing mandatory tags
   * (a 72 dpi resolution among them) and report them as read. */
  exif_data_unset_option(ed, EXIF_DATA_OPTION_FOLLOW_SPECIFICATION);
  exif_data_load_data(ed, d, (unsigned int)PST_MIN(len, 0xffffffu));
  if (ctx.corrupt || !any_entries(ed)) info->exif_corrupt = 1;
  read_orientation(ed, info);
  read_gps(ed, info);
  read_density(ed, info);
out:
  if (ed) exif_data_unref(ed);
  if (log) exif_log_unref(log);
}

void pst__exif_parse(const uint8_t *data, size_t len, pst_info *info) {
  uint8_t *copy = NULL;
  if (!info || !data) return;
  info->has_exif = 1;
  if (len >= 6 && memcmp(data, exif_header, 6) == 0) {
    parse_block(data, len, info);
    return;
  }
  if (len < 8 || (memcmp(data, "II*\0", 4) && memcmp(data, "MM\0*", 4))) {
    info->exif_corrupt = 1;
    return;
  }
  copy = with_header(data, len, &len);
  if (copy) parse_block(copy, len, info);
  free(copy);
}

/* JPEG decode, inspect, quality estimate and encode, on files made here
 * with libjpeg so that every property is known. */
#include "testutil.h"

#include "internal.h"

#include <jpeglib.h>
#include <string.h>
#include <time.h>

typedef struct enc_opts {
  int quality;
  J_COLOR_SPACE jpeg_cs; /* JCS_YCbCr, JCS_GRAYSCALE or JCS_CMYK */
  int progressive, arith;
  int density_unit, density;
  const uint8_t *app1; /* written as an APP1 marker when set */
  size_t app1_len;
} enc_opts;

/* An image with smooth gradients and hard-edged blocks, like a photo's
 * mix of flat and detailed areas. */
static uint8_t *synthetic(int w, int h) {
  uint8_t *px = malloc((size_t)w * h * 3);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) {
      uint8_t *p = px + ((size_t)y * w + x) * 3;
      int block = ((x / 16) + (y / 16)) % 2;
      p[0] = (uint8_t)(x * 255 / w);
      p[1] = (uint8_t)(block ? 200 : 60);
      p[2] = (uint8_t)((x + 2 * y) * 255 / (w + 2 * h));
    }
  return px;
}

/* Encodes RGB `px` (or, for CMYK, each pixel as Adobe-style inverted CMYK
 * with no black) to a malloc'd JPEG. */
static uint8_t *encode(const uint8_t *px, int w, int h, const enc_opts *o,
                       size_t *len) {
  struct jpeg_compress_struct c;
  struct jpeg_error_mgr err;
  unsigned char *out = NULL;
  unsigned long n = 0;
  int cmyk = o->jpeg_cs == JCS_CMYK;
  uint8_t *row = malloc((size_t)w * 4);
  c.err = jpeg_std_error(&err);
  jpeg_create_compress(&c);
  jpeg_mem_dest(&c, &out, &n);
  c.image_width = (JDIMENSION)w;
  c.image_height = (JDIMENSION)h;
  c.input_components = cmyk ? 4 : 3;
  c.in_color_space = cmyk ? JCS_CMYK : JCS_RGB;
  jpeg_set_defaults(&c);
  jpeg_set_colorspace(&c, o->jpeg_cs ? o->jpeg_cs : JCS_YCbCr);
  jpeg_set_quality(&c, o->quality ? o->quality : 90, TRUE);
  if (o->progressive) jpeg_simple_progression(&c);
  c.arith_code = o->arith ? TRUE : FALSE;
  if (o->density_unit) {
    c.density_unit = (UINT8)o->density_unit;
    c.X_density = c.Y_density = (UINT16)o->density;
  }
  jpeg_start_compress(&c, TRUE);
  if (o->app1)
    jpeg_write_marker(&c, JPEG_APP0 + 1, o->app1, (unsigned)o->app1_len);
  while (c.next_scanline < c.image_height) {
    const uint8_t *src = px + (size_t)c.next_scanline * w * 3;
    JSAMPROW r = row;
    if (cmyk)
      for (int x = 0; x < w; x++) {
        memcpy(row + 4 * x, src + 3 * x, 3);
        row[4 * x + 3] = 255;
      }
    else
      memcpy(row, src, (size_t)w * 3);
    jpeg_write_scanlines(&c, &r, 1);
  }
  jpeg_finish_compress(&c);
  jpeg_destroy_compress(&c);
  free(row);
  *len = n;
  return out;
}

static double mad(const uint8_t *a, const uint8_t *b, size_t n) {
  double s = 0;
  for (size_t i = 0; i < n; i++) s += abs(a[i] - b[i]);
  return s / n;
}

START_TEST(quality_estimate_is_within_3_for_30_to_98) {
  uint8_t *px = synthetic(64, 64);
  int worst = 0;
  for (int q = 30; q <= 98; q++) {
    enc_opts o = {.quality = q};
    size_t len;
    uint8_t *jpg = encode(px, 64, 64, &o, &len);
    pst_info info;
    ck_assert_int_eq(pst__jpeg_inspect(jpg, len, NULL, &info, NULL), PST_OK);
    int e = abs(info.quality - q);
    if (e > worst) worst = e;
    ck_assert_msg(e <= 3, "quality %d estimated %d", q, info.quality);
    free(jpg);
  }
  fprintf(stderr, "jpeg: quality estimate max error over 30..98: %d\n", worst);
  free(px);
}
END_TEST

START_TEST(quality_estimate_refuses_a_zero_table) {
  uint16_t q[64] = {0};
  ck_assert_int_eq(pst__jpeg_quality_from_table(q), -1);
  for (int i = 0; i < 64; i++) q[i] = 1;
  ck_assert_int_eq(pst__jpeg_quality_from_table(q), 100);
}
END_TEST

START_TEST(scaled_decode_gives_jpeg_scaled_sizes) {
  static const int denoms[] = {1, 2, 4, 8};
  uint8_t *px = synthetic(100, 75);
  enc_opts o = {.quality = 90};
  size_t len;
  uint8_t *jpg = encode(px, 100, 75, &o, &len);
  for (int i = 0; i < 4; i++) {
    int n = denoms[i];
    pst_image *img = NULL;
    pst_info info;
    ck_assert_int_eq(pst_image_load_mem(jpg, len, NULL, n, &img, &info, NULL),
                     PST_OK);
    ck_assert_int_eq(pst_image_width(img), (100 + n - 1) / n);
    ck_assert_int_eq(pst_image_height(img), (75 + n - 1) / n);
    ck_assert_int_eq(info.width, 100);
    pst_image_destroy(img);
  }
  free(jpg);
  free(px);
}
END_TEST

START_TEST(baseline_colour_decode_matches_the_source) {
  uint8_t *px = synthetic(64, 48);
  enc_opts o = {.quality = 95, .density_unit = 1, .density = 300};
  size_t len;
  uint8_t *jpg = encode(px, 64, 48, &o, &len);
  pst_image *img = NULL;
  pst_info info;
  ck_assert_int_eq(pst_image_load_mem(jpg, len, NULL, 1, &img, &info, NULL),
                   PST_OK);
  ck_assert_int_eq(info.format, PST_FMT_JPEG);
  ck_assert_int_eq(info.file_bytes, len);
  ck_assert_int_eq(info.components, 3);
  ck_assert_int_eq(info.colorspace, PST_CS_RGB);
  ck_assert_int_eq(info.progressive, 0);
  ck_assert_int_eq(info.scans, 1);
  ck_assert_int_eq(info.density_unit, 1);
  ck_assert_double_eq_tol(info.xdpi, 300, 1e-9);
  ck_assert_int_eq(info.corrupt_warnings, 0);
  ck_assert_int_eq(info.truncated, 0);
  ck_assert_double_lt(mad(img->px, px, 64 * 48 * 3), 6);
  pst_image_destroy(img);
  free(jpg);
  free(px);
}
END_TEST

START_TEST(dots_per_cm_density_is_converted_to_dpi) {
  uint8_t *px = synthetic(16, 16);
  enc_opts o = {.density_unit = 2, .density = 118};
  size_t len;
  uint8_t *jpg = encode(px, 16, 16, &o, &len);
  pst_info info;
  ck_assert_int_eq(pst__jpeg_inspect(jpg, len, NULL, &info, NULL), PST_OK);
  ck_assert_int_eq(info.density_unit, 2);
  ck_assert_double_eq_tol(info.xdpi, 299.72, 0.01);
  free(jpg);
  free(px);
}
END_TEST

START_TEST(greyscale_jpeg_has_one_component_and_grey_pixels) {
  uint8_t *px = synthetic(32, 32);
  enc_opts o = {.jpeg_cs = JCS_GRAYSCALE};
  size_t len;
  uint8_t *jpg = encode(px, 32, 32, &o, &len);
  pst_image *img = NULL;
  pst_info info;
  ck_assert_int_eq(pst_image_load_mem(jpg, len, NULL, 1, &img, &info, NULL),
                   PST_OK);
  ck_assert_int_eq(info.components, 1);
  ck_assert_int_eq(info.colorspace, PST_CS_GRAY);
  for (int i = 0; i < 32 * 32; i++)
    ck_assert(img->px[3 * i] == img->px[3 * i + 1] &&
              img->px[3 * i] == img->px[3 * i + 2]);
  pst_image_destroy(img);
  free(jpg);
  free(px);
}
END_TEST

START_TEST(adobe_cmyk_jpeg_is_converted_to_rgb) {
  uint8_t *px = synthetic(32, 32);
  enc_opts o = {.jpeg_cs = JCS_CMYK, .quality = 98};
  size_t len;
  uint8_t *jpg = encode(px, 32, 32, &o, &len);
  pst_image *img = NULL;
  pst_info info;
  ck_assert_int_eq(pst_image_load_mem(jpg, len, NULL, 1, &img, &info, NULL),
                   PST_OK);
  ck_assert_int_eq(info.components, 4);
  ck_assert_int_eq(info.colorspace, PST_CS_CMYK);
  ck_assert_double_lt(mad(img->px, px, 32 * 32 * 3), 4);
  pst_image_destroy(img);
  free(jpg);
  free(px);
}
END_TEST

START_TEST(progressive_and_arithmetic_are_reported) {
  uint8_t *px = synthetic(48, 48);
  enc_opts prog = {.progressive = 1}, arith = {.arith = 1};
  size_t len;
  uint8_t *jpg = encode(px, 48, 48, &prog, &len);
  pst_image *img = NULL;
  pst_info info, hdr;
  ck_assert_int_eq(pst_image_load_mem(jpg, len, NULL, 1, &img, &info, NULL),
                   PST_OK);
  ck_assert_int_eq(info.progressive, 1);
  ck_assert_int_gt(info.scans, 1);
  ck_assert_int_eq(pst__jpeg_inspect(jpg, len, NULL, &hdr, NULL), PST_OK);
  ck_assert_int_eq(hdr.scans, info.scans);
  ck_assert_int_eq(hdr.progressive, 1);
  pst_image_destroy(img);
  free(jpg);
  jpg = encode(px, 48, 48, &arith, &len);
  ck_assert_int_eq(pst_image_load_mem(jpg, len, NULL, 1, &img, &info, NULL),
                   PST_OK);
  ck_assert_int_eq(info.arithmetic, 1);
  ck_assert_int_eq(info.progressive, 0);
  ck_assert_double_lt(mad(img->px, px, 48 * 48 * 3), 8);
  pst_image_destroy(img);
  free(jpg);
  free(px);
}
END_TEST

START_TEST(too_many_scans_is_a_limit_failure) {
  uint8_t *px = synthetic(48, 48);
  enc_opts prog = {.progressive = 1};
  size_t len;
  uint8_t *jpg = encode(px, 48, 48, &prog, &len);
  pst_limits *lim = pst_limits_create();
  pst_image *img = NULL;
  pst_errinfo e;
  pst_limits_set_max_scans(lim, 3);
  ck_assert_int_eq(pst_image_load_mem(jpg, len, lim, 1, &img, NULL, &e),
                   PST_ERR_LIMIT);
  ck_assert_ptr_null(img);
  ck_assert_ptr_nonnull(strstr(e.message, "scans"));
  pst_limits_destroy(lim);
  free(jpg);
  free(px);
}
END_TEST

START_TEST(truncated_jpeg_warns_or_fails_and_never_crashes) {
  uint8_t *px = synthetic(64, 64);
  static const int progressive[] = {0, 1};
  for (int p = 0; p < 2; p++) {
    enc_opts o = {.progressive = progressive[p]};
    size_t len;
    uint8_t *jpg = encode(px, 64, 64, &o, &len);
    for (size_t cut = 3; cut < len; cut += len / 23 + 1) {
      pst_image *img = NULL;
      pst_info info;
      pst_err err = pst_image_load_mem(jpg, cut, NULL, 1, &img, &info, NULL);
      if (err == PST_OK) {
        ck_assert_msg(info.truncated == 1 && info.corrupt_warnings > 0,
                      "cut %zu of %zu decoded without a warning", cut, len);
        ck_assert(info.warning[0] != '\0');
      } else {
        ck_assert_int_eq(err, PST_ERR_DECODE);
        ck_assert_ptr_null(img);
      }
      pst_image_destroy(img);
    }
    free(jpg);
  }
  free(px);
}
END_TEST

START_TEST(strict_turns_a_truncated_jpeg_into_a_decode_failure) {
  uint8_t *px = synthetic(64, 64);
  enc_opts o = {0};
  size_t len;
  uint8_t *jpg = encode(px, 64, 64, &o, &len);
  pst_limits *lim = pst_limits_create();
  pst_image *img = NULL;
  pst_info info;
  pst_errinfo e;
  ck_assert_int_eq(
      pst_image_load_mem(jpg, len * 2 / 3, NULL, 1, &img, &info, NULL), PST_OK);
  ck_assert_int_eq(info.truncated, 1);
  pst_image_destroy(img);
  pst_limits_set_strict(lim, 1);
  ck_assert_int_eq(
      pst_image_load_mem(jpg, len * 2 / 3, lim, 1, &img, &info, &e),
      PST_ERR_DECODE);
  ck_assert_ptr_nonnull(strstr(e.message, "corrupt"));
  pst_limits_destroy(lim);
  free(jpg);
  free(px);
}
END_TEST

/* Patches the SOF0 height and width of a small JPEG. */
static void set_sof_size(uint8_t *jpg, size_t len, int w, int h) {
  for (size_t i = 2; i + 8 < len; i++)
    if (jpg[i] == 0xff && jpg[i + 1] == 0xc0) {
      jpg[i + 5] = (uint8_t)(h >> 8), jpg[i + 6] = (uint8_t)h;
      jpg[i + 7] = (uint8_t)(w >> 8), jpg[i + 8] = (uint8_t)w;
      return;
    }
  ck_abort_msg("no SOF0");
}

START_TEST(huge_declared_size_is_refused_fast) {
  uint8_t *px = synthetic(16, 16);
  enc_opts o = {0};
  size_t len;
  uint8_t *jpg = encode(px, 16, 16, &o, &len);
  pst_image *img = NULL;
  pst_info info;
  pst_errinfo e;
  clock_t t0 = clock();
  set_sof_size(jpg, len, 60000, 60000);
  ck_assert_int_eq(pst_image_load_mem(jpg, len, NULL, 1, &img, &info, &e),
                   PST_ERR_LIMIT);
  ck_assert_ptr_nonnull(strstr(e.message, "60000x60000"));
  ck_assert_int_eq(info.width, 60000);
  ck_assert((double)(clock() - t0) / CLOCKS_PER_SEC < 0.5);
  free(jpg);
  free(px);
}
END_TEST

START_TEST(garbage_after_the_magic_is_a_decode_failure) {
  static const uint8_t junk[] = {0xff, 0xd8, 0xff, 0xe0, 0x00, 0x02,
                                 0x12, 0x34, 0xff, 0xc0, 0x00, 0x01};
  pst_image *img = NULL;
  pst_errinfo e;
  ck_assert_int_eq(
      pst_image_load_mem(junk, sizeof junk, NULL, 1, &img, NULL, &e),
      PST_ERR_DECODE);
  ck_assert(e.message[0] != '\0');
}
END_TEST

/* ---- EXIF orientation, end to end ---- */

/* "Exif\0\0" + a little-endian TIFF with one IFD holding Orientation. */
static size_t exif_orientation(uint8_t *b, int o) {
  static const uint8_t head[] = {'E',  'x',  'i', 'f', 0, 0, 'I', 'I',
                                 42,   0,    8,   0,   0, 0, 1,   0,
                                 0x12, 0x01, 3,   0,   1, 0, 0,   0};
  memcpy(b, head, sizeof head);
  b[24] = (uint8_t)o, b[25] = 0, b[26] = b[27] = 0;
  memset(b + 28, 0, 4); /* no next IFD */
  return 32;
}

/* Writes the upright `px` stored as a camera with orientation `o` would
 * store it: the inverse transform of what `o` asks a viewer to do. */
START_TEST(exif_orientation_round_trips_through_jpeg) {
  static const int inverse[9] = {0, 1, 2, 3, 4, 5, 8, 7, 6};
  const int w = 48, h = 32;
  pst_image *up = NULL;
  ck_assert_int_eq(pst__image_alloc(w, h, &up), PST_OK);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) {
      uint8_t *p = up->px + ((size_t)y * w + x) * 3;
      /* 16x16 blocks of distinct flat colours: asymmetric both ways. */
      p[0] = (uint8_t)(40 + 60 * (x / 16));
      p[1] = (uint8_t)(40 + 90 * (y / 16));
      p[2] = (uint8_t)((x / 16 == 0 && y / 16 == 0) ? 250 : 10);
    }
  for (int o = 1; o <= 8; o++) {
    pst_image *stored = NULL, *img = NULL;
    uint8_t app1[32];
    size_t len;
    pst_info info;
    ck_assert_int_eq(pst__image_alloc(w, h, &stored), PST_OK);
    memcpy(stored->px, up->px, (size_t)w * h * 3);
    ck_assert_int_eq(pst_image_orient(stored, inverse[o]), PST_OK);
    enc_opts eo = {.quality = 100, .app1 = app1};
    eo.app1_len = exif_orientation(app1, o);
    uint8_t *jpg = encode(stored->px, stored->width, stored->height, &eo, &len);
    ck_assert_int_eq(pst_image_load_mem(jpg, len, NULL, 1, &img, &info, NULL),
                     PST_OK);
    ck_assert_int_eq(info.orientation, o);
    ck_assert_int_eq(info.has_exif, 1);
    ck_assert_int_eq(info.exif_corrupt, 0);
    ck_assert_int_eq(pst_image_orient(img, info.orientation), PST_OK);
    ck_assert_int_eq(img->width, w);
    ck_assert_int_eq(img->height, h);
    double d = mad(img->px, up->px, (size_t)w * h * 3);
    ck_assert_msg(d < 3, "orientation %d: mean abs diff %.2f", o, d);
    pst_image_destroy(img);
    pst_image_destroy(stored);
    free(jpg);
  }
  pst_image_destroy(up);
}
END_TEST

/* ---- encoding ---- */

START_TEST(encoder_writes_quality_density_and_mode) {
  uint8_t *px = synthetic(80, 60);
  pst_image *img = NULL, *back = NULL;
  uint8_t *jpg = NULL;
  size_t len = 0;
  pst_info info;
  ck_assert_int_eq(pst__image_alloc(80, 60, &img), PST_OK);
  memcpy(img->px, px, 80 * 60 * 3);
  pst_jpeg_opts o = {.quality = 85, .dpi = 300};
  ck_assert_int_eq(pst_image_encode_jpeg(img, &o, &jpg, &len), PST_OK);
  ck_assert_int_eq(pst_sniff(jpg, len), PST_FMT_JPEG);
  ck_assert_int_eq(pst_image_load_mem(jpg, len, NULL, 1, &back, &info, NULL),
                   PST_OK);
  ck_assert_int_eq(info.quality, 85);
  ck_assert_int_eq(info.progressive, 0);
  ck_assert_int_eq(info.density_unit, 1);
  ck_assert_double_eq_tol(info.xdpi, 300, 1e-9);
  ck_assert_int_eq(info.has_exif, 0);
  ck_assert_double_lt(mad(back->px, px, 80 * 60 * 3), 8);
  pst_image_destroy(back);
  pst_free(jpg);
  pst_jpeg_opts g = {.quality = 70, .progressive = 1, .grayscale = 1};
  ck_assert_int_eq(pst_image_encode_jpeg(img, &g, &jpg, &len), PST_OK);
  ck_assert_int_eq(pst__jpeg_inspect(jpg, len, NULL, &info, NULL), PST_OK);
  ck_assert_int_eq(info.components, 1);
  ck_assert_int_eq(info.progressive, 1);
  ck_assert_int_eq(info.quality, 70);
  ck_assert_double_eq(info.xdpi, 0);
  pst_free(jpg);
  pst_image_destroy(img);
  free(px);
}
END_TEST

START_TEST(encoder_grows_its_buffer_for_large_images) {
  pst_image *img = NULL;
  uint8_t *jpg = NULL;
  size_t len = 0;
  pst_jpeg_opts o = {.quality = 100};
  ck_assert_int_eq(pst__image_alloc(600, 400, &img), PST_OK);
  for (size_t i = 0; i < 600 * 400 * 3; i++)
    img->px[i] = (uint8_t)((i * 2654435761u) >> 13); /* noise */
  ck_assert_int_eq(pst_image_encode_jpeg(img, &o, &jpg, &len), PST_OK);
  ck_assert_uint_gt(len, 65536);
  ck_assert(jpg[len - 2] == 0xff && jpg[len - 1] == 0xd9);
  pst_free(jpg);
  pst_image_destroy(img);
}
END_TEST

START_TEST(encoder_refuses_bad_options) {
  pst_image *img = NULL;
  uint8_t *jpg = (uint8_t *)&jpg;
  size_t len = 1;
  ck_assert_int_eq(pst_image_create(8, 8, (pst_rgb){1, 2, 3}, &img), PST_OK);
  pst_jpeg_opts o = {.quality = 0};
  ck_assert_int_eq(pst_image_encode_jpeg(img, &o, &jpg, &len), PST_ERR_RANGE);
  ck_assert_ptr_null(jpg);
  o.quality = 101;
  ck_assert_int_eq(pst_image_encode_jpeg(img, &o, &jpg, &len), PST_ERR_RANGE);
  o.quality = 90, o.dpi = -1;
  ck_assert_int_eq(pst_image_encode_jpeg(img, &o, &jpg, &len), PST_ERR_RANGE);
  ck_assert_int_eq(pst_image_encode_jpeg(NULL, &o, &jpg, &len), PST_ERR_ARG);
  pst_image_destroy(img);
}
END_TEST

START_TEST(real_progressive_photo_reports_scans_and_quality) {
  char *p;
  pst_image *img = NULL;
  pst_info info;
  TU_NEED_REAL();
  p = tu_real_path("misc/grace_hopper_512x512.jpg");
  ck_assert_int_eq(pst_image_load(p, NULL, 1, &img, &info, NULL), PST_OK);
  ck_assert_int_eq(info.progressive, 1);
  ck_assert_int_gt(info.scans, 1);
  ck_assert_int_ge(info.quality, 60);
  ck_assert_int_eq(info.corrupt_warnings, 0);
  pst_image_destroy(img);
  free(p);
}
END_TEST

Suite *jpeg_suite(void) {
  Suite *s = suite_create("jpeg");
  TCase *tc = tcase_create("jpeg");
  tcase_set_timeout(tc, 30);
  tcase_add_test(tc, quality_estimate_is_within_3_for_30_to_98);
  tcase_add_test(tc, quality_estimate_refuses_a_zero_table);
  tcase_add_test(tc, scaled_decode_gives_jpeg_scaled_sizes);
  tcase_add_test(tc, baseline_colour_decode_matches_the_source);
  tcase_add_test(tc, dots_per_cm_density_is_converted_to_dpi);
  tcase_add_test(tc, greyscale_jpeg_has_one_component_and_grey_pixels);
  tcase_add_test(tc, adobe_cmyk_jpeg_is_converted_to_rgb);
  tcase_add_test(tc, progressive_and_arithmetic_are_reported);
  tcase_add_test(tc, too_many_scans_is_a_limit_failure);
  tcase_add_test(tc, truncated_jpeg_warns_or_fails_and_never_crashes);
  tcase_add_test(tc, strict_turns_a_truncated_jpeg_into_a_decode_failure);
  tcase_add_test(tc, huge_declared_size_is_refused_fast);
  tcase_add_test(tc, garbage_after_the_magic_is_a_decode_failure);
  tcase_add_test(tc, exif_orientation_round_trips_through_jpeg);
  tcase_add_test(tc, encoder_writes_quality_density_and_mode);
  tcase_add_test(tc, encoder_grows_its_buffer_for_large_images);
  tcase_add_test(tc, encoder_refuses_bad_options);
  tcase_add_test(tc, real_progressive_photo_reports_scans_and_quality);
  suite_add_tcase(s, tc);
  return s;
}

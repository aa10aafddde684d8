/* PNG decode of every colour type, bit depth and interlacing, written
 * here with libpng so that the expected pixels are known. */
#include "testutil.h"

#include "internal.h"

#include <png.h>
#include <string.h>

typedef struct membuf {
  uint8_t *data;
  size_t len, cap;
} membuf;

static void mem_write(png_structp png, png_bytep d, size_t n) {
  membuf *m = png_get_io_ptr(png);
  if (m->len + n > m->cap) {
    m->cap = (m->len + n) * 2;
    m->data = realloc(m->data, m->cap);
  }
  memcpy(m->data + m->len, d, n);
  m->len += n;
}

static void mem_flush(png_structp png) { PST_UNUSED(png); }

typedef struct png_opts {
  int color_type, bit_depth, interlace;
  const uint8_t *exif; /* eXIf chunk (bare TIFF) */
  size_t exif_len;
  const char *raw_exif_text; /* zTXt "Raw profile type exif" */
  int ppm;                   /* pHYs pixels per metre; 0: none */
} png_opts;

/* `rows` hold samples in the file's own layout (bit_depth, channels). */
static uint8_t *write_png(int w, int h, const png_opts *o, png_bytep *rows,
                          size_t *len) {
  membuf m = {0};
  png_structp png =
      png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
  png_infop pi = png_create_info_struct(png);
  ck_assert(png && pi);
  if (setjmp(png_jmpbuf(png))) ck_abort_msg("libpng write failed");
  png_set_write_fn(png, &m, mem_write, mem_flush);
  png_set_IHDR(png, pi, (png_uint_32)w, (png_uint_32)h, o->bit_depth,
               o->color_type, o->interlace, PNG_COMPRESSION_TYPE_DEFAULT,
               PNG_FILTER_TYPE_DEFAULT);
  if (o->color_type == PNG_COLOR_TYPE_PALETTE) {
    png_color pal[4] = {{255, 0, 0}, {0, 255, 0}, {0, 0, 255}, {9, 9, 9}};
    png_byte trans[4] = {255, 255, 255, 0};
    png_set_PLTE(png, pi, pal, 4);
    png_set_tRNS(png, pi, trans, 4, NULL);
  }
  if (o->ppm) png_set_pHYs(png, pi, o->ppm, o->ppm, PNG_RESOLUTION_METER);
  if (o->exif)
    png_set_eXIf_1(png, pi, (png_uint_32)o->exif_len,
                   (png_bytep)(uintptr_t)o->exif);
  if (o->raw_exif_text) {
    png_text t = {0};
    t.compression = PNG_TEXT_COMPRESSION_zTXt;
    t.key = (png_charp)(uintptr_t) "Raw profile type exif";
    t.text = (png_charp)(uintptr_t)o->raw_exif_text;
    t.text_length = strlen(o->raw_exif_text);
    png_set_text(png, pi, &t, 1);
  }
  png_write_info(png, pi);
  png_write_image(png, rows);
  png_write_end(png, pi);
  png_destroy_write_struct(&png, &pi);
  *len = m.len;
  return m.data;
}

static pst_image *decode(const uint8_t *b, size_t len, pst_info *info) {
  pst_image *img = NULL;
  pst_errinfo e = {0};
  pst_err err = pst_image_load_mem(b, len, NULL, 1, &img, info, &e);
  ck_assert_msg(err == PST_OK, "%d %s", err, e.message);
  return img;
}

static void assert_px(const pst_image *img, int x, int y, int r, int g, int b) {
  const uint8_t *p = img->px + ((size_t)y * img->width + x) * 3;
  ck_assert_msg(abs(p[0] - r) <= 1 && abs(p[1] - g) <= 1 && abs(p[2] - b) <= 1,
                "(%d,%d) = %d,%d,%d want %d,%d,%d", x, y, p[0], p[1], p[2], r,
                g, b);
}

START_TEST(palette_with_transparency_becomes_rgb_over_white) {
  uint8_t r0[] = {0, 1, 2, 3}, r1[] = {3, 2, 1, 0};
  png_bytep rows[] = {r0, r1};
  png_opts o = {.color_type = PNG_COLOR_TYPE_PALETTE, .bit_depth = 8};
  size_t len;
  uint8_t *b = write_png(4, 2, &o, rows, &len);
  pst_info info;
  pst_image *img = decode(b, len, &info);
  ck_assert_int_eq(info.format, PST_FMT_PNG);
  ck_assert_int_eq(info.components, 3);
  assert_px(img, 0, 0, 255, 0, 0);
  assert_px(img, 2, 0, 0, 0, 255);
  assert_px(img, 3, 0, 255, 255, 255); /* fully transparent */
  assert_px(img, 0, 1, 255, 255, 255);
  pst_image_destroy(img);
  free(b);
}
END_TEST

START_TEST(sixteen_bit_rgb_is_scaled_to_eight) {
  uint16_t row[6];
  uint8_t be[12];
  png_bytep rows[] = {be};
  png_opts o = {.color_type = PNG_COLOR_TYPE_RGB, .bit_depth = 16};
  size_t len;
  row[0] = 0xffff, row[1] = 0x8080, row[2] = 0x0000;
  row[3] = 0x1234, row[4] = 0xfedc, row[5] = 0x0101;
  for (int i = 0; i < 6; i++)
    be[2 * i] = (uint8_t)(row[i] >> 8), be[2 * i + 1] = (uint8_t)row[i];
  uint8_t *b = write_png(2, 1, &o, rows, &len);
  pst_info info;
  pst_image *img = decode(b, len, &info);
  assert_px(img, 0, 0, 255, 128, 0);
  assert_px(img, 1, 0, 0x12, 0xfe, 1);
  pst_image_destroy(img);
  free(b);
}
END_TEST

START_TEST(grey_alpha_is_composited_over_white) {
  uint8_t r0[] = {0, 255, 0, 0, 100, 128};
  png_bytep rows[] = {r0};
  png_opts o = {.color_type = PNG_COLOR_TYPE_GRAY_ALPHA, .bit_depth = 8};
  size_t len;
  uint8_t *b = write_png(3, 1, &o, rows, &len);
  pst_info info;
  pst_image *img = decode(b, len, &info);
  ck_assert_int_eq(info.components, 2);
  ck_assert_int_eq(info.colorspace, PST_CS_GRAY);
  assert_px(img, 0, 0, 0, 0, 0);
  assert_px(img, 1, 0, 255, 255, 255);
  /* 100 at alpha 128/255 over 255: 100*0.502 + 255*0.498 = 177.2 */
  assert_px(img, 2, 0, 177, 177, 177);
  pst_image_destroy(img);
  free(b);
}
END_TEST

START_TEST(interlaced_png_decodes_like_a_plain_one) {
  enum { W = 19, H = 13 };
  static uint8_t px[H][W * 3];
  png_bytep rows[H];
  png_opts o = {.color_type = PNG_COLOR_TYPE_RGB,
                .bit_depth = 8,
                .interlace = PNG_INTERLACE_ADAM7};
  size_t len;
  for (int y = 0; y < H; y++) {
    rows[y] = px[y];
    for (int i = 0; i < W * 3; i++) px[y][i] = (uint8_t)(y * 17 + i * 5);
  }
  uint8_t *b = write_png(W, H, &o, rows, &len);
  pst_info info;
  pst_image *img = decode(b, len, &info);
  ck_assert_int_eq(img->width, W);
  ck_assert_mem_eq(img->px, px, sizeof px);
  pst_image_destroy(img);
  free(b);
}
END_TEST

START_TEST(one_bit_grey_expands_to_black_and_white) {
  uint8_t r0[] = {0xa0}; /* 1 0 1 0 */
  png_bytep rows[] = {r0};
  png_opts o = {.color_type = PNG_COLOR_TYPE_GRAY, .bit_depth = 1};
  size_t len;
  uint8_t *b = write_png(4, 1, &o, rows, &len);
  pst_info info;
  pst_image *img = decode(b, len, &info);
  assert_px(img, 0, 0, 255, 255, 255);
  assert_px(img, 1, 0, 0, 0, 0);
  pst_image_destroy(img);
  free(b);
}
END_TEST

START_TEST(phys_density_becomes_dpi) {
  uint8_t r0[3] = {1, 2, 3};
  png_bytep rows[] = {r0};
  png_opts o = {.color_type = PNG_COLOR_TYPE_RGB, .bit_depth = 8, .ppm = 11811};
  size_t len;
  uint8_t *b = write_png(1, 1, &o, rows, &len);
  pst_info info;
  pst_image *img = decode(b, len, &info);
  ck_assert_double_eq_tol(info.xdpi, 300, 0.01);
  pst_image_destroy(img);
  free(b);
}
END_TEST

/* Little-endian TIFF with Orientation = 6. */
static const uint8_t tiff_o6[] = {'I', 'I',  42, 0, 8, 0, 0, 0, 1,
                                  0,   0x12, 1,  3, 0, 1, 0, 0, 0,
                                  6,   0,    0,  0, 0, 0, 0, 0};

START_TEST(exif_chunk_orientation_is_read) {
  uint8_t r0[3] = {1, 2, 3};
  png_bytep rows[] = {r0};
  png_opts o = {.color_type = PNG_COLOR_TYPE_RGB,
                .bit_depth = 8,
                .exif = tiff_o6,
                .exif_len = sizeof tiff_o6};
  size_t len;
  uint8_t *b = write_png(1, 1, &o, rows, &len);
  pst_info info;
  pst_image *img = decode(b, len, &info);
  ck_assert_int_eq(info.has_exif, 1);
  ck_assert_int_eq(info.orientation, 6);
  pst_image_destroy(img);
  free(b);
}
END_TEST

START_TEST(imagemagick_raw_profile_exif_is_read) {
  char text[256] = "\nexif\n      32\n457869660000";
  uint8_t r0[3] = {1, 2, 3};
  png_bytep rows[] = {r0};
  png_opts o = {.color_type = PNG_COLOR_TYPE_RGB, .bit_depth = 8};
  size_t len;
  for (size_t i = 0; i < sizeof tiff_o6; i++)
    sprintf(text + strlen(text), "%02x%s", tiff_o6[i], i == 12 ? "\n" : "");
  strcat(text, "\n");
  o.raw_exif_text = text;
  uint8_t *b = write_png(1, 1, &o, rows, &len);
  pst_info info;
  pst_image *img = decode(b, len, &info);
  ck_assert_int_eq(info.orientation, 6);
  pst_image_destroy(img);
  free(b);
}
END_TEST

static uint8_t *small_rgb_png(size_t *len) {
  static uint8_t px[8][8 * 3];
  png_bytep rows[8];
  png_opts o = {.color_type = PNG_COLOR_TYPE_RGB, .bit_depth = 8};
  for (int y = 0; y < 8; y++) {
    rows[y] = px[y];
    for (int i = 0; i < 24; i++) px[y][i] = (uint8_t)(y * 31 + i * 7);
  }
  return write_png(8, 8, &o, rows, len);
}

START_TEST(truncated_png_is_a_decode_failure_at_every_cut) {
  size_t len;
  uint8_t *b = small_rgb_png(&len);
  for (size_t cut = 1; cut < len; cut++) {
    pst_image *img = NULL;
    pst_info info;
    pst_errinfo e;
    pst_err err = pst_image_load_mem(b, cut, NULL, 1, &img, &info, &e);
    /* The IEND chunk carries nothing; losing only part of it may decode. */
    if (err == PST_OK) {
      ck_assert_uint_ge(cut, len - 12);
      pst_image_destroy(img);
      continue;
    }
    ck_assert_msg(err == PST_ERR_DECODE || err == PST_ERR_UNSUPPORTED,
                  "cut %zu: %d", cut, err);
    ck_assert_ptr_null(img);
  }
  free(b);
}
END_TEST

START_TEST(bad_crc_in_image_data_is_a_decode_failure) {
  size_t len;
  uint8_t *b = small_rgb_png(&len);
  pst_image *img = NULL;
  pst_errinfo e;
  /* The first IDAT's data follows 8 (signature) + 25 (IHDR) + 8 bytes;
   * its CRC follows the data. Data damage is caught by zlib instead. */
  ck_assert_mem_eq(b + 37, "IDAT", 4);
  size_t n = (size_t)b[33] << 24 | (size_t)b[34] << 16 | b[35] << 8 | b[36];
  b[41 + n] ^= 0x55;
  ck_assert_int_eq(pst_image_load_mem(b, len, NULL, 1, &img, NULL, &e),
                   PST_ERR_DECODE);
  ck_assert_msg(strstr(e.message, "CRC") != NULL, "%s", e.message);
  b[41 + n] ^= 0x55;
  b[41 + 3] ^= 0x55;
  ck_assert_int_eq(pst_image_load_mem(b, len, NULL, 1, &img, NULL, &e),
                   PST_ERR_DECODE);
  free(b);
}
END_TEST

START_TEST(bad_crc_in_an_ancillary_chunk_is_a_warning_or_strict_failure) {
  uint8_t r0[3] = {1, 2, 3};
  png_bytep rows[] = {r0};
  png_opts o = {.color_type = PNG_COLOR_TYPE_RGB, .bit_depth = 8, .ppm = 11811};
  size_t len;
  uint8_t *b = write_png(1, 1, &o, rows, &len);
  pst_limits *lim = pst_limits_create();
  pst_image *img = NULL;
  pst_info info;
  pst_errinfo e;
  /* pHYs follows IHDR: 8 + 25, then length, type, 9 data bytes, CRC. */
  ck_assert_mem_eq(b + 37, "pHYs", 4);
  b[41 + 9] ^= 0x55;
  img = decode(b, len, &info);
  ck_assert_int_ge(info.corrupt_warnings, 1);
  ck_assert_ptr_nonnull(strstr(info.warning, "CRC"));
  ck_assert_double_eq(info.xdpi, 0); /* the damaged chunk is dropped */
  pst_image_destroy(img);
  pst_limits_set_strict(lim, 1);
  ck_assert_int_eq(pst_image_load_mem(b, len, lim, 1, &img, &info, &e),
                   PST_ERR_DECODE);
  ck_assert_ptr_null(img);
  pst_limits_destroy(lim);
  free(b);
}
END_TEST

/* PNG's CRC-32 (ISO 3309), bit by bit. */
static uint32_t crc32_png(const uint8_t *p, size_t n) {
  uint32_t c = 0xffffffffu;
  for (size_t i = 0; i < n; i++) {
    c ^= p[i];
    for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1)));
  }
  return c ^ 0xffffffffu;
}

START_TEST(huge_declared_png_is_a_limit_failure) {
  size_t len;
  uint8_t *b = small_rgb_png(&len);
  pst_image *img = NULL;
  pst_errinfo e;
  /* IHDR width and height to 60000; its CRC then needs fixing. */
  b[16] = 0, b[17] = 0, b[18] = 0xea, b[19] = 0x60;
  b[20] = 0, b[21] = 0, b[22] = 0xea, b[23] = 0x60;
  uint32_t crc = crc32_png(b + 12, 17);
  b[29] = (uint8_t)(crc >> 24), b[30] = (uint8_t)(crc >> 16);
  b[31] = (uint8_t)(crc >> 8), b[32] = (uint8_t)crc;
  ck_assert_int_eq(pst_image_load_mem(b, len, NULL, 1, &img, NULL, &e),
                   PST_ERR_LIMIT);
  ck_assert_ptr_nonnull(strstr(e.message, "60000x60000"));
  free(b);
}
END_TEST

START_TEST(real_pngs_decode_with_their_exif) {
  char *p;
  pst_image *img = NULL;
  pst_info info;
  TU_NEED_REAL();
  p = tu_real_path("misc/exif_imagemagick_orientation.png");
  ck_assert_int_eq(pst_image_load(p, NULL, 1, &img, &info, NULL), PST_OK);
  ck_assert_int_eq(info.orientation, 3);
  ck_assert_int_eq(info.corrupt_warnings, 0);
  pst_image_destroy(img);
  free(p);
  p = tu_real_path("misc/1280px-Solvay_conference_1927.png");
  ck_assert_int_eq(pst_image_load(p, NULL, 1, &img, &info, NULL), PST_OK);
  ck_assert_int_eq(info.components, 1);
  ck_assert_int_eq(pst_image_width(img), 1280);
  pst_image_destroy(img);
  free(p);
}
END_TEST

Suite *png_suite(void) {
  Suite *s = suite_create("png");
  TCase *tc = tcase_create("png");
  tcase_add_test(tc, palette_with_transparency_becomes_rgb_over_white);
  tcase_add_test(tc, sixteen_bit_rgb_is_scaled_to_eight);
  tcase_add_test(tc, grey_alpha_is_composited_over_white);
  tcase_add_test(tc, interlaced_png_decodes_like_a_plain_one);
  tcase_add_test(tc, one_bit_grey_expands_to_black_and_white);
  tcase_add_test(tc, phys_density_becomes_dpi);
  tcase_add_test(tc, exif_chunk_orientation_is_read);
  tcase_add_test(tc, imagemagick_raw_profile_exif_is_read);
  tcase_add_test(tc, truncated_png_is_a_decode_failure_at_every_cut);
  tcase_add_test(tc, bad_crc_in_image_data_is_a_decode_failure);
  tcase_add_test(tc,
                 bad_crc_in_an_ancillary_chunk_is_a_warning_or_strict_failure);
  tcase_add_test(tc, huge_declared_png_is_a_limit_failure);
  tcase_add_test(tc, real_pngs_decode_with_their_exif);
  suite_add_tcase(s, tc);
  return s;
}

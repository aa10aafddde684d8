/* Images: creation, EXIF orientation, luma, and loading files of every
 * kind, including the ones that must be refused. */
#include "testutil.h"

#include "internal.h"

#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* A 3x2 image whose pixel (x, y) has red x and green y, so every pixel
 * says where it came from. */
static pst_image *coords_image(void) {
  pst_image *img = NULL;
  ck_assert_int_eq(pst_image_create(3, 2, (pst_rgb){0, 0, 0}, &img), PST_OK);
  for (int y = 0; y < 2; y++)
    for (int x = 0; x < 3; x++) {
      uint8_t *p = pst_image_pixels(img) + (y * 3 + x) * 3;
      p[0] = (uint8_t)x, p[1] = (uint8_t)y, p[2] = 7;
    }
  return img;
}

static void px_from(const pst_image *img, int x, int y, int *sx, int *sy) {
  const uint8_t *p = pst_image_cpixels(img) + (y * img->width + x) * 3;
  *sx = p[0], *sy = p[1];
}

START_TEST(create_fills_every_pixel) {
  pst_image *img = NULL;
  ck_assert_int_eq(pst_image_create(5, 4, (pst_rgb){1, 2, 3}, &img), PST_OK);
  ck_assert_int_eq(pst_image_width(img), 5);
  ck_assert_int_eq(pst_image_height(img), 4);
  for (int i = 0; i < 20; i++) {
    const uint8_t *p = pst_image_cpixels(img) + i * 3;
    ck_assert(p[0] == 1 && p[1] == 2 && p[2] == 3);
  }
  pst_image_destroy(img);
  pst_image_destroy(NULL);
}
END_TEST

START_TEST(create_refuses_empty_and_overflowing_sizes) {
  pst_image *img = (pst_image *)&img;
  ck_assert_int_ne(pst_image_create(0, 4, (pst_rgb){0, 0, 0}, &img), PST_OK);
  ck_assert_ptr_null(img);
  ck_assert_int_ne(pst_image_create(-3, 4, (pst_rgb){0, 0, 0}, &img), PST_OK);
  ck_assert_int_ne(pst_image_create(1 << 30, 1 << 30, (pst_rgb){0, 0, 0}, &img),
                   PST_OK);
  ck_assert_ptr_null(img);
}
END_TEST

/* For each orientation: the displayed size and where displayed (0,0) and
 * (1,0) come from in the stored 3x2 image. */
START_TEST(orient_moves_pixels_as_exif_says) {
  static const struct {
    int w, h, x0, y0, x1, y1;
  } want[9] = {{0},
               {3, 2, 0, 0, 1, 0},
               {3, 2, 2, 0, 1, 0},
               {3, 2, 2, 1, 1, 1},
               {3, 2, 0, 1, 1, 1},
               {2, 3, 0, 0, 0, 1},
               {2, 3, 0, 1, 0, 0},
               {2, 3, 2, 1, 2, 0},
               {2, 3, 2, 0, 2, 1}};
  for (int o = 1; o <= 8; o++) {
    pst_image *img = coords_image();
    int sx, sy;
    ck_assert_int_eq(pst_image_orient(img, o), PST_OK);
    ck_assert_int_eq(img->width, want[o].w);
    ck_assert_int_eq(img->height, want[o].h);
    px_from(img, 0, 0, &sx, &sy);
    ck_assert_msg(sx == want[o].x0 && sy == want[o].y0, "o=%d (0,0)<-(%d,%d)",
                  o, sx, sy);
    px_from(img, 1, 0, &sx, &sy);
    ck_assert_msg(sx == want[o].x1 && sy == want[o].y1, "o=%d (1,0)<-(%d,%d)",
                  o, sx, sy);
    pst_image_destroy(img);
  }
}
END_TEST

START_TEST(orient_then_inverse_gives_the_original) {
  static const int inverse[9] = {0, 1, 2, 3, 4, 5, 8, 7, 6};
  pst_image *ref = coords_image();
  for (int o = 1; o <= 8; o++) {
    pst_image *img = coords_image();
    ck_assert_int_eq(pst_image_orient(img, o), PST_OK);
    ck_assert_int_eq(pst_image_orient(img, inverse[o]), PST_OK);
    ck_assert_int_eq(img->width, 3);
    ck_assert_mem_eq(img->px, ref->px, 18);
    pst_image_destroy(img);
  }
  pst_image_destroy(ref);
}
END_TEST

START_TEST(orient_refuses_values_outside_1_to_8) {
  pst_image *img = coords_image();
  ck_assert_int_eq(pst_image_orient(img, 0), PST_ERR_RANGE);
  ck_assert_int_eq(pst_image_orient(img, 9), PST_ERR_RANGE);
  ck_assert_int_eq(pst_image_orient(NULL, 1), PST_ERR_ARG);
  pst_image_destroy(img);
}
END_TEST

START_TEST(luma_uses_bt601_weights) {
  pst_image *img = NULL;
  pst_plane pl = {0};
  ck_assert_int_eq(pst_image_create(2, 1, (pst_rgb){255, 0, 0}, &img), PST_OK);
  img->px[3] = img->px[4] = img->px[5] = 255;
  ck_assert_int_eq(pst__image_luma(img, &pl), PST_OK);
  ck_assert_int_eq(pl.width, 2);
  ck_assert_int_eq(pl.data[0], 76); /* 0.299 * 255 */
  ck_assert_int_eq(pl.data[1], 255);
  free(pl.data);
  pst_image_destroy(img);
}
END_TEST

START_TEST(empty_input_is_a_decode_failure_named_empty) {
  pst_image *img = NULL;
  pst_info info;
  pst_errinfo e;
  ck_assert_int_eq(pst_image_load_mem("", 0, NULL, 1, &img, &info, &e),
                   PST_ERR_DECODE);
  ck_assert_ptr_nonnull(strstr(e.message, "empty"));
  ck_assert_int_eq(info.format, PST_FMT_EMPTY);
}
END_TEST

START_TEST(other_formats_are_unsupported_and_named) {
  static const char webp[] = "RIFF\x24\0\0\0WEBPVP8 \0\0\0\0";
  pst_image *img = NULL;
  pst_info info;
  pst_errinfo e;
  ck_assert_int_eq(pst_image_load_mem(webp, 20, NULL, 1, &img, &info, &e),
                   PST_ERR_UNSUPPORTED);
  ck_assert_ptr_null(img);
  ck_assert_ptr_nonnull(strstr(e.message, "WebP"));
  ck_assert_int_eq(info.format, PST_FMT_WEBP);
  ck_assert_int_eq(info.file_bytes, 20);
  ck_assert_int_eq(
      pst_image_load_mem("GIF89a\1\0\1\0", 10, NULL, 1, &img, &info, &e),
      PST_ERR_UNSUPPORTED);
  ck_assert_ptr_nonnull(strstr(e.message, "GIF"));
}
END_TEST

START_TEST(bad_scale_is_an_argument_error) {
  pst_image *img = NULL;
  ck_assert_int_eq(
      pst_image_load_mem("\xff\xd8\xff", 3, NULL, 3, &img, NULL, NULL),
      PST_ERR_ARG);
}
END_TEST

START_TEST(directory_is_refused_by_name) {
  pst_image *img = NULL;
  pst_errinfo e;
  ck_assert_int_eq(pst_image_load("/tmp", NULL, 1, &img, NULL, &e), PST_ERR_IO);
  ck_assert_ptr_nonnull(strstr(e.message, "is a directory"));
}
END_TEST

START_TEST(fifo_is_refused_without_hanging) {
  char dir[] = "/tmp/pst_fifo_XXXXXX", path[64];
  pst_image *img = NULL;
  pst_errinfo e;
  time_t t0 = time(NULL);
  ck_assert_ptr_nonnull(mkdtemp(dir));
  snprintf(path, sizeof path, "%s/f", dir);
  ck_assert_int_eq(mkfifo(path, 0600), 0);
  ck_assert_int_eq(pst_image_load(path, NULL, 1, &img, NULL, &e), PST_ERR_IO);
  ck_assert_ptr_nonnull(strstr(e.message, "not a regular file"));
  ck_assert(time(NULL) - t0 < 3);
  unlink(path);
  rmdir(dir);
}
END_TEST

START_TEST(device_and_missing_files_are_io_errors) {
  pst_image *img = NULL;
  pst_errinfo e;
  ck_assert_int_eq(pst_image_load("/dev/zero", NULL, 1, &img, NULL, &e),
                   PST_ERR_IO);
  ck_assert_ptr_nonnull(strstr(e.message, "not a regular file"));
  ck_assert_int_eq(
      pst_image_load("/nonexistent/x.jpg", NULL, 1, &img, NULL, &e),
      PST_ERR_IO);
  ck_assert_ptr_nonnull(strstr(e.message, "No such file"));
}
END_TEST

START_TEST(file_over_the_size_limit_is_refused_before_reading) {
  char path[] = "/tmp/pst_big_XXXXXX";
  int fd = mkstemp(path);
  pst_limits *lim = pst_limits_create();
  pst_image *img = NULL;
  pst_errinfo e;
  ck_assert_int_ge(fd, 0);
  ck_assert_int_eq(write(fd, "\xff\xd8\xff\xe0 and more bytes", 20), 20);
  close(fd);
  pst_limits_set_max_file_bytes(lim, 10);
  ck_assert_int_eq(pst_image_load(path, lim, 1, &img, NULL, &e), PST_ERR_LIMIT);
  ck_assert_ptr_nonnull(strstr(e.message, "limit"));
  unlink(path);
  pst_limits_destroy(lim);
}
END_TEST

START_TEST(read_file_gives_the_bytes) {
  char path[] = "/tmp/pst_rd_XXXXXX";
  int fd = mkstemp(path);
  uint8_t *buf = NULL;
  size_t len = 0;
  ck_assert_int_ge(fd, 0);
  ck_assert_int_eq(write(fd, "hello", 5), 5);
  close(fd);
  ck_assert_int_eq(pst__read_file(path, 100, &buf, &len, NULL), PST_OK);
  ck_assert_int_eq(len, 5);
  ck_assert_mem_eq(buf, "hello", 5);
  free(buf);
  unlink(path);
}
END_TEST

/* ---- real photos ---- */

static pst_image *load_real(const char *rel, pst_info *info, pst_err want) {
  char *p = tu_real_path(rel);
  pst_image *img = NULL;
  pst_errinfo e = {0};
  pst_err err = pst_image_load(p, NULL, 1, &img, info, &e);
  ck_assert_msg(err == want, "%s: %d %s", rel, err, e.message);
  free(p);
  return img;
}

static double mean_abs_diff(const pst_image *a, const pst_image *b) {
  double sum = 0;
  size_t n = (size_t)a->width * a->height * 3;
  ck_assert_int_eq(a->width, b->width);
  ck_assert_int_eq(a->height, b->height);
  for (size_t i = 0; i < n; i++) sum += abs(a->px[i] - b->px[i]);
  return sum / n;
}

START_TEST(hopper_orientations_are_read_and_undone) {
  pst_info info;
  pst_image *ref;
  TU_NEED_REAL();
  ref = load_real("misc/hopper.jpg", &info, PST_OK);
  ck_assert_int_eq(info.orientation, 1);
  for (int o = 2; o <= 8; o++) {
    char name[64];
    pst_image *img;
    snprintf(name, sizeof name, "misc/hopper_orientation_%d.jpg", o);
    img = load_real(name, &info, PST_OK);
    ck_assert_int_eq(info.orientation, o);
    ck_assert_int_eq(info.has_exif, 1);
    ck_assert_int_eq(pst_image_orient(img, info.orientation), PST_OK);
    double d = mean_abs_diff(img, ref);
    ck_assert_msg(d < 8, "orientation %d: mean abs diff %.2f", o, d);
    pst_image_destroy(img);
  }
  pst_image_destroy(ref);
}
END_TEST

START_TEST(real_formats_report_what_they_are) {
  pst_info info;
  pst_image *img;
  TU_NEED_REAL();
  img = load_real("misc/hopper_gray.jpg", &info, PST_OK);
  ck_assert_int_eq(info.components, 1);
  ck_assert_int_eq(info.colorspace, PST_CS_GRAY);
  pst_image_destroy(img);
  img = load_real("misc/32bit.png", &info, PST_OK);
  ck_assert_int_eq(info.components, 4);
  ck_assert_int_eq(pst_image_width(img), 626);
  ck_assert_int_eq(pst_image_height(img), 1200);
  pst_image_destroy(img);
  load_real("misc/hopper.webp", &info, PST_ERR_UNSUPPORTED);
  ck_assert_int_eq(info.format, PST_FMT_WEBP);
  load_real("misc/hopper.bmp", &info, PST_ERR_UNSUPPORTED);
  ck_assert_int_eq(info.format, PST_FMT_BMP);
  ck_assert_int_gt(info.file_bytes, 0);
}
END_TEST

START_TEST(png_scaled_load_is_box_reduced) {
  pst_info info;
  char *p;
  pst_image *full = NULL, *half = NULL;
  TU_NEED_REAL();
  p = tu_real_path("misc/hopper.png");
  ck_assert_int_eq(pst_image_load(p, NULL, 1, &full, NULL, NULL), PST_OK);
  ck_assert_int_eq(pst_image_load(p, NULL, 2, &half, &info, NULL), PST_OK);
  ck_assert_int_eq(pst_image_width(half), 64);
  ck_assert_int_eq(pst_image_height(half), 64);
  ck_assert_int_eq(info.width, 128); /* as stored */
  /* Pixel (10,10) of the half image averages full (20..21, 20..21). */
  int sum = 0;
  for (int dy = 0; dy < 2; dy++)
    for (int dx = 0; dx < 2; dx++)
      sum += full->px[((20 + dy) * 128 + 20 + dx) * 3];
  ck_assert_int_le(abs(half->px[(10 * 64 + 10) * 3] - (sum + 2) / 4), 1);
  pst_image_destroy(full);
  pst_image_destroy(half);
  free(p);
}
END_TEST

Suite *image_suite(void) {
  Suite *s = suite_create("image");
  TCase *tc = tcase_create("image");
  tcase_add_test(tc, create_fills_every_pixel);
  tcase_add_test(tc, create_refuses_empty_and_overflowing_sizes);
  tcase_add_test(tc, orient_moves_pixels_as_exif_says);
  tcase_add_test(tc, orient_then_inverse_gives_the_original);
  tcase_add_test(tc, orient_refuses_values_outside_1_to_8);
  tcase_add_test(tc, luma_uses_bt601_weights);
  tcase_add_test(tc, empty_input_is_a_decode_failure_named_empty);
  tcase_add_test(tc, other_formats_are_unsupported_and_named);
  tcase_add_test(tc, bad_scale_is_an_argument_error);
  tcase_add_test(tc, directory_is_refused_by_name);
  tcase_add_test(tc, fifo_is_refused_without_hanging);
  tcase_add_test(tc, device_and_missing_files_are_io_errors);
  tcase_add_test(tc, file_over_the_size_limit_is_refused_before_reading);
  tcase_add_test(tc, read_file_gives_the_bytes);
  tcase_add_test(tc, hopper_orientations_are_read_and_undone);
  tcase_add_test(tc, real_formats_report_what_they_are);
  tcase_add_test(tc, png_scaled_load_is_box_reduced);
  suite_add_tcase(s, tc);
  return s;
}

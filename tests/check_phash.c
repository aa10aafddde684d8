/* Perceptual hash and SHA-256. Calibration on the London set (run with
 * make test-unit, printed): re-encodes and resizes land at 0-4 bits, 2-5%
 * crops at 0-22, different people from 6 up, neutral vs smiling photos of
 * one person (_03 vs _08) from 2 up; PST_PHASH_SIMILAR (8) trades missed
 * crops for few false pairs. */
#include "testutil.h"

#include "photostd.h"

#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static uint64_t hash_of(pst_image *img, int q) {
  pst_jpeg_opts o = {q, 0, 0, 0};
  uint8_t *b = NULL;
  size_t n = 0;
  uint64_t h = 0;
  ck_assert_int_eq(pst_image_encode_jpeg(img, &o, &b, &n), PST_OK);
  ck_assert_int_eq(pst_phash_mem(b, n, NULL, &h, NULL), PST_OK);
  pst_free(b);
  return h;
}

START_TEST(reencoded_and_resized_photo_is_similar) {
  char *p;
  pst_image *full = NULL, *half = NULL;
  uint64_t h0, h1, h2;
  TU_NEED_REAL();
  p = tu_real_path("london/001_03.jpg");
  ck_assert_int_eq(pst_phash_file(p, NULL, &h0, NULL), PST_OK);
  ck_assert_int_eq(pst_image_load(p, NULL, 1, &full, NULL, NULL), PST_OK);
  ck_assert_int_eq(pst_image_load(p, NULL, 2, &half, NULL, NULL), PST_OK);
  h1 = hash_of(full, 60);
  h2 = hash_of(half, 85);
  fprintf(stderr, "phash: re-encode q60 %d bits, half size %d bits\n",
          pst_phash_distance(h0, h1), pst_phash_distance(h0, h2));
  ck_assert_int_le(pst_phash_distance(h0, h1), PST_PHASH_SIMILAR);
  ck_assert_int_le(pst_phash_distance(h0, h2), PST_PHASH_SIMILAR);
  pst_image_destroy(full);
  pst_image_destroy(half);
  free(p);
}
END_TEST

START_TEST(different_people_are_far_apart) {
  static const char *const a[] = {"london/001_03.jpg", "london/008_03.jpg",
                                  "london/013_03.jpg", "london/019_03.jpg"};
  uint64_t h[4];
  TU_NEED_REAL();
  for (int i = 0; i < 4; i++) {
    char *p = tu_real_path(a[i]);
    ck_assert_int_eq(pst_phash_file(p, NULL, &h[i], NULL), PST_OK);
    free(p);
  }
  for (int i = 0; i < 4; i++)
    for (int j = i + 1; j < 4; j++) {
      fprintf(stderr, "phash: %s vs %s: %d bits\n", a[i], a[j],
              pst_phash_distance(h[i], h[j]));
      ck_assert_int_gt(pst_phash_distance(h[i], h[j]), PST_PHASH_SIMILAR);
    }
}
END_TEST

START_TEST(distance_is_hamming) {
  ck_assert_int_eq(pst_phash_distance(0, 0), 0);
  ck_assert_int_eq(pst_phash_distance(0, ~0ull), 64);
  ck_assert_int_eq(pst_phash_distance(5, 6), 2);
}
END_TEST

START_TEST(sha256_of_abc_is_the_fips_vector) {
  uint8_t d[32];
  static const uint8_t want[4] = {0xba, 0x78, 0x16, 0xbf};
  pst_sha256_mem("abc", 3, d);
  ck_assert_mem_eq(d, want, 4);
  ck_assert_int_eq(d[31], 0xad);
}
END_TEST

START_TEST(unreadable_file_is_an_io_error) {
  uint8_t d[32];
  uint64_t h;
  ck_assert_int_eq(pst_sha256_file("/nonexistent/x", d, NULL), PST_ERR_IO);
  ck_assert_int_ne(pst_phash_file("/nonexistent/x", NULL, &h, NULL), PST_OK);
}
END_TEST

/* A FIFO with no writer or a device must be refused at once, not read
 * (before this, fopen() blocked on a FIFO and /dev/zero hashed forever). */
START_TEST(fifo_and_device_are_refused_without_blocking) {
  char dir[] = "/tmp/pst-fifo-XXXXXX", path[64];
  uint8_t d[32], *buf = (uint8_t *)1;
  size_t len = 1;
  ck_assert_ptr_nonnull(mkdtemp(dir));
  snprintf(path, sizeof path, "%s/fifo.jpg", dir);
  ck_assert_int_eq(mkfifo(path, 0600), 0);
  ck_assert_int_eq(pst_sha256_file(path, d, NULL), PST_ERR_IO);
  ck_assert_int_eq(pst_file_read(path, NULL, &buf, &len, NULL), PST_ERR_IO);
  ck_assert_ptr_null(buf);
  ck_assert_int_eq(pst_sha256_file("/dev/zero", d, NULL), PST_ERR_IO);
  ck_assert_int_eq(pst_file_read(dir, NULL, &buf, &len, NULL), PST_ERR_IO);
  unlink(path);
  rmdir(dir);
}
END_TEST

START_TEST(file_read_honours_the_size_limit) {
  pst_limits *lim = pst_limits_create();
  uint8_t *buf = NULL;
  size_t len = 0;
  ck_assert_int_eq(pst_limits_set_max_file_bytes(lim, 100), PST_OK);
  ck_assert_int_eq(pst_file_read(tu_fixture("good.jpg"), lim, &buf, &len, NULL),
                   PST_ERR_LIMIT);
  ck_assert_int_eq(
      pst_file_read(tu_fixture("good.jpg"), NULL, &buf, &len, NULL), PST_OK);
  ck_assert_uint_gt(len, 30000);
  pst_free(buf);
  pst_limits_destroy(lim);
}
END_TEST

Suite *phash_suite(void) {
  Suite *s = suite_create("phash");
  TCase *t = tcase_create("phash");
  tcase_set_timeout(t, 30);
  tcase_add_test(t, reencoded_and_resized_photo_is_similar);
  tcase_add_test(t, different_people_are_far_apart);
  tcase_add_test(t, distance_is_hamming);
  tcase_add_test(t, sha256_of_abc_is_the_fips_vector);
  tcase_add_test(t, unreadable_file_is_an_io_error);
  tcase_add_test(t, fifo_and_device_are_refused_without_blocking);
  tcase_add_test(t, file_read_honours_the_size_limit);
  suite_add_tcase(s, t);
  return s;
}

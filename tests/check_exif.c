/* EXIF parsing of blocks built byte by byte here, including broken ones
 * that must not crash or mislead. */
#include "testutil.h"

#include "internal.h"

#include <string.h>

/* A TIFF writer in either byte order. */
typedef struct tw {
  uint8_t b[512];
  size_t base; /* where the TIFF header starts ("Exif\0\0" before it) */
  int be;
} tw;

static void put16(tw *t, size_t at, unsigned v) {
  uint8_t *p = t->b + t->base + at;
  if (t->be)
    p[0] = (uint8_t)(v >> 8), p[1] = (uint8_t)v;
  else
    p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8);
}

static void put32(tw *t, size_t at, uint32_t v) {
  if (t->be)
    put16(t, at, v >> 16), put16(t, at + 2, v & 0xffff);
  else
    put16(t, at, v & 0xffff), put16(t, at + 2, v >> 16);
}

static void entry(tw *t, size_t at, unsigned tag, unsigned type, uint32_t n,
                  uint32_t value) {
  put16(t, at, tag), put16(t, at + 2, type), put32(t, at + 4, n);
  if (type == 3 && n == 1)
    put16(t, at + 8, value), put16(t, at + 10, 0);
  else
    put32(t, at + 8, value);
}

typedef struct spec {
  int be, header, orientation, xres, unit, gps;
} spec;

/* IFD0 at 8: Orientation, XResolution, YResolution, ResolutionUnit,
 * GPS pointer; rationals at 100, GPS IFD at 200, its rationals at 300. */
static size_t build(tw *t, const spec *s) {
  int n = 0;
  memset(t, 0, sizeof *t);
  t->be = s->be;
  t->base = s->header ? 6 : 0;
  if (s->header) memcpy(t->b, "Exif\0\0", 6);
  memcpy(t->b + t->base, s->be ? "MM\0*" : "II*\0", 4);
  put32(t, 4, 8);
  if (s->orientation) entry(t, 10 + 12 * n++, 0x0112, 3, 1, s->orientation);
  if (s->xres) {
    entry(t, 10 + 12 * n++, 0x011a, 5, 1, 100);
    entry(t, 10 + 12 * n++, 0x011b, 5, 1, 100);
    put32(t, 100, (uint32_t)s->xres), put32(t, 104, 1);
  }
  if (s->unit) entry(t, 10 + 12 * n++, 0x0128, 3, 1, s->unit);
  if (s->gps) {
    entry(t, 10 + 12 * n++, 0x8825, 4, 1, 200);
    int g = 0;
    entry(t, 202 + 12 * g++, 0x0000, 1, 4, 0x00000202);
    if (s->gps > 1) {
      entry(t, 202 + 12 * g++, 0x0001, 2, 2, 'N');
      entry(t, 202 + 12 * g++, 0x0002, 5, 3, 300);
      entry(t, 202 + 12 * g++, 0x0003, 2, 2, 'E');
      entry(t, 202 + 12 * g++, 0x0004, 5, 3, 300);
      for (int i = 0; i < 3; i++)
        put32(t, 300 + 8 * i, 30), put32(t, 304 + 8 * i, 1);
    }
    put16(t, 200, (unsigned)g);
  }
  put16(t, 8, (unsigned)n);
  return t->base + 340;
}

static pst_info parse(const tw *t, size_t len) {
  pst_info info;
  memset(&info, 0, sizeof info);
  info.orientation = 1;
  pst__exif_parse(t->b, len, &info);
  return info;
}

START_TEST(orientation_1_to_8_in_both_byte_orders_and_headers) {
  for (int be = 0; be < 2; be++)
    for (int hdr = 0; hdr < 2; hdr++)
      for (int o = 1; o <= 8; o++) {
        tw t;
        spec s = {.be = be, .header = hdr, .orientation = o};
        pst_info info = parse(&t, build(&t, &s));
        ck_assert_msg(info.orientation == o, "be=%d hdr=%d o=%d got %d", be,
                      hdr, o, info.orientation);
        ck_assert_int_eq(info.has_exif, 1);
        ck_assert_int_eq(info.exif_corrupt, 0);
      }
}
END_TEST

START_TEST(orientation_out_of_range_stays_1_and_is_corrupt) {
  tw t;
  spec s = {.orientation = 9};
  pst_info info = parse(&t, build(&t, &s));
  ck_assert_int_eq(info.orientation, 1);
  ck_assert_int_eq(info.exif_corrupt, 1);
}
END_TEST

START_TEST(gps_needs_latitude_and_longitude) {
  tw t;
  spec pos = {.orientation = 1, .gps = 2}, ver = {.orientation = 1, .gps = 1};
  ck_assert_int_eq(parse(&t, build(&t, &pos)).has_gps, 1);
  ck_assert_int_eq(parse(&t, build(&t, &ver)).has_gps, 0);
}
END_TEST

START_TEST(resolution_fills_dpi_only_when_unknown) {
  tw t;
  spec inch = {.xres = 300, .unit = 2}, cm = {.xres = 100, .unit = 3},
       none = {.xres = 72};
  pst_info info = parse(&t, build(&t, &inch));
  ck_assert_double_eq_tol(info.xdpi, 300, 1e-9);
  ck_assert_int_eq(info.density_unit, 1);
  info = parse(&t, build(&t, &cm));
  ck_assert_double_eq_tol(info.xdpi, 254, 1e-9);
  info = parse(&t, build(&t, &none)); /* the EXIF default unit is inches */
  ck_assert_double_eq_tol(info.ydpi, 72, 1e-9);
  size_t len = build(&t, &inch);
  memset(&info, 0, sizeof info);
  info.xdpi = info.ydpi = 96;
  pst__exif_parse(t.b, len, &info);
  ck_assert_double_eq_tol(info.xdpi, 96, 1e-9);
}
END_TEST

START_TEST(no_resolution_invents_none) {
  tw t;
  spec s = {.orientation = 6};
  pst_info info = parse(&t, build(&t, &s));
  ck_assert_double_eq(info.xdpi, 0);
}
END_TEST

START_TEST(garbage_is_corrupt_exif) {
  static const uint8_t junk[] = "Exif\0\0XXXXXXXXXXXXXXXXXXXX";
  static const uint8_t short_tiff[] = "II*";
  pst_info info = {0};
  pst__exif_parse(junk, sizeof junk, &info);
  ck_assert_int_eq(info.has_exif, 1);
  ck_assert_int_eq(info.exif_corrupt, 1);
  memset(&info, 0, sizeof info);
  pst__exif_parse(short_tiff, 3, &info);
  ck_assert_int_eq(info.exif_corrupt, 1);
}
END_TEST

START_TEST(ifd_loops_and_wild_offsets_do_not_crash) {
  tw t;
  spec s = {.orientation = 3, .gps = 2};
  size_t len = build(&t, &s);
  pst_info info;
  /* IFD0's next-IFD pointer back to IFD0. */
  put32(&t, 10 + 12 * 2, 8);
  info = parse(&t, len);
  ck_assert_int_eq(info.orientation, 3);
  /* GPS IFD pointing to itself through its own entry and far away. */
  len = build(&t, &s);
  entry(&t, 202, 0x8825, 4, 1, 200);
  put32(&t, 10 + 12 * 1, 0x7fffffff);
  info = parse(&t, len);
  /* Rationals pointing outside the block. */
  len = build(&t, &s);
  put32(&t, 202 + 12 * 2 + 8, 0xfffffff0);
  info = parse(&t, len);
  ck_assert_int_eq(info.orientation, 3);
  /* Every truncation of a valid block. */
  len = build(&t, &s);
  for (size_t cut = 0; cut < len; cut++) {
    memset(&info, 0, sizeof info);
    pst__exif_parse(t.b, cut, &info);
    ck_assert(info.orientation >= 0 && info.orientation <= 8);
  }
}
END_TEST

Suite *exif_suite(void) {
  Suite *s = suite_create("exif");
  TCase *tc = tcase_create("exif");
  tcase_add_test(tc, orientation_1_to_8_in_both_byte_orders_and_headers);
  tcase_add_test(tc, orientation_out_of_range_stays_1_and_is_corrupt);
  tcase_add_test(tc, gps_needs_latitude_and_longitude);
  tcase_add_test(tc, resolution_fills_dpi_only_when_unknown);
  tcase_add_test(tc, no_resolution_invents_none);
  tcase_add_test(tc, garbage_is_corrupt_exif);
  tcase_add_test(tc, ifd_loops_and_wild_offsets_do_not_crash);
  suite_add_tcase(s, tc);
  return s;
}

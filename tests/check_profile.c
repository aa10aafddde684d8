/* Profiles: built-in numbers (SPEC §2), the value syntax of profile files,
 * and errors that name the file, line and key. */
#include "internal.h"
#include "testutil.h"

#include <math.h>
#include <string.h>
#include <unistd.h>

#define EPS 1e-9

/* The repository's testdata/, found from the source tree the tests run in. */
static const char *profile_path(const char *name) {
  static _Thread_local char path[4096];
  const char *src = getenv("PST_SRCDIR");
  snprintf(path, sizeof path, "%s/testdata/profiles/%s", src ? src : ".", name);
  return path;
}

/* Writes `text` to a fresh file named NAME in a temporary directory. */
static char *write_tmp(const char *name, const char *text) {
  char dir[] = "/tmp/pst-profile-XXXXXX";
  char *path;
  FILE *fp;
  ck_assert_ptr_nonnull(mkdtemp(dir));
  path = malloc(strlen(dir) + strlen(name) + 2);
  sprintf(path, "%s/%s", dir, name);
  fp = fopen(path, "wb");
  ck_assert_ptr_nonnull(fp);
  fputs(text, fp);
  fclose(fp);
  return path;
}

static void remove_tmp(char *path) {
  char *slash = strrchr(path, '/');
  unlink(path);
  *slash = '\0';
  rmdir(path);
  free(path);
}

static pst_profile *builtin(const char *name) {
  pst_profile *p = NULL;
  ck_assert_int_eq(pst_profile_builtin(name, &p), PST_OK);
  return p;
}

static void assert_range(pst_range r, double lo, double hi) {
  ck_assert_double_eq_tol(r.min, lo, EPS);
  ck_assert_double_eq_tol(r.max, hi, EPS);
}

static void assert_same_profile(const pst_profile *a, const pst_profile *b) {
  ck_assert_str_eq(a->name, b->name);
  ck_assert_int_eq(a->width, b->width);
  ck_assert_int_eq(a->height, b->height);
  ck_assert_int_eq(a->exact_size, b->exact_size);
  ck_assert_double_eq_tol(a->aspect, b->aspect, EPS);
  ck_assert_double_eq_tol(a->aspect_tol, b->aspect_tol, EPS);
  ck_assert_int_eq(a->require_jpg_ext, b->require_jpg_ext);
  ck_assert_double_eq_tol(a->min_kb, b->min_kb, EPS);
  ck_assert_double_eq_tol(a->max_kb, b->max_kb, EPS);
  ck_assert_int_eq(a->min_quality, b->min_quality);
  ck_assert_int_eq(a->require_color, b->require_color);
  ck_assert_int_eq(a->dpi, b->dpi);
  ck_assert_double_eq_tol(a->target_kb_min, b->target_kb_min, EPS);
  ck_assert_double_eq_tol(a->target_kb_max, b->target_kb_max, EPS);
  assert_range(a->crown, b->crown.min, b->crown.max);
  assert_range(a->eye_line, b->eye_line.min, b->eye_line.max);
  assert_range(a->face_width, b->face_width.min, b->face_width.max);
  assert_range(a->head_height, b->head_height.min, b->head_height.max);
  ck_assert_double_eq_tol(a->center_tol, b->center_tol, EPS);
  ck_assert_double_eq_tol(a->max_roll_deg, b->max_roll_deg, EPS);
  ck_assert_int_eq(a->bg_rgb.r, b->bg_rgb.r);
  ck_assert_int_eq(a->bg_rgb.g, b->bg_rgb.g);
  ck_assert_int_eq(a->bg_rgb.b, b->bg_rgb.b);
  assert_range(a->bg_hue, b->bg_hue.min, b->bg_hue.max);
  ck_assert_double_eq_tol(a->bg_max_unevenness, b->bg_max_unevenness, EPS);
  ck_assert_double_eq_tol(a->bg_max_shadow, b->bg_max_shadow, EPS);
  ck_assert_double_eq_tol(a->bg_max_texture, b->bg_max_texture, EPS);
  ck_assert_double_eq_tol(a->bg_max_objects, b->bg_max_objects, EPS);
}

/* Loads `text` as a file and expects PST_ERR_PARSE whose message holds
 * "NAME.conf:LINE: " and `needle`. */
static void expect_file_error(const char *text, int line, const char *needle) {
  char *path = write_tmp("bad.conf", text);
  char where[4200];
  pst_profile *p = NULL;
  pst_errinfo d = {0};
  ck_assert_int_eq(pst_profile_load(path, &p, &d), PST_ERR_PARSE);
  ck_assert_ptr_null(p);
  ck_assert_int_eq(d.code, PST_ERR_PARSE);
  snprintf(where, sizeof where, "%s:%d: ", path, line);
  ck_assert_msg(strncmp(d.message, where, strlen(where)) == 0,
                "'%s' does not start with '%s'", d.message, where);
  ck_assert_msg(strstr(d.message, needle), "'%s' lacks '%s'", d.message,
                needle);
  remove_tmp(path);
}

static pst_err set(pst_profile *p, const char *key, const char *value) {
  return pst_profile_set(p, key, value, NULL);
}

/* ---- built-ins ---- */

START_TEST(chsi_has_the_standards_numbers) {
  pst_profile *p = builtin("chsi");
  ck_assert_str_eq(pst_profile_name(p), "chsi");
  ck_assert_int_eq(p->width, 480);
  ck_assert_int_eq(p->height, 640);
  ck_assert_int_eq(p->exact_size, 1);
  ck_assert_int_eq(p->require_jpg_ext, 1);
  ck_assert_double_eq(p->min_kb, 30);
  ck_assert_double_eq(p->max_kb, 0);
  ck_assert_int_eq(p->min_quality, 60);
  ck_assert_int_eq(p->require_color, 1);
  ck_assert_int_eq(p->dpi, 300);
  ck_assert_double_eq(p->target_kb_min, 32);
  ck_assert_double_eq(p->target_kb_max, 40);
  /* in pixels of 480x640, as the standard states them */
  assert_range(p->crown, 50.0 / 640, 110.0 / 640);
  assert_range(p->eye_line, 200.0 / 640, 300.0 / 640);
  assert_range(p->face_width, 180.0 / 480, 300.0 / 480);
  assert_range(p->head_height, 0, 0);
  ck_assert_double_eq_tol(p->center_tol, 0.05, EPS);
  ck_assert_double_eq(p->max_roll_deg, 5);
  ck_assert_int_eq(p->bg_rgb.r, 100);
  ck_assert_int_eq(p->bg_rgb.g, 197);
  ck_assert_int_eq(p->bg_rgb.b, 255);
  assert_range(p->bg_hue, 190, 225);
  pst_profile_destroy(p);
}
END_TEST

START_TEST(chsi_intake_is_a_minimum_3_by_4) {
  pst_profile *p = builtin("chsi-intake");
  pst_profile *c = builtin("chsi");
  ck_assert_str_eq(pst_profile_name(p), "chsi-intake");
  ck_assert_int_eq(p->width, 480);
  ck_assert_int_eq(p->height, 640);
  ck_assert_int_eq(p->exact_size, 0);
  ck_assert_double_eq_tol(p->aspect, 0.75, EPS);
  ck_assert_double_eq_tol(p->aspect_tol, 0.02, EPS);
  ck_assert_int_eq(p->require_jpg_ext, 1);
  ck_assert_double_eq(p->min_kb, 30);
  ck_assert_int_eq(p->min_quality, 60);
  ck_assert_int_eq(p->require_color, 1);
  ck_assert_int_eq(p->dpi, 0);
  ck_assert_double_eq(p->target_kb_min, 32);
  ck_assert_double_eq(p->target_kb_max, 40);
  assert_range(p->crown, c->crown.min, c->crown.max);
  assert_range(p->eye_line, c->eye_line.min, c->eye_line.max);
  assert_range(p->face_width, c->face_width.min, c->face_width.max);
  assert_range(p->bg_hue, 190, 225);
  ck_assert_int_eq(p->bg_rgb.g, 197);
  ck_assert_double_eq(p->max_roll_deg, 5);
  pst_profile_destroy(p);
  pst_profile_destroy(c);
}
END_TEST

START_TEST(icao_is_35_by_45_on_white) {
  pst_profile *p = builtin("icao");
  ck_assert_int_eq(p->width, 413);
  ck_assert_int_eq(p->height, 531);
  ck_assert_int_eq(p->exact_size, 0);
  ck_assert_double_eq_tol(p->aspect, 35.0 / 45.0, EPS);
  ck_assert_double_eq_tol(p->aspect_tol, 0.02, EPS);
  ck_assert_int_eq(p->require_jpg_ext, 0);
  ck_assert_double_eq(p->min_kb, 0);
  ck_assert_int_eq(p->min_quality, 75);
  ck_assert_int_eq(p->require_color, 1);
  ck_assert_int_eq(p->dpi, 300);
  ck_assert_double_eq(p->target_kb_max, 0);
  assert_range(p->crown, 0, 0);
  assert_range(p->eye_line, 0.30, 0.50);
  assert_range(p->face_width, 0.50, 0.75);
  assert_range(p->head_height, 0.70, 0.80);
  ck_assert_double_eq(p->max_roll_deg, 8);
  ck_assert_int_eq(p->bg_rgb.r + p->bg_rgb.g + p->bg_rgb.b, 3 * 255);
  assert_range(p->bg_hue, 0, 0);
  pst_profile_destroy(p);
}
END_TEST

START_TEST(builtin_names_list_every_builtin) {
  const char *const *n = pst_profile_builtin_names();
  int count = 0;
  for (; *n; n++, count++) {
    pst_profile *p = builtin(*n);
    ck_assert_str_eq(pst_profile_name(p), *n);
    pst_profile_destroy(p);
  }
  ck_assert_int_eq(count, 3);
}
END_TEST

START_TEST(unknown_builtin_is_not_found) {
  pst_profile *p = (pst_profile *)1;
  ck_assert_int_eq(pst_profile_builtin("passport", &p), PST_ERR_NOTFOUND);
  ck_assert_ptr_null(p);
}
END_TEST

START_TEST(copy_is_independent) {
  pst_profile *a = builtin("chsi");
  pst_profile *b = pst_profile_copy(a);
  ck_assert_int_eq(set(b, "width", "600"), PST_OK);
  ck_assert_int_eq(a->width, 480);
  ck_assert_int_eq(b->width, 600);
  ck_assert_ptr_null(pst_profile_copy(NULL));
  pst_profile_destroy(a);
  pst_profile_destroy(b);
  pst_profile_destroy(NULL);
}
END_TEST

/* ---- value syntax (pst_profile_set, shared with files) ---- */

START_TEST(numbers_are_plain_decimals_within_range) {
  pst_profile *p = builtin("chsi");
  ck_assert_int_eq(set(p, "width", "1200"), PST_OK);
  ck_assert_int_eq(p->width, 1200);
  ck_assert_int_eq(set(p, "min_kb", "12.5"), PST_OK);
  ck_assert_double_eq(p->min_kb, 12.5);
  ck_assert_int_eq(set(p, "max_kb", "none"), PST_OK);
  ck_assert_double_eq(p->max_kb, 0);
  ck_assert_int_eq(set(p, "dpi", "none"), PST_OK);
  ck_assert_int_eq(p->dpi, 0);
  ck_assert_int_eq(set(p, "center_tol", "5e-2"), PST_OK);
  ck_assert_double_eq_tol(p->center_tol, 0.05, EPS);
  /* out of range, not wholly a number, not finite, or not a whole number */
  ck_assert_int_eq(set(p, "width", "0"), PST_ERR_PARSE);
  ck_assert_int_eq(set(p, "width", "none"), PST_ERR_PARSE);
  ck_assert_int_eq(set(p, "width", "20001"), PST_ERR_PARSE);
  ck_assert_int_eq(set(p, "width", "480px"), PST_ERR_PARSE);
  ck_assert_int_eq(set(p, "width", "4.5"), PST_ERR_PARSE);
  ck_assert_int_eq(set(p, "width", "99999999999999999999"), PST_ERR_PARSE);
  ck_assert_int_eq(set(p, "min_kb", "abc"), PST_ERR_PARSE);
  ck_assert_int_eq(set(p, "min_kb", ""), PST_ERR_PARSE);
  ck_assert_int_eq(set(p, "min_kb", "-1"), PST_ERR_PARSE);
  ck_assert_int_eq(set(p, "min_kb", "inf"), PST_ERR_PARSE);
  ck_assert_int_eq(set(p, "min_kb", "nan"), PST_ERR_PARSE);
  ck_assert_int_eq(set(p, "min_kb", "0x10"), PST_ERR_PARSE);
  ck_assert_int_eq(set(p, "min_kb", "1e999"), PST_ERR_PARSE);
  ck_assert_int_eq(set(p, "min_quality", "101"), PST_ERR_PARSE);
  ck_assert_int_eq(set(p, "center_tol", "0.6"), PST_ERR_PARSE);
  ck_assert_int_eq(set(p, "max_roll_deg", "46"), PST_ERR_PARSE);
  /* a refused value leaves the field as it was */
  ck_assert_int_eq(p->width, 1200);
  ck_assert_double_eq(p->min_kb, 12.5);
  pst_profile_destroy(p);
}
END_TEST

START_TEST(booleans_take_yes_no_true_false_1_0) {
  static const char *const yes[] = {"yes", "true", "1", "YES", "True"};
  static const char *const no[] = {"no", "false", "0", "No", "FALSE"};
  pst_profile *p = builtin("chsi");
  for (int i = 0; i < 5; i++) {
    ck_assert_int_eq(set(p, "exact_size", no[i]), PST_OK);
    ck_assert_int_eq(p->exact_size, 0);
    ck_assert_int_eq(set(p, "exact_size", yes[i]), PST_OK);
    ck_assert_int_eq(p->exact_size, 1);
  }
  ck_assert_int_eq(set(p, "require_color", "2"), PST_ERR_PARSE);
  ck_assert_int_eq(set(p, "require_color", "y"), PST_ERR_PARSE);
  ck_assert_int_eq(set(p, "require_color", "none"), PST_ERR_PARSE);
  pst_profile_destroy(p);
}
END_TEST

START_TEST(ranges_take_fractions_or_percents) {
  pst_profile *p = builtin("chsi");
  ck_assert_int_eq(set(p, "crown", "0.078..0.172"), PST_OK);
  assert_range(p->crown, 0.078, 0.172);
  ck_assert_int_eq(set(p, "crown", "7.8%..17.2%"), PST_OK);
  assert_range(p->crown, 0.078, 0.172);
  ck_assert_int_eq(set(p, "eye_line", "0.4..0.4"), PST_OK);
  assert_range(p->eye_line, 0.4, 0.4);
  ck_assert_int_eq(set(p, "head_height", "none"), PST_OK);
  assert_range(p->head_height, 0, 0);
  ck_assert_int_eq(set(p, "bg_hue", "180..240"), PST_OK);
  assert_range(p->bg_hue, 180, 240);
  /* min above max, beyond 0..1, missing ends, or not a range */
  ck_assert_int_eq(set(p, "crown", "0.2..0.1"), PST_ERR_PARSE);
  ck_assert_int_eq(set(p, "crown", "0.1..1.5"), PST_ERR_PARSE);
  ck_assert_int_eq(set(p, "crown", "10%..150%"), PST_ERR_PARSE);
  ck_assert_int_eq(set(p, "crown", "0.1.."), PST_ERR_PARSE);
  ck_assert_int_eq(set(p, "crown", "..0.2"), PST_ERR_PARSE);
  ck_assert_int_eq(set(p, "crown", "0.1"), PST_ERR_PARSE);
  ck_assert_int_eq(set(p, "crown", "0.1-0.2"), PST_ERR_PARSE);
  /* hue is in degrees: no percents, nothing beyond 360 */
  ck_assert_int_eq(set(p, "bg_hue", "10%..20%"), PST_ERR_PARSE);
  ck_assert_int_eq(set(p, "bg_hue", "300..361"), PST_ERR_PARSE);
  assert_range(p->crown, 0.078, 0.172);
  assert_range(p->bg_hue, 180, 240);
  pst_profile_destroy(p);
}
END_TEST

START_TEST(colours_take_hex_or_triples) {
  pst_profile *p = builtin("chsi");
  ck_assert_int_eq(set(p, "bg_rgb", "#FfFeFd"), PST_OK);
  ck_assert_int_eq(p->bg_rgb.r, 255);
  ck_assert_int_eq(p->bg_rgb.g, 254);
  ck_assert_int_eq(p->bg_rgb.b, 253);
  ck_assert_int_eq(set(p, "bg_rgb", "100,197,255"), PST_OK);
  ck_assert_int_eq(p->bg_rgb.r, 100);
  ck_assert_int_eq(p->bg_rgb.g, 197);
  ck_assert_int_eq(p->bg_rgb.b, 255);
  ck_assert_int_eq(set(p, "bg_rgb", " 1 , 2 ,3"), PST_OK);
  ck_assert_int_eq(p->bg_rgb.r, 1);
  ck_assert_int_eq(p->bg_rgb.b, 3);
  ck_assert_int_eq(set(p, "bg_rgb", "#64C5F"), PST_ERR_PARSE);
  ck_assert_int_eq(set(p, "bg_rgb", "#64C5FG"), PST_ERR_PARSE);
  ck_assert_int_eq(set(p, "bg_rgb", "1,2"), PST_ERR_PARSE);
  ck_assert_int_eq(set(p, "bg_rgb", "1,2,3,4"), PST_ERR_PARSE);
  ck_assert_int_eq(set(p, "bg_rgb", "1,,3"), PST_ERR_PARSE);
  ck_assert_int_eq(set(p, "bg_rgb", "1,2,256"), PST_ERR_PARSE);
  ck_assert_int_eq(set(p, "bg_rgb", "blue"), PST_ERR_PARSE);
  ck_assert_int_eq(p->bg_rgb.r, 1);
  pst_profile_destroy(p);
}
END_TEST

START_TEST(names_are_short_printable_utf8) {
  pst_profile *p = builtin("chsi");
  ck_assert_int_eq(set(p, "name", "学信网-2024"), PST_OK);
  ck_assert_str_eq(pst_profile_name(p), "学信网-2024");
  ck_assert_int_eq(set(p, "name", ""), PST_ERR_PARSE);
  ck_assert_int_eq(set(p, "name", "a\tb"), PST_ERR_PARSE);
  ck_assert_int_eq(set(p, "name", "\xff\xfe"), PST_ERR_PARSE);
  ck_assert_int_eq(
      set(p, "name",
          "0123456789012345678901234567890123456789012345678901234567890123"),
      PST_ERR_PARSE);
  ck_assert_str_eq(pst_profile_name(p), "学信网-2024");
  pst_profile_destroy(p);
}
END_TEST

START_TEST(set_errors_name_the_key_and_the_allowed_values) {
  pst_profile *p = builtin("chsi");
  pst_errinfo d = {0};
  ck_assert_int_eq(pst_profile_set(p, "min_kb", "abc", &d), PST_ERR_PARSE);
  ck_assert_str_eq(d.message, "bad value 'abc' for 'min_kb' (a number from 0 "
                              "to 100000)");
  ck_assert_int_eq(pst_profile_set(p, "foo", "1", &d), PST_ERR_PARSE);
  ck_assert_str_eq(d.message, "unknown key 'foo'");
  ck_assert_int_eq(pst_profile_set(p, "base", "passport", &d), PST_ERR_PARSE);
  ck_assert_ptr_nonnull(strstr(d.message, "unknown base 'passport'"));
  ck_assert_int_eq(pst_profile_set(NULL, "width", "1", &d), PST_ERR_ARG);
  ck_assert_int_eq(pst_profile_set(p, NULL, "1", &d), PST_ERR_ARG);
  pst_profile_destroy(p);
}
END_TEST

START_TEST(set_base_replaces_all_but_the_name) {
  pst_profile *p = builtin("chsi");
  ck_assert_int_eq(set(p, "name", "mine"), PST_OK);
  ck_assert_int_eq(set(p, "base", "icao"), PST_OK);
  ck_assert_str_eq(pst_profile_name(p), "mine");
  ck_assert_int_eq(p->width, 413);
  ck_assert_int_eq(p->min_quality, 75);
  pst_profile_destroy(p);
}
END_TEST

/* ---- files ---- */

START_TEST(full_chsi_file_round_trips_to_the_builtin) {
  pst_profile *f = NULL, *b = builtin("chsi");
  pst_errinfo d = {0};
  ck_assert_msg(pst_profile_load(profile_path("chsi-full.conf"), &f, &d) ==
                    PST_OK,
                "%s", d.message);
  assert_same_profile(f, b);
  pst_profile_destroy(f);
  pst_profile_destroy(b);
}
END_TEST

START_TEST(example_file_overrides_its_base) {
  pst_profile *f = NULL, *b = builtin("chsi-intake");
  pst_errinfo d = {0};
  ck_assert_msg(pst_profile_load(profile_path("school-intake.conf"), &f, &d) ==
                    PST_OK,
                "%s", d.message);
  ck_assert_str_eq(pst_profile_name(f), "school-intake");
  ck_assert_double_eq(f->max_kb, 2048);
  ck_assert_int_eq(f->min_quality, 70);
  assert_range(f->eye_line, 0.31, 0.47);
  assert_range(f->face_width, 0.40, 0.60);
  ck_assert_int_eq(f->bg_rgb.r + f->bg_rgb.g + f->bg_rgb.b, 3 * 255);
  assert_range(f->bg_hue, 0, 0);
  ck_assert_double_eq(f->max_roll_deg, 4.5);
  /* what the file does not say comes from the base */
  ck_assert_int_eq(f->exact_size, b->exact_size);
  ck_assert_double_eq_tol(f->aspect, b->aspect, EPS);
  ck_assert_int_eq(f->dpi, b->dpi);
  assert_range(f->crown, b->crown.min, b->crown.max);
  pst_profile_destroy(f);
  pst_profile_destroy(b);
}
END_TEST

START_TEST(file_without_base_starts_from_chsi_named_after_the_file) {
  char *path = write_tmp("my channel.v2.conf", "\xEF\xBB\xBF# comment\r\n"
                                               "\r\n"
                                               "   min_kb   =  40   \r\n"
                                               "\tdpi=none\n"
                                               "# trailing comment");
  pst_profile *p = NULL;
  pst_errinfo d = {0};
  ck_assert_msg(pst_profile_load(path, &p, &d) == PST_OK, "%s", d.message);
  ck_assert_str_eq(pst_profile_name(p), "my channel.v2");
  ck_assert_double_eq(p->min_kb, 40);
  ck_assert_int_eq(p->dpi, 0);
  ck_assert_int_eq(p->width, 480);
  ck_assert_int_eq(p->min_quality, 60);
  pst_profile_destroy(p);
  remove_tmp(path);
}
END_TEST

START_TEST(base_in_a_file_picks_the_builtin) {
  char *path = write_tmp("ic.conf", "base = icao\nmin_quality = 80\n");
  pst_profile *p = NULL;
  ck_assert_int_eq(pst_profile_load(path, &p, NULL), PST_OK);
  ck_assert_str_eq(pst_profile_name(p), "ic");
  ck_assert_int_eq(p->width, 413);
  ck_assert_int_eq(p->min_quality, 80);
  assert_range(p->head_height, 0.70, 0.80);
  pst_profile_destroy(p);
  remove_tmp(path);
}
END_TEST

START_TEST(unknown_key_names_file_line_and_key) {
  expect_file_error("# x\nmin_kb = 30\nfoo = 1\n", 3, "unknown key 'foo'");
}
END_TEST

START_TEST(bad_value_names_file_line_key_and_range) {
  expect_file_error("min_kb = abc\n", 1,
                    "bad value 'abc' for 'min_kb' (a number from 0 to 100000)");
  expect_file_error("\n\nwidth = 480px\n", 3, "'width'");
  expect_file_error("crown = 0.3..0.1\n", 1, "'crown'");
  expect_file_error("bg_rgb = #12345\n", 1, "'bg_rgb'");
  expect_file_error("exact_size = maybe\n", 1, "'exact_size' (yes or no)");
}
END_TEST

START_TEST(missing_equals_is_a_parse_error) {
  expect_file_error("min_kb 30\n", 1, "expected 'key = value'");
  expect_file_error("= 30\n", 1, "missing key");
}
END_TEST

START_TEST(duplicate_key_is_a_parse_error) {
  expect_file_error("min_kb = 30\ndpi = 300\nmin_kb = 31\n", 3,
                    "duplicate key 'min_kb'");
}
END_TEST

START_TEST(unknown_or_late_base_is_a_parse_error) {
  expect_file_error("base = passport\n", 1, "unknown base 'passport'");
  expect_file_error("min_kb = 30\nbase = icao\n", 2,
                    "'base' must come before other keys");
  expect_file_error("base = icao\nbase = chsi\n", 2, "'base'");
}
END_TEST

START_TEST(non_text_and_oversized_files_are_refused) {
  char *big = malloc(70 * 1024);
  memset(big, '#', 70 * 1024 - 1);
  big[70 * 1024 - 1] = '\0';
  expect_file_error("min_kb = 30\nname = \xc3\x28\n", 2, "not UTF-8");
  char *path = write_tmp("big.conf", big);
  pst_errinfo d = {0};
  pst_profile *p = NULL;
  ck_assert_int_eq(pst_profile_load(path, &p, &d), PST_ERR_PARSE);
  ck_assert_ptr_nonnull(strstr(d.message, "larger than"));
  remove_tmp(path);
  /* one line over the line limit */
  memset(big, 'x', 2000);
  big[2000] = '\0';
  expect_file_error(big, 1, "line longer than");
  free(big);
}
END_TEST

START_TEST(inconsistent_sizes_are_a_parse_error) {
  char *path = write_tmp("t.conf", "target_kb_min = 50\ntarget_kb_max = 40\n");
  pst_errinfo d = {0};
  pst_profile *p = NULL;
  ck_assert_int_eq(pst_profile_load(path, &p, &d), PST_ERR_PARSE);
  ck_assert_ptr_nonnull(strstr(d.message, "target_kb_min"));
  remove_tmp(path);
}
END_TEST

START_TEST(missing_file_is_an_io_error_with_the_reason) {
  pst_errinfo d = {0};
  pst_profile *p = NULL;
  ck_assert_int_eq(pst_profile_load("/nonexistent/x.conf", &p, &d), PST_ERR_IO);
  ck_assert_ptr_null(p);
  ck_assert_ptr_nonnull(strstr(d.message, "/nonexistent/x.conf"));
  ck_assert_ptr_nonnull(strstr(d.message, "No such file"));
  ck_assert_int_eq(pst_profile_load("/tmp", &p, &d), PST_ERR_IO);
}
END_TEST

START_TEST(open_takes_a_builtin_name_or_a_path) {
  pst_profile *p = NULL;
  pst_errinfo d = {0};
  ck_assert_int_eq(pst_profile_open("icao", &p, &d), PST_OK);
  ck_assert_str_eq(pst_profile_name(p), "icao");
  pst_profile_destroy(p);
  ck_assert_int_eq(pst_profile_open(profile_path("school-intake.conf"), &p, &d),
                   PST_OK);
  ck_assert_str_eq(pst_profile_name(p), "school-intake");
  pst_profile_destroy(p);
  ck_assert_int_eq(pst_profile_open("passport", &p, &d), PST_ERR_NOTFOUND);
  ck_assert_ptr_null(p);
  ck_assert_ptr_nonnull(strstr(d.message, "passport"));
  ck_assert_int_eq(pst_profile_open("nothere.conf", &p, &d), PST_ERR_IO);
}
END_TEST

Suite *profile_suite(void) {
  Suite *s = suite_create("profile");
  TCase *t = tcase_create("builtin");
  tcase_add_test(t, chsi_has_the_standards_numbers);
  tcase_add_test(t, chsi_intake_is_a_minimum_3_by_4);
  tcase_add_test(t, icao_is_35_by_45_on_white);
  tcase_add_test(t, builtin_names_list_every_builtin);
  tcase_add_test(t, unknown_builtin_is_not_found);
  tcase_add_test(t, copy_is_independent);
  suite_add_tcase(s, t);
  t = tcase_create("syntax");
  tcase_add_test(t, numbers_are_plain_decimals_within_range);
  tcase_add_test(t, booleans_take_yes_no_true_false_1_0);
  tcase_add_test(t, ranges_take_fractions_or_percents);
  tcase_add_test(t, colours_take_hex_or_triples);
  tcase_add_test(t, names_are_short_printable_utf8);
  tcase_add_test(t, set_errors_name_the_key_and_the_allowed_values);
  tcase_add_test(t, set_base_replaces_all_but_the_name);
  suite_add_tcase(s, t);
  t = tcase_create("file");
  tcase_add_test(t, full_chsi_file_round_trips_to_the_builtin);
  tcase_add_test(t, example_file_overrides_its_base);
  tcase_add_test(t, file_without_base_starts_from_chsi_named_after_the_file);
  tcase_add_test(t, base_in_a_file_picks_the_builtin);
  tcase_add_test(t, unknown_key_names_file_line_and_key);
  tcase_add_test(t, bad_value_names_file_line_key_and_range);
  tcase_add_test(t, missing_equals_is_a_parse_error);
  tcase_add_test(t, duplicate_key_is_a_parse_error);
  tcase_add_test(t, unknown_or_late_base_is_a_parse_error);
  tcase_add_test(t, non_text_and_oversized_files_are_refused);
  tcase_add_test(t, inconsistent_sizes_are_a_parse_error);
  tcase_add_test(t, missing_file_is_an_io_error_with_the_reason);
  tcase_add_test(t, open_takes_a_builtin_name_or_a_path);
  suite_add_tcase(s, t);
  return s;
}

/* The check engine: the bad-file matrix of tests/mkfixtures.c (MANIFEST),
 * SPEC §3 order, skip propagation, messages in both languages, stdin. */
#include "testutil.h"

#include "check_priv.h"

#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const order[] = {
    "file.read",         "file.format",        "file.extension",
    "file.size",         "jpeg.decode",        "jpeg.quality",
    "jpeg.baseline",     "image.dimensions",   "image.color",
    "image.dpi",         "exif.orientation",   "exif.location",
    "face.count",        "face.width",         "face.center",
    "head.crown",        "eyes.line",          "eyes.level",
    "background.color",  "background.uniform", "face.exposure",
    "face.lighting",     "image.sharpness",    "face.color",
    "clothing.contrast",
};
/* The file checks; the rest judge the picture. */
#define NFILE 12
/* The synthetic fixtures show no face: the file-check matrix is judged with
 * the file checks only (testdata/profiles/file-checks.conf). */
#define FILE_PROFILE "testdata/profiles/file-checks.conf"
#define NORDER ((int)(sizeof order / sizeof *order))

static pst_report *check_path(const char *path, const char *profile) {
  pst_profile *p = NULL;
  pst_report *r = NULL;
  ck_assert_int_eq(pst_profile_open(profile, &p, NULL), PST_OK);
  ck_assert_int_eq(pst_check_file(path, p, NULL, &r), PST_OK);
  ck_assert_ptr_nonnull(r);
  pst_profile_destroy(p);
  return r;
}

static pst_report *check_fixture(const char *name) {
  return check_path(tu_fixture(name), FILE_PROFILE);
}

static pst_finding get(const pst_report *r, const char *id, pst_lang lang) {
  pst_finding f;
  for (int i = 0; i < pst_report_count(r); i++) {
    ck_assert_int_eq(pst_report_get(r, i, lang, &f), PST_OK);
    if (!strcmp(f.id, id)) return f;
  }
  ck_abort_msg("no finding %s", id);
  return f;
}

/* The failing error checks as the MANIFEST writes them. */
static void failing_errors(const pst_report *r, char *out, size_t n) {
  out[0] = '\0';
  for (int i = 0; i < pst_report_count(r); i++) {
    pst_finding f;
    pst_report_get(r, i, PST_LANG_EN, &f);
    if (f.status != PST_FAIL || !f.severity_error) continue;
    if (out[0]) strncat(out, ",", n - strlen(out) - 1);
    strncat(out, f.id, n - strlen(out) - 1);
  }
  if (!out[0]) snprintf(out, n, "-");
}

typedef struct mline {
  char name[64], check[32], status[8], errors[160];
  int exit;
} mline;

/* Reads the MANIFEST; returns the number of lines (fails the test when
 * the file is missing, so a broken fixture build cannot pass). */
static int read_manifest(mline *m, int max) {
  char path[4096], line[512];
  int n = 0;
  FILE *fp;
  snprintf(path, sizeof path, "%s/MANIFEST", tu_fixtures());
  fp = fopen(path, "r");
  ck_assert_msg(fp != NULL, "cannot open %s", path);
  while (n < max && fgets(line, sizeof line, fp)) {
    if (line[0] == '#' || line[0] == '\n') continue;
    ck_assert_int_eq(
        sscanf(line, "%63[^\t]\t%31[^\t]\t%7[^\t]\t%d\t%159[^\t\n]", m[n].name,
               m[n].check, m[n].status, &m[n].exit, m[n].errors),
        5);
    n++;
  }
  fclose(fp);
  return n;
}

START_TEST(manifest_failing_error_checks_match_exactly) {
  mline m[80];
  int n = read_manifest(m, 80);
  ck_assert_int_ge(n, 30);
  for (int i = 0; i < n; i++) {
    pst_report *r = check_fixture(m[i].name);
    char got[256];
    failing_errors(r, got, sizeof got);
    ck_assert_msg(!strcmp(got, m[i].errors), "%s: failing errors %s, want %s",
                  m[i].name, got, m[i].errors);
    ck_assert_msg(pst_report_pass(r, 0) == (m[i].exit == 0),
                  "%s: pass %d, exit %d", m[i].name, pst_report_pass(r, 0),
                  m[i].exit);
    if (strcmp(m[i].check, "-") != 0) {
      pst_finding f = get(r, m[i].check, PST_LANG_EN);
      ck_assert_msg(!strcmp(pst_status_name(f.status), m[i].status),
                    "%s: %s is %s, want %s", m[i].name, m[i].check,
                    pst_status_name(f.status), m[i].status);
    } else {
      /* The file checks pass; the content ones are not run. */
      for (int k = 0; k < pst_report_count(r); k++) {
        pst_finding f;
        pst_report_get(r, k, PST_LANG_EN, &f);
        ck_assert_msg(f.status == (k < NFILE ? PST_PASS : PST_SKIP),
                      "%s: %s is %s", m[i].name, f.id,
                      pst_status_name(f.status));
      }
    }
    pst_report_destroy(r);
  }
}
END_TEST

START_TEST(every_finding_has_both_languages) {
  mline m[80];
  int n = read_manifest(m, 80);
  for (int i = 0; i < n; i++) {
    pst_report *r = check_fixture(m[i].name);
    for (int k = 0; k < pst_report_count(r); k++) {
      pst_finding en, zh;
      pst_report_get(r, k, PST_LANG_EN, &en);
      pst_report_get(r, k, PST_LANG_ZH, &zh);
      ck_assert_msg(en.message[0] && zh.message[0], "%s %s: empty message",
                    m[i].name, en.id);
      ck_assert_msg(strcmp(en.message, zh.message) != 0, "%s %s: no zh",
                    m[i].name, en.id);
      /* Every Chinese message holds CJK text (UTF-8 lead bytes E3..E9). */
      ck_assert_msg(strpbrk(zh.message, "\xe3\xe4\xe5\xe6\xe7\xe8\xe9") != NULL,
                    "%s %s: zh message is not Chinese: %s", m[i].name, en.id,
                    zh.message);
      ck_assert_msg(!strchr(en.message, '{') && !strchr(zh.message, '{'),
                    "%s %s: unexpanded placeholder", m[i].name, en.id);
      if (en.status == PST_FAIL || en.status == PST_WARN)
        ck_assert_msg(en.hint[0] && zh.hint[0], "%s %s: no hint", m[i].name,
                      en.id);
    }
    pst_report_destroy(r);
  }
}
END_TEST

START_TEST(checks_appear_in_spec_order_and_nothing_else) {
  pst_report *r = check_fixture("good.jpg");
  ck_assert_int_eq(pst_report_count(r), NORDER);
  for (int i = 0; i < NORDER; i++) {
    pst_finding f;
    ck_assert_int_eq(pst_report_get(r, i, PST_LANG_EN, &f), PST_OK);
    ck_assert_str_eq(f.id, order[i]);
  }
  pst_report_destroy(r);
}
END_TEST

START_TEST(unreadable_file_skips_every_later_check) {
  const char *names[] = {"missing.jpg", "dir.jpg"};
  for (int k = 0; k < 2; k++) {
    pst_report *r = check_fixture(names[k]);
    pst_finding f = get(r, "file.read", PST_LANG_EN);
    ck_assert_int_eq(f.status, PST_FAIL);
    ck_assert_int_eq(pst_report_io_error(r), 0);
    ck_assert_int_eq(pst_report_count(r), NORDER);
    for (int i = 1; i < NORDER; i++) {
      pst_report_get(r, i, PST_LANG_EN, &f);
      ck_assert_int_eq(f.status, PST_SKIP);
      ck_assert_ptr_nonnull(strstr(f.message, "file.read"));
    }
    pst_report_destroy(r);
  }
}
END_TEST

START_TEST(missing_file_and_folder_are_told_apart) {
  pst_report *r = check_fixture("missing.jpg");
  ck_assert_str_eq(get(r, "file.read", PST_LANG_EN).message,
                   "The file does not exist");
  ck_assert_str_eq(get(r, "file.read", PST_LANG_ZH).message, "文件不存在");
  pst_report_destroy(r);
  r = check_fixture("dir.jpg");
  ck_assert_ptr_nonnull(
      strstr(get(r, "file.read", PST_LANG_EN).message, "folder"));
  pst_report_destroy(r);
}
END_TEST

START_TEST(unreadable_permission_is_an_io_error) {
  char path[] = "/tmp/pst-check-XXXXXX";
  int fd = mkstemp(path);
  pst_report *r;
  ck_assert_int_ge(fd, 0);
  ck_assert_int_eq(write(fd, "\xff\xd8\xff", 3), 3);
  close(fd);
  chmod(path, 0);
  if (access(path, R_OK) == 0) { /* root reads anything */
    unlink(path);
    fprintf(stderr, "SKIP %s: running as root\n", __func__);
    return;
  }
  r = check_path(path, "chsi");
  unlink(path);
  ck_assert_int_eq(get(r, "file.read", PST_LANG_EN).status, PST_FAIL);
  ck_assert_int_eq(pst_report_io_error(r), 1);
  ck_assert_int_eq(pst_report_pass(r, 0), 0);
  pst_report_destroy(r);
}
END_TEST

START_TEST(not_jpeg_runs_file_checks_and_skips_the_rest) {
  pst_report *r = check_fixture("png_named.jpg");
  pst_finding f = get(r, "file.format", PST_LANG_EN);
  ck_assert_int_eq(f.status, PST_FAIL);
  ck_assert_str_eq(f.message, "The file is a PNG image, not JPEG");
  ck_assert_str_eq(get(r, "file.format", PST_LANG_ZH).message,
                   "文件实际是 PNG 格式，不是 JPEG");
  ck_assert_int_eq(get(r, "file.extension", PST_LANG_EN).status, PST_PASS);
  ck_assert_int_eq(get(r, "file.size", PST_LANG_EN).status, PST_PASS);
  for (int i = 4; i < NORDER; i++) {
    f = get(r, order[i], PST_LANG_EN);
    ck_assert_int_eq(f.status, PST_SKIP);
    ck_assert_ptr_nonnull(strstr(f.message, "file.format"));
  }
  ck_assert_ptr_nonnull(
      strstr(get(r, "jpeg.decode", PST_LANG_ZH).message, "file.format"));
  pst_report_destroy(r);
}
END_TEST

START_TEST(real_format_is_named) {
  static const struct {
    const char *file, *name;
  } cases[] = {{"webp_named.jpg", "WebP"},
               {"heic_named.jpg", "HEIC"},
               {"gif_named.jpg", "GIF"},
               {"bmp_named.jpg", "BMP"}};
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    pst_report *r = check_fixture(cases[i].file);
    const char *m = get(r, "file.format", PST_LANG_EN).message;
    ck_assert_msg(strstr(m, cases[i].name) != NULL, "%s: %s", cases[i].file, m);
    pst_report_destroy(r);
  }
}
END_TEST

START_TEST(file_size_reports_kb_with_one_decimal) {
  pst_report *r = check_fixture("small_file.jpg");
  pst_finding f = get(r, "file.size", PST_LANG_ZH);
  const pst_info *in = pst_report_info(r);
  double kb = in->file_bytes / 1024.0;
  ck_assert(f.has_value);
  ck_assert_str_eq(f.unit, "KB");
  ck_assert_str_eq(f.expected, ">= 30");
  ck_assert_double_eq_tol(f.value, kb, 0.051);
  ck_assert_double_eq(f.value * 10, (double)(long)(f.value * 10 + 0.5));
  ck_assert_ptr_nonnull(strstr(f.hint, "请用更高的质量重新保存"));
  ck_assert_ptr_nonnull(strstr(f.hint, "30 KB"));
  pst_report_destroy(r);
}
END_TEST

START_TEST(corrupt_jpeg_message_names_libjpeg_warning) {
  pst_report *r = check_fixture("bad_huffman.jpg");
  pst_finding f = get(r, "jpeg.decode", PST_LANG_EN);
  const pst_info *in = pst_report_info(r);
  ck_assert_int_eq(f.status, PST_FAIL);
  ck_assert(in->warning[0] != '\0');
  ck_assert_msg(strstr(f.message, in->warning) != NULL, "%s", f.message);
  ck_assert_ptr_nonnull(
      strstr(get(r, "jpeg.decode", PST_LANG_ZH).message, in->warning));
  pst_report_destroy(r);
}
END_TEST

START_TEST(truncated_jpeg_says_truncated) {
  pst_report *r = check_fixture("trunc_50.jpg");
  ck_assert_ptr_nonnull(
      strstr(get(r, "jpeg.decode", PST_LANG_EN).message, "truncated"));
  pst_report_destroy(r);
}
END_TEST

START_TEST(pixel_limit_is_named) {
  pst_report *r = check_fixture("huge_decl.jpg");
  const char *m = get(r, "jpeg.decode", PST_LANG_EN).message;
  ck_assert_msg(strstr(m, "pixels") && strstr(m, "limit"), "%s", m);
  pst_report_destroy(r);
}
END_TEST

START_TEST(file_size_limit_fails_file_read) {
  pst_profile *p = NULL;
  pst_limits *lim = pst_limits_create();
  pst_report *r = NULL;
  ck_assert_int_eq(pst_limits_set_max_file_bytes(lim, 1000), PST_OK);
  ck_assert_int_eq(pst_profile_builtin("chsi", &p), PST_OK);
  ck_assert_int_eq(pst_check_file(tu_fixture("good.jpg"), p, lim, &r), PST_OK);
  ck_assert_int_eq(get(r, "file.read", PST_LANG_EN).status, PST_FAIL);
  ck_assert_ptr_nonnull(strstr(get(r, "file.read", PST_LANG_EN).message,
                               "over the limit of 1000"));
  ck_assert_int_eq(pst_report_io_error(r), 0);
  pst_report_destroy(r);
  pst_limits_destroy(lim);
  pst_profile_destroy(p);
}
END_TEST

START_TEST(orientation_names_the_rotation_and_the_fix) {
  pst_report *r = check_fixture("orient_6.jpg");
  pst_finding f = get(r, "exif.orientation", PST_LANG_EN);
  ck_assert_int_eq(f.status, PST_FAIL);
  ck_assert_double_eq(f.value, 6);
  ck_assert_ptr_nonnull(strstr(f.message, "90\u00b0 clockwise"));
  ck_assert_ptr_nonnull(strstr(f.hint, "jpegtran -copy none -rotate 90"));
  ck_assert_ptr_nonnull(
      strstr(get(r, "exif.orientation", PST_LANG_ZH).message, "顺时针旋转 90"));
  pst_report_destroy(r);
}
END_TEST

START_TEST(baseline_warning_says_which) {
  pst_report *r = check_fixture("progressive.jpg");
  ck_assert_ptr_nonnull(
      strstr(get(r, "jpeg.baseline", PST_LANG_EN).message, "progressive"));
  pst_report_destroy(r);
  r = check_fixture("arith.jpg");
  ck_assert_ptr_nonnull(
      strstr(get(r, "jpeg.baseline", PST_LANG_EN).message, "arithmetic"));
  pst_report_destroy(r);
}
END_TEST

START_TEST(dimensions_expected_and_actual) {
  pst_report *r = check_fixture("small_dims.jpg");
  pst_finding f = get(r, "image.dimensions", PST_LANG_EN);
  const pst_info *in = pst_report_info(r);
  char actual[32];
  ck_assert_str_eq(f.expected, "480x640");
  snprintf(actual, sizeof actual, "%dx%d", in->width, in->height);
  ck_assert_ptr_nonnull(strstr(f.message, actual));
  pst_report_destroy(r);
}
END_TEST

START_TEST(grey_picture_in_colour_file_fails_color) {
  pst_report *r = check_fixture("grey_content.jpg");
  pst_finding f = get(r, "image.color", PST_LANG_EN);
  ck_assert_int_eq(pst_report_info(r)->components, 3);
  ck_assert_int_eq(f.status, PST_FAIL);
  ck_assert(f.has_value);
  ck_assert_double_lt(f.value, 5);
  pst_report_destroy(r);
  r = check_fixture("good.jpg");
  f = get(r, "image.color", PST_LANG_EN);
  ck_assert_double_ge(f.value, 5);
  pst_report_destroy(r);
}
END_TEST

START_TEST(stdin_skips_extension_and_checks_the_rest) {
  uint8_t *buf = NULL;
  size_t len = 0;
  pst_report *a = check_fixture("good.jpg"), *b = NULL;
  pst_profile *p = NULL;
  ck_assert_int_eq(pst_profile_open(FILE_PROFILE, &p, NULL), PST_OK);
  ck_assert_int_eq(
      pst__read_file(tu_fixture("good.jpg"), 1 << 26, &buf, &len, NULL),
      PST_OK);
  ck_assert_int_eq(pst_check_mem(buf, len, "-", p, NULL, &b), PST_OK);
  pst_profile_destroy(p);
  ck_assert_str_eq(pst_report_file(b), "-");
  ck_assert_str_eq(pst_report_profile(b), "chsi");
  ck_assert_int_eq(pst_report_count(b), pst_report_count(a));
  for (int i = 0; i < pst_report_count(a); i++) {
    pst_finding fa, fb;
    pst_report_get(a, i, PST_LANG_EN, &fa);
    pst_report_get(b, i, PST_LANG_EN, &fb);
    ck_assert_str_eq(fa.id, fb.id);
    if (!strcmp(fa.id, "file.extension"))
      ck_assert_int_eq(fb.status, PST_SKIP);
    else
      ck_assert_int_eq(fa.status, fb.status);
  }
  ck_assert_int_eq(pst_report_pass(b, 0), 1);
  pst_report_destroy(a);
  pst_report_destroy(b);
  free(buf);
}
END_TEST

START_TEST(bad_arguments_are_refused) {
  pst_report *r = (pst_report *)1;
  ck_assert_int_eq(pst_check_file(NULL, NULL, NULL, &r), PST_ERR_ARG);
  ck_assert_ptr_null(r);
  ck_assert_int_eq(pst_check_file("x.jpg", NULL, NULL, NULL), PST_ERR_ARG);
  ck_assert_int_eq(pst_check_mem(NULL, 5, "-", NULL, NULL, &r), PST_ERR_ARG);
  /* Zero bytes are a finding (file.format), not an error. */
  ck_assert_int_eq(pst_check_mem(NULL, 0, "-", NULL, NULL, &r), PST_OK);
  ck_assert_int_eq(get(r, "file.format", PST_LANG_EN).status, PST_FAIL);
  pst_report_destroy(r);
  pst_report_destroy(NULL);
}
END_TEST

START_TEST(profile_without_a_rule_does_not_fail_it) {
  /* icao has no file-size floor and does not ask for the .jpg name. */
  pst_report *r = check_path(tu_fixture("small_file.jpg"), "icao");
  ck_assert_int_ne(get(r, "file.size", PST_LANG_EN).status, PST_FAIL);
  pst_report_destroy(r);
  r = check_path(tu_fixture("name_png.png"), "icao");
  ck_assert_int_ne(get(r, "file.extension", PST_LANG_EN).status, PST_WARN);
  pst_report_destroy(r);
}
END_TEST

START_TEST(minimum_size_profile_checks_aspect) {
  pst_report *r = check_path(tu_fixture("good.jpg"), "chsi-intake");
  pst_finding f = get(r, "image.dimensions", PST_LANG_EN);
  ck_assert_int_eq(f.status, PST_PASS);
  ck_assert_ptr_nonnull(strstr(f.expected, ">= 480x640"));
  ck_assert_ptr_nonnull(strstr(f.expected, "3:4"));
  pst_report_destroy(r);
}
END_TEST

/* Real colour portraits must never be called grey (the calibration of
 * image.color), and a real single-component JPEG must be. */
START_TEST(real_colour_photos_pass_image_color) {
  static const char *const dirs[] = {"london", "canada", "snapshots"};
  char rel[256];
  int n = 0;
  TU_NEED_REAL();
  for (size_t d = 0; d < 3; d++) {
    static const char *const some[] = {"001_03.jpg", "137_08.jpg", "067_08.jpg",
                                       "061_03.jpg", "003f.jpg",   "115m.jpg",
                                       "lisa1.jpg",  "60cm.jpg"};
    for (size_t i = 0; i < sizeof some / sizeof *some; i++) {
      snprintf(rel, sizeof rel, "%s/%s", dirs[d], some[i]);
      char *path = tu_real_path(rel);
      if (access(path, R_OK) == 0) {
        pst_report *r = check_path(path, "chsi");
        pst_finding f = get(r, "image.color", PST_LANG_EN);
        ck_assert_msg(f.status == PST_PASS, "%s: %s", rel, f.message);
        pst_report_destroy(r);
        n++;
      }
      free(path);
    }
  }
  ck_assert_int_ge(n, 4);
  {
    char *path = tu_real_path("misc/hopper_gray.jpg");
    pst_report *r = check_path(path, "chsi");
    ck_assert_int_eq(get(r, "image.color", PST_LANG_EN).status, PST_FAIL);
    pst_report_destroy(r);
    free(path);
  }
}
END_TEST

START_TEST(message_table_is_complete_in_both_languages) {
  char bad[256] = "";
  ck_assert_msg(pst__msg_lint(bad, sizeof bad), "%s", bad);
}
END_TEST

/* Every outcome lib/check.c can record, so none falls back to a missing
 * template (pst__msg_format would then fail the whole check). */
START_TEST(every_outcome_has_a_template) {
  static const char *const outcomes[][2] = {{"file.read", "pass"},
                                            {"file.read", "missing"},
                                            {"file.read", "dir"},
                                            {"file.read", "notreg"},
                                            {"file.read", "toobig"},
                                            {"file.read", "denied"},
                                            {"file.read", "io"},
                                            {"file.format", "pass"},
                                            {"file.format", "other"},
                                            {"file.format", "empty"},
                                            {"file.format", "unknown"},
                                            {"file.extension", "pass"},
                                            {"file.extension", "warn"},
                                            {"file.extension", "none"},
                                            {"file.extension", "stdin"},
                                            {"file.extension", "off"},
                                            {"file.size", "pass"},
                                            {"file.size", "small"},
                                            {"file.size", "large"},
                                            {"file.size", "off"},
                                            {"jpeg.decode", "pass"},
                                            {"jpeg.decode", "truncated"},
                                            {"jpeg.decode", "corrupt"},
                                            {"jpeg.decode", "error"},
                                            {"jpeg.decode", "pixels"},
                                            {"jpeg.decode", "scans"},
                                            {"jpeg.decode", "unsupported"},
                                            {"jpeg.quality", "pass"},
                                            {"jpeg.quality", "low"},
                                            {"jpeg.quality", "unknown"},
                                            {"jpeg.quality", "off"},
                                            {"jpeg.baseline", "pass"},
                                            {"jpeg.baseline", "progressive"},
                                            {"jpeg.baseline", "arithmetic"},
                                            {"jpeg.baseline", "both"},
                                            {"image.dimensions", "pass"},
                                            {"image.dimensions", "exact"},
                                            {"image.dimensions", "small"},
                                            {"image.dimensions", "aspect"},
                                            {"image.dimensions", "off"},
                                            {"image.color", "pass"},
                                            {"image.color", "gray"},
                                            {"image.color", "cmyk"},
                                            {"image.color", "greypic"},
                                            {"image.color", "other"},
                                            {"image.color", "nopixels"},
                                            {"image.color", "off"},
                                            {"image.dpi", "pass"},
                                            {"image.dpi", "none"},
                                            {"image.dpi", "wrong"},
                                            {"image.dpi", "off"},
                                            {"exif.orientation", "pass"},
                                            {"exif.orientation", "fail"},
                                            {"exif.orientation", "corrupt"},
                                            {"exif.location", "pass"},
                                            {"exif.location", "warn"},
                                            {"exif.location", "skip"},
                                            {"face.count", "pass"},
                                            {"face.count", "none"},
                                            {"face.count", "many"},
                                            {"face.width", "small"},
                                            {"face.width", "large"},
                                            {"face.center", "left"},
                                            {"face.center", "right"},
                                            {"head.crown", "high"},
                                            {"head.crown", "low"},
                                            {"eyes.line", "high"},
                                            {"eyes.line", "low"},
                                            {"eyes.level", "tilted"},
                                            {"background.color", "grey"},
                                            {"background.color", "hue"},
                                            {"background.color", "dark"},
                                            {"background.color", "light"},
                                            {"background.color", "vivid"},
                                            {"background.color", "nobg"},
                                            {"background.uniform", "uneven"},
                                            {"background.uniform", "texture"},
                                            {"background.uniform", "shadow"},
                                            {"background.uniform", "nobg"},
                                            {"face.exposure", "dark"},
                                            {"face.exposure", "bright"},
                                            {"face.exposure", "clipped"},
                                            {"face.lighting", "uneven"},
                                            {"image.sharpness", "blurred"},
                                            {"face.color", "cast"},
                                            {"clothing.contrast", "similar"},
                                            {"clothing.contrast", "unseen"}};
  for (size_t i = 0; i < sizeof outcomes / sizeof *outcomes; i++) {
    pst__msg_args a = {.v = "1", .e = "2", .p = "chsi", .x = "3", .y = "4"};
    char *m = NULL, *h = NULL;
    ck_assert_msg(pst__msg_exists(outcomes[i][0], outcomes[i][1]), "%s/%s",
                  outcomes[i][0], outcomes[i][1]);
    ck_assert_int_eq(pst__msg_format(outcomes[i][0], outcomes[i][1],
                                     PST_LANG_ZH, &a, &m, &h),
                     PST_OK);
    ck_assert_ptr_null(strchr(m, '{'));
    free(m);
    free(h);
  }
  ck_assert(!pst__msg_exists("file.size", "no-such-outcome"));
}
END_TEST

START_TEST(file_profile_skips_content_checks_as_not_checked) {
  pst_report *r = check_fixture("good.jpg");
  ck_assert_int_eq(pst_report_count(r), NORDER);
  for (int i = NFILE; i < NORDER; i++) {
    pst_finding f = get(r, order[i], PST_LANG_EN);
    ck_assert_int_eq(f.status, PST_SKIP);
    ck_assert_msg(strstr(f.message, "Not checked by the chsi profile"), "%s",
                  f.message);
  }
  ck_assert_int_eq(pst_report_pass(r, 0), 1);
  ck_assert_int_eq(pst_report_face(r, NULL, NULL), PST_ERR_NOTFOUND);
  pst_report_destroy(r);
}
END_TEST

/* A plain light-blue 480x640 JPEG: a valid file with no face in it. */
static pst_report *check_plain_blue(void) {
  pst_image *img = NULL;
  pst_jpeg_opts o = {95, 300, 0, 0};
  uint8_t *buf = NULL;
  size_t len = 0;
  pst_report *r = NULL;
  ck_assert_int_eq(pst_image_create(480, 640, (pst_rgb){100, 197, 255}, &img),
                   PST_OK);
  ck_assert_int_eq(pst_image_encode_jpeg(img, &o, &buf, &len), PST_OK);
  ck_assert_int_eq(pst_check_mem(buf, len, "blue.jpg", NULL, NULL, &r), PST_OK);
  pst_free(buf);
  pst_image_destroy(img);
  return r;
}

START_TEST(faceless_picture_fails_face_count_and_skips_face_checks) {
  pst_report *r = check_plain_blue();
  pst_rect box;
  char *json = NULL;
  ck_assert_int_eq(get(r, "face.count", PST_LANG_EN).status, PST_FAIL);
  ck_assert_str_eq(get(r, "face.count", PST_LANG_ZH).message, "没有检测到人脸");
  ck_assert_str_eq(get(r, "face.count", PST_LANG_EN).message, "No face found");
  for (int i = NFILE + 1; i < NORDER; i++) {
    pst_finding f = get(r, order[i], PST_LANG_EN);
    ck_assert_int_eq(f.status, PST_SKIP);
    ck_assert_ptr_nonnull(strstr(f.message, "face.count"));
  }
  ck_assert_int_eq(pst_report_pass(r, 0), 0);
  ck_assert_int_eq(pst_report_face(r, &box, NULL), PST_ERR_NOTFOUND);
  ck_assert_int_eq(pst_report_json(r, PST_LANG_EN, &json), PST_OK);
  ck_assert_ptr_nonnull(strstr(json, "\"face\":null,\"eyes\":null"));
  pst_free(json);
  pst_report_destroy(r);
}
END_TEST

START_TEST(truncated_jpeg_does_not_fail_image_color) {
  pst_report *r = check_fixture("trunc_50.jpg");
  ck_assert_int_eq(get(r, "jpeg.decode", PST_LANG_EN).status, PST_FAIL);
  ck_assert_int_eq(get(r, "image.color", PST_LANG_EN).status, PST_SKIP);
  pst_report_destroy(r);
}
END_TEST

Suite *check_suite(void) {
  Suite *s = suite_create("check");
  TCase *tc = tcase_create("engine");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, manifest_failing_error_checks_match_exactly);
  tcase_add_test(tc, every_finding_has_both_languages);
  tcase_add_test(tc, checks_appear_in_spec_order_and_nothing_else);
  tcase_add_test(tc, unreadable_file_skips_every_later_check);
  tcase_add_test(tc, missing_file_and_folder_are_told_apart);
  tcase_add_test(tc, unreadable_permission_is_an_io_error);
  tcase_add_test(tc, not_jpeg_runs_file_checks_and_skips_the_rest);
  tcase_add_test(tc, real_format_is_named);
  tcase_add_test(tc, file_size_reports_kb_with_one_decimal);
  tcase_add_test(tc, corrupt_jpeg_message_names_libjpeg_warning);
  tcase_add_test(tc, truncated_jpeg_says_truncated);
  tcase_add_test(tc, pixel_limit_is_named);
  tcase_add_test(tc, file_size_limit_fails_file_read);
  tcase_add_test(tc, orientation_names_the_rotation_and_the_fix);
  tcase_add_test(tc, baseline_warning_says_which);
  tcase_add_test(tc, dimensions_expected_and_actual);
  tcase_add_test(tc, grey_picture_in_colour_file_fails_color);
  tcase_add_test(tc, stdin_skips_extension_and_checks_the_rest);
  tcase_add_test(tc, bad_arguments_are_refused);
  tcase_add_test(tc, profile_without_a_rule_does_not_fail_it);
  tcase_add_test(tc, minimum_size_profile_checks_aspect);
  tcase_add_test(tc, real_colour_photos_pass_image_color);
  tcase_add_test(tc, message_table_is_complete_in_both_languages);
  tcase_add_test(tc, every_outcome_has_a_template);
  tcase_add_test(tc, file_profile_skips_content_checks_as_not_checked);
  tcase_add_test(tc, faceless_picture_fails_face_count_and_skips_face_checks);
  tcase_add_test(tc, truncated_jpeg_does_not_fail_image_color);
  suite_add_tcase(s, tc);
  return s;
}

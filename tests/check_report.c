/* Reports: accessors, pass/strict, and the JSON object of SPEC §4, checked
 * with a small strict JSON parser (RFC 8259) written here. */
#include "testutil.h"

#include "internal.h"

#include <string.h>

/* ---- a strict JSON validator ---- */

typedef struct jp {
  const unsigned char *s;
  int depth;
} jp;

static void ws(jp *p) {
  while (*p->s == ' ' || *p->s == '\t' || *p->s == '\n' || *p->s == '\r')
    p->s++;
}

static int lit(jp *p, const char *w) {
  size_t n = strlen(w);
  if (strncmp((const char *)p->s, w, n)) return 0;
  p->s += n;
  return 1;
}

static int digits(jp *p) {
  const unsigned char *start = p->s;
  while (*p->s >= '0' && *p->s <= '9') p->s++;
  return p->s > start;
}

static int number(jp *p) {
  if (*p->s == '-') p->s++;
  if (*p->s == '0')
    p->s++;
  else if (!digits(p))
    return 0;
  if (*p->s == '.') {
    p->s++;
    if (!digits(p)) return 0;
  }
  if (*p->s == 'e' || *p->s == 'E') {
    p->s++;
    if (*p->s == '+' || *p->s == '-') p->s++;
    if (!digits(p)) return 0;
  }
  return 1;
}

/* One UTF-8 sequence (strict: no overlongs, surrogates, > U+10FFFF). */
static int utf8(jp *p) {
  const unsigned char *s = p->s;
  int n;
  unsigned cp;
  if (s[0] < 0x80)
    n = 1, cp = s[0];
  else if ((s[0] & 0xE0) == 0xC0)
    n = 2, cp = s[0] & 0x1F;
  else if ((s[0] & 0xF0) == 0xE0)
    n = 3, cp = s[0] & 0x0F;
  else if ((s[0] & 0xF8) == 0xF0)
    n = 4, cp = s[0] & 0x07;
  else
    return 0;
  for (int i = 1; i < n; i++) {
    if ((s[i] & 0xC0) != 0x80) return 0;
    cp = cp << 6 | (s[i] & 0x3F);
  }
  if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) ||
      (n == 4 && cp < 0x10000) || cp > 0x10FFFF ||
      (cp >= 0xD800 && cp <= 0xDFFF))
    return 0;
  p->s += n;
  return 1;
}

static int string(jp *p) {
  if (*p->s != '"') return 0;
  p->s++;
  while (*p->s != '"') {
    if (*p->s < 0x20) return 0; /* also the end of the text */
    if (*p->s == '\\') {
      p->s++;
      if (*p->s == 'u') {
        for (int i = 1; i <= 4; i++)
          if (!strchr("0123456789abcdefABCDEF", p->s[i]) || !p->s[i]) return 0;
        p->s += 5;
      } else if (*p->s && strchr("\"\\/bfnrt", *p->s)) {
        p->s++;
      } else {
        return 0;
      }
    } else if (!utf8(p)) {
      return 0;
    }
  }
  p->s++;
  return 1;
}

static int value(jp *p);

static int members(jp *p, char close, int keyed) {
  p->s++;
  ws(p);
  if (*p->s == close) {
    p->s++;
    return 1;
  }
  for (;;) {
    ws(p);
    if (keyed) {
      if (!string(p)) return 0;
      ws(p);
      if (*p->s++ != ':') return 0;
    }
    if (!value(p)) return 0;
    ws(p);
    if (*p->s == close) {
      p->s++;
      return 1;
    }
    if (*p->s++ != ',') return 0;
  }
}

static int value(jp *p) {
  int ok;
  ws(p);
  if (++p->depth > 64) return 0;
  switch (*p->s) {
  case '{': ok = members(p, '}', 1); break;
  case '[': ok = members(p, ']', 0); break;
  case '"': ok = string(p); break;
  case 't': ok = lit(p, "true"); break;
  case 'f': ok = lit(p, "false"); break;
  case 'n': ok = lit(p, "null"); break;
  default: ok = number(p);
  }
  p->depth--;
  return ok;
}

static int json_valid(const char *text) {
  jp p = {(const unsigned char *)text, 0};
  if (!value(&p)) return 0;
  ws(&p);
  return *p.s == '\0';
}

START_TEST(validator_rejects_bad_json) {
  ck_assert(json_valid("{\"a\":[1,2.5,-0.1e3,null,true,\"\\u00ff\"]}"));
  ck_assert(!json_valid("{\"a\":1,}"));
  ck_assert(!json_valid("{\"a\":01}"));
  ck_assert(!json_valid("\"a\nb\""));
  ck_assert(!json_valid("\"\xff\""));
  ck_assert(!json_valid("{\"a\":1} x"));
  ck_assert(!json_valid("[nan]"));
}
END_TEST

/* ---- reports ---- */

/* The file checks only (testdata/profiles/file-checks.conf): whether a
 * synthetic fixture's drawn face is found is not this suite's concern. */
static pst_report *fixture_report(const char *name) {
  pst_report *r = NULL;
  pst_profile *p = NULL;
  ck_assert_int_eq(
      pst_profile_load("testdata/profiles/file-checks.conf", &p, NULL), PST_OK);
  ck_assert_int_eq(pst_check_file(tu_fixture(name), p, NULL, &r), PST_OK);
  pst_profile_destroy(p);
  return r;
}

static char *json_of(const pst_report *r, pst_lang lang) {
  char *j = NULL;
  ck_assert_int_eq(pst_report_json(r, lang, &j), PST_OK);
  ck_assert_ptr_nonnull(j);
  ck_assert_msg(json_valid(j), "invalid JSON: %s", j);
  ck_assert_ptr_null(strchr(j, '\n'));
  return j;
}

START_TEST(json_of_every_fixture_is_valid_in_both_languages) {
  static const char *const names[] = {
      "good.jpg",      "missing.jpg",      "dir.jpg",       "zero.jpg",
      "png_named.jpg", "bad_huffman.jpg",  "huge_decl.jpg", "trunc_header.jpg",
      "cmyk.jpg",      "corrupt_exif.jpg", "gps.jpg",       "orient_8.jpg"};
  for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
    pst_report *r = fixture_report(names[i]);
    free(json_of(r, PST_LANG_EN));
    free(json_of(r, PST_LANG_ZH));
    pst_report_destroy(r);
  }
}
END_TEST

START_TEST(json_has_the_spec_fields_with_numbers) {
  pst_report *r = fixture_report("good.jpg");
  char *j = json_of(r, PST_LANG_EN), head[256];
  snprintf(head, sizeof head,
           "{\"file\":\"%s\",\"profile\":\"chsi\",\"pass\":true,"
           "\"width\":480,\"height\":640,\"bytes\":%llu,"
           "\"face\":null,\"eyes\":null,\"checks\":[",
           tu_fixture("good.jpg"),
           (unsigned long long)pst_report_info(r)->file_bytes);
  ck_assert_msg(!strncmp(j, head, strlen(head)), "%s", j);
  ck_assert_ptr_nonnull(
      strstr(j, "{\"id\":\"file.read\",\"status\":\"pass\","));
  ck_assert_ptr_nonnull(strstr(j, "\"id\":\"file.size\",\"status\":\"pass\","
                                  "\"value\":"));
  ck_assert_ptr_nonnull(strstr(j, "\"unit\":\"KB\",\"expected\":\">= 30\""));
  ck_assert_ptr_nonnull(strstr(j, "\"id\":\"jpeg.baseline\",\"status\":"
                                  "\"pass\",\"value\":null,"));
  /* Every check of §3 is listed; the file profile skips the content ones. */
  ck_assert_ptr_nonnull(
      strstr(j, "{\"id\":\"face.count\",\"status\":\"skip\""));
  ck_assert_str_eq(j + strlen(j) - 2, "]}");
  free(j);
  pst_report_destroy(r);
}
END_TEST

START_TEST(json_of_unreadable_file_has_null_sizes) {
  pst_report *r = fixture_report("missing.jpg");
  char *j = json_of(r, PST_LANG_ZH);
  ck_assert_ptr_nonnull(strstr(j, "\"pass\":false,\"width\":null,"
                                  "\"height\":null,\"bytes\":null,"));
  ck_assert_ptr_nonnull(strstr(j, "\"status\":\"skip\""));
  ck_assert_ptr_nonnull(strstr(j, "文件不存在"));
  free(j);
  pst_report_destroy(r);
}
END_TEST

START_TEST(json_escapes_quotes_newlines_and_bad_utf8_in_names) {
  pst_report *r = NULL;
  char *j;
  ck_assert_int_eq(pst_check_mem("\xff\xd8\xff", 3,
                                 "a\"b\\c\nd\xff\xe4\xb8.jpg", NULL, NULL, &r),
                   PST_OK);
  j = json_of(r, PST_LANG_EN);
  ck_assert_ptr_nonnull(strstr(j, "\"file\":\"a\\\"b\\\\c\\nd\\u00ff\\u00e4"
                                  "\\u00b8.jpg\""));
  free(j);
  j = json_of(r, PST_LANG_ZH);
  free(j);
  ck_assert_str_eq(pst_report_file(r), "a\"b\\c\nd\xff\xe4\xb8.jpg");
  pst_report_destroy(r);
}
END_TEST

START_TEST(strict_turns_warnings_into_failure) {
  pst_report *r = fixture_report("lowq.jpg");
  ck_assert_int_eq(pst_report_pass(r, 0), 1);
  ck_assert_int_eq(pst_report_pass(r, 1), 0);
  pst_report_destroy(r);
  r = fixture_report("good.jpg");
  ck_assert_int_eq(pst_report_pass(r, 1), 1);
  pst_report_destroy(r);
}
END_TEST

START_TEST(accessors_refuse_bad_arguments) {
  pst_report *r = fixture_report("good.jpg");
  pst_finding f;
  char *j = (char *)1;
  ck_assert_int_eq(pst_report_get(r, -1, PST_LANG_EN, &f), PST_ERR_ARG);
  ck_assert_int_eq(pst_report_get(r, pst_report_count(r), PST_LANG_EN, &f),
                   PST_ERR_ARG);
  ck_assert_int_eq(pst_report_get(r, 0, PST_LANG_EN, NULL), PST_ERR_ARG);
  ck_assert_int_eq(pst_report_json(NULL, PST_LANG_EN, &j), PST_ERR_ARG);
  ck_assert_ptr_null(j);
  ck_assert_int_eq(pst_report_count(NULL), 0);
  ck_assert_int_eq(pst_report_pass(NULL, 0), 0);
  ck_assert_str_eq(pst_status_name(PST_PASS), "pass");
  ck_assert_str_eq(pst_status_name(PST_WARN), "warn");
  ck_assert_str_eq(pst_status_name(PST_FAIL), "fail");
  ck_assert_str_eq(pst_status_name(PST_SKIP), "skip");
  pst_report_destroy(r);
}
END_TEST

START_TEST(languages_differ_but_statuses_do_not) {
  pst_report *r = fixture_report("small_file.jpg");
  for (int i = 0; i < pst_report_count(r); i++) {
    pst_finding en, zh;
    pst_report_get(r, i, PST_LANG_EN, &en);
    pst_report_get(r, i, PST_LANG_ZH, &zh);
    ck_assert_str_eq(en.id, zh.id);
    ck_assert_int_eq(en.status, zh.status);
    ck_assert_str_eq(en.expected, zh.expected);
    ck_assert_str_ne(en.message, zh.message);
  }
  pst_report_destroy(r);
}
END_TEST

Suite *report_suite(void) {
  Suite *s = suite_create("report");
  TCase *tc = tcase_create("report");
  tcase_add_test(tc, validator_rejects_bad_json);
  tcase_add_test(tc, json_of_every_fixture_is_valid_in_both_languages);
  tcase_add_test(tc, json_has_the_spec_fields_with_numbers);
  tcase_add_test(tc, json_of_unreadable_file_has_null_sizes);
  tcase_add_test(tc, json_escapes_quotes_newlines_and_bad_utf8_in_names);
  tcase_add_test(tc, strict_turns_warnings_into_failure);
  tcase_add_test(tc, accessors_refuse_bad_arguments);
  tcase_add_test(tc, languages_differ_but_statuses_do_not);
  suite_add_tcase(s, tc);
  return s;
}

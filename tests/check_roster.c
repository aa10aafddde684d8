/* Roster CSV parsing, encodings, ID numbers and safe names. */
#include "testutil.h"

#include "photostd.h"

#include <string.h>

static pst_roster *parse(const char *s) {
  pst_roster *r = NULL;
  ck_assert_int_eq(pst_roster_parse(s, strlen(s), &r, NULL), PST_OK);
  return r;
}

START_TEST(english_header_with_quotes_and_crlf) {
  pst_roster *r =
      parse("student_id,name,id_number,file\r\n"
            "2021001,\"Li, \"\"Lei\"\"\",11010119900307803X,a.jpg\r\n"
            "2021002,\"two\nlines\",,\r\n");
  pst_roster_row row;
  ck_assert_int_eq(pst_roster_count(r), 2);
  pst_roster_get(r, 0, &row);
  ck_assert_str_eq(row.name, "Li, \"Lei\"");
  ck_assert_str_eq(row.file, "a.jpg");
  pst_roster_get(r, 1, &row);
  ck_assert_str_eq(row.name, "two\nlines");
  ck_assert_str_eq(row.id_number, "");
  ck_assert_str_eq(pst_roster_encoding(r), "UTF-8");
  pst_roster_destroy(r);
}
END_TEST

START_TEST(chinese_headers_with_bom_in_any_order) {
  pst_roster *r =
      parse("\xEF\xBB\xBF姓名,学号,备注,身份证号\n张三,2021003,x,110101\n");
  pst_roster_row row;
  pst_roster_get(r, 0, &row);
  ck_assert_str_eq(row.name, "张三");
  ck_assert_str_eq(row.student_id, "2021003");
  ck_assert_str_eq(row.id_number, "110101");
  pst_roster_destroy(r);
}
END_TEST

START_TEST(gb18030_roster_is_converted_to_utf8) {
  /* 学号,姓名 / 2021004,张三 in GB18030 (GBK range). */
  const char gb[] =
      "\xD1\xA7\xBA\xC5,\xD0\xD5\xC3\xFB\r\n2021004,\xD5\xC5\xC8\xFD\r\n";
  pst_roster *r = parse(gb);
  pst_roster_row row;
  pst_roster_get(r, 0, &row);
  ck_assert_str_eq(row.name, "张三");
  ck_assert_str_eq(pst_roster_encoding(r), "GB18030");
  pst_roster_destroy(r);
}
END_TEST

START_TEST(header_without_a_key_column_is_a_parse_error) {
  pst_roster *r = NULL;
  pst_errinfo e;
  ck_assert_int_eq(pst_roster_parse("name,age\nx,1\n", 14, &r, &e),
                   PST_ERR_PARSE);
  ck_assert_ptr_null(r);
  ck_assert_ptr_nonnull(strstr(e.message, "student_id"));
}
END_TEST

START_TEST(unterminated_quote_names_the_line) {
  pst_roster *r = NULL;
  pst_errinfo e;
  const char *s = "student_id\n1\n\"2\n";
  ck_assert_int_eq(pst_roster_parse(s, strlen(s), &r, &e), PST_ERR_PARSE);
  ck_assert_ptr_nonnull(strstr(e.message, "line 3"));
}
END_TEST

START_TEST(id_number_check_digit_per_gb11643) {
  ck_assert_int_eq(pst_idnumber_valid("11010519491231002X"), 1);
  ck_assert_int_eq(pst_idnumber_valid("11010519491231002x"), 1);
  ck_assert_int_eq(pst_idnumber_valid("110105194912310021"), 0);
  ck_assert_int_eq(pst_idnumber_valid("440524188001010014"), 1);
  ck_assert_int_eq(pst_idnumber_valid("44052418800101001"), 0);
  ck_assert_int_eq(pst_idnumber_valid("4405241880010100A4"), 0);
  ck_assert_int_eq(pst_idnumber_valid(NULL), 0);
}
END_TEST

START_TEST(unsafe_names_are_refused) {
  ck_assert_int_eq(pst_name_safe("2021001"), 1);
  ck_assert_int_eq(pst_name_safe("张三"), 1);
  ck_assert_int_eq(pst_name_safe("../x"), 0);
  ck_assert_int_eq(pst_name_safe(".."), 0);
  ck_assert_int_eq(pst_name_safe("a/b"), 0);
  ck_assert_int_eq(pst_name_safe("a\nb"), 0);
  ck_assert_int_eq(pst_name_safe("-rf"), 0);
  ck_assert_int_eq(pst_name_safe("\xff\xfe"), 0);
  ck_assert_int_eq(pst_name_safe(""), 0);
}
END_TEST

Suite *roster_suite(void) {
  Suite *s = suite_create("roster");
  TCase *t = tcase_create("roster");
  tcase_add_test(t, english_header_with_quotes_and_crlf);
  tcase_add_test(t, chinese_headers_with_bom_in_any_order);
  tcase_add_test(t, gb18030_roster_is_converted_to_utf8);
  tcase_add_test(t, header_without_a_key_column_is_a_parse_error);
  tcase_add_test(t, unterminated_quote_names_the_line);
  tcase_add_test(t, id_number_check_digit_per_gb11643);
  tcase_add_test(t, unsafe_names_are_refused);
  suite_add_tcase(s, t);
  return s;
}

/* Format sniffing: every format is told by its bytes, not its name. */
#include "testutil.h"

#include "internal.h"

#include <string.h>

static pst_format sniff_str(const char *s, size_t n) { return pst_sniff(s, n); }

START_TEST(jpeg_png_gif_bmp_tiff_pdf_magic_are_recognised) {
  ck_assert_int_eq(sniff_str("\xff\xd8\xff\xe0\0\x10JFIF", 10), PST_FMT_JPEG);
  ck_assert_int_eq(sniff_str("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16), PST_FMT_PNG);
  ck_assert_int_eq(sniff_str("GIF87a\x01\0\x01\0", 10), PST_FMT_GIF);
  ck_assert_int_eq(sniff_str("GIF89a\x01\0\x01\0", 10), PST_FMT_GIF);
  ck_assert_int_eq(sniff_str("BM\x36\0\0\0\0\0", 8), PST_FMT_BMP);
  ck_assert_int_eq(sniff_str("II*\0\x08\0\0\0", 8), PST_FMT_TIFF);
  ck_assert_int_eq(sniff_str("MM\0*\0\0\0\x08", 8), PST_FMT_TIFF);
  ck_assert_int_eq(sniff_str("%PDF-1.7\n", 9), PST_FMT_PDF);
}
END_TEST

START_TEST(webp_needs_riff_and_webp) {
  ck_assert_int_eq(sniff_str("RIFF\x24\0\0\0WEBPVP8 ", 16), PST_FMT_WEBP);
  ck_assert_int_eq(sniff_str("RIFF\x24\0\0\0WAVEfmt ", 16), PST_FMT_UNKNOWN);
}
END_TEST

START_TEST(heic_and_avif_by_major_or_compatible_brand) {
  static const char heic[] = "\0\0\0\x18"
                             "ftypheic\0\0\0\0mif1heic";
  static const char mif1_avif[] = "\0\0\0\x18"
                                  "ftypmif1\0\0\0\0mif1avif";
  static const char mif1_heic[] = "\0\0\0\x18"
                                  "ftypmif1\0\0\0\0mif1miaf";
  static const char avif[] = "\0\0\0\x14"
                             "ftypavif\0\0\0\0mif1";
  static const char mp4[] = "\0\0\0\x18"
                            "ftypisom\0\0\0\0isomiso2";
  static const char mp4_avif_late[] = "\0\0\0\x18"
                                      "ftypisom\0\0\0\0isomavis";
  ck_assert_int_eq(pst_sniff(heic, 24), PST_FMT_HEIC);
  ck_assert_int_eq(pst_sniff(mif1_avif, 24), PST_FMT_AVIF);
  ck_assert_int_eq(pst_sniff(mif1_heic, 24), PST_FMT_HEIC);
  ck_assert_int_eq(pst_sniff(avif, 20), PST_FMT_AVIF);
  ck_assert_int_eq(pst_sniff(mp4, 24), PST_FMT_UNKNOWN);
  ck_assert_int_eq(pst_sniff(mp4_avif_late, 24), PST_FMT_AVIF);
}
END_TEST

START_TEST(empty_short_and_unknown_input) {
  ck_assert_int_eq(pst_sniff("", 0), PST_FMT_EMPTY);
  ck_assert_int_eq(pst_sniff(NULL, 0), PST_FMT_EMPTY);
  ck_assert_int_eq(sniff_str("\xff\xd8", 2), PST_FMT_UNKNOWN);
  ck_assert_int_eq(sniff_str("hello world", 11), PST_FMT_UNKNOWN);
  ck_assert_int_eq(sniff_str("\0\0\0\x18"
                             "ftyp",
                             8),
                   PST_FMT_UNKNOWN);
}
END_TEST

START_TEST(format_names_are_never_null) {
  ck_assert_str_eq(pst_format_name(PST_FMT_WEBP), "WebP");
  ck_assert_str_eq(pst_format_name(PST_FMT_HEIC), "HEIC");
  ck_assert_str_eq(pst_format_name(PST_FMT_JPEG), "JPEG");
  ck_assert_str_eq(pst_format_name((pst_format)99), "unknown");
}
END_TEST

START_TEST(real_files_are_sniffed_by_content) {
  static const struct {
    const char *name;
    pst_format f;
  } cases[] = {{"misc/hopper.jpg", PST_FMT_JPEG},
               {"misc/hopper.png", PST_FMT_PNG},
               {"misc/hopper.webp", PST_FMT_WEBP},
               {"misc/hopper.bmp", PST_FMT_BMP}};
  TU_NEED_REAL();
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    char *p = tu_real_path(cases[i].name);
    uint8_t head[16];
    FILE *f = fopen(p, "rb");
    ck_assert_ptr_nonnull(f);
    size_t n = fread(head, 1, sizeof head, f);
    fclose(f);
    ck_assert_msg(pst_sniff(head, n) == cases[i].f, "%s", cases[i].name);
    free(p);
  }
}
END_TEST

Suite *sniff_suite(void) {
  Suite *s = suite_create("sniff");
  TCase *tc = tcase_create("sniff");
  tcase_add_test(tc, jpeg_png_gif_bmp_tiff_pdf_magic_are_recognised);
  tcase_add_test(tc, webp_needs_riff_and_webp);
  tcase_add_test(tc, heic_and_avif_by_major_or_compatible_brand);
  tcase_add_test(tc, empty_short_and_unknown_input);
  tcase_add_test(tc, format_names_are_never_null);
  tcase_add_test(tc, real_files_are_sniffed_by_content);
  suite_add_tcase(s, tc);
  return s;
}

/* libFuzzer target: the whole check (file, format, content) on bytes in
 * memory, then both report renderings. */
#include "photostd.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void render(const pst_report *r, pst_lang lang) {
  pst_finding f;
  char *json = NULL;
  for (int i = 0; i < pst_report_count(r); i++)
    (void)pst_report_get(r, i, lang, &f);
  (void)pst_report_pass(r, 1);
  if (pst_report_json(r, lang, &json) == PST_OK) pst_free(json);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  pst_limits *lim = pst_limits_create();
  pst_report *r = NULL;
  if (!lim) return 0;
  (void)pst_limits_set_max_pixels(lim, 400000);
  (void)pst_limits_set_max_scans(lim, 100);
  if (pst_check_mem(data, size, "fuzz.jpg", NULL, lim, &r) == PST_OK) {
    render(r, PST_LANG_EN);
    render(r, PST_LANG_ZH);
  }
  pst_report_destroy(r);
  pst_limits_destroy(lim);
  return 0;
}

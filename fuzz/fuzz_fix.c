/* libFuzzer target: photofix on small inputs. The pixel limit keeps one run
 * short; what is fuzzed is the decode-measure-solve-render path, not speed. */
#include "photostd.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void use_result(const pst_fix_result *r) {
  double x, y, w, h, a;
  size_t n;
  char *json = NULL;
  (void)pst_fix_reason(r, PST_LANG_ZH);
  (void)pst_fix_crop(r, &x, &y, &w, &h, &a);
  (void)pst_fix_jpeg(r, &n);
  (void)pst_fix_mask_png(r, &n);
  if (pst_fix_json(r, "in.jpg", "out.jpg", PST_LANG_EN, &json) == PST_OK)
    pst_free(json);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  pst_limits *lim = NULL;
  pst_fix_result *r = NULL;
  if (size > (256u << 10)) return 0;
  if (!(lim = pst_limits_create())) return 0;
  (void)pst_limits_set_max_pixels(lim, 400000);
  (void)pst_limits_set_max_scans(lim, 100);
  if (pst_fix_mem(data, size, "in.jpg", NULL, lim, NULL, &r) == PST_OK)
    use_result(r);
  pst_fix_result_destroy(r);
  pst_limits_destroy(lim);
  return 0;
}

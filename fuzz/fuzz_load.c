/* libFuzzer target: sniff, decode (JPEG, PNG) and EXIF from memory, under
 * small limits so a bomb is refused rather than allocated. */
#include "internal.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void load_once(const uint8_t *data, size_t size, const pst_limits *lim,
                      int denom) {
  pst_image *img = NULL;
  pst_info info;
  pst_errinfo detail;
  if (pst_image_load_mem(data, size, lim, denom, &img, &info, &detail) ==
      PST_OK) {
    /* Orientation comes from the file: any value 1..8 must apply. */
    if (info.orientation >= 1 && info.orientation <= 8)
      (void)pst_image_orient(img, info.orientation);
  }
  pst_image_destroy(img);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  pst_limits *lim = pst_limits_create();
  pst_info info = {0};
  if (!lim) return 0;
  (void)pst_limits_set_max_pixels(lim, 4000000);
  (void)pst_limits_set_max_scans(lim, 100);
  (void)pst_sniff(data, size);
  /* The length picks a DCT scale, so every scale sees every kind of input
   * without spending input bytes on it. */
  load_once(data, size, lim, 1 << (size & 3));
  /* EXIF blocks reach the parser only through an APP1 marker; feeding the
   * bytes to it directly finds its offset loops and overruns faster. */
  pst__exif_parse(data, size, &info);
  pst_limits_destroy(lim);
  return 0;
}

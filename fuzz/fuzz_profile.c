/* libFuzzer target: the key = value profile parser. The bytes go to a
 * memfd so the real file path (pst_profile_load) is what runs; a profile
 * that loads is then used for a check, as photocheck --profile would. */
#include "photostd.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int write_all(int fd, const uint8_t *p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w <= 0) return -1;
    p += w, n -= (size_t)w;
  }
  return 0;
}

/* A small grey photo encoded once per run of a loaded profile. */
static void use_profile(const pst_profile *prof) {
  pst_rgb grey = {128, 128, 128};
  pst_jpeg_opts o = {.quality = 90, .dpi = 300};
  pst_image *img = NULL;
  pst_report *r = NULL;
  pst_profile *copy = pst_profile_copy(prof);
  uint8_t *jpg = NULL;
  size_t n = 0;
  char *json = NULL;
  if (pst_image_create(60, 80, grey, &img) != PST_OK) goto out;
  if (pst_image_encode_jpeg(img, &o, &jpg, &n) != PST_OK) goto out;
  if (pst_check_mem(jpg, n, "p.jpg", copy ? copy : prof, NULL, &r) == PST_OK &&
      pst_report_json(r, PST_LANG_ZH, &json) == PST_OK)
    pst_free(json);
out:
  pst_report_destroy(r);
  pst_free(jpg);
  pst_image_destroy(img);
  pst_profile_destroy(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char path[64];
  pst_profile *prof = NULL;
  pst_errinfo detail;
  int fd = memfd_create("fuzz-profile", 0);
  if (fd < 0) return 0;
  if (write_all(fd, data, size) == 0) {
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    if (pst_profile_load(path, &prof, &detail) == PST_OK) use_profile(prof);
  }
  pst_profile_destroy(prof);
  close(fd);
  return 0;
}

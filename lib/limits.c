/* Safety limits: what a hostile file may make the library allocate or do. */
#include "internal.h"

#include <stdlib.h>

static const pst_limits defaults = {
    .max_pixels = 100u * 1000 * 1000,
    .max_file_bytes = 64u << 20,
    .max_scans = 500,
    .strict = 0,
};

const pst_limits *pst__limits_default(void) { return &defaults; }

pst_limits *pst_limits_create(void) { return pst_limits_copy(&defaults); }

pst_limits *pst_limits_copy(const pst_limits *lim) {
  pst_limits *l;
  if (!lim) return NULL;
  l = malloc(sizeof *l);
  if (l) *l = *lim;
  return l;
}

void pst_limits_destroy(pst_limits *lim) { free(lim); }

pst_err pst_limits_set_max_pixels(pst_limits *lim, uint64_t pixels) {
  if (!lim) return PST_ERR_ARG;
  if (pixels < 1 || pixels > 4000000000u) return PST_ERR_RANGE;
  lim->max_pixels = pixels;
  return PST_OK;
}

pst_err pst_limits_set_max_file_bytes(pst_limits *lim, uint64_t bytes) {
  if (!lim) return PST_ERR_ARG;
  if (bytes < 1 || bytes > ((uint64_t)4 << 30)) return PST_ERR_RANGE;
  lim->max_file_bytes = bytes;
  return PST_OK;
}

pst_err pst_limits_set_max_scans(pst_limits *lim, int scans) {
  if (!lim) return PST_ERR_ARG;
  if (scans < 1 || scans > 100000) return PST_ERR_RANGE;
  lim->max_scans = scans;
  return PST_OK;
}

pst_err pst_limits_set_strict(pst_limits *lim, int strict) {
  if (!lim) return PST_ERR_ARG;
  if (strict != 0 && strict != 1) return PST_ERR_RANGE;
  lim->strict = strict;
  return PST_OK;
}

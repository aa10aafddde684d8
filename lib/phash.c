/* Perceptual hash and SHA-256 for duplicate detection in a batch.
 *
 * The perceptual hash keeps only the lowest spatial frequencies of a 32x32
 * luma reduction, so re-encoding (high-frequency noise), resizing (gone in
 * the reduction) and crops of a few percent (a small shift of the low
 * frequencies) move few bits, while another face moves about half. */
#include "internal.h"

#include <unistd.h>

#include <errno.h>
#include <math.h>
#include <nettle/sha2.h>
#include <stdlib.h>
#include <string.h>

enum { N = 32, K = 8 };

/* Area average of the luma into N x N, so every input pixel counts once
 * whatever the size (a point sample would alias on large photos). */
static void reduce(const pst_image *img, double out[N][N]) {
  int w = img->width, h = img->height;
  for (int oy = 0; oy < N; oy++) {
    int y0 = oy * h / N, y1 = PST_MAX(y0 + 1, (oy + 1) * h / N);
    for (int ox = 0; ox < N; ox++) {
      int x0 = ox * w / N, x1 = PST_MAX(x0 + 1, (ox + 1) * w / N);
      double sum = 0;
      for (int y = y0; y < y1 && y < h; y++) {
        const uint8_t *p = img->px + ((size_t)y * w + x0) * 3;
        for (int x = x0; x < x1 && x < w; x++, p += 3)
          sum += 0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2];
      }
      out[oy][ox] = sum / ((double)(y1 - y0) * (x1 - x0));
    }
  }
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

pst_err pst_phash_image(const pst_image *img, uint64_t *out) {
  double px[N][N], tmp[K + 1][N], cosv[K + 1][N], coef[K * K], sorted[K * K];
  double median;
  uint64_t h = 0;
  if (!img || !out || img->width < 1 || img->height < 1) return PST_ERR_ARG;
  reduce(img, px);
  for (int u = 0; u <= K; u++)
    for (int x = 0; x < N; x++)
      cosv[u][x] = cos(M_PI * (2 * x + 1) * u / (2.0 * N));
  /* Separable DCT-II, only the frequencies 1..K that the hash keeps; the DC
   * term (mean brightness) is left out, as it says nothing of the picture. */
  for (int v = 1; v <= K; v++)
    for (int x = 0; x < N; x++) {
      double s = 0;
      for (int y = 0; y < N; y++) s += cosv[v][y] * px[y][x];
      tmp[v][x] = s;
    }
  for (int v = 1; v <= K; v++)
    for (int u = 1; u <= K; u++) {
      double s = 0;
      for (int x = 0; x < N; x++) s += cosv[u][x] * tmp[v][x];
      coef[(v - 1) * K + (u - 1)] = s;
    }
  memcpy(sorted, coef, sizeof sorted);
  qsort(sorted, K * K, sizeof *sorted, cmp_double);
  median = (sorted[K * K / 2 - 1] + sorted[K * K / 2]) / 2;
  for (int i = 0; i < K * K; i++)
    if (coef[i] > median) h |= (uint64_t)1 << i;
  *out = h;
  return PST_OK;
}

pst_err pst_phash_mem(const void *buf, size_t len, const pst_limits *lim,
                      uint64_t *out, pst_errinfo *detail) {
  pst_image *img = NULL;
  pst_info info;
  pst_err err;
  if (!out) return PST_ERR_ARG;
  /* A 1/8 DCT-scaled decode is plenty for 32x32 and 20x faster; small
   * images are decoded fully so the reduction still has pixels to average. */
  err = pst_image_load_mem(buf, len, lim, 8, &img, &info, detail);
  if (!err && (img->width < 2 * N || img->height < 2 * N)) {
    pst_image_destroy(img);
    img = NULL;
    err = pst_image_load_mem(buf, len, lim, 1, &img, &info, detail);
  }
  if (!err && info.orientation > 1)
    err = pst_image_orient(img, info.orientation);
  if (!err) err = pst_phash_image(img, out);
  pst_image_destroy(img);
  return err;
}

pst_err pst_phash_file(const char *path, const pst_limits *lim, uint64_t *out,
                       pst_errinfo *detail) {
  const pst_limits *l = lim ? lim : pst__limits_default();
  uint8_t *buf = NULL;
  size_t len = 0;
  pst_err err;
  if (!path || !out) return PST_ERR_ARG;
  err = pst__read_file(path, l->max_file_bytes, &buf, &len, detail);
  if (!err) err = pst_phash_mem(buf, len, l, out, detail);
  free(buf);
  return err;
}

int pst_phash_distance(uint64_t a, uint64_t b) {
  return __builtin_popcountll(a ^ b);
}

void pst_sha256_mem(const void *buf, size_t len, uint8_t out[32]) {
  struct sha256_ctx ctx;
  sha256_init(&ctx);
  sha256_update(&ctx, len, buf);
  sha256_digest(&ctx, SHA256_DIGEST_SIZE, out);
}

pst_err pst_sha256_file(const char *path, uint8_t out[32],
                        pst_errinfo *detail) {
  struct sha256_ctx ctx;
  uint8_t chunk[65536];
  size_t size;
  ssize_t got;
  int fd;
  pst_err err;
  if (!path || !out) return PST_ERR_ARG;
  /* Streamed, so no size limit; but never a FIFO or /dev/zero. */
  err = pst__open_regular(path, UINT64_MAX, &fd, &size, detail);
  if (err) return err;
  sha256_init(&ctx);
  while ((got = read(fd, chunk, sizeof chunk)) != 0) {
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) break;
    sha256_update(&ctx, (size_t)got, chunk);
  }
  close(fd);
  if (got < 0) return pst__fail(detail, PST_ERR_IO, "%s: read error", path);
  sha256_digest(&ctx, SHA256_DIGEST_SIZE, out);
  return PST_OK;
}

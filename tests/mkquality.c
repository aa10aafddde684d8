/* mkquality REALDIR OUTDIR: the segmentation quality set. Each London and
 * Canada photo with a landmark template is keyed once (tests/truth.c: the
 * plain wall modelled, a physical alpha in the edge band, the old wall taken
 * out of the person's edge colours) and composited in linear light onto six
 * new walls (white, beige, a gradient, plaster, dark blue, a room), so the
 * true alpha of every composite is exact by construction. Every photo also
 * gets one copy stored sideways with EXIF orientation 6 or 8, and the
 * snapshots/ photos join as they are (no true alpha).
 *
 *   OUTDIR/<set>_<name>__<wall>.jpg        quality 92, the photo's own size
 *   OUTDIR/<set>_<name>__<wall>__o<6|8>.jpg the same, stored sideways
 *   OUTDIR/snap_<name>.jpg                 snapshots, copied
 *   OUTDIR/alpha/<set>_<name>.png          true alpha (upright, input size)
 *   OUTDIR/MANIFEST  "<file> <alpha png or -> <wall or -> <orientation>"
 *
 * Deterministic: no clock, seeds from the names. */
#include "truth.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define QUALITY 92

/* Keyed mattes that are wrong by eye (see doc/notes/truth.md): their
 * composites would teach the wrong answer. */
static const char *const unreliable[] = {"canada_003f", "canada_129m",
                                         "london_067_03", "london_082_03",
                                         "london_137_03"};

static int write_file(const char *path, const uint8_t *buf, size_t len) {
  FILE *f = fopen(path, "wb");
  int ok;
  if (!f) return -1;
  ok = fwrite(buf, 1, len, f) == len ? 0 : -1;
  if (fclose(f) != 0) ok = -1;
  return ok;
}

/* An APP1 Exif segment holding only the orientation tag (big-endian TIFF,
 * one IFD entry), inserted right after SOI. */
static int write_jpeg_oriented(const char *path, const uint8_t *jpg, size_t len,
                               int orientation) {
  static const uint8_t head[] = {
      0xFF, 0xE1, 0x00, 0x22, 'E', 'x', 'i', 'f', 0,    0,    'M', 'M',
      0x00, 0x2A, 0,    0,    0,   8,   0,   1,   0x01, 0x12, 0,   3,
      0,    0,    0,    1,    0,   0,   0,   0,   0,    0,    0,   0};
  uint8_t *buf = malloc(len + sizeof head);
  int ok;
  if (!buf || len < 2) {
    free(buf);
    return -1;
  }
  memcpy(buf, jpg, 2);
  memcpy(buf + 2, head, sizeof head);
  buf[2 + 29] = (uint8_t)orientation; /* SHORT, big-endian, left-justified */
  memcpy(buf + 2 + sizeof head, jpg + 2, len - 2);
  ok = write_file(path, buf, len + sizeof head);
  free(buf);
  return ok;
}

static int encode(const pst_image *img, uint8_t **buf, size_t *len) {
  pst_jpeg_opts o = {QUALITY, 72, 0, 0};
  return pst_image_encode_jpeg(img, &o, buf, len) == PST_OK ? 0 : -1;
}

static int write_alpha_png(const char *path, const float *a, int w, int h) {
  png_image im;
  uint8_t *g = malloc((size_t)w * h);
  int ok;
  if (!g) return -1;
  for (size_t i = 0; i < (size_t)w * h; i++) g[i] = (uint8_t)lrintf(a[i] * 255);
  memset(&im, 0, sizeof im);
  im.version = PNG_IMAGE_VERSION;
  im.width = (png_uint_32)w;
  im.height = (png_uint_32)h;
  im.format = PNG_FORMAT_GRAY;
  ok = png_image_write_to_file(&im, path, 0, g, w, NULL) ? 0 : -1;
  free(g);
  return ok;
}

/* The sideways copy: stored pixels turned so that a reader applying
 * `orientation` (6: turn clockwise, 8: counter-clockwise) sees `img`. */
static int write_sideways(const char *path, const pst_image *img,
                          int orientation) {
  pst_image *s = NULL;
  uint8_t *buf = NULL;
  size_t len = 0;
  int ok = -1, w = pst_image_width(img), h = pst_image_height(img);
  if (pst_image_create(w, h, (pst_rgb){0, 0, 0}, &s) != PST_OK) return -1;
  memcpy(pst_image_pixels(s), pst_image_cpixels(img), (size_t)w * h * 3);
  if (pst_image_orient(s, orientation == 6 ? 8 : 6) != PST_OK) goto out;
  if (encode(s, &buf, &len) != 0) goto out;
  ok = write_jpeg_oriented(path, buf, len, orientation);
out:
  pst_free(buf);
  pst_image_destroy(s);
  return ok;
}

typedef struct gen {
  const char *out;
  FILE *manifest;
  int n_photos, n_files;
} gen;

static int make_photo(gen *g, const char *dir, const char *set,
                      const char *base) {
  char jpg[4096], tem[4096], name[256], path[8192];
  char err[512];
  truth_photo tp;
  float *fg = NULL, *wall = NULL;
  pst_image *img = NULL;
  uint8_t *buf = NULL;
  size_t len = 0;
  int ok = -1, idx = g->n_photos;
  snprintf(jpg, sizeof jpg, "%s/%s.jpg", dir, base);
  snprintf(tem, sizeof tem, "%s/%s.tem", dir, base);
  snprintf(name, sizeof name, "%s_%s", set, base);
  for (size_t i = 0; i < sizeof unreliable / sizeof *unreliable; i++)
    if (!strcmp(name, unreliable[i])) return 0;
  if (truth_load(jpg, tem, 1, &tp, err, sizeof err) != 0) {
    fprintf(stderr, "mkquality: %s: %s (skipped)\n", name, err);
    return 0;
  }
  if (truth_matte(&tp) != 0 || truth_extract(&tp, &fg) != 0) goto out;
  wall = malloc((size_t)tp.w * tp.h * 3 * sizeof *wall);
  if (!wall || pst_image_create(tp.w, tp.h, (pst_rgb){0, 0, 0}, &img) != PST_OK)
    goto out;
  snprintf(path, sizeof path, "%s/alpha/%s.png", g->out, name);
  if (write_alpha_png(path, tp.alpha, tp.w, tp.h) != 0) goto out;
  for (int k = 0; k < TRUTH_NWALLS; k++) {
    const char *wn = truth_wall_names[k];
    uint32_t seed = truth_seed(name, k);
    if (truth_wall(k, tp.w, tp.h, seed, wall) != 0) goto out;
    truth_composite(&tp, fg, wall, seed, pst_image_pixels(img));
    snprintf(path, sizeof path, "%s/%s__%s.jpg", g->out, name, wn);
    pst_free(buf);
    buf = NULL;
    if (encode(img, &buf, &len) != 0 || write_file(path, buf, len) != 0)
      goto out;
    fprintf(g->manifest, "%s__%s.jpg alpha/%s.png %s 1\n", name, wn, name, wn);
    g->n_files++;
    /* One sideways copy per photo, walls and turns taken in rotation. */
    if (k == idx % TRUTH_NWALLS) {
      int o = idx % 2 ? 8 : 6;
      snprintf(path, sizeof path, "%s/%s__%s__o%d.jpg", g->out, name, wn, o);
      if (write_sideways(path, img, o) != 0) goto out;
      fprintf(g->manifest, "%s__%s__o%d.jpg alpha/%s.png %s %d\n", name, wn, o,
              name, wn, o);
      g->n_files++;
    }
  }
  g->n_photos++;
  ok = 0;
out:
  if (ok) fprintf(stderr, "mkquality: %s: failed\n", name);
  pst_free(buf);
  pst_image_destroy(img);
  free(fg);
  free(wall);
  truth_free(&tp);
  return ok;
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Base names of the .jpg files in dir, sorted; *n set. */
static char **list_jpgs(const char *dir, int *n) {
  DIR *d = opendir(dir);
  struct dirent *e;
  char **v = NULL;
  int cap = 0;
  *n = 0;
  if (!d) return NULL;
  while ((e = readdir(d))) {
    size_t l = strlen(e->d_name);
    if (l < 5 || strcmp(e->d_name + l - 4, ".jpg")) continue;
    if (*n == cap) {
      char **t = realloc(v, (size_t)(cap = cap ? cap * 2 : 64) * sizeof *v);
      if (!t) break;
      v = t;
    }
    v[*n] = strndup(e->d_name, l - 4);
    if (v[*n]) (*n)++;
  }
  closedir(d);
  if (v) qsort(v, (size_t)*n, sizeof *v, cmp_str);
  return v;
}

static int has_tem(const char *dir, const char *base) {
  char p[4096];
  struct stat st;
  snprintf(p, sizeof p, "%s/%s.tem", dir, base);
  return stat(p, &st) == 0;
}

static int copy_snapshots(gen *g, const char *real) {
  char dir[2048], src[4096], dst[4096];
  int n = 0, ok = 0;
  char **v;
  snprintf(dir, sizeof dir, "%s/snapshots", real);
  v = list_jpgs(dir, &n);
  for (int i = 0; i < n; i++) {
    FILE *f;
    uint8_t *buf = NULL;
    long len;
    snprintf(src, sizeof src, "%s/%s.jpg", dir, v[i]);
    snprintf(dst, sizeof dst, "%s/snap_%s.jpg", g->out, v[i]);
    if (!(f = fopen(src, "rb"))) continue;
    if (fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) > 0 &&
        fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)len)) &&
        fread(buf, 1, (size_t)len, f) == (size_t)len &&
        write_file(dst, buf, (size_t)len) == 0) {
      fprintf(g->manifest, "snap_%s.jpg - - 1\n", v[i]);
      g->n_files++;
    } else {
      ok = -1;
    }
    free(buf);
    fclose(f);
  }
  for (int i = 0; i < n; i++) free(v[i]);
  free(v);
  return ok;
}

int main(int argc, char **argv) {
  static const char *const sets[] = {"london", "canada"};
  char path[4096];
  gen g = {0};
  int rc = 1;
  if (argc != 3) {
    fprintf(stderr, "usage: mkquality REALDIR OUTDIR\n");
    return 2;
  }
  g.out = argv[2];
  snprintf(path, sizeof path, "%s/alpha", g.out);
  if ((mkdir(g.out, 0777) != 0 && errno != EEXIST) ||
      (mkdir(path, 0777) != 0 && errno != EEXIST)) {
    fprintf(stderr, "mkquality: cannot make %s\n", path);
    return 1;
  }
  snprintf(path, sizeof path, "%s/MANIFEST", g.out);
  if (!(g.manifest = fopen(path, "w"))) return 1;
  fprintf(g.manifest, "# file alpha wall orientation\n");
  for (int s = 0; s < 2; s++) {
    char dir[2048];
    int n = 0;
    char **v;
    snprintf(dir, sizeof dir, "%s/%s", argv[1], sets[s]);
    v = list_jpgs(dir, &n);
    for (int i = 0; i < n; i++) {
      if (has_tem(dir, v[i]) && make_photo(&g, dir, sets[s], v[i]) != 0)
        goto out;
      fflush(g.manifest);
    }
    for (int i = 0; i < n; i++) free(v[i]);
    free(v);
  }
  if (copy_snapshots(&g, argv[1]) != 0) goto out;
  rc = 0;
  printf("mkquality: %d photos, %d files in %s\n", g.n_photos, g.n_files,
         g.out);
out:
  if (fclose(g.manifest) != 0) rc = 1;
  return rc;
}

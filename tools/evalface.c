/* evalface: run the face and eye detector over the real test photos and
 * report counts, timings and pupil error against the WebMorph templates.
 *
 *   evalface [ROOT]     (ROOT defaults to $PST_REAL, then
 *                        ../shared/testdata/real)
 *
 * Detection runs on a reduced image (short side about 340 px, as the
 * library's callers get from a DCT-scaled decode); eyes are refined on the
 * full-size luma. Group photos (name contains "Solvay") are searched at full
 * size with a small minimum face. */
#include "face.h"

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_FACES 64
#define MAX_ERRS 1024

typedef struct stats {
  double err[MAX_ERRS];
  int nerr;
  double geo[MAX_ERRS][4]; /* pupils relative to the box: lx, ly, rx, ry */
  int ngeo;
  double det_ms_max;
  double sq_ms[MAX_ERRS]; /* detection times of the 1350x1350 photos */
  int nsq;
  int files, estimated;
} stats;

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Pupils from a .tem next to the photo; 0 when there is none. */
static int read_tem(const char *img_path, pst_point *l, pst_point *r) {
  char path[4096];
  const char *dot = strrchr(img_path, '.');
  int n, ok;
  FILE *fp;
  if (!dot) return 0;
  snprintf(path, sizeof path, "%.*s.tem", (int)(dot - img_path), img_path);
  fp = fopen(path, "r");
  if (!fp) return 0;
  ok = fscanf(fp, "%d %lf %lf %lf %lf", &n, &l->x, &l->y, &r->x, &r->y) == 5;
  fclose(fp);
  /* The 83-point snapshot templates do not start with the pupils (their
   * points 0 and 1 lie 30 px apart near the mouth); they are not used. */
  return ok && n >= 2 && n != 83;
}

static pst_err load_luma(const char *path, int denom, pst_plane *out) {
  pst_image *img = NULL;
  pst_err err = pst_image_load(path, NULL, denom, &img, NULL, NULL);
  if (!err) err = pst__image_luma(img, out);
  pst_image_destroy(img);
  return err;
}

static double dist(pst_point a, pst_point b) {
  return hypot(a.x - b.x, a.y - b.y);
}

static void eval_eyes(const pst_plane *full, const pst__face *f, double k,
                      const char *path, stats *st) {
  pst__face big = *f;
  pst__eyes e;
  pst_point tl, tr;
  double t0;
  big.box.x = (int)lround(f->box.x * k);
  big.box.y = (int)lround(f->box.y * k);
  big.box.w = (int)lround(f->box.w * k);
  big.box.h = (int)lround(f->box.h * k);
  t0 = now_ms();
  if (pst__detect_eyes(full, &big, &e)) {
    printf("  eyes: error\n");
    return;
  }
  printf("  eyes %.1f ms%s: (%.0f,%.0f) (%.0f,%.0f)", now_ms() - t0,
         e.estimated ? " [estimated]" : "", e.left.x, e.left.y, e.right.x,
         e.right.y);
  st->estimated += e.estimated;
  if (read_tem(path, &tl, &tr) && st->nerr < MAX_ERRS) {
    double ipd = dist(tl, tr);
    double err = PST_MAX(dist(e.left, tl), dist(e.right, tr)) / ipd;
    st->err[st->nerr++] = err;
    printf(" err %.1f%%", 100 * err);
    if (st->ngeo < MAX_ERRS) {
      double *g = st->geo[st->ngeo++];
      g[0] = (tl.x - big.box.x) / big.box.w;
      g[1] = (tl.y - big.box.y) / big.box.h;
      g[2] = (tr.x - big.box.x) / big.box.w;
      g[3] = (tr.y - big.box.y) / big.box.h;
    }
  }
  printf("\n");
}

static void eval_file(const char *path, stats *st) {
  pst_plane full = {0}, small = {0};
  pst__face faces[MAX_FACES];
  pst__detect_opts o = {0};
  int group = strstr(path, "Solvay") != NULL, denom = 1, n;
  double t0, ms;
  if (load_luma(path, 1, &full)) {
    printf("%s: not decodable here, skipped\n", path);
    return;
  }
  while (!group && denom < 8 &&
         PST_MIN(full.width, full.height) / (denom * 2) >= 300)
    denom *= 2;
  if (denom > 1 ? load_luma(path, denom, &small) : load_luma(path, 1, &small))
    goto out;
  o.try_rotated = 1;
  if (group) {
    o.min_size = 30;
    o.step = 1;
  }
  t0 = now_ms();
  n = pst__detect_faces(&small, &o, faces, MAX_FACES);
  ms = now_ms() - t0;
  st->files++;
  st->det_ms_max = PST_MAX(st->det_ms_max, ms);
  if (full.width == 1350 && full.height == 1350 && st->nsq < MAX_ERRS)
    st->sq_ms[st->nsq++] = ms;
  printf("%s: %dx%d /%d faces %d  %.1f ms\n", path, full.width, full.height,
         denom, n, ms);
  for (int i = 0; i < PST_MIN(n, MAX_FACES); i++) {
    const pst__face *f = &faces[i];
    double k = (double)full.width / small.width;
    printf("  face %d,%d %dx%d n=%d angle %.0f\n", f->box.x, f->box.y, f->box.w,
           f->box.h, f->neighbors, f->angle);
    if (!group && i < 2) eval_eyes(&full, f, k, path, st);
  }
out:
  free(full.data);
  free(small.data);
}

static void eval_dir(const char *root, const char *sub, stats *st) {
  char dir[4096], path[8192];
  struct dirent **list = NULL;
  int n;
  snprintf(dir, sizeof dir, "%s/%s", root, sub);
  n = scandir(dir, &list, NULL, alphasort);
  for (int i = 0; i < n; i++) {
    const char *nm = list[i]->d_name;
    const char *dot = strrchr(nm, '.');
    if (dot && (!strcmp(dot, ".jpg") || !strcmp(dot, ".png"))) {
      snprintf(path, sizeof path, "%s/%s", dir, nm);
      eval_file(path, st);
    }
    free(list[i]);
  }
  free(list);
}

static void summary(stats *st) {
  double g[4] = {0};
  int ok = 0;
  printf("\nfiles %d, slowest detection %.1f ms\n", st->files, st->det_ms_max);
  if (st->nsq) {
    qsort(st->sq_ms, (size_t)st->nsq, sizeof st->sq_ms[0], cmp_double);
    printf("1350x1350 photos (%d, detected at 1/4): median %.1f ms, max %.1f "
           "ms\n",
           st->nsq, st->sq_ms[st->nsq / 2], st->sq_ms[st->nsq - 1]);
  }
  if (st->nerr == 0) return;
  for (int i = 0; i < st->ngeo; i++)
    for (int k = 0; k < 4; k++) g[k] += st->geo[i][k] / st->ngeo;
  for (int i = 0; i < st->nerr; i++) ok += st->err[i] <= 0.05;
  qsort(st->err, (size_t)st->nerr, sizeof st->err[0], cmp_double);
  printf("pupil error (of inter-pupil distance) over %d photos: median "
         "%.1f%%, p95 %.1f%%, max %.1f%%, <= 5%%: %d (%.0f%%), estimated %d\n",
         st->nerr, 100 * st->err[st->nerr / 2],
         100 * st->err[(int)(0.95 * (st->nerr - 1))],
         100 * st->err[st->nerr - 1], ok, 100.0 * ok / st->nerr, st->estimated);
  printf("mean pupils in the face box: left (%.3f, %.3f) right (%.3f, %.3f)\n",
         g[0], g[1], g[2], g[3]);
}

int main(int argc, char **argv) {
  static const char *subs[] = {"london", "canada", "snapshots", "misc"};
  const char *root = argc > 1 ? argv[1] : getenv("PST_REAL");
  stats *st = calloc(1, sizeof *st);
  if (!st) return 1;
  if (!root) root = "../shared/testdata/real";
  for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++)
    eval_dir(root, subs[i], st);
  summary(st);
  free(st);
  return 0;
}

/* evalfix: photofix over the quality set of tests/mkquality.c, scored
 * against the true alpha of each composite.
 *
 *   evalfix [-v] [-w DIR] [-n N] [-s N] QUALITYDIR
 *
 * For every file of QUALITYDIR/MANIFEST: pst_fix_mem with the chsi profile;
 * the pass rate (pst_fix_ok) and every refusal with its reason. Where the
 * file has a true alpha, that alpha is carried through the crop photofix
 * reports (pst_fix_crop: the rotated rectangle of the upright input that
 * became the 480x640 output, box-filtered 4x4 per output pixel) and
 * compared with the output matte (pst_fix_mask_png):
 *   IoU   background IoU (alpha < 0.5), target >= 0.97;
 *   band  mean |alpha error| within 10 px of the true silhouette, <= 0.03;
 *   halo  CIE76 distance of the output JPEG's mean colour over the pure
 *         wall (true alpha <= 0.05) within 3 px outside the silhouette from
 *         RGB(100,197,255), <= 6.
 * Output pixels whose source lies outside the input (canvas extended by
 * photofix) have no truth and are left out. Figures per wall, for the
 * EXIF-rotated copies, and overall. -w DIR writes each output JPEG there,
 * -n N stops after N files, -s N takes every Nth file, -v prints every
 * file. The band error is also split (in brackets) into the part on
 * partial true alpha (hair, the edge's own pixels) and on solid truth inside
 * and outside the silhouette (cut errors). */
#include "photostd.h"

#include <math.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define OW 480
#define OH 640
#define MAXF 2048
#define NGROUP 8
#define PST_HBIN(a) ((a) >= 1.0f ? 9 : (a) <= 0.0f ? 0 : (int)((a)*10))

static const double BLUE[3] = {100, 197, 255};

typedef struct row {
  char file[256], alpha[256], wall[32];
  int orient;
} row;

typedef struct score {
  int ok, scored;
  double iou, band, halo, ms;
  double b_soft, b_hin, b_hout, b_sgn,
      b_shard; /* band error split: see measure() */
  /* Band pixels by true alpha (10 bins): count, sum of ours, sum |err|,
   * count ours == 0, ours == 255 (env EVALFIX_HIST, which also prints the
   * error by distance from the true edge). */
  double hist[10][5];
  /* Band pixels by signed distance to the true edge (0..10 inside, then
   * 0..10 outside): count, sum |err|, sum |err| where ours is solid. */
  double dist[22][4];
  char reason[64];
} score;

static double cpu_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static uint8_t *read_all(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  uint8_t *b = NULL;
  long n;
  if (!f) return NULL;
  if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 &&
      fseek(f, 0, SEEK_SET) == 0 && (b = malloc((size_t)n)) &&
      fread(b, 1, (size_t)n, f) != (size_t)n) {
    free(b);
    b = NULL;
  }
  if (b) *len = (size_t)n;
  fclose(f);
  return b;
}

/* An 8-bit grey PNG from a file (mem == NULL) or memory. */
static uint8_t *read_grey(const char *path, const uint8_t *mem, size_t len,
                          int *w, int *h) {
  png_image im;
  uint8_t *g = NULL;
  memset(&im, 0, sizeof im);
  im.version = PNG_IMAGE_VERSION;
  if (!(mem ? png_image_begin_read_from_memory(&im, mem, len)
            : png_image_begin_read_from_file(&im, path)))
    return NULL;
  im.format = PNG_FORMAT_GRAY;
  g = malloc(PNG_IMAGE_SIZE(im));
  if (!g || !png_image_finish_read(&im, NULL, g, 0, NULL)) {
    free(g);
    png_image_free(&im);
    return NULL;
  }
  *w = (int)im.width, *h = (int)im.height;
  return g;
}

static void to_lab(const double rgb[3], double lab[3]) {
  double l[3], xyz[3], f[3];
  static const double wn[3] = {0.95047, 1.0, 1.08883};
  for (int c = 0; c < 3; c++) {
    double v = rgb[c] / 255;
    l[c] = v <= 0.04045 ? v / 12.92 : pow((v + 0.055) / 1.055, 2.4);
  }
  xyz[0] = 0.4124 * l[0] + 0.3576 * l[1] + 0.1805 * l[2];
  xyz[1] = 0.2126 * l[0] + 0.7152 * l[1] + 0.0722 * l[2];
  xyz[2] = 0.0193 * l[0] + 0.1192 * l[1] + 0.9505 * l[2];
  for (int c = 0; c < 3; c++) {
    double t = xyz[c] / wn[c];
    f[c] = t > 0.008856 ? cbrt(t) : 7.787 * t + 16.0 / 116;
  }
  lab[0] = 116 * f[1] - 16;
  lab[1] = 500 * (f[0] - f[1]);
  lab[2] = 200 * (f[1] - f[2]);
}

/* The true alpha carried into the output frame; known[i] 0 where the
 * output pixel's footprint leaves the input. */
static void warp_truth(const uint8_t *a, int w, int h, const double crop[5],
                       float *t, uint8_t *known) {
  double s = OW / crop[2], th = -crop[4] * M_PI / 180;
  double ca = cos(th), sa = sin(th);
  double mx = crop[0] + crop[2] / 2, my = crop[1] + crop[3] / 2;
  for (int v = 0; v < OH; v++)
    for (int u = 0; u < OW; u++) {
      double acc = 0;
      int in = 1;
      for (int j = 0; j < 4; j++)
        for (int i = 0; i < 4; i++) {
          double du = (u + (i + 0.5) / 4 - OW / 2.0) / s;
          double dv = (v + (j + 0.5) / 4 - OH / 2.0) / s;
          double px = mx + du * ca - dv * sa - 0.5;
          double py = my + du * sa + dv * ca - 0.5;
          int x0 = (int)floor(px), y0 = (int)floor(py);
          double fx = px - x0, fy = py - y0, q[4];
          if (x0 < 0 || y0 < 0 || x0 + 1 >= w || y0 + 1 >= h) {
            in = 0;
            continue;
          }
          q[0] = a[(size_t)y0 * w + x0], q[1] = a[(size_t)y0 * w + x0 + 1];
          q[2] = a[(size_t)(y0 + 1) * w + x0];
          q[3] = a[(size_t)(y0 + 1) * w + x0 + 1];
          acc += ((q[0] + (q[1] - q[0]) * fx) * (1 - fy) +
                  (q[2] + (q[3] - q[2]) * fx) * fy) /
                 255.0;
        }
      t[v * OW + u] = (float)(acc / 16);
      known[v * OW + u] = (uint8_t)in;
    }
}

/* Chessboard distance to the true silhouette's edge (pixels with a
 * 4-neighbour on the other side of 0.5). */
static void edge_distance(const float *t, int *d) {
  static int q[OW * OH];
  size_t head = 0, tail = 0;
  for (int y = 0; y < OH; y++)
    for (int x = 0; x < OW; x++) {
      int i = y * OW + x, in = t[i] >= 0.5f, e = 0;
      if (x > 0) e |= (t[i - 1] >= 0.5f) != in;
      if (x < OW - 1) e |= (t[i + 1] >= 0.5f) != in;
      if (y > 0) e |= (t[i - OW] >= 0.5f) != in;
      if (y < OH - 1) e |= (t[i + OW] >= 0.5f) != in;
      d[i] = e ? 0 : -1;
      if (e) q[tail++] = i;
    }
  while (head < tail) {
    int p = q[head++], x = p % OW, y = p / OW;
    for (int dy = -1; dy <= 1; dy++)
      for (int dx = -1; dx <= 1; dx++) {
        int xx = x + dx, yy = y + dy, j;
        if (xx < 0 || yy < 0 || xx >= OW || yy >= OH) continue;
        j = yy * OW + xx;
        if (d[j] < 0) d[j] = d[p] + 1, q[tail++] = j;
      }
  }
}

static void measure(const float *t, const uint8_t *known, const uint8_t *m,
                    const uint8_t *rgb, score *sc) {
  static int d[OW * OH];
  double inter = 0, uni = 0, be = 0, bn = 0, hs[3] = {0, 0, 0}, hn = 0;
  double lab[3], blue[3], mean[3], bs = 0, bi = 0, bo = 0, sg = 0, sh = 0;
  edge_distance(t, d);
  for (int i = 0; i < OW * OH; i++) {
    int tb = t[i] < 0.5f, ob = m[i] < 128;
    if (!known[i]) continue;
    inter += tb && ob, uni += tb || ob;
    if (d[i] >= 0 && d[i] <= 10) {
      /* Split: partial true alpha (hair, the edge's own pixels), and solid
       * truth inside / outside the silhouette. */
      double e = fabs(m[i] / 255.0 - t[i]);
      be += e, bn++;
      int hb = PST_HBIN(t[i]);
      sc->hist[hb][0] += 1, sc->hist[hb][1] += m[i] / 255.0;
      sc->hist[hb][2] += e, sc->hist[hb][3] += m[i] == 0;
      sc->hist[hb][4] += m[i] == 255;
      hb = tb ? 11 + d[i] : d[i];
      sc->dist[hb][0] += 1, sc->dist[hb][1] += e;
      sc->dist[hb][2] += (m[i] == 0) * e, sc->dist[hb][3] += (m[i] == 255) * e;
      if (t[i] > 0.05f && t[i] < 0.95f)
        bs += e, sg += m[i] / 255.0 - t[i],
            sh += (m[i] == 0 || m[i] == 255) * e;
      else if (tb)
        bo += e;
      else
        bi += e;
    }
    if (tb && d[i] >= 0 && d[i] <= 3 && t[i] <= 0.05f) {
      for (int c = 0; c < 3; c++) hs[c] += rgb[i * 3 + c];
      hn++;
    }
  }
  sc->iou = uni ? inter / uni : 1;
  sc->band = bn ? be / bn : 0;
  sc->b_soft = bn ? bs / bn : 0, sc->b_hin = bn ? bi / bn : 0;
  sc->b_hout = bn ? bo / bn : 0, sc->b_sgn = bn ? sg / bn : 0;
  sc->b_shard = bn ? sh / bn : 0;
  for (int c = 0; c < 3; c++) mean[c] = hn ? hs[c] / hn : BLUE[c];
  to_lab(mean, lab);
  to_lab(BLUE, blue);
  sc->halo = sqrt((lab[0] - blue[0]) * (lab[0] - blue[0]) +
                  (lab[1] - blue[1]) * (lab[1] - blue[1]) +
                  (lab[2] - blue[2]) * (lab[2] - blue[2]));
  sc->scored = 1;
}

/* Diagnostic (env EVALFIX_DUMP=DIR): truth | ours side by side, PGM. */
static void dump(const char *dir, const row *rw, const float *t,
                 const uint8_t *m) {
  char path[4096];
  FILE *f;
  snprintf(path, sizeof path, "%s/%s.pgm", dir, rw->file);
  if (!(f = fopen(path, "wb"))) return;
  fprintf(f, "P5 %d %d 255\n", 2 * OW, OH);
  for (int y = 0; y < OH; y++) {
    for (int x = 0; x < OW; x++) fputc((int)lrintf(t[y * OW + x] * 255), f);
    fwrite(m + y * OW, 1, OW, f);
  }
  fclose(f);
}

static void score_truth(const char *dir, const row *rw, pst_fix_result *r,
                        score *sc) {
  char path[4096];
  double crop[5];
  int w, h, mw, mh;
  size_t mlen = 0, jlen = 0;
  const uint8_t *mp = pst_fix_mask_png(r, &mlen), *jp = pst_fix_jpeg(r, &jlen);
  uint8_t *a = NULL, *m = NULL, *known = malloc(OW * OH);
  float *t = malloc(OW * OH * sizeof *t);
  pst_image *out = NULL;
  snprintf(path, sizeof path, "%s/%s", dir, rw->alpha);
  if (!known || !t || !mp || !jp ||
      pst_fix_crop(r, &crop[0], &crop[1], &crop[2], &crop[3], &crop[4]) ||
      !(a = read_grey(path, NULL, 0, &w, &h)) ||
      !(m = read_grey(NULL, mp, mlen, &mw, &mh)) || mw != OW || mh != OH ||
      pst_image_load_mem(jp, jlen, NULL, 1, &out, NULL, NULL) != PST_OK ||
      pst_image_width(out) != OW || pst_image_height(out) != OH) {
    fprintf(stderr, "evalfix: %s: cannot score\n", rw->file);
    goto out;
  }
  warp_truth(a, w, h, crop, t, known);
  if (getenv("EVALFIX_ORACLE")) /* diagnostic: the truth cut at 0.5 */
    for (int i = 0; i < OW * OH; i++) m[i] = t[i] >= 0.5f ? 255 : 0;
  measure(t, known, m, pst_image_cpixels(out), sc);
  if (getenv("EVALFIX_DUMP")) dump(getenv("EVALFIX_DUMP"), rw, t, m);
out:
  pst_image_destroy(out);
  free(a);
  free(m);
  free(known);
  free(t);
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* One line of figures over the scored files whose group matches. */
static void summary(const char *label, const row *rows, const score *sc, int n,
                    const char *wall, int rotated_only) {
  static double v[3][MAXF];
  int k = 0, tot = 0, ok = 0, meet[3] = {0, 0, 0};
  double sum[3] = {0, 0, 0}, ms = 0, split[5] = {0, 0, 0, 0, 0};
  for (int i = 0; i < n; i++) {
    if (wall && strcmp(rows[i].wall, wall)) continue;
    if (rotated_only && rows[i].orient == 1) continue;
    tot++;
    ok += sc[i].ok;
    ms += sc[i].ms;
    if (!sc[i].scored) continue;
    v[0][k] = sc[i].iou, v[1][k] = sc[i].band, v[2][k] = sc[i].halo;
    meet[0] += sc[i].iou >= 0.97, meet[1] += sc[i].band <= 0.03;
    meet[2] += sc[i].halo <= 6;
    for (int j = 0; j < 3; j++) sum[j] += v[j][k];
    split[0] += sc[i].b_soft, split[1] += sc[i].b_hin;
    split[2] += sc[i].b_hout, split[3] += sc[i].b_sgn;
    split[4] += sc[i].b_shard;
    k++;
  }
  if (!tot) return;
  printf("%-10s %4d  pass %5.1f%%  %6.0f ms", label, tot, 100.0 * ok / tot,
         ms / tot);
  if (k) {
    for (int j = 0; j < 3; j++)
      qsort(v[j], (size_t)k, sizeof v[j][0], cmp_double);
    printf("  IoU %.3f/%.3f %3.0f%%  band %.3f/%.3f %3.0f%%  halo %4.1f/%4.1f "
           "%3.0f%%",
           sum[0] / k, v[0][k / 2], 100.0 * meet[0] / k, sum[1] / k,
           v[1][k / 2], 100.0 * meet[1] / k, sum[2] / k, v[2][k / 2],
           100.0 * meet[2] / k);
    printf("  [band soft %.3f (signed %+.3f, ours solid %.3f) in %.3f out "
           "%.3f]",
           split[0] / k, split[3] / k, split[4] / k, split[1] / k,
           split[2] / k);
  }
  printf("\n");
}

/* Diagnostic: how far from the true edge the band error sits. */
static void print_dist(const score *sc, int n, double terr) {
  double h[22][4];
  memset(h, 0, sizeof h);
  for (int i = 0; i < n; i++)
    for (int b = 0; b < 22; b++)
      for (int j = 0; j < 4; j++) h[b][j] += sc[i].dist[b][j];
  printf("edge dist   |err|  err share  (ours 0, ours 255 share)\n");
  for (int b = 0; b < 22; b++) {
    double c = h[b][0] > 0 ? h[b][0] : 1;
    printf("%s %2d      %5.3f   %5.3f   %5.3f %5.3f\n", b < 11 ? "in " : "out",
           b % 11, h[b][1] / c, h[b][1] / terr, h[b][2] / terr, h[b][3] / terr);
  }
}

/* Diagnostic: where in true alpha the band error sits, over all files. */
static void print_hist(const score *sc, int n) {
  double h[10][5];
  memset(h, 0, sizeof h);
  for (int i = 0; i < n; i++)
    for (int b = 0; b < 10; b++)
      for (int j = 0; j < 5; j++) h[b][j] += sc[i].hist[b][j];
  printf("true alpha  share   ours   |err|  err share  ours=0  ours=255\n");
  double tot = 0, terr = 0;
  for (int b = 0; b < 10; b++) tot += h[b][0], terr += h[b][2];
  for (int b = 0; b < 10; b++) {
    double c = h[b][0] > 0 ? h[b][0] : 1;
    printf("%.1f-%.1f    %5.3f  %5.3f  %5.3f   %5.3f     %5.3f   %5.3f\n",
           b / 10.0, (b + 1) / 10.0, h[b][0] / tot, h[b][1] / c, h[b][2] / c,
           h[b][2] / terr, h[b][3] / c, h[b][4] / c);
  }
  print_dist(sc, n, terr);
}

static int read_manifest(const char *dir, row *rows) {
  char path[4096], line[1024];
  FILE *f;
  int n = 0;
  snprintf(path, sizeof path, "%s/MANIFEST", dir);
  if (!(f = fopen(path, "r"))) return -1;
  while (n < MAXF && fgets(line, sizeof line, f)) {
    row *r = &rows[n];
    if (line[0] == '#') continue;
    if (sscanf(line, "%255s %255s %31s %d", r->file, r->alpha, r->wall,
               &r->orient) == 4)
      n++;
  }
  fclose(f);
  return n;
}

static void run_one(const char *dir, const char *wdir, const pst_profile *prof,
                    const pst_fix_opts *o, const row *rw, score *sc) {
  char path[4096];
  size_t len = 0;
  uint8_t *buf;
  pst_fix_result *r = NULL;
  double t0;
  snprintf(path, sizeof path, "%s/%s", dir, rw->file);
  if (!(buf = read_all(path, &len))) {
    snprintf(sc->reason, sizeof sc->reason, "unreadable");
    return;
  }
  t0 = cpu_ms();
  if (pst_fix_mem(buf, len, rw->file, prof, NULL, o, &r) != PST_OK) {
    snprintf(sc->reason, sizeof sc->reason, "error");
    goto out;
  }
  sc->ms = cpu_ms() - t0;
  sc->ok = pst_fix_ok(r);
  if (!sc->ok) {
    const char *id = pst_fix_reason_id(r);
    snprintf(sc->reason, sizeof sc->reason, "%s", id ? id : "?");
    goto out;
  }
  if (wdir) {
    size_t jl = 0;
    const uint8_t *j = pst_fix_jpeg(r, &jl);
    FILE *f;
    snprintf(path, sizeof path, "%s/%s", wdir, rw->file);
    if ((f = fopen(path, "wb"))) {
      fwrite(j, 1, jl, f);
      fclose(f);
    }
  }
  if (strcmp(rw->alpha, "-")) score_truth(dir, rw, r, sc);
out:
  pst_fix_result_destroy(r);
  free(buf);
}

int main(int argc, char **argv) {
  static row rows[MAXF];
  static score sc[MAXF];
  static const char *const walls[] = {"white",   "beige",    "gradient",
                                      "plaster", "darkblue", "indoor"};
  const char *dir = NULL, *wdir = NULL;
  int verbose = 0, limit = MAXF, stride = 1, n, fails = 0;
  pst_profile *prof = NULL;
  pst_fix_opts *o = pst_fix_opts_create();
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "-v"))
      verbose = 1;
    else if (!strcmp(argv[i], "-w") && i + 1 < argc)
      wdir = argv[++i];
    else if (!strcmp(argv[i], "-n") && i + 1 < argc)
      limit = atoi(argv[++i]);
    else if (!strcmp(argv[i], "-s") && i + 1 < argc)
      stride = atoi(argv[++i]) > 1 ? atoi(argv[i]) : 1;
    else
      dir = argv[i];
  }
  if (!dir || !o || pst_profile_builtin("chsi", &prof) != PST_OK) {
    fprintf(stderr, "usage: evalfix [-v] [-w DIR] [-n N] [-s N] QUALITYDIR\n");
    return 2;
  }
  if ((n = read_manifest(dir, rows)) < 0) {
    fprintf(stderr, "evalfix: %s/MANIFEST: cannot read\n", dir);
    return 1;
  }
  if (stride > 1) {
    int k = 0;
    for (int i = 0; i < n; i += stride) rows[k++] = rows[i];
    n = k;
  }
  if (n > limit) n = limit;
  for (int i = 0; i < n; i++) {
    run_one(dir, wdir, prof, o, &rows[i], &sc[i]);
    if (!sc[i].ok) printf("refused %-40s %s\n", rows[i].file, sc[i].reason);
    fails += !sc[i].ok;
    if (verbose && sc[i].scored)
      printf("%-40s IoU %.3f band %.3f (soft %.3f in %.3f out %.3f) halo "
             "%5.1f %4.0f ms\n",
             rows[i].file, sc[i].iou, sc[i].band, sc[i].b_soft, sc[i].b_hin,
             sc[i].b_hout, sc[i].halo, sc[i].ms);
    fflush(stdout);
  }
  printf("\ngroup      files  pass    cpu      IoU mean/median >=.97  "
         "band mean/median <=.03  halo mean/median <=6\n");
  for (int k = 0; k < 6; k++) summary(walls[k], rows, sc, n, walls[k], 0);
  summary("exif 6/8", rows, sc, n, NULL, 1);
  summary("snapshots", rows, sc, n, "-", 0);
  summary("all", rows, sc, n, NULL, 0);
  if (getenv("EVALFIX_HIST")) print_hist(sc, n);
  printf("%d of %d refused\n", fails, n);
  pst_profile_destroy(prof);
  pst_fix_opts_destroy(o);
  return 0;
}

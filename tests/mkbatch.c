/* Generates photobatch's acceptance folder from the public photos:
 *   mkbatch REALDIR OUTDIR COUNT
 * OUTDIR/in/ gets COUNT files: ~80% fixable photos, ~10% duplicates
 * (byte-identical, re-encoded, resized and 4%-cropped copies filed under
 * another student) and ~10% broken files (truncated, not an image, empty).
 * OUTDIR/roster.csv (UTF-8 with BOM and CRLF) has deliberate errors, and
 * OUTDIR/expected.txt every count the batch must report and every
 * duplicate pair, exactly.
 *
 * The fixable photos must be pairwise different pictures, or the expected
 * duplicates would not be exact. Each source photo is placed on a wider
 * canvas 150% of its size at one of nine positions: the face moves by 1/6
 * of the frame between any two of them, which is a re-framed shot, not a
 * crop (a 125% and a 150% canvas would be a crop of each other). The London set
 * has each person twice (NNN_03 neutral, NNN_08 smiling, same session and
 * framing); those two are different photos of one person, and the smiling one
 * is always mirrored so no pair of them is near-identical by accident. */
#include "photostd.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAXF 4096

typedef struct gen {
  const char *out;
  char rel[MAXF][128];
  int kind[MAXF]; /* 0 fixable, 1 broken, 2 duplicate */
  int n;
  FILE *roster, *exp;
  int rows;
} gen;

enum { FIXABLE, BROKEN, DUP };

static char srcs[256][1024];
static int nsrc;

static int cmpstr(const void *a, const void *b) { return strcmp(a, b); }

static void list_sources(const char *real) {
  static const char *const sub[] = {"london", "canada"};
  for (int s = 0; s < 2; s++) {
    char dir[512];
    DIR *d;
    struct dirent *e;
    snprintf(dir, sizeof dir, "%s/%s", real, sub[s]);
    if (!(d = opendir(dir))) continue;
    while ((e = readdir(d)) && nsrc < 256)
      if (strstr(e->d_name, ".jpg"))
        snprintf(srcs[nsrc++], 1024, "%s/%s", dir, e->d_name);
    closedir(d);
  }
  qsort(srcs, (size_t)nsrc, sizeof srcs[0], cmpstr);
}

/* The source on a canvas 50% wider and taller, of its own corner colour,
 * at one of nine positions (v = 0 is the centre): the face moves by 1/6 of
 * the frame between any two. London's NNN_08 is mirrored. */
static pst_image *variant(const char *path, int v) {
  pst_image *src = NULL, *dst = NULL;
  int w, h, cw, ch, ox, oy, mirror = strstr(path, "_08.") != NULL;
  int k = (v + 4) % 9;
  const uint8_t *s;
  uint8_t *d;
  if (pst_image_load(path, NULL, 2, &src, NULL, NULL)) return NULL;
  w = pst_image_width(src), h = pst_image_height(src);
  cw = w * 3 / 2, ch = h * 3 / 2;
  s = pst_image_cpixels(src);
  pst_image_create(cw, ch, (pst_rgb){s[3 * 2], s[3 * 2 + 1], s[3 * 2 + 2]},
                   &dst);
  ox = (k % 3) * (cw - w) / 2;
  oy = (k / 3) * (ch - h) / 2;
  d = pst_image_pixels(dst);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) {
      int sx = mirror ? w - 1 - x : x;
      memcpy(d + ((size_t)(y + oy) * cw + x + ox) * 3,
             s + ((size_t)y * w + sx) * 3, 3);
    }
  pst_image_destroy(src);
  return dst;
}

static pst_image *half(const pst_image *src) {
  int w = pst_image_width(src) * 4 / 5, h = pst_image_height(src) * 4 / 5;
  int sw = pst_image_width(src);
  pst_image *dst;
  pst_image_create(w, h, (pst_rgb){0, 0, 0}, &dst);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      memcpy(pst_image_pixels(dst) + ((size_t)y * w + x) * 3,
             pst_image_cpixels(src) +
                 ((size_t)(y * 5 / 4) * sw + x * 5 / 4) * 3,
             3);
  return dst;
}

/* A mild crop: `pct` percent off the right and the bottom. */
static pst_image *cropped(const pst_image *src, int pct) {
  int sw = pst_image_width(src), w = sw * (100 - pct) / 100;
  int h = pst_image_height(src) * (100 - pct) / 100;
  pst_image *dst;
  pst_image_create(w, h, (pst_rgb){0, 0, 0}, &dst);
  for (int y = 0; y < h; y++)
    memcpy(pst_image_pixels(dst) + (size_t)y * w * 3,
           pst_image_cpixels(src) + (size_t)y * sw * 3, (size_t)w * 3);
  return dst;
}

static void put(gen *g, const char *rel, const void *buf, size_t len,
                int kind) {
  char path[1024];
  FILE *f;
  snprintf(path, sizeof path, "%s/in/%s", g->out, rel);
  f = fopen(path, "wb");
  if (!f || fwrite(buf, 1, len, f) != len) {
    perror(path);
    exit(1);
  }
  fclose(f);
  snprintf(g->rel[g->n], 128, "%s", rel);
  g->kind[g->n] = kind;
  g->n++;
  fprintf(g->exp, "file %s %s\n", kind == BROKEN ? "broken" : "ok", rel);
}

static uint8_t *encode(const pst_image *img, int q, size_t *len) {
  pst_jpeg_opts o = {q, 0, 0, 0};
  uint8_t *b = NULL;
  if (pst_image_encode_jpeg(img, &o, &b, len)) exit(1);
  return b;
}

static void idnumber(int k, int valid, char out[19]) {
  char tmp[64];
  static const int w[17] = {7, 9, 10, 5,  8, 4, 2, 1, 6,
                            3, 7, 9,  10, 5, 8, 4, 2};
  int sum = 0;
  k = k < 0 ? -k : k;
  snprintf(tmp, sizeof tmp, "110101200%01d%02d%02d%03d", k % 10, 1 + k % 12,
           1 + k % 28, k % 1000);
  memcpy(out, tmp, 17);
  for (int i = 0; i < 17; i++) sum += (out[i] - '0') * w[i];
  out[17] = "10X98765432"[(sum + (valid ? 0 : 1)) % 11];
  out[18] = '\0';
}

static void row(gen *g, const char *sid, const char *name, const char *idno,
                const char *file) {
  fprintf(g->roster, "%s,\"%s\",%s,%s\r\n", sid, name, idno, file);
  g->rows++;
}

static const char *cname(int k, char *buf) {
  static const char *const fam[] = {"张", "王", "李", "赵",
                                    "陈", "刘", "杨", "黄"};
  static const char *const giv[] = {"伟", "芳", "娜", "敏", "静",
                                    "丽", "强", "磊", "军", "洋"};
  sprintf(buf, "%s%s%s", fam[k % 8], giv[(k / 8) % 10], giv[(k / 80) % 10]);
  return buf;
}

int main(int argc, char **argv) {
  static gen g;
  char path[1024], rel[128], sid[32], idno[19], nm[64];
  int total, nfix, ndup, nbroken, sid_next = 20210001;
  int invalid = 0, without_photo = 0, photos_without = 0, shared = 0,
      several = 0;
  if (argc != 4 || (total = atoi(argv[3])) < 20 || total > MAXF) {
    fprintf(stderr, "usage: mkbatch REALDIR OUTDIR COUNT(20..%d)\n", MAXF);
    return 2;
  }
  list_sources(argv[1]);
  if (nsrc < 4)
    return fprintf(stderr, "mkbatch: no photos in %s\n", argv[1]), 2;
  g.out = argv[2];
  snprintf(path, sizeof path, "%s/in", g.out);
  mkdir(g.out, 0777);
  mkdir(path, 0777);
  snprintf(path, sizeof path, "%s/roster.csv", g.out);
  g.roster = fopen(path, "wb");
  snprintf(path, sizeof path, "%s/expected.txt", g.out);
  g.exp = fopen(path, "w");
  fputs("\xEF\xBB\xBF学号,姓名,身份证号,文件名\r\n", g.roster);
  /* Nine different pictures per source at most; the rest are duplicates
   * and broken files in equal parts. */
  nfix = total * 8 / 10;
  if (nfix > nsrc * 9) nfix = nsrc * 9;
  ndup = (total - nfix) / 2, nbroken = total - nfix - ndup;
  /* Fixable photos: most under a roster row, matched by the student id in
   * the file name; some with no row; one row matched by two photos. */
  for (int i = 0; i < nfix; i++) {
    pst_image *img = variant(srcs[i % nsrc], i / nsrc);
    size_t len;
    uint8_t *jpg;
    int s = sid_next++;
    if (!img)
      return fprintf(stderr, "mkbatch: cannot read %s\n", srcs[i % nsrc]), 1;
    jpg = encode(img, 88, &len);
    if (i % 25 == 7) {
      snprintf(rel, sizeof rel, "IMG_%04d.jpg", i);
      photos_without++;
    } else if (i == 3) {
      snprintf(rel, sizeof rel, "%d_second.jpg", s - 1);
      several++;
      sid_next--;
    } else {
      snprintf(rel, sizeof rel, "%d_%s.jpg", s, i % 3 ? "photo" : "证件照");
      idnumber(s, !(i % 40 == 5), idno);
      if (i % 40 == 5) invalid++;
      if (i == 10) {
        idnumber(s - 1, 1, idno); /* the same ID as the row before */
        shared += 2;
      }
      snprintf(sid, sizeof sid, "%d", s);
      row(&g, sid, cname(i, nm), idno, i % 11 == 4 ? rel : "");
    }
    put(&g, rel, jpg, len, FIXABLE);
    pst_free(jpg);
    pst_image_destroy(img);
  }
  /* Duplicates of distinct fixable photos, each under a new student. */
  for (int i = 0; i < ndup; i++) {
    int base = i * (nfix / ndup), s = sid_next++, mode = i % 4;
    char src[1024];
    FILE *f;
    uint8_t *buf, *jpg = NULL;
    long n;
    size_t len = 0;
    pst_image *img = NULL;
    snprintf(src, sizeof src, "%s/in/%s", g.out, g.rel[base]);
    f = fopen(src, "rb");
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    rewind(f);
    buf = malloc((size_t)n);
    if (fread(buf, 1, (size_t)n, f) != (size_t)n) return 1;
    fclose(f);
    snprintf(rel, sizeof rel, "%d_dup.jpg", s);
    idnumber(s, 1, idno);
    snprintf(sid, sizeof sid, "%d", s);
    row(&g, sid, cname(s, nm), idno, "");
    if (mode == 0) {
      put(&g, rel, buf, (size_t)n, DUP);
    } else {
      pst_image_load_mem(buf, (size_t)n, NULL, 1, &img, NULL, NULL);
      if (mode >= 2) {
        pst_image *h = mode == 2 ? half(img) : cropped(img, 4);
        pst_image_destroy(img);
        img = h;
      }
      jpg = encode(img, mode == 1 ? 70 : mode == 2 ? 85 : 88, &len);
      put(&g, rel, jpg, len, DUP);
    }
    fprintf(g.exp, "dup %s %s %s\n", mode == 0 ? "exact" : "similar",
            g.rel[base], rel);
    pst_image_destroy(img);
    pst_free(jpg);
    free(buf);
  }
  /* Broken files, each different so none is a duplicate of another. */
  for (int i = 0; i < nbroken; i++) {
    int s = sid_next++, k = i % 4;
    char text[256];
    snprintf(sid, sizeof sid, "%d", s);
    idnumber(s, 1, idno);
    row(&g, sid, cname(s, nm), idno, "");
    if (k == 0) {
      pst_image *img = variant(srcs[i % nsrc], 9);
      size_t len;
      uint8_t *jpg = encode(img, 80, &len);
      snprintf(rel, sizeof rel, "%d_cut.jpg", s);
      put(&g, rel, jpg, 300 + (size_t)i * 7, BROKEN); /* headers only */
      pst_free(jpg);
      pst_image_destroy(img);
    } else if (k == 1) {
      snprintf(rel, sizeof rel, "%d_notes.jpg", s);
      snprintf(text, sizeof text, "student %d sent a text file instead\n", s);
      put(&g, rel, text, strlen(text), BROKEN);
    } else if (k == 2) {
      snprintf(rel, sizeof rel, "%d_empty.jpg", s);
      put(&g, rel, "", 0, BROKEN);
    } else {
      snprintf(rel, sizeof rel, "%d.gif", s);
      snprintf(text, sizeof text, "GIF89a%08d-not-really", s);
      put(&g, rel, text, strlen(text), BROKEN);
    }
  }
  /* Rows with no photo, and a row whose value must never become a path. */
  for (int i = 0; i < 3; i++) {
    snprintf(sid, sizeof sid, "%d", sid_next++);
    idnumber(sid_next, 1, idno);
    row(&g, sid, "O\"\"Brien, 无照片", idno, "");
    without_photo++;
  }
  row(&g, "../../escape", "=HYPERLINK(\"\"http://x\"\")", "", "");
  without_photo++;
  fprintf(g.exp,
          "count total %d\ncount fixable %d\ncount duplicates_intended %d\n"
          "count broken %d\ncount roster_rows %d\n",
          g.n, nfix + ndup, ndup, nbroken, g.rows);
  fprintf(g.exp,
          "count rows_without_photo %d\ncount photos_without_row %d\n"
          "count invalid_id_numbers %d\ncount shared_id_numbers %d\n"
          "count rows_with_several_photos %d\n",
          without_photo, photos_without, invalid, shared, several);
  fclose(g.roster);
  fclose(g.exp);
  return 0;
}

/* mkfixtures OUTDIR: writes the bad-file matrix the tests run photocheck on,
 * and OUTDIR/MANIFEST saying what photocheck (profile chsi) must report for
 * each file. Standalone: libjpeg and libpng only, never libphotostd, so a bug
 * in the library cannot hide itself by also breaking its fixtures.
 *
 * Every fixture is derived from one synthetic portrait drawn with a fixed
 * pseudo-random seed, so the bytes are the same on every run. A broken file
 * is made to break one rule only where it can be: files that are not JPEG
 * are padded past the 30 KB floor so they fail file.format and nothing else.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jpeglib.h>
#include <png.h>

#define KB 1024
#define CHSI_MIN_BYTES (30 * KB)
#define MAX_FIXTURES 64

/* ---- output ---- */

typedef struct entry {
  char name[48];
  char check[32];   /* the primary check that names the defect, or "-" */
  char status[8];   /* that check's status: fail, warn; pass for "-" */
  char errors[128]; /* every error-severity check that fails, or "-" */
} entry;

typedef struct gen {
  const char *dir;
  entry e[MAX_FIXTURES];
  int n;
  int failed;
} gen;

static void die_errno(gen *g, const char *what, const char *path) {
  fprintf(stderr, "mkfixtures: %s: %s: %s\n", path, what, strerror(errno));
  g->failed = 1;
}

static void path_of(const gen *g, const char *name, char *out, size_t n) {
  snprintf(out, n, "%s/%s", g->dir, name);
}

static void write_bytes(gen *g, const char *name, const void *buf, size_t len) {
  char path[4096];
  FILE *fp;
  path_of(g, name, path, sizeof path);
  fp = fopen(path, "wb");
  if (!fp) return die_errno(g, "cannot create", path);
  if (len && fwrite(buf, 1, len, fp) != len) die_errno(g, "write", path);
  if (fclose(fp) != 0) die_errno(g, "close", path);
}

/* SPEC §3 order, which is the order of the MANIFEST's error lists. */
static const char *const check_order[] = {
    "file.read",   "file.format",  "file.extension",   "file.size",
    "jpeg.decode", "jpeg.quality", "jpeg.baseline",    "image.dimensions",
    "image.color", "image.dpi",    "exif.orientation", "exif.location",
};

/* Records a fixture. `errors` is a comma list (any order, "" for none);
 * file.size is added when the file is under the chsi floor. */
static void note(gen *g, const char *name, const char *check,
                 const char *status, const char *errors, size_t bytes) {
  entry *e = &g->e[g->n++];
  char list[160];
  snprintf(list, sizeof list, ",%s,%s", errors,
           bytes < CHSI_MIN_BYTES ? "file.size," : "");
  snprintf(e->name, sizeof e->name, "%s", name);
  snprintf(e->check, sizeof e->check, "%s", check);
  snprintf(e->status, sizeof e->status, "%s", status);
  e->errors[0] = '\0';
  for (size_t i = 0; i < sizeof check_order / sizeof *check_order; i++) {
    char key[40];
    snprintf(key, sizeof key, ",%s,", check_order[i]);
    if (!strstr(list, key)) continue;
    if (e->errors[0]) strcat(e->errors, ",");
    strcat(e->errors, check_order[i]);
  }
  if (!e->errors[0]) strcpy(e->errors, "-");
}

static void put(gen *g, const char *name, const void *buf, size_t len,
                const char *check, const char *status, const char *errors) {
  write_bytes(g, name, buf, len);
  note(g, name, check, status, errors, len);
}

/* ---- the synthetic portrait ---- */

typedef struct rng {
  uint32_t s;
} rng;

static uint32_t rnd(rng *r) {
  r->s ^= r->s << 13;
  r->s ^= r->s >> 17;
  r->s ^= r->s << 5;
  return r->s;
}

/* Uniform in -amp..amp. */
static int jitter(rng *r, int amp) {
  return amp ? (int)(rnd(r) % (uint32_t)(2 * amp + 1)) - amp : 0;
}

typedef struct picture {
  int w, h, comps;
  uint8_t *px;
} picture;

static uint8_t clamp8(int v) {
  return (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
}

static int in_ellipse(double x, double y, double cx, double cy, double rx,
                      double ry) {
  double dx = (x - cx) / rx, dy = (y - cy) / ry;
  return dx * dx + dy * dy <= 1.0;
}

/* The colour of (x,y) in a portrait scaled to w x h: light-blue background
 * (the chsi reference colour), dark shoulders, a skin-toned head with hair
 * and eyes. Only texture for the encoder; no detector is meant to find it. */
static void portrait_rgb(int x, int y, int w, int h, int stripes, int rgb[3]) {
  double u = (double)x / w, v = (double)y / h;
  rgb[0] = 100 + (int)(20 * v);
  rgb[1] = 197 + (int)(10 * v);
  rgb[2] = 255 - (int)(8 * u);
  if (v > 0.72 && (u > 0.5 ? u - 0.5 : 0.5 - u) < 0.25 + (v - 0.72)) {
    int stripe = stripes && (x / 6 + y / 9) % 2 ? 12 : 0;
    rgb[0] = 35 + stripe, rgb[1] = 45 + stripe, rgb[2] = 80 + stripe;
  }
  if (in_ellipse(u, v, 0.5, 0.40, 0.22, 0.25)) {
    rgb[0] = 40 + (int)(30 * u), rgb[1] = 30, rgb[2] = 25; /* hair */
    if (in_ellipse(u, v, 0.5, 0.45, 0.19, 0.22)) {
      rgb[0] = 230 - (int)(40 * v), rgb[1] = 185 - (int)(40 * v);
      rgb[2] = 155 - (int)(30 * v);
    }
  }
  if (in_ellipse(u, v, 0.42, 0.42, 0.03, 0.012) ||
      in_ellipse(u, v, 0.58, 0.42, 0.03, 0.012))
    rgb[0] = rgb[1] = rgb[2] = 30;
  if (in_ellipse(u, v, 0.5, 0.55, 0.06, 0.015))
    rgb[0] = 170, rgb[1] = 80, rgb[2] = 80;
}

/* comps 3: RGB; 1: grey; 4: CMYK as Adobe writes it (inverted). `grey`
 * with comps 3 stores a grey picture in colour channels. */
static int paint(picture *p, int w, int h, int comps, int noise, int grey,
                 uint32_t seed) {
  rng r = {seed};
  p->w = w, p->h = h, p->comps = comps;
  p->px = malloc((size_t)w * h * comps);
  if (!p->px) return 0;
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) {
      int c[3], l;
      uint8_t *o = p->px + ((size_t)y * w + x) * comps;
      portrait_rgb(x, y, w, h, noise > 0, c);
      for (int k = 0; k < 3; k++) c[k] += jitter(&r, noise);
      l = (299 * c[0] + 587 * c[1] + 114 * c[2]) / 1000;
      if (comps == 1) o[0] = clamp8(l);
      for (int k = 0; k < 3 && comps >= 3; k++) o[k] = clamp8(grey ? l : c[k]);
      if (comps == 4) o[3] = 255;
    }
  return 1;
}

/* ---- JPEG writing with libjpeg ---- */

typedef struct jerr {
  struct jpeg_error_mgr pub;
  jmp_buf jb;
} jerr;

static void jerr_exit(j_common_ptr c) {
  jerr *e = (jerr *)(void *)c->err;
  longjmp(e->jb, 1);
}

/* Warnings are what bad_huffman.jpg must produce; count them quietly. */
static void jerr_emit(j_common_ptr c, int level) {
  if (level < 0) c->err->num_warnings++;
}

typedef struct jopts {
  int quality;
  int progressive, arith;
  int density_unit, xdensity, ydensity;
  const uint8_t *app1; /* an EXIF block including "Exif\0\0" */
  size_t app1_len;
  size_t com_pad; /* bytes of COM segments before the tables */
} jopts;

static const jopts good_opts = {
    .quality = 90, .density_unit = 1, .xdensity = 300, .ydensity = 300};

static void write_com_pad(j_compress_ptr c, size_t bytes) {
  static const char text[] = "photostd fixture padding. ";
  uint8_t chunk[60000];
  for (size_t i = 0; i < sizeof chunk; i++) chunk[i] = (uint8_t)text[i % 26];
  while (bytes > 0) {
    size_t n = bytes < sizeof chunk ? bytes : sizeof chunk;
    jpeg_write_marker(c, JPEG_COM, chunk, (unsigned)n);
    bytes -= n;
  }
}

static void setup_compress(j_compress_ptr c, const picture *p, const jopts *o) {
  c->image_width = (JDIMENSION)p->w;
  c->image_height = (JDIMENSION)p->h;
  c->input_components = p->comps;
  c->in_color_space = p->comps == 1   ? JCS_GRAYSCALE
                      : p->comps == 4 ? JCS_CMYK
                                      : JCS_RGB;
  jpeg_set_defaults(c);
  jpeg_set_quality(c, o->quality, TRUE);
  if (o->progressive) jpeg_simple_progression(c);
  c->arith_code = o->arith ? TRUE : FALSE;
  c->optimize_coding = FALSE;
  c->density_unit = (UINT8)o->density_unit;
  c->X_density = (UINT16)o->xdensity;
  c->Y_density = (UINT16)o->ydensity;
}

/* The part of encode() under setjmp; `out` and `len` belong to the caller
 * so their values survive a longjmp without being volatile. */
static int encode_into(const picture *p, const jopts *o, uint8_t **out,
                       unsigned long *len) {
  struct jpeg_compress_struct c;
  jerr e;
  c.err = jpeg_std_error(&e.pub);
  e.pub.error_exit = jerr_exit;
  if (setjmp(e.jb)) {
    jpeg_destroy_compress(&c);
    return 0;
  }
  jpeg_create_compress(&c);
  jpeg_mem_dest(&c, out, len);
  setup_compress(&c, p, o);
  jpeg_start_compress(&c, TRUE);
  if (o->app1)
    jpeg_write_marker(&c, JPEG_APP0 + 1, o->app1, (unsigned)o->app1_len);
  write_com_pad(&c, o->com_pad);
  while (c.next_scanline < c.image_height) {
    JSAMPROW row = p->px + (size_t)c.next_scanline * p->w * p->comps;
    jpeg_write_scanlines(&c, &row, 1);
  }
  jpeg_finish_compress(&c);
  jpeg_destroy_compress(&c);
  return 1;
}

/* Encodes `p` into a malloc'd buffer; 0 when libjpeg refuses. */
static int encode(const picture *p, const jopts *o, uint8_t **out,
                  unsigned long *len) {
  *out = NULL;
  *len = 0;
  if (encode_into(p, o, out, len)) return 1;
  free(*out);
  *out = NULL;
  return 0;
}

/* Decodes fully; returns libjpeg's warning count, or -1 on a fatal error. */
static int decode_warnings(const uint8_t *buf, size_t len) {
  struct jpeg_decompress_struct d;
  jerr e;
  JSAMPARRAY row;
  d.err = jpeg_std_error(&e.pub);
  e.pub.error_exit = jerr_exit;
  e.pub.emit_message = jerr_emit;
  if (setjmp(e.jb)) {
    jpeg_destroy_decompress(&d);
    return -1;
  }
  jpeg_create_decompress(&d);
  jpeg_mem_src(&d, buf, (unsigned long)len);
  jpeg_read_header(&d, TRUE);
  jpeg_start_decompress(&d);
  row = (*d.mem->alloc_sarray)((j_common_ptr)&d, JPOOL_IMAGE,
                               d.output_width * d.output_components, 1);
  while (d.output_scanline < d.output_height) jpeg_read_scanlines(&d, row, 1);
  jpeg_finish_decompress(&d);
  int w = (int)e.pub.num_warnings;
  jpeg_destroy_decompress(&d);
  return w;
}

/* Offset of the first marker `code` before the entropy data, or 0. */
static size_t find_marker(const uint8_t *b, size_t len, int code) {
  size_t i = 2;
  while (i + 4 <= len && b[i] == 0xFF) {
    if (b[i + 1] == code) return i;
    if (b[i + 1] == 0xDA) return 0;
    i += 2 + ((size_t)b[i + 2] << 8 | b[i + 3]);
  }
  return 0;
}

/* Encodes a picture with options and writes it as `name`. */
static int put_jpeg(gen *g, const char *name, const picture *p, const jopts *o,
                    const char *check, const char *status, const char *errors) {
  uint8_t *buf = NULL;
  unsigned long len = 0;
  if (!encode(p, o, &buf, &len)) return 0;
  put(g, name, buf, len, check, status, errors);
  free(buf);
  return 1;
}

/* ---- EXIF blocks, written by hand as big-endian TIFF ---- */

typedef struct tiff {
  uint8_t d[256];
  size_t n;
} tiff;

static void t16(tiff *t, unsigned v) {
  t->d[t->n++] = (uint8_t)(v >> 8);
  t->d[t->n++] = (uint8_t)v;
}

static void t32(tiff *t, uint32_t v) {
  t16(t, v >> 16);
  t16(t, v & 0xFFFF);
}

/* One IFD entry; `value` is the 4-byte value/offset field as a number. */
static void tentry(tiff *t, unsigned tag, unsigned type, uint32_t count,
                   uint32_t value) {
  t16(t, tag);
  t16(t, type);
  t32(t, count);
  t32(t, value);
}

/* "Exif\0\0" then the TIFF header; offsets count from the "MM". */
static void tstart(tiff *t) {
  memcpy(t->d, "Exif\0\0MM\0\x2a\0\0\0\x08", 14);
  t->n = 14;
}

static void exif_orientation(tiff *t, int orientation) {
  tstart(t);
  t16(t, 1);
  tentry(t, 0x0112, 3, 1, (uint32_t)orientation << 16); /* SHORT, left */
  t32(t, 0);
}

/* 39°54'12.34"N 116°23'29.50"E: a place in Beijing. */
static void exif_gps(tiff *t) {
  static const uint32_t lat[] = {39, 1, 54, 1, 1234, 100};
  static const uint32_t lon[] = {116, 1, 23, 1, 2950, 100};
  tstart(t);
  t16(t, 1);                   /* IFD0 at 8 */
  tentry(t, 0x8825, 4, 1, 26); /* GPS IFD pointer */
  t32(t, 0);                   /* GPS IFD at 26 */
  t16(t, 4);
  tentry(t, 0x0001, 2, 2, 0x4E000000); /* GPSLatitudeRef "N" */
  tentry(t, 0x0002, 5, 3, 80);         /* GPSLatitude */
  tentry(t, 0x0003, 2, 2, 0x45000000); /* GPSLongitudeRef "E" */
  tentry(t, 0x0004, 5, 3, 104);        /* GPSLongitude */
  t32(t, 0);                           /* data at 80 */
  for (int i = 0; i < 6; i++) t32(t, lat[i]);
  for (int i = 0; i < 6; i++) t32(t, lon[i]);
}

/* IFD0 whose next-IFD offset points at itself, whose Exif IFD pointer
 * points back at IFD0, and whose Make string lies far past the block. */
static void exif_corrupt(tiff *t) {
  tstart(t);
  t16(t, 2);
  tentry(t, 0x010F, 2, 64, 0x7FFFFFF0);
  tentry(t, 0x8769, 4, 1, 8);
  t32(t, 8);
}

static int put_exif_jpeg(gen *g, const char *name, const picture *p,
                         const tiff *t, const char *check, const char *status,
                         const char *errors) {
  jopts o = good_opts;
  o.app1 = t->d;
  o.app1_len = t->n;
  return put_jpeg(g, name, p, &o, check, status, errors);
}

/* ---- the fixtures ---- */

static int make_good_family(gen *g, const picture *base) {
  uint8_t *buf = NULL, *bad = NULL;
  unsigned long len = 0;
  int ok = 0;
  if (!encode(base, &good_opts, &buf, &len)) goto out;
  put(g, "good.jpg", buf, len, "-", "pass", "");
  put(g, "name_png.png", buf, len, "file.extension", "warn", "");
  put(g, "trunc_noeoi.jpg", buf, len - 2, "jpeg.decode", "fail", "jpeg.decode");
  bad = malloc(len);
  if (!bad) goto out;
  ok = 1;
  /* Corrupt entropy data mid-scan; try later spots until libjpeg notices. */
  for (size_t at = len / 2; at + 64 < len; at += 997) {
    memcpy(bad, buf, len);
    for (size_t i = at; i < at + 32; i++) {
      if (bad[i] == 0xFF || bad[i - 1] == 0xFF || (bad[i] ^ 0x5A) == 0xFF)
        continue;
      bad[i] ^= 0x5A;
    }
    if (decode_warnings(bad, len) != 0) {
      put(g, "bad_huffman.jpg", bad, len, "jpeg.decode", "fail", "jpeg.decode");
      goto out;
    }
  }
  fprintf(stderr, "mkfixtures: no corruption made libjpeg warn\n");
  ok = 0;
out:
  free(buf);
  free(bad);
  return ok;
}

/* trunc_25/50 come from a noisier, bigger file so that even a quarter of
 * it is over 30 KB: they fail jpeg.decode and nothing else. */
static int make_truncated(gen *g, const picture *noisy) {
  jopts o = good_opts;
  uint8_t *buf = NULL;
  unsigned long len = 0;
  size_t dht;
  o.quality = 97;
  if (!encode(noisy, &o, &buf, &len)) return 0;
  put(g, "trunc_25.jpg", buf, len / 4, "jpeg.decode", "fail", "jpeg.decode");
  put(g, "trunc_50.jpg", buf, len / 2, "jpeg.decode", "fail", "jpeg.decode");
  free(buf);
  /* A COM segment before the tables keeps the cut file over 30 KB. */
  o = good_opts;
  o.com_pad = 32 * KB;
  if (!encode(noisy, &o, &buf, &len)) return 0;
  dht = find_marker(buf, len, 0xC4);
  if (dht == 0) {
    free(buf);
    return 0;
  }
  put(g, "trunc_header.jpg", buf, dht + 12, "jpeg.decode", "fail",
      "jpeg.decode");
  free(buf);
  return 1;
}

/* A valid 64x64 JPEG whose SOF claims 60000x60000 (3.6 gigapixels). */
static int make_huge_decl(gen *g, const picture *small) {
  jopts o = good_opts;
  uint8_t *buf = NULL;
  unsigned long len = 0;
  size_t sof;
  o.com_pad = 32 * KB;
  if (!encode(small, &o, &buf, &len)) return 0;
  sof = find_marker(buf, len, 0xC0);
  if (sof == 0) {
    free(buf);
    return 0;
  }
  buf[sof + 5] = 0xEA, buf[sof + 6] = 0x60; /* height 60000 */
  buf[sof + 7] = 0xEA, buf[sof + 8] = 0x60; /* width 60000 */
  put(g, "huge_decl.jpg", buf, len, "jpeg.decode", "fail",
      "jpeg.decode,image.dimensions");
  free(buf);
  return 1;
}

static int make_exif_family(gen *g, const picture *base) {
  tiff t;
  for (int o = 2; o <= 8; o++) {
    char name[32];
    exif_orientation(&t, o);
    snprintf(name, sizeof name, "orient_%d.jpg", o);
    if (!put_exif_jpeg(g, name, base, &t, "exif.orientation", "fail",
                       "exif.orientation"))
      return 0;
  }
  exif_gps(&t);
  if (!put_exif_jpeg(g, "gps.jpg", base, &t, "exif.location", "warn", ""))
    return 0;
  exif_corrupt(&t);
  return put_exif_jpeg(g, "corrupt_exif.jpg", base, &t, "exif.orientation",
                       "warn", "");
}

/* Each variant of the portrait that breaks one JPEG or image rule. */
static int make_variants(gen *g, const picture *base) {
  jopts o = good_opts;
  int ok = 1;
  o.progressive = 1;
  ok &= put_jpeg(g, "progressive.jpg", base, &o, "jpeg.baseline", "warn", "");
  o = good_opts;
  o.arith = 1;
  if (!put_jpeg(g, "arith.jpg", base, &o, "jpeg.baseline", "warn", ""))
    fprintf(stderr, "mkfixtures: libjpeg cannot write arithmetic coding: "
                    "arith.jpg skipped\n");
  o = good_opts;
  o.density_unit = 0, o.xdensity = 1, o.ydensity = 1;
  ok &= put_jpeg(g, "no_dpi.jpg", base, &o, "image.dpi", "warn", "");
  return ok;
}

static int make_pictures(gen *g) {
  picture p[9] = {{0}};
  jopts o = good_opts;
  int ok = paint(&p[0], 480, 640, 3, 4, 0, 0x1234567u) &&
           paint(&p[1], 480, 640, 3, 40, 0, 0x2345678u) &&
           paint(&p[2], 480, 640, 1, 10, 0, 0x3456789u) &&
           paint(&p[3], 480, 640, 3, 6, 1, 0x456789Au) &&
           paint(&p[4], 480, 640, 4, 6, 0, 0x56789ABu) &&
           paint(&p[5], 16, 16, 3, 6, 0, 0x6789ABCu) &&
           paint(&p[6], 320, 240, 3, 24, 0, 0x789ABCDu) &&
           paint(&p[7], 480, 640, 3, 0, 0, 1u) &&
           paint(&p[8], 64, 64, 3, 6, 0, 0x89ABCDEu);
  if (!ok) goto out;
  ok = make_good_family(g, &p[0]) && make_truncated(g, &p[1]) &&
       make_exif_family(g, &p[0]) && make_variants(g, &p[0]) &&
       make_huge_decl(g, &p[8]);
  ok = ok &&
       put_jpeg(g, "grey.jpg", &p[2], &o, "image.color", "fail",
                "image.color") &&
       put_jpeg(g, "grey_content.jpg", &p[3], &o, "image.color", "fail",
                "image.color") &&
       put_jpeg(g, "cmyk.jpg", &p[4], &o, "image.color", "fail",
                "image.color") &&
       put_jpeg(g, "tiny.jpg", &p[5], &o, "image.dimensions", "fail",
                "image.dimensions") &&
       put_jpeg(g, "small_dims.jpg", &p[6], &o, "image.dimensions", "fail",
                "image.dimensions") &&
       put_jpeg(g, "small_file.jpg", &p[7], &o, "file.size", "fail", "");
  o.quality = 35;
  ok = ok && put_jpeg(g, "lowq.jpg", &p[1], &o, "jpeg.quality", "warn", "");
out:
  for (int i = 0; i < 9; i++) free(p[i].px);
  return ok;
}

/* ---- files that are not JPEG ---- */

static int make_png(gen *g, const picture *p) {
  png_image img;
  char path[4096];
  size_t bytes;
  struct stat st;
  memset(&img, 0, sizeof img);
  img.version = PNG_IMAGE_VERSION;
  img.width = (png_uint_32)p->w;
  img.height = (png_uint_32)p->h;
  img.format = PNG_FORMAT_RGB;
  path_of(g, "png_named.jpg", path, sizeof path);
  if (!png_image_write_to_file(&img, path, 0, p->px, 0, NULL)) {
    fprintf(stderr, "mkfixtures: %s: %s\n", path, img.message);
    return 0;
  }
  bytes = stat(path, &st) == 0 ? (size_t)st.st_size : 0;
  note(g, "png_named.jpg", "file.format", "fail", "file.format", bytes);
  return 1;
}

/* `head` then `pad` bytes of filler; the magic is what the check reads. */
static void put_padded(gen *g, const char *name, const void *head, size_t n,
                       uint8_t *pad, size_t padn) {
  uint8_t *buf = malloc(n + padn);
  if (!buf) {
    g->failed = 1;
    return;
  }
  memcpy(buf, head, n);
  memcpy(buf + n, pad, padn);
  put(g, name, buf, n + padn, "file.format", "fail", "file.format");
  free(buf);
}

static void le32(uint8_t *b, uint32_t v) {
  for (int i = 0; i < 4; i++) b[i] = (uint8_t)(v >> (8 * i));
}

static void make_webp(gen *g, uint8_t *pad, size_t padn) {
  /* RIFF, WEBP, a VP8 chunk: frame tag, start code, 480x640 */
  uint8_t h[30] = "RIFF\0\0\0\0WEBPVP8 \0\0\0\0"
                  "\x10\x02\x00\x9d\x01\x2a\xe0\x01\x80\x02";
  le32(h + 4, (uint32_t)(sizeof h - 8 + padn));
  le32(h + 16, (uint32_t)(10 + padn));
  put_padded(g, "webp_named.jpg", h, sizeof h, pad, padn);
}

/* A 1x1 GIF89a whose comment extension carries the padding. */
static void make_gif(gen *g) {
  static const uint8_t head[] = "GIF89a\x01\x00\x01\x00\x80\x00\x00"
                                "\xff\xff\xff\x00\x00\x00";
  static const uint8_t image[] = "\x2c\x00\x00\x00\x00\x01\x00\x01\x00\x00"
                                 "\x02\x02\x44\x01\x00\x3b";
  size_t blocks = 130, n = 0;
  uint8_t *buf = malloc(sizeof head + 2 + blocks * 256 + 1 + sizeof image);
  if (!buf) return (void)(g->failed = 1);
  memcpy(buf, head, sizeof head - 1), n = sizeof head - 1;
  buf[n++] = 0x21, buf[n++] = 0xFE;
  for (size_t b = 0; b < blocks; b++) {
    buf[n++] = 255;
    for (int i = 0; i < 255; i++) buf[n++] = (uint8_t)('a' + (b + i) % 26);
  }
  buf[n++] = 0;
  memcpy(buf + n, image, sizeof image - 1), n += sizeof image - 1;
  put(g, "gif_named.jpg", buf, n, "file.format", "fail", "file.format");
  free(buf);
}

/* A real 128x96 24-bit BMP (36,918 bytes). */
static void make_bmp(gen *g) {
  enum { W = 128, H = 96, ROW = W * 3, PIX = ROW * H, SIZE = 54 + PIX };
  uint8_t *b = calloc(1, SIZE);
  if (!b) return (void)(g->failed = 1);
  b[0] = 'B', b[1] = 'M';
  le32(b + 2, SIZE);
  le32(b + 10, 54);
  le32(b + 14, 40);
  le32(b + 18, W);
  le32(b + 22, H);
  b[26] = 1, b[28] = 24;
  le32(b + 34, PIX);
  le32(b + 38, 2835), le32(b + 42, 2835); /* 72 dpi in dots per metre */
  for (int i = 0; i < PIX; i++) b[54 + i] = (uint8_t)((i % ROW) * 2 + i / ROW);
  put(g, "bmp_named.jpg", b, SIZE, "file.format", "fail", "file.format");
  free(b);
}

static void make_not_jpeg(gen *g) {
  enum { PAD = 32 * KB };
  static const uint8_t heic[] = "\0\0\0\x18"
                                "ftypheic\0\0\0\0mif1heic"
                                "\0\0\x80\x08"
                                "free";
  static const char pdf[] = "%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"
                            "1 0 obj <</Type /Catalog>> endobj\n";
  static const char pdf_end[] = "\ntrailer <</Root 1 0 R>>\n%%EOF\n";
  uint8_t *pad = malloc(PAD + sizeof pdf_end);
  rng r = {0xC0FFEEu};
  if (!pad) return (void)(g->failed = 1);
  memset(pad, 0, PAD);
  make_webp(g, pad, PAD);
  put_padded(g, "heic_named.jpg", heic, sizeof heic - 1, pad, PAD);
  memset(pad, '%', PAD);
  for (size_t i = 79; i < PAD; i += 80) pad[i] = '\n';
  memcpy(pad + PAD, pdf_end, sizeof pdf_end - 1);
  put_padded(g, "pdf_named.jpg", pdf, sizeof pdf - 1, pad,
             PAD + sizeof pdf_end - 1);
  for (size_t i = 0; i < PAD; i++) pad[i] = (uint8_t)(rnd(&r) >> 24);
  pad[0] = 0x4D, pad[1] = 0x5A; /* "MZ": never the JPEG FF D8 */
  put(g, "garbage.jpg", pad, PAD, "file.format", "fail", "file.format");
  put(g, "zero.jpg", "", 0, "file.format", "fail", "file.format");
  free(pad);
  make_gif(g);
  make_bmp(g);
}

/* A directory and a dangling symlink: neither can be read as a file. */
static void make_unreadable(gen *g) {
  char path[4096];
  path_of(g, "dir.jpg", path, sizeof path);
  if (mkdir(path, 0755) != 0 && errno != EEXIST) die_errno(g, "mkdir", path);
  note(g, "dir.jpg", "file.read", "fail", "file.read", CHSI_MIN_BYTES);
  path_of(g, "missing.jpg", path, sizeof path);
  unlink(path);
  if (symlink("does-not-exist", path) != 0) die_errno(g, "symlink", path);
  note(g, "missing.jpg", "file.read", "fail", "file.read", CHSI_MIN_BYTES);
}

static const char manifest_head[] =
    "# photostd bad-file matrix, written by tests/mkfixtures.c.\n"
    "# name<TAB>check<TAB>status<TAB>exit<TAB>errors, for profile chsi:\n"
    "#   check   the first check that names the file's defect, - for none\n"
    "#   status  that check's status (fail, warn), pass when check is -\n"
    "#   exit    photocheck's exit status: 1 when an error check fails\n"
    "#   errors  every error-severity check that fails, in SPEC 3 order,\n"
    "#           comma separated, - for none. Tests assert this exactly.\n"
    "# Scope: the file-level checks file.* jpeg.* image.dimensions\n"
    "# image.color image.dpi exif.*. The pictures are synthetic and hold no\n"
    "# face, so the content checks (face.*, head.*, eyes.*, background.*,\n"
    "# image.sharpness, clothing.*) are outside this matrix: run them off,\n"
    "# or ignore their findings, when asserting exit and errors.\n"
    "# Choices:\n"
    "# - file.size is a property of the bytes, checked for every readable\n"
    "#   file: the non-JPEG fixtures are padded past 30 KB so they fail\n"
    "#   file.format only; zero.jpg fails file.format and file.size.\n"
    "#   A file that cannot be read (dir.jpg, missing.jpg) fails file.read\n"
    "#   and every other check is skipped.\n"
    "# - trunc_25/trunc_50 are cut from a noisier 480x640 file (q97), so\n"
    "#   they stay over 30 KB; trunc_header carries a 32 KB COM segment\n"
    "#   before its tables and is cut inside the DHT segment.\n"
    "# - huge_decl.jpg: the header is readable and declares 60000x60000, so\n"
    "#   image.dimensions fails beside jpeg.decode (pixel limit).\n"
    "# - orient_N.jpg store 480x640 pixels: dimensions are judged as\n"
    "#   stored, so only exif.orientation fails (also for N = 5..8).\n"
    "# - corrupt_exif.jpg: unreadable EXIF (an IFD loop, an offset past the\n"
    "#   block, no Orientation tag) is not a rejection: the orientation\n"
    "#   cannot be known, which exif.orientation reports as a warning.\n"
    "# - tiny.jpg (16x16) fails image.dimensions and file.size.\n";

static void write_manifest(gen *g) {
  char path[4096];
  FILE *fp;
  path_of(g, "MANIFEST", path, sizeof path);
  fp = fopen(path, "w");
  if (!fp) return die_errno(g, "cannot create", path);
  fputs(manifest_head, fp);
  for (int i = 0; i < g->n; i++) {
    const entry *e = &g->e[i];
    fprintf(fp, "%s\t%s\t%s\t%d\t%s\n", e->name, e->check, e->status,
            strcmp(e->errors, "-") != 0, e->errors);
  }
  if (fclose(fp) != 0) die_errno(g, "close", path);
}

int main(int argc, char **argv) {
  gen g = {0};
  if (argc != 2 || argv[1][0] == '-') {
    fprintf(stderr, "usage: mkfixtures OUTDIR\n");
    return 2;
  }
  g.dir = argv[1];
  if (mkdir(g.dir, 0755) != 0 && errno != EEXIST) {
    die_errno(&g, "mkdir", g.dir);
    return 1;
  }
  if (!make_pictures(&g)) g.failed = 1;
  make_not_jpeg(&g);
  {
    picture p = {0};
    if (paint(&p, 480, 640, 3, 6, 0, 0x9ABCDEFu)) {
      if (!make_png(&g, &p)) g.failed = 1;
    } else {
      g.failed = 1;
    }
    free(p.px);
  }
  make_unreadable(&g);
  write_manifest(&g);
  if (g.failed) fprintf(stderr, "mkfixtures: some fixtures failed\n");
  return g.failed ? 1 : 0;
}

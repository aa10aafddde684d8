/* The hostile corpus (issue 6): files made to break an upload system.
 * Usage: mkhostile OUTDIR GOOD.jpg
 * GOOD.jpg is a real JPEG of the fixtures; it is cut at every marker.
 * Every file is generated here, deterministically; the MANIFEST lists each
 * with the kind of outcome expected: "fail" (a named failure) or "any" (a
 * correct result, pass or fail). */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* jpeglib.h needs FILE from stdio.h first. */
#include <jpeglib.h>
#include <png.h>

typedef struct bytes {
  uint8_t *p;
  size_t n, cap;
} bytes;

static const char *outdir;
static FILE *manifest;
static int nfiles;

static void die(const char *what) {
  fprintf(stderr, "mkhostile: %s: %s\n", what, strerror(errno));
  exit(1);
}

static void put(bytes *b, const void *p, size_t n) {
  if (b->n + n > b->cap) {
    b->cap = (b->n + n) * 2 + 64;
    if (!(b->p = realloc(b->p, b->cap))) die("realloc");
  }
  memcpy(b->p + b->n, p, n);
  b->n += n;
}
static void put1(bytes *b, unsigned v) {
  uint8_t c = (uint8_t)v;
  put(b, &c, 1);
}
static void put16(bytes *b, unsigned v) { put1(b, v >> 8), put1(b, v & 255); }
static void put32(bytes *b, uint32_t v) { put16(b, v >> 16), put16(b, v); }
static void putzeros(bytes *b, size_t n) {
  static const uint8_t z[4096];
  for (; n > sizeof z; n -= sizeof z) put(b, z, sizeof z);
  put(b, z, n);
}

static void emit(const char *name, const void *p, size_t n,
                 const char *expect) {
  char path[4096];
  FILE *f;
  snprintf(path, sizeof path, "%s/%s", outdir, name);
  if (!(f = fopen(path, "wb"))) die(path);
  if (n && fwrite(p, 1, n, f) != n) die(path);
  if (fclose(f)) die(path);
  /* Names with a newline are listed escaped: the manifest is line based. */
  for (const char *s = name; *s; s++)
    fputs(*s == '\n' ? "\\n" : (char[]){*s, 0}, manifest);
  fprintf(manifest, "\t%s\n", expect);
  nfiles++;
}

/* ---- JPEG written by hand: exact control of markers and scans ---- */

/* Quantization table of ones: every coefficient is exact. */
static void jpeg_head(bytes *b, int sof, int w, int h) {
  put16(b, 0xFFD8);
  put16(b, 0xFFDB), put16(b, 67), put1(b, 0);
  for (int i = 0; i < 64; i++) put1(b, 1);
  put16(b, 0xFF00 | (unsigned)sof), put16(b, 11), put1(b, 8);
  put16(b, (unsigned)h), put16(b, (unsigned)w);
  put1(b, 1), put1(b, 1), put1(b, 0x11), put1(b, 0);
  /* One symbol per table: DC difference 0 and EOB both get code "0", so an
   * image of identical blocks is 2 zero bits per block. */
  put16(b, 0xFFC4), put16(b, 20), put1(b, 0x00), put1(b, 1);
  for (int i = 1; i < 16; i++) put1(b, 0);
  put1(b, 0);
  put16(b, 0xFFC4), put16(b, 20), put1(b, 0x10), put1(b, 1);
  for (int i = 1; i < 16; i++) put1(b, 0);
  put1(b, 0);
}

static void sos(bytes *b, int ss, int se, int ah, int al) {
  put16(b, 0xFFDA), put16(b, 8), put1(b, 1), put1(b, 1), put1(b, 0);
  put1(b, (unsigned)ss), put1(b, (unsigned)se),
      put1(b, (unsigned)(ah << 4 | al));
}

static uint64_t blocks(int w, int h) {
  return (uint64_t)((w + 7) / 8) * (uint64_t)((h + 7) / 8);
}

/* A grey picture of w x h in few bytes: a decompression bomb when large. */
static void flat_jpeg(const char *name, int w, int h, const char *expect) {
  bytes b = {0};
  jpeg_head(&b, 0xC0, w, h);
  sos(&b, 0, 63, 0, 0);
  putzeros(&b, (size_t)((blocks(w, h) * 2 + 7) / 8));
  put16(&b, 0xFFD9);
  emit(name, b.p, b.n, expect);
  free(b.p);
}

/* A progressive JPEG with `scans` DC scans: the first is real, the others
 * repeat it (libjpeg warns of a bogus progression and goes on). */
static void many_scans(const char *name, int w, int h, int scans,
                       const char *expect) {
  bytes b = {0};
  size_t per = (size_t)((blocks(w, h) + 7) / 8);
  jpeg_head(&b, 0xC2, w, h);
  for (int i = 0; i < scans; i++) {
    sos(&b, 0, 0, 0, 0);
    putzeros(&b, per);
  }
  put16(&b, 0xFFD9);
  emit(name, b.p, b.n, expect);
  free(b.p);
}

/* SOF declaring w x h followed by almost nothing. */
static void declared_only(const char *name, int sof, int w, int h) {
  bytes b = {0};
  jpeg_head(&b, sof, w, h);
  sos(&b, 0, sof == 0xC2 ? 0 : 63, 0, 0);
  putzeros(&b, 16);
  emit(name, b.p, b.n, "fail");
  free(b.p);
}

/* ---- JPEG through libjpeg: small real photos with EXIF variants ---- */

static void jpeg_encode(bytes *out, int w, int h, int comps, int progressive,
                        const uint8_t *app1, size_t app1_len) {
  struct jpeg_compress_struct c;
  struct jpeg_error_mgr jerr;
  unsigned char *mem = NULL;
  unsigned long memlen = 0;
  uint8_t *row = malloc((size_t)w * (size_t)comps);
  if (!row) die("malloc");
  c.err = jpeg_std_error(&jerr);
  jpeg_create_compress(&c);
  jpeg_mem_dest(&c, &mem, &memlen);
  c.image_width = (JDIMENSION)w, c.image_height = (JDIMENSION)h;
  c.input_components = comps;
  c.in_color_space = comps == 1 ? JCS_GRAYSCALE : JCS_RGB;
  jpeg_set_defaults(&c);
  jpeg_set_quality(&c, 90, TRUE);
  c.density_unit = 1, c.X_density = 300, c.Y_density = 300;
  if (progressive) jpeg_simple_progression(&c);
  jpeg_start_compress(&c, TRUE);
  if (app1) jpeg_write_marker(&c, JPEG_APP0 + 1, app1, (unsigned)app1_len);
  while (c.next_scanline < c.image_height) {
    for (int x = 0; x < w * comps; x++)
      row[x] = (uint8_t)((x * 7 + (int)c.next_scanline * 3) & 255);
    JSAMPROW rp = row;
    jpeg_write_scanlines(&c, &rp, 1);
  }
  jpeg_finish_compress(&c);
  jpeg_destroy_compress(&c);
  put(out, mem, memlen);
  free(mem);
  free(row);
}

static void small_jpeg(const char *name, int comps, int progressive,
                       const uint8_t *app1, size_t n, const char *expect) {
  bytes b = {0};
  jpeg_encode(&b, 60, 80, comps, progressive, app1, n);
  emit(name, b.p, b.n, expect);
  free(b.p);
}

/* A little-endian TIFF/EXIF block: IFD0 at 8 with `count` entries from
 * `ent` (tag, type, count, value), then `next` as the next-IFD offset. */
typedef struct ifd_ent {
  uint16_t tag, type;
  uint32_t count, value;
} ifd_ent;

static void le16(bytes *b, unsigned v) { put1(b, v & 255), put1(b, v >> 8); }
static void le32(bytes *b, uint32_t v) {
  le16(b, v & 0xFFFF), le16(b, v >> 16);
}

static void exif_block(bytes *b, const ifd_ent *ent, int count, uint32_t next,
                       size_t pad) {
  put(b, "Exif\0\0II*\0", 10);
  le32(b, 8);
  le16(b, (unsigned)count);
  for (int i = 0; i < count; i++) {
    le16(b, ent[i].tag), le16(b, ent[i].type);
    le32(b, ent[i].count), le32(b, ent[i].value);
  }
  le32(b, next);
  putzeros(b, pad);
}

static void exif_jpeg(const char *name, const ifd_ent *ent, int count,
                      uint32_t next, size_t pad) {
  bytes e = {0};
  exif_block(&e, ent, count, next, pad);
  small_jpeg(name, 3, 0, e.p, e.n, "any");
  free(e.p);
}

static void exif_cases(void) {
  const uint32_t self = 8; /* IFD0's own offset */
  ifd_ent orient = {0x0112, 3, 1, 6};
  ifd_ent loop_exif[] = {{0x8769, 4, 1, self}};
  ifd_ent loop_gps[] = {{0x8825, 4, 1, self}};
  ifd_ent far_exif[] = {{0x8769, 4, 1, 0xFFFFFFF0u}};
  ifd_ent far_gps[] = {{0x8825, 4, 1, 0x7FFFFFFFu}};
  ifd_ent big_count[] = {{0x010F, 2, 0xFFFFFFFFu, 20}};
  ifd_ent wrap[] = {{0x010F, 2, 0x80000000u, 0x80000000u}};
  ifd_ent bad_type[] = {{0x0112, 99, 1, 6}, {0x0112, 0, 1, 6}};
  ifd_ent orient_bad[] = {{0x0112, 3, 1, 0xFFFF}};
  ifd_ent orient_zero[] = {{0x0112, 3, 1, 0}};
  ifd_ent rational_far[] = {{0x011A, 5, 1, 0xFFFFFF00u}};
  ifd_ent many[64];
  for (int i = 0; i < 64; i++) many[i] = (ifd_ent){0x8769, 4, 1, self};
  exif_jpeg("exif_ok_orient6.jpg", &orient, 1, 0, 0);
  exif_jpeg("exif_next_ifd_self_loop.jpg", &orient, 1, self, 0);
  exif_jpeg("exif_exififd_loop.jpg", loop_exif, 1, 0, 0);
  exif_jpeg("exif_gpsifd_loop.jpg", loop_gps, 1, 0, 0);
  exif_jpeg("exif_exififd_out_of_range.jpg", far_exif, 1, 0, 0);
  exif_jpeg("exif_gpsifd_out_of_range.jpg", far_gps, 1, 0, 0);
  exif_jpeg("exif_next_ifd_out_of_range.jpg", &orient, 1, 0xFFFFFFFFu, 0);
  exif_jpeg("exif_count_huge.jpg", big_count, 1, 0, 0);
  exif_jpeg("exif_count_offset_wrap.jpg", wrap, 1, 0, 0);
  exif_jpeg("exif_bad_types.jpg", bad_type, 2, 0, 0);
  exif_jpeg("exif_orientation_65535.jpg", orient_bad, 1, 0, 0);
  exif_jpeg("exif_orientation_0.jpg", orient_zero, 1, 0, 0);
  exif_jpeg("exif_rational_out_of_range.jpg", rational_far, 1, 0, 0);
  exif_jpeg("exif_64_loops.jpg", many, 64, self, 0);
  {
    /* IFD0 claims 5000 entries in a 30-byte block. */
    bytes e = {0};
    put(&e, "Exif\0\0MM\0*\0\0\0\x08\x13\x88", 16);
    putzeros(&e, 14);
    small_jpeg("exif_ifd_count_lies.jpg", 3, 0, e.p, e.n, "any");
    e.n = 0;
    put(&e, "Exif\0\0II*\0", 10); /* header cut before the IFD offset */
    small_jpeg("exif_truncated_header.jpg", 3, 0, e.p, e.n, "any");
    e.n = 0;
    put(&e, "Exif\0\0XX*\0\x08\0\0\0", 14); /* no byte order */
    small_jpeg("exif_bad_byte_order.jpg", 3, 0, e.p, e.n, "any");
    free(e.p);
  }
}

/* ---- truncation of a real JPEG at every marker ---- */

static void read_file(const char *path, bytes *out) {
  FILE *f = fopen(path, "rb");
  long n;
  if (!f || fseek(f, 0, SEEK_END) || (n = ftell(f)) <= 0) die(path);
  rewind(f);
  out->n = 0;
  putzeros(out, (size_t)n);
  if (fread(out->p, 1, (size_t)n, f) != (size_t)n) die(path);
  fclose(f);
}

static void truncations(const bytes *good) {
  const uint8_t *p = good->p;
  long n = (long)good->n;
  char name[64];
  int cuts = 0;
  for (long i = 0; i + 1 < n && cuts < 60; i++) {
    if (p[i] != 0xFF || p[i + 1] == 0 || p[i + 1] == 0xFF) continue;
    if (p[i + 1] >= 0xD0 && p[i + 1] <= 0xD7) continue; /* restarts */
    /* Cut before the marker, inside it, and inside its length. */
    snprintf(name, sizeof name, "trunc_%06ld_at_ff%02x.jpg", i, p[i + 1]);
    emit(name, p, (size_t)i, "fail");
    snprintf(name, sizeof name, "trunc_%06ld_in_ff%02x.jpg", i + 1, p[i + 1]);
    emit(name, p, (size_t)i + 1, "fail");
    if (i + 3 < n) {
      snprintf(name, sizeof name, "trunc_%06ld_len_ff%02x.jpg", i + 3,
               p[i + 1]);
      emit(name, p, (size_t)i + 3, "fail");
    }
    cuts++;
    if (p[i + 1] == 0xDA) break; /* entropy data follows: no markers */
  }
  /* And in the entropy-coded data, at fixed fractions. */
  for (int k = 1; k < 8; k++) {
    snprintf(name, sizeof name, "trunc_data_%d_of_8.jpg", k);
    emit(name, p, (size_t)n * (size_t)k / 8, "fail");
  }
}

/* ---- PNG ---- */

static uint32_t crc32_of(const uint8_t *p, size_t n) {
  uint32_t c = 0xFFFFFFFFu;
  for (size_t i = 0; i < n; i++) {
    c ^= p[i];
    for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1)));
  }
  return c ^ 0xFFFFFFFFu;
}

static void png_sink(png_structp png, png_bytep data, size_t n) {
  put(png_get_io_ptr(png), data, n);
}
static void png_flush_none(png_structp png) { (void)png; }

/* Rows are generated, never held whole: 30000x30000 costs one row. */
static void png_encode(bytes *out, uint32_t w, uint32_t h, int depth, int color,
                       int interlace) {
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, 0, 0, 0);
  png_infop info = png_create_info_struct(png);
  int ch = color == PNG_COLOR_TYPE_RGB    ? 3
           : color == PNG_COLOR_TYPE_RGBA ? 4
                                          : 1;
  size_t rowbytes = ((size_t)w * (size_t)ch * (size_t)depth + 7) / 8;
  uint8_t *row = calloc(1, rowbytes);
  if (!png || !info || !row || setjmp(png_jmpbuf(png))) die("png");
  png_set_write_fn(png, out, png_sink, png_flush_none);
  png_set_IHDR(png, info, w, h, depth, color, interlace, 0, 0);
  if (color == PNG_COLOR_TYPE_PALETTE) {
    png_color pal[2] = {{0, 0, 0}, {255, 255, 255}};
    png_set_PLTE(png, info, pal, 2);
  }
  png_set_compression_level(png, 9);
  png_write_info(png, info);
  int passes = interlace ? png_set_interlace_handling(png) : 1;
  for (int pass = 0; pass < passes; pass++)
    for (uint32_t y = 0; y < h; y++) {
      if (w < 4096)
        for (size_t x = 0; x < rowbytes; x++) row[x] = (uint8_t)(x * 5 + y);
      png_write_row(png, row);
    }
  png_write_end(png, info);
  png_destroy_write_struct(&png, &info);
  free(row);
}

static void png_file(const char *name, uint32_t w, uint32_t h, int depth,
                     int color, int interlace, const char *expect) {
  bytes b = {0};
  png_encode(&b, w, h, depth, color, interlace);
  emit(name, b.p, b.n, expect);
  free(b.p);
}

/* A chunk with a correct CRC, or `len_override` as its stated length. */
static void chunk(bytes *b, const char *type, const void *data, uint32_t len,
                  int64_t len_override) {
  size_t start;
  put32(b, len_override >= 0 ? (uint32_t)len_override : len);
  start = b->n;
  put(b, type, 4);
  if (len) put(b, data, len);
  put32(b, crc32_of(b->p + start, 4 + len));
}

static void ihdr(bytes *b, uint32_t w, uint32_t h) {
  uint8_t d[13] = {0};
  d[0] = (uint8_t)(w >> 24), d[1] = (uint8_t)(w >> 16),
  d[2] = (uint8_t)(w >> 8);
  d[3] = (uint8_t)w;
  d[4] = (uint8_t)(h >> 24), d[5] = (uint8_t)(h >> 16),
  d[6] = (uint8_t)(h >> 8);
  d[7] = (uint8_t)h;
  d[8] = 8, d[9] = 2;
  put(b, "\x89PNG\r\n\x1a\n", 8);
  chunk(b, "IHDR", d, 13, -1);
}

static void png_lies(void) {
  static const uint8_t junk[64] = {0x78, 0x9c, 1, 2, 3};
  bytes b = {0}, good = {0};
  png_encode(&good, 60, 80, 8, PNG_COLOR_TYPE_RGB, 0);
  /* The IDAT (after signature and IHDR) of the good file, copied whole. */
  size_t idat = 8 + 25;
  struct {
    const char *name;
    uint32_t w, h;
    int64_t idat_len;
  } lies[] = {
      {"png_ihdr_huge_2e9.png", 2000000000u, 2000000000u, -1},
      {"png_ihdr_1x2e9.png", 1, 2000000000u, -1},
      {"png_ihdr_zero.png", 0, 0, -1},
      {"png_ihdr_over_2_31.png", 0x80000001u, 0x80000001u, -1},
      {"png_idat_len_7ffffff0.png", 60, 80, 0x7FFFFFF0},
      {"png_idat_len_ffffffff.png", 60, 80, 0xFFFFFFFFu},
      {"png_idat_len_short.png", 60, 80, 10},
  };
  for (size_t i = 0; i < sizeof lies / sizeof lies[0]; i++) {
    b.n = 0;
    ihdr(&b, lies[i].w, lies[i].h);
    chunk(&b, "IDAT", junk, sizeof junk, lies[i].idat_len);
    chunk(&b, "IEND", NULL, 0, -1);
    emit(lies[i].name, b.p, b.n, "fail");
  }
  /* A text chunk that says it is 1 GiB, before IDAT. */
  b.n = 0;
  put(&b, good.p, idat);
  chunk(&b, "tEXt", "Comment\0x", 9, 0x40000000);
  put(&b, good.p + idat, good.n - idat);
  emit("png_text_len_1gib.png", b.p, b.n, "fail");
  /* Bad CRC on IHDR. */
  b.n = 0;
  put(&b, good.p, good.n);
  b.p[8 + 8 + 13] ^= 0xFF;
  emit("png_bad_ihdr_crc.png", b.p, b.n, "fail");
  /* 1000 empty unknown ancillary chunks, then the image. */
  b.n = 0;
  put(&b, good.p, idat);
  for (int i = 0; i < 1000; i++) chunk(&b, "abCd", NULL, 0, -1);
  put(&b, good.p + idat, good.n - idat);
  emit("png_1000_chunks.png", b.p, b.n, "any");
  {
    /* 4 MiB of grey rows in a few KiB: decoded, then reduced. */
    bytes z = {0};
    png_encode(&z, 2048, 2048, 8, PNG_COLOR_TYPE_GRAY, 0);
    emit("png_gray_2048_rows.png", z.p, z.n, "any");
    free(z.p);
  }
  for (size_t cut = 8; cut < good.n; cut += good.n / 9 + 1) {
    char name[64];
    snprintf(name, sizeof name, "png_trunc_%05zu.png", cut);
    emit(name, good.p, cut, "fail");
  }
  emit("png_sig_only.png", good.p, 8, "fail");
  free(good.p);
  free(b.p);
}

/* ---- names, special files, rosters ---- */

/* Copies of the good photo (a face photofix can fix), so the outputs with
 * these names are really written. */
static void names(const bytes *good) {
  const char *weird[] = {
      "new\nline.jpg",
      "quote\"double.jpg",
      "quote'single.jpg",
      "<script>alert(1)<\\script>.jpg",
      "<img src=x onerror=alert(1)>.jpg",
      "amp&lt;.jpg",
      "bad-\xff\xfe-utf8.jpg",
      "gbk-\xd5\xc5\xc8\xfd.jpg",
      "-rf.jpg",
      "=cmd|' -C calc'!A0.jpg",
      "+sum(1).jpg",
      "@import.jpg",
      "tab\there.jpg",
      "back\\slash.jpg",
      "space name .jpg",
      "\xe5\xbc\xa0\xe4\xb8\x89.jpg",
  };
  for (size_t i = 0; i < sizeof weird / sizeof weird[0]; i++)
    emit(weird[i], good->p, good->n, "any");
}

static void special_files(void) {
  char path[4096];
  int fd;
  emit("zero_length.jpg", "", 0, "fail");
  emit("one_byte.jpg", "\xff", 1, "fail");
  emit("soi_only.jpg", "\xff\xd8", 2, "fail");
  emit("soi_eoi.jpg", "\xff\xd8\xff\xd9", 4, "fail");
  emit("text_as_jpg.jpg", "hello, world\n", 13, "fail");
  snprintf(path, sizeof path, "%s/fifo.jpg", outdir);
  if (mkfifo(path, 0644) != 0) die(path);
  fprintf(manifest, "fifo.jpg\tfail\n"), nfiles++;
  snprintf(path, sizeof path, "%s/devzero.jpg", outdir);
  if (symlink("/dev/zero", path) != 0) die(path);
  fprintf(manifest, "devzero.jpg\tfail\n"), nfiles++;
  snprintf(path, sizeof path, "%s/symlink_loop.jpg", outdir);
  if (symlink("symlink_loop.jpg", path) != 0) die(path);
  fprintf(manifest, "symlink_loop.jpg\tfail\n"), nfiles++;
  snprintf(path, sizeof path, "%s/dir.jpg", outdir);
  if (mkdir(path, 0755) != 0) die(path);
  fprintf(manifest, "dir.jpg\tfail\n"), nfiles++;
  /* 5 GiB declared, no blocks: over the 64 MiB file limit. */
  snprintf(path, sizeof path, "%s/sparse_5gib.jpg", outdir);
  if ((fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644)) < 0) die(path);
  if (write(fd, "\xff\xd8\xff\xe0", 4) != 4) die(path);
  if (ftruncate(fd, (off_t)5 << 30) != 0) die(path);
  close(fd);
  fprintf(manifest, "sparse_5gib.jpg\tfail\n"), nfiles++;
}

static void rosters(void) {
  static const char *html =
      "student_id,name,id_number,file\n"
      "2023001,<script>alert(1)</"
      "script>,11010519491231002X,\"quote\"\"double.jpg\"\n"
      "2023002,\"<img src=x "
      "onerror=alert(2)>\",,<script>alert(1)</script>.jpg\n"
      "2023003,\"a&b\"\"c'd\",,amp&lt;.jpg\n";
  static const char *formula =
      "student_id,name,id_number,file\n"
      "=1+2,=HYPERLINK(\"http://x/\"),,=cmd|' -C calc'!A0.jpg\n"
      "+1,+SUM(A1:A2),,+sum(1).jpg\n"
      "-1,-2+3,,-rf.jpg\n"
      "@1,@SUM(A1),,@import.jpg\n"
      "\"\t=1\",\"\r=2\",,tab\there.jpg\n";
  static const char *traversal =
      "student_id,name,id_number,file\n"
      "../../etc/x,trav,11010519491231002X,../../etc/x\n"
      "/etc/passwd,abs,,/etc/passwd\n"
      "..,dots,,..\n"
      "a/../../b,mid,,a/../../b.jpg\n"
      "\"x\ny\",nl,,\"new\nline.jpg\"\n";
  emit("roster_html.csv", html, strlen(html), "fail");
  emit("roster_formula.csv", formula, strlen(formula), "fail");
  emit("roster_traversal.csv", traversal, strlen(traversal), "fail");
}

int main(int argc, char **argv) {
  char path[4096];
  bytes good = {0};
  if (argc != 3) {
    fprintf(stderr, "usage: mkhostile OUTDIR GOOD.jpg\n");
    return 2;
  }
  outdir = argv[1];
  snprintf(path, sizeof path, "%s/MANIFEST", outdir);
  if (!(manifest = fopen(path, "w"))) die(path);
  /* Bombs: refused by the pixel limit, or decoded within it. */
  flat_jpeg("bomb_jpeg_20000x20000_flat.jpg", 20000, 20000, "fail");
  flat_jpeg("jpeg_8000x8000_flat.jpg", 8000, 8000, "any");
  declared_only("jpeg_decl_65535x65535.jpg", 0xC0, 65535, 65535);
  declared_only("jpeg_decl_65535x65535_progressive.jpg", 0xC2, 65535, 65535);
  declared_only("jpeg_decl_1x65535.jpg", 0xC0, 1, 65535);
  declared_only("jpeg_decl_0x0.jpg", 0xC0, 0, 0);
  png_file("bomb_png_30000x30000_zeros.png", 30000, 30000, 1,
           PNG_COLOR_TYPE_GRAY, 0, "fail");
  png_file("png_9000x9000_zeros.png", 9000, 9000, 1, PNG_COLOR_TYPE_GRAY, 0,
           "any");
  png_file("png_small_rgb.png", 60, 80, 8, PNG_COLOR_TYPE_RGB, 0, "any");
  png_file("png_small_interlaced.png", 60, 80, 8, PNG_COLOR_TYPE_RGB, 1, "any");
  png_file("png_small_rgba.png", 60, 80, 8, PNG_COLOR_TYPE_RGBA, 0, "any");
  png_file("png_small_gray16.png", 60, 80, 16, PNG_COLOR_TYPE_GRAY, 0, "any");
  png_file("png_small_palette.png", 60, 80, 1, PNG_COLOR_TYPE_PALETTE, 0,
           "any");
  /* Scans: under and over the default limit of 500. */
  many_scans("progressive_400_scans.jpg", 64, 64, 400, "any");
  many_scans("progressive_5000_scans.jpg", 64, 64, 5000, "fail");
  many_scans("progressive_3000_scans_512.jpg", 512, 512, 3000, "fail");
  small_jpeg("small_baseline.jpg", 3, 0, NULL, 0, "any");
  small_jpeg("small_progressive.jpg", 3, 1, NULL, 0, "any");
  small_jpeg("small_gray.jpg", 1, 0, NULL, 0, "any");
  exif_cases();
  read_file(argv[2], &good);
  emit("good_copy.jpg", good.p, good.n, "any");
  truncations(&good);
  png_lies();
  names(&good);
  special_files();
  rosters();
  if (fclose(manifest)) die("MANIFEST");
  free(good.p);
  printf("mkhostile: %d files in %s\n", nfiles, outdir);
  return 0;
}

/* photofix: turn an ordinary portrait into the profile's photo.
 *
 *   decode (DCT-scaled) -> EXIF orientation -> face, eyes, head measures ->
 *   geometry (geometry.c) -> warp to the output size (resample.c) ->
 *   segmentation and composite (segment.c, matte.c) -> JPEG with the
 *   quality searched for the KB range -> photocheck of the result.
 *
 * Every refusal is a result with a stable reason id, not an error: errors
 * are kept for the machine (out of memory, bad arguments). */
#include "fix_priv.h"

#include "analyze.h"
#include "face.h"
#include "segment.h"

#include <math.h>
#include <png.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FACES 8
#define DETECT_SIDE 360 /* short side of the plane faces are searched in */
#define MAX_ENCODES 6
#define MAX_ATTEMPTS 3 /* placements tried against the check */
#define SEG_WORK 400   /* working resolution of the graph cut */

struct pst_fix_opts {
  pst_rgb bg;
  int has_bg, keep_bg, has_face, threads;
  pst_rect face;
};

struct pst_fix_result {
  int ok, made;
  const char *reason_id; /* static, or points into reason_buf */
  char reason_buf[48];
  uint8_t *jpeg;
  size_t jpeg_len;
  int quality;
  int busy; /* the wall beside the head was a room's (pst__matte.busy) */
  int has_crop;
  double crop[5]; /* x, y, w, h, angle */
  pst_rgb bg;
  uint8_t *mask_png;
  size_t mask_len;
  pst_report *check;
  pst_image *photo; /* the output pixels, for the print sheet */
};

/* ---- options ---- */

pst_fix_opts *pst_fix_opts_create(void) {
  pst_fix_opts *o = calloc(1, sizeof *o);
  if (o) o->threads = 1;
  return o;
}

pst_fix_opts *pst_fix_opts_copy(const pst_fix_opts *o) {
  pst_fix_opts *c;
  if (!o) return NULL;
  c = malloc(sizeof *c);
  if (c) *c = *o;
  return c;
}

void pst_fix_opts_destroy(pst_fix_opts *o) { free(o); }

pst_err pst_fix_opts_set_background(pst_fix_opts *o, pst_rgb bg) {
  if (!o) return PST_ERR_ARG;
  o->bg = bg;
  o->has_bg = 1;
  return PST_OK;
}

pst_err pst_fix_opts_set_keep_background(pst_fix_opts *o, int keep) {
  if (!o) return PST_ERR_ARG;
  o->keep_bg = keep != 0;
  return PST_OK;
}

pst_err pst_fix_opts_set_face(pst_fix_opts *o, pst_rect face) {
  if (!o) return PST_ERR_ARG;
  if (face.w <= 0 || face.h <= 0 || face.x < 0 || face.y < 0)
    return PST_ERR_RANGE;
  o->face = face;
  o->has_face = 1;
  return PST_OK;
}

pst_err pst_fix_opts_set_threads(pst_fix_opts *o, int threads) {
  if (!o) return PST_ERR_ARG;
  if (threads < 1 || threads > 16) return PST_ERR_RANGE;
  o->threads = threads;
  return PST_OK;
}

/* ---- reasons ---- */

/* A refusal in words, and what to do about it (NULL where the words say
 * it already). */
typedef struct reason {
  const char *id, *en, *zh, *hint_en, *hint_zh;
} reason;

static const reason REASONS[] = {
    {"input.unreadable", "the file cannot be read or decoded",
     "无法读取或解码该文件", "Check that the file is a photo and copy it again",
     "请确认这是一张照片，并重新复制该文件"},
    {"input.corrupt",
     "the file is damaged (cut short or corrupt data): copy it again from "
     "the original",
     "文件已损坏（被截断或数据出错），请从原始照片重新复制", NULL, NULL},
    {"input.format", "the file is not a JPEG or PNG image",
     "该文件不是 JPEG 或 PNG 图像",
     "Save the photo as JPEG or PNG (a phone camera does)",
     "请把照片保存为 JPEG 或 PNG 格式（手机拍的照片就是）"},
    {"face.none", "no face was found", "未检测到人脸",
     "Use a photo of one person looking into the camera, the whole face in "
     "the picture and well lit",
     "请使用单人、正对镜头、面部完整且光线充足的照片"},
    {"face.several", "more than one face is in the photo",
     "照片中有不止一张人脸",
     "Use a photo with nobody else in it, or crop the others out first",
     "请使用只有本人的照片，或先把其他人裁掉"},
    {"face.cut", "the face is cut off by the edge of the photo",
     "人脸被照片边缘截断",
     "Take the photo again with the whole head and some room around it in "
     "the picture",
     "请重拍，让整个头部连同周围的一些空间都在画面内"},
    {"face.small",
     "the face is too small: the photo would have to be enlarged more than "
     "1.5x",
     "人脸太小：照片需放大 1.5 倍以上",
     "Move closer to the camera, or use the original photo instead of a "
     "shrunk copy",
     "请靠近镜头重拍，或使用原始照片而不是缩小过的副本"},
    {"crop.fit",
     "the photo cannot hold the head and shoulders in the required framing",
     "照片容纳不下规定构图所需的头部和肩部",
     "Step back a little, so that the shoulders and some room above the "
     "head are in the picture",
     "请稍微后退，让肩膀和头顶上方的一些空间都在画面内"},
    /* Not a refusal: a caution on an output that passed. */
    {"background.busy",
     "the wall behind the person is not plain (a room, furniture or a "
     "pattern): the new background may keep bits of the old one or cut into "
     "the hair or shoulders",
     "人物身后不是素色墙面（房间、家具或图案）：换底后可能残留原背景，"
     "或缺失部分头发、肩膀",
     "Look at the edges of the result; a photo taken in front of a plain "
     "wall gives a clean cut",
     "请仔细查看结果的边缘；在素色墙前拍摄可得到干净的抠图"},
};

static const reason *reason_find(const char *id) {
  for (size_t i = 0; i < sizeof REASONS / sizeof *REASONS; i++)
    if (!strcmp(REASONS[i].id, id)) return &REASONS[i];
  return NULL;
}

static void refuse(pst_fix_result *r, const char *id) {
  r->ok = 0;
  r->reason_id = id;
}

/* ---- result accessors ---- */

void pst_fix_result_destroy(pst_fix_result *r) {
  if (!r) return;
  free(r->jpeg);
  free(r->mask_png);
  pst_report_destroy(r->check);
  pst_image_destroy(r->photo);
  free(r);
}

int pst_fix_ok(const pst_fix_result *r) { return r && r->ok; }

const char *pst_fix_reason_id(const pst_fix_result *r) {
  return r && !r->ok ? r->reason_id : NULL;
}

/* The finding of the check a refusal names, when photofix refused its own
 * output on it: its words and hint are the report's. */
static int reason_finding(const pst_fix_result *r, pst_lang lang,
                          pst_finding *f) {
  for (int i = 0; r->check && i < pst_report_count(r->check); i++)
    if (!pst_report_get(r->check, i, lang, f) && !strcmp(f->id, r->reason_id))
      return 1;
  return 0;
}

const char *pst_fix_reason(const pst_fix_result *r, pst_lang lang) {
  const reason *re;
  pst_finding f;
  if (!r || r->ok || !r->reason_id) return NULL;
  if (reason_finding(r, lang, &f)) return f.message;
  re = reason_find(r->reason_id);
  if (!re) return r->reason_id;
  return lang == PST_LANG_ZH ? re->zh : re->en;
}

const char *pst_fix_hint(const pst_fix_result *r, pst_lang lang) {
  const reason *re;
  pst_finding f;
  if (!r || r->ok || !r->reason_id) return NULL;
  if (reason_finding(r, lang, &f)) return *f.hint ? f.hint : NULL;
  re = reason_find(r->reason_id);
  if (!re) return NULL;
  return lang == PST_LANG_ZH ? re->hint_zh : re->hint_en;
}

const char *pst_fix_caution_id(const pst_fix_result *r) {
  return r && r->ok && r->busy ? "background.busy" : NULL;
}

/* The caution's words, from the same table as the refusals'. */
static const reason *caution_of(const pst_fix_result *r) {
  const char *id = pst_fix_caution_id(r);
  return id ? reason_find(id) : NULL;
}

const char *pst_fix_caution(const pst_fix_result *r, pst_lang lang) {
  const reason *re = caution_of(r);
  return re ? (lang == PST_LANG_ZH ? re->zh : re->en) : NULL;
}

const char *pst_fix_caution_hint(const pst_fix_result *r, pst_lang lang) {
  const reason *re = caution_of(r);
  return re ? (lang == PST_LANG_ZH ? re->hint_zh : re->hint_en) : NULL;
}

const uint8_t *pst_fix_jpeg(const pst_fix_result *r, size_t *len) {
  if (len) *len = 0;
  if (!r || !r->ok) return NULL;
  if (len) *len = r->jpeg_len;
  return r->jpeg;
}

pst_err pst_fix_crop(const pst_fix_result *r, double *x, double *y, double *w,
                     double *h, double *angle) {
  if (!r) return PST_ERR_ARG;
  if (!r->has_crop) return PST_ERR_NOTFOUND;
  if (x) *x = r->crop[0];
  if (y) *y = r->crop[1];
  if (w) *w = r->crop[2];
  if (h) *h = r->crop[3];
  if (angle) *angle = r->crop[4];
  return PST_OK;
}

int pst_fix_quality(const pst_fix_result *r) {
  return r && r->ok ? r->quality : -1;
}

pst_rgb pst_fix_background(const pst_fix_result *r) {
  pst_rgb none = {0, 0, 0};
  return r ? r->bg : none;
}

const uint8_t *pst_fix_mask_png(const pst_fix_result *r, size_t *len) {
  if (len) *len = 0;
  if (!r || !r->mask_png) return NULL;
  if (len) *len = r->mask_len;
  return r->mask_png;
}

const pst_report *pst_fix_check(const pst_fix_result *r) {
  return r ? r->check : NULL;
}

/* ---- decoding ---- */

/* The work of one fix: everything freed in fix_ctx_free. */
typedef struct fix_ctx {
  const uint8_t *buf;
  size_t len;
  const pst_limits *lim;
  const pst_profile *prof;
  const pst_fix_opts *opts;
  pst_fix_result *res;
  int full_w, full_h; /* the input after orientation, full resolution */
  int orientation, is_jpeg, denom;
  int corrupt; /* the decode saw truncation or corrupt data */
  int has_hdr; /* hdr holds the JPEG header (read once) */
  pst_info hdr;
  pst_image *img; /* decoded at 1/denom, oriented */
  double ratio;   /* img px per input px */
  pst_plane luma;
  pst__landmarks lm;
  pst_rect face_full; /* face box, input px */
  pst_rgb old_bg;     /* the photo's own background, estimated */
  pst__xform xf;
  pst_image *out;
  uint8_t *alpha; /* out_w*out_h, or NULL with --keep-bg */
  /* Exposure of the input face (L*), from the analysis; 0: unknown. */
  double eye_white, face_l, face_clipped;
  double gamma; /* applied to the output's sRGB values; 1: none */
  /* Output pixels the cut must take as wall (objects a first cut kept,
   * cut_out_objects), or NULL. */
  uint8_t *wall_seed;
} fix_ctx;

static void fix_ctx_free(fix_ctx *c) {
  pst_image_destroy(c->img);
  free(c->luma.data);
  pst_image_destroy(c->out);
  free(c->alpha);
  free(c->wall_seed);
}

/* Decode at 1/denom and orient; sets full_w/full_h and ratio. */
static pst_err decode_at(fix_ctx *c, int denom) {
  pst_info info;
  pst_image *img = NULL;
  pst_err err =
      pst_image_load_mem(c->buf, c->len, c->lim, denom, &img, &info, NULL);
  if (err) return err;
  /* A damaged file decodes with grey filler where data is missing: a fix
   * made from it would look fixed and be wrong. */
  if (info.truncated || info.corrupt_warnings) {
    pst_image_destroy(img);
    c->corrupt = 1;
    return PST_ERR_DECODE;
  }
  /* The decoder may not keep the EXIF block; the header reader does. */
  if (c->has_hdr) info.orientation = c->hdr.orientation;
  c->orientation = info.orientation;
  if (c->orientation != 1 && pst_image_orient(img, c->orientation) != PST_OK)
    c->orientation = 1;
  c->full_w = c->orientation >= 5 ? info.height : info.width;
  c->full_h = c->orientation >= 5 ? info.width : info.height;
  pst_image_destroy(c->img);
  c->img = img;
  c->denom = denom;
  c->ratio = (double)img->width / c->full_w;
  return PST_OK;
}

/* The first decode: the coarsest DCT scale whose short side still holds
 * the output's width, so a 12 MP photo is read at 1/4 and a 1350 px
 * studio portrait at 1/2. */
static int first_denom(fix_ctx *c) {
  int d = 1, side;
  if (!c->is_jpeg) return 1;
  memset(&c->hdr, 0, sizeof c->hdr);
  if (pst__jpeg_inspect(c->buf, c->len, c->lim, &c->hdr, NULL) != PST_OK)
    return 1;
  c->has_hdr = 1;
  side = PST_MIN(c->hdr.width, c->hdr.height);
  while (d < 8 && side / (d * 2) >= c->prof->width) d *= 2;
  return d;
}

/* ---- measuring the face ---- */

static double color_dist(const uint8_t *p, pst_rgb b) {
  double dr = p[0] - b.r, dg = p[1] - b.g, db = p[2] - b.b;
  return sqrt(dr * dr + dg * dg + db * db);
}

/* Mean colour of the photo's top corners: the wall behind the head. */
static pst_rgb corner_colour(const pst_image *img) {
  int bh = PST_MAX(img->height / 25, 1), bw = PST_MAX(img->width / 10, 1);
  double acc[3] = {0, 0, 0};
  long n = 0;
  pst_rgb out;
  for (int y = 0; y < bh; y++)
    for (int x = 0; x < img->width; x++) {
      const uint8_t *p;
      if (x >= bw && x < img->width - bw) continue;
      p = img->px + ((size_t)y * img->width + x) * 3;
      acc[0] += p[0], acc[1] += p[1], acc[2] += p[2], n++;
    }
  out.r = (uint8_t)(acc[0] / n + 0.5);
  out.g = (uint8_t)(acc[1] / n + 0.5);
  out.b = (uint8_t)(acc[2] / n + 0.5);
  return out;
}

/* A row of the band is "head" when enough of it differs from the wall. */
static int row_is_head(const pst_image *img, int y, int x0, int x1,
                       pst_rgb bg) {
  int hits = 0;
  for (int x = x0; x < x1; x++)
    hits += color_dist(img->px + ((size_t)y * img->width + x) * 3, bg) > 40;
  return hits * 6 >= x1 - x0;
}

/* Top of the hair: scan up from the eyes until three rows in a row look
 * like the wall; bounded by head proportions when the wall is unclear. */
static double crown_scan(const fix_ctx *c, double eye_y, double cx,
                         double box_h) {
  const pst_image *img = c->img;
  int x0 = PST_CLAMP((int)(cx - 0.25 * box_h), 0, img->width - 1);
  int x1 = PST_CLAMP((int)(cx + 0.25 * box_h), x0 + 1, img->width);
  double lo = eye_y - 1.3 * box_h, hi = eye_y - 0.5 * box_h;
  int run = 0, y;
  for (y = (int)hi; y >= 0; y--) {
    run = row_is_head(img, y, x0, x1, c->old_bg) ? 0 : run + 1;
    if (run == 3) break;
  }
  if (y < 0) return PST_MAX(lo, 0.0);
  return PST_CLAMP(y + 2.5, lo, hi);
}

/* Mean colour of row y over [x0, x1); 0 when the span is empty. */
static int row_mean(const pst_image *img, int y, int x0, int x1, double m[3]) {
  x0 = PST_MAX(x0, 0), x1 = PST_MIN(x1, img->width);
  m[0] = m[1] = m[2] = 0;
  if (x1 - x0 < 2) return 0;
  for (int x = x0; x < x1; x++) {
    const uint8_t *p = img->px + ((size_t)y * img->width + x) * 3;
    m[0] += p[0], m[1] += p[1], m[2] += p[2];
  }
  for (int k = 0; k < 3; k++) m[k] /= x1 - x0;
  return x1 - x0;
}

/* The wall of row y as seen just beside the head (both sides averaged). */
static int row_wall(const pst_image *img, int y, double cx, double fw,
                    double ref[3]) {
  double a[3], b[3];
  int na = row_mean(img, y, (int)(cx - 1.4 * fw), (int)(cx - 1.0 * fw), a);
  int nb = row_mean(img, y, (int)(cx + 1.0 * fw), (int)(cx + 1.4 * fw), b);
  if (na + nb == 0) return 0;
  for (int k = 0; k < 3; k++) ref[k] = (a[k] * na + b[k] * nb) / (na + nb);
  return 1;
}

/* Top of the hair against a wall that darkens towards the top (studio
 * vignetting): each row is compared with the wall beside the head on the
 * same row, not with the top corners, which would read the lighter wall
 * just above the head as hair. The hair is the run of rows that continues
 * without a gap down to the forehead. Returns -1 when the sides hold no
 * wall. Decoded px. */
static double crown_rowwise(const pst_image *img, double cx, double fw,
                            double end_y) {
  int x0 = PST_MAX(0, (int)(cx - 0.25 * fw));
  int x1 = PST_MIN(img->width, (int)(cx + 0.25 * fw));
  int end = PST_MIN((int)end_y, img->height - 1), cand = -1, run = 0, gap = 0;
  int gap_rows = PST_MAX(3, (int)(0.03 * fw));
  for (int y = 0; y < end; y++) {
    double ref[3];
    pst_rgb w;
    if (!row_wall(img, y, cx, fw, ref)) return -1;
    w.r = (uint8_t)ref[0], w.g = (uint8_t)ref[1], w.b = (uint8_t)ref[2];
    if (row_is_head(img, y, x0, x1, w)) {
      gap = 0;
      if (++run == 3 && cand < 0) cand = y - 2;
    } else {
      run = 0;
      if (++gap >= gap_rows) cand = -1;
    }
  }
  return cand < 0 ? -1 : cand;
}

/* The analysis reads the crown against the wall of the top corners; on a
 * vignetted studio wall (the London set) that puts it 0.5 to 1 eye
 * distances above the hair, which would frame the head too small and
 * tell the segmentation that wall is hair. The row-by-row reading is
 * preferred wherever the sides of the photo show wall. */
static double crown_of(const fix_ctx *c, const pst__analysis *an) {
  double ipd = hypot(an->eye[1].x - an->eye[0].x, an->eye[1].y - an->eye[0].y);
  double r =
      crown_rowwise(c->img, an->face_cx, an->face_width, an->eye_y - ipd);
  if (r < 0 || an->eye_y - r < 1.2 * ipd || an->eye_y - r > 3.0 * ipd)
    return an->crown;
  return r;
}

static pst_point to_full(const fix_ctx *c, pst_point p) {
  pst_point q = {(p.x + 0.5) / c->ratio - 0.5, (p.y + 0.5) / c->ratio - 0.5};
  return q;
}

static void set_face_full(fix_ctx *c, pst_rect b) {
  c->face_full.x = (int)lround(b.x / c->ratio);
  c->face_full.y = (int)lround(b.y / c->ratio);
  c->face_full.w = (int)lround(b.w / c->ratio);
  c->face_full.h = (int)lround(b.h / c->ratio);
}

static int touches_edge(const pst_image *img, pst_rect b, int edge) {
  return b.x <= edge || b.y <= edge || b.x + b.w >= img->width - edge ||
         b.y + b.h >= img->height - edge;
}

/* The analysis looks for faces of a useful size only; a face it missed
 * may still be there, too small. Tell the two apart for the reason. */
static const char *small_face(fix_ctx *c) {
  pst__face f;
  pst__detect_opts o = {0};
  double need;
  int n;
  if (pst__image_luma(c->img, &c->luma) != PST_OK) return "face.none";
  o.min_size = 20;
  /* The caller's thread budget (default 1: photobatch runs one image per
   * core), not the detector's default of 2. */
  o.threads =
      c->opts && c->opts->threads > 0 ? PST_MIN(c->opts->threads, 4) : 1;
  n = pst__detect_faces(&c->luma, &o, &f, 1);
  if (n <= 0) return "face.none";
  if (touches_edge(c->img, f.box, f.box.w / 8)) return "face.cut";
  need = c->prof->face_width.min * c->prof->width / (0.92 * f.box.w / c->ratio);
  return need > PST__MAX_UPSCALE ? "face.small" : "face.none";
}

/* The landmarks from the same analysis photocheck runs, so what the fix
 * aims at is what the check measures. */
static pst_err measure_auto(fix_ctx *c) {
  pst__analysis an;
  pst_err err = pst__analyze(c->img, &an);
  if (err) return err;
  if (an.nfaces == 0) return refuse(c->res, small_face(c)), PST_OK;
  if (an.nfaces > 1) return refuse(c->res, "face.several"), PST_OK;
  /* The detector's box stops short of the ears: a box within 1/8 of its
   * width from the edge means the side of the head is cut off. */
  if (touches_edge(c->img, an.face, an.face.w / 8))
    return refuse(c->res, "face.cut"), PST_OK;
  c->old_bg = corner_colour(c->img);
  c->lm.eye_l = to_full(c, an.eye[0]);
  c->lm.eye_r = to_full(c, an.eye[1]);
  c->lm.crown.x = c->lm.chin.x = (an.face_cx + 0.5) / c->ratio - 0.5;
  c->lm.crown.y = (crown_of(c, &an) + 0.5) / c->ratio - 0.5;
  c->lm.chin.y = (an.chin + 0.5) / c->ratio - 0.5;
  c->lm.face_w = an.face_width / c->ratio;
  c->lm.face_cx = (an.face_cx + 0.5) / c->ratio - 0.5;
  set_face_full(c, an.face);
  c->eye_white = an.eye_hi;
  c->face_l = an.face_lab[0];
  c->face_clipped = an.face_clipped;
  return PST_OK;
}

/* Eyes, crown, chin and face width from a face box the caller gave. */
static pst_err measure_given(fix_ctx *c) {
  pst__face face;
  pst__eyes eyes;
  pst_err err;
  double eye_y, cx, bh;
  memset(&face, 0, sizeof face);
  face.box.x = (int)lround(c->opts->face.x * c->ratio);
  face.box.y = (int)lround(c->opts->face.y * c->ratio);
  face.box.w = PST_MAX((int)lround(c->opts->face.w * c->ratio), 1);
  face.box.h = PST_MAX((int)lround(c->opts->face.h * c->ratio), 1);
  err = pst__image_luma(c->img, &c->luma);
  if (!err) err = pst__detect_eyes(&c->luma, &face, &eyes);
  if (err) return err;
  c->old_bg = corner_colour(c->img);
  eye_y = 0.5 * (eyes.left.y + eyes.right.y);
  cx = 0.5 * (eyes.left.x + eyes.right.x);
  bh = face.box.h;
  c->lm.eye_l = to_full(c, eyes.left);
  c->lm.eye_r = to_full(c, eyes.right);
  c->lm.crown.x = (cx + 0.5) / c->ratio - 0.5;
  c->lm.crown.y = (crown_scan(c, eye_y, cx, bh) + 0.5) / c->ratio - 0.5;
  c->lm.chin.x = c->lm.crown.x;
  c->lm.chin.y = (eye_y + 0.63 * bh + 0.5) / c->ratio - 0.5;
  c->lm.face_w = 0.92 * face.box.w / c->ratio;
  c->lm.face_cx = (cx + 0.5) / c->ratio - 0.5;
  set_face_full(c, face.box);
  return PST_OK;
}

static pst_err measure(fix_ctx *c) {
  return c->opts && c->opts->has_face ? measure_given(c) : measure_auto(c);
}

/* ---- geometry, resampling, background ---- */

static void set_crop(fix_ctx *c) {
  const pst__xform *x = &c->xf;
  pst_point ctr = pst__xform_apply(x, x->out_w / 2.0, x->out_h / 2.0);
  double w = x->out_w / x->s, h = x->out_h / x->s;
  c->res->has_crop = 1;
  c->res->crop[0] = ctr.x - w / 2;
  c->res->crop[1] = ctr.y - h / 2;
  c->res->crop[2] = w;
  c->res->crop[3] = h;
  /* theta turns the canvas clockwise on screen (y points down). */
  c->res->crop[4] = -x->theta * 180.0 / M_PI;
  if (fabs(c->res->crop[4]) < 1e-9) c->res->crop[4] = 0;
}

static pst_err solve(fix_ctx *c) {
  pst__geo_status st =
      pst__geometry_solve(&c->lm, c->prof, c->prof->width, c->prof->height,
                          c->full_w, c->full_h, &c->xf);
  if (st == PST__GEO_SMALL) refuse(c->res, "face.small");
  if (st == PST__GEO_FIT) refuse(c->res, "crop.fit");
  if (st != PST__GEO_OK) return PST_OK;
  c->xf.top_fill = 1;
  c->xf.top_rgb = c->old_bg;
  set_crop(c);
  return PST_OK;
}

/* When the first decode is coarser than the output needs (the canvas would
 * be enlarged from it), decode again at the finest scale that is not. */
static pst_err refine_decode(fix_ctx *c) {
  int d = c->denom;
  if (!c->is_jpeg || c->ratio / c->xf.s >= 1.0) return PST_OK;
  while (d > 1 && (1.0 / d) / c->xf.s < 1.0) d /= 2;
  if (d == c->denom) return PST_OK;
  return decode_at(c, d);
}

static pst_point to_out(const fix_ctx *c, pst_point p) {
  return pst__xform_inverse(&c->xf, p);
}

static pst_err segment(fix_ctx *c) {
  pst__seg_input in;
  pst__matte m = {0};
  pst_point e0 = to_out(c, c->lm.eye_l), e1 = to_out(c, c->lm.eye_r);
  pst_point cr = to_out(c, c->lm.crown);
  pst_point fc = {c->face_full.x + c->face_full.w / 2.0,
                  c->face_full.y + c->face_full.h / 2.0};
  double fw = c->face_full.w * c->xf.s, fh = c->face_full.h * c->xf.s;
  pst_err err;
  fc = to_out(c, fc);
  memset(&in, 0, sizeof in);
  in.img = c->out;
  in.face.x = (int)lround(fc.x - fw / 2),
  in.face.y = (int)lround(fc.y - fh / 2);
  in.face.w = (int)lround(fw), in.face.h = (int)lround(fh);
  in.eye_l = e0, in.eye_r = e1;
  in.crown_y = cr.y;
  in.work_max = SEG_WORK;
  in.out_w = c->out->width, in.out_h = c->out->height;
  in.wall_seed = c->wall_seed;
  /* Past the photo the silhouette is continued as the cloth is. */
  pst__real_area(&c->xf, &in.real_x0, &in.real_x1, &in.real_h);
  err = pst__segment(&in, &m);
  if (err) return err;
  c->alpha = m.alpha;
  c->res->busy = m.busy > 0;
  return PST_OK;
}

/* The person from `shown` (c->out, or c->out with the cloth below the photo
 * made up differently) over the new wall, cut on c->out. */
static pst_err replace_background(fix_ctx *c, const pst_image *shown) {
  pst__matte m;
  pst_image *comp = NULL;
  pst_err err = segment(c);
  if (err) return err;
  m.w = c->out->width, m.h = c->out->height, m.alpha = c->alpha;
  err = pst__composite(shown, &m, c->res->bg, &comp);
  if (err) return err;
  pst_image_destroy(c->out);
  c->out = comp;
  return PST_OK;
}

/* ---- exposure ---- */

/* sRGB value (0..1) of a grey of lightness L*. */
static double lstar_to_srgb(double l) {
  double y = l > 8 ? pow((l + 16) / 116, 3) : l / 903.3;
  return pst__linear_to_srgb(y);
}

static double srgb_to_lstar(double v) {
  double y = pst__srgb_to_linear(v);
  return y > 0.008856 ? 116 * cbrt(y) - 16 : 903.3 * y;
}

/* The gamma that moves lightness `from` to `to` (both L*). */
static double gamma_between(double from, double to) {
  double a = lstar_to_srgb(PST_CLAMP(from, 1.0, 99.0));
  double b = lstar_to_srgb(PST_CLAMP(to, 1.0, 99.0));
  return log(b) / log(a);
}

#define GAMMA_MIN 0.5 /* at most about 2.3x brighter mid-tones */
#define GAMMA_MAX 1.8

/* A gentle global gamma for a face that is merely under- or over-exposed
 * (face.exposure measures the whites of the eyes and the face core): a
 * power curve keeps black and white where they are, so nothing clips, and
 * it cannot bring back a face that is already clipped. */
static double exposure_gamma(const fix_ctx *c) {
  const pst_profile *p = c->prof;
  double g = 1, lo = p->face_lightness.min, hi = p->face_lightness.max;
  if (c->face_l <= 0) return 1;
  if (p->min_eye_white > 0 && c->eye_white > 0 &&
      c->eye_white < p->min_eye_white + 8)
    g = PST_MIN(g, gamma_between(c->eye_white, p->min_eye_white + 16));
  if (hi > 0 && c->face_l < lo + 6)
    g = PST_MIN(g, gamma_between(c->face_l, lo + 14));
  if (g < 1 && hi > 0) {
    /* Brighten no further than keeps the face core well below the top. */
    double top = srgb_to_lstar(pow(lstar_to_srgb(c->face_l), g));
    if (top > hi - 8) g = gamma_between(c->face_l, hi - 8);
    return PST_CLAMP(g, GAMMA_MIN, 1.0);
  }
  if (hi > 0 && c->face_l > hi - 4 &&
      (p->face_max_clipped <= 0 || c->face_clipped < p->face_max_clipped))
    g = gamma_between(c->face_l, hi - 12);
  return PST_CLAMP(g, 1.0, GAMMA_MAX);
}

static void apply_gamma(pst_image *img, double g) {
  uint8_t lut[256];
  size_t n = (size_t)img->width * img->height * 3;
  if (fabs(g - 1) < 1e-3) return;
  for (int v = 0; v < 256; v++)
    lut[v] = (uint8_t)lround(255 * pow(v / 255.0, g));
  for (size_t i = 0; i < n; i++) img->px[i] = lut[img->px[i]];
}

/* The output as shown: a copy of c->out with the canvas past the photo
 * made up for the eye (pst__warp_made_up), or NULL when the canvas stays
 * inside the photo. */
static pst_err shown_copy(fix_ctx *c, pst_image **shown) {
  int x0, x1, y1;
  pst_err err;
  *shown = NULL;
  pst__real_area(&c->xf, &x0, &x1, &y1);
  if (x0 == 0 && x1 == c->out->width && y1 == c->out->height) return PST_OK;
  if ((err = pst__image_alloc(c->out->width, c->out->height, shown)))
    return err;
  memcpy((*shown)->px, c->out->px, (size_t)c->out->width * c->out->height * 3);
  return pst__warp_made_up(c->img, c->ratio, &c->xf, *shown);
}

static pst_err render(fix_ctx *c) {
  pst_image *shown = NULL;
  pst_err err = refine_decode(c);
  if (!err) err = pst__warp_rgb(c->img, c->ratio, &c->xf, &c->out);
  if (!err) err = shown_copy(c, &shown);
  if (err) goto out;
  apply_gamma(c->out, c->gamma);
  if (shown) apply_gamma(shown, c->gamma);
  if (c->opts && c->opts->keep_bg) {
    if (shown) {
      pst_image_destroy(c->out);
      c->out = shown, shown = NULL;
    }
    c->res->bg = corner_colour(c->out);
    goto out;
  }
  c->res->bg = c->opts && c->opts->has_bg ? c->opts->bg : c->prof->bg_rgb;
  err = replace_background(c, shown ? shown : c->out);
out:
  pst_image_destroy(shown);
  return err;
}

/* ---- encoding ---- */

static pst_err encode(const pst_image *img, int q, uint8_t **out, size_t *len) {
  pst_jpeg_opts jo = {q, 300, 0, 0};
  return pst_image_encode_jpeg(img, &jo, out, len);
}

/* The quality search for the KB range: the file's size grows about
 * exponentially with the quality, its logarithm by about SIZE_PER_Q a step
 * between 75 and 95 (median 0.042, 10th-90th percentile 0.027-0.092, over
 * the 96 London/Canada outputs, the snapshots and a seventh of the quality
 * set). The first encode is at START_Q. */
#define SIZE_PER_Q 0.045
#define START_Q 90

/* The file lands in the target KB range in at most MAX_ENCODES encodes,
 * nearly always one or two: from the first size, the quality is predicted
 * for the middle of the range (the geometric mean of its ends) with
 * SIZE_PER_Q; once encodes on both sides of the range are known, by
 * interpolating the logarithm of the size between the nearest of them.
 * Every guess stays strictly between the qualities known to be too small
 * and too large, so the search ends (bisection on the same calibration set
 * took 1.8 encodes on average and up to 4; this 1.3 and at most 2). The
 * search keeps the best in-range file and otherwise the smallest file above
 * the range (a smaller one would fail file.size). Nothing is ever padded: if
 * even the top quality stays below the range, the check reports it. */
static pst_err encode_search(fix_ctx *c) {
  double lo_b = c->prof->target_kb_min * 1024,
         hi_b = c->prof->target_kb_max * 1024, aim;
  int lo = PST_MAX(c->prof->min_quality, 30), hi = 100, q = START_Q;
  int q_small = -1, q_large = -1;
  double len_small = 0, len_large = 0;
  pst_fix_result *r = c->res;
  if (hi_b <= 0) hi_b = 1e12;
  aim =
      hi_b < 1e12 ? sqrt(PST_MAX(lo_b, 1.0) * hi_b) : PST_MAX(lo_b, 1.0) * 1.1;
  for (int i = 0; i < MAX_ENCODES && lo <= hi; i++) {
    uint8_t *buf = NULL;
    size_t len;
    int better;
    double next;
    pst_err err = encode(c->out, q, &buf, &len);
    if (err) return err;
    better = !r->jpeg || (len >= lo_b && len <= hi_b) ||
             ((r->jpeg_len < lo_b || r->jpeg_len > hi_b) &&
              (len >= lo_b ? r->jpeg_len < lo_b || len < r->jpeg_len
                           : r->jpeg_len < lo_b && len > r->jpeg_len));
    if (better && !(r->jpeg && r->jpeg_len >= lo_b && r->jpeg_len <= hi_b &&
                    len >= lo_b && len <= hi_b && q < r->quality)) {
      pst_free(r->jpeg);
      r->jpeg = buf, r->jpeg_len = len, r->quality = q;
    } else {
      pst_free(buf);
    }
    if (len >= lo_b && len <= hi_b) break;
    if (len < lo_b)
      lo = q + 1, q_small = q, len_small = (double)len;
    else
      hi = q - 1, q_large = q, len_large = (double)len;
    if (q_small >= 0 && q_large >= 0 && len_large > len_small)
      next = q_small + (q_large - q_small) * log(aim / len_small) /
                           log(len_large / len_small);
    else
      next = q + log(aim / PST_MAX((double)len, 1.0)) / SIZE_PER_Q;
    q = PST_CLAMP((int)lrint(next), lo, hi);
  }
  return PST_OK;
}

typedef struct pngw {
  jmp_buf jb;
  uint8_t *data;
  size_t len, cap;
  int oom;
} pngw;

static void png_on_error(png_structp png, png_const_charp msg) {
  PST_UNUSED(msg);
  longjmp(((pngw *)png_get_error_ptr(png))->jb, 1);
}

static void png_on_warning(png_structp png, png_const_charp msg) {
  PST_UNUSED(png);
  PST_UNUSED(msg);
}

static void png_on_write(png_structp png, png_bytep data, size_t n) {
  pngw *w = (pngw *)png_get_io_ptr(png);
  if (w->len + n > w->cap) {
    size_t cap = PST_MAX(w->cap * 2, w->len + n + 4096);
    uint8_t *d = realloc(w->data, cap);
    if (!d) {
      w->oom = 1;
      png_error(png, "out of memory");
    }
    w->data = d, w->cap = cap;
  }
  memcpy(w->data + w->len, data, n);
  w->len += n;
}

static void png_on_flush(png_structp png) { PST_UNUSED(png); }

/* The matte as an 8-bit grey PNG in memory. */
static pst_err mask_png(const uint8_t *alpha, int w, int h, uint8_t **out,
                        size_t *len) {
  pngw wr;
  png_structp png = NULL;
  png_infop info = NULL;
  volatile pst_err err = PST_ERR_NOMEM;
  memset(&wr, 0, sizeof wr);
  *out = NULL;
  png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &wr, png_on_error,
                                png_on_warning);
  if (!png || !(info = png_create_info_struct(png))) goto out;
  if (setjmp(wr.jb)) goto out;
  png_set_write_fn(png, &wr, png_on_write, png_on_flush);
  /* Made for every output whether asked for or not: a matte is long runs
   * of 0 and 255, which fast deflate without row filters packs well. */
  png_set_filter(png, PNG_FILTER_TYPE_BASE, PNG_FILTER_NONE);
  png_set_compression_level(png, 1);
  png_set_IHDR(png, info, (png_uint_32)w, (png_uint_32)h, 8,
               PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  for (int y = 0; y < h; y++)
    png_write_row(png, (png_const_bytep)(alpha + (size_t)y * w));
  png_write_end(png, NULL);
  *out = wr.data, *len = wr.len;
  wr.data = NULL;
  err = PST_OK;
out:
  png_destroy_write_struct(png ? &png : NULL, info ? &info : NULL);
  free(wr.data);
  return err;
}

/* The first failed error check becomes the reason when the output made
 * does not pass; its words and hint stay in the report (reason_finding). */
static void reason_from_check(pst_fix_result *r) {
  for (int i = 0; i < pst_report_count(r->check); i++) {
    pst_finding f;
    if (pst_report_get(r->check, i, PST_LANG_EN, &f) || f.status != PST_FAIL ||
        !f.severity_error)
      continue;
    snprintf(r->reason_buf, sizeof r->reason_buf, "%s", f.id);
    r->reason_id = r->reason_buf;
    return;
  }
  r->reason_id = "check.fail";
}

static pst_err finish(fix_ctx *c) {
  pst_fix_result *r = c->res;
  pst_err err = encode_search(c);
  if (err) return err;
  if (c->alpha)
    err = mask_png(c->alpha, c->out->width, c->out->height, &r->mask_png,
                   &r->mask_len);
  if (!err)
    err = pst_check_mem(r->jpeg, r->jpeg_len, "photofix.jpg", c->prof, c->lim,
                        &r->check);
  if (err) return err;
  r->made = 1;
  r->photo = c->out;
  c->out = NULL;
  r->ok = pst_report_pass(r->check, 0);
  if (!r->ok) reason_from_check(r);
  return PST_OK;
}

/* ---- closing the loop ---- */

/* Whether the check failed some error, and every error it failed is one
 * of the n ids. */
static int fails_only(const pst_report *rep, const char *const *ids, size_t n) {
  int any = 0;
  for (int i = 0; i < pst_report_count(rep); i++) {
    pst_finding f;
    int ok = 0;
    if (pst_report_get(rep, i, PST_LANG_EN, &f)) return 0;
    if (f.status != PST_FAIL || !f.severity_error) continue;
    for (size_t k = 0; k < n; k++) ok |= !strcmp(f.id, ids[k]);
    if (!ok) return 0;
    any = 1;
  }
  return any;
}

/* Whether a failed output may pass when made again with the measures the
 * check took: only the placement and the exposure can be corrected. */
static int retryable(const pst_report *rep) {
  static const char *const fixable[] = {"head.crown", "eyes.line", "face.width",
                                        "face.center", "face.exposure"};
  return fails_only(rep, fixable, sizeof fixable / sizeof *fixable);
}

/* Move input point p by d output px across the eye line. */
static void shift_down(const fix_ctx *c, pst_point *p, double d) {
  p->x += -sin(c->xf.theta) * d / c->xf.s;
  p->y += cos(c->xf.theta) * d / c->xf.s;
}

/* The check measured the output with its own code; where that differs
 * from what the landmarks predicted, the landmarks take the check's view,
 * so the next placement aims where the check will look. */
static void correct_one(fix_ctx *c, const pst_finding *f) {
  const pst__xform *x = &c->xf;
  pst_point fc = {c->lm.face_cx, 0.5 * (c->lm.eye_l.y + c->lm.eye_r.y)};
  if (!strcmp(f->id, "head.crown")) {
    shift_down(c, &c->lm.crown, f->value - to_out(c, c->lm.crown).y);
  } else if (!strcmp(f->id, "eyes.line")) {
    double d = f->value - x->ye;
    shift_down(c, &c->lm.eye_l, d);
    shift_down(c, &c->lm.eye_r, d);
  } else if (!strcmp(f->id, "face.width")) {
    c->lm.face_w = f->value / x->s;
  } else if (!strcmp(f->id, "face.center")) {
    c->lm.face_cx +=
        (f->value - to_out(c, fc).x) / (x->s * PST_MAX(cos(x->theta), 0.5));
  } else if (!strcmp(f->id, "face.exposure") && f->status == PST_FAIL) {
    int bright = c->prof->face_lightness.max > 0 &&
                 f->value > c->prof->face_lightness.max - 10;
    c->gamma =
        PST_CLAMP(c->gamma * (bright ? 1.25 : 0.8), GAMMA_MIN, GAMMA_MAX);
  }
}

static pst_err correct(fix_ctx *c) {
  const pst_report *rep = c->res->check;
  for (int i = 0; i < pst_report_count(rep); i++) {
    pst_finding f;
    if (pst_report_get(rep, i, PST_LANG_EN, &f)) return PST_ERR_NOMEM;
    if (f.has_value && f.status != PST_SKIP) correct_one(c, &f);
  }
  return PST_OK;
}

/* Forget the output of an attempt (the result goes back to empty). */
static void reset_attempt(fix_ctx *c) {
  pst_fix_result *r = c->res;
  pst_free(r->jpeg);
  free(r->mask_png);
  pst_report_destroy(r->check);
  pst_image_destroy(r->photo);
  r->jpeg = r->mask_png = NULL;
  r->check = NULL;
  r->photo = NULL;
  r->jpeg_len = r->mask_len = 0;
  r->reason_id = NULL;
  r->ok = r->made = 0;
  r->quality = -1;
  pst_image_destroy(c->out);
  free(c->alpha);
  c->out = NULL;
  c->alpha = NULL;
}

/* Place, render and check; when the check disagrees with the placement,
 * correct the landmarks by what it measured and try again (bounded). */
static pst_err render_once(fix_ctx *c) {
  pst_err err = solve(c);
  if (err || c->res->reason_id) return err;
  err = render(c);
  return err ? err : finish(c);
}

/* A correction that loses the face altogether (the check finds none in the
 * new rendering) explains less than the first attempt's failure: then the
 * first attempt is made again and its reason stands. */
static pst_err place_and_render(fix_ctx *c) {
  pst__landmarks first_lm = c->lm;
  double first_gamma = c->gamma;
  pst_err err = PST_OK;
  int i;
  for (i = 0;; i++) {
    err = render_once(c);
    if (err || c->res->ok || c->res->made == 0) return err;
    if (i + 1 >= MAX_ATTEMPTS || !retryable(c->res->check)) break;
    if ((err = correct(c))) return err;
    reset_attempt(c);
  }
  if (i > 0 && c->res->reason_id && !strcmp(c->res->reason_id, "face.count")) {
    reset_attempt(c);
    c->lm = first_lm;
    c->gamma = first_gamma;
    err = render_once(c);
  }
  return err;
}

/* A cut that kept a door, a shelf or a block of the old wall beside the
 * head fails background.uniform on the objects the check sees in the
 * output: cut once more with those seeded as wall, at the same placement
 * (the seeds are output pixels). Their colour then teaches the wall model,
 * and the cut takes the rest of them, inside the person prior too. When
 * that fails as well, the first cut and its reason stand. */
static pst_err cut_out_objects(fix_ctx *c) {
  static const char *const uniform[] = {"background.uniform"};
  pst__analysis an;
  pst_err err;
  if (c->res->ok || !c->res->made || !c->alpha || c->wall_seed ||
      c->prof->bg_max_objects <= 0 || !fails_only(c->res->check, uniform, 1))
    return PST_OK;
  if ((err = pst__analyze(c->res->photo, &an))) return err;
  if (!an.found || an.bg_objects <= c->prof->bg_max_objects) return PST_OK;
  if ((err = pst__analysis_objects(c->res->photo, &an, &c->wall_seed)))
    return err;
  reset_attempt(c);
  if ((err = render_once(c)) || c->res->ok) return err;
  free(c->wall_seed);
  c->wall_seed = NULL;
  reset_attempt(c);
  return render_once(c);
}

/* A passing photo whose canvas still runs below the input: with the
 * check's measures (a crown misread on the input leaves too much room
 * above the head) the placement may need less made-up cloth. Try once;
 * keep whichever passes with less extension. */
static pst_err less_extension(fix_ctx *c) {
  pst__landmarks keep = c->lm;
  double before = c->xf.over_bottom;
  pst__xform x;
  pst_err err;
  /* Wall seeds are output pixels of this placement. */
  if (!c->res->ok || before < 8 || c->wall_seed) return PST_OK;
  if ((err = correct(c))) return err;
  if (pst__geometry_solve(&c->lm, c->prof, c->prof->width, c->prof->height,
                          c->full_w, c->full_h, &x) != PST__GEO_OK ||
      x.over_bottom > before - 8) {
    c->lm = keep;
    return PST_OK;
  }
  reset_attempt(c);
  err = place_and_render(c);
  if (err || c->res->ok) return err;
  c->lm = keep;
  reset_attempt(c);
  return place_and_render(c);
}

/* ---- entry points ---- */

static pst_err run(fix_ctx *c) {
  pst_format f = pst_sniff(c->buf, c->len);
  pst_err err;
  if (f != PST_FMT_JPEG && f != PST_FMT_PNG)
    return refuse(c->res, c->len && f != PST_FMT_UNKNOWN && f != PST_FMT_EMPTY
                              ? "input.format"
                              : "input.unreadable"),
           PST_OK;
  c->is_jpeg = f == PST_FMT_JPEG;
  err = decode_at(c, first_denom(c));
  if (err == PST_ERR_NOMEM) return err;
  if (err)
    return refuse(c->res, c->corrupt ? "input.corrupt" : "input.unreadable"),
           PST_OK;
  err = measure(c);
  if (err || c->res->reason_id) return err;
  free(c->luma.data);
  c->luma.data = NULL;
  c->gamma = exposure_gamma(c);
  err = place_and_render(c);
  if (!err) err = cut_out_objects(c);
  return err ? err : less_extension(c);
}

pst_err pst_fix_mem(const void *buf, size_t len, const char *name,
                    const pst_profile *prof, const pst_limits *lim,
                    const pst_fix_opts *opts, pst_fix_result **out) {
  pst_profile *dflt = NULL;
  fix_ctx c;
  pst_err err;
  PST_UNUSED(name);
  if (!out) return PST_ERR_ARG;
  *out = NULL;
  if (!buf && len) return PST_ERR_ARG;
  if (!prof) {
    if ((err = pst_profile_builtin("chsi", &dflt))) return err;
    prof = dflt;
  }
  memset(&c, 0, sizeof c);
  c.buf = buf, c.len = len, c.prof = prof, c.opts = opts;
  c.lim = lim ? lim : pst__limits_default();
  c.res = calloc(1, sizeof *c.res);
  if (!c.res) {
    err = PST_ERR_NOMEM;
    goto out;
  }
  c.res->quality = -1;
  err = run(&c);
  if (err) {
    pst_fix_result_destroy(c.res);
    c.res = NULL;
    goto out;
  }
  *out = c.res;
out:
  fix_ctx_free(&c);
  pst_profile_destroy(dflt);
  return err;
}

pst_err pst_fix_file(const char *path, const pst_profile *prof,
                     const pst_limits *lim, const pst_fix_opts *opts,
                     pst_fix_result **out) {
  const pst_limits *l = lim ? lim : pst__limits_default();
  uint8_t *buf = NULL;
  size_t len = 0;
  pst_err err;
  if (!out) return PST_ERR_ARG;
  *out = NULL;
  if (!path) return PST_ERR_ARG;
  err = pst__read_file(path, l->max_file_bytes, &buf, &len, NULL);
  if (err == PST_ERR_NOMEM) return err;
  if (err) {
    pst_fix_result *r = calloc(1, sizeof *r);
    if (!r) return PST_ERR_NOMEM;
    r->quality = -1;
    refuse(r, "input.unreadable");
    *out = r;
    return PST_OK;
  }
  err = pst_fix_mem(buf, len, path, prof, lim, opts, out);
  free(buf);
  return err;
}

/* ---- JSON and the print sheet ---- */

pst_err pst_fix_json(const pst_fix_result *r, const char *input,
                     const char *output, pst_lang lang, char **out) {
  pst_buf b;
  char hex[8];
  if (!r || !out) return PST_ERR_ARG;
  *out = NULL;
  pst__buf_init(&b);
  pst__buf_puts(&b, "{\"file\":");
  pst__buf_json_str(&b, input ? input : "-");
  pst__buf_puts(&b, ",\"output\":");
  if (output && r->ok)
    pst__buf_json_str(&b, output);
  else
    pst__buf_puts(&b, "null");
  pst__buf_printf(&b, ",\"ok\":%s", r->ok ? "true" : "false");
  if (!r->ok) {
    pst__buf_puts(&b, ",\"reason\":");
    pst__buf_json_str(&b, r->reason_id);
    pst__buf_puts(&b, ",\"message\":");
    pst__buf_json_str(&b, pst_fix_reason(r, lang));
    if (pst_fix_hint(r, lang)) {
      pst__buf_puts(&b, ",\"hint\":");
      pst__buf_json_str(&b, pst_fix_hint(r, lang));
    }
  }
  if (r->has_crop) {
    const char *k[5] = {"x", "y", "w", "h", "angle"};
    pst__buf_puts(&b, ",\"crop\":{");
    for (int i = 0; i < 5; i++) {
      pst__buf_printf(&b, "%s\"%s\":", i ? "," : "", k[i]);
      pst__buf_json_num(&b, round(r->crop[i] * 10) / 10);
    }
    pst__buf_puts(&b, "}");
  }
  if (r->made) {
    snprintf(hex, sizeof hex, "#%02X%02X%02X", r->bg.r, r->bg.g, r->bg.b);
    pst__buf_printf(&b, ",\"background\":\"%s\",\"quality\":%d,\"bytes\":%zu",
                    hex, r->quality, r->jpeg_len);
  }
  if (r->check) {
    char *cj = NULL;
    if (pst_report_json(r->check, lang, &cj) != PST_OK) b.oom = 1;
    pst__buf_puts(&b, ",\"check\":");
    pst__buf_puts(&b, cj ? cj : "null");
    pst_free(cj);
  }
  if (pst_fix_caution_id(r)) {
    pst__buf_puts(&b, ",\"caution\":{\"id\":");
    pst__buf_json_str(&b, pst_fix_caution_id(r));
    pst__buf_puts(&b, ",\"message\":");
    pst__buf_json_str(&b, pst_fix_caution(r, lang));
    pst__buf_puts(&b, ",\"hint\":");
    pst__buf_json_str(&b, pst_fix_caution_hint(r, lang));
    pst__buf_puts(&b, "}");
  }
  pst__buf_puts(&b, "}");
  if (b.oom) {
    pst__buf_free(&b);
    return PST_ERR_NOMEM;
  }
  *out = b.data;
  return PST_OK;
}

pst_err pst_fix_sheet(const pst_fix_result *r, uint8_t **jpeg, size_t *len) {
  pst_image *sheet = NULL;
  pst_jpeg_opts jo = {92, 300, 0, 0};
  pst_err err;
  if (!jpeg || !len) return PST_ERR_ARG;
  *jpeg = NULL, *len = 0;
  if (!r || !r->photo) return PST_ERR_ARG;
  err = pst__sheet_render(r->photo, &sheet);
  if (!err) err = pst_image_encode_jpeg(sheet, &jo, jpeg, len);
  pst_image_destroy(sheet);
  return err;
}

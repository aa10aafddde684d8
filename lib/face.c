/* Viola-Jones face detection with OpenCV's trained Haar cascades.
 *
 * The image is resampled into a pyramid and the cascade's window stays at
 * its training size, so every feature rectangle keeps integer corners (as
 * OpenCV 3+ does). Feature sums are normalised by the window's standard
 * deviation times its area, measured on the window shrunk by one pixel on
 * each side, which is what the cascades were trained with. */
#include "face.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
/* Four windows of a row share each tree evaluation (see batch_cascade). */
#define FACE_SIMD 1
#endif

#if defined(__GNUC__)
#define FACE_INLINE static inline __attribute__((always_inline))
#else
#define FACE_INLINE static inline
#endif

/* Raw hits are capped so a pathological image cannot grow memory without
 * bound; a portrait yields a few hundred. */
#define MAX_HITS 200000
/* Pyramid levels larger than this are not built (work bound for any input;
 * also keeps 32-bit integral sums from overflowing). */
#define MAX_LEVEL_PIXELS (4096L * 4096L)
/* Windows with less grey-level spread than this are not faces. */
#define MIN_STDDEV 4.0

pst_err pst__integral_build(const pst_plane *p, pst__integral *out) {
  size_t stride, n;
  memset(out, 0, sizeof *out);
  if (!p || !p->data || p->width <= 0 || p->height <= 0) return PST_ERR_ARG;
  if ((long)p->width * p->height > MAX_LEVEL_PIXELS) return PST_ERR_LIMIT;
  stride = (size_t)p->width + 1;
  n = stride * ((size_t)p->height + 1);
  out->sum = calloc(n, sizeof *out->sum);
  out->sqsum = calloc(n, sizeof *out->sqsum);
  if (!out->sum || !out->sqsum) {
    pst__integral_free(out);
    return PST_ERR_NOMEM;
  }
  out->w = p->width;
  out->h = p->height;
  out->stride = (int)stride;
  for (int y = 0; y < p->height; y++) {
    const uint8_t *row = p->data + (size_t)y * p->stride;
    uint32_t rs = 0;
    uint64_t rq = 0;
    uint32_t *s = out->sum + (size_t)(y + 1) * stride + 1;
    uint64_t *q = out->sqsum + (size_t)(y + 1) * stride + 1;
    for (int x = 0; x < p->width; x++) {
      rs += row[x];
      rq += (uint64_t)row[x] * row[x];
      s[x] = s[x - (long)stride] + rs;
      q[x] = q[x - (long)stride] + rq;
    }
  }
  return PST_OK;
}

void pst__integral_free(pst__integral *ii) {
  if (!ii) return;
  free(ii->sum);
  free(ii->sqsum);
  ii->sum = NULL;
  ii->sqsum = NULL;
}

uint64_t pst__integral_rect(const pst__integral *ii, int x, int y, int w,
                            int h) {
  size_t s = (size_t)ii->stride;
  size_t a = (size_t)y * s + (size_t)x, b = a + (size_t)w;
  size_t c = a + (size_t)h * s, d = c + (size_t)w;
  return (uint32_t)(ii->sum[d] - ii->sum[b] - ii->sum[c] + ii->sum[a]);
}

/* Source column (or row) and 8-bit weight of each destination pixel of a
 * bilinear resample from n to dn samples: pixel centres aligned. */
static void resize_taps(int n, int dn, int32_t *i0, int32_t *wt) {
  double f = (double)n / dn;
  for (int i = 0; i < dn; i++) {
    double s = PST_CLAMP((i + 0.5) * f - 0.5, 0.0, n - 1.0), u;
    i0[i] = (int32_t)s;
    /* lround of u >= 0 without the libm call: u - (int)u is exact. */
    u = (s - i0[i]) * 256.0;
    wt[i] = (int32_t)u + (u - (int32_t)u >= 0.5);
    if (wt[i] == 256) i0[i]++, wt[i] = 0;
  }
}

/* Output rows are written 8 pixels at a time: up to 7 bytes past the end
 * of a row (the next row overwrites them; the buffer needs this much more
 * after its last row). */
#define RESIZE_PAD 8

/* int32 entries resize_into needs in `tab` for a dw x dh resample of a
 * source sw pixels wide. */
static size_t resize_tab_len(int dw, int dh, int sw) {
  return 2 * ((size_t)dw + RESIZE_PAD + (size_t)dh) + (size_t)sw / 2 + 8;
}

/* One source row pair blended along y: v[x] = r0[x] * a + r1[x] * b
 * (a + b = 256, so v <= 255 * 256 fits 16 bits), v[n] = v[n - 1]. */
static void blend_rows(const uint8_t *r0, const uint8_t *r1, int a, int b,
                       int n, uint16_t *v) {
  int x = 0;
#ifdef FACE_SIMD
  __m128i z = _mm_setzero_si128(), va = _mm_set1_epi16((short)a),
          vb = _mm_set1_epi16((short)b);
  for (; x + 16 <= n; x += 16) {
    __m128i p = _mm_loadu_si128((const __m128i *)(const void *)(r0 + x));
    __m128i q = _mm_loadu_si128((const __m128i *)(const void *)(r1 + x));
    __m128i lo = _mm_add_epi16(_mm_mullo_epi16(_mm_unpacklo_epi8(p, z), va),
                               _mm_mullo_epi16(_mm_unpacklo_epi8(q, z), vb));
    __m128i hi = _mm_add_epi16(_mm_mullo_epi16(_mm_unpackhi_epi8(p, z), va),
                               _mm_mullo_epi16(_mm_unpackhi_epi8(q, z), vb));
    _mm_storeu_si128((__m128i *)(void *)(v + x), lo);
    _mm_storeu_si128((__m128i *)(void *)(v + x + 8), hi);
  }
  if (x + 8 <= n) {
    __m128i p = _mm_loadl_epi64((const __m128i *)(const void *)(r0 + x));
    __m128i q = _mm_loadl_epi64((const __m128i *)(const void *)(r1 + x));
    __m128i lo = _mm_add_epi16(_mm_mullo_epi16(_mm_unpacklo_epi8(p, z), va),
                               _mm_mullo_epi16(_mm_unpacklo_epi8(q, z), vb));
    _mm_storeu_si128((__m128i *)(void *)(v + x), lo);
    x += 8;
  }
#endif
  for (; x < n; x++) v[x] = (uint16_t)(r0[x] * a + r1[x] * b);
  v[n] = v[n - 1];
}

/* Row y of the resample along x from the blended row v: the same integer
 * r0[i]*(256-wx)*a + ... as blending after filtering, so the result does
 * not depend on the order. wp[x] = (256 - wx) | wx << 16; with SIMD, x0
 * and wp run on to a multiple of 8 (padding taps 0) and so does o. */
static void filter_row(const uint16_t *v, const int32_t *x0, const int32_t *wp,
                       int dw, uint8_t *o) {
  int x = 0;
#ifdef FACE_SIMD
  /* pmaddwd is signed: v - 32768 fits, and the weights sum to 256, so the
   * offset comes back as 32768 * 256. */
  const __m128i flip = _mm_set1_epi16((short)0x8000),
                bias = _mm_set1_epi32((1 << 23) + (1 << 15));
  for (; x < dw; x += 8) {
    __m128i g[2];
    for (int h = 0; h < 2; h++) {
      const int32_t *i = x0 + x + 4 * h;
      uint32_t e0, e1, e2, e3;
      memcpy(&e0, v + i[0], 4);
      memcpy(&e1, v + i[1], 4);
      memcpy(&e2, v + i[2], 4);
      memcpy(&e3, v + i[3], 4);
      __m128i p =
          _mm_unpacklo_epi64(_mm_unpacklo_epi32(_mm_cvtsi32_si128((int)e0),
                                                _mm_cvtsi32_si128((int)e1)),
                             _mm_unpacklo_epi32(_mm_cvtsi32_si128((int)e2),
                                                _mm_cvtsi32_si128((int)e3)));
      __m128i w =
          _mm_loadu_si128((const __m128i *)(const void *)(wp + x + 4 * h));
      g[h] = _mm_srli_epi32(
          _mm_add_epi32(_mm_madd_epi16(_mm_xor_si128(p, flip), w), bias), 16);
    }
    __m128i b = _mm_packs_epi32(g[0], g[1]);
    _mm_storel_epi64((__m128i *)(void *)(o + x), _mm_packus_epi16(b, b));
  }
#endif
  for (; x < dw; x++) {
    int32_t i = x0[x], w0 = wp[x] & 0xffff, w1 = wp[x] >> 16;
    o[x] =
        (uint8_t)(((int32_t)v[i] * w0 + (int32_t)v[i + 1] * w1 + 32768) >> 16);
  }
}

/* Fixed-point bilinear resample into dst (dw x dh, stride dw); `tab` holds
 * resize_tab_len(dw, dh, src->width) ints. */
static void resize_into(const pst_plane *src, int dw, int dh, uint8_t *dst,
                        int32_t *tab) {
  int dwp = dw + RESIZE_PAD;
  int32_t *x0 = tab, *wp = tab + dwp, *y0 = tab + 2 * dwp, *wy = y0 + dh;
  uint16_t *v = (uint16_t *)(void *)(wy + dh);
  resize_taps(src->width, dw, x0, wp);
  for (int x = 0; x < dw; x++) wp[x] = (256 - wp[x]) | wp[x] << 16;
  for (int x = dw; x < dwp; x++) x0[x] = wp[x] = 0;
  resize_taps(src->height, dh, y0, wy);
  for (int y = 0; y < dh; y++) {
    const uint8_t *r0 = src->data + (size_t)y0[y] * src->stride;
    const uint8_t *r1 =
        src->data + (size_t)PST_MIN(y0[y] + 1, src->height - 1) * src->stride;
    blend_rows(r0, r1, 256 - wy[y], wy[y], src->width, v);
    filter_row(v, x0, wp, dw, dst + (size_t)y * dw);
  }
}

pst_err pst__plane_resize(const pst_plane *src, int dw, int dh,
                          pst_plane *out) {
  int32_t *tab;
  memset(out, 0, sizeof *out);
  if (!src || !src->data || dw <= 0 || dh <= 0) return PST_ERR_ARG;
  if ((long)dw * dh > MAX_LEVEL_PIXELS) return PST_ERR_LIMIT;
  tab = malloc(resize_tab_len(dw, dh, src->width) * sizeof *tab);
  out->data = malloc((size_t)dw * (size_t)dh + RESIZE_PAD);
  if (!tab || !out->data) {
    free(tab);
    free(out->data);
    out->data = NULL;
    return PST_ERR_NOMEM;
  }
  out->width = out->stride = dw;
  out->height = dh;
  resize_into(src, dw, dh, out->data, tab);
  free(tab);
  return PST_OK;
}

/* Each tree node with its feature's rectangles as integral-image offsets
 * for one stride, in evaluation order: the hot loop then reads one small
 * record per node instead of chasing node -> feature -> rect. The cascades'
 * rectangle weights are small integers (-1, 2, 3), so a feature is summed
 * in integers. */
typedef struct opt_node {
  int32_t a[3], b[3], c[3], d[3];
  int32_t w[3];
  float wf[3]; /* w as floats, for the four-window path */
  float threshold;
  int16_t left, right;
  int nrects;
} opt_node;

static void prepare_nodes(const pst__cascade *c, int stride, opt_node *on) {
  for (int i = 0; i < c->nnodes; i++) {
    const pst__haar_node *nd = &c->nodes[i];
    const pst__haar_feature *f = &c->features[nd->feature];
    on[i].threshold = nd->threshold;
    on[i].left = nd->left;
    on[i].right = nd->right;
    on[i].nrects = f->nrects;
    for (int k = 0; k < 3; k++) {
      const pst__haar_rect *r = &f->r[k];
      on[i].a[k] = r->y * stride + r->x;
      on[i].b[k] = on[i].a[k] + r->w;
      on[i].c[k] = on[i].a[k] + r->h * stride;
      on[i].d[k] = on[i].c[k] + r->w;
      on[i].w[k] = k < f->nrects ? (int32_t)lrintf(r->weight) : 0;
      on[i].wf[k] = (float)on[i].w[k];
    }
  }
}

/* Whether every rectangle weight is an integer (true of OpenCV's Haar
 * cascades; the integer sums below rely on it). *exact: whether every
 * feature's weighted sum, and each partial sum of it, is also an integer a
 * float represents exactly, so that summing in floats (the four-window
 * path) gives the integer sum's value. */
static int integer_weights(const pst__cascade *c, int *exact) {
  *exact = 1;
  for (int i = 0; i < c->nfeatures; i++) {
    long m = 0;
    for (int k = 0; k < c->features[i].nrects; k++) {
      const pst__haar_rect *r = &c->features[i].r[k];
      /* (also refuses NaN before the conversion) */
      if (!(fabsf(r->weight) <= 1000.f) ||
          r->weight != (float)(int32_t)r->weight)
        return 0;
      m += labs((long)r->weight) * r->w * r->h * 255L;
    }
    if (m >= 1L << 24) *exact = 0;
  }
  return 1;
}

/* Integral sums wrap modulo 2^32; a window's sum (at most 24x24 px of 255,
 * squared: 3.7e7) is still exact as a difference of wrapped corners. */
static inline int32_t box(const uint32_t *p, int32_t a, int32_t b, int32_t c,
                          int32_t d) {
  return (int32_t)(p[d] - p[b] - p[c] + p[a]);
}

static inline int32_t node_sum(const opt_node *n, const uint32_t *p) {
  int32_t s = n->w[0] * box(p, n->a[0], n->b[0], n->c[0], n->d[0]) +
              n->w[1] * box(p, n->a[1], n->b[1], n->c[1], n->d[1]);
  if (n->nrects > 2) s += n->w[2] * box(p, n->a[2], n->b[2], n->c[2], n->d[2]);
  return s;
}

/* The number of stages passed by the window whose top-left is p (nstages:
 * a hit), starting at stage s0 (the earlier ones passed). `norm` is the
 * window's stddev * area: comparing sum < threshold * norm equals OpenCV's
 * normalised sum < threshold without a division per feature. */
static int run_cascade(const pst__cascade *c, const opt_node *on,
                       const uint32_t *p, float norm, int s0) {
  for (int si = s0; si < c->nstages; si++) {
    const pst__haar_stage *st = &c->stages[si];
    const pst__haar_weak *w = &c->weak[st->weak0], *wend = w + st->nweak;
    float sum = 0.f;
    for (; w < wend; w++) {
      const opt_node *nodes = on + w->node0;
      int idx = 0;
      do {
        const opt_node *nd = &nodes[idx];
        idx = (float)node_sum(nd, p) < nd->threshold * norm ? nd->left
                                                            : nd->right;
      } while (idx > 0);
      sum += c->leaves[w->leaf0 - (uint32_t)idx];
    }
    if (sum < st->threshold) return si;
  }
  return c->nstages;
}

/* One pyramid level's pixels and integral images (stride fixed per scan so
 * the node offsets are prepared once). */
/* What every worker of one scan shares, read-only: the buffer geometry of
 * the largest level and the cascade's node tables for it (built once per
 * call). */
typedef struct flat_tree flat_tree;
typedef struct scan_tables {
  int lw, lh, stride; /* level buffers: lw x lh pixels, integral stride */
  int sw;             /* the plane's width (resample row buffer) */
  int hs;             /* step 2: sq's row length (see level_buf); else 0 */
  size_t half;        /* step 2: dsum's odd columns offset; row pitch 2 half */
  opt_node *on;       /* one window at a time (ft NULL) */
  flat_tree *ft;      /* trees of <= 2 nodes, four windows at a time */
  int32_t *off32;     /* with ft on wide levels: the offsets (flat_tree) */
  /* MAX_THREADS level buffers, worker i's is bufs[i] (allocated on first
   * use, kept for both passes). */
  struct level_buf *bufs;
} scan_tables;

typedef struct level_buf {
  uint8_t *px;
  uint32_t *sum, *sq;
  int32_t *tab;
  int stride;
  /* With step 2, sum again, each row with its even columns first, then
   * the odd ones (`half` entries later), rows 2 half apart: four windows
   * 2 px apart then read each corner with one load, and a window's
   * corners lie close together (small offsets, see flat_tree). NULL
   * otherwise. sq then holds only the odd columns (entry k: column
   * 2k + 1), rows hs apart: the norm reads no other (windows at even x,
   * inner width even). */
  uint32_t *dsum;
  int hs;
  size_t half;
} level_buf;

#ifdef FACE_SIMD
/* One row of integrate_split, 16 pixels at a time (the same wrapping
 * uint32 sums as the scalar loop). The last block runs past the row: it
 * reads up to 15 pixels more and writes up to 16 columns past w: into
 * dsum's half-row padding, sq's next row start (rewritten when that row
 * is done) or the buffers' padding. Columns past w are never read. Returns
 * where it stopped (>= w); *rs, *rq: the running sums there. */
static int integrate_row16(const uint8_t *row, int w, uint32_t *q,
                           const uint32_t *pq, uint32_t *ev, const uint32_t *pe,
                           uint32_t *od, const uint32_t *po, uint32_t *rs,
                           uint32_t *rq) {
  const __m128i z = _mm_setzero_si128(), lo8 = _mm_set1_epi16(0xff);
  __m128i cs = z, cq = z;
  int x = 0;
  for (; x < w; x += 16) {
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(row + x));
    /* Pairs (2k, 2k + 1): their prefix ends on an even integral column
     * (ev), minus the odd pixel on an odd one (od). At most 8 * 510. */
    __m128i e = _mm_and_si128(v, lo8), o = _mm_srli_epi16(v, 8);
    __m128i p = _mm_add_epi16(e, o);
    p = _mm_add_epi16(p, _mm_slli_si128(p, 2));
    p = _mm_add_epi16(p, _mm_slli_si128(p, 4));
    p = _mm_add_epi16(p, _mm_slli_si128(p, 8));
    __m128i s0 = _mm_add_epi32(_mm_unpacklo_epi16(p, z), cs);
    __m128i s1 = _mm_add_epi32(_mm_unpackhi_epi16(p, z), cs);
    cs = _mm_shuffle_epi32(s1, 0xff);
    uint32_t *E = ev + (x >> 1) + 1, *O = od + (x >> 1);
    const uint32_t *PE = pe + (x >> 1) + 1, *PO = po + (x >> 1);
#define LD(a) _mm_loadu_si128((const __m128i *)(const void *)(a))
#define ST(a, b) _mm_storeu_si128((__m128i *)(void *)(a), b)
    ST(E, _mm_add_epi32(s0, LD(PE)));
    ST(E + 4, _mm_add_epi32(s1, LD(PE + 4)));
    ST(O, _mm_add_epi32(_mm_sub_epi32(s0, _mm_unpacklo_epi16(o, z)), LD(PO)));
    ST(O + 4,
       _mm_add_epi32(_mm_sub_epi32(s1, _mm_unpackhi_epi16(o, z)), LD(PO + 4)));
    /* Squares, on odd columns only: pair sums of squares (pmaddwd) give
     * the prefix at column 2k + 2; less the odd pixel's square, 2k + 1. */
    __m128i b0 = _mm_unpacklo_epi8(v, z), b1 = _mm_unpackhi_epi8(v, z);
    __m128i o2 = _mm_mullo_epi16(o, o);
    __m128i m0 = _mm_madd_epi16(b0, b0), m1 = _mm_madd_epi16(b1, b1);
    m0 = _mm_add_epi32(m0, _mm_slli_si128(m0, 4));
    m0 = _mm_add_epi32(m0, _mm_slli_si128(m0, 8));
    m0 = _mm_add_epi32(m0, cq);
    m1 = _mm_add_epi32(m1, _mm_slli_si128(m1, 4));
    m1 = _mm_add_epi32(m1, _mm_slli_si128(m1, 8));
    m1 = _mm_add_epi32(m1, _mm_shuffle_epi32(m0, 0xff));
    cq = _mm_shuffle_epi32(m1, 0xff);
    uint32_t *Q = q + (x >> 1);
    const uint32_t *PQ = pq + (x >> 1);
    ST(Q, _mm_add_epi32(_mm_sub_epi32(m0, _mm_unpacklo_epi16(o2, z)), LD(PQ)));
    ST(Q + 4,
       _mm_add_epi32(_mm_sub_epi32(m1, _mm_unpackhi_epi16(o2, z)), LD(PQ + 4)));
#undef LD
#undef ST
  }
  *rs = (uint32_t)_mm_cvtsi128_si32(cs);
  *rq = (uint32_t)_mm_cvtsi128_si32(cq);
  return x;
}
#endif

/* integrate for step 2: the sums go straight into dsum's two halves, the
 * squares' odd columns into sq (see level_buf). */
static void integrate_split(level_buf *lb, int w, int h) {
  int hs = lb->hs;
  size_t dp = 2 * lb->half;
  memset(lb->sq, 0, (size_t)hs * sizeof *lb->sq);
  memset(lb->dsum, 0, dp * sizeof *lb->dsum);
#ifdef FACE_SIMD
  /* What the last row's block reads past the level (only columns past w
   * depend on it) is defined. */
  memset(lb->px + (size_t)w * h, 0, 16);
#endif
  for (int y = 0; y < h; y++) {
    const uint8_t *row = lb->px + (size_t)y * w;
    uint32_t *q = lb->sq + (size_t)(y + 1) * hs;
    uint32_t *ev = lb->dsum + (size_t)(y + 1) * dp, *od = ev + lb->half;
    const uint32_t *pe = ev - dp, *po = od - dp;
    uint32_t rs = 0, rq = 0;
    int x = 0;
    ev[0] = 0;
#ifdef FACE_SIMD
    x = integrate_row16(row, w, q, q - hs, ev, pe, od, po, &rs, &rq);
#endif
    /* Column x + 1 is odd, x + 2 even. */
    for (; x + 1 < w; x += 2) {
      uint32_t v0 = row[x], v1 = row[x + 1];
      rs += v0;
      rq += v0 * v0;
      q[x >> 1] = q[(x >> 1) - hs] + rq;
      od[x >> 1] = po[x >> 1] + rs;
      rs += v1;
      rq += v1 * v1;
      ev[(x >> 1) + 1] = pe[(x >> 1) + 1] + rs;
    }
    if (x < w) {
      uint32_t v0 = row[x];
      rs += v0;
      rq += v0 * v0;
      q[x >> 1] = q[(x >> 1) - hs] + rq;
      od[x >> 1] = po[x >> 1] + rs;
    }
  }
}

static void integrate(level_buf *lb, int w, int h) {
  int s = lb->stride;
  if (lb->dsum) {
    integrate_split(lb, w, h);
    return;
  }
  memset(lb->sum, 0, (size_t)s * sizeof *lb->sum);
  memset(lb->sq, 0, (size_t)s * sizeof *lb->sq);
  for (int y = 0; y < h; y++) {
    const uint8_t *row = lb->px + (size_t)y * w;
    uint32_t *su = lb->sum + (size_t)(y + 1) * s,
             *q = lb->sq + (size_t)(y + 1) * s;
    uint32_t rs = 0, rq = 0;
    su[0] = q[0] = 0;
    for (int x = 0; x < w; x++) {
      uint32_t v = row[x];
      rs += v;
      rq += v * v;
      su[x + 1] = su[x + 1 - s] + rs;
      q[x + 1] = q[x + 1 - s] + rq;
    }
  }
}

/* stddev * area of the inner rectangle of the window at (x, y), or 0 when the
 * window is nearly flat: no face has a grey-level spread under MIN_STDDEV, and
 * skipping such windows makes plain studio backgrounds almost free. */
static inline float norm_at(const level_buf *lb, int x, int y, int nw, int nh) {
  size_t o = (size_t)(y + 1) * lb->stride + (size_t)x + 1;
  size_t b = o + (size_t)nw, cc = o + (size_t)nh * lb->stride,
         d = cc + (size_t)nw;
  int64_t area = (int64_t)nw * nh, sum, sq;
  if (lb->dsum) {
    const uint32_t *p = lb->dsum + (size_t)(y + 1) * 2 * lb->half;
    size_t x0 = (size_t)x + 1, x1 = x0 + (size_t)nw;
    size_t dn = (size_t)nh * 2 * lb->half;
    size_t i0 = (x0 & 1) * lb->half + (x0 >> 1),
           i1 = (x1 & 1) * lb->half + (x1 >> 1);
    const uint32_t *q = lb->sq + (size_t)(y + 1) * lb->hs;
    size_t qn = (size_t)nh * (size_t)lb->hs;
    sum = (uint32_t)(p[dn + i1] - p[i1] - p[dn + i0] + p[i0]);
    /* x0, x1 odd: sq's entries x0 / 2, x1 / 2 */
    sq = (uint32_t)(q[qn + (x1 >> 1)] - q[x1 >> 1] - q[qn + (x0 >> 1)] +
                    q[x0 >> 1]);
  } else {
    sum = (uint32_t)(lb->sum[d] - lb->sum[b] - lb->sum[cc] + lb->sum[o]);
    sq = (uint32_t)(lb->sq[d] - lb->sq[b] - lb->sq[cc] + lb->sq[o]);
  }
  int64_t nf = area * sq - sum * sum;
  return nf > (int64_t)(MIN_STDDEV * MIN_STDDEV) * area * area
             ? sqrtf((float)nf)
             : 0.f;
}

typedef struct hits {
  pst_rect *r;
  int n, cap;
} hits;

/* 0 added, 1 the cap is reached (stop scanning), -1 out of memory. */
static int hits_add(hits *h, pst_rect r) {
  if (h->n == MAX_HITS) return 1;
  if (h->n == h->cap) {
    int cap = PST_MIN(h->cap ? h->cap * 2 : 256, MAX_HITS);
    pst_rect *nr = realloc(h->r, (size_t)cap * sizeof *nr);
    if (!nr) return -1;
    h->r = nr;
    h->cap = cap;
  }
  h->r[h->n++] = r;
  return 0;
}

/* Where windows are scanned: centres inside one of `keep` (none: anywhere)
 * and not inside `skip`, in the plane's pixels. */
typedef struct scan_roi {
  pst_rect keep[2];
  int nkeep;
  pst_rect skip;
  int has_skip;
} scan_roi;

/* Top-left positions [lo, hi] on the step grid whose window centre falls in
 * [a, b) (plane px) at level scale f, within 0..lim. */
static void centre_range(double a, double b, double f, int win, int step,
                         int lim, int *lo, int *hi) {
  int l = (int)ceil(a / f - win / 2.0), h = (int)ceil(b / f - win / 2.0) - 1;
  l = PST_MAX(l, 0);
  l = (l + step - 1) / step * step;
  *lo = l;
  *hi = PST_MIN(h, lim);
}

/* A weak tree of at most two nodes, in the form four windows evaluate
 * together, in two cache lines. Node 1 lies under node 0's left branch
 * (flip 0) or its right one (flip all ones): the tree's value is
 * (c0 ^ flip) ? (c1 ? l[0] : l[1]) : l[2], cN: node N's sum is below its
 * bound. A stump is stored as node 1 = node 0, flip 0 and l[2] = l[1]:
 * the same value, with no branch on the shape. The features are OpenCV's
 * Haar ones: rectangle 0 of weight -1 and one or two of the same weight w
 * (flatten_node checks), so a node's sum is w * (R1 + R2) - R0. */
typedef struct flat_tree {
  /* Leaves in all four lanes, as bits: l[0] ^ l[1], l[1], l[2] (a
   * leaf is then picked with and / xor, see batch_cascade). */
  _Alignas(64) uint32_t lb[3][4];
  uint32_t flip[4];
  float s[4]; /* w, threshold of node 0; w, threshold of node 1 */
  /* Corners a b c d of each rectangle as offsets from the window's base
   * (all 0: no rectangle 2). On levels too wide for 16 bits (about 1300
   * px) they are in scan_tables' off32 instead (rectangle 2's d kept
   * here as 0 or 1: whether there is one). */
  int16_t off[2][3][4];
} flat_tree;

/* int32_t entries of off32 per tree. */
#define OFF32_LEN 24

/* Rectangle coordinates are bytes: a window is at most 255 + 255 px. */
#define MAX_CORNER 511

/* Offsets of window corners (x, y) = cx[x] + ry[y]: in sum or, for step 2,
 * in dsum (rows 2 half apart, odd columns `half` later). */
typedef struct corner_tab {
  int32_t cx[MAX_CORNER + 1], ry[MAX_CORNER + 1];
} corner_tab;

static void corner_tab_fill(const scan_tables *t, corner_tab *ct) {
  for (int i = 0; i <= MAX_CORNER; i++) {
    ct->cx[i] = t->hs ? (int32_t)((size_t)(i & 1) * t->half) + (i >> 1) : i;
    ct->ry[i] = i * (t->hs ? 2 * (int32_t)t->half : t->stride);
  }
}

/* Node i into s (its w, threshold) and off, or off32 when not NULL (see
 * flat_tree); 0 when its feature is not of the form above, its weighted
 * sum and each partial sum are not integers a float represents exactly
 * (as integer_weights' *exact, checked here for the features the scan
 * reads), or a corner offset does not fit off's 16 bits. */
FACE_INLINE int flatten_node(const pst__cascade *c, int i, const corner_tab *ct,
                             float *s, int16_t (*off)[4], int32_t (*off32)[4]) {
  const pst__haar_feature *f = &c->features[c->nodes[i].feature];
  float w = f->r[1].weight;
  long m = 0;
  if (f->nrects < 2 || f->nrects > 3 || f->r[0].weight != -1.f) return 0;
  if (f->nrects == 3 && f->r[2].weight != w) return 0;
  /* (NaN fails the first test, before the conversion) */
  if (!(fabsf(w) <= 1000.f) || w != (float)(int32_t)w) return 0;
  s[0] = w;
  s[1] = c->nodes[i].threshold;
  memset(off, 0, 3 * sizeof *off);
  if (off32) memset(off32, 0, 3 * sizeof *off32);
  for (int k = 0; k < f->nrects; k++) {
    const pst__haar_rect *r = &f->r[k];
    int32_t x0 = ct->cx[r->x], x1 = ct->cx[r->x + r->w];
    int32_t y0 = ct->ry[r->y], y1 = ct->ry[r->y + r->h];
    m += (long)fabsf(r->weight) * r->w * r->h;
    if (off32) {
      off32[k][0] = x0 + y0;
      off32[k][1] = x1 + y0;
      off32[k][2] = x0 + y1;
      off32[k][3] = x1 + y1;
      off[k][3] = 1;
      continue;
    }
    if (x1 + y1 > INT16_MAX) return 0;
    off[k][0] = (int16_t)(x0 + y0);
    off[k][1] = (int16_t)(x1 + y0);
    off[k][2] = (int16_t)(x0 + y1);
    off[k][3] = (int16_t)(x1 + y1);
  }
  return m * 255 < 1L << 24;
}

/* Fills ft (c->nweak entries); 0 when some tree does not fit the shapes
 * or the 16-bit offsets. */
static int flatten_trees(const pst__cascade *c, const scan_tables *t,
                         flat_tree *ft) {
  corner_tab *ct = malloc(sizeof *ct);
  int ok = 1;
  if (!ct) return 0;
  corner_tab_fill(t, ct);
  for (int i = 0; i < c->nweak && ok; i++) {
    const pst__haar_weak *w = &c->weak[i];
    const pst__haar_node *n0 = &c->nodes[w->node0], *n1 = n0 + 1;
    const float *lv = c->leaves + w->leaf0;
    flat_tree *f = &ft[i];
    int ll[3] = {0, 0, 0};
    uint32_t flip = 0;
    int32_t(*o32)[3][4] =
        t->off32 ? (int32_t(*)[3][4])(void *)(t->off32 + OFF32_LEN * i) : NULL;
    if (!flatten_node(c, (int)w->node0, ct, f->s, f->off[0],
                      o32 ? o32[0] : NULL)) {
      ok = 0;
    } else if (w->nnodes == 1 && n0->left <= 0 && n0->right <= 0) {
      memcpy(f->s + 2, f->s, 2 * sizeof *f->s);
      memcpy(f->off[1], f->off[0], sizeof f->off[1]);
      if (o32) memcpy(o32[1], o32[0], sizeof o32[1]);
      ll[0] = -n0->left;
      ll[1] = ll[2] = -n0->right;
    } else if (w->nnodes == 2 && n1->left <= 0 && n1->right <= 0 &&
               ((n0->left == 1 && n0->right <= 0) ||
                (n0->right == 1 && n0->left <= 0))) {
      ok = flatten_node(c, (int)w->node0 + 1, ct, f->s + 2, f->off[1],
                        o32 ? o32[1] : NULL);
      flip = n0->left == 1 ? 0 : ~0u;
      ll[0] = -n1->left;
      ll[1] = -n1->right;
      ll[2] = n0->left == 1 ? -n0->right : -n0->left;
    } else {
      ok = 0;
    }
    if (ok) {
      uint32_t b[3];
      for (int j = 0; j < 3; j++) memcpy(&b[j], &lv[ll[j]], sizeof b[j]);
      b[0] ^= b[1];
      for (int k = 0; k < 4; k++) {
        f->lb[0][k] = b[0];
        f->lb[1][k] = b[1];
        f->lb[2][k] = b[2];
        f->flip[k] = flip;
      }
    }
  }
  free(ct);
  return ok;
}

typedef struct scan_ctx {
  const pst__cascade *c;
  const opt_node *on;
  const flat_tree *ft;  /* NULL: one window at a time */
  const int32_t *off32; /* see flat_tree */
  const level_buf *lb;
  double f;
  int step;
  const scan_roi *roi;
  hits *h;
} scan_ctx;

/* The sum of rectangle o (corners a b c d) of the window at p. */
static inline int32_t rect1(const int16_t *o, const int32_t *o32,
                            const uint32_t *p) {
  if (o32) return (int32_t)(p[o32[0]] - p[o32[1]] - p[o32[2]] + p[o32[3]]);
  return (int32_t)(p[o[0]] - p[o[1]] - p[o[2]] + p[o[3]]);
}

/* Whether node k's feature sum for the window at p is below threshold *
 * norm. In floats: w * (R1 + R2) and each partial sum are integers below
 * 2^24 (flatten_node), so the sum is (float) of the integer sum. */
static inline int flat_below(const flat_tree *t, const int32_t *o32, int k,
                             const uint32_t *p, float norm) {
  const int16_t(*o)[4] = t->off[k];
  const int32_t *q = o32 ? o32 + 12 * k : NULL;
  int32_t r = rect1(o[1], q ? q + 4 : NULL, p);
  if (o[2][3]) r += rect1(o[2], q ? q + 8 : NULL, p);
  return t->s[2 * k] * (float)r - (float)rect1(o[0], q, p) <
         t->s[2 * k + 1] * norm;
}

/* Leaf j of the tree. */
static inline float flat_leaf(const flat_tree *t, int j) {
  uint32_t b = t->lb[j][0] ^ (j == 0 ? t->lb[1][0] : 0);
  float l;
  memcpy(&l, &b, sizeof l);
  return l;
}

/* run_cascade on the flat tables (p: the window's corner base in their
 * layout); the same comparisons and leaf sums, so the same result. */
static int run_flat(const pst__cascade *c, const flat_tree *ft,
                    const int32_t *off32, const uint32_t *p, float norm,
                    int s0) {
  for (int si = s0; si < c->nstages; si++) {
    const pst__haar_stage *st = &c->stages[si];
    const flat_tree *t = ft + st->weak0, *te = t + st->nweak;
    float sum = 0.f;
    for (; t < te; t++) {
      const int32_t *q = off32 ? off32 + OFF32_LEN * (t - ft) : NULL;
      if (flat_below(t, q, 0, p, norm) != (t->flip[0] != 0))
        sum += flat_leaf(t, flat_below(t, q, 1, p, norm) ? 0 : 1);
      else
        sum += flat_leaf(t, 2);
    }
    if (sum < st->threshold) return si;
  }
  return c->nstages;
}

#ifdef FACE_SIMD

/* One corner of four windows side by side (sum for step 1, dsum for 2). */
FACE_INLINE __m128i load4(const uint32_t *p) {
  return _mm_loadu_si128((const __m128i *)(const void *)p);
}

/* norm_at of the four windows at x, x + 2, x + 4, x + 6 of row y in the
 * step-2 layout (dsum, odd-column sq) into norm4; returns the lanes whose
 * norm is not 0. The window sums fit 31 bits, so area * sq - sum * sum
 * is exact in doubles as it is in int64, and (float) of that double is
 * (float) of the int64: the same norms. */
FACE_INLINE int norms4(const level_buf *lb, int x, int y, int nw, int nh,
                       float *norm4) {
  size_t dp = 2 * lb->half, e = (size_t)(nw >> 1);
  size_t r0 = (size_t)(y + 1) * dp + (size_t)(x >> 1),
         r1 = r0 + (size_t)nh * dp;
  size_t q0 = (size_t)(y + 1) * lb->hs + (size_t)(x >> 1),
         q1 = q0 + (size_t)nh * lb->hs;
  const uint32_t *p = lb->dsum + lb->half, *q = lb->sq;
  __m128i s = _mm_sub_epi32(_mm_add_epi32(load4(p + r0), load4(p + r1 + e)),
                            _mm_add_epi32(load4(p + r0 + e), load4(p + r1)));
  __m128i v = _mm_sub_epi32(_mm_add_epi32(load4(q + q0), load4(q + q1 + e)),
                            _mm_add_epi32(load4(q + q0 + e), load4(q + q1)));
  double area = (double)nw * nh;
  __m128d a = _mm_set1_pd(area),
          lim = _mm_set1_pd(MIN_STDDEV * MIN_STDDEV * area * area);
  __m128d s0 = _mm_cvtepi32_pd(s), v0 = _mm_cvtepi32_pd(v);
  __m128d s1 = _mm_cvtepi32_pd(_mm_shuffle_epi32(s, 0xee)),
          v1 = _mm_cvtepi32_pd(_mm_shuffle_epi32(v, 0xee));
  __m128d n0 = _mm_sub_pd(_mm_mul_pd(a, v0), _mm_mul_pd(s0, s0));
  __m128d n1 = _mm_sub_pd(_mm_mul_pd(a, v1), _mm_mul_pd(s1, s1));
  /* A double's compare mask is two 32-bit halves: one of each. */
  __m128 m = _mm_shuffle_ps(_mm_castpd_ps(_mm_cmpgt_pd(n0, lim)),
                            _mm_castpd_ps(_mm_cmpgt_pd(n1, lim)),
                            _MM_SHUFFLE(2, 0, 2, 0));
  __m128 nf = _mm_movelh_ps(_mm_cvtpd_ps(n0), _mm_cvtpd_ps(n1));
  /* (lanes below the bound, negative ones too, are masked to 0) */
  _mm_storeu_ps(norm4, _mm_and_ps(m, _mm_sqrt_ps(nf)));
  return _mm_movemask_ps(m);
}

/* The lowest set bit's index of a nonzero 4-bit mask. */
FACE_INLINE int lowest_lane(int m) {
  return (m & 1) ? 0 : (m & 2) ? 1 : (m & 4) ? 2 : 3;
}

/* Lane i of v in all four (pshufd: one instruction, v kept). */
#define BCAST(v, i)                                                            \
  _mm_castsi128_ps(                                                            \
      _mm_shuffle_epi32(_mm_castps_si128(v), _MM_SHUFFLE(i, i, i, i)))

/* Four lanes of bits (leaves, masks) as floats. */
FACE_INLINE __m128 loadb(const uint32_t *b) {
  return _mm_load_ps((const float *)(const void *)b);
}

FACE_INLINE __m128i rect4(const int16_t *o, const int32_t *o32,
                          const uint32_t *p) {
  if (o32)
    return _mm_sub_epi32(_mm_add_epi32(load4(p + o32[0]), load4(p + o32[3])),
                         _mm_add_epi32(load4(p + o32[1]), load4(p + o32[2])));
  return _mm_sub_epi32(_mm_add_epi32(load4(p + o[0]), load4(p + o[3])),
                       _mm_add_epi32(load4(p + o[1]), load4(p + o[2])));
}

/* Lanes where the node's feature sum is below threshold * norm (w, thr
 * in all lanes): the same float comparison as run_cascade (the sums are
 * exact, see flat_below). */
FACE_INLINE __m128 node_below4(const int16_t (*o)[4], const int32_t *q,
                               __m128 w, __m128 thr, const uint32_t *p,
                               __m128 norm) {
  __m128i r = rect4(o[1], q ? q + 4 : NULL, p);
  if (o[2][3]) r = _mm_add_epi32(r, rect4(o[2], q ? q + 8 : NULL, p));
  __m128 s = _mm_sub_ps(_mm_mul_ps(_mm_cvtepi32_ps(r), w),
                        _mm_cvtepi32_ps(rect4(o[0], q, p)));
  return _mm_cmplt_ps(s, _mm_mul_ps(thr, norm));
}

/* The lanes of a batch whose results scan_run ignores (the stage-0
 * neighbour rule): lane 0 when skip0, and a lane whose left neighbour,
 * itself not ignored, failed stage 0 (fail0: the lanes that did, a flat
 * window included). Known only once stage 0 is done for all four. */
FACE_INLINE int ignored_lanes(int skip0, int fail0) {
  int ign = skip0;
  for (int k = 0; k < 3; k++)
    if (!(ign >> k & 1) && (fail0 >> k & 1)) ign |= 2 << k;
  return ign;
}

/* Stage results of four windows side by side (p: their corner base in the
 * flat tables' layout; lanes in `alive`, norms norm4) into passed[k]. The
 * lanes share each tree evaluation while any is alive, even one: a lone
 * window run by run_flat costs fewer instructions but mispredicts its
 * data-dependent branches (node 1 or not, which leaf), which cost more
 * time on the CPU than three idle lanes. Leaves are summed in the same
 * order as run_cascade, so the results are identical. */
FACE_INLINE void batch_run(const scan_ctx *s, const uint32_t *p,
                           const float *norm4, int alive, int skip0,
                           int *passed, const int wide) {
  const pst__cascade *c = s->c;
  __m128 norm = _mm_loadu_ps(norm4);
  int si = 0;
  alive &= ~skip0;
  for (; si < c->nstages && alive; si++) {
    const pst__haar_stage *st = &c->stages[si];
    const flat_tree *t = s->ft + st->weak0, *te = t + st->nweak;
    __m128 sum = _mm_setzero_ps();
    for (; t < te; t++) {
      __m128 sv = _mm_load_ps(t->s);
      const int32_t *q = wide ? s->off32 + OFF32_LEN * (t - s->ft) : NULL;
      __m128 c0 =
          node_below4(t->off[0], q, BCAST(sv, 0), BCAST(sv, 1), p, norm);
      __m128 c1 = node_below4(t->off[1], wide ? q + 12 : NULL, BCAST(sv, 2),
                              BCAST(sv, 3), p, norm);
      /* r1 = c1 ? l0 : l1, then (c0 ^ flip) ? r1 : l2, bitwise. */
      __m128 r1 = _mm_xor_ps(_mm_and_ps(c1, loadb(t->lb[0])), loadb(t->lb[1]));
      __m128 l2 = loadb(t->lb[2]);
      __m128 m0 = _mm_xor_ps(c0, loadb(t->flip));
      sum = _mm_add_ps(sum, _mm_xor_ps(_mm_and_ps(m0, _mm_xor_ps(r1, l2)), l2));
    }
    int pass = _mm_movemask_ps(_mm_cmpnlt_ps(sum, _mm_set1_ps(st->threshold)));
    /* Lanes that fail here, lowest first (usually none). */
    for (int fail = alive & ~pass; fail; fail &= fail - 1)
      passed[lowest_lane(fail)] = si;
    alive &= pass;
    if (si == 0) alive &= ~ignored_lanes(skip0, ~alive & 15);
  }
  for (int k = 0; k < 4; k++)
    if (alive >> k & 1)
      passed[k] = run_flat(c, s->ft, s->off32, p + k, norm4[k], si);
}

/* batch_run, its offsets' width a constant in each copy. */
static void batch_cascade(const scan_ctx *s, const uint32_t *p,
                          const float *norm4, int alive, int skip0,
                          int *passed) {
  if (s->off32)
    batch_run(s, p, norm4, alive, skip0, passed, 1);
  else
    batch_run(s, p, norm4, alive, skip0, passed, 0);
}
#endif

/* The stages passed by the windows of row y at x, x + step, ... (n <= 4 of
 * them) into passed[]; a flat window passes none. skip0: scan_run ignores
 * the first one; ignored windows' results are left unfinished (see
 * ignored_lanes). */
static void eval_windows(const scan_ctx *s, int y, int x, int n, int skip0,
                         int *passed) {
  const level_buf *lb = s->lb;
  /* With step 2 only the split integral (dsum) exists: sum is NULL. */
  const uint32_t *row = lb->sum ? lb->sum + (size_t)y * lb->stride : NULL;
  int nw = s->c->width - 2, nh = s->c->height - 2, alive = 0;
  float norm4[4] = {0.f, 0.f, 0.f, 0.f};
#ifdef FACE_SIMD
  if (lb->dsum) {
    alive = norms4(lb, x, y, nw, nh, norm4) & ((1 << n) - 1);
    passed[0] = passed[1] = passed[2] = passed[3] = 0;
  } else
#endif
    for (int k = 0; k < n; k++) {
      norm4[k] = norm_at(lb, x + k * s->step, y, nw, nh);
      passed[k] = 0;
      if (norm4[k] != 0.f) alive |= 1 << k;
    }
#ifdef FACE_SIMD
  if (s->ft) {
    const uint32_t *p =
        lb->dsum ? lb->dsum + (size_t)y * 2 * lb->half + (size_t)(x >> 1)
                 : row + x;
    batch_cascade(s, p, norm4, alive, skip0, passed);
    return;
  }
#else
  (void)skip0;
  if (s->ft) {
    const uint32_t *p =
        lb->dsum ? lb->dsum + (size_t)y * 2 * lb->half + (size_t)(x >> 1)
                 : row + x;
    for (int k = 0; k < n; k++)
      if (alive >> k & 1)
        passed[k] = run_flat(s->c, s->ft, s->off32, p + k, norm4[k], 0);
    return;
  }
#endif
  for (int k = 0; k < n; k++)
    if (alive >> k & 1)
      passed[k] = run_cascade(s->c, s->on, row + x + k * s->step, norm4[k], 0);
}

/* Windows of row y with top-left x in [xa, xb] on the step grid. *skip_x is
 * a window left out because its left neighbour failed stage 0 (in and
 * out; -1: none). */
static pst_err scan_run(const scan_ctx *s, int y, int xa, int xb, int *skip_x) {
  const pst__cascade *c = s->c;
  int step = s->step, passed[4];
  double f = s->f;
  for (int x = xa; x <= xb; x += 4 * step) {
    int n = PST_MIN(4, (xb - x) / step + 1);
    eval_windows(s, y, x, n, x == *skip_x, passed);
    for (int k = 0; k < n; k++) {
      int wx = x + k * step;
      if (wx == *skip_x) continue;
      /* As OpenCV: a window that fails the first stage is far from any
       * face, so its right neighbour is skipped too. */
      if (passed[k] == 0) *skip_x = wx + step;
      if (passed[k] < c->nstages) continue;
      pst_rect r = {(int)lround(wx * f), (int)lround(y * f),
                    (int)lround(c->width * f), (int)lround(c->height * f)};
      int rc = hits_add(s->h, r);
      if (rc) return rc < 0 ? PST_ERR_NOMEM : PST_ERR_LIMIT;
    }
  }
  return PST_OK;
}

/* Windows with top-left in [x0, x1] x [y0, y1] of the level. */
static pst_err scan_box(const scan_ctx *s, int x0, int x1, int y0, int y1) {
  const pst__cascade *c = s->c;
  int step = s->step;
  double f = s->f;
  int sx0 = 1, sx1 = 0, sy0 = 1, sy1 = 0;
  pst_err err = PST_OK;
  if (s->roi && s->roi->has_skip) {
    const pst_rect *k = &s->roi->skip;
    centre_range(k->x, k->x + k->w, f, c->width, 1, 1 << 30, &sx0, &sx1);
    centre_range(k->y, k->y + k->h, f, c->height, 1, 1 << 30, &sy0, &sy1);
  }
  for (int y = y0; y <= y1 && !err; y += step) {
    int skip_x = -1;
    if (y >= sy0 && y <= sy1 && sx0 <= sx1 && sx0 <= x1 && sx1 >= x0) {
      /* Two runs around the skipped centres, on the same grid. */
      int xb = x0 + (sx0 - 1 - x0 < 0 ? -step : (sx0 - 1 - x0) / step * step);
      int xa = x0 + (sx1 + 1 - x0 + step - 1) / step * step;
      err = scan_run(s, y, x0, PST_MIN(xb, x1), &skip_x);
      if (!err) err = scan_run(s, y, xa, x1, &skip_x);
    } else {
      err = scan_run(s, y, x0, x1, &skip_x);
    }
  }
  return err == PST_ERR_LIMIT ? PST_OK : err;
}

/* One pyramid level: the image shrunk by f, scanned with the window. */
static pst_err scan_level(const pst__cascade *c, const pst_plane *luma,
                          double f, int step, const scan_roi *roi,
                          const scan_tables *t, level_buf *lb, hits *h) {
  int lw = (int)lround(luma->width / f), lh = (int)lround(luma->height / f);
  scan_ctx s = {c, t->on, t->ft, t->off32, lb, f, step, roi, h};
  pst_err err = PST_OK;
  if (lw < c->width || lh < c->height || lw + 1 > lb->stride) return PST_OK;
  if (lw == luma->width && lh == luma->height)
    for (int y = 0; y < lh; y++)
      memcpy(lb->px + (size_t)y * lw, luma->data + (size_t)y * luma->stride,
             (size_t)lw);
  else
    resize_into(luma, lw, lh, lb->px, lb->tab);
  integrate(lb, lw, lh);
  if (!roi || roi->nkeep == 0)
    return scan_box(&s, 0, lw - c->width, 0, lh - c->height);
  for (int k = 0; k < roi->nkeep && !err; k++) {
    const pst_rect *r = &roi->keep[k];
    int x0, x1, y0, y1;
    centre_range(r->x, r->x + r->w, f, c->width, step, lw - c->width, &x0, &x1);
    centre_range(r->y, r->y + r->h, f, c->height, step, lh - c->height, &y0,
                 &y1);
    err = scan_box(&s, x0, x1, y0, y1);
  }
  return err;
}

/* The pyramid levels are independent: workers take them from a shared
 * counter, each with its own hits, buffers and node table. */
#define MAX_LEVELS 512
#define MAX_THREADS 4

typedef struct scan_job {
  const pst__cascade *c;
  const pst_plane *luma;
  const double *f;
  int nlevels, step;
  const scan_roi *roi;
  const scan_tables *t;
  atomic_int next;
} scan_job;

typedef struct worker {
  scan_job *job;
  level_buf *lb;
  hits h;
  pst_err err;
} worker;

static void level_buf_free(level_buf *lb) {
  free(lb->px);
  free(lb->sum);
  free(lb->sq);
  free(lb->tab);
  free(lb->dsum);
  memset(lb, 0, sizeof *lb);
}

static pst_err level_buf_alloc(const scan_tables *t, level_buf *lb) {
  size_t n = (size_t)(t->lw + 1) * (size_t)(t->lh + 1);
  memset(lb, 0, sizeof *lb);
  lb->stride = t->stride;
  lb->hs = t->hs;
  lb->half = t->half;
  /* Padded: the resample writes, and the integral reads, up to 16 bytes
   * past a row (see integrate_split). */
  lb->px = malloc((size_t)t->lw * (size_t)t->lh + 16);
  /* With dsum (step 2) the sums live there only. */
  lb->sum = t->hs ? NULL : malloc(n * sizeof *lb->sum);
  lb->sq = malloc((n + 16) * sizeof *lb->sq); /* rows run over: see below */
  lb->tab = malloc(resize_tab_len(t->lw, t->lh, t->sw) * sizeof *lb->tab);
  /* Zeroed and padded: four windows side by side read up to 3 entries
   * past the last one's corners (lanes then ignored). */
  if (t->hs)
    lb->dsum = calloc(2 * t->half * (size_t)(t->lh + 1) + 16, sizeof *lb->dsum);
  if (lb->px && lb->sq && lb->tab && (t->hs ? !!lb->dsum : !!lb->sum))
    return PST_OK;
  level_buf_free(lb);
  return PST_ERR_NOMEM;
}

static void *worker_run(void *arg) {
  worker *w = arg;
  const scan_job *j = w->job;
  if (!w->lb->px) w->err = level_buf_alloc(j->t, w->lb);
  if (w->err) return NULL;
  for (;;) {
    int i = atomic_fetch_add(&w->job->next, 1);
    if (i >= j->nlevels) break;
    w->err =
        scan_level(j->c, j->luma, j->f[i], j->step, j->roi, j->t, w->lb, &w->h);
    if (w->err) break;
  }
  return NULL;
}

static void tables_free(scan_tables *t) {
  if (t->bufs)
    for (int i = 0; i < MAX_THREADS; i++) level_buf_free(&t->bufs[i]);
  free(t->bufs);
  t->bufs = NULL;
  free(t->on);
  free(t->ft);
  free(t->off32);
  t->on = NULL;
  t->ft = NULL;
  t->off32 = NULL;
}

/* The tables for a scan whose largest level is at scale f0. */
static pst_err tables_build(const pst__cascade *c, const pst_plane *luma,
                            double f0, int step, scan_tables *t) {
  int exact;
  memset(t, 0, sizeof *t);
  t->bufs = calloc(MAX_THREADS, sizeof *t->bufs);
  if (!t->bufs) return PST_ERR_NOMEM;
  t->lw = (int)lround(luma->width / f0) + 1;
  t->lh = (int)lround(luma->height / f0) + 1;
  t->stride = t->lw + 1;
  t->sw = luma->width;
  /* (norms4: window sums of squares must fit 31 bits) */
  if (step == 2 && (c->width - 2) % 2 == 0 &&
      (long)(c->width - 2) * (c->height - 2) * 255 * 255 < 1L << 31) {
    /* Windows then start on even columns only (the grid starts at 0). */
    t->hs = t->stride / 2 + 1;
    /* integrate_row16 writes up to 8 entries past a half's last column,
     * and four windows read up to 3 past the last one's corners. */
    t->half = (size_t)t->hs + 8;
  }
  /* flatten_trees checks the weights itself (integer_weights is the
   * slower whole-cascade check). */
  if (step == 1 || t->hs) {
    /* The largest corner offset: the window's bottom-right corner. */
    long far = t->hs ? (long)(c->width & 1) * (long)t->half + c->width / 2 +
                           (long)c->height * 2 * (long)t->half
                     : (long)c->height * t->stride + c->width;
    t->ft = aligned_alloc(64, (size_t)c->nweak * sizeof *t->ft);
    if (!t->ft) return PST_ERR_NOMEM;
    if (far > INT16_MAX) {
      t->off32 = malloc((size_t)c->nweak * OFF32_LEN * sizeof *t->off32);
      if (!t->off32) return PST_ERR_NOMEM;
    }
    if (flatten_trees(c, t, t->ft)) return PST_OK;
    free(t->ft);
    free(t->off32);
    t->ft = NULL;
    t->off32 = NULL;
  }
  if (!integer_weights(c, &exact)) return PST_ERR_ARG;
  t->hs = 0;
  t->on = malloc((size_t)c->nnodes * sizeof *t->on);
  if (!t->on) return PST_ERR_NOMEM;
  prepare_nodes(c, t->stride, t->on);
  return PST_OK;
}

/* Pyramid scales from min_size up to max_size, ascending; returns the
 * count. */
static int plan_levels(const pst__cascade *c, const pst_plane *p, int min_size,
                       int max_size, double scale, double *out) {
  double f = (double)PST_MAX(min_size, 1) / c->width;
  int n = 0;
  /* Upsampling is bounded: the first level is at most MAX_LEVEL_PIXELS. */
  while ((double)p->width * p->height / (f * f) > MAX_LEVEL_PIXELS) f *= scale;
  for (; c->width * f <= max_size + 1e-9 && n < MAX_LEVELS; f *= scale) {
    if (p->width / f < c->width || p->height / f < c->height) break;
    out[n++] = f;
  }
  return n;
}

/* Runs the workers (the caller's thread is one of them) and joins them. */
static pst_err run_workers(worker *w, int nthreads) {
  pthread_t tid[MAX_THREADS];
  int started = 0;
  for (int i = 1; i < nthreads; i++) {
    if (pthread_create(&tid[i], NULL, worker_run, &w[i]) != 0) break;
    started = i;
  }
  worker_run(&w[0]);
  for (int i = 1; i <= started; i++) pthread_join(tid[i], NULL);
  for (int i = 0; i < nthreads; i++)
    if (w[i].err) return w[i].err;
  return PST_OK;
}

/* Appends the hits of the levels f[0..n) (ascending) to acc. */
static pst_err scan_levels(const pst__cascade *c, const pst_plane *luma,
                           const double *f, int n, int step, int threads,
                           const scan_roi *roi, const scan_tables *t,
                           hits *acc) {
  scan_job job;
  worker w[MAX_THREADS];
  pst_err err;
  if (n <= 0) return PST_OK;
  job.c = c;
  job.t = t;
  job.luma = luma;
  job.f = f;
  job.nlevels = n;
  job.step = step;
  job.roi = roi;
  atomic_init(&job.next, 0);
  threads = PST_CLAMP(threads, 1, PST_MIN(MAX_THREADS, n));
  memset(w, 0, sizeof w);
  for (int i = 0; i < threads; i++) {
    w[i].job = &job;
    w[i].lb = &t->bufs[i];
  }
  err = run_workers(w, threads);
  for (int i = 0; i < threads && !err; i++)
    for (int k = 0; k < w[i].h.n && !err; k++) {
      int rc = hits_add(acc, w[i].h.r[k]);
      if (rc < 0) err = PST_ERR_NOMEM;
      if (rc) break;
    }
  for (int i = 0; i < threads; i++) free(w[i].h.r);
  return err;
}

static int scan_checked(const pst__cascade *c, const pst_plane *luma,
                        int min_size, int max_size, double scale, int step,
                        int threads, const scan_roi *roi, pst_rect **out) {
  double *f = NULL;
  hits acc = {0};
  int n;
  pst_err err = PST_OK;
  *out = NULL;
  if (!c || !luma || !luma->data || luma->width <= 0 || luma->height <= 0 ||
      scale <= 1.0 || step < 1)
    return -PST_ERR_ARG;
  f = malloc(MAX_LEVELS * sizeof *f);
  if (!f) return -PST_ERR_NOMEM;
  n = plan_levels(c, luma, min_size, max_size, scale, f);
  if (n > 0) {
    scan_tables t;
    err = tables_build(c, luma, f[0], step, &t);
    if (!err) err = scan_levels(c, luma, f, n, step, threads, roi, &t, &acc);
    tables_free(&t);
  }
  free(f);
  if (err) {
    free(acc.r);
    return -(int)err;
  }
  *out = acc.r ? acc.r : malloc(sizeof **out);
  if (!*out) return -PST_ERR_NOMEM;
  return acc.n;
}

int pst__cascade_scan(const pst__cascade *c, const pst_plane *luma,
                      int min_size, int max_size, double scale, int step,
                      int threads, pst_rect **out) {
  return scan_checked(c, luma, min_size, max_size, scale, step, threads, NULL,
                      out);
}

int pst__cascade_scan_roi(const pst__cascade *c, const pst_plane *luma,
                          int min_size, int max_size, double scale, int step,
                          const pst_rect *centres, int ncentres,
                          pst_rect **out) {
  scan_roi roi;
  memset(&roi, 0, sizeof roi);
  if (ncentres < 0 || ncentres > 2 || (ncentres > 0 && !centres))
    return -PST_ERR_ARG;
  for (int i = 0; i < ncentres; i++) roi.keep[i] = centres[i];
  roi.nkeep = ncentres;
  return scan_checked(c, luma, min_size, max_size, scale, step, 1, &roi, out);
}

/* ---- grouping ---- */
static int similar(const pst_rect *a, const pst_rect *b) {
  double delta = 0.2 * (PST_MIN(a->w, b->w) + PST_MIN(a->h, b->h)) * 0.5;
  return fabs((double)a->x - b->x) <= delta &&
         fabs((double)a->y - b->y) <= delta &&
         fabs((double)a->x + a->w - b->x - b->w) <= delta &&
         fabs((double)a->y + a->h - b->y - b->h) <= delta;
}

static int find_root(int *parent, int i) {
  while (parent[i] != i) {
    parent[i] = parent[parent[i]];
    i = parent[i];
  }
  return i;
}

static int inside(const pst__face *in, const pst__face *big) {
  int dx = (int)lround(big->box.w * 0.2), dy = (int)lround(big->box.h * 0.2);
  return in->box.x >= big->box.x - dx && in->box.y >= big->box.y - dy &&
         in->box.x + in->box.w <= big->box.x + big->box.w + dx &&
         in->box.y + in->box.h <= big->box.y + big->box.h + dy;
}

static int by_neighbors(const void *a, const void *b) {
  const pst__face *fa = a, *fb = b;
  if (fa->neighbors != fb->neighbors) return fb->neighbors - fa->neighbors;
  return fb->box.w - fa->box.w;
}

/* Keeps the classes with more than min_neighbors members, averaged. */
static int average_classes(const pst_rect *in, int n, int *parent,
                           int min_neighbors, pst__face *cls) {
  int *slot = NULL, nc = 0;
  double *acc = calloc((size_t)n * 4, sizeof *acc);
  slot = malloc((size_t)n * sizeof *slot);
  if (!acc || !slot) {
    free(acc);
    free(slot);
    return -PST_ERR_NOMEM;
  }
  for (int i = 0; i < n; i++) slot[i] = -1;
  for (int i = 0; i < n; i++) {
    int r = find_root(parent, i);
    if (slot[r] < 0) {
      slot[r] = nc;
      cls[nc++].neighbors = 0;
    }
    int k = slot[r];
    acc[4 * k] += in[i].x;
    acc[4 * k + 1] += in[i].y;
    acc[4 * k + 2] += in[i].w;
    acc[4 * k + 3] += in[i].h;
    cls[k].neighbors++;
  }
  int kept = 0;
  for (int k = 0; k < nc; k++) {
    int m = cls[k].neighbors;
    if (m <= min_neighbors) continue;
    pst__face f = {
        {(int)lround(acc[4 * k] / m), (int)lround(acc[4 * k + 1] / m),
         (int)lround(acc[4 * k + 2] / m), (int)lround(acc[4 * k + 3] / m)},
        m,
        0.0};
    cls[kept++] = f;
  }
  free(acc);
  free(slot);
  return kept;
}

int pst__group_rects(const pst_rect *in, int n, int min_neighbors,
                     pst__face *out, int max_out) {
  int *parent = NULL, nc, kept = 0;
  pst__face *cls = NULL;
  if (n <= 0) return 0;
  parent = malloc((size_t)n * sizeof *parent);
  cls = malloc((size_t)n * sizeof *cls);
  if (!parent || !cls) {
    kept = -PST_ERR_NOMEM;
    goto out;
  }
  for (int i = 0; i < n; i++) parent[i] = i;
  for (int i = 0; i < n; i++)
    for (int j = i + 1; j < n; j++)
      if (similar(&in[i], &in[j])) {
        int a = find_root(parent, i), b = find_root(parent, j);
        if (a != b) parent[b] = a;
      }
  nc = average_classes(in, n, parent, min_neighbors, cls);
  if (nc < 0) {
    kept = nc;
    goto out;
  }
  /* A weak class lying inside a stronger one is a part of the same face.
   * `parent` is free again and holds the verdicts, so that every class is
   * judged against all the others. */
  for (int i = 0; i < nc; i++) {
    int drop = 0;
    for (int j = 0; j < nc && !drop; j++) {
      if (i == j) continue;
      int ni = cls[i].neighbors, nj = cls[j].neighbors;
      drop = inside(&cls[i], &cls[j]) && (nj > PST_MAX(3, ni) || ni < 3);
    }
    parent[i] = !drop;
  }
  for (int i = 0; i < nc; i++)
    if (parent[i]) cls[kept++] = cls[i];
  qsort(cls, (size_t)kept, sizeof *cls, by_neighbors);
  if (kept > 0 && max_out > 0)
    memcpy(out, cls, (size_t)PST_MIN(kept, max_out) * sizeof *out);
out:
  free(parent);
  free(cls);
  return kept;
}

/* ---- rolled faces ---- */
/* The plane rotated by deg about its centre (edges replicated). */
static pst_err rotate_plane(const pst_plane *src, double deg, pst_plane *out) {
  double a = deg * M_PI / 180.0, ca = cos(a), sa = sin(a);
  double cx = (src->width - 1) / 2.0, cy = (src->height - 1) / 2.0;
  out->data = malloc((size_t)src->width * (size_t)src->height);
  if (!out->data) return PST_ERR_NOMEM;
  out->width = out->stride = src->width;
  out->height = src->height;
  for (int y = 0; y < src->height; y++)
    for (int x = 0; x < src->width; x++) {
      /* Inverse map: which source pixel lands on (x, y). */
      double sx = ca * (x - cx) - sa * (y - cy) + cx;
      double sy = sa * (x - cx) + ca * (y - cy) + cy;
      int ix = PST_CLAMP((int)lround(sx), 0, src->width - 1);
      int iy = PST_CLAMP((int)lround(sy), 0, src->height - 1);
      out->data[(size_t)y * src->width + x] =
          src->data[(size_t)iy * src->stride + ix];
    }
  return PST_OK;
}

static void unrotate_box(const pst_plane *p, double deg, pst__face *f) {
  double a = deg * M_PI / 180.0, ca = cos(a), sa = sin(a);
  double cx = (p->width - 1) / 2.0, cy = (p->height - 1) / 2.0;
  double x = f->box.x + f->box.w / 2.0, y = f->box.y + f->box.h / 2.0;
  double sx = ca * (x - cx) - sa * (y - cy) + cx;
  double sy = sa * (x - cx) + ca * (y - cy) + cy;
  f->box.x = (int)lround(sx - f->box.w / 2.0);
  f->box.y = (int)lround(sy - f->box.h / 2.0);
  f->angle = deg;
}

/* The raw hits of `n` levels grouped into faces (strongest first). */
static int group_hits(const hits *h, const pst__detect_opts *o, pst__face *out,
                      int max_out) {
  return h->n > 0 ? pst__group_rects(h->r, h->n, o->min_neighbors, out, max_out)
                  : 0;
}

/* With o->first_min, the sizes from first_min up are scanned first. The
 * smaller ones matter only for a face that counts (SPEC face.count: a
 * second face counts from 1/3 of the first's width) or when nothing larger
 * was found, so they are scanned down to a third of the strongest face
 * (one pyramid step of margin) and not where the strongest face itself
 * lies. Two faces do not overlap, so a second one of width w2 >= w / 3 is
 * centred at least (w + w2) / 2 >= 2w / 3 from the first's centre along x
 * or y: window centres in the first box grown by w / 6 on each side are
 * skipped (on the mkcompliance photo this ring costs as much as the rest
 * of the pass). All raw hits are grouped together, as one scan would
 * have. */
static int detect_once(const pst_plane *luma, const pst__detect_opts *o,
                       pst__face *out, int max_out) {
  const pst__cascade *c = &pst__cascade_frontalface_alt2;
  double *f = malloc(MAX_LEVELS * sizeof *f);
  hits h = {0};
  scan_roi roi;
  scan_tables t = {0};
  pst__face first;
  int n, k = 0, lo = 0, ng;
  pst_err err;
  if (!f) return -PST_ERR_NOMEM;
  memset(&roi, 0, sizeof roi);
  n = plan_levels(c, luma, o->min_size, o->max_size, o->scale, f);
  if (o->first_min > o->min_size)
    while (k < n && c->width * f[k] < o->first_min) k++;
  /* One set of tables, for the largest level, serves both passes. */
  err = n > 0 ? tables_build(c, luma, f[0], o->step, &t) : PST_OK;
  if (!err)
    err = scan_levels(c, luma, f + k, n - k, o->step, o->threads, NULL, &t, &h);
  if (!err && k > 0) {
    ng = group_hits(&h, o, &first, 1);
    if (ng < 0) err = (pst_err)-ng;
    if (ng > 0) {
      double need = first.box.w / (3.0 * o->scale);
      while (lo < k && c->width * f[lo] < need) lo++;
      roi.skip = first.box;
      roi.skip.x -= first.box.w / 6;
      roi.skip.y -= first.box.h / 6;
      roi.skip.w += 2 * (first.box.w / 6);
      roi.skip.h += 2 * (first.box.h / 6);
      roi.has_skip = 1;
    }
    /* Every other level here (factor 1.21) halves this pass but loses the
     * second face of two_people.jpg: all levels are scanned. */
    if (!err)
      err = scan_levels(c, luma, f + lo, k - lo, o->step, o->threads, &roi, &t,
                        &h);
  }
  n = err ? -(int)err : group_hits(&h, o, out, max_out);
  tables_free(&t);
  free(h.r);
  free(f);
  return n;
}

static int detect_rotated(const pst_plane *luma, const pst__detect_opts *o,
                          pst__face *out, int max_out) {
  static const double angles[] = {15, -15, 30, -30};
  for (size_t i = 0; i < sizeof angles / sizeof angles[0]; i++) {
    pst_plane rot = {0};
    pst_err err = rotate_plane(luma, angles[i], &rot);
    int n;
    if (err) return -(int)err;
    n = detect_once(&rot, o, out, max_out);
    free(rot.data);
    if (n < 0) return n;
    if (n == 0) continue;
    for (int k = 0; k < PST_MIN(n, max_out); k++)
      unrotate_box(luma, angles[i], &out[k]);
    return n;
  }
  return 0;
}

/* Whether `g`, weaker than `f`, sits where f's own neck and chest are:
 * centred inside f's column, between its chin and 1.5 face heights below.
 * Another person's face cannot be there (f's body hides it), but a collar
 * or a necklace fires the cascade a few times (london/008_03: a 55 px box
 * with 4 hits under a 143 px face with 12). */
static int on_the_body(const pst__face *f, const pst__face *g) {
  int cx = g->box.x + g->box.w / 2, cy = g->box.y + g->box.h / 2;
  int bottom = f->box.y + f->box.h;
  return g->neighbors < f->neighbors && cx > f->box.x &&
         cx < f->box.x + f->box.w && cy > bottom &&
         cy < bottom + f->box.h * 3 / 2;
}

/* A face under half the size of the strongest, with under 1/8 of its hits,
 * is a texture (collar, neck, hair) next to a real face: in portraits the
 * cascade fires a handful of times there while the face itself gathers
 * tens of hits. So is one that small on the strongest face's body. Faces
 * of a group photo are of similar size and survive. `f` is sorted
 * strongest first. */
static int drop_weak_small(pst__face *f, int n) {
  int k = n > 0 ? 1 : 0;
  for (int i = 1; i < n; i++) {
    if (2 * f[i].box.w < f[0].box.w &&
        (8 * f[i].neighbors < f[0].neighbors || on_the_body(&f[0], &f[i])))
      continue;
    f[k++] = f[i];
  }
  return k;
}

int pst__detect_faces(const pst_plane *luma, const pst__detect_opts *o,
                      pst__face *out, int max_out) {
  pst__detect_opts d = {0};
  int n, side;
  if (!luma || !luma->data || luma->width <= 0 || luma->height <= 0 ||
      max_out < 0 || (max_out > 0 && !out))
    return -PST_ERR_ARG;
  if (o) d = *o;
  side = PST_MIN(luma->width, luma->height);
  if (d.min_size <= 0) d.min_size = PST_MAX(side / 8, 20);
  if (d.max_size <= 0) d.max_size = side;
  if (d.scale <= 1.0) d.scale = 1.1;
  if (d.min_neighbors <= 0) d.min_neighbors = 3;
  if (d.threads <= 0) d.threads = 2;
  if (d.step <= 0) d.step = 2;
  if (side < 20 || d.min_size > d.max_size) return 0;
  n = detect_once(luma, &d, out, max_out);
  if (n == 0 && d.try_rotated) n = detect_rotated(luma, &d, out, max_out);
  return n > 0 ? drop_weak_small(out, PST_MIN(n, max_out)) +
                     PST_MAX(n - max_out, 0)
               : n;
}

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
    double s = PST_CLAMP((i + 0.5) * f - 0.5, 0.0, n - 1.0);
    i0[i] = (int32_t)s;
    wt[i] = (int32_t)lround((s - i0[i]) * 256.0);
    if (wt[i] == 256) i0[i]++, wt[i] = 0;
  }
}

/* Fixed-point bilinear resample into dst (dw x dh, stride dw); `tab` holds
 * 2 * (dw + dh) ints. */
static void resize_into(const pst_plane *src, int dw, int dh, uint8_t *dst,
                        int32_t *tab) {
  int32_t *x0 = tab, *wx = tab + dw, *y0 = tab + 2 * dw, *wy = y0 + dh;
  resize_taps(src->width, dw, x0, wx);
  resize_taps(src->height, dh, y0, wy);
  for (int y = 0; y < dh; y++) {
    const uint8_t *r0 = src->data + (size_t)y0[y] * src->stride;
    const uint8_t *r1 =
        src->data + (size_t)PST_MIN(y0[y] + 1, src->height - 1) * src->stride;
    int32_t b = wy[y], a = 256 - b;
    uint8_t *o = dst + (size_t)y * dw;
    for (int x = 0; x < dw; x++) {
      int32_t i = x0[x], j = PST_MIN(i + 1, src->width - 1), w1 = wx[x];
      int32_t top = r0[i] * (256 - w1) + r0[j] * w1;
      int32_t bot = r1[i] * (256 - w1) + r1[j] * w1;
      o[x] = (uint8_t)((top * a + bot * b + 32768) >> 16);
    }
  }
}

pst_err pst__plane_resize(const pst_plane *src, int dw, int dh,
                          pst_plane *out) {
  int32_t *tab;
  memset(out, 0, sizeof *out);
  if (!src || !src->data || dw <= 0 || dh <= 0) return PST_ERR_ARG;
  if ((long)dw * dh > MAX_LEVEL_PIXELS) return PST_ERR_LIMIT;
  tab = malloc(2 * ((size_t)dw + (size_t)dh) * sizeof *tab);
  out->data = malloc((size_t)dw * (size_t)dh);
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
    }
  }
}

/* Whether every rectangle weight is an integer (true of OpenCV's Haar
 * cascades; the integer sums below rely on it). */
static int integer_weights(const pst__cascade *c) {
  for (int i = 0; i < c->nfeatures; i++)
    for (int k = 0; k < c->features[i].nrects; k++)
      if (c->features[i].r[k].weight != rintf(c->features[i].r[k].weight))
        return 0;
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
 * a hit). `norm` is the window's stddev * area: comparing
 * sum < threshold * norm equals OpenCV's normalised sum < threshold without
 * a division per feature. */
static int run_cascade(const pst__cascade *c, const opt_node *on,
                       const uint32_t *p, float norm) {
  for (int si = 0; si < c->nstages; si++) {
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
typedef struct level_buf {
  uint8_t *px;
  uint32_t *sum, *sq;
  int32_t *tab;
  int stride;
} level_buf;

static void integrate(level_buf *lb, int w, int h) {
  int s = lb->stride;
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

/* stddev * area of the window's inner rectangle (offset o of its inner
 * top-left), or 0 when the window is nearly flat: no face has a grey-level
 * spread under MIN_STDDEV, and skipping such windows makes plain studio
 * backgrounds almost free. */
static inline float norm_at(const level_buf *lb, size_t o, int nw, int nh) {
  size_t b = o + (size_t)nw, cc = o + (size_t)nh * lb->stride,
         d = cc + (size_t)nw;
  int64_t area = (int64_t)nw * nh;
  int64_t sum = (uint32_t)(lb->sum[d] - lb->sum[b] - lb->sum[cc] + lb->sum[o]);
  int64_t sq = (uint32_t)(lb->sq[d] - lb->sq[b] - lb->sq[cc] + lb->sq[o]);
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

typedef struct scan_ctx {
  const pst__cascade *c;
  const opt_node *on;
  const level_buf *lb;
  double f;
  int step;
  const scan_roi *roi;
  hits *h;
} scan_ctx;

/* Windows with top-left in [x0, x1] x [y0, y1] of the level. */
static pst_err scan_box(const scan_ctx *s, int x0, int x1, int y0, int y1) {
  const pst__cascade *c = s->c;
  const level_buf *lb = s->lb;
  int step = s->step, nw = c->width - 2, nh = c->height - 2;
  double f = s->f;
  int sx0 = 1, sx1 = 0, sy0 = 1, sy1 = 0;
  if (s->roi && s->roi->has_skip) {
    const pst_rect *k = &s->roi->skip;
    centre_range(k->x, k->x + k->w, f, c->width, 1, 1 << 30, &sx0, &sx1);
    centre_range(k->y, k->y + k->h, f, c->height, 1, 1 << 30, &sy0, &sy1);
  }
  for (int y = y0; y <= y1; y += step) {
    const uint32_t *row = lb->sum + (size_t)y * lb->stride;
    int skip_row = y >= sy0 && y <= sy1;
    for (int x = x0; x <= x1; x += step) {
      if (skip_row && x >= sx0 && x <= sx1) continue;
      float norm =
          norm_at(lb, (size_t)(y + 1) * lb->stride + (size_t)x + 1, nw, nh);
      int passed = norm == 0.f ? 0 : run_cascade(c, s->on, row + x, norm);
      /* As OpenCV: a window that fails the first stage is far from any
       * face, so its right neighbour is skipped too. */
      if (passed == 0) x += step;
      if (passed < c->nstages) continue;
      pst_rect r = {(int)lround(x * f), (int)lround(y * f),
                    (int)lround(c->width * f), (int)lround(c->height * f)};
      int rc = hits_add(s->h, r);
      if (rc) return rc < 0 ? PST_ERR_NOMEM : PST_OK;
    }
  }
  return PST_OK;
}

/* One pyramid level: the image shrunk by f, scanned with the window. */
static pst_err scan_level(const pst__cascade *c, const pst_plane *luma,
                          double f, int step, const scan_roi *roi,
                          const opt_node *on, level_buf *lb, hits *h) {
  int lw = (int)lround(luma->width / f), lh = (int)lround(luma->height / f);
  scan_ctx s = {c, on, lb, f, step, roi, h};
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
  atomic_int next;
} scan_job;

typedef struct worker {
  scan_job *job;
  hits h;
  pst_err err;
} worker;

static void level_buf_free(level_buf *lb) {
  free(lb->px);
  free(lb->sum);
  free(lb->sq);
  free(lb->tab);
}

/* Buffers for the largest level of the job (the first: f ascends). */
static pst_err level_buf_alloc(const scan_job *j, level_buf *lb) {
  int lw = (int)lround(j->luma->width / j->f[0]) + 1;
  int lh = (int)lround(j->luma->height / j->f[0]) + 1;
  size_t n = (size_t)(lw + 1) * (size_t)(lh + 1);
  memset(lb, 0, sizeof *lb);
  lb->stride = lw + 1;
  lb->px = malloc((size_t)lw * (size_t)lh);
  lb->sum = malloc(n * sizeof *lb->sum);
  lb->sq = malloc(n * sizeof *lb->sq);
  lb->tab = malloc(2 * ((size_t)lw + (size_t)lh) * sizeof *lb->tab);
  if (lb->px && lb->sum && lb->sq && lb->tab) return PST_OK;
  level_buf_free(lb);
  return PST_ERR_NOMEM;
}

static void *worker_run(void *arg) {
  worker *w = arg;
  const scan_job *j = w->job;
  const pst__cascade *c = j->c;
  level_buf lb;
  opt_node *on = malloc((size_t)c->nnodes * sizeof *on);
  w->err = on ? level_buf_alloc(j, &lb) : PST_ERR_NOMEM;
  if (w->err) {
    free(on);
    return NULL;
  }
  prepare_nodes(c, lb.stride, on);
  for (;;) {
    int i = atomic_fetch_add(&w->job->next, 1);
    if (i >= j->nlevels) break;
    w->err = scan_level(c, j->luma, j->f[i], j->step, j->roi, on, &lb, &w->h);
    if (w->err) break;
  }
  level_buf_free(&lb);
  free(on);
  return NULL;
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
                           const scan_roi *roi, hits *acc) {
  scan_job job;
  worker w[MAX_THREADS];
  pst_err err;
  if (n <= 0) return PST_OK;
  if (!integer_weights(c)) return PST_ERR_ARG;
  job.c = c;
  job.luma = luma;
  job.f = f;
  job.nlevels = n;
  job.step = step;
  job.roi = roi;
  atomic_init(&job.next, 0);
  threads = PST_CLAMP(threads, 1, PST_MIN(MAX_THREADS, n));
  memset(w, 0, sizeof w);
  for (int i = 0; i < threads; i++) w[i].job = &job;
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
  pst_err err;
  *out = NULL;
  if (!c || !luma || !luma->data || luma->width <= 0 || luma->height <= 0 ||
      scale <= 1.0 || step < 1)
    return -PST_ERR_ARG;
  f = malloc(MAX_LEVELS * sizeof *f);
  if (!f) return -PST_ERR_NOMEM;
  n = plan_levels(c, luma, min_size, max_size, scale, f);
  err = scan_levels(c, luma, f, n, step, threads, roi, &acc);
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
  pst__face first;
  int n, k = 0, lo = 0, ng;
  pst_err err;
  if (!f) return -PST_ERR_NOMEM;
  memset(&roi, 0, sizeof roi);
  n = plan_levels(c, luma, o->min_size, o->max_size, o->scale, f);
  if (o->first_min > o->min_size)
    while (k < n && c->width * f[k] < o->first_min) k++;
  err = scan_levels(c, luma, f + k, n - k, o->step, o->threads, NULL, &h);
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
      err = scan_levels(c, luma, f + lo, k - lo, o->step, o->threads, &roi, &h);
  }
  n = err ? -(int)err : group_hits(&h, o, out, max_out);
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

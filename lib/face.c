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

pst_err pst__plane_resize(const pst_plane *src, int dw, int dh,
                          pst_plane *out) {
  double fx, fy;
  memset(out, 0, sizeof *out);
  if (!src || !src->data || dw <= 0 || dh <= 0) return PST_ERR_ARG;
  if ((long)dw * dh > MAX_LEVEL_PIXELS) return PST_ERR_LIMIT;
  out->data = malloc((size_t)dw * (size_t)dh);
  if (!out->data) return PST_ERR_NOMEM;
  out->width = out->stride = dw;
  out->height = dh;
  fx = (double)src->width / dw;
  fy = (double)src->height / dh;
  for (int y = 0; y < dh; y++) {
    double sy = PST_CLAMP((y + 0.5) * fy - 0.5, 0.0, src->height - 1.0);
    int y0 = (int)sy, y1 = PST_MIN(y0 + 1, src->height - 1);
    double wy = sy - y0;
    const uint8_t *r0 = src->data + (size_t)y0 * src->stride;
    const uint8_t *r1 = src->data + (size_t)y1 * src->stride;
    for (int x = 0; x < dw; x++) {
      double sx = PST_CLAMP((x + 0.5) * fx - 0.5, 0.0, src->width - 1.0);
      int x0 = (int)sx, x1 = PST_MIN(x0 + 1, src->width - 1);
      double wx = sx - x0;
      double top = r0[x0] + (r0[x1] - r0[x0]) * wx;
      double bot = r1[x0] + (r1[x1] - r1[x0]) * wx;
      out->data[(size_t)y * dw + x] = (uint8_t)(top + (bot - top) * wy + 0.5);
    }
  }
  return PST_OK;
}

/* Each tree node with its feature's rectangles as integral-image offsets
 * for one stride, in evaluation order: the hot loop then reads one small
 * record per node instead of chasing node -> feature -> rect. */
typedef struct opt_node {
  int32_t a[3], b[3], c[3], d[3];
  float w[3];
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
      on[i].w[k] = k < f->nrects ? r->weight : 0.f;
    }
  }
}

static inline int32_t box(const uint32_t *p, int32_t a, int32_t b, int32_t c,
                          int32_t d) {
  return (int32_t)(p[d] - p[b] - p[c] + p[a]);
}

static inline float node_sum(const opt_node *n, const uint32_t *p) {
  float s = n->w[0] * (float)box(p, n->a[0], n->b[0], n->c[0], n->d[0]) +
            n->w[1] * (float)box(p, n->a[1], n->b[1], n->c[1], n->d[1]);
  if (n->nrects > 2)
    s += n->w[2] * (float)box(p, n->a[2], n->b[2], n->c[2], n->d[2]);
  return s;
}

/* The number of stages passed by the window whose top-left is p (nstages:
 * a hit). `norm` is
 * the window's stddev * area: comparing sum < threshold * norm equals
 * OpenCV's normalised sum < threshold without a division per feature. */
static int run_cascade(const pst__cascade *c, const opt_node *on,
                       const uint32_t *p, float norm) {
  for (int si = 0; si < c->nstages; si++) {
    const pst__haar_stage *st = &c->stages[si];
    float sum = 0.f;
    for (uint32_t wi = st->weak0; wi < st->weak0 + st->nweak; wi++) {
      const pst__haar_weak *w = &c->weak[wi];
      const opt_node *nodes = on + w->node0;
      int idx = 0;
      do {
        const opt_node *nd = &nodes[idx];
        idx = node_sum(nd, p) < nd->threshold * norm ? nd->left : nd->right;
      } while (idx > 0);
      sum += c->leaves[w->leaf0 - (uint32_t)idx];
    }
    if (sum < st->threshold) return si;
  }
  return c->nstages;
}

/* stddev * area of the window's inner rectangle, or 0 when the window is
 * nearly flat: no face has a grey-level spread under MIN_STDDEV, and
 * skipping such windows makes plain studio backgrounds almost free. */
static float norm_at(const pst__integral *ii, int x, int y,
                     const pst__cascade *c) {
  int nw = c->width - 2, nh = c->height - 2;
  double area = (double)nw * nh;
  size_t s = (size_t)ii->stride;
  size_t a = (size_t)(y + 1) * s + (size_t)(x + 1), b = a + (size_t)nw;
  size_t cc = a + (size_t)nh * s, d = cc + (size_t)nw;
  double sum =
      (double)(uint32_t)(ii->sum[d] - ii->sum[b] - ii->sum[cc] + ii->sum[a]);
  double sq =
      (double)(ii->sqsum[d] - ii->sqsum[b] - ii->sqsum[cc] + ii->sqsum[a]);
  double nf = area * sq - sum * sum;
  return nf > MIN_STDDEV * MIN_STDDEV * area * area ? (float)sqrt(nf) : 0.f;
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

/* One pyramid level: the image shrunk by f, scanned with the window. */
static pst_err scan_level(const pst__cascade *c, const pst_plane *luma,
                          double f, int step, opt_node *on, hits *h) {
  pst_plane lv = {0};
  pst__integral ii = {0};
  int lw = (int)lround(luma->width / f), lh = (int)lround(luma->height / f);
  pst_err err;
  if (lw < c->width || lh < c->height) return PST_OK;
  err = pst__plane_resize(luma, lw, lh, &lv);
  if (!err) err = pst__integral_build(&lv, &ii);
  if (err) goto out;
  prepare_nodes(c, ii.stride, on);
  for (int y = 0; y + c->height <= lh; y += step) {
    const uint32_t *row = ii.sum + (size_t)y * ii.stride;
    for (int x = 0; x + c->width <= lw; x += step) {
      float norm = norm_at(&ii, x, y, c);
      int passed = norm == 0.f ? 0 : run_cascade(c, on, row + x, norm);
      /* As OpenCV: a window that fails the first stage is far from any
       * face, so its right neighbour is skipped too. */
      if (passed == 0) x += step;
      if (passed < c->nstages) continue;
      pst_rect r = {(int)lround(x * f), (int)lround(y * f),
                    (int)lround(c->width * f), (int)lround(c->height * f)};
      int rc = hits_add(h, r);
      if (rc < 0) err = PST_ERR_NOMEM;
      if (rc) goto out;
    }
  }
out:
  pst__integral_free(&ii);
  free(lv.data);
  return err;
}

/* The pyramid levels are independent: workers take them largest first
 * from a shared counter, each with its own hits and node tables. */
#define MAX_LEVELS 512
#define MAX_THREADS 4

typedef struct scan_job {
  const pst__cascade *c;
  const pst_plane *luma;
  double f[MAX_LEVELS];
  int nlevels, step;
  atomic_int next;
} scan_job;

typedef struct worker {
  scan_job *job;
  hits h;
  pst_err err;
} worker;

static void *worker_run(void *arg) {
  worker *w = arg;
  const pst__cascade *c = w->job->c;
  opt_node *on = malloc((size_t)c->nnodes * sizeof *on);
  if (!on) {
    w->err = PST_ERR_NOMEM;
    return NULL;
  }
  for (;;) {
    int i = atomic_fetch_add(&w->job->next, 1);
    if (i >= w->job->nlevels) break;
    w->err = scan_level(c, w->job->luma, w->job->f[i], w->job->step, on, &w->h);
    if (w->err) break;
  }
  free(on);
  return NULL;
}

static void plan_levels(scan_job *job, int min_size, int max_size,
                        double scale) {
  const pst__cascade *c = job->c;
  const pst_plane *p = job->luma;
  double f = (double)PST_MAX(min_size, 1) / c->width;
  /* Upsampling is bounded: the first level is at most MAX_LEVEL_PIXELS. */
  while ((double)p->width * p->height / (f * f) > MAX_LEVEL_PIXELS) f *= scale;
  job->nlevels = 0;
  for (; c->width * f <= max_size + 1e-9 && job->nlevels < MAX_LEVELS;
       f *= scale) {
    if (p->width / f < c->width || p->height / f < c->height) break;
    job->f[job->nlevels++] = f;
  }
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

static int merge_hits(worker *w, int nthreads, pst_rect **out) {
  int total = 0, k = 0;
  for (int i = 0; i < nthreads; i++) total += w[i].h.n;
  *out = malloc((size_t)PST_MAX(total, 1) * sizeof **out);
  if (!*out) return -PST_ERR_NOMEM;
  for (int i = 0; i < nthreads; i++) {
    if (w[i].h.n) memcpy(*out + k, w[i].h.r, (size_t)w[i].h.n * sizeof **out);
    k += w[i].h.n;
  }
  return total;
}

int pst__cascade_scan(const pst__cascade *c, const pst_plane *luma,
                      int min_size, int max_size, double scale, int step,
                      int threads, pst_rect **out) {
  scan_job *job = NULL;
  worker w[MAX_THREADS];
  int n;
  pst_err err;
  *out = NULL;
  if (!c || !luma || !luma->data || luma->width <= 0 || luma->height <= 0 ||
      scale <= 1.0 || step < 1)
    return -PST_ERR_ARG;
  job = malloc(sizeof *job);
  if (!job) return -PST_ERR_NOMEM;
  job->c = c;
  job->luma = luma;
  job->step = step;
  atomic_init(&job->next, 0);
  plan_levels(job, min_size, max_size, scale);
  threads = PST_CLAMP(threads, 1, PST_MIN(MAX_THREADS, job->nlevels));
  threads = PST_MAX(threads, 1);
  memset(w, 0, sizeof w);
  for (int i = 0; i < threads; i++) w[i].job = job;
  err = run_workers(w, threads);
  n = err ? -(int)err : merge_hits(w, threads, out);
  for (int i = 0; i < threads; i++) free(w[i].h.r);
  free(job);
  return n;
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

static int detect_once(const pst_plane *luma, const pst__detect_opts *o,
                       pst__face *out, int max_out) {
  pst_rect *raw = NULL;
  int n = pst__cascade_scan(&pst__cascade_frontalface_alt2, luma, o->min_size,
                            o->max_size, o->scale, o->step, o->threads, &raw);
  if (n > 0) n = pst__group_rects(raw, n, o->min_neighbors, out, max_out);
  free(raw);
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

/* A face under half the size of the strongest, with under 1/8 of its hits,
 * is a texture (collar, neck, hair) next to a real face: in portraits the
 * cascade fires a handful of times there while the face itself gathers
 * tens of hits. Faces of a group photo are of similar size and survive.
 * `f` is sorted strongest first. */
static int drop_weak_small(pst__face *f, int n) {
  int k = n > 0 ? 1 : 0;
  for (int i = 1; i < n; i++) {
    if (2 * f[i].box.w < f[0].box.w && 8 * f[i].neighbors < f[0].neighbors)
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

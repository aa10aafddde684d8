/* cascade2c: turn OpenCV "opencv-cascade-classifier" XML files (Haar, BOOST)
 * into static C tables for lib/face.c.
 *
 *   cascade2c a.xml [b.xml ...] > cascades.c
 *
 * Each file becomes `const pst__cascade pst__cascade_<name>` where <name> is
 * the file's base name without "haarcascade_" and ".xml". Any syntax or
 * consistency error stops with a message and exit status 1, so a broken
 * cascade fails the build instead of yielding an empty detector. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum tok { T_EOF, T_OPEN, T_CLOSE, T_TEXT };

typedef struct lexer {
  const char *file;
  const char *p, *end;
  int line;
  enum tok kind;
  char name[64];    /* tag name of T_OPEN / T_CLOSE */
  const char *text; /* T_TEXT: start and length in the buffer */
  size_t textlen;
  int pushed; /* one token of look-ahead */
} lexer;

typedef struct node {
  int left, right, feature;
  double threshold;
} node;

typedef struct rect {
  int x, y, w, h;
  double weight;
} rect;

typedef struct feature {
  rect r[3];
  int nrects, tilted;
} feature;

typedef struct weak {
  int node0, nnodes, leaf0;
} weak;

typedef struct stage {
  int weak0, nweak;
  double threshold;
} stage;

/* A growable array of fixed-size elements. */
typedef struct vec {
  void *data;
  size_t n, cap, elem;
} vec;

typedef struct cascade {
  int width, height, stagenum;
  int haar, boost;
  vec stages, weaks, nodes, leaves, features;
} cascade;

static void die(const lexer *lx, const char *fmt, ...) {
  va_list ap;
  fprintf(stderr, "cascade2c: %s:%d: ", lx->file, lx->line);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  exit(1);
}

static void *vec_push(vec *v) {
  if (v->n == v->cap) {
    size_t cap = v->cap ? v->cap * 2 : 64;
    void *d = realloc(v->data, cap * v->elem);
    if (!d) {
      fprintf(stderr, "cascade2c: out of memory\n");
      exit(1);
    }
    v->data = d;
    v->cap = cap;
  }
  return (char *)v->data + v->elem * v->n++;
}

static void skip_until(lexer *lx, const char *marker) {
  size_t m = strlen(marker);
  while (lx->p + m <= lx->end && memcmp(lx->p, marker, m) != 0) {
    if (*lx->p == '\n') lx->line++;
    lx->p++;
  }
  if (lx->p + m > lx->end) die(lx, "unterminated markup (no \"%s\")", marker);
  lx->p += m;
}

/* Reads `<name>` or `</name>`; attributes are skipped. */
static void lex_tag(lexer *lx) {
  size_t n = 0;
  lx->p++;
  lx->kind = T_OPEN;
  if (lx->p < lx->end && *lx->p == '/') {
    lx->kind = T_CLOSE;
    lx->p++;
  }
  while (lx->p < lx->end && (isalnum((unsigned char)*lx->p) || *lx->p == '_')) {
    if (n + 1 >= sizeof lx->name) die(lx, "tag name too long");
    lx->name[n++] = *lx->p++;
  }
  lx->name[n] = '\0';
  if (n == 0) die(lx, "empty tag name");
  while (lx->p < lx->end && *lx->p != '>') {
    if (*lx->p == '\n') lx->line++;
    if (*lx->p == '/') die(lx, "self-closing <%s/> is not expected", lx->name);
    lx->p++;
  }
  if (lx->p >= lx->end) die(lx, "unterminated tag <%s", lx->name);
  lx->p++;
}

static void lex(lexer *lx) {
  if (lx->pushed) {
    lx->pushed = 0;
    return;
  }
  for (;;) {
    while (lx->p < lx->end && isspace((unsigned char)*lx->p)) {
      if (*lx->p == '\n') lx->line++;
      lx->p++;
    }
    if (lx->p >= lx->end) {
      lx->kind = T_EOF;
      return;
    }
    if (*lx->p != '<') break;
    if (lx->end - lx->p >= 4 && memcmp(lx->p, "<!--", 4) == 0)
      skip_until(lx, "-->");
    else if (lx->end - lx->p >= 2 && lx->p[1] == '?')
      skip_until(lx, "?>");
    else {
      lex_tag(lx);
      return;
    }
  }
  lx->kind = T_TEXT;
  lx->text = lx->p;
  while (lx->p < lx->end && *lx->p != '<') {
    if (*lx->p == '\n') lx->line++;
    lx->p++;
  }
  lx->textlen = (size_t)(lx->p - lx->text);
}

static void expect_open(lexer *lx, const char *name) {
  lex(lx);
  if (lx->kind != T_OPEN || strcmp(lx->name, name) != 0)
    die(lx, "expected <%s>", name);
}

static void expect_close(lexer *lx, const char *name) {
  lex(lx);
  if (lx->kind != T_CLOSE || strcmp(lx->name, name) != 0)
    die(lx, "expected </%s>", name);
}

/* Text content of the element just opened, up to its close tag, copied into
 * a NUL-terminated buffer the caller frees. */
static char *element_text(lexer *lx, const char *name) {
  char *s;
  lex(lx);
  if (lx->kind == T_CLOSE && strcmp(lx->name, name) == 0) {
    s = calloc(1, 1);
  } else {
    if (lx->kind != T_TEXT) die(lx, "<%s> should hold text", name);
    s = malloc(lx->textlen + 1);
    if (s) {
      memcpy(s, lx->text, lx->textlen);
      s[lx->textlen] = '\0';
    }
    expect_close(lx, name);
  }
  if (!s) die(lx, "out of memory");
  return s;
}

/* Skips the rest of an element whose open tag was just read. */
static void skip_element(lexer *lx, const char *name) {
  int depth = 1;
  char want[64];
  snprintf(want, sizeof want, "%s", name);
  while (depth > 0) {
    lex(lx);
    if (lx->kind == T_EOF) die(lx, "unterminated <%s>", want);
    if (lx->kind == T_OPEN) depth++;
    if (lx->kind == T_CLOSE) depth--;
  }
  if (strcmp(lx->name, want) != 0) die(lx, "</%s> closes <%s>", lx->name, want);
}

/* Parses every number of `s` into out (at most max); returns the count. */
static int numbers(lexer *lx, const char *s, double *out, int max) {
  int n = 0;
  char *e;
  for (;;) {
    while (isspace((unsigned char)*s)) s++;
    if (!*s) return n;
    if (n == max) die(lx, "more than %d numbers in \"%.40s\"", max, s);
    errno = 0;
    out[n] = strtod(s, &e);
    if (e == s || errno) die(lx, "bad number at \"%.20s\"", s);
    n++;
    s = e;
  }
}

static int element_int(lexer *lx, const char *name) {
  char *s = element_text(lx, name);
  double v;
  if (numbers(lx, s, &v, 1) != 1 || v != (int)v || v < 0 || v > 100000)
    die(lx, "<%s> should be a small non-negative integer", name);
  free(s);
  return (int)v;
}

static double element_num(lexer *lx, const char *name) {
  char *s = element_text(lx, name);
  double v;
  if (numbers(lx, s, &v, 1) != 1) die(lx, "<%s> should be a number", name);
  free(s);
  return v;
}

/* Reads the tree of one weak classifier (<_> already open). */
static void parse_weak(lexer *lx, cascade *c) {
  enum { MAXN = 4 * 1024 };
  static const char nodes_tag[] = "internalNodes", leaves_tag[] = "leafValues";
  double *v = malloc(MAXN * sizeof *v);
  weak *w = vec_push(&c->weaks);
  char *s;
  int n;
  if (!v) die(lx, "out of memory");
  expect_open(lx, nodes_tag);
  s = element_text(lx, nodes_tag);
  n = numbers(lx, s, v, MAXN);
  free(s);
  if (n == 0 || n % 4) die(lx, "internalNodes count %d is not 4 per node", n);
  w->node0 = (int)c->nodes.n;
  w->nnodes = n / 4;
  w->leaf0 = (int)c->leaves.n;
  for (int i = 0; i < n; i += 4) {
    node *nd = vec_push(&c->nodes);
    nd->left = (int)v[i];
    nd->right = (int)v[i + 1];
    nd->feature = (int)v[i + 2];
    nd->threshold = v[i + 3];
    if (nd->left >= w->nnodes || nd->right >= w->nnodes)
      die(lx, "node child index outside its tree");
    if (nd->left < -w->nnodes || nd->right < -w->nnodes)
      die(lx, "leaf index outside its tree");
  }
  expect_open(lx, leaves_tag);
  s = element_text(lx, leaves_tag);
  n = numbers(lx, s, v, MAXN);
  free(s);
  if (n != w->nnodes + 1)
    die(lx, "%d leaves for %d nodes (want nodes + 1)", n, w->nnodes);
  for (int i = 0; i < n; i++) *(double *)vec_push(&c->leaves) = v[i];
  expect_close(lx, "_");
  free(v);
}

static void parse_stage(lexer *lx, cascade *c) {
  stage *st = vec_push(&c->stages);
  int maxweak = -1;
  st->weak0 = (int)c->weaks.n;
  st->nweak = 0;
  st->threshold = 0;
  for (;;) {
    lex(lx);
    if (lx->kind == T_CLOSE && strcmp(lx->name, "_") == 0) break;
    if (lx->kind != T_OPEN) die(lx, "unexpected content in a stage");
    if (strcmp(lx->name, "maxWeakCount") == 0)
      maxweak = element_int(lx, "maxWeakCount");
    else if (strcmp(lx->name, "stageThreshold") == 0)
      st->threshold = element_num(lx, "stageThreshold");
    else if (strcmp(lx->name, "weakClassifiers") == 0) {
      for (;;) {
        lex(lx);
        if (lx->kind == T_CLOSE && strcmp(lx->name, "weakClassifiers") == 0)
          break;
        if (lx->kind != T_OPEN || strcmp(lx->name, "_") != 0)
          die(lx, "expected <_> in weakClassifiers");
        parse_weak(lx, c);
      }
    } else
      skip_element(lx, lx->name);
  }
  /* vec_push may have moved the stages: look the stage up again. */
  st = (stage *)c->stages.data + c->stages.n - 1;
  st->nweak = (int)c->weaks.n - st->weak0;
  if (maxweak != st->nweak)
    die(lx, "stage %zu: maxWeakCount %d but %d weak classifiers",
        c->stages.n - 1, maxweak, st->nweak);
}

static void parse_rects(lexer *lx, feature *f) {
  double v[6];
  for (;;) {
    lex(lx);
    if (lx->kind == T_CLOSE && strcmp(lx->name, "rects") == 0) break;
    if (lx->kind != T_OPEN || strcmp(lx->name, "_") != 0)
      die(lx, "expected <_> in rects");
    char *s = element_text(lx, "_");
    if (numbers(lx, s, v, 6) != 5) die(lx, "a rect needs x y w h weight");
    free(s);
    if (f->nrects == 3) die(lx, "more than 3 rects in a feature");
    rect *r = &f->r[f->nrects++];
    r->x = (int)v[0];
    r->y = (int)v[1];
    r->w = (int)v[2];
    r->h = (int)v[3];
    r->weight = v[4];
  }
}

static void parse_feature(lexer *lx, cascade *c) {
  feature *f = vec_push(&c->features);
  memset(f, 0, sizeof *f);
  for (;;) {
    lex(lx);
    if (lx->kind == T_CLOSE && strcmp(lx->name, "_") == 0) break;
    if (lx->kind != T_OPEN) die(lx, "unexpected content in a feature");
    if (strcmp(lx->name, "rects") == 0)
      parse_rects(lx, f);
    else if (strcmp(lx->name, "tilted") == 0)
      f->tilted = element_int(lx, "tilted");
    else
      skip_element(lx, lx->name);
  }
  if (f->nrects < 2) die(lx, "a feature needs at least 2 rects");
  if (f->tilted) die(lx, "tilted features are not supported");
}

static void parse_list(lexer *lx, cascade *c, const char *tag,
                       void (*item)(lexer *, cascade *)) {
  for (;;) {
    lex(lx);
    if (lx->kind == T_CLOSE && strcmp(lx->name, tag) == 0) return;
    if (lx->kind != T_OPEN || strcmp(lx->name, "_") != 0)
      die(lx, "expected <_> in <%s>", tag);
    item(lx, c);
  }
}

static void parse_cascade(lexer *lx, cascade *c) {
  for (;;) {
    lex(lx);
    if (lx->kind == T_CLOSE && strcmp(lx->name, "cascade") == 0) return;
    if (lx->kind != T_OPEN) die(lx, "unexpected content in <cascade>");
    if (strcmp(lx->name, "stageType") == 0) {
      char *s = element_text(lx, "stageType");
      c->boost = strstr(s, "BOOST") != NULL;
      free(s);
    } else if (strcmp(lx->name, "featureType") == 0) {
      char *s = element_text(lx, "featureType");
      c->haar = strstr(s, "HAAR") != NULL;
      free(s);
    } else if (strcmp(lx->name, "height") == 0)
      c->height = element_int(lx, "height");
    else if (strcmp(lx->name, "width") == 0)
      c->width = element_int(lx, "width");
    else if (strcmp(lx->name, "stageNum") == 0)
      c->stagenum = element_int(lx, "stageNum");
    else if (strcmp(lx->name, "stages") == 0)
      parse_list(lx, c, "stages", parse_stage);
    else if (strcmp(lx->name, "features") == 0)
      parse_list(lx, c, "features", parse_feature);
    else
      skip_element(lx, lx->name);
  }
}

static void validate(lexer *lx, const cascade *c) {
  const node *nd = c->nodes.data;
  const feature *f = c->features.data;
  if (!c->boost) die(lx, "stageType is not BOOST");
  if (!c->haar) die(lx, "featureType is not HAAR");
  if (c->width < 4 || c->height < 4 || c->width > 255 || c->height > 255)
    die(lx, "window %dx%d is implausible", c->width, c->height);
  if (c->stages.n == 0) die(lx, "no stages");
  if ((int)c->stages.n != c->stagenum)
    die(lx, "stageNum %d but %zu stages", c->stagenum, c->stages.n);
  if (c->features.n == 0 || c->features.n > 65535)
    die(lx, "%zu features", c->features.n);
  for (size_t i = 0; i < c->nodes.n; i++)
    if (nd[i].feature < 0 || (size_t)nd[i].feature >= c->features.n)
      die(lx, "node %zu uses feature %d of %zu", i, nd[i].feature,
          c->features.n);
  for (size_t i = 0; i < c->features.n; i++)
    for (int k = 0; k < f[i].nrects; k++) {
      const rect *r = &f[i].r[k];
      if (r->x < 0 || r->y < 0 || r->w <= 0 || r->h <= 0 ||
          r->x + r->w > c->width || r->y + r->h > c->height)
        die(lx, "feature %zu rect %d leaves the window", i, k);
    }
}

static char *read_all(const char *path, size_t *len) {
  FILE *fp = fopen(path, "rb");
  char *buf = NULL;
  long n;
  if (!fp) return NULL;
  if (fseek(fp, 0, SEEK_END) == 0 && (n = ftell(fp)) >= 0 &&
      fseek(fp, 0, SEEK_SET) == 0 && (buf = malloc((size_t)n + 1)) != NULL) {
    *len = fread(buf, 1, (size_t)n, fp);
    if (*len != (size_t)n) {
      free(buf);
      buf = NULL;
    }
  }
  fclose(fp);
  return buf;
}

static void emit(const char *id, const cascade *c) {
  const stage *st = c->stages.data;
  const weak *w = c->weaks.data;
  const node *nd = c->nodes.data;
  const double *lv = c->leaves.data;
  const feature *f = c->features.data;
  printf("\nstatic const pst__haar_stage %s_stages[] = {\n", id);
  for (size_t i = 0; i < c->stages.n; i++)
    printf("  {%d, %d, %.9ef},\n", st[i].weak0, st[i].nweak, st[i].threshold);
  printf("};\nstatic const pst__haar_weak %s_weak[] = {\n", id);
  for (size_t i = 0; i < c->weaks.n; i++)
    printf("  {%d, %d, %d},\n", w[i].node0, w[i].leaf0, w[i].nnodes);
  printf("};\nstatic const pst__haar_node %s_nodes[] = {\n", id);
  for (size_t i = 0; i < c->nodes.n; i++)
    printf("  {%d, %d, %d, %.9ef},\n", nd[i].left, nd[i].right, nd[i].feature,
           nd[i].threshold);
  printf("};\nstatic const float %s_leaves[] = {\n", id);
  for (size_t i = 0; i < c->leaves.n; i++) printf("  %.9ef,\n", lv[i]);
  printf("};\nstatic const pst__haar_feature %s_features[] = {\n", id);
  for (size_t i = 0; i < c->features.n; i++) {
    printf("  {{");
    for (int k = 0; k < 3; k++) {
      const rect *r = &f[i].r[k];
      printf("%s{%d, %d, %d, %d, %.9ef}", k ? ", " : "", r->x, r->y, r->w, r->h,
             k < f[i].nrects ? r->weight : 0.0);
    }
    printf("}, %d},\n", f[i].nrects);
  }
  printf("};\nconst pst__cascade pst__cascade_%s = {\n", id);
  printf("  \"%s\", %d, %d, %zu, %zu, %zu, %zu, %zu,\n", id, c->width,
         c->height, c->stages.n, c->weaks.n, c->nodes.n, c->leaves.n,
         c->features.n);
  printf("  %s_stages, %s_weak, %s_nodes, %s_leaves, %s_features,\n};\n", id,
         id, id, id, id);
}

/* haarcascade_frontalface_alt2.xml -> frontalface_alt2 */
static void make_id(const char *path, char *id, size_t cap) {
  const char *base = strrchr(path, '/');
  size_t n = 0;
  base = base ? base + 1 : path;
  if (strncmp(base, "haarcascade_", 12) == 0) base += 12;
  for (; *base && *base != '.' && n + 1 < cap; base++)
    id[n++] = isalnum((unsigned char)*base) ? *base : '_';
  id[n] = '\0';
}

static void convert(const char *path) {
  lexer lx = {0};
  cascade c = {0};
  char id[64];
  size_t len = 0;
  char *buf = read_all(path, &len);
  lx.file = path;
  lx.line = 1;
  if (!buf) die(&lx, "cannot read: %s", strerror(errno));
  lx.p = buf;
  lx.end = buf + len;
  c.stages.elem = sizeof(stage);
  c.weaks.elem = sizeof(weak);
  c.nodes.elem = sizeof(node);
  c.leaves.elem = sizeof(double);
  c.features.elem = sizeof(feature);
  expect_open(&lx, "opencv_storage");
  expect_open(&lx, "cascade");
  parse_cascade(&lx, &c);
  validate(&lx, &c);
  make_id(path, id, sizeof id);
  if (!id[0]) die(&lx, "cannot name the cascade after its file");
  emit(id, &c);
  free(c.stages.data);
  free(c.weaks.data);
  free(c.nodes.data);
  free(c.leaves.data);
  free(c.features.data);
  free(buf);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: cascade2c cascade.xml... > cascades.c\n");
    return 2;
  }
  printf("/* Generated by tools/cascade2c from OpenCV's trained cascades "
         "(opencv-data). Do not edit. */\n#include \"face.h\"\n");
  for (int i = 1; i < argc; i++) convert(argv[i]);
  if (fflush(stdout) != 0 || ferror(stdout)) {
    fprintf(stderr, "cascade2c: write error\n");
    return 1;
  }
  return 0;
}

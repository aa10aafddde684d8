/* The list of inputs: a recursive walk of INDIR or --files-from, sorted by
 * relative path (bytewise) so runs, resumes and shards agree on order. */
#include "batch.h"
#include "common.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The directories on the way down, by device and inode: a symlink that
 * leads back into one of them is a loop and is not entered again. */
typedef struct dstack {
  dev_t dev[256];
  ino_t ino[256];
  int n;
} dstack;

typedef struct walker {
  batch *b;
  dstack st;
  struct stat out_st; /* OUTDIR, skipped when it lies inside INDIR */
  int have_out;
} walker;

uint64_t batch_shard_hash(const char *rel) {
  uint64_t h = 1469598103934665603ull; /* FNV-1a: stable across machines */
  for (const unsigned char *p = (const unsigned char *)rel; *p; p++)
    h = (h ^ *p) * 1099511628211ull;
  return h;
}

int batch_item_add(batch *b, const char *rel, const char *path) {
  item *it;
  if (b->o->shard_n && (int)(batch_shard_hash(rel) % (uint64_t)b->o->shard_n) !=
                           b->o->shard_k - 1)
    return 0;
  if (b->n == b->cap) {
    int cap = b->cap ? b->cap * 2 : 256;
    item *ni = realloc(b->items, (size_t)cap * sizeof *ni);
    if (!ni) return -1;
    b->items = ni;
    b->cap = cap;
  }
  it = &b->items[b->n++];
  memset(it, 0, sizeof *it);
  it->rel = xstrdup(rel);
  it->path = xstrdup(path);
  it->row = -1;
  return 0;
}

static int in_stack(const dstack *s, const struct stat *st) {
  for (int i = 0; i < s->n; i++)
    if (s->dev[i] == st->st_dev && s->ino[i] == st->st_ino) return 1;
  return 0;
}

static void walk_dir(walker *w, const char *path, const char *rel);

static void walk_entry(walker *w, const char *path, const char *rel) {
  struct stat st;
  if (stat(path, &st) != 0) {
    /* A dangling symlink or a vanished file: still an input that fails. */
    batch_item_add(w->b, rel, path);
    return;
  }
  if (S_ISDIR(st.st_mode)) {
    if (w->have_out && st.st_dev == w->out_st.st_dev &&
        st.st_ino == w->out_st.st_ino)
      return;
    if (in_stack(&w->st, &st)) {
      cmd_diag(BATCH_PROG, path, "symbolic link loop; not followed");
      return;
    }
    if (w->st.n >= 256) {
      cmd_diag(BATCH_PROG, path, "folders nested too deep; skipped");
      return;
    }
    w->st.dev[w->st.n] = st.st_dev;
    w->st.ino[w->st.n++] = st.st_ino;
    walk_dir(w, path, rel);
    w->st.n--;
    return;
  }
  batch_item_add(w->b, rel, path);
}

static void walk_dir(walker *w, const char *path, const char *rel) {
  DIR *d = opendir(path);
  struct dirent *e;
  if (!d) {
    cmd_diag(BATCH_PROG, path, "cannot read folder: %s", strerror(errno));
    return;
  }
  while ((e = readdir(d)) != NULL) {
    char *p, *r;
    /* Hidden files are not submissions (.DS_Store, our temporaries). */
    if (e->d_name[0] == '.') continue;
    p = path_join(path, e->d_name);
    r = rel[0] ? path_join(rel, e->d_name) : xstrdup(e->d_name);
    walk_entry(w, p, r);
    free(p);
    free(r);
  }
  closedir(d);
}

static int cmp_items(const void *a, const void *b) {
  return strcmp(((const item *)a)->rel, ((const item *)b)->rel);
}

static int read_list(batch *b, FILE *f) {
  sbuf all = {0};
  char chunk[65536];
  size_t got;
  char sep = '\n';
  while ((got = fread(chunk, 1, sizeof chunk, f)) > 0) sb_add(&all, chunk, got);
  if (ferror(f) || all.oom) {
    sb_free(&all);
    return -1;
  }
  if (all.len && memchr(all.data, '\0', all.len)) sep = '\0';
  for (size_t i = 0; i < all.len;) {
    char *s = all.data + i, *e = memchr(s, sep, all.len - i);
    size_t n = e ? (size_t)(e - s) : all.len - i;
    i += n + 1;
    if (sep == '\n' && n && s[n - 1] == '\r') n--;
    if (!n) continue;
    s[n] = '\0';
    if (b->o->indir && s[0] != '/') {
      char *p = path_join(b->o->indir, s);
      batch_item_add(b, s, p);
      free(p);
    } else {
      batch_item_add(b, s[0] == '/' ? s + 1 : s, s);
    }
  }
  sb_free(&all);
  return 0;
}

static int collect_list(batch *b) {
  FILE *f =
      strcmp(b->o->files_from, "-") ? fopen(b->o->files_from, "rb") : stdin;
  int rc;
  if (!f) {
    cmd_diag(BATCH_PROG, b->o->files_from, "cannot read: %s", strerror(errno));
    return CMD_EXIT_USAGE;
  }
  rc = read_list(b, f);
  if (f != stdin) fclose(f);
  if (rc) {
    cmd_diag(BATCH_PROG, b->o->files_from, "read error");
    return CMD_EXIT_IO;
  }
  return CMD_EXIT_OK;
}

int batch_collect(batch *b) {
  walker w;
  struct stat st;
  int rc = CMD_EXIT_OK;
  memset(&w, 0, sizeof w);
  w.b = b;
  if (b->o->files_from) {
    rc = collect_list(b);
  } else {
    if (stat(b->o->indir, &st) != 0 || !S_ISDIR(st.st_mode)) {
      cmd_diag(BATCH_PROG, b->o->indir, "not a readable folder");
      return CMD_EXIT_USAGE;
    }
    w.have_out = b->o->outdir && stat(b->o->outdir, &w.out_st) == 0;
    w.st.dev[0] = st.st_dev;
    w.st.ino[0] = st.st_ino;
    w.st.n = 1;
    walk_dir(&w, b->o->indir, "");
  }
  if (b->n) qsort(b->items, (size_t)b->n, sizeof *b->items, cmp_items);
  return rc;
}

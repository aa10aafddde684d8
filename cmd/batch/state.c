/* --resume: OUTDIR/.photobatch-state is an append-only log, one JSON line
 * per finished input: the settings hash, the input's name in hex (names
 * need not be UTF-8) and the report entry with the input's and output's
 * SHA-256. A line cut short by kill -9 does not parse and is ignored. */
#include "batch.h"
#include "common.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void batch_settings_hash(batch *b) {
  sbuf s = {0};
  uint8_t sha[32];
  char hex[65] = "";
  sb_printf(&s,
            "photostd %s\nprofile %s\ncheck_only %d\nstrict %d\nname_by %d\n",
            pst_version(), pst_profile_name(b->prof), b->o->check_only,
            b->o->strict, (int)b->o->name_by);
  if (b->o->profile_arg && !pst_sha256_file(b->o->profile_arg, sha, NULL)) {
    hex_encode(sha, 32, hex);
    sb_printf(&s, "profile_file %s\n", hex);
  }
  if (b->o->roster_path && b->o->name_by != NAME_ORIGINAL &&
      !pst_sha256_file(b->o->roster_path, sha, NULL)) {
    hex_encode(sha, 32, hex);
    sb_printf(&s, "roster %s\n", hex);
  }
  pst_sha256_mem(s.data, s.len, sha);
  hex_encode(sha, 32, b->settings);
  sb_free(&s);
}

static void clean_dir(const char *dir, int depth) {
  DIR *d = opendir(dir);
  struct dirent *e;
  if (!d || depth > 64) {
    if (d) closedir(d);
    return;
  }
  while ((e = readdir(d)) != NULL) {
    char *p;
    struct stat st;
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
    p = path_join(dir, e->d_name);
    if (!strncmp(e->d_name, BATCH_TMP_PREFIX, strlen(BATCH_TMP_PREFIX))) {
      if (unlink(p) == 0)
        cmd_diag(BATCH_PROG, p,
                 "removed a temporary file left by an "
                 "interrupted run");
    } else if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode)) {
      clean_dir(p, depth + 1);
    }
    free(p);
  }
  closedir(d);
}

void batch_clean_temps(const char *outdir) { clean_dir(outdir, 0); }

static int file_sha(const char *path, char hex[65]) {
  uint8_t sha[32];
  if (pst_sha256_file(path, sha, NULL)) return -1;
  hex_encode(sha, 32, hex);
  return 0;
}

/* The stored entry still stands when the settings, the input's bytes and
 * the output's bytes are all what they were. */
static int still_valid(const batch *b, const item *it, const jval *line) {
  const jval *e = json_get(line, "entry");
  const char *set = json_str(line, "settings"), *in = json_str(e, "sha256");
  const char *out = json_str(e, "output"), *osha = json_str(e, "output_sha256");
  char hex[65];
  if (!set || strcmp(set, b->settings) || !in) return 0;
  if (file_sha(it->path, hex) || strcmp(hex, in)) return 0;
  if (!out) return 1;
  if (!osha || !it->outname || strcmp(out, it->outname)) return 0;
  {
    char *p = path_join(b->o->outdir, out);
    int ok = !file_sha(p, hex) && !strcmp(hex, osha);
    free(p);
    return ok;
  }
}

static void reuse(batch *b, const jval *line) {
  const char *hx = json_str(line, "input_hex");
  const jval *e = json_get(line, "entry");
  char name[8192];
  size_t n;
  if (!hx || !e || (n = strlen(hx)) % 2 || n / 2 >= sizeof name) return;
  for (size_t i = 0; i < n / 2; i++) {
    unsigned v;
    if (sscanf(hx + 2 * i, "%2x", &v) != 1) return;
    name[i] = (char)v;
  }
  name[n / 2] = '\0';
  for (int i = 0; i < b->n; i++) {
    item *it = &b->items[i];
    if (strcmp(it->rel, name)) continue;
    if (!still_valid(b, it, line)) return;
    free(it->entry);
    json_free(it->dom);
    it->entry = xcalloc(e->raw_len + 1, 1);
    memcpy(it->entry, e->raw, e->raw_len);
    it->dom = json_parse(it->entry, e->raw_len);
    it->resumed = 1;
    return;
  }
}

static void load(batch *b, const char *path) {
  FILE *f = fopen(path, "rb");
  char *line = NULL;
  size_t cap = 0;
  ssize_t n;
  if (!f) return;
  while ((n = getline(&line, &cap, f)) > 0) {
    jval *v = json_parse(line, (size_t)n - (line[n - 1] == '\n'));
    if (v) reuse(b, v);
    json_free(v);
  }
  free(line);
  fclose(f);
}

int batch_state_open(batch *b) {
  char *path;
  int fd;
  if (!b->o->outdir) return CMD_EXIT_OK;
  path = path_join(b->o->outdir, BATCH_STATE_NAME);
  if (b->o->resume) load(b, path);
  fd = open(path,
            O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC |
                (b->o->resume ? 0 : O_TRUNC),
            0644);
  if (fd < 0 || !(b->state = fdopen(fd, "a"))) {
    cmd_diag(BATCH_PROG, path, "cannot write: %s", strerror(errno));
    if (fd >= 0) close(fd);
    free(path);
    return CMD_EXIT_IO;
  }
  free(path);
  return CMD_EXIT_OK;
}

void batch_state_append(batch *b, const item *it) {
  sbuf s = {0};
  char *hx;
  if (!b->state || !it->entry || !it->dom) return;
  hx = xcalloc(2 * strlen(it->rel) + 1, 1);
  hex_encode((const uint8_t *)it->rel, strlen(it->rel), hx);
  sb_printf(&s, "{\"settings\":\"%s\",\"input_hex\":\"%s\",\"entry\":%s}\n",
            b->settings, hx, it->entry);
  /* One write per line, flushed at once: a kill -9 leaves whole lines and
   * at most one torn last line. */
  if (!s.oom) {
    fwrite(s.data, 1, s.len, b->state);
    fflush(b->state);
  }
  sb_free(&s);
  free(hx);
}

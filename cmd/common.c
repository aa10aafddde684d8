/* Helpers shared by the photostd tools; see common.h. */
#include "common.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void cmd_diag(const char *prog, const char *file, const char *fmt, ...) {
  va_list ap;
  fprintf(stderr, "%s: ", prog);
  if (file) fprintf(stderr, "%s: ", file);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
}

int cmd_usage_error(const char *prog, const char *fmt, ...) {
  va_list ap;
  fprintf(stderr, "%s: ", prog);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fprintf(stderr, "\nTry '%s --help' for more information.\n", prog);
  return CMD_EXIT_USAGE;
}

int cmd_parse_lang(const char *prog, const char *arg, pst_lang *out) {
  if (strcmp(arg, "en") == 0) {
    *out = PST_LANG_EN;
    return 0;
  }
  if (strcmp(arg, "zh") == 0) {
    *out = PST_LANG_ZH;
    return 0;
  }
  cmd_diag(prog, NULL, "--lang must be en or zh, not '%s'", arg);
  return -1;
}

int cmd_parse_color(const char *prog, const char *arg, enum cmd_color *out) {
  static const char *const names[] = {"auto", "always", "never"};
  for (int i = 0; i < 3; i++) {
    if (strcmp(arg, names[i]) == 0) {
      *out = (enum cmd_color)i;
      return 0;
    }
  }
  cmd_diag(prog, NULL, "--color must be auto, always or never, not '%s'", arg);
  return -1;
}

int cmd_color_enabled(enum cmd_color mode, FILE *f) {
  const char *no = getenv("NO_COLOR");
  if (mode != CMD_COLOR_AUTO) return mode == CMD_COLOR_ALWAYS;
  if (no && *no) return 0;
  return isatty(fileno(f));
}

int cmd_open_profile(const char *prog, const char *arg, pst_profile **out) {
  pst_errinfo detail;
  pst_err e;
  memset(&detail, 0, sizeof detail);
  e = pst_profile_open(arg, out, &detail);
  if (e == PST_OK) return CMD_EXIT_OK;
  /* The library's message names the file and line ("x.conf:3: ...") or,
   * for an unknown name, the built-in names. */
  if (e == PST_ERR_NOTFOUND)
    cmd_diag(prog, "--profile", "%s",
             detail.message[0] ? detail.message : pst_strerror(e));
  else if (detail.message[0])
    cmd_diag(prog, NULL, "%s", detail.message);
  else
    cmd_diag(prog, arg, "cannot load profile: %s", pst_strerror(e));
  return CMD_EXIT_USAGE;
}

int cmd_read_stream(FILE *f, size_t max, unsigned char **out, size_t *len) {
  size_t cap = 65536, n = 0;
  unsigned char *buf = malloc(cap), *p;
  *out = NULL;
  *len = 0;
  if (!buf) return -1;
  for (;;) {
    size_t want = cap - n, got;
    if (n > max) break;
    got = fread(buf + n, 1, want, f);
    n += got;
    if (got < want) break;
    cap *= 2;
    p = realloc(buf, cap);
    if (!p) goto fail;
    buf = p;
  }
  if (ferror(f)) goto fail;
  *out = buf;
  *len = n > max + 1 ? max + 1 : n;
  return 0;
fail:
  free(buf);
  return -1;
}

/* Length of the XML-legal UTF-8 character at s, or 0 when the bytes are not
 * valid UTF-8 (overlong, surrogate, > U+10FFFF) or XML 1.0 cannot carry it.
 */
static size_t xml_char_len(const unsigned char *s) {
  unsigned cp;
  size_t n;
  if (s[0] < 0x80)
    return (s[0] >= 0x20 || s[0] == '\t' || s[0] == '\n' || s[0] == '\r') ? 1
                                                                          : 0;
  if (s[0] >= 0xC2 && s[0] <= 0xDF)
    n = 2, cp = s[0] & 0x1Fu;
  else if (s[0] >= 0xE0 && s[0] <= 0xEF)
    n = 3, cp = s[0] & 0x0Fu;
  else if (s[0] >= 0xF0 && s[0] <= 0xF4)
    n = 4, cp = s[0] & 0x07u;
  else
    return 0;
  for (size_t i = 1; i < n; i++) {
    if ((s[i] & 0xC0) != 0x80) return 0;
    cp = cp << 6 | (s[i] & 0x3Fu);
  }
  if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10FFFF)
    return 0;
  if ((cp >= 0xD800 && cp <= 0xDFFF) || cp == 0xFFFE || cp == 0xFFFF) return 0;
  return n;
}

void cmd_xml_escape(FILE *f, const char *s) {
  const unsigned char *p = (const unsigned char *)s;
  while (*p) {
    size_t n = xml_char_len(p);
    switch (n ? *p : 0) {
    case '&': fputs("&amp;", f); break;
    case '<': fputs("&lt;", f); break;
    case '>': fputs("&gt;", f); break;
    case '"': fputs("&quot;", f); break;
    case '\'': fputs("&apos;", f); break;
    case '\t':
    case '\n':
    case '\r': fprintf(f, "&#%d;", *p); break;
    case 0: fprintf(f, "\\x%02X", *p); break;
    default: fwrite(p, 1, n, f); break;
    }
    p += n ? n : 1;
  }
}

static char *dir_of(const char *path) {
  const char *slash = strrchr(path, '/');
  size_t n;
  char *d;
  if (!slash) return strdup(".");
  n = slash == path ? 1 : (size_t)(slash - path);
  d = malloc(n + 1);
  if (!d) return NULL;
  memcpy(d, path, n);
  d[n] = '\0';
  return d;
}

static char *tmp_name(const char *path) {
  const char *slash = strrchr(path, '/');
  const char *base = slash ? slash + 1 : path;
  char *dir = dir_of(path), *t = NULL;
  size_t n;
  if (!dir) return NULL;
  n = strlen(dir) + strlen(base) + 16;
  t = malloc(n);
  if (t) snprintf(t, n, "%s/.%s.XXXXXX", dir, base);
  free(dir);
  return t;
}

int cmd_out_open(const char *prog, const char *path, int force, cmd_out *out) {
  struct stat st;
  mode_t mask;
  int fd;
  memset(out, 0, sizeof *out);
  out->force = force;
  if (!force && lstat(path, &st) == 0) {
    cmd_diag(prog, path, "exists; use --force to overwrite it");
    return CMD_EXIT_USAGE;
  }
  out->path = strdup(path);
  out->tmp = tmp_name(path);
  if (!out->path || !out->tmp) goto fail;
  fd = mkstemp(out->tmp);
  if (fd < 0) goto fail;
  /* mkstemp makes 0600; a report is an ordinary file the umask governs. */
  mask = umask(0);
  umask(mask);
  (void)fchmod(fd, 0666 & ~mask);
  out->fp = fdopen(fd, "w");
  if (!out->fp) {
    close(fd);
    unlink(out->tmp);
    goto fail;
  }
  return CMD_EXIT_OK;
fail:
  cmd_diag(prog, path, "cannot write: %s", strerror(errno));
  free(out->path);
  free(out->tmp);
  memset(out, 0, sizeof *out);
  return CMD_EXIT_IO;
}

/* Without --force, link() refuses atomically when the name appeared in the
 * meantime; file systems without hard links fall back to rename. */
static int place(const cmd_out *out) {
  if (out->force) return rename(out->tmp, out->path);
  if (link(out->tmp, out->path) == 0) return unlink(out->tmp), 0;
  if (errno == EEXIST) return -1;
  return rename(out->tmp, out->path);
}

int cmd_out_commit(const char *prog, cmd_out *out) {
  int bad = fflush(out->fp) != 0 || ferror(out->fp);
  int err = errno;
  if (fclose(out->fp) != 0 && !bad) bad = 1, err = errno;
  out->fp = NULL;
  if (!bad && place(out) != 0) bad = 1, err = errno;
  if (bad) {
    cmd_diag(prog, out->path, "cannot write: %s", strerror(err));
    unlink(out->tmp);
  }
  free(out->path);
  free(out->tmp);
  memset(out, 0, sizeof *out);
  return bad ? CMD_EXIT_IO : CMD_EXIT_OK;
}

void cmd_out_abort(cmd_out *out) {
  if (out->fp) fclose(out->fp);
  if (out->tmp) unlink(out->tmp);
  free(out->path);
  free(out->tmp);
  memset(out, 0, sizeof *out);
}

int cmd_finish_stdout(const char *prog, int status) {
  int bad = fflush(stdout) != 0 || ferror(stdout);
  int err = errno;
  if (fclose(stdout) != 0 && !bad) bad = 1, err = errno;
  if (!bad) return status;
  cmd_diag(prog, "stdout", "write error: %s", strerror(err));
  return CMD_EXIT_IO;
}

const char *cmd_status_word(pst_status s, pst_lang lang) {
  static const char *const en[] = {"PASS", "WARN", "FAIL", "SKIP"};
  static const char *const zh[] = {"通过", "警告", "不合格", "跳过"};
  if ((unsigned)s > PST_SKIP) return "?";
  return lang == PST_LANG_ZH ? zh[s] : en[s];
}

/* photofix: standardize portrait photos for an upload channel (SPEC §4).
 * Each output is written under a temporary name and renamed into place only
 * when the photo could be fixed; a photo that cannot be fixed writes
 * nothing and makes the exit status 1. */
#include "common.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static const char PROG[] = "photofix";

struct opts {
  const char *profile, *output, *outdir, *mask, *sheet;
  pst_lang lang;
  int json, quiet, force, keep_bg, has_bg, has_face;
  pst_rgb bg;
  pst_rect face;
  char **files;
  int nfiles;
};

/* "Red" of Chinese ID photos (证件照红底); blue is the profile's colour. */
static const pst_rgb RED = {0xD9, 0x00, 0x1B};
static const pst_rgb WHITE = {255, 255, 255};

static void help(void) {
  printf("Usage: %s [OPTIONS] INPUT -o OUTPUT\n"
         "       %s [OPTIONS] INPUT... -d OUTDIR\n"
         "Turn a portrait (JPEG or PNG) into the photo an upload channel "
         "wants\n(default: CHSI, 学信网: 480x640, light blue, 30-40 KB).\n\n",
         PROG, PROG);
  printf("Options:\n"
         "  -o, --output=FILE        write the fixed photo to FILE (one "
         "INPUT)\n"
         "  -d, --outdir=DIR         write each INPUT to DIR/NAME.jpg\n"
         "  -p, --profile=NAME|FILE  rules to meet (default chsi)\n"
         "  -b, --bg=COLOUR          background: '#RRGGBB', blue (the "
         "profile's),\n"
         "                           white, red (#D9001B)\n"
         "  -k, --keep-bg            keep the photo's own background\n"
         "      --face=X,Y,W,H       face box in INPUT pixels (skip "
         "detection)\n"
         "  -m, --mask=FILE.png      also write the alpha matte (one INPUT)\n"
         "  -s, --sheet=FILE         also write a 6-inch print sheet, 4 "
         "large + 8\n"
         "                           small copies (one INPUT)\n"
         "  -j, --json               one JSON object per INPUT on stdout\n"
         "  -f, --force              overwrite existing outputs\n"
         "  -l, --lang=en|zh         language of messages\n"
         "  -q, --quiet              print nothing; only the exit status\n"
         "  -h, --help               show this help and exit\n"
         "  -V, --version            show the version and exit\n\n");
  printf("Exit status:\n"
         "  0  every INPUT was fixed\n"
         "  1  at least one INPUT could not be fixed (nothing written for "
         "it)\n"
         "  2  usage error, or an output exists and --force was not given\n"
         "  3  an I/O error stopped the run\n\n");
  printf("Examples:\n"
         "  %s phone.jpg -o chsi.jpg\n"
         "  %s --lang zh --sheet print.jpg phone.jpg -o chsi.jpg\n"
         "  %s -d upload/ class/*.jpg\n\n"
         "See photofix(1).\n",
         PROG, PROG, PROG);
}

static const struct option long_opts[] = {
    {"output", required_argument, NULL, 'o'},
    {"outdir", required_argument, NULL, 'd'},
    {"profile", required_argument, NULL, 'p'},
    {"bg", required_argument, NULL, 'b'},
    {"keep-bg", no_argument, NULL, 'k'},
    {"face", required_argument, NULL, 'F'},
    {"mask", required_argument, NULL, 'm'},
    {"sheet", required_argument, NULL, 's'},
    {"json", no_argument, NULL, 'j'},
    {"force", no_argument, NULL, 'f'},
    {"lang", required_argument, NULL, 'l'},
    {"quiet", no_argument, NULL, 'q'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

static int parse_bg(const char *arg, struct opts *o) {
  unsigned v;
  char end;
  if (!strcmp(arg, "blue")) return o->has_bg = 0, 0;
  if (!strcmp(arg, "white")) return o->bg = WHITE, o->has_bg = 1, 0;
  if (!strcmp(arg, "red")) return o->bg = RED, o->has_bg = 1, 0;
  if (arg[0] != '#' || strlen(arg) != 7 ||
      sscanf(arg + 1, "%6x%c", &v, &end) != 1)
    return -1;
  o->bg.r = (uint8_t)(v >> 16), o->bg.g = (uint8_t)(v >> 8);
  o->bg.b = (uint8_t)v;
  o->has_bg = 1;
  return 0;
}

static int parse_face(const char *arg, struct opts *o) {
  char end;
  pst_rect *f = &o->face;
  if (sscanf(arg, "%d,%d,%d,%d%c", &f->x, &f->y, &f->w, &f->h, &end) != 4 ||
      f->x < 0 || f->y < 0 || f->w <= 0 || f->h <= 0)
    return -1;
  o->has_face = 1;
  return 0;
}

static int take_option(int c, const char *arg, char *const argv[],
                       struct opts *o) {
  switch (c) {
  case 'o': o->output = arg; return -1;
  case 'd': o->outdir = arg; return -1;
  case 'p': o->profile = arg; return -1;
  case 'b':
    if (parse_bg(arg, o) == 0) return -1;
    return cmd_usage_error(
        PROG, "--bg: '%s' is not '#RRGGBB', blue, white or red", arg);
  case 'k': o->keep_bg = 1; return -1;
  case 'F':
    if (parse_face(arg, o) == 0) return -1;
    return cmd_usage_error(
        PROG, "--face: '%s' is not X,Y,W,H (X, Y >= 0; W, H > 0)", arg);
  case 'm': o->mask = arg; return -1;
  case 's': o->sheet = arg; return -1;
  case 'j': o->json = 1; return -1;
  case 'f': o->force = 1; return -1;
  case 'l': return cmd_parse_lang(PROG, arg, &o->lang) ? CMD_EXIT_USAGE : -1;
  case 'q': o->quiet = 1; return -1;
  case 'h': help(); return CMD_EXIT_OK;
  case 'V': printf("%s (photostd) %s\n", PROG, pst_version()); return 0;
  case ':':
    return cmd_usage_error(PROG, "option '%s' needs a value", argv[optind - 1]);
  default:
    return cmd_usage_error(PROG, "unknown option '%s'", argv[optind - 1]);
  }
}

static int validate(struct opts *o) {
  int single = o->nfiles == 1 && o->output;
  if (o->nfiles == 0) return cmd_usage_error(PROG, "no INPUT given");
  if (!o->output == !o->outdir)
    return cmd_usage_error(PROG, "give exactly one of -o OUTPUT and -d OUTDIR");
  if (o->output && o->nfiles > 1)
    return cmd_usage_error(PROG, "-o takes one INPUT; use -d for several");
  if ((o->mask || o->sheet) && !single)
    return cmd_usage_error(PROG, "--mask and --sheet need one INPUT and -o");
  if (o->mask && o->keep_bg)
    return cmd_usage_error(PROG, "--mask needs a matte; not with --keep-bg");
  if (o->keep_bg && o->has_bg)
    return cmd_usage_error(PROG, "--bg and --keep-bg exclude each other");
  return -1;
}

static int parse_args(int argc, char *argv[], struct opts *o) {
  int c, st;
  memset(o, 0, sizeof *o);
  o->profile = "chsi";
  o->lang = pst_lang_from_env();
  opterr = 0;
  while ((c = getopt_long(argc, argv, ":o:d:p:b:km:s:jfl:qhV", long_opts,
                          NULL)) != -1)
    if ((st = take_option(c, optarg, argv, o)) >= 0) return st;
  o->files = argv + optind;
  o->nfiles = argc - optind;
  return validate(o);
}

/* OUTDIR/base-of-INPUT.jpg, malloc'd. */
static char *out_name(const char *dir, const char *input) {
  const char *slash = strrchr(input, '/');
  const char *base = slash ? slash + 1 : input;
  const char *dot = strrchr(base, '.');
  int n = dot && dot != base ? (int)(dot - base) : (int)strlen(base);
  size_t len = strlen(dir) + (size_t)n + 8;
  char *p = malloc(len);
  if (p) snprintf(p, len, "%s/%.*s.jpg", dir, n, base);
  return p;
}

/* Open, fill and commit the outputs of one fixed photo; all are written to
 * temporary files first, so a failure leaves none of them behind. */
static int write_outputs(const struct opts *o, const pst_fix_result *r,
                         const char *output) {
  cmd_out out[3];
  const uint8_t *data[3] = {NULL, NULL, NULL};
  size_t len[3] = {0, 0, 0};
  uint8_t *sheet = NULL;
  const char *path[3] = {output, o->mask, o->sheet};
  int st = CMD_EXIT_OK, n = 0;
  data[0] = pst_fix_jpeg(r, &len[0]);
  if (o->mask) data[1] = pst_fix_mask_png(r, &len[1]);
  if (o->sheet && pst_fix_sheet(r, &sheet, &len[2]) == PST_OK) data[2] = sheet;
  for (int i = 0; i < 3; i++)
    if (path[i] && !data[i]) {
      cmd_diag(PROG, path[i], "could not be made");
      st = CMD_EXIT_IO;
      goto out;
    }
  for (n = 0; n < 3; n++) {
    if (!path[n]) continue;
    if ((st = cmd_out_open(PROG, path[n], o->force, &out[n])) != 0) goto out;
    if (fwrite(data[n], 1, len[n], out[n].fp) != len[n]) {
      cmd_diag(PROG, path[n], "cannot write: %s", strerror(errno));
      cmd_out_abort(&out[n]);
      st = CMD_EXIT_IO;
      goto out;
    }
  }
  for (int i = 0; i < 3; i++) {
    int cst;
    if (!path[i]) continue;
    cst = cmd_out_commit(PROG, &out[i]);
    if (cst && !st) st = cst;
  }
  n = 0;
out:
  for (int i = 0; i < n; i++)
    if (path[i]) cmd_out_abort(&out[i]);
  pst_free(sheet);
  return st;
}

/* What to do about a refusal, on a line of its own as photocheck prints
 * its hints. */
static void hint_line(const struct opts *o, const char *in, const char *hint) {
  if (hint && *hint)
    cmd_diag(PROG, in, "%s%s",
             o->lang == PST_LANG_ZH ? "建议：" : "hint: ", hint);
}

static void report(const struct opts *o, const char *in, const char *output,
                   const pst_fix_result *r, int written) {
  if (o->json) {
    char *j = NULL;
    if (pst_fix_json(r, in, written ? output : NULL, o->lang, &j) == PST_OK)
      printf("%s\n", j);
    pst_free(j);
  }
  if (o->quiet) return;
  if (!pst_fix_ok(r)) {
    const pst_report *chk = pst_fix_check(r);
    cmd_diag(PROG, in, "%s (%s)", pst_fix_reason(r, o->lang),
             pst_fix_reason_id(r));
    hint_line(o, in, pst_fix_hint(r, o->lang));
    /* A result that failed its check may fail more than the reason
     * given: a student fixes them all before the next try. */
    for (int i = 0; chk && i < pst_report_count(chk); i++) {
      pst_finding f;
      if (pst_report_get(chk, i, o->lang, &f) != PST_OK ||
          f.status != PST_FAIL || !f.severity_error ||
          !strcmp(f.id, pst_fix_reason_id(r)))
        continue;
      cmd_diag(PROG, in,
               o->lang == PST_LANG_ZH ? "另外：%s (%s)" : "also: %s (%s)",
               f.message, f.id);
      hint_line(o, in, f.hint);
    }
  } else if (!o->json && written) {
    size_t len;
    pst_fix_jpeg(r, &len);
    printf("%s -> %s: %s (quality %d, %.1f KB)\n", in, output,
           o->lang == PST_LANG_ZH ? "已处理" : "fixed", pst_fix_quality(r),
           len / 1024.0);
  }
  if (pst_fix_ok(r) && written && pst_fix_caution_id(r)) {
    /* The output passed, but the student should look at it before
     * uploading. */
    cmd_diag(PROG, in, "%s%s (%s)",
             o->lang == PST_LANG_ZH ? "注意：" : "note: ",
             pst_fix_caution(r, o->lang), pst_fix_caution_id(r));
    hint_line(o, in, pst_fix_caution_hint(r, o->lang));
  }
}

static int fix_one(const struct opts *o, const pst_profile *prof,
                   const pst_fix_opts *fo, const char *in) {
  pst_fix_result *r = NULL;
  char *name = o->outdir ? out_name(o->outdir, in) : NULL;
  const char *output = o->outdir ? name : o->output;
  int st = CMD_EXIT_OK;
  pst_err err;
  if (!output) return cmd_diag(PROG, in, "out of memory"), CMD_EXIT_IO;
  err = pst_fix_file(in, prof, NULL, fo, &r);
  if (err) {
    cmd_diag(PROG, in, "%s", pst_strerror(err));
    st = CMD_EXIT_IO;
  } else if (!pst_fix_ok(r)) {
    st = CMD_EXIT_FAIL;
    report(o, in, output, r, 0);
  } else {
    st = write_outputs(o, r, output);
    report(o, in, output, r, st == CMD_EXIT_OK);
  }
  pst_fix_result_destroy(r);
  free(name);
  return st;
}

static pst_fix_opts *make_fix_opts(const struct opts *o) {
  pst_fix_opts *fo = pst_fix_opts_create();
  if (!fo) return NULL;
  if (o->has_bg) pst_fix_opts_set_background(fo, o->bg);
  if (o->keep_bg) pst_fix_opts_set_keep_background(fo, 1);
  if (o->has_face) pst_fix_opts_set_face(fo, o->face);
  return fo;
}

int main(int argc, char *argv[]) {
  struct opts o;
  pst_profile *prof = NULL;
  pst_fix_opts *fo = NULL;
  int st;
  if ((st = parse_args(argc, argv, &o)) >= 0)
    return cmd_finish_stdout(PROG, st);
  if ((st = cmd_open_profile(PROG, o.profile, &prof)) != CMD_EXIT_OK) goto out;
  if (!(fo = make_fix_opts(&o))) {
    cmd_diag(PROG, NULL, "out of memory");
    st = CMD_EXIT_IO;
    goto out;
  }
  for (int i = 0; i < o.nfiles; i++) {
    int fst = fix_one(&o, prof, fo, o.files[i]);
    if (fst > st) st = fst;
    if (fst == CMD_EXIT_IO) break;
  }
out:
  pst_fix_opts_destroy(fo);
  pst_profile_destroy(prof);
  return cmd_finish_stdout(PROG, st);
}

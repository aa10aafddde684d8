/* photocheck: check portrait photos against an upload channel's rules
 * (SPEC §4). Results on stdout (text, JSON Lines or nothing), JUnit XML to
 * a file, diagnostics on stderr, and the verdict in the exit status. */
#include "common.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char PROG[] = "photocheck";
/* The library's default max_file_bytes: stdin is read up to it. */
#define STDIN_MAX ((size_t)64 << 20)

struct opts {
  const char *profile;
  const char *junit;
  pst_lang lang;
  enum cmd_color color;
  int json, quiet, strict, verbose, force;
  char **files;
  int nfiles;
};

struct run {
  const struct opts *o;
  pst_profile *prof;
  pst_limits *lim;
  int color;
  cmd_out junit;
  FILE *cases; /* JUnit <testcase> elements, until the counts are known */
  char *cases_buf;
  size_t cases_len;
  int tests, failed;
  double seconds;
};

static void help(void) {
  const char *const *names = pst_profile_builtin_names();
  printf("Usage: %s [OPTIONS] FILE...\n"
         "Check portrait photos against the rules of an upload channel "
         "(default: CHSI,\n"
         "学信网 diploma registration). '-' reads a JPEG from standard "
         "input.\n\n",
         PROG);
  printf("Options:\n"
         "  -p, --profile=NAME|FILE  rules to apply: a built-in name or a "
         "profile file\n"
         "  -l, --lang=en|zh         language of messages (default: from "
         "LC_ALL,\n"
         "                           LC_MESSAGES, LANG; zh* means Chinese)\n"
         "  -j, --json               one JSON object per file (JSON Lines)\n"
         "      --junit=FILE         also write a JUnit XML report to FILE\n"
         "  -f, --force              overwrite an existing --junit FILE\n"
         "  -s, --strict             warnings fail too\n"
         "  -q, --quiet              print nothing; only the exit status\n"
         "  -v, --verbose            list passed checks as well\n"
         "      --color[=WHEN]       colour: auto (default: on a terminal, "
         "unless\n"
         "                           NO_COLOR is set), always, never\n"
         "  -h, --help               show this help and exit\n"
         "  -V, --version            show the version and exit\n\n");
  printf("Built-in profiles:");
  for (int i = 0; names && names[i]; i++) printf(" %s", names[i]);
  printf("\n  chsi         the final 480x640 file for CHSI (the default)\n"
         "  chsi-intake  what a student may upload to be standardized\n"
         "  icao         ISO/IEC 19794-5 passport-style photo\n\n");
  printf("Exit status:\n"
         "  0  every file passes (warnings allowed unless --strict)\n"
         "  1  at least one file fails a check\n"
         "  2  usage error: bad option, unknown profile, bad profile file\n"
         "  3  an I/O error stopped the run (e.g. --junit FILE not "
         "writable)\n\n");
  printf("Examples:\n"
         "  %s me.jpg\n"
         "  %s --lang zh --profile chsi-intake phone.jpg\n"
         "  %s --json uploads/*.jpg | jq -c 'select(.pass|not) | .file'\n"
         "  %s -q --junit report.xml uploads/*.jpg\n\n"
         "See photocheck(1) for the list of checks.\n",
         PROG, PROG, PROG, PROG);
}

static const struct option long_opts[] = {
    {"profile", required_argument, NULL, 'p'},
    {"lang", required_argument, NULL, 'l'},
    {"json", no_argument, NULL, 'j'},
    {"junit", required_argument, NULL, 'J'},
    {"force", no_argument, NULL, 'f'},
    {"strict", no_argument, NULL, 's'},
    {"quiet", no_argument, NULL, 'q'},
    {"verbose", no_argument, NULL, 'v'},
    {"color", optional_argument, NULL, 'C'},
    {"colour", optional_argument, NULL, 'C'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

/* The option getopt_long stopped at, as the user wrote it: "--name" from
 * argv, or "-x" from optopt (which also finds x inside "-qx"). */
static const char *bad_option(char *const argv[], char buf[3]) {
  const char *arg = argv[optind - 1];
  if (strncmp(arg, "--", 2) == 0 || !optopt) return arg;
  buf[0] = '-';
  buf[1] = (char)optopt;
  buf[2] = '\0';
  return buf;
}

/* One option into `o`; -1 to go on, else the exit status. */
static int take_option(int c, const char *arg, char *const argv[],
                       struct opts *o) {
  char short_name[3];
  switch (c) {
  case 'p': o->profile = arg; return -1;
  case 'l': return cmd_parse_lang(PROG, arg, &o->lang) ? CMD_EXIT_USAGE : -1;
  case 'j': o->json = 1; return -1;
  case 'J': o->junit = arg; return -1;
  case 'f': o->force = 1; return -1;
  case 's': o->strict = 1; return -1;
  case 'q': o->quiet = 1; return -1;
  case 'v': o->verbose = 1; return -1;
  case 'C':
    if (!arg) return o->color = CMD_COLOR_ALWAYS, -1;
    return cmd_parse_color(PROG, arg, &o->color) ? CMD_EXIT_USAGE : -1;
  case 'h': help(); return CMD_EXIT_OK;
  case 'V':
    printf("%s (photostd) %s\n", PROG, pst_version());
    return CMD_EXIT_OK;
  case ':':
    return cmd_usage_error(PROG, "option '%s' needs a value",
                           bad_option(argv, short_name));
  default:
    return cmd_usage_error(PROG, "unknown option '%s'",
                           bad_option(argv, short_name));
  }
}

static int parse_args(int argc, char *argv[], struct opts *o) {
  int c, st;
  memset(o, 0, sizeof *o);
  o->profile = "chsi";
  o->lang = pst_lang_from_env();
  opterr = 0;
  while ((c = getopt_long(argc, argv, ":p:l:jfsqvhV", long_opts, NULL)) != -1)
    if ((st = take_option(c, optarg, argv, o)) >= 0) return st;
  o->files = argv + optind;
  o->nfiles = argc - optind;
  if (o->nfiles == 0) return cmd_usage_error(PROG, "no FILE given");
  return -1;
}

/* A failed error check, or with --strict any warning. */
static int failing(const pst_finding *f, int strict) {
  if (f->status == PST_FAIL && f->severity_error) return 1;
  return strict && (f->status == PST_WARN || f->status == PST_FAIL);
}

static const char *ansi(const struct run *run, pst_status s) {
  static const char *const codes[] = {"\033[32m", "\033[33m", "\033[1;31m",
                                      "\033[2m"};
  return run->color ? codes[s] : "";
}

/* Columns on a terminal: CJK characters take two, ASCII one. */
static int display_width(const char *s) {
  int w = 0;
  for (const unsigned char *p = (const unsigned char *)s; *p; p++)
    if ((*p & 0xC0) != 0x80) w += *p < 0x80 ? 1 : 2;
  return w;
}

static void print_finding(const struct run *run, const pst_finding *f) {
  pst_lang lang = run->o->lang;
  const char *word = cmd_status_word(f->status, lang);
  int col = lang == PST_LANG_ZH ? 6 : 4;
  printf("  %s%s%s%*s  %-18s  %s\n", ansi(run, f->status), word,
         run->color ? "\033[0m" : "", col - display_width(word), "", f->id,
         f->message);
  /* A skip's hint only repeats the failure that caused it. */
  if ((f->status == PST_FAIL || f->status == PST_WARN) && f->hint && *f->hint)
    printf("%*s%s%s\n", col + 4, "",
           lang == PST_LANG_ZH ? "建议：" : "hint: ", f->hint);
}

static void print_text(const struct run *run, const pst_report *r) {
  pst_lang lang = run->o->lang;
  int pass = pst_report_pass(r, run->o->strict), npass = 0;
  pst_status st = pass ? PST_PASS : PST_FAIL;
  printf("%s: %s%s%s (%s %s)\n", pst_report_file(r), ansi(run, st),
         cmd_status_word(st, lang), run->color ? "\033[0m" : "",
         lang == PST_LANG_ZH ? "规格" : "profile", pst_report_profile(r));
  for (int i = 0; i < pst_report_count(r); i++) {
    pst_finding f;
    if (pst_report_get(r, i, lang, &f) != PST_OK) continue;
    if (f.status == PST_PASS && !run->o->verbose)
      npass++;
    else
      print_finding(run, &f);
  }
  if (npass && lang == PST_LANG_ZH)
    printf("  %d 项检查通过\n", npass);
  else if (npass)
    printf("  %d check%s passed\n", npass, npass == 1 ? "" : "s");
}

static int print_json(const struct run *run, const pst_report *r) {
  char *s = NULL;
  if (pst_report_json(r, run->o->lang, &s) != PST_OK) {
    cmd_diag(PROG, pst_report_file(r), "cannot format JSON: out of memory");
    return CMD_EXIT_IO;
  }
  puts(s);
  pst_free(s);
  return CMD_EXIT_OK;
}

static void junit_failure(FILE *x, const pst_finding *f) {
  fputs("    <failure message=\"", x);
  cmd_xml_escape(x, f->id);
  fputs(": ", x);
  cmd_xml_escape(x, f->message);
  fputs("\" type=\"", x);
  cmd_xml_escape(x, f->id);
  fputs("\">", x);
  if (f->has_value) fprintf(x, "value: %g %s; ", f->value, f->unit);
  fputs("expected: ", x);
  cmd_xml_escape(x, f->expected ? f->expected : "");
  fputs("&#10;hint: ", x);
  cmd_xml_escape(x, f->hint ? f->hint : "");
  fputs("</failure>\n", x);
}

/* Warnings that do not fail still reach the CI log. */
static void junit_advice(FILE *x, const pst_report *r, const struct run *run) {
  int open = 0;
  for (int i = 0; i < pst_report_count(r); i++) {
    pst_finding f;
    if (pst_report_get(r, i, run->o->lang, &f) != PST_OK) continue;
    if (f.status != PST_WARN || failing(&f, run->o->strict)) continue;
    if (!open++) fputs("    <system-out>", x);
    fprintf(x, "WARN %s: ", f.id);
    cmd_xml_escape(x, f.message);
    fputs("&#10;", x);
  }
  if (open) fputs("</system-out>\n", x);
}

static void junit_case(struct run *run, const pst_report *r, double secs) {
  FILE *x = run->cases;
  int failed = 0;
  fputs("  <testcase name=\"", x);
  cmd_xml_escape(x, pst_report_file(r));
  fputs("\" classname=\"photocheck.", x);
  cmd_xml_escape(x, pst_report_profile(r));
  fprintf(x, "\" time=\"%.6f\">\n", secs);
  for (int i = 0; i < pst_report_count(r); i++) {
    pst_finding f;
    if (pst_report_get(r, i, run->o->lang, &f) != PST_OK) continue;
    if (failing(&f, run->o->strict)) junit_failure(x, &f), failed = 1;
  }
  junit_advice(x, r, run);
  fputs("  </testcase>\n", x);
  run->tests++;
  run->failed += failed;
  run->seconds += secs;
}

static int junit_write(struct run *run) {
  FILE *x = run->junit.fp;
  int bad = fclose(run->cases) != 0;
  run->cases = NULL;
  if (bad) {
    cmd_diag(PROG, NULL, "out of memory");
    return CMD_EXIT_IO;
  }
  fprintf(x,
          "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
          "<testsuite name=\"photocheck\" tests=\"%d\" failures=\"%d\" "
          "errors=\"0\" skipped=\"0\" time=\"%.6f\">\n",
          run->tests, run->failed, run->seconds);
  fwrite(run->cases_buf, 1, run->cases_len, x);
  fputs("</testsuite>\n", x);
  return cmd_out_commit(PROG, &run->junit);
}

static pst_err check_stdin(const struct run *run, pst_report **out) {
  unsigned char *buf = NULL;
  size_t len = 0;
  pst_err e;
  if (cmd_read_stream(stdin, STDIN_MAX, &buf, &len) != 0) {
    *out = NULL;
    return PST_ERR_IO;
  }
  e = pst_check_mem(buf, len, "-", run->prof, run->lim, out);
  free(buf);
  return e;
}

/* An unreadable file also goes to stderr, so -q and --json users see it. */
static void diag_unreadable(const struct run *run, const pst_report *r) {
  for (int i = 0; i < pst_report_count(r); i++) {
    pst_finding f;
    if (pst_report_get(r, i, run->o->lang, &f) != PST_OK) continue;
    if (strcmp(f.id, "file.read") == 0 && f.status == PST_FAIL)
      cmd_diag(PROG, pst_report_file(r), "%s", f.message);
  }
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Check and report one file; sets *failed; returns CMD_EXIT_IO to stop. */
static int check_one(struct run *run, const char *name, int *failed) {
  const struct opts *o = run->o;
  pst_report *r = NULL;
  double t0 = now();
  int st = CMD_EXIT_OK;
  pst_err e = strcmp(name, "-") == 0
                  ? check_stdin(run, &r)
                  : pst_check_file(name, run->prof, run->lim, &r);
  if (e != PST_OK) {
    cmd_diag(PROG, name, "%s", pst_strerror(e));
    return CMD_EXIT_IO;
  }
  *failed = !pst_report_pass(r, o->strict);
  diag_unreadable(run, r);
  if (run->cases) junit_case(run, r, now() - t0);
  if (o->quiet) goto out;
  if (o->json)
    st = print_json(run, r);
  else
    print_text(run, r);
out:
  pst_report_destroy(r);
  return st;
}

static int run_all(struct run *run) {
  int any = 0;
  for (int i = 0; i < run->o->nfiles; i++) {
    int failed = 0;
    if (check_one(run, run->o->files[i], &failed) != CMD_EXIT_OK)
      return CMD_EXIT_IO;
    any |= failed;
  }
  return any ? CMD_EXIT_FAIL : CMD_EXIT_OK;
}

/* Profile, limits, colour and the JUnit file: every usage or output problem
 * is found before the first photo is read. */
static int setup(const struct opts *o, struct run *run) {
  int st;
  run->o = o;
  run->color = !o->quiet && !o->json && cmd_color_enabled(o->color, stdout);
  if ((st = cmd_open_profile(PROG, o->profile, &run->prof)) != CMD_EXIT_OK)
    return st;
  run->lim = pst_limits_create();
  if (!run->lim) return cmd_diag(PROG, NULL, "out of memory"), CMD_EXIT_IO;
  if (!o->junit) return CMD_EXIT_OK;
  if ((st = cmd_out_open(PROG, o->junit, o->force, &run->junit)) != 0)
    return st;
  run->cases = open_memstream(&run->cases_buf, &run->cases_len);
  if (!run->cases) return cmd_diag(PROG, NULL, "out of memory"), CMD_EXIT_IO;
  return CMD_EXIT_OK;
}

static void teardown(struct run *run) {
  if (run->cases) fclose(run->cases);
  free(run->cases_buf);
  cmd_out_abort(&run->junit);
  pst_limits_destroy(run->lim);
  pst_profile_destroy(run->prof);
}

int main(int argc, char *argv[]) {
  struct opts o;
  struct run run;
  int st;
  memset(&run, 0, sizeof run);
  if ((st = parse_args(argc, argv, &o)) >= 0)
    return cmd_finish_stdout(PROG, st);
  if ((st = setup(&o, &run)) != CMD_EXIT_OK) goto out;
  st = run_all(&run);
  if (st != CMD_EXIT_IO && run.cases) {
    int jst = junit_write(&run);
    if (jst != CMD_EXIT_OK) st = jst;
  }
out:
  teardown(&run);
  return cmd_finish_stdout(PROG, st);
}

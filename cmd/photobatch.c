/* photobatch: a class's folder in, upload-ready files and reports out.
 * main reads: parse, validate, run, report. */
#include "batch/batch.h"
#include "common.h"

#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The one piece of process state: which signal asked us to stop. A signal
 * handler can only talk to the program through such a variable. */
static volatile sig_atomic_t stop_signal;

static void on_signal(int sig) { stop_signal = sig; }

static void usage(FILE *f) {
  fputs(
      "Usage: photobatch INDIR -o OUTDIR [OPTION]...\n"
      "       photobatch --files-from FILE|- -o OUTDIR [OPTION]...\n"
      "       photobatch merge REPORT.json... --report FILE...\n"
      "Check and fix every photo under INDIR into OUTDIR.\n\n"
      "  -o, --output DIR        write fixed photos here\n"
      "  -j, --jobs N            worker threads, 1..256 (default: all cores)\n"
      "      --check-only        check only; write no photos\n"
      "      --profile NAME|FILE chsi (default), chsi-intake, icao or a file\n"
      "      --files-from FILE   inputs listed one per line or NUL-separated"
      " (- is stdin)\n"
      "      --report FILE       .csv, .json or .html; repeatable\n"
      "      --roster FILE.csv   class list (student_id,name,id_number,file"
      " or 学号,姓名,身份证号,文件名)\n"
      "      --name-by KEY       id_number, student_id or original (default)\n"
      "      --similar N         perceptual-hash distance for near-duplicates"
      " (0..64, default 8)\n"
      "      --resume            skip inputs whose output is up to date\n"
      "      --force             overwrite existing outputs\n"
      "      --strict            warnings fail too\n"
      "      --shard K/N|auto    process a stable 1/N of the inputs\n"
      "      --shard-count N     N for --shard auto with JOB_COMPLETION_INDEX\n"
      "      --lang en|zh        language of the summary\n"
      "  -q, --quiet             no progress and no summary\n"
      "  -h, --help              show this help\n"
      "      --version           show the version\n\n"
      "Exit status: 0 all passed or fixed, 1 some file failed, 2 usage error,\n"
      "3 I/O error, 130/143 interrupted (SIGINT/SIGTERM; rerun with "
      "--resume).\n",
      f);
}

enum {
  OPT_CHECK = 256,
  OPT_PROFILE,
  OPT_FILES,
  OPT_REPORT,
  OPT_ROSTER,
  OPT_NAMEBY,
  OPT_RESUME,
  OPT_FORCE,
  OPT_STRICT,
  OPT_SHARD,
  OPT_SHARDN,
  OPT_LANG,
  OPT_VERSION,
  OPT_SIMILAR
};

static const struct option longopts[] = {
    {"output", required_argument, NULL, 'o'},
    {"jobs", required_argument, NULL, 'j'},
    {"check-only", no_argument, NULL, OPT_CHECK},
    {"profile", required_argument, NULL, OPT_PROFILE},
    {"files-from", required_argument, NULL, OPT_FILES},
    {"report", required_argument, NULL, OPT_REPORT},
    {"roster", required_argument, NULL, OPT_ROSTER},
    {"name-by", required_argument, NULL, OPT_NAMEBY},
    {"similar", required_argument, NULL, OPT_SIMILAR},
    {"resume", no_argument, NULL, OPT_RESUME},
    {"force", no_argument, NULL, OPT_FORCE},
    {"strict", no_argument, NULL, OPT_STRICT},
    {"shard", required_argument, NULL, OPT_SHARD},
    {"shard-count", required_argument, NULL, OPT_SHARDN},
    {"lang", required_argument, NULL, OPT_LANG},
    {"quiet", no_argument, NULL, 'q'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, OPT_VERSION},
    {NULL, 0, NULL, 0}};

static int parse_int(const char *s, int lo, int hi, int *out) {
  char *e;
  long v;
  errno = 0;
  v = strtol(s, &e, 10);
  if (errno || e == s || *e || v < lo || v > hi) return -1;
  *out = (int)v;
  return 0;
}

/* --shard auto: Slurm array jobs number tasks from SLURM_ARRAY_TASK_MIN,
 * Kubernetes Indexed Jobs from 0 (JOB_COMPLETION_INDEX). */
static int shard_auto(batch_opts *o, int count) {
  const char *id = getenv("SLURM_ARRAY_TASK_ID");
  const char *n = getenv("SLURM_ARRAY_TASK_COUNT");
  const char *min = getenv("SLURM_ARRAY_TASK_MIN");
  int k, base = 0;
  if (id && n) {
    if (parse_int(id, 0, 1 << 30, &k) ||
        parse_int(n, 1, 1 << 20, &o->shard_n) ||
        (min && parse_int(min, 0, 1 << 30, &base)))
      return cmd_usage_error(BATCH_PROG,
                             "--shard auto: bad SLURM_ARRAY_* values");
    o->shard_k = k - base + 1;
  } else if ((id = getenv("JOB_COMPLETION_INDEX")) != NULL) {
    if (!count)
      return cmd_usage_error(BATCH_PROG,
                             "--shard auto with JOB_COMPLETION_INDEX "
                             "needs --shard-count N");
    if (parse_int(id, 0, 1 << 30, &k))
      return cmd_usage_error(BATCH_PROG,
                             "--shard auto: bad JOB_COMPLETION_INDEX");
    o->shard_k = k + 1;
    o->shard_n = count;
  } else {
    return cmd_usage_error(BATCH_PROG,
                           "--shard auto: neither SLURM_ARRAY_TASK_ID/"
                           "SLURM_ARRAY_TASK_COUNT nor "
                           "JOB_COMPLETION_INDEX is set");
  }
  if (o->shard_k < 1 || o->shard_k > o->shard_n)
    return cmd_usage_error(BATCH_PROG, "--shard auto: task %d is outside 1..%d",
                           o->shard_k, o->shard_n);
  return 0;
}

static int parse_shard(batch_opts *o, const char *arg) {
  char tail;
  if (!strcmp(arg, "auto")) return o->shard_n = -1, 0;
  if (sscanf(arg, "%d/%d%c", &o->shard_k, &o->shard_n, &tail) != 2 ||
      o->shard_n < 1 || o->shard_n > 1000000 || o->shard_k < 1 ||
      o->shard_k > o->shard_n)
    return cmd_usage_error(BATCH_PROG,
                           "--shard: expected K/N with 1 <= K <= N "
                           "(or auto), got '%s'",
                           arg);
  return 0;
}

static int parse_opt(batch_opts *o, int c, const char *arg, int *shard_count) {
  switch (c) {
  case 'o': o->outdir = arg; return 0;
  case 'j':
    if (parse_int(arg, 1, 256, &o->jobs))
      return cmd_usage_error(
          BATCH_PROG, "--jobs should be between 1 and 256, got '%s'", arg);
    return 0;
  case OPT_CHECK: o->check_only = 1; return 0;
  case OPT_PROFILE: o->profile_arg = arg; return 0;
  case OPT_FILES: o->files_from = arg; return 0;
  case OPT_REPORT:
    if (o->nreports == BATCH_MAX_REPORTS)
      return cmd_usage_error(BATCH_PROG, "at most %d --report files",
                             BATCH_MAX_REPORTS);
    o->reports[o->nreports++] = arg;
    return 0;
  case OPT_ROSTER: o->roster_path = arg; return 0;
  case OPT_NAMEBY:
    if (!strcmp(arg, "original"))
      o->name_by = NAME_ORIGINAL;
    else if (!strcmp(arg, "id_number"))
      o->name_by = NAME_ID_NUMBER;
    else if (!strcmp(arg, "student_id"))
      o->name_by = NAME_STUDENT_ID;
    else
      return cmd_usage_error(
          BATCH_PROG,
          "--name-by should be id_number, student_id or original, got '%s'",
          arg);
    return 0;
  case OPT_SIMILAR:
    if (parse_int(arg, 0, 64, &o->phash_threshold))
      return cmd_usage_error(
          BATCH_PROG, "--similar should be between 0 and 64, got '%s'", arg);
    return 0;
  case OPT_RESUME: o->resume = 1; return 0;
  case OPT_FORCE: o->force = 1; return 0;
  case OPT_STRICT: o->strict = 1; return 0;
  case OPT_SHARD: return parse_shard(o, arg);
  case OPT_SHARDN:
    if (parse_int(arg, 1, 1000000, shard_count))
      return cmd_usage_error(
          BATCH_PROG, "--shard-count should be between 1 and 1000000, got '%s'",
          arg);
    return 0;
  case OPT_LANG:
    return cmd_parse_lang(BATCH_PROG, arg, &o->lang) ? CMD_EXIT_USAGE : 0;
  case 'q': o->quiet = 1; return 0;
  default: return cmd_usage_error(BATCH_PROG, "unknown option");
  }
}

/* 0 to go on, -1 after --help/--version, else an exit status. */
static int parse(int argc, char **argv, batch_opts *o) {
  int c, rc, shard_count = 0;
  long cores = sysconf(_SC_NPROCESSORS_ONLN);
  memset(o, 0, sizeof *o);
  o->jobs = cores > 0 ? (int)(cores > 256 ? 256 : cores) : 1;
  o->lang = pst_lang_from_env();
  o->phash_threshold = PST_PHASH_SIMILAR;
  while ((c = getopt_long(argc, argv, "o:j:qh", longopts, NULL)) != -1) {
    if (c == 'h') return usage(stdout), -1;
    if (c == OPT_VERSION) return printf("photobatch %s\n", pst_version()), -1;
    if (c == '?') return cmd_usage_error(BATCH_PROG, "bad option");
    if ((rc = parse_opt(o, c, optarg, &shard_count))) return rc;
  }
  if (optind < argc) o->indir = argv[optind++];
  if (optind < argc)
    return cmd_usage_error(BATCH_PROG, "one input folder only, got also '%s'",
                           argv[optind]);
  if (o->shard_n == -1 && (rc = shard_auto(o, shard_count))) return rc;
  return 0;
}

static int validate(const batch_opts *o) {
  if (!o->indir && !o->files_from)
    return cmd_usage_error(BATCH_PROG, "no input folder (or --files-from)");
  if (!o->outdir && !o->check_only)
    return cmd_usage_error(
        BATCH_PROG, "no output folder: give -o OUTDIR (or --check-only)");
  if (o->name_by != NAME_ORIGINAL && !o->roster_path)
    return cmd_usage_error(BATCH_PROG, "--name-by needs --roster");
  if (o->resume && !o->outdir)
    return cmd_usage_error(BATCH_PROG,
                           "--resume needs -o OUTDIR (the state lives there)");
  return 0;
}

static int open_inputs(batch *b) {
  pst_errinfo ei;
  int rc;
  if ((rc = cmd_open_profile(BATCH_PROG,
                             b->o->profile_arg ? b->o->profile_arg : "chsi",
                             &b->prof)))
    return rc;
  if (!(b->lim = pst_limits_create())) return CMD_EXIT_IO;
  if (b->o->roster_path &&
      pst_roster_load(b->o->roster_path, &b->roster, &ei)) {
    cmd_diag(BATCH_PROG, b->o->roster_path, "%s", ei.message);
    return CMD_EXIT_USAGE;
  }
  return CMD_EXIT_OK;
}

static int prepare_outdir(batch *b) {
  char *probe;
  if (!b->o->outdir) return CMD_EXIT_OK;
  probe = path_join(b->o->outdir, "x");
  if (mkdirs_for(probe) != 0 || access(b->o->outdir, W_OK) != 0) {
    cmd_diag(BATCH_PROG, b->o->outdir, "cannot write to the output folder: %s",
             strerror(errno));
    free(probe);
    return CMD_EXIT_IO;
  }
  free(probe);
  batch_clean_temps(b->o->outdir);
  return batch_state_open(b);
}

static void install_signals(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
}

static int report(batch *b) {
  results r;
  rrow *rows = NULL;
  int nrows = 0, rc = CMD_EXIT_OK;
  memset(&r, 0, sizeof r);
  r.items = xcalloc((size_t)b->n, sizeof *r.items);
  for (int i = 0; i < b->n; i++)
    if (b->items[i].dom)
      r.items[r.n++] = &b->items[i];
    else
      r.pending++;
  r.profile = pst_profile_name(b->prof);
  r.interrupted = b->interrupted;
  results_find_duplicates(&r, b->o->phash_threshold);
  if (b->roster) {
    rows = roster_rows(b->roster, &nrows);
    r.roster_json = roster_section_json(rows, nrows, r.items, r.n);
  }
  for (int i = 0; i < b->o->nreports; i++) {
    int w = results_write(&r, b->o->reports[i], b->o->indir, b->o->outdir,
                          b->o->lang);
    if (w) rc = w;
  }
  if (!b->o->quiet) results_summary(&r, stdout, b->o->lang);
  if (!rc && b->interrupted) rc = stop_signal == SIGTERM ? 143 : 130;
  if (!rc && results_count(&r, ST_FAILED)) rc = CMD_EXIT_FAIL;
  free(rows);
  free(r.roster_json);
  free(r.dups);
  free(r.items);
  return rc;
}

static void cleanup(batch *b) {
  for (int i = 0; i < b->n; i++) {
    free(b->items[i].rel);
    free(b->items[i].path);
    free(b->items[i].outname);
    free(b->items[i].entry);
    json_free(b->items[i].dom);
  }
  free(b->items);
  if (b->state) fclose(b->state);
  pst_roster_destroy(b->roster);
  pst_limits_destroy(b->lim);
  pst_profile_destroy(b->prof);
}

/* Every worker allocates and frees decoded pictures for each file. With
 * glibc's defaults a large buffer is a fresh mmap whose pages fault in and
 * are zeroed again for every file, and each munmap holds up the other
 * workers' page faults. Large buffers come from the heap and stay there
 * once freed. Over five make-bench pairs (200 files), CPU per image at -j2
 * was 1.01x that at -j1 with this and 1.09x without. */
static void keep_freed_memory(void) {
#if defined(M_MMAP_THRESHOLD) && defined(M_TRIM_THRESHOLD)
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
#endif
}

int main(int argc, char **argv) {
  batch_opts o;
  batch b;
  int rc;
  keep_freed_memory();
  if (argc > 1 && !strcmp(argv[1], "merge"))
    return batch_merge_main(argc - 1, argv + 1);
  if ((rc = parse(argc, argv, &o)))
    return rc < 0 ? cmd_finish_stdout(BATCH_PROG, 0) : rc;
  if ((rc = validate(&o))) return rc;
  memset(&b, 0, sizeof b);
  b.o = &o;
  b.stop = &stop_signal;
  if (!(rc = open_inputs(&b)) && !(rc = batch_collect(&b))) {
    batch_match_roster(&b);
    batch_plan_outputs(&b);
    batch_settings_hash(&b);
    rc = prepare_outdir(&b);
  }
  if (!rc) {
    install_signals();
    batch_run(&b);
    rc = report(&b);
  }
  cleanup(&b);
  return cmd_finish_stdout(BATCH_PROG, rc);
}

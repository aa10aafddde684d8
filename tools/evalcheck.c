/* evalcheck: the acceptance figures of the content checks (issue 3).
 *
 *   evalcheck [-v] SETDIR [REALDIR]
 *
 * SETDIR is an mkcompliance output (SETDIR/MANIFEST: path, expected check id
 * or "-", defect, true geometry with an optional ",also=CHECK"). Every file
 * is checked with the built-in chsi profile: compliant photos must pass;
 * each defect must fail its named check (caught) and no other error check
 * (false alarm; checks named by also= are not counted). REALDIR (default
 * $PST_REAL) is walked for london/, canada/, snapshots/ and misc/: the face
 * count and the appearance checks that fire on each real photo. -v prints
 * every file's measured values, for calibration. Uses the public API only. */
#include "photostd.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAXCHECKS 40

typedef struct tally {
  int files, ok;
  int fail_by[MAXCHECKS]; /* index into ids[] */
} tally;

/* The check ids seen failing, in order of first failure (a tool's
 * process-wide table; the library keeps no such state). */
static const char *ids[MAXCHECKS];
static int nids;

static int id_index(const char *id) {
  for (int i = 0; i < nids; i++)
    if (!strcmp(ids[i], id)) return i;
  if (nids == MAXCHECKS) return 0;
  ids[nids] = strdup(id);
  return nids++;
}

static void print_values(const char *name, const pst_report *r) {
  pst_finding f;
  printf("%s", name);
  for (int i = 12; i < pst_report_count(r); i++)
    if (pst_report_get(r, i, PST_LANG_EN, &f) == PST_OK)
      printf(" %s=%s%s%g", f.id, pst_status_name(f.status),
             f.has_value ? ":" : "", f.has_value ? f.value : 0.0);
  printf("\n");
}

/* One MANIFEST line: check the file and count it. */
static void eval_line(const char *dir, char *line, int verbose, tally *comp,
                      tally *def, int *alarms, int *defects, int *caught) {
  char *path = strtok(line, "\t\n"), *want = strtok(NULL, "\t\n");
  char *defect = strtok(NULL, "\t\n"), *geo = strtok(NULL, "\t\n");
  char full[4096];
  pst_report *r = NULL;
  pst_finding f;
  if (!path || !want || !defect) return;
  snprintf(full, sizeof full, "%s/%s", dir, path);
  if (pst_check_file(full, NULL, NULL, &r) != PST_OK) return;
  const char *also = geo ? strstr(geo, "also=") : NULL;
  int is_comp = !strcmp(want, "-"), hit = 0, alarm = 0;
  for (int i = 0; i < pst_report_count(r); i++) {
    if (pst_report_get(r, i, PST_LANG_EN, &f) || f.status != PST_FAIL ||
        !f.severity_error)
      continue;
    if (!is_comp && !strcmp(f.id, want)) {
      hit = 1;
      continue;
    }
    if (also && !strcmp(also + 5, f.id)) continue;
    alarm = 1;
    (is_comp ? comp : def)->fail_by[id_index(f.id)]++;
  }
  if (is_comp) {
    comp->files++;
    comp->ok += !alarm;
  } else {
    (*defects)++;
    *caught += hit;
    *alarms += alarm;
    def->files++;
    def->ok += hit;
  }
  if (verbose || (is_comp && alarm) || (!is_comp && (!hit || alarm))) {
    printf("%s%s ", is_comp ? (alarm ? "FAIL " : "") : (hit ? "" : "MISS "),
           alarm && !is_comp ? "ALARM" : "");
    print_values(path, r);
  }
  pst_report_destroy(r);
}

static void per_defect(const char *dir) {
  char path[4096], line[1024];
  FILE *fp;
  snprintf(path, sizeof path, "%s/MANIFEST", dir);
  if (!(fp = fopen(path, "r"))) return;
  printf("\nper defect: caught / files\n");
  struct {
    char name[32];
    int n, hit;
  } d[32] = {{{0}, 0, 0}};
  int nd = 0;
  while (fgets(line, sizeof line, fp)) {
    char *p = strtok(line, "\t\n"), *want = strtok(NULL, "\t\n");
    char *defect = strtok(NULL, "\t\n"), full[4096];
    pst_report *r = NULL;
    pst_finding f;
    int k, hit = 0;
    if (!p || !want || !defect || !strcmp(want, "-")) continue;
    for (k = 0; k < nd && strcmp(d[k].name, defect); k++) continue;
    if (k == nd && nd < 32) snprintf(d[nd++].name, 32, "%s", defect);
    snprintf(full, sizeof full, "%s/%s", dir, p);
    if (pst_check_file(full, NULL, NULL, &r)) continue;
    for (int i = 0; i < pst_report_count(r); i++)
      if (!pst_report_get(r, i, PST_LANG_EN, &f) && f.status == PST_FAIL &&
          !strcmp(f.id, want))
        hit = 1;
    d[k].n++;
    d[k].hit += hit;
    pst_report_destroy(r);
  }
  fclose(fp);
  for (int k = 0; k < nd; k++)
    printf("  %-12s %d / %d\n", d[k].name, d[k].hit, d[k].n);
}

static int eval_set(const char *dir, int verbose) {
  char path[4096], line[1024];
  tally comp = {0}, def = {0};
  int alarms = 0, defects = 0, caught = 0;
  FILE *fp;
  snprintf(path, sizeof path, "%s/MANIFEST", dir);
  if (!(fp = fopen(path, "r"))) {
    fprintf(stderr, "evalcheck: %s: cannot open\n", path);
    return 1;
  }
  while (fgets(line, sizeof line, fp))
    eval_line(dir, line, verbose, &comp, &def, &alarms, &defects, &caught);
  fclose(fp);
  printf("\ncompliant: %d / %d pass (%.1f%%)\n", comp.ok, comp.files,
         comp.files ? 100.0 * comp.ok / comp.files : 0);
  printf("defects: %d / %d caught by the named check (%.1f%%)\n", caught,
         defects, defects ? 100.0 * caught / defects : 0);
  printf("false alarms (another error check fails): %d / %d (%.1f%%)\n", alarms,
         defects + comp.files,
         defects + comp.files
             ? 100.0 * (alarms + comp.files - comp.ok) / (defects + comp.files)
             : 0);
  printf("false alarms by check (compliant / defects):");
  for (int i = 0; i < nids; i++)
    printf(" %s %d/%d", ids[i], comp.fail_by[i], def.fail_by[i]);
  printf("\n");
  per_defect(dir);
  return 0;
}

static void eval_real_dir(const char *root, const char *sub, int verbose) {
  char dir[4096], path[8192];
  struct dirent **list = NULL;
  int n;
  snprintf(dir, sizeof dir, "%s/%s", root, sub);
  n = scandir(dir, &list, NULL, alphasort);
  for (int i = 0; i < n; i++) {
    const char *nm = list[i]->d_name, *dot = strrchr(nm, '.');
    pst_report *r = NULL;
    pst_finding f;
    if (dot && !strcmp(dot, ".jpg")) {
      snprintf(path, sizeof path, "%s/%s", dir, nm);
      if (pst_check_file(path, NULL, NULL, &r) == PST_OK) {
        int faces = -1;
        for (int k = 0; k < pst_report_count(r); k++)
          if (!pst_report_get(r, k, PST_LANG_EN, &f) &&
              !strcmp(f.id, "face.count") && f.has_value)
            faces = (int)f.value;
        printf("%s/%s faces %d", sub, nm, faces);
        if (verbose)
          print_values("", r);
        else
          printf("\n");
        pst_report_destroy(r);
      }
    }
    free(list[i]);
  }
  free(list);
}

int main(int argc, char **argv) {
  static const char *subs[] = {"london", "canada", "snapshots", "misc"};
  int verbose = argc > 1 && !strcmp(argv[1], "-v");
  const char *set = argc > 1 + verbose ? argv[1 + verbose] : NULL;
  const char *real =
      argc > 2 + verbose ? argv[2 + verbose] : getenv("PST_REAL");
  if (!set) {
    fprintf(stderr, "usage: evalcheck [-v] SETDIR [REALDIR]\n");
    return 2;
  }
  if (strcmp(set, "-") && eval_set(set, verbose)) return 1;
  if (real)
    for (size_t i = 0; i < sizeof subs / sizeof *subs; i++)
      eval_real_dir(real, subs[i], verbose);
  return 0;
}

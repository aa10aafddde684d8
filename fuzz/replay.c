/* Feed files to a fuzz target's LLVMFuzzerTestOneInput without libFuzzer,
 * so the regression inputs run under any compiler (and valgrind).
 * Usage: replay FILE|DIR...; exits 0 when every input returned. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path) {
  FILE *f = fopen(path, "rb");
  uint8_t *buf = NULL;
  long n;
  int rc = 1;
  if (!f) goto out;
  if (fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET))
    goto out;
  /* One spare byte so an empty input still has a valid pointer. */
  if (!(buf = malloc((size_t)n + 1))) goto out;
  if (fread(buf, 1, (size_t)n, f) != (size_t)n) goto out;
  LLVMFuzzerTestOneInput(buf, (size_t)n);
  rc = 0;
out:
  if (rc) fprintf(stderr, "replay: %s: cannot read\n", path);
  free(buf);
  if (f) fclose(f);
  return rc;
}

static int by_name(const struct dirent **a, const struct dirent **b) {
  return strcmp((*a)->d_name, (*b)->d_name);
}

static int run_dir(const char *dir, int *count) {
  struct dirent **ents = NULL;
  char path[4096];
  int n = scandir(dir, &ents, NULL, by_name), rc = 0;
  if (n < 0) return fprintf(stderr, "replay: %s: cannot list\n", dir), 1;
  for (int i = 0; i < n; i++) {
    if (ents[i]->d_name[0] != '.') {
      snprintf(path, sizeof path, "%s/%s", dir, ents[i]->d_name);
      rc |= run_file(path);
      ++*count;
    }
    free(ents[i]);
  }
  free(ents);
  return rc;
}

int main(int argc, char **argv) {
  struct stat st;
  int rc = 0, count = 0;
  for (int i = 1; i < argc; i++) {
    if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
      rc |= run_dir(argv[i], &count);
    } else {
      rc |= run_file(argv[i]);
      count++;
    }
  }
  printf("replay: %d inputs\n", count);
  return rc ? 1 : 0;
}

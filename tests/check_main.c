/* One Check runner for every suite: tests/check_<module>.c exports
 * Suite *<module>_suite(void); the build lists them in suites.h. */
#include "testutil.h"

#include <string.h>
#include <sys/stat.h>

#define SUITE(name) Suite *name##_suite(void);
#include "suites.h"
#undef SUITE

const char *tu_fixtures(void) {
  const char *d = getenv("PST_FIXTURES");
  return d ? d : "build/fixtures";
}

const char *tu_fixture(const char *name) {
  static _Thread_local char path[4096];
  snprintf(path, sizeof path, "%s/%s", tu_fixtures(), name);
  return path;
}

const char *tu_real(void) {
  const char *d = getenv("PST_REAL");
  struct stat st;
  if (!d) d = "../shared/testdata/real";
  return stat(d, &st) == 0 && S_ISDIR(st.st_mode) ? d : NULL;
}

char *tu_real_path(const char *rel) {
  const char *d = tu_real();
  size_t n = strlen(d) + strlen(rel) + 2;
  char *p = malloc(n);
  snprintf(p, n, "%s/%s", d, rel);
  return p;
}

int main(void) {
  SRunner *sr = srunner_create(NULL);
#define SUITE(name) srunner_add_suite(sr, name##_suite());
#include "suites.h"
#undef SUITE
  if (!tu_real())
    fprintf(stderr, "SKIP: ../shared/testdata/real is absent: tests on real "
                    "photos are skipped\n");
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed == 0 ? 0 : 1;
}

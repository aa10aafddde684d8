/* Shared helpers for the Check suites. */
#ifndef PST_TESTUTIL_H
#define PST_TESTUTIL_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>

/* Directory of generated fixtures (tests/mkfixtures.c), from PST_FIXTURES. */
const char *tu_fixtures(void);
/* Path of a fixture in a static buffer per call site (copy it if kept). */
const char *tu_fixture(const char *name);
/* The shared real photos (PST_REAL), or NULL when absent: then the test
 * prints "SKIP: ..." once and returns. */
const char *tu_real(void);
/* Path below tu_real(); malloc'd, caller frees. */
char *tu_real_path(const char *rel);

#define TU_NEED_REAL()                                                         \
  do {                                                                         \
    if (!tu_real()) {                                                          \
      fprintf(stderr, "SKIP %s: ../shared/testdata/real is absent\n",          \
              __func__);                                                       \
      return;                                                                  \
    }                                                                          \
  } while (0)

#endif

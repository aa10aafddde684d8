/* libFuzzer target: the roster CSV parser (RFC 4180, UTF-8 or GB18030),
 * and the name and ID-number checks photobatch applies to its cells. */
#include "photostd.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  pst_roster *r = NULL;
  pst_roster_row row;
  pst_errinfo detail;
  if (pst_roster_parse(data, size, &r, &detail) != PST_OK) return 0;
  (void)pst_roster_encoding(r);
  for (int i = 0; i < pst_roster_count(r); i++) {
    if (pst_roster_get(r, i, &row) != PST_OK) abort();
    (void)pst_name_safe(row.file);
    (void)pst_name_safe(row.student_id);
    (void)pst_idnumber_valid(row.id_number);
  }
  pst_roster_destroy(r);
  return 0;
}

/* Errors, version, language and memory helpers shared by every module. */
#include "internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *pst_strerror(pst_err e) {
  switch (e) {
  case PST_OK: return "success";
  case PST_ERR_NOMEM: return "out of memory";
  case PST_ERR_IO: return "input/output error";
  case PST_ERR_DECODE: return "corrupt image data";
  case PST_ERR_UNSUPPORTED: return "unsupported format or feature";
  case PST_ERR_LIMIT: return "input exceeds a safety limit";
  case PST_ERR_RANGE: return "value out of range";
  case PST_ERR_ARG: return "invalid argument";
  case PST_ERR_PARSE: return "syntax error";
  case PST_ERR_NOTFOUND: return "not found";
  }
  return "unknown error";
}

const char *pst_version(void) { return PST_VERSION_STRING; }

void pst_free(void *p) { free(p); }

pst_lang pst_lang_from_env(void) {
  /* POSIX precedence: the first of these that is set and non-empty wins. */
  static const char *const vars[] = {"LC_ALL", "LC_MESSAGES", "LANG"};
  for (size_t i = 0; i < sizeof vars / sizeof *vars; i++) {
    const char *v = getenv(vars[i]);
    if (v && *v) return strncmp(v, "zh", 2) == 0 ? PST_LANG_ZH : PST_LANG_EN;
  }
  return PST_LANG_EN;
}

pst_err pst__fail(pst_errinfo *e, pst_err code, const char *fmt, ...) {
  if (e) {
    va_list ap;
    va_start(ap, fmt);
    e->code = code;
    vsnprintf(e->message, sizeof e->message, fmt, ap);
    va_end(ap);
  }
  return code;
}

double pst__srgb_to_linear(double c) {
  return c <= 0.04045 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4);
}

double pst__linear_to_srgb(double l) {
  return l <= 0.0031308 ? 12.92 * l : 1.055 * pow(l, 1 / 2.4) - 0.055;
}

void pst__srgb_linear_table(float t[256]) {
  for (int i = 0; i < 256; i++) t[i] = (float)pst__srgb_to_linear(i / 255.0);
}

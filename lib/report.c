/* A check report: the findings in both languages, and its JSON form
 * (SPEC §4, the photocheck object). */
#include "check_priv.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *pst_status_name(pst_status s) {
  switch (s) {
  case PST_PASS: return "pass";
  case PST_WARN: return "warn";
  case PST_FAIL: return "fail";
  case PST_SKIP: return "skip";
  }
  return "unknown";
}

pst_err pst__report_new(const char *file, const char *profile,
                        pst_report **out) {
  pst_report *r = calloc(1, sizeof *r);
  *out = NULL;
  if (!r) return PST_ERR_NOMEM;
  r->file = strdup(file ? file : "-");
  if (!r->file) {
    free(r);
    return PST_ERR_NOMEM;
  }
  snprintf(r->profile, sizeof r->profile, "%s", profile ? profile : "");
  r->info.orientation = 1;
  r->info.quality = -1;
  *out = r;
  return PST_OK;
}

void pst_report_destroy(pst_report *r) {
  if (!r) return;
  for (int i = 0; i < r->n; i++)
    for (int l = 0; l < 2; l++) {
      free(r->f[i].text[l][0]);
      free(r->f[i].text[l][1]);
    }
  free(r->file);
  free(r);
}

int pst_report_count(const pst_report *r) { return r ? r->n : 0; }

pst_err pst_report_get(const pst_report *r, int i, pst_lang lang,
                       pst_finding *out) {
  const pst__finding_rec *f;
  if (!r || !out || i < 0 || i >= r->n) return PST_ERR_ARG;
  if (lang != PST_LANG_ZH) lang = PST_LANG_EN;
  f = &r->f[i];
  out->id = f->id;
  out->status = f->status;
  out->severity_error = f->severity_error;
  out->has_value = f->has_value;
  out->value = f->value;
  out->unit = f->unit ? f->unit : "";
  out->expected = f->expected;
  out->message = f->text[lang][0] ? f->text[lang][0] : "";
  out->hint = f->text[lang][1] ? f->text[lang][1] : "";
  return PST_OK;
}

int pst_report_pass(const pst_report *r, int strict) {
  if (!r) return 0;
  for (int i = 0; i < r->n; i++) {
    const pst__finding_rec *f = &r->f[i];
    if (f->status == PST_FAIL && f->severity_error) return 0;
    /* A warning-severity check never fails, but treat a fail of one as a
     * warning rather than ignoring it. */
    if (strict && (f->status == PST_WARN || f->status == PST_FAIL)) return 0;
  }
  return 1;
}

int pst_report_io_error(const pst_report *r) { return r ? r->io_error : 0; }
const char *pst_report_file(const pst_report *r) { return r ? r->file : ""; }
const char *pst_report_profile(const pst_report *r) {
  return r ? r->profile : "";
}
const pst_info *pst_report_info(const pst_report *r) {
  return r ? &r->info : NULL;
}

static void json_int_or_null(pst_buf *b, int known, double v) {
  if (known)
    pst__buf_json_num(b, v);
  else
    pst__buf_puts(b, "null");
}

static void json_finding(pst_buf *b, const pst__finding_rec *f, pst_lang lang) {
  pst__buf_puts(b, "{\"id\":");
  pst__buf_json_str(b, f->id);
  pst__buf_puts(b, ",\"status\":");
  pst__buf_json_str(b, pst_status_name(f->status));
  pst__buf_puts(b, ",\"value\":");
  json_int_or_null(b, f->has_value, f->value);
  pst__buf_puts(b, ",\"unit\":");
  pst__buf_json_str(b, f->unit ? f->unit : "");
  pst__buf_puts(b, ",\"expected\":");
  pst__buf_json_str(b, f->expected);
  pst__buf_puts(b, ",\"message\":");
  pst__buf_json_str(b, f->text[lang][0]);
  pst__buf_puts(b, ",\"hint\":");
  pst__buf_json_str(b, f->text[lang][1]);
  pst__buf_puts(b, "}");
}

/* "face" and "eyes" (SPEC §4); null when no face was found. Eye points
 * keep one decimal: the pupil finder is sub-pixel. */
static void json_face(pst_buf *b, const pst_report *r) {
  if (!r->has_face) {
    pst__buf_puts(b, ",\"face\":null,\"eyes\":null");
    return;
  }
  pst__buf_printf(b, ",\"face\":{\"x\":%d,\"y\":%d,\"w\":%d,\"h\":%d}",
                  r->face.x, r->face.y, r->face.w, r->face.h);
  pst__buf_puts(b, ",\"eyes\":[");
  for (int i = 0; i < 2; i++) {
    pst__buf_puts(b, i ? ",[" : "[");
    pst__buf_json_num(b, round(r->eyes[i].x * 10) / 10);
    pst__buf_puts(b, ",");
    pst__buf_json_num(b, round(r->eyes[i].y * 10) / 10);
    pst__buf_puts(b, "]");
  }
  pst__buf_puts(b, "]");
}

pst_err pst_report_face(const pst_report *r, pst_rect *face,
                        pst_point eyes[2]) {
  if (!r) return PST_ERR_ARG;
  if (!r->has_face) return PST_ERR_NOTFOUND;
  if (face) *face = r->face;
  if (eyes) {
    eyes[0] = r->eyes[0];
    eyes[1] = r->eyes[1];
  }
  return PST_OK;
}

pst_err pst_report_json(const pst_report *r, pst_lang lang, char **out) {
  pst_buf b;
  if (out) *out = NULL;
  if (!r || !out) return PST_ERR_ARG;
  if (lang != PST_LANG_ZH) lang = PST_LANG_EN;
  pst__buf_init(&b);
  pst__buf_puts(&b, "{\"file\":");
  pst__buf_json_str(&b, r->file);
  pst__buf_puts(&b, ",\"profile\":");
  pst__buf_json_str(&b, r->profile);
  pst__buf_puts(&b,
                pst_report_pass(r, 0) ? ",\"pass\":true" : ",\"pass\":false");
  pst__buf_puts(&b, ",\"width\":");
  json_int_or_null(&b, r->info_known, r->info.width);
  pst__buf_puts(&b, ",\"height\":");
  json_int_or_null(&b, r->info_known, r->info.height);
  pst__buf_puts(&b, ",\"bytes\":");
  json_int_or_null(&b, r->have_bytes, (double)r->info.file_bytes);
  json_face(&b, r);
  pst__buf_puts(&b, ",\"checks\":[");
  for (int i = 0; i < r->n; i++) {
    if (i) pst__buf_puts(&b, ",");
    json_finding(&b, &r->f[i], lang);
  }
  pst__buf_puts(&b, "]}");
  if (b.oom) {
    pst__buf_free(&b);
    return PST_ERR_NOMEM;
  }
  *out = b.data;
  return PST_OK;
}

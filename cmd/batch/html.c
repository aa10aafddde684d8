/* The HTML report: one self-contained page (thumbnails as data: URIs, no
 * network), counts at the top, a filter by status and failing check that
 * also reads the URL fragment (#status=failed&check=face.count), and every
 * string from a file name or the roster escaped. */
#include "batch.h"

#include <stdlib.h>
#include <string.h>

static void esc(FILE *f, const char *s) {
  for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
    switch (*p) {
    case '&': fputs("&amp;", f); break;
    case '<': fputs("&lt;", f); break;
    case '>': fputs("&gt;", f); break;
    case '"': fputs("&quot;", f); break;
    case '\'': fputs("&#39;", f); break;
    default:
      if (*p < 0x20 || *p == 0x7F)
        fprintf(f, "\\x%02X", *p);
      else
        fputc(*p, f);
    }
  }
}

static void base64(FILE *f, const uint8_t *p, size_t n) {
  static const char tb[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (size_t i = 0; i < n; i += 3) {
    unsigned v = (unsigned)p[i] << 16 | (i + 1 < n ? p[i + 1] : 0) << 8 |
                 (i + 2 < n ? p[i + 2] : 0);
    fputc(tb[v >> 18 & 63], f);
    fputc(tb[v >> 12 & 63], f);
    fputc(i + 1 < n ? tb[v >> 6 & 63] : '=', f);
    fputc(i + 2 < n ? tb[v & 63] : '=', f);
  }
}

/* A box-filtered thumbnail at most `max` px on its long side. */
static pst_image *shrink(pst_image *src, int max) {
  int w = pst_image_width(src), h = pst_image_height(src);
  int tw = w >= h ? max : (w * max + h / 2) / h,
      th = h > w ? max : (h * max + w / 2) / w;
  pst_image *dst = NULL;
  const uint8_t *s = pst_image_cpixels(src);
  uint8_t *d;
  if (w <= max && h <= max) return src;
  if (tw < 1) tw = 1;
  if (th < 1) th = 1;
  if (pst_image_create(tw, th, (pst_rgb){0, 0, 0}, &dst)) return src;
  d = pst_image_pixels(dst);
  for (int y = 0; y < th; y++)
    for (int x = 0; x < tw; x++) {
      int x0 = x * w / tw, x1 = (x + 1) * w / tw, y0 = y * h / th,
          y1 = (y + 1) * h / th;
      unsigned sum[3] = {0, 0, 0}, cnt = 0;
      for (int yy = y0; yy < y1; yy++)
        for (int xx = x0; xx < x1; xx++, cnt++)
          for (int c = 0; c < 3; c++)
            sum[c] += s[((size_t)yy * w + xx) * 3 + c];
      for (int c = 0; c < 3; c++)
        d[((size_t)y * tw + x) * 3 + c] = (uint8_t)(cnt ? sum[c] / cnt : 0);
    }
  pst_image_destroy(src);
  return dst;
}

static void thumb(FILE *f, const char *dir, const char *rel, const char *alt) {
  char *path;
  pst_image *img = NULL;
  pst_info info;
  pst_jpeg_opts jo = {70, 0, 0, 0};
  uint8_t *jpg = NULL;
  size_t len = 0;
  if (!dir || !rel) {
    fputs("<span class=\"none\">&#8212;</span>", f);
    return;
  }
  path = path_join(dir, rel);
  if (pst_image_load(path, NULL, 4, &img, &info, NULL) == PST_OK) {
    if (info.orientation > 1) pst_image_orient(img, info.orientation);
    img = shrink(img, 96);
    if (pst_image_encode_jpeg(img, &jo, &jpg, &len) == PST_OK) {
      fputs("<img alt=\"", f);
      esc(f, alt);
      fputs("\" src=\"data:image/jpeg;base64,", f);
      base64(f, jpg, len);
      fputs("\">", f);
    }
  }
  if (!jpg) fputs("<span class=\"none\">&#8212;</span>", f);
  pst_free(jpg);
  pst_image_destroy(img);
  free(path);
}

static const char *const style =
    "body{font:14px sans-serif;margin:1em}table{border-collapse:collapse}"
    "td,th{border:1px solid #ccc;padding:4px;vertical-align:top}"
    ".counts span{display:inline-block;margin:0 1em 1em 0;padding:.4em .8em;"
    "background:#eef;border-radius:4px}.failed{background:#fee}"
    ".fixed{background:#efe}.passed{background:#f8fff8}ul{margin:0;"
    "padding-left:1.2em}.zh{color:#555}img{max-width:96px}"
    "li.fix,li.caution{margin-bottom:.3em}li.caution{color:#850}";

static const char *const script =
    "function pbApply(){var s=document.getElementById('fstatus').value,"
    "c=document.getElementById('fcheck').value,n=0;"
    "document.querySelectorAll('#files tbody tr').forEach(function(r){"
    "var ok=(!s||r.dataset.status===s)&&(!c||(' '+r.dataset.checks+' ')"
    ".indexOf(' '+c+' ')>=0);r.hidden=!ok;if(ok)n++;});"
    "document.getElementById('shown').textContent=n+' shown';"
    "var h=[];if(s)h.push('status='+s);if(c)h.push('check='+c);"
    "if(location.hash.slice(1)!==h.join('&'))history.replaceState(null,'',"
    "h.length?'#'+h.join('&'):location.pathname);}"
    "function pbLoad(){location.hash.slice(1).split('&').forEach(function(kv)"
    "{var p=kv.split('='),v=decodeURIComponent(p[1]||'');"
    "if(p[0]==='status')document.getElementById('fstatus').value=v;"
    "if(p[0]==='check')document.getElementById('fcheck').value=v;});"
    "pbApply();}"
    "document.getElementById('fstatus').onchange=pbApply;"
    "document.getElementById('fcheck').onchange=pbApply;"
    "window.onhashchange=pbLoad;pbLoad();";

static void counts(const results *r, FILE *f) {
  fprintf(
      f,
      "<div class=\"counts\"><span id=\"c-total\">total / 总数 "
      "<b>%d</b></span><span id=\"c-passed\">passed / 合格 <b>%d</b></span>"
      "<span id=\"c-fixed\">fixed / 已修正 <b>%d</b></span>"
      "<span id=\"c-failed\">failed / 失败 <b>%d</b></span>"
      "<span id=\"c-duplicates\">duplicates / 重复 <b>%d</b></span></div>\n",
      r->n, results_count(r, ST_PASSED), results_count(r, ST_FIXED),
      results_count(r, ST_FAILED), r->ndups);
}

static int seen_before(const results *r, int upto, int k, const char *id) {
  for (int i = 0; i <= upto && i < r->n; i++) {
    const jval *a = json_get(r->items[i]->dom, "reasons");
    for (int j = 0; a && j < a->n && (i < upto || j < k); j++)
      if (a->kids[j]->str && !strcmp(a->kids[j]->str, id)) return 1;
  }
  return 0;
}

static void filters(const results *r, FILE *f) {
  fputs("<p>Status / 状态 <select id=\"fstatus\"><option value=\"\">all / 全部"
        "</option><option value=\"passed\">passed</option><option "
        "value=\"fixed\">fixed</option><option value=\"failed\">failed</option>"
        "</select> Failing check / 不合格项 <select id=\"fcheck\"><option "
        "value=\"\">any / 任意</option>",
        f);
  for (int i = 0; i < r->n; i++) {
    const jval *a = json_get(r->items[i]->dom, "reasons");
    for (int j = 0; a && j < a->n; j++)
      if (a->kids[j]->str && !seen_before(r, i, j, a->kids[j]->str)) {
        fputs("<option value=\"", f);
        esc(f, a->kids[j]->str);
        fputs("\">", f);
        esc(f, a->kids[j]->str);
        fputs("</option>", f);
      }
  }
  fprintf(f, "</select> <span id=\"shown\">%d shown</span></p>\n", r->n);
}

/* photofix's words on the file (a refusal or a caution) with the hint, in
 * both languages. */
static void fix_words(FILE *f, const jval *fix, const char *cls) {
  fprintf(f, "<li class=\"%s\"><b>photofix</b> (", cls);
  esc(f, json_str(fix, "reason"));
  fputs("): ", f);
  esc(f, json_str(fix, "en"));
  if (json_str(fix, "hint_en")) {
    fputs(" &#8212; ", f);
    esc(f, json_str(fix, "hint_en"));
  }
  fputs(" <span class=\"zh\" lang=\"zh\">", f);
  esc(f, json_str(fix, "zh"));
  if (json_str(fix, "hint_zh")) {
    fputs(" &#8212; ", f);
    esc(f, json_str(fix, "hint_zh"));
  }
  fputs("</span></li>", f);
}

static void findings(FILE *f, const jval *d) {
  const jval *a = json_get(d, "findings"), *fix = json_get(d, "fix");
  const jval *caution = json_get(d, "caution");
  fputs("<ul>", f);
  /* Why photofix gave up, and what the student can do: first, it is what
   * the clerk passes on. A caution on a fixed file: look at its edges. */
  if (fix) fix_words(f, fix, "fix");
  if (caution) fix_words(f, caution, "caution");
  for (int i = 0; a && i < a->n; i++) {
    const jval *x = a->kids[i];
    fputs("<li><b>", f);
    esc(f, json_str(x, "id"));
    fputs("</b> (", f);
    esc(f, json_str(x, "status"));
    fputs("): ", f);
    esc(f, json_str(x, "en"));
    fputs(" <span class=\"zh\" lang=\"zh\">", f);
    esc(f, json_str(x, "zh"));
    fputs("</span></li>", f);
  }
  fputs("</ul>", f);
}

static void row(FILE *f, const jval *d, const char *indir, const char *outdir) {
  const char *st = json_str(d, "status");
  char *checks = NULL;
  const jval *rs = json_get(d, "reasons");
  sbuf s = {0};
  sb_puts(&s, "");
  for (int i = 0; rs && i < rs->n; i++)
    sb_printf(&s, "%s%s", i ? " " : "",
              rs->kids[i]->str ? rs->kids[i]->str : "");
  checks = s.data;
  fputs("<tr class=\"", f);
  esc(f, st);
  fputs("\" data-status=\"", f);
  esc(f, st);
  fputs("\" data-checks=\"", f);
  esc(f, checks);
  fputs("\"><td class=\"input\">", f);
  esc(f, json_str(d, "input"));
  fputs("</td><td>", f);
  thumb(f, indir, json_str(d, "input"), "before");
  fputs("</td><td>", f);
  thumb(f, outdir, json_str(d, "output"), "after");
  fputs("</td><td class=\"status\">", f);
  esc(f, st);
  fputs("</td><td>", f);
  esc(f, json_str(d, "output"));
  fputs("</td><td>", f);
  esc(f, json_str(d, "student_id"));
  fputs(" ", f);
  esc(f, json_str(d, "name"));
  fputs("</td><td>", f);
  findings(f, d);
  fputs("</td></tr>\n", f);
  sb_free(&s);
}

static void dup_table(const results *r, FILE *f) {
  fputs("<h2>Duplicates / 重复照片</h2><table id=\"dups\"><thead><tr><th>A</th>"
        "<th>student A</th><th>B</th><th>student B</th><th>kind</th>"
        "<th>distance</th></tr></thead><tbody>\n",
        f);
  for (int i = 0; i < r->ndups; i++) {
    const jval *a = r->items[r->dups[i].a]->dom,
               *b = r->items[r->dups[i].b]->dom;
    fputs("<tr><td>", f);
    esc(f, json_str(a, "input"));
    fputs("</td><td>", f);
    esc(f, json_str(a, "student_id"));
    fputs(" ", f);
    esc(f, json_str(a, "name"));
    fputs("</td><td>", f);
    esc(f, json_str(b, "input"));
    fputs("</td><td>", f);
    esc(f, json_str(b, "student_id"));
    fputs(" ", f);
    esc(f, json_str(b, "name"));
    fprintf(f, "</td><td>%s</td><td>%d</td></tr>\n",
            r->dups[i].exact ? "exact" : "similar", r->dups[i].distance);
  }
  fputs("</tbody></table>\n", f);
}

static void roster_lists(const results *r, FILE *f) {
  static const char *const keys[] = {"rows_without_photo", "photos_without_row",
                                     "invalid_id_numbers", "shared_id_numbers",
                                     "rows_with_several_photos"};
  static const char *const zh[] = {"无照片的名单行", "无名单行的照片",
                                   "身份证号无效", "身份证号重复",
                                   "对应多张照片的名单行"};
  jval *v = r->roster_json ? json_parse(r->roster_json, strlen(r->roster_json))
                           : NULL;
  if (!v) return;
  fputs("<h2>Roster / 名单</h2>\n", f);
  for (int k = 0; k < 5; k++) {
    const jval *a = json_get(v, keys[k]);
    fprintf(f, "<h3>%s / %s (<span id=\"r-%s\">%d</span>)</h3><ul>", keys[k],
            zh[k], keys[k], a ? a->n : 0);
    for (int i = 0; a && i < a->n; i++) {
      fputs("<li>", f);
      esc(f, a->kids[i]->str);
      fputs("</li>", f);
    }
    fputs("</ul>\n", f);
  }
  json_free(v);
}

void write_html(const results *r, FILE *f, const char *indir,
                const char *outdir) {
  fprintf(f,
          "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
          "<title>photobatch report</title><style>%s</style></head><body>\n"
          "<h1>photobatch report / 照片批量处理报告</h1>\n<p>profile: ",
          style);
  esc(f, r->profile);
  fputs("</p>\n", f);
  counts(r, f);
  filters(r, f);
  fputs("<table id=\"files\"><thead><tr><th>input / 原文件</th><th>before / "
        "处理前</th><th>after / 处理后</th><th>status / 状态</th><th>output / "
        "输出</th><th>student / 学生</th><th>findings / 检查结果</th></tr>"
        "</thead><tbody>\n",
        f);
  for (int i = 0; i < r->n; i++) row(f, r->items[i]->dom, indir, outdir);
  fputs("</tbody></table>\n", f);
  dup_table(r, f);
  roster_lists(r, f);
  fprintf(f, "<script>%s</script>\n</body></html>\n", script);
}

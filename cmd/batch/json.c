/* A small JSON reader: enough for photobatch to read back its own reports
 * (resume state, merge). Depth is bounded so hostile input cannot recurse
 * without end. */
#include "batch.h"

#include <stdlib.h>
#include <string.h>

typedef struct jp {
  const char *p, *end;
  int depth;
} jp;

static jval *parse_value(jp *j);

static void ws(jp *j) {
  while (j->p < j->end &&
         (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
    j->p++;
}

static void put_utf8(sbuf *b, unsigned cp) {
  char u[4];
  size_t n;
  if (cp < 0x80)
    u[0] = (char)cp, n = 1;
  else if (cp < 0x800)
    u[0] = (char)(0xC0 | cp >> 6), u[1] = (char)(0x80 | (cp & 63)), n = 2;
  else if (cp < 0x10000)
    u[0] = (char)(0xE0 | cp >> 12), u[1] = (char)(0x80 | ((cp >> 6) & 63)),
    u[2] = (char)(0x80 | (cp & 63)), n = 3;
  else
    u[0] = (char)(0xF0 | cp >> 18), u[1] = (char)(0x80 | ((cp >> 12) & 63)),
    u[2] = (char)(0x80 | ((cp >> 6) & 63)), u[3] = (char)(0x80 | (cp & 63)),
    n = 4;
  sb_add(b, u, n);
}

static int hex4(const char *p, unsigned *out) {
  unsigned v = 0;
  for (int i = 0; i < 4; i++) {
    char c = p[i];
    v <<= 4;
    if (c >= '0' && c <= '9')
      v |= (unsigned)(c - '0');
    else if (c >= 'a' && c <= 'f')
      v |= (unsigned)(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F')
      v |= (unsigned)(c - 'A' + 10);
    else
      return -1;
  }
  *out = v;
  return 0;
}

static int escape(jp *j, sbuf *b) {
  unsigned cp, lo;
  char c = *j->p++;
  const char *map = strchr("\"\\/bfnrt", c);
  if (map && c != 'u') {
    static const char out[] = "\"\\/\b\f\n\r\t";
    sb_add(b, &out[map - "\"\\/bfnrt"], 1);
    return 0;
  }
  if (c != 'u' || j->end - j->p < 4 || hex4(j->p, &cp)) return -1;
  j->p += 4;
  if (cp >= 0xD800 && cp <= 0xDBFF && j->end - j->p >= 6 && j->p[0] == '\\' &&
      j->p[1] == 'u' && !hex4(j->p + 2, &lo) && lo >= 0xDC00 && lo <= 0xDFFF) {
    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
    j->p += 6;
  }
  put_utf8(b, cp);
  return 0;
}

static char *parse_string(jp *j) {
  sbuf b = {0};
  if (j->p >= j->end || *j->p != '"') return NULL;
  j->p++;
  sb_add(&b, "", 0);
  while (j->p < j->end && *j->p != '"') {
    if (*j->p == '\\') {
      j->p++;
      if (j->p >= j->end || escape(j, &b)) goto bad;
    } else {
      sb_add(&b, j->p++, 1);
    }
  }
  if (j->p >= j->end || b.oom) goto bad;
  j->p++;
  return b.data;
bad:
  sb_free(&b);
  return NULL;
}

static int push(jval *v, char *key, jval *kid) {
  jval **k = realloc(v->kids, (size_t)(v->n + 1) * sizeof *k);
  if (!k) return -1;
  v->kids = k;
  if (v->type == J_OBJ) {
    char **ks = realloc(v->keys, (size_t)(v->n + 1) * sizeof *ks);
    if (!ks) return -1;
    v->keys = ks;
    ks[v->n] = key;
  }
  k[v->n++] = kid;
  return 0;
}

static int parse_members(jp *j, jval *v, char close) {
  ws(j);
  if (j->p < j->end && *j->p == close) return j->p++, 0;
  for (;;) {
    char *key = NULL;
    jval *kid;
    ws(j);
    if (v->type == J_OBJ) {
      if (!(key = parse_string(j))) return -1;
      ws(j);
      if (j->p >= j->end || *j->p++ != ':') return free(key), -1;
    }
    if (!(kid = parse_value(j)) || push(v, key, kid)) {
      free(key);
      json_free(kid);
      return -1;
    }
    ws(j);
    if (j->p < j->end && *j->p == ',') {
      j->p++;
      continue;
    }
    if (j->p < j->end && *j->p == close) return j->p++, 0;
    return -1;
  }
}

static int parse_scalar(jp *j, jval *v) {
  char *e;
  if (*j->p == '"') {
    v->type = J_STR;
    return (v->str = parse_string(j)) ? 0 : -1;
  }
  if (j->end - j->p >= 4 && !memcmp(j->p, "null", 4)) return j->p += 4, 0;
  if (j->end - j->p >= 4 && !memcmp(j->p, "true", 4))
    return v->type = J_BOOL, v->num = 1, j->p += 4, 0;
  if (j->end - j->p >= 5 && !memcmp(j->p, "false", 5))
    return v->type = J_BOOL, j->p += 5, 0;
  v->type = J_NUM;
  v->num = strtod(j->p, &e);
  if (e == j->p || e > j->end) return -1;
  j->p = e;
  return 0;
}

static jval *parse_value(jp *j) {
  jval *v;
  int rc;
  ws(j);
  if (j->p >= j->end || j->depth > 64) return NULL;
  if (!(v = calloc(1, sizeof *v))) return NULL;
  v->raw = j->p;
  if (*j->p == '{' || *j->p == '[') {
    v->type = *j->p == '{' ? J_OBJ : J_ARR;
    j->p++;
    j->depth++;
    rc = parse_members(j, v, v->type == J_OBJ ? '}' : ']');
    j->depth--;
  } else {
    rc = parse_scalar(j, v);
  }
  if (rc) {
    json_free(v);
    return NULL;
  }
  v->raw_len = (size_t)(j->p - v->raw);
  return v;
}

jval *json_parse(const char *s, size_t len) {
  jp j = {s, s + len, 0};
  jval *v = parse_value(&j);
  ws(&j);
  if (v && j.p != j.end) {
    json_free(v);
    return NULL;
  }
  return v;
}

void json_free(jval *v) {
  if (!v) return;
  for (int i = 0; i < v->n; i++) {
    json_free(v->kids[i]);
    if (v->keys) free(v->keys[i]);
  }
  free(v->kids);
  free(v->keys);
  free(v->str);
  free(v);
}

const jval *json_get(const jval *obj, const char *key) {
  if (!obj || obj->type != J_OBJ) return NULL;
  for (int i = 0; i < obj->n; i++)
    if (!strcmp(obj->keys[i], key)) return obj->kids[i];
  return NULL;
}

const char *json_str(const jval *obj, const char *key) {
  const jval *v = json_get(obj, key);
  return v && v->type == J_STR ? v->str : NULL;
}

double json_num(const jval *obj, const char *key, double dflt) {
  const jval *v = json_get(obj, key);
  return v && (v->type == J_NUM || v->type == J_BOOL) ? v->num : dflt;
}

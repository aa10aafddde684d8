/* The print sheet ("冲印版 4大8小"): one 6-inch photo print, 4x6 in at
 * 300 dpi (1800x1200 px, landscape), holding 4 large copies at the Chinese
 * "2-inch" size 35x49 mm (413x579 px) and 8 small copies at the "1-inch"
 * size 25x35 mm (295x413 px), on white paper with thin grey cut lines.
 *
 * 8 upright 1-inch copies do not fit beside the 2x2 block of large ones
 * (1200 px is 2.9 small heights); turned a quarter turn they do, as 2
 * columns of 4, which is what print shops do with this layout. */
#include "fix_priv.h"

#include <math.h>
#include <string.h>

#define LARGE_W 413
#define LARGE_H 579
#define SMALL_W 295
#define SMALL_H 413
#define LINE_GREY 170
/* Copies sit 2 px apart: room for the 1-px cut line between them. */
#define GAP 2

int pst__sheet_slot(int i, pst_rect *r, int *rotated) {
  const int large_block = 2 * LARGE_W + GAP, small_block = 2 * SMALL_H + GAP;
  const int margin = (PST__SHEET_W - large_block - small_block) / 4;
  if (i < 0 || i >= PST__SHEET_COPIES) return 0;
  if (i < 4) {
    r->x = margin + (i % 2) * (LARGE_W + GAP);
    r->y = (PST__SHEET_H - 2 * LARGE_H - GAP) / 2 + (i / 2) * (LARGE_H + GAP);
    r->w = LARGE_W, r->h = LARGE_H;
    *rotated = 0;
  } else {
    i -= 4;
    r->x = 3 * margin + large_block + (i % 2) * (SMALL_H + GAP);
    r->y =
        (PST__SHEET_H - 4 * SMALL_W - 3 * GAP) / 2 + (i / 2) * (SMALL_W + GAP);
    r->w = SMALL_H, r->h = SMALL_W;
    *rotated = 1;
  }
  return 1;
}

/* The photo scaled to cover w x h (cropping the sides evenly). */
static pst_err copy_of(const pst_image *photo, int w, int h, pst_image **out) {
  pst__xform x;
  memset(&x, 0, sizeof x);
  x.s = PST_MAX((double)w / photo->width, (double)h / photo->height);
  x.mx = photo->width / 2.0, x.my = photo->height / 2.0;
  x.xe = w / 2.0, x.ye = h / 2.0;
  x.out_w = w, x.out_h = h;
  return pst__warp_rgb(photo, 1.0, &x, out);
}

static void paste(pst_image *sheet, const pst_image *c, const pst_rect *r,
                  int rotated) {
  for (int y = 0; y < r->h; y++) {
    uint8_t *d = sheet->px + ((size_t)(r->y + y) * sheet->width + r->x) * 3;
    for (int x = 0; x < r->w; x++) {
      /* A quarter turn counter-clockwise: the top of the photo goes left. */
      int u = rotated ? c->width - 1 - y : x, v = rotated ? x : y;
      memcpy(d + x * 3, c->px + ((size_t)v * c->width + u) * 3, 3);
    }
  }
}

static void hline(pst_image *s, int y, int x0, int x1) {
  if (y < 0 || y >= s->height) return;
  for (int x = PST_MAX(x0, 0); x < PST_MIN(x1, s->width); x++)
    memset(s->px + ((size_t)y * s->width + x) * 3, LINE_GREY, 3);
}

static void vline(pst_image *s, int x, int y0, int y1) {
  if (x < 0 || x >= s->width) return;
  for (int y = PST_MAX(y0, 0); y < PST_MIN(y1, s->height); y++)
    memset(s->px + ((size_t)y * s->width + x) * 3, LINE_GREY, 3);
}

/* Cut lines run one pixel outside each copy, so the photo itself is whole
 * and a cut on the line leaves no white sliver. */
static void frame(pst_image *s, const pst_rect *r) {
  hline(s, r->y - 1, r->x - 1, r->x + r->w + 1);
  hline(s, r->y + r->h, r->x - 1, r->x + r->w + 1);
  vline(s, r->x - 1, r->y - 1, r->y + r->h + 1);
  vline(s, r->x + r->w, r->y - 1, r->y + r->h + 1);
}

pst_err pst__sheet_render(const pst_image *photo, pst_image **out) {
  pst_image *sheet = NULL, *large = NULL, *small = NULL;
  pst_rgb white = {255, 255, 255};
  pst_err err;
  *out = NULL;
  err = pst_image_create(PST__SHEET_W, PST__SHEET_H, white, &sheet);
  if (!err) err = copy_of(photo, LARGE_W, LARGE_H, &large);
  if (!err) err = copy_of(photo, SMALL_W, SMALL_H, &small);
  if (err) goto out;
  for (int i = 0; i < PST__SHEET_COPIES; i++) {
    pst_rect r;
    int rot;
    pst__sheet_slot(i, &r, &rot);
    paste(sheet, rot ? small : large, &r, rot);
  }
  for (int i = 0; i < PST__SHEET_COPIES; i++) {
    pst_rect r;
    int rot;
    pst__sheet_slot(i, &r, &rot);
    frame(sheet, &r);
  }
  *out = sheet;
  sheet = NULL;
out:
  pst_image_destroy(sheet);
  pst_image_destroy(large);
  pst_image_destroy(small);
  return err;
}

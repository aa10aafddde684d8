/* Person/background segmentation: GrabCut-style graph cut at a working
 * resolution, then a soft matte at the output resolution.
 *
 * Why this shape: an ID photo has one frontal person whose face and eyes are
 * already known, so the seeds and a head-and-shoulders shape prior come from
 * the face geometry, not from a user's rectangle. The prior is what keeps a
 * white shirt against a light wall on the person's side where colour alone
 * cannot tell them apart; the colour models handle hair, ears and the gaps
 * between arm and body. */
#include "segment.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Trimap classes of the working image. */
enum { T_BG = 0, T_PBG = 1, T_PFG = 2, T_FG = 3 };

#define NCOMP 5
#define CAP_SCALE 16.0 /* unary/pairwise costs (nats) to integer capacities */
#define CAP_INF (1 << 26)
#define GAMMA 50.0
#define GC_ITERS 2
#define CUT_FAST 96        /* longest side of the fast mode's cut */
#define CUT_MAX 160        /* longest side of the graph cut */
#define THIN_RUN 30        /* runs under 1/30 of the width are slivers */
#define SHOULDER_FALL 1.5  /* steepest shoulder continued past a side */
#define NOISE_RGB 6.f      /* wall noise allowance of the two-colour alpha */
#define NOISE_HI 10.f      /* and person texture allowance at the other end */
#define NOISE_LO_MAX 0.15f /* the wall's allowance, at most this of a line */
#define NOISE_HI_MAX 0.05f /* the person's, at most this */
#define NCAND 16
/* A person candidate from the edge zone itself stands this many sRGB codes
 * (twice NOISE_RGB) apart from the local wall and from a room's own wall
 * colours (gather_candidates). */
#define CAND_APART 12.f
/* A candidate's blend line is aligned with a pixel when the angle between
 * them has cos^2 above this (~7 degrees; swept 0.9..0.995 on the quality
 * set, see doc/notes/segment.md, session 20). */
#define ALIGN_COS2 0.985f

/* Alpha refinement in the edge zone (pst__refine_alpha): window radius,
 * ridge on the colour slope (linear light 0..1), the weight of the solid
 * pixels outside the zone, and the confidence of a two-colour estimate:
 * 1 / (1 + CONF_RES * squared distance from its blend line over the line's
 * squared length); CONF_LABEL where the cut's label stood in. A wide window
 * of light ridge, solid pixels that weigh little and a confidence that
 * falls fast off the line (swept on the quality set, doc/notes/segment.md,
 * session 21): an edge pixel's alpha follows the colours of the partial
 * pixels along its edge that do fit a blend, not its own noisy estimate
 * nor the solid pixels beside it. */
#define REFINE_R 4
#define REFINE_EPS 3e-5f
#define REFINE_SOLID 0.1f
#define CONF_RES 128.f
#define CONF_LABEL 0.1f
#define ROOM_CONF 3.f /* unmixed against a room's own wall (room_alpha) */
/* A hair gap's pixel (gap_alpha) joins the refinement with this weight: a
 * strand's edge in a gap is an edge like any other (0.02995 -> 0.02982 on
 * the quality set; 0.03 / 0.3 / 1: 0.02984 / 0.02985 / 0.02988). */
#define GAP_CONF 0.1f
/* Wall allowance of the two-colour alpha on a textured wall: WALL_SD_K
 * times the wall's local spread (wall_spread), capped at WALL_SD_MAX codes;
 * never below NOISE_RGB. */
#define WALL_SD_K 2.f
#define WALL_SD_MAX 60.f

/* Colour novelty and the neck pocket (novel_to_wall, neck_to_wall): shape
 * distance (ed) where novelty counts and the lowest row it reaches (chin -
 * NOVEL_LOW ed); squared Mahalanobis distances to the seed person model that
 * are novel (NOVEL_MAHA), novel beside the neck (NECK_MAHA, unless the wall
 * model is NECK_BG_RATIO times worse) and the person's own (SHOULDER_MAHA);
 * how far below the chin a shoulder is looked for; RGB distance from a
 * two-colour blend line that still counts as a blend. */
#define NOVEL_DIST 0.3
#define NOVEL_LOW 0.5
#define NOVEL_MAHA 40.f
#define NECK_MAHA 8.f
#define NECK_BG_RATIO 3.f
#define SHOULDER_MAHA 10.f
#define SHOULDER_LOW 1.2
#define BLEND_RGB 12.f
/* Room objects beside the shoulders (neck_to_wall): wall seeds more than
 * ROOM_DX ed from the face centre whose colour is new to the wall model
 * (Mahalanobis > ROOM_MAHA) and not of the torso core. */
#define ROOM_DX 2.0
#define ROOM_MAHA 16.f
/* Side strips: a plain wall's colour follows the strip by STRIP_FOLLOW a
 * row where it is within STRIP_DRIFT (a shading wall, not the blur into a
 * collar); it ran into clothes when STRIP_CLOTHES of the rows below take a
 * colour of the torso core (read from TORSO_TOP ed below the chin); then
 * pixels further than STRIP_WALL from the wall and of the torso's colours
 * are not sure wall by shape. */
#define STRIP_FOLLOW 0.125
#define STRIP_DRIFT 10.0
#define STRIP_WALL 45.f
#define STRIP_CLOTHES 0.7
#define TORSO_TOP 0.5
/* Pale shoulders (pale_shoulders, calibrated on the quality set's white
 * wall and check_segment's half-size composites): the shoulder line starts
 * PALE_NECK ed out from the face centre, pays PALE_DEPTH per row below
 * the chin (the top edge, not a fold under it) and counts when its mean
 * colour step (RGB, summed over the channels) is PALE_STEP or more. Wall
 * is within PALE_WALL (RGB distance) of the wall's colour, a pale shirt
 * within PALE_SHIRT. Above a step that counts, the two rows clear of its
 * blur must also be within PALE_NOISE times the wall's own spread (at least
 * PALE_TIGHT): a white shirt is brighter than a white wall by about 10, so
 * PALE_WALL alone lets the shade of a fold under the shirt's top pass for
 * the top. Where the wall shades down its side, a shirt column must also
 * step off the wall above it by PALE_EDGE (RGB distance): a drawn gradient's
 * wall steps 2 to 5 between the rows compared, a white T-shirt on a
 * backdrop lit from above 7 to 46. Pale pixels PALE_SURE working pixels or more
 * from the line are settled. Their matte is a one-pixel ramp across the line;
 * where no line is near, the cut's label sharpened by PALE_RAMP (a
 * bilinear label ramps over the whole upsampling step). */
#define PALE_NECK 0.9
#define PALE_STEP 4.f
#define PALE_DEPTH 0.85f
#define PALE_WALL 15.f
#define PALE_NOISE 4.f
#define PALE_TIGHT 6.f
#define PALE_SHIRT 40.f
#define PALE_EDGE 8.f
#define PALE_SURE 2.0
#define PALE_RAMP 3.f
/* Wall pockets (wall_pockets): person pixels of the wall's colour farther
 * than POCKET_FACE eye distances from the face's centre line, in pieces of
 * POCKET_MIN cut pixels or more. The wall's colours on a side are its line
 * and, for a room, up to POCKET_FLATS flat colours of the sure wall above
 * the eyes (a door, the wall beside it): each the most common 16-level
 * colour left, refined as a line over rows through FLAT_ROUNDS fits to the
 * pixels within FLAT_START RGB of it, then within FLAT_K times its spread
 * (at least FLAT_NEAR), and kept when that spread is at most FLAT_SD
 * (the room's flat paint 0.5-5.5, JPEG noise included). */
#define POCKET_FACE 0.9
#define POCKET_MIN 6
#define POCKET_FLATS 3
#define FLAT_ROUNDS 3
#define FLAT_START 24.f
#define FLAT_K 3.f
#define FLAT_NEAR 8.f
#define FLAT_SD 6.f
/* A room's side and the neck's half width (room_in_core): the side's wall
 * line spreads more than ROOM_SD (the quality set's plain walls about 14
 * at most, the room 45 and more); the sure torso is only left to the cut
 * CORE_NECK eye distances or more out from the face's centre line (the
 * neck core of sure_person is 0.4). */
#define ROOM_SD 20.f
#define CORE_NECK 0.5
/* A room's straight lines (room_lines): on a room's side, person pixels of
 * the cut in a line at most LINE_WIDE working pixels wide that runs down
 * one column for LINE_LONG or more (a door frame's edge, a book's spine),
 * or at most LINE_TALL high along one row for LINE_LONG or more (a shelf
 * board), are wall. A person's outline has no such lines at the working
 * scale (ed about 25-30 pixels): a lock of hair is wider and not straight,
 * glasses' arms lie inside the head. */
#define LINE_WIDE 2
#define LINE_TALL 4
#define LINE_LONG 12
/* Gaps in the hair (hair_gaps): on a wall whose RMS spread about its line
 * is at most GAP_SD (plain walls 2-10, a room 45 and more), person pixels
 * farther than GAP_FACE eye distances from the face's centre line, from
 * GAP_TOP above the eye line down to the chin, are unmixed, the wall's
 * allowance GAP_NOISE times that spread. */
#define GAP_SD 12.f
#define GAP_FACE 0.9
#define GAP_TOP 0.5
#define GAP_NOISE 2.f
/* The face's skin (face_skin), for the ears among the gaps: the sure
 * person from SKIN_TOP to SKIN_BOTTOM eye distances below the eye line,
 * within SKIN_HALF of the centre line (cheeks and nose, clear of the eyes,
 * the brows and the mouth). */
#define SKIN_TOP 0.3
#define SKIN_BOTTOM 0.9
#define SKIN_HALF 0.5
/* The wall behind the edge zone (band_matte): above the chin, on a side
 * whose wall spreads at most LINE_SD about its line (wall_colour), the
 * line's colour: a plain wall is known better from the whole side than
 * from the few wall pixels of the cut near each edge pixel. The spread
 * (sRGB codes, median and 90th percentile over the quality set's sides):
 * white 2.7/13.8, beige 4.0/6.0, gradient 2.6/5.8, dark blue 3.7/7.7,
 * plaster 9.4/12.6 (least 6.7), the room 51/72; the London and Canada
 * backdrops 4.2/7.2. */
#define LINE_SD 7.f
/* How far (cut pixels) the edge zone reaches out into a plain wall
 * (widen_zone). */
#define ZONE_OUT 2
/* A room's own colours behind the edge zone (band_matte, room_walls): on a
 * room's side the local mean wall is a blend of a door, its frame and the
 * paint, and a frame pixel lies between that mean and the hair, so it
 * unmixed as half person (strips of door frame beside the head). The
 * distinct wall colours of the cut within WALLS_R working pixels (each
 * WALLS_APART sRGB codes from the mean and from each other, at most
 * WALLS_MAX) are tried as the wall too; one whose blend line with the
 * person candidates passes nearer the pixel than WALLS_GAIN times the
 * mean's gives the alpha. Farther candidates (8 px) found a dark fixture
 * behind dark hair and cut a notch into obama3's hairline. */
#define WALLS_R 6
#define WALLS_APART 10.f
#define WALLS_MAX 24
#define WALLS_GAIN 0.5f
/* Holes in the face (skin_holes): wall the cut left enclosed by the person,
 * whose ring of person pixels is skin (SKIN_RING of them within SKIN_NEAR
 * sRGB codes of face_skin's colour), centred within HOLE_SIDE eye
 * distances of the centre line and below HOLE_TOP above the eye line, and
 * ending HOLE_CHIN above the chin: no wall shows through a cheek or an
 * ear. Wall between curls (1.6 ed out on london/001_03) or between hair
 * and neck is left; so is one framed by a door's skin-coloured wood
 * (london/031_03 on the room: 7 of its 12 ring pixels near the skin). */
#define SKIN_RING 0.8
#define SKIN_NEAR 40.f
#define HOLE_SIDE 1.3
#define HOLE_TOP 0.5
#define HOLE_CHIN 0.25

/* Head and shoulders geometry in working-image pixels. */
typedef struct geom {
  double cx, ey, ed; /* eye midpoint and inter-pupil distance */
  double chin, crown;
  int crown_known;
} geom;

typedef struct seg {
  int w, h;
  float *rgb;   /* w*h*3, 0..255 */
  uint8_t *tri; /* trimap */
  float *prior; /* P(person) from the shape model */
  uint8_t *lab; /* 1 person */
  /* 1 where a pale shirt meets a wall of its colour (pale_shoulders):
   * there the colour term never outweighs the shoulder line's prior. */
  uint8_t *pale;
  float *sline; /* per column the shoulder line's first shirt row, or -1 */
  /* The torso core's colours below the chin (a 16-level RGB cube, 1 where
   * some core pixel falls): clothes, not room objects. */
  uint8_t torso[4096];
  geom g;
  const uint8_t *wall_seed; /* seed_w x seed_h, or NULL */
  int seed_w, seed_h;
  float noise_lo, noise_hi;
  /* Effort: mixture components, cut iterations, 4- instead of 8-connected
   * grid, pixel step of the first mixture fit (fast mode spends less). */
  int ncomp, iters, conn4, step;
  int pockets; /* wall_pockets after the cut (photofix's cut only) */
  int room[2]; /* per side, room_side once the trimap is final (pockets) */
} seg;

/* ------------------------------------------------------------------ */
/* Resampling                                                          */

/* Area average when shrinking (each output pixel averages its whole
 * footprint, so no aliasing), bilinear when enlarging. */
static void resample_rgb(const pst_image *img, int ow, int oh, float *out) {
  int W = img->width, H = img->height;
  if (ow <= W && oh <= H) {
    for (int y = 0; y < oh; y++) {
      int y0 = (int)((long)y * H / oh), y1 = (int)((long)(y + 1) * H / oh);
      if (y1 <= y0) y1 = y0 + 1;
      for (int x = 0; x < ow; x++) {
        int x0 = (int)((long)x * W / ow), x1 = (int)((long)(x + 1) * W / ow);
        double s[3] = {0, 0, 0};
        if (x1 <= x0) x1 = x0 + 1;
        for (int yy = y0; yy < y1; yy++) {
          const uint8_t *p = img->px + ((size_t)yy * W + x0) * 3;
          for (int xx = x0; xx < x1; xx++, p += 3)
            s[0] += p[0], s[1] += p[1], s[2] += p[2];
        }
        for (int c = 0; c < 3; c++)
          out[((size_t)y * ow + x) * 3 + c] =
              (float)(s[c] / ((x1 - x0) * (y1 - y0)));
      }
    }
    return;
  }
  for (int y = 0; y < oh; y++) {
    double fy = PST_CLAMP((y + 0.5) * H / oh - 0.5, 0, H - 1);
    int y0 = (int)fy, y1 = PST_MIN(y0 + 1, H - 1);
    double ty = fy - y0;
    for (int x = 0; x < ow; x++) {
      double fx = PST_CLAMP((x + 0.5) * W / ow - 0.5, 0, W - 1);
      int x0 = (int)fx, x1 = PST_MIN(x0 + 1, W - 1);
      double tx = fx - x0;
      for (int c = 0; c < 3; c++) {
        double a = img->px[((size_t)y0 * W + x0) * 3 + c];
        double b = img->px[((size_t)y0 * W + x1) * 3 + c];
        double d = img->px[((size_t)y1 * W + x0) * 3 + c];
        double e = img->px[((size_t)y1 * W + x1) * 3 + c];
        out[((size_t)y * ow + x) * 3 + c] =
            (float)((a + (b - a) * tx) * (1 - ty) + (d + (e - d) * tx) * ty);
      }
    }
  }
}

/* ------------------------------------------------------------------ */
/* Seeds and shape prior                                               */

/* Signed distance-like measure to the head-and-shoulders silhouette model,
 * in units of the inter-pupil distance: < 0 inside. The head is an ellipse
 * from the crown to the chin; the body a neck widening into shoulders. */
static double shape_dist(const geom *g, double x, double y) {
  double ed = g->ed, top = g->crown, ry = (g->chin - top) / 2;
  double hx = (x - g->cx) / (1.35 * ed), hy = (y - (top + g->chin) / 2) / ry;
  double dh = (sqrt(hx * hx + hy * hy) - 1) * 1.35;
  double db = 1e9, t = y - g->chin;
  if (t > 0.1 * ed) {
    double bw = 0.65 * ed;
    if (t > 0.3 * ed) bw += (t - 0.3 * ed) * 2.5;
    /* No cap short of the frame: on tight crops the shoulders keep
     * widening to the bottom corners and colour decides where they end. */
    bw = PST_MIN(bw, 5.0 * ed);
    db = (fabs(x - g->cx) - bw) / ed;
    if (t < 0.3 * ed) db = PST_MAX(db, (0.1 * ed - t) / ed);
  }
  return PST_MIN(dh, db);
}

/* Sure-person core: face, hair band over the forehead, neck and a torso
 * narrower than any shoulders. */
static int sure_person(const geom *g, double x, double y) {
  double ed = g->ed, dx = x - g->cx, t = y - g->chin;
  double fx = dx / (0.8 * ed), fy = (y - g->ey - 0.35 * ed) / (1.25 * ed);
  double hair_top = g->crown_known ? g->crown + 0.2 * ed : g->ey - 1.4 * ed;
  if (fx * fx + fy * fy <= 1) return 1;
  if (fabs(dx) <= 0.6 * ed && y >= hair_top && y <= g->ey) return 1;
  if (t >= -0.3 * ed) {
    double bw = 0.4 * ed;
    if (t > 0.5 * ed) bw += (t - 0.5 * ed) * 1.5;
    return fabs(dx) <= PST_MIN(bw, 1.9 * ed);
  }
  return 0;
}

static float rgb_dist(const float *a, const float *b) {
  return sqrtf((a[0] - b[0]) * (a[0] - b[0]) + (a[1] - b[1]) * (a[1] - b[1]) +
               (a[2] - b[2]) * (a[2] - b[2]));
}

/* What the side strips found: per side the row where the wall stopped, the
 * wall colour there and what the strip ran into. */
typedef struct strips {
  int bx; /* strip width */
  int end[2];
  float wall[2][3];
  float met[2][3]; /* the colour the strip ran into, where missed */
  int missed[2];
  int plain[2];   /* the strip is plain wall from the top to the eyes */
  int clothes[2]; /* the strip ran into the torso's colours */
} strips;

static int cube_bin(const float *c) {
  int r = PST_CLAMP((int)c[0] >> 4, 0, 15),
      g = PST_CLAMP((int)c[1] >> 4, 0, 15);
  return (r << 8) | (g << 4) | PST_CLAMP((int)c[2] >> 4, 0, 15);
}

/* The k-th (0..26) of the cube's cells within one bin of cell b, b
 * itself included; -1 off the cube. */
static int cube_near(int b, int k) {
  int r = (b >> 8) + k / 9 - 1, g = (b >> 4 & 15) + k / 3 % 3 - 1,
      bl = (b & 15) + k % 3 - 1;
  return r >= 0 && r < 16 && g >= 0 && g < 16 && bl >= 0 && bl < 16
             ? r << 8 | g << 4 | bl
             : -1;
}

/* A colour of the torso core: some core pixel within one bin of it. */
static int torso_like(const seg *s, const float *c) {
  int b = cube_bin(c);
  for (int k = 0; k < 27; k++) {
    int n = cube_near(b, k);
    if (n >= 0 && s->torso[n]) return 1;
  }
  return 0;
}

/* Sure background: the border strips above the shoulders, the top corners
 * far from the head and, when the crown is known, the space above it. */
static int sure_background(const seg *s, double x, double y, const strips *st) {
  const geom *g = &s->g;
  double ed = g->ed, dx = fabs(x - g->cx);
  double bx = PST_MAX(1.5, 0.03 * s->w), by = PST_MAX(1.5, 0.03 * s->h);
  if (x < bx && y < st->end[0] && dx > 1.6 * ed) return 1;
  if (x > s->w - 1 - bx && y < st->end[1] && dx > 1.6 * ed) return 1;
  if (y < by && dx > 1.7 * ed) return 1;
  if (g->crown_known && y < g->crown - 0.35 * ed) return 1;
  if (y < g->ey + 1.0 * ed && dx > 2.9 * ed) return 1;
  /* Below the chin far-outside is left to colour: a tight crop's shoulders
   * reach the bottom corners, wider than any shape model. */
  /* Beside the face (above the mouth) no shoulder or long hair reaches far
   * out: objects of a busy wall there are wall. */
  return shape_dist(g, x, y) > (y > g->chin + 0.5 * ed ? 2.5
                                : y < g->ey + 0.5 * ed ? 0.8
                                                       : 1.2);
}

/* The mean colour of one side strip's row y. */
static void strip_row(const seg *s, int x0, int bx, int y, double m[3]) {
  m[0] = m[1] = m[2] = 0;
  for (int x = x0; x < x0 + bx; x++)
    for (int c = 0; c < 3; c++)
      m[c] += s->rgb[((size_t)y * s->w + x) * 3 + c] / bx;
}

/* Walk a side strip down from row y while it keeps the colour `ref`,
 * which follows it by `follow` a row; stops at the first two rows that
 * differ (recording the colour met) or where the shape prior puts a
 * shoulder below the mouth. Returns the last wall row + 1. */
static int strip_walk(const seg *s, int side, int y, double ref[3],
                      double follow, strips *st) {
  const geom *g = &s->g;
  int bx = st->bx, x0 = side ? s->w - bx : 0;
  int ymin = (int)(g->ey + 1.0 * g->ed), miss = 0;
  double ex = side ? s->w - 0.5 : 0.5;
  st->missed[side] = 0;
  for (; y < s->h; y++) {
    double m[3], d;
    if (y >= ymin && shape_dist(g, ex, y + 0.5) < 0.7) break;
    strip_row(s, x0, bx, y, m);
    d = sqrt((m[0] - ref[0]) * (m[0] - ref[0]) +
             (m[1] - ref[1]) * (m[1] - ref[1]) +
             (m[2] - ref[2]) * (m[2] - ref[2]));
    miss = d > 20 ? miss + 1 : 0;
    if (miss >= 2) {
      for (int c = 0; c < 3; c++) st->met[side][c] = (float)m[c];
      st->missed[side] = 1;
      return y - 1;
    }
    if (d <= STRIP_DRIFT)
      for (int c = 0; c < 3; c++) ref[c] += (m[c] - ref[c]) * follow;
  }
  return y;
}

/* How far down each side strip stays wall, stopping early at clothes
 * reaching the edge of a tight crop and never past the mouth unless the
 * shape prior puts no shoulder there. A plain wall is followed from the
 * top as it shades (a backdrop lit from above: clothes are a step, not a
 * drift), and only then can what it ran into count as clothes. Where the
 * strip is not plain above the eyes (a door, a window), it is compared
 * with its mean colour above the eyes. */
static void side_strips(const seg *s, strips *st) {
  const geom *g = &s->g;
  int bx = st->bx = PST_MAX(1, (int)(0.03 * s->w + 0.5));
  int y0 = PST_MIN(PST_MAX(1, (int)g->ey), s->h);
  for (int side = 0; side < 2; side++) {
    int x0 = side ? s->w - bx : 0, y;
    double ref[3], m[3];
    st->plain[side] = 0;
    strip_row(s, x0, bx, 0, ref);
    y = strip_walk(s, side, 0, ref, STRIP_FOLLOW, st);
    if (y >= y0) {
      st->plain[side] = 1;
    } else {
      ref[0] = ref[1] = ref[2] = 0;
      for (y = 0; y < y0; y++) {
        strip_row(s, x0, bx, y, m);
        for (int c = 0; c < 3; c++) ref[c] += m[c] / y0;
      }
      y = strip_walk(s, side, y0, ref, 0, st);
    }
    st->end[side] = y;
    for (int c = 0; c < 3; c++) st->wall[side][c] = (float)ref[c];
  }
}

/* The torso core's colours below the chin (from the sure-person seeds in
 * s->tri); a side strip that was plain wall down to the eyes and ran into
 * one of them ran into clothes. */
static void torso_colours(seg *s, strips *st) {
  const geom *g = &s->g;
  memset(s->torso, 0, sizeof s->torso);
  for (int y = PST_MAX(0, (int)(g->chin + TORSO_TOP * g->ed)); y < s->h; y++)
    for (int x = 0; x < s->w; x++)
      if (s->tri[(size_t)y * s->w + x] == T_FG)
        s->torso[cube_bin(s->rgb + ((size_t)y * s->w + x) * 3)] = 1;
  /* Clothes reaching the frame's edge go on down to its bottom: most rows
   * of the strip below the miss take the torso's colours (a darker patch
   * of a textured wall does not). */
  for (int side = 0; side < 2; side++) {
    int x0 = side ? s->w - st->bx : 0, n = 0, hit = 0;
    st->clothes[side] = 0;
    if (!st->missed[side] || !st->plain[side]) continue;
    for (int y = st->end[side] + 1; y < s->h; y++, n++) {
      double m[3];
      float f[3];
      strip_row(s, x0, st->bx, y, m);
      for (int c = 0; c < 3; c++) f[c] = (float)m[c];
      hit += torso_like(s, f);
    }
    st->clothes[side] = n > 0 && hit >= STRIP_CLOTHES * n;
  }
}

/* Below where a side strip ran into clothes, a pixel of the torso core's
 * colours and not of the strip's wall, is clothes of a tight crop (a raised
 * collar, shoulders above the chin) when it joins the torso core through
 * such pixels: the sure wall by shape distance does not take it. Marks
 * them 1 in `reach` (s->lab as scratch: the cut overwrites it). */
static void raised_clothes(const seg *s, const strips *st, uint8_t *reach) {
  const geom *g = &s->g;
  int w = s->w, h = s->h, changed = 1;
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) {
      size_t i = (size_t)y * w + x;
      int side = x + 0.5 > g->cx;
      const float *p = s->rgb + i * 3;
      reach[i] = 0;
      if (s->tri[i] == T_FG)
        reach[i] = 2;
      else if (st->clothes[side] && y >= st->end[side] &&
               y + 0.5 > g->ey + 0.5 * g->ed &&
               rgb_dist(p, st->wall[side]) > STRIP_WALL && torso_like(s, p))
        reach[i] = 1;
    }
  /* 1 candidate, 2 joined: sweep down and up until nothing joins. */
  while (changed) {
    changed = 0;
    for (int pass = 0; pass < 2; pass++)
      for (int k = 0; k < w * h; k++) {
        int i = pass ? w * h - 1 - k : k, x = i % w, y = i / w;
        if (reach[i] != 1) continue;
        if ((x > 0 && reach[i - 1] == 2) || (x < w - 1 && reach[i + 1] == 2) ||
            (y > 0 && reach[i - w] == 2) || (y < h - 1 && reach[i + w] == 2))
          reach[i] = 2, changed = 1;
      }
  }
}

/* Whether the caller's wall seed covers cut position (px, py). */
static int seeded_wall(const seg *s, double px, double py) {
  int x, y;
  if (!s->wall_seed) return 0;
  x = PST_CLAMP((int)(px * s->seed_w / s->w), 0, s->seed_w - 1);
  y = PST_CLAMP((int)(py * s->seed_h / s->h), 0, s->seed_h - 1);
  return s->wall_seed[(size_t)y * s->seed_w + x] != 0;
}

static void make_trimap(seg *s) {
  strips st;
  uint8_t *reach = s->lab;
  for (int y = 0; y < s->h; y++)
    for (int x = 0; x < s->w; x++)
      s->tri[(size_t)y * s->w + x] =
          sure_person(&s->g, x + 0.5, y + 0.5) ? T_FG : T_PBG;
  side_strips(s, &st);
  torso_colours(s, &st);
  raised_clothes(s, &st, reach);
  for (int y = 0; y < s->h; y++)
    for (int x = 0; x < s->w; x++) {
      size_t i = (size_t)y * s->w + x;
      double px = x + 0.5, py = y + 0.5, d = shape_dist(&s->g, px, py);
      /* The prior only leans: colour decides where it is confident. Below
       * the chin it leans harder: a pale shirt on a pale wall has no
       * colour to go by, and shoulders are where the body model says. */
      double lean = py > s->g.chin + 0.5 * s->g.ed ? 0.42 : 0.25;
      s->prior[i] = (float)(0.5 - lean + 2 * lean / (1 + exp(d / 0.25)));
      if (s->tri[i] == T_FG) continue;
      if ((reach[i] != 2 && sure_background(s, px, py, &st)) ||
          seeded_wall(s, px, py))
        s->tri[i] = T_BG;
      else
        s->tri[i] = d < 0 ? T_PFG : T_PBG;
    }
}

/* ------------------------------------------------------------------ */
/* Gaussian mixtures                                                   */

typedef struct gmm {
  int k;
  float mu[NCOMP][3], ic[NCOMP][6]; /* inverse covariance: xx xy xz yy yz zz */
  float lnorm[NCOMP];               /* log weight - log det / 2 */
} gmm;

typedef struct acc {
  double n, s[3], q[6];
} acc;

static float comp_ll(const gmm *m, int k, const float *x) {
  float d0 = x[0] - m->mu[k][0], d1 = x[1] - m->mu[k][1],
        d2 = x[2] - m->mu[k][2];
  const float *c = m->ic[k];
  float q = c[0] * d0 * d0 + c[3] * d1 * d1 + c[5] * d2 * d2 +
            2 * (c[1] * d0 * d1 + c[2] * d0 * d2 + c[4] * d1 * d2);
  return m->lnorm[k] - 0.5f * q;
}

/* The dominant component stands for the mixture: within a fraction of a nat
 * of the full sum where components are apart, and no exp/log per pixel. */
static float gmm_ll(const gmm *m, const float *x) {
  float mx = -1e4f;
  for (int k = 0; k < m->k; k++) {
    float t = comp_ll(m, k, x);
    if (t > mx) mx = t;
  }
  return mx;
}

static int gmm_best(const gmm *m, const float *x) {
  int best = 0;
  float bv = -1e30f;
  for (int k = 0; k < m->k; k++) {
    float v = comp_ll(m, k, x);
    if (v > bv) bv = v, best = k;
  }
  return best;
}

static void acc_add(acc *a, const float *x) {
  a->n += 1;
  for (int c = 0; c < 3; c++) a->s[c] += x[c];
  a->q[0] += x[0] * x[0], a->q[1] += x[0] * x[1], a->q[2] += x[0] * x[2];
  a->q[3] += x[1] * x[1], a->q[4] += x[1] * x[2], a->q[5] += x[2] * x[2];
}

/* Turn accumulated moments into components; empty ones are dropped. The
 * diagonal is regularised: JPEG-flat walls would otherwise give singular
 * covariances and infinitely confident models. */
static void gmm_from_acc(gmm *m, const acc *a, int na) {
  double total = 0;
  m->k = 0;
  for (int k = 0; k < na; k++) total += a[k].n;
  for (int k = 0; k < na; k++) {
    double n = a[k].n, mu[3], c[6], i[6], det;
    if (n < 3) continue;
    for (int j = 0; j < 3; j++) mu[j] = a[k].s[j] / n;
    c[0] = a[k].q[0] / n - mu[0] * mu[0] + 9,
    c[1] = a[k].q[1] / n - mu[0] * mu[1];
    c[2] = a[k].q[2] / n - mu[0] * mu[2],
    c[3] = a[k].q[3] / n - mu[1] * mu[1] + 9;
    c[4] = a[k].q[4] / n - mu[1] * mu[2],
    c[5] = a[k].q[5] / n - mu[2] * mu[2] + 9;
    i[0] = c[3] * c[5] - c[4] * c[4], i[1] = c[2] * c[4] - c[1] * c[5];
    i[2] = c[1] * c[4] - c[2] * c[3], i[3] = c[0] * c[5] - c[2] * c[2];
    i[4] = c[1] * c[2] - c[0] * c[4], i[5] = c[0] * c[3] - c[1] * c[1];
    det = c[0] * i[0] + c[1] * i[1] + c[2] * i[2];
    if (!(det > 1e-6)) continue;
    for (int j = 0; j < 3; j++) m->mu[m->k][j] = (float)mu[j];
    for (int j = 0; j < 6; j++) m->ic[m->k][j] = (float)(i[j] / det);
    m->lnorm[m->k] = (float)(log(n / total) - 0.5 * log(det));
    m->k++;
  }
}

/* Fit a mixture to the pixels where sel[i] is set. The first fit seeds the
 * components by splitting on farthest points and a few k-means rounds;
 * later fits (init == 0) reassign each pixel to its most likely component,
 * as GrabCut does. comp[] keeps the assignment between fits. */
static void gmm_fit(gmm *m, const seg *s, const uint8_t *sel, uint8_t *comp,
                    int init) {
  size_t n = (size_t)s->w * s->h;
  acc a[NCOMP];
  if (init) {
    float cen[NCOMP][3];
    int nc = 0;
    size_t first = n;
    for (size_t i = 0; i < n && first == n; i++)
      if (sel[i]) first = i;
    if (first == n) {
      m->k = 0;
      return;
    }
    memcpy(cen[nc++], s->rgb + first * 3, sizeof cen[0]);
    while (nc < s->ncomp) {
      float bd = -1;
      size_t bi = first;
      for (size_t i = 0; i < n; i += 3) {
        float d = 1e30f;
        if (!sel[i]) continue;
        for (int k = 0; k < nc; k++) {
          float e0 = s->rgb[i * 3] - cen[k][0],
                e1 = s->rgb[i * 3 + 1] - cen[k][1],
                e2 = s->rgb[i * 3 + 2] - cen[k][2];
          d = PST_MIN(d, e0 * e0 + e1 * e1 + e2 * e2);
        }
        if (d > bd) bd = d, bi = i;
      }
      memcpy(cen[nc++], s->rgb + bi * 3, sizeof cen[0]);
    }
    for (int it = 0; it < 3; it++) {
      memset(a, 0, sizeof a);
      for (size_t i = 0; i < n; i += (size_t)s->step) {
        float bd = 1e30f;
        int bk = 0;
        if (!sel[i]) continue;
        for (int k = 0; k < s->ncomp; k++) {
          float e0 = s->rgb[i * 3] - cen[k][0],
                e1 = s->rgb[i * 3 + 1] - cen[k][1],
                e2 = s->rgb[i * 3 + 2] - cen[k][2];
          float d = e0 * e0 + e1 * e1 + e2 * e2;
          if (d < bd) bd = d, bk = k;
        }
        comp[i] = (uint8_t)bk;
        acc_add(&a[bk], s->rgb + i * 3);
      }
      for (int k = 0; k < s->ncomp; k++)
        if (a[k].n > 0)
          for (int c = 0; c < 3; c++) cen[k][c] = (float)(a[k].s[c] / a[k].n);
    }
  } else {
    memset(a, 0, sizeof a);
    for (size_t i = 0; i < n; i++) {
      if (!sel[i]) continue;
      comp[i] = (uint8_t)gmm_best(m, s->rgb + i * 3);
      acc_add(&a[comp[i]], s->rgb + i * 3);
    }
  }
  gmm_from_acc(m, a, s->ncomp);
}

/* ------------------------------------------------------------------ */
/* Max-flow: Boykov-Kolmogorov on the 8-connected grid                 */

enum { TREE_FREE = 0, TREE_S = 1, TREE_T = 2 };
enum { PAR_NONE = -1, PAR_TERM = 8 };

typedef struct bk {
  int w, h, n;
  int32_t *cap; /* residual capacity of edge (p, dir k): cap[p*8+k] */
  int32_t *tr;  /* terminal residual: > 0 from the source, < 0 to the sink */
  int8_t *tree, *par;
  uint8_t *valid, *inq;
  int32_t *ts, *dist;
  int *queue, qhead, qlen;
  int *orph, norph;
  int off[8];
  int time;
} bk;

static const int DX[8] = {1, 1, 0, -1, -1, -1, 0, 1};
static const int DY[8] = {0, 1, 1, 1, 0, -1, -1, -1};
#define OPP(k) (((k) + 4) & 7)

static void bk_free(bk *g) {
  free(g->cap);
  free(g->tr);
  free(g->tree);
  free(g->par);
  free(g->valid);
  free(g->inq);
  free(g->ts);
  free(g->dist);
  free(g->queue);
  free(g->orph);
}

/* conn4: only the 4 axis neighbours (the even directions) are linked. */
static pst_err bk_alloc(bk *g, int w, int h, int conn4) {
  size_t n = (size_t)w * h;
  memset(g, 0, sizeof *g);
  g->w = w, g->h = h, g->n = (int)n;
  g->cap = calloc(n * 8, sizeof *g->cap);
  g->tr = calloc(n, sizeof *g->tr);
  g->tree = malloc(n), g->par = malloc(n), g->valid = malloc(n);
  g->inq = malloc(n);
  g->ts = malloc(n * sizeof *g->ts), g->dist = malloc(n * sizeof *g->dist);
  g->queue = malloc(n * sizeof *g->queue),
  g->orph = malloc(n * sizeof *g->orph);
  if (!g->cap || !g->tr || !g->tree || !g->par || !g->valid || !g->inq ||
      !g->ts || !g->dist || !g->queue || !g->orph)
    return PST_ERR_NOMEM;
  for (int k = 0; k < 8; k++) g->off[k] = DY[k] * w + DX[k];
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) {
      uint8_t v = 0;
      for (int k = 0; k < 8; k++) {
        int qx = x + DX[k], qy = y + DY[k];
        if (qx >= 0 && qx < w && qy >= 0 && qy < h) v |= (uint8_t)(1 << k);
      }
      g->valid[(size_t)y * w + x] = conn4 ? (uint8_t)(v & 0x55) : v;
    }
  return PST_OK;
}

static void bk_activate(bk *g, int p) {
  if (g->inq[p]) return;
  g->inq[p] = 1;
  g->queue[(g->qhead + g->qlen++) % g->n] = p;
}

static void bk_orphan(bk *g, int p) {
  g->par[p] = PAR_NONE;
  g->orph[g->norph++] = p;
}

/* Residual capacity in the tree's flow direction: from p's tree towards q. */
static int32_t bk_rescap(const bk *g, int p, int k, int tree) {
  int q = p + g->off[k];
  return tree == TREE_S ? g->cap[p * 8 + k] : g->cap[q * 8 + OPP(k)];
}

/* Grow the trees until they touch; returns 1 and the meeting edge (sp in S,
 * direction k to its neighbour in T) or 0 when no path is left. */
static int bk_grow(bk *g, int *sp, int *sk) {
  while (g->qlen) {
    int p = g->queue[g->qhead], t = g->tree[p];
    if (t != TREE_FREE) {
      for (int k = 0; k < 8; k++) {
        int q;
        if (!(g->valid[p] >> k & 1) || bk_rescap(g, p, k, t) <= 0) continue;
        q = p + g->off[k];
        if (g->tree[q] == TREE_FREE) {
          g->tree[q] = (int8_t)t;
          g->par[q] = (int8_t)OPP(k);
          g->ts[q] = g->ts[p];
          g->dist[q] = g->dist[p] + 1;
          bk_activate(g, q);
        } else if (g->tree[q] != t) {
          *sp = t == TREE_S ? p : q;
          *sk = t == TREE_S ? k : OPP(k);
          return 1;
        } else if (g->ts[q] <= g->ts[p] && g->dist[q] > g->dist[p]) {
          g->par[q] = (int8_t)OPP(k);
          g->ts[q] = g->ts[p];
          g->dist[q] = g->dist[p] + 1;
        }
      }
    }
    g->inq[p] = 0;
    g->qhead = (g->qhead + 1) % g->n;
    g->qlen--;
  }
  return 0;
}

static void bk_augment(bk *g, int sp, int sk) {
  int tq = sp + g->off[sk], p;
  int32_t f = g->cap[sp * 8 + sk];
  for (p = sp; g->par[p] != PAR_TERM; p += g->off[(int)g->par[p]]) {
    int d = g->par[p], q = p + g->off[d];
    f = PST_MIN(f, g->cap[q * 8 + OPP(d)]);
  }
  f = PST_MIN(f, g->tr[p]);
  for (p = tq; g->par[p] != PAR_TERM; p += g->off[(int)g->par[p]])
    f = PST_MIN(f, g->cap[p * 8 + g->par[p]]);
  f = PST_MIN(f, -g->tr[p]);

  g->cap[sp * 8 + sk] -= f;
  g->cap[tq * 8 + OPP(sk)] += f;
  for (p = sp;;) {
    int d = g->par[p], q;
    if (d == PAR_TERM) {
      g->tr[p] -= f;
      if (!g->tr[p]) bk_orphan(g, p);
      break;
    }
    q = p + g->off[d];
    g->cap[q * 8 + OPP(d)] -= f;
    g->cap[p * 8 + d] += f;
    if (!g->cap[q * 8 + OPP(d)]) bk_orphan(g, p);
    p = q;
  }
  for (p = tq;;) {
    int d = g->par[p], q;
    if (d == PAR_TERM) {
      g->tr[p] += f;
      if (!g->tr[p]) bk_orphan(g, p);
      break;
    }
    q = p + g->off[d];
    g->cap[p * 8 + d] -= f;
    g->cap[q * 8 + OPP(d)] += f;
    if (!g->cap[p * 8 + d]) bk_orphan(g, p);
    p = q;
  }
}

/* Distance of q to its terminal through parents, or INT32_MAX when its
 * chain ends at an orphan; marks the chain with this round's timestamp. */
static int32_t bk_origin(bk *g, int q) {
  int32_t d = 0;
  int j = q;
  for (;;) {
    if (g->ts[j] == g->time) {
      d += g->dist[j];
      break;
    }
    d++;
    if (g->par[j] == PAR_TERM) {
      g->ts[j] = g->time;
      g->dist[j] = 1;
      break;
    }
    if (g->par[j] == PAR_NONE) return INT32_MAX;
    j += g->off[(int)g->par[j]];
  }
  {
    int32_t dd = d;
    for (j = q; g->ts[j] != g->time; j += g->off[(int)g->par[j]]) {
      g->ts[j] = g->time;
      g->dist[j] = dd--;
    }
  }
  return d;
}

static void bk_adopt_one(bk *g, int p) {
  int t = g->tree[p], best = -1;
  int32_t bd = INT32_MAX;
  for (int k = 0; k < 8; k++) {
    int q;
    int32_t d;
    if (!(g->valid[p] >> k & 1)) continue;
    q = p + g->off[k];
    if (g->tree[q] != t) continue;
    /* q must be able to feed p along the tree's direction. */
    if ((t == TREE_S ? g->cap[q * 8 + OPP(k)] : g->cap[p * 8 + k]) <= 0)
      continue;
    d = bk_origin(g, q);
    if (d < bd) bd = d, best = k;
  }
  if (best >= 0) {
    g->par[p] = (int8_t)best;
    g->ts[p] = g->time;
    g->dist[p] = bd + 1;
    return;
  }
  for (int k = 0; k < 8; k++) {
    int q;
    if (!(g->valid[p] >> k & 1)) continue;
    q = p + g->off[k];
    if (g->tree[q] != t) continue;
    if ((t == TREE_S ? g->cap[q * 8 + OPP(k)] : g->cap[p * 8 + k]) > 0)
      bk_activate(g, q);
    if (g->par[q] >= 0 && g->par[q] < 8 && q + g->off[(int)g->par[q]] == p)
      bk_orphan(g, q);
  }
  g->tree[p] = TREE_FREE;
}

static void bk_run(bk *g) {
  int sp, sk;
  g->qhead = g->qlen = 0;
  g->time = 0;
  for (int p = 0; p < g->n; p++) {
    g->inq[p] = 0;
    g->ts[p] = 0;
    g->dist[p] = 1;
    g->tree[p] = g->tr[p] > 0 ? TREE_S : g->tr[p] < 0 ? TREE_T : TREE_FREE;
    g->par[p] = g->tree[p] ? PAR_TERM : PAR_NONE;
    if (g->tree[p]) bk_activate(g, p);
  }
  while (bk_grow(g, &sp, &sk)) {
    g->time++;
    g->norph = 0;
    bk_augment(g, sp, sk);
    while (g->norph) bk_adopt_one(g, g->orph[--g->norph]);
  }
}

/* ------------------------------------------------------------------ */
/* Graph cut                                                           */

static double edge_beta(const seg *s) {
  double sum = 0;
  long cnt = 0;
  for (int y = 0; y < s->h; y++)
    for (int x = 0; x < s->w; x++)
      for (int k = 0; k < 4; k++) {
        int qx = x + DX[k], qy = y + DY[k];
        const float *a = s->rgb + ((size_t)y * s->w + x) * 3, *b;
        if (qx < 0 || qx >= s->w || qy >= s->h) continue;
        b = s->rgb + ((size_t)qy * s->w + qx) * 3;
        sum += (a[0] - b[0]) * (a[0] - b[0]) + (a[1] - b[1]) * (a[1] - b[1]) +
               (a[2] - b[2]) * (a[2] - b[2]);
        cnt++;
      }
  return cnt && sum > 0 ? cnt / (2 * sum) : 0;
}

/* Contrast-sensitive smoothness on the 8 edges of every pixel, into nl
 * (n*8). The weight only depends on beta*|dI|^2, so it is read from a table
 * with 1/32 steps instead of an exp per edge; beyond 16 it is below 1e-7
 * of GAMMA and rounds to 0 anyway. */
static void make_nlinks(const seg *s, const bk *g, double beta, int32_t *nl) {
  int32_t tab[2][513];
  for (int i = 0; i <= 512; i++) {
    double e = GAMMA * CAP_SCALE * exp(-i / 32.0);
    tab[0][i] = (int32_t)lrint(e);
    tab[1][i] = (int32_t)lrint(e / M_SQRT2);
  }
  memset(nl, 0, (size_t)g->n * 8 * sizeof *nl);
  for (int p = 0; p < g->n; p++) {
    const float *a = s->rgb + (size_t)p * 3;
    for (int k = 0; k < 4; k++) {
      const float *b;
      float d2;
      int q, i;
      if (!(g->valid[p] >> k & 1)) continue;
      q = p + g->off[k];
      b = s->rgb + (size_t)q * 3;
      d2 = (a[0] - b[0]) * (a[0] - b[0]) + (a[1] - b[1]) * (a[1] - b[1]) +
           (a[2] - b[2]) * (a[2] - b[2]);
      i = (int)PST_MIN(beta * d2 * 32.0 + 0.5, 512.0);
      nl[p * 8 + k] = nl[q * 8 + OPP(k)] = tab[k & 1][i];
    }
  }
}

static void set_tlinks(const seg *s, bk *g, const gmm *fg, const gmm *bg) {
  for (int p = 0; p < g->n; p++) {
    const float *x = s->rgb + (size_t)p * 3;
    double dfg, dbg, v;
    if (s->tri[p] == T_FG) {
      g->tr[p] = CAP_INF;
      continue;
    }
    if (s->tri[p] == T_BG) {
      g->tr[p] = -CAP_INF;
      continue;
    }
    dfg = -gmm_ll(fg, x);
    dbg = -gmm_ll(bg, x);
    if (s->pale && s->pale[p]) dfg = dbg;
    dfg -= log(s->prior[p]);
    dbg -= log(1 - s->prior[p]);
    v = PST_CLAMP((dbg - dfg) * CAP_SCALE, -CAP_INF / 2, CAP_INF / 2);
    g->tr[p] = (int32_t)lrint(v);
  }
}

/* Keep the person pixels 4-connected to the sure-person seeds: stray blobs
 * of skin-coloured wall are not the person. */
/* Grows the marked pixels (seen[i] set, their indices the first `top`
 * entries of `stack`) over the 4-connected pixels labelled `lab`. */
static void flood_label(const seg *s, int lab, uint8_t *seen, int *stack,
                        size_t top) {
  while (top) {
    int p = stack[--top], x = p % s->w, y = p / s->w;
    for (int k = 0; k < 8; k += 2) {
      int qx = x + DX[k], qy = y + DY[k], q;
      if (qx < 0 || qx >= s->w || qy < 0 || qy >= s->h) continue;
      q = qy * s->w + qx;
      if (!seen[q] && s->lab[q] == lab) seen[q] = 1, stack[top++] = q;
    }
  }
}

static pst_err keep_connected(seg *s) {
  size_t n = (size_t)s->w * s->h, top = 0;
  int *stack = malloc(n * sizeof *stack);
  uint8_t *seen = calloc(n, 1);
  pst_err err = PST_ERR_NOMEM;
  if (!stack || !seen) goto out;
  for (size_t i = 0; i < n; i++)
    if (s->tri[i] == T_FG) seen[i] = 1, stack[top++] = (int)i;
  flood_label(s, 1, seen, stack, top);
  for (size_t i = 0; i < n; i++) s->lab[i] = seen[i];
  err = PST_OK;
out:
  free(stack);
  free(seen);
  return err;
}

/* Squared Mahalanobis distance of x to the nearest component of m. */
static float gmm_maha(const gmm *m, const float *x) {
  float best = 1e30f;
  for (int k = 0; k < m->k; k++) {
    float d0 = x[0] - m->mu[k][0], d1 = x[1] - m->mu[k][1],
          d2 = x[2] - m->mu[k][2];
    const float *c = m->ic[k];
    float q = c[0] * d0 * d0 + c[3] * d1 * d1 + c[5] * d2 * d2 +
              2 * (c[1] * d0 * d1 + c[2] * d0 * d2 + c[4] * d1 * d2);
    if (q < best) best = q;
  }
  return best;
}

/* Per side, the top of the shoulder: the highest row below the jaw where
 * one of three columns 1.4..2.0 ed out from the face centre takes a colour
 * of the seed person model for two rows in a row. A column that finds none
 * by chin + SHOULDER_LOW ed says nothing (clothes the torso core never saw);
 * -1 (no gating) when no column says anything. */
static void shoulder_rows(const seg *s, const gmm *fg, int top[2]) {
  const geom *g = &s->g;
  int y0 = PST_MAX(0, (int)(g->chin - 0.8 * g->ed));
  int y1 = PST_MIN(s->h, (int)(g->chin + SHOULDER_LOW * g->ed));
  for (int side = 0; side < 2; side++) {
    top[side] = -1;
    for (int c = 0; c < 3; c++) {
      int x = (int)(g->cx + (side ? 1 : -1) * (1.4 + 0.3 * c) * g->ed), hit = 0;
      int y = y0;
      if (x < 0 || x >= s->w) continue;
      for (; y < y1 && hit < 2; y++) {
        float m = gmm_maha(fg, s->rgb + ((size_t)y * s->w + x) * 3);
        hit = m < SHOULDER_MAHA ? hit + 1 : 0;
      }
      if (hit == 2 && (top[side] < 0 || y - 2 < top[side])) top[side] = y - 2;
    }
  }
}

/* Squared RGB distance of x to the segment between colours a and b. */
static float seg_dist2(const float *x, const float *a, const float *b) {
  float d[3] = {b[0] - a[0], b[1] - a[1], b[2] - a[2]};
  float v[3] = {x[0] - a[0], x[1] - a[1], x[2] - a[2]};
  float l2 = d[0] * d[0] + d[1] * d[1] + d[2] * d[2], t = 0, r = 0;
  if (l2 > 0)
    t = PST_CLAMP((v[0] * d[0] + v[1] * d[1] + v[2] * d[2]) / l2, 0.f, 1.f);
  for (int c = 0; c < 3; c++) r += (v[c] - t * d[c]) * (v[c] - t * d[c]);
  return r;
}

/* Is x a mixture of two of the models' colours (person with person: a
 * striped or textured shirt at the cut's coarse scale; person with wall:
 * the thin end of a lock of hair)? Such a colour is not novel. */
static int is_blend(const float *x, const gmm *fg, const gmm *bg) {
  for (int k = 0; k < fg->k; k++) {
    for (int j = k + 1; j < fg->k; j++)
      if (seg_dist2(x, fg->mu[k], fg->mu[j]) < BLEND_RGB * BLEND_RGB) return 1;
    for (int j = 0; bg && j < bg->k; j++)
      if (seg_dist2(x, fg->mu[k], bg->mu[j]) < BLEND_RGB * BLEND_RGB) return 1;
  }
  return 0;
}

/* Colour novelty: an undecided pixel outside the shape model, above the
 * jaw, whose colour the seed person model (face, hair band, torso core)
 * cannot explain, nor as a blend of its colours with each other or with the
 * wall's, is wall. Not lower down: a raised jacket collar beside the neck
 * has colours the narrow torso core never saw.
 * This has to come before the GrabCut refit: once a book or a door frame
 * beside the neck is cut as person, the refitted person model takes its
 * colour in and keeps it. */
static void novel_to_wall(seg *s, const gmm *fg, const gmm *bg) {
  double ylow = s->g.chin - NOVEL_LOW * s->g.ed;
  for (int y = 0; y < s->h && y + 0.5 <= ylow; y++)
    for (int x = 0; x < s->w; x++) {
      size_t i = (size_t)y * s->w + x;
      const float *px = s->rgb + i * 3;
      if (s->tri[i] == T_FG || s->tri[i] == T_BG) continue;
      if (shape_dist(&s->g, x + 0.5, y + 0.5) < NOVEL_DIST) continue;
      if (gmm_maha(fg, px) > NOVEL_MAHA && !is_blend(px, fg, bg))
        s->tri[i] = T_BG;
    }
}

/* Beside the neck, above the measured shoulder, only hair can be person:
 * a pixel there that the seed person model explains poorly is wall unless
 * the wall model explains it far worse still (hanging hair whose shade the
 * hair band did not sample). The wall in that concave pocket between jaw
 * and shoulder is what the cut's boundary term likes to fill otherwise. */
static int neck_to_wall(seg *s, const gmm *fg, const gmm *bg, uint8_t *far) {
  const geom *g = &s->g;
  int top[2], room = 0;
  shoulder_rows(s, fg, top);
  for (int y = PST_MAX(0, (int)(g->chin - 0.8 * g->ed)); y < s->h; y++)
    for (int x = 0; x < s->w; x++) {
      size_t i = (size_t)y * s->w + x;
      int side = x + 0.5 > g->cx;
      float mf, mb;
      if (s->tri[i] == T_FG || s->tri[i] == T_BG) continue;
      if (top[side] < 0 || y >= top[side]) continue;
      if (shape_dist(g, x + 0.5, y + 0.5) < 0.1) continue;
      mf = gmm_maha(fg, s->rgb + i * 3);
      mb = gmm_maha(bg, s->rgb + i * 3);
      if (mf <= NECK_MAHA || mb >= NECK_BG_RATIO * mf) continue;
      s->tri[i] = T_BG;
      /* Far out beside the shoulders no hair hangs: a colour new to the
       * wall model there, not of the clothes, is a room object. */
      if (fabs(x + 0.5 - g->cx) > ROOM_DX * g->ed) {
        far[i] = mb > ROOM_MAHA && !torso_like(s, s->rgb + i * 3) ? 2 : 1;
        room += far[i] == 2;
      }
    }
  return room;
}

/* Vertical colour step at (x, y): rows y, y+1 against y-2, y-1. */
static float step_at(const seg *s, int x, int y) {
  size_t r = (size_t)s->w * 3;
  const float *a = s->rgb + ((size_t)y * s->w + x) * 3, *b = a + r;
  const float *u = a - r, *v = a - 2 * r;
  float e = 0;
  for (int c = 0; c < 3; c++) e += fabsf(a[c] + b[c] - u[c] - v[c]) / 2;
  return e;
}

/* The wall: its colour, row by row, and how far from it a pixel may be and
 * still be that wall (its spread about that colour, as PALE_NOISE says).
 * The mean above the eyes (slope 0), or a line per side over the rows
 * above the chin, where a light falls off down the wall, held at the last
 * of them below (carried on past a fall-off that flattens, it would leave
 * the wall): pale_shoulders tries the mean first, wall_pockets takes the
 * line. */
typedef struct wall_ref {
  float rgb[3], slope[3]; /* colour at row y0, change per row */
  float y0, y1;           /* mean and last row fitted */
  float tol;
  float sd; /* RMS distance from the colour, before tol's bounds */
} wall_ref;

/* The wall's colour at row y. */
static void wall_at(const wall_ref *wr, double y, float *w) {
  float t = (float)PST_MIN(y, wr->y1) - wr->y0;
  for (int k = 0; k < 3; k++) w[k] = wr->rgb[k] + wr->slope[k] * t;
}

/* Distance of colour `c` from the wall's colour at row y. */
static float wall_dist(const wall_ref *wr, const float *c, double y) {
  float w[3];
  wall_at(wr, y, w);
  return rgb_dist(c, w);
}

/* A step counts for the shoulder's top only with wall above it: not the
 * collar (skin above) nor a fold (shaded shirt above). The row next to the
 * step may be blurred into it at the cut's scale; the two above it may
 * not. */
static float edge_score(const seg *s, int x, int y, const wall_ref *wr) {
  const float *a = s->rgb + ((size_t)y * s->w + x) * 3;
  size_t r = (size_t)s->w * 3;
  if (y < 3 || wall_dist(wr, a - r, y - 1) >= PALE_WALL ||
      wall_dist(wr, a - 2 * r, y - 2) >= wr->tol ||
      wall_dist(wr, a - 3 * r, y - 3) >= wr->tol)
    return 0;
  return step_at(s, x, y);
}

/* The top edge of one shoulder, column by column outward from the neck:
 * the path of strongest vertical colour step, less PALE_DEPTH a row, that
 * never rises outward and falls at most 2 rows a column (dynamic
 * programming), into `line` (untouched outside the columns searched). Its
 * mean step; 0 when there is no room for one, -1 out of memory. */
static float shoulder_path(const seg *s, int side, const wall_ref *wr,
                           float *line) {
  const geom *g = &s->g;
  int dir = side ? 1 : -1, x0 = (int)(g->cx + dir * PALE_NECK * g->ed);
  int y0 = PST_MAX(2, (int)(g->chin + 0.1 * g->ed)), y1 = s->h - 2;
  int ncol = side ? s->w - x0 : x0 + 1, nrow = y1 - y0 + 1, best = 0;
  float *sc = NULL, mean = 0;
  int16_t *from = NULL;
  if (ncol < 4 || nrow < 4 || x0 < 0 || x0 >= s->w) return 0;
  sc = malloc((size_t)ncol * nrow * sizeof *sc);
  from = malloc((size_t)ncol * nrow * sizeof *from);
  if (!sc || !from) {
    mean = -1;
    goto out;
  }
  for (int k = 0; k < ncol; k++) {
    int x = x0 + dir * k;
    for (int j = 0; j < nrow; j++) {
      float prev = 0;
      int arg = j;
      if (k > 0)
        for (int d = 0; d <= 2 && j - d >= 0; d++) {
          float v = sc[(size_t)(k - 1) * nrow + j - d];
          if (d == 0 || v > prev) prev = v, arg = j - d;
        }
      sc[(size_t)k * nrow + j] =
          prev + edge_score(s, x, y0 + j, wr) - PALE_DEPTH * j;
      from[(size_t)k * nrow + j] = (int16_t)arg;
    }
  }
  for (int j = 1; j < nrow; j++)
    if (sc[(size_t)(ncol - 1) * nrow + j] >
        sc[(size_t)(ncol - 1) * nrow + best])
      best = j;
  for (int k = ncol - 1; k >= 0; k--) {
    int x = x0 + dir * k, y = y0 + best;
    float e = edge_score(s, x, y, wr), a = 0, b = 0, den;
    /* Sub-row position from the steps of the rows either side. */
    if (y - 1 >= y0 && y + 1 <= y1) {
      a = edge_score(s, x, y - 1, wr), b = edge_score(s, x, y + 1, wr);
      den = a - 2 * e + b;
      line[x] = (float)y +
                (den < 0 ? PST_CLAMP(0.5f * (a - b) / den, -0.5f, 0.5f) : 0.f);
    } else {
      line[x] = (float)y;
    }
    mean += e / ncol;
    best = from[(size_t)k * nrow + best];
  }
out:
  free(sc);
  free(from);
  return mean;
}

/* The line may not rise outward, so where the columns next to the neck
 * have no step with wall above it (the neck or the collar hides the
 * shirt's top there) it lies flat along the top of the search, and pale
 * wall below it would be settled as shirt: a grey block beside the neck.
 * Those columns say nothing; the line starts at the first column from the
 * neck that rests on a step, within a row. */
static void trim_neck_end(const seg *s, int side, const wall_ref *wr,
                          float *line) {
  int dir = side ? 1 : -1;
  for (int x = (int)(s->g.cx + dir * PALE_NECK * s->g.ed); x >= 0 && x < s->w;
       x += dir) {
    int y = (int)line[x];
    float e;
    if (line[x] < 0) continue;
    /* edge_score refuses rows above 3 itself; step_at reads the row below
     * the one it scores, so row y + 1 is scored only above the last. */
    e = PST_MAX(edge_score(s, x, y, wr), edge_score(s, x, y - 1, wr));
    if (y + 2 < s->h) e = PST_MAX(e, edge_score(s, x, y + 1, wr));
    if (e >= PALE_STEP) break;
    line[x] = -1;
  }
}

/* A colour line over rows fitted to the sure wall above row `rows`: on
 * one side (side 0 left, 1 right) or both (-1); with `near`, only the
 * pixels within `tol` of that line; with `slope` 0 the line is flat. The
 * RMS distance from it in sd, tol from sd. 0 when fewer than 20 pixels. */
static int line_fit(const seg *s, int side, int rows, const wall_ref *near,
                    float tol, int slope, wall_ref *wr) {
  double n = 0, sy = 0, syy = 0, sc[3] = {0, 0, 0}, syc[3] = {0, 0, 0};
  double sq = 0, hi = 0, var = 0;
  for (int y = 0; y < rows; y++)
    for (int x = 0; x < s->w; x++) {
      size_t i = (size_t)y * s->w + x;
      if (s->tri[i] != T_BG || (side >= 0 && (x + 0.5 > s->g.cx) != side) ||
          (near && wall_dist(near, s->rgb + i * 3, y) > tol))
        continue;
      n++, sy += y, syy += (double)y * y;
      hi = PST_MAX(hi, y);
      for (int c = 0; c < 3; c++) {
        double v = s->rgb[i * 3 + c];
        sc[c] += v, syc[c] += y * v, sq += v * v;
      }
    }
  if (n < 20) return 0;
  wr->y0 = (float)(sy / n), wr->y1 = (float)hi;
  for (int c = 0; c < 3; c++) {
    double m = sc[c] / n, d = syy - sy * sy / n;
    double b = slope && d > 1e-9 ? (syc[c] - sy * sc[c] / n) / d : 0;
    wr->rgb[c] = (float)m, wr->slope[c] = (float)b;
    /* sum of squared residuals about the line, channel c */
    var -= m * sc[c] + b * (syc[c] - sy * sc[c] / n);
  }
  var = PST_MAX((sq + var) / n, 0.0);
  wr->sd = (float)sqrt(var);
  wr->tol = PST_CLAMP(PALE_NOISE * wr->sd, PALE_TIGHT, PALE_WALL);
  return 1;
}

/* The wall's colour and spread. side < 0: the mean of the sure wall above
 * the eyes, both sides, and the RMS distance from it. Else on that side
 * (both, where it has too little sure wall): a line over the rows of the
 * sure wall above the chin, fitted per channel, and the RMS distance from
 * it. */
static int wall_colour(const seg *s, int side, wall_ref *wr) {
  int rows = PST_MIN(s->h, (int)(side < 0 ? s->g.ey : s->g.chin));
  for (int pass = side < 0; pass < 2; pass++)
    if (line_fit(s, pass ? -1 : side, rows, NULL, 0, side >= 0, wr)) return 1;
  return 0;
}

/* Whether the shoulder line on one side rests where the wall comes down to
 * a shirt of nearly its colour, along most of the shoulder; `line` is
 * searched and trimmed against `wr`, the wall. With `shade` that wall is a
 * line down the side (wall_colour), which a drawn gradient follows as
 * closely as a backdrop lit from above: there the wall below a line that
 * runs through the wall is as near the wall's line as a pale shirt, so a
 * column counts as shirt or as wall above one only where it steps off the
 * wall above it by PALE_EDGE (a column with no step there, as beside a
 * braid, says nothing of the wall); and hair hanging over the shoulder
 * (far from the wall, as no pale shirt is) leaves its columns out of the
 * count instead of failing the side. -1 out of memory. */
static int shoulder_side(const seg *s, int side, const wall_ref *wr, int shade,
                         float *line) {
  int n = 0, wall = 0, shirt = 0, stepped = 0;
  float step = shoulder_path(s, side, wr, line);
  if (step < 0) return -1;
  /* The columns by the neck where the line rests on no step say nothing:
   * they leave before the count, or a wide neck fails a shoulder. */
  trim_neck_end(s, side, wr, line);
  for (int x = 0; x < s->w; x++) {
    int y = (int)line[x];
    const float *above, *below;
    if (line[x] < 0 || (x + 0.5 > s->g.cx) != side || y < 2 || y + 3 >= s->h)
      continue;
    above = s->rgb + ((size_t)(y - 2) * s->w + x) * 3;
    below = s->rgb + ((size_t)(y + 3) * s->w + x) * 3;
    if (shade && wall_dist(wr, above, y - 2) >= PALE_SHIRT) continue;
    n++;
    if (shade && rgb_dist(above, below) < PALE_EDGE) continue;
    stepped++;
    wall += wall_dist(wr, above, y - 2) < PALE_WALL;
    shirt += wall_dist(wr, below, y + 3) < PALE_SHIRT;
  }
  return step >= PALE_STEP && n >= 4 && wall * 5 >= stepped * 4 &&
         shirt * 2 >= n;
}

/* A pale shirt on a wall of its colour (white on white) gives the cut no
 * colour to go by, and the shape model's straight shoulders end the shirt
 * in a flat line or lose it (the cut's smoothness term then draws the
 * shortest line). Where the wall comes down to the shoulder line that
 * shoulder_path finds and a shirt of nearly the wall's colour starts
 * there, that line sets the prior below the chin on its side, and `pale`
 * marks the pixels of the wall's colour there: set_tlinks gives them no
 * colour term and band_matte no unmixing. The wall is its mean above the
 * eyes; on a side where that finds no shoulder, the wall's line down that
 * side (a backdrop lit from above), with a step at each shirt column. */
static pst_err pale_shoulders(seg *s) {
  const geom *g = &s->g;
  float *line;
  wall_ref mean;
  if (!wall_colour(s, -1, &mean)) return PST_OK;
  if (!(line = s->sline = malloc((size_t)s->w * sizeof *s->sline)))
    return PST_ERR_NOMEM;
  for (int x = 0; x < s->w; x++) line[x] = -1;
  for (int side = 0; side < 2; side++) {
    wall_ref shade, *wr = &mean;
    int ok = shoulder_side(s, side, wr, 0, line);
    if (!ok && wall_colour(s, side, &shade))
      ok = shoulder_side(s, side, wr = &shade, 1, line);
    if (ok < 0) return PST_ERR_NOMEM;
    if (!ok) {
      /* No line on this side: pale_alpha must not read one. */
      for (int x = 0; x < s->w; x++)
        if ((x + 0.5 > g->cx) == side) line[x] = -1;
      continue;
    }
    if (!s->pale && !(s->pale = calloc((size_t)s->w * s->h, 1)))
      return PST_ERR_NOMEM;
    for (int x = 0; x < s->w; x++) {
      if (line[x] < 0 || (x + 0.5 > g->cx) != side) continue;
      for (int y = PST_MAX(0, (int)(g->chin + 0.1 * g->ed)); y < s->h; y++) {
        size_t i = (size_t)y * s->w + x;
        double d = line[x] - (y + 0.5) + 0.5;
        if (s->tri[i] == T_FG || s->tri[i] == T_BG) continue;
        s->prior[i] = (float)(0.08 + 0.84 / (1 + exp(d / 0.75)));
        s->tri[i] = d < 0 ? T_PFG : T_PBG;
        s->pale[i] = wall_dist(wr, s->rgb + i * 3, y) < PALE_SHIRT;
        /* Away from the line a pale pixel's side is settled: on one
         * colour the cut's smoothness term would otherwise draw the
         * shortest line, a flat one. */
        if (s->pale[i] && fabs(d) >= PALE_SURE) s->tri[i] = d < 0 ? T_FG : T_BG;
      }
    }
  }
  return PST_OK;
}

/* The number of sure-wall pixels above the eyes on one side in each cell
 * of the 16-level colour cube. */
static void wall_bins(const seg *s, int side, int *cnt) {
  memset(cnt, 0, 4096 * sizeof *cnt);
  for (int y = 0; y < PST_MIN(s->h, (int)s->g.ey); y++)
    for (int x = 0; x < s->w; x++) {
      size_t i = (size_t)y * s->w + x;
      if (s->tri[i] == T_BG && (x + 0.5 > s->g.cx) == side)
        cnt[cube_bin(s->rgb + i * 3)]++;
    }
}

/* The next flat colour of a side's wall (see POCKET_FLATS): from the most
 * common cell of `cnt` left, which is then struck out with its
 * neighbours. 0 when no cell holds 20 pixels or the fit loses them. */
static int flat_colour(const seg *s, int side, int *cnt, wall_ref *wr) {
  int rows = PST_MIN(s->h, (int)s->g.ey), best = 0;
  double sum[3] = {0, 0, 0}, n = 0;
  float tol = FLAT_START;
  for (int b = 1; b < 4096; b++)
    if (cnt[b] > cnt[best]) best = b;
  if (cnt[best] < 20) return 0;
  for (int k = 0; k < 27; k++) {
    int c = cube_near(best, k);
    if (c >= 0) cnt[c] = -1;
  }
  for (int y = 0; y < rows; y++)
    for (int x = 0; x < s->w; x++) {
      size_t i = (size_t)y * s->w + x;
      if (s->tri[i] != T_BG || (x + 0.5 > s->g.cx) != side ||
          cube_bin(s->rgb + i * 3) != best)
        continue;
      for (int c = 0; c < 3; c++) sum[c] += s->rgb[i * 3 + c];
      n++;
    }
  memset(wr, 0, sizeof *wr);
  wr->y1 = (float)rows;
  for (int c = 0; c < 3; c++) wr->rgb[c] = (float)(sum[c] / n);
  for (int round = 0; round < FLAT_ROUNDS; round++) {
    wall_ref fit;
    if (!line_fit(s, side, rows, wr, tol, 1, &fit)) return 0;
    *wr = fit;
    tol = PST_MAX(FLAT_K * wr->sd, FLAT_NEAR);
  }
  return 1;
}

/* A side's flat wall colours (see POCKET_FLATS) into fl; their number. */
static int flat_colours(const seg *s, int side, wall_ref *fl) {
  int cnt[4096], n = 0;
  wall_ref f;
  wall_bins(s, side, cnt);
  for (int k = 0; k < POCKET_FLATS && flat_colour(s, side, cnt, &f); k++)
    if (f.sd <= FLAT_SD) fl[n++] = f;
  return n;
}

/* Whether colour c at row y is within the tolerance of one of the n walls. */
static int near_wall(const wall_ref *wr, int n, const float *c, double y) {
  for (int k = 0; k < n; k++)
    if (wall_dist(&wr[k], c, y) < wr[k].tol) return 1;
  return 0;
}

/* Whether a side's wall is a room's: its line spreads more than ROOM_SD. */
static int room_side(const seg *s, int side) {
  wall_ref line;
  return wall_colour(s, side, &line) && line.sd > ROOM_SD;
}

/* The sure torso of sure_person widens from half an eye distance below
 * the chin; beside a long neck it covers the wall (london_113_03 in the
 * room), and the cut then keeps that wall's whole strip, of one colour up
 * to a door frame, rather than cut it off the seeds. On a room's side
 * (its wall line spreads more than ROOM_SD) the sure-person pixels below
 * the chin, CORE_NECK eye distances or more out, of one of the wall's
 * flat colours, are left to the cut. */
static void room_in_core(seg *s) {
  const geom *g = &s->g;
  for (int side = 0; side < 2; side++) {
    wall_ref fl[POCKET_FLATS];
    int nf;
    if (!room_side(s, side) || !(nf = flat_colours(s, side, fl))) continue;
    for (int y = PST_MAX(0, (int)g->chin); y < s->h; y++)
      for (int x = 0; x < s->w; x++) {
        size_t i = (size_t)y * s->w + x;
        if (s->tri[i] == T_FG && (x + 0.5 > g->cx) == side &&
            fabs(x + 0.5 - g->cx) >= CORE_NECK * g->ed &&
            near_wall(fl, nf, s->rgb + i * 3, y))
          s->tri[i] = T_PFG;
      }
  }
}

/* Old wall the cut kept as person beside the head: a pocket framed by
 * curls, or a gap between hair and neck, that the shape prior and the
 * smoothness term held although its colour is the wall's own. Person
 * pixels above the chin and clear of the face whose colour is within the
 * wall's noise of the wall beside them (wall_colour, row by row), in
 * pieces of at least POCKET_MIN cut pixels, become wall. A white
 * headscarf or a pale shirt stands off the wall by more than that noise;
 * on a wall of exactly their colour no cut can tell them apart. */
static pst_err wall_pockets(seg *s) {
  const geom *g = &s->g;
  size_t n = (size_t)s->w * s->h;
  uint8_t *cand = calloc(n, 1);
  int *stack = malloc(n * sizeof *stack);
  int rows = PST_MIN(s->h, (int)g->chin);
  pst_err err = PST_ERR_NOMEM;
  if (!cand || !stack) goto out;
  for (int side = 0; side < 2; side++) {
    wall_ref wr[1 + POCKET_FLATS];
    int nw = wall_colour(s, side, &wr[0]);
    nw += flat_colours(s, side, wr + nw);
    for (int y = 0; y < rows; y++)
      for (int x = 0; x < s->w; x++) {
        size_t i = (size_t)y * s->w + x;
        if ((x + 0.5 > g->cx) != side || !s->lab[i] || s->tri[i] == T_FG ||
            fabs(x + 0.5 - g->cx) < POCKET_FACE * g->ed)
          continue;
        cand[i] = (uint8_t)near_wall(wr, nw, s->rgb + i * 3, y);
      }
  }
  /* Each piece, 4-connected: the stack's bottom keeps the pixels taken. */
  for (size_t s0 = 0; s0 < n; s0++) {
    size_t head = 0, tail = 0;
    if (cand[s0] != 1) continue;
    cand[s0] = 2, stack[tail++] = (int)s0;
    while (head < tail) {
      int i = stack[head++], x = i % s->w, y = i / s->w;
      for (int k = 0; k < 8; k += 2) {
        int xx = x + DX[k], yy = y + DY[k], j = yy * s->w + xx;
        if (xx < 0 || yy < 0 || xx >= s->w || yy >= s->h || cand[j] != 1)
          continue;
        cand[j] = 2, stack[tail++] = j;
      }
    }
    if (tail >= POCKET_MIN)
      for (size_t k = 0; k < tail; k++) s->lab[stack[k]] = 0;
  }
  err = PST_OK;
out:
  free(cand);
  free(stack);
  return err;
}

/* Marks in `out` (or-ed) the pixels of `in` lying in runs of lo..hi
 * consecutive set pixels along columns (along_y) or rows. */
static void runs_of(const uint8_t *in, int w, int h, int along_y, int lo,
                    int hi, uint8_t *out) {
  int lines = along_y ? w : h, len = along_y ? h : w;
  size_t step = along_y ? (size_t)w : 1;
  for (int l = 0; l < lines; l++) {
    size_t base = along_y ? (size_t)l : (size_t)l * w;
    for (int a = 0; a < len;) {
      int b = a;
      while (b < len && in[base + b * step]) b++;
      if (b - a >= lo && b - a <= hi)
        for (int k = a; k < b; k++) out[base + k * step] = 1;
      a = b + 1;
    }
  }
}

/* The straight lines of a room that the cut kept beside the person (see
 * LINE_WIDE): a door frame's edge or a book's spine scores as person (wood
 * and paint of skin's and hair's colours) and the smoothness term is cheap
 * along it, so the cut keeps it however thin. Only on a room's side (its
 * wall line spreads more than ROOM_SD), never the sure person. */
static pst_err room_lines(seg *s) {
  size_t n = (size_t)s->w * s->h;
  uint8_t *thin, *line;
  const int *room = s->room;
  if (!room[0] && !room[1]) return PST_OK;
  thin = calloc(n, 1), line = calloc(n, 1);
  if (!thin || !line) {
    free(thin);
    free(line);
    return PST_ERR_NOMEM;
  }
  /* down a column, then along a row */
  runs_of(s->lab, s->w, s->h, 0, 1, LINE_WIDE, thin);
  runs_of(thin, s->w, s->h, 1, LINE_LONG, s->h, line);
  memset(thin, 0, n);
  runs_of(s->lab, s->w, s->h, 1, 1, LINE_TALL, thin);
  runs_of(thin, s->w, s->h, 0, LINE_LONG, s->w, line);
  for (size_t i = 0; i < n; i++)
    if (line[i] && s->tri[i] != T_FG &&
        room[(int)(i % (size_t)s->w) + 0.5 > s->g.cx])
      s->lab[i] = 0;
  free(thin);
  free(line);
  return PST_OK;
}

static int face_skin(const seg *s, float skin[3]);

/* One 4-connected piece of wall from s0 (its pixels marked in `seen`) into
 * st; whether it touches the frame, and in `ring`/`near` its person
 * neighbours and how many of them are within SKIN_NEAR of `skin`. */
static size_t wall_piece(const seg *s, size_t s0, const float *skin,
                         uint8_t *seen, int *st, int *frame, int *ring,
                         int *near) {
  size_t head = 0, tail = 0;
  *frame = *ring = *near = 0;
  seen[s0] = 1, st[tail++] = (int)s0;
  while (head < tail) {
    int p = st[head++], x = p % s->w, y = p / s->w;
    *frame |= x == 0 || y == 0 || x == s->w - 1 || y == s->h - 1;
    for (int k = 0; k < 8; k += 2) {
      int qx = x + DX[k], qy = y + DY[k], q;
      if (qx < 0 || qx >= s->w || qy < 0 || qy >= s->h) continue;
      q = qy * s->w + qx;
      if (s->lab[q]) {
        (*ring)++;
        *near += rgb_dist(s->rgb + (size_t)q * 3, skin) < SKIN_NEAR;
      } else if (!seen[q]) {
        seen[q] = 1, st[tail++] = q;
      }
    }
  }
  return tail;
}

/* Wall the cut left enclosed in the face: person (see SKIN_RING). On a
 * wall of the skin's colour (a door's wood) the cut can open a hole in a
 * cheek or an ear, and the new colour then shows inside the face. */
static pst_err skin_holes(seg *s) {
  const geom *g = &s->g;
  size_t n = (size_t)s->w * s->h;
  int *st = malloc(n * sizeof *st);
  uint8_t *seen = calloc(n, 1);
  float skin[3];
  pst_err err = PST_ERR_NOMEM;
  if (!st || !seen) goto out;
  err = PST_OK;
  if (!face_skin(s, skin)) goto out;
  for (size_t s0 = 0; s0 < n; s0++) {
    int frame, ring, near;
    double mx = 0, my = 0, bottom = 0;
    size_t m;
    if (s->lab[s0] || seen[s0]) continue;
    m = wall_piece(s, s0, skin, seen, st, &frame, &ring, &near);
    if (frame || near < SKIN_RING * ring) continue;
    for (size_t k = 0; k < m; k++) {
      double y = st[k] / s->w + 0.5;
      mx += st[k] % s->w + 0.5, my += y, bottom = PST_MAX(bottom, y);
    }
    mx /= (double)m, my /= (double)m;
    if (fabs(mx - g->cx) > HOLE_SIDE * g->ed || my < g->ey - HOLE_TOP * g->ed ||
        bottom > g->chin - HOLE_CHIN * g->ed)
      continue;
    for (size_t k = 0; k < m; k++) s->lab[st[k]] = 1;
  }
out:
  free(st);
  free(seen);
  return err;
}

static pst_err graph_cut(seg *s) {
  size_t n = (size_t)s->w * s->h;
  uint8_t *comp = calloc(n, 1), *sel = calloc(n, 1);
  int32_t *nl = malloc(n * 8 * sizeof *nl);
  gmm fg, bg;
  bk g;
  pst_err err;
  memset(&g, 0, sizeof g);
  if ((err = bk_alloc(&g, s->w, s->h, s->conn4)) || !comp || !sel || !nl) {
    err = PST_ERR_NOMEM;
    goto out;
  }
  if (s->pockets) room_in_core(s);
  for (size_t i = 0; i < n; i++) sel[i] = s->tri[i] == T_FG;
  gmm_fit(&fg, s, sel, comp, 1);
  for (size_t i = 0; i < n; i++) sel[i] = s->tri[i] == T_BG;
  gmm_fit(&bg, s, sel, comp, 1);
  if (fg.k && bg.k) {
    /* The wall model again, now with the novel colours among its seeds. */
    novel_to_wall(s, &fg, &bg);
    for (size_t i = 0; i < n; i++) sel[i] = s->tri[i] == T_BG;
    gmm_fit(&bg, s, sel, comp, 1);
  }
  /* The wall model again when room objects were found beside the
   * shoulders, with them among its seeds; neck_to_wall's other far seeds
   * (of the wall's own colours or of the clothes') are left out of that
   * fit. s->lab is scratch until the cut. */
  memset(s->lab, 0, n);
  if (fg.k && bg.k && neck_to_wall(s, &fg, &bg, s->lab)) {
    for (size_t i = 0; i < n; i++) sel[i] = s->tri[i] == T_BG && s->lab[i] != 1;
    gmm_fit(&bg, s, sel, comp, 1);
  }
  if (fg.k && bg.k && (err = pale_shoulders(s))) goto out;
  /* The trimap is final: whether each side is a room's, for room_lines,
   * band_matte and the caution. */
  for (int side = 0; side < 2; side++)
    s->room[side] = s->pockets && room_side(s, side);
  if (!fg.k || !bg.k) {
    /* Nothing to learn colours from (tiny or degenerate input): the shape
     * prior alone decides. */
    for (size_t i = 0; i < n; i++)
      s->lab[i] = s->tri[i] == T_FG || s->tri[i] == T_PFG;
    goto out;
  }
  make_nlinks(s, &g, edge_beta(s), nl);
  {
    for (int it = 0; it < s->iters; it++) {
      memcpy(g.cap, nl, n * 8 * sizeof *nl);
      set_tlinks(s, &g, &fg, &bg);
      bk_run(&g);
      for (size_t i = 0; i < n; i++) s->lab[i] = g.tree[i] == TREE_S;
      if (it + 1 == s->iters) break;
      for (size_t i = 0; i < n; i++) sel[i] = s->lab[i];
      gmm_fit(&fg, s, sel, comp, 0);
      for (size_t i = 0; i < n; i++) sel[i] = !s->lab[i];
      gmm_fit(&bg, s, sel, comp, 0);
      if (!fg.k || !bg.k) break;
    }
  }
  if (s->pockets && ((err = room_lines(s)) || (err = wall_pockets(s))))
    goto out;
  if (!(err = keep_connected(s)) && s->pockets) err = skin_holes(s);
out:
  bk_free(&g);
  free(nl);
  free(comp);
  free(sel);
  return err;
}

/* ------------------------------------------------------------------ */
/* Soft matte                                                          */

/* Cut pixels within reach of the cut's boundary: the zone where the matte
 * is worked out from colour at output resolution. Above the eyes, where
 * hair strands stray past any cut, it reaches one pixel further. */
static void edge_zone(const seg *s, uint8_t *zone) {
  int w = s->w, h = s->h;
  memset(zone, 0, (size_t)w * h);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) {
      uint8_t v = s->lab[(size_t)y * w + x];
      int edge = 0, r;
      for (int k = 0; k < 8 && !edge; k++) {
        int qx = x + DX[k], qy = y + DY[k];
        edge = qx >= 0 && qx < w && qy >= 0 && qy < h &&
               s->lab[(size_t)qy * w + qx] != v;
      }
      if (!edge) continue;
      r = y + 0.5 < s->g.ey ? 2 : 1;
      for (int yy = PST_MAX(0, y - r); yy <= PST_MIN(h - 1, y + r); yy++)
        for (int xx = PST_MAX(0, x - r); xx <= PST_MIN(w - 1, x + r); xx++)
          zone[(size_t)yy * w + xx] = 1;
    }
}

/* Local person and wall colours at cut resolution, from the cut's pixels
 * outside the edge zone (normalised convolution: box means of the selected
 * pixels over box means of the selection). */
static pst_err local_colours(const seg *s, const uint8_t *zone, float *F,
                             float *B) {
  size_t n = (size_t)s->w * s->h;
  uint8_t *rgb = malloc(n * 3), *a = malloc(n);
  pst_err err = PST_ERR_NOMEM;
  if (!rgb || !a) goto out;
  for (size_t i = 0; i < n * 3; i++) rgb[i] = (uint8_t)lrintf(s->rgb[i]);
  for (size_t i = 0; i < n; i++) a[i] = zone[i] ? 128 : s->lab[i] ? 255 : 0;
  err = pst__estimate_fb(rgb, a, s->w, s->h, 3, F, B);
out:
  free(rgb);
  free(a);
  return err;
}

/* Spread of the wall around each zone pixel of the cut (sRGB codes, rms
 * over the channels) from the wall pixels outside the zone within 3 cut
 * pixels: a textured wall (a room, plaster) strays from its local mean by
 * more than sensor noise, and that must not read as coverage. */
static void wall_spread(const seg *s, const uint8_t *zone, float *sd) {
  for (int y = 0; y < s->h; y++)
    for (int x = 0; x < s->w; x++) {
      double m[5] = {0};
      float v = 0;
      if (!zone[(size_t)y * s->w + x]) continue;
      for (int yy = PST_MAX(0, y - 3); yy <= PST_MIN(s->h - 1, y + 3); yy++)
        for (int xx = PST_MAX(0, x - 3); xx <= PST_MIN(s->w - 1, x + 3); xx++) {
          size_t j = (size_t)yy * s->w + xx;
          const float *c = s->rgb + j * 3;
          if (zone[j] || s->lab[j]) continue;
          m[0] += 1, m[1] += c[0], m[2] += c[1], m[3] += c[2];
          m[4] += c[0] * c[0] + c[1] * c[1] + c[2] * c[2];
        }
      if (m[0] > 0) {
        v = (float)(m[4] / m[0]);
        for (int c = 1; c < 4; c++) v -= (float)((m[c] / m[0]) * (m[c] / m[0]));
      }
      sd[(size_t)y * s->w + x] = sqrtf(PST_MAX(v, 0.f) / 3);
    }
}

/* The cut's label, bilinear between cut pixel centres. */
static float label_at(const seg *s, double fx, double fy) {
  int x0, y0, x1, y1;
  float tx, ty, a, b, d, e;
  fx = PST_CLAMP(fx, 0, s->w - 1), fy = PST_CLAMP(fy, 0, s->h - 1);
  x0 = (int)fx, y0 = (int)fy;
  x1 = PST_MIN(x0 + 1, s->w - 1), y1 = PST_MIN(y0 + 1, s->h - 1);
  tx = (float)(fx - x0), ty = (float)(fy - y0);
  a = s->lab[(size_t)y0 * s->w + x0], b = s->lab[(size_t)y0 * s->w + x1];
  d = s->lab[(size_t)y1 * s->w + x0], e = s->lab[(size_t)y1 * s->w + x1];
  return (a + (b - a) * tx) * (1 - ty) + (d + (e - d) * tx) * ty;
}

static void bilin3(const float *src, int w, int h, double fx, double fy,
                   float *out) {
  int x0, y0, x1, y1;
  float tx, ty;
  fx = PST_CLAMP(fx, 0, w - 1), fy = PST_CLAMP(fy, 0, h - 1);
  x0 = (int)fx, y0 = (int)fy;
  x1 = PST_MIN(x0 + 1, w - 1), y1 = PST_MIN(y0 + 1, h - 1);
  tx = (float)(fx - x0), ty = (float)(fy - y0);
  for (int c = 0; c < 3; c++) {
    float a = src[((size_t)y0 * w + x0) * 3 + c];
    float b = src[((size_t)y0 * w + x1) * 3 + c];
    float d = src[((size_t)y1 * w + x0) * 3 + c];
    float e = src[((size_t)y1 * w + x1) * 3 + c];
    out[c] = (a + (b - a) * tx) * (1 - ty) + (d + (e - d) * tx) * ty;
  }
}

/* Person colours the edge pixels of cut pixel (x, y) may blend with the
 * wall: the person cut pixels around it (every other one, up to NCAND), so
 * an ear next to dark hair is matched with skin, not with the mean of skin
 * and hair. Those of the edge zone count too: the outer hair is often
 * lighter than the hair inside (sheen, and the old wall's light caught in
 * it), and on a new wall of another colour it lies off every line from the
 * hair inside, so it read as wall. A zone pixel must stand CAND_APART from
 * each of the `nw` wall colours `walls` (sRGB, the local wall first): a
 * piece of wall the cut took for person would explain the wall beside it
 * as solid person. */
static int gather_candidates(const seg *s, const uint8_t *zone, int x, int y,
                             const float *walls, int nw, int *cand) {
  int n = 0, r = 3;
  for (int yy = PST_MAX(0, y - r); yy <= PST_MIN(s->h - 1, y + r); yy++)
    for (int xx = PST_MAX(0, x - r); xx <= PST_MIN(s->w - 1, x + r); xx++) {
      size_t j = (size_t)yy * s->w + xx;
      int apart = 1;
      if (((xx ^ yy) & 1) || !s->lab[j] || n == NCAND) continue;
      for (int k = 0; k < nw && zone[j] && apart; k++)
        apart = rgb_dist(s->rgb + j * 3, walls + (size_t)k * 3) >= CAND_APART;
      if (apart) cand[n++] = (int)j;
    }
  return n;
}

/* Two-colour alpha of pixel I over wall colour B (all in linear light):
 * among the candidate person colours (`cf`, 3 floats each, the local mean
 * first), the farthest one whose blend line with B points along I - B, else
 * the one whose line passes nearest I; alpha is I's position on that line
 * (exact for a blend of the two), less the noise allowances nlo at the wall
 * end and nhi at the person end, at most NOISE_LO_MAX and NOISE_HI_MAX of
 * the line (dark hair on a dark wall: a short line, where the allowances in
 * codes would eat real coverage). Where no candidate stands apart from the
 * wall, the cut's smooth label `lbl` stands. `conf` (if not NULL): the
 * estimate's confidence (CONF_RES); `resid` (if not NULL): the squared
 * distance of I from the nearest line, 1e30 without one. */
static float two_colour_alpha(const float *I, const float *B, const float *cf,
                              int nc, float lbl, float nlo, float nhi,
                              float *conf, float *resid) {
  float v[3] = {I[0] - B[0], I[1] - B[1], I[2] - B[2]};
  float v2 = v[0] * v[0] + v[1] * v[1] + v[2] * v[2];
  float best = 1e30f, ba = lbl, bl2 = 0, far = 2.f, fl2 = 0;
  for (int k = 0; k < nc; k++) {
    const float *F = cf + (size_t)k * 3;
    float d[3] = {F[0] - B[0], F[1] - B[1], F[2] - B[2]};
    float l2 = d[0] * d[0] + d[1] * d[1] + d[2] * d[2], t, res, dot;
    if (l2 < 400.f) continue;
    dot = v[0] * d[0] + v[1] * d[1] + v[2] * d[2];
    t = PST_CLAMP(dot / l2, 0.f, 1.f);
    res = v2 - 2 * t * dot + t * t * l2;
    if (res < best) best = res, ba = t, bl2 = l2;
    /* Aligned within ALIGN_COS2 (~7 degrees): of those, the farthest
     * person colour (smallest t) wins, so a thin strand is measured against
     * dense hair rather than against a thicker strand that is half wall. */
    if (dot > 0 && dot * dot > ALIGN_COS2 * v2 * l2 && t < far)
      far = t, fl2 = l2;
  }
  if (conf) *conf = bl2 > 0 ? 1.f / (1.f + CONF_RES * best / bl2) : CONF_LABEL;
  if (resid) *resid = bl2 > 0 ? best : 1e30f;
  if (fl2 > 0) ba = far, bl2 = fl2;
  if (bl2 > 0) {
    float m = PST_MIN(nlo / sqrtf(bl2), NOISE_LO_MAX);
    float m2 = PST_MIN(nhi / sqrtf(bl2), NOISE_HI_MAX);
    ba = PST_CLAMP((ba - m) / PST_MAX(1 - m - m2, 0.1f), 0.f, 1.f);
  }
  return ba;
}

/* sRGB 0..255 to linear light scaled to 0..255, through a 256-entry table
 * interpolated for fractional inputs. */
static void to_lin(const float *lut, const float *c, float *o) {
  for (int i = 0; i < 3; i++) {
    float x = PST_CLAMP(c[i], 0.f, 255.f);
    int k = PST_MIN((int)x, 254);
    o[i] = lut[k] + (lut[k + 1] - lut[k]) * (x - k);
  }
}

/* d(linear)/d(sRGB code) at the mean of colour c's channels. */
static float lin_slope(const float *lut, const float *c) {
  float x = PST_CLAMP((c[0] + c[1] + c[2]) / 3, 0.f, 254.f);
  int k = (int)x;
  return lut[k + 1] - lut[k];
}

/* Loose strands and the faint ends of the hair reach past the cut's
 * boundary into what it labelled wall, beyond the edge zone: there the
 * matte was 0 where they cover part of a pixel. On a side whose wall
 * follows its line (`have`, spread at most LINE_SD; not a room's, nor
 * plaster's texture, which would unmix as faint person), the open wall
 * (4-connected to the frame's border) within ZONE_OUT cut pixels of the
 * zone joins it. Only outward: inside, the hair's own texture reads as
 * partial coverage. Not a pocket the person encloses: next to a white
 * shirt its wall unmixes as a pale streak of shirt. The local colours are
 * taken before, from the zone the cut drew. */
static pst_err widen_zone(const seg *s, const wall_ref wr[2], const int have[2],
                          uint8_t *zone) {
  size_t n = (size_t)s->w * s->h, top = 0;
  uint8_t *z = malloc(n), *open = calloc(n, 1);
  int *stack = malloc(n * sizeof *stack), flat[2];
  if (!z || !open || !stack) {
    free(z), free(open), free(stack);
    return PST_ERR_NOMEM;
  }
  memcpy(z, zone, n);
  for (int side = 0; side < 2; side++)
    flat[side] = have[side] && wr[side].sd <= LINE_SD && !s->room[side];
  for (int y = 0; y < s->h; y++)
    for (int x = 0; x < s->w; x++) {
      size_t i = (size_t)y * s->w + x;
      if ((x == 0 || y == 0 || x == s->w - 1 || y == s->h - 1) && !s->lab[i])
        open[i] = 1, stack[top++] = (int)i;
    }
  flood_label(s, 0, open, stack, top);
  for (int y = 0; y < s->h; y++)
    for (int x = 0; x < s->w; x++) {
      size_t i = (size_t)y * s->w + x;
      if (z[i] || !open[i] || !flat[x + 0.5 > s->g.cx]) continue;
      for (int yy = PST_MAX(0, y - ZONE_OUT);
           yy <= PST_MIN(s->h - 1, y + ZONE_OUT) && !zone[i]; yy++)
        for (int xx = PST_MAX(0, x - ZONE_OUT);
             xx <= PST_MIN(s->w - 1, x + ZONE_OUT) && !zone[i]; xx++)
          zone[i] = z[(size_t)yy * s->w + xx];
    }
  free(z);
  free(open);
  free(stack);
  return PST_OK;
}

/* The matte at output resolution: hard from the cut away from its
 * boundary, from the two-colour model inside the edge zone. */
/* Alpha of a pale pixel at working coordinates (fx, fy) (pixel centres
 * at integers), one output pixel being `step` working pixels tall: a one
 * output pixel ramp across the shoulder line, linear between column
 * centres; the cut's label, sharpened, where no line was drawn or it is
 * more than PALE_SURE away. */
static float pale_alpha(const seg *s, double fx, double fy, double step) {
  int x0 = PST_CLAMP((int)floor(fx), 0, s->w - 1),
      x1 = PST_MIN(x0 + 1, s->w - 1);
  double t = PST_CLAMP(fx - x0, 0.0, 1.0), edge;
  if (s->sline && s->sline[x0] >= 0 && s->sline[x1] >= 0) {
    /* the edge lies between row line - 1 and row line */
    edge = (1 - t) * s->sline[x0] + t * s->sline[x1] - 0.5;
    if (fabs(fy - edge) < PALE_SURE)
      return (float)PST_CLAMP((fy - edge) / step + 0.5, 0.0, 1.0);
  }
  return PST_CLAMP((label_at(s, fx, fy) - 0.5f) * PALE_RAMP + 0.5f, 0.f, 1.f);
}

/* The two-colour alpha of output pixel `px` (sRGB codes) over the wall
 * colour b and the local person colour f (sRGB, cf[0] takes f in linear
 * light; cf[1..nc-1] are candidates already there). The noise allowances
 * lo (wall end) and hi (person end) are sRGB codes: in linear light they
 * scale with the curve's slope at that colour. b is overwritten. */
static float unmix_px(const float *lut, const uint8_t *px, float *b,
                      const float *f, float *cf, int nc, float lbl, float lo,
                      float hi, float *conf, float *resid) {
  float il[3], nlo = lo * lin_slope(lut, b), nhi = hi * lin_slope(lut, f);
  to_lin(lut, f, cf);
  to_lin(lut, b, b);
  for (int c = 0; c < 3; c++) il[c] = lut[px[c]];
  return two_colour_alpha(il, b, cf, nc, lbl, nlo, nhi, conf, resid);
}

/* Curls and loose strands beside the face let the wall show between them,
 * and the cut, at its coarse scale, calls the whole mass person: the old
 * wall stays in the gaps (grey or purple flecks between the curls on the
 * new colour). On a plain wall (its spread about its line down that side,
 * wall_colour, at most GAP_SD) the person pixels there away from the edge
 * zone are unmixed too, against that wall and the local person colour: a
 * gap of wall comes out 0, a strand over it partial, dense hair 1. Marks
 * them in `gap`, the wall per side in `wr`. Only from GAP_TOP eye
 * distances above the eye line down to the chin (the crown is left out: a
 * head wrap of the wall's grey opened there), more than GAP_FACE from the
 * face's centre line, and not the sure person. `have` says per side
 * whether `wr` holds a wall at all. */
static void hair_gaps(const seg *s, const uint8_t *zone, uint8_t *gap,
                      wall_ref wr[2], int have[2]) {
  const geom *g = &s->g;
  memset(gap, 0, (size_t)s->w * s->h);
  for (int side = 0; side < 2; side++) {
    have[side] = wall_colour(s, side, &wr[side]);
    if (!have[side] || wr[side].sd > GAP_SD) continue;
    for (int y = 0; y < PST_MIN(s->h, (int)g->chin); y++)
      for (int x = 0; x < s->w; x++) {
        size_t i = (size_t)y * s->w + x;
        if ((x + 0.5 > g->cx) != side || !s->lab[i] || zone[i] ||
            s->tri[i] == T_FG)
          continue;
        if (fabs(x + 0.5 - g->cx) < GAP_FACE * g->ed ||
            y + 0.5 < g->ey - GAP_TOP * g->ed)
          continue;
        gap[i] = 1;
      }
  }
}

/* The face's skin colour at the working scale: the mean of the sure-person
 * pixels over the cheeks and nose (SKIN_TOP to SKIN_BOTTOM eye distances
 * below the eye line, within SKIN_HALF of the centre line). 0 if there are
 * none. */
static int face_skin(const seg *s, float skin[3]) {
  const geom *g = &s->g;
  double sum[3] = {0, 0, 0};
  long cnt = 0;
  int y0 = PST_MAX(0, (int)(g->ey + SKIN_TOP * g->ed)),
      y1 = PST_MIN(s->h, (int)(g->ey + SKIN_BOTTOM * g->ed));
  int x0 = PST_MAX(0, (int)(g->cx - SKIN_HALF * g->ed)),
      x1 = PST_MIN(s->w, (int)(g->cx + SKIN_HALF * g->ed) + 1);
  for (int y = y0; y < y1; y++)
    for (int x = x0; x < x1; x++) {
      size_t i = (size_t)y * s->w + x;
      if (s->tri[i] != T_FG) continue;
      for (int c = 0; c < 3; c++) sum[c] += s->rgb[i * 3 + c];
      cnt++;
    }
  for (int c = 0; c < 3; c++) skin[c] = cnt ? (float)(sum[c] / cnt) : 0.f;
  return cnt > 0;
}

/* Alpha of a hair_gaps pixel `px` (sRGB codes) at working row y: unmixed
 * against the side's wall line and the local person colour f. Beside the
 * face that colour is mostly hair, so the pale skin of an ear reads as
 * the wall showing through (blue spots inside the ear on the new colour):
 * where the line from the wall to the face's skin passes nearer the pixel
 * than the line to f, the pixel is unmixed against the skin as well and
 * keeps the larger alpha. `skin` may be NULL. */
static float gap_alpha(const seg *s, const float *lut, const uint8_t *px,
                       const wall_ref *wr, double y, const float *f,
                       const float *skin) {
  float b[3], cf[3], il[3], kl[3], conf, a, ak;
  float lo = PST_MAX(s->noise_lo, GAP_NOISE * wr->sd);
  wall_at(wr, y, b);
  a = unmix_px(lut, px, b, f, cf, 1, 1.f, lo, s->noise_hi, &conf, NULL);
  if (!skin) return a;
  /* b and cf are in linear light now */
  for (int c = 0; c < 3; c++) il[c] = lut[px[c]];
  to_lin(lut, skin, kl);
  if (seg_dist2(il, b, kl) >= seg_dist2(il, b, cf)) return a;
  wall_at(wr, y, b);
  ak = unmix_px(lut, px, b, skin, cf, 1, 1.f, lo, s->noise_hi, &conf, NULL);
  return PST_MAX(a, ak);
}

/* A room's distinct wall colours around cut pixel (x, y) into wc (see
 * WALLS_R): the cut's wall pixels outside the zone, every other one, each
 * WALLS_APART or more from the local mean wall `mean` and from those kept.
 * Their number. */
static int room_walls(const seg *s, const uint8_t *zone, int x, int y,
                      const float *mean, float *wc) {
  int n = 0;
  for (int yy = PST_MAX(0, y - WALLS_R); yy <= PST_MIN(s->h - 1, y + WALLS_R);
       yy++)
    for (int xx = PST_MAX(0, x - WALLS_R);
         xx <= PST_MIN(s->w - 1, x + WALLS_R) && n < WALLS_MAX; xx++) {
      size_t j = (size_t)yy * s->w + xx;
      const float *c = s->rgb + j * 3;
      int apart = 1;
      if (((xx ^ yy) & 1) || s->lab[j] || zone[j]) continue;
      if (rgb_dist(c, mean) < WALLS_APART) continue;
      for (int k = 0; k < n && apart; k++)
        apart = rgb_dist(c, wc + (size_t)k * 3) >= WALLS_APART;
      if (apart) memcpy(wc + (size_t)n++ * 3, c, 3 * sizeof *c);
    }
  return n;
}

/* Alpha `a` of linear pixel il, whose line from the mean wall passed
 * `resid` from it, against the room's own wall colours (see WALLS_R): wc
 * in sRGB, wl linear, the person candidates cf linear, the person end's
 * allowance nhi. Where one of them explains the pixel better, its alpha
 * and a confidence of ROOM_CONF: the refinement's windows, mostly of
 * pixels unmixed against the mean wall, do not describe a pixel seen
 * against a door frame or a book (a book end beside 031f's neck came out
 * a smear of partial alpha at radius 4), so its own estimate weighs more
 * than any of theirs. */
static float room_alpha(const seg *s, const float *lut, const float *il,
                        const float *wc, const float *wl, int nw,
                        const float *cf, int nc, float lbl, float nhi, float a,
                        float resid, float *conf) {
  float best = WALLS_GAIN * resid;
  for (int j = 0; j < nw; j++) {
    float rj,
        aj = two_colour_alpha(il, wl + (size_t)j * 3, cf, nc, lbl,
                              s->noise_lo * lin_slope(lut, wc + (size_t)j * 3),
                              nhi, NULL, &rj);
    if (rj < best) best = rj, a = aj, *conf = ROOM_CONF;
  }
  return a;
}

static pst_err band_matte(const seg *s, const pst_image *img, int ow, int oh,
                          uint8_t *alpha) {
  size_t n = (size_t)s->w * s->h;
  uint8_t *zone = malloc(n), *Io = NULL;
  float *F = malloc(n * 3 * sizeof *F), *B = malloc(n * 3 * sizeof *B);
  float *zw = calloc((size_t)ow * oh, sizeof *zw), *sd = malloc(n * sizeof *sd);
  const uint8_t *I = img->px;
  double kx = (double)s->w / ow, ky = (double)s->h / oh;
  int cand[NCAND], nc = 0, nw = 0;
  float lut[256], cf[(NCAND + 1) * 3], wc[(WALLS_MAX + 1) * 3],
      wl[WALLS_MAX * 3];
  size_t last = (size_t)-1;
  uint8_t *gap = malloc(n);
  wall_ref gwr[2];
  int gline[2];
  float skin[3];
  const float *gskin = face_skin(s, skin) ? skin : NULL;
  pst_err err = PST_ERR_NOMEM;
  /* The composite is a blend in linear light (a photo's edge pixels mix
   * light, not sRGB codes): unmix there. In sRGB codes, dark hair on a
   * light wall reads ~0.3 where it covers half the pixel. */
  pst__srgb_linear_table(lut);
  for (int i = 0; i < 256; i++) lut[i] *= 255.f;
  if (!zone || !F || !B || !zw || !sd || !gap) goto out;
  if (ow != img->width || oh != img->height) {
    float *tmp = malloc((size_t)ow * oh * 3 * sizeof *tmp);
    Io = malloc((size_t)ow * oh * 3);
    if (!tmp || !Io) {
      free(tmp);
      goto out;
    }
    resample_rgb(img, ow, oh, tmp);
    for (size_t i = 0; i < (size_t)ow * oh * 3; i++)
      Io[i] = (uint8_t)lrintf(tmp[i]);
    free(tmp);
    I = Io;
  }
  edge_zone(s, zone);
  if ((err = local_colours(s, zone, F, B))) goto out;
  hair_gaps(s, zone, gap, gwr, gline);
  if ((err = widen_zone(s, gwr, gline, zone))) goto out;
  wall_spread(s, zone, sd);
  for (int y = 0; y < oh; y++) {
    double fy = (y + 0.5) * ky - 0.5;
    int cy = PST_MIN(s->h - 1, (int)((y + 0.5) * ky));
    for (int x = 0; x < ow; x++) {
      double fx = (x + 0.5) * kx - 0.5;
      int cx = PST_MIN(s->w - 1, (int)((x + 0.5) * kx));
      size_t ci = (size_t)cy * s->w + cx, oi = (size_t)y * ow + x;
      int side = (x + 0.5) * kx > s->g.cx;
      float f[3], b[3];
      if (!zone[ci] && !gap[ci]) {
        alpha[oi] = s->lab[ci] ? 255 : 0;
        continue;
      }
      if (gap[ci]) {
        /* The wall's line for this side; the local person colour and the
         * face's skin only (the candidates are for the edge zone). */
        bilin3(F, s->w, s->h, fx, fy, f);
        alpha[oi] =
            (uint8_t)lrintf(255.f * gap_alpha(s, lut, I + oi * 3, &gwr[side],
                                              fy + 0.5, f, gskin));
        zw[oi] = GAP_CONF;
        continue;
      }
      if (s->pale && s->pale[ci]) {
        /* Shirt and wall of one colour: unmixing reads noise, so the
         * edge is the shoulder line itself, interpolated between columns
         * (the cut's labels would step by the working pixel). */
        alpha[oi] = (uint8_t)lrintf(255.f * pale_alpha(s, fx, fy, ky));
        zw[oi] = CONF_LABEL;
        continue;
      }
      if (ci != last) {
        /* cached per cut pixel: its own side, not the output pixel's */
        memcpy(wc, B + ci * 3, 3 * sizeof *wc);
        nw = s->room[cx + 0.5 > s->g.cx]
                 ? room_walls(s, zone, cx, cy, B + ci * 3, wc + 3)
                 : 0;
        nc = gather_candidates(s, zone, cx, cy, wc, nw + 1, cand), last = ci;
        for (int k = 0; k < nc; k++)
          to_lin(lut, s->rgb + (size_t)cand[k] * 3, cf + (size_t)(k + 1) * 3);
        for (int k = 0; k < nw; k++)
          to_lin(lut, wc + (size_t)(k + 1) * 3, wl + (size_t)k * 3);
      }
      bilin3(F, s->w, s->h, fx, fy, f);
      if (gline[side] && gwr[side].sd <= LINE_SD && fy + 0.5 <= s->g.chin)
        wall_at(&gwr[side], fy + 0.5, b);
      else
        bilin3(B, s->w, s->h, fx, fy, b);
      {
        float lbl = label_at(s, fx, fy), resid, il[3];
        float a = unmix_px(
            lut, I + oi * 3, b, f, cf, nc + 1, lbl,
            PST_MAX(s->noise_lo, PST_MIN(WALL_SD_MAX, WALL_SD_K * sd[ci])),
            s->noise_hi, &zw[oi], &resid);
        if (nw) {
          for (int c = 0; c < 3; c++) il[c] = lut[I[oi * 3 + c]];
          a = room_alpha(s, lut, il, wc + 3, wl, nw, cf, nc + 1, lbl,
                         s->noise_hi * lin_slope(lut, f), a, resid, &zw[oi]);
        }
        alpha[oi] = (uint8_t)lrintf(255.f * a);
      }
      zw[oi] = PST_MAX(zw[oi], 1e-3f);
    }
  }
  err = pst__refine_alpha(I, ow, oh, zw, REFINE_SOLID, REFINE_R, REFINE_EPS,
                          alpha);
out:
  free(gap);
  free(sd);
  free(zw);
  free(zone);
  free(Io);
  free(F);
  free(B);
  return err;
}

/* Soft pixels well inside (outside) the refined silhouette are texture of
 * the hair or noise of the wall, not coverage: those farther than rin
 * (rout) pixels from the alpha 0.5 contour are made solid. The contour
 * itself keeps its colour alpha. */
static pst_err snap_far(uint8_t *alpha, int w, int h, int rin, int rout) {
  uint8_t *cp = malloc((size_t)w * h);
  if (!cp) return PST_ERR_NOMEM;
  memcpy(cp, alpha, (size_t)w * h);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) {
      size_t i = (size_t)y * w + x;
      int in = cp[i] >= 128, r = in ? rin : rout, near = 0;
      if (cp[i] == 0 || cp[i] == 255 || r <= 0) continue;
      for (int yy = PST_MAX(0, y - r); yy <= PST_MIN(h - 1, y + r) && !near;
           yy++)
        for (int xx = PST_MAX(0, x - r); xx <= PST_MIN(w - 1, x + r); xx++)
          if ((cp[(size_t)yy * w + xx] >= 128) != in) {
            near = 1;
            break;
          }
      if (!near) alpha[i] = in ? 255 : 0;
    }
  free(cp);
  return PST_OK;
}

/* ------------------------------------------------------------------ */
/* Entry                                                               */

static void make_geom(const pst__seg_input *in, double k, geom *g) {
  pst_point l = in->eye_l, r = in->eye_r;
  const pst_rect *f = &in->face;
  double ed = hypot(r.x - l.x, r.y - l.y);
  /* Eyes that do not fit the box (missing or wild) are placed where a
   * frontal face's usually are. */
  if (!(ed >= 0.2 * f->w && ed <= 0.8 * f->w) || !isfinite(l.y + r.y)) {
    l.x = f->x + 0.3 * f->w, r.x = f->x + 0.7 * f->w;
    l.y = r.y = f->y + 0.4 * f->h;
    ed = 0.4 * f->w;
  }
  g->cx = (l.x + r.x) / 2 * k;
  g->ey = (l.y + r.y) / 2 * k;
  g->ed = ed * k;
  g->chin = g->ey + 1.75 * g->ed;
  g->crown_known = in->crown_y >= 0 && in->crown_y < (l.y + r.y) / 2 &&
                   isfinite(in->crown_y);
  g->crown = g->crown_known ? in->crown_y * k : g->ey - 2.3 * g->ed;
}

static pst_err check_input(const pst__seg_input *in) {
  const pst_image *im = in->img;
  const pst_rect *f = &in->face;
  if (!im || !im->px || im->width <= 0 || im->height <= 0) return PST_ERR_ARG;
  if (f->w <= 0 || f->h <= 0 || f->x >= im->width || f->y >= im->height ||
      f->x + f->w <= 0 || f->y + f->h <= 0)
    return PST_ERR_ARG;
  if (in->out_w < 0 || in->out_h < 0 || (!in->out_w != !in->out_h) ||
      in->work_max < 0 || in->real_h < 0 || in->real_x0 < 0 ||
      in->real_x1 < 0 || (in->real_x1 && in->real_x1 <= in->real_x0))
    return PST_ERR_ARG;
  if ((int64_t)in->out_w * in->out_h > 64 * 1024 * 1024) return PST_ERR_LIMIT;
  return PST_OK;
}

void pst__matte_free(pst__matte *m) {
  if (!m) return;
  free(m->alpha);
  m->alpha = NULL;
  m->w = m->h = 0;
}

/* The cut's labels at another size (bilinear, halfway). */
/* In a line of n labels (0 wall, above hi / 2 person), a run narrower than
 * `thin` would become a stripe once the line is continued past the photo:
 * a gap of wall inside the person (piping cut as wall) takes person, a
 * sliver of person in the wall or at the line's start (or its end, unless
 * `keep_end`: a shoulder reaching the bottom) takes wall, the soft values
 * at its sides with it. */
static void drop_thin_runs(uint8_t *line, int n, int thin, int keep_end) {
  uint8_t hi = 0;
  for (int i = 0; i < n; i++) hi = PST_MAX(hi, line[i]);
  for (int i = 0; i < n;) {
    int in = line[i] * 2 > hi, end = i, lo;
    while (end < n && (line[end] * 2 > hi) == in) end++;
    if (end - i < thin && (in ? !(i == 0 && end == n) && !(keep_end && end == n)
                              : (i > 0 && end < n))) {
      for (lo = i; lo > 0 && line[lo - 1] != 0 && line[lo - 1] != hi;) lo--;
      while (end < n && line[end] != 0 && line[end] != hi) end++;
      memset(line + lo, in ? 0 : hi, (size_t)(end - lo));
    }
    i = end;
  }
}

/* Rows per column the shoulder falls going out past the photo's edge
 * column `edge` (step -1 left, +1 right) of plane p (w x h): its slope
 * from `d` columns in, where its top is a true edge (wall above it); 0
 * where it does not fall or cannot be measured. `top` is its first row at
 * the edge. */
static double shoulder_fall(const uint8_t *p, int w, int h, int edge, int step,
                            int top, int d) {
  int x = edge - step * d, hi = 0;
  /* top == h: no shoulder reaches the edge column. */
  if (x < 0 || x >= w || top < 1 || top >= h) return 0;
  for (int y = 0; y <= top; y++) hi = PST_MAX(hi, p[(size_t)y * w + x]);
  for (int y = PST_MAX(1, top - 3 * d); y <= top; y++)
    if (p[(size_t)y * w + x] * 2 > hi && p[(size_t)(y - 1) * w + x] * 2 <= hi)
      return PST_CLAMP((double)(top - y) / d, 0.0, SHOULDER_FALL);
  return 0;
}

/* Past the photo photofix continued the cloth (resample.c): columns left
 * of x0 and from x1 on row by row, rows from y1 on column by column. The
 * silhouette there is continued the same way from the photo's outermost
 * real column or row (its thin runs dropped), not left to the cut, which
 * would decide it on flat colours and its shape prior; a shoulder falling
 * to the side's edge keeps falling past it (a flat shelf would show).
 * Sides first, so the rows below carry them. Thin runs are under
 * 1/THIN_RUN of the line. */
static pst_err continue_outside(uint8_t *p, int w, int h, int x0, int x1,
                                int y1) {
  uint8_t *line = malloc((size_t)PST_MAX(w, h));
  if (!line) return PST_ERR_NOMEM;
  for (int side = 0; side < 2 && x0 < x1; side++) {
    int edge = side ? x1 - 1 : x0, step = side ? 1 : -1, top = 0, hi = 0;
    double fall;
    if (side ? x1 >= w : x0 <= 0) continue;
    for (int y = 0; y < h; y++) line[y] = p[(size_t)y * w + edge];
    drop_thin_runs(line, h, PST_MAX(2, h / THIN_RUN), 1);
    for (int y = 0; y < h; y++) hi = PST_MAX(hi, line[y]);
    while (top < h && line[top] * 2 <= hi) top++;
    fall = shoulder_fall(p, w, h, edge, step, top, PST_MAX(2, w / 24));
    /* The edge column, shifted down as the shoulder falls. */
    for (int x = side ? x1 : 0; x < (side ? w : x0); x++) {
      double d = fall * abs(x - edge);
      for (int y = 0; y < h; y++) {
        double ys = y - d;
        int y0 = (int)floor(ys);
        double f = ys - y0;
        uint8_t a = line[PST_CLAMP(y0, 0, h - 1)];
        uint8_t b = line[PST_CLAMP(y0 + 1, 0, h - 1)];
        p[(size_t)y * w + x] = (uint8_t)lrint(a + (b - a) * f);
      }
    }
  }
  if (y1 >= 1 && y1 < h) {
    memcpy(line, p + (size_t)(y1 - 1) * w, (size_t)w);
    drop_thin_runs(line, w, PST_MAX(2, w / THIN_RUN), 0);
    for (int y = y1; y < h; y++) memcpy(p + (size_t)y * w, line, (size_t)w);
  }
  free(line);
  return PST_OK;
}

/* continue_outside for a w x h plane of the segmenter's W x H input. */
static pst_err continue_scaled(const pst__seg_input *in, int W, int H,
                               uint8_t *p, int w, int h) {
  double kx = (double)w / W, ky = (double)h / H;
  int x1 = in->real_x1 > 0 ? PST_MIN((int)ceil(in->real_x1 * kx), w) : w;
  int y1 = in->real_h > 0 ? PST_MIN((int)(in->real_h * ky), h) : h;
  return continue_outside(p, w, h, (int)floor(in->real_x0 * kx), x1, y1);
}

static void upsample_labels(const seg *s, int ow, int oh, uint8_t *alpha) {
  double kx = (double)s->w / ow, ky = (double)s->h / oh;
  for (int y = 0; y < oh; y++)
    for (int x = 0; x < ow; x++)
      alpha[(size_t)y * ow + x] =
          label_at(s, (x + 0.5) * kx - 0.5, (y + 0.5) * ky - 0.5) >= 0.5f ? 255
                                                                          : 0;
}

pst_err pst__segment(const pst__seg_input *in, pst__matte *out) {
  seg s;
  int W, H, wm, cm, ow, oh, fast;
  double k;
  size_t n;
  pst_err err;
  memset(&s, 0, sizeof s);
  if (!out) return PST_ERR_ARG;
  memset(out, 0, sizeof *out);
  if (!in || (err = check_input(in))) return in ? err : PST_ERR_ARG;
  W = in->img->width, H = in->img->height;
  fast = !in->out_w;
  wm = PST_MIN(in->work_max ? in->work_max : 128, CUT_MAX);
  k = PST_MIN(1.0, (double)wm / PST_MAX(W, H));
  ow = in->out_w ? in->out_w : PST_MAX(1, (int)lrint(W * k));
  oh = in->out_h ? in->out_h : PST_MAX(1, (int)lrint(H * k));
  /* The fast check only needs the silhouette: a coarser, cheaper cut,
   * brought up to the working resolution. */
  cm = fast ? PST_MIN(wm, CUT_FAST) : wm;
  k = PST_MIN(1.0, (double)cm / PST_MAX(W, H));
  s.w = PST_MAX(1, (int)lrint(W * k)), s.h = PST_MAX(1, (int)lrint(H * k));
  s.ncomp = fast ? 3 : NCOMP;
  s.iters = fast ? 1 : GC_ITERS;
  s.conn4 = fast;
  s.step = fast ? 2 : 1;
  /* The fast check's cut is too coarse to hold a pocket, and the checks
   * were calibrated without this. */
  s.pockets = !fast;
  n = (size_t)s.w * s.h;
  make_geom(in, (double)s.w / W, &s.g);
  s.wall_seed = in->wall_seed, s.seed_w = W, s.seed_h = H;
  s.noise_lo = NOISE_RGB, s.noise_hi = NOISE_HI;
  err = PST_ERR_NOMEM;
  s.rgb = malloc(n * 3 * sizeof *s.rgb);
  s.tri = malloc(n), s.lab = malloc(n);
  s.prior = malloc(n * sizeof *s.prior);
  out->alpha = malloc((size_t)ow * oh);
  if (!s.rgb || !s.tri || !s.lab || !s.prior || !out->alpha) goto out;
  resample_rgb(in->img, s.w, s.h, s.rgb);
  make_trimap(&s);
  if ((err = graph_cut(&s))) goto out;
  out->busy = s.room[0] + s.room[1];
  if ((err = continue_scaled(in, W, H, s.lab, s.w, s.h))) goto out;
  if (ow == s.w && oh == s.h) {
    for (size_t i = 0; i < n; i++) out->alpha[i] = s.lab[i] ? 255 : 0;
  } else if (fast) {
    upsample_labels(&s, ow, oh, out->alpha);
  } else if ((err = band_matte(&s, in->img, ow, oh, out->alpha)) ||
             (err = snap_far(out->alpha, ow, oh, 1, 0))) {
    goto out;
  }
  if ((err = continue_scaled(in, W, H, out->alpha, ow, oh))) goto out;
  out->w = ow, out->h = oh;
out:
  free(s.rgb);
  free(s.tri);
  free(s.lab);
  free(s.prior);
  free(s.pale);
  free(s.sline);
  if (err) pst__matte_free(out);
  return err;
}

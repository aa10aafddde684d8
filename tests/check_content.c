/* The content analysis (lib/analyze.c) and checks (lib/check_content.c):
 * colour conversions, the faceless case, the profile keys, and real photos
 * (a London portrait, and the compliance set when one was generated). */
#include "testutil.h"

#include <dirent.h>

#include "analyze.h"
#include "check_priv.h"

#include <math.h>
#include <string.h>

START_TEST(chsi_blue_is_light_blue_in_cielab) {
  double lab[3];
  pst__rgb_to_lab(100, 197, 255, lab);
  ck_assert_msg(lab[0] > 75 && lab[0] < 78, "L* %g", lab[0]);
  ck_assert_msg(hypot(lab[1], lab[2]) > 35, "C* %g", hypot(lab[1], lab[2]));
  ck_assert_msg(fabs(pst__rgb_hue(100, 197, 255) - 203) < 1, "hue");
  pst__rgb_to_lab(255, 255, 255, lab);
  ck_assert(fabs(lab[0] - 100) < 0.5 && fabs(lab[1]) < 0.5);
}
END_TEST

START_TEST(plain_picture_has_no_face) {
  pst_image *img = NULL;
  pst__analysis a;
  ck_assert_int_eq(pst_image_create(480, 640, (pst_rgb){100, 197, 255}, &img),
                   PST_OK);
  ck_assert_int_eq(pst__analyze(img, &a), PST_OK);
  ck_assert_int_eq(a.nfaces, 0);
  ck_assert_int_eq(a.found, 0);
  pst_image_destroy(img);
}
END_TEST

START_TEST(tiny_picture_is_not_an_error) {
  pst_image *img = NULL;
  pst__analysis a;
  ck_assert_int_eq(pst_image_create(3, 2, (pst_rgb){0, 0, 0}, &img), PST_OK);
  ck_assert_int_eq(pst__analyze(img, &a), PST_OK);
  ck_assert_int_eq(a.nfaces, 0);
  pst_image_destroy(img);
  ck_assert_int_eq(pst__analyze(NULL, &a), PST_ERR_ARG);
}
END_TEST

START_TEST(checks_key_takes_all_or_file) {
  pst_profile *p = NULL;
  ck_assert_int_eq(pst_profile_builtin("chsi", &p), PST_OK);
  ck_assert_int_eq(p->checks, PST__CHECKS_ALL);
  ck_assert_int_eq(pst_profile_set(p, "checks", "file", NULL), PST_OK);
  ck_assert_int_eq(p->checks, PST__CHECKS_FILE);
  ck_assert_int_eq(pst_profile_set(p, "checks", "some", NULL), PST_ERR_PARSE);
  ck_assert_int_eq(pst_profile_set(p, "min_sharpness", "30", NULL), PST_OK);
  ck_assert(p->min_sharpness == 30);
  ck_assert_int_eq(pst_profile_set(p, "skin_a", "-5..20", NULL), PST_OK);
  ck_assert(p->skin_a.min == -5 && p->skin_a.max == 20);
  ck_assert_int_eq(pst_profile_set(p, "bg_lightness", "20..300", NULL),
                   PST_ERR_PARSE);
  pst_profile_destroy(p);
}
END_TEST

static pst_finding find(const pst_report *r, const char *id) {
  pst_finding f;
  for (int i = 0; i < pst_report_count(r); i++) {
    pst_report_get(r, i, PST_LANG_EN, &f);
    if (!strcmp(f.id, id)) return f;
  }
  ck_abort_msg("no %s", id);
  return f;
}

/* A London studio portrait (1350x1350, grey wall): one face, pupils within
 * 5% of the inter-pupil distance of the hand labels, level eyes, and a grey
 * wall that chsi's light blue rejects. */
START_TEST(london_portrait_has_one_face_and_a_grey_wall) {
  TU_NEED_REAL();
  char *path = tu_real_path("london/003_03.jpg");
  pst_report *r = NULL;
  pst_rect box;
  pst_point eyes[2], l = {0, 0}, rr = {0, 0};
  int n = 0;
  char *tem = tu_real_path("london/003_03.tem");
  FILE *fp = fopen(tem, "r");
  ck_assert_ptr_nonnull(fp);
  ck_assert_int_eq(
      fscanf(fp, "%d %lf %lf %lf %lf", &n, &l.x, &l.y, &rr.x, &rr.y), 5);
  fclose(fp);
  ck_assert_int_eq(pst_check_file(path, NULL, NULL, &r), PST_OK);
  ck_assert_int_eq(find(r, "face.count").status, PST_PASS);
  ck_assert_int_eq(pst_report_face(r, &box, eyes), PST_OK);
  double ipd = hypot(rr.x - l.x, rr.y - l.y);
  ck_assert_msg(hypot(eyes[0].x - l.x, eyes[0].y - l.y) < 0.05 * ipd,
                "left pupil (%g,%g) vs (%g,%g)", eyes[0].x, eyes[0].y, l.x,
                l.y);
  ck_assert_msg(hypot(eyes[1].x - rr.x, eyes[1].y - rr.y) < 0.05 * ipd,
                "right pupil");
  ck_assert_int_eq(find(r, "eyes.level").status, PST_PASS);
  ck_assert_int_eq(find(r, "background.color").status, PST_FAIL);
  ck_assert_int_eq(find(r, "image.sharpness").status, PST_PASS);
  ck_assert_int_eq(find(r, "face.exposure").status, PST_PASS);
  pst_report_destroy(r);
  free(path);
  free(tem);
}
END_TEST

/* The pupils of one labelled photo as photocheck reports them, as a
 * fraction of the labelled inter-pupil distance (the worse eye); -1 when
 * the photo has no .tem with pupils or no face was measured. */
static double pupil_error(const char *dir, const char *name) {
  char rel[256], *path, *tem;
  pst_report *r = NULL;
  pst_point eyes[2], l, rr;
  pst_rect box;
  int n = 0, ok;
  double err = -1;
  FILE *fp;
  snprintf(rel, sizeof rel, "%s/%s", dir, name);
  tem = tu_real_path(rel);
  fp = fopen(tem, "r");
  ok =
      fp && fscanf(fp, "%d %lf %lf %lf %lf", &n, &l.x, &l.y, &rr.x, &rr.y) == 5;
  if (fp) fclose(fp);
  strcpy(strrchr(rel, '.'), ".jpg");
  path = tu_real_path(rel);
  if (ok && n > 100 && pst_check_file(path, NULL, NULL, &r) == PST_OK &&
      pst_report_face(r, &box, eyes) == PST_OK) {
    double ipd = hypot(rr.x - l.x, rr.y - l.y);
    err = fmax(hypot(eyes[0].x - l.x, eyes[0].y - l.y),
               hypot(eyes[1].x - rr.x, eyes[1].y - rr.y)) /
          ipd;
  }
  pst_report_destroy(r);
  free(path);
  free(tem);
  return err;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* photocheck reads a large photo at a DCT scale (a 1350 px portrait at 1/2)
 * and states the pupils in the file's pixels: on every London and Canada
 * photo with labelled pupils, 95% are within 5% of the labels. */
START_TEST(pupils_of_scaled_decodes_are_in_file_pixels) {
  TU_NEED_REAL();
  static const char *dirs[] = {"london", "canada"};
  double errs[256];
  int n = 0, within = 0;
  for (int d = 0; d < 2; d++) {
    char *dir = tu_real_path(dirs[d]);
    DIR *dp = opendir(dir);
    struct dirent *e;
    ck_assert_ptr_nonnull(dp);
    while ((e = readdir(dp)) && n < 256) {
      size_t len = strlen(e->d_name);
      double err;
      if (len < 5 || strcmp(e->d_name + len - 4, ".tem")) continue;
      err = pupil_error(dirs[d], e->d_name);
      if (err < 0) continue;
      errs[n++] = err;
      within += err <= 0.05;
    }
    closedir(dp);
    free(dir);
  }
  ck_assert_int_ge(n, 50);
  qsort(errs, (size_t)n, sizeof *errs, cmp_double);
  printf("photocheck pupils: %d photos, median %.1f%%, p95 %.1f%%, <= 5%%: "
         "%d\n",
         n, 100 * errs[n / 2], 100 * errs[(n * 95) / 100], within);
  ck_assert_int_ge(within * 100, 95 * n);
}
END_TEST

/* Two people side by side count as two faces. */
START_TEST(two_people_are_two_faces) {
  TU_NEED_REAL();
  char *path = tu_real_path("misc/two_people.jpg");
  pst_report *r = NULL;
  ck_assert_int_eq(pst_check_file(path, NULL, NULL, &r), PST_OK);
  pst_finding f = find(r, "face.count");
  ck_assert_int_eq(f.status, PST_FAIL);
  ck_assert(f.has_value && f.value == 2);
  ck_assert_int_eq(find(r, "face.width").status, PST_SKIP);
  pst_report_destroy(r);
  free(path);
}
END_TEST

/* The same photo blurred fails image.sharpness and nothing else it passed. */
START_TEST(blurring_a_portrait_fails_sharpness) {
  TU_NEED_REAL();
  char *path = tu_real_path("london/003_03.jpg");
  pst_image *img = NULL, *blur = NULL;
  pst__analysis a, b;
  ck_assert_int_eq(pst_image_load(path, NULL, 2, &img, NULL, NULL), PST_OK);
  int w = pst_image_width(img), h = pst_image_height(img);
  ck_assert_int_eq(pst_image_create(w, h, (pst_rgb){0, 0, 0}, &blur), PST_OK);
  const uint8_t *s = pst_image_cpixels(img);
  uint8_t *d = pst_image_pixels(blur);
  /* a 9x9 box blur, twice the scale of the pupils' edges */
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      for (int k = 0; k < 3; k++) {
        int sum = 0, n = 0;
        for (int j = -4; j <= 4; j++)
          for (int i = -4; i <= 4; i++) {
            int xx = x + i, yy = y + j;
            if (xx < 0 || yy < 0 || xx >= w || yy >= h) continue;
            sum += s[((size_t)yy * w + xx) * 3 + k];
            n++;
          }
        d[((size_t)y * w + x) * 3 + k] = (uint8_t)(sum / n);
      }
  ck_assert_int_eq(pst__analyze(img, &a), PST_OK);
  ck_assert_int_eq(pst__analyze(blur, &b), PST_OK);
  ck_assert(a.found);
  ck_assert_msg(a.sharpness >= 17, "sharp %g", a.sharpness);
  if (b.found) ck_assert_msg(b.sharpness < 17, "blurred %g", b.sharpness);
  pst_image_destroy(img);
  pst_image_destroy(blur);
  free(path);
}
END_TEST

/* background.uniform "objects": photofix's compliant photo of a London
 * portrait, then the same with a door painted beside the head and a shelf
 * with books beside the neck (flat colours, as in a room). Hair past the
 * person prior is not an object; the door and the shelf are. */
static const pst_finding *uniform_of(const uint8_t *jpg, size_t len,
                                     pst_report **r, pst__analysis *an) {
  static pst_finding f;
  pst_image *img = NULL;
  ck_assert_int_eq(pst_check_mem(jpg, len, "t.jpg", NULL, NULL, r), PST_OK);
  ck_assert_int_eq(pst_image_load_mem(jpg, len, NULL, 1, &img, NULL, NULL),
                   PST_OK);
  ck_assert_int_eq(pst__analyze(img, an), PST_OK);
  pst_image_destroy(img);
  f = find(*r, "background.uniform");
  return &f;
}

static void paint(uint8_t *px, int x0, int y0, int x1, int y1, pst_rgb c) {
  for (int y = y0; y < y1; y++)
    for (int x = x0; x < x1; x++) {
      uint8_t *p = px + ((size_t)y * 480 + x) * 3;
      p[0] = c.r, p[1] = c.g, p[2] = c.b;
    }
}

START_TEST(a_door_and_a_shelf_behind_the_head_are_objects) {
  pst_fix_result *fr = NULL;
  pst_report *r = NULL;
  pst_image *img = NULL;
  pst__analysis an;
  const pst_finding *f;
  const uint8_t *jpg;
  uint8_t *buf = NULL;
  size_t len = 0, blen = 0;
  pst_jpeg_opts jo = {92, 300, 0, 0};
  char *path;
  TU_NEED_REAL();
  path = tu_real_path("london/129_03.jpg");
  ck_assert_int_eq(pst_fix_file(path, NULL, NULL, NULL, &fr), PST_OK);
  ck_assert(pst_fix_ok(fr));
  jpg = pst_fix_jpeg(fr, &len);
  /* Long dark hair falls past the prior: still no object. */
  f = uniform_of(jpg, len, &r, &an);
  ck_assert_msg(f->status == PST_PASS, "%s", f->message);
  ck_assert_double_le(an.bg_objects, 0.3);
  pst_report_destroy(r);
  ck_assert_int_eq(pst_image_load_mem(jpg, len, NULL, 1, &img, NULL, NULL),
                   PST_OK);
  /* A door frame and panel left of the head, a shelf of books right of
   * the neck. */
  paint(pst_image_pixels(img), 10, 60, 80, 420, (pst_rgb){110, 70, 40});
  paint(pst_image_pixels(img), 20, 80, 70, 420, (pst_rgb){170, 125, 80});
  paint(pst_image_pixels(img), 400, 420, 480, 430, (pst_rgb){110, 70, 40});
  paint(pst_image_pixels(img), 410, 370, 425, 420, (pst_rgb){160, 40, 40});
  paint(pst_image_pixels(img), 430, 380, 445, 420, (pst_rgb){60, 60, 150});
  ck_assert_int_eq(pst_image_encode_jpeg(img, &jo, &buf, &blen), PST_OK);
  f = uniform_of(buf, blen, &r, &an);
  ck_assert_int_eq(f->status, PST_FAIL);
  ck_assert_ptr_nonnull(strstr(f->message, "objects"));
  ck_assert_double_gt(an.bg_objects, 1.0);
  pst_report_destroy(r);
  pst_free(buf);
  pst_image_destroy(img);
  pst_fix_result_destroy(fr);
  free(path);
}
END_TEST

Suite *content_suite(void) {
  Suite *s = suite_create("content");
  TCase *tc = tcase_create("content");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, chsi_blue_is_light_blue_in_cielab);
  tcase_add_test(tc, plain_picture_has_no_face);
  tcase_add_test(tc, tiny_picture_is_not_an_error);
  tcase_add_test(tc, checks_key_takes_all_or_file);
  tcase_add_test(tc, london_portrait_has_one_face_and_a_grey_wall);
  tcase_add_test(tc, pupils_of_scaled_decodes_are_in_file_pixels);
  tcase_add_test(tc, two_people_are_two_faces);
  tcase_add_test(tc, blurring_a_portrait_fails_sharpness);
  tcase_add_test(tc, a_door_and_a_shelf_behind_the_head_are_objects);
  suite_add_tcase(s, tc);
  return s;
}

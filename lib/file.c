/* Reading whole files safely: a path may name a FIFO, a device or a huge
 * file, and none of them may hang or exhaust the process. */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* O_NONBLOCK keeps open() from blocking on a FIFO with no writer; the file
 * type is then checked on the open descriptor, so no race with stat(). */
pst_err pst__open_regular(const char *path, uint64_t max_bytes, int *fd_out,
                          size_t *size_out, pst_errinfo *detail) {
  struct stat st;
  int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0)
    return pst__fail(detail, PST_ERR_IO, "%s: %s", path, strerror(errno));
  if (fstat(fd, &st) != 0) {
    int e = errno;
    close(fd);
    return pst__fail(detail, PST_ERR_IO, "%s: %s", path, strerror(e));
  }
  if (!S_ISREG(st.st_mode)) {
    close(fd);
    return pst__fail(detail, PST_ERR_IO, "%s: %s", path,
                     S_ISDIR(st.st_mode) ? "is a directory"
                                         : "is not a regular file");
  }
  if ((uint64_t)st.st_size > max_bytes || (uint64_t)st.st_size > SIZE_MAX) {
    close(fd);
    return pst__fail(
        detail, PST_ERR_LIMIT, "%s: file is %llu bytes, limit is %llu bytes",
        path, (unsigned long long)st.st_size, (unsigned long long)max_bytes);
  }
  *fd_out = fd;
  *size_out = (size_t)st.st_size;
  return PST_OK;
}

/* Reads at most `cap` bytes; a file that grew since fstat() is cut at the
 * size it had, a file that shrank gives what is there. */
static pst_err read_all(int fd, uint8_t *buf, size_t cap, size_t *got) {
  size_t n = 0;
  while (n < cap) {
    ssize_t r = read(fd, buf + n, cap - n);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return PST_ERR_IO;
    if (r == 0) break;
    n += (size_t)r;
  }
  *got = n;
  return PST_OK;
}

pst_err pst__read_file(const char *path, uint64_t max_bytes, uint8_t **out,
                       size_t *len, pst_errinfo *detail) {
  int fd = -1;
  size_t size = 0, got = 0;
  uint8_t *buf = NULL;
  pst_err err;

  if (out) *out = NULL;
  if (len) *len = 0;
  if (!path || !out || !len)
    return pst__fail(detail, PST_ERR_ARG, "no file name given");
  err = pst__open_regular(path, max_bytes, &fd, &size, detail);
  if (err) return err;
  buf = malloc(size ? size : 1);
  if (!buf) {
    err = pst__fail(detail, PST_ERR_NOMEM, "%s: out of memory", path);
    goto out;
  }
  if (read_all(fd, buf, size, &got) != PST_OK) {
    err = pst__fail(detail, PST_ERR_IO, "%s: %s", path, strerror(errno));
    goto out;
  }
  *out = buf;
  *len = got;
  buf = NULL;
out:
  free(buf);
  close(fd);
  return err;
}

pst_err pst_file_read(const char *path, const pst_limits *lim, uint8_t **out,
                      size_t *len, pst_errinfo *detail) {
  const pst_limits *l = lim ? lim : pst__limits_default();
  return pst__read_file(path, l->max_file_bytes, out, len, detail);
}

/* Helpers shared by the photostd tools (photocheck, photofix, photobatch):
 * exit codes, diagnostics, option values, colour, XML text and safe output
 * files. They use only the public API of photostd.h. */
#ifndef PST_CMD_COMMON_H
#define PST_CMD_COMMON_H

#include "photostd.h"

#include <stdio.h>

/* Exit status of every tool (SPEC §4; documented in each man page). */
enum cmd_exit {
  CMD_EXIT_OK = 0,    /* every file passes / was fixed */
  CMD_EXIT_FAIL = 1,  /* at least one file fails or could not be fixed */
  CMD_EXIT_USAGE = 2, /* bad option, unknown profile, bad profile file */
  CMD_EXIT_IO = 3,    /* an I/O error stopped the run */
};

/* "prog: file: message\n" on stderr; `file` may be NULL ("prog: message"). */
void cmd_diag(const char *prog, const char *file, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* A usage error: the message, then "Try 'prog --help'."; returns
 * CMD_EXIT_USAGE so callers can `return cmd_usage_error(...)`. */
int cmd_usage_error(const char *prog, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* --lang en|zh; -1 (after a diagnostic naming the option) when bad. */
int cmd_parse_lang(const char *prog, const char *arg, pst_lang *out);

/* --color=auto|always|never */
enum cmd_color { CMD_COLOR_AUTO = 0, CMD_COLOR_ALWAYS, CMD_COLOR_NEVER };
int cmd_parse_color(const char *prog, const char *arg, enum cmd_color *out);
/* Whether to write ANSI colour to `f`: always/never as asked; auto means
 * `f` is a terminal and NO_COLOR is unset or empty (no-color.org). */
int cmd_color_enabled(enum cmd_color mode, FILE *f);

/* Open --profile NAME|FILE. On failure prints a diagnostic (naming the file
 * and line for a bad profile file, the built-in names for an unknown name)
 * and returns CMD_EXIT_USAGE; CMD_EXIT_OK on success. */
int cmd_open_profile(const char *prog, const char *arg, pst_profile **out);

/* A whole stream (stdin) into a malloc'd buffer, at most `max` bytes
 * (reading stops after max + 1 so the library can report the size).
 * 0 on success, -1 with errno on a read or allocation error. */
int cmd_read_stream(FILE *f, size_t max, unsigned char **out, size_t *len);

/* `s` as XML 1.0 text or attribute content: markup characters become
 * entities, tab/newline/CR become character references, and bytes that XML
 * cannot carry (other control characters, invalid UTF-8, U+FFFE/U+FFFF)
 * are written visibly as \xNN. */
void cmd_xml_escape(FILE *f, const char *s);

/* An output file written under a temporary name in the target folder and
 * renamed into place by cmd_out_commit, so a reader never sees half of it.
 */
typedef struct cmd_out {
  FILE *fp;
  char *path; /* final name */
  char *tmp;  /* temporary name in the same folder */
  int force;
} cmd_out;
/* CMD_EXIT_USAGE if `path` exists and !force; CMD_EXIT_IO if the folder is
 * not writable; CMD_EXIT_OK with out->fp open for writing otherwise. */
int cmd_out_open(const char *prog, const char *path, int force, cmd_out *out);
/* Flush, close and rename into place; CMD_EXIT_IO (after a diagnostic) when
 * any write failed. The temporary file is removed on failure. */
int cmd_out_commit(const char *prog, cmd_out *out);
/* Drop the temporary file (on an error path); safe on a zeroed cmd_out. */
void cmd_out_abort(cmd_out *out);

/* Flush and close stdout, turning a write error (disk full, closed pipe)
 * into a diagnostic and CMD_EXIT_IO; else returns `status`. */
int cmd_finish_stdout(const char *prog, int status);

/* Localised word for a status: "PASS"/"通过", "FAIL"/"不合格", ... */
const char *cmd_status_word(pst_status s, pst_lang lang);

#endif

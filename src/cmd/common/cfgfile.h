/*
 * The line syntax shared by ssh_config and sshd_config: "Keyword value ..." or "Keyword=value",
 * '#' starts a comment, double quotes group words. The keyword table is each program's own.
 */
#ifndef BURROW_CMD_CFGFILE_H
#define BURROW_CMD_CFGFILE_H

#include <stddef.h>

/* Called once per non-empty line; words[0] is the keyword. Return 0 to go on, < 0 to stop. */
typedef int (*cfg_line_fn)(void *ctx, const char *origin, int line_no, char **words, int nwords);

/* Splits one line into malloc'd words (*words NULL-terminated). Returns the word count
 * (0 for a blank or comment line) or -1 for unbalanced quotes / out of memory. */
int cfg_split_line(const char *line, char ***words);
void cfg_free_words(char **words);

/* Reads a config file line by line. -1 with errno set when the file cannot be opened;
 * otherwise the first negative value fn returned, or -2 for a malformed line (reported on stderr). */
int cfg_read_file(const char *path, cfg_line_fn fn, void *ctx);
/* One "-o Keyword=value" option, reported as origin "command line", line 0. */
int cfg_read_option(const char *option, cfg_line_fn fn, void *ctx);

/* Whole file into a NUL-terminated malloc'd buffer; -1 with errno on failure. */
int file_read_all(const char *path, char **data, size_t *len);

#endif

/*
 * What servconf.c, servconf_match.c and servconf_include.c share: the state of one reading of
 * the configuration. sshd's model (servconf.c parse_server_config): the file is read at startup
 * with Match blocks checked but not applied, and again for each connection with only the
 * matching blocks applied.
 */
#ifndef BURROWD_SERVCONF_INTERNAL_H
#define BURROWD_SERVCONF_INTERNAL_H

#include "burrowd.h"
#include "match_criteria.h"

/* How an included file is read (sshd's SSHCFG_MATCH_ONLY / SSHCFG_NEVERMATCH). */
#define SERVCONF_FILE_MATCH_ONLY 1u  /* global part of the top file while evaluating Match blocks */
#define SERVCONF_FILE_NEVER_MATCH 2u /* included from a Match block that does not apply */
#define SERVCONF_MAX_INCLUDE_DEPTH 16 /* sshd's SERVCONF_MAX_DEPTH */

/* One file of an Include, read once and kept: the connection passes reuse the text. */
struct servconf_include {
	char *selector; /* the Include argument made absolute (a glob pattern) */
	char *path;     /* NULL: a pattern that matched nothing */
	char *text;
};

/* The configuration as burrowd was started with it; shared between the startup options and
 * every per-connection copy (reference-counted). */
struct servconf_source {
	int refs;
	char *path;              /* the main file; NULL when none was read */
	char *text;              /* its contents */
	struct strlist options;  /* -o arguments, in order */
	struct strlist ports;    /* -p arguments, in order */
	struct servconf_include *includes;
	size_t include_count;
};

struct servconf_state {
	struct servconf_source *source;
	/* Non-NULL while the Match blocks are evaluated for a connection: only they apply. */
	const struct match_criteria_input *conn;
	bool quiet;              /* a re-read: startup notices are not repeated */
	unsigned file_flags;     /* SERVCONF_FILE_* of the file being read */
	int depth;               /* Include nesting */
};

/* The state of opts, created on first use; NULL when out of memory. */
struct servconf_state *servconf_state_get(struct server_options *opts);
void servconf_state_free(struct servconf_state *state);
/* Drops one reference to source; the last frees it. */
void servconf_source_release(struct servconf_source *source);

/* Keywords sshd accepts inside a Match block (sshd_config(5) "Match"). */
bool servconf_match_allowed(const char *keyword);
/* A "Match" line: sets opts->in_match_block for the lines that follow. 0 or SERVCONF_FATAL. */
int servconf_match_line(struct server_options *opts, const char *origin, int line_no, char **words, int nwords);
/* An "Include" line (servconf_include.c). 0 or SERVCONF_FATAL. */
int servconf_include_line(struct server_options *opts, const char *origin, int line_no, char **words, int nwords);
/* Feeds every line of text to servconf_line with the given file flags. 0, SERVCONF_FATAL, or -2
 * for a malformed line. */
int servconf_parse_text(struct server_options *opts, const char *origin, const char *text, unsigned file_flags);
/* A -p argument applied without being recorded (servconf_cmdline_port records it first). */
int servconf_port_argument(struct server_options *opts, const char *arg);
/* servconf_fill_defaults without exiting: -1 (reported) when the result is unusable. */
int servconf_fill_defaults_checked(struct server_options *opts);

#endif

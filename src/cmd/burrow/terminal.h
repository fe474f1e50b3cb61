/* The client as a terminal: raw mode on the local tty (tty.c) and the escape character (escape.c). */
#ifndef BURROW_CMD_TERMINAL_H
#define BURROW_CMD_TERMINAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <termios.h>

#include "client.h"

/* Where the remote stderr stream and the terminal's messages go (session.c): stderr, or with
 * -E the stderr from before the log file took its place. */
extern int client_stderr_fd;

/* ---- tty.c ---- */

/* Whether to ask for a pseudo-terminal, as ssh decides it from RequestTTY (-t, -tt, -T), the
 * session type (-N), whether a command was given and whether stdin is a terminal (-n counts as
 * not). *warn: ssh's "Pseudo-terminal will not be allocated because stdin is not a terminal."
 * is due (a pty was wanted but stdin cannot give one). */
bool tty_pty_wanted(int request_tty, int session_type, bool has_command, bool stdin_is_tty, bool stdin_null,
		    bool *warn);

/* ssh's enter_raw_mode on stdin: no echo, no line editing, no signals from keys, no output
 * processing. The modes before it are kept for tty_leave_raw and for the pty-req. quiet: no
 * message when stdin is not a terminal. Restored at exit (atexit) whatever path exit takes. */
void tty_enter_raw(bool quiet);
void tty_leave_raw(bool quiet);
bool tty_in_raw_mode(void);
/* The modes saved by tty_enter_raw while in raw mode, else NULL (then the pty-req carries none). */
const struct termios *tty_saved_modes(void);
/* The size of the terminal on fd; zeros when it has none (as ssh sends then). */
void tty_window_size(int fd, struct winsize *ws);

/* Writes all of text to fd (a terminal or the log), retrying short writes; errors are dropped. */
void tty_write_all(int fd, const char *text, size_t len);

/* ---- session_env.c ---- */

/* SendEnv's verdict on a variable name: some pattern matches it and no later "-pattern" took
 * that pattern back. Case-sensitive '*' and '?' globs, as OpenSSH's match_pattern. */
bool env_name_permitted(const struct strlist *send_env, const char *name);
/* TERM for the pty-req: SetEnv TERM=..., else $TERM, else "". */
const char *session_env_term(const struct client_options *o);
/* The "env" requests: SendEnv's matching variables of our environment, then SetEnv's. */
void session_env_send(struct burrow_conn *conn, uint32_t channel, const struct client_options *o);

/* ---- escape.c ---- */

/* What the user asked for with the escape character; the filter stops after each one. */
enum escape_action {
	ESCAPE_NONE,
	ESCAPE_DISCONNECT, /* ~. */
	ESCAPE_HELP,       /* ~? */
	ESCAPE_LIST,       /* ~# */
	ESCAPE_SUSPEND,    /* ~^Z */
	ESCAPE_BREAK,      /* ~B */
	ESCAPE_LESS_VERBOSE, /* ~V */
	ESCAPE_MORE_VERBOSE, /* ~v */
	ESCAPE_COMMAND,    /* ~C then a line ended by Enter: escape_command_line() holds it */
	ESCAPE_COMMAND_CANCELLED, /* ~C then ESC or ^C */
};

#define ESCAPE_LINE_MAX 512
#define ESCAPE_ECHO_MAX 1024

/*
 * The escape filter over what the user types, as OpenSSH's process_escapes: the escape
 * character counts only right after a newline (or at the start); "~~" sends one "~"; an escape
 * character followed by anything unknown sends both. While ~C's command line is open, the bytes
 * are the line (echoed in `echo`, which the caller writes to the terminal and empties).
 */
struct escape {
	int escape_char; /* 0-255, or ESCAPE_CHAR_NONE: everything passes through */
	bool after_newline;
	bool pending;
	bool in_command;
	char line[ESCAPE_LINE_MAX + 1];
	size_t line_len;
	char echo[ESCAPE_ECHO_MAX];
	size_t echo_len;
};

void escape_init(struct escape *e, int escape_char);
/* Filters in[0..len): bytes to send are appended to out (room for len + 1 bytes needed; *out_len
 * is how many were written). Returns how many input bytes were used: fewer than len when an
 * action stopped it (*action) or when echo is full; call again with the rest. */
size_t escape_filter(struct escape *e, const uint8_t *in, size_t len, uint8_t *out, size_t *out_len,
		     enum escape_action *action);
/* After ESCAPE_COMMAND: the line typed, without its line end. */
const char *escape_command_line(const struct escape *e);
/* The ~? text for this escape character, lines ended by "\r\n" as ssh writes them. */
size_t escape_help_text(int escape_char, char *buf, size_t size);
/* The reply to a ~C command line (help, or why it is not available), "\r\n"-terminated lines;
 * "" for an empty line. */
size_t escape_command_reply(const char *line, char *buf, size_t size);

#endif

/*
 * The escape character of an interactive session (ssh(1) ESCAPE CHARACTERS, OpenSSH's
 * clientloop.c process_escapes): a pure filter over the typed bytes. session.c carries out
 * the actions; nothing here does I/O.
 */
#include "terminal.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#define KEY_CTRL_C 0x03
#define KEY_BACKSPACE 0x08
#define KEY_ESC 0x1b
#define KEY_CTRL_Z 0x1a
#define KEY_DEL 0x7f
#define COMMAND_PROMPT "\r\n" CLIENT_NAME "> "

void escape_init(struct escape *e, int escape_char)
{
	memset(e, 0, sizeof(*e));
	e->escape_char = escape_char;
	e->after_newline = true; /* the very first byte counts as after a newline, as in ssh */
}

static void echo_add(struct escape *e, const char *text, size_t len)
{
	if (e->echo_len + len > sizeof(e->echo))
		len = sizeof(e->echo) - e->echo_len;
	memcpy(e->echo + e->echo_len, text, len);
	e->echo_len += len;
}

/* One byte of the ~C line. true: the line is over (*action says how). */
static bool command_byte(struct escape *e, uint8_t ch, enum escape_action *action)
{
	switch (ch) {
	case '\r':
	case '\n':
		e->in_command = false;
		e->line[e->line_len] = 0;
		echo_add(e, "\r\n", 2);
		*action = ESCAPE_COMMAND;
		return true;
	case KEY_ESC:
	case KEY_CTRL_C:
		e->in_command = false;
		e->line_len = 0;
		e->line[0] = 0;
		echo_add(e, "\r\n", 2);
		*action = ESCAPE_COMMAND_CANCELLED;
		return true;
	case KEY_DEL:
	case KEY_BACKSPACE:
		if (e->line_len > 0) {
			e->line_len--;
			echo_add(e, "\b \b", 3);
		}
		return false;
	default:
		if (ch >= 0x20 && e->line_len < ESCAPE_LINE_MAX) {
			e->line[e->line_len++] = (char)ch;
			echo_add(e, (const char *)&ch, 1);
		}
		return false;
	}
}

/* The byte after the escape character. true: it was an escape sequence (nothing to send). */
static bool escape_sequence(struct escape *e, uint8_t ch, enum escape_action *action)
{
	switch (ch) {
	case '.':
		*action = ESCAPE_DISCONNECT;
		return true;
	case KEY_CTRL_Z:
		*action = ESCAPE_SUSPEND;
		return true;
	case 'B':
		*action = ESCAPE_BREAK;
		return true;
	case 'V':
		*action = ESCAPE_LESS_VERBOSE;
		return true;
	case 'v':
		*action = ESCAPE_MORE_VERBOSE;
		return true;
	case '?':
		*action = ESCAPE_HELP;
		return true;
	case '#':
		*action = ESCAPE_LIST;
		return true;
	case 'C':
		e->in_command = true;
		e->line_len = 0;
		e->line[0] = 0;
		echo_add(e, COMMAND_PROMPT, strlen(COMMAND_PROMPT));
		return true;
	default:
		return false;
	}
}

size_t escape_filter(struct escape *e, const uint8_t *in, size_t len, uint8_t *out, size_t *out_len,
		     enum escape_action *action)
{
	size_t n = 0;
	*action = ESCAPE_NONE;
	if (e->escape_char == ESCAPE_CHAR_NONE) {
		memcpy(out, in, len);
		*out_len = len;
		return len;
	}
	size_t i;
	for (i = 0; i < len; i++) {
		uint8_t ch = in[i];
		/* Leave room for the longest echo of one byte (the prompt). */
		if (e->echo_len + sizeof(COMMAND_PROMPT) > sizeof(e->echo))
			break;
		if (e->in_command) {
			if (command_byte(e, ch, action)) {
				i++;
				break;
			}
			continue;
		}
		if (e->pending) {
			e->pending = false;
			if (escape_sequence(e, ch, action)) {
				if (*action != ESCAPE_NONE) {
					i++;
					break;
				}
				continue;
			}
			/* "~~" is one "~"; "~x" for any other x is sent as typed. */
			if (ch != e->escape_char)
				out[n++] = (uint8_t)e->escape_char;
		} else if (e->after_newline && ch == e->escape_char) {
			e->pending = true;
			continue;
		}
		e->after_newline = ch == '\r' || ch == '\n';
		out[n++] = ch;
	}
	*out_len = n;
	return i;
}

const char *escape_command_line(const struct escape *e)
{
	return e->line;
}

size_t escape_help_text(int escape_char, char *buf, size_t size)
{
	static const struct {
		const char *keys, *text;
	} lines[] = {
		{ ".", "terminate connection" },
		{ "B", "send a BREAK to the remote system" },
		{ "C", "open a command line" },
		{ "V/v", "decrease/increase verbosity (LogLevel)" },
		{ "^Z", "suspend " CLIENT_NAME },
		{ "#", "list forwarded connections" },
		{ "?", "this message" },
	};
	char c = (char)escape_char;
	int used = snprintf(buf, size, "%c?\r\nSupported escape sequences:\r\n", c);
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]) && used >= 0 && (size_t)used < size; i++)
		used += snprintf(buf + used, size - (size_t)used, " %c%-3s - %s\r\n", c, lines[i].keys, lines[i].text);
	if (used >= 0 && (size_t)used < size)
		used += snprintf(buf + used, size - (size_t)used,
				 " %c%c   - send the escape character by typing it twice\r\n"
				 "(Note that escapes are only recognized immediately after newline.)\r\n",
				 c, c);
	if (used < 0)
		return 0;
	return (size_t)used < size ? (size_t)used : size - 1;
}

size_t escape_command_reply(const char *line, char *buf, size_t size)
{
	const char *s = line;
	while (isspace((unsigned char)*s))
		s++;
	if (*s == '-')
		s++;
	const char *reply;
	if (*s == 0)
		reply = "";
	else if (*s == 'h' || *s == 'H' || *s == '?')
		reply = "Commands:\r\n"
			"      -h                                     Show this help\r\n"
			"Port forwarding (-L, -R, -D, -KL, -KR, -KD) is not supported by " CLIENT_NAME " yet.\r\n";
	else if (*s == 'L' || *s == 'R' || *s == 'D' || (*s == 'K' && s[1] && strchr("LRD", s[1])))
		reply = "Port forwarding is not supported by " CLIENT_NAME " yet.\r\n";
	else
		reply = "Invalid command.\r\n";
	int n = snprintf(buf, size, "%s", reply);
	if (n < 0)
		return 0;
	return (size_t)n < size ? (size_t)n : size - 1;
}

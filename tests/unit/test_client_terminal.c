/* burrow's terminal pieces: the escape filter (ssh(1) ESCAPE CHARACTERS), the pty decision of
 * -t/-tt/-T/RequestTTY, raw mode on a pty, SendEnv patterns. The program's .c files are compiled in. */
#define _XOPEN_SOURCE 700 /* posix_openpt, ptsname */
#define _DEFAULT_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <fcntl.h>

#include "../../src/cmd/burrow/escape.c"
#include "../../src/cmd/burrow/session_env.c"
#include "../../src/cmd/burrow/tty.c"

/* Runs the whole of typed through the filter; what is sent lands in sent (NUL-terminated),
 * the actions in order in actions (up to 8), the echo in echo. */
struct filtered {
	char sent[256];
	size_t sent_len;
	enum escape_action actions[8];
	size_t nactions;
	char echo[2048];
};

static void filter_all(struct escape *e, const char *typed, struct filtered *f)
{
	memset(f, 0, sizeof(*f));
	size_t len = strlen(typed), used = 0;
	while (used < len) {
		uint8_t out[4096];
		size_t out_len = 0;
		enum escape_action action;
		size_t n = escape_filter(e, (const uint8_t *)typed + used, len - used, out, &out_len, &action);
		assert_true(out_len <= len - used + 1);
		memcpy(f->sent + f->sent_len, out, out_len);
		f->sent_len += out_len;
		strncat(f->echo, e->echo, e->echo_len);
		e->echo_len = 0;
		if (action != ESCAPE_NONE && f->nactions < 8)
			f->actions[f->nactions++] = action;
		assert_true(n > 0 || action != ESCAPE_NONE);
		used += n;
	}
}

static void test_tilde_dot_at_the_start_disconnects(void **state)
{
	struct escape e;
	struct filtered f;
	escape_init(&e, '~');
	filter_all(&e, "~.", &f);
	assert_int_equal(f.nactions, 1);
	assert_int_equal(f.actions[0], ESCAPE_DISCONNECT);
	assert_int_equal(f.sent_len, 0);
}

static void test_tilde_counts_only_after_a_newline(void **state)
{
	struct escape e;
	struct filtered f;
	escape_init(&e, '~');
	filter_all(&e, "a~.\r~.", &f);
	assert_string_equal(f.sent, "a~.\r");
	assert_int_equal(f.nactions, 1);
	assert_int_equal(f.actions[0], ESCAPE_DISCONNECT);
}

static void test_newline_also_counts(void **state)
{
	struct escape e;
	struct filtered f;
	escape_init(&e, '~');
	filter_all(&e, "ls\n~?", &f);
	assert_string_equal(f.sent, "ls\n");
	assert_int_equal(f.actions[0], ESCAPE_HELP);
}

static void test_double_tilde_sends_one(void **state)
{
	struct escape e;
	struct filtered f;
	escape_init(&e, '~');
	filter_all(&e, "~~x", &f);
	assert_string_equal(f.sent, "~x");
	assert_int_equal(f.nactions, 0);
}

static void test_unknown_sequence_sends_both(void **state)
{
	struct escape e;
	struct filtered f;
	escape_init(&e, '~');
	filter_all(&e, "~x~.", &f);
	/* after "~x" the line is not at its start: the second "~." is text */
	assert_string_equal(f.sent, "~x~.");
	assert_int_equal(f.nactions, 0);
}

static void test_escape_split_across_reads(void **state)
{
	struct escape e;
	struct filtered f;
	escape_init(&e, '~');
	filter_all(&e, "\r~", &f);
	assert_string_equal(f.sent, "\r");
	filter_all(&e, ".", &f);
	assert_int_equal(f.actions[0], ESCAPE_DISCONNECT);
}

static void test_every_sequence_has_its_action(void **state)
{
	static const struct {
		const char *typed;
		enum escape_action action;
	} cases[] = {
		{ "~\x1a", ESCAPE_SUSPEND }, { "~B", ESCAPE_BREAK }, { "~V", ESCAPE_LESS_VERBOSE },
		{ "~v", ESCAPE_MORE_VERBOSE }, { "~#", ESCAPE_LIST }, { "~?", ESCAPE_HELP },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct escape e;
		struct filtered f;
		escape_init(&e, '~');
		filter_all(&e, cases[i].typed, &f);
		assert_int_equal(f.nactions, 1);
		assert_int_equal(f.actions[0], cases[i].action);
		assert_int_equal(f.sent_len, 0);
	}
}

static void test_bytes_after_an_action_are_filtered_too(void **state)
{
	struct escape e;
	struct filtered f;
	escape_init(&e, '~');
	filter_all(&e, "~#ab\r~?", &f);
	assert_string_equal(f.sent, "ab\r");
	assert_int_equal(f.nactions, 2);
	assert_int_equal(f.actions[0], ESCAPE_LIST);
	assert_int_equal(f.actions[1], ESCAPE_HELP);
}

static void test_other_escape_character(void **state)
{
	struct escape e;
	struct filtered f;
	escape_init(&e, 0x1d); /* -e '^]' */
	filter_all(&e, "~.\r\x1d.", &f);
	assert_string_equal(f.sent, "~.\r");
	assert_int_equal(f.actions[0], ESCAPE_DISCONNECT);
}

static void test_escape_none_passes_everything(void **state)
{
	struct escape e;
	struct filtered f;
	escape_init(&e, ESCAPE_CHAR_NONE);
	filter_all(&e, "~.~~~C", &f);
	assert_string_equal(f.sent, "~.~~~C");
	assert_int_equal(f.nactions, 0);
}

static void test_command_line_collects_a_line_with_backspace(void **state)
{
	struct escape e;
	struct filtered f;
	escape_init(&e, '~');
	filter_all(&e, "~C-hx\x7f\rls\r", &f);
	assert_int_equal(f.nactions, 1);
	assert_int_equal(f.actions[0], ESCAPE_COMMAND);
	assert_string_equal(escape_command_line(&e), "-h");
	assert_string_equal(f.sent, "ls\r"); /* after the command line, typing goes on as before */
	assert_non_null(strstr(f.echo, "burrow> -hx\b \b\r\n"));
}

static void test_command_line_esc_cancels(void **state)
{
	struct escape e;
	struct filtered f;
	escape_init(&e, '~');
	filter_all(&e, "~C-L 1:a:2\x1b" "a", &f);
	assert_int_equal(f.actions[0], ESCAPE_COMMAND_CANCELLED);
	assert_string_equal(f.sent, "a");
}

static void test_command_line_is_bounded(void **state)
{
	struct escape e;
	escape_init(&e, '~');
	char typed[ESCAPE_LINE_MAX * 3];
	memset(typed, 'x', sizeof(typed) - 2);
	typed[0] = '~';
	typed[1] = 'C';
	typed[sizeof(typed) - 2] = '\r';
	typed[sizeof(typed) - 1] = 0;
	struct filtered f;
	filter_all(&e, typed, &f);
	assert_int_equal(f.actions[0], ESCAPE_COMMAND);
	assert_int_equal(strlen(escape_command_line(&e)), ESCAPE_LINE_MAX);
}

static void test_command_replies(void **state)
{
	char buf[1024];
	escape_command_reply("", buf, sizeof(buf));
	assert_string_equal(buf, "");
	escape_command_reply("  -h", buf, sizeof(buf));
	assert_non_null(strstr(buf, "Commands:\r\n"));
	escape_command_reply("-L 8080:localhost:80", buf, sizeof(buf));
	assert_string_equal(buf, "Port forwarding is not supported by burrow yet.\r\n");
	escape_command_reply("-KR 8080", buf, sizeof(buf));
	assert_string_equal(buf, "Port forwarding is not supported by burrow yet.\r\n");
	escape_command_reply("bogus", buf, sizeof(buf));
	assert_string_equal(buf, "Invalid command.\r\n");
}

static void test_help_text_as_ssh(void **state)
{
	char buf[2048];
	size_t n = escape_help_text('~', buf, sizeof(buf));
	assert_int_equal(n, strlen(buf));
	assert_true(strncmp(buf, "~?\r\nSupported escape sequences:\r\n ~.   - terminate connection\r\n", 62) == 0);
	assert_non_null(strstr(buf, " ~~   - send the escape character by typing it twice\r\n"));
	char small[16];
	n = escape_help_text('~', small, sizeof(small));
	assert_int_equal(n, strlen(small)); /* truncated, still a string */
}

/* ---- the pty decision (ssh.c main) ---- */

static void test_pty_by_default_only_without_command(void **state)
{
	bool warn;
	assert_true(tty_pty_wanted(REQUEST_TTY_UNSET, SESSION_TYPE_UNSET, false, true, false, &warn));
	assert_false(warn);
	assert_false(tty_pty_wanted(REQUEST_TTY_UNSET, SESSION_TYPE_UNSET, true, true, false, &warn));
	assert_false(warn);
	assert_true(tty_pty_wanted(REQUEST_TTY_AUTO, SESSION_TYPE_DEFAULT, false, true, false, &warn));
}

static void test_t_with_command_and_tty(void **state)
{
	bool warn;
	assert_true(tty_pty_wanted(REQUEST_TTY_YES, SESSION_TYPE_UNSET, true, true, false, &warn));
	assert_false(warn);
}

static void test_t_without_tty_warns(void **state)
{
	bool warn;
	assert_false(tty_pty_wanted(REQUEST_TTY_YES, SESSION_TYPE_UNSET, true, false, false, &warn));
	assert_true(warn);
	/* -n is "stdin is not a terminal" too */
	assert_false(tty_pty_wanted(REQUEST_TTY_YES, SESSION_TYPE_UNSET, true, true, true, &warn));
	assert_true(warn);
	/* no pty wanted: nothing to warn about */
	assert_false(tty_pty_wanted(REQUEST_TTY_UNSET, SESSION_TYPE_UNSET, true, false, false, &warn));
	assert_false(warn);
}

static void test_tt_forces(void **state)
{
	bool warn;
	assert_true(tty_pty_wanted(REQUEST_TTY_FORCE, SESSION_TYPE_UNSET, true, false, false, &warn));
	assert_false(warn);
}

static void test_T_and_N_never(void **state)
{
	bool warn;
	assert_false(tty_pty_wanted(REQUEST_TTY_NO, SESSION_TYPE_UNSET, false, true, false, &warn));
	assert_false(warn);
	assert_false(tty_pty_wanted(REQUEST_TTY_FORCE, SESSION_TYPE_NONE, false, true, false, &warn));
	assert_false(warn);
}

/* ---- raw mode on a real pty (standard input is swapped for its slave side) ---- */

static void test_raw_mode_in_and_out_of_a_pty(void **state)
{
	int master = posix_openpt(O_RDWR | O_NOCTTY);
	if (master < 0 || grantpt(master) < 0 || unlockpt(master) < 0)
		skip();
	int slave = open(ptsname(master), O_RDWR | O_NOCTTY);
	assert_true(slave >= 0);
	int saved_stdin = dup(STDIN_FILENO);
	assert_true(dup2(slave, STDIN_FILENO) >= 0);

	struct termios before, raw, after;
	assert_int_equal(tcgetattr(STDIN_FILENO, &before), 0);
	assert_true(before.c_lflag & ICANON);
	assert_null(tty_saved_modes());
	tty_enter_raw(true);
	assert_true(tty_in_raw_mode());
	assert_int_equal(tcgetattr(STDIN_FILENO, &raw), 0);
	assert_false(raw.c_lflag & (ICANON | ECHO | ISIG | IEXTEN));
	assert_false(raw.c_iflag & (ICRNL | IXON));
	assert_false(raw.c_oflag & OPOST);
	assert_int_equal(raw.c_cc[VMIN], 1);
	/* the pty-req carries the modes from before raw mode */
	assert_non_null(tty_saved_modes());
	assert_int_equal(tty_saved_modes()->c_lflag, before.c_lflag);
	tty_leave_raw(true);
	assert_false(tty_in_raw_mode());
	assert_int_equal(tcgetattr(STDIN_FILENO, &after), 0);
	assert_int_equal(after.c_lflag, before.c_lflag);
	assert_int_equal(after.c_iflag, before.c_iflag);
	assert_int_equal(after.c_oflag, before.c_oflag);
	assert_memory_equal(after.c_cc, before.c_cc, sizeof(before.c_cc));

	dup2(saved_stdin, STDIN_FILENO);
	close(saved_stdin);
	close(slave);
	close(master);
}

static void test_raw_mode_without_a_terminal_is_a_no_op(void **state)
{
	int saved_stdin = dup(STDIN_FILENO);
	int null_fd = open("/dev/null", O_RDONLY);
	assert_true(null_fd >= 0);
	dup2(null_fd, STDIN_FILENO);
	tty_enter_raw(true);
	assert_false(tty_in_raw_mode());
	assert_null(tty_saved_modes());
	struct winsize ws;
	tty_window_size(STDIN_FILENO, &ws);
	assert_int_equal(ws.ws_row, 0);
	assert_int_equal(ws.ws_col, 0);
	dup2(saved_stdin, STDIN_FILENO);
	close(saved_stdin);
	close(null_fd);
}

/* ---- SendEnv ---- */

static void test_sendenv_patterns(void **state)
{
	char *items[] = { "LANG", "LC_*", "X?Y" };
	struct strlist l = { items, 3 };
	assert_true(env_name_permitted(&l, "LANG"));
	assert_true(env_name_permitted(&l, "LC_ALL"));
	assert_true(env_name_permitted(&l, "XaY"));
	assert_false(env_name_permitted(&l, "lang")); /* names are case-sensitive */
	assert_false(env_name_permitted(&l, "LANGUAGE"));
	assert_false(env_name_permitted(&l, "XY"));
}

static void test_sendenv_minus_takes_back_earlier_patterns(void **state)
{
	char *items[] = { "LC_*", "FOO", "-LC_*", "LC_TIME" };
	struct strlist l = { items, 4 };
	assert_false(env_name_permitted(&l, "LC_ALL"));
	assert_true(env_name_permitted(&l, "LC_TIME")); /* given again after the removal */
	assert_true(env_name_permitted(&l, "FOO"));
}

static void test_sendenv_empty_list_sends_nothing(void **state)
{
	struct strlist l = { NULL, 0 };
	assert_false(env_name_permitted(&l, "TERM"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tilde_dot_at_the_start_disconnects),
		cmocka_unit_test(test_tilde_counts_only_after_a_newline),
		cmocka_unit_test(test_newline_also_counts),
		cmocka_unit_test(test_double_tilde_sends_one),
		cmocka_unit_test(test_unknown_sequence_sends_both),
		cmocka_unit_test(test_escape_split_across_reads),
		cmocka_unit_test(test_every_sequence_has_its_action),
		cmocka_unit_test(test_bytes_after_an_action_are_filtered_too),
		cmocka_unit_test(test_other_escape_character),
		cmocka_unit_test(test_escape_none_passes_everything),
		cmocka_unit_test(test_command_line_collects_a_line_with_backspace),
		cmocka_unit_test(test_command_line_esc_cancels),
		cmocka_unit_test(test_command_line_is_bounded),
		cmocka_unit_test(test_command_replies),
		cmocka_unit_test(test_help_text_as_ssh),
		cmocka_unit_test(test_pty_by_default_only_without_command),
		cmocka_unit_test(test_t_with_command_and_tty),
		cmocka_unit_test(test_t_without_tty_warns),
		cmocka_unit_test(test_tt_forces),
		cmocka_unit_test(test_T_and_N_never),
		cmocka_unit_test(test_raw_mode_in_and_out_of_a_pty),
		cmocka_unit_test(test_raw_mode_without_a_terminal_is_a_no_op),
		cmocka_unit_test(test_sendenv_patterns),
		cmocka_unit_test(test_sendenv_minus_takes_back_earlier_patterns),
		cmocka_unit_test(test_sendenv_empty_list_sends_nothing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

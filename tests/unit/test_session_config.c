/*
 * burrowd's session keywords (AcceptEnv, Subsystem, PrintMotd, PrintLastLog, MaxSessions,
 * PermitTTY, ForceCommand, X11Forwarding, PermitUserRC) as sshd_config(5) defines them, the login
 * environment as sshd's do_setup_env builds it, and the utmp/lastlog naming of sshd's loginrec.c.
 * The program's .c files are compiled in.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cfgfile.h"

#include "../../src/cmd/burrowd/login_env.c"
#include "../../src/cmd/burrowd/session_config.c"
#include "../../src/cmd/burrowd/utmp.c"

/* servconf.c's string list, which this test does not compile in (it pulls in every keyword). */
int strlist_add(struct strlist *list, const char *s)
{
	char **grown = realloc(list->v, (list->n + 1) * sizeof(*grown));
	if (!grown)
		return -1;
	list->v = grown;
	if (!(list->v[list->n] = strdup(s)))
		return -1;
	list->n++;
	return 0;
}

void strlist_free(struct strlist *list)
{
	for (size_t i = 0; i < list->n; i++)
		free(list->v[i]);
	free(list->v);
	list->v = NULL;
	list->n = 0;
}

/* session_config_line's answer for one "-o" style line. */
static int line(struct server_options *o, const char *text)
{
	char **words = NULL;
	int n = cfg_split_line(text, &words);
	assert_true(n > 0);
	int r = session_config_line(o, "test", 1, words, n);
	cfg_free_words(words);
	return r;
}

static char *dump_new(const struct server_options *o)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	assert_non_null(f);
	session_config_dump(&o->sessions, f);
	fclose(f);
	return text;
}

static void test_session_config_defaults_are_sshds(void **state)
{
	(void)state;
	struct server_options o;
	memset(&o, 0, sizeof(o));
	assert_true(session_opt_print_motd(&o.sessions));
	assert_true(session_opt_print_last_log(&o.sessions));
	assert_true(session_opt_permit_tty(&o.sessions));
	assert_false(session_opt_x11_forwarding(&o.sessions));
	assert_true(session_opt_permit_user_rc(&o.sessions));
	assert_int_equal(session_opt_max_sessions(&o.sessions), 10);
	assert_null(session_opt_subsystem(&o.sessions, "sftp"));
	assert_false(session_opt_accept_env(&o.sessions, "LANG"));
	char *text = dump_new(&o);
	assert_non_null(strstr(text, "maxsessions 10\n"));
	assert_non_null(strstr(text, "printmotd yes\n"));
	assert_non_null(strstr(text, "x11forwarding no\n"));
	assert_non_null(strstr(text, "forcecommand none\n"));
	free(text);
}

static void test_session_config_other_keywords_not_mine(void **state)
{
	(void)state;
	struct server_options o;
	memset(&o, 0, sizeof(o));
	assert_int_equal(line(&o, "Port 22"), SESSION_CONFIG_NOT_MINE);
	assert_int_equal(line(&o, "TrustedUserCAKeys /x"), SESSION_CONFIG_NOT_MINE);
}

static void test_session_config_first_value_wins(void **state)
{
	(void)state;
	struct server_options o;
	memset(&o, 0, sizeof(o));
	assert_int_equal(line(&o, "PrintMotd no"), 0);
	assert_int_equal(line(&o, "printmotd yes"), 0);
	assert_int_equal(line(&o, "MaxSessions 0"), 0);
	assert_int_equal(line(&o, "MaxSessions 5"), 0);
	assert_int_equal(line(&o, "PermitTTY no"), 0);
	assert_int_equal(line(&o, "ForceCommand echo first"), 0);
	assert_int_equal(line(&o, "ForceCommand echo second"), 0);
	assert_false(session_opt_print_motd(&o.sessions));
	assert_int_equal(session_opt_max_sessions(&o.sessions), 0);
	assert_false(session_opt_permit_tty(&o.sessions));
	assert_string_equal(o.sessions.force_command, "echo first");
	session_config_free(&o.sessions);
}

static void test_session_config_bad_values_are_fatal(void **state)
{
	(void)state;
	struct server_options o;
	memset(&o, 0, sizeof(o));
	assert_int_equal(line(&o, "PrintMotd maybe"), SERVCONF_FATAL);
	assert_int_equal(line(&o, "PrintLastLog"), SERVCONF_FATAL);
	assert_int_equal(line(&o, "PermitTTY yes no"), SERVCONF_FATAL);
	assert_int_equal(line(&o, "MaxSessions -1"), SERVCONF_FATAL);
	assert_int_equal(line(&o, "MaxSessions ten"), SERVCONF_FATAL);
	assert_int_equal(line(&o, "MaxSessions 99999999999"), SERVCONF_FATAL);
	assert_int_equal(line(&o, "AcceptEnv LANG=C"), SERVCONF_FATAL);
	assert_int_equal(line(&o, "Subsystem sftp"), SERVCONF_FATAL);
	assert_int_equal(line(&o, "Subsystem"), SERVCONF_FATAL);
	assert_int_equal(line(&o, "ForceCommand"), SERVCONF_FATAL);
	/* Nothing half-set by the failures. */
	assert_true(session_opt_print_motd(&o.sessions));
	assert_int_equal(session_opt_max_sessions(&o.sessions), 10);
	assert_int_equal(o.sessions.accept_env.n, 0);
	assert_int_equal(o.sessions.subsystem_count, 0);
}

static void test_session_config_accept_env_accumulates_patterns(void **state)
{
	(void)state;
	struct server_options o;
	memset(&o, 0, sizeof(o));
	assert_int_equal(line(&o, "AcceptEnv LANG LC_*"), 0);
	assert_int_equal(line(&o, "AcceptEnv BURROW_?"), 0);
	assert_true(session_opt_accept_env(&o.sessions, "LANG"));
	assert_true(session_opt_accept_env(&o.sessions, "LC_ALL"));
	assert_true(session_opt_accept_env(&o.sessions, "BURROW_X"));
	assert_false(session_opt_accept_env(&o.sessions, "BURROW_XY"));
	assert_false(session_opt_accept_env(&o.sessions, "LANGUAGE"));
	assert_false(session_opt_accept_env(&o.sessions, "PATH"));
	char *text = dump_new(&o);
	assert_non_null(strstr(text, "acceptenv LANG\nacceptenv LC_*\nacceptenv BURROW_?\n"));
	free(text);
	session_config_free(&o.sessions);
}

static void test_session_config_subsystem_command_and_duplicates(void **state)
{
	(void)state;
	struct server_options o;
	memset(&o, 0, sizeof(o));
	assert_int_equal(line(&o, "Subsystem sftp /usr/lib/openssh/sftp-server -l INFO"), 0);
	assert_int_equal(line(&o, "Subsystem other internal-sftp"), 0);
	assert_string_equal(session_opt_subsystem(&o.sessions, "sftp"), "/usr/lib/openssh/sftp-server -l INFO");
	assert_string_equal(session_opt_subsystem(&o.sessions, "other"), "internal-sftp");
	assert_null(session_opt_subsystem(&o.sessions, "SFTP")); /* names are exact, as sshd */
	assert_int_equal(line(&o, "Subsystem sftp /bin/true"), SERVCONF_FATAL);
	char *text = dump_new(&o);
	assert_non_null(strstr(text, "subsystem sftp /usr/lib/openssh/sftp-server -l INFO\n"));
	free(text);
	session_config_free(&o.sessions);
	assert_int_equal(o.sessions.subsystem_count, 0);
}

static void test_session_config_match_block_lines_checked_not_applied(void **state)
{
	(void)state;
	struct server_options o;
	memset(&o, 0, sizeof(o));
	o.in_match_block = true;
	assert_int_equal(line(&o, "PrintMotd no"), 0);
	assert_int_equal(line(&o, "ForceCommand echo hi"), 0);
	assert_int_equal(line(&o, "AcceptEnv LANG"), 0);
	assert_int_equal(line(&o, "PrintMotd bogus"), SERVCONF_FATAL);
	assert_true(session_opt_print_motd(&o.sessions));
	assert_null(o.sessions.force_command);
	assert_int_equal(o.sessions.accept_env.n, 0);
}

static void test_session_config_x11_yes_accepted(void **state)
{
	(void)state;
	struct server_options o;
	memset(&o, 0, sizeof(o));
	assert_int_equal(line(&o, "X11Forwarding yes"), 0);
	assert_true(session_opt_x11_forwarding(&o.sessions));
	assert_int_equal(line(&o, "PermitUserRC no"), 0);
	assert_false(session_opt_permit_user_rc(&o.sessions));
}

/* ---- the login environment ---- */

static struct user_info env_user = { .name = "alice", .uid = 1000, .gid = 1000, .home = "/home/alice",
				     .shell = "/bin/bash" };

static struct session_origin env_origin(void)
{
	struct session_origin o = {
		.user = &env_user,
		.peer_addr = "10.0.0.2",
		.peer_port = 50000,
		.local_addr = "10.0.0.1",
		.local_port = 22,
	};
	return o;
}

static void test_login_env_standard_variables(void **state)
{
	(void)state;
	struct session_origin o = env_origin();
	char **env = login_env_new(&o, NULL, NULL, NULL);
	assert_non_null(env);
	assert_string_equal(login_env_get(env, "USER"), "alice");
	assert_string_equal(login_env_get(env, "LOGNAME"), "alice");
	assert_string_equal(login_env_get(env, "HOME"), "/home/alice");
	assert_string_equal(login_env_get(env, "SHELL"), "/bin/bash");
	assert_string_equal(login_env_get(env, "PATH"), BURROWD_PATH);
	assert_string_equal(login_env_get(env, "MAIL"), "/var/mail/alice");
	assert_string_equal(login_env_get(env, "SSH_CONNECTION"), "10.0.0.2 50000 10.0.0.1 22");
	assert_string_equal(login_env_get(env, "SSH_CLIENT"), "10.0.0.2 50000 22");
	assert_null(login_env_get(env, "SSH_TTY"));
	assert_null(login_env_get(env, "TERM"));
	assert_null(login_env_get(env, "SSH_ORIGINAL_COMMAND"));
	assert_null(login_env_get(env, "SSH_AUTH_SOCK"));
	login_env_free(env);
}

static void test_login_env_pty_forced_command_agent(void **state)
{
	(void)state;
	struct session_origin o = env_origin();
	o.original_command = "ls -l";
	o.agent_socket = "/tmp/ssh-x/agent.1";
	char **env = login_env_new(&o, "xterm-256color", "/dev/pts/7", NULL);
	assert_non_null(env);
	assert_string_equal(login_env_get(env, "TERM"), "xterm-256color");
	assert_string_equal(login_env_get(env, "SSH_TTY"), "/dev/pts/7");
	assert_string_equal(login_env_get(env, "SSH_ORIGINAL_COMMAND"), "ls -l");
	assert_string_equal(login_env_get(env, "SSH_AUTH_SOCK"), "/tmp/ssh-x/agent.1");
	login_env_free(env);
}

static void test_login_env_client_cannot_override_login(void **state)
{
	(void)state;
	struct strlist client = { 0 };
	assert_int_equal(strlist_add(&client, "USER=mallory"), 0);
	assert_int_equal(strlist_add(&client, "LC_ALL=C.UTF-8"), 0);
	assert_int_equal(strlist_add(&client, "SSH_CONNECTION=fake"), 0);
	struct auth_restrictions r;
	memset(&r, 0, sizeof(r));
	assert_int_equal(strlist_add(&r.environment, "FROM_KEY=1"), 0);
	assert_int_equal(strlist_add(&r.environment, "LC_ALL=key"), 0);
	struct session_origin o = env_origin();
	o.restrictions = &r;
	char **env = login_env_new(&o, NULL, NULL, &client);
	assert_non_null(env);
	assert_string_equal(login_env_get(env, "USER"), "alice");
	assert_string_equal(login_env_get(env, "SSH_CONNECTION"), "10.0.0.2 50000 10.0.0.1 22");
	assert_string_equal(login_env_get(env, "FROM_KEY"), "1");
	assert_string_equal(login_env_get(env, "LC_ALL"), "key"); /* the key's environment= wins */
	size_t users = 0;
	for (char **p = env; *p; p++)
		users += strncmp(*p, "USER=", 5) == 0;
	assert_int_equal(users, 1);
	login_env_free(env);
	strlist_free(&client);
	strlist_free(&r.environment);
}

static void test_login_env_set_replaces_by_whole_name(void **state)
{
	(void)state;
	char **env = calloc(1, sizeof(*env));
	assert_non_null(env);
	assert_int_equal(login_env_set(&env, "AB=1"), 0);
	assert_int_equal(login_env_set(&env, "A=2"), 0);
	assert_int_equal(login_env_set(&env, "AB=3"), 0);
	assert_string_equal(login_env_get(env, "AB"), "3");
	assert_string_equal(login_env_get(env, "A"), "2");
	assert_null(env[2]);
	login_env_free(env);
	login_env_free(NULL);
}

/* ---- utmp and lastlog naming ---- */

static void test_utmp_line_names_as_sshd(void **state)
{
	(void)state;
	char line[33], id[4];
	utmp_line_names("/dev/pts/3", line, sizeof(line), id);
	assert_string_equal(line, "pts/3");
	assert_memory_equal(id, "ts/3", 4);
	utmp_line_names("/dev/pts/123", line, sizeof(line), id);
	assert_string_equal(line, "pts/123");
	assert_memory_equal(id, "/123", 4);
	utmp_line_names("tty1", line, sizeof(line), id);
	assert_string_equal(line, "tty1");
	assert_memory_equal(id, "tty1", 4);
	utmp_line_names("/dev/x", line, sizeof(line), id);
	assert_memory_equal(id, "x\0\0\0", 4);
}

static void test_lastlog_message_as_sshd(void **state)
{
	(void)state;
	char buf[300];
	struct lastlog_entry e;
	memset(&e, 0, sizeof(e));
	lastlog_message(&e, buf, sizeof(buf));
	assert_string_equal(buf, ""); /* never logged in: nothing */
	setenv("TZ", "UTC", 1);
	tzset();
	e.when = 1764079201; /* 2025-11-25 14:00:01 UTC */
	snprintf(e.host, sizeof(e.host), "10.0.0.2");
	lastlog_message(&e, buf, sizeof(buf));
	assert_string_equal(buf, "Last login: Tue Nov 25 14:00:01 2025 from 10.0.0.2\r\n");
	e.host[0] = 0;
	e.when = 1762351201; /* 2025-11-05: the day padded with a blank, as ctime */
	lastlog_message(&e, buf, sizeof(buf));
	assert_string_equal(buf, "Last login: Wed Nov  5 14:00:01 2025\r\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_session_config_defaults_are_sshds),
		cmocka_unit_test(test_session_config_other_keywords_not_mine),
		cmocka_unit_test(test_session_config_first_value_wins),
		cmocka_unit_test(test_session_config_bad_values_are_fatal),
		cmocka_unit_test(test_session_config_accept_env_accumulates_patterns),
		cmocka_unit_test(test_session_config_subsystem_command_and_duplicates),
		cmocka_unit_test(test_session_config_match_block_lines_checked_not_applied),
		cmocka_unit_test(test_session_config_x11_yes_accepted),
		cmocka_unit_test(test_login_env_standard_variables),
		cmocka_unit_test(test_login_env_pty_forced_command_agent),
		cmocka_unit_test(test_login_env_client_cannot_override_login),
		cmocka_unit_test(test_login_env_set_replaces_by_whole_name),
		cmocka_unit_test(test_utmp_line_names_as_sshd),
		cmocka_unit_test(test_lastlog_message_as_sshd),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

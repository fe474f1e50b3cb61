/* ssh_config Match lines (src/cmd/common/config_match.c) as OpenSSH 9.2's match_cfg_line(). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cfgfile.h"
#include "config_match.h"
#include "log.h"

/* Match exec without a shell: records the command, answers with a preset status. */
struct fake_exec {
	int status;
	int calls;
	char last[256];
};

static int fake_run(const char *command, void *arg)
{
	struct fake_exec *f = arg;
	f->calls++;
	strncpy(f->last, command, sizeof(f->last) - 1);
	return f->status;
}

static const struct config_token exec_tokens[] = { { 'h', "real.example.net" }, { 'n', "alias" },
						   { 'r', "carol" } };

static struct config_match_env env_for(struct fake_exec *f, bool final_pass)
{
	struct config_match_env env = {
		.host = "real.example.net",
		.original_host = "Alias",
		.remote_user = "carol",
		.local_user = "bob",
		.final_pass = final_pass,
		.exec_tokens = exec_tokens,
		.exec_ntokens = 3,
		.run = fake_run,
		.run_arg = f,
	};
	return env;
}

/* Evaluates "Match <criteria>". */
static int eval(const char *criteria, struct fake_exec *f, bool final_pass, bool *want_final)
{
	char **words = NULL;
	int n = cfg_split_line(criteria, &words);
	assert_true(n >= 0);
	struct config_match_env env = env_for(f, final_pass);
	int r = config_match_eval(words, n, &env, "test.conf", 7, want_final);
	cfg_free_words(words);
	return r;
}

static int setup(void **state)
{
	log_init("test", LOG_LVL_QUIET, false);
	return 0;
}

static void test_match_all_and_negated_all(void **state)
{
	struct fake_exec f = { 0 };
	assert_int_equal(eval("all", &f, false, NULL), 1);
	assert_int_equal(eval("!all", &f, false, NULL), 0);
	assert_int_equal(eval("ALL", &f, false, NULL), 1);
}

static void test_match_all_cannot_be_combined(void **state)
{
	struct fake_exec f = { 0 };
	assert_int_equal(eval("all host x", &f, false, NULL), -1);
	assert_int_equal(eval("host x user y all", &f, false, NULL), -1);
}

static void test_match_host_is_case_insensitive_pattern_list(void **state)
{
	struct fake_exec f = { 0 };
	assert_int_equal(eval("host *.EXAMPLE.net", &f, false, NULL), 1);
	assert_int_equal(eval("host other,real.*", &f, false, NULL), 1);
	assert_int_equal(eval("host *.example.net,!real.*", &f, false, NULL), 0);
	assert_int_equal(eval("host alias", &f, false, NULL), 0);
}

static void test_match_originalhost_is_the_typed_name(void **state)
{
	struct fake_exec f = { 0 };
	assert_int_equal(eval("originalhost alias", &f, false, NULL), 1);
	assert_int_equal(eval("originalhost real.example.net", &f, false, NULL), 0);
}

static void test_match_user_and_localuser_are_case_sensitive(void **state)
{
	struct fake_exec f = { 0 };
	assert_int_equal(eval("user carol", &f, false, NULL), 1);
	assert_int_equal(eval("user CAROL", &f, false, NULL), 0);
	assert_int_equal(eval("localuser bob", &f, false, NULL), 1);
	assert_int_equal(eval("localuser carol", &f, false, NULL), 0);
}

static void test_match_negated_criterion(void **state)
{
	struct fake_exec f = { 0 };
	assert_int_equal(eval("!user carol", &f, false, NULL), 0);
	assert_int_equal(eval("!user dave", &f, false, NULL), 1);
	assert_int_equal(eval("!host *.example.org", &f, false, NULL), 1);
}

static void test_match_criteria_are_anded(void **state)
{
	struct fake_exec f = { 0 };
	assert_int_equal(eval("host real.* user carol localuser bob", &f, false, NULL), 1);
	assert_int_equal(eval("host real.* user dave localuser bob", &f, false, NULL), 0);
}

static void test_match_exec_runs_expanded_command_and_uses_status(void **state)
{
	struct fake_exec f = { 0 };
	assert_int_equal(eval("exec \"test %h = x %% %n\"", &f, false, NULL), 1);
	assert_int_equal(f.calls, 1);
	assert_string_equal(f.last, "test real.example.net = x % alias");
	f.status = 1;
	assert_int_equal(eval("exec false", &f, false, NULL), 0);
	assert_int_equal(eval("!exec false", &f, false, NULL), 1);
}

static void test_match_exec_skipped_after_failed_criterion(void **state)
{
	struct fake_exec f = { 0 };
	assert_int_equal(eval("user dave exec true", &f, false, NULL), 0);
	assert_int_equal(f.calls, 0);
}

static void test_match_exec_that_cannot_run_is_fatal(void **state)
{
	struct fake_exec f = { .status = -1 };
	assert_int_equal(eval("exec true", &f, false, NULL), -2);
	f.status = 0;
	assert_int_equal(eval("exec %Z", &f, false, NULL), -2);
	assert_int_equal(f.calls, 1); /* the command with a bad token never ran */
}

static void test_match_final_and_canonical_hold_only_on_final_pass(void **state)
{
	struct fake_exec f = { 0 };
	bool want_final = false;
	assert_int_equal(eval("canonical", &f, false, &want_final), 0);
	assert_false(want_final);
	assert_int_equal(eval("final host real.*", &f, false, &want_final), 0);
	assert_true(want_final);
	assert_int_equal(eval("final host real.*", &f, true, NULL), 1);
	assert_int_equal(eval("!final", &f, false, NULL), 1);
	assert_int_equal(eval("!canonical", &f, true, NULL), 0);
}

static void test_match_bad_lines(void **state)
{
	struct fake_exec f = { 0 };
	assert_int_equal(eval("host", &f, false, NULL), -1);          /* missing criteria */
	assert_int_equal(eval("exec", &f, false, NULL), -1);
	assert_int_equal(eval("foo bar", &f, false, NULL), -1);       /* unsupported attribute */
	assert_int_equal(eval("localnetwork 10.0.0.0/8", &f, false, NULL), -1); /* not in 9.2 */
	assert_int_equal(eval("", &f, false, NULL), -1);              /* no attributes */
}

static void test_pattern_match_is_case_sensitive_glob(void **state)
{
	assert_true(config_pattern_match("web1.example.com", "web*.example.com"));
	assert_true(config_pattern_match("web1", "web?"));
	assert_false(config_pattern_match("Web1", "web?"));
	assert_false(config_pattern_match("web12", "web?"));
	assert_true(config_pattern_match("", "*"));
	assert_false(config_pattern_match("a,b", "a"));
}

static void test_run_shell_returns_exit_status(void **state)
{
	unsetenv("SHELL");
	assert_int_equal(config_match_run_shell("exit 0", NULL), 0);
	assert_int_equal(config_match_run_shell("exit 3", NULL), 3);
	assert_int_equal(config_match_run_shell("kill -9 $$", NULL), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_match_all_and_negated_all),
		cmocka_unit_test(test_match_all_cannot_be_combined),
		cmocka_unit_test(test_match_host_is_case_insensitive_pattern_list),
		cmocka_unit_test(test_match_originalhost_is_the_typed_name),
		cmocka_unit_test(test_match_user_and_localuser_are_case_sensitive),
		cmocka_unit_test(test_match_negated_criterion),
		cmocka_unit_test(test_match_criteria_are_anded),
		cmocka_unit_test(test_match_exec_runs_expanded_command_and_uses_status),
		cmocka_unit_test(test_match_exec_skipped_after_failed_criterion),
		cmocka_unit_test(test_match_exec_that_cannot_run_is_fatal),
		cmocka_unit_test(test_match_final_and_canonical_hold_only_on_final_pass),
		cmocka_unit_test(test_match_bad_lines),
		cmocka_unit_test(test_pattern_match_is_case_sensitive_glob),
		cmocka_unit_test(test_run_shell_returns_exit_status),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}

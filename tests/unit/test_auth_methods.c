/* burrowd's AuthenticationMethods bookkeeping (sshd_config(5)); the program's .c is compiled in. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../src/cmd/burrowd/auth_methods.c"

static void expect_offer(const struct auth_methods *m, const char *want)
{
	char *offer = auth_methods_offer_new(m);
	assert_non_null(offer);
	assert_string_equal(offer, want);
	free(offer);
}

static void test_without_lists_any_enabled_method_completes(void **state)
{
	struct auth_methods m;
	assert_int_equal(auth_methods_init(&m, NULL, 0, true, true, false), 0);
	expect_offer(&m, "publickey,password");
	assert_true(auth_methods_allowed(&m, "password"));
	assert_false(auth_methods_allowed(&m, "keyboard-interactive"));
	assert_true(auth_methods_success(&m, "password"));
	auth_methods_free(&m);
}

static void test_a_list_is_done_in_order_with_partial_success(void **state)
{
	char *lists[] = { "publickey,password" };
	struct auth_methods m;
	assert_int_equal(auth_methods_init(&m, lists, 1, true, true, true), 0);
	expect_offer(&m, "publickey");
	assert_false(auth_methods_allowed(&m, "password"));
	assert_false(auth_methods_success(&m, "publickey")); /* partial */
	expect_offer(&m, "password");
	assert_false(auth_methods_allowed(&m, "publickey"));
	assert_true(auth_methods_success(&m, "password"));
	auth_methods_free(&m);
}

static void test_alternative_lists_offer_every_next_method(void **state)
{
	char *lists[] = { "publickey,password", "publickey,keyboard-interactive:pam", "password,publickey" };
	struct auth_methods m;
	assert_int_equal(auth_methods_init(&m, lists, 3, true, true, true), 0);
	expect_offer(&m, "publickey,password");
	assert_false(auth_methods_success(&m, "publickey"));
	/* both lists that started with publickey moved on; the third still waits for password */
	expect_offer(&m, "password,keyboard-interactive");
	assert_true(auth_methods_success(&m, "keyboard-interactive"));
	auth_methods_free(&m);
}

static void test_the_same_method_twice_in_a_list(void **state)
{
	char *lists[] = { "publickey,publickey" };
	struct auth_methods m;
	assert_int_equal(auth_methods_init(&m, lists, 1, true, false, false), 0);
	assert_false(auth_methods_success(&m, "publickey"));
	expect_offer(&m, "publickey");
	assert_true(auth_methods_success(&m, "publickey"));
	auth_methods_free(&m);
}

static void test_lists_with_disabled_methods_cannot_be_satisfied(void **state)
{
	char *lists[] = { "publickey,password" };
	struct auth_methods m;
	assert_int_equal(auth_methods_init(&m, lists, 1, true, false, true), 0);
	assert_false(auth_methods_satisfiable(&m));
	expect_offer(&m, "");
	auth_methods_free(&m);
	assert_int_equal(auth_methods_init(&m, NULL, 0, false, false, false), 0);
	assert_false(auth_methods_satisfiable(&m));
	auth_methods_free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_without_lists_any_enabled_method_completes),
		cmocka_unit_test(test_a_list_is_done_in_order_with_partial_success),
		cmocka_unit_test(test_alternative_lists_offer_every_next_method),
		cmocka_unit_test(test_the_same_method_twice_in_a_list),
		cmocka_unit_test(test_lists_with_disabled_methods_cannot_be_satisfied),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

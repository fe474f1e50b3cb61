/* burrow_strerror(): every code has its own text, and unknown codes still get a string. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "burrow/error.h"

static void test_strerror_gives_distinct_text_for_every_code(void **state)
{
	const char *unknown = burrow_strerror(-9999);
	assert_non_null(unknown);
	for (int a = BURROW_E_AGAIN; a <= BURROW_OK; a++) {
		const char *sa = burrow_strerror(a);
		assert_non_null(sa);
		assert_true(strlen(sa) > 0);
		assert_string_not_equal(sa, unknown);
		for (int b = a + 1; b <= BURROW_OK; b++)
			assert_string_not_equal(sa, burrow_strerror(b));
	}
}

static void test_strerror_of_unknown_code_is_not_null(void **state)
{
	assert_string_equal(burrow_strerror(1), burrow_strerror(-9999));
	assert_string_equal(burrow_strerror(BURROW_E_AGAIN - 1), burrow_strerror(-9999));
	assert_string_equal(burrow_strerror(BURROW_E_MAC), "message authentication failed");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strerror_gives_distinct_text_for_every_code),
		cmocka_unit_test(test_strerror_of_unknown_code_is_not_null),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* The programs' logging (src/cmd/common/log.c): SyslogFacility names, -E FILE output. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <cmocka.h>

#include "log.h"

static void test_facility_names_round_trip(void **state)
{
	static const char *const names[] = { "DAEMON", "USER", "AUTH", "AUTHPRIV", "LOCAL0", "LOCAL7" };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		int facility = -1;
		assert_int_equal(log_facility_from_name(names[i], &facility), 0);
		assert_string_equal(log_facility_name(facility), names[i]);
	}
	int facility = -1;
	assert_int_equal(log_facility_from_name("local5", &facility), 0);
	assert_int_equal(facility, LOG_LOCAL5);
}

static void test_unknown_facilities_are_refused(void **state)
{
	int facility = 12345;
	assert_int_equal(log_facility_from_name("KERN", &facility), -1);
	assert_int_equal(log_facility_from_name("", &facility), -1);
	assert_int_equal(log_facility_from_name("LOCAL8", &facility), -1);
	assert_int_equal(facility, 12345);
	assert_string_equal(log_facility_name(-7), "UNKNOWN");
}

static char *read_all(const char *path)
{
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	static char buf[4096];
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = 0;
	fclose(f);
	return buf;
}

static void test_log_file_gets_filtered_sanitised_lines(void **state)
{
	char path[] = "/tmp/burrow-test-log.XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	log_init("test", LOG_LVL_VERBOSE, false);
	assert_int_equal(log_open_file(path), 0);
	log_info("first %d", 1);
	log_debug("not at VERBOSE");
	log_verbose("peer said \"%s\"", "a\nfake line\x1b[2J");
	log_set_level(LOG_LVL_DEBUG2);
	log_msg(LOG_LVL_DEBUG2, "deep");
	assert_string_equal(read_all(path), "first 1\n"
					    "peer said \"a?fake line?[2J\"\n"
					    "debug2: deep\n");
	unlink(path);
}

static void test_log_file_that_cannot_be_opened(void **state)
{
	assert_int_equal(log_open_file("/nonexistent-dir/x/y.log"), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_facility_names_round_trip),
		cmocka_unit_test(test_unknown_facilities_are_refused),
		cmocka_unit_test(test_log_file_gets_filtered_sanitised_lines),
		cmocka_unit_test(test_log_file_that_cannot_be_opened),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

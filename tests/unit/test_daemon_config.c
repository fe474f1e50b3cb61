/*
 * burrowd's daemon keywords (MaxStartups, PerSourcePenalties, PerSourceNetBlockSize,
 * PerSourcePenaltyExemptList, SyslogFacility) as sshd_config(5) of OpenSSH 10 defines them,
 * the penalty table (OpenSSH's srclimits.c behaviour) and MaxStartups' random early drop.
 * The program's .c files are compiled in.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cfgfile.h"

#include "../../src/cmd/burrowd/daemon_config.c"
#include "../../src/cmd/burrowd/maxstartups.c"
#include "../../src/cmd/burrowd/penalties.c"
#include "../../src/cmd/burrowd/util.c"

/* servconf_line's words for one "-o" style line; returns daemon_config_line's answer. */
static int line(struct server_options *o, const char *text)
{
	char **words = NULL;
	int n = cfg_split_line(text, &words);
	assert_true(n > 0);
	int r = daemon_config_line(o, "test", 1, words, n);
	cfg_free_words(words);
	return r;
}

static void fresh(struct server_options *o)
{
	memset(o, 0, sizeof(*o));
}

static void test_other_keywords_are_not_ours(void **state)
{
	struct server_options o;
	fresh(&o);
	assert_int_equal(line(&o, "Port 22"), DAEMON_CONFIG_NOT_MINE);
	assert_int_equal(line(&o, "LogLevel DEBUG"), DAEMON_CONFIG_NOT_MINE);
}

static void test_maxstartups_three_values_and_first_wins(void **state)
{
	struct server_options o;
	fresh(&o);
	assert_int_equal(line(&o, "maxstartups 3:50:9"), 0);
	assert_int_equal(line(&o, "MaxStartups 7"), 0);
	assert_int_equal(o.daemon.max_startups_begin, 3);
	assert_int_equal(o.daemon.max_startups_rate, 50);
	assert_int_equal(o.daemon.max_startups_full, 9);
}

static void test_maxstartups_single_value_is_a_hard_limit(void **state)
{
	struct server_options o;
	fresh(&o);
	assert_int_equal(line(&o, "MaxStartups 5"), 0);
	assert_int_equal(o.daemon.max_startups_begin, 5);
	assert_int_equal(o.daemon.max_startups_full, 5);
	assert_false(maxstartups_should_drop(&o.daemon, 4, 0));
	assert_true(maxstartups_should_drop(&o.daemon, 5, 99));
}

static void test_maxstartups_rejects_bad_specs(void **state)
{
	static const char *const bad[] = { "MaxStartups 10:30", "MaxStartups 10:0:60", "MaxStartups 10:101:60",
					   "MaxStartups 10:30:5", "MaxStartups 0", "MaxStartups ten",
					   "MaxStartups 10:30:60x", "MaxStartups 10 20" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct server_options o;
		fresh(&o);
		assert_int_equal(line(&o, bad[i]), SERVCONF_FATAL);
	}
}

static void test_defaults_are_openssh_10s(void **state)
{
	struct server_options o;
	fresh(&o);
	daemon_config_fill_defaults(&o.daemon);
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	daemon_config_dump(&o.daemon, f);
	fclose(f);
	assert_string_equal(text,
			    "maxstartups 10:30:100\n"
			    "persourcepenalties crash:90 authfail:5 noauth:1 grace-exceeded:10 refuseconnection:10 "
			    "max:600 min:15 max-sources4:65536 max-sources6:65536 overflow:permissive "
			    "overflow6:permissive\n"
			    "persourcemaxstartups none\n"
			    "persourcenetblocksize 32:128\n"
			    "persourcepenaltyexemptlist none\n"
			    "syslogfacility AUTH\n");
	free(text);
}

static void test_penalty_values_add_up_over_lines_first_wins(void **state)
{
	struct server_options o;
	fresh(&o);
	assert_int_equal(line(&o, "PerSourcePenalties crash:2m authfail:3"), 0);
	assert_int_equal(line(&o, "PerSourcePenalties authfail:30 min:4s overflow:deny-all"), 0);
	daemon_config_fill_defaults(&o.daemon);
	assert_int_equal(o.daemon.penalties_enabled, 2);
	assert_int_equal(o.daemon.penalty[PEN_CRASH], 120);
	assert_int_equal(o.daemon.penalty[PEN_AUTHFAIL], 3);
	assert_int_equal(o.daemon.penalty[PEN_MIN], 4);
	assert_int_equal(o.daemon.penalty[PEN_NOAUTH], 1);
	assert_int_equal(o.daemon.penalty[PEN_OVERFLOW], 1);
	assert_int_equal(o.daemon.penalty[PEN_OVERFLOW6], 1); /* follows overflow */
}

static void test_penalties_no_disables_and_stays_off(void **state)
{
	struct server_options o;
	fresh(&o);
	assert_int_equal(line(&o, "PerSourcePenalties no"), 0);
	assert_int_equal(line(&o, "PerSourcePenalties crash:5"), 0);
	daemon_config_fill_defaults(&o.daemon);
	assert_int_equal(o.daemon.penalties_enabled, 1);
}

static void test_penalties_reject_bad_words(void **state)
{
	static const char *const bad[] = { "PerSourcePenalties no crash:5", "PerSourcePenalties bogus:5",
					   "PerSourcePenalties crash:forever", "PerSourcePenalties max-sources4:0",
					   "PerSourcePenalties overflow:maybe", "PerSourcePenalties crash" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct server_options o;
		fresh(&o);
		assert_int_equal(line(&o, bad[i]), SERVCONF_FATAL);
	}
}

static void test_netblock_size_and_exempt_list_and_facility(void **state)
{
	struct server_options o;
	fresh(&o);
	assert_int_equal(line(&o, "PerSourceNetBlockSize 24:64"), 0);
	assert_int_equal(line(&o, "PerSourcePenaltyExemptList 10.0.0.0/8,192.168.1.*"), 0);
	assert_int_equal(line(&o, "SyslogFacility local3"), 0);
	assert_int_equal(o.daemon.netblock4, 24);
	assert_int_equal(o.daemon.netblock6, 64);
	assert_string_equal(o.daemon.exempt_list, "10.0.0.0/8,192.168.1.*");
	assert_int_equal(o.daemon.syslog_facility, LOG_LOCAL3);
	fresh(&o);
	assert_int_equal(line(&o, "PerSourceNetBlockSize 33"), SERVCONF_FATAL);
	assert_int_equal(line(&o, "PerSourceNetBlockSize 24:129"), SERVCONF_FATAL);
	assert_int_equal(line(&o, "PerSourcePenaltyExemptList 192.0.2.1/8"), SERVCONF_FATAL);
	assert_int_equal(line(&o, "SyslogFacility KERN"), SERVCONF_FATAL);
	assert_int_equal(line(&o, "SyslogFacility"), SERVCONF_FATAL);
}

static void test_per_source_max_startups(void **state)
{
	struct server_options o;
	fresh(&o);
	assert_int_equal(line(&o, "PerSourceMaxStartups 4"), 0);
	assert_int_equal(line(&o, "PerSourceMaxStartups none"), 0);
	assert_int_equal(o.daemon.per_source_max_startups, 4);
	fresh(&o);
	assert_int_equal(line(&o, "PerSourceMaxStartups none"), 0);
	assert_int_equal(o.daemon.per_source_max_startups, 0);
	assert_int_equal(line(&o, "PerSourceMaxStartups 0"), SERVCONF_FATAL);
	assert_int_equal(line(&o, "PerSourceMaxStartups -3"), SERVCONF_FATAL);
	assert_int_equal(line(&o, "PerSourceMaxStartups many"), SERVCONF_FATAL);
}

/* ---- the penalty table ---- */

static struct sockaddr_storage v4(const char *text)
{
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof(ss));
	struct sockaddr_in *in = (struct sockaddr_in *)&ss;
	in->sin_family = AF_INET;
	assert_int_equal(inet_pton(AF_INET, text, &in->sin_addr), 1);
	return ss;
}

static struct sockaddr_storage v6(const char *text)
{
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof(ss));
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
	in6->sin6_family = AF_INET6;
	assert_int_equal(inet_pton(AF_INET6, text, &in6->sin6_addr), 1);
	return ss;
}

#define SA(ss) ((const struct sockaddr *)&(ss))

static struct penalties *table(const char *const *lines, size_t n)
{
	struct server_options o;
	fresh(&o);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(line(&o, lines[i]), 0);
	daemon_config_fill_defaults(&o.daemon);
	struct penalties *p = penalties_new(&o.daemon);
	assert_non_null(p);
	return p;
}

static void test_status_to_penalty_kind_as_sshd_child_reap(void **state)
{
	assert_int_equal(penalties_kind_for_status(CONN_EXIT_OK << 8), -1);
	assert_int_equal(penalties_kind_for_status(CONN_EXIT_LOGIN_GRACE << 8), PEN_GRACE);
	assert_int_equal(penalties_kind_for_status(CONN_EXIT_CHILD_CRASH << 8), PEN_CRASH);
	assert_int_equal(penalties_kind_for_status(CONN_EXIT_AUTH_ATTEMPTED << 8), PEN_AUTHFAIL);
	assert_int_equal(penalties_kind_for_status(CONN_EXIT_CONFIG_REFUSED << 8), PEN_REFUSE);
	assert_int_equal(penalties_kind_for_status(CONN_EXIT_ERROR << 8), PEN_NOAUTH);
	assert_int_equal(penalties_kind_for_status(SIGSEGV), PEN_CRASH);
}

static void test_penalty_below_min_is_deferred_then_accumulates(void **state)
{
	struct penalties *p = table(NULL, 0);
	struct sockaddr_storage a = v4("198.51.100.7");
	const char *why = NULL;
	uint64_t t = 1000000;
	penalties_record(p, SA(a), PEN_AUTHFAIL, t); /* 5 s, not above min 15 s */
	assert_false(penalties_refuse(p, SA(a), t, &why));
	penalties_record(p, SA(a), PEN_AUTHFAIL, t);
	penalties_record(p, SA(a), PEN_AUTHFAIL, t);
	assert_false(penalties_refuse(p, SA(a), t, &why)); /* exactly 15 s: not above */
	penalties_record(p, SA(a), PEN_AUTHFAIL, t);
	assert_true(penalties_refuse(p, SA(a), t + 1000, &why));
	assert_string_equal(why, "penalty: failed authentication");
	assert_true(penalties_refuse(p, SA(a), t + 19999, &why));
	assert_false(penalties_refuse(p, SA(a), t + 20000, &why)); /* expired */
	penalties_free(p);
}

static void test_penalty_is_capped_at_max(void **state)
{
	static const char *const cfg[] = { "PerSourcePenalties crash:100 max:150" };
	struct penalties *p = table(cfg, 1);
	struct sockaddr_storage a = v4("198.51.100.7");
	const char *why;
	penalties_record(p, SA(a), PEN_CRASH, 0);
	penalties_record(p, SA(a), PEN_CRASH, 0);
	assert_true(penalties_refuse(p, SA(a), 149999, &why));
	assert_false(penalties_refuse(p, SA(a), 150000, &why));
	penalties_free(p);
}

static void test_penalty_covers_the_net_block(void **state)
{
	static const char *const cfg[] = { "PerSourceNetBlockSize 24:64" };
	struct penalties *p = table(cfg, 1);
	struct sockaddr_storage a = v4("198.51.100.7"), same = v4("198.51.100.200"), other = v4("198.51.101.7");
	struct sockaddr_storage b = v6("2001:db8:1:2::1"), b_same = v6("2001:db8:1:2:ffff::9"),
				b_other = v6("2001:db8:1:3::1");
	const char *why;
	penalties_record(p, SA(a), PEN_CRASH, 0);
	penalties_record(p, SA(b), PEN_CRASH, 0);
	assert_true(penalties_refuse(p, SA(same), 1, &why));
	assert_string_equal(why, "penalty: caused crash");
	assert_false(penalties_refuse(p, SA(other), 1, &why));
	assert_true(penalties_refuse(p, SA(b_same), 1, &why));
	assert_false(penalties_refuse(p, SA(b_other), 1, &why));
	penalties_free(p);
}

static void test_exempt_and_disabled_sources_are_never_refused(void **state)
{
	static const char *const exempt_cfg[] = { "PerSourcePenaltyExemptList 127.0.0.0/8" };
	static const char *const off_cfg[] = { "PerSourcePenalties no" };
	struct sockaddr_storage lo = v4("127.0.0.1"), a = v4("198.51.100.7");
	const char *why;
	struct penalties *p = table(exempt_cfg, 1);
	penalties_record(p, SA(lo), PEN_CRASH, 0);
	penalties_record(p, SA(a), PEN_CRASH, 0);
	assert_false(penalties_refuse(p, SA(lo), 1, &why));
	assert_true(penalties_refuse(p, SA(a), 1, &why));
	penalties_free(p);
	p = table(off_cfg, 1);
	penalties_record(p, SA(a), PEN_CRASH, 0);
	assert_false(penalties_refuse(p, SA(a), 1, &why));
	penalties_free(p);
}

static void test_overflow_permissive_forgets_the_oldest(void **state)
{
	static const char *const cfg[] = { "PerSourcePenalties max-sources4:2 crash:100" };
	struct penalties *p = table(cfg, 1);
	struct sockaddr_storage a = v4("192.0.2.1"), b = v4("192.0.2.2"), c = v4("192.0.2.3");
	const char *why;
	penalties_record(p, SA(a), PEN_CRASH, 0);
	penalties_record(p, SA(b), PEN_CRASH, 10);
	penalties_record(p, SA(c), PEN_CRASH, 20);
	assert_false(penalties_refuse(p, SA(a), 30, &why)); /* the one closest to expiry went */
	assert_true(penalties_refuse(p, SA(b), 30, &why));
	assert_true(penalties_refuse(p, SA(c), 30, &why));
	penalties_free(p);
}

static void test_overflow_deny_all_refuses_everyone_until_expiry(void **state)
{
	static const char *const cfg[] = { "PerSourcePenalties max-sources4:1 crash:100 overflow:deny-all" };
	struct penalties *p = table(cfg, 1);
	struct sockaddr_storage a = v4("192.0.2.1"), b = v4("192.0.2.2"), c = v4("192.0.2.3"),
				six = v6("2001:db8::1");
	const char *why;
	penalties_record(p, SA(a), PEN_CRASH, 0);
	penalties_record(p, SA(b), PEN_CRASH, 0);
	assert_true(penalties_refuse(p, SA(c), 1, &why));
	assert_false(penalties_refuse(p, SA(six), 1, &why)); /* the families are apart */
	assert_false(penalties_refuse(p, SA(c), 100000, &why));
	penalties_free(p);
}

static void test_same_block_follows_net_block_size(void **state)
{
	struct server_options o;
	fresh(&o);
	assert_int_equal(line(&o, "PerSourceNetBlockSize 16:48"), 0);
	daemon_config_fill_defaults(&o.daemon);
	struct sockaddr_storage a = v4("10.1.2.3"), b = v4("10.1.200.9"), c = v4("10.2.2.3");
	struct sockaddr_storage x = v6("2001:db8:1::1"), y = v6("2001:db8:1:ffff::1"), z = v6("2001:db8:2::1");
	struct sockaddr_storage mapped = v6("::ffff:10.1.9.9");
	assert_true(srclimit_same_block(&o.daemon, SA(a), SA(b)));
	assert_false(srclimit_same_block(&o.daemon, SA(a), SA(c)));
	assert_true(srclimit_same_block(&o.daemon, SA(x), SA(y)));
	assert_false(srclimit_same_block(&o.daemon, SA(x), SA(z)));
	assert_true(srclimit_same_block(&o.daemon, SA(a), SA(mapped))); /* v4-mapped is v4 */
	assert_false(srclimit_same_block(&o.daemon, SA(a), SA(x)));
}

static void test_maxstartups_random_early_drop(void **state)
{
	struct daemon_options d;
	memset(&d, 0, sizeof(d));
	daemon_config_fill_defaults(&d); /* 10:30:100 */
	assert_false(maxstartups_should_drop(&d, 9, 0));
	assert_true(maxstartups_should_drop(&d, 10, 29));
	assert_false(maxstartups_should_drop(&d, 10, 30));
	/* halfway, 55: 30 + 70 * 45 / 90 = 65% */
	assert_true(maxstartups_should_drop(&d, 55, 64));
	assert_false(maxstartups_should_drop(&d, 55, 65));
	assert_true(maxstartups_should_drop(&d, 100, 99));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_other_keywords_are_not_ours),
		cmocka_unit_test(test_maxstartups_three_values_and_first_wins),
		cmocka_unit_test(test_maxstartups_single_value_is_a_hard_limit),
		cmocka_unit_test(test_maxstartups_rejects_bad_specs),
		cmocka_unit_test(test_defaults_are_openssh_10s),
		cmocka_unit_test(test_penalty_values_add_up_over_lines_first_wins),
		cmocka_unit_test(test_penalties_no_disables_and_stays_off),
		cmocka_unit_test(test_penalties_reject_bad_words),
		cmocka_unit_test(test_netblock_size_and_exempt_list_and_facility),
		cmocka_unit_test(test_status_to_penalty_kind_as_sshd_child_reap),
		cmocka_unit_test(test_penalty_below_min_is_deferred_then_accumulates),
		cmocka_unit_test(test_penalty_is_capped_at_max),
		cmocka_unit_test(test_penalty_covers_the_net_block),
		cmocka_unit_test(test_exempt_and_disabled_sources_are_never_refused),
		cmocka_unit_test(test_overflow_permissive_forgets_the_oldest),
		cmocka_unit_test(test_overflow_deny_all_refuses_everyone_until_expiry),
		cmocka_unit_test(test_per_source_max_startups),
		cmocka_unit_test(test_same_block_follows_net_block_size),
		cmocka_unit_test(test_maxstartups_random_early_drop),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

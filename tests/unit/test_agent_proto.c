/* The agent protocol (draft-miller-ssh-agent, OpenSSH PROTOCOL.agent): both roles of
 * burrow/agent.h against each other, and hostile input against the agent. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "burrow/agent.h"

struct fixture {
	struct burrow_agent *agent;
	struct burrow_agent_conn *conn;
	struct burrow_key *ed, *rsa;
};

static struct burrow_key *rsa_key; /* made once: RSA generation is slow */

static int group_setup(void **state)
{
	return burrow_key_generate(BURROW_KEY_RSA, 2048, &rsa_key);
}

static int group_teardown(void **state)
{
	burrow_key_free(rsa_key);
	return 0;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	assert_int_equal(burrow_agent_new(&f->agent), 0);
	assert_int_equal(burrow_agent_conn_new(f->agent, &f->conn), 0);
	assert_int_equal(burrow_key_generate(BURROW_KEY_ED25519, 0, &f->ed), 0);
	f->rsa = rsa_key;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	burrow_agent_conn_free(f->conn);
	burrow_agent_free(f->agent);
	burrow_key_free(f->ed);
	free(f);
	return 0;
}

/* Sends a framed request (freed here) and returns the reply body (malloc'd) in *reply. */
static size_t roundtrip(struct fixture *f, uint8_t *req, size_t req_len, uint64_t now, uint8_t **reply)
{
	size_t total = 0;
	assert_int_equal(burrow_agent_frame(req, req_len, &total), 1);
	assert_int_equal(total, req_len);
	uint8_t *framed = NULL;
	size_t framed_len = 0;
	assert_int_equal(burrow_agent_handle(f->conn, req + 4, req_len - 4, now, &framed, &framed_len), 0);
	free(req);
	assert_int_equal(burrow_agent_frame(framed, framed_len, &total), 1);
	assert_int_equal(total, framed_len);
	*reply = malloc(framed_len - 4);
	assert_non_null(*reply);
	memcpy(*reply, framed + 4, framed_len - 4);
	free(framed);
	return framed_len - 4;
}

/* A request answered by SUCCESS (0) or FAILURE (BURROW_E_NOTFOUND). */
static int simple(struct fixture *f, uint8_t *req, size_t req_len, uint64_t now)
{
	uint8_t *reply;
	size_t n = roundtrip(f, req, req_len, now, &reply);
	int r = burrow_agent_parse_status(reply, n);
	free(reply);
	return r;
}

/* A raw request body (no length field) to the agent: the reply's single status byte. */
static uint8_t raw_status(struct fixture *f, const uint8_t *body, size_t len)
{
	uint8_t *framed;
	size_t framed_len;
	assert_int_equal(burrow_agent_handle(f->conn, body, len, 0, &framed, &framed_len), 0);
	assert_int_equal(framed_len, 5);
	uint8_t status = framed[4];
	free(framed);
	return status;
}

static int add_key(struct fixture *f, const struct burrow_key *key, const char *comment, uint32_t life,
		   bool confirm, uint64_t now)
{
	uint8_t *req;
	size_t len;
	assert_int_equal(burrow_agent_request_add(key, comment, life, confirm, &req, &len), 0);
	return simple(f, req, len, now);
}

static size_t list(struct fixture *f, uint64_t now, struct burrow_agent_identity **ids)
{
	uint8_t *req, *reply;
	size_t len, count;
	assert_int_equal(burrow_agent_request_identities(&req, &len), 0);
	size_t n = roundtrip(f, req, len, now, &reply);
	assert_int_equal(burrow_agent_parse_identities(reply, n, ids, &count), 0);
	free(reply);
	return count;
}

static size_t count_keys(struct fixture *f, uint64_t now)
{
	struct burrow_agent_identity *ids;
	size_t n = list(f, now, &ids);
	burrow_agent_identities_free(ids, n);
	return n;
}

/* 0 and the signature blob, or the parse error of the reply. */
static int sign(struct fixture *f, const struct burrow_key *key, const uint8_t *data, size_t len,
		uint32_t flags, uint8_t **sig, size_t *sig_len)
{
	uint8_t *req, *reply;
	size_t req_len;
	assert_int_equal(burrow_agent_request_sign(key, data, len, flags, &req, &req_len), 0);
	size_t n = roundtrip(f, req, req_len, 0, &reply);
	int r = burrow_agent_parse_sign_response(reply, n, sig, sig_len);
	free(reply);
	return r;
}

/* The algorithm name at the start of a signature blob. */
static bool sig_alg_is(const uint8_t *sig, size_t len, const char *alg)
{
	struct rd r;
	rd_init(&r, sig, len);
	struct bstr name = rd_string(&r);
	return rd_ok(&r) && bstr_eq(name, alg);
}

/* ---- framing ---- */

static void test_frame_needs_the_whole_message(void **state)
{
	const uint8_t msg[] = { 0, 0, 0, 2, 11, 0 };
	size_t total = 0;
	assert_int_equal(burrow_agent_frame(msg, 3, &total), 0);
	assert_int_equal(burrow_agent_frame(msg, 5, &total), 0);
	assert_int_equal(burrow_agent_frame(msg, 6, &total), 1);
	assert_int_equal(total, 6);
}

static void test_frame_refuses_oversized_and_empty_messages(void **state)
{
	const uint8_t huge[] = { 0, 0x04, 0, 1 }; /* 256 KiB + 1 */
	const uint8_t empty[] = { 0, 0, 0, 0 };
	size_t total;
	assert_int_equal(burrow_agent_frame(huge, sizeof(huge), &total), BURROW_E_TOOBIG);
	assert_int_equal(burrow_agent_frame(empty, sizeof(empty), &total), BURROW_E_TOOBIG);
}

/* ---- keys in and out ---- */

static void test_agent_starts_empty(void **state)
{
	assert_int_equal(count_keys(*state, 0), 0);
}

static void test_added_keys_are_listed_with_their_comments(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(add_key(f, f->ed, "ed comment", 0, false, 0), 0);
	assert_int_equal(add_key(f, f->rsa, "rsa comment", 0, false, 0), 0);
	struct burrow_agent_identity *ids;
	assert_int_equal(list(f, 0, &ids), 2);
	assert_true(burrow_key_equal_public(ids[0].key, f->ed));
	assert_false(burrow_key_has_private(ids[0].key));
	assert_string_equal(ids[0].comment, "ed comment");
	assert_true(burrow_key_equal_public(ids[1].key, f->rsa));
	assert_string_equal(ids[1].comment, "rsa comment");
	burrow_agent_identities_free(ids, 2);
}

static void test_adding_a_key_again_replaces_its_comment(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(add_key(f, f->ed, "first", 0, false, 0), 0);
	assert_int_equal(add_key(f, f->ed, "second", 0, false, 0), 0);
	struct burrow_agent_identity *ids;
	assert_int_equal(list(f, 0, &ids), 1);
	assert_string_equal(ids[0].comment, "second");
	burrow_agent_identities_free(ids, 1);
}

static void test_a_public_key_cannot_be_added(void **state)
{
	struct fixture *f = *state;
	struct burrow_key *pub;
	assert_int_equal(burrow_key_dup_public(f->ed, &pub), 0);
	uint8_t *req;
	size_t len;
	assert_int_equal(burrow_agent_request_add(pub, "x", 0, false, &req, &len), BURROW_E_INVALID);
	burrow_key_free(pub);
}

static void test_remove_takes_one_key_and_fails_for_unknown_keys(void **state)
{
	struct fixture *f = *state;
	uint8_t *req;
	size_t len;
	assert_int_equal(add_key(f, f->ed, "ed", 0, false, 0), 0);
	assert_int_equal(add_key(f, f->rsa, "rsa", 0, false, 0), 0);
	assert_int_equal(burrow_agent_request_remove(f->ed, &req, &len), 0);
	assert_int_equal(simple(f, req, len, 0), 0);
	assert_int_equal(count_keys(f, 0), 1);
	assert_int_equal(burrow_agent_request_remove(f->ed, &req, &len), 0);
	assert_int_equal(simple(f, req, len, 0), BURROW_E_NOTFOUND);
}

static void test_remove_all_empties_the_agent(void **state)
{
	struct fixture *f = *state;
	uint8_t *req;
	size_t len;
	assert_int_equal(add_key(f, f->ed, "ed", 0, false, 0), 0);
	assert_int_equal(add_key(f, f->rsa, "rsa", 0, false, 0), 0);
	assert_int_equal(burrow_agent_request_remove_all(&req, &len), 0);
	assert_int_equal(simple(f, req, len, 0), 0);
	assert_int_equal(count_keys(f, 0), 0);
}

/* ---- signing ---- */

static void test_sign_makes_a_signature_that_verifies(void **state)
{
	struct fixture *f = *state;
	const uint8_t data[] = "data to sign";
	uint8_t *sig;
	size_t sig_len;
	assert_int_equal(add_key(f, f->ed, "ed", 0, false, 0), 0);
	assert_int_equal(sign(f, f->ed, data, sizeof(data), 0, &sig, &sig_len), 0);
	assert_int_equal(burrow_key_verify_alg(f->ed, "ssh-ed25519", sig, sig_len, data, sizeof(data)), 0);
	free(sig);
}

static void test_rsa_flags_choose_the_hash(void **state)
{
	struct fixture *f = *state;
	const uint8_t data[] = "rsa data";
	uint8_t *sig;
	size_t sig_len;
	assert_int_equal(add_key(f, f->rsa, "rsa", 0, false, 0), 0);
	static const struct { uint32_t flags; const char *alg; } cases[] = {
		{ SSH_AGENT_RSA_SHA2_512, "rsa-sha2-512" },
		{ SSH_AGENT_RSA_SHA2_256, "rsa-sha2-256" },
		{ 0, "ssh-rsa" },
	};
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(sign(f, f->rsa, data, sizeof(data), cases[i].flags, &sig, &sig_len), 0);
		assert_true(sig_alg_is(sig, sig_len, cases[i].alg));
		assert_int_equal(burrow_key_verify_alg(f->rsa, cases[i].alg, sig, sig_len, data, sizeof(data)), 0);
		free(sig);
	}
	assert_int_equal(burrow_agent_sign_flags("rsa-sha2-512"), SSH_AGENT_RSA_SHA2_512);
	assert_int_equal(burrow_agent_sign_flags("rsa-sha2-256"), SSH_AGENT_RSA_SHA2_256);
	assert_int_equal(burrow_agent_sign_flags("ssh-ed25519"), 0);
}

static void test_sign_with_a_key_the_agent_lacks_fails(void **state)
{
	struct fixture *f = *state;
	uint8_t *sig;
	size_t sig_len;
	assert_int_equal(sign(f, f->ed, (const uint8_t *)"x", 1, 0, &sig, &sig_len), BURROW_E_NOTFOUND);
	assert_null(sig);
}

/* ---- lock ---- */

static int lock_at(struct fixture *f, bool on, const char *pass, uint64_t now)
{
	uint8_t *req;
	size_t len;
	assert_int_equal(burrow_agent_request_lock(on, pass, &req, &len), 0);
	return simple(f, req, len, now);
}

static int lock(struct fixture *f, bool on, const char *pass)
{
	return lock_at(f, on, pass, 0);
}

static void test_locked_agent_lists_nothing_and_signs_nothing(void **state)
{
	struct fixture *f = *state;
	uint8_t *sig;
	size_t sig_len;
	assert_int_equal(add_key(f, f->ed, "ed", 0, false, 0), 0);
	assert_int_equal(lock(f, true, "secret"), 0);
	assert_true(burrow_agent_locked(f->agent));
	assert_int_equal(count_keys(f, 0), 0);
	assert_int_equal(sign(f, f->ed, (const uint8_t *)"x", 1, 0, &sig, &sig_len), BURROW_E_NOTFOUND);
	assert_int_equal(add_key(f, f->rsa, "rsa", 0, false, 0), BURROW_E_NOTFOUND);
	assert_int_equal(lock(f, true, "secret"), BURROW_E_NOTFOUND); /* already locked */
	uint8_t *req;
	size_t len;
	assert_int_equal(burrow_agent_request_remove_all(&req, &len), 0);
	assert_int_equal(simple(f, req, len, 0), BURROW_E_NOTFOUND);
	assert_int_equal(burrow_agent_key_count(f->agent), 1);
}

static void test_unlock_needs_the_same_passphrase(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(add_key(f, f->ed, "ed", 0, false, 0), 0);
	assert_int_equal(lock(f, true, "secret"), 0);
	assert_int_equal(lock_at(f, false, "Secret", 100), BURROW_E_NOTFOUND);
	assert_int_equal(lock_at(f, false, "secre", 200), BURROW_E_NOTFOUND);
	assert_true(burrow_agent_locked(f->agent));
	assert_int_equal(lock_at(f, false, "secret", 300), 0);
	assert_false(burrow_agent_locked(f->agent));
	assert_int_equal(count_keys(f, 300), 1);
	assert_int_equal(lock_at(f, false, "secret", 400), BURROW_E_NOTFOUND); /* not locked any more */
}

/* ssh-agent.c process_lock_agent: 0.1 s per failure so far, at most 10 s. The clock counts
 * whole seconds and the wait is rounded down to them: nine failures are free, the tenth on cost
 * 1 s and more, 10 s at most. */
static uint64_t unlock_wait(int failures_so_far)
{
	uint64_t ms = (uint64_t)failures_so_far * 100;
	return (ms > 10000 ? 10000 : ms) / 1000;
}

static void test_failed_unlock_refuses_unlocks_for_a_while(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(add_key(f, f->ed, "ed", 0, false, 0), 0);
	uint64_t t = 1000;
	assert_int_equal(lock_at(f, true, "secret", t), 0);
	for (int failures = 1; failures <= 9; failures++) /* no wait yet: guesses are checked */
		assert_int_equal(lock_at(f, false, "guess", t), BURROW_E_NOTFOUND);
	assert_int_equal(lock_at(f, false, "guess", t), BURROW_E_NOTFOUND); /* the tenth */
	/* The same second: refused without looking, even with the right passphrase. */
	assert_int_equal(lock_at(f, false, "secret", t), BURROW_E_NOTFOUND);
	assert_true(burrow_agent_locked(f->agent));
	for (int failures = 10; failures < 120; failures++) {
		uint64_t wait = unlock_wait(failures);
		assert_true(wait >= 1 && wait <= 10);
		/* Refusals do not count and do not restart the wait. */
		assert_int_equal(lock_at(f, false, "secret", t + wait - 1), BURROW_E_NOTFOUND);
		assert_true(burrow_agent_locked(f->agent));
		t += wait;
		assert_int_equal(lock_at(f, false, "guess", t), BURROW_E_NOTFOUND);
	}
	/* 10 s at most, however many failures; then the right passphrase unlocks. */
	assert_int_equal(lock_at(f, false, "secret", t + 9), BURROW_E_NOTFOUND);
	assert_true(burrow_agent_locked(f->agent));
	assert_int_equal(lock_at(f, false, "secret", t + 10), 0);
	assert_false(burrow_agent_locked(f->agent));
	/* A good unlock forgets the failures: one wrong guess, then the right one at once. */
	assert_int_equal(lock_at(f, true, "secret", t + 10), 0);
	assert_int_equal(lock_at(f, false, "guess", t + 10), BURROW_E_NOTFOUND);
	assert_int_equal(lock_at(f, false, "secret", t + 10), 0);
}

/* ---- constraints ---- */

static void test_lifetime_expires_on_the_handed_in_clock(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(add_key(f, f->ed, "ed", 10, false, 100), 0);
	assert_int_equal(add_key(f, f->rsa, "rsa", 0, false, 100), 0);
	assert_int_equal(burrow_agent_next_expiry(f->agent, 100), 10);
	assert_int_equal(count_keys(f, 109), 2);
	assert_int_equal(count_keys(f, 110), 1);
	assert_int_equal(burrow_agent_next_expiry(f->agent, 110), -1);
}

static void test_default_lifetime_applies_to_unconstrained_keys(void **state)
{
	struct fixture *f = *state;
	burrow_agent_set_default_lifetime(f->agent, 5);
	assert_int_equal(add_key(f, f->ed, "ed", 0, false, 1000), 0);
	assert_int_equal(burrow_agent_expire(f->agent, 1004), 0);
	assert_int_equal(burrow_agent_expire(f->agent, 1005), 1);
	assert_int_equal(burrow_agent_key_count(f->agent), 0);
}

static bool confirm_answer;
static int confirm_calls;

static bool confirm_cb(void *ctx, const struct burrow_key *key, const char *comment)
{
	confirm_calls++;
	assert_string_equal(comment, "ask me");
	return confirm_answer;
}

static void test_confirm_constraint_asks_before_each_signature(void **state)
{
	struct fixture *f = *state;
	uint8_t *sig = NULL;
	size_t sig_len;
	assert_int_equal(add_key(f, f->ed, "ask me", 0, true, 0), 0);
	/* Nobody to ask: refused. */
	assert_int_equal(sign(f, f->ed, (const uint8_t *)"x", 1, 0, &sig, &sig_len), BURROW_E_NOTFOUND);
	burrow_agent_set_confirm(f->agent, confirm_cb, NULL);
	confirm_calls = 0;
	confirm_answer = false;
	assert_int_equal(sign(f, f->ed, (const uint8_t *)"x", 1, 0, &sig, &sig_len), BURROW_E_NOTFOUND);
	confirm_answer = true;
	assert_int_equal(sign(f, f->ed, (const uint8_t *)"x", 1, 0, &sig, &sig_len), 0);
	free(sig);
	assert_int_equal(confirm_calls, 2);
}

static void test_unknown_constraint_refuses_the_add(void **state)
{
	struct fixture *f = *state;
	uint8_t *req;
	size_t len;
	assert_int_equal(burrow_agent_request_add(f->ed, "ed", 60, false, &req, &len), 0);
	/* Turn the lifetime constraint (type 1) into an unknown type 99. */
	req[len - 5] = 99;
	assert_int_equal(simple(f, req, len, 0), BURROW_E_NOTFOUND);
	assert_int_equal(count_keys(f, 0), 0);
}

/* ---- unknown and malformed requests ---- */

static void test_unknown_message_gets_failure(void **state)
{
	const uint8_t body[] = { 99 };
	const uint8_t smartcard[] = { SSH_AGENTC_ADD_SMARTCARD_KEY, 0, 0, 0, 0, 0, 0, 0, 0 };
	assert_int_equal(raw_status(*state, body, sizeof(body)), SSH_AGENT_FAILURE);
	assert_int_equal(raw_status(*state, smartcard, sizeof(smartcard)), SSH_AGENT_FAILURE);
}

static void test_unknown_extension_gets_failure(void **state)
{
	const uint8_t body[] = { SSH_AGENTC_EXTENSION, 0, 0, 0, 5, 'q', 'u', 'e', 'r', 'y' };
	assert_int_equal(raw_status(*state, body, sizeof(body)), SSH_AGENT_FAILURE);
}

static void test_truncated_requests_get_failure(void **state)
{
	struct fixture *f = *state;
	uint8_t *req;
	size_t len;
	assert_int_equal(burrow_agent_request_add(f->ed, "ed", 0, false, &req, &len), 0);
	for (size_t cut = 5; cut < len; cut += 7)
		assert_int_equal(raw_status(f, req + 4, cut - 4), SSH_AGENT_FAILURE);
	free(req);
	assert_int_equal(count_keys(f, 0), 0);
	const uint8_t list_with_trailing[] = { SSH_AGENTC_REQUEST_IDENTITIES, 0 };
	assert_int_equal(raw_status(f, list_with_trailing, sizeof(list_with_trailing)), SSH_AGENT_FAILURE);
	const uint8_t sign_huge_string[] = { SSH_AGENTC_SIGN_REQUEST, 0xff, 0xff, 0xff, 0xff, 1, 2, 3 };
	assert_int_equal(raw_status(f, sign_huge_string, sizeof(sign_huge_string)), SSH_AGENT_FAILURE);
}

static void test_identities_answer_with_a_lying_count_is_malformed(void **state)
{
	const uint8_t answer[] = { SSH_AGENT_IDENTITIES_ANSWER, 0x7f, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0 };
	struct burrow_agent_identity *ids;
	size_t n;
	assert_int_equal(burrow_agent_parse_identities(answer, sizeof(answer), &ids, &n), BURROW_E_PARSE);
	const uint8_t failure[] = { SSH_AGENT_FAILURE, 0, 0, 0, 0 };
	assert_int_equal(burrow_agent_parse_identities(failure, sizeof(failure), &ids, &n), BURROW_E_NOTFOUND);
	const uint8_t trailing[] = { SSH_AGENT_IDENTITIES_ANSWER, 0, 0, 0, 0, 1 };
	assert_int_equal(burrow_agent_parse_identities(trailing, sizeof(trailing), &ids, &n), BURROW_E_PARSE);
}

static void test_reply_parsers_reject_the_wrong_message(void **state)
{
	const uint8_t success[] = { SSH_AGENT_SUCCESS };
	const uint8_t failure[] = { SSH_AGENT_FAILURE };
	const uint8_t other[] = { SSH_AGENT_SIGN_RESPONSE };
	uint8_t *sig;
	size_t sig_len;
	assert_int_equal(burrow_agent_parse_status(success, 1), 0);
	assert_int_equal(burrow_agent_parse_status(failure, 1), BURROW_E_NOTFOUND);
	assert_int_equal(burrow_agent_parse_status(other, 1), BURROW_E_PARSE);
	assert_int_equal(burrow_agent_parse_status(success, 0), BURROW_E_PARSE);
	assert_int_equal(burrow_agent_parse_sign_response(success, 1, &sig, &sig_len), BURROW_E_PARSE);
	assert_int_equal(burrow_agent_parse_sign_response(other, 1, &sig, &sig_len), BURROW_E_PARSE);
	assert_int_equal(burrow_agent_parse_sign_response(failure, 1, &sig, &sig_len), BURROW_E_NOTFOUND);
}

/* ---- the byte stream ---- */

static void test_conn_answers_requests_split_and_joined_anyhow(void **state)
{
	struct fixture *f = *state;
	uint8_t *a, *b;
	size_t alen, blen;
	assert_int_equal(burrow_agent_request_identities(&a, &alen), 0);
	assert_int_equal(burrow_agent_request_remove_all(&b, &blen), 0);
	uint8_t stream[64];
	memcpy(stream, a, alen);
	memcpy(stream + alen, b, blen);
	memcpy(stream + alen + blen, a, alen);
	size_t total = 2 * alen + blen;
	free(a);
	free(b);
	for (size_t i = 0; i < total; i++)
		assert_int_equal(burrow_agent_conn_feed(f->conn, stream + i, 1, 0), 0);
	const uint8_t *out;
	size_t n = burrow_agent_conn_output(f->conn, &out);
	const uint8_t want[] = { 0, 0, 0, 5, SSH_AGENT_IDENTITIES_ANSWER, 0, 0, 0, 0, 0, 0, 0, 1, SSH_AGENT_SUCCESS,
				 0, 0, 0, 5, SSH_AGENT_IDENTITIES_ANSWER, 0, 0, 0, 0 };
	assert_int_equal(n, sizeof(want));
	assert_memory_equal(out, want, sizeof(want));
	burrow_agent_conn_output_consume(f->conn, n);
	assert_int_equal(burrow_agent_conn_output(f->conn, &out), 0);
}

static void test_conn_refuses_an_oversized_length(void **state)
{
	const uint8_t huge[] = { 0x00, 0x10, 0x00, 0x00, 11 };
	struct fixture *f = *state;
	assert_int_equal(burrow_agent_conn_feed(f->conn, huge, sizeof(huge), 0), BURROW_E_TOOBIG);
}

static void test_conn_stops_a_client_that_never_reads(void **state)
{
	struct fixture *f = *state;
	uint8_t *req;
	size_t len;
	assert_int_equal(burrow_agent_request_identities(&req, &len), 0);
	int r = 0;
	for (int i = 0; i < 1000000 && r == 0; i++)
		r = burrow_agent_conn_feed(f->conn, req, len, 0);
	free(req);
	assert_int_equal(r, BURROW_E_TOOBIG);
	const uint8_t *out;
	assert_true(burrow_agent_conn_output(f->conn, &out) <= 4 * BURROW_AGENT_MAX_MESSAGE + 16);
}

/* Random bodies under every request type, and mutations of real requests: each gets exactly one
 * reply, nothing crashes (the ASan build checks the reads). */
static void test_random_requests_get_one_reply_each(void **state)
{
	struct fixture *f = *state;
	static const uint8_t types[] = { 0, 5, 11, 13, 17, 18, 19, 20, 22, 23, 25, 27, 255 };
	uint32_t seed = 12345;
	uint8_t body[300];
	uint8_t *add;
	size_t add_len;
	assert_int_equal(burrow_agent_request_add(f->ed, "ed", 30, true, &add, &add_len), 0);
	for (int i = 0; i < 3000; i++) {
		size_t len;
		if (i % 2 == 0) {
			len = 1 + (seed = seed * 1103515245 + 12345) % sizeof(body);
			for (size_t j = 0; j < len; j++)
				body[j] = (uint8_t)((seed = seed * 1103515245 + 12345) >> 16);
			body[0] = types[(seed >> 8) % sizeof(types)];
		} else {
			len = add_len - 4;
			memcpy(body, add + 4, len);
			size_t at = (seed = seed * 1103515245 + 12345) % len;
			body[at] ^= (uint8_t)(1 + (seed >> 16) % 255);
			if (at > 0 && (seed & 1))
				len = at; /* truncated as well */
		}
		uint8_t *reply;
		size_t reply_len;
		assert_int_equal(burrow_agent_handle(f->conn, body, len, (uint64_t)i, &reply, &reply_len), 0);
		size_t total;
		assert_int_equal(burrow_agent_frame(reply, reply_len, &total), 1);
		assert_int_equal(total, reply_len);
		free(reply);
	}
	free(add);
}

/* ---- session-bind@openssh.com ---- */

static uint8_t session_id[32] = { 1, 2, 3, 4, 5 };

static int bind_session(struct fixture *f, struct burrow_key *host, const uint8_t *sid, bool forwarding,
			bool corrupt)
{
	uint8_t *sig, *req;
	size_t sig_len, len;
	assert_int_equal(burrow_key_sign(host, NULL, sid, 32, &sig, &sig_len), 0);
	if (corrupt)
		sig[sig_len - 1] ^= 1;
	assert_int_equal(burrow_agent_request_session_bind(host, sid, 32, sig, sig_len, forwarding, &req, &len), 0);
	free(sig);
	return simple(f, req, len, 0);
}

/* What a client signs for publickey userauth (RFC 4252 7). */
static size_t userauth_data(const uint8_t *sid, const struct burrow_key *key, uint8_t *out, size_t cap)
{
	struct buf b;
	buf_init(&b);
	buf_put_string(&b, sid, 32);
	buf_put_u8(&b, 50);
	buf_put_cstring(&b, "user");
	buf_put_cstring(&b, "ssh-connection");
	buf_put_cstring(&b, "publickey");
	buf_put_bool(&b, true);
	buf_put_cstring(&b, "ssh-ed25519");
	uint8_t *blob;
	size_t blob_len;
	assert_int_equal(burrow_key_to_blob(key, &blob, &blob_len), 0);
	buf_put_string(&b, blob, blob_len);
	free(blob);
	size_t n = buf_len(&b);
	assert_true(n <= cap);
	memcpy(out, buf_ptr(&b), n);
	buf_free(&b);
	return n;
}

static void test_session_bind_verifies_the_host_signature(void **state)
{
	struct fixture *f = *state;
	struct burrow_key *host;
	assert_int_equal(burrow_key_generate(BURROW_KEY_ED25519, 0, &host), 0);
	assert_int_equal(bind_session(f, host, session_id, false, true), BURROW_E_NOTFOUND);
	assert_int_equal(bind_session(f, host, session_id, false, false), 0);
	/* The same binding again is fine; another session on an authentication socket is not. */
	assert_int_equal(bind_session(f, host, session_id, false, false), 0);
	uint8_t other[32] = { 9 };
	assert_int_equal(bind_session(f, host, other, false, false), BURROW_E_NOTFOUND);
	burrow_key_free(host);
}

static void test_bound_socket_signs_userauth_only_for_its_session(void **state)
{
	struct fixture *f = *state;
	struct burrow_key *host;
	uint8_t data[512], *sig;
	size_t sig_len;
	assert_int_equal(burrow_key_generate(BURROW_KEY_ED25519, 0, &host), 0);
	assert_int_equal(add_key(f, f->ed, "ed", 0, false, 0), 0);
	assert_int_equal(bind_session(f, host, session_id, false, false), 0);
	uint8_t other[32] = { 9 };
	size_t n = userauth_data(other, f->ed, data, sizeof(data));
	assert_int_equal(sign(f, f->ed, data, n, 0, &sig, &sig_len), BURROW_E_NOTFOUND);
	n = userauth_data(session_id, f->ed, data, sizeof(data));
	assert_int_equal(sign(f, f->ed, data, n, 0, &sig, &sig_len), 0);
	free(sig);
	burrow_key_free(host);
}

static void test_forwarding_binds_may_chain(void **state)
{
	struct fixture *f = *state;
	struct burrow_key *host;
	assert_int_equal(burrow_key_generate(BURROW_KEY_ED25519, 0, &host), 0);
	uint8_t second[32] = { 7 };
	assert_int_equal(bind_session(f, host, session_id, true, false), 0);
	assert_int_equal(bind_session(f, host, second, false, false), 0);
	burrow_key_free(host);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_frame_needs_the_whole_message),
		T(test_frame_refuses_oversized_and_empty_messages),
		T(test_agent_starts_empty),
		T(test_added_keys_are_listed_with_their_comments),
		T(test_adding_a_key_again_replaces_its_comment),
		T(test_a_public_key_cannot_be_added),
		T(test_remove_takes_one_key_and_fails_for_unknown_keys),
		T(test_remove_all_empties_the_agent),
		T(test_sign_makes_a_signature_that_verifies),
		T(test_rsa_flags_choose_the_hash),
		T(test_sign_with_a_key_the_agent_lacks_fails),
		T(test_locked_agent_lists_nothing_and_signs_nothing),
		T(test_unlock_needs_the_same_passphrase),
		T(test_failed_unlock_refuses_unlocks_for_a_while),
		T(test_lifetime_expires_on_the_handed_in_clock),
		T(test_default_lifetime_applies_to_unconstrained_keys),
		T(test_confirm_constraint_asks_before_each_signature),
		T(test_unknown_constraint_refuses_the_add),
		T(test_unknown_message_gets_failure),
		T(test_unknown_extension_gets_failure),
		T(test_truncated_requests_get_failure),
		T(test_identities_answer_with_a_lying_count_is_malformed),
		T(test_reply_parsers_reject_the_wrong_message),
		T(test_conn_answers_requests_split_and_joined_anyhow),
		T(test_conn_refuses_an_oversized_length),
		T(test_conn_stops_a_client_that_never_reads),
		T(test_random_requests_get_one_reply_each),
		T(test_session_bind_verifies_the_host_signature),
		T(test_bound_socket_signs_userauth_only_for_its_session),
		T(test_forwarding_binds_may_chain),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

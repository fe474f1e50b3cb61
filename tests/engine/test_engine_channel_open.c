/* Channels of any type opened by either side (RFC 4254 5.1): burrow_chan_open and
 * BURROW_EV_CHANNEL_OPEN in both roles, and a client engine that refuses what it never asked
 * for (auth-agent@openssh.com only after auth-agent-req@openssh.com, OpenSSH PROTOCOL.agent). */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "helper_pair.h"

/* What one side saw while we stepped the pair by hand. */
struct seen {
	int opens, confirmed, failed, closed;
	uint32_t open_channel, confirmed_channel, fail_reason;
	char open_type[64];
	uint8_t open_data[64];
	size_t open_len;
	uint8_t data[64];
	size_t data_len;
	bool accept;       /* the verdict for CHANNEL_OPEN */
};

/* An authenticated pair with its session open (the client has not sent EOF: it stays open). */
static void open_pair(struct pair *p)
{
	pair_init(p, NULL);
	pair_run(p, 1000);
	assert_true(p->client.open_confirmed);
	assert_true(p->server.request_ok);
}

static void drain(struct burrow_conn *conn, struct seen *s)
{
	struct burrow_event ev;
	while (burrow_conn_next_event(conn, &ev) > 0) {
		switch (ev.type) {
		case BURROW_EV_CHANNEL_OPEN:
			s->opens++;
			s->open_channel = ev.channel;
			snprintf(s->open_type, sizeof(s->open_type), "%s", ev.name);
			assert_true(ev.len <= sizeof(s->open_data));
			memcpy(s->open_data, ev.data, ev.len);
			s->open_len = ev.len;
			assert_int_equal(burrow_chan_open_verdict(conn, ev.channel, s->accept,
								  BURROW_OPEN_CONNECT_FAILED, "no agent"), 0);
			break;
		case BURROW_EV_CHANNEL_OPEN_CONFIRMED:
			s->confirmed++;
			s->confirmed_channel = ev.channel;
			break;
		case BURROW_EV_CHANNEL_OPEN_FAILED:
			s->failed++;
			s->fail_reason = ev.reason;
			break;
		case BURROW_EV_CHANNEL_DATA:
			memcpy(s->data + s->data_len, ev.data, ev.len);
			s->data_len += ev.len;
			burrow_chan_consumed(conn, ev.channel, ev.len);
			break;
		case BURROW_EV_CHANNEL_CLOSED:
			s->closed++;
			break;
		case BURROW_EV_DISCONNECTED:
			fail_msg("unexpected disconnect: %s", ev.message ? ev.message : "");
			break;
		default:
			break;
		}
	}
}

/* Moves bytes and events until nothing changes. */
static void step(struct pair *p, struct seen *client, struct seen *server)
{
	for (int i = 0; i < 50; i++) {
		size_t moved = pair_transfer(p, &p->client, &p->server);
		moved += pair_transfer(p, &p->server, &p->client);
		drain(p->client.conn, client);
		drain(p->server.conn, server);
		if (moved == 0)
			break;
	}
}

static void test_server_opens_agent_channel_after_client_asked(void **state)
{
	struct pair p;
	struct seen client = { .accept = true }, server = { 0 };
	open_pair(&p);
	assert_int_equal(burrow_chan_request_simple(p.client.conn, p.client.channel, "auth-agent-req@openssh.com",
						    false), 0);
	step(&p, &client, &server);
	uint32_t ch;
	assert_int_equal(burrow_chan_open(p.server.conn, "auth-agent@openssh.com", NULL, 0, &ch), 0);
	step(&p, &client, &server);
	assert_int_equal(client.opens, 1);
	assert_string_equal(client.open_type, "auth-agent@openssh.com");
	assert_int_equal(client.open_len, 0);
	assert_int_equal(server.confirmed, 1);
	assert_int_equal(server.confirmed_channel, ch);

	/* Bytes both ways on the new channel, then a close from the client. */
	size_t sent;
	assert_int_equal(burrow_chan_send(p.server.conn, ch, 0, (const uint8_t *)"req", 3, &sent), 0);
	assert_int_equal(burrow_chan_send(p.client.conn, client.open_channel, 0, (const uint8_t *)"reply", 5, &sent), 0);
	step(&p, &client, &server);
	assert_int_equal(client.data_len, 3);
	assert_memory_equal(client.data, "req", 3);
	assert_int_equal(server.data_len, 5);
	assert_memory_equal(server.data, "reply", 5);
	assert_int_equal(burrow_chan_close(p.client.conn, client.open_channel), 0);
	step(&p, &client, &server);
	assert_int_equal(client.closed, 1);
	assert_int_equal(server.closed, 1);
	pair_free(&p);
}

static void test_client_program_may_refuse_an_agent_channel(void **state)
{
	struct pair p;
	struct seen client = { .accept = false }, server = { 0 };
	open_pair(&p);
	assert_int_equal(burrow_chan_request_simple(p.client.conn, p.client.channel, "auth-agent-req@openssh.com",
						    false), 0);
	step(&p, &client, &server);
	uint32_t ch;
	assert_int_equal(burrow_chan_open(p.server.conn, "auth-agent@openssh.com", NULL, 0, &ch), 0);
	step(&p, &client, &server);
	assert_int_equal(client.opens, 1);
	assert_int_equal(server.failed, 1);
	assert_int_equal(server.fail_reason, BURROW_OPEN_CONNECT_FAILED);
	pair_free(&p);
}

static void test_client_engine_refuses_agent_channel_nobody_asked_for(void **state)
{
	struct pair p;
	struct seen client = { .accept = true }, server = { 0 };
	open_pair(&p);
	uint32_t ch;
	assert_int_equal(burrow_chan_open(p.server.conn, "auth-agent@openssh.com", NULL, 0, &ch), 0);
	step(&p, &client, &server);
	assert_int_equal(client.opens, 0);
	assert_int_equal(server.failed, 1);
	assert_int_equal(server.fail_reason, BURROW_OPEN_ADMINISTRATIVELY_PROHIBITED);
	pair_free(&p);
}

static void test_client_engine_refuses_other_types_even_with_agent_forwarding(void **state)
{
	struct pair p;
	struct seen client = { .accept = true }, server = { 0 };
	open_pair(&p);
	assert_int_equal(burrow_chan_request_simple(p.client.conn, p.client.channel, "auth-agent-req@openssh.com",
						    false), 0);
	static const char *const types[] = { "session", "x11", "forwarded-tcpip", "direct-tcpip" };
	uint8_t extra[] = { 0, 0, 0, 1, 'a', 0, 0, 0, 22 };
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		uint32_t ch;
		assert_int_equal(burrow_chan_open(p.server.conn, types[i], extra, sizeof(extra), &ch), 0);
	}
	step(&p, &client, &server);
	assert_int_equal(client.opens, 0);
	assert_int_equal(server.failed, 4);
	pair_free(&p);
}

static void test_client_opens_any_type_with_its_data(void **state)
{
	struct pair p;
	struct seen client = { 0 }, server = { .accept = true };
	open_pair(&p);
	const uint8_t extra[] = { 0, 0, 0, 9, 'l', 'o', 'c', 'a', 'l', 'h', 'o', 's', 't', 0, 0, 0, 80 };
	uint32_t ch;
	assert_int_equal(burrow_chan_open(p.client.conn, "direct-tcpip", extra, sizeof(extra), &ch), 0);
	step(&p, &client, &server);
	assert_int_equal(server.opens, 1);
	assert_string_equal(server.open_type, "direct-tcpip");
	assert_int_equal(server.open_len, sizeof(extra));
	assert_memory_equal(server.open_data, extra, sizeof(extra));
	assert_int_equal(client.confirmed, 1);
	assert_int_equal(client.confirmed_channel, ch);
	pair_free(&p);
}

static void test_chan_open_needs_authentication_and_sane_arguments(void **state)
{
	struct pair p;
	pair_init(&p, NULL);
	uint32_t ch;
	assert_int_equal(burrow_chan_open(p.client.conn, "session", NULL, 0, &ch), BURROW_E_STATE);
	assert_int_equal(burrow_chan_open(p.server.conn, "auth-agent@openssh.com", NULL, 0, &ch), BURROW_E_STATE);
	pair_run(&p, 1000);
	assert_int_equal(burrow_chan_open(p.client.conn, NULL, NULL, 0, &ch), BURROW_E_INVALID);
	assert_int_equal(burrow_chan_open(p.client.conn, "x", NULL, 3, &ch), BURROW_E_INVALID);
	static uint8_t big[8192];
	assert_int_equal(burrow_chan_open(p.client.conn, "x", big, sizeof(big), &ch), BURROW_E_TOOBIG);
	pair_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_server_opens_agent_channel_after_client_asked),
		cmocka_unit_test(test_client_program_may_refuse_an_agent_channel),
		cmocka_unit_test(test_client_engine_refuses_agent_channel_nobody_asked_for),
		cmocka_unit_test(test_client_engine_refuses_other_types_even_with_agent_forwarding),
		cmocka_unit_test(test_client_opens_any_type_with_its_data),
		cmocka_unit_test(test_chan_open_needs_authentication_and_sane_arguments),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * Channel windows and packet sizes at their limits (RFC 4254 5.2): a WINDOW_ADJUST that would
 * overflow 2^32 - 1 ends the connection (as OpenSSH's "adjust overflows remote window"), one up
 * to exactly the limit is fine and sending stays within the peer's packet size; data over the
 * window or the packet size ends the connection; extended data of a type other than stderr
 * is dropped with its window given back; a peer allowing 0-byte packets gets no data.
 */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "conn_internal.h"
#include "helper_pair.h"

struct seen {
	bool consume;            /* the program gives the window back as it delivers */
	size_t bytes[2];         /* stream 0 and 1 */
	int data_events, window_events, disconnects;
	uint32_t disconnect_reason;
	char disconnect_message[256];
};

static void drain(struct burrow_conn *conn, struct seen *s)
{
	struct burrow_event ev;
	while (burrow_conn_next_event(conn, &ev) > 0) {
		switch (ev.type) {
		case BURROW_EV_CHANNEL_DATA:
			assert_true(ev.stream == 0 || ev.stream == 1);
			s->bytes[ev.stream] += ev.len;
			s->data_events++;
			if (s->consume)
				assert_int_equal(burrow_chan_consumed(conn, ev.channel, ev.len), 0);
			break;
		case BURROW_EV_CHANNEL_WINDOW:
			s->window_events++;
			break;
		case BURROW_EV_DISCONNECTED:
			s->disconnects++;
			s->disconnect_reason = ev.reason;
			snprintf(s->disconnect_message, sizeof(s->disconnect_message), "%s", ev.message ? ev.message : "");
			break;
		default:
			break;
		}
	}
}

static void step(struct pair *p, struct seen *client, struct seen *server)
{
	for (int i = 0; i < 200; i++) {
		size_t moved = pair_transfer(p, &p->client, &p->server);
		moved += pair_transfer(p, &p->server, &p->client);
		drain(p->client.conn, client);
		drain(p->server.conn, server);
		if (moved == 0)
			break;
	}
}

static void open_pair(struct pair *p)
{
	pair_init(p, NULL);
	pair_run(p, 1000);
	assert_true(p->client.open_confirmed);
	assert_true(p->server.request_ok);
}

static struct channel *client_chan(struct pair *p)
{
	return &p->client.conn->chans[p->client.channel];
}

static struct channel *server_chan(struct pair *p)
{
	return &p->server.conn->chans[p->server.channel];
}

/* A raw message from one side on the session channel: type, then `b` for the rest. */
static struct buf *raw_begin(struct pair *p, bool from_server, uint8_t type)
{
	struct burrow_conn *c = from_server ? p->server.conn : p->client.conn;
	struct channel *ch = from_server ? server_chan(p) : client_chan(p);
	struct buf *b = transport_msg_begin(c, type);
	buf_put_u32(b, ch->remote_id);
	return b;
}

static void raw_end(struct pair *p, bool from_server)
{
	assert_int_equal(transport_msg_end(from_server ? p->server.conn : p->client.conn), 0);
}

/* ---- WINDOW_ADJUST ---- */

static void test_window_adjust_that_overflows_ends_the_connection(void **state)
{
	struct pair p;
	struct seen client = { .consume = true }, server = { .consume = true };
	open_pair(&p);
	uint32_t window = client_chan(&p)->remote_window;
	assert_true(window > 0);
	struct buf *b = raw_begin(&p, true, SSH_MSG_CHANNEL_WINDOW_ADJUST);
	buf_put_u32(b, UINT32_MAX - window + 1);
	raw_end(&p, true);
	step(&p, &client, &server);
	assert_int_equal(client.disconnects, 1);
	assert_int_equal(client.disconnect_reason, BURROW_DISCONNECT_PROTOCOL_ERROR);
	assert_non_null(strstr(client.disconnect_message, "WINDOW_ADJUST"));
	assert_int_equal(server.disconnects, 1);
	pair_free(&p);
}

static void test_window_adjust_to_exactly_the_limit_is_accepted(void **state)
{
	struct pair p;
	struct seen client = { .consume = true }, server = { .consume = true };
	open_pair(&p);
	uint32_t window = client_chan(&p)->remote_window;
	struct buf *b = raw_begin(&p, true, SSH_MSG_CHANNEL_WINDOW_ADJUST);
	buf_put_u32(b, UINT32_MAX - window);
	raw_end(&p, true);
	step(&p, &client, &server);
	assert_int_equal(client.disconnects, 0);
	assert_int_equal(client.window_events, 1);
	assert_int_equal(client_chan(&p)->remote_window, UINT32_MAX);
	/* The room is bounded by our own output queue, not by the huge window. */
	size_t room = burrow_chan_send_room(p.client.conn, p.client.channel);
	assert_true(room > 0 && room <= TRANSPORT_OUTPUT_HIGH_WATER);
	/* An adjust of 0 changes nothing and is no error. */
	b = raw_begin(&p, true, SSH_MSG_CHANNEL_WINDOW_ADJUST);
	buf_put_u32(b, 0);
	raw_end(&p, true);
	step(&p, &client, &server);
	assert_int_equal(client.disconnects, 0);
	assert_int_equal(client_chan(&p)->remote_window, UINT32_MAX);
	pair_free(&p);
}

/* With an enormous window, what we send is still cut to the peer's packet size: the server's
 * engine, which refuses larger packets, takes all of it. */
static void test_sending_under_a_huge_window_respects_the_packet_size(void **state)
{
	struct pair p;
	struct seen client = { .consume = true }, server = { .consume = true };
	open_pair(&p);
	uint32_t window = client_chan(&p)->remote_window;
	struct buf *b = raw_begin(&p, true, SSH_MSG_CHANNEL_WINDOW_ADJUST);
	buf_put_u32(b, UINT32_MAX - window);
	raw_end(&p, true);
	step(&p, &client, &server);
	size_t total = 3u * 1024 * 1024, done = 0;
	uint8_t *data = calloc(1, total);
	assert_non_null(data);
	for (int round = 0; round < 100 && done < total; round++) {
		size_t sent = 0;
		assert_int_equal(burrow_chan_send(p.client.conn, p.client.channel, 0, data + done, total - done, &sent), 0);
		done += sent;
		step(&p, &client, &server);
	}
	assert_int_equal(done, total);
	assert_int_equal(server.disconnects, 0);
	assert_int_equal(server.bytes[0], total);
	assert_true(server.data_events >= (int)(total / CHAN_PACKET_DEFAULT));
	free(data);
	pair_free(&p);
}

/* ---- data over the limits ---- */

static void test_data_over_the_packet_size_ends_the_connection(void **state)
{
	struct pair p;
	struct seen client = { .consume = true }, server = { .consume = true };
	open_pair(&p);
	static uint8_t big[CHAN_PACKET_DEFAULT + 1];
	struct buf *b = raw_begin(&p, false, SSH_MSG_CHANNEL_DATA);
	buf_put_string(b, big, sizeof(big));
	raw_end(&p, false);
	step(&p, &client, &server);
	assert_int_equal(server.disconnects, 1);
	assert_int_equal(server.disconnect_reason, BURROW_DISCONNECT_PROTOCOL_ERROR);
	assert_non_null(strstr(server.disconnect_message, "window or packet size"));
	assert_int_equal(server.bytes[0], 0);
	pair_free(&p);
}

static void test_data_over_the_window_ends_the_connection(void **state)
{
	struct pair p;
	struct seen client = { .consume = true }, server = { .consume = false };
	open_pair(&p);
	/* The server's program delivers nothing: its window only shrinks. The client's engine is
	 * bypassed, as a hostile peer would. */
	static uint8_t chunk[CHAN_PACKET_DEFAULT];
	uint32_t window = server_chan(&p)->local_window;
	size_t packets = window / sizeof(chunk) + 1;
	for (size_t i = 0; i < packets; i++) {
		struct buf *b = raw_begin(&p, false, SSH_MSG_CHANNEL_DATA);
		buf_put_string(b, chunk, sizeof(chunk));
		raw_end(&p, false);
	}
	step(&p, &client, &server);
	assert_int_equal(server.disconnects, 1);
	assert_non_null(strstr(server.disconnect_message, "window or packet size"));
	assert_int_equal(server.bytes[0], (size_t)window / sizeof(chunk) * sizeof(chunk));
	pair_free(&p);
}

/* ---- extended data ---- */

static void test_extended_data_of_an_unknown_type_is_dropped_and_its_window_returned(void **state)
{
	struct pair p;
	struct seen client = { .consume = true }, server = { .consume = true };
	open_pair(&p);
	/* Enough bytes of type 2 that, were they kept, the window would run dry. */
	static uint8_t chunk[CHAN_PACKET_DEFAULT];
	size_t packets = CHAN_WINDOW_DEFAULT / sizeof(chunk) + 8;
	for (size_t i = 0; i < packets; i++) {
		struct buf *b = raw_begin(&p, false, SSH_MSG_CHANNEL_EXTENDED_DATA);
		buf_put_u32(b, 2);
		buf_put_string(b, chunk, sizeof(chunk));
		raw_end(&p, false);
		/* The client's engine sees its packets: take back the window the server returns. */
		client_chan(&p)->remote_window -= sizeof(chunk);
		step(&p, &client, &server);
	}
	assert_int_equal(server.disconnects, 0);
	assert_int_equal(server.data_events, 0);
	/* stderr (type 1) still arrives. */
	struct buf *b = raw_begin(&p, false, SSH_MSG_CHANNEL_EXTENDED_DATA);
	buf_put_u32(b, SSH_EXTENDED_DATA_STDERR);
	buf_put_string(b, "err", 3);
	raw_end(&p, false);
	client_chan(&p)->remote_window -= 3;
	step(&p, &client, &server);
	assert_int_equal(server.bytes[1], 3);
	assert_int_equal(server.disconnects, 0);
	/* The client got its window back as WINDOW_ADJUSTs. */
	assert_true(client.window_events > 0);
	pair_free(&p);
}

/* ---- a peer that takes no data ---- */

static void test_peer_with_a_zero_packet_size_gets_no_room(void **state)
{
	struct pair p;
	open_pair(&p);
	client_chan(&p)->remote_max_packet = 0; /* as its CHANNEL_OPEN_CONFIRMATION said */
	assert_int_equal(burrow_chan_send_room(p.client.conn, p.client.channel), 0);
	size_t sent = 99;
	assert_int_equal(burrow_chan_send(p.client.conn, p.client.channel, 0, (const uint8_t *)"x", 1, &sent), 0);
	assert_int_equal(sent, 0);
	pair_free(&p);
}

static void test_consumed_more_than_was_delivered_is_refused(void **state)
{
	struct pair p;
	open_pair(&p);
	/* Everything delivered so far has been consumed by the pair's program. */
	assert_int_equal(burrow_chan_consumed(p.server.conn, p.server.channel, 1), BURROW_E_INVALID);
	assert_int_equal(burrow_chan_consumed(p.server.conn, p.server.channel, SIZE_MAX), BURROW_E_INVALID);
	pair_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_window_adjust_that_overflows_ends_the_connection),
		cmocka_unit_test(test_window_adjust_to_exactly_the_limit_is_accepted),
		cmocka_unit_test(test_sending_under_a_huge_window_respects_the_packet_size),
		cmocka_unit_test(test_data_over_the_packet_size_ends_the_connection),
		cmocka_unit_test(test_data_over_the_window_ends_the_connection),
		cmocka_unit_test(test_extended_data_of_an_unknown_type_is_dropped_and_its_window_returned),
		cmocka_unit_test(test_peer_with_a_zero_packet_size_gets_no_room),
		cmocka_unit_test(test_consumed_more_than_was_delivered_is_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

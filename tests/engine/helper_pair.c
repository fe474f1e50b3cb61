/* The in-memory client/server pair used by the engine tests; see helper_pair.h. */
#include "helper_pair.h"

#include <stdarg.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define TEST_USER "tester"

void pair_init(struct pair *p, const char *ciphers)
{
	pair_init_rekey(p, ciphers, 0);
}

void pair_init_rekey(struct pair *p, const char *ciphers, uint64_t rekey_bytes)
{
	pair_init_algos(p, ciphers, NULL, rekey_bytes);
}

/* Two fresh Ed25519 keys: the server's host key and the client's user key. */
static void pair_new_keys(struct burrow_key **host_key, struct burrow_key **user_key)
{
	assert_int_equal(burrow_key_generate(BURROW_KEY_ED25519, 0, host_key), 0);
	assert_int_equal(burrow_key_generate(BURROW_KEY_ED25519, 0, user_key), 0);
}

void pair_init_algos(struct pair *p, const char *ciphers, const char *macs, uint64_t rekey_bytes)
{
	struct burrow_key *host_key, *user_key;
	pair_new_keys(&host_key, &user_key);
	struct burrow_config cfg = { .ciphers = ciphers, .macs = macs, .rekey_bytes = rekey_bytes };
	pair_init_keys(p, host_key, user_key, cfg, cfg);
}

void pair_init_kex(struct pair *p, const char *kex, const char *ciphers, const char *dh_moduli)
{
	struct burrow_key *host_key, *user_key;
	pair_new_keys(&host_key, &user_key);
	struct burrow_config cfg = { .kex_algorithms = kex, .ciphers = ciphers };
	struct burrow_config scfg = cfg;
	scfg.dh_moduli = dh_moduli;
	pair_init_keys(p, host_key, user_key, scfg, cfg);
}

void pair_init_keys(struct pair *p, struct burrow_key *host_key, struct burrow_key *user_key,
		    struct burrow_config server_cfg, struct burrow_config client_cfg)
{
	memset(p, 0, sizeof(*p));
	p->host_key = host_key;
	p->user_key = user_key;
	server_cfg.role = BURROW_SERVER;
	server_cfg.host_keys = &p->host_key;
	server_cfg.host_key_count = 1;
	client_cfg.role = BURROW_CLIENT;
	assert_int_equal(burrow_conn_new(&server_cfg, &p->server.conn), 0);
	assert_int_equal(burrow_conn_new(&client_cfg, &p->client.conn), 0);
	p->server.is_server = true;
	p->client.accept = p->server.accept = true;
	p->command = "echo";
	p->echo = true;
}

void pair_init_borrowed_keys(struct pair *p, struct burrow_key *host_key, struct burrow_key *user_key,
			     struct burrow_config server_cfg, struct burrow_config client_cfg)
{
	pair_init_keys(p, host_key, user_key, server_cfg, client_cfg);
	p->keys_borrowed = true;
}

void pair_free(struct pair *p)
{
	struct side *sides[2] = { &p->client, &p->server };
	for (int i = 0; i < 2; i++) {
		burrow_conn_free(sides[i]->conn);
		buf_free(&sides[i]->received[0]);
		buf_free(&sides[i]->received[1]);
		buf_free(&sides[i]->to_send);
	}
	if (!p->keys_borrowed) {
		burrow_key_free(p->host_key);
		burrow_key_free(p->user_key);
	}
}

static void client_event(struct pair *p, struct side *s, struct burrow_event *ev)
{
	switch (ev->type) {
	case BURROW_EV_HOSTKEY:
		assert_true(burrow_key_equal_public(ev->key, p->host_key));
		burrow_hostkey_verdict(s->conn, s->accept);
		break;
	case BURROW_EV_KEX_DONE:
		if (s->kex_done++ == 0)
			assert_int_equal(burrow_auth_publickey(s->conn, TEST_USER, p->user_key), 0);
		break;
	case BURROW_EV_AUTH_FAILURE:
		s->auth_failures++;
		break;
	case BURROW_EV_AUTH_SUCCESS:
		s->auth_ok = true;
		assert_int_equal(burrow_chan_open_session(s->conn, &s->channel), 0);
		break;
	case BURROW_EV_CHANNEL_OPEN_CONFIRMED:
		s->open_confirmed = true;
		assert_int_equal(burrow_chan_request_exec(s->conn, ev->channel, p->command, true), 0);
		break;
	case BURROW_EV_CHANNEL_REQUEST_REPLY:
		s->request_ok = ev->ok;
		break;
	case BURROW_EV_CHANNEL_EXIT_STATUS:
		s->got_exit = true;
		s->exit_status = ev->exit_status;
		break;
	default:
		break;
	}
}

static void server_event(struct pair *p, struct side *s, struct burrow_event *ev)
{
	size_t sent;
	switch (ev->type) {
	case BURROW_EV_KEX_DONE:
		s->kex_done++;
		break;
	case BURROW_EV_AUTH_PUBKEY:
		assert_string_equal(ev->user, TEST_USER);
		burrow_auth_verdict(s->conn, s->accept && burrow_key_equal_public(ev->key, p->user_key));
		break;
	case BURROW_EV_AUTH_SUCCESS:
		s->auth_ok = true;
		break;
	case BURROW_EV_AUTH_FAILURE:
		s->auth_failures++;
		break;
	case BURROW_EV_CHANNEL_OPEN:
		assert_string_equal(ev->name, "session");
		s->channel = ev->channel;
		burrow_chan_open_verdict(s->conn, ev->channel, true, 0, NULL);
		break;
	case BURROW_EV_CHANNEL_REQUEST:
		assert_string_equal(ev->name, "exec");
		assert_int_equal(ev->len, strlen(p->command));
		assert_memory_equal(ev->data, p->command, ev->len);
		s->request_ok = true;
		if (ev->want_reply)
			burrow_chan_request_verdict(s->conn, ev->channel, true);
		if (p->server_stdout_len)
			buf_put(&s->to_send, p->server_stdout, p->server_stdout_len);
		if (p->server_stderr_len) {
			assert_int_equal(burrow_chan_send(s->conn, ev->channel, 1, p->server_stderr,
							  p->server_stderr_len, &sent), 0);
			assert_int_equal(sent, p->server_stderr_len);
		}
		s->exit_after_eof = true;
		break;
	default:
		break;
	}
}

void side_pump(struct pair *p, struct side *s)
{
	struct burrow_event ev;
	for (;;) {
		int r = burrow_conn_next_event(s->conn, &ev);
		if (r <= 0)
			break;
		switch (ev.type) {
		case BURROW_EV_CHANNEL_DATA:
			assert_true(ev.stream == 0 || ev.stream == 1);
			buf_put(&s->received[ev.stream], ev.data, ev.len);
			if (s->is_server && p->echo && ev.stream == 0)
				buf_put(&s->to_send, ev.data, ev.len);
			burrow_chan_consumed(s->conn, ev.channel, ev.len);
			break;
		case BURROW_EV_CHANNEL_EOF:
			s->got_eof = true;
			break;
		case BURROW_EV_CHANNEL_CLOSED:
			s->closed = true;
			break;
		case BURROW_EV_DISCONNECTED:
			s->disconnected = true;
			s->by_peer = ev.by_peer;
			s->disconnect_reason = ev.reason;
			snprintf(s->disconnect_message, sizeof(s->disconnect_message), "%s", ev.message ? ev.message : "");
			break;
		default:
			if (s->is_server)
				server_event(p, s, &ev);
			else
				client_event(p, s, &ev);
		}
	}
	/* The program side: push pending channel output, then finish as scripted. */
	if ((s->open_confirmed || (s->is_server && s->request_ok)) && !s->closed && !s->disconnected) {
		size_t left = buf_len(&s->to_send) - s->sent, sent = 0;
		if (left && burrow_chan_send(s->conn, s->channel, 0, buf_ptr(&s->to_send) + s->sent, left, &sent) == 0)
			s->sent += sent;
		bool drained = s->sent == buf_len(&s->to_send);
		if (drained && s->eof_after_send && !s->eof_sent) {
			burrow_chan_send_eof(s->conn, s->channel);
			s->eof_sent = true;
		}
		if (drained && s->is_server && s->exit_after_eof && s->got_eof && !s->exited) {
			burrow_chan_exit_status(s->conn, s->channel, s->exit_code);
			burrow_chan_send_eof(s->conn, s->channel);
			burrow_chan_close(s->conn, s->channel);
			s->exited = true;
		}
	}
}

size_t pair_transfer(struct pair *p, struct side *from, struct side *to)
{
	const uint8_t *data;
	size_t n = burrow_conn_output(from->conn, &data);
	if (n == 0)
		return 0;
	/* Hand over in odd-sized pieces so packet boundaries never line up with feeds. */
	size_t piece = n > 70001 ? 70001 : n;
	uint8_t *copy = malloc(piece);
	assert_non_null(copy);
	memcpy(copy, data, piece);
	if (p->tamper)
		p->tamper(p, to == &p->server, copy, piece);
	burrow_conn_output_consume(from->conn, piece);
	if (to == &p->server)
		p->bytes_to_server += piece;
	else
		p->bytes_to_client += piece;
	burrow_conn_feed(to->conn, copy, piece);
	free(copy);
	return piece;
}

int pair_run(struct pair *p, int max_rounds)
{
	int round;
	for (round = 0; round < max_rounds; round++) {
		side_pump(p, &p->client);
		side_pump(p, &p->server);
		size_t moved = pair_transfer(p, &p->client, &p->server);
		moved += pair_transfer(p, &p->server, &p->client);
		if (moved == 0) {
			/* One more pump on each side: events may still be queued without new bytes. */
			side_pump(p, &p->client);
			side_pump(p, &p->server);
			const uint8_t *d;
			if (burrow_conn_output(p->client.conn, &d) == 0 && burrow_conn_output(p->server.conn, &d) == 0)
				break;
		}
	}
	return round;
}

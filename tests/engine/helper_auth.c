/* Engines driven by the test's callbacks; see helper_auth.h. */
#include "helper_auth.h"

#include <stdarg.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "conn_internal.h"

void auth_pair_init_host_keys(struct auth_pair *t, struct burrow_config server_cfg, struct burrow_config client_cfg,
			      struct burrow_key **host_keys, size_t n)
{
	memset(t, 0, sizeof(*t));
	assert_true(n >= 1 && n <= 4);
	for (size_t i = 0; i < n; i++)
		t->host_keys[i] = host_keys[i];
	t->host_key_count = n;
	struct pair *p = &t->p;
	p->host_key = host_keys[0];
	assert_int_equal(burrow_key_generate(BURROW_KEY_ED25519, 0, &p->user_key), 0);
	server_cfg.role = BURROW_SERVER;
	server_cfg.host_keys = t->host_keys;
	server_cfg.host_key_count = n;
	client_cfg.role = BURROW_CLIENT;
	assert_int_equal(burrow_conn_new(&server_cfg, &p->server.conn), 0);
	assert_int_equal(burrow_conn_new(&client_cfg, &p->client.conn), 0);
	p->server.is_server = true;
}

void auth_pair_init(struct auth_pair *t, struct burrow_config server_cfg, struct burrow_config client_cfg)
{
	struct burrow_key *host_key;
	assert_int_equal(burrow_key_generate(BURROW_KEY_ED25519, 0, &host_key), 0);
	auth_pair_init_host_keys(t, server_cfg, client_cfg, &host_key, 1);
}

void auth_pair_free(struct auth_pair *t)
{
	pair_free(&t->p); /* frees host_keys[0] and the user key */
	for (size_t i = 1; i < t->host_key_count; i++)
		burrow_key_free(t->host_keys[i]);
}

static void copy_text(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src ? src : "");
}

static void auth_log_event(struct auth_log *log, const struct burrow_event *ev)
{
	log->count[ev->type]++;
	if (log->norder < AUTH_LOG_MAX)
		log->order[log->norder++] = ev->type;
	switch (ev->type) {
	case BURROW_EV_AUTH_SUCCESS:
		copy_text(log->method, sizeof(log->method), ev->name);
		break;
	case BURROW_EV_AUTH_FAILURE:
		copy_text(log->method, sizeof(log->method), ev->name);
		copy_text(log->methods, sizeof(log->methods), ev->methods);
		copy_text(log->message, sizeof(log->message), ev->message);
		log->partial = ev->partial;
		break;
	case BURROW_EV_AUTH_BANNER:
		copy_text(log->banner, sizeof(log->banner), ev->message);
		break;
	case BURROW_EV_HOSTKEYS_PROVEN:
		copy_text(log->message, sizeof(log->message), ev->message);
		break;
	case BURROW_EV_DISCONNECTED:
		log->reason = ev->reason;
		log->by_peer = ev->by_peer;
		copy_text(log->disconnect_message, sizeof(log->disconnect_message), ev->message);
		break;
	default:
		break;
	}
}

void auth_pair_pump(struct auth_pair *t, bool server)
{
	struct burrow_conn *conn = server ? t->p.server.conn : t->p.client.conn;
	struct auth_log *log = server ? &t->server : &t->client;
	auth_callback cb = server ? t->on_server : t->on_client;
	struct burrow_event ev;
	while (burrow_conn_next_event(conn, &ev) > 0) {
		auth_log_event(log, &ev);
		if (ev.type == BURROW_EV_HOSTKEY)
			assert_int_equal(burrow_hostkey_verdict(conn, true), 0);
		if (cb)
			cb(t, &ev);
	}
}

void auth_pair_play(struct auth_pair *t, struct burrow_config server_cfg, struct burrow_config client_cfg,
		    auth_callback on_client, auth_callback on_server, void *ctx)
{
	auth_pair_init(t, server_cfg, client_cfg);
	t->on_client = on_client;
	t->on_server = on_server;
	t->ctx = ctx;
	auth_pair_run(t);
}

void auth_pair_run(struct auth_pair *t)
{
	int quiet = 0;
	for (int round = 0; round < 500 && quiet < 2; round++) {
		auth_pair_pump(t, false);
		auth_pair_pump(t, true);
		size_t moved = pair_transfer(&t->p, &t->p.client, &t->p.server);
		moved += pair_transfer(&t->p, &t->p.server, &t->p.client);
		quiet = moved ? 0 : quiet + 1;
	}
}

struct buf *auth_pair_begin(struct auth_pair *t, bool from_server, uint8_t type)
{
	return transport_msg_begin(from_server ? t->p.server.conn : t->p.client.conn, type);
}

void auth_pair_send(struct auth_pair *t, bool from_server)
{
	assert_int_equal(transport_msg_end(from_server ? t->p.server.conn : t->p.client.conn), 0);
}

bool auth_log_before(const struct auth_log *log, enum burrow_event_type type, enum burrow_event_type later)
{
	for (size_t i = 0; i < log->norder; i++) {
		if (log->order[i] == later)
			return false;
		if (log->order[i] == type)
			return true;
	}
	return false;
}

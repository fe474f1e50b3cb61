/*
 * A client engine and a server engine wired back to back in memory, with scripted programs on
 * both sides: the client authenticates with a key, opens a session and runs a command; the
 * server runs an "echo" command that sends back what it receives, plus some scripted output.
 */
#ifndef BURROW_TEST_HELPER_PAIR_H
#define BURROW_TEST_HELPER_PAIR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "burrow/burrow.h"

struct side {
	struct burrow_conn *conn;
	bool is_server;
	/* policy */
	bool accept;                 /* host key (client) / user key (server) */
	/* what happened */
	int kex_done;
	bool auth_ok, open_confirmed, request_ok, got_eof, closed, disconnected, by_peer, got_exit;
	int auth_failures;
	uint32_t disconnect_reason;
	char disconnect_message[256];
	uint32_t exit_status;
	uint32_t channel;
	struct buf received[2];      /* stream 0 and 1 of the session channel */
	/* what to send on the session channel, and what to do after */
	struct buf to_send;
	size_t sent;
	bool eof_after_send;         /* send EOF once to_send is out */
	bool eof_sent;
	bool exit_after_eof;         /* server: exit-status + EOF + CLOSE after peer EOF and drain */
	uint32_t exit_code;
	bool exited;
};

struct pair {
	struct side client, server;
	struct burrow_key *host_key, *user_key;
	bool keys_borrowed;          /* pair_free leaves the keys to the caller */
	const char *command;
	const uint8_t *server_stdout; size_t server_stdout_len; /* sent first by the server */
	const uint8_t *server_stderr; size_t server_stderr_len;
	bool echo;                   /* server echoes client data */
	/* tamper hook: called on every chunk moving between engines; may change it */
	void (*tamper)(struct pair *p, bool to_server, uint8_t *data, size_t len);
	uint64_t bytes_to_server, bytes_to_client;
};

/* Creates both engines with the given cipher list (NULL = defaults). */
void pair_init(struct pair *p, const char *ciphers);
/* The same with a rekey limit in bytes for both engines (0 = default). */
void pair_init_rekey(struct pair *p, const char *ciphers, uint64_t rekey_bytes);
/* Both engines restricted to one cipher list and one MAC list. */
void pair_init_algos(struct pair *p, const char *ciphers, const char *macs, uint64_t rekey_bytes);
/* Both engines offer only `kex` and `ciphers` (NULL = defaults); the server reads `dh_moduli`
 * (may be NULL) for group exchange. */
void pair_init_kex(struct pair *p, const char *kex, const char *ciphers, const char *dh_moduli);
/* Both engines from the given configs, with our own keys: role, host_keys and host_key_count
 * are filled in here, everything else is the caller's. The pair owns host_key and user_key from
 * now on (pair_free frees them). */
void pair_init_keys(struct pair *p, struct burrow_key *host_key, struct burrow_key *user_key,
		    struct burrow_config server_cfg, struct burrow_config client_cfg);
/* The same, but the caller keeps owning the keys (to share costly keys across many pairs). */
void pair_init_borrowed_keys(struct pair *p, struct burrow_key *host_key, struct burrow_key *user_key,
			     struct burrow_config server_cfg, struct burrow_config client_cfg);
void pair_free(struct pair *p);
/* Runs until nothing moves any more, or max_rounds. Returns the number of rounds. */
int pair_run(struct pair *p, int max_rounds);
/* Drives one engine's events through the scripted program of that side. */
void side_pump(struct pair *p, struct side *s);
/* Moves queued output from one engine into the other (through the tamper hook). */
size_t pair_transfer(struct pair *p, struct side *from, struct side *to);

#endif

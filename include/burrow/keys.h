/*
 * Keys as users have them: public key blobs (RFC 4253 6.6), one-line public keys,
 * openssh-key-v1 private key files (OpenSSH PROTOCOL.key), fingerprints, signatures,
 * authorized_keys and known_hosts lines (OpenSSH sshd(8) / ssh(1) formats).
 *
 * Only parsing and formatting live here; reading and writing files is the programs' job.
 */
#ifndef BURROW_KEYS_H
#define BURROW_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "burrow/error.h"

enum burrow_key_type {
	BURROW_KEY_UNKNOWN = 0,
	BURROW_KEY_ED25519,
	BURROW_KEY_ECDSA,  /* ecdsa-sha2-nistp256/384/521 (RFC 5656); the size picks the curve */
	BURROW_KEY_RSA,    /* ssh-rsa (RFC 4253 6.6), signing as rsa-sha2-512/256 (RFC 8332) or ssh-rsa */
};

struct burrow_key; /* opaque: a public key, possibly with its private half */

/* A new key pair. bits 0 means the default: ed25519 256 (the only size), ecdsa 256 (also 384, 521),
 * rsa 3072 (1024..16384, as ssh-keygen). BURROW_E_INVALID for a size the type does not have. */
int burrow_key_generate(enum burrow_key_type type, int bits, struct burrow_key **out);
void burrow_key_free(struct burrow_key *key); /* wipes private material; NULL is a no-op */
int burrow_key_dup_public(const struct burrow_key *key, struct burrow_key **out);

enum burrow_key_type burrow_key_type(const struct burrow_key *key);
const char *burrow_key_type_name(const struct burrow_key *key); /* "ssh-ed25519", "ecdsa-sha2-nistp256", "ssh-rsa" */
const char *burrow_key_type_short(const struct burrow_key *key); /* "ED25519", "ECDSA", "RSA" as in fingerprints */
int burrow_key_bits(const struct burrow_key *key);                /* 256 for ed25519, the curve's, the modulus' */
bool burrow_key_has_private(const struct burrow_key *key);
bool burrow_key_equal_public(const struct burrow_key *a, const struct burrow_key *b);
/* Key type from an ssh-keygen -t name ("ed25519", "ecdsa", "rsa", case-insensitive), a key type
 * name ("ssh-ed25519", "ecdsa-sha2-nistp384") or a signature algorithm ("rsa-sha2-256"), as
 * ssh-keygen's sshkey_type_from_shortname. BURROW_E_UNSUPPORTED for a type OpenSSH knows that we
 * do not implement ("dsa", "ed25519-sk"), BURROW_E_NOTFOUND for an unknown name. */
int burrow_key_type_parse(const char *name, enum burrow_key_type *out);
/* The size a name implies (384 for "ecdsa-sha2-nistp384"), 0 when it implies none ("ecdsa"). */
int burrow_key_type_name_bits(const char *name);

/* Signature algorithms a key makes and verifies, most preferred first, NULL-terminated:
 * {"ssh-ed25519"}, {"ecdsa-sha2-nistp256"}, {"rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"}.
 * Static strings; an empty list for NULL. */
const char *const *burrow_key_sig_algs(const struct burrow_key *key);
/* True when sig_alg is one of burrow_key_sig_algs(key): "rsa-sha2-256" fits an ssh-rsa key,
 * "ecdsa-sha2-nistp384" only a P-384 key. Names are compared exactly. */
bool burrow_key_fits_sig_alg(const struct burrow_key *key, const char *sig_alg);

/* Public key blob (the wire encoding: string type || key data). Output is malloc'd. */
int burrow_key_from_blob(const uint8_t *blob, size_t len, struct burrow_key **out);
int burrow_key_to_blob(const struct burrow_key *key, uint8_t **blob, size_t *len);

/* "ssh-ed25519 AAAAC3... comment" (one line, no options). comment_out may be NULL. */
int burrow_key_parse_public_line(const char *line, size_t len, struct burrow_key **out, char **comment_out);
int burrow_key_format_public_line(const struct burrow_key *key, const char *comment, char **out);
/* A line of a .pub, authorized_keys or known_hosts file, read as `ssh-keygen -l` reads it: a bare
 * key, or a key after one leading token (host patterns or options, quotes honoured).
 * *comment_out is the text after the key (unless it starts with '#'), else the leading token,
 * else NULL. BURROW_E_NOTFOUND for a blank or '#' line, BURROW_E_PARSE when no key is found. */
int burrow_key_parse_any_line(const char *line, size_t len, struct burrow_key **out, char **comment_out);

/* openssh-key-v1 private key file ("-----BEGIN OPENSSH PRIVATE KEY-----"). An encrypted file
 * without passphrase (or with a wrong one) gives BURROW_E_PASSPHRASE. */
int burrow_key_parse_private(const char *text, size_t len, const char *passphrase,
			     struct burrow_key **out, char **comment_out);
int burrow_key_format_private(const struct burrow_key *key, const char *comment, char **out);
/* The public key of an openssh-key-v1 file, which is stored unencrypted: no passphrase needed. */
int burrow_key_parse_private_public(const char *text, size_t len, struct burrow_key **out);

/* "SHA256:<unpadded base64>" of the public blob, as ssh-keygen -l prints it. */
int burrow_key_fingerprint_sha256(const struct burrow_key *key, char **out);
/* The "randomart" picture of the SHA-256 fingerprint, as ssh-keygen prints it: 11 lines joined by
 * '\n', no final newline. */
int burrow_key_fingerprint_randomart(const struct burrow_key *key, char **out);

/* Signature blobs: string algorithm-name || string signature (RFC 4253 6.6, RFC 5656 3.1.2,
 * RFC 8332 3, RFC 8709). sig_alg names the signature algorithm, which for RSA picks the hash
 * ("rsa-sha2-512": SHA-512, "rsa-sha2-256": SHA-256, "ssh-rsa": SHA-1); NULL means the key's
 * default, the first of burrow_key_sig_algs(). BURROW_E_UNSUPPORTED when sig_alg does not fit. */
int burrow_key_sign(const struct burrow_key *key, const char *sig_alg, const uint8_t *data,
		    size_t len, uint8_t **sig, size_t *sig_len);
/* 0 when valid; BURROW_E_SIGNATURE when not, including an algorithm that does not fit the key.
 * Any algorithm the key fits is accepted (SHA-1 "ssh-rsa" too): callers that agreed on one use
 * burrow_key_verify_alg. */
int burrow_key_verify(const struct burrow_key *key, const uint8_t *sig, size_t sig_len,
		      const uint8_t *data, size_t len);
/* The same, but the blob's algorithm name must also equal sig_alg (NULL: any that fits), as when
 * a key exchange or a publickey request has named the algorithm (OpenSSH sshkey_verify's alg). */
int burrow_key_verify_alg(const struct burrow_key *key, const char *sig_alg, const uint8_t *sig,
			  size_t sig_len, const uint8_t *data, size_t len);

/*
 * authorized_keys: finds the first line whose key equals `key`. Lines may start with options
 * (e.g. `command="..." ssh-ed25519 AAAA...`); options are never mistaken for key types.
 * On a match: 0, *line_no is the 1-based line and *options is a malloc'd copy of the option
 * text ("" when none). BURROW_E_NOTFOUND when no line matches. Malformed lines are skipped.
 * As in sshd, a line with an unknown option name is malformed, and a cert-authority line never
 * matches the key itself (it trusts certificates the key signs).
 */
int burrow_authorized_keys_find(const char *text, size_t len, const struct burrow_key *key,
				int *line_no, char **options);

/*
 * known_hosts: looks `host` up ("name" for port 22, "[name]:port" otherwise; the caller builds it
 * with burrow_known_hosts_hostname). Plain and hashed (|1|salt|hash) host patterns, comma lists,
 * and negation (!) are honoured. *line_no is the 1-based line of the @revoked line, else the first
 * line with this key, else the first line with another key of this type; 0 for NEW.
 * @cert-authority lines are skipped (host certificates are not supported yet).
 */
enum burrow_known_host {
	BURROW_KNOWN_HOST_OK,        /* a line for this host has this key */
	BURROW_KNOWN_HOST_NEW,       /* no line for this host with a key of this type */
	BURROW_KNOWN_HOST_CHANGED,   /* a line for this host has a different key of this type */
	BURROW_KNOWN_HOST_REVOKED,   /* the key is marked @revoked */
};
int burrow_known_hosts_check(const char *text, size_t len, const char *host, const struct burrow_key *key,
			     enum burrow_known_host *result, int *line_no);
int burrow_known_hosts_hostname(const char *name, int port, char **out);
/* The line to append for a new host: "host keytype base64\n". */
int burrow_known_hosts_line(const char *host, const struct burrow_key *key, char **out);

/* Base64 (RFC 4648) helpers shared by the text formats. Outputs are malloc'd. */
int burrow_base64_encode(const uint8_t *in, size_t len, bool pad, char **out);
int burrow_base64_decode(const char *in, size_t len, uint8_t **out, size_t *out_len);

#endif

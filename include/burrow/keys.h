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

/* openssh-key-v1 private key file ("-----BEGIN OPENSSH PRIVATE KEY-----"), or one of the PEM
 * formats of burrow_key_parse_pem_private below. An encrypted file without passphrase (or with
 * a wrong one) gives BURROW_E_PASSPHRASE; a cipher or kdf we lack BURROW_E_UNSUPPORTED. */
int burrow_key_parse_private(const char *text, size_t len, const char *passphrase,
			     struct burrow_key **out, char **comment_out);
int burrow_key_format_private(const struct burrow_key *key, const char *comment, char **out);
/* The same, encrypted as ssh-keygen does when passphrase is neither NULL nor "": aes256-ctr with
 * key and IV from bcrypt_pbkdf over a random 16-byte salt; rounds 0 means 16 (ssh-keygen -a). */
int burrow_key_format_private_ex(const struct burrow_key *key, const char *comment, const char *passphrase,
				 unsigned rounds, char **out);
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
 * @cert-authority lines count only for a host certificate (burrow_key_is_cert): OK when such a
 * line for the host lists the certificate's CA, REVOKED when its CA or its key is @revoked, else
 * NEW. The caller then checks the certificate itself (burrow_cert_check with BURROW_CERT_HOST and
 * the host name) and, as ssh does, looks a certificate no CA vouches for up again as its plain key
 * (burrow_cert_key_dup_plain).
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

/*
 * authorized_keys options (sshd(8) AUTHORIZED_KEYS FILE FORMAT, sshd's auth-options.c): the
 * restrictions one line puts on a login. Without options every permission is on; "restrict"
 * turns them all off and later positive flags ("pty", ...) turn single ones back on.
 */
struct burrow_authorized_keys_options {
	bool restricted;              /* "restrict" was given */
	bool permit_pty, permit_port_forwarding, permit_agent_forwarding, permit_x11_forwarding,
	     permit_user_rc;
	bool cert_authority;          /* the key is a CA for user certificates, not a login key */
	bool no_touch_required, verify_required; /* FIDO keys; parsed, nothing else */
	char *force_command;          /* command="..." or NULL */
	char *from;                   /* from="pattern-list" or NULL: see burrow_match_host_and_ip */
	char *principals;             /* principals="name,..." (with cert-authority) or NULL */
	char **environment;           /* environment="NAME=value", first of a name wins */
	size_t environment_count;
	char **permitopen;            /* "host:port" (port may be "*") */
	size_t permitopen_count;
	char **permitlisten;          /* "host:port"; a bare "port" is stored as "*:port" */
	size_t permitlisten_count;
	uint64_t expiry_time;         /* seconds since the epoch, the earliest expiry-time=; 0 none */
	int tunnel;                   /* tunnel="n", -1 unset */
};
/* Everything permitted, nothing set. */
void burrow_authorized_keys_options_init(struct burrow_authorized_keys_options *opts);
/* Parses the option text of a line (as burrow_authorized_keys_find / _next return it; "" for
 * none). BURROW_E_PARSE with *why (static text, sshd's words: "unsupported option",
 * "invalid environment string", "multiple \"command\" clauses", ...) for a malformed list; the
 * caller then skips the line and logs "file:line: bad key options: why". why may be NULL. */
int burrow_authorized_keys_options_parse(const char *text, size_t len,
					 struct burrow_authorized_keys_options *out, const char **why);
void burrow_authorized_keys_options_free(struct burrow_authorized_keys_options *opts);
/* Iterates over the key lines of an authorized_keys text: from *pos (start at 0, *line_no 0)
 * to the next line holding a key this library reads; *key (free it) and *options (malloc'd,
 * "" when none, names not checked). BURROW_E_NOTFOUND at the end. Lines without a readable
 * key are skipped; cert-authority lines are returned like the others. */
int burrow_authorized_keys_next(const char *text, size_t len, size_t *pos, int *line_no,
				struct burrow_key **key, char **options);
/* "YYYYMMDD", "YYYYMMDDHHMM" or "YYYYMMDDHHMMSS", local time, or UTC with a trailing 'Z'
 * (sshd's parse_absolute_time) to seconds since the epoch. */
int burrow_parse_absolute_time(const char *text, uint64_t *out);

/*
 * Pattern lists as sshd has them (OpenSSH match.c / addrmatch.c): comma-separated shell
 * patterns ('*', '?'), a leading '!' negates and a negated match wins.
 */
enum burrow_match { BURROW_MATCH_NO = 0, BURROW_MATCH_YES = 1, BURROW_MATCH_NEGATED = 2 };
int burrow_match_pattern_list(const char *s, const char *patterns, bool fold_case);
/* sshd's match_host_and_ip (from="...", the host part of AllowUsers): entries are host name
 * patterns or address patterns, including CIDR ("10.0.0.0/8", "2001:db8::/32"). YES only
 * when something matched positively and nothing negated; NO otherwise; BURROW_E_PARSE for a
 * malformed CIDR entry ("10.1.2.3/8": host bits beyond the mask), which callers treat as NO. */
int burrow_match_host_and_ip(const char *host, const char *addr, const char *patterns);
/* An AllowUsers/DenyUsers entry: "userpattern" or "userpattern@hostpatterns". YES or NO, or
 * BURROW_E_PARSE as above. */
int burrow_match_user(const char *user, const char *host, const char *addr, const char *pattern);

/*
 * ---- key files in other formats (keyfile_pem.c, keyfile_rfc4716.c), as ssh-keygen -e/-i/-m ----
 */
enum burrow_key_format {
	BURROW_KEY_FORMAT_OPENSSH = 0, /* openssh-key-v1 / one-line public keys */
	BURROW_KEY_FORMAT_RFC4716,     /* "---- BEGIN SSH2 PUBLIC KEY ----" (public keys only) */
	BURROW_KEY_FORMAT_PKCS8,       /* "BEGIN PUBLIC KEY" / "BEGIN [ENCRYPTED] PRIVATE KEY" */
	BURROW_KEY_FORMAT_PEM,         /* "BEGIN RSA PUBLIC KEY"; "BEGIN RSA/EC PRIVATE KEY" */
};
/* "RFC4716", "PKCS8", "PEM" (case-insensitive, as ssh-keygen -m); BURROW_E_NOTFOUND otherwise. */
int burrow_key_format_from_name(const char *name, enum burrow_key_format *out);
/* PEM private keys: "BEGIN RSA PRIVATE KEY", "BEGIN EC PRIVATE KEY" (encrypted ones with
 * Proc-Type too), "BEGIN PRIVATE KEY", "BEGIN ENCRYPTED PRIVATE KEY". comment_out gets NULL
 * (these formats have none). BURROW_E_PASSPHRASE when encrypted and the passphrase is missing
 * or wrong. burrow_key_parse_private also accepts them. */
int burrow_key_parse_pem_private(const char *text, size_t len, const char *passphrase, struct burrow_key **out);
/* format PEM or PKCS8; encrypted with AES-128-CBC when passphrase is neither NULL nor "" (as
 * ssh-keygen -m). Ed25519 keys have no PEM form here: BURROW_E_UNSUPPORTED (ssh-keygen then
 * writes openssh-key-v1). */
int burrow_key_format_pem_private(const struct burrow_key *key, enum burrow_key_format format,
				  const char *passphrase, char **out);
/* ssh-keygen -e: RFC4716 (any key; header "Comment: \"comment\"" unless comment is NULL), PKCS8
 * ("BEGIN PUBLIC KEY": RSA, ECDSA), PEM ("BEGIN RSA PUBLIC KEY"; an ECDSA key comes out as
 * PKCS8, as with ssh-keygen). BURROW_E_UNSUPPORTED for Ed25519 in PKCS8/PEM. OPENSSH: the
 * one-line form. */
int burrow_key_export_public(const struct burrow_key *key, enum burrow_key_format format, const char *comment,
			     char **out);
/* ssh-keygen -i: reads a public key in the given format (PEM: RSA only, as ssh-keygen). */
int burrow_key_import_public(const char *text, size_t len, enum burrow_key_format format, struct burrow_key **out);

/* "MD5:xx:xx:..." (16 hex pairs) of the public blob, as ssh-keygen -l -E md5. */
int burrow_key_fingerprint_md5(const struct burrow_key *key, char **out);
/* The randomart picture of the MD5 digest, labelled "[MD5]" (ssh-keygen -l -v -E md5). */
int burrow_key_fingerprint_randomart_md5(const struct burrow_key *key, char **out);

/*
 * ---- editing known_hosts (known_hosts_edit.c): ssh-keygen -F/-R/-H, HashKnownHosts ----
 */
enum burrow_known_hosts_marker { BURROW_KH_MARKER_NONE, BURROW_KH_MARKER_REVOKED, BURROW_KH_MARKER_CA };
/* "|1|base64(salt)|base64(HMAC-SHA1(salt, host))"; salt is 20 bytes, NULL for a random one. */
int burrow_known_hosts_hash_host(const char *host, const uint8_t *salt, char **out);
/* The line to append for a new host with HashKnownHosts: "|1|salt|hash keytype base64\n". */
int burrow_known_hosts_line_hashed(const char *host, const struct burrow_key *key, char **out);
/* 1 when the host field of a known_hosts line names host (plain patterns with negation, or a
 * hashed entry), 0 when not; BURROW_E_NOTFOUND for a blank, comment or malformed line.
 * *marker (may be NULL) gets the line's @revoked / @cert-authority marker. */
int burrow_known_hosts_line_matches(const char *line, size_t len, const char *host,
				    enum burrow_known_hosts_marker *marker);
/* ssh-keygen -H for one line: *out is the replacement, one hashed line per host name ("\n"
 * after each), or NULL when the line stays as it is (comments, already hashed, markers, or
 * wildcards and negations, for which *wildcard (may be NULL) is set). */
int burrow_known_hosts_hash_line(const char *line, size_t len, char **out, bool *wildcard);

/* Base64 (RFC 4648) helpers shared by the text formats. Outputs are malloc'd. */
int burrow_base64_encode(const uint8_t *in, size_t len, bool pad, char **out);
int burrow_base64_decode(const char *in, size_t len, uint8_t **out, size_t *out_len);

/*
 * OpenSSH certificates (OpenSSH PROTOCOL.certkeys): ssh-ed25519-cert-v01@openssh.com,
 * ecdsa-sha2-nistp256/384/521-cert-v01@openssh.com and ssh-rsa-cert-v01@openssh.com.
 *
 * A certificate is a struct burrow_key: burrow_key_from_blob and the line parsers read one
 * (strictly, the CA's signature verified; a CA that is itself a certificate is refused),
 * burrow_key_to_blob gives the certificate blob, burrow_key_type_name the -cert-v01 name,
 * burrow_key_type the certified key's type, burrow_key_sig_algs the -cert-v01 algorithm names
 * ("rsa-sha2-512-cert-v01@openssh.com"; the signature blobs inside name the plain algorithm), and
 * burrow_key_fingerprint_sha256 the certified key's fingerprint, as OpenSSH. A certificate equals
 * (burrow_key_equal_public) only the same certificate. The getters below take a certificate.
 */
enum burrow_cert_type {
	BURROW_CERT_USER = 1, /* SSH2_CERT_TYPE_USER */
	BURROW_CERT_HOST = 2, /* SSH2_CERT_TYPE_HOST */
};
#define BURROW_CERT_FOREVER UINT64_MAX /* valid_before of a certificate that never expires */

bool burrow_key_is_cert(const struct burrow_key *key);
enum burrow_cert_type burrow_cert_type(const struct burrow_key *cert);
uint64_t burrow_cert_serial(const struct burrow_key *cert);
const char *burrow_cert_key_id(const struct burrow_key *cert);
size_t burrow_cert_principal_count(const struct burrow_key *cert);
const char *burrow_cert_principal(const struct burrow_key *cert, size_t i); /* NULL past the end */
uint64_t burrow_cert_valid_after(const struct burrow_key *cert);   /* seconds since the epoch */
uint64_t burrow_cert_valid_before(const struct burrow_key *cert);  /* BURROW_CERT_FOREVER: no end */
/* The CA key that signed it (plain, public) and the algorithm of its signature ("rsa-sha2-512"). */
const struct burrow_key *burrow_cert_signature_key(const struct burrow_key *cert);
const char *burrow_cert_signature_alg(const struct burrow_key *cert);
/* Critical options (critical true) or extensions, in certificate order. *name and *value point into
 * the certificate; *value is the option's string argument ("" for flags and extensions, NULL
 * for data that is not one string).
 * BURROW_E_NOTFOUND past the end. */
size_t burrow_cert_option_count(const struct burrow_key *cert, bool critical);
int burrow_cert_option(const struct burrow_key *cert, bool critical, size_t i, const char **name,
		       const char **value);
/* The certified key as a plain public key (what a CertificateFile must match). */
int burrow_cert_key_dup_plain(const struct burrow_key *cert, struct burrow_key **out);

/*
 * Checks a certificate for use now (seconds since the epoch), as sshd and ssh do (OpenSSH
 * sshkey_cert_check_authority): its type, validity interval, and that `principal` is listed
 * (NULL: not checked). A user certificate must list principals; a host certificate without any is
 * valid for every host, and its principals may hold wildcards. A CA signature made with SHA-1
 * ("ssh-rsa") is refused, as OpenSSH's default CASignatureAlgorithms. 0, or BURROW_E_NOMATCH with
 * *reason as sshd logs it: "Certificate invalid: expired", "Certificate invalid: not yet valid",
 * "Certificate invalid: name is not a listed principal", "Certificate invalid: not a user
 * certificate", "Certificate lacks principal list".
 */
int burrow_cert_check(const struct burrow_key *cert, enum burrow_cert_type want_type, const char *principal,
		      uint64_t now, const char **reason);
/* The same without the signature algorithm check, for programs that apply their own
 * CASignatureAlgorithms with burrow_cert_check_sig_alg first. */
int burrow_cert_check_authority(const struct burrow_key *cert, enum burrow_cert_type want_type, const char *principal,
				uint64_t now, const char **reason);

/*
 * CASignatureAlgorithms (sshd_config(5), ssh_config(5)): the algorithms a CA may have signed a
 * certificate with. OpenSSH's default leaves SHA-1 (ssh-rsa) out.
 */
#define BURROW_CA_SIGNATURE_ALGORITHMS_DEFAULT                                                   \
	"ssh-ed25519,ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,ecdsa-sha2-nistp521,"               \
	"sk-ssh-ed25519@openssh.com,sk-ecdsa-sha2-nistp256@openssh.com,rsa-sha2-512,rsa-sha2-256"
/* The list a CASignatureAlgorithms value stands for, as OpenSSH reads it: a list replaces the
 * default, "+list" appends to it, "-patterns" removes what they match, "^list" puts first;
 * patterns ('*', '?') are allowed. *out malloc'd; BURROW_E_PARSE (and *out NULL) for a name that
 * is no signature algorithm ("Bad key types" in OpenSSH) or an empty list. */
int burrow_ca_signature_algorithms_resolve(const char *spec, char **out);
/* OpenSSH's sshkey_check_cert_sigtype: 0 when the algorithm the CA signed `cert` with
 * (burrow_cert_signature_alg) matches a pattern of `allowed` (NULL: the default);
 * BURROW_E_NOMATCH when not (sshd and ssh then log "certificate signature algorithm ALG:
 * signature algorithm not supported"); BURROW_E_INVALID for a plain key. */
int burrow_cert_check_sig_alg(const struct burrow_key *cert, const char *allowed);

/*
 * Revoked keys (krl.c): sshd's RevokedKeys file, either an OpenSSH Key Revocation List
 * (PROTOCOL.krl, made by `ssh-keygen -k`) or public keys one per line. A key is revoked when it
 * (for a certificate: the certified key) is listed explicitly or by SHA1/SHA256 fingerprint; a
 * certificate also when its CA is, or a certificate section of its CA (or of any CA) lists its
 * serial (list, range or bitmap; serial 0 never) or key id. In a plain list a certificate is
 * revoked by its key or its CA's. 1 revoked, 0 not; BURROW_E_PARSE for a malformed KRL (the
 * whole KRL is read: a damaged one refuses every key, as sshd). The KRL signature is not checked.
 */
bool burrow_krl_is_krl(const uint8_t *data, size_t len); /* starts with the KRL magic */
int burrow_krl_check(const uint8_t *krl, size_t len, const struct burrow_key *key);
int burrow_revoked_keys_check(const uint8_t *data, size_t len, const struct burrow_key *key);

/*
 * Critical options as sshd applies them: force-command and source-address. *force_command and
 * *source_address are malloc'd (NULL when absent). An unknown critical option refuses the
 * certificate (BURROW_E_UNSUPPORTED, *unknown names it, malloc'd), as a duplicate one does
 * (BURROW_E_PARSE).
 */
int burrow_cert_critical_options(const struct burrow_key *cert, char **force_command, char **source_address,
				 char **unknown);
/* True when addr (IPv4 or IPv6 text) is in the comma-separated address/prefix list, as sshd's
 * addr_match_cidr_list; BURROW_E_PARSE for a malformed list (which refuses the login). */
int burrow_cert_source_address_match(const char *list, const char *addr, bool *match);

/* A private key with a certificate of its public half attached (ssh's CertificateFile): a new key
 * that signs as the certificate. BURROW_E_NOMATCH when the certificate is for another key. */
int burrow_key_cert_attach(const struct burrow_key *private_key, const struct burrow_key *cert,
			   struct burrow_key **out);

/* What a CA signs (ssh-keygen -s). Options: name and value (NULL for a flag or extension);
 * they are written in the sorted order PROTOCOL.certkeys requires. */
struct burrow_cert_option_spec {
	const char *name;
	const char *value;
};
struct burrow_cert_spec {
	enum burrow_cert_type type;
	uint64_t serial;
	const char *key_id;
	const char *const *principals;
	size_t principal_count;
	uint64_t valid_after, valid_before;
	const struct burrow_cert_option_spec *critical;
	size_t critical_count;
	const struct burrow_cert_option_spec *extensions;
	size_t extension_count;
	const char *sig_alg; /* the CA's signature algorithm; NULL: its default (rsa-sha2-512) */
};
/* A new certificate (public) for `key`, signed by the private `ca`. */
int burrow_cert_sign(const struct burrow_key *key, const struct burrow_key *ca, const struct burrow_cert_spec *spec,
		     struct burrow_key **out);

#endif

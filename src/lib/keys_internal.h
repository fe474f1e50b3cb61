/*
 * Inside the keys module: the key object and the per-type operations table.
 *
 * Each key type is one `struct key_ops` (keys_ed25519.c, keys_ecdsa.c, keys_rsa.c) listed in
 * keys.c; the generic code (blobs, text formats, signatures, private key files) only ever goes
 * through the table, so a new type adds one table entry and its functions.
 */
#ifndef BURROW_KEYS_INTERNAL_H
#define BURROW_KEYS_INTERNAL_H

#include "buf.h"
#include "burrow/keys.h"

#define ED25519_PUBLIC_LEN 32  /* RFC 8032 5.1.5 */
#define ED25519_SEED_LEN 32
#define ED25519_SIGNATURE_LEN 64 /* RFC 8709 6 */

/* RFC 4251 6: algorithm names are at most 64 printable US-ASCII characters. */
#define SSH_NAME_MAX 64

struct key_ops {
	enum burrow_key_type type;
	const char *name;        /* wire name in blobs and key lines: "ssh-ed25519" */
	const char *short_name;  /* "ED25519", as ssh-keygen prints it */
	const char *keygen_name; /* "ed25519", as ssh-keygen -t takes it */
	const char *const *sig_algs; /* signature algorithms this key can make; default first */
	/* The only size of this type (256 for ed25519, the curve's for ecdsa), 0 when it varies (rsa).
	 * burrow_key_generate picks among the entries of one type by it. */
	int fixed_bits;
	int param;               /* per type: the curve (enum ecdsa_curve) of an ecdsa entry */

	int (*bits)(const struct burrow_key *key);
	int (*generate)(struct burrow_key *key, int bits);
	/* Key data after the type name of a public blob: 0, or BURROW_E_PARSE when malformed (the
	 * reader may be latched), BURROW_E_UNSUPPORTED for a key of a size we refuse. */
	int (*public_read)(struct burrow_key *key, struct rd *r);
	int (*public_write)(const struct burrow_key *key, struct buf *b);
	/* Key data after the type name in openssh-key-v1's private section (PROTOCOL.key). */
	int (*private_read)(struct burrow_key *key, struct rd *r);
	int (*private_write)(const struct burrow_key *key, struct buf *b);
	bool (*equal_public)(const struct burrow_key *a, const struct burrow_key *b);
	/* Raw signature bytes (the inner string of the signature blob), appended to sig. */
	int (*sign)(const struct burrow_key *key, const char *sig_alg, const uint8_t *data,
		    size_t len, struct buf *sig);
	/* 0 when raw is a valid signature by key over data, BURROW_E_SIGNATURE otherwise. */
	int (*verify)(const struct burrow_key *key, struct bstr sig_alg, struct bstr raw,
		      const uint8_t *data, size_t len);
	/* Frees what the key holds outside the struct (libcrypto keys); NULL when nothing. */
	void (*free_data)(struct burrow_key *key);
};

struct ecdsa_key;
struct rsa_key;
struct key_cert;

struct burrow_key {
	const struct key_ops *ops;  /* the plain key type, for certificates too */
	bool has_private;
	struct key_cert *cert;      /* cert.c: set when this is an OpenSSH certificate */
	union {
		struct {
			uint8_t pub[ED25519_PUBLIC_LEN];
			uint8_t seed[ED25519_SEED_LEN];
		} ed25519;
		struct ecdsa_key *ecdsa; /* crypto/ecdsa.c: the point, and the scalar if has_private */
		struct rsa_key *rsa;     /* crypto/rsa.c: n and e, and the private numbers if has_private */
	} u;
};

/* The key types, one file each. */
extern const struct key_ops keys_ed25519_ops;
extern const struct key_ops keys_ecdsa_nistp256_ops, keys_ecdsa_nistp384_ops, keys_ecdsa_nistp521_ops;
extern const struct key_ops keys_rsa_ops;

/* The operations of an implemented key type, by wire name or enum; NULL when not implemented.
 * By enum: the first entry of that type (ecdsa: nistp256). */
const struct key_ops *keys_ops_by_name(struct bstr name);
const struct key_ops *keys_ops_by_type(enum burrow_key_type type);
/* True when `name` is a key type name OpenSSH knows, implemented here or not. */
bool keys_type_name_known(struct bstr name);
/* 0 when the key type is implemented, BURROW_E_UNSUPPORTED when the name is a well-formed
 * SSH name we do not implement, BURROW_E_PARSE otherwise. */
int keys_check_type_name(struct bstr name);

/* openssh-key-v1 private section key: string type || type-specific private data. */
int keys_private_read(struct rd *r, struct burrow_key **out);
/* The same from a whole buffer, which the key must fill exactly (BURROW_E_PARSE otherwise). */
int keys_private_read_all(const struct buf *b, struct burrow_key **out);
int keys_private_write(const struct burrow_key *key, struct buf *b);

/* A view of an mpint's magnitude: the bytes of rd_mpint() without the 0x00 sign byte. */
struct bstr keys_mpint_magnitude(struct bstr mpint);

/* Moves a built buffer into a malloc'd array for a caller that frees it with free(). */
int keys_buf_detach(struct buf *b, uint8_t **out, size_t *len);

/*
 * Text helpers (keyline.c) over (pointer, length) views.
 */
/* Next line of text; strips "\n" and a "\r" before it. False at the end. */
bool keys_next_line(struct bstr text, size_t *pos, struct bstr *line);
/* Drops leading spaces and tabs. */
struct bstr keys_skip_blanks(struct bstr s);
/* The token up to the first space or tab (or the end). */
struct bstr keys_token(struct bstr s);
/*
 * Reads "type base64" at the start of *s (like OpenSSH's sshkey_read) and advances *s past the
 * key and the blanks after it. The blob's type must equal the text's type. On failure *s is
 * unchanged: BURROW_E_PARSE, or BURROW_E_UNSUPPORTED for a type we do not implement.
 */
int keys_read_key_text(struct bstr *s, struct burrow_key **out);
/* Skips an option list (sshd(8) AUTHORIZED_KEYS FILE FORMAT) at the start of *s, honouring
 * quotes and \" escapes; BURROW_E_PARSE on an unterminated quote. Does not check names. */
int keys_skip_options(struct bstr *s);

/*
 * known_hosts lines (known_hosts.c), shared with the editing of known_hosts_edit.c.
 */
/* Splits a line into marker, host field and the rest (from the blank after the host field);
 * false for a blank, comment or malformed line, or one without a key part. */
bool known_hosts_split(struct bstr line, enum burrow_known_hosts_marker *marker, struct bstr *hosts,
		       struct bstr *rest);
/* A hashed host field starts with this (OpenSSH hostfile.c HASH_MAGIC): |1|salt|hmac. */
#define KNOWN_HOSTS_HASH_MAGIC "|1|"
bool known_hosts_is_hashed(struct bstr field);
/* 1 when a host field (a pattern list, or one hashed |1|salt|hash entry) names `host`, 0 when
 * not (also when a negated pattern matches); negative on an internal error. */
int known_hosts_host_match(struct bstr host, struct bstr field);

/*
 * Private key files (keyfile_openssh.c, keyfile_pem.c; keyfiles engineer).
 */
/* openssh-key-v1 with a chosen cipher (NULL: aes256-ctr; ignored without passphrase), as
 * ssh-keygen -Z. BURROW_E_UNSUPPORTED for a cipher we lack. */
int keyfile_openssh_format(const struct burrow_key *key, const char *comment, const char *passphrase,
			   unsigned rounds, const char *cipher_name, char **out);
/* True when text starts (after blank lines) with a PEM armour line keyfile_pem.c reads. */
bool keyfile_pem_recognised(const char *text, size_t len);
int keyfile_pem_parse_private(const char *text, size_t len, const char *passphrase, struct burrow_key **out,
			      char **comment_out);
/* The public half of a PEM private key; BURROW_E_PASSPHRASE when it is encrypted. */
int keyfile_pem_parse_public(const char *text, size_t len, struct burrow_key **out);
/* Public keys in other formats (keyfile_convert.c dispatches by format). */
int keyfile_pem_export_public(const struct burrow_key *key, enum burrow_key_format format, char **out);
int keyfile_pem_import_public(const char *text, size_t len, enum burrow_key_format format, struct burrow_key **out);
int keyfile_rfc4716_export(const struct burrow_key *key, const char *comment, char **out);
int keyfile_rfc4716_import(const char *text, size_t len, struct burrow_key **out);

/*
 * OpenSSH certificates (cert.c, PROTOCOL.certkeys). A certificate is a key object of the plain
 * type (ops) with `cert` set: the key data is the certified key's, the blob and the type and
 * signature algorithm names are the -cert-v01@openssh.com ones.
 */
/* True when name is a certificate type we implement ("ssh-ed25519-cert-v01@openssh.com"). */
bool cert_type_name_known(struct bstr name);
/* A certificate blob whose type name is `name` (cert_type_name_known): parsed strictly, the
 * CA's signature verified (BURROW_E_SIGNATURE when it does not). */
int cert_key_from_blob(const uint8_t *blob, size_t len, struct bstr name, struct burrow_key **out);
void cert_free(struct key_cert *cert);
const uint8_t *cert_blob(const struct key_cert *cert, size_t *len);
bool cert_equal(const struct key_cert *a, const struct key_cert *b);
const char *cert_type_name(const struct burrow_key *key);   /* of a certificate key */
const char *cert_type_short(const struct burrow_key *key);  /* "ED25519-CERT" */
const char *const *cert_sig_algs(const struct burrow_key *key);
/* The algorithm inside a certificate key's signature blobs: "rsa-sha2-512" for
 * "rsa-sha2-512-cert-v01@openssh.com"; NULL for a name that is not a certificate algorithm. */
const char *cert_sig_alg_plain(const char *cert_alg);
/* The blob of the certified key without the certificate (what fingerprints hash, as OpenSSH). */
int keys_plain_blob(const struct burrow_key *key, uint8_t **blob, size_t *len);

#endif

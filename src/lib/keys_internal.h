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

struct burrow_key {
	const struct key_ops *ops;
	bool has_private;
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

#endif

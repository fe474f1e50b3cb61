/*
 * Revoked keys (sshd's RevokedKeys, OpenSSH krl.c / sshkey_check_revoked): an OpenSSH Key
 * Revocation List (PROTOCOL.krl) or a plain list of public keys.
 *
 * A KRL is read whole on every check, as sshd re-reads the file: any malformed part refuses the
 * lot (BURROW_E_PARSE), so a damaged KRL fails closed. Keys are compared by their plain blob (a
 * certificate's certified key), as OpenSSH's plain_key_blob; for a certificate its CA is looked
 * up too, and the certificate sections revoke by serial (list, range, bitmap) or key id. The
 * signature section is not checked (sshd does not either).
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "crypto/crypto.h"
#include "keys_internal.h"

#define KRL_MAGIC 0x5353484b524c0a00ULL /* "SSHKRL\n\0" */
#define KRL_FORMAT_VERSION 1

enum krl_section {
	KRL_SECTION_CERTIFICATES = 1,
	KRL_SECTION_EXPLICIT_KEY = 2,
	KRL_SECTION_FINGERPRINT_SHA1 = 3,
	KRL_SECTION_SIGNATURE = 4,
	KRL_SECTION_FINGERPRINT_SHA256 = 5,
};

enum krl_cert_section {
	KRL_SECTION_CERT_SERIAL_LIST = 0x20,
	KRL_SECTION_CERT_SERIAL_RANGE = 0x21,
	KRL_SECTION_CERT_SERIAL_BITMAP = 0x22,
	KRL_SECTION_CERT_KEY_ID = 0x23,
};

/* What a key is looked up by: its plain blob and that blob's hashes. */
struct krl_subject {
	uint8_t *blob;
	size_t len;
	uint8_t sha1[20], sha256[32];
};

static int krl_subject_init(struct krl_subject *s, const struct burrow_key *key)
{
	memset(s, 0, sizeof(*s));
	struct burrow_key *plain = NULL;
	int err = burrow_key_is_cert(key) ? burrow_cert_key_dup_plain(key, &plain) : 0;
	if (err == 0)
		err = burrow_key_to_blob(plain ? plain : key, &s->blob, &s->len);
	burrow_key_free(plain);
	if (err == 0 && (hash_oneshot(HASH_SHA1, s->blob, s->len, s->sha1) < 0 ||
			 hash_oneshot(HASH_SHA256, s->blob, s->len, s->sha256) < 0))
		err = BURROW_E_CRYPTO;
	return err;
}

static void krl_subject_free(struct krl_subject *s)
{
	free(s->blob);
	s->blob = NULL;
}

/* The certificate being checked: its CA's blob, serial and key id. */
struct krl_cert {
	bool present;
	uint8_t *ca_blob;
	size_t ca_len;
	uint64_t serial;
	const char *key_id;
};

static bool krl_same(struct bstr a, const uint8_t *b, size_t len)
{
	return a.len == len && memcmp(a.p, b, len) == 0;
}

/* A section that lists keys: explicit blobs or fingerprints of `hash_len` bytes (0: blobs). */
static int krl_key_section(struct bstr data, size_t hash_len, const struct krl_subject *const *subjects, size_t n,
			   bool *revoked)
{
	struct rd r;
	rd_init(&r, data.p, data.len);
	while (rd_remaining(&r) > 0) {
		struct bstr item = rd_string(&r);
		if (!rd_ok(&r) || (hash_len && item.len != hash_len) || item.len == 0)
			return BURROW_E_PARSE;
		for (size_t i = 0; i < n; i++) {
			const struct krl_subject *s = subjects[i];
			if ((hash_len == 0 && krl_same(item, s->blob, s->len)) ||
			    (hash_len == 20 && krl_same(item, s->sha1, 20)) || (hash_len == 32 && krl_same(item, s->sha256, 32)))
				*revoked = true;
		}
	}
	return rd_ok(&r) ? 0 : BURROW_E_PARSE;
}

/* Bit (serial - offset) of a big-endian bitmap, counted from the least significant bit. */
static bool krl_bitmap_has(uint64_t offset, struct bstr bitmap, uint64_t serial)
{
	if (serial < offset)
		return false;
	uint64_t bit = serial - offset;
	if (bit / 8 >= bitmap.len)
		return false;
	return (bitmap.p[bitmap.len - 1 - bit / 8] >> (bit % 8)) & 1;
}

/* One certificate subsection; `applies`: the certificate is of this section's CA. Zero serials
 * are never revoked by serial (OpenSSH: the default of a CA that does not number). */
static int krl_cert_subsection(uint8_t type, struct bstr data, const struct krl_cert *cert, bool applies, bool *revoked)
{
	struct rd r;
	rd_init(&r, data.p, data.len);
	bool by_serial = applies && cert->serial != 0;
	switch (type) {
	case KRL_SECTION_CERT_SERIAL_LIST:
		while (rd_remaining(&r) > 0) {
			uint64_t serial = rd_u64(&r);
			if (rd_ok(&r) && by_serial && serial == cert->serial)
				*revoked = true;
		}
		break;
	case KRL_SECTION_CERT_SERIAL_RANGE: {
		uint64_t lo = rd_u64(&r), hi = rd_u64(&r);
		if (!rd_done(&r) || lo > hi)
			return BURROW_E_PARSE;
		if (by_serial && cert->serial >= lo && cert->serial <= hi)
			*revoked = true;
		break;
	}
	case KRL_SECTION_CERT_SERIAL_BITMAP: {
		uint64_t offset = rd_u64(&r);
		struct bstr bitmap = rd_mpint(&r);
		if (!rd_done(&r))
			return BURROW_E_PARSE;
		if (by_serial && krl_bitmap_has(offset, bitmap, cert->serial))
			*revoked = true;
		break;
	}
	case KRL_SECTION_CERT_KEY_ID:
		while (rd_remaining(&r) > 0) {
			struct bstr id = rd_string(&r);
			if (rd_ok(&r) && applies && cert->key_id && bstr_eq(id, cert->key_id))
				*revoked = true;
		}
		break;
	default:
		return BURROW_E_PARSE; /* OpenSSH refuses a KRL with an unknown certificate section */
	}
	return rd_done(&r) ? 0 : BURROW_E_PARSE;
}

static int krl_cert_section(struct bstr data, const struct krl_cert *cert, bool *revoked)
{
	struct rd r;
	rd_init(&r, data.p, data.len);
	struct bstr ca = rd_string(&r);
	rd_string(&r); /* reserved */
	if (!rd_ok(&r))
		return BURROW_E_PARSE;
	/* An empty CA key stands for any CA (OpenSSH's wildcard). */
	bool applies = cert->present && (ca.len == 0 || krl_same(ca, cert->ca_blob, cert->ca_len));
	while (rd_remaining(&r) > 0) {
		uint8_t type = rd_u8(&r);
		struct bstr sub = rd_string(&r);
		if (!rd_ok(&r))
			return BURROW_E_PARSE;
		int err = krl_cert_subsection(type, sub, cert, applies, revoked);
		if (err < 0)
			return err;
	}
	return rd_ok(&r) ? 0 : BURROW_E_PARSE;
}

bool burrow_krl_is_krl(const uint8_t *data, size_t len)
{
	struct rd r;
	rd_init(&r, data, len);
	return rd_u64(&r) == KRL_MAGIC && rd_ok(&r);
}

static int krl_scan(const uint8_t *data, size_t len, const struct krl_subject *const *subjects, size_t n,
		    const struct krl_cert *cert, bool *revoked)
{
	struct rd r;
	rd_init(&r, data, len);
	uint64_t magic = rd_u64(&r);
	uint32_t version = rd_u32(&r);
	rd_u64(&r); /* krl_version */
	rd_u64(&r); /* generated_date */
	rd_u64(&r); /* flags */
	rd_string(&r); /* reserved */
	rd_string(&r); /* comment */
	if (!rd_ok(&r) || magic != KRL_MAGIC || version != KRL_FORMAT_VERSION)
		return BURROW_E_PARSE;
	while (rd_remaining(&r) > 0) {
		uint8_t type = rd_u8(&r);
		struct bstr section = rd_string(&r);
		if (!rd_ok(&r))
			return BURROW_E_PARSE;
		int err;
		switch (type) {
		case KRL_SECTION_CERTIFICATES:
			err = krl_cert_section(section, cert, revoked);
			break;
		case KRL_SECTION_EXPLICIT_KEY:
			err = krl_key_section(section, 0, subjects, n, revoked);
			break;
		case KRL_SECTION_FINGERPRINT_SHA1:
			err = krl_key_section(section, 20, subjects, n, revoked);
			break;
		case KRL_SECTION_FINGERPRINT_SHA256:
			err = krl_key_section(section, 32, subjects, n, revoked);
			break;
		case KRL_SECTION_SIGNATURE:
			return 0; /* signatures come last; not checked, as sshd does not */
		default:
			return BURROW_E_PARSE;
		}
		if (err < 0)
			return err;
	}
	return rd_ok(&r) ? 0 : BURROW_E_PARSE;
}

int burrow_krl_check(const uint8_t *data, size_t len, const struct burrow_key *key)
{
	if (!data || !key)
		return BURROW_E_INVALID;
	struct krl_subject subject, ca_subject;
	struct krl_cert cert = { 0 };
	const struct krl_subject *subjects[2] = { &subject, &ca_subject };
	size_t n = 1;
	memset(&ca_subject, 0, sizeof(ca_subject));
	int err = krl_subject_init(&subject, key);
	if (err == 0 && burrow_key_is_cert(key)) {
		const struct burrow_key *ca = burrow_cert_signature_key(key);
		cert.present = true;
		cert.serial = burrow_cert_serial(key);
		cert.key_id = burrow_cert_key_id(key);
		err = krl_subject_init(&ca_subject, ca); /* the CA itself may be revoked */
		if (err == 0)
			err = burrow_key_to_blob(ca, &cert.ca_blob, &cert.ca_len);
		n = 2;
	}
	bool revoked = false;
	if (err == 0)
		err = krl_scan(data, len, subjects, n, &cert, &revoked);
	krl_subject_free(&subject);
	krl_subject_free(&ca_subject);
	free(cert.ca_blob);
	return err < 0 ? err : revoked ? 1 : 0;
}

/* sshkey_in_file(key, file, strict_type 0, check_ca 1): any line's key equal to the key, or to a
 * certificate's CA. Lines that are no key are skipped, as OpenSSH does. */
static int revoked_list_check(const uint8_t *data, size_t len, const struct burrow_key *key)
{
	const struct burrow_key *ca = burrow_key_is_cert(key) ? burrow_cert_signature_key(key) : NULL;
	struct burrow_key *plain = NULL;
	if (ca && burrow_cert_key_dup_plain(key, &plain) < 0)
		return BURROW_E_NOMEM;
	const struct burrow_key *subject = plain ? plain : key;
	bool revoked = false;
	for (size_t pos = 0; pos < len && !revoked;) {
		const uint8_t *nl = memchr(data + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - data) : len;
		const char *line = (const char *)data + pos;
		size_t line_len = end - pos;
		pos = end + 1;
		struct burrow_key *listed = NULL;
		char *comment = NULL;
		if (burrow_key_parse_any_line(line, line_len, &listed, &comment) != 0)
			continue;
		const struct burrow_key *listed_plain = listed;
		struct burrow_key *listed_copy = NULL;
		if (burrow_key_is_cert(listed) && burrow_cert_key_dup_plain(listed, &listed_copy) == 0)
			listed_plain = listed_copy;
		revoked = burrow_key_equal_public(listed_plain, subject) || (ca && burrow_key_equal_public(listed_plain, ca));
		burrow_key_free(listed_copy);
		burrow_key_free(listed);
		free(comment);
	}
	burrow_key_free(plain);
	return revoked ? 1 : 0;
}

int burrow_revoked_keys_check(const uint8_t *data, size_t len, const struct burrow_key *key)
{
	if (!data || !key)
		return BURROW_E_INVALID;
	if (burrow_krl_is_krl(data, len))
		return burrow_krl_check(data, len, key);
	return revoked_list_check(data, len, key);
}

/*
 * Whether a genuine certificate may be used: its type, validity interval and principals
 * (OpenSSH sshkey_cert_check_authority), and the critical options sshd enforces
 * (PROTOCOL.certkeys: force-command, source-address; any other critical option refuses it).
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "keys_internal.h"
#include "match.h"

static bool cert_principal_listed(const struct burrow_key *cert, const char *principal, bool wildcards)
{
	size_t n = burrow_cert_principal_count(cert);
	for (size_t i = 0; i < n; i++) {
		const char *listed = burrow_cert_principal(cert, i);
		if (wildcards ? match_pattern(bstr_cstr(principal), bstr_cstr(listed), true)
			      : strcmp(listed, principal) == 0)
			return true;
	}
	return false;
}

int burrow_cert_check(const struct burrow_key *cert, enum burrow_cert_type want_type, const char *principal,
		      uint64_t now, const char **reason)
{
	static const char *dummy;
	if (!reason)
		reason = &dummy;
	/* OpenSSH's default CASignatureAlgorithms leave SHA-1 out (sshkey_check_cert_sigtype). */
	if (burrow_key_is_cert(cert) && burrow_cert_check_sig_alg(cert, NULL) == BURROW_E_NOMATCH) {
		*reason = strcmp(burrow_cert_signature_alg(cert), "ssh-rsa") == 0
				  ? "Certificate signature algorithm ssh-rsa: signature algorithm not supported"
				  : "Certificate signature algorithm not supported";
		return BURROW_E_NOMATCH;
	}
	return burrow_cert_check_authority(cert, want_type, principal, now, reason);
}

int burrow_cert_check_authority(const struct burrow_key *cert, enum burrow_cert_type want_type, const char *principal,
				uint64_t now, const char **reason)
{
	static const char *dummy;
	if (!reason)
		reason = &dummy;
	*reason = NULL;
	if (!burrow_key_is_cert(cert)) {
		*reason = "Key is not a certificate";
		return BURROW_E_INVALID;
	}
	bool host = want_type == BURROW_CERT_HOST;
	if (burrow_cert_type(cert) != want_type) {
		*reason = host ? "Certificate invalid: not a host certificate"
			       : "Certificate invalid: not a user certificate";
		return BURROW_E_NOMATCH;
	}
	if (now < burrow_cert_valid_after(cert)) {
		*reason = "Certificate invalid: not yet valid";
		return BURROW_E_NOMATCH;
	}
	if (now >= burrow_cert_valid_before(cert)) {
		*reason = "Certificate invalid: expired";
		return BURROW_E_NOMATCH;
	}
	if (burrow_cert_principal_count(cert) == 0) {
		/* sshd requires a principal list of user certificates; ssh takes a host certificate
		 * without one as valid for every host. */
		if (!host) {
			*reason = "Certificate lacks principal list";
			return BURROW_E_NOMATCH;
		}
	} else if (principal && !cert_principal_listed(cert, principal, host)) {
		*reason = "Certificate invalid: name is not a listed principal";
		return BURROW_E_NOMATCH;
	}
	return 0;
}

/* ---- critical options ---- */

static int cert_take_option(char **slot, const char *name, const char *value, char **unknown)
{
	if (*slot || !value) { /* twice, or data that is not one string */
		*unknown = strdup(name);
		return *unknown ? BURROW_E_PARSE : BURROW_E_NOMEM;
	}
	*slot = strdup(value);
	return *slot ? 0 : BURROW_E_NOMEM;
}

int burrow_cert_critical_options(const struct burrow_key *cert, char **force_command, char **source_address,
				 char **unknown)
{
	if (!burrow_key_is_cert(cert) || !force_command || !source_address || !unknown)
		return BURROW_E_INVALID;
	*force_command = *source_address = *unknown = NULL;
	int err = 0;
	size_t n = burrow_cert_option_count(cert, true);
	for (size_t i = 0; i < n && err == 0; i++) {
		const char *name, *value;
		burrow_cert_option(cert, true, i, &name, &value);
		if (strcmp(name, "force-command") == 0) {
			err = cert_take_option(force_command, name, value, unknown);
		} else if (strcmp(name, "source-address") == 0) {
			err = cert_take_option(source_address, name, value, unknown);
		} else {
			*unknown = strdup(name);
			err = *unknown ? BURROW_E_UNSUPPORTED : BURROW_E_NOMEM;
		}
	}
	if (err) {
		free(*force_command);
		free(*source_address);
		*force_command = *source_address = NULL;
	}
	return err;
}

/* ---- source-address: address/prefix lists (sshd addr_match_cidr_list) ---- */

struct cert_addr {
	int family;
	uint8_t bytes[16];
	size_t len;
};

static bool cert_addr_parse(const char *text, struct cert_addr *a)
{
	if (inet_pton(AF_INET, text, a->bytes) == 1) {
		a->family = AF_INET;
		a->len = 4;
		return true;
	}
	if (inet_pton(AF_INET6, text, a->bytes) == 1) {
		a->family = AF_INET6;
		a->len = 16;
		return true;
	}
	return false;
}

static bool cert_addr_in_prefix(const struct cert_addr *addr, const struct cert_addr *net, unsigned bits)
{
	for (size_t i = 0; i < net->len && bits > 0; i++) {
		unsigned take = bits >= 8 ? 8 : bits;
		uint8_t mask = (uint8_t)(0xff << (8 - take));
		if ((addr->bytes[i] & mask) != (net->bytes[i] & mask))
			return false;
		bits -= take;
	}
	return true;
}

/* One entry "addr" or "addr/bits": 1 when addr is in it, 0 when not, BURROW_E_PARSE when invalid. */
static int cert_cidr_entry_match(struct bstr entry, const struct cert_addr *addr)
{
	char text[64];
	if (entry.len == 0 || entry.len >= sizeof(text))
		return BURROW_E_PARSE;
	memcpy(text, entry.p, entry.len);
	text[entry.len] = 0;
	char *slash = strchr(text, '/');
	long bits = -1;
	if (slash) {
		char *end;
		*slash = 0;
		bits = strtol(slash + 1, &end, 10);
		if (slash[1] == 0 || *end || bits < 0)
			return BURROW_E_PARSE;
	}
	struct cert_addr net;
	if (!cert_addr_parse(text, &net) || bits > (long)net.len * 8)
		return BURROW_E_PARSE;
	if (bits < 0)
		bits = (long)net.len * 8;
	/* A network entry must not have host bits set (sshd: "addr/len" with bits past len). */
	for (size_t i = 0; i < net.len; i++) {
		long first = (long)i * 8;
		uint8_t host_mask = bits >= first + 8 ? 0 : bits <= first ? 0xff : (uint8_t)(0xff >> (bits - first));
		if (net.bytes[i] & host_mask)
			return BURROW_E_PARSE;
	}
	return net.family == addr->family && cert_addr_in_prefix(addr, &net, (unsigned)bits);
}

int burrow_cert_source_address_match(const char *list, const char *addr, bool *match)
{
	if (!list || !addr || !match)
		return BURROW_E_INVALID;
	*match = false;
	struct cert_addr a;
	bool addr_ok = cert_addr_parse(addr, &a);
	struct bstr whole = bstr_cstr(list), entry;
	size_t pos = 0;
	while (namelist_next(whole, &pos, &entry)) {
		int m = cert_cidr_entry_match(entry, addr_ok ? &a : &(struct cert_addr){ 0 });
		if (m < 0)
			return m;
		if (m && addr_ok)
			*match = true;
	}
	return 0;
}

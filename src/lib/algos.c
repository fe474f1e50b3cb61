/* The algorithm tables: what we implement and what we offer by default, most preferred first. */
#include <stdlib.h>
#include <string.h>

#include "conn_internal.h"
#include "kex.h"
#include "match.h"

/* OpenSSH certificates (PROTOCOL.certkeys; cert.c), as host keys and in publickey auth. OpenSSH's
 * defaults list them first, before the plain keys; SHA-1 ssh-rsa-cert stays off by default. */
static const char *const cert_algorithms[] = {
	"ssh-ed25519-cert-v01@openssh.com", "ecdsa-sha2-nistp256-cert-v01@openssh.com",
	"ecdsa-sha2-nistp384-cert-v01@openssh.com", "ecdsa-sha2-nistp521-cert-v01@openssh.com",
	"rsa-sha2-512-cert-v01@openssh.com", "rsa-sha2-256-cert-v01@openssh.com", "ssh-rsa-cert-v01@openssh.com",
};
#define CERT_ALGS_DEFAULT "ssh-ed25519-cert-v01@openssh.com,ecdsa-sha2-nistp256-cert-v01@openssh.com," \
	"ecdsa-sha2-nistp384-cert-v01@openssh.com,ecdsa-sha2-nistp521-cert-v01@openssh.com," \
	"rsa-sha2-512-cert-v01@openssh.com,rsa-sha2-256-cert-v01@openssh.com"

/* Names of signature algorithms we can verify and make, as host keys and in publickey auth
 * (the keys module's sig_algs; ssh-rsa is RSA with SHA-1). */
static const char *const hostkey_algorithms[] = {
	"ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
	"rsa-sha2-512", "rsa-sha2-256", "ssh-rsa",
};
#define SIG_SUPPORTED "ssh-ed25519,ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,ecdsa-sha2-nistp521," \
	"rsa-sha2-512,rsa-sha2-256,ssh-rsa," CERT_ALGS_DEFAULT ",ssh-rsa-cert-v01@openssh.com"
/* Host key algorithms: the client offers OpenSSH 10's order (certificates first); the server leaves out the
 * NIST curves (ssh-audit: "suspected as being backdoored"). ssh-rsa (SHA-1) is off on both sides
 * and stays available by config, as in OpenSSH since 8.8. The server offers only those of its
 * list it holds a host key for (conn.c). */
#define HOSTKEY_CLIENT CERT_ALGS_DEFAULT "," HOSTKEY_CLIENT_PLAIN
#define HOSTKEY_CLIENT_PLAIN "ssh-ed25519,ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,ecdsa-sha2-nistp521," \
	"rsa-sha2-512,rsa-sha2-256"
#define HOSTKEY_SERVER "ssh-ed25519,rsa-sha2-512,rsa-sha2-256," \
	"ssh-ed25519-cert-v01@openssh.com,rsa-sha2-512-cert-v01@openssh.com,rsa-sha2-256-cert-v01@openssh.com"
/* Publickey authentication, both sides: OpenSSH's PubkeyAcceptedAlgorithms default, certificates
 * first (the server accepts ECDSA user keys; only SHA-1 ssh-rsa needs configuring). */
#define PUBKEY_DEFAULT HOSTKEY_CLIENT

/* Key exchange: the client offers OpenSSH 10's list. The server offers what ssh-audit rates
 * neither fail nor warn (tests/interop/ssh_audit.sh): no NIST curves ("suspected as being
 * backdoored"), no group14 ("2048-bit modulus only provides 112-bits of symmetric strength"), no
 * SHA-1, and not the @openssh.com name of sntrup761x25519-sha512, which Debian's ssh-audit 2.5.0
 * still calls "experimental" (current ssh-audit rates it clean). All stay available by config. */
#define KEX_CLIENT "mlkem768x25519-sha256,sntrup761x25519-sha512,sntrup761x25519-sha512@openssh.com," \
	"curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,ecdh-sha2-nistp384,ecdh-sha2-nistp521," \
	"diffie-hellman-group-exchange-sha256,diffie-hellman-group16-sha512,diffie-hellman-group18-sha512," \
	"diffie-hellman-group14-sha256"
#define KEX_SERVER "mlkem768x25519-sha256,sntrup761x25519-sha512,curve25519-sha256,curve25519-sha256@libssh.org," \
	"diffie-hellman-group-exchange-sha256,diffie-hellman-group16-sha512,diffie-hellman-group18-sha512"
#define KEX_SUPPORTED "mlkem768x25519-sha256,sntrup761x25519-sha512,sntrup761x25519-sha512@openssh.com," \
	"curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,ecdh-sha2-nistp384,ecdh-sha2-nistp521," \
	"diffie-hellman-group-exchange-sha256,diffie-hellman-group16-sha512,diffie-hellman-group18-sha512," \
	"diffie-hellman-group14-sha256,diffie-hellman-group14-sha1,diffie-hellman-group1-sha1," \
	"diffie-hellman-group-exchange-sha1"

/*
 * The client offers what OpenSSH's client offers, so it reaches old servers; the server offers
 * only what ssh-audit rates neither fail nor warn (encrypt-then-MAC only, no SHA-1), so a fresh
 * server is hardened. Everything else stays available through the config keywords.
 */
#define CIPHERS_CLIENT "chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr," \
	"aes128-gcm@openssh.com,aes256-gcm@openssh.com"
#define CIPHERS_SERVER "chacha20-poly1305@openssh.com,aes256-gcm@openssh.com,aes128-gcm@openssh.com," \
	"aes256-ctr,aes192-ctr,aes128-ctr"
#define MACS_CLIENT "hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com,hmac-sha1-etm@openssh.com," \
	"hmac-sha2-256,hmac-sha2-512,hmac-sha1"
#define MACS_SERVER "hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com"

static const char *const default_lists[2][KEX_CAT_COUNT] = {
	[BURROW_CLIENT] = {
		[KEX_CAT_KEX] = KEX_CLIENT,
		[KEX_CAT_HOSTKEY] = HOSTKEY_CLIENT,
		[KEX_CAT_CIPHER_C2S] = CIPHERS_CLIENT,
		[KEX_CAT_CIPHER_S2C] = CIPHERS_CLIENT,
		[KEX_CAT_MAC_C2S] = MACS_CLIENT,
		[KEX_CAT_MAC_S2C] = MACS_CLIENT,
		[KEX_CAT_COMP_C2S] = "none",
		[KEX_CAT_COMP_S2C] = "none",
	},
	/* sshd's default Compression is "yes", which OpenSSH 9 means as zlib@openssh.com only. */
	[BURROW_SERVER] = {
		[KEX_CAT_KEX] = KEX_SERVER,
		[KEX_CAT_HOSTKEY] = HOSTKEY_SERVER,
		[KEX_CAT_CIPHER_C2S] = CIPHERS_SERVER,
		[KEX_CAT_CIPHER_S2C] = CIPHERS_SERVER,
		[KEX_CAT_MAC_C2S] = MACS_SERVER,
		[KEX_CAT_MAC_S2C] = MACS_SERVER,
		[KEX_CAT_COMP_C2S] = "none,zlib@openssh.com",
		[KEX_CAT_COMP_S2C] = "none,zlib@openssh.com",
	},
};

const char *algos_default(enum burrow_role role, enum kex_category cat)
{
	return default_lists[role == BURROW_SERVER][cat];
}

const char *algos_default_pubkey(void)
{
	return PUBKEY_DEFAULT;
}

bool algos_supported(enum kex_category cat, struct bstr name)
{
	switch (cat) {
	case KEX_CAT_KEX:
		return kex_method_find(name) != NULL;
	case KEX_CAT_HOSTKEY:
		for (size_t i = 0; i < sizeof(hostkey_algorithms) / sizeof(hostkey_algorithms[0]); i++)
			if (bstr_eq(name, hostkey_algorithms[i]))
				return true;
		for (size_t i = 0; i < sizeof(cert_algorithms) / sizeof(cert_algorithms[0]); i++)
			if (bstr_eq(name, cert_algorithms[i]))
				return true;
		return false;
	case KEX_CAT_CIPHER_C2S:
	case KEX_CAT_CIPHER_S2C:
		return pkt_cipher_find((const char *)name.p, name.len) != NULL;
	case KEX_CAT_MAC_C2S:
	case KEX_CAT_MAC_S2C:
		return pkt_mac_find((const char *)name.p, name.len) != NULL;
	case KEX_CAT_COMP_C2S:
	case KEX_CAT_COMP_S2C:
		return bstr_eq(name, "none") || bstr_eq(name, "zlib@openssh.com") || bstr_eq(name, "zlib");
	default:
		return false;
	}
}

int algos_filter_supported(enum kex_category cat, const char *list, char **out)
{
	size_t n = strlen(list);
	char *result = malloc(n + 1);
	if (!result)
		return BURROW_E_NOMEM;
	size_t used = 0, pos = 0;
	struct bstr name;
	struct bstr whole = bstr_from(list, n);
	while (namelist_next(whole, &pos, &name)) {
		if (!algos_supported(cat, name) || namelist_contains(bstr_from(result, used), name))
			continue;
		if (used)
			result[used++] = ',';
		memcpy(result + used, name.p, name.len);
		used += name.len;
	}
	result[used] = 0;
	*out = result;
	return 0;
}

static bool algos_matches_any(struct bstr name, struct bstr patterns)
{
	size_t pos = 0;
	struct bstr pattern;
	while (namelist_next(patterns, &pos, &pattern))
		if (match_pattern(name, pattern, false))
			return true;
	return false;
}

/* Appends the names of `list` to out (no duplicates), skipping those matching `drop`. */
static void algos_append(struct buf *out, struct bstr list, struct bstr drop)
{
	size_t pos = 0;
	struct bstr name;
	while (namelist_next(list, &pos, &name)) {
		if (name.len == 0 || (drop.len && algos_matches_any(name, drop)) ||
		    namelist_contains(bstr_from(buf_ptr(out), buf_len(out)), name))
			continue;
		if (buf_len(out))
			buf_put_u8(out, ',');
		buf_put(out, name.p, name.len);
	}
}

int algos_resolve(const char *default_list, const char *spec, char **out)
{
	struct bstr defaults = bstr_cstr(default_list);
	struct bstr rest = bstr_cstr(spec[0] ? spec + 1 : spec);
	struct bstr none = bstr_from(NULL, 0);
	struct buf b;
	buf_init(&b);
	switch (spec[0]) {
	case '+':
		algos_append(&b, defaults, none);
		algos_append(&b, rest, none);
		break;
	case '-':
		algos_append(&b, defaults, rest);
		break;
	case '^':
		algos_append(&b, rest, none);
		algos_append(&b, defaults, none);
		break;
	default:
		algos_append(&b, bstr_cstr(spec), none);
	}
	buf_put_u8(&b, 0);
	*out = buf_ok(&b) ? bstr_dup(bstr_cstr((const char *)buf_ptr(&b))) : NULL;
	buf_free(&b);
	return *out ? 0 : BURROW_E_NOMEM;
}

/* ---- public listing ---- */

static const enum kex_category kind_category[] = {
	[BURROW_ALGO_KEX] = KEX_CAT_KEX,
	[BURROW_ALGO_HOSTKEY] = KEX_CAT_HOSTKEY,
	[BURROW_ALGO_CIPHER] = KEX_CAT_CIPHER_C2S,
	[BURROW_ALGO_MAC] = KEX_CAT_MAC_C2S,
	[BURROW_ALGO_COMPRESSION] = KEX_CAT_COMP_C2S,
	[BURROW_ALGO_SIG] = KEX_CAT_HOSTKEY,
};

/* Everything implemented, default-off names included (kept in step with the tables above). */
static const char *const supported_lists[] = {
	[BURROW_ALGO_KEX] = KEX_SUPPORTED,
	[BURROW_ALGO_HOSTKEY] = SIG_SUPPORTED,
	[BURROW_ALGO_CIPHER] = "chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr,"
			       "aes128-gcm@openssh.com,aes256-gcm@openssh.com",
	[BURROW_ALGO_MAC] = "hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com,hmac-sha1-etm@openssh.com,"
			    "hmac-sha2-256,hmac-sha2-512,hmac-sha1",
	[BURROW_ALGO_COMPRESSION] = "none,zlib@openssh.com,zlib",
	[BURROW_ALGO_SIG] = SIG_SUPPORTED,
};

const char *burrow_algorithms_supported(enum burrow_algo_kind kind)
{
	if ((unsigned)kind >= sizeof(supported_lists) / sizeof(supported_lists[0]))
		return "";
	return supported_lists[kind];
}

const char *burrow_algorithms_default(enum burrow_role role, enum burrow_algo_kind kind)
{
	if ((unsigned)kind >= sizeof(kind_category) / sizeof(kind_category[0]))
		return "";
	if (kind == BURROW_ALGO_SIG) /* publickey authentication: its own list, not the host keys' */
		return algos_default_pubkey();
	return algos_default(role, kind_category[kind]);
}

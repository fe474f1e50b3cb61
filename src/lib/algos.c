/* The algorithm tables: what we implement and what we offer by default, most preferred first. */
#include <stdlib.h>
#include <string.h>

#include "conn_internal.h"
#include "kex.h"

/* Names of signature algorithms we can verify and make, as host keys and in publickey auth. */
static const char *const hostkey_algorithms[] = { "ssh-ed25519" };

static const char *const default_lists[KEX_CAT_COUNT] = {
	[KEX_CAT_KEX] = "curve25519-sha256,curve25519-sha256@libssh.org",
	[KEX_CAT_HOSTKEY] = "ssh-ed25519",
	[KEX_CAT_CIPHER_C2S] = "chacha20-poly1305@openssh.com,aes128-gcm@openssh.com,aes256-gcm@openssh.com",
	[KEX_CAT_CIPHER_S2C] = "chacha20-poly1305@openssh.com,aes128-gcm@openssh.com,aes256-gcm@openssh.com",
	[KEX_CAT_MAC_C2S] = "",
	[KEX_CAT_MAC_S2C] = "",
	[KEX_CAT_COMP_C2S] = "none",
	[KEX_CAT_COMP_S2C] = "none",
};

const char *algos_default(enum burrow_role role, enum kex_category cat)
{
	(void)role;
	return default_lists[cat];
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
		return false;
	case KEX_CAT_CIPHER_C2S:
	case KEX_CAT_CIPHER_S2C:
		return pkt_cipher_find((const char *)name.p, name.len) != NULL;
	case KEX_CAT_MAC_C2S:
	case KEX_CAT_MAC_S2C:
		return false;
	case KEX_CAT_COMP_C2S:
	case KEX_CAT_COMP_S2C:
		return bstr_eq(name, "none");
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

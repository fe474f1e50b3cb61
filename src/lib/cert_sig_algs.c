/*
 * CASignatureAlgorithms (sshd_config(5), ssh_config(5)): which algorithms a certificate's CA may
 * have signed it with, as OpenSSH's sshkey_check_cert_sigtype checks and its config parsers read
 * the keyword (the +/-/^ forms of the other algorithm lists, patterns allowed).
 */
#include <stdlib.h>
#include <string.h>

#include "conn_internal.h" /* algos_resolve */
#include "keys_internal.h"

/* Every name OpenSSH takes in the list (sshkey_names_valid2): ours, and the ones we cannot
 * verify (security keys, DSA), which a configuration may still name. */
static bool ca_sig_alg_known(struct bstr name)
{
	static const char *const others[] = { "ssh-rsa", "ssh-dss", BURROW_CA_SIGNATURE_ALGORITHMS_DEFAULT };
	if (namelist_contains(bstr_cstr(burrow_algorithms_supported(BURROW_ALGO_SIG)), name))
		return true;
	for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++)
		if (namelist_contains(bstr_cstr(others[i]), name))
			return true;
	return false;
}

static bool ca_sig_algs_valid(const char *names)
{
	struct bstr list = bstr_cstr(names);
	size_t pos = 0;
	struct bstr name;
	bool any = false;
	while (namelist_next(list, &pos, &name)) {
		if (name.len == 0)
			return false;
		bool pattern = memchr(name.p, '*', name.len) || memchr(name.p, '?', name.len);
		if (!pattern && !ca_sig_alg_known(name))
			return false;
		any = true;
	}
	return any;
}

int burrow_ca_signature_algorithms_resolve(const char *spec, char **out)
{
	*out = NULL;
	if (!spec)
		return BURROW_E_INVALID;
	bool prefixed = spec[0] == '+' || spec[0] == '-' || spec[0] == '^';
	/* OpenSSH checks the names of a list, not the patterns of a "-" removal. */
	if (spec[0] != '-' && !ca_sig_algs_valid(prefixed ? spec + 1 : spec))
		return BURROW_E_PARSE;
	int err = algos_resolve(BURROW_CA_SIGNATURE_ALGORITHMS_DEFAULT, spec, out);
	if (err < 0)
		return err;
	if (!**out) { /* everything removed: no CA could be trusted, which is no configuration */
		free(*out);
		*out = NULL;
		return BURROW_E_PARSE;
	}
	return 0;
}

int burrow_cert_check_sig_alg(const struct burrow_key *cert, const char *allowed)
{
	if (!burrow_key_is_cert(cert))
		return BURROW_E_INVALID;
	const char *alg = burrow_cert_signature_alg(cert);
	if (!alg)
		return BURROW_E_INVALID;
	const char *list = allowed ? allowed : BURROW_CA_SIGNATURE_ALGORITHMS_DEFAULT;
	return burrow_match_pattern_list(alg, list, false) == BURROW_MATCH_YES ? 0 : BURROW_E_NOMATCH;
}

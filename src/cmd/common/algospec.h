/*
 * Values of the algorithm keywords shared by ssh_config and sshd_config: algorithm lists
 * (KexAlgorithms, Ciphers, ... with OpenSSH's +/-/^ forms), Compression and RekeyLimit.
 * The engine resolves the lists itself; the programs only check, before they start, that a list
 * leaves something to offer, so a typo is reported as ssh/sshd report it instead of failing
 * every connection later.
 */
#ifndef BURROW_CMD_ALGOSPEC_H
#define BURROW_CMD_ALGOSPEC_H

#include <stdbool.h>
#include <stdint.h>

#include "burrow/burrow.h"

/* True when `spec` names at least one algorithm of `kind` that we implement ("+x", "^x": x must;
 * "-x": the defaults of `role` minus x must not be empty). Patterns (* ?) match as in OpenSSH. */
bool algospec_usable(enum burrow_algo_kind kind, enum burrow_role role, const char *spec);

/* The list the engine will use for `spec` (NULL: the defaults of `role`), resolved as OpenSSH
 * does; "" when nothing is left; NULL when out of memory. For display (sshd -T) and checks. */
char *algospec_resolve_new(enum burrow_algo_kind kind, enum burrow_role role, const char *spec);

/* RekeyLimit: "default" or bytes with an optional K/M/G/T suffix (0 = the cipher's default),
 * then optionally "none"/"default" or a time ("3600", "1h", "1h30m"; 0 = never).
 * 0, or -1 with *why set to ssh's complaint. */
int algospec_rekey_limit(char **args, int nargs, uint64_t *bytes, uint32_t *seconds, const char **why);

/* OpenSSH's convtime(): "90", "1m30s", "2h"; -1 on error. */
long algospec_parse_time(const char *s);

/* Compression values: 1 yes/delayed, 0 no, -1 unknown. `server` accepts "delayed" too. */
int algospec_compression(const char *value, bool server);
/* The engine's list for a Compression setting. */
const char *algospec_compression_list(bool enabled, bool server);

/* ssh's / sshd's wording for a bad list of `kind`: "Bad SSH2 cipher spec", "Bad key types", ...
 * (sshd says "mac spec" where ssh says "MAC spec"). */
const char *algospec_bad_spec_text(enum burrow_algo_kind kind, bool server);

#endif

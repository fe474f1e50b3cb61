/*
 * The %-tokens and ${VAR} references of ssh_config(5) TOKENS / ENVIRONMENT VARIABLES, expanded as
 * OpenSSH's percent_expand() and dollar_expand() do, and the %C connection hash.
 */
#ifndef BURROW_CMD_CONFIG_TOKENS_H
#define BURROW_CMD_CONFIG_TOKENS_H

#include <stdbool.h>
#include <stddef.h>

/* One token: "%<key>" becomes value. "%%" is always a single '%'. */
struct config_token {
	char key;
	const char *value;
};

/* The expansion of every %x in s from tokens[0..n) and, when dollar, of every ${NAME} from the
 * environment, in one pass as OpenSSH's vdollar_percent_expand() (a variable's value is not
 * expanded again). NULL on error with ssh's reason in err ("unknown key %Z", "env var ${X} has
 * no value", ...; "" when out of memory). tokens NULL: '%' is left alone (ssh's dollar_expand). */
char *config_expand(const char *s, const struct config_token *tokens, size_t n, bool dollar, char *err,
		    size_t err_len);

/* ssh's %C: the lowercase hex SHA1 of thishost, host, port, user (and the ProxyJump spec when
 * there is one, "" otherwise), as readconf.c ssh_connection_hash(). 0, or -1 on failure. */
int config_connection_hash(const char *thishost, const char *host, const char *port, const char *user,
			   const char *jump, char out[41]);

#endif

/*
 * The criteria of an sshd_config "Match" line (sshd_config(5), OpenSSH servconf.c
 * match_cfg_line): "All" alone, or criterion-pattern pairs that must all hold (AND):
 *
 *   User PATTERNS  Group PATTERNS  Host PATTERNS  Address ADDRS  LocalAddress ADDRS
 *   LocalPort PORT  RDomain PATTERNS
 *
 * PATTERNS are comma-separated shell patterns where a leading '!' negates and a negated match
 * wins; ADDRS may also hold CIDR blocks ("192.0.2.0/24", "2001:db8::/32"). Pure: the caller
 * supplies what is known about the connection, the user's groups included.
 */
#ifndef BURROW_CMD_MATCH_CRITERIA_H
#define BURROW_CMD_MATCH_CRITERIA_H

#include <stdbool.h>
#include <stddef.h>

struct match_criteria_input {
	const char *user;               /* NULL: User and Group criteria do not hold */
	const char *const *groups;      /* the user's group names (primary and supplementary) */
	size_t group_count;
	const char *host;               /* the peer's name; NULL: Host does not hold */
	const char *addr;               /* the peer's address; NULL: Address does not hold */
	const char *laddr;              /* the local address; NULL: LocalAddress does not hold */
	int lport;                      /* the local port; <= 0: LocalPort does not hold */
	const char *rdomain;            /* the routing domain; NULL (always, on Linux): RDomain does not hold */
	bool strict;                    /* sshd -T -C: a criterion whose field is missing is an error (-2) */
};

/*
 * words: the arguments after "Match" (comments already stripped). in NULL: a syntax check only
 * (every criterion but "All" is false, as at sshd's startup pass). Returns 1 when every
 * criterion holds, 0 when one does not, or -1 for a malformed line with sshd's message in err
 * ("Unsupported Match attribute Foo", "Missing Match criteria for User", ...), to be followed by
 * "FILE line N: Bad Match condition"; -2 for errors sshd reports alone: a malformed address
 * list, or (in->strict) a criterion needing a field that in lacks ("'Match User' in
 * configuration but 'user' not in connection test specification."). line_no only appears in
 * messages.
 */
int match_criteria_eval(char *const *words, int nwords, const struct match_criteria_input *in, int line_no,
			char *err, size_t err_len);

/* sshd's group check (ga_match_pattern_list): some group matches the pattern list and no group
 * is excluded by a negated pattern. */
int match_criteria_groups(const char *const *groups, size_t count, const char *patterns);

/* sshd's addr_match_list for Match Address: 1 match, 0 none (or a negated match), -1 for a
 * malformed entry such as "10.1.2.3/8" (host bits beyond the mask). addr NULL: a check only. */
int match_criteria_address(const char *addr, const char *patterns);

#endif

/* Shell-style patterns as OpenSSH's match.c has them: '*' any run, '?' any one character. */
#ifndef BURROW_MATCH_H
#define BURROW_MATCH_H

#include <stdbool.h>

#include "buf.h"

/* Backtracks only to the last '*', so the time is O(len(s) * len(pattern)) at worst.
 * fold_case: compare ASCII letters case-insensitively (host names). */
bool match_pattern(struct bstr s, struct bstr pattern, bool fold_case);

#endif

/* Shell-style pattern matching shared by known_hosts host patterns and algorithm lists. */
#include "match.h"

#include <ctype.h>

static bool match_char(uint8_t p, uint8_t c, bool fold_case)
{
	return p == '?' || p == c || (fold_case && tolower(p) == tolower(c));
}

bool match_pattern(struct bstr s, struct bstr pat, bool fold_case)
{
	size_t si = 0, pi = 0, star_p = SIZE_MAX, star_s = 0;
	while (si < s.len) {
		if (pi < pat.len && pat.p[pi] == '*') {
			star_p = pi++;
			star_s = si;
		} else if (pi < pat.len && match_char(pat.p[pi], s.p[si], fold_case)) {
			pi++;
			si++;
		} else if (star_p != SIZE_MAX) {
			pi = star_p + 1;
			si = ++star_s;
		} else {
			return false;
		}
	}
	while (pi < pat.len && pat.p[pi] == '*')
		pi++;
	return pi == pat.len;
}

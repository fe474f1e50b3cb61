#!/usr/bin/env bash
# ssh-audit (Debian's ssh-audit) against burrowd with its default algorithms and an Ed25519 and
# an RSA host key (RSA only when `burrow -Q key` lists ssh-rsa): no line may carry a [fail] or
# [warn] rating. The report is kept as BUILD/artifacts/ssh-audit.txt.
#
# One exception, listed in the output: "[warn] unknown algorithm" only says that this
# ssh-audit's database predates a name (Debian 12 ships 2.5.0, from 2021, which knows neither
# strict KEX's kex-strict-s-v00@openssh.com nor mlkem768x25519-sha256); it is not a rating.
# shellcheck source=tests/interop/lib.sh
. "$(dirname "$0")/lib.sh" "$@"

NAME=ssh_audit_burrowd_defaults
if ! need_cmd ssh-audit ssh-keygen timeout; then
	skip "$NAME" "missing $MISSING (ssh-audit/openssh-client)"
	finish
fi
if [ ! -x "$BUILD/burrowd" ] || [ ! -x "$BUILD/burrow" ]; then
	fail "$NAME" "burrowd/burrow were not built in $BUILD"
	finish
fi

gen_key "$T/host_ed25519" host
keys=(-h "$T/host_ed25519")
types="Ed25519"
if "$BUILD/burrow" -Q key | grep -qx ssh-rsa; then
	gen_key_type "$T/host_rsa" rsa 3072
	keys+=(-h "$T/host_rsa")
	types="$types + RSA 3072"
fi
: >"$T/authorized_keys"
# start_burrowd takes the first key; the rest are -h arguments after it.
if ! start_burrowd "${keys[1]}" "$T/authorized_keys" "${keys[@]:2}"; then
	fail "$NAME" "$START_ERROR"
	finish
fi

report="$ARTIFACTS/ssh-audit.txt"
{
	echo "# ssh-audit $(ssh-audit -h 2>&1 | sed -n 's/.*ssh-audit v\([0-9.]*\).*/\1/p' | head -n 1) against burrowd defaults, host keys: $types"
	timeout 60 ssh-audit -n -t 20 -p "$BURROWD_PORT" 127.0.0.1
	echo "# ssh-audit exit status: $?"
} >"$report" 2>&1

if ! grep -q '^(kex) ' "$report"; then
	fail "$NAME" "ssh-audit listed no key exchange algorithms: $(tail_text "$report")"
	finish
fi
# Ratings: "[fail]" / "[warn]" in 2.x, "(fail)" / "(warn)" in some other versions. A rating line
# may be the algorithm's own line or a continuation ("`- [warn] ...") under it.
bad=$(grep -E '[[(](fail|warn)[])]' "$report" | grep -vE '[[(]warn[])] unknown algorithm *$' || true)
unknown=$(grep -E '[[(]warn[])] unknown algorithm *$' "$report" | sed -E 's/^\(([a-z]+)\) +([^ ]+).*/\2/' |
	tr '\n' ' ' || true)
if [ -n "$bad" ]; then
	fail "$NAME" "$(echo "$bad" | wc -l) rating(s): $(echo "$bad" | sed -E 's/ +/ /g' | tr '\n' '|' | cut -c1-400)"
	while IFS= read -r line; do echo "    $line"; done <<<"$bad"
else
	pass "$NAME"
	[ -n "$unknown" ] && echo "    (names this ssh-audit does not know, not rated: ${unknown% })"
fi
echo "    (report: $report)"

finish

#!/usr/bin/env bash
# OpenSSH 10 (Debian's bookworm-backports build, unpacked under .peers/ by scripts/fetch-openssh10):
#   ssh 10 -> burrowd and burrow -> sshd 10, once per key exchange method both implement, plus
#   mlkem768x25519-sha256 (OpenSSH 10's default) always: it FAILs while burrow lacks it.
#   Each case: exec of 'cat; exit 7' with 4 MiB in, the same 4 MiB back (checksum), exit status 7,
#   and the method named in the client's -v output.
# shellcheck source=tests/interop/lib.sh
. "$(dirname "$0")/lib.sh" "$@"

CASE_TIMEOUT=${CASE_TIMEOUT:-60}
MUST_KEX=mlkem768x25519-sha256

if ! need_cmd ssh-keygen sha256sum timeout; then
	skip_all "missing $MISSING (openssh-client/coreutils)" openssh10
	finish
fi
for prog in burrow burrowd; do
	if [ ! -x "$BUILD/$prog" ]; then
		fail openssh10 "$BUILD/$prog was not built"
		finish
	fi
done
if ! openssh10_usable; then
	skip openssh10_ssh_to_burrowd "$OPENSSH10_SKIP"
	skip openssh10_burrow_to_sshd "$OPENSSH10_SKIP"
	finish
fi

in_list() { case " $2 " in *" $1 "*) return 0 ;; esac; return 1; }
OUR_KEX=$(burrow_query kex)
THEIR_KEX=$("$SSH10" -Q kex | tr '\n' ' ')
KEX=""
for k in $OUR_KEX; do in_list "$k" "$THEIR_KEX" && KEX="$KEX $k"; done
in_list "$MUST_KEX" "$KEX" || KEX="$KEX $MUST_KEX"
KEX=${KEX# }

gen_key "$T/user" user
gen_key "$T/host" host
cp "$T/user.pub" "$T/authorized_keys"
random_file "$T/data" 4
DATA_SHA=$(sha_of "$T/data")

# One burrowd offering every method it implements; one sshd 10 offering every method of ours
# that it implements too (sshd refuses names it does not know).
start_burrowd "$T/host" "$T/authorized_keys" -o "KexAlgorithms=$(echo "$OUR_KEX" | tr ' ' ',')" ||
	{ fail openssh10_burrowd_start "$START_ERROR"; finish; }
THEIRS=""
for k in $KEX; do in_list "$k" "$THEIR_KEX" && THEIRS="$THEIRS,$k"; done
SSHD_UP=0
if start_sshd_with "$SSHD10" "$T/host" "$T/authorized_keys" "${SSHD10_LINES[@]}" "KexAlgorithms ${THEIRS#,}"; then
	SSHD_UP=1
else
	fail openssh10_sshd_start "$START_ERROR"
fi

SSH=("$SSH10" -F /dev/null -o BatchMode=yes -o IdentitiesOnly=yes -i "$T/user" -o UserKnownHostsFile=/dev/null
	-o StrictHostKeyChecking=no -o LogLevel=DEBUG1 -p "$BURROWD_PORT")
BURROW=("$BUILD/burrow" -F /dev/null -i "$T/user" -o UserKnownHostsFile=/dev/null -o StrictHostKeyChecking=no
	-v -p "$SSHD_PORT")

# exchange NAME KEX CLIENT...: the 4 MiB round trip with the method forced on the client.
exchange() {
	local name=$1 kex=$2
	shift 2
	if ! in_list "$kex" "$OUR_KEX"; then
		fail "$name" "burrow does not implement $kex (burrow -Q kex: $OUR_KEX)"
		return
	fi
	timeout "$CASE_TIMEOUT" "$@" -o "KexAlgorithms=$kex" 127.0.0.1 'cat; exit 7' <"$T/data" >"$T/out" 2>"$T/err.raw"
	local rc=$?
	tr -d '\r' <"$T/err.raw" >"$T/err"
	if [ "$rc" -ne 7 ]; then
		fail "$name" "exit status $rc, want 7: $(grep -v '^debug' "$T/err" | tail -n 2 | tr '\n' ' ' | cut -c1-240)"
	elif [ "$(sha_of "$T/out")" != "$DATA_SHA" ]; then
		fail "$name" "output differs from input ($(wc -c <"$T/out") of 4194304 bytes back)"
	elif ! grep -qx "debug1: kex: algorithm: $kex" "$T/err"; then
		fail "$name" "the client did not report kex $kex: $(grep 'kex: algorithm' "$T/err" | head -n 1)"
	else
		pass "$name"
	fi
}

for k in $KEX; do
	exchange "openssh10_ssh_to_burrowd_$k" "$k" "${SSH[@]}"
done
if [ "$SSHD_UP" = 1 ]; then
	for k in $KEX; do
		exchange "openssh10_burrow_to_sshd_$k" "$k" "${BURROW[@]}"
	done
fi

finish

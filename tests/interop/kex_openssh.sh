#!/usr/bin/env bash
# Key exchange methods against OpenSSH, both ways, one case per method and direction:
#   kex_ssh_to_burrowd_METHOD     OpenSSH's ssh -o KexAlgorithms=METHOD -> our burrowd
#   kex_burrow_to_sshd_METHOD     our burrow -o KexAlgorithms=METHOD -> OpenSSH's sshd
# Each case sends 256 KiB through `sha256sum` on the far side (checksum and exit status 3 must
# come back) and checks in the client's -v lines that METHOD is what was negotiated.
# Plus kex_ssh_to_burrowd_gex_moduli_file: burrowd with a ModuliFile holding only 4096-bit groups
# (from /etc/ssh/moduli) serves one of them to ssh, which asked for 3072 bits (aes128-gcm).
# Methods: every one the installed OpenSSH knows (`ssh -Q kex`), plus mlkem768x25519-sha256,
# which needs OpenSSH >= 9.9 and is SKIPped when the installed ssh does not know it.
# A method OpenSSH knows but burrow does not implement is a SKIP naming it.
# shellcheck source=tests/interop/lib.sh
. "$(dirname "$0")/lib.sh" "$@"

CASE_TIMEOUT=${CASE_TIMEOUT:-60}
PAYLOAD_KIB=256

if ! need_cmd ssh ssh-keygen sha256sum timeout; then
	skip "kex_openssh" "missing $MISSING (openssh-client/coreutils)"
	finish
fi
for prog in burrow burrowd; do
	if [ ! -x "$BUILD/$prog" ]; then
		fail "kex_openssh" "$BUILD/$prog was not built"
		finish
	fi
done

OPENSSH_KEX=$(ssh -Q kex | tr '\n' ' ')
BURROW_KEX=$(burrow_query kex 2>/dev/null || true)
if [ -z "$BURROW_KEX" ]; then
	BURROW_KEX=$("$BUILD/burrow" -Q kex 2>/dev/null | tr '\n' ' ')
fi
in_list() { case " $2 " in *" $1 "*) return 0 ;; esac; return 1; }

METHODS="$OPENSSH_KEX"
in_list mlkem768x25519-sha256 "$METHODS" || METHODS="$METHODS mlkem768x25519-sha256"

gen_key "$T/host_ed25519" "kex-host"
gen_key "$T/user_ed25519" "kex-user"
cp "$T/user_ed25519.pub" "$T/authorized_keys"
head -c $((PAYLOAD_KIB * 1024)) /dev/urandom >"$T/payload"
PAYLOAD_SHA=$(sha_of "$T/payload")

# ---- servers ----

# burrowd offering every method it implements, if it takes KexAlgorithms; else its defaults.
ALL_BURROW=$(echo "$BURROW_KEX" | tr ' ' ',' | sed 's/,*$//')
BURROWD_ALL_KEX=yes
if ! start_burrowd "$T/host_ed25519" "$T/authorized_keys" -o "KexAlgorithms=$ALL_BURROW"; then
	BURROWD_ALL_KEX=no
	if ! start_burrowd "$T/host_ed25519" "$T/authorized_keys"; then
		BURROWD_ERROR=$START_ERROR
		BURROWD_PORT=""
	fi
fi
BURROWD_DEFAULT_KEX=$("$BUILD/burrowd" -T -f /dev/null 2>/dev/null | awk '$1 == "kexalgorithms" { print $2 }' | tr ',' ' ')

# sshd offering every method the installed OpenSSH knows (its defaults leave the SHA-1 ones out).
SSHD_PORT=""
if sshd_usable; then
	ALL_OPENSSH=$(echo "$OPENSSH_KEX" | tr ' ' ',' | sed 's/,*$//')
	if ! start_sshd "$T/host_ed25519" "$T/authorized_keys" "KexAlgorithms $ALL_OPENSSH"; then
		SSHD_ERROR=$START_ERROR
		SSHD_PORT=""
	fi
else
	SSHD_ERROR=$SSHD_SKIP
fi

# ---- clients ----

# check_transfer NAME RC OUT ERR METHOD: the common verdict of one case.
check_transfer() {
	local name=$1 rc=$2 out=$3 err=$4 method=$5 got
	got=$(cut -d' ' -f1 "$out")
	if [ "$rc" -ne 3 ]; then
		fail "$name" "exit status $rc, want 3; stderr: $(grep -v '^debug' "$err" | tail -n 3 | tr '\n' ' ' | cut -c1-240)"
	elif [ "$got" != "$PAYLOAD_SHA" ]; then
		fail "$name" "far side sha256 '$got' != $PAYLOAD_SHA"
	elif ! tr -d '\r' <"$err" | grep -qxF "debug1: kex: algorithm: $method"; then
		fail "$name" "client log does not show 'kex: algorithm: $method': $(grep -m1 'kex: algorithm' "$err")"
	else
		pass "$name"
	fi
}

ssh_case() {
	local method=$1 name="kex_ssh_to_burrowd_$1"
	if [ -z "$BURROWD_PORT" ]; then
		fail "$name" "burrowd did not start: $BURROWD_ERROR"
		return
	fi
	if [ "$BURROWD_ALL_KEX" = no ] && [ -n "$BURROWD_DEFAULT_KEX" ] && ! in_list "$method" "$BURROWD_DEFAULT_KEX"; then
		skip "$name" "burrowd does not take KexAlgorithms yet and does not offer $method by default"
		return
	fi
	timeout "$CASE_TIMEOUT" ssh -v -F /dev/null -o BatchMode=yes -o IdentityAgent=none -o IdentitiesOnly=yes \
		-o PasswordAuthentication=no -o KbdInteractiveAuthentication=no -o GlobalKnownHostsFile=/dev/null \
		-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o ConnectTimeout=10 \
		-o "KexAlgorithms=$method" -i "$T/user_ed25519" -p "$BURROWD_PORT" -l "$ME" 127.0.0.1 \
		'sha256sum; exit 3' <"$T/payload" >"$T/out" 2>"$T/err"
	check_transfer "$name" $? "$T/out" "$T/err" "$method"
}

burrow_case() {
	local method=$1 name="kex_burrow_to_sshd_$1"
	if [ -z "$SSHD_PORT" ]; then
		skip "$name" "OpenSSH's sshd not available: $SSHD_ERROR"
		return
	fi
	timeout "$CASE_TIMEOUT" "$BUILD/burrow" -v -F /dev/null -p "$SSHD_PORT" -i "$T/user_ed25519" \
		-o "UserKnownHostsFile=$T/known_hosts" -o StrictHostKeyChecking=accept-new \
		-o "KexAlgorithms=$method" 127.0.0.1 'sha256sum; exit 3' <"$T/payload" >"$T/out" 2>"$T/err"
	check_transfer "$name" $? "$T/out" "$T/err" "$method"
}

# ssh -vv shows the group size as "bits set: N/4096" for each DH public value.
gex_moduli_case() {
	local name=kex_ssh_to_burrowd_gex_moduli_file method=diffie-hellman-group-exchange-sha256
	if [ ! -r /etc/ssh/moduli ]; then
		skip "$name" "/etc/ssh/moduli not installed (openssh-server)"
		return
	fi
	awk '$5 == 4095' /etc/ssh/moduli | head -n 4 >"$T/moduli.4096"
	if [ ! -s "$T/moduli.4096" ]; then
		skip "$name" "/etc/ssh/moduli has no 4096-bit group"
		return
	fi
	if ! start_burrowd "$T/host_ed25519" "$T/authorized_keys" -o "KexAlgorithms=$method" \
		-o "ModuliFile=$T/moduli.4096"; then
		skip "$name" "burrowd does not take ModuliFile: $START_ERROR"
		return
	fi
	timeout "$CASE_TIMEOUT" ssh -vv -F /dev/null -o BatchMode=yes -o IdentityAgent=none -o IdentitiesOnly=yes \
		-o PasswordAuthentication=no -o KbdInteractiveAuthentication=no -o GlobalKnownHostsFile=/dev/null \
		-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o ConnectTimeout=10 \
		-c aes128-gcm@openssh.com -o "KexAlgorithms=$method" -i "$T/user_ed25519" -p "$BURROWD_PORT" \
		-l "$ME" 127.0.0.1 'sha256sum; exit 3' <"$T/payload" >"$T/out" 2>"$T/err"
	local rc=$?
	if ! tr -d '\r' <"$T/err" | grep -qE '^debug1: SSH2_MSG_KEX_DH_GEX_REQUEST\(2048<3072<8192\) sent$'; then
		fail "$name" "ssh did not ask for 2048<3072<8192: $(grep -m1 GEX_REQUEST "$T/err")"
	elif ! tr -d '\r' <"$T/err" | grep -qE '^debug2: bits set: [0-9]+/4096$'; then
		fail "$name" "the group was not one of the file's 4096-bit ones: $(grep -m1 'bits set' "$T/err")"
	else
		check_transfer "$name" "$rc" "$T/out" "$T/err" "$method"
	fi
}

for method in $METHODS; do
	if ! in_list "$method" "$OPENSSH_KEX"; then
		skip "kex_ssh_to_burrowd_$method" "the installed OpenSSH ($(ssh -V 2>&1 | cut -d, -f1)) does not know $method (needs OpenSSH >= 9.9; openssh10.sh tests it with OpenSSH 10)"
		skip "kex_burrow_to_sshd_$method" "the installed OpenSSH ($(ssh -V 2>&1 | cut -d, -f1)) does not know $method (needs OpenSSH >= 9.9; openssh10.sh tests it with OpenSSH 10)"
		continue
	fi
	if ! in_list "$method" "$BURROW_KEX"; then
		skip "kex_ssh_to_burrowd_$method" "burrow does not implement $method"
		skip "kex_burrow_to_sshd_$method" "burrow does not implement $method"
		continue
	fi
	ssh_case "$method"
	burrow_case "$method"
done
gex_moduli_case

finish

#!/usr/bin/env bash
# The engine's OpenSSH authentication extensions against OpenSSH itself:
#   ssh -> burrowd: ssh signs with publickey-hostbound-v00@openssh.com (we advertise
#     publickey-hostbound@openssh.com in EXT_INFO), and the login works.
#   ssh -> burrowd with three host keys, UpdateHostKeys=yes and only the Ed25519 one known: ssh
#     receives hostkeys-00@openssh.com, asks hostkeys-prove-00@openssh.com for the ECDSA and RSA
#     keys, checks our signatures and writes both keys to known_hosts.
#   burrow -> sshd: our client binds its publickey request to the host key (sshd's VERBOSE log
#     names the method of the query it postponed).
# shellcheck source=tests/interop/lib.sh
. "$(dirname "$0")/lib.sh" "$@"

CASE_TIMEOUT=${CASE_TIMEOUT:-30}
cases=(auth_ssh_uses_publickey_hostbound auth_ssh_learns_host_keys_by_proof auth_burrow_uses_publickey_hostbound)

if ! need_cmd ssh ssh-keygen timeout; then
	skip_all "missing $MISSING (openssh-client/coreutils)" "${cases[@]}"
	finish
fi
if [ ! -x "$BUILD/burrowd" ] || [ ! -x "$BUILD/burrow" ]; then
	fail_all "burrowd or burrow was not built in $BUILD" "${cases[@]}"
	finish
fi

gen_key "$T/host_ed25519" "burrowd-host"
gen_key_type "$T/host_ecdsa" ecdsa 256
gen_key_type "$T/host_rsa" rsa 3072
gen_key "$T/user_ed25519" "user"
cp "$T/user_ed25519.pub" "$T/authorized_keys"
if ! start_burrowd "$T/host_ed25519" "$T/authorized_keys" -h "$T/host_ecdsa" -h "$T/host_rsa"; then
	fail_all "$START_ERROR" "${cases[@]:0:2}"
else
	SSH=(ssh -F /dev/null -o BatchMode=yes -o IdentityAgent=none -o IdentitiesOnly=yes
		-o PasswordAuthentication=no -o KbdInteractiveAuthentication=no -o GlobalKnownHostsFile=/dev/null
		-o ConnectTimeout=10 -p "$BURROWD_PORT" -l "$ME" -i "$T/user_ed25519")

	name=auth_ssh_uses_publickey_hostbound
	timeout "$CASE_TIMEOUT" "${SSH[@]}" -vvv -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
		-o UpdateHostKeys=no 127.0.0.1 'echo bound' </dev/null >"$T/out" 2>"$T/err"
	rc=$?
	if [ "$rc" -ne 0 ] || ! grep -qx bound "$T/out"; then
		fail "$name" "exit status $rc: $(tail_text "$T/err")"
	elif ! grep -q 'publickey-hostbound@openssh.com=<0>' "$T/err"; then
		fail "$name" "ssh saw no publickey-hostbound@openssh.com in our EXT_INFO"
	elif ! grep -q 'using publickey-hostbound-v00@openssh.com' "$T/err"; then
		fail "$name" "ssh did not sign with publickey-hostbound-v00@openssh.com"
	else
		pass "$name"
	fi

	name=auth_ssh_learns_host_keys_by_proof
	echo "[127.0.0.1]:$BURROWD_PORT $(cut -d' ' -f1,2 "$T/host_ed25519.pub")" >"$T/known_hosts"
	timeout "$CASE_TIMEOUT" "${SSH[@]}" -vvv -o StrictHostKeyChecking=yes -o UserKnownHostsFile="$T/known_hosts" \
		-o UpdateHostKeys=yes 127.0.0.1 'echo learned' </dev/null >"$T/out" 2>"$T/err"
	rc=$?
	want_ecdsa="[127.0.0.1]:$BURROWD_PORT $(cut -d' ' -f1,2 "$T/host_ecdsa.pub")"
	want_rsa="[127.0.0.1]:$BURROWD_PORT $(cut -d' ' -f1,2 "$T/host_rsa.pub")"
	if [ "$rc" -ne 0 ] || ! grep -qx learned "$T/out"; then
		fail "$name" "exit status $rc: $(tail_text "$T/err")"
	elif ! grep -q 'asking server to prove ownership for 2 keys' "$T/err"; then
		fail "$name" "ssh did not ask for proof of 2 keys: $(grep client_input_hostkeys "$T/err" | tail -n 3 | tr '\n' '|')"
	elif ! grep -qxF "$want_ecdsa" "$T/known_hosts" || ! grep -qxF "$want_rsa" "$T/known_hosts"; then
		fail "$name" "known_hosts lacks the proven keys: $(grep -i 'hostkey' "$T/err" | tail -n 3 | tr '\n' '|')"
	else
		pass "$name"
	fi
fi

name=auth_burrow_uses_publickey_hostbound
if ! sshd_usable; then
	skip "$name" "$SSHD_SKIP"
elif ! start_sshd "$T/host_ed25519" "$T/authorized_keys"; then
	fail "$name" "$START_ERROR"
else
	timeout "$CASE_TIMEOUT" "$BUILD/burrow" -F /dev/null -p "$SSHD_PORT" -i "$T/user_ed25519" \
		-o UserKnownHostsFile=/dev/null -o StrictHostKeyChecking=no 127.0.0.1 'echo bound' \
		</dev/null >"$T/out" 2>"$T/err"
	rc=$?
	if [ "$rc" -ne 0 ] || ! grep -qx bound "$T/out"; then
		fail "$name" "exit status $rc: $(tail_text "$T/err")"
	elif ! grep -q 'Postponed publickey-hostbound-v00@openssh.com for' "$SSHD_LOG"; then
		fail "$name" "sshd logged no publickey-hostbound-v00@openssh.com request"
	else
		pass "$name"
	fi
fi

finish

#!/usr/bin/env bash
# OpenSSH's ssh client -> our burrowd.
# Per cipher: exec (exact stdout, stderr apart, exit status), 64 MiB up and down with checksums.
# Then: a key not in authorized_keys is refused; the host key ssh sees is our host key.
# shellcheck source=tests/interop/lib.sh
. "$(dirname "$0")/lib.sh" "$@"

CIPHERS="chacha20-poly1305@openssh.com aes128-gcm@openssh.com aes256-gcm@openssh.com"
BIG_MIB=${BIG_MIB:-64}
CASE_TIMEOUT=${CASE_TIMEOUT:-120}

cases=()
for c in $CIPHERS; do
	cases+=("openssh_client_exec_$c" "openssh_client_${BIG_MIB}MiB_up_$c" "openssh_client_${BIG_MIB}MiB_down_$c")
done
cases+=(openssh_client_wrong_key_refused openssh_client_host_key_matches)

if ! need_cmd ssh ssh-keygen sha256sum timeout; then
	skip_all "missing $MISSING (openssh-client/coreutils)" "${cases[@]}"
	finish
fi
if [ ! -x "$BUILD/burrowd" ]; then
	fail_all "$BUILD/burrowd was not built" "${cases[@]}"
	finish
fi

gen_key "$T/host_ed25519" "burrowd-host"
gen_key "$T/user_ed25519" "user"
gen_key "$T/other_ed25519" "not-authorized"
cp "$T/user_ed25519.pub" "$T/authorized_keys"
if ! start_burrowd "$T/host_ed25519" "$T/authorized_keys"; then
	fail_all "$START_ERROR" "${cases[@]}"
	finish
fi
PORT=$BURROWD_PORT

# ssh_to [SSH-OPTION...] -- COMMAND: run ssh against burrowd, isolated from ~/.ssh and
# /etc/ssh/ssh_config; unknown host keys accepted unless an option below says otherwise.
ssh_to() {
	local opts=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		opts+=("$1")
		shift
	done
	shift
	timeout "$CASE_TIMEOUT" ssh -F /dev/null -o BatchMode=yes -o IdentityAgent=none \
		-o IdentitiesOnly=yes -o PasswordAuthentication=no -o KbdInteractiveAuthentication=no \
		-o GlobalKnownHostsFile=/dev/null -o ConnectTimeout=10 -o LogLevel=ERROR \
		-p "$PORT" -l "$ME" "${opts[@]}" 127.0.0.1 "$@"
}
ACCEPT=(-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null)

head -c $((BIG_MIB * 1024 * 1024)) /dev/urandom >"$T/big"
BIG_SHA=$(sha_of "$T/big")

for c in $CIPHERS; do
	name="openssh_client_exec_$c"
	ssh_to -c "$c" "${ACCEPT[@]}" -i "$T/user_ed25519" -- 'echo out; echo err >&2; exit 42' \
		</dev/null >"$T/out" 2>"$T/err"
	rc=$?
	if [ "$rc" -ne 42 ]; then
		fail "$name" "exit status $rc, want 42; stderr: $(tail_text "$T/err")"
	elif ! printf 'out\n' | cmp -s - "$T/out"; then
		fail "$name" "stdout is '$(head -c 80 "$T/out" | tr '\n' '|')', want 'out'"
	elif ! grep -qx 'err' "$T/err"; then
		fail "$name" "stderr lacks the line 'err': $(tail_text "$T/err")"
	elif grep -q 'out' "$T/err"; then
		fail "$name" "stdout data leaked into stderr: $(tail_text "$T/err")"
	else
		pass "$name"
	fi

	name="openssh_client_${BIG_MIB}MiB_up_$c"
	got=$(ssh_to -c "$c" "${ACCEPT[@]}" -i "$T/user_ed25519" -- sha256sum <"$T/big" 2>"$T/err")
	rc=$?
	got=${got%% *}
	if [ "$rc" -ne 0 ]; then
		fail "$name" "exit status $rc; stderr: $(tail_text "$T/err")"
	elif [ "$got" != "$BIG_SHA" ]; then
		fail "$name" "far side sha256 '$got' != local $BIG_SHA"
	else
		pass "$name"
	fi

	name="openssh_client_${BIG_MIB}MiB_down_$c"
	got=$(
		ssh_to -c "$c" "${ACCEPT[@]}" -i "$T/user_ed25519" -- cat "$T/big" </dev/null 2>"$T/err" | sha_stdin
		exit "${PIPESTATUS[0]}"
	)
	rc=$?
	if [ "$rc" -ne 0 ]; then
		fail "$name" "exit status $rc; stderr: $(tail_text "$T/err")"
	elif [ "$got" != "$BIG_SHA" ]; then
		fail "$name" "received sha256 $got != $BIG_SHA"
	else
		pass "$name"
	fi
done
rm -f "$T/big"

name=openssh_client_wrong_key_refused
ssh_to "${ACCEPT[@]}" -i "$T/other_ed25519" -- 'echo should-not-run' </dev/null >"$T/out" 2>"$T/err"
rc=$?
if [ "$rc" -ne 255 ]; then
	fail "$name" "exit status $rc, want 255; stdout: $(first_line "$T/out")"
elif [ -s "$T/out" ]; then
	fail "$name" "command ran: $(first_line "$T/out")"
elif ! grep -q 'Permission denied' "$T/err"; then
	fail "$name" "no 'Permission denied' on stderr: $(tail_text "$T/err")"
else
	pass "$name"
fi

# ssh accepts the server only if the key it presents is the one recorded for [127.0.0.1]:PORT.
name=openssh_client_host_key_matches
echo "[127.0.0.1]:$PORT $(cut -d' ' -f1,2 "$T/host_ed25519.pub")" >"$T/known_hosts"
ssh_to -o StrictHostKeyChecking=yes -o UserKnownHostsFile="$T/known_hosts" \
	-o HostKeyAlgorithms=ssh-ed25519 -i "$T/user_ed25519" -- 'echo hostkey-ok' \
	</dev/null >"$T/out" 2>"$T/err"
rc=$?
if [ "$rc" -ne 0 ] || [ "$(cat "$T/out")" != hostkey-ok ]; then
	fail "$name" "exit status $rc with known_hosts holding our host key; stderr: $(tail_text "$T/err")"
else
	pass "$name"
fi

finish

#!/usr/bin/env bash
# Our burrow client -> OpenSSH's sshd.
# Per cipher: exec (exact stdout, stderr apart, exit status), 64 MiB up and down with checksums.
# Then: accept-new records sshd's host key; a changed host key is refused naming the
# known_hosts file and line; a key not in authorized_keys is refused with "Permission denied".
# shellcheck source=tests/interop/lib.sh
. "$(dirname "$0")/lib.sh" "$@"

CIPHERS="chacha20-poly1305@openssh.com aes128-gcm@openssh.com aes256-gcm@openssh.com"
BIG_MIB=${BIG_MIB:-64}
CASE_TIMEOUT=${CASE_TIMEOUT:-120}

cases=()
for c in $CIPHERS; do
	cases+=("openssh_server_exec_$c" "openssh_server_${BIG_MIB}MiB_up_$c" "openssh_server_${BIG_MIB}MiB_down_$c")
done
cases+=(openssh_server_known_hosts_recorded openssh_server_changed_host_key_refused
	openssh_server_wrong_key_refused)

if ! need_cmd ssh-keygen sha256sum timeout; then
	skip_all "missing $MISSING (openssh-client/coreutils)" "${cases[@]}"
	finish
fi
if ! sshd_usable; then
	skip_all "$SSHD_SKIP" "${cases[@]}"
	finish
fi
if [ ! -x "$BUILD/burrow" ]; then
	fail_all "$BUILD/burrow was not built" "${cases[@]}"
	finish
fi

gen_key "$T/sshd_host_ed25519" "sshd-host"
gen_key "$T/user_ed25519" "user"
gen_key "$T/other_ed25519" "not-authorized"
gen_key "$T/impostor_host_ed25519" "impostor-host"
cp "$T/user_ed25519.pub" "$T/authorized_keys"
if ! start_sshd "$T/sshd_host_ed25519" "$T/authorized_keys"; then
	fail_all "$START_ERROR" "${cases[@]}"
	finish
fi
PORT=$SSHD_PORT
KH="$T/known_hosts"

# burrow_to [BURROW-OPTION...] -- COMMAND: run our client against sshd; -F /dev/null keeps
# ~/.ssh/config and /etc/ssh/ssh_config out of it.
burrow_to() {
	local opts=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		opts+=("$1")
		shift
	done
	shift
	timeout "$CASE_TIMEOUT" "$BUILD/burrow" -F /dev/null -p "$PORT" "${opts[@]}" 127.0.0.1 "$@"
}
ACCEPT=(-o "UserKnownHostsFile=$KH" -o StrictHostKeyChecking=accept-new)

head -c $((BIG_MIB * 1024 * 1024)) /dev/urandom >"$T/big"
BIG_SHA=$(sha_of "$T/big")

for c in $CIPHERS; do
	name="openssh_server_exec_$c"
	burrow_to -c "$c" -i "$T/user_ed25519" "${ACCEPT[@]}" -- 'echo out; echo err >&2; exit 42' \
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

	name="openssh_server_${BIG_MIB}MiB_up_$c"
	got=$(burrow_to -c "$c" -i "$T/user_ed25519" "${ACCEPT[@]}" -- sha256sum <"$T/big" 2>"$T/err")
	rc=$?
	got=${got%% *}
	if [ "$rc" -ne 0 ]; then
		fail "$name" "exit status $rc; stderr: $(tail_text "$T/err")"
	elif [ "$got" != "$BIG_SHA" ]; then
		fail "$name" "far side sha256 '$got' != local $BIG_SHA"
	else
		pass "$name"
	fi

	name="openssh_server_${BIG_MIB}MiB_down_$c"
	got=$(
		burrow_to -c "$c" -i "$T/user_ed25519" "${ACCEPT[@]}" -- cat "$T/big" </dev/null 2>"$T/err" | sha_stdin
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

# StrictHostKeyChecking=accept-new must have written sshd's key for [127.0.0.1]:PORT.
name=openssh_server_known_hosts_recorded
want_blob=$(cut -d' ' -f2 "$T/sshd_host_ed25519.pub")
if [ ! -s "$KH" ]; then
	fail "$name" "$KH missing or empty after accept-new connections"
elif ssh-keygen -F "[127.0.0.1]:$PORT" -f "$KH" 2>/dev/null | grep -q "ssh-ed25519 $want_blob"; then
	pass "$name"
else
	fail "$name" "$KH has no ssh-ed25519 entry with sshd's key for [127.0.0.1]:$PORT: $(first_line "$KH")"
fi

# A known_hosts that records another key for this host: refuse, and say where that line is.
name=openssh_server_changed_host_key_refused
KH2="$T/known_hosts_changed"
echo "[127.0.0.1]:$PORT $(cut -d' ' -f1,2 "$T/impostor_host_ed25519.pub")" >"$KH2"
burrow_to -i "$T/user_ed25519" -o "UserKnownHostsFile=$KH2" -o StrictHostKeyChecking=accept-new \
	-- 'echo should-not-run' </dev/null >"$T/out" 2>"$T/err"
rc=$?
if [ "$rc" -ne 255 ]; then
	fail "$name" "exit status $rc, want 255; stdout: $(first_line "$T/out")"
elif [ -s "$T/out" ]; then
	fail "$name" "command ran despite a changed host key"
elif ! grep -qE "$KH2(:1\b|.*line 1\b)" "$T/err"; then
	fail "$name" "stderr does not name $KH2 line 1: $(tail_text "$T/err")"
else
	pass "$name"
fi

name=openssh_server_wrong_key_refused
burrow_to -i "$T/other_ed25519" "${ACCEPT[@]}" -- 'echo should-not-run' \
	</dev/null >"$T/out" 2>"$T/err"
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

finish

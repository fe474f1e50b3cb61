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

# Our client against sshd; -F /dev/null keeps ~/.ssh/config and /etc/ssh/ssh_config out of it.
# The cases append options, the host and the command.
BURROW=("$BUILD/burrow" -F /dev/null -p "$PORT")
ACCEPT=(-o "UserKnownHostsFile=$KH" -o StrictHostKeyChecking=accept-new)

random_file "$T/big" "$BIG_MIB"
for c in $CIPHERS; do
	client=("${BURROW[@]}" -c "$c" -i "$T/user_ed25519" "${ACCEPT[@]}" 127.0.0.1)
	exec_case "openssh_server_exec_$c" "${client[@]}"
	upload_case "openssh_server_${BIG_MIB}MiB_up_$c" "$T/big" "${client[@]}"
	download_case "openssh_server_${BIG_MIB}MiB_down_$c" "$T/big" "${client[@]}"
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
timeout "$CASE_TIMEOUT" "${BURROW[@]}" -i "$T/user_ed25519" -o "UserKnownHostsFile=$KH2" \
	-o StrictHostKeyChecking=accept-new 127.0.0.1 'echo should-not-run' </dev/null >"$T/out" 2>"$T/err"
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

refused_case openssh_server_wrong_key_refused "${BURROW[@]}" -i "$T/other_ed25519" "${ACCEPT[@]}" 127.0.0.1

finish

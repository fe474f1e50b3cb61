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

# ssh against burrowd, isolated from ~/.ssh and /etc/ssh/ssh_config; unknown host keys accepted
# with ACCEPT. The cases append options, the host and the command.
SSH=(ssh -F /dev/null -o BatchMode=yes -o IdentityAgent=none -o IdentitiesOnly=yes
	-o PasswordAuthentication=no -o KbdInteractiveAuthentication=no
	-o GlobalKnownHostsFile=/dev/null -o ConnectTimeout=10 -o LogLevel=ERROR -p "$PORT" -l "$ME")
ACCEPT=(-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null)
ssh_to() { timeout "$CASE_TIMEOUT" "${SSH[@]}" "$@"; }

random_file "$T/big" "$BIG_MIB"
for c in $CIPHERS; do
	client=("${SSH[@]}" -c "$c" "${ACCEPT[@]}" -i "$T/user_ed25519" 127.0.0.1)
	exec_case "openssh_client_exec_$c" "${client[@]}"
	upload_case "openssh_client_${BIG_MIB}MiB_up_$c" "$T/big" "${client[@]}"
	download_case "openssh_client_${BIG_MIB}MiB_down_$c" "$T/big" "${client[@]}"
done
rm -f "$T/big"

refused_case openssh_client_wrong_key_refused "${SSH[@]}" "${ACCEPT[@]}" -i "$T/other_ed25519" 127.0.0.1

# ssh accepts the server only if the key it presents is the one recorded for [127.0.0.1]:PORT.
name=openssh_client_host_key_matches
echo "[127.0.0.1]:$PORT $(cut -d' ' -f1,2 "$T/host_ed25519.pub")" >"$T/known_hosts"
ssh_to -o StrictHostKeyChecking=yes -o UserKnownHostsFile="$T/known_hosts" \
	-o HostKeyAlgorithms=ssh-ed25519 -i "$T/user_ed25519" 127.0.0.1 'echo hostkey-ok' \
	</dev/null >"$T/out" 2>"$T/err"
rc=$?
if [ "$rc" -ne 0 ] || [ "$(cat "$T/out")" != hostkey-ok ]; then
	fail "$name" "exit status $rc with known_hosts holding our host key; stderr: $(tail_text "$T/err")"
else
	pass "$name"
fi

finish

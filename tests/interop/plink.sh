#!/usr/bin/env bash
# PuTTY's plink -> our burrowd: exec (stdout, stderr, exit status), 16 MiB up and 4 MiB down with
# checksums, and the pinned host key (-hostkey SHA256:...) must match ours or plink refuses.
# shellcheck source=tests/interop/lib.sh
. "$(dirname "$0")/lib.sh" "$@"

# plink 0.78 receives slowly on this kind of machine (16 MiB down takes ~15 s even from
# OpenSSH's sshd, 4 MiB ~1 s), so the download is smaller than the upload.
UP_MIB=${PLINK_UP_MIB:-16}
DOWN_MIB=${PLINK_DOWN_MIB:-4}
CASE_TIMEOUT=${CASE_TIMEOUT:-120}
cases=(plink_exec "plink_${UP_MIB}MiB_up" "plink_${DOWN_MIB}MiB_down" plink_wrong_host_key_refused)

if ! need_cmd plink puttygen; then
	skip_all "missing $MISSING (putty-tools)" "${cases[@]}"
	finish
fi
if ! need_cmd ssh-keygen sha256sum timeout; then
	skip_all "missing $MISSING (openssh-client/coreutils)" "${cases[@]}"
	finish
fi
if [ ! -x "$BUILD/burrowd" ]; then
	fail_all "$BUILD/burrowd was not built" "${cases[@]}"
	finish
fi

gen_key "$T/host_ed25519" "burrowd-host"
gen_key "$T/other_host_ed25519" "other-host"
gen_key "$T/user_ed25519" "user"
cp "$T/user_ed25519.pub" "$T/authorized_keys"
mkdir -p "$T/home"
if ! HOME="$T/home" puttygen "$T/user_ed25519" -O private -o "$T/user_ed25519.ppk" \
	</dev/null >"$T/puttygen.log" 2>&1; then
	fail_all "puttygen could not convert the key: $(tail_text "$T/puttygen.log")" "${cases[@]}"
	finish
fi
# plink 0.78 takes "SHA256:<base64>" (as ssh-keygen -l -E sha256 prints it) for -hostkey.
FPR=$(ssh-keygen -l -E sha256 -f "$T/host_ed25519.pub" | cut -d' ' -f2)
OTHER_FPR=$(ssh-keygen -l -E sha256 -f "$T/other_host_ed25519.pub" | cut -d' ' -f2)

if ! start_burrowd "$T/host_ed25519" "$T/authorized_keys"; then
	fail_all "$START_ERROR" "${cases[@]}"
	finish
fi
PORT=$BURROWD_PORT

# plink with the pinned host key FPR: HOME points into $T so PuTTY's files stay out of the real
# home. The cases append the command.
plink_with() {
	PLINK=(env HOME="$T/home" plink -batch -ssh -noagent -P "$PORT" -l "$ME" -i "$T/user_ed25519.ppk"
		-hostkey "$1" 127.0.0.1)
}
plink_with "$FPR"
exec_case plink_exec "${PLINK[@]}"
random_file "$T/big" "$UP_MIB"
upload_case "plink_${UP_MIB}MiB_up" "$T/big" "${PLINK[@]}"
random_file "$T/big" "$DOWN_MIB"
download_case "plink_${DOWN_MIB}MiB_down" "$T/big" "${PLINK[@]}"
rm -f "$T/big"

# The key burrowd presents is ours: pinning a different one must make plink refuse.
name=plink_wrong_host_key_refused
plink_with "$OTHER_FPR"
timeout "$CASE_TIMEOUT" "${PLINK[@]}" 'echo should-not-run' </dev/null >"$T/out" 2>"$T/err"
rc=$?
if [ "$rc" -eq 0 ] || [ -s "$T/out" ]; then
	fail "$name" "plink accepted a host key other than the pinned one (exit $rc)"
elif ! grep -qi 'host key' "$T/err"; then
	fail "$name" "plink failed (exit $rc) but not over the host key: $(tail_text "$T/err")"
else
	pass "$name"
fi

finish

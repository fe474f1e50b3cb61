#!/usr/bin/env bash
# paramiko (Debian's python3-paramiko, run by /usr/bin/python3) -> our burrowd: the host key is
# ours, exec (stdout, stderr, exit status 42), and an 8 MiB round trip through `cat`.
# The cases themselves are in paramiko_client.py.
# shellcheck source=tests/interop/lib.sh
. "$(dirname "$0")/lib.sh" "$@"

MIB=${PARAMIKO_MIB:-8}
PY=/usr/bin/python3
cases=(paramiko_host_key_matches paramiko_exec "paramiko_${MIB}MiB_roundtrip")

if ! paramiko_usable "$PY"; then
	skip_all "$PARAMIKO_SKIP" "${cases[@]}"
	finish
fi
if ! need_cmd ssh-keygen timeout; then
	skip_all "missing $MISSING (openssh-client/coreutils)" "${cases[@]}"
	finish
fi
if [ ! -x "$BUILD/burrowd" ]; then
	fail_all "$BUILD/burrowd was not built" "${cases[@]}"
	finish
fi

gen_key "$T/host_ed25519" "burrowd-host"
gen_key "$T/user_ed25519" "user"
cp "$T/user_ed25519.pub" "$T/authorized_keys"
if ! start_burrowd "$T/host_ed25519" "$T/authorized_keys"; then
	fail_all "$START_ERROR" "${cases[@]}"
	finish
fi

# -I: ignore PYTHON* variables and the user's site-packages; Debian's paramiko only.
timeout 300 "$PY" -I "$INTEROP_DIR/paramiko_client.py" "$BURROWD_PORT" "$ME" \
	"$T/user_ed25519" "$T/host_ed25519.pub" "$MIB" >"$T/py.out" 2>"$T/py.err"
rc=$?
cat "$T/py.out"
for name in "${cases[@]}"; do
	if ! grep -qE "^(PASS|FAIL|SKIP): $name( |$)" "$T/py.out"; then
		fail "$name" "paramiko_client.py exited $rc without a result: $(tail_text "$T/py.err")"
	fi
done
if grep -q '^FAIL: ' "$T/py.out"; then
	_FAILS=$((_FAILS + 1))
	echo "----- paramiko_client.py stderr -----" >&2
	tail -n 40 "$T/py.err" >&2
elif [ "$rc" -ne 0 ] && [ "$_FAILS" -eq 0 ]; then
	fail paramiko_client "exited $rc: $(tail_text "$T/py.err")"
fi

finish

#!/usr/bin/env bash
# Dropbear (dropbear-bin) both ways:
#   dbclient -> burrowd and burrow -> dropbear: exec (exact stdout, stderr apart, exit status 42)
#   and 4 MiB through `cat` (checksum, exit status 0); burrow -> dropbear also with
#   aes256-ctr + hmac-sha2-256 (Dropbear has no -etm MACs).
# Dropbear's server reads ~/.ssh/authorized_keys of the user and has no option to look
# elsewhere: it runs in a private mount namespace (unshare, root only) where a home directory of
# this test is bind-mounted over the user's, so the real one is never read or written.
# shellcheck source=tests/interop/lib.sh
. "$(dirname "$0")/lib.sh" "$@"

CASE_TIMEOUT=${CASE_TIMEOUT:-60}
to_burrowd=(dbclient_to_burrowd_exec dbclient_to_burrowd_4MiB)
to_dropbear=(burrow_to_dropbear_exec burrow_to_dropbear_4MiB burrow_to_dropbear_aes256-ctr_hmac-sha2-256)

if ! need_cmd dbclient dropbear dropbearconvert dropbearkey ssh-keygen sha256sum timeout; then
	skip_all "missing $MISSING (dropbear-bin/openssh-client)" "${to_burrowd[@]}" "${to_dropbear[@]}"
	finish
fi
for prog in burrow burrowd; do
	if [ ! -x "$BUILD/$prog" ]; then
		fail_all "$BUILD/$prog was not built" "${to_burrowd[@]}" "${to_dropbear[@]}"
		finish
	fi
done

gen_key "$T/user" user
gen_key "$T/host" host
cp "$T/user.pub" "$T/authorized_keys"
random_file "$T/data" 4

# ---- dbclient -> burrowd -----------------------------------------------------------------------
if ! dropbearconvert openssh dropbear "$T/user" "$T/user.dropbear" >"$T/convert.log" 2>&1; then
	skip_all "dropbearconvert cannot read an Ed25519 OpenSSH key: $(tail_text "$T/convert.log")" "${to_burrowd[@]}"
elif ! start_burrowd "$T/host" "$T/authorized_keys"; then
	fail_all "$START_ERROR" "${to_burrowd[@]}"
else
	# -y -y: no host key checking at all (nothing is written to ~/.ssh/known_hosts).
	DB=(dbclient -y -y -i "$T/user.dropbear" -p "$BURROWD_PORT" "$ME@127.0.0.1")
	exec_case dbclient_to_burrowd_exec "${DB[@]}"
	bulk_case dbclient_to_burrowd_4MiB "$T/data" "${DB[@]}"
fi

# ---- burrow -> dropbear ------------------------------------------------------------------------
home=$(getent passwd "$ME" | cut -d: -f6)
if [ "$(id -u)" != 0 ]; then
	skip_all "dropbear reads only ~/.ssh/authorized_keys; isolating it needs root (unshare --mount)" "${to_dropbear[@]}"
	finish
fi
if ! need_cmd unshare mount || [ -z "$home" ] || [ ! -d "$home" ]; then
	skip_all "need unshare and mount, and an existing home directory for $ME" "${to_dropbear[@]}"
	finish
fi
mkdir -p "$T/home/.ssh"
chmod 755 "$T/home"
chmod 700 "$T/home/.ssh"
cp "$T/user.pub" "$T/home/.ssh/authorized_keys"
chmod 600 "$T/home/.ssh/authorized_keys"
dropbearkey -t ed25519 -f "$T/dropbear_host" >/dev/null 2>&1
DB_PORT=$(pick_port)
DB_LOG="$T/dropbear.$DB_PORT.log"
# `exec` all the way down: the pid we record is dropbear's own.
# shellcheck disable=SC2016 # $1.. are the inner shell's arguments
unshare --mount --propagation private sh -c \
	'mount --bind "$1" "$2" && exec dropbear -F -E -s -m -p "127.0.0.1:$3" -r "$4" -P "$5"' \
	sh "$T/home" "$home" "$DB_PORT" "$T/dropbear_host" "$T/dropbear.pid" </dev/null >"$DB_LOG" 2>&1 &
DB_PID=$!
_OUR_PIDS+=("$DB_PID")
_OUR_LOGS+=("$DB_LOG")
if ! wait_port "$DB_PORT" "$DB_PID" 10; then
	fail_all "dropbear did not listen on port $DB_PORT: $(tail_text "$DB_LOG")" "${to_dropbear[@]}"
	finish
fi
BURROW=("$BUILD/burrow" -F /dev/null -i "$T/user" -o UserKnownHostsFile=/dev/null -o StrictHostKeyChecking=no
	-p "$DB_PORT" 127.0.0.1)
exec_case burrow_to_dropbear_exec "${BURROW[@]}"
bulk_case burrow_to_dropbear_4MiB "$T/data" "${BURROW[@]}"
bulk_case burrow_to_dropbear_aes256-ctr_hmac-sha2-256 "$T/data" "${BURROW[@]:0:1}" -c aes256-ctr -m hmac-sha2-256 "${BURROW[@]:1}"

finish

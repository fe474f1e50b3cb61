#!/usr/bin/env bash
# The npm package ssh2 (pure JavaScript, installed under .peers/npm by scripts/fetch-npm-ssh2)
# both ways:
#   ssh2 client -> burrowd (npm_ssh2_client.js) and burrow -> ssh2 server (npm_ssh2_server.js,
#   which runs exec requests with /bin/sh -c): exec (exact stdout, stderr apart, exit status 42)
#   and 4 MiB through `cat` (checksum, exit status 0).
# SKIP when node/npm or the npm registry is unavailable.
# shellcheck source=tests/interop/lib.sh
. "$(dirname "$0")/lib.sh" "$@"

CASE_TIMEOUT=${CASE_TIMEOUT:-60}
cases=(npm_ssh2_client_to_burrowd_exec npm_ssh2_client_to_burrowd_4MiB
	burrow_to_npm_ssh2_server_exec burrow_to_npm_ssh2_server_4MiB)

if ! need_cmd node ssh-keygen sha256sum timeout; then
	skip_all "missing $MISSING (nodejs/openssh-client/coreutils)" "${cases[@]}"
	finish
fi
for prog in burrow burrowd; do
	if [ ! -x "$BUILD/$prog" ]; then
		fail_all "$BUILD/$prog was not built" "${cases[@]}"
		finish
	fi
done
if ! NODE_PATH=$("$INTEROP_DIR/../../scripts/fetch-npm-ssh2" "$PEERS_DIR/npm" 2>"$T/fetch.err"); then
	skip_all "npm package ssh2 unavailable: $(tail -n 1 "$T/fetch.err" | cut -c1-200)" "${cases[@]}"
	finish
fi
export NODE_PATH

gen_key "$T/user" user
gen_key "$T/host" host
cp "$T/user.pub" "$T/authorized_keys"
random_file "$T/data" 4

# ---- ssh2 client -> burrowd --------------------------------------------------------------------
if start_burrowd "$T/host" "$T/authorized_keys"; then
	CLIENT=(node "$INTEROP_DIR/npm_ssh2_client.js" 127.0.0.1 "$BURROWD_PORT" "$ME" "$T/user")
	exec_case npm_ssh2_client_to_burrowd_exec "${CLIENT[@]}"
	bulk_case npm_ssh2_client_to_burrowd_4MiB "$T/data" "${CLIENT[@]}"
else
	fail_all "$START_ERROR" npm_ssh2_client_to_burrowd_exec npm_ssh2_client_to_burrowd_4MiB
fi

# ---- burrow -> ssh2 server ---------------------------------------------------------------------
SRV_PORT=$(pick_port)
SRV_LOG="$T/npm_ssh2_server.$SRV_PORT.log"
node "$INTEROP_DIR/npm_ssh2_server.js" "$SRV_PORT" "$T/host" "$T/user.pub" </dev/null >"$SRV_LOG" 2>&1 &
SRV_PID=$!
_OUR_PIDS+=("$SRV_PID")
_OUR_LOGS+=("$SRV_LOG")
if ! wait_port "$SRV_PORT" "$SRV_PID" 20; then
	fail_all "the ssh2 server did not listen: $(tail_text "$SRV_LOG")" burrow_to_npm_ssh2_server_exec \
		burrow_to_npm_ssh2_server_4MiB
	finish
fi
BURROW=("$BUILD/burrow" -F /dev/null -i "$T/user" -o UserKnownHostsFile=/dev/null -o StrictHostKeyChecking=no
	-p "$SRV_PORT" 127.0.0.1)
exec_case burrow_to_npm_ssh2_server_exec "${BURROW[@]}"
bulk_case burrow_to_npm_ssh2_server_4MiB "$T/data" "${BURROW[@]}"

finish

#!/usr/bin/env bash
# burrow against an asyncssh server that demands a password change (RFC 4252 8,
# SSH_MSG_USERAUTH_PASSWD_CHANGEREQ; client_passwd_change_asyncssh.py): burrow asks ssh's three
# prompts (old, new, retype), says "Mismatch; try again, EOF to quit." when the two new ones
# differ, asks again when the server refuses the new password, gives up on an empty one, and
# never prompts in BatchMode (asyncssh lists keyboard-interactive too: burrow is told to use
# password only). Answers are typed by an askpass script (SSH_ASKPASS_REQUIRE=force)
# that records each prompt.
# shellcheck source=tests/interop/lib.sh
. "$(dirname "$0")/lib.sh" "$@"

CASE_TIMEOUT=${CASE_TIMEOUT:-30}
PY=/usr/bin/python3
P=client_passwd_change_asyncssh
cases=("${P}_change_then_in" "${P}_retype_mismatch_asked_again" "${P}_refused_new_password_asked_again"
	"${P}_empty_new_password_gives_up" "${P}_batch_mode_never_prompts")

if ! "$PY" -c 'import asyncssh' >/dev/null 2>&1; then
	skip_all "$PY cannot import asyncssh (Debian python3-asyncssh)" "${cases[@]}"
	finish
fi
if ! need_cmd ssh-keygen timeout; then
	skip_all "missing $MISSING" "${cases[@]}"
	finish
fi
if [ ! -x "$BUILD/burrow" ]; then
	fail_all "$BUILD/burrow was not built" "${cases[@]}"
	finish
fi

gen_key "$T/host" "asyncssh-host"
PORT=$(pick_port) || exit 1
: >"$T/changes"
"$PY" -W ignore "$INTEROP_DIR/client_passwd_change_asyncssh.py" "$T/host" "$PORT" "$T/changes" \
	</dev/null >"$T/server.log" 2>&1 &
SERVER_PID=$!
_OUR_PIDS+=("$SERVER_PID")
_OUR_LOGS+=("$T/server.log")
if ! wait_port "$PORT" "$SERVER_PID" 10; then
	fail_all "the asyncssh server did not start: $(tail_text "$T/server.log")" "${cases[@]}"
	finish
fi
echo "[127.0.0.1]:$PORT $(cut -d' ' -f1,2 "$T/host.pub")" >"$T/known_hosts"

# The askpass types the lines of $T/answers in order, one per prompt.
write_askpass "head -n 1 \"$T/answers\"; sed -i 1d \"$T/answers\""

# change ANSWER... -- [OPTION...]: burrow as "expired" typing the ANSWERs; stderr without CRs.
change() {
	split_options "$@"
	printf '%s\n' "${OPTS[@]}" >"$T/answers"
	: >"$T/prompts"
	: >"$T/changes"
	SSH_ASKPASS="$ASKPASS" SSH_ASKPASS_REQUIRE=force DISPLAY='' \
		timeout "$CASE_TIMEOUT" "$BUILD/burrow" -F /dev/null -p "$PORT" -l expired "${ARGS[@]}" \
		-o "UserKnownHostsFile=$T/known_hosts" -o IdentityFile=/nonexistent \
		-o PreferredAuthentications=password 127.0.0.1 true </dev/null >"$T/out" 2>"$T/err.raw"
	local rc=$?
	tr -d '\r' <"$T/err.raw" >"$T/err"
	grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$T/err" && return 99
	return $rc
}

PW="expired@127.0.0.1's password: "
OLDP="Enter expired@127.0.0.1's old password: "
NEWP="Enter expired@127.0.0.1's new password: "
RETYPE="Retype expired@127.0.0.1's new password: "

# check NAME RC WANT-RC PROMPTS CHANGES STDERR-LINE...: PROMPTS the askpass prompts joined by
# '|', CHANGES the server's change log joined by '|'.
check() {
	local name=$1 rc=$2 want_rc=$3 prompts=$4 changes=$5 got
	shift 5
	got=$(tr '\n' '|' <"$T/prompts")
	if [ "$rc" != "$want_rc" ]; then
		fail "$name" "exit status $rc, want $want_rc: $(tail_text "$T/err")"
	elif [ "$got" != "$prompts" ]; then
		fail "$name" "prompts '$got', want '$prompts'"
	elif [ "$(tr '\n' '|' <"$T/changes")" != "$changes" ]; then
		fail "$name" "server saw changes '$(tr '\n' '|' <"$T/changes")', want '$changes'"
	elif [ "$want_rc" = 0 ] && [ "$(cat "$T/out")" != "authenticated as expired" ]; then
		fail "$name" "stdout '$(first_line "$T/out")'"
	else
		expect_err_lines "$name" "$@"
	fi
}

change old-pw old-pw new-pw-ok new-pw-ok --
check "${P}_change_then_in" $? 0 "$PW|$OLDP|$NEWP|$RETYPE|" "change old-pw -> new-pw-ok|" \
	"Password expired for expired"

change old-pw old-pw new-pw-ok typo new-pw-ok new-pw-ok --
check "${P}_retype_mismatch_asked_again" $? 0 "$PW|$OLDP|$NEWP|$RETYPE|$NEWP|$RETYPE|" \
	"change old-pw -> new-pw-ok|" "Mismatch; try again, EOF to quit."

change old-pw old-pw short short old-pw new-pw-ok new-pw-ok --
check "${P}_refused_new_password_asked_again" $? 0 "$PW|$OLDP|$NEWP|$RETYPE|$OLDP|$NEWP|$RETYPE|" \
	"change old-pw -> short|change old-pw -> new-pw-ok|" "Too short; choose another"

# An empty new password ends password authentication, as end of input does for ssh.
change old-pw old-pw "" --
check "${P}_empty_new_password_gives_up" $? 255 "$PW|$OLDP|$NEWP|" "" \
	"expired@127.0.0.1: Permission denied (keyboard-interactive,password)."

change old-pw -- -o BatchMode=yes
check "${P}_batch_mode_never_prompts" $? 255 "" "" "expired@127.0.0.1: Permission denied (keyboard-interactive,password)."

finish

#!/usr/bin/env bash
# burrow's keyboard-interactive (RFC 4256) against a paramiko server (client_kbdint_server.py)
# that sends what PAM seldom does: a name and a multi-line instruction (printed on stderr), several
# rounds, a round with no prompts, and prompts with echo on and off (checked on a real terminal
# through tmux: the echoed answer shows, the hidden one does not). Answers are typed by an askpass
# script that records each prompt, except on the terminal.
# shellcheck source=tests/interop/lib.sh
. "$(dirname "$0")/lib.sh" "$@"

CASE_TIMEOUT=${CASE_TIMEOUT:-30}
PY=/usr/bin/python3
P=client_auth_paramiko
cases=("${P}_kbdint_name_and_instruction_shown" "${P}_kbdint_two_rounds" "${P}_kbdint_round_without_prompts"
	"${P}_kbdint_wrong_answer_refused" "${P}_kbdint_echo_on_a_terminal")

if ! paramiko_usable "$PY"; then
	skip_all "$PARAMIKO_SKIP" "${cases[@]}"
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

gen_key "$T/host" "paramiko-host"
PORT=$(pick_port) || exit 1
"$PY" "$INTEROP_DIR/client_kbdint_server.py" "$T/host" "$PORT" "$T/ready" </dev/null >"$T/server.log" 2>&1 &
SERVER_PID=$!
_OUR_PIDS+=("$SERVER_PID")
_OUR_LOGS+=("$T/server.log")
if ! wait_port "$PORT" "$SERVER_PID" 10; then
	fail_all "the paramiko server did not start: $(tail_text "$T/server.log")" "${cases[@]}"
	finish
fi
echo "[127.0.0.1]:$PORT $(cut -d' ' -f1,2 "$T/host.pub")" >"$T/known_hosts"

write_askpass "$(cat <<EOF
case "\$1" in
*Code:*) cat "$T/answer" ;;
*Name:*) echo nm ;;
*PIN:*) echo 1234 ;;
esac
EOF
)"

# kbdint USER CODE [OPTION...]: burrow as USER through askpass (CODE answers "Code: "); stderr without CRs.
kbdint() {
	local user=$1 code=$2
	shift 2
	askpass_run "$code" "$BUILD/burrow" -F /dev/null -p "$PORT" -l "$user" "$@" \
		-o "UserKnownHostsFile=$T/known_hosts" -o IdentityFile=/nonexistent \
		-o PreferredAuthentications=keyboard-interactive 127.0.0.1 true
	local rc=$?
	tr -d '\r' <"$T/err.raw" >"$T/err"
	# A sanitizer report (an ASan build) fails whatever the case expects.
	grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$T/err" && return 99
	return $rc
}

# check NAME RC WANT-RC PROMPTS STDERR-LINE...: PROMPTS is the askpass prompts joined by '|'.
check() {
	local name=$1 rc=$2 want_rc=$3 prompts=$4 line got
	shift 4
	got=$(tr '\n' '|' <"$T/prompts")
	if [ "$rc" != "$want_rc" ]; then
		fail "$name" "exit status $rc, want $want_rc: $(tail_text "$T/err")"
		return
	elif [ "$got" != "$prompts" ]; then
		fail "$name" "prompts '$got', want '$prompts'"
		return
	elif [ "$want_rc" = 0 ] && [ "$(cat "$T/out")" != "authenticated as $U" ]; then
		fail "$name" "stdout '$(first_line "$T/out")'"
		return
	fi
	expect_err_lines "$name" "$@"
}

U=named
kbdint named c0de
check "${P}_kbdint_name_and_instruction_shown" $? 0 "(named@127.0.0.1) Code: |" "Two-step login" \
	"Line one of the instruction" "Line two"

U=rounds
kbdint rounds c0de
check "${P}_kbdint_two_rounds" $? 0 "(rounds@127.0.0.1) Code: |(rounds@127.0.0.1) Name: |(rounds@127.0.0.1) PIN: |"

U=info
kbdint info c0de
check "${P}_kbdint_round_without_prompts" $? 0 "(info@127.0.0.1) Code: |" "Your password expires soon"

# Three attempts (NumberOfPasswordPrompts), then ssh's final message.
kbdint named wrong
check "${P}_kbdint_wrong_answer_refused" $? 255 \
	"(named@127.0.0.1) Code: |(named@127.0.0.1) Code: |(named@127.0.0.1) Code: |" \
	"named@127.0.0.1: Permission denied (keyboard-interactive)."

name="${P}_kbdint_echo_on_a_terminal"
if ! need_cmd tmux; then
	skip "$name" "tmux not installed"
else
	U='echo'
	printf '%s\n' "#!/bin/sh" \
		"exec '$BUILD/burrow' -F /dev/null -p $PORT -l echo -o UserKnownHostsFile=$T/known_hosts \\" \
		"  -o IdentityFile=/nonexistent 127.0.0.1 true >$T/tty.out 2>$T/tty.err" >"$T/tty.sh"
	chmod 755 "$T/tty.sh"
	tty_start "$T/tty.sh"
	tty_wait "(echo@127.0.0.1) Name:" && tty_keys "visible-name" Enter
	tty_wait "(echo@127.0.0.1) Code:" && tty_keys "c0de" Enter
	tty_finish
	screen=$TTY_SCREEN
	if ! grep -qF "(echo@127.0.0.1) Name: visible-name" <<<"$screen"; then
		fail "$name" "the echoed answer is not on the terminal: $(tr '\n' '|' <<<"$screen" | cut -c1-200)"
	elif grep -qF "c0de" <<<"$screen"; then
		fail "$name" "the hidden answer was echoed: $(tr '\n' '|' <<<"$screen" | cut -c1-200)"
	elif [ "$TTY_RC" != 0 ]; then
		fail "$name" "exit status $TTY_RC: $(tail_text "$T/tty.err")"
	else
		pass "$name"
	fi
fi

finish

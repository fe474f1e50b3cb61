#!/usr/bin/env bash
# OpenSSH's ssh (and paramiko for hand-made requests) -> our burrowd: session channels as sshd
# serves them. The login environment (HOME USER LOGNAME SHELL PATH MAIL SSH_CONNECTION SSH_CLIENT
# SSH_TTY TERM, the key's environment=), AcceptEnv/SendEnv, the login shell's argv[0] and
# directory, PrintMotd, PrintLastLog, PermitTTY, Subsystem, ForceCommand with SSH_ORIGINAL_COMMAND,
# x11-req refused, exit status and exit signal, no output lost when a program exits at once,
# several sessions on one connection, MaxSessions, and bad input (server_session_paramiko.py).
# As root the logins go to a throwaway account (its shell /bin/sh, so "-sh"); otherwise to us.
# shellcheck disable=SC2016 # the single-quoted commands are expanded by the remote shell
# shellcheck source=tests/interop/lib.sh
. "$(dirname "$0")/lib.sh" "$@"

CASE_TIMEOUT=${CASE_TIMEOUT:-30}
PY=/usr/bin/python3
PY_CASES=(session_unknown_request_failure session_pty_req_after_start_refused session_env_bad_names_refused
	session_huge_window_sizes session_terminal_modes_unknown_opcodes session_signal_and_break
	session_x11_and_unknown_subsystem_refused session_connection_survives_bad_input session_maxsessions_3)
cases=(session_env_login_vars session_env_connection session_env_tty session_acceptenv_sendenv
	session_key_environment session_login_shell_argv0 session_login_shell_pty session_motd
	session_no_motd_for_commands session_last_login session_subsystem_runs session_subsystem_unknown
	session_x11_refused session_exit_status session_exit_signal session_quick_exit_output
	session_quick_exit_output_pty session_forcecommand session_permittty_no session_several_in_one_connection
	session_client_alive_timeout "${PY_CASES[@]}")

if ! need_cmd ssh ssh-keygen timeout seq sha256sum; then
	skip_all "missing $MISSING (openssh-client/coreutils)" "${cases[@]}"
	finish
fi
if [ ! -x "$BUILD/burrowd" ]; then
	fail_all "$BUILD/burrowd was not built" "${cases[@]}"
	finish
fi

gen_key "$T/host_ed25519" "burrowd-host"
gen_key "$T/user_ed25519" "user"
if [ "$(id -u)" = 0 ]; then
	make_account bsess "${cases[@]}"
	LOGIN=$U LHOME=$UHOME
	mkdir -p "$LHOME/.ssh"
	AUTHKEYS=.ssh/authorized_keys
	KEYFILE="$LHOME/.ssh/authorized_keys"
else
	LOGIN=$ME LHOME=$(getent passwd "$ME" | cut -d: -f6)
	AUTHKEYS="$T/authorized_keys"
	KEYFILE=$AUTHKEYS
fi
LSHELL=$(getent passwd "$LOGIN" | cut -d: -f7)
LSHELL=${LSHELL:-/bin/sh}
# The key's environment= (honoured with PermitUserEnvironment yes).
echo "environment=\"BURROW_KEYENV=from-key\" $(cat "$T/user_ed25519.pub")" >"$KEYFILE"
[ "$(id -u)" = 0 ] && chown -R "$LOGIN:" "$LHOME/.ssh"

SUBSYS_CMD='echo subsys:${SSH_ORIGINAL_COMMAND-unset}:$0'
if ! start_burrowd "$T/host_ed25519" "$AUTHKEYS" -o "AcceptEnv=LC_* BURROW_ACCEPTED" \
	-o PermitUserEnvironment=yes -o "Subsystem=burrowtest $SUBSYS_CMD"; then
	fail_all "$START_ERROR" "${cases[@]}"
	finish
fi
PORT=$BURROWD_PORT
if ! start_burrowd "$T/host_ed25519" "$AUTHKEYS" -o "ForceCommand=echo forced:\$SSH_ORIGINAL_COMMAND" \
	-o MaxSessions=3 -o PrintMotd=no -o PermitTTY=no; then
	fail_all "$START_ERROR" "${cases[@]}"
	finish
fi
FORCED_PORT=$BURROWD_PORT

SSH_OPTS=(-o BatchMode=yes -o StrictHostKeyChecking=no -o "UserKnownHostsFile=$T/known_hosts"
	-o IdentitiesOnly=yes -o IdentityAgent=none -i "$T/user_ed25519" -o ConnectTimeout=10 -l "$LOGIN")
# ssh_main OPTION...: the login shell (no command); run_main ARG...: options, then the command
# (ssh reads options after the host too, up to the first other word).
ssh_main() { timeout "$CASE_TIMEOUT" ssh "${SSH_OPTS[@]}" -p "$PORT" "$@" 127.0.0.1; }
run_main() { timeout "$CASE_TIMEOUT" ssh "${SSH_OPTS[@]}" -p "$PORT" 127.0.0.1 "$@"; }

# expect_out NAME WANT: $T/out must be exactly WANT (and the status in $rc 0).
expect_out() {
	local got
	got=$(cat "$T/out")
	if [ "$rc" -ne 0 ]; then
		fail "$1" "exit status $rc: $(tail_text "$T/err")"
	elif [ "$got" != "$2" ]; then
		fail "$1" "got '$(printf '%s' "$got" | tr '\n' '|' | cut -c1-200)', want '$(printf '%s' "$2" | tr '\n' '|')'"
	else
		pass "$1"
	fi
}

MAIL_WANT="/var/mail/$LOGIN"
run_main 'printf "%s\n" "$HOME" "$USER" "$LOGNAME" "$SHELL" "$MAIL" "$PWD"' </dev/null >"$T/out" 2>"$T/err"
rc=$?
expect_out session_env_login_vars "$(printf '%s\n' "$LHOME" "$LOGIN" "$LOGIN" "$LSHELL" "$MAIL_WANT" "$LHOME")"

# SSH_CONNECTION "client port server port", SSH_CLIENT "client port server-port"; no pty: no
# SSH_TTY and no TERM. PATH is burrowd's when the shell adds nothing (/bin/sh -c reads no file).
run_main 'echo "$SSH_CONNECTION|$SSH_CLIENT|${SSH_TTY-unset}|${TERM-unset}|$PATH"' </dev/null >"$T/out" 2>"$T/err"
rc=$?
got=$(cat "$T/out")
re="^127\.0\.0\.1 ([0-9]+) 127\.0\.0\.1 $PORT\|127\.0\.0\.1 ([0-9]+) $PORT\|unset\|unset\|(.*)$"
if [ "$rc" -ne 0 ]; then
	fail session_env_connection "exit status $rc: $(tail_text "$T/err")"
elif ! [[ $got =~ $re ]] || [ "${BASH_REMATCH[1]}" != "${BASH_REMATCH[2]}" ]; then
	fail session_env_connection "got '$got'"
elif [ "$(basename "$LSHELL")" = sh ] && [ "${BASH_REMATCH[3]}" != /usr/local/bin:/usr/bin:/bin:/usr/games ]; then
	fail session_env_connection "PATH '${BASH_REMATCH[3]}', want burrowd's /usr/local/bin:/usr/bin:/bin:/usr/games"
else
	pass session_env_connection
fi

# With a pty: SSH_TTY names it (and is the process' terminal), TERM is what the client sent.
TERM=xterm-256color timeout "$CASE_TIMEOUT" ssh "${SSH_OPTS[@]}" -p "$PORT" -tt 127.0.0.1 \
	'echo "$SSH_TTY|$(tty)|$TERM"' </dev/null >"$T/out.raw" 2>"$T/err"
rc=$?
tr -d '\r' <"$T/out.raw" >"$T/out"
got=$(cat "$T/out")
if [ "$rc" -ne 0 ]; then
	fail session_env_tty "exit status $rc: $(tail_text "$T/err")"
elif ! [[ $got =~ ^(/dev/pts/[0-9]+)\|(/dev/pts/[0-9]+)\|xterm-256color$ ]] || [ "${BASH_REMATCH[1]}" != "${BASH_REMATCH[2]}" ]; then
	fail session_env_tty "got '$got', want SSH_TTY = tty = /dev/pts/N and TERM xterm-256color"
else
	pass session_env_tty
fi

# SendEnv: LC_BURROW and BURROW_ACCEPTED pass AcceptEnv, BURROW_REFUSED does not; the client
# cannot replace what the login sets (USER).
LC_BURROW='hello world' BURROW_ACCEPTED=yes BURROW_REFUSED=no USER=intruder \
	run_main -o SendEnv=LC_BURROW -o SendEnv=BURROW_ACCEPTED -o SendEnv=BURROW_REFUSED -o SendEnv=USER \
	'echo "$LC_BURROW|$BURROW_ACCEPTED|${BURROW_REFUSED-unset}|$USER"' </dev/null >"$T/out" 2>"$T/err"
rc=$?
expect_out session_acceptenv_sendenv "hello world|yes|unset|$LOGIN"

run_main 'echo "$BURROW_KEYENV"' </dev/null >"$T/out" 2>"$T/err"
rc=$?
expect_out session_key_environment "from-key"

# No command: the login shell, argv[0] "-" + its basename, started in HOME.
printf 'echo "argv0=$0"; pwd\n' | ssh_main -T >"$T/out" 2>"$T/err"
rc=$?
expect_out session_login_shell_argv0 "$(printf 'argv0=-%s\n%s' "$(basename "$LSHELL")" "$LHOME")"

# The same on a pty: the shell is interactive, what it prints comes back with CRLF.
printf 'echo "argv0=$0" "pty=$(tty)"; exit 0\n' | ssh_main -tt >"$T/out.raw" 2>"$T/err"
rc=$?
if [ "$rc" -ne 0 ]; then
	fail session_login_shell_pty "exit status $rc: $(tail_text "$T/err")"
elif ! tr -d '\r' <"$T/out.raw" | grep -qE "argv0=-$(basename "$LSHELL") pty=/dev/pts/[0-9]+$"; then
	fail session_login_shell_pty "no 'argv0=-$(basename "$LSHELL") pty=/dev/pts/N' line: $(tail_text "$T/out.raw")"
else
	pass session_login_shell_pty
fi

# PrintMotd (default yes): a login shell on a pty shows /etc/motd; a command does not.
MOTD_LINE=$(grep -m1 -v '^[[:space:]]*$' /etc/motd 2>/dev/null)
if [ -z "$MOTD_LINE" ]; then
	skip session_motd "/etc/motd is empty here"
elif ! tr -d '\r' <"$T/out.raw" | grep -qxF -- "$MOTD_LINE"; then
	fail session_motd "the shell's output lacks the motd line '$MOTD_LINE': $(head -c 300 "$T/out.raw" | tr '\r\n' '  ')"
else
	pass session_motd
fi
run_main -tt 'echo command-ran' </dev/null >"$T/out.raw" 2>"$T/err"
rc=$?
if [ "$rc" -ne 0 ] || [ "$(tr -d '\r' <"$T/out.raw")" != command-ran ]; then
	fail session_no_motd_for_commands "status $rc, output: $(head -c 300 "$T/out.raw" | tr '\r\n' '  ')"
else
	pass session_no_motd_for_commands
fi

# Root: the pty logins are recorded (lastlog), and PrintLastLog shows the last one to the next
# login shell.
printf 'exit 0\n' | ssh_main -tt >"$T/out.raw" 2>"$T/err"
if [ "$(id -u)" != 0 ]; then
	skip session_last_login "login records are written only when burrowd runs as root"
elif ! lastlog -u "$LOGIN" 2>/dev/null | grep -q 'pts/'; then
	fail session_last_login "no lastlog record for $LOGIN after pty logins: $(lastlog -u "$LOGIN" 2>&1 | tail -n 1)"
elif ! tr -d '\r' <"$T/out.raw" | grep -qE '^Last login: [A-Z][a-z]{2} [A-Z][a-z]{2} [ 0-9][0-9] [0-9:]{8} [0-9]{4} from 127\.0\.0\.1$'; then
	fail session_last_login "no 'Last login: ... from 127.0.0.1' line: $(head -c 300 "$T/out.raw" | tr '\r\n' '  ')"
else
	pass session_last_login
fi

# Subsystem: its command runs as a command would, without SSH_ORIGINAL_COMMAND.
run_main -s burrowtest </dev/null >"$T/out" 2>"$T/err"
rc=$?
expect_out session_subsystem_runs "subsys:unset:$(basename "$LSHELL")"

run_main -s no-such-subsystem </dev/null >"$T/out" 2>"$T/err"
rc=$?
if [ "$rc" -ne 255 ] || ! grep -q 'subsystem request failed on channel 0' "$T/err"; then
	fail session_subsystem_unknown "status $rc (want 255), stderr: $(tail_text "$T/err")"
else
	pass session_subsystem_unknown
fi

# ssh -X with a display: the server refuses x11-req, ssh says so and the command still runs.
DISPLAY=127.0.0.1:99 XAUTHORITY="$T/no-xauthority" run_main -X 'echo ran' </dev/null >"$T/out" 2>"$T/err"
rc=$?
if [ "$rc" -ne 0 ] || [ "$(cat "$T/out")" != ran ]; then
	fail session_x11_refused "status $rc, output '$(cat "$T/out")': $(tail_text "$T/err")"
elif ! grep -q 'X11 forwarding request failed on channel 0' "$T/err"; then
	fail session_x11_refused "ssh did not report the refusal: $(tail_text "$T/err")"
else
	pass session_x11_refused
fi

run_main 'exit 3' </dev/null >"$T/out" 2>"$T/err"
rc=$?
if [ "$rc" -eq 3 ]; then pass session_exit_status; else fail session_exit_status "status $rc, want 3"; fi

# Killed by a signal: exit-signal (ssh -v shows the request), which ssh turns into 255.
run_main -v 'kill -KILL $$' </dev/null >"$T/out" 2>"$T/err"
rc=$?
if [ "$rc" -eq 255 ] && grep -q 'rtype exit-signal' "$T/err"; then
	pass session_exit_signal
else
	fail session_exit_signal "status $rc (want 255), exit-signal seen: $(grep -c 'rtype exit-signal' "$T/err")"
fi

# A program that writes a lot and exits at once: every line arrives, every time.
want=$(seq 1 100000 | sha_stdin)
ok=1
for i in 1 2 3; do
	run_main 'seq 1 100000' </dev/null >"$T/out" 2>"$T/err"
	rc=$?
	if [ "$rc" -ne 0 ] || [ "$(sha_of "$T/out")" != "$want" ]; then
		fail session_quick_exit_output "run $i: status $rc, $(wc -l <"$T/out") of 100000 lines"
		ok=0
		break
	fi
done
[ "$ok" = 1 ] && pass session_quick_exit_output
want=$(seq 1 20000 | sha_stdin)
run_main -tt 'seq 1 20000' </dev/null >"$T/out.raw" 2>"$T/err"
rc=$?
if [ "$rc" -ne 0 ] || [ "$(tr -d '\r' <"$T/out.raw" | sha_stdin)" != "$want" ]; then
	fail session_quick_exit_output_pty "status $rc, $(tr -d '\r' <"$T/out.raw" | wc -l) of 20000 lines"
else
	pass session_quick_exit_output_pty
fi

# ForceCommand runs whatever is asked; what was asked is in SSH_ORIGINAL_COMMAND.
timeout "$CASE_TIMEOUT" ssh "${SSH_OPTS[@]}" -p "$FORCED_PORT" 127.0.0.1 'ls /' </dev/null >"$T/out" 2>"$T/err"
rc=$?
expect_out session_forcecommand "forced:ls /"

# PermitTTY no: the pty request is refused; ssh -tt says so and, as with sshd, gives up (255).
timeout "$CASE_TIMEOUT" ssh "${SSH_OPTS[@]}" -p "$FORCED_PORT" -tt 127.0.0.1 'tty' </dev/null >"$T/out.raw" 2>"$T/err"
rc=$?
if [ "$rc" -ne 255 ] || ! grep -q 'PTY allocation request failed on channel 0' "$T/err"; then
	fail session_permittty_no "status $rc (want 255), stderr: $(tail_text "$T/err")"
else
	pass session_permittty_no
fi

# Several sessions on one connection (ssh's multiplexing): three commands at once.
CTL="$T/ctl.sock"
timeout "$CASE_TIMEOUT" ssh "${SSH_OPTS[@]}" -p "$PORT" -o ControlMaster=yes -o "ControlPath=$CTL" -fN 127.0.0.1 \
	</dev/null >/dev/null 2>"$T/err.master"
mux() { timeout "$CASE_TIMEOUT" ssh "${SSH_OPTS[@]}" -p "$PORT" -o "ControlPath=$CTL" 127.0.0.1 "$@" </dev/null; }
for i in 1 2 3; do
	mux "sleep 1; echo session-$i; exit $i" >"$T/mux.$i" 2>&1 &
	eval "mux_pid_$i=$!"
done
ok=1
for i in 1 2 3; do
	eval "wait \$mux_pid_$i"
	st=$?
	if [ "$st" -ne "$i" ] || [ "$(cat "$T/mux.$i")" != "session-$i" ]; then
		fail session_several_in_one_connection "session $i: status $st, output '$(cat "$T/mux.$i")'"
		ok=0
		break
	fi
done
[ "$ok" = 1 ] && pass session_several_in_one_connection
timeout 10 ssh -o "ControlPath=$CTL" -O exit 127.0.0.1 >/dev/null 2>&1

# Hand-made requests (paramiko): bad input gets the protocol's answer, nothing else changes.
# ClientAliveInterval / ClientAliveCountMax: a client that stops answering (SIGSTOP) is dropped
# after about interval * (count + 1) seconds, with sshd's log line.
name=session_client_alive_timeout
if start_burrowd "$T/host_ed25519" "$AUTHKEYS" -o ClientAliveInterval=1 -o ClientAliveCountMax=2; then
	ssh "${SSH_OPTS[@]}" -p "$BURROWD_PORT" 127.0.0.1 'sleep 60' </dev/null >/dev/null 2>&1 &
	spid=$!
	_OUR_PIDS+=("$spid")
	for _ in $(seq 1 50); do
		grep -q "Accepted publickey for $LOGIN" "$BURROWD_LOG" && break
		sleep 0.2
	done
	sleep 1.5 # a keepalive or two answered while the client still runs
	kill -STOP "$spid"
	found=no
	for _ in $(seq 1 60); do
		grep -q "Timeout, client not responding from user $LOGIN 127.0.0.1 port" "$BURROWD_LOG" && found=yes && break
		sleep 0.2
	done
	kill -CONT "$spid" 2>/dev/null
	stop_pid "$spid"
	if [ "$found" = yes ]; then
		pass "$name"
	else
		fail "$name" "no timeout line: $(tail_text "$BURROWD_LOG")"
	fi
else
	fail "$name" "$START_ERROR"
fi

if ! paramiko_usable "$PY"; then
	skip_all "$PARAMIKO_SKIP" "${PY_CASES[@]}"
	finish
fi
{
	timeout 120 "$PY" -I "$INTEROP_DIR/server_session_paramiko.py" "$PORT" "$LOGIN" "$T/user_ed25519" requests
	timeout 60 "$PY" -I "$INTEROP_DIR/server_session_paramiko.py" "$FORCED_PORT" "$LOGIN" "$T/user_ed25519" \
		maxsessions 3
} >"$T/py.out" 2>"$T/py.err"
cat "$T/py.out"
for name in "${PY_CASES[@]}"; do
	if ! grep -qE "^(PASS|FAIL|SKIP): $name( |$)" "$T/py.out"; then
		fail "$name" "server_session_paramiko.py gave no result: $(tail_text "$T/py.err")"
	fi
done
if grep -q '^FAIL: ' "$T/py.out"; then
	_FAILS=$((_FAILS + 1))
	tail -n 20 "$T/py.err" >&2
fi

finish

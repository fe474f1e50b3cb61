#!/usr/bin/env bash
# burrow's session options against OpenSSH's sshd (serving the current user by key): SendEnv and
# SetEnv through sshd's AcceptEnv (a "-pattern" taking one back), -N (stays connected until
# killed; SIGTERM ends it with status 0 as ssh), -f (back after authentication, the command goes
# on), -n (stdin from /dev/null), -E (log lines to a file, the remote stderr still on stderr),
# -t/-tt/-T and -q as ssh decides them, -s (a subsystem), ServerAliveInterval/CountMax against
# a frozen server (SIGSTOP on its session process: "Timeout, server ... not responding.", 255),
# ConnectTimeout against a listener that never sends its banner, ConnectionAttempts (one try a
# second), TCPKeepAlive (SO_KEEPALIVE as ss shows it), exit statuses (a remote signal death is
# 255), and -f without a command and -s without a subsystem refused as ssh does.
# shellcheck source=tests/interop/lib.sh
. "$(dirname "$0")/lib.sh" "$@"

CASE_TIMEOUT=${CASE_TIMEOUT:-30}
P=client_session_openssh
cases=("${P}_sendenv_setenv_round_trip" "${P}_sendenv_minus_pattern" "${P}_no_command_N_stays_up"
	"${P}_N_sigterm_exit_0" "${P}_fork_after_auth" "${P}_fork_without_command_refused" "${P}_stdin_null"
	"${P}_log_file" "${P}_t_warns_without_terminal" "${P}_q_silences_warning" "${P}_tt_forces_pty"
	"${P}_T_no_pty" "${P}_subsystem" "${P}_server_alive_timeout" "${P}_connect_timeout_banner"
	"${P}_connection_attempts" "${P}_exit_status_passed" "${P}_server_alive_answered" "${P}_subsystem_name_required"
	"${P}_remote_signal_is_255" "${P}_tcp_keepalive_default_on" "${P}_tcp_keepalive_no")

if ! need_cmd ssh-keygen timeout; then
	skip_all "missing $MISSING" "${cases[@]}"
	finish
fi
if ! sshd_usable /usr/sbin/sshd; then
	skip_all "$SSHD_SKIP" "${cases[@]}"
	finish
fi
if [ ! -x "$BUILD/burrow" ]; then
	fail_all "$BUILD/burrow was not built" "${cases[@]}"
	finish
fi

gen_key "$T/host" "session-host"
gen_key "$T/user" "session-user"
cp "$T/user.pub" "$T/authorized_keys"
if ! start_sshd "$T/host" "$T/authorized_keys" "AcceptEnv BURROW_TEST_* BURROW_SET" \
	"Subsystem burrow-echo /bin/echo SUBSYSTEM-RAN" "PrintMotd no"; then
	fail_all "$START_ERROR" "${cases[@]}"
	finish
fi
KH="$T/known_hosts"
echo "[127.0.0.1]:$SSHD_PORT $(cut -d' ' -f1,2 "$T/host.pub")" >"$KH"
BURROW=("$BUILD/burrow" -F /dev/null -i "$T/user" -o "UserKnownHostsFile=$KH" -o StrictHostKeyChecking=yes
	-o BatchMode=yes -p "$SSHD_PORT")

# ---- environment ----
BURROW_TEST_A=sent-a BURROW_TEST_B=sent-b OTHER_BURROW_VAR=kept-home \
	timeout "$CASE_TIMEOUT" "${BURROW[@]}" -o 'SendEnv=BURROW_TEST_* OTHER_BURROW_VAR' \
	-o SetEnv=BURROW_SET=fixed 127.0.0.1 \
	'echo "$BURROW_TEST_A|$BURROW_TEST_B|$BURROW_SET|${OTHER_BURROW_VAR-unset}"' </dev/null >"$T/out" 2>"$T/err"
if [ "$(cat "$T/out")" = "sent-a|sent-b|fixed|unset" ]; then
	pass "${P}_sendenv_setenv_round_trip"
else
	fail "${P}_sendenv_setenv_round_trip" "got '$(cat "$T/out")': $(tail_text "$T/err")"
fi

printf 'Host *\n  SendEnv BURROW_TEST_*\n  SendEnv -BURROW_TEST_*\n  SendEnv BURROW_TEST_B\n' >"$T/env_config"
BURROW_TEST_A=sent-a BURROW_TEST_B=sent-b timeout "$CASE_TIMEOUT" "${BURROW[@]}" -F "$T/env_config" 127.0.0.1 \
	'echo "${BURROW_TEST_A-unset}|$BURROW_TEST_B"' </dev/null >"$T/out" 2>"$T/err"
if [ "$(cat "$T/out")" = "unset|sent-b" ]; then
	pass "${P}_sendenv_minus_pattern"
else
	fail "${P}_sendenv_minus_pattern" "got '$(cat "$T/out")': $(tail_text "$T/err")"
fi

# ---- -N ----
"${BURROW[@]}" -N 127.0.0.1 </dev/null >"$T/out" 2>"$T/err" &
npid=$!
sleep 3
if kill -0 "$npid" 2>/dev/null && grep -q "Accepted publickey" "$SSHD_LOG"; then
	pass "${P}_no_command_N_stays_up"
else
	fail "${P}_no_command_N_stays_up" "burrow -N ended: $(tail_text "$T/err")"
fi
kill -TERM "$npid" 2>/dev/null
wait "$npid"
rc=$?
if [ "$rc" = 0 ]; then pass "${P}_N_sigterm_exit_0"; else fail "${P}_N_sigterm_exit_0" "status $rc: $(tail_text "$T/err")"; fi

# ---- -f ----
rm -f "$T/forked"
start=$(date +%s)
timeout "$CASE_TIMEOUT" "${BURROW[@]}" -f 127.0.0.1 "sleep 3; echo ran >'$T/forked'" >"$T/out" 2>"$T/err"
rc=$? took=$(($(date +%s) - start))
for _ in $(seq 1 100); do [ -s "$T/forked" ] && break; sleep 0.1; done
if [ "$rc" = 0 ] && [ "$took" -lt 3 ] && [ "$(cat "$T/forked" 2>/dev/null)" = ran ]; then
	pass "${P}_fork_after_auth"
else
	fail "${P}_fork_after_auth" "status $rc after ${took}s, command output '$(cat "$T/forked" 2>/dev/null)': $(tail_text "$T/err")"
fi

timeout "$CASE_TIMEOUT" "${BURROW[@]}" -f 127.0.0.1 </dev/null >"$T/out" 2>"$T/err"
rc=$?
if [ "$rc" = 255 ] && grep -qxF $'Cannot fork into background without a command to execute.\r' "$T/err"; then
	pass "${P}_fork_without_command_refused"
else
	fail "${P}_fork_without_command_refused" "status $rc: $(tail_text "$T/err")"
fi

# ---- -n: a stdin that never ends is not read ----
exec 3< <(exec sleep 30)
feeder=$!
timeout "$CASE_TIMEOUT" "${BURROW[@]}" -n 127.0.0.1 'cat; echo "EOF-SEEN"' <&3 >"$T/out" 2>"$T/err"
rc=$?
exec 3<&-
kill "$feeder" 2>/dev/null
if [ "$rc" = 0 ] && [ "$(cat "$T/out")" = EOF-SEEN ]; then
	pass "${P}_stdin_null"
else
	fail "${P}_stdin_null" "status $rc, out '$(cat "$T/out")': $(tail_text "$T/err")"
fi

# ---- -E ----
rm -f "$T/burrow.log"
timeout "$CASE_TIMEOUT" "${BURROW[@]}" -v -E "$T/burrow.log" 127.0.0.1 'echo out; echo err >&2; exit 3' \
	</dev/null >"$T/out" 2>"$T/err"
rc=$?
if [ "$rc" = 3 ] && [ "$(cat "$T/out")" = out ] && [ "$(cat "$T/err")" = err ] &&
	grep -q '^debug1: Authenticating to 127.0.0.1' "$T/burrow.log"; then
	pass "${P}_log_file"
else
	fail "${P}_log_file" "status $rc, stderr '$(tail_text "$T/err")', log: $(head -c 120 "$T/burrow.log" 2>/dev/null | tr '\n' ' ')"
fi

# ---- -t, -tt, -T, -q ----
WARN='Pseudo-terminal will not be allocated because stdin is not a terminal.'
timeout "$CASE_TIMEOUT" "${BURROW[@]}" -t 127.0.0.1 'tty' </dev/null >"$T/out" 2>"$T/err"
rc=$?
if [ "$rc" = 1 ] && grep -qxF "$WARN"$'\r' "$T/err" && grep -qx 'not a tty' "$T/out"; then
	pass "${P}_t_warns_without_terminal"
else
	fail "${P}_t_warns_without_terminal" "status $rc, out '$(cat "$T/out")': $(tail_text "$T/err")"
fi
timeout "$CASE_TIMEOUT" "${BURROW[@]}" -q -t 127.0.0.1 'true' </dev/null >"$T/out" 2>"$T/err"
rc=$?
if [ "$rc" = 0 ] && [ ! -s "$T/err" ]; then
	pass "${P}_q_silences_warning"
else
	fail "${P}_q_silences_warning" "status $rc: $(tail_text "$T/err")"
fi
timeout "$CASE_TIMEOUT" "${BURROW[@]}" -tt 127.0.0.1 'tty; exit 4' </dev/null >"$T/out" 2>"$T/err"
rc=$?
if [ "$rc" = 4 ] && grep -q '^/dev/pts/[0-9]*' "$T/out" && ! grep -qF "$WARN" "$T/err"; then
	pass "${P}_tt_forces_pty"
else
	fail "${P}_tt_forces_pty" "status $rc, out '$(tr '\r\n' '  ' <"$T/out")': $(tail_text "$T/err")"
fi
# no command: a shell, reading its commands from our stdin without a pty
printf 'tty\nexit 5\n' | timeout "$CASE_TIMEOUT" "${BURROW[@]}" -T 127.0.0.1 >"$T/out" 2>"$T/err"
rc=$?
if [ "$rc" = 5 ] && [ "$(cat "$T/out")" = "not a tty" ] && [ ! -s "$T/err" ]; then
	pass "${P}_T_no_pty"
else
	fail "${P}_T_no_pty" "status $rc: $(tail_text "$T/err")"
fi

# ---- -s ----
timeout "$CASE_TIMEOUT" "${BURROW[@]}" -s 127.0.0.1 burrow-echo </dev/null >"$T/out" 2>"$T/err"
rc=$?
if [ "$rc" = 0 ] && [ "$(cat "$T/out")" = SUBSYSTEM-RAN ]; then
	pass "${P}_subsystem"
else
	fail "${P}_subsystem" "status $rc, out '$(cat "$T/out")': $(tail_text "$T/err")"
fi

timeout "$CASE_TIMEOUT" "${BURROW[@]}" -s 127.0.0.1 </dev/null >"$T/out" 2>"$T/err"
rc=$?
if [ "$rc" = 255 ] && grep -qxF 'You must specify a subsystem to invoke.' "$T/err"; then
	pass "${P}_subsystem_name_required"
else
	fail "${P}_subsystem_name_required" "status $rc: $(tail_text "$T/err")"
fi

# ---- exit status ----
timeout "$CASE_TIMEOUT" "${BURROW[@]}" 127.0.0.1 'exit 42' </dev/null >"$T/out" 2>"$T/err"
rc=$?
if [ "$rc" = 42 ]; then pass "${P}_exit_status_passed"; else fail "${P}_exit_status_passed" "status $rc: $(tail_text "$T/err")"; fi

# ---- remote signal death: 255, as ssh ----
timeout "$CASE_TIMEOUT" "${BURROW[@]}" 127.0.0.1 'kill -TERM $$' </dev/null >"$T/out" 2>"$T/err"
rc=$?
if [ "$rc" = 255 ]; then pass "${P}_remote_signal_is_255"; else fail "${P}_remote_signal_is_255" "status $rc: $(tail_text "$T/err")"; fi

# ---- TCPKeepAlive: SO_KEEPALIVE shows as ss's keepalive timer on burrow's socket ----
# keepalive_timer_case NAME WANT(yes|no) [OPTION...]
keepalive_timer_case() {
	local name=$1 want=$2 kpid line
	shift 2
	if ! need_cmd ss; then
		skip "$name" "missing ss (iproute2)"
		return
	fi
	"${BURROW[@]}" "$@" 127.0.0.1 'echo UP; sleep 5' </dev/null >"$T/ka.out" 2>"$T/ka.err" &
	kpid=$!
	for _ in $(seq 1 100); do grep -q UP "$T/ka.out" 2>/dev/null && break; sleep 0.1; done
	line=$(ss -tnpo state established "( dport = :$SSHD_PORT )" 2>/dev/null | grep "pid=$kpid,")
	wait "$kpid"
	if [ -z "$line" ]; then
		fail "$name" "burrow's connection not seen by ss: $(tail_text "$T/ka.err")"
	elif [ "$want" = yes ] && [[ "$line" == *"timer:(keepalive"* ]]; then
		pass "$name"
	elif [ "$want" = no ] && [[ "$line" != *"timer:(keepalive"* ]]; then
		pass "$name"
	else
		fail "$name" "want keepalive $want: $line"
	fi
}
keepalive_timer_case "${P}_tcp_keepalive_default_on" yes
keepalive_timer_case "${P}_tcp_keepalive_no" no -o TCPKeepAlive=no

# ---- ServerAliveInterval: a server that answers keeps the session; a frozen one ends it ----
timeout "$CASE_TIMEOUT" "${BURROW[@]}" -vv -o ServerAliveInterval=1 -o ServerAliveCountMax=1 127.0.0.1 \
	'sleep 4; echo ALIVE' </dev/null >"$T/out" 2>"$T/err"
rc=$?
sent=$(grep -c 'sending keepalive' "$T/err")
# CountMax 1: a second keepalive is only sent when the first one was answered
if [ "$rc" = 0 ] && [ "$(cat "$T/out")" = ALIVE ] && [ "$sent" -ge 2 ]; then
	pass "${P}_server_alive_answered"
else
	fail "${P}_server_alive_answered" "status $rc, $sent keepalives, out '$(cat "$T/out")': $(tail_text "$T/err")"
fi

"${BURROW[@]}" -o ServerAliveInterval=1 -o ServerAliveCountMax=2 127.0.0.1 'echo STARTED; sleep 60' \
	</dev/null >"$T/out" 2>"$T/err" &
apid=$!
for _ in $(seq 1 100); do grep -q STARTED "$T/out" 2>/dev/null && break; sleep 0.1; done
# sshd's per-connection processes: the children of the listener (and theirs), not the listener
frozen=()
for child in $(pgrep -P "$SSHD_PID"); do
	frozen+=("$child" $(pgrep -P "$child"))
done
if [ ${#frozen[@]} -gt 0 ]; then kill -STOP "${frozen[@]}"; fi
start=$(date +%s)
for _ in $(seq 1 150); do kill -0 "$apid" 2>/dev/null || break; sleep 0.1; done
took=$(($(date +%s) - start))
if kill -0 "$apid" 2>/dev/null; then
	kill -TERM "$apid" 2>/dev/null
	rc=timeout
	wait "$apid"
else
	wait "$apid"
	rc=$?
fi
if [ ${#frozen[@]} -gt 0 ]; then kill -CONT "${frozen[@]}" 2>/dev/null; fi
if [ ${#frozen[@]} -eq 0 ]; then
	fail "${P}_server_alive_timeout" "no sshd session process found to freeze"
elif [ "$rc" = 255 ] && [ "$took" -ge 2 ] && [ "$took" -le 8 ] &&
	grep -qxF $'Timeout, server 127.0.0.1 not responding.\r' "$T/err"; then
	pass "${P}_server_alive_timeout"
else
	fail "${P}_server_alive_timeout" "status $rc after ${took}s: $(tail_text "$T/err")"
fi

# ---- ConnectTimeout: a listener that accepts and says nothing ----
SILENT_PORT=$(pick_port)
/usr/bin/python3 -c '
import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(8)
held = []
while True:
    held.append(s.accept()[0])
' "$SILENT_PORT" &
_OUR_PIDS+=("$!")
wait_port "$SILENT_PORT" "$!" 10
start=$(date +%s)
timeout "$CASE_TIMEOUT" "$BUILD/burrow" -F /dev/null -o BatchMode=yes -o ConnectTimeout=2 -p "$SILENT_PORT" \
	127.0.0.1 true </dev/null >"$T/out" 2>"$T/err"
rc=$? took=$(($(date +%s) - start))
if [ "$rc" = 255 ] && [ "$took" -ge 1 ] && [ "$took" -le 5 ] &&
	grep -qxF $'Connection timed out during banner exchange\r' "$T/err"; then
	pass "${P}_connect_timeout_banner"
else
	fail "${P}_connect_timeout_banner" "status $rc after ${took}s: $(tail_text "$T/err")"
fi

# ---- ConnectionAttempts: nobody listens; three tries, a second apart ----
CLOSED_PORT=$(pick_port)
start=$(date +%s)
timeout "$CASE_TIMEOUT" "$BUILD/burrow" -F /dev/null -v -o BatchMode=yes -o ConnectionAttempts=3 -p "$CLOSED_PORT" \
	127.0.0.1 true </dev/null >"$T/out" 2>"$T/err"
rc=$? took=$(($(date +%s) - start))
if [ "$rc" = 255 ] && [ "$took" -ge 2 ] && [ "$(grep -c 'Trying again' "$T/err")" = 2 ] &&
	grep -qF "connect to host 127.0.0.1 port $CLOSED_PORT: Connection refused" "$T/err"; then
	pass "${P}_connection_attempts"
else
	fail "${P}_connection_attempts" "status $rc after ${took}s: $(tail_text "$T/err")"
fi

finish

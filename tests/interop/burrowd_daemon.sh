#!/usr/bin/env bash
# burrowd as a daemon, driven by OpenSSH's ssh, bash /dev/tcp connections and python3:
# 50 concurrent sessions, MaxStartups, SIGHUP with sessions open, LoginGraceTime, killing one
# connection process, SIGTERM and the PidFile, the per-connection re-exec, PerSourcePenalties and
# sd_notify. usage: tests/interop/burrowd_daemon.sh BUILD_DIR
. "$(dirname "$0")/lib.sh" "$@"
CASE_TIMEOUT=${CASE_TIMEOUT:-30}

CASES=(daemon_50_concurrent_sessions daemon_reexec_per_connection daemon_maxstartups_refuses_excess
	daemon_maxstartups_established_session_works daemon_maxstartups_recovers daemon_per_source_max_startups daemon_log_file daemon_login_grace_time
	daemon_kill_one_connection_others_go_on daemon_sighup_keeps_old_config_until_hup
	daemon_sighup_new_config_for_new_connections daemon_sighup_open_session_goes_on
	daemon_pidfile_written daemon_sigterm_stops_listening daemon_sigterm_open_session_finishes
	daemon_pidfile_removed daemon_sd_notify_ready daemon_sd_notify_reload_stop
	daemon_penalty_crash daemon_penalty_expires daemon_penalty_authfail)
if ! need_cmd ssh ssh-keygen /usr/bin/python3 pgrep; then
	skip_all "missing: $MISSING" "${CASES[@]}"
	finish
fi

gen_key "$T/hostkey"
gen_key "$T/client"
gen_key "$T/stranger"
# As root, sessions run as a throwaway account with /bin/sh (no login scripts of root's in the
# way); the files its commands touch live in its home ($W).
if [ "$(id -u)" = 0 ]; then
	make_account bdaemon "${CASES[@]}"
	LOGIN=$U
	W="$UHOME/daemon-test"
else
	LOGIN=$ME
	W="$T/daemon-test"
fi
mkdir -p "$W"
cp "$T/client.pub" "$W/authkeys"
cp "$T/stranger.pub" "$W/authkeys2"
[ "$LOGIN" = "$ME" ] || chown -R "$LOGIN" "$W"
SSH_OPTS=(-i "$T/client" -o IdentitiesOnly=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
	-o BatchMode=yes -o ConnectTimeout=20 -o KexAlgorithms=curve25519-sha256)
# ssh_to PORT CMD...: OpenSSH's ssh running CMD on our server as $LOGIN.
ssh_to() {
	local port=$1
	shift
	timeout "$CASE_TIMEOUT" ssh "${SSH_OPTS[@]}" -o LogLevel=ERROR -p "$port" "$LOGIN@127.0.0.1" "$@"
}

# start_daemon NAME [CONFIG-LINE...]: burrowd -D -e with its own config file $T/NAME.conf (the
# lines given first: the first value wins); sets D_PORT, D_PID, D_LOG, D_CONF. $D_ENV (an
# array of VAR=value) goes into its environment, $D_ARGS (an array) on its command line.
start_daemon() {
	local name=$1 line
	shift
	D_PORT=$(pick_port) || return 1
	D_CONF="$T/$name.conf"
	D_LOG="$T/burrowd.$name.log"
	{
		for line in "$@"; do echo "$line"; done
		echo "Port $D_PORT"
		echo "ListenAddress 127.0.0.1"
		echo "HostKey $T/hostkey"
		echo "AuthorizedKeysFile $W/authkeys"
		echo "StrictModes no"
		echo "LogLevel VERBOSE"
		echo "PidFile none"
	} >"$D_CONF"
	env "${D_ENV[@]}" "$BUILD/burrowd" -D -e -f "$D_CONF" "${D_ARGS[@]}" </dev/null >"$D_LOG" 2>&1 &
	D_PID=$!
	_OUR_PIDS+=("$D_PID")
	_OUR_LOGS+=("$D_LOG")
	if ! wait_port "$D_PORT" "$D_PID" 10; then
		START_ERROR="burrowd ($name) did not listen: $(tail_text "$D_LOG")"
		return 1
	fi
}
D_ENV=()
D_ARGS=()

# open_raw PORT: a TCP connection that sends nothing; sets RAW_FD and RAW_BANNER (the server's
# first line, empty when it closed the connection instead).
open_raw() {
	RAW_BANNER=""
	exec {RAW_FD}<>"/dev/tcp/127.0.0.1/$1" || return 1
	IFS= read -r -t 5 -u "$RAW_FD" RAW_BANNER
	RAW_BANNER=${RAW_BANNER%$'\r'}
	return 0
}

# wait_idle PID: until the listener PID has no connection process left (start_daemon's port
# probe is one for a moment, and would count against MaxStartups).
wait_idle() {
	for _ in $(seq 1 100); do
		pgrep -P "$1" >/dev/null || return 0
		sleep 0.1
	done
	return 1
}

# wait_file FILE [SECS]: until FILE exists and is not empty.
wait_file() {
	for _ in $(seq 1 $((${2:-10} * 10))); do
		[ -s "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

# wait_log LOG TEXT [SECS]: until LOG has a line containing TEXT.
wait_log() {
	for _ in $(seq 1 $((${3:-10} * 10))); do
		grep -qF -- "$2" "$1" && return 0
		sleep 0.1
	done
	return 1
}

# held_session PORT NAME [KEY]: a session (KEY: the client key file by default) that reports its connection process's pid in $W/NAME.pid,
# waits for $W/NAME.go, then prints "NAME done"; output in $T/NAME.out, status in $T/NAME.rc.
held_session() {
	local port=$1 name=$2 key=${3:-$T/client}
	rm -f "$W/$name.go" "$W/$name.pid" "$T/$name.rc"
	(
		CASE_TIMEOUT=60 ssh_to "$port" -i "$key" "echo \$PPID >$W/$name.pid; while [ ! -e $W/$name.go ]; do sleep 0.1; done; echo $name done" \
			</dev/null >"$T/$name.out" 2>"$T/$name.err"
		echo $? >"$T/$name.rc"
	) &
	_OUR_PIDS+=("$!")
}

# session_result NAME: waits for a held_session to end; true if it printed "NAME done", status 0.
session_result() {
	wait_file "$T/$1.rc" "$CASE_TIMEOUT" && [ "$(cat "$T/$1.rc")" = 0 ] &&
		[ "$(cat "$T/$1.out")" = "$1 done" ]
}

# ---- 50 concurrent sessions, each its own re-executed process ----
if start_daemon many "MaxStartups 100" "PerSourcePenalties no"; then
	MANY_PORT=$D_PORT MANY_PID=$D_PID
	pids=()
	for i in $(seq 1 50); do
		CASE_TIMEOUT=90 ssh_to "$MANY_PORT" "echo session-$i; echo err-$i >&2; exit $((i % 7))" </dev/null \
			>"$T/many.$i.out" 2>"$T/many.$i.err" &
		pids+=("$!")
	done
	bad=""
	for i in $(seq 1 50); do
		wait "${pids[$((i - 1))]}"
		rc=$?
		if [ "$rc" != $((i % 7)) ] || [ "$(cat "$T/many.$i.out")" != "session-$i" ] ||
			[ "$(cat "$T/many.$i.err")" != "err-$i" ]; then
			bad="$bad $i(rc=$rc:$(head -c 60 "$T/many.$i.out" "$T/many.$i.err" 2>/dev/null | tr '\n' ' '))"
		fi
	done
	if [ -z "$bad" ]; then
		pass daemon_50_concurrent_sessions
	else
		fail daemon_50_concurrent_sessions "wrong:${bad:0:300}"
	fi

	# The process serving a connection is burrowd executed again with -R (sshd's re-exec).
	# Its name stays "burrowd" for ps -C and pgrep (not "exe", from /proc/self/exe).
	# shellcheck disable=SC2016 # $PPID is the remote shell's
	cmdline=$(ssh_to "$MANY_PORT" 'tr "\0" " " </proc/$PPID/cmdline; echo "[$(cat /proc/$PPID/comm)]"' </dev/null 2>"$T/err")
	case "$cmdline" in
	*"burrowd -R -D -e -f $T/many.conf "*"[burrowd]") pass daemon_reexec_per_connection ;;
	*) fail daemon_reexec_per_connection "connection process cmdline and name '$cmdline' $(tail_text "$T/err")" ;;
	esac

	# Killing one connection's process ends that connection only.
	held_session "$MANY_PORT" victim
	held_session "$MANY_PORT" bystander
	if wait_file "$W/victim.pid" && wait_file "$W/bystander.pid"; then
		kill -KILL "$(cat "$W/victim.pid")"
		wait_file "$T/victim.rc" 10
		touch "$W/bystander.go"
		after=$(ssh_to "$MANY_PORT" 'echo still-serving' </dev/null 2>&1)
		if ! session_result bystander; then
			fail daemon_kill_one_connection_others_go_on "other session: rc $(cat "$T/bystander.rc" 2>/dev/null) $(tail_text "$T/bystander.out") $(tail_text "$T/bystander.err")"
		elif [ "$(cat "$T/victim.rc" 2>/dev/null)" != 255 ]; then
			fail daemon_kill_one_connection_others_go_on "the killed connection's ssh: status $(cat "$T/victim.rc" 2>/dev/null), want 255"
		elif [ "$after" != still-serving ] || ! kill -0 "$MANY_PID"; then
			fail daemon_kill_one_connection_others_go_on "new connection afterwards: '$after'"
		else
			pass daemon_kill_one_connection_others_go_on
		fi
	else
		fail daemon_kill_one_connection_others_go_on "sessions did not start: $(tail_text "$T/victim.err")"
	fi
	touch "$W/victim.go"
else
	fail_all "$START_ERROR" daemon_50_concurrent_sessions daemon_reexec_per_connection \
		daemon_kill_one_connection_others_go_on
fi

# ---- MaxStartups 3:100:3: three silent connections fill it ----
if start_daemon startups "MaxStartups 3:100:3" "PerSourcePenalties no" "LoginGraceTime 60"; then
	ST_PORT=$D_PORT ST_LOG=$D_LOG
	wait_idle "$D_PID"
	held_session "$ST_PORT" established
	wait_file "$W/established.pid"
	held=()
	banners=""
	for i in 1 2 3; do
		open_raw "$ST_PORT"
		held+=("$RAW_FD")
		banners="${banners}[$RAW_BANNER]"
	done
	open_raw "$ST_PORT"
	fourth=$RAW_BANNER
	exec {RAW_FD}>&-
	served=$(grep -o 'SSH-2.0-' <<<"$banners" | wc -l)
	if [ "$served" != 3 ]; then
		fail daemon_maxstartups_refuses_excess "only $served of the first three were served: '$banners' (the established session must not count: is listener_notify_authenticated called?)"
	elif [ -n "$fourth" ]; then
		fail daemon_maxstartups_refuses_excess "the fourth was served: '$fourth'"
	elif ! wait_log "$ST_LOG" "past MaxStartups" 5 ||
		! grep -qE "drop connection #3 from \[127\.0\.0\.1\]:[0-9]+ on \[127\.0\.0\.1\]:$ST_PORT past MaxStartups" "$ST_LOG"; then
		fail daemon_maxstartups_refuses_excess "no 'drop connection #3 ... past MaxStartups' line: $(tail_text "$ST_LOG")"
	else
		pass daemon_maxstartups_refuses_excess
	fi
	touch "$W/established.go"
	if session_result established; then
		pass daemon_maxstartups_established_session_works
	else
		fail daemon_maxstartups_established_session_works "rc $(cat "$T/established.rc" 2>/dev/null): $(tail_text "$T/established.err")"
	fi
	for fd in "${held[@]}"; do exec {fd}>&-; done
	sleep 0.5
	out=$(ssh_to "$ST_PORT" 'echo served-again' </dev/null 2>"$T/err")
	if [ "$out" = served-again ]; then
		pass daemon_maxstartups_recovers
	else
		fail daemon_maxstartups_recovers "after the silent connections closed: '$out' $(tail_text "$T/err")"
	fi
else
	fail_all "$START_ERROR" daemon_maxstartups_refuses_excess daemon_maxstartups_established_session_works \
		daemon_maxstartups_recovers
fi

# ---- PerSourceMaxStartups 2: a third silent connection from 127.0.0.1 is refused ----
if start_daemon persource "PerSourceMaxStartups 2" "PerSourcePenalties no"; then
	PS_PORT=$D_PORT PS_LOG=$D_LOG
	wait_idle "$D_PID"
	held=()
	banners=""
	for i in 1 2 3; do
		open_raw "$PS_PORT"
		held+=("$RAW_FD")
		banners="${banners}[$RAW_BANNER]"
	done
	case "$banners" in
	"[SSH-2.0-"*"][SSH-2.0-"*"][]")
		if wait_log "$PS_LOG" "past PerSourceMaxStartups" 5 &&
			grep -qE "drop connection #2 from \[127\.0\.0\.1\]:[0-9]+ on \[127\.0\.0\.1\]:$PS_PORT past PerSourceMaxStartups" "$PS_LOG"; then
			pass daemon_per_source_max_startups
		else
			fail daemon_per_source_max_startups "no 'drop connection #2 ... past PerSourceMaxStartups' line: $(tail_text "$PS_LOG")"
		fi
		;;
	*) fail daemon_per_source_max_startups "banners of three connections: '$banners', want two" ;;
	esac
	for fd in "${held[@]}"; do exec {fd}>&-; done
else
	fail daemon_per_source_max_startups "$START_ERROR"
fi

# ---- LoginGraceTime 2: a client that sends nothing is dropped (the log: -E FILE) ----
D_ARGS=(-E "$T/grace.file.log")
if start_daemon grace "LoginGraceTime 2" "PerSourcePenalties no"; then
	GR_LOG="$T/grace.file.log"
	_OUR_LOGS+=("$GR_LOG")
	if wait_log "$GR_LOG" "Server listening on 127.0.0.1 port $D_PORT." 2 && [ ! -s "$D_LOG" ]; then
		pass daemon_log_file
	else
		fail daemon_log_file "-E: the listener logged '$(tail_text "$GR_LOG")', stderr '$(tail_text "$D_LOG")'"
	fi
	start_ms=$(date +%s%3N)
	open_raw "$D_PORT"
	timeout 10 cat <&"$RAW_FD" >/dev/null
	rc=$?
	exec {RAW_FD}>&-
	elapsed=$(($(date +%s%3N) - start_ms))
	if [ -z "$RAW_BANNER" ]; then
		fail daemon_login_grace_time "no banner"
	elif [ "$rc" != 0 ]; then
		fail daemon_login_grace_time "still open after 10 s"
	elif [ "$elapsed" -lt 1800 ] || [ "$elapsed" -gt 5000 ]; then
		fail daemon_login_grace_time "closed after ${elapsed} ms, want about 2000"
	elif ! wait_log "$GR_LOG" "Timeout before authentication for 127.0.0.1" 2; then
		fail daemon_login_grace_time "no 'Timeout before authentication' line: $(tail_text "$GR_LOG")"
	else
		pass daemon_login_grace_time
	fi
else
	fail_all "$START_ERROR" daemon_login_grace_time daemon_log_file
fi
D_ARGS=()

# ---- SIGHUP, sd_notify, PidFile and SIGTERM on one daemon ----
NOTIFY_LOG="$T/notify.log"
/usr/bin/python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "a") as log:
    while True:
        msg = s.recv(4096).decode(errors="replace").replace("\n", " ")
        log.write(msg + "\n")
        log.flush()
' "$T/notify.sock" "$NOTIFY_LOG" &
_OUR_PIDS+=("$!")
wait_file "$T/notify.sock" 5 || [ -S "$T/notify.sock" ]
D_ENV=("NOTIFY_SOCKET=$T/notify.sock")
if start_daemon hup "PidFile $T/burrowd.pid" "PerSourcePenalties no"; then
	HUP_PORT=$D_PORT HUP_PID=$D_PID HUP_CONF=$D_CONF HUP_LOG=$D_LOG
	if wait_log "$NOTIFY_LOG" "READY=1" 5; then
		pass daemon_sd_notify_ready
	else
		fail daemon_sd_notify_ready "no READY=1 datagram: '$(tr '\n' '|' <"$NOTIFY_LOG")'"
	fi
	if [ "$(cat "$T/burrowd.pid" 2>/dev/null)" = "$HUP_PID" ]; then
		pass daemon_pidfile_written
	else
		fail daemon_pidfile_written "PidFile holds '$(cat "$T/burrowd.pid" 2>/dev/null)', want $HUP_PID"
	fi
	held_session "$HUP_PORT" before_hup
	wait_file "$W/before_hup.pid"
	# The file changes (another AuthorizedKeysFile: only the stranger's key): new connections
	# keep the config burrowd read until SIGHUP, as with sshd.
	sed -i "s|^AuthorizedKeysFile .*|AuthorizedKeysFile $W/authkeys2|" "$HUP_CONF"
	out=$(ssh_to "$HUP_PORT" 'echo old-config' </dev/null 2>"$T/err.pre")
	if [ "$out" = old-config ]; then
		pass daemon_sighup_keeps_old_config_until_hup
	else
		fail daemon_sighup_keeps_old_config_until_hup "before SIGHUP the old key was refused: '$out' $(tail_text "$T/err.pre")"
	fi
	kill -HUP "$HUP_PID"
	wait_log "$HUP_LOG" "Received SIGHUP; restarting." 5
	wait_log "$NOTIFY_LOG" "RELOADING=1" 5
	for _ in $(seq 1 50); do [ "$(grep -c 'Server listening' "$HUP_LOG")" -ge 2 ] && break; sleep 0.1; done
	old=$(ssh_to "$HUP_PORT" 'echo old-key' </dev/null 2>"$T/err.post")
	new=$(timeout "$CASE_TIMEOUT" ssh -i "$T/stranger" -o IdentitiesOnly=yes -o StrictHostKeyChecking=no \
		-o UserKnownHostsFile=/dev/null -o BatchMode=yes -o LogLevel=ERROR -p "$HUP_PORT" "$LOGIN@127.0.0.1" \
		'echo new-key' </dev/null 2>>"$T/err.post")
	if [ "$new" = new-key ] && [ -z "$old" ] && kill -0 "$HUP_PID"; then
		pass daemon_sighup_new_config_for_new_connections
	else
		fail daemon_sighup_new_config_for_new_connections "after SIGHUP: old key '$old', new key '$new': $(tail_text "$T/err.post")"
	fi
	touch "$W/before_hup.go"
	if session_result before_hup && kill -0 "$HUP_PID"; then
		pass daemon_sighup_open_session_goes_on
	else
		fail daemon_sighup_open_session_goes_on "rc $(cat "$T/before_hup.rc" 2>/dev/null): $(tail_text "$T/before_hup.err")"
	fi
	# SIGTERM: the listener goes, the session opened before finishes on its own.
	held_session "$HUP_PORT" before_term "$T/stranger" # the key the new config admits
	wait_file "$W/before_term.pid"
	kill -TERM "$HUP_PID"
	for _ in $(seq 1 50); do kill -0 "$HUP_PID" 2>/dev/null || break; sleep 0.1; done
	if kill -0 "$HUP_PID" 2>/dev/null; then
		fail daemon_sigterm_stops_listening "the listener is still running"
	elif _port_in_use "$HUP_PORT"; then
		fail daemon_sigterm_stops_listening "port $HUP_PORT still accepts"
	else
		pass daemon_sigterm_stops_listening
	fi
	touch "$W/before_term.go"
	if session_result before_term; then
		pass daemon_sigterm_open_session_finishes
	else
		fail daemon_sigterm_open_session_finishes "rc $(cat "$T/before_term.rc" 2>/dev/null): $(tail_text "$T/before_term.err")"
	fi
	if [ -e "$T/burrowd.pid" ]; then
		fail daemon_pidfile_removed "$T/burrowd.pid is still there"
	else
		pass daemon_pidfile_removed
	fi
	notes=$(tr '\n' '|' <"$NOTIFY_LOG")
	case "$notes" in
	"READY=1|RELOADING=1 MONOTONIC_USEC="*"|READY=1|STOPPING=1|") pass daemon_sd_notify_reload_stop ;;
	*) fail daemon_sd_notify_reload_stop "datagrams: '$notes'" ;;
	esac
else
	fail_all "$START_ERROR" daemon_sd_notify_ready daemon_pidfile_written daemon_sighup_keeps_old_config_until_hup \
		daemon_sighup_new_config_for_new_connections daemon_sighup_open_session_goes_on \
		daemon_sigterm_stops_listening daemon_sigterm_open_session_finishes daemon_pidfile_removed \
		daemon_sd_notify_reload_stop
fi
D_ENV=()

# ---- PerSourcePenalties: failures from 127.0.0.1 get it refused for a while ----
if start_daemon penalty "PerSourcePenalties crash:3 authfail:3 noauth:0 grace-exceeded:0 min:1 max:6"; then
	PE_PORT=$D_PORT PE_PID=$D_PID PE_LOG=$D_LOG
	# A crash: the connection's process dies of a signal before authentication.
	open_raw "$PE_PORT"
	child=""
	for _ in $(seq 1 20); do
		child=$(pgrep -n -P "$PE_PID") && break
		sleep 0.1
	done
	[ -n "$child" ] && kill -KILL "$child"
	timeout 5 cat <&"$RAW_FD" >/dev/null
	exec {RAW_FD}>&-
	wait_log "$PE_LOG" "killed by signal" 5
	sleep 0.2
	open_raw "$PE_PORT"
	refused=$RAW_BANNER
	exec {RAW_FD}>&-
	if [ -n "$refused" ]; then
		fail daemon_penalty_crash "served during the penalty: '$refused'"
	elif ! wait_log "$PE_LOG" "penalty: caused crash" 2 ||
		! grep -qE "drop connection #0 from \[127\.0\.0\.1\]:[0-9]+ on \[127\.0\.0\.1\]:$PE_PORT penalty: caused crash" "$PE_LOG"; then
		fail daemon_penalty_crash "no 'drop connection ... penalty: caused crash' line: $(tail_text "$PE_LOG")"
	else
		pass daemon_penalty_crash
	fi
	sleep 3.2
	out=$(ssh_to "$PE_PORT" 'echo welcome-back' </dev/null 2>"$T/err")
	if [ "$out" = welcome-back ]; then
		pass daemon_penalty_expires
	else
		fail daemon_penalty_expires "after the penalty: '$out' $(tail_text "$T/err")"
	fi
	# Failed authentication (the connection ends with CONN_EXIT_AUTH_ATTEMPTED).
	timeout "$CASE_TIMEOUT" ssh -i "$T/stranger" -o IdentitiesOnly=yes -o StrictHostKeyChecking=no \
		-o UserKnownHostsFile=/dev/null -o BatchMode=yes -o LogLevel=ERROR -p "$PE_PORT" "$LOGIN@127.0.0.1" true \
		</dev/null >/dev/null 2>"$T/err.fail"
	sleep 0.5
	open_raw "$PE_PORT"
	refused=$RAW_BANNER
	exec {RAW_FD}>&-
	if [ -n "$refused" ]; then
		fail daemon_penalty_authfail "served after a failed authentication (does the connection exit with CONN_EXIT_AUTH_ATTEMPTED?)"
	elif ! wait_log "$PE_LOG" "penalty: failed authentication" 2; then
		fail daemon_penalty_authfail "no 'penalty: failed authentication' line: $(tail_text "$PE_LOG")"
	else
		pass daemon_penalty_authfail
	fi
else
	fail_all "$START_ERROR" daemon_penalty_crash daemon_penalty_expires daemon_penalty_authfail
fi

finish

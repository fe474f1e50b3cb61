# shellcheck shell=bash disable=SC2034 # the variables set here are used by the case scripts
# tests/interop/lib.sh: sourced by every interop case script as
#     . "$(dirname "$0")/lib.sh" "$@"
# with $1 = the build directory holding burrowd, burrow, burrow-keygen.
#
# Gives: $BUILD, $T (a private temp dir, removed at exit), $ME (current user name),
#   pass NAME | fail NAME WHY | skip NAME WHY   one result line each (PASS:/FAIL:/SKIP:);
#                           a script may set $CASE_SUFFIX (empty here) to append it to every NAME
#   skip_all WHY NAME...    fail_all WHY NAME...   one line per case name
#   need_cmd CMD...         true if every command exists; else sets $MISSING
#   pick_port               prints a free 127.0.0.1 TCP port
#   wait_port PORT [PID] [SECS]   until something accepts on PORT (false if PID died or timeout)
#   gen_key FILE [COMMENT]  Ed25519 key pair with ssh-keygen (FILE, FILE.pub)
#   start_burrowd HOSTKEY AUTHKEYS [ARG...]   sets BURROWD_PORT BURROWD_PID BURROWD_LOG
#                           (StrictModes=no unless BURROWD_STRICT_MODES=yes)
#   sshd_usable [SSHD]      true if that sshd (default /usr/sbin/sshd) can run; else SSHD_SKIP
#   start_sshd HOSTKEY AUTHKEYS [CONFIG-LINE...]  sets SSHD_PORT SSHD_PID SSHD_LOG
#   stop_pid PID            stop one process we started
#   check_log LOG NAME      FAIL line if a sanitizer reported anything in LOG
#   finish                  stop our servers, check their logs, exit 1 if any case failed
#   sha_of FILE | sha_stdin the sha256 hex digest
#   gen_key_type FILE TYPE [BITS]   a key pair of another type (ed25519, ecdsa, rsa)
#   start_sshd_with SSHD HOSTKEY AUTHKEYS [CONFIG-LINE...]   start_sshd with another sshd binary
#   start_sshd_root NAME [CONFIG-LINE...]  (as root) /usr/sbin/sshd checking passwords of any
#                           account, keys in ~/.ssh/authorized_keys; sets PORT_<NAME>
#   make_account PREFIX CASE...   (as root) a throwaway account: sets U, PASSWORD, UHOME; removed
#                           with userdel -r at exit, also on failure; if it cannot be made, FAIL
#                           lines for every CASE and finish
#   write_askpass [BODY]    sets ASKPASS, a script appending each prompt to $T/prompts, then
#                           running BODY (shell; default: type the contents of $T/answer)
#   paramiko_usable [PY]    true if PY (default /usr/bin/python3) imports paramiko; else
#                           PARAMIKO_SKIP
#   askpass_run ANSWER CMD...  CMD (under $CASE_TIMEOUT, stdin /dev/null) with $ASKPASS forced
#                           and ANSWER in $T/answer; prompts in $T/prompts (emptied first),
#                           output in $T/out and $T/err.raw; CMD's status
#   split_options ARG...    OPTS=(the ARGs before "--"), ARGS=(those after it)
#   expect_err_lines NAME LINE...   PASS if each LINE is a whole line of $T/err, else FAIL
#   tty_start SCRIPT        SCRIPT on a real terminal (tmux, 120x20), without SSH_ASKPASS or
#                           DISPLAY; then tty_wait TEXT (until the screen shows it, 10 s at
#                           most), tty_screen (prints it), tty_keys KEY... (tmux send-keys), and
#                           tty_finish: waits for SCRIPT's end, sets TTY_SCREEN and TTY_RC, stops tmux
#   openssh10_usable        true if OpenSSH 10 is unpacked (fetching it if needed); sets
#                           SSH10, SSHD10, SSHD10_LINES (config lines it needs); else OPENSSH10_SKIP
#   burrow_query WHAT       `burrow -Q WHAT` as one line, names separated by spaces
#   random_file FILE MIB    MIB MiB of random bytes
#   exec_case NAME CLIENT...        CLIENT runs a command writing "out" and "err" and exiting 42:
#                                   PASS if status, stdout and stderr are exactly those
#   bulk_case NAME DATA CLIENT...   DATA through a remote `cat` and back: PASS if identical
#   upload_case NAME DATA CLIENT... DATA into a remote `sha256sum`: PASS if the digest matches
#   download_case NAME DATA CLIENT...  a remote `cat DATA` (same path, same machine): PASS if the
#                                   bytes received have DATA's digest
#   refused_case NAME CLIENT...     CLIENT must fail with 255, run nothing, say "Permission denied"
#   $ARTIFACTS              BUILD/artifacts (created): outputs worth keeping after the run
# Only processes this script started are ever killed, by PID.

if [ $# -lt 1 ] || [ ! -d "$1" ]; then
	echo "usage: $0 BUILD_DIR" >&2
	exit 2
fi
BUILD=$(cd "$1" && pwd)
INTEROP_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ME=$(id -un)
PEERS_DIR=${BURROW_PEERS_DIR:-$(cd "$INTEROP_DIR/../.." && pwd)/.peers}
ARTIFACTS="$BUILD/artifacts"
mkdir -p "$ARTIFACTS"
T=$(mktemp -d /tmp/burrow-interop.XXXXXX)
chmod 700 "$T"
export LC_ALL=C

_OUR_PIDS=()
_OUR_LOGS=()
_OUR_ACCOUNTS=()
_FAILS=0
_USED_PORTS=" "
# Not taken from the environment: a script sets it (algorithm_matrix.sh, for another peer).
CASE_SUFFIX=""

pass() { echo "PASS: $1$CASE_SUFFIX"; }
fail() {
	echo "FAIL: $1$CASE_SUFFIX (${2:-no reason given})"
	_FAILS=$((_FAILS + 1))
}
skip() { echo "SKIP: $1$CASE_SUFFIX (${2:-no reason given})"; }
skip_all() {
	local why=$1 name
	shift
	for name in "$@"; do skip "$name" "$why"; done
}
fail_all() {
	local why=$1 name
	shift
	for name in "$@"; do fail "$name" "$why"; done
}

need_cmd() {
	MISSING=""
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || MISSING="$MISSING $c"
	done
	MISSING=${MISSING# }
	[ -z "$MISSING" ]
}

sha_of() { sha256sum "$1" | cut -d' ' -f1; }
sha_stdin() { sha256sum | cut -d' ' -f1; }

# first_line FILE: the first line of FILE for a failure reason, shortened.
first_line() { head -n 1 "$1" 2>/dev/null | cut -c1-160; }
# tail_text FILE: last lines of FILE squeezed into one line for a failure reason.
tail_text() { tail -n 3 "$1" 2>/dev/null | tr '\n' ' ' | cut -c1-240; }

_port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

pick_port() {
	local i port
	for i in $(seq 1 200); do
		# below Linux's ephemeral range (32768-60999), so no outgoing connection holds it
		port=$((20000 + (RANDOM * 32768 + RANDOM) % 12000))
		case "$_USED_PORTS" in *" $port "*) continue ;; esac
		if ! _port_in_use "$port"; then
			_USED_PORTS="$_USED_PORTS$port "
			echo "$port"
			return 0
		fi
	done
	echo "pick_port: no free port found" >&2
	return 1
}

# wait_port PORT [PID] [SECS]: poll until a connect to 127.0.0.1:PORT succeeds.
wait_port() {
	local port=$1 pid=${2:-} secs=${3:-10} i
	for i in $(seq 1 $((secs * 10))); do
		_port_in_use "$port" && return 0
		if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
			return 1
		fi
		sleep 0.1
	done
	return 1
}

gen_key() {
	rm -f "$1" "$1.pub"
	ssh-keygen -q -t ed25519 -N '' -C "${2:-burrow-interop}" -f "$1" </dev/null >/dev/null
}

stop_pid() {
	local pid=$1 i
	kill "$pid" 2>/dev/null || return 0
	for _ in $(seq 1 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

# start_burrowd HOSTKEY AUTHKEYS [ARG...]: our server on a fresh port, in the foreground mode
# (-D) with logs on stderr (-e) into a file; serves the current user. StrictModes=no because $T
# is under /tmp (mode 1777), which StrictModes rightly refuses, as OpenSSH's sshd does; a case
# whose files sit on a safe path sets BURROWD_STRICT_MODES=yes. PerSourcePenalties is off
# (cases fail logins on purpose, many in a row) unless a case's own -o sets it first.
start_burrowd() {
	local hostkey=$1 authkeys=$2
	shift 2
	BURROWD_PORT=$(pick_port) || return 1
	BURROWD_LOG="$T/burrowd.$BURROWD_PORT.log"
	"$BUILD/burrowd" -D -e -p "$BURROWD_PORT" -h "$hostkey" \
		-o ListenAddress=127.0.0.1 -o "AuthorizedKeysFile=$authkeys" -o PidFile=none \
		-o "StrictModes=${BURROWD_STRICT_MODES:-no}" "$@" -o PerSourcePenalties=no \
		</dev/null >"$BURROWD_LOG" 2>&1 &
	BURROWD_PID=$!
	_OUR_PIDS+=("$BURROWD_PID")
	_OUR_LOGS+=("$BURROWD_LOG")
	if ! wait_port "$BURROWD_PORT" "$BURROWD_PID" 10; then
		START_ERROR="burrowd did not listen on port $BURROWD_PORT: $(tail_text "$BURROWD_LOG")"
		return 1
	fi
}

# sshd_usable [SSHD]: true if OpenSSH's server (default /usr/sbin/sshd) can run here; else sets
# $SSHD_SKIP to the reason.
sshd_usable() {
	local sshd_bin=${1:-/usr/sbin/sshd}
	SSHD_SKIP=""
	if [ ! -x "$sshd_bin" ]; then
		SSHD_SKIP="$sshd_bin not installed (openssh-server)"
	elif [ "$(id -u)" = 0 ] && ! getent passwd sshd >/dev/null 2>&1; then
		SSHD_SKIP="privilege separation user sshd missing (openssh-server creates it)"
	fi
	[ -z "$SSHD_SKIP" ]
}

# start_sshd HOSTKEY AUTHKEYS [CONFIG-LINE...]: OpenSSH's sshd with its own config, on a fresh
# port, serving the current user by public key only.
start_sshd() {
	start_sshd_with /usr/sbin/sshd "$@"
}

# start_sshd_with SSHD HOSTKEY AUTHKEYS [CONFIG-LINE...]: the same with another sshd binary
# (an absolute path: sshd re-executes itself).
start_sshd_with() {
	local sshd_bin=$1 hostkey=$2 authkeys=$3 line
	shift 3
	SSHD_PORT=$(pick_port) || return 1
	SSHD_LOG="$T/sshd.$SSHD_PORT.log"
	local cfg="$T/sshd_config.$SSHD_PORT"
	{
		echo "Port $SSHD_PORT"
		echo "ListenAddress 127.0.0.1"
		echo "HostKey $hostkey"
		echo "AuthorizedKeysFile $authkeys"
		echo "UsePAM no"
		echo "StrictModes no"
		echo "PidFile none"
		echo "PermitRootLogin prohibit-password"
		echo "PubkeyAuthentication yes"
		echo "PasswordAuthentication no"
		echo "KbdInteractiveAuthentication no"
		echo "UseDNS no"
		echo "LogLevel VERBOSE"
		echo "MaxStartups 64"
		for line in "$@"; do echo "$line"; done
	} >"$cfg"
	_run_sshd "$sshd_bin" "$cfg" "$SSHD_LOG" "$SSHD_PORT" || return 1
	SSHD_PID=$_SSHD_PID
}

# _run_sshd SSHD CONFIG LOG PORT: starts it in the foreground mode, logging into LOG, and waits
# until it listens on PORT; sets _SSHD_PID, or START_ERROR and returns 1.
_run_sshd() {
	local sshd_bin=$1 cfg=$2 log=$3 port=$4
	if [ "$(id -u)" = 0 ]; then
		# sshd's privilege-separation chroot; the Debian package normally creates it at boot.
		mkdir -p /run/sshd && chmod 755 /run/sshd
	fi
	"$sshd_bin" -D -e -f "$cfg" </dev/null >"$log" 2>&1 &
	_SSHD_PID=$!
	_OUR_PIDS+=("$_SSHD_PID")
	_OUR_LOGS+=("$log")
	if ! wait_port "$port" "$_SSHD_PID" 10; then
		START_ERROR="sshd did not listen on port $port: $(tail_text "$log")"
		return 1
	fi
}

# start_sshd_root NAME [CONFIG-LINE...]: OpenSSH's sshd run as root, so it can check the
# passwords of any account, with exactly these authentication settings (the lines given come
# first: sshd takes the first value of a keyword); keys in ~/.ssh/authorized_keys. Sets
# PORT_<NAME>.
start_sshd_root() {
	local name=$1 port cfg log line
	shift
	port=$(pick_port) || return 1
	cfg="$T/sshd_config.$name"
	log="$T/sshd.$name.log"
	{
		for line in "$@"; do echo "$line"; done
		echo "Port $port"
		echo "ListenAddress 127.0.0.1"
		echo "PidFile none"
		echo "StrictModes no"
		echo "UseDNS no"
		echo "LogLevel VERBOSE"
		echo "MaxStartups 64"
		echo "AuthorizedKeysFile .ssh/authorized_keys"
	} >"$cfg"
	_run_sshd /usr/sbin/sshd "$cfg" "$log" "$port" || {
		START_ERROR="sshd ($name): $START_ERROR"
		return 1
	}
	printf -v "PORT_$name" '%s' "$port"
}

# make_account PREFIX CASE...: a throwaway local account (root only) named PREFIX and our PID,
# with a random password; _cleanup removes it (userdel -r) at exit, also on failure.
make_account() {
	local prefix=$1
	shift
	U="$prefix$$"
	U=${U:0:30}
	PASSWORD="Pw-$RANDOM$RANDOM-ok"
	_OUR_ACCOUNTS+=("$U")
	if ! useradd -m -s /bin/sh "$U" >"$T/useradd.err" 2>&1 ||
		! echo "$U:$PASSWORD" | chpasswd >>"$T/useradd.err" 2>&1; then
		fail_all "cannot create the account $U: $(tail_text "$T/useradd.err")" "$@"
		finish
	fi
	UHOME=$(getent passwd "$U" | cut -d: -f6)
}

# write_askpass [BODY]: $T/askpass, for SSH_ASKPASS: records each prompt it is shown (one a
# line in $T/prompts), then runs BODY, which prints the answer (default: $T/answer's contents).
write_askpass() {
	local body=${1:-"cat \"$T/answer\""}
	ASKPASS="$T/askpass"
	{
		echo '#!/bin/sh'
		echo "printf '%s\\n' \"\$1\" >>\"$T/prompts\""
		echo "$body"
	} >"$ASKPASS"
	chmod 755 "$ASKPASS"
}

# askpass_run ANSWER CMD...: CMD with SSH_ASKPASS=$ASKPASS forced (write_askpass), typing ANSWER.
askpass_run() {
	printf '%s\n' "$1" >"$T/answer"
	shift
	: >"$T/prompts"
	SSH_ASKPASS="$ASKPASS" SSH_ASKPASS_REQUIRE=force DISPLAY='' \
		timeout "$CASE_TIMEOUT" "$@" </dev/null >"$T/out" 2>"$T/err.raw"
}

# split_options ARG...: for wrappers taking "[OPTION...] -- COMMAND": OPTS gets the ARGs before
# the first "--", ARGS those after it.
split_options() {
	OPTS=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		OPTS+=("$1")
		shift
	done
	[ $# -gt 0 ] && shift
	ARGS=("$@")
}

# expect_err_lines NAME LINE...: each LINE must be a whole line of $T/err.
expect_err_lines() {
	local name=$1 line
	shift
	for line in "$@"; do
		if ! grep -qxF -- "$line" "$T/err"; then
			fail "$name" "stderr lacks '$line': $(tail_text "$T/err")"
			return
		fi
	done
	pass "$name"
}

# tty_start SCRIPT: a tmux session (socket in $T) running SCRIPT; its exit status goes to
# $T/tty.rc, and the session stays up for tty_finish to read the screen.
tty_start() {
	_TTY_SOCK="$T/tmux.sock"
	rm -f "$T/tty.rc"
	env -u SSH_ASKPASS -u SSH_ASKPASS_REQUIRE -u DISPLAY tmux -S "$_TTY_SOCK" -f /dev/null \
		new-session -d -x 120 -y 20 "sh -c '$1; echo \$? >$T/tty.rc; sleep 30'"
}
tty_screen() { tmux -S "$_TTY_SOCK" capture-pane -p 2>/dev/null; }
tty_keys() { tmux -S "$_TTY_SOCK" send-keys "$@" 2>/dev/null; }
tty_wait() {
	for _ in $(seq 1 100); do
		tty_screen | grep -qF -- "$1" && return 0
		sleep 0.1
	done
	return 1
}
tty_finish() {
	for _ in $(seq 1 100); do [ -s "$T/tty.rc" ] && break; sleep 0.1; done
	TTY_SCREEN=$(tty_screen)
	TTY_RC=$(cat "$T/tty.rc" 2>/dev/null)
	tmux -S "$_TTY_SOCK" kill-server 2>/dev/null
}

# paramiko_usable [PY]: true if PY (default /usr/bin/python3) can import paramiko; else sets
# $PARAMIKO_SKIP to the reason.
paramiko_usable() {
	local py=${1:-/usr/bin/python3}
	PARAMIKO_SKIP=""
	if [ ! -x "$py" ]; then
		PARAMIKO_SKIP="$py not installed (python3)"
	elif ! "$py" -c 'import paramiko' >/dev/null 2>&1; then
		PARAMIKO_SKIP="$py cannot import paramiko (python3-paramiko)"
	fi
	[ -z "$PARAMIKO_SKIP" ]
}

# gen_key_type FILE TYPE [BITS]: a key pair of TYPE (ed25519, ecdsa, rsa) with ssh-keygen.
gen_key_type() {
	rm -f "$1" "$1.pub"
	ssh-keygen -q -t "$2" ${3:+-b "$3"} -N '' -C "burrow-interop-$2${3:+-$3}" -f "$1" </dev/null >/dev/null
}

# random_file FILE MIB
random_file() {
	head -c $(($2 * 1024 * 1024)) /dev/urandom >"$1"
}

# burrow_query WHAT: the names `burrow -Q WHAT` prints, space-separated.
burrow_query() {
	"$BUILD/burrow" -Q "$1" 2>/dev/null | tr '\n' ' ' | sed 's/ *$//'
}

# openssh10_usable: OpenSSH 10 unpacked under .peers/ (scripts/fetch-openssh10 fetches it the
# first time). Sets SSH10 (client), SSHD10 (server) and SSHD10_LINES (the config lines its sshd
# needs to find its helpers), or OPENSSH10_SKIP with the reason.
openssh10_usable() {
	OPENSSH10_SKIP=""
	local dir=${OPENSSH10_DIR:-$PEERS_DIR/openssh10} err="$T/fetch-openssh10.err"
	if ! "$INTEROP_DIR/../../scripts/fetch-openssh10" "$dir" >/dev/null 2>"$err"; then
		OPENSSH10_SKIP="OpenSSH 10 not available: $(tail -n 1 "$err" | cut -c1-200)"
		return 1
	fi
	SSH10="$dir/usr/bin/ssh"
	SSHD10="$dir/usr/sbin/sshd"
	SSHD10_LINES=("SshdSessionPath $dir/usr/lib/openssh/sshd-session")
	if [ -x "$dir/usr/lib/openssh/sshd-auth" ]; then
		SSHD10_LINES+=("SshdAuthPath $dir/usr/lib/openssh/sshd-auth")
	fi
	# Tests open many short connections, some failing on purpose: no penalty box.
	SSHD10_LINES+=("PerSourcePenalties no")
	if [ "$(id -u)" = 0 ] && ! getent passwd sshd >/dev/null 2>&1; then
		OPENSSH10_SKIP="privilege separation user sshd missing (openssh-server creates it)"
		return 1
	fi
	return 0
}

# check_log LOG NAME: a FAIL line if ASan/LSan/UBSan wrote a report into LOG.
check_log() {
	if grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$1" 2>/dev/null; then
		fail "$2" "sanitizer report in $(basename "$1"): $(grep -m1 -E 'ERROR: |runtime error:' "$1" | cut -c1-160)"
	fi
}

_cleanup() {
	local pid account
	for pid in "${_OUR_PIDS[@]}"; do
		stop_pid "$pid"
	done
	for account in "${_OUR_ACCOUNTS[@]}"; do
		userdel -r "$account" >/dev/null 2>&1
	done
	if [ "${KEEP_TMP:-0}" = 1 ]; then
		echo "interop: kept $T" >&2
	else
		rm -rf "$T"
	fi
}
trap _cleanup EXIT
trap 'exit 130' INT TERM HUP

# finish: stop our servers (so a leak report at exit lands in their logs), print any burrowd
# sanitizer report as a failure, and exit 1 if any case failed. On failure the servers' logs are
# printed to stderr (run-tests shows them).
finish() {
	local pid log
	for pid in "${_OUR_PIDS[@]}"; do
		stop_pid "$pid"
	done
	_OUR_PIDS=()
	for log in "${_OUR_LOGS[@]}"; do
		case "$(basename "$log")" in
		burrowd.*) check_log "$log" "$(basename "$0" .sh)_burrowd_sanitizers" ;;
		esac
	done
	if [ "$_FAILS" -gt 0 ]; then
		for log in "${_OUR_LOGS[@]}"; do
			echo "----- $(basename "$log") (last 40 lines) -----" >&2
			tail -n 40 "$log" >&2
		done
		exit 1
	fi
	exit 0
}

# exec_case NAME CLIENT...: the client runs a command that writes to both streams and exits 42.
exec_case() {
	local name=$1
	shift
	timeout "$CASE_TIMEOUT" "$@" 'echo out; echo err >&2; exit 42' </dev/null >"$T/out" 2>"$T/err"
	local rc=$?
	if [ "$rc" -ne 42 ]; then
		fail "$name" "exit status $rc, want 42: $(tail_text "$T/err")"
	elif ! printf 'out\n' | cmp -s - "$T/out"; then
		fail "$name" "stdout is '$(head -c 80 "$T/out" | tr '\n' '|')', want 'out'"
	elif ! grep -qx 'err' "$T/err"; then
		fail "$name" "stderr lacks the line 'err': $(tail_text "$T/err")"
	elif grep -qx 'out' "$T/err"; then
		fail "$name" "stdout data leaked into stderr: $(tail_text "$T/err")"
	else
		pass "$name"
	fi
}

# bulk_case NAME DATA CLIENT...: DATA in through a remote `cat` and back out.
bulk_case() {
	local name=$1 data=$2
	shift 2
	timeout "$CASE_TIMEOUT" "$@" cat <"$data" >"$T/out" 2>"$T/err"
	local rc=$?
	if [ "$rc" -ne 0 ]; then
		fail "$name" "exit status $rc: $(tail_text "$T/err")"
	elif [ "$(sha_of "$T/out")" != "$(sha_of "$data")" ]; then
		fail "$name" "output differs from input ($(wc -c <"$T/out") of $(wc -c <"$data") bytes back)"
	else
		pass "$name"
	fi
}

# upload_case NAME DATA CLIENT...: DATA into a remote sha256sum; its digest must be DATA's.
upload_case() {
	local name=$1 data=$2
	shift 2
	timeout "$CASE_TIMEOUT" "$@" sha256sum <"$data" >"$T/out" 2>"$T/err"
	local rc=$? got want
	got=$(cut -d' ' -f1 "$T/out")
	want=$(sha_of "$data")
	if [ "$rc" -ne 0 ]; then
		fail "$name" "exit status $rc: $(tail_text "$T/err")"
	elif [ "$got" != "$want" ]; then
		fail "$name" "far side sha256 '$got' != local $want"
	else
		pass "$name"
	fi
}

# download_case NAME DATA CLIENT...: a remote `cat DATA` (the server runs on this machine);
# what arrives must have DATA's digest.
download_case() {
	local name=$1 data=$2
	shift 2
	timeout "$CASE_TIMEOUT" "$@" cat "$data" </dev/null >"$T/out" 2>"$T/err"
	local rc=$? got want
	got=$(sha_of "$T/out")
	want=$(sha_of "$data")
	if [ "$rc" -ne 0 ]; then
		fail "$name" "exit status $rc: $(tail_text "$T/err")"
	elif [ "$got" != "$want" ]; then
		fail "$name" "received sha256 $got != $want ($(wc -c <"$T/out") of $(wc -c <"$data") bytes)"
	else
		pass "$name"
	fi
}

# refused_case NAME CLIENT...: authentication must fail: exit 255, nothing run, ssh's message.
refused_case() {
	local name=$1
	shift
	timeout "$CASE_TIMEOUT" "$@" 'echo should-not-run' </dev/null >"$T/out" 2>"$T/err"
	local rc=$?
	if [ "$rc" -ne 255 ]; then
		fail "$name" "exit status $rc, want 255; stdout: $(first_line "$T/out")"
	elif [ -s "$T/out" ]; then
		fail "$name" "command ran: $(first_line "$T/out")"
	elif ! grep -q 'Permission denied' "$T/err"; then
		fail "$name" "no 'Permission denied' on stderr: $(tail_text "$T/err")"
	else
		pass "$name"
	fi
}

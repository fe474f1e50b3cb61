#!/usr/bin/env bash
# burrowd's privilege separation, seen from outside: while a client that has not authenticated
# is connected, the process that parses its bytes runs chrooted to the empty privsep directory as
# an unprivileged user with no_new_privs, a seccomp filter and no file growth, and its monitor
# (root) stays apart; after login the session runs as the user; the client sees none of it.
# shellcheck source=tests/interop/lib.sh
. "$(dirname "$0")/lib.sh" "$@"

P=privsep
cases=("${P}_preauth_child_unprivileged" "${P}_preauth_child_chrooted" "${P}_preauth_child_no_new_privs"
	"${P}_preauth_child_seccomp" "${P}_preauth_child_no_file_growth" "${P}_monitor_is_root"
	"${P}_login_works" "${P}_session_runs_as_user" "${P}_grace_time_kills_silent_client")

if [ "$(id -u)" != 0 ]; then
	skip_all "needs root (the pre-auth sandbox drops from root)" "${cases[@]}"
	finish
fi
if ! need_cmd ssh ssh-keygen timeout pgrep; then
	skip_all "missing $MISSING" "${cases[@]}"
	finish
fi
if [ ! -x "$BUILD/burrowd" ]; then
	fail_all "$BUILD/burrowd was not built" "${cases[@]}"
	finish
fi

gen_key "$T/host" burrowd-host
gen_key "$T/user" user
make_account bwps "${cases[@]}"
mkdir -p "$UHOME/.ssh"
cp "$T/user.pub" "$UHOME/.ssh/authorized_keys"
chown -R "$U:" "$UHOME/.ssh"
if ! start_burrowd "$T/host" .ssh/authorized_keys -o LoginGraceTime=4 -o LogLevel=VERBOSE; then
	fail_all "$START_ERROR" "${cases[@]}"
	finish
fi
PORT=$BURROWD_PORT

# (VERBOSE: a build without the seccomp filter says so, "sandbox unavailable".)
# A client that says its version and then nothing: the connection stays before authentication.
# (First the port probe of start_burrowd must be gone, so that ours is the only connection.)
for _ in $(seq 1 100); do
	[ -z "$(pgrep -P "$BURROWD_PID")" ] && break
	sleep 0.1
done
exec 7<>"/dev/tcp/127.0.0.1/$PORT"
printf 'SSH-2.0-privsep-probe\r\n' >&7

# descendants_of PID: the processes below PID, depth first.
descendants_of() {
	local child
	for child in $(pgrep -P "$1"); do
		echo "$child"
		descendants_of "$child"
	done
}
monitor="" pre=""
for _ in $(seq 1 50); do
	monitor=$(pgrep -P "$BURROWD_PID" | head -n 1)
	[ -n "$monitor" ] && pre=$(pgrep -P "$monitor" | head -n 1)
	[ -n "$pre" ] && break
	sleep 0.1
done
status_field() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status" 2>/dev/null; }

if [ -z "$pre" ]; then
	fail_all "no pre-auth child below the connection process (monitor '$monitor')" "${cases[@]:0:6}"
else
	uid=$(status_field "$pre" Uid)
	euid=$(awk '$1 == "Uid:" { print $3 }' "/proc/$pre/status")
	if [ -n "$uid" ] && [ "$uid" != 0 ] && [ "$euid" != 0 ]; then
		pass "${P}_preauth_child_unprivileged"
	else
		fail "${P}_preauth_child_unprivileged" "uid '$uid' euid '$euid'"
	fi
	root=$(readlink "/proc/$pre/root")
	if [ "$root" = /run/burrowd ]; then
		pass "${P}_preauth_child_chrooted"
	else
		fail "${P}_preauth_child_chrooted" "root directory is '$root'"
	fi
	if [ "$(status_field "$pre" NoNewPrivs)" = 1 ]; then
		pass "${P}_preauth_child_no_new_privs"
	else
		fail "${P}_preauth_child_no_new_privs" "NoNewPrivs $(status_field "$pre" NoNewPrivs)"
	fi
	seccomp=$(status_field "$pre" Seccomp)
	if [ "$seccomp" = 2 ]; then
		pass "${P}_preauth_child_seccomp"
	elif grep -q "sandbox unavailable" "$BURROWD_LOG"; then
		skip "${P}_preauth_child_seccomp" "no seccomp filter in this build or kernel"
	else
		fail "${P}_preauth_child_seccomp" "Seccomp mode '$seccomp'"
	fi
	if awk '/^Max file size/ { exit !($4 == 0) }' "/proc/$pre/limits"; then
		pass "${P}_preauth_child_no_file_growth"
	else
		fail "${P}_preauth_child_no_file_growth" "$(grep '^Max file size' "/proc/$pre/limits")"
	fi
	if [ "$(status_field "$monitor" Uid)" = 0 ]; then
		pass "${P}_monitor_is_root"
	else
		fail "${P}_monitor_is_root" "monitor uid $(status_field "$monitor" Uid)"
	fi
fi

# Nothing more from the probe: LoginGraceTime (4 s) ends it, the pre-auth child goes with it.
name="${P}_grace_time_kills_silent_client"
if timeout 15 cat <&7 >/dev/null 2>&1 && [ -n "$pre" ] && ! kill -0 "$pre" 2>/dev/null &&
	grep -q "Timeout before authentication for 127.0.0.1" "$BURROWD_LOG"; then
	pass "$name"
else
	fail "$name" "connection or child still there, or no log line: $(tail_text "$BURROWD_LOG")"
fi
exec 7>&-

# A real login through both children: the command and the process serving the connection (its
# parent) run as the user.
SSH=(ssh -F /dev/null -o BatchMode=yes -o IdentityAgent=none -o IdentitiesOnly=yes -i "$T/user"
	-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -p "$PORT" -l "$U" 127.0.0.1)
CASE_TIMEOUT=30
exec_case "${P}_login_works" "${SSH[@]}"
want=$(id -u "$U")
out=$(timeout 20 "${SSH[@]}" 'id -u; awk "/^Uid:/ { print \$2, \$3, \$4 }" /proc/$PPID/status' 2>"$T/err")
if [ "$(echo "$out" | sed -n 1p)" = "$want" ] && [ "$(echo "$out" | sed -n 2p)" = "$want $want $want" ]; then
	pass "${P}_session_runs_as_user"
else
	fail "${P}_session_runs_as_user" "id/parent uid: $(echo "$out" | tr '\n' ' ') $(tail_text "$T/err")"
fi
finish

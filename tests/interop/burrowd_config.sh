#!/usr/bin/env bash
# burrowd configuration handling: keywords, errors, overrides, host key and StrictModes checks.
# usage: tests/interop/burrowd_config.sh BUILD_DIR
# Prints PASS: / FAIL: / SKIP: lines; exits 1 if anything failed.
set -u

BUILD=${1:?usage: $0 BUILD_DIR}
BUILD=$(cd "$BUILD" && pwd)
BURROWD=$BUILD/burrowd
FAILED=0
PIDS=()

pass() { echo "PASS: $1"; }
fail() { echo "FAIL: $1 ($2)"; FAILED=1; }
skip() { echo "SKIP: $1 ($2)"; }

if [ ! -x "$BURROWD" ]; then
	echo "FAIL: burrowd_present ($BURROWD not built)"
	exit 1
fi

# StrictModes refuses paths under a group/world-writable directory, as sshd does: the work
# directory goes where no ancestor is writable by others (the build tree, else $HOME, else /run).
ancestors_safe() {
	local d=$1 perm owner
	while :; do
		perm=$(stat -c %a "$d") || return 1
		owner=$(stat -c %u "$d")
		if [ $((0$perm & 022)) != 0 ] || { [ "$owner" != 0 ] && [ "$owner" != "$(id -u)" ]; }; then
			return 1
		fi
		[ "$d" = / ] && return 0
		d=$(dirname "$d")
	done
}
WORK_PARENT=$BUILD
for candidate in "$BUILD" "$HOME" /run; do
	if [ -d "$candidate" ] && [ -w "$candidate" ] && ancestors_safe "$candidate"; then
		WORK_PARENT=$candidate
		break
	fi
done
WORK=$(mktemp -d "$WORK_PARENT/burrowd_config.XXXXXX")
cleanup() {
	for pid in "${PIDS[@]}"; do
		kill "$pid" 2>/dev/null
	done
	wait 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup EXIT

make_key() { # make_key FILE
	if [ -x "$BUILD/burrow-keygen" ] && "$BUILD/burrow-keygen" -q -t ed25519 -N '' -f "$1" >/dev/null 2>&1; then
		return 0
	fi
	command -v ssh-keygen >/dev/null && ssh-keygen -q -t ed25519 -N '' -f "$1" >/dev/null 2>&1
}

if ! make_key "$WORK/hostkey"; then
	skip all "neither burrow-keygen nor ssh-keygen could make an ed25519 key"
	exit 0
fi
chmod 600 "$WORK/hostkey"
HK=(-h "$WORK/hostkey")

# run NAME: runs burrowd with the remaining arguments; sets OUT (stdout+stderr) and RC.
run() {
	OUT=$("$BURROWD" "$@" 2>&1)
	RC=$?
}

expect_rc_and_text() { # NAME RC TEXT -- burrowd args
	local name=$1 want_rc=$2 text=$3
	shift 4
	run "$@"
	if [ "$RC" != "$want_rc" ]; then
		fail "$name" "exit $RC, want $want_rc; output: $(echo "$OUT" | head -3 | tr '\n' '|')"
	elif ! grep -qF -- "$text" <<<"$OUT"; then
		fail "$name" "no \"$text\" in: $(echo "$OUT" | head -3 | tr '\n' '|')"
	else
		pass "$name"
	fi
}

expect_dump() { # NAME LINE -- burrowd args (run with -T; LINE must be in the dump)
	local name=$1 line=$2
	shift 3
	run -T "$@"
	if [ "$RC" != 0 ]; then
		fail "$name" "exit $RC: $(echo "$OUT" | head -3 | tr '\n' '|')"
	elif ! grep -qxF -- "$line" <<<"$OUT"; then
		fail "$name" "no line \"$line\" in: $(echo "$OUT" | tr '\n' '|')"
	else
		pass "$name"
	fi
}

conf() { # conf NAME LINES... -> writes $WORK/NAME.conf
	local f=$WORK/$1.conf
	shift
	printf '%s\n' "$@" >"$f"
	echo "$f"
}

# ---- keyword errors ----
C=$(conf bad "# a comment" "" "Port 2222" "Foo bar")
expect_rc_and_text bad_keyword_exits_255 255 "$C: line 4: Bad configuration option: Foo" -- -t -f "$C" "${HK[@]}"

C=$(conf bad2 "Foo bar" "Bar baz")
run -t -f "$C" "${HK[@]}"
if [ "$RC" = 255 ] && grep -qF "line 2: Bad configuration option: Bar" <<<"$OUT" &&
	grep -qF "terminating, 2 bad configuration options" <<<"$OUT"; then
	pass bad_keywords_all_reported
else
	fail bad_keywords_all_reported "exit $RC: $(echo "$OUT" | tr '\n' '|')"
fi

run -t -f /dev/null -o Foo=bar "${HK[@]}"
if [ "$RC" != 0 ] && grep -qF "Bad configuration option: Foo" <<<"$OUT"; then
	pass bad_keyword_on_command_line_fails
else
	fail bad_keyword_on_command_line_fails "exit $RC: $(echo "$OUT" | tr '\n' '|')"
fi

C=$(conf unsupported "IgnoreRhosts yes" "UsePAM yes" "Subsystem sftp /usr/lib/openssh/sftp-server" \
	"VerifyReverseMapping no" "KexAlgorithms +sntrup761x25519-sha512@openssh.com")
expect_rc_and_text unsupported_keyword_logged 0 "$C line 1: Unsupported option IgnoreRhosts" -- -t -f "$C" "${HK[@]}"
expect_rc_and_text unsupported_alias_logged 0 "$C line 4: Unsupported option VerifyReverseMapping" -- -t -f "$C" "${HK[@]}"

C=$(conf badport "Port 70000")
expect_rc_and_text bad_port_exits_255 255 "Badly formatted port number" -- -t -f "$C" "${HK[@]}"

C=$(conf badflag "StrictModes maybe")
expect_rc_and_text bad_yes_no_exits_255 255 'unsupported option "maybe"' -- -t -f "$C" "${HK[@]}"

C=$(conf noarg "StrictModes")
expect_rc_and_text missing_argument_exits_255 255 'no argument after keyword "StrictModes"' -- -t -f "$C" "${HK[@]}"

C=$(conf badtoken "AuthorizedKeysFile /keys/%x")
expect_rc_and_text unknown_percent_token_exits_255 255 "unknown % token" -- -t -f "$C" "${HK[@]}"

C=$(conf badloglevel "LogLevel LOUD")
expect_rc_and_text bad_log_level_exits_255 255 "unsupported log level" -- -t -f "$C" "${HK[@]}"

expect_rc_and_text missing_explicit_config_fails 1 "$WORK/nonexistent.conf: No such file or directory" -- -t -f "$WORK/nonexistent.conf" "${HK[@]}"

run -t -f /dev/null -p 0 "${HK[@]}"
if [ "$RC" = 1 ] && grep -qF "Bad port number" <<<"$OUT"; then pass bad_cmdline_port_fails; else fail bad_cmdline_port_fails "exit $RC: $OUT"; fi

# ---- values, precedence, syntax ----
C=$(conf case "pUbKeYaUtHeNtIcAtIoN no" "STRICTMODES no")
expect_dump keywords_case_insensitive "pubkeyauthentication no" -- -f "$C" "${HK[@]}"
expect_dump keywords_case_insensitive_2 "strictmodes no" -- -f "$C" "${HK[@]}"

C=$(conf first "LogLevel VERBOSE" "LogLevel DEBUG3" "PidFile /run/a.pid" "PidFile /run/b.pid")
expect_dump first_value_wins "loglevel VERBOSE" -- -f "$C" "${HK[@]}"
expect_dump first_value_wins_pidfile "pidfile /run/a.pid" -- -f "$C" "${HK[@]}"
expect_dump option_overrides_file "pidfile /run/c.pid" -- -f "$C" -o PidFile=/run/c.pid "${HK[@]}"
expect_dump option_with_space_syntax "loglevel ERROR" -- -f "$C" -o "LogLevel ERROR" "${HK[@]}"

C=$(conf ports "Port 1111" "Port=1112")
expect_dump ports_accumulate "port 1112" -- -f "$C" "${HK[@]}"
run -T -f "$C" -p 2345 "${HK[@]}"
if [ "$RC" = 0 ] && grep -qx "port 2345" <<<"$OUT" && ! grep -q "^port 111" <<<"$OUT"; then
	pass cmdline_port_overrides_config
else
	fail cmdline_port_overrides_config "$(echo "$OUT" | tr '\n' '|')"
fi
expect_dump default_port_22 "port 22" -- -f /dev/null "${HK[@]}"

C=$(conf listen "Port 2200" "ListenAddress 127.0.0.1" "ListenAddress [::1]:2201" "ListenAddress 127.0.0.2:2202" "ListenAddress ::1")
expect_dump listen_host_only "listenaddress 127.0.0.1" -- -f "$C" "${HK[@]}"
expect_dump listen_bracketed_v6_port "listenaddress [::1]:2201" -- -f "$C" "${HK[@]}"
expect_dump listen_host_port "listenaddress 127.0.0.2:2202" -- -f "$C" "${HK[@]}"
expect_dump listen_bare_v6 "listenaddress ::1" -- -f "$C" "${HK[@]}"

C=$(conf akf 'AuthorizedKeysFile "/etc/keys/%u" .ssh/authorized_keys')
expect_dump authorized_keys_file_words "authorizedkeysfile /etc/keys/%u .ssh/authorized_keys" -- -f "$C" "${HK[@]}"
expect_dump authorized_keys_file_default "authorizedkeysfile .ssh/authorized_keys .ssh/authorized_keys2" -- -f /dev/null "${HK[@]}"

C=$(conf hostkeys "HostKey $WORK/from_config")
run -T -f "$C" "${HK[@]}"
if [ "$RC" = 0 ] && [ "$(grep '^hostkey ' <<<"$OUT" | head -1)" = "hostkey $WORK/hostkey" ] &&
	grep -qx "hostkey $WORK/from_config" <<<"$OUT"; then
	pass cmdline_host_key_comes_first
else
	fail cmdline_host_key_comes_first "$(echo "$OUT" | tr '\n' '|')"
fi

C=$(conf match "StrictModes yes" "Match User nobody" "PubkeyAuthentication no" "Match all" "PasswordAuthentication no")
expect_dump match_block_not_applied "pubkeyauthentication yes" -- -f "$C" "${HK[@]}"
expect_dump match_all_ends_block "passwordauthentication no" -- -f "$C" "${HK[@]}"
C=$(conf matchbad "Match User nobody" "Foo bar")
expect_rc_and_text match_block_still_checked 255 "Bad configuration option: Foo" -- -t -f "$C" "${HK[@]}"
expect_rc_and_text match_block_refuses_global_keyword 255 \
	"$C line 2: Directive 'Foo' is not allowed within a Match block" -- -t -f "$C" "${HK[@]}"
C=$(conf matchuser "PasswordAuthentication yes" "Match User nobody" "PasswordAuthentication no")
expect_dump match_user_applies_with_C "passwordauthentication no" -- -f "$C" "${HK[@]}" \
	-C user=nobody,host=h,addr=192.0.2.1,laddr=127.0.0.1,lport=22
expect_dump match_user_other_user_with_C "passwordauthentication yes" -- -f "$C" "${HK[@]}" \
	-C user=root,host=h,addr=192.0.2.1,laddr=127.0.0.1,lport=22
# -o wins over the file's global part, a matching block wins over -o (as sshd).
expect_dump match_block_beats_option "passwordauthentication no" -- -f "$C" "${HK[@]}" \
	-o PasswordAuthentication=yes -C user=nobody,host=h,addr=192.0.2.1,laddr=127.0.0.1,lport=22
mkdir -p "$WORK/inc"
printf 'MaxAuthTries 3\n' >"$WORK/inc/one.conf"
C=$(conf include "Include inc/*.conf" "MaxAuthTries 9")
expect_dump include_relative_to_config_dir "maxauthtries 3" -- -f "$C" "${HK[@]}"
C=$(conf includenone "Include inc/*.nothing" "MaxAuthTries 9")
expect_dump include_matching_nothing_is_fine "maxauthtries 9" -- -f "$C" "${HK[@]}"
C=$(conf includebad "Include $WORK/inc/one.conf" "Match User x" "Include $WORK/inc/one.conf")
expect_rc_and_text include_in_match_checked 0 "" -- -t -f "$C" "${HK[@]}"
printf 'Port 23\n' >"$WORK/inc/port.conf"
C=$(conf includeport "Match User x" "Include $WORK/inc/port.conf")
expect_rc_and_text include_in_match_refuses_global_keyword 255 \
	"$WORK/inc/port.conf line 1: Directive 'Port' is not allowed within a Match block" -- -t -f "$C" "${HK[@]}"

# ---- host keys ----
cp "$WORK/hostkey" "$WORK/openkey"
chmod 644 "$WORK/openkey"
run -t -f /dev/null -h "$WORK/openkey"
if [ "$RC" = 1 ] && grep -qF "Permissions 0644 for '$WORK/openkey' are too open." <<<"$OUT" &&
	grep -qF "no hostkeys available" <<<"$OUT"; then
	pass host_key_too_open_refused
else
	fail host_key_too_open_refused "exit $RC: $(echo "$OUT" | tr '\n' '|')"
fi
run -t -f /dev/null -h "$WORK/openkey" "${HK[@]}"
if [ "$RC" = 0 ] && grep -qF "are too open" <<<"$OUT"; then
	pass host_key_too_open_skipped_others_used
else
	fail host_key_too_open_skipped_others_used "exit $RC: $(echo "$OUT" | tr '\n' '|')"
fi
run -t -f /dev/null -h "$WORK/missing_key"
if [ "$RC" = 1 ] && grep -qF "no hostkeys available" <<<"$OUT"; then pass missing_host_key_fails; else fail missing_host_key_fails "exit $RC: $OUT"; fi
if [ -e /etc/burrow/ssh_host_ed25519_key ]; then
	skip no_default_host_key_clear_error "/etc/burrow/ssh_host_ed25519_key exists"
else
	expect_rc_and_text no_default_host_key_clear_error 1 "/etc/burrow/ssh_host_ed25519_key does not exist" -- -t -f /dev/null
fi

# ---- a running server: -o overrides, StrictModes, unsupported options logged at startup ----
if ! command -v ssh >/dev/null; then
	skip strict_modes "no ssh client"
	[ $FAILED = 0 ] && exit 0 || exit 1
fi
make_key "$WORK/userkey" || { skip strict_modes "cannot make a user key"; exit $FAILED; }
ME=$(id -un)
mkdir -m 700 "$WORK/keys"
cp "$WORK/userkey.pub" "$WORK/keys/authorized_keys"
chmod 600 "$WORK/keys/authorized_keys"

PORT=
start_server() { # LOG -- args; sets PORT, appends to PIDS
	local log=$1
	shift 2
	for _ in 1 2 3 4 5; do
		PORT=$((20000 + RANDOM % 30000))
		"$BURROWD" -D -e -f /dev/null -p "$PORT" -o ListenAddress=127.0.0.1 -o PidFile=none "${HK[@]}" "$@" >"$log" 2>&1 &
		local pid=$!
		for _ in $(seq 1 50); do
			grep -q "Server listening" "$log" 2>/dev/null && break
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		if grep -q "Server listening" "$log"; then
			PIDS+=("$pid")
			return 0
		fi
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	return 1
}

try_login() { # prints the command's output; returns ssh's status
	timeout 30 ssh -p "$PORT" -i "$WORK/userkey" -o BatchMode=yes -o StrictHostKeyChecking=no \
		-o UserKnownHostsFile=/dev/null -o LogLevel=ERROR "$ME@127.0.0.1" "$@" 2>&1
}

# Does StrictModes let this path through at all (no group/world-writable ancestors)?
strict_path_ok=1
ancestors_safe "$WORK/keys" || strict_path_ok=0

if start_server "$WORK/s1.log" -- -o "AuthorizedKeysFile=$WORK/keys/authorized_keys" -o StrictModes=yes \
	-o IgnoreRhosts=yes; then
	if [ $strict_path_ok = 1 ]; then
		out=$(try_login echo strict-ok)
		if [ "$out" = strict-ok ]; then pass strict_modes_accepts_safe_file; else fail strict_modes_accepts_safe_file "$out"; fi
	else
		skip strict_modes_accepts_safe_file "$WORK has a group/world-writable ancestor"
	fi
	chmod 620 "$WORK/keys/authorized_keys"
	out=$(try_login echo should-not-run)
	sleep 0.3
	if [ "$out" != should-not-run ] && grep -qF "Authentication refused: bad ownership or modes for file" "$WORK/s1.log"; then
		pass strict_modes_refuses_group_writable_file
	else
		fail strict_modes_refuses_group_writable_file "login output: $out; log: $(tail -3 "$WORK/s1.log" | tr '\n' '|')"
	fi
	chmod 600 "$WORK/keys/authorized_keys"
	chmod 770 "$WORK/keys"
	out=$(try_login echo should-not-run)
	sleep 0.3
	if [ "$out" != should-not-run ] && grep -qF "bad ownership or modes for directory $WORK/keys" "$WORK/s1.log"; then
		pass strict_modes_refuses_group_writable_directory
	else
		fail strict_modes_refuses_group_writable_directory "login output: $out; log: $(tail -3 "$WORK/s1.log" | tr '\n' '|')"
	fi
	chmod 700 "$WORK/keys"
	if grep -qF "command line line 0: Unsupported option IgnoreRhosts" "$WORK/s1.log"; then
		pass unsupported_option_logged_at_startup
	else
		fail unsupported_option_logged_at_startup "$(head -3 "$WORK/s1.log" | tr '\n' '|')"
	fi
else
	fail strict_modes "server did not start: $(tail -3 "$WORK/s1.log" | tr '\n' '|')"
fi

chmod 660 "$WORK/keys/authorized_keys"
if start_server "$WORK/s2.log" -- -o "AuthorizedKeysFile=$WORK/keys/authorized_keys" -o StrictModes=no; then
	out=$(try_login echo lax-ok)
	if [ "$out" = lax-ok ]; then pass strict_modes_no_via_option; else fail strict_modes_no_via_option "$out"; fi
else
	fail strict_modes_no_via_option "server did not start: $(tail -3 "$WORK/s2.log" | tr '\n' '|')"
fi
chmod 600 "$WORK/keys/authorized_keys"

if start_server "$WORK/s3.log" -- -o "AuthorizedKeysFile=$WORK/keys/authorized_keys" -o PubkeyAuthentication=no; then
	out=$(try_login echo should-not-run)
	if [ "$out" != should-not-run ]; then pass pubkey_authentication_no_refuses; else fail pubkey_authentication_no_refuses "logged in"; fi
else
	fail pubkey_authentication_no_refuses "server did not start"
fi

# A relative AuthorizedKeysFile is under the home directory; "%u" is the user name.
if start_server "$WORK/s4.log" -- -o "AuthorizedKeysFile=$WORK/keys/%u_missing $WORK/keys/authorized_keys" -o StrictModes=no; then
	out=$(try_login echo second-file-ok)
	if [ "$out" = second-file-ok ]; then pass authorized_keys_second_file_used; else fail authorized_keys_second_file_used "$out"; fi
else
	fail authorized_keys_second_file_used "server did not start"
fi

[ $FAILED = 0 ] && exit 0 || exit 1

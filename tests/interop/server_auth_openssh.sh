#!/bin/bash
# burrowd's authentication policy against OpenSSH's ssh and paramiko, with a throwaway local
# account (made here as root, removed at exit even on failure): password (UsePAM no and yes),
# keyboard-interactive (PAM and the one-prompt fallback), wrong password, invalid user,
# MaxAuthTries, LoginGraceTime, PermitRootLogin no, DenyUsers, AuthenticationMethods
# publickey,password, Banner, and the authorized_keys options command=, from=, expiry-time=,
# restrict and a malformed option list. Each case checks the client's result and burrowd's log.
. "$(dirname "$0")/lib.sh" "$@"

P=server_auth
cases=("${P}_password_usepam_no" "${P}_password_usepam_yes" "${P}_kbdint_pam" "${P}_kbdint_without_pam"
	"${P}_wrong_password_refused_and_logged" "${P}_invalid_user_looks_like_wrong_password"
	"${P}_max_auth_tries" "${P}_login_grace_time" "${P}_permit_root_login_no" "${P}_root_key_prohibit_password"
	"${P}_deny_users" "${P}_authentication_methods_publickey_password"
	"${P}_authentication_methods_key_alone_is_partial" "${P}_banner" "${P}_key_command_forced"
	"${P}_key_from_refused" "${P}_key_from_cidr_allowed" "${P}_key_expired" "${P}_key_restrict"
	"${P}_key_bad_options_skipped" "${P}_key_environment_permitted_names_only" "${P}_paramiko_password" "${P}_connection_dropped_to_user"
	"${P}_config_dump" "${P}_config_unsatisfiable_methods" "${P}_kbdint_pam_wrong_password"
	"${P}_allow_users_host_part" "${P}_allow_groups" "${P}_root_forced_commands_only_refuses_plain_key"
	"${P}_root_forced_commands_only_allows_forced_key"
	"${P}_denied_user_password_never_checked" "${P}_denied_user_kbdint_pam_never_checked"
	"${P}_root_password_never_checked_without_permit_root_yes" "${P}_config_deny_users_bad_cidr_refused"
	"${P}_two_keys_different_forced_commands_refused" "${P}_locked_account_key_refused"
	"${P}_expired_account_key_refused" "${P}_expired_account_key_refused_pam")
CASE_TIMEOUT=20

if [ "$(id -u)" != 0 ]; then
	skip_all "needs root to create a throwaway account and check passwords" "${cases[@]}"
	finish
fi
PY=/usr/bin/python3
if ! need_cmd ssh ssh-keygen useradd userdel chpasswd timeout "$PY"; then
	skip_all "missing $MISSING" "${cases[@]}"
	finish
fi
if [ ! -x "$BUILD/burrowd" ]; then
	fail_all "$BUILD/burrowd was not built" "${cases[@]}"
	finish
fi
HAVE_PAM=0
"$BUILD/burrowd" -T -f /dev/null -o UsePAM=yes -h /dev/null 2>/dev/null | grep -qx "usepam yes" && HAVE_PAM=1

# ---- the throwaway account ----
make_account bwsrv "${cases[@]}"

# authorized_keys per user in $T/keys/%u, readable by the account (files are read as the user).
chmod 711 "$T"
mkdir -m 755 "$T/keys"
gen_key "$T/host" host
for k in user forced from_bad from_ok expired restricted badopt envkey rootkey rootforced; do gen_key "$T/$k" "$k"; done
{
	cat "$T/user.pub"
	echo "command=\"echo forced-\$(id -un) \$SSH_ORIGINAL_COMMAND\" $(cat "$T/forced.pub")"
	echo "from=\"10.9.9.9\" $(cat "$T/from_bad.pub")"
	echo "from=\"10.0.0.0/8,127.0.0.0/8\" $(cat "$T/from_ok.pub")"
	echo "expiry-time=\"20000101\" $(cat "$T/expired.pub")"
	echo "restrict,command=\"echo restricted-ok\" $(cat "$T/restricted.pub")"
	echo "no-pty,frobnicate $(cat "$T/badopt.pub")"
	echo "environment=\"BURROW_KEY_ENV=from-key\",environment=\"NOT_ALLOWED=x\" $(cat "$T/envkey.pub")"
} >"$T/keys/$U"
{
	cat "$T/rootkey.pub"
	echo "command=\"echo root-forced\" $(cat "$T/rootforced.pub")"
} >"$T/keys/root"
chmod 644 "$T/keys/$U" "$T/keys/root"
chown "$U" "$T/keys/$U"

write_askpass

# serve NAME [ARG...]: a burrowd as root with these options; sets PORT_<NAME>, LOG_<NAME>.
serve() {
	local name=$1
	shift
	if ! start_burrowd "$T/host" "$T/keys/%u" "$@"; then
		fail_all "$START_ERROR" "${cases[@]}"
		finish
	fi
	printf -v "PORT_$name" '%s' "$BURROWD_PORT"
	printf -v "LOG_$name" '%s' "$BURROWD_LOG"
}

# ssh_as USER PORT ANSWER [OPTION...] -- COMMAND: OpenSSH's ssh with ANSWER typed by askpass;
# output in $T/out, $T/err; prompts in $T/prompts.
ssh_as() {
	local user=$1 port=$2 answer=$3
	shift 3
	split_options "$@"
	askpass_run "$answer" ssh -F /dev/null -p "$port" -l "$user" "${OPTS[@]}" \
		-o UserKnownHostsFile=/dev/null -o StrictHostKeyChecking=no -o IdentitiesOnly=yes \
		-o IdentityAgent=none -o IdentityFile=/nonexistent 127.0.0.1 "${ARGS[@]}"
	local rc=$?
	tr -d '\r' <"$T/err.raw" | grep -v "^Warning: Permanently added" >"$T/err"
	return $rc
}

RUN='echo "ran as $(id -un)"'

# expect_ran NAME RC WANT-STDOUT [LOG LOG-LINE-REGEX]
expect_ran() {
	local name=$1 rc=$2 want=$3 log=${4:-} re=${5:-}
	if [ "$rc" -ne 0 ]; then
		fail "$name" "exit status $rc: $(tail_text "$T/err")"
	elif [ "$(cat "$T/out")" != "$want" ]; then
		fail "$name" "stdout '$(first_line "$T/out")', want '$want'"
	elif [ -n "$log" ] && ! wait_log "$log" "$re"; then
		fail "$name" "log lacks /$re/: $(tail_text "$log")"
	else
		pass "$name"
	fi
}

# expect_refused NAME RC [LOG LOG-LINE-REGEX]: exit 255, nothing ran, "Permission denied" or a
# disconnect on stderr.
expect_refused() {
	local name=$1 rc=$2 log=${3:-} re=${4:-}
	if [ "$rc" -ne 255 ]; then
		fail "$name" "exit status $rc, want 255: $(tail_text "$T/err")"
	elif [ -s "$T/out" ]; then
		fail "$name" "the command ran: $(first_line "$T/out")"
	elif [ -n "$log" ] && ! wait_log "$log" "$re"; then
		fail "$name" "log lacks /$re/: $(tail_text "$log")"
	else
		pass "$name"
	fi
}

# wait_log LOG REGEX: the line shows up within 3 s (the child logs after the client is gone).
wait_log() {
	local i
	for i in $(seq 1 30); do
		tr -d '\r' <"$1" | grep -qE -- "$2" && return 0
		sleep 0.1
	done
	return 1
}

PWOPTS=(-o PreferredAuthentications=password -o PubkeyAuthentication=no -o NumberOfPasswordPrompts=1)
KIOPTS=(-o PreferredAuthentications=keyboard-interactive -o PubkeyAuthentication=no -o NumberOfPasswordPrompts=1)
ADDR='from 127\.0\.0\.1 port [0-9]+ ssh2'

serve nopam -o UsePAM=no -o MaxAuthTries=3 -o 'PermitUserEnvironment=BURROW_*'
serve pam -o UsePAM=yes

# ---- password and keyboard-interactive ----
ssh_as "$U" "$PORT_nopam" "$PASSWORD" "${PWOPTS[@]}" -- "$RUN"
expect_ran "${P}_password_usepam_no" $? "ran as $U" "$LOG_nopam" "Accepted password for $U $ADDR\$"

if [ "$HAVE_PAM" = 1 ]; then
	ssh_as "$U" "$PORT_pam" "$PASSWORD" "${PWOPTS[@]}" -- "$RUN"
	expect_ran "${P}_password_usepam_yes" $? "ran as $U" "$LOG_pam" "Accepted password for $U $ADDR\$"
	ssh_as "$U" "$PORT_pam" "$PASSWORD" "${KIOPTS[@]}" -- "$RUN"
	expect_ran "${P}_kbdint_pam" $? "ran as $U" "$LOG_pam" "Accepted keyboard-interactive/pam for $U $ADDR\$"
	if [ "${PIPESTATUS[0]}" = 0 ] && ! grep -q "Password: " "$T/prompts"; then
		fail "${P}_kbdint_pam_prompt" "PAM's prompt was not shown: $(tr '\n' '|' <"$T/prompts")"
	fi
	ssh_as "$U" "$PORT_pam" "wrong-$PASSWORD" "${KIOPTS[@]}" -- "$RUN"
	expect_refused "${P}_kbdint_pam_wrong_password" $? "$LOG_pam" "PAM: Authentication failure for $U from 127\.0\.0\.1\$"
else
	skip_all "burrowd built without PAM" "${P}_password_usepam_yes" "${P}_kbdint_pam" "${P}_kbdint_pam_wrong_password"
fi

ssh_as "$U" "$PORT_nopam" "$PASSWORD" "${KIOPTS[@]}" -- "$RUN"
expect_ran "${P}_kbdint_without_pam" $? "ran as $U" "$LOG_nopam" "Accepted keyboard-interactive for $U $ADDR\$"

ssh_as "$U" "$PORT_nopam" "wrong-$PASSWORD" "${PWOPTS[@]}" -- "$RUN"
expect_refused "${P}_wrong_password_refused_and_logged" $? "$LOG_nopam" "Failed password for $U $ADDR\$"

# An unknown user: the same prompt, the same refusal, the same methods; only the log differs.
NOUSER="nosuch$$"
ssh_as "$U" "$PORT_nopam" "wrong-$PASSWORD" "${PWOPTS[@]}" -- "$RUN"
cp "$T/err" "$T/err.valid"
cp "$T/prompts" "$T/prompts.valid"
ssh_as "$NOUSER" "$PORT_nopam" "wrong-$PASSWORD" "${PWOPTS[@]}" -- "$RUN"
rc=$?
if [ "$rc" -ne 255 ]; then
	fail "${P}_invalid_user_looks_like_wrong_password" "exit status $rc"
elif [ "$(sed "s/$NOUSER/X/g" "$T/err")" != "$(sed "s/$U/X/g" "$T/err.valid")" ] ||
	[ "$(sed "s/$NOUSER/X/g" "$T/prompts")" != "$(sed "s/$U/X/g" "$T/prompts.valid")" ]; then
	fail "${P}_invalid_user_looks_like_wrong_password" "client saw a difference: $(tail_text "$T/err") vs $(tail_text "$T/err.valid")"
elif ! wait_log "$LOG_nopam" "Invalid user $NOUSER from 127\.0\.0\.1 port [0-9]+\$" ||
	! wait_log "$LOG_nopam" "Failed password for invalid user $NOUSER $ADDR\$"; then
	fail "${P}_invalid_user_looks_like_wrong_password" "log lacks the invalid-user lines: $(tail_text "$LOG_nopam")"
else
	pass "${P}_invalid_user_looks_like_wrong_password"
fi

# MaxAuthTries 3 on this server; the client would try 5 passwords.
ssh_as "$U" "$PORT_nopam" "wrong-$PASSWORD" -o PreferredAuthentications=password -o PubkeyAuthentication=no \
	-o NumberOfPasswordPrompts=5 -- "$RUN"
rc=$?
if [ "$rc" -ne 255 ] || [ "$(grep -c . "$T/prompts")" != 3 ]; then
	fail "${P}_max_auth_tries" "exit $rc after $(grep -c . "$T/prompts") prompts, want 255 after 3"
elif ! wait_log "$LOG_nopam" "Disconnecting authenticating user $U 127\.0\.0\.1 port [0-9]+: Too many authentication failures \[preauth\]"; then
	fail "${P}_max_auth_tries" "log: $(tail_text "$LOG_nopam")"
else
	pass "${P}_max_auth_tries"
fi

# ---- LoginGraceTime: a client that sends its version and then nothing ----
serve grace -o LoginGraceTime=2
start=$(date +%s)
"$PY" - "$PORT_grace" >"$T/grace.out" 2>&1 <<'EOF'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
s.sendall(b"SSH-2.0-silent\r\n")
try:
    while s.recv(4096):
        pass
    print("closed")
except socket.timeout:
    print("still open")
EOF
took=$(($(date +%s) - start))
if ! grep -qx closed "$T/grace.out" || [ "$took" -gt 6 ]; then
	fail "${P}_login_grace_time" "connection $(cat "$T/grace.out") after ${took}s"
elif ! wait_log "$LOG_grace" "Timeout before authentication for 127\.0\.0\.1 port [0-9]+"; then
	fail "${P}_login_grace_time" "log: $(tail_text "$LOG_grace")"
else
	pass "${P}_login_grace_time"
fi

# ---- PermitRootLogin, DenyUsers ----
serve noroot -o PermitRootLogin=no -o "DenyUsers=$U@127.0.0.1"
ssh_as root "$PORT_noroot" x -o IdentityFile="$T/rootkey" -o BatchMode=yes -- "$RUN"
expect_refused "${P}_permit_root_login_no" $? "$LOG_noroot" "ROOT LOGIN REFUSED FROM 127\.0\.0\.1 port [0-9]+"
ssh_as root "$PORT_nopam" x -o IdentityFile="$T/rootkey" -o BatchMode=yes -- "$RUN"
expect_ran "${P}_root_key_prohibit_password" $? "ran as root" "$LOG_nopam" "Accepted publickey for root $ADDR: ED25519 SHA256:"
ssh_as "$U" "$PORT_noroot" "$PASSWORD" "${PWOPTS[@]}" -- "$RUN"
expect_refused "${P}_deny_users" $? "$LOG_noroot" "User $U from 127\.0\.0\.1 not allowed because listed in DenyUsers"

serve allow -o "AllowUsers=$U@10.0.0.0/8 root"
ssh_as "$U" "$PORT_allow" "$PASSWORD" "${PWOPTS[@]}" -- "$RUN"
expect_refused "${P}_allow_users_host_part" $? "$LOG_allow" "User $U from 127\.0\.0\.1 not allowed because not listed in AllowUsers"
serve groups -o AllowGroups=root -o PermitRootLogin=forced-commands-only
ssh_as "$U" "$PORT_groups" "$PASSWORD" "${PWOPTS[@]}" -- "$RUN"
expect_refused "${P}_allow_groups" $? "$LOG_groups" \
	"User $U from 127\.0\.0\.1 not allowed because none of user's groups are listed in AllowGroups"
ssh_as root "$PORT_groups" x -o IdentityFile="$T/rootkey" -o BatchMode=yes -- "$RUN"
expect_refused "${P}_root_forced_commands_only_refuses_plain_key" $? "$LOG_groups" "ROOT LOGIN REFUSED FROM 127\.0\.0\.1"
ssh_as root "$PORT_groups" x -o IdentityFile="$T/rootforced" -o BatchMode=yes -- "$RUN"
expect_ran "${P}_root_forced_commands_only_allows_forced_key" $? "root-forced" "$LOG_groups" "Root login accepted for forced command\."

# ---- AuthenticationMethods publickey,password ----
serve methods -o "AuthenticationMethods=publickey,password" -o UsePAM=no
ssh_as "$U" "$PORT_methods" "$PASSWORD" -o IdentityFile="$T/user" -o NumberOfPasswordPrompts=1 -- "$RUN"
rc=$?
if [ "$rc" -eq 0 ] && [ "$(cat "$T/out")" = "ran as $U" ] &&
	wait_log "$LOG_methods" "Partial publickey for $U $ADDR: ED25519 SHA256:" &&
	wait_log "$LOG_methods" "Accepted password for $U $ADDR\$"; then
	pass "${P}_authentication_methods_publickey_password"
else
	fail "${P}_authentication_methods_publickey_password" "exit $rc: $(tail_text "$T/err") / $(tail_text "$LOG_methods")"
fi
ssh_as "$U" "$PORT_methods" x -o IdentityFile="$T/user" -o BatchMode=yes -- "$RUN"
rc=$?
if [ "$rc" -eq 255 ] && [ ! -s "$T/out" ] && grep -q "Permission denied (password)" "$T/err"; then
	pass "${P}_authentication_methods_key_alone_is_partial"
else
	fail "${P}_authentication_methods_key_alone_is_partial" "exit $rc: $(tail_text "$T/err")"
fi

# ---- Banner ----
printf 'Authorized use only -- burrow banner %s\n' "$$" >"$T/banner"
serve banner -o "Banner=$T/banner"
ssh_as "$U" "$PORT_banner" x -o IdentityFile="$T/user" -o BatchMode=yes -- "$RUN"
rc=$?
if [ "$rc" -eq 0 ] && grep -qxF "Authorized use only -- burrow banner $$" "$T/err"; then
	pass "${P}_banner"
else
	fail "${P}_banner" "exit $rc, stderr: $(tail_text "$T/err")"
fi

# ---- authorized_keys options ----
key_login() { ssh_as "$U" "$PORT_nopam" x -o IdentityFile="$T/$1" -o BatchMode=yes -- "$RUN"; }
key_login forced
expect_ran "${P}_key_command_forced" $? "forced-$U $RUN"
key_login from_bad
expect_refused "${P}_key_from_refused" $? "$LOG_nopam" \
	"keys/$U:3: Authentication tried for $U with correct key but not from a permitted host \(host=127\.0\.0\.1, ip=127\.0\.0\.1, required=10\.9\.9\.9\)\."
key_login from_ok
expect_ran "${P}_key_from_cidr_allowed" $? "ran as $U"
key_login expired
expect_refused "${P}_key_expired" $? "$LOG_nopam" "keys/$U:5: entry expired at 2000-01-01T00:00:00"
key_login restricted
expect_ran "${P}_key_restrict" $? "restricted-ok"
key_login badopt
expect_refused "${P}_key_bad_options_skipped" $? "$LOG_nopam" "keys/$U:7: bad key options: unsupported option"

ssh_as "$U" "$PORT_nopam" x -o IdentityFile="$T/envkey" -o BatchMode=yes -- 'echo "${BURROW_KEY_ENV:-unset} ${NOT_ALLOWED:-unset}"'
expect_ran "${P}_key_environment_permitted_names_only" $? "from-key unset"

# ---- the drop to the user: the connection process (the command's parent) and the command ----
ssh_as "$U" "$PORT_nopam" x -o IdentityFile="$T/user" -o BatchMode=yes -- \
	'for p in $PPID self; do grep -E "^(Uid|Gid|Groups):" /proc/$p/status | tr -s "\t " " "; done'
rc=$?
uid=$(id -u "$U")
gid=$(id -g "$U")
want=$(for _ in 1 2; do printf 'Uid: %s %s %s %s\nGid: %s %s %s %s\nGroups: %s \n' "$uid" "$uid" "$uid" "$uid" \
	"$gid" "$gid" "$gid" "$gid" "$(id -G "$U")"; done)
if [ "$rc" -eq 0 ] && [ "$(cat "$T/out")" = "$want" ]; then
	pass "${P}_connection_dropped_to_user"
else
	fail "${P}_connection_dropped_to_user" "exit $rc: $(tr '\n' '|' <"$T/out") want $(echo "$want" | tr '\n' '|')"
fi

# ---- configuration ----
out=$("$BUILD/burrowd" -T -f /dev/null -h "$T/host" -o PermitRootLogin=forced-commands-only \
	-o "AllowUsers=a b@10.0.0.0/8" -o "AuthenticationMethods=publickey,password publickey" \
	-o MaxAuthTries=4 -o LoginGraceTime=1m30s -o ChallengeResponseAuthentication=no 2>&1)
if grep -qx "permitrootlogin forced-commands-only" <<<"$out" && grep -qx "allowusers b@10.0.0.0/8" <<<"$out" &&
	grep -qx "authenticationmethods publickey,password publickey" <<<"$out" &&
	grep -qx "maxauthtries 4" <<<"$out" && grep -qx "logingracetime 90" <<<"$out" &&
	grep -qx "kbdinteractiveauthentication no" <<<"$out"; then
	pass "${P}_config_dump"
else
	fail "${P}_config_dump" "$(echo "$out" | tr '\n' '|' | cut -c1-300)"
fi
out=$("$BUILD/burrowd" -t -f /dev/null -h "$T/host" -o PasswordAuthentication=no \
	-o "AuthenticationMethods=publickey,password" 2>&1)
rc=$?
if [ "$rc" -eq 255 ] && grep -q "AuthenticationMethods cannot be satisfied by enabled authentication methods" <<<"$out"; then
	pass "${P}_config_unsatisfiable_methods"
else
	fail "${P}_config_unsatisfiable_methods" "exit $rc: $out"
fi

# ---- paramiko ----
if paramiko_usable "$PY"; then
	timeout "$CASE_TIMEOUT" "$PY" - "$PORT_nopam" "$U" "$PASSWORD" >"$T/out" 2>"$T/err" <<'EOF'
import sys, paramiko
c = paramiko.SSHClient()
c.set_missing_host_key_policy(paramiko.AutoAddPolicy())
c.connect("127.0.0.1", port=int(sys.argv[1]), username=sys.argv[2], password=sys.argv[3],
          allow_agent=False, look_for_keys=False, timeout=10)
_, out, _ = c.exec_command("id -un")
sys.stdout.write(out.read().decode())
c.close()
EOF
	expect_ran "${P}_paramiko_password" $? "$U" "$LOG_nopam" "Accepted password for $U $ADDR\$"
else
	skip "${P}_paramiko_password" "$PARAMIKO_SKIP"
fi

# ---- passwords of users who may not log in never reach PAM or crypt (timing oracle) ----
# The right password is typed; the debug log shows a wrong one was checked in its place.
serve denylog -o LogLevel=DEBUG -o UsePAM=no -o "DenyUsers=$U" -o PermitRootLogin=prohibit-password
ssh_as "$U" "$PORT_denylog" "$PASSWORD" "${PWOPTS[@]}" -- "$RUN"
expect_refused "${P}_denied_user_password_never_checked" $? "$LOG_denylog" \
	"password check for $U: invalid, refused or root user: checking a wrong password"
ssh_as root "$PORT_denylog" "not-root-s-password" "${PWOPTS[@]}" -- "$RUN"
expect_refused "${P}_root_password_never_checked_without_permit_root_yes" $? "$LOG_denylog" \
	"password check for root: invalid, refused or root user: checking a wrong password"
if [ "$HAVE_PAM" = 1 ]; then
	serve denypam -o LogLevel=DEBUG -o UsePAM=yes -o "DenyUsers=$U"
	ssh_as "$U" "$PORT_denypam" "$PASSWORD" "${KIOPTS[@]}" -- "$RUN"
	expect_refused "${P}_denied_user_kbdint_pam_never_checked" $? "$LOG_denypam" \
		"PAM: $U is invalid, refused or root: answers replaced by a wrong password"
else
	skip "${P}_denied_user_kbdint_pam_never_checked" "burrowd built without PAM"
fi

# ---- a malformed address in DenyUsers must not empty the list: refused at startup ----
out=$("$BUILD/burrowd" -t -f /dev/null -h "$T/host" -o "DenyUsers=bob@10.1.2.3/8" 2>&1)
rc=$?
if [ "$rc" -ne 0 ] && grep -q 'invalid DenyUsers pattern: "bob@10.1.2.3/8"' <<<"$out"; then
	pass "${P}_config_deny_users_bad_cidr_refused"
else
	fail "${P}_config_deny_users_bad_cidr_refused" "exit $rc: $out"
fi

# ---- AuthenticationMethods publickey,publickey: two different forced commands ----
serve twokeys -o "AuthenticationMethods=publickey,publickey" -o UsePAM=no
ssh_as "$U" "$PORT_twokeys" x -o IdentityFile="$T/forced" -o IdentityFile="$T/restricted" -o BatchMode=yes -- "$RUN"
expect_refused "${P}_two_keys_different_forced_commands_refused" $? "$LOG_twokeys" \
	"forced command options do not match"

# ---- locked and expired accounts: refused for keys too (last: these change the account) ----
usermod -L "$U"
key_login user
expect_refused "${P}_locked_account_key_refused" $? "$LOG_nopam" "User $U not allowed because account is locked"
usermod -U "$U"
chage -E 0 "$U"
serve expired -o UsePAM=no
ssh_as "$U" "$PORT_expired" x -o IdentityFile="$T/user" -o BatchMode=yes -- "$RUN"
expect_refused "${P}_expired_account_key_refused" $? "$LOG_expired" "Account $U has expired"
if [ "$HAVE_PAM" = 1 ]; then
	ssh_as "$U" "$PORT_pam" x -o IdentityFile="$T/user" -o BatchMode=yes -- "$RUN"
	expect_refused "${P}_expired_account_key_refused_pam" $? "$LOG_pam" \
		"Access denied for user $U by PAM account configuration"
else
	skip "${P}_expired_account_key_refused_pam" "burrowd built without PAM"
fi
chage -E -1 "$U"

finish

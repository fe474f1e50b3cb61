#!/usr/bin/env bash
# Authentication extras against OpenSSH:
#   CASignatureAlgorithms in burrowd: a user certificate whose CA signed with SHA-1 (ssh-rsa) is
#   refused by default with sshd's very log line (the same certificate is shown to OpenSSH's sshd
#   and its line compared), taken with "+ssh-rsa"; a list without RSA refuses an rsa-sha2-512 CA;
#   a bad name stops burrowd at startup ("Bad key types"); burrowd -T prints the list as sshd -T.
#   A certificate held by ssh-agent (ssh-add adds key and certificate): burrow offers it, as ssh
#   does, and gets into a burrowd that only trusts the CA (TrustedUserCAKeys, no authorized key).
#   AuthorizedKeysCommand / AuthorizedPrincipalsCommand (+ *User): the program runs as that user
#   with sshd's clean environment and the tokens expanded; its lines let OpenSSH's ssh in; a
#   non-zero exit, a timeout or an unsafe path (a world-writable directory above it) count for
#   nothing and are logged as sshd logs them; burrowd -T prints the keywords as sshd -T.
#   The programs live in a root-owned directory under /run (removed at exit), as sshd insists.
#   RevokedKeys: a KRL made by ssh-keygen -k refuses a listed key and a certificate by serial,
#   lets other keys in, and an unreadable file refuses everything; logged as sshd logs it.
# shellcheck source=tests/interop/lib.sh
. "$(dirname "$0")/lib.sh" "$@"

CASE_TIMEOUT=${CASE_TIMEOUT:-30}
P=auth_extras_openssh
cases=("${P}_ca_sha1_refused_by_default" "${P}_ca_sha1_log_line_as_sshd" "${P}_ca_sha1_taken_with_plus"
	"${P}_ca_sha2_taken_by_default" "${P}_ca_sha2_refused_by_list" "${P}_ca_sig_algs_bad_name_fatal"
	"${P}_ca_sig_algs_dumped" "${P}_agent_cert_offered" "${P}_revoked_other_key_gets_in"
	"${P}_revoked_key_refused" "${P}_revoked_cert_serial_refused" "${P}_revoked_file_unreadable_refuses")
akc_cases=("${P}_keys_command_lets_in" "${P}_keys_command_tokens" "${P}_keys_command_clean_env_as_user"
	"${P}_keys_command_failure_ignored" "${P}_keys_command_timeout_ignored" "${P}_keys_command_unsafe_path"
	"${P}_principals_command_lets_in" "${P}_commands_dumped")

if ! need_cmd ssh ssh-keygen timeout; then
	skip_all "missing $MISSING (openssh-client/coreutils)" "${cases[@]}"
	finish
fi
for prog in burrowd burrow; do
	if [ ! -x "$BUILD/$prog" ]; then
		fail_all "$BUILD/$prog was not built" "${cases[@]}"
		finish
	fi
done

gen_key "$T/host" "host"
gen_key_type "$T/rsa_ca" rsa 2048
gen_key "$T/sha1_user" "sha1-user"
gen_key "$T/sha2_user" "sha2-user"
# ssh-keygen -t picks the RSA CA's signature algorithm.
ssh-keygen -q -s "$T/rsa_ca" -t ssh-rsa -I sha1-signed -n "$ME" "$T/sha1_user.pub" </dev/null >/dev/null 2>&1
ssh-keygen -q -s "$T/rsa_ca" -t rsa-sha2-512 -I sha2-signed -n "$ME" "$T/sha2_user.pub" </dev/null >/dev/null 2>&1
if ! ssh-keygen -L -f "$T/sha1_user-cert.pub" 2>/dev/null | grep -q 'using ssh-rsa'; then
	fail_all "ssh-keygen did not sign with ssh-rsa" "${cases[@]}"
	finish
fi
: >"$T/authorized_keys"

SSH=(ssh -F /dev/null -o BatchMode=yes -o IdentityAgent=none -o IdentitiesOnly=yes -o PasswordAuthentication=no
	-o KbdInteractiveAuthentication=no -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
	-o GlobalKnownHostsFile=/dev/null -o ConnectTimeout=10 -o LogLevel=ERROR -l "$ME")
SHA1_LINE="certificate signature algorithm ssh-rsa: signature algorithm not supported"

# refused_logged NAME LOG TEXT CLIENT...: refused_case, then TEXT must be in LOG.
refused_logged() {
	local name=$1 log=$2 text=$3
	shift 3
	refused_case "$name" "$@" >"$T/result" # in this shell: a FAIL is counted
	if ! grep -q '^PASS' "$T/result"; then
		cat "$T/result"
		return
	fi
	sleep 0.2 # the server child logs as the client goes
	if grep -qF -- "$text" "$log"; then
		pass "$name"
	else
		fail "$name" "refused, but no '$text' in the server log: $(tail_text "$log")"
	fi
}

# ---- CASignatureAlgorithms ------------------------------------------------------------------------
if ! start_burrowd "$T/host" "$T/authorized_keys" -o "TrustedUserCAKeys=$T/rsa_ca.pub"; then
	fail_all "$START_ERROR" "${P}_ca_sha1_refused_by_default" "${P}_ca_sha1_log_line_as_sshd" \
		"${P}_ca_sha2_taken_by_default"
else
	# The login first: refusals may earn the address a PerSourcePenalties delay.
	exec_case "${P}_ca_sha2_taken_by_default" "${SSH[@]}" -p "$BURROWD_PORT" -i "$T/sha2_user" 127.0.0.1
	refused_logged "${P}_ca_sha1_refused_by_default" "$BURROWD_LOG" "$SHA1_LINE" \
		"${SSH[@]}" -p "$BURROWD_PORT" -i "$T/sha1_user" 127.0.0.1
	name="${P}_ca_sha1_log_line_as_sshd"
	# sshd says it from its pre-auth child, which marks its lines " [preauth]"; the rest must match.
	ours=$(tr -d '\r' <"$BURROWD_LOG" | grep -m1 -F "$SHA1_LINE" | sed 's/ \[preauth\]$//')
	if ! sshd_usable; then
		skip "$name" "$SSHD_SKIP"
	elif ! start_sshd "$T/host" "$T/authorized_keys" "TrustedUserCAKeys $T/rsa_ca.pub"; then
		fail "$name" "$START_ERROR"
	else
		timeout "$CASE_TIMEOUT" "${SSH[@]}" -p "$SSHD_PORT" -i "$T/sha1_user" 127.0.0.1 true </dev/null >/dev/null 2>&1
		sleep 0.2
		theirs=$(tr -d '\r' <"$SSHD_LOG" | grep -m1 -F "$SHA1_LINE" | sed -E 's/^.*(userauth_pubkey: )/\1/; s/ \[preauth\]$//')
		if [ -z "$theirs" ]; then
			fail "$name" "sshd logged no '$SHA1_LINE': $(tail_text "$SSHD_LOG")"
		elif [ "$ours" != "$theirs" ]; then
			fail "$name" "burrowd logged '$ours', sshd '$theirs'"
		else
			pass "$name"
		fi
	fi
fi

if ! start_burrowd "$T/host" "$T/authorized_keys" -o "TrustedUserCAKeys=$T/rsa_ca.pub" \
	-o "CASignatureAlgorithms=+ssh-rsa"; then
	fail "${P}_ca_sha1_taken_with_plus" "$START_ERROR"
else
	exec_case "${P}_ca_sha1_taken_with_plus" "${SSH[@]}" -p "$BURROWD_PORT" -i "$T/sha1_user" 127.0.0.1
fi

if ! start_burrowd "$T/host" "$T/authorized_keys" -o "TrustedUserCAKeys=$T/rsa_ca.pub" \
	-o "CASignatureAlgorithms=ssh-ed25519,ecdsa-sha2-*"; then
	fail "${P}_ca_sha2_refused_by_list" "$START_ERROR"
else
	refused_logged "${P}_ca_sha2_refused_by_list" "$BURROWD_LOG" \
		"certificate signature algorithm rsa-sha2-512: signature algorithm not supported" \
		"${SSH[@]}" -p "$BURROWD_PORT" -i "$T/sha2_user" 127.0.0.1
fi

name="${P}_ca_sig_algs_bad_name_fatal"
timeout "$CASE_TIMEOUT" "$BUILD/burrowd" -t -f /dev/null -h "$T/host" -o CASignatureAlgorithms=ssh-foo \
	</dev/null >"$T/out" 2>"$T/err"
rc=$?
if [ "$rc" != 255 ]; then
	fail "$name" "exit status $rc, want 255: $(tail_text "$T/err")"
elif ! grep -q "Bad key types 'ssh-foo'." "$T/err"; then
	fail "$name" "no 'Bad key types' message: $(tail_text "$T/err")"
else
	pass "$name"
fi

name="${P}_ca_sig_algs_dumped"
ours=$("$BUILD/burrowd" -T -f /dev/null -h "$T/host" -o CASignatureAlgorithms=+ssh-rsa 2>"$T/err" |
	grep '^casignaturealgorithms ')
theirs="casignaturealgorithms ssh-ed25519,ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,ecdsa-sha2-nistp521,sk-ssh-ed25519@openssh.com,sk-ecdsa-sha2-nistp256@openssh.com,rsa-sha2-512,rsa-sha2-256,ssh-rsa"
if sshd_usable; then # the reference, when there is one
	theirs=$(/usr/sbin/sshd -T -f /dev/null -h "$T/host" -o CASignatureAlgorithms=+ssh-rsa 2>/dev/null |
		grep '^casignaturealgorithms ')
fi
if [ -n "$ours" ] && [ "$ours" = "$theirs" ]; then
	pass "$name"
else
	fail "$name" "burrowd -T: '$ours', want '$theirs' $(tail_text "$T/err")"
fi

# ---- a certificate in ssh-agent ----------------------------------------------------------------
name="${P}_agent_cert_offered"
gen_key "$T/user_ca" "user-ca"
gen_key "$T/agent_user" "agent-user"
ssh-keygen -q -s "$T/user_ca" -I agent-held -n "$ME" -z 99 "$T/agent_user.pub" </dev/null >/dev/null 2>&1
if ! need_cmd ssh-agent ssh-add; then
	skip "$name" "missing $MISSING"
elif ! eval "$(ssh-agent -s -a "$T/agent.sock")" >/dev/null 2>&1; then
	fail "$name" "ssh-agent did not start"
else
	_OUR_PIDS+=("$SSH_AGENT_PID")
	ssh-add "$T/agent_user" </dev/null >/dev/null 2>&1
	rm -f "$T/agent_user" "$T/agent_user.pub" "$T/agent_user-cert.pub" # only the agent has them now
	if ! SSH_AUTH_SOCK="$T/agent.sock" ssh-add -l 2>/dev/null | grep -q 'ED25519-CERT'; then
		fail "$name" "ssh-add did not add the certificate: $(SSH_AUTH_SOCK="$T/agent.sock" ssh-add -l 2>&1)"
	elif ! start_burrowd "$T/host" "$T/authorized_keys" -o "TrustedUserCAKeys=$T/user_ca.pub"; then
		fail "$name" "$START_ERROR"
	else
		SSH_AUTH_SOCK="$T/agent.sock" exec_case "$name.login" "$BUILD/burrow" -F /dev/null -o BatchMode=yes \
			-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o IdentityFile=/nonexistent \
			-p "$BURROWD_PORT" -l "$ME" 127.0.0.1 >"$T/result"
		cat "$T/result"
		if grep -q '^PASS' "$T/result"; then
			if tr -d '\r' <"$BURROWD_LOG" | grep -q "Accepted publickey for $ME .*ED25519-CERT .* ID agent-held (serial 99)"; then
				pass "$name"
			else
				fail "$name" "burrowd did not log the certificate login: $(grep Accepted "$BURROWD_LOG" | tail -n 1)"
			fi
		else
			fail "$name" "the login through the agent's certificate failed"
		fi
	fi
fi

# ---- RevokedKeys ---------------------------------------------------------------------------------
gen_key "$T/rev_ca" "revoking-ca"
gen_key "$T/rev_good" "good"
gen_key "$T/rev_bad" "bad"
gen_key "$T/rev_cert" "cert-user"
ssh-keygen -q -s "$T/rev_ca" -I revoked-cert -n "$ME" -z 42 "$T/rev_cert.pub" </dev/null >/dev/null 2>&1
cat "$T/rev_good.pub" "$T/rev_bad.pub" >"$T/ak_rev"
{ echo 'serial: 42'; printf 'key: '; cat "$T/rev_bad.pub"; } >"$T/krl_spec"
ssh-keygen -q -k -f "$T/krl" -s "$T/rev_ca.pub" "$T/krl_spec" </dev/null >/dev/null 2>&1
if ! start_burrowd "$T/host" "$T/ak_rev" -o "RevokedKeys=$T/krl" -o "TrustedUserCAKeys=$T/rev_ca.pub"; then
	fail_all "$START_ERROR" "${P}_revoked_other_key_gets_in" "${P}_revoked_key_refused" "${P}_revoked_cert_serial_refused"
else
	exec_case "${P}_revoked_other_key_gets_in" "${SSH[@]}" -p "$BURROWD_PORT" -i "$T/rev_good" 127.0.0.1
	bad_fp=$(ssh-keygen -l -E sha256 -f "$T/rev_bad.pub" | cut -d' ' -f2)
	refused_logged "${P}_revoked_key_refused" "$BURROWD_LOG" "Authentication key ED25519 $bad_fp revoked by file $T/krl" \
		"${SSH[@]}" -p "$BURROWD_PORT" -i "$T/rev_bad" 127.0.0.1
	refused_logged "${P}_revoked_cert_serial_refused" "$BURROWD_LOG" "Authentication key ED25519-CERT $(ssh-keygen -l -E sha256 -f "$T/rev_cert.pub" | cut -d' ' -f2) revoked by file $T/krl" \
		"${SSH[@]}" -p "$BURROWD_PORT" -i "$T/rev_cert" 127.0.0.1
fi
if ! start_burrowd "$T/host" "$T/ak_rev" -o "RevokedKeys=$T/no-such-krl"; then
	fail "${P}_revoked_file_unreadable_refuses" "$START_ERROR"
else
	refused_logged "${P}_revoked_file_unreadable_refuses" "$BURROWD_LOG" \
		"Error checking authentication key ED25519" "${SSH[@]}" -p "$BURROWD_PORT" -i "$T/rev_good" 127.0.0.1
fi

# ---- AuthorizedKeysCommand / AuthorizedPrincipalsCommand ----------------------------------------
if [ "$(id -u)" != 0 ] || ! getent passwd nobody >/dev/null; then
	skip_all "needs root and the account nobody (the command user)" "${akc_cases[@]}"
	finish
fi
SAFE=$(mktemp -d /run/burrow-interop-akc.XXXXXX)
trap '_cleanup; rm -rf "$SAFE"' EXIT
chmod 755 "$SAFE"
mkdir "$SAFE/out" && chown nobody "$SAFE/out"
gen_key "$T/cmd_user" "cmd-user"
KEYLINE=$(cut -d' ' -f1,2 "$T/cmd_user.pub")
export AUTHX_LEAK=should-not-reach-the-command
# cmd NAME BODY: a root-owned program $SAFE/NAME (sh) that records its arguments, environment and
# user in $SAFE/out/NAME.*, then runs BODY.
cmd() {
	{
		echo '#!/bin/sh'
		echo "printf '%s\n' \"\$@\" >$SAFE/out/$1.args"
		echo "env | sort >$SAFE/out/$1.env"
		echo "id -un >$SAFE/out/$1.id"
		echo "$2"
	} >"$SAFE/$1"
	chmod 755 "$SAFE/$1"
}
cmd keys "[ \"\$1\" = $ME ] && echo '$KEYLINE from-command'"
cmd fail "echo '$KEYLINE'; exit 3"
cmd slow "sleep 30; echo '$KEYLINE'"
mkdir -p "$T/unsafe" && chmod 777 "$T/unsafe"
cp "$SAFE/keys" "$T/unsafe/keys"

SSH_CMD=("${SSH[@]}" -i "$T/cmd_user")
if ! start_burrowd "$T/host" "$T/authorized_keys" -o "AuthorizedKeysCommand=$SAFE/keys %u %U %f %t %h %k %%" \
	-o AuthorizedKeysCommandUser=nobody; then
	fail_all "$START_ERROR" "${P}_keys_command_lets_in" "${P}_keys_command_tokens" "${P}_keys_command_clean_env_as_user"
else
	exec_case "${P}_keys_command_lets_in" "${SSH_CMD[@]}" -p "$BURROWD_PORT" 127.0.0.1
	name="${P}_keys_command_tokens"
	fp=$(ssh-keygen -l -E sha256 -f "$T/cmd_user.pub" | cut -d' ' -f2)
	b64=$(cut -d' ' -f2 "$T/cmd_user.pub")
	want=$(printf '%s\n' "$ME" "$(id -u "$ME")" "$fp" ssh-ed25519 "$(getent passwd "$ME" | cut -d: -f6)" "$b64" '%')
	if [ "$(cat "$SAFE/out/keys.args" 2>/dev/null)" = "$want" ]; then
		pass "$name"
	else
		fail "$name" "arguments '$(tr '\n' '|' <"$SAFE/out/keys.args" 2>/dev/null)', want '$(echo "$want" | tr '\n' '|')'"
	fi
	name="${P}_keys_command_clean_env_as_user"
	env_names=$(cut -d= -f1 "$SAFE/out/keys.env" 2>/dev/null | grep -vx -e PWD -e LANG | tr '\n' ' ')
	if [ "$(cat "$SAFE/out/keys.id" 2>/dev/null)" != nobody ]; then
		fail "$name" "ran as '$(cat "$SAFE/out/keys.id" 2>/dev/null)', want nobody"
	elif [ "$env_names" != "HOME LOGNAME PATH USER " ]; then
		fail "$name" "environment '$env_names', want HOME LOGNAME PATH USER"
	elif ! grep -qx 'USER=nobody' "$SAFE/out/keys.env" || ! grep -qx 'PATH=/usr/bin:/bin:/usr/sbin:/sbin' "$SAFE/out/keys.env"; then
		fail "$name" "environment values: $(tr '\n' ' ' <"$SAFE/out/keys.env")"
	else
		pass "$name"
	fi
fi

# akc_refused NAME COMMAND LOG-TEXT: a burrowd with that AuthorizedKeysCommand refuses the key,
# and its log says LOG-TEXT.
akc_refused() {
	local name=$1 command=$2 text=$3
	if ! start_burrowd "$T/host" "$T/authorized_keys" -o "AuthorizedKeysCommand=$command" \
		-o AuthorizedKeysCommandUser=nobody; then
		fail "$name" "$START_ERROR"
		return
	fi
	refused_logged "$name" "$BURROWD_LOG" "$text" "${SSH_CMD[@]}" -p "$BURROWD_PORT" 127.0.0.1
}
akc_refused "${P}_keys_command_failure_ignored" "$SAFE/fail" "AuthorizedKeysCommand $SAFE/fail $ME failed, status 3"
akc_refused "${P}_keys_command_timeout_ignored" "$SAFE/slow" "AuthorizedKeysCommand $SAFE/slow $ME timed out"
akc_refused "${P}_keys_command_unsafe_path" "$T/unsafe/keys" \
	"Unsafe AuthorizedKeysCommand \"$T/unsafe/keys\": bad ownership or modes for directory $T/unsafe"

# The principals command names the principal the certificate carries (not the user name).
gen_key "$T/p_ca" "principals-ca"
gen_key "$T/p_user" "principals-user"
ssh-keygen -q -s "$T/p_ca" -I team-member -n ops-team -z 5 "$T/p_user.pub" </dev/null >/dev/null 2>&1
cmd principals "[ \"\$1\" = $ME ] && echo ops-team"
name="${P}_principals_command_lets_in"
if ! start_burrowd "$T/host" "$T/authorized_keys" -o "TrustedUserCAKeys=$T/p_ca.pub" \
	-o "AuthorizedPrincipalsCommand=$SAFE/principals %u %i %s %T" -o AuthorizedPrincipalsCommandUser=nobody; then
	fail "$name" "$START_ERROR"
else
	exec_case "$name.login" "${SSH[@]}" -p "$BURROWD_PORT" -i "$T/p_user" 127.0.0.1 >"$T/result"
	cat "$T/result"
	got=$(tr '\n' '|' <"$SAFE/out/principals.args" 2>/dev/null)
	if ! grep -q '^PASS' "$T/result"; then
		fail "$name" "the certificate did not get in"
	elif [ "$got" != "$ME|team-member|5|ssh-ed25519|" ]; then
		fail "$name" "arguments '$got', want '$ME|team-member|5|ssh-ed25519|'"
	else
		pass "$name"
	fi
fi

name="${P}_commands_dumped"
opts=(-o "AuthorizedKeysCommand=/usr/bin/x %u %f" -o AuthorizedKeysCommandUser=nobody
	-o "AuthorizedPrincipalsCommand=/usr/bin/y %i" -o AuthorizedPrincipalsCommandUser=nobody)
ours=$("$BUILD/burrowd" -T -f /dev/null -h "$T/host" "${opts[@]}" 2>&1 | grep '^authorized.*command' | sort)
want="authorizedkeyscommand /usr/bin/x %u %f
authorizedkeyscommanduser nobody
authorizedprincipalscommand /usr/bin/y %i
authorizedprincipalscommanduser nobody"
# sshd -T is the reference for the AuthorizedKeysCommand lines (OpenSSH 9.2 prints
# "authorizedprincipalscommand none" whatever was set, so that one is compared with the text).
theirs=""
if sshd_usable; then
	theirs=$(/usr/sbin/sshd -T -f /dev/null -h "$T/host" "${opts[@]}" 2>/dev/null | grep '^authorizedkeyscommand')
fi
if [ "$ours" != "$want" ]; then
	fail "$name" "burrowd -T: '$(echo "$ours" | tr '\n' '|')', want '$(echo "$want" | tr '\n' '|')'"
elif [ -n "$theirs" ] && [ "$(echo "$ours" | grep '^authorizedkeyscommand')" != "$theirs" ]; then
	fail "$name" "sshd -T says '$(echo "$theirs" | tr '\n' '|')'"
else
	pass "$name"
fi
finish

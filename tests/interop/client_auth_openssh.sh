#!/usr/bin/env bash
# burrow's authentication against OpenSSH's sshd, with a throwaway local account (made here with
# useradd/chpasswd, removed with userdel -r at exit, also on failure; needs root):
#   password (sshd UsePAM no and UsePAM yes), keyboard-interactive (PAM), a wrong password
#   (ssh's messages, exit 255, three prompts), NumberOfPasswordPrompts=2 (two prompts),
#   BatchMode (no prompt at all), PreferredAuthentications order, IdentitiesOnly with an
#   ssh-agent, partial success (sshd AuthenticationMethods publickey,password), a password typed
#   on a real terminal (tmux), and UpdateHostKeys: learning sshd's other host keys, dropping a
#   key sshd no longer has, and refusing to learn from a host key accepted against known_hosts.
# Passwords go through SSH_ASKPASS + SSH_ASKPASS_REQUIRE=force with an askpass script that
# records every prompt it is shown.
# shellcheck source=tests/interop/lib.sh
. "$(dirname "$0")/lib.sh" "$@"

CASE_TIMEOUT=${CASE_TIMEOUT:-30}
P=client_auth_openssh
cases=("${P}_password_usepam_no" "${P}_password_usepam_yes" "${P}_kbdint_pam"
	"${P}_wrong_password_refused" "${P}_number_of_password_prompts_2" "${P}_batchmode_never_prompts"
	"${P}_preferred_password_first" "${P}_preferred_publickey_first" "${P}_identities_only_skips_agent_keys"
	"${P}_agent_keys_without_identities_only" "${P}_partial_success_publickey_password"
	"${P}_password_on_a_terminal" "${P}_update_hostkeys_learns_and_removes"
	"${P}_update_hostkeys_off_for_custom_file" "${P}_update_hostkeys_untrusted_host_key"
	"${P}_update_hostkeys_ask_answered_no" "${P}_update_hostkeys_default_for_default_file"
	"${P}_update_hostkeys_leaves_host_lists_alone" "${P}_encrypted_key_asked_after_server_accepts"
	"${P}_encrypted_key_not_asked_when_refused" "${P}_update_hostkeys_not_on_first_contact"
	"${P}_update_hostkeys_hashed" "${P}_bad_option_values_as_ssh" "${P}_kbdint_devices_sent")

if [ "$(id -u)" != 0 ]; then
	skip_all "needs root to create a throwaway account for password authentication" "${cases[@]}"
	finish
fi
if ! need_cmd ssh ssh-keygen ssh-agent ssh-add useradd userdel chpasswd runuser timeout; then
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

# ---- the throwaway account ----
make_account bwauth "${cases[@]}"

# Keys: "user" is authorized, "other" is not.
gen_key "$T/user" "authorized"
gen_key "$T/other" "not-authorized"
install -d -m 700 -o "$U" "$UHOME/.ssh"
install -m 600 -o "$U" "$T/user.pub" "$UHOME/.ssh/authorized_keys"
for t in ed25519 rsa ecdsa; do gen_key_type "$T/host_$t" "$t"; done

PORT_nopam="" PORT_pam="" PORT_partial=""
HOSTKEYS=("HostKey $T/host_ed25519" "HostKey $T/host_rsa" "HostKey $T/host_ecdsa")
if ! start_sshd_root nopam "${HOSTKEYS[@]}" "UsePAM no" "PasswordAuthentication yes" \
	"KbdInteractiveAuthentication no" ||
	! start_sshd_root pam "HostKey $T/host_ed25519" "UsePAM yes" "PasswordAuthentication yes" \
		"KbdInteractiveAuthentication yes" "LogLevel DEBUG1" ||
	! start_sshd_root partial "HostKey $T/host_ed25519" "UsePAM no" "PasswordAuthentication yes" \
		"AuthenticationMethods publickey,password"; then
	fail_all "$START_ERROR" "${cases[@]}"
	finish
fi

# known_hosts holding only the ed25519 host key, for each server.
KH="$T/known_hosts"
for port in "$PORT_nopam" "$PORT_pam" "$PORT_partial"; do
	echo "[127.0.0.1]:$port $(cut -d' ' -f1,2 "$T/host_ed25519.pub")"
done >"$KH"

write_askpass

# burrow_auth PORT ANSWER [OPTION...] -- COMMAND: burrow as $U with ANSWER as what the askpass
# script types; prompts land in $T/prompts (one per line), output in $T/out and $T/err. The
# OPTIONs come first, so they win over the defaults here (first value wins, as in ssh).
burrow_auth() {
	local port=$1 answer=$2
	shift 2
	split_options "$@"
	askpass_run "$answer" "$BUILD/burrow" -F /dev/null -p "$port" -l "$U" "${OPTS[@]}" \
		-o "UserKnownHostsFile=$KH" -o GlobalKnownHostsFile=/dev/null -o StrictHostKeyChecking=yes \
		-o IdentityFile=/nonexistent 127.0.0.1 "${ARGS[@]}"
	local rc=$?
	tr -d '\r' <"$T/err.raw" >"$T/err" # log lines end in CR LF, as ssh's do
	# A sanitizer report (an ASan build) turns into a failure of whatever the case expects.
	if grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$T/err"; then
		echo "burrow: sanitizer report" >"$T/out"
		return 99
	fi
	return $rc
}

prompt_count() { grep -c . "$T/prompts"; }

# expect_ran NAME RC [WANT-PROMPT-LINE [WANT-PROMPT-COUNT]]: the command ran as $U.
expect_ran() {
	local name=$1 rc=$2 want_prompt=${3:-} want_count=${4:-}
	if [ "$rc" -ne 0 ]; then
		fail "$name" "exit status $rc: $(tail_text "$T/err")"
	elif [ "$(cat "$T/out")" != "ran as $U" ]; then
		fail "$name" "stdout '$(first_line "$T/out")', want 'ran as $U'"
	elif [ -n "$want_prompt" ] && ! grep -qxF -- "$want_prompt" "$T/prompts"; then
		fail "$name" "askpass was not shown '$want_prompt': $(tr '\n' '|' <"$T/prompts")"
	elif [ -n "$want_count" ] && [ "$(prompt_count)" != "$want_count" ]; then
		fail "$name" "$(prompt_count) prompts, want $want_count"
	else
		pass "$name"
	fi
}

# expect_refused NAME RC PROMPT-COUNT [ERR-LINE...]: exit 255, nothing ran, exactly PROMPT-COUNT
# prompts, and each ERR-LINE on stderr.
expect_refused() {
	local name=$1 rc=$2 count=$3 line
	shift 3
	if [ "$rc" -ne 255 ]; then
		fail "$name" "exit status $rc, want 255: $(tail_text "$T/err")"
		return
	elif [ -s "$T/out" ]; then
		fail "$name" "the command ran: $(first_line "$T/out")"
		return
	elif [ "$(prompt_count)" != "$count" ]; then
		fail "$name" "$(prompt_count) prompts, want $count: $(tr '\n' '|' <"$T/prompts")"
		return
	fi
	expect_err_lines "$name" "$@"
}

# shellcheck disable=SC2016 # expanded by the remote shell
RUN='echo "ran as $(id -un)"'
PW_PROMPT="$U@127.0.0.1's password: "

# ---- the keywords: bad values are refused in ssh's words ----
name="${P}_bad_option_values_as_ssh"
bad=""
for opt in NumberOfPasswordPrompts=x UpdateHostKeys=maybe PasswordAuthentication=sometimes \
	KbdInteractiveAuthentication=2 PubkeyAuthentication=perhaps; do
	"$BUILD/burrow" -F /dev/null -o "$opt" 127.0.0.1 true </dev/null 2>"$T/ours" >/dev/null
	ours=$?
	ssh -F /dev/null -o "$opt" 127.0.0.1 true </dev/null 2>"$T/theirs" >/dev/null
	theirs=$?
	if [ "$ours" != "$theirs" ] || ! cmp -s <(tr -d '\r' <"$T/ours") <(tr -d '\r' <"$T/theirs"); then
		bad="$bad $opt (ours $ours '$(head -c 80 "$T/ours")', ssh $theirs '$(head -c 80 "$T/theirs")')"
	fi
done
if [ -n "$bad" ]; then fail "$name" "differs from ssh:$bad"; else pass "$name"; fi

# ---- password and keyboard-interactive ----
burrow_auth "$PORT_nopam" "$PASSWORD" -o PreferredAuthentications=password -- "$RUN"
expect_ran "${P}_password_usepam_no" $? "$PW_PROMPT" 1

burrow_auth "$PORT_pam" "$PASSWORD" -o PreferredAuthentications=password -- "$RUN"
expect_ran "${P}_password_usepam_yes" $? "$PW_PROMPT" 1

# PAM's prompt, with the account in front as OpenSSH 8.4+ shows it.
burrow_auth "$PORT_pam" "$PASSWORD" -o PreferredAuthentications=keyboard-interactive -- "$RUN"
expect_ran "${P}_kbdint_pam" $? "($U@127.0.0.1) Password: " 1

# KbdInteractiveDevices reaches sshd (its debug log names the devices asked for).
name="${P}_kbdint_devices_sent"
burrow_auth "$PORT_pam" "$PASSWORD" -o PreferredAuthentications=keyboard-interactive \
	-o KbdInteractiveDevices=pam -- "$RUN"
rc=$?
if ! grep -q "devs=pam " "$T/sshd.pam.log"; then
	fail "$name" "sshd did not see devs=pam: $(grep "devs=" "$T/sshd.pam.log" | tail -n 1)"
else
	expect_ran "$name" $rc "($U@127.0.0.1) Password: " 1
fi

burrow_auth "$PORT_nopam" "wrong-$PASSWORD" -- "$RUN"
expect_refused "${P}_wrong_password_refused" $? 3 "Permission denied, please try again." \
	"$U@127.0.0.1: Permission denied (publickey,password)."

burrow_auth "$PORT_nopam" "wrong-$PASSWORD" -o NumberOfPasswordPrompts=2 -- "$RUN"
expect_refused "${P}_number_of_password_prompts_2" $? 2 "$U@127.0.0.1: Permission denied (publickey,password)."

burrow_auth "$PORT_pam" "$PASSWORD" -o BatchMode=yes -- "$RUN"
expect_refused "${P}_batchmode_never_prompts" $? 0 \
	"$U@127.0.0.1: Permission denied (publickey,password,keyboard-interactive)."

# ---- order and identities ----
# FIRST|SECOND|WANT-PROMPT|WANT-PROMPT-COUNT: PreferredAuthentications=FIRST,SECOND, both usable.
while IFS='|' read -r first second want_prompt want_count; do
	name="${P}_preferred_${first}_first"
	burrow_auth "$PORT_nopam" "$PASSWORD" -o LogLevel=VERBOSE -i "$T/user" \
		-o "PreferredAuthentications=$first,$second" -- "$RUN"
	rc=$?
	if ! grep -qF "using \"$first\"." "$T/err"; then
		fail "$name" "not authenticated by $first first: $(grep -m1 'Authenticated to' "$T/err")"
	else
		expect_ran "$name" $rc "$want_prompt" "$want_count"
	fi
done <<EOF
password|publickey|$PW_PROMPT|1
publickey|password||0
EOF

# An agent holding the authorized key; the identity file is another key.
AGENT_SOCK="$T/agent.sock"
ssh-agent -D -a "$AGENT_SOCK" >/dev/null 2>&1 &
AGENT_PID=$!
_OUR_PIDS+=("$AGENT_PID")
for _ in $(seq 1 50); do [ -S "$AGENT_SOCK" ] && break; sleep 0.1; done
if ! SSH_AUTH_SOCK="$AGENT_SOCK" ssh-add "$T/user" >/dev/null 2>&1; then
	fail_all "ssh-agent did not take the key" "${P}_identities_only_skips_agent_keys" \
		"${P}_agent_keys_without_identities_only"
else
	SSH_AUTH_SOCK="$AGENT_SOCK" burrow_auth "$PORT_nopam" "$PASSWORD" -o BatchMode=yes \
		-o IdentitiesOnly=yes -i "$T/other" -- "$RUN"
	expect_refused "${P}_identities_only_skips_agent_keys" $? 0 \
		"$U@127.0.0.1: Permission denied (publickey,password)."
	SSH_AUTH_SOCK="$AGENT_SOCK" burrow_auth "$PORT_nopam" "$PASSWORD" -o BatchMode=yes -i "$T/other" -- "$RUN"
	expect_ran "${P}_agent_keys_without_identities_only" $? "" 0
fi
stop_pid "$AGENT_PID"

# Encrypted identity files: the passphrase is asked only once the server would take the key.
cp "$T/user" "$T/user_enc" && cp "$T/user.pub" "$T/user_enc.pub"
cp "$T/other" "$T/other_enc" && cp "$T/other.pub" "$T/other_enc.pub"
ssh-keygen -q -p -P '' -N "key-$PASSWORD" -f "$T/user_enc" >/dev/null 2>&1
ssh-keygen -q -p -P '' -N "key-$PASSWORD" -f "$T/other_enc" >/dev/null 2>&1
burrow_auth "$PORT_nopam" "key-$PASSWORD" -i "$T/user_enc" -o PreferredAuthentications=publickey -- "$RUN"
expect_ran "${P}_encrypted_key_asked_after_server_accepts" $? "Enter passphrase for key '$T/user_enc': " 1
burrow_auth "$PORT_nopam" "key-$PASSWORD" -i "$T/other_enc" -o PreferredAuthentications=publickey -- "$RUN"
expect_refused "${P}_encrypted_key_not_asked_when_refused" $? 0 "$U@127.0.0.1: Permission denied (publickey,password)."

name="${P}_partial_success_publickey_password"
burrow_auth "$PORT_partial" "$PASSWORD" -o LogLevel=VERBOSE -i "$T/user" -- "$RUN"
rc=$?
if ! grep -qxF 'Authenticated using "publickey" with partial success.' "$T/err"; then
	fail "$name" "no partial success message: $(tail_text "$T/err")"
else
	expect_ran "$name" $rc "$PW_PROMPT" 1
fi

# ---- a password typed on a real terminal ----
name="${P}_password_on_a_terminal"
if ! need_cmd tmux; then
	skip "$name" "tmux not installed"
else
	printf '%s\n' "#!/bin/sh" \
		"exec '$BUILD/burrow' -F /dev/null -p $PORT_nopam -l $U -o UserKnownHostsFile=$KH \\" \
		"  -o PreferredAuthentications=password 127.0.0.1 'echo \"ran as \$(id -un)\"' >$T/tty.out 2>$T/tty.err" \
		>"$T/tty.sh"
	chmod 755 "$T/tty.sh"
	tty_start "$T/tty.sh"
	tty_wait "${PW_PROMPT% }"
	screen=$(tty_screen)
	tty_keys "$PASSWORD" Enter
	tty_finish
	if ! grep -qF "${PW_PROMPT% }" <<<"$screen"; then
		fail "$name" "no password prompt on the terminal: $(tr '\n' '|' <<<"$screen" | cut -c1-160)"
	elif grep -qF "$PASSWORD" <<<"$TTY_SCREEN"; then
		fail "$name" "the password was echoed on the terminal"
	elif [ "$TTY_RC" != 0 ]; then
		fail "$name" "exit status $TTY_RC: $(tail_text "$T/tty.err")"
	elif [ "$(cat "$T/tty.out")" != "ran as $U" ]; then
		fail "$name" "stdout '$(first_line "$T/tty.out")'"
	else
		pass "$name"
	fi
fi

# ---- UpdateHostKeys ----
# known_hosts for the nopam server: its ed25519 key plus an ECDSA key it does not have; a line
# for another host with sshd's RSA key must survive untouched.
fp_of() { ssh-keygen -l -f "$1" | cut -d' ' -f2; }
gen_key_type "$T/retired" ecdsa
HOST="[127.0.0.1]:$PORT_nopam"
{
	echo "$HOST $(cut -d' ' -f1,2 "$T/host_ed25519.pub")"
	echo "$HOST $(cut -d' ' -f1,2 "$T/retired.pub")"
	echo "otherhost $(cut -d' ' -f1,2 "$T/host_rsa.pub")"
} >"$T/kh_learn"
name="${P}_update_hostkeys_learns_and_removes"
burrow_auth "$PORT_nopam" "$PASSWORD" -o LogLevel=VERBOSE -o UpdateHostKeys=yes \
	-o "UserKnownHostsFile=$T/kh_learn" -- "$RUN"
rc=$?
ssh-keygen -F "$HOST" -f "$T/kh_learn" 2>/dev/null | grep -v '^#' | cut -d' ' -f2,3 | sort >"$T/learned"
cat "$T/host_ed25519.pub" "$T/host_rsa.pub" "$T/host_ecdsa.pub" | cut -d' ' -f1,2 | sort >"$T/want_learned"
if [ "$rc" -ne 0 ]; then
	fail "$name" "exit status $rc: $(tail_text "$T/err")"
elif ! grep -qxF "Learned new hostkey: RSA $(fp_of "$T/host_rsa.pub")" "$T/err"; then
	fail "$name" "no 'Learned new hostkey: RSA ...' line: $(tail_text "$T/err")"
elif ! grep -qxF "Learned new hostkey: ECDSA $(fp_of "$T/host_ecdsa.pub")" "$T/err"; then
	fail "$name" "no 'Learned new hostkey: ECDSA ...' line: $(tail_text "$T/err")"
elif ! cmp -s "$T/learned" "$T/want_learned"; then
	fail "$name" "known_hosts for $HOST holds $(wc -l <"$T/learned") keys, not sshd's three: $(tr '\n' '|' <"$T/kh_learn" | cut -c1-200)"
elif ! grep -q "^otherhost " "$T/kh_learn"; then
	fail "$name" "the other host's line was removed"
else
	pass "$name"
fi

cp "$KH" "$T/kh_custom"
name="${P}_update_hostkeys_off_for_custom_file"
burrow_auth "$PORT_nopam" "$PASSWORD" -o "UserKnownHostsFile=$T/kh_custom" -- "$RUN"
rc=$?
if [ "$rc" -ne 0 ]; then
	fail "$name" "exit status $rc: $(tail_text "$T/err")"
elif ! cmp -s "$KH" "$T/kh_custom"; then
	fail "$name" "known_hosts changed although UserKnownHostsFile was set and UpdateHostKeys was not"
else
	pass "$name"
fi

name="${P}_update_hostkeys_ask_answered_no"
cp "$KH" "$T/kh_ask"
burrow_auth "$PORT_nopam" "no" -i "$T/user" -o UpdateHostKeys=ask -o "UserKnownHostsFile=$T/kh_ask" -- "$RUN"
rc=$?
if ! grep -qxF "Accept updated hostkeys? (yes/no): " "$T/prompts"; then
	fail "$name" "not asked: $(tr '\n' '|' <"$T/prompts") $(tail_text "$T/err")"
elif ! grep -qxF "The server has updated its host keys." "$T/err"; then
	fail "$name" "no 'The server has updated its host keys.' line: $(tail_text "$T/err")"
elif ! cmp -s "$KH" "$T/kh_ask"; then
	fail "$name" "known_hosts changed although the answer was no"
else
	expect_ran "$name" $rc "" 1
fi

# HashKnownHosts: the learned keys are written hashed, and OpenSSH's ssh-keygen -F finds them.
name="${P}_update_hostkeys_hashed"
echo "$HOST $(cut -d' ' -f1,2 "$T/host_ed25519.pub")" >"$T/kh_hashed"
burrow_auth "$PORT_nopam" "$PASSWORD" -i "$T/user" -o UpdateHostKeys=yes -o HashKnownHosts=yes \
	-o "UserKnownHostsFile=$T/kh_hashed" -- "$RUN"
rc=$?
if [ "$(grep -c '^|1|' "$T/kh_hashed")" != 2 ]; then
	fail "$name" "want 2 hashed lines: $(cut -c1-40 "$T/kh_hashed" | tr '\n' '|')"
elif [ "$(ssh-keygen -F "$HOST" -f "$T/kh_hashed" 2>/dev/null | grep -vc '^#')" != 3 ]; then
	fail "$name" "ssh-keygen -F does not find sshd's three keys"
else
	expect_ran "$name" $rc "" 0
fi

# A key recorded by accept-new was not vouched for by anyone: nothing more is learned from it.
name="${P}_update_hostkeys_not_on_first_contact"
burrow_auth "$PORT_nopam" "$PASSWORD" -i "$T/user" -o UpdateHostKeys=yes -o StrictHostKeyChecking=accept-new \
	-o "UserKnownHostsFile=$T/kh_first" -- "$RUN"
rc=$?
if [ "$(grep -c . "$T/kh_first" 2>/dev/null)" != 1 ]; then
	fail "$name" "known_hosts should hold just the accepted key: $(cut -c1-60 "$T/kh_first" 2>/dev/null | tr '\n' '|')"
else
	expect_ran "$name" $rc "" 0
fi

# A line naming several hosts cannot be rewritten for one of them: ssh leaves the file alone.
name="${P}_update_hostkeys_leaves_host_lists_alone"
echo "$HOST,otherhost,thirdhost $(cut -d' ' -f1,2 "$T/host_ed25519.pub")" >"$T/kh_list"
cp "$T/kh_list" "$T/kh_list.orig"
burrow_auth "$PORT_nopam" "$PASSWORD" -i "$T/user" -o UpdateHostKeys=yes -o "UserKnownHostsFile=$T/kh_list" -- "$RUN"
rc=$?
if ! cmp -s "$T/kh_list" "$T/kh_list.orig"; then
	fail "$name" "known_hosts was rewritten: $(tr '\n' '|' <"$T/kh_list" | cut -c1-160)"
else
	expect_ran "$name" $rc "" 0
fi

# No UpdateHostKeys and no UserKnownHostsFile: learning is on, into ~/.ssh/known_hosts (run as the
# account, so that is its home, with its key in ~/.ssh/id_ed25519 found by default).
name="${P}_update_hostkeys_default_for_default_file"
install -m 600 -o "$U" "$T/user" "$UHOME/.ssh/id_ed25519"
echo "$HOST $(cut -d' ' -f1,2 "$T/host_ed25519.pub")" >"$UHOME/.ssh/known_hosts"
chown "$U" "$UHOME/.ssh/known_hosts"
timeout "$CASE_TIMEOUT" runuser -u "$U" -- "$BUILD/burrow" -F /dev/null -p "$PORT_nopam" -o BatchMode=yes \
	127.0.0.1 "$RUN" </dev/null >"$T/out" 2>"$T/err"
rc=$?
if [ "$rc" -ne 0 ]; then
	fail "$name" "exit status $rc: $(tail_text "$T/err")"
elif ! grep -qF "$(cut -d' ' -f2 "$T/host_rsa.pub")" "$UHOME/.ssh/known_hosts"; then
	fail "$name" "sshd's RSA key was not learned into ~/.ssh/known_hosts"
else
	pass "$name"
fi

# A changed host key accepted by StrictHostKeyChecking=no: nothing learned, and no password is
# typed into a host that may be an impostor.
gen_key "$T/impostor"
echo "$HOST $(cut -d' ' -f1,2 "$T/impostor.pub")" >"$T/kh_untrusted"
cp "$T/kh_untrusted" "$T/kh_untrusted.orig"
burrow_auth "$PORT_nopam" "$PASSWORD" -o UpdateHostKeys=yes -o StrictHostKeyChecking=no \
	-o "UserKnownHostsFile=$T/kh_untrusted" -- "$RUN"
rc=$?
if ! cmp -s "$T/kh_untrusted" "$T/kh_untrusted.orig"; then
	fail "${P}_update_hostkeys_untrusted_host_key" "known_hosts was changed"
else
	expect_refused "${P}_update_hostkeys_untrusted_host_key" $rc 0 \
		"UpdateHostkeys is disabled because the host key is not trusted." \
		"Password authentication is disabled to avoid man-in-the-middle attacks." \
		"$U@127.0.0.1: Permission denied (publickey,password)."
fi

finish

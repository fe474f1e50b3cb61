#!/usr/bin/env bash
# The agent with OpenSSH in both directions:
#  - OpenSSH's ssh-add (-l -L -d -D -x -X -t -c) against burrow-agent; OpenSSH's ssh logging into
#    sshd with keys only burrow-agent holds (RSA as rsa-sha2-512, Ed25519, ECDSA);
#  - burrow-add against ssh-agent; burrow logging into sshd with keys only ssh-agent holds;
#  - burrow-agent's socket modes, command mode and -k;
#  - agent forwarding: ssh -A -> burrowd (ssh-add -l and an ssh hop use the forwarded agent; the
#    socket is gone afterwards; AllowAgentForwarding no), burrow -A -> sshd.
# shellcheck source=tests/interop/lib.sh
. "$(dirname "$0")/lib.sh" "$@"

CASE_TIMEOUT=${CASE_TIMEOUT:-20}
cases=(agent_socket_private agent_peer_uid_checked agent_ssh_add_list_empty agent_ssh_add_adds agent_ssh_add_list_fingerprints
	agent_ssh_add_list_public agent_ssh_add_delete agent_ssh_add_lock agent_ssh_add_lifetime
	agent_ssh_add_confirm_refused agent_ssh_add_confirm_granted agent_burrow_login_bound agent_ssh_add_delete_all
	agent_ssh_login_ed25519 agent_ssh_login_ecdsa agent_ssh_login_rsa_sha2_512
	agent_command_mode agent_kill
	burrow_add_to_ssh_agent burrow_add_default_identities burrow_add_encrypted_key burrow_add_list_matches_ssh_add burrow_add_delete burrow_add_lock
	burrow_add_no_agent burrow_login_with_ssh_agent_rsa burrow_login_with_ssh_agent_ed25519
	burrow_identities_only_agent_order
	forward_ssh_to_burrowd_lists_keys forward_ssh_to_burrowd_hop forward_socket_removed
	forward_socket_removed_on_sigterm forward_refused_when_disabled forward_refused_by_key_option forward_burrow_to_sshd)

if ! need_cmd ssh ssh-add ssh-agent ssh-keygen timeout; then
	skip_all "missing $MISSING (openssh-client)" "${cases[@]}"
	finish
fi
if ! sshd_usable; then
	skip_all "$SSHD_SKIP" "${cases[@]}"
	finish
fi
for prog in burrow-agent burrow-add burrow burrowd; do
	if [ ! -x "$BUILD/$prog" ]; then
		fail_all "$BUILD/$prog was not built" "${cases[@]}"
		finish
	fi
done

gen_key "$T/host" "host"
gen_key_type "$T/ed" ed25519
gen_key_type "$T/ec" ecdsa
gen_key_type "$T/rsa" rsa 2048
cat "$T/ed.pub" "$T/ec.pub" "$T/rsa.pub" >"$T/authorized_keys"
# sshd accepts RSA only as rsa-sha2-512: a login proves the agent honoured the flag.
if ! start_sshd "$T/host" "$T/authorized_keys" \
	"PubkeyAcceptedAlgorithms rsa-sha2-512,ssh-ed25519,ecdsa-sha2-nistp256"; then
	fail_all "$START_ERROR" "${cases[@]}"
	finish
fi
SSH=(ssh -F /dev/null -o BatchMode=yes -o UserKnownHostsFile="$T/kh" -o StrictHostKeyChecking=accept-new
	-o IdentitiesOnly=no -o IdentityFile=none)
BURROW=("$BUILD/burrow" -F /dev/null -o BatchMode=yes -o UserKnownHostsFile="$T/kh_b"
	-o StrictHostKeyChecking=accept-new)

# An askpass that answers what $T/answer holds (lock passwords, confirmations).
printf '#!/bin/sh\ncat %s/answer\n' "$T" >"$T/askpass"
chmod 755 "$T/askpass"
ASKPASS=(env SSH_ASKPASS="$T/askpass" SSH_ASKPASS_REQUIRE=force DISPLAY=:0)

# A daemon that exited stays a zombie where PID 1 does not reap: that counts as gone.
running() {
	[ -n "$1" ] && kill -0 "$1" 2>/dev/null && ! grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null
}

fingerprints() { # the "bits SHA256:... comment (TYPE)" lines ssh-keygen -l prints for key files
	local f
	for f in "$@"; do ssh-keygen -l -f "$f.pub"; done
}

# ---- burrow-agent, driven by OpenSSH's ssh-add and ssh ----
AGENT_SOCK="$T/agent.sock"
"$BUILD/burrow-agent" -D -a "$AGENT_SOCK" >"$T/agent.out" 2>"$T/agent.err" &
AGENT_PID=$!
_OUR_PIDS+=("$AGENT_PID")
for _ in $(seq 1 50); do [ -S "$AGENT_SOCK" ] && break; sleep 0.1; done
export SSH_AUTH_SOCK="$AGENT_SOCK"

# The default socket: a fresh 0700 directory holding a 0600 socket.
out=$(cd "$T" && TMPDIR="$T" timeout 5 "$BUILD/burrow-agent" -s)
pid=$(printf '%s\n' "$out" | sed -n 's/^SSH_AGENT_PID=\([0-9]*\);.*/\1/p')
sock=$(printf '%s\n' "$out" | sed -n 's/^SSH_AUTH_SOCK=\([^;]*\);.*/\1/p')
[ -n "$pid" ] && _OUR_PIDS+=("$pid")
dir_mode=$(stat -c %a "$(dirname "$sock")" 2>/dev/null)
sock_mode=$(stat -c %a "$sock" 2>/dev/null)
if [ "$dir_mode" = 700 ] && [ "$sock_mode" = 600 ] && SSH_AUTH_SOCK=$sock ssh-add -l >/dev/null 2>&1; [ $? = 1 ]; then
	pass agent_socket_private
else
	fail agent_socket_private "dir mode '$dir_mode' socket mode '$sock_mode' from: $out"
fi
[ -n "$pid" ] && stop_pid "$pid"

# Even a socket others could reach serves only our own uid (SO_PEERCRED).
if [ "$(id -u)" != 0 ] || ! need_cmd setpriv; then
	skip agent_peer_uid_checked "needs root and setpriv to connect as another user"
else
	mkdir -p "$T/open" && chmod 755 "$T" "$T/open"
	"$BUILD/burrow-agent" -D -a "$T/open/s" >/dev/null 2>"$T/uid.err" &
	_OUR_PIDS+=("$!")
	for _ in $(seq 1 50); do [ -S "$T/open/s" ] && break; sleep 0.1; done
	chmod 666 "$T/open/s"
	other=$(SSH_AUTH_SOCK="$T/open/s" setpriv --reuid=65534 --regid=65534 --clear-groups ssh-add -l 2>&1)
	mine=$(SSH_AUTH_SOCK="$T/open/s" ssh-add -l 2>&1)
	chmod 700 "$T"
	if [ "$mine" = "The agent has no identities." ] && [ "$other" != "$mine" ] && grep -q "uid mismatch: peer euid 65534" "$T/uid.err"; then
		pass agent_peer_uid_checked
	else
		fail agent_peer_uid_checked "other user got '$other'; agent said $(tail_text "$T/uid.err")"
	fi
fi

out=$(ssh-add -l 2>&1)
rc=$?
if [ $rc = 1 ] && [ "$out" = "The agent has no identities." ]; then
	pass agent_ssh_add_list_empty
else
	fail agent_ssh_add_list_empty "rc $rc: $out"
fi

if ssh-add "$T/ed" "$T/ec" "$T/rsa" 2>"$T/err" && grep -q "Identity added: $T/rsa (burrow-interop-rsa-2048)" "$T/err"; then
	pass agent_ssh_add_adds
else
	fail agent_ssh_add_adds "$(tail_text "$T/err")"
fi

if [ "$(ssh-add -l 2>&1)" = "$(fingerprints "$T/ed" "$T/ec" "$T/rsa")" ]; then
	pass agent_ssh_add_list_fingerprints
else
	fail agent_ssh_add_list_fingerprints "ssh-add -l: $(ssh-add -l 2>&1 | tr '\n' '|')"
fi

if [ "$(ssh-add -L 2>&1)" = "$(cat "$T/ed.pub" "$T/ec.pub" "$T/rsa.pub")" ]; then
	pass agent_ssh_add_list_public
else
	fail agent_ssh_add_list_public "ssh-add -L: $(ssh-add -L 2>&1 | cut -c1-60 | tr '\n' '|')"
fi

# Each key type alone: the client may offer only that algorithm, so only that agent key signs.
for t in ed25519:ssh-ed25519 ecdsa:ecdsa-sha2-nistp256; do
	name=agent_ssh_login_${t%%:*}
	out=$(timeout "$CASE_TIMEOUT" "${SSH[@]}" -o PubkeyAcceptedAlgorithms="${t#*:}" -p "$SSHD_PORT" 127.0.0.1 \
		echo agent-login 2>"$T/err")
	if [ "$out" = agent-login ]; then pass "$name"; else fail "$name" "$(tail_text "$T/err")"; fi
done
out=$(timeout "$CASE_TIMEOUT" "${SSH[@]}" -o PubkeyAcceptedAlgorithms=rsa-sha2-512 -p "$SSHD_PORT" 127.0.0.1 echo agent-login 2>"$T/err")
if [ "$out" = agent-login ] && grep -q "Accepted publickey.*RSA $(ssh-keygen -l -f "$T/rsa.pub" | cut -d' ' -f2)" "$SSHD_LOG"; then
	pass agent_ssh_login_rsa_sha2_512
else
	fail agent_ssh_login_rsa_sha2_512 "$(tail_text "$T/err")"
fi

if ssh-add -d "$T/ed" 2>"$T/err" && [ "$(ssh-add -l)" = "$(fingerprints "$T/ec" "$T/rsa")" ]; then
	pass agent_ssh_add_delete
else
	fail agent_ssh_add_delete "$(tail_text "$T/err") / $(ssh-add -l 2>&1 | tr '\n' '|')"
fi

# Lock: nothing listed while locked; a wrong password does not unlock; the right one does.
echo sesame >"$T/answer"
"${ASKPASS[@]}" ssh-add -x </dev/null >"$T/lock.out" 2>&1
locked_list=$(ssh-add -l 2>&1)
echo wrong >"$T/answer"
"${ASKPASS[@]}" ssh-add -X </dev/null >>"$T/lock.out" 2>&1
wrong_rc=$?
echo sesame >"$T/answer"
"${ASKPASS[@]}" ssh-add -X </dev/null >>"$T/lock.out" 2>&1
right_rc=$?
if [ "$locked_list" = "The agent has no identities." ] && [ $wrong_rc = 1 ] && [ $right_rc = 0 ] &&
	[ "$(ssh-add -l)" = "$(fingerprints "$T/ec" "$T/rsa")" ]; then
	pass agent_ssh_add_lock
else
	fail agent_ssh_add_lock "locked: $locked_list; wrong rc $wrong_rc right rc $right_rc; $(tail_text "$T/lock.out")"
fi

# Lifetimes count whole seconds (as ssh-agent's): 2 s is at least 1 s and at most 2 s.
ssh-add -t 2 "$T/ed" 2>/dev/null
listed=$(ssh-add -l | grep -c ED25519)
sleep 2.2
if [ "$listed" = 1 ] && ! ssh-add -l | grep -q ED25519; then
	pass agent_ssh_add_lifetime
else
	fail agent_ssh_add_lifetime "listed before: $listed; after: $(ssh-add -l | tr '\n' '|')"
fi

# -c: the agent asks through askpass; the agent's askpass (from its start-up environment: none
# here) cannot ask, so the signature is refused and the login fails.
ssh-add -c "$T/ed" 2>/dev/null
if ! timeout "$CASE_TIMEOUT" "${SSH[@]}" -o PubkeyAcceptedAlgorithms=ssh-ed25519 -p "$SSHD_PORT" 127.0.0.1 true 2>"$T/err" &&
	grep -q "agent refused operation\|Permission denied" "$T/err"; then
	pass agent_ssh_add_confirm_refused
else
	fail agent_ssh_add_confirm_refused "login succeeded or odd error: $(tail_text "$T/err")"
fi

# burrow through burrow-agent: it binds the agent socket to the session first
# (session-bind@openssh.com, verified by the agent), then the agent signs for that session.
ssh-add "$T/rsa" 2>/dev/null
out=$(timeout "$CASE_TIMEOUT" "${BURROW[@]}" -v -o PubkeyAcceptedAlgorithms=rsa-sha2-512 -p "$SSHD_PORT" 127.0.0.1 echo bound-login 2>"$T/err")
if [ "$out" = bound-login ] && grep -q "bound agent to hostkey" "$T/err"; then
	pass agent_burrow_login_bound
else
	fail agent_burrow_login_bound "$(grep -v '^debug' "$T/err" | tail -n 3 | tr '\n' ' ')"
fi

if ssh-add -D 2>"$T/err" && grep -q "All identities removed." "$T/err" && [ "$(ssh-add -l)" = "The agent has no identities." ]; then
	pass agent_ssh_add_delete_all
else
	fail agent_ssh_add_delete_all "$(tail_text "$T/err")"
fi

# -c with an agent that can ask (its askpass answers yes): the login goes through.
echo yes >"$T/answer"
"${ASKPASS[@]}" "$BUILD/burrow-agent" -D -a "$T/confirm.sock" >/dev/null 2>&1 &
_OUR_PIDS+=("$!")
for _ in $(seq 1 50); do [ -S "$T/confirm.sock" ] && break; sleep 0.1; done
SSH_AUTH_SOCK="$T/confirm.sock" ssh-add -c "$T/ed" 2>/dev/null
out=$(SSH_AUTH_SOCK="$T/confirm.sock" timeout "$CASE_TIMEOUT" "${SSH[@]}" -o PubkeyAcceptedAlgorithms=ssh-ed25519 \
	-p "$SSHD_PORT" 127.0.0.1 echo confirmed 2>"$T/err")
if [ "$out" = confirmed ]; then
	pass agent_ssh_add_confirm_granted
else
	fail agent_ssh_add_confirm_granted "$(tail_text "$T/err")"
fi

# Command mode: the command sees the agent; the agent and its socket go when the command ends.
out=$(cd "$T" && TMPDIR="$T" timeout 10 "$BUILD/burrow-agent" sh -c 'echo "$SSH_AUTH_SOCK $SSH_AGENT_PID"; ssh-add -l' 2>&1)
sock=${out%% *}
apid=$(printf '%s\n' "$out" | head -1 | cut -d' ' -f2)
sleep 1.5
if printf '%s\n' "$out" | grep -q "The agent has no identities." && [ -n "$sock" ] && [ ! -e "$sock" ] &&
	! running "$apid"; then
	pass agent_command_mode
else
	fail agent_command_mode "output '$out'; socket left: $(ls "$sock" 2>&1)"
	kill "$apid" 2>/dev/null
fi

out=$(TMPDIR="$T" timeout 5 "$BUILD/burrow-agent" -s)
pid=$(printf '%s\n' "$out" | sed -n 's/^SSH_AGENT_PID=\([0-9]*\);.*/\1/p')
kout=$(SSH_AGENT_PID=$pid "$BUILD/burrow-agent" -k)
sleep 0.3
if [ -n "$pid" ] && ! running "$pid" && printf '%s\n' "$kout" | grep -q "echo Agent pid $pid killed;"; then
	pass agent_kill
else
	fail agent_kill "pid '$pid' still there or output '$kout'"
	[ -n "$pid" ] && kill "$pid" 2>/dev/null
fi

# ---- burrow-add and burrow against OpenSSH's ssh-agent ----
OSA_SOCK="$T/ssh-agent.sock"
ssh-agent -D -a "$OSA_SOCK" >/dev/null 2>&1 &
OSA_PID=$!
_OUR_PIDS+=("$OSA_PID")
for _ in $(seq 1 50); do [ -S "$OSA_SOCK" ] && break; sleep 0.1; done
export SSH_AUTH_SOCK="$OSA_SOCK"

if "$BUILD/burrow-add" "$T/ed" "$T/rsa" 2>"$T/err" && grep -qx "Identity added: $T/ed (burrow-interop-ed25519)" "$T/err" &&
	[ "$(ssh-add -l)" = "$(fingerprints "$T/ed" "$T/rsa")" ]; then
	pass burrow_add_to_ssh_agent
else
	fail burrow_add_to_ssh_agent "$(tail_text "$T/err") / $(ssh-add -l 2>&1 | tr '\n' '|')"
fi

# No file named: ~/.ssh/id_rsa, id_ecdsa, id_ed25519, those that exist.
mkdir -p "$T/home/.ssh"
cp "$T/ec" "$T/home/.ssh/id_ecdsa"
"$BUILD/burrow-add" -D -q 2>/dev/null
if HOME="$T/home" "$BUILD/burrow-add" 2>"$T/err" && grep -qx "Identity added: $T/home/.ssh/id_ecdsa (burrow-interop-ecdsa)" "$T/err" &&
	[ "$(ssh-add -l)" = "$(fingerprints "$T/ec")" ]; then
	pass burrow_add_default_identities
else
	fail burrow_add_default_identities "$(tail_text "$T/err") / $(ssh-add -l 2>&1 | tr '\n' '|')"
fi
"$BUILD/burrow-add" -D -q 2>/dev/null

# A passphrase-protected key: the passphrase comes from askpass; a wrong one is asked again.
ssh-keygen -q -t ed25519 -N 'open sesame' -C encrypted-key -f "$T/enc" </dev/null >/dev/null
printf '#!/bin/sh\nif [ -e %s/asked ]; then echo "open sesame"; else touch %s/asked; echo wrong; fi\n' "$T" "$T" >"$T/askpass2"
chmod 755 "$T/askpass2"
rm -f "$T/asked"
if env SSH_ASKPASS="$T/askpass2" SSH_ASKPASS_REQUIRE=force "$BUILD/burrow-add" "$T/enc" </dev/null 2>"$T/err" &&
	grep -qx "Identity added: $T/enc (encrypted-key)" "$T/err" && [ "$(ssh-add -l)" = "$(fingerprints "$T/enc")" ]; then
	pass burrow_add_encrypted_key
else
	fail burrow_add_encrypted_key "$(tail_text "$T/err")"
fi
"$BUILD/burrow-add" -D -q 2>/dev/null
"$BUILD/burrow-add" -q "$T/ed" "$T/rsa"

if [ "$("$BUILD/burrow-add" -l)" = "$(ssh-add -l)" ] && [ "$("$BUILD/burrow-add" -L)" = "$(ssh-add -L)" ] &&
	[ "$("$BUILD/burrow-add" -l -E md5)" = "$(ssh-add -l -E md5)" ]; then
	pass burrow_add_list_matches_ssh_add
else
	fail burrow_add_list_matches_ssh_add "burrow-add -l: $("$BUILD/burrow-add" -l 2>&1 | tr '\n' '|')"
fi

out=$(timeout "$CASE_TIMEOUT" "${BURROW[@]}" -o PubkeyAcceptedAlgorithms=rsa-sha2-512 -p "$SSHD_PORT" 127.0.0.1 echo via-ssh-agent 2>"$T/err")
if [ "$out" = via-ssh-agent ]; then pass burrow_login_with_ssh_agent_rsa; else fail burrow_login_with_ssh_agent_rsa "$(tail_text "$T/err")"; fi
out=$(timeout "$CASE_TIMEOUT" "${BURROW[@]}" -o PubkeyAcceptedAlgorithms=ssh-ed25519 -p "$SSHD_PORT" 127.0.0.1 echo via-ssh-agent 2>"$T/err")
if [ "$out" = via-ssh-agent ]; then pass burrow_login_with_ssh_agent_ed25519; else fail burrow_login_with_ssh_agent_ed25519 "$(tail_text "$T/err")"; fi

# IdentitiesOnly: of the agent's keys (ed, rsa) only the one that is also an identity file (ed)
# is tried, through the agent, before the other file (ec); without it, agent keys come first.
timeout "$CASE_TIMEOUT" "${BURROW[@]}" -v -o IdentitiesOnly=yes -i "$T/ec" -i "$T/ed" -p "$SSHD_PORT" 127.0.0.1 true 2>"$T/err"
only=$(grep "Will attempt key" "$T/err" | tr -d '\r' | sed 's/.*Will attempt key: //' | cut -d' ' -f1,2,4- | tr '\n' '|')
timeout "$CASE_TIMEOUT" "${BURROW[@]}" -v -i "$T/ec" -p "$SSHD_PORT" 127.0.0.1 true 2>"$T/err"
all=$(grep "Will attempt key" "$T/err" | tr -d '\r' | sed 's/.*Will attempt key: //' | cut -d' ' -f1,2,4- | tr '\n' '|')
if [ "$only" = "$T/ed ED25519 explicit agent|$T/ec ECDSA explicit|" ] &&
	[ "$all" = "burrow-interop-ed25519 ED25519 agent|burrow-interop-rsa-2048 RSA agent|$T/ec ECDSA explicit|" ]; then
	pass burrow_identities_only_agent_order
else
	fail burrow_identities_only_agent_order "IdentitiesOnly: '$only'; without: '$all'"
fi

echo sesame >"$T/answer"
"${ASKPASS[@]}" "$BUILD/burrow-add" -x </dev/null >"$T/lock.out" 2>&1
locked_list=$(ssh-add -l 2>&1)
"${ASKPASS[@]}" "$BUILD/burrow-add" -X </dev/null >>"$T/lock.out" 2>&1
if [ "$locked_list" = "The agent has no identities." ] && grep -qx "Agent unlocked." "$T/lock.out" &&
	[ "$(ssh-add -l | wc -l)" = 2 ]; then
	pass burrow_add_lock
else
	fail burrow_add_lock "locked: $locked_list; $(tail_text "$T/lock.out")"
fi

# ---- forwarding ----
# OpenSSH ssh -A -> burrowd; inside, ssh-add -l and a hop to sshd with the forwarded agent.
if ! start_burrowd "$T/host" "$T/authorized_keys"; then
	fail_all "$START_ERROR" forward_ssh_to_burrowd_lists_keys forward_ssh_to_burrowd_hop forward_socket_removed \
		forward_socket_removed_on_sigterm
else
	hop="ssh -F /dev/null -o BatchMode=yes -o UserKnownHostsFile=$T/kh_hop -o StrictHostKeyChecking=accept-new -p $SSHD_PORT 127.0.0.1 echo hop-ok"
	timeout "$CASE_TIMEOUT" "${SSH[@]}" -A -p "$BURROWD_PORT" 127.0.0.1 \
		"echo \"\$SSH_AUTH_SOCK\" >$T/fwd_sock; ssh-add -l; $hop" >"$T/fwd.out" 2>"$T/fwd.err"
	if [ "$(grep -c SHA256 "$T/fwd.out")" = 2 ] && grep -q "$(ssh-keygen -l -f "$T/ed.pub" | cut -d' ' -f2)" "$T/fwd.out"; then
		pass forward_ssh_to_burrowd_lists_keys
	else
		fail forward_ssh_to_burrowd_lists_keys "$(tail_text "$T/fwd.out") $(tail_text "$T/fwd.err")"
	fi
	if grep -qx hop-ok "$T/fwd.out"; then
		pass forward_ssh_to_burrowd_hop
	else
		fail forward_ssh_to_burrowd_hop "$(tail_text "$T/fwd.err")"
	fi
	fsock=$(cat "$T/fwd_sock" 2>/dev/null)
	sleep 0.5
	if [ -n "$fsock" ] && [ ! -e "$fsock" ] && [ ! -e "$(dirname "$fsock")" ]; then
		pass forward_socket_removed
	else
		fail forward_socket_removed "socket '$fsock' or its directory still there"
	fi

	# The connection's process (agent.<pid> names it) ended by SIGTERM mid-session.
	rm -f "$T/fwd_sock"
	timeout "$CASE_TIMEOUT" "${SSH[@]}" -A -p "$BURROWD_PORT" 127.0.0.1 \
		"echo \"\$SSH_AUTH_SOCK\" >$T/fwd_sock; sleep 15" >/dev/null 2>&1 &
	ssh_pid=$!
	for _ in $(seq 1 150); do [ -s "$T/fwd_sock" ] && break; sleep 0.1; done
	fsock=$(cat "$T/fwd_sock" 2>/dev/null)
	conn_pid=${fsock##*/agent.}
	existed=no
	[ -S "$fsock" ] && existed=yes
	case "$conn_pid" in '' | *[!0-9]*) conn_pid="" ;; esac
	[ -n "$conn_pid" ] && kill -TERM "$conn_pid" 2>/dev/null
	sleep 0.5
	if [ "$existed" = yes ] && [ ! -e "$fsock" ] && [ ! -e "$(dirname "$fsock")" ]; then
		pass forward_socket_removed_on_sigterm
	else
		fail forward_socket_removed_on_sigterm "socket '$fsock' (existed: $existed) or its directory still there"
	fi
	stop_pid "$ssh_pid"
fi

if ! start_burrowd "$T/host" "$T/authorized_keys" -o AllowAgentForwarding=no; then
	fail forward_refused_when_disabled "$START_ERROR"
else
	out=$(timeout "$CASE_TIMEOUT" "${SSH[@]}" -A -p "$BURROWD_PORT" 127.0.0.1 'echo "sock=$SSH_AUTH_SOCK"' 2>"$T/err")
	if [ "$out" = "sock=" ]; then
		pass forward_refused_when_disabled
	else
		fail forward_refused_when_disabled "got '$out' $(tail_text "$T/err")"
	fi
fi

# authorized_keys' no-agent-forwarding: the same refusal for logins with that key.
sed 's/^/no-agent-forwarding /' "$T/authorized_keys" >"$T/authorized_keys_nofwd"
if ! start_burrowd "$T/host" "$T/authorized_keys_nofwd"; then
	fail forward_refused_by_key_option "$START_ERROR"
else
	out=$(timeout "$CASE_TIMEOUT" "${SSH[@]}" -A -p "$BURROWD_PORT" 127.0.0.1 'echo "sock=$SSH_AUTH_SOCK"' 2>"$T/err")
	if [ "$out" = "sock=" ]; then
		pass forward_refused_by_key_option
	else
		fail forward_refused_by_key_option "got '$out' $(tail_text "$T/err")"
	fi
fi

# burrow -A -> sshd: the remote ssh-add sees our agent's keys.
out=$(timeout "$CASE_TIMEOUT" "${BURROW[@]}" -A -o PubkeyAcceptedAlgorithms=ssh-ed25519 -p "$SSHD_PORT" 127.0.0.1 'ssh-add -l' 2>"$T/err")
if [ "$out" = "$(ssh-add -l)" ]; then
	pass forward_burrow_to_sshd
else
	fail forward_burrow_to_sshd "remote ssh-add -l: '$out' $(tail_text "$T/err")"
fi

# ---- no agent at all ----
out=$(env -u SSH_AUTH_SOCK "$BUILD/burrow-add" -l 2>&1)
rc=$?
if [ $rc = 2 ] && [ "$out" = "Could not open a connection to your authentication agent." ]; then
	pass burrow_add_no_agent
else
	fail burrow_add_no_agent "rc $rc: $out"
fi

if "$BUILD/burrow-add" -d "$T/ed" 2>"$T/err" && [ "$(ssh-add -l)" = "$(fingerprints "$T/rsa")" ]; then
	pass burrow_add_delete
else
	fail burrow_add_delete "$(tail_text "$T/err")"
fi

finish

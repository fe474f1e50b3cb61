#!/usr/bin/env bash
# Host key and user key types against real peers (keys all made by ssh-keygen):
#   OpenSSH ssh -> burrowd: each host key type (burrowd -h that key, ssh -o HostKeyAlgorithms=X,
#     known_hosts holding that key, StrictHostKeyChecking=yes); each user key type; an RSA user
#     key under a server that accepts only rsa-sha2-256 (our server-sig-algs must say so).
#   burrow -> OpenSSH sshd: each host key type (sshd HostKey of that type); each user key type;
#     an RSA user key where sshd takes only rsa-sha2-512, proving we pick it from server-sig-algs.
#   paramiko -> burrowd with an RSA host key (and an RSA user key).
# Each case checks the exact command output and the algorithm the peer reports.
# shellcheck source=tests/interop/lib.sh
. "$(dirname "$0")/lib.sh" "$@"

CASE_TIMEOUT=${CASE_TIMEOUT:-60}
PY=/usr/bin/python3
ALL_ECDSA=ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,ecdsa-sha2-nistp521

# name ssh-keygen-type bits host-key-algorithm(s)
HOST_TYPES=("ed25519:ed25519:256:ssh-ed25519" "ecdsa256:ecdsa:256:ecdsa-sha2-nistp256"
	"ecdsa384:ecdsa:384:ecdsa-sha2-nistp384" "ecdsa521:ecdsa:521:ecdsa-sha2-nistp521"
	"rsa:rsa:3072:rsa-sha2-512 rsa-sha2-256")
USER_TYPES=(ed25519 ecdsa256 ecdsa384 ecdsa521 rsa)

cases=()
for spec in "${HOST_TYPES[@]}"; do
	IFS=: read -r t _ _ algs <<<"$spec"
	for a in $algs; do cases+=("hostkeys_ssh_to_burrowd_host_${t}_$a"); done
done
for t in "${USER_TYPES[@]}"; do cases+=("hostkeys_ssh_to_burrowd_user_$t"); done
cases+=(hostkeys_ssh_to_burrowd_user_rsa_server_takes_only_sha256)
for spec in "${HOST_TYPES[@]}"; do
	IFS=: read -r t _ _ algs <<<"$spec"
	for a in $algs; do cases+=("hostkeys_burrow_to_sshd_host_${t}_$a"); done
done
for t in "${USER_TYPES[@]}"; do cases+=("hostkeys_burrow_to_sshd_user_$t"); done
cases+=(hostkeys_burrow_to_sshd_user_rsa_sshd_takes_only_sha512 hostkeys_burrow_to_sshd_user_rsa_both_only_sha256)
PARAMIKO_CASES=(hostkeys_paramiko_rsa_host_key hostkeys_paramiko_rsa_user_key)

if ! need_cmd ssh ssh-keygen timeout; then
	skip_all "missing $MISSING (openssh-client/coreutils)" "${cases[@]}" "${PARAMIKO_CASES[@]}"
	finish
fi
if [ ! -x "$BUILD/burrowd" ] || [ ! -x "$BUILD/burrow" ]; then
	fail_all "burrowd or burrow not built in $BUILD" "${cases[@]}" "${PARAMIKO_CASES[@]}"
	finish
fi

# Keys: host_<t> for the servers, user_<t> for the clients, all authorized.
for spec in "${HOST_TYPES[@]}"; do
	IFS=: read -r t kt bits _ <<<"$spec"
	gen_key_type "$T/host_$t" "$kt" "$bits"
	gen_key_type "$T/user_$t" "$kt" "$bits"
done
: >"$T/authorized_keys"
for t in "${USER_TYPES[@]}"; do cat "$T/user_$t.pub" >>"$T/authorized_keys"; done

# check_run NAME RC OUT ERR WANT-OUT [LOG PATTERN]: PASS if the command exited 0, printed exactly
# WANT-OUT, and (when given) PATTERN is in LOG.
check_run() {
	local name=$1 rc=$2 out=$3 err=$4 want=$5 log=${6:-} pattern=${7:-}
	if [ "$rc" -ne 0 ]; then
		fail "$name" "exit status $rc; stderr: $(tail_text "$err")"
	elif [ "$(cat "$out")" != "$want" ]; then
		fail "$name" "stdout '$(head -c 80 "$out" | tr '\n' '|')', want '$want'"
	elif [ -n "$pattern" ] && ! grep -qF -- "$pattern" "$log"; then
		fail "$name" "'$pattern' not in $(basename "$log"): $(grep -m3 -E 'kex:|host key|publickey' "$log" | tr '\n' ' ' | cut -c1-200)"
	else
		pass "$name"
	fi
}

# ---- OpenSSH ssh -> burrowd ----

# ssh_to PORT [SSH-OPTION...] -- COMMAND: isolated from ~/.ssh and /etc/ssh/ssh_config.
ssh_to() {
	local port=$1 opts=()
	shift
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		opts+=("$1")
		shift
	done
	shift
	timeout "$CASE_TIMEOUT" ssh -F /dev/null -o BatchMode=yes -o IdentityAgent=none \
		-o IdentitiesOnly=yes -o PasswordAuthentication=no -o KbdInteractiveAuthentication=no \
		-o GlobalKnownHostsFile=/dev/null -o ConnectTimeout=10 -p "$port" -l "$ME" "${opts[@]}" 127.0.0.1 "$@"
}

for spec in "${HOST_TYPES[@]}"; do
	IFS=: read -r t _ _ algs <<<"$spec"
	extra=()
	# The hardened server default leaves the NIST curves out: enable them for this key.
	case $t in ecdsa*) extra=(-o "HostKeyAlgorithms=+$ALL_ECDSA") ;; esac
	if ! start_burrowd "$T/host_$t" "$T/authorized_keys" "${extra[@]}"; then
		for a in $algs; do fail "hostkeys_ssh_to_burrowd_host_${t}_$a" "$START_ERROR"; done
		continue
	fi
	echo "[127.0.0.1]:$BURROWD_PORT $(cut -d' ' -f1,2 "$T/host_$t.pub")" >"$T/kh_$t"
	for a in $algs; do
		name="hostkeys_ssh_to_burrowd_host_${t}_$a"
		ssh_to "$BURROWD_PORT" -v -o HostKeyAlgorithms="$a" -o StrictHostKeyChecking=yes \
			-o UserKnownHostsFile="$T/kh_$t" -i "$T/user_ed25519" -- "echo host-$t" \
			</dev/null >"$T/out" 2>"$T/err"
		check_run "$name" $? "$T/out" "$T/err" "host-$t" "$T/err" "kex: host key algorithm: $a"
	done
	stop_pid "$BURROWD_PID"
done

if start_burrowd "$T/host_ed25519" "$T/authorized_keys"; then
	echo "[127.0.0.1]:$BURROWD_PORT $(cut -d' ' -f1,2 "$T/host_ed25519.pub")" >"$T/kh_user"
	for t in "${USER_TYPES[@]}"; do
		name="hostkeys_ssh_to_burrowd_user_$t"
		ssh_to "$BURROWD_PORT" -v -o StrictHostKeyChecking=yes -o UserKnownHostsFile="$T/kh_user" \
			-i "$T/user_$t" -- "echo user-$t" </dev/null >"$T/out" 2>"$T/err"
		check_run "$name" $? "$T/out" "$T/err" "user-$t" "$T/err" "Server accepts key: $T/user_$t"
	done
	stop_pid "$BURROWD_PID"
else
	for t in "${USER_TYPES[@]}"; do fail "hostkeys_ssh_to_burrowd_user_$t" "$START_ERROR"; done
fi

# burrowd accepting only rsa-sha2-256 must say so in server-sig-algs: ssh then signs with SHA-256
# (with the default list it would use rsa-sha2-512 and be refused).
name=hostkeys_ssh_to_burrowd_user_rsa_server_takes_only_sha256
if start_burrowd "$T/host_ed25519" "$T/authorized_keys" -o PubkeyAcceptedAlgorithms=rsa-sha2-256; then
	echo "[127.0.0.1]:$BURROWD_PORT $(cut -d' ' -f1,2 "$T/host_ed25519.pub")" >"$T/kh_sha256"
	ssh_to "$BURROWD_PORT" -v -o StrictHostKeyChecking=yes -o UserKnownHostsFile="$T/kh_sha256" \
		-i "$T/user_rsa" -- "echo sha256" </dev/null >"$T/out" 2>"$T/err"
	check_run "$name" $? "$T/out" "$T/err" "sha256" "$T/err" "server-sig-algs=<rsa-sha2-256>"
	stop_pid "$BURROWD_PID"
else
	fail "$name" "$START_ERROR"
fi

# ---- burrow -> OpenSSH sshd ----

burrow_to() {
	local port=$1 opts=()
	shift
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		opts+=("$1")
		shift
	done
	shift
	timeout "$CASE_TIMEOUT" "$BUILD/burrow" -F /dev/null -p "$port" "${opts[@]}" 127.0.0.1 "$@"
}

sshd_cases=()
for c in "${cases[@]}"; do
	case $c in hostkeys_burrow_to_sshd_*) sshd_cases+=("$c") ;; esac
done
if ! sshd_usable; then
	skip_all "$SSHD_SKIP" "${sshd_cases[@]}"
else
	for spec in "${HOST_TYPES[@]}"; do
		IFS=: read -r t _ _ algs <<<"$spec"
		for a in $algs; do
			name="hostkeys_burrow_to_sshd_host_${t}_$a"
			# sshd offers only $a, so the signature we check is made with it.
			if ! start_sshd "$T/host_$t" "$T/authorized_keys" "HostKeyAlgorithms $a"; then
				fail "$name" "$START_ERROR"
				continue
			fi
			echo "[127.0.0.1]:$SSHD_PORT $(cut -d' ' -f1,2 "$T/host_$t.pub")" >"$T/kh_sshd_$t"
			burrow_to "$SSHD_PORT" -o StrictHostKeyChecking=yes -o UserKnownHostsFile="$T/kh_sshd_$t" \
				-i "$T/user_ed25519" -- "echo host-$t" </dev/null >"$T/out" 2>"$T/err"
			check_run "$name" $? "$T/out" "$T/err" "host-$t"
			stop_pid "$SSHD_PID"
		done
	done

	if start_sshd "$T/host_ed25519" "$T/authorized_keys"; then
		echo "[127.0.0.1]:$SSHD_PORT $(cut -d' ' -f1,2 "$T/host_ed25519.pub")" >"$T/kh_sshd_user"
		for t in "${USER_TYPES[@]}"; do
			name="hostkeys_burrow_to_sshd_user_$t"
			burrow_to "$SSHD_PORT" -o StrictHostKeyChecking=yes -o UserKnownHostsFile="$T/kh_sshd_user" \
				-i "$T/user_$t" -- "echo user-$t" </dev/null >"$T/out" 2>"$T/err"
			fp=$(ssh-keygen -l -f "$T/user_$t.pub" | cut -d' ' -f2)
			check_run "$name" $? "$T/out" "$T/err" "user-$t" "$SSHD_LOG" "Accepted publickey for $ME from 127.0.0.1 port"
			if ! grep -qF "$fp" "$SSHD_LOG"; then
				fail "$name" "sshd did not log the key $fp"
			fi
		done
		stop_pid "$SSHD_PID"
	else
		for t in "${USER_TYPES[@]}"; do fail "hostkeys_burrow_to_sshd_user_$t" "$START_ERROR"; done
	fi

	# sshd 9.2 lists every algorithm in server-sig-algs, whatever it accepts: taking only
	# rsa-sha2-512 passes only if we choose it (the first RSA algorithm both lists have).
	name=hostkeys_burrow_to_sshd_user_rsa_sshd_takes_only_sha512
	if start_sshd "$T/host_ed25519" "$T/authorized_keys" "PubkeyAcceptedAlgorithms rsa-sha2-512"; then
		echo "[127.0.0.1]:$SSHD_PORT $(cut -d' ' -f1,2 "$T/host_ed25519.pub")" >"$T/kh_sshd_512"
		burrow_to "$SSHD_PORT" -o StrictHostKeyChecking=yes -o UserKnownHostsFile="$T/kh_sshd_512" \
			-i "$T/user_rsa" -- "echo sha512" </dev/null >"$T/out" 2>"$T/err"
		check_run "$name" $? "$T/out" "$T/err" "sha512" "$SSHD_LOG" "Accepted publickey for $ME"
		stop_pid "$SSHD_PID"
	else
		fail "$name" "$START_ERROR"
	fi

	name=hostkeys_burrow_to_sshd_user_rsa_both_only_sha256
	if start_sshd "$T/host_ed25519" "$T/authorized_keys" "PubkeyAcceptedAlgorithms rsa-sha2-256"; then
		echo "[127.0.0.1]:$SSHD_PORT $(cut -d' ' -f1,2 "$T/host_ed25519.pub")" >"$T/kh_sshd_256"
		burrow_to "$SSHD_PORT" -o StrictHostKeyChecking=yes -o UserKnownHostsFile="$T/kh_sshd_256" \
			-o PubkeyAcceptedAlgorithms=rsa-sha2-256 -i "$T/user_rsa" -- "echo sha256" \
			</dev/null >"$T/out" 2>"$T/err"
		check_run "$name" $? "$T/out" "$T/err" "sha256" "$SSHD_LOG" "Accepted publickey for $ME"
		stop_pid "$SSHD_PID"
	else
		fail "$name" "$START_ERROR"
	fi
fi

# ---- paramiko -> burrowd (RSA host key) ----

if ! paramiko_usable "$PY"; then
	skip_all "$PARAMIKO_SKIP" "${PARAMIKO_CASES[@]}"
elif ! start_burrowd "$T/host_rsa" "$T/authorized_keys"; then
	fail_all "$START_ERROR" "${PARAMIKO_CASES[@]}"
else
	# -I: Debian's paramiko only, no user site-packages.
	timeout 120 "$PY" -I - "$BURROWD_PORT" "$ME" "$T/host_rsa.pub" "$T/user_ed25519" "$T/user_rsa" \
		>"$T/py.out" 2>"$T/py.err" <<'EOF'
import base64, sys
import paramiko

port, user, host_pub, ed_key, rsa_key = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
keytype, blob = open(host_pub).read().split()[:2]
want_host = paramiko.RSAKey(data=base64.b64decode(blob))

def run(name, key, want_out):
    client = paramiko.SSHClient()
    client.get_host_keys().add("[127.0.0.1]:%d" % port, keytype, want_host)
    client.set_missing_host_key_policy(paramiko.RejectPolicy())
    try:
        client.connect("127.0.0.1", port=port, username=user, pkey=key, allow_agent=False,
                       look_for_keys=False, timeout=15, banner_timeout=15, auth_timeout=15)
        t = client.get_transport()
        _, out, _ = client.exec_command("echo " + want_out, timeout=30)
        got = out.read().decode()
        status = out.channel.recv_exit_status()
        if t.host_key_type != "rsa-sha2-512":
            print("FAIL: %s (host key algorithm %s, want rsa-sha2-512)" % (name, t.host_key_type))
        elif t.get_remote_server_key() != want_host:
            print("FAIL: %s (server presented another host key)" % name)
        elif got != want_out + "\n" or status != 0:
            print("FAIL: %s (output %r, exit status %d)" % (name, got, status))
        else:
            print("PASS: %s" % name)
    except Exception as e:
        print("FAIL: %s (%s: %s)" % (name, type(e).__name__, e))
    finally:
        client.close()

run("hostkeys_paramiko_rsa_host_key", paramiko.Ed25519Key.from_private_key_file(ed_key), "host-rsa")
run("hostkeys_paramiko_rsa_user_key", paramiko.RSAKey.from_private_key_file(rsa_key), "user-rsa")
EOF
	cat "$T/py.out"
	for name in "${PARAMIKO_CASES[@]}"; do
		if grep -q "^FAIL: $name" "$T/py.out"; then
			_FAILS=$((_FAILS + 1))
		elif ! grep -q "^PASS: $name" "$T/py.out"; then
			fail "$name" "no result from paramiko: $(tail_text "$T/py.err")"
		fi
	done
	stop_pid "$BURROWD_PID"
fi

finish

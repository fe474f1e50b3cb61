#!/usr/bin/env bash
# OpenSSH certificates (PROTOCOL.certkeys) against OpenSSH, both directions:
#   burrow-keygen -L and ssh-keygen -L print the same for certificates either of them signed;
#   ssh with a user certificate -> burrowd (TrustedUserCAKeys, authorized_keys cert-authority),
#   expired / not yet valid / wrong principal / wrong source address refused and logged, and
#   force-command run instead of the client's command;
#   burrow with a user certificate (id-cert.pub, CertificateFile) -> sshd (TrustedUserCAKeys);
#   sshd with HostCertificate -> burrow with @cert-authority in known_hosts (no prompt), and a
#   @revoked CA refused; burrowd with HostCertificate -> ssh with @cert-authority.
# shellcheck source=tests/interop/lib.sh
. "$(dirname "$0")/lib.sh" "$@"

CASE_TIMEOUT=${CASE_TIMEOUT:-30}
cases=(certs_keygen_L_ours certs_keygen_L_theirs
	certs_ssh_to_burrowd_trusted_ca certs_ssh_to_burrowd_accepted_logged certs_ssh_to_burrowd_cert_authority
	certs_ssh_to_burrowd_expired_refused certs_ssh_to_burrowd_not_yet_valid_refused
	certs_ssh_to_burrowd_wrong_principal_refused certs_ssh_to_burrowd_source_address_refused
	certs_ssh_to_burrowd_force_command certs_ssh_to_burrowd_host_certificate
	certs_ssh_to_burrowd_principals_file certs_ssh_to_burrowd_principals_file_refuses_user_name
	certs_ssh_to_burrowd_principals_file_from_refused)
sshd_cases=(certs_burrow_to_sshd_cert_next_to_key certs_burrow_to_sshd_certificatefile certs_burrow_to_sshd_rsa_cert
	certs_burrow_to_sshd_encrypted_key_cert
	certs_burrow_host_certificate_accepted certs_burrow_host_certificate_revoked_ca_refused
	burrow_hash_known_hosts_writes_hashed)

if ! need_cmd ssh ssh-keygen timeout; then
	skip_all "missing $MISSING (openssh-client/coreutils)" "${cases[@]}" "${sshd_cases[@]}"
	finish
fi
for prog in burrowd burrow burrow-keygen; do
	if [ ! -x "$BUILD/$prog" ]; then
		fail_all "$BUILD/$prog was not built" "${cases[@]}" "${sshd_cases[@]}"
		finish
	fi
done

# sign KEY CA ARGS...: ssh-keygen -s, quiet; the certificate is KEY-cert.pub.
sign() {
	local key=$1 ca=$2
	shift 2
	ssh-keygen -q -s "$ca" "$@" "$key.pub" </dev/null >/dev/null 2>&1
}
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

gen_key "$T/ca" "user-ca"
gen_key "$T/ca2" "authorized-keys-ca"
gen_key "$T/host_ca" "host-ca"
gen_key "$T/host" "host"
gen_key "$T/user" "user"
for k in expired future stranger elsewhere forced viaca2 ops backup deploy contractor; do gen_key "$T/$k" "$k"; done

# ---- ssh-keygen -L and burrow-keygen -L agree -------------------------------------------------
gen_key_type "$T/rsa_ca" rsa 2048
gen_key_type "$T/ecdsa_key" ecdsa 384
name=certs_keygen_L_ours
"$BUILD/burrow-keygen" -q -s "$T/rsa_ca" -I "ours id" -n "alice,bob" -z 4242 -V 20200101:20991231 \
	-O force-command=/bin/true -O source-address=127.0.0.0/8 -O no-pty "$T/ecdsa_key.pub" 2>"$T/err"
if ! ssh-keygen -L -f "$T/ecdsa_key-cert.pub" >"$T/theirs.txt" 2>"$T/err"; then
	fail "$name" "ssh-keygen -L cannot read our certificate: $(tail_text "$T/err")"
elif ! "$BUILD/burrow-keygen" -L -f "$T/ecdsa_key-cert.pub" >"$T/ours.txt" 2>>"$T/err"; then
	fail "$name" "burrow-keygen -L failed: $(tail_text "$T/err")"
elif ! cmp -s "$T/theirs.txt" "$T/ours.txt"; then
	fail "$name" "-L output differs: $(diff "$T/theirs.txt" "$T/ours.txt" | tr '\n' ' ' | cut -c1-200)"
elif ! grep -q 'Signing CA: RSA .* (using rsa-sha2-512)' "$T/theirs.txt"; then
	fail "$name" "unexpected CA line: $(grep 'Signing CA' "$T/theirs.txt")"
else
	pass "$name"
fi

name=certs_keygen_L_theirs
rm -f "$T/ecdsa_key-cert.pub"
sign "$T/ecdsa_key" "$T/ca" -I "their id" -h -n "host.example,*.example.org" -V -1d:+52w -z 7
ssh-keygen -L -f "$T/ecdsa_key-cert.pub" >"$T/theirs.txt" 2>/dev/null
if ! "$BUILD/burrow-keygen" -L -f "$T/ecdsa_key-cert.pub" >"$T/ours.txt" 2>"$T/err"; then
	fail "$name" "burrow-keygen -L failed: $(tail_text "$T/err")"
elif ! cmp -s "$T/theirs.txt" "$T/ours.txt"; then
	fail "$name" "-L output differs: $(diff "$T/theirs.txt" "$T/ours.txt" | tr '\n' ' ' | cut -c1-200)"
else
	pass "$name"
fi

# ---- OpenSSH ssh -> burrowd ---------------------------------------------------------------------
sign "$T/user" "$T/ca" -I "user id" -n "$ME" -z 17
sign "$T/expired" "$T/ca" -I expired -n "$ME" -V 20200101:20200201
sign "$T/future" "$T/ca" -I future -n "$ME" -V +520w:+600w
sign "$T/stranger" "$T/ca" -I stranger -n "someone-else"
sign "$T/elsewhere" "$T/ca" -I elsewhere -n "$ME" -O source-address=192.0.2.0/24
sign "$T/forced" "$T/ca" -I forced -n "$ME" -O "force-command=echo forced-by-cert"
sign "$T/viaca2" "$T/ca2" -I viaca2 -n "$ME"
sign "$T/ops" "$T/ca" -I ops -n "ops-team,backup"
sign "$T/backup" "$T/ca" -I backup -n "backup"
sign "$T/deploy" "$T/ca2" -I deploy -n "deploy"
sign "$T/contractor" "$T/ca2" -I contractor -n "ops-contractor"
sign "$T/host" "$T/host_ca" -I "host id" -h -n "127.0.0.1,localhost"
# principals= is a list of exact names (sshd's match_list), not patterns: "ops*" is no wildcard.
{
	echo "cert-authority,principals=\"$ME\" $(cat "$T/ca2.pub")"
	echo "cert-authority,principals=\"ops*,deploy\" $(cat "$T/ca2.pub")"
} >"$T/authorized_keys"

if ! start_burrowd "$T/host" "$T/authorized_keys" -o "TrustedUserCAKeys=$T/ca.pub" \
	-o "HostCertificate=$T/host-cert.pub" -o LogLevel=VERBOSE; then
	fail_all "$START_ERROR" "${cases[@]:2}"
else
	SSH=(ssh -F /dev/null -o BatchMode=yes -o IdentityAgent=none -o IdentitiesOnly=yes
		-o PasswordAuthentication=no -o KbdInteractiveAuthentication=no -o GlobalKnownHostsFile=/dev/null
		-o ConnectTimeout=10 -o LogLevel=ERROR -p "$BURROWD_PORT" -l "$ME")
	# ssh takes the first value of an option: the host certificate case adds its own instead.
	SSH_ANY=("${SSH[@]}" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null)
	exec_case certs_ssh_to_burrowd_trusted_ca "${SSH_ANY[@]}" -i "$T/user" 127.0.0.1

	name=certs_ssh_to_burrowd_accepted_logged
	user_fp=$(ssh-keygen -l -f "$T/user.pub" | cut -d' ' -f2)
	ca_fp=$(ssh-keygen -l -f "$T/ca.pub" | cut -d' ' -f2)
	want="Accepted publickey for $ME from 127.0.0.1 port N ssh2: ED25519-CERT $user_fp ID user id (serial 17) CA ED25519 $ca_fp"
	if tr -d '\r' <"$BURROWD_LOG" | sed -E 's/ port [0-9]+ / port N /' | grep -qxF "$want"; then # lines end \r\n, as sshd -e
		pass "$name"
	else
		fail "$name" "no sshd-style accept line: $(grep Accepted "$BURROWD_LOG" | tail -n 1)"
	fi

	exec_case certs_ssh_to_burrowd_cert_authority "${SSH_ANY[@]}" -i "$T/viaca2" 127.0.0.1
	exec_case certs_ssh_to_burrowd_cert_authority_principals_exact "${SSH_ANY[@]}" -i "$T/deploy" 127.0.0.1
	refused_logged certs_ssh_to_burrowd_cert_authority_principals_no_wildcard "$BURROWD_LOG" \
		"$T/authorized_keys:2: Certificate does not contain an authorized principal" \
		"${SSH_ANY[@]}" -i "$T/contractor" 127.0.0.1
	refused_logged certs_ssh_to_burrowd_expired_refused "$BURROWD_LOG" "Certificate invalid: expired" \
		"${SSH_ANY[@]}" -i "$T/expired" 127.0.0.1
	refused_logged certs_ssh_to_burrowd_not_yet_valid_refused "$BURROWD_LOG" "Certificate invalid: not yet valid" \
		"${SSH_ANY[@]}" -i "$T/future" 127.0.0.1
	refused_logged certs_ssh_to_burrowd_wrong_principal_refused "$BURROWD_LOG" \
		"Certificate invalid: name is not a listed principal" "${SSH_ANY[@]}" -i "$T/stranger" 127.0.0.1
	refused_logged certs_ssh_to_burrowd_source_address_refused "$BURROWD_LOG" \
		"with valid certificate but not from a permitted source address (127.0.0.1)" \
		"${SSH_ANY[@]}" -i "$T/elsewhere" 127.0.0.1

	name=certs_ssh_to_burrowd_force_command
	out=$(timeout "$CASE_TIMEOUT" "${SSH_ANY[@]}" -i "$T/forced" 127.0.0.1 'echo the-client-command' 2>"$T/err")
	if [ "$out" = "forced-by-cert" ]; then
		pass "$name"
	else
		fail "$name" "output '$out', want 'forced-by-cert': $(tail_text "$T/err")"
	fi

	name=certs_ssh_to_burrowd_host_certificate
	echo "@cert-authority [127.0.0.1]:$BURROWD_PORT $(cat "$T/host_ca.pub")" >"$T/kh_ssh"
	out=$(timeout "$CASE_TIMEOUT" "${SSH[@]}" -o StrictHostKeyChecking=yes -o "UserKnownHostsFile=$T/kh_ssh" -v \
		-i "$T/user" 127.0.0.1 'echo host-cert-ok' 2>"$T/err")
	if [ "$out" != "host-cert-ok" ]; then
		fail "$name" "ssh refused burrowd's host certificate: $(grep -v '^debug' "$T/err" | tail -n 2 | tr '\n' ' ')"
	elif ! grep -q 'kex: host key algorithm: ssh-ed25519-cert-v01@openssh.com' "$T/err" ||
		! grep -q 'matches the ED25519-CERT host certificate' "$T/err"; then
		fail "$name" "ssh did not use the host certificate: $(grep 'host key algorithm' "$T/err")"
	else
		pass "$name"
	fi
fi

# AuthorizedPrincipalsFile (%u expanded): the names it lists replace the user name as principal.
printf '# who may log in as %s\nops-team\nfrom="192.0.2.0/24" backup\n' "$ME" >"$T/principals_$ME"
if ! start_burrowd "$T/host" "$T/authorized_keys" -o "TrustedUserCAKeys=$T/ca.pub" \
	-o "AuthorizedPrincipalsFile=$T/principals_%u"; then
	fail_all "$START_ERROR" certs_ssh_to_burrowd_principals_file certs_ssh_to_burrowd_principals_file_refuses_user_name \
		certs_ssh_to_burrowd_principals_file_from_refused
else
	SSH_ANY=(ssh -F /dev/null -o BatchMode=yes -o IdentityAgent=none -o IdentitiesOnly=yes
		-o PasswordAuthentication=no -o KbdInteractiveAuthentication=no -o GlobalKnownHostsFile=/dev/null
		-o ConnectTimeout=10 -o LogLevel=ERROR -p "$BURROWD_PORT" -l "$ME"
		-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null)
	exec_case certs_ssh_to_burrowd_principals_file "${SSH_ANY[@]}" -i "$T/ops" 127.0.0.1
	refused_logged certs_ssh_to_burrowd_principals_file_refuses_user_name "$BURROWD_LOG" \
		"Certificate does not contain an authorized principal" "${SSH_ANY[@]}" -i "$T/user" 127.0.0.1
	refused_logged certs_ssh_to_burrowd_principals_file_from_refused "$BURROWD_LOG" \
		"with valid certificate but not from a permitted host (ip=127.0.0.1, required=192.0.2.0/24)" \
		"${SSH_ANY[@]}" -i "$T/backup" 127.0.0.1
fi

# AuthorizedPrincipalsFile under StrictModes (sshd's auth_secure_path): a principals file another
# user can write is refused. These servers run with StrictModes on; the principals file lives
# on a safe path (below), as $T is under /tmp (1777).
start_burrowd_strict() { BURROWD_STRICT_MODES=yes start_burrowd "$T/host" "$T/authorized_keys" "$@"; }
strict_cases=(certs_ssh_to_burrowd_principals_file_strict_modes_ok
	certs_ssh_to_burrowd_principals_file_group_writable_refused
	certs_ssh_to_burrowd_principals_file_group_writable_strict_modes_no)
# StrictModes refuses anything under a world-writable directory such as /tmp, and a checkout may
# sit under one: as root, /run (root's, 0755) is safe; else the build directory may be.
STRICT_BASE=$BUILD
if [ "$(id -u)" = 0 ] && [ -d /run ] && [ -w /run ]; then
	STRICT_BASE=/run
fi
STRICT_DIR=$(mktemp -d "$(cd "$STRICT_BASE" && pwd -P)/burrow-certs-strict.XXXXXX" 2>/dev/null)
strict_chain_ok() { # every directory from $STRICT_DIR up to / is ours or root's and not g/w writable
	local d=$STRICT_DIR
	while :; do
		[ -O "$d" ] || [ "$(stat -c %u "$d")" = 0 ] || return 1
		[ $(($(stat -c '0%a' "$d") & 022)) -eq 0 ] || return 1
		[ "$d" = / ] && return 0
		d=$(dirname "$d")
	done
}
if [ -z "$STRICT_DIR" ]; then
	skip_all "cannot create a directory under $STRICT_BASE" "${strict_cases[@]}"
elif ! chmod 755 "$STRICT_DIR" || ! strict_chain_ok; then
	skip_all "$STRICT_DIR is not on a StrictModes-safe path" "${strict_cases[@]}"
else
	SSH_AT=(ssh -F /dev/null -o BatchMode=yes -o IdentityAgent=none -o IdentitiesOnly=yes
		-o PasswordAuthentication=no -o KbdInteractiveAuthentication=no -o GlobalKnownHostsFile=/dev/null
		-o ConnectTimeout=10 -o LogLevel=ERROR -l "$ME" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null)
	printf 'ops-team\n' >"$STRICT_DIR/principals"
	chmod 644 "$STRICT_DIR/principals"
	if ! start_burrowd_strict -o "TrustedUserCAKeys=$T/ca.pub" -o "AuthorizedPrincipalsFile=$STRICT_DIR/principals" \
		-o LogLevel=VERBOSE; then
		fail_all "$START_ERROR" "${strict_cases[@]}"
	else
		exec_case certs_ssh_to_burrowd_principals_file_strict_modes_ok "${SSH_AT[@]}" -p "$BURROWD_PORT" \
			-i "$T/ops" 127.0.0.1
		chmod g+w "$STRICT_DIR/principals"
		refused_logged certs_ssh_to_burrowd_principals_file_group_writable_refused "$BURROWD_LOG" \
			"Authentication refused: bad ownership or modes for file $STRICT_DIR/principals" \
			"${SSH_AT[@]}" -p "$BURROWD_PORT" -i "$T/ops" 127.0.0.1
		if ! start_burrowd "$T/host" "$T/authorized_keys" -o "TrustedUserCAKeys=$T/ca.pub" \
			-o "AuthorizedPrincipalsFile=$STRICT_DIR/principals"; then
			fail certs_ssh_to_burrowd_principals_file_group_writable_strict_modes_no "$START_ERROR"
		else
			exec_case certs_ssh_to_burrowd_principals_file_group_writable_strict_modes_no "${SSH_AT[@]}" \
				-p "$BURROWD_PORT" -i "$T/ops" 127.0.0.1
		fi
	fi
fi
[ -n "$STRICT_DIR" ] && rm -rf "$STRICT_DIR"

# ---- burrow -> OpenSSH sshd --------------------------------------------------------------------
if ! sshd_usable; then
	skip_all "$SSHD_SKIP" "${sshd_cases[@]}"
	finish
fi
: >"$T/authorized_keys_sshd"
if ! start_sshd "$T/host" "$T/authorized_keys_sshd" "TrustedUserCAKeys $T/ca.pub" \
	"HostCertificate $T/host-cert.pub"; then
	fail_all "$START_ERROR" "${sshd_cases[@]}"
	finish
fi
BURROW=("$BUILD/burrow" -F /dev/null -o BatchMode=yes -o IdentityAgent=none -o GlobalKnownHostsFile=/dev/null
	-p "$SSHD_PORT" -l "$ME")
ACCEPT=(-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null)
exec_case certs_burrow_to_sshd_cert_next_to_key "${BURROW[@]}" "${ACCEPT[@]}" -i "$T/user" 127.0.0.1

# The certificate elsewhere, named by CertificateFile.
mkdir -p "$T/elsewhere_dir"
cp "$T/viaca2" "$T/elsewhere_dir/key"
cp "$T/viaca2.pub" "$T/elsewhere_dir/key.pub"
sign "$T/elsewhere_dir/key" "$T/ca" -I moved -n "$ME"
mv "$T/elsewhere_dir/key-cert.pub" "$T/moved-cert.pub"
exec_case certs_burrow_to_sshd_certificatefile "${BURROW[@]}" "${ACCEPT[@]}" -i "$T/elsewhere_dir/key" \
	-o "CertificateFile=$T/moved-cert.pub" 127.0.0.1

# An RSA certificate signs as rsa-sha2-512-cert-v01@openssh.com (sshd's server-sig-algs names the
# plain rsa-sha2-512), never as SHA-1 ssh-rsa-cert, which sshd 9 refuses.
gen_key_type "$T/rsa_user" rsa 2048
sign "$T/rsa_user" "$T/ca" -I rsa-user -n "$ME"
exec_case certs_burrow_to_sshd_rsa_cert "${BURROW[@]}" "${ACCEPT[@]}" -i "$T/rsa_user" 127.0.0.1

# The certificate of a passphrase-protected key: the passphrase is asked (SSH_ASKPASS) when the
# server takes the certificate, and the program signs for the engine.
ssh-keygen -q -t ed25519 -N 'cert passphrase' -f "$T/enc_user" </dev/null >/dev/null
sign "$T/enc_user" "$T/ca" -I encrypted -n "$ME"
write_askpass 'echo "cert passphrase"'
SSH_ASKPASS="$ASKPASS" SSH_ASKPASS_REQUIRE=force DISPLAY=:0 \
	exec_case certs_burrow_to_sshd_encrypted_key_cert "$BUILD/burrow" -F /dev/null -o IdentityAgent=none \
	-o GlobalKnownHostsFile=/dev/null -p "$SSHD_PORT" -l "$ME" "${ACCEPT[@]}" -i "$T/enc_user" 127.0.0.1

# Host certificate: only the CA is in known_hosts; strict checking, no prompt possible.
echo "@cert-authority [127.0.0.1]:$SSHD_PORT $(cat "$T/host_ca.pub")" >"$T/kh_burrow"
exec_case certs_burrow_host_certificate_accepted "${BURROW[@]}" -o StrictHostKeyChecking=yes \
	-o "UserKnownHostsFile=$T/kh_burrow" -i "$T/user" 127.0.0.1

name=certs_burrow_host_certificate_revoked_ca_refused
echo "@revoked * $(cat "$T/host_ca.pub")" >>"$T/kh_burrow"
timeout "$CASE_TIMEOUT" "${BURROW[@]}" -o StrictHostKeyChecking=yes -o "UserKnownHostsFile=$T/kh_burrow" \
	-i "$T/user" 127.0.0.1 'echo should-not-run' >"$T/out" 2>"$T/err"
rc=$?
if [ "$rc" -ne 255 ] || [ -s "$T/out" ]; then
	fail "$name" "exit $rc, stdout '$(first_line "$T/out")'"
elif ! grep -q 'REVOKED HOST KEY DETECTED' "$T/err" || ! grep -q 'Host key verification failed.' "$T/err"; then
	fail "$name" "no revocation message: $(tail_text "$T/err")"
else
	pass "$name"
fi

# HashKnownHosts: a new host goes in as |1|salt|hash, which ssh-keygen -F finds.
name=burrow_hash_known_hosts_writes_hashed
rm -f "$T/kh_hashed"
timeout "$CASE_TIMEOUT" "${BURROW[@]}" -o StrictHostKeyChecking=accept-new -o HashKnownHosts=yes \
	-o HostKeyAlgorithms=ssh-ed25519 -o "UserKnownHostsFile=$T/kh_hashed" -i "$T/user" 127.0.0.1 true \
	>"$T/out" 2>"$T/err"
if ! grep -q '^|1|' "$T/kh_hashed" 2>/dev/null; then
	fail "$name" "not hashed: $(first_line "$T/kh_hashed") $(tail_text "$T/err")"
elif ! ssh-keygen -F "[127.0.0.1]:$SSHD_PORT" -f "$T/kh_hashed" | grep -q 'ssh-ed25519'; then
	fail "$name" "ssh-keygen -F does not find [127.0.0.1]:$SSHD_PORT"
else
	pass "$name"
fi

finish

#!/usr/bin/env bash
# Keys at rest against OpenSSH 9.2: encrypted openssh-key-v1 (every cipher ssh-keygen -Z offers,
# -a rounds), PEM and PKCS#8 files both ways, -p, -e/-i, -l -E md5, -F/-R/-H on one known_hosts,
# and burrow logging into sshd with an encrypted identity unlocked through SSH_ASKPASS.
# Usage: tests/interop/keygen_formats.sh BUILD_DIR
. "$(dirname "$0")/lib.sh" "$@"
CASE_TIMEOUT=${CASE_TIMEOUT:-30}
BK="$BUILD/burrow-keygen"
PASS_A='correct horse'

if ! need_cmd ssh-keygen timeout; then
	skip "keygen_formats" "missing $MISSING (openssh-client)"
	finish
fi
if [ ! -x "$BK" ]; then
	fail "keygen_formats" "$BK was not built"
	finish
fi

pub_of() { cut -d' ' -f1,2 "$1"; }

# same NAME A B: PASS when the two texts are equal.
same() {
	if [ "$2" == "$3" ]; then pass "$1"; else fail "$1" "differ: burrow [$(echo "$2" | head -c 160)] openssh [$(echo "$3" | head -c 160)]"; fi
}

# ---- ssh-keygen's encrypted keys read by burrow-keygen -y -P, and a wrong passphrase refused
for t in ed25519 ecdsa rsa; do
	for fmt in OPENSSH PEM PKCS8; do
		[ $t = ed25519 ] && [ $fmt != OPENSSH ] && continue
		f="$T/sk_${t}_$fmt"
		mopt=()
		[ $fmt != OPENSSH ] && mopt=(-m $fmt)
		[ $t = rsa ] && mopt+=(-b 2048) # quicker than the default 3072
		ssh-keygen -q -t $t "${mopt[@]}" -N "$PASS_A" -a 3 -C "c-$t" -f "$f" </dev/null >/dev/null 2>&1
		out=$("$BK" -y -P "$PASS_A" -f "$f" 2>&1)
		same "keygen_formats_read_ssh_keygen_${t}_$fmt" "$(echo "$out" | cut -d' ' -f1,2)" "$(pub_of "$f.pub")"
		"$BK" -y -P 'not it' -f "$f" >"$T/out" 2>"$T/err"
		rc=$?
		if [ $rc -eq 255 ] && grep -q 'incorrect passphrase supplied to decrypt private key' "$T/err"; then
			pass "keygen_formats_wrong_passphrase_${t}_$fmt"
		else
			fail "keygen_formats_wrong_passphrase_${t}_$fmt" "exit $rc: $(tail_text "$T/err")"
		fi
	done
done

# ---- every cipher ssh-keygen -Z writes
for z in aes128-ctr aes192-ctr aes256-ctr aes128-cbc aes192-cbc aes256-cbc aes128-gcm@openssh.com \
	aes256-gcm@openssh.com chacha20-poly1305@openssh.com; do
	f="$T/z_$z"
	ssh-keygen -q -t ed25519 -N "$PASS_A" -Z "$z" -a 2 -f "$f" </dev/null >/dev/null 2>&1
	same "keygen_formats_cipher_$z" "$("$BK" -y -P "$PASS_A" -f "$f" 2>&1 | cut -d' ' -f1,2)" "$(pub_of "$f.pub")"
done

# ---- burrow-keygen's encrypted keys read by ssh-keygen -y -P
for t in ed25519 ecdsa rsa; do
	for fmt in OPENSSH PEM PKCS8; do
		[ $t = ed25519 ] && [ $fmt != OPENSSH ] && continue
		f="$T/bk_${t}_$fmt"
		mopt=()
		[ $fmt != OPENSSH ] && mopt=(-m $fmt)
		[ $t = rsa ] && mopt+=(-b 2048)
		"$BK" -q -t $t "${mopt[@]}" -N "$PASS_A" -a 4 -f "$f" </dev/null >/dev/null 2>&1
		same "keygen_formats_ssh_keygen_reads_${t}_$fmt" "$(ssh-keygen -y -P "$PASS_A" -f "$f" 2>&1 | cut -d' ' -f1,2)" "$(pub_of "$f.pub")"
	done
done

# ---- -p: burrow changes the passphrase of ssh-keygen's key, ssh-keygen changes it back
f="$T/sk_ed25519_OPENSSH"
"$BK" -p -P "$PASS_A" -N 'second one' -f "$f" >"$T/out" 2>&1
if grep -q 'Your identification has been saved with the new passphrase.' "$T/out" &&
	ssh-keygen -p -P 'second one' -N "$PASS_A" -f "$f" >/dev/null 2>&1 &&
	[ "$("$BK" -y -P "$PASS_A" -f "$f" 2>/dev/null | cut -d' ' -f1,2)" == "$(pub_of "$f.pub")" ]; then
	pass "keygen_formats_change_passphrase_round_trip"
else
	fail "keygen_formats_change_passphrase_round_trip" "$(tail_text "$T/out")"
fi
a=$("$BK" -p -P 'wrong' -N 'x' -f "$f" 2>&1; echo "rc=$?")
b=$(ssh-keygen -p -P 'wrong' -N 'x' -f "$f" 2>&1; echo "rc=$?")
same "keygen_formats_change_passphrase_wrong_old" "$a" "$b"

# -p asking on stdin (no terminal): new passphrases that differ are refused as ssh-keygen does
cp "$f" "$T/p_b"
cp "$f" "$T/p_o"
a=$(printf 'one1\ntwo2\n' | setsid "$BK" -p -P "$PASS_A" -f "$T/p_b" 2>&1; echo "rc=$?")
b=$(printf 'one1\ntwo2\n' | setsid ssh-keygen -p -P "$PASS_A" -f "$T/p_o" 2>&1; echo "rc=$?")
same "keygen_formats_change_passphrase_mismatch_refused" "$a" "$b"
a=$(printf '%s\nthird3\nthird3\n' "$PASS_A" | setsid "$BK" -p -f "$T/p_b" 2>&1; echo "rc=$?")
if [ "$(ssh-keygen -y -P third3 -f "$T/p_b" 2>/dev/null | cut -d' ' -f1,2)" == "$(pub_of "$f.pub")" ]; then
	pass "keygen_formats_change_passphrase_asked"
else
	fail "keygen_formats_change_passphrase_asked" "$a"
fi

# ---- -e / -i against ssh-keygen (stdout and exit status equal)
for t in ed25519 ecdsa rsa; do
	f="$T/sk_${t}_OPENSSH"
	[ -f "$f" ] || f="$T/sk_${t}_PEM"
	for m in RFC4716 PKCS8 PEM; do
		a=$("$BK" -e -m $m -f "$f.pub" 2>/dev/null; echo "rc=$?")
		b=$(ssh-keygen -e -m $m -f "$f.pub" 2>/dev/null; echo "rc=$?")
		same "keygen_formats_export_${t}_$m" "$a" "$b"
		if ssh-keygen -e -m $m -f "$f.pub" >"$T/exported" 2>/dev/null; then
			same "keygen_formats_import_${t}_$m" "$("$BK" -i -m $m -f "$T/exported" 2>&1)" \
				"$(ssh-keygen -i -m $m -f "$T/exported" 2>&1)"
		fi
	done
done

# ---- -l -E md5 (and its randomart)
for t in ed25519 ecdsa rsa; do
	f="$T/bk_${t}_OPENSSH.pub"
	same "keygen_formats_md5_fingerprint_$t" "$("$BK" -l -E md5 -f "$f" 2>&1)" "$(ssh-keygen -l -E md5 -f "$f" 2>&1)"
	same "keygen_formats_md5_randomart_$t" "$("$BK" -l -v -E md5 -f "$f" 2>&1)" "$(ssh-keygen -l -v -E md5 -f "$f" 2>&1)"
done

# ---- known_hosts: -F / -R / -H on the same file
K1=$(pub_of "$T/bk_ed25519_OPENSSH.pub")
K2=$(pub_of "$T/bk_rsa_OPENSSH.pub")
printf '# known hosts\nalpha.example,10.9.8.7 %s\n*.wild.example %s\nbeta.example %s\n@revoked alpha.example %s\n[alpha.example]:2222 %s\n' \
	"$K1" "$K1" "$K2" "$K2" "$K1" >"$T/kh"
for q in alpha.example 10.9.8.7 beta.example nowhere.example '[alpha.example]:2222' x.wild.example; do
	a=$("$BK" -F "$q" -f "$T/kh" 2>&1; echo "rc=$?")
	b=$(ssh-keygen -F "$q" -f "$T/kh" 2>&1; echo "rc=$?")
	same "keygen_formats_find_host_$q" "$a" "$b"
done
same "keygen_formats_find_host_fingerprint" "$("$BK" -F beta.example -l -f "$T/kh" 2>&1)" \
	"$(ssh-keygen -F beta.example -l -f "$T/kh" 2>&1)"
for q in alpha.example nowhere.example; do
	cp "$T/kh" "$T/kh_b"
	cp "$T/kh" "$T/kh_o"
	a=$("$BK" -R "$q" -f "$T/kh_b" 2>"$T/err_b"; echo "rc=$?")
	b=$(ssh-keygen -R "$q" -f "$T/kh_o" 2>"$T/err_o"; echo "rc=$?")
	if [ "${a//kh_b/kh_o}" == "$b" ] && cmp -s "$T/kh_b" "$T/kh_o" && [ "$(sed s/kh_b/kh_o/g "$T/err_b")" == "$(cat "$T/err_o")" ] &&
		{ [ ! -e "$T/kh_o.old" ] || cmp -s "$T/kh_b.old" "$T/kh_o.old"; }; then
		pass "keygen_formats_remove_host_$q"
	else
		fail "keygen_formats_remove_host_$q" "output [$a] vs [$b] or files differ"
	fi
	rm -f "$T"/kh_b* "$T"/kh_o*
done
cp "$T/kh" "$T/kh_b"
cp "$T/kh" "$T/kh_o"
a=$("$BK" -H -f "$T/kh_b" 2>"$T/err_b"; echo "rc=$?")
b=$(ssh-keygen -H -f "$T/kh_o" 2>"$T/err_o"; echo "rc=$?")
same "keygen_formats_hash_hosts_output" "${a//kh_b/kh_o} $(sed s/kh_b/kh_o/g "$T/err_b")" "$b $(cat "$T/err_o")"
ok=1
for q in alpha.example 10.9.8.7 beta.example '[alpha.example]:2222'; do
	# ssh-keygen finds every host in burrow's hashed file, with the same lines' keys
	x=$(ssh-keygen -F "$q" -f "$T/kh_b" 2>/dev/null | grep -v '^#' | cut -d' ' -f2- | sort)
	y=$(ssh-keygen -F "$q" -f "$T/kh_o" 2>/dev/null | grep -v '^#' | cut -d' ' -f2- | sort)
	[ -n "$x" ] && [ "$x" == "$y" ] || ok=0
	# and burrow finds them in ssh-keygen's
	x=$("$BK" -F "$q" -f "$T/kh_o" 2>/dev/null | grep -v '^#' | cut -d' ' -f2- | sort)
	[ "$x" == "$y" ] || ok=0
done
if [ $ok = 1 ] && cmp -s "$T/kh_b.old" "$T/kh" && ! grep -q '^alpha.example' "$T/kh_b"; then
	pass "keygen_formats_hash_hosts_found_by_both"
else
	fail "keygen_formats_hash_hosts_found_by_both" "hashed files do not answer the same lookups"
fi

# ---- burrow logs into sshd with an encrypted identity, the passphrase from SSH_ASKPASS
name=keygen_formats_client_encrypted_identity_askpass
if ! sshd_usable; then
	skip "$name" "$SSHD_SKIP"
	skip "${name}_pem" "$SSHD_SKIP"
	skip "${name}_batchmode_refused" "$SSHD_SKIP"
elif [ ! -x "$BUILD/burrow" ]; then
	fail "$name" "$BUILD/burrow was not built"
else
	gen_key "$T/host" host
	"$BK" -q -t ed25519 -N "$PASS_A" -f "$T/id_enc" </dev/null >/dev/null 2>&1
	ssh-keygen -q -t rsa -b 2048 -m PEM -N "$PASS_A" -f "$T/id_pem" </dev/null >/dev/null 2>&1
	cat "$T/id_enc.pub" "$T/id_pem.pub" >"$T/authorized_keys"
	write_askpass "echo '$PASS_A'"
	if start_sshd "$T/host" "$T/authorized_keys"; then
		common=("$BUILD/burrow" -F /dev/null -p "$SSHD_PORT" -o "UserKnownHostsFile=$T/kh_client"
			-o StrictHostKeyChecking=accept-new)
		export SSH_ASKPASS="$ASKPASS" SSH_ASKPASS_REQUIRE=force
		exec_case "$name" setsid -w "${common[@]}" -i "$T/id_enc" 127.0.0.1
		if ! grep -q "Enter passphrase for key '$T/id_enc': " "$T/prompts" 2>/dev/null; then
			fail "${name}_prompt" "askpass was not asked as ssh asks: $(head -c 120 "$T/prompts" 2>/dev/null)"
		else
			pass "${name}_prompt"
		fi
		exec_case "${name}_pem" setsid -w "${common[@]}" -i "$T/id_pem" 127.0.0.1
		# an encrypted PEM key without its .pub: nothing tells its public key, so it is unlocked first
		cp "$T/id_pem" "$T/id_pem_alone"
		exec_case "${name}_pem_without_pub" setsid -w "${common[@]}" -i "$T/id_pem_alone" 127.0.0.1
		rm -f "$T/prompts"
		refused_case "${name}_batchmode_refused" setsid -w "${common[@]}" -o BatchMode=yes -i "$T/id_enc" 127.0.0.1
		if [ -e "$T/prompts" ]; then
			fail "${name}_batchmode_never_prompts" "askpass was run in BatchMode"
		else
			pass "${name}_batchmode_never_prompts"
		fi
		# prefer: the program, since a display is set (no terminal here either way)
		export SSH_ASKPASS_REQUIRE=prefer DISPLAY=:burrow-test
		exec_case "${name}_prefer_with_display" setsid -w "${common[@]}" -i "$T/id_enc" 127.0.0.1
		# never: no program, no terminal: the key is skipped
		export SSH_ASKPASS_REQUIRE=never
		refused_case "${name}_never_refused" setsid -w "${common[@]}" -i "$T/id_enc" 127.0.0.1
		if [ -e "$T/prompts" ] && [ "$(wc -l <"$T/prompts")" -ne 1 ]; then
			fail "${name}_never_never_asks" "askpass ran with SSH_ASKPASS_REQUIRE=never"
		else
			pass "${name}_never_never_asks"
		fi
		# a program that fails is a cancelled prompt: the key is skipped
		printf '#!/bin/sh\nexit 1\n' >"$T/askpass_cancel"
		chmod 755 "$T/askpass_cancel"
		export SSH_ASKPASS="$T/askpass_cancel" SSH_ASKPASS_REQUIRE=force
		refused_case "${name}_cancelled_refused" setsid -w "${common[@]}" -i "$T/id_enc" 127.0.0.1
		unset SSH_ASKPASS SSH_ASKPASS_REQUIRE DISPLAY
	else
		fail "$name" "$START_ERROR"
	fi
fi
finish

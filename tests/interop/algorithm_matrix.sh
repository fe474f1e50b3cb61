#!/usr/bin/env bash
# Every algorithm burrow implements against OpenSSH 9.2 (the system's ssh and sshd; another OpenSSH
# with the MATRIX_* variables below), both ways:
#   ssh -> burrowd and burrow -> sshd, each case a 256 KiB `cat` round trip (checksum) with exit
#   status 3, the negotiated name checked in the client's -v lines:
#   - every cipher: AEAD ciphers once (their MAC is implicit), the others with two MACs each,
#     rotating so that every MAC is used (key exchange methods: kex_openssh.sh, openssh10.sh);
#   - every host key algorithm both implement (keys of each type `burrow -Q key` lists);
#   - user keys: ECDSA P-256 and P-521, RSA with rsa-sha2-512 and rsa-sha2-256 (Ed25519 is every
#     other case's); PubkeyAcceptedAlgorithms on either side refusing the key's algorithm;
#   - Compression yes: 4 MiB (3 MiB text + 1 MiB random), fewer bytes on the wire than that;
#   - RekeyLimit 1M asked by either side: 16 MiB each way intact, rekeys counted in -v lines;
#   - RekeyLimit by time (1 s) on either side: a 3 s session rekeys;
#   - a weak-only peer (diffie-hellman-group1-sha1 / 3des-cbc) is refused, and both sides name
#     the category and the offers;
#   - config: burrow -Q, bad lists refused in ssh's/sshd's words (status 255), the +/-/^ forms,
#     Compression and RekeyLimit as burrowd -T shows them.
# Another OpenSSH (algorithm_matrix_openssh10.sh sets these; the defaults are the system's):
#   MATRIX_SSH          the ssh client (default: ssh on PATH)
#   MATRIX_SSHD         the sshd, an absolute path (default /usr/sbin/sshd)
#   MATRIX_SSHD_LINES   extra sshd_config lines, one per line (default none)
#   MATRIX_CASE_SUFFIX  appended to every case name (default none), e.g. _openssh10
# shellcheck source=tests/interop/lib.sh
. "$(dirname "$0")/lib.sh" "$@"

CASE_TIMEOUT=${CASE_TIMEOUT:-60}
SSH_BIN=${MATRIX_SSH:-ssh}
SSHD_BIN=${MATRIX_SSHD:-/usr/sbin/sshd}
SSHD_EXTRA_LINES=()
if [ -n "${MATRIX_SSHD_LINES:-}" ]; then
	mapfile -t SSHD_EXTRA_LINES <<<"$MATRIX_SSHD_LINES"
fi
CASE_SUFFIX=${MATRIX_CASE_SUFFIX:-}

if ! need_cmd "$SSH_BIN" ssh-keygen sha256sum timeout; then
	skip "algorithm_matrix" "missing $MISSING (openssh-client/coreutils)"
	finish
fi
if ! sshd_usable "$SSHD_BIN"; then
	skip "algorithm_matrix_sshd" "$SSHD_SKIP"
fi
# peer_sshd HOSTKEY AUTHKEYS [CONFIG-LINE...]: start_sshd with the peer's sshd and its lines.
peer_sshd() {
	start_sshd_with "$SSHD_BIN" "$1" "$2" "${SSHD_EXTRA_LINES[@]}" "${@:3}"
}
for prog in burrow burrowd; do
	if [ ! -x "$BUILD/$prog" ]; then
		fail "algorithm_matrix" "$BUILD/$prog was not built"
		finish
	fi
done

# in_list NAME LIST: LIST is space-separated.
in_list() { case " $2 " in *" $1 "*) return 0 ;; esac; return 1; }
# common LIST-A LIST-B: the names of A that B has too, in A's order, space-separated.
common() {
	local n out=""
	for n in $1; do in_list "$n" "$2" && out="$out $n"; done
	echo "${out# }"
}
commas() { echo "$*" | tr ' ' ','; }
# aead NAME: the cipher carries its own MAC.
aead() { case "$1" in *poly1305* | *-gcm@*) return 0 ;; esac; return 1; }
# kex_count FILE: key exchanges in a -v log (ssh and burrow print one line per exchange).
kex_count() { grep -c 'debug1: kex: algorithm: ' "$1"; }

OUR_CIPHERS=$(burrow_query cipher)
OUR_MACS=$(burrow_query mac)
OUR_KEYS=$(burrow_query key)
# Certificate algorithms need a CA-signed host key: tests/interop/certs_openssh.sh covers them.
OUR_HOSTKEY_ALGS=$(burrow_query HostKeyAlgorithms | tr ' ' '\n' | grep -v -- '-cert-v01@' | tr '\n' ' ' | sed 's/ *$//')
CIPHERS=$(common "$OUR_CIPHERS" "$("$SSH_BIN" -Q cipher | tr '\n' ' ')")
MACS=$(common "$OUR_MACS" "$("$SSH_BIN" -Q mac | tr '\n' ' ')")
HOSTKEY_ALGS=$(common "$OUR_HOSTKEY_ALGS" "$("$SSH_BIN" -Q key-sig | tr '\n' ' ')")

# PAIRS: "cipher/mac" words. AEAD ciphers once with the first MAC (ignored); the others share the
# MACs round robin, at least two each, every MAC at least once.
PAIRS=""
ctr=()
read -r -a macs <<<"$MACS"
for c in $CIPHERS; do
	if aead "$c"; then PAIRS="$PAIRS $c/${macs[0]}"; else ctr+=("$c"); fi
done
if [ ${#ctr[@]} -gt 0 ] && [ ${#macs[@]} -gt 0 ]; then
	n=$((2 * ${#ctr[@]}))
	[ ${#macs[@]} -gt "$n" ] && n=${#macs[@]}
	for ((j = 0; j < n; j++)); do
		PAIRS="$PAIRS ${ctr[j % ${#ctr[@]}]}/${macs[j % ${#macs[@]}]}"
	done
fi

# ---- config, no connection ---------------------------------------------------------------------
# expect_error NAME TEXT PROGRAM ARGS...: status 255 and TEXT in the output.
expect_error() {
	local name=$1 text=$2 out rc
	shift 2
	out=$("$@" 2>&1 </dev/null)
	rc=$?
	if [ "$rc" -eq 255 ] && grep -qF -- "$text" <<<"$out"; then
		pass "$name"
	else
		fail "$name" "exit $rc, want 255 and '$text'; output: $(echo "$out" | head -n 2 | tr '\n' '|' | cut -c1-200)"
	fi
}
# expect_line NAME LINE PROGRAM ARGS...: status 0 and LINE (a whole line) in the output.
expect_line() {
	local name=$1 line=$2 out rc
	shift 2
	out=$("$@" 2>&1 </dev/null)
	rc=$?
	if [ "$rc" -eq 0 ] && grep -qxF -- "$line" <<<"$out"; then
		pass "$name"
	else
		fail "$name" "exit $rc, want the line '$line'; got: $(echo "$out" | grep -m1 "^${line%% *}" | cut -c1-200)"
	fi
}

if [ "$(burrow_query Ciphers)" = "$OUR_CIPHERS" ] && [ -n "$OUR_CIPHERS" ] &&
	"$BUILD/burrow" -Q help | grep -qx kex && [ "$("$BUILD/burrow" -Q protocol-version)" = 2 ]; then
	pass config_burrow_query
else
	fail config_burrow_query "-Q Ciphers / -Q help / -Q protocol-version disagree: '$(burrow_query Ciphers)'"
fi
expect_error config_burrow_query_unknown 'Unsupported query "nosuch"' "$BUILD/burrow" -Q nosuch
expect_error config_burrow_c_unknown "Unknown cipher type 'nosuch'" "$BUILD/burrow" -c nosuch 127.0.0.1 true
expect_error config_burrow_m_unknown "Unknown mac type 'nosuch'" "$BUILD/burrow" -m nosuch 127.0.0.1 true
expect_error config_burrow_bad_cipher_spec "command-line line 0: Bad SSH2 cipher spec 'nosuch'." \
	"$BUILD/burrow" -F /dev/null -o Ciphers=nosuch 127.0.0.1 true
expect_error config_burrow_bad_kex_spec "command-line line 0: Bad SSH2 KexAlgorithms '+nosuch'." \
	"$BUILD/burrow" -F /dev/null -o KexAlgorithms=+nosuch 127.0.0.1 true
expect_error config_burrow_bad_rekeylimit "command-line line 0: Bad number '1Q': Invalid argument" \
	"$BUILD/burrow" -F /dev/null -o RekeyLimit=1Q 127.0.0.1 true
gen_key "$T/cfg_host" cfg
expect_error config_burrowd_bad_cipher_spec "Bad SSH2 cipher spec 'nosuch'." \
	"$BUILD/burrowd" -t -f /dev/null -h "$T/cfg_host" -o Ciphers=nosuch
expect_error config_burrowd_bad_mac_spec "Bad SSH2 mac spec '-*'." \
	"$BUILD/burrowd" -t -f /dev/null -h "$T/cfg_host" -o MACs=-*
expect_error config_burrowd_bad_key_types "Bad key types 'ssh-dss'." \
	"$BUILD/burrowd" -t -f /dev/null -h "$T/cfg_host" -o HostKeyAlgorithms=ssh-dss
TDUMP=("$BUILD/burrowd" -T -f /dev/null -h "$T/cfg_host")
no_aes=""
for c in $OUR_CIPHERS; do case "$c" in aes*) ;; *) no_aes="$no_aes,$c" ;; esac; done
expect_line config_burrowd_minus_pattern "ciphers ${no_aes#,}" "${TDUMP[@]}" -o "Ciphers=-aes*"
last_cipher=$(echo "$OUR_CIPHERS" | tr ' ' '\n' | tail -n 1)
caret=$("$BUILD/burrowd" -T -f /dev/null -h "$T/cfg_host" | sed -n 's/^ciphers //p' |
	tr ',' '\n' | grep -vx "$last_cipher" | tr '\n' ',' | sed 's/,$//')
expect_line config_burrowd_caret "ciphers $last_cipher,$caret" "${TDUMP[@]}" -o "Ciphers=^$last_cipher"
expect_line config_burrowd_compression_no "compression no" "${TDUMP[@]}" -o Compression=no
expect_line config_burrowd_compression_delayed "compression yes" "${TDUMP[@]}" -o Compression=delayed
expect_line config_burrowd_rekeylimit "rekeylimit 1048576 3600" "${TDUMP[@]}" -o "RekeyLimit=1M 1h"

# ---- keys: the user's, and one host key per type we implement --------------------------------
gen_key "$T/user" user
cp "$T/user.pub" "$T/authorized_keys"
HOSTKEYS=("$T/host_ed25519")
gen_key "$T/host_ed25519" host
for bits in 256 384 521; do
	if in_list "ecdsa-sha2-nistp$bits" "$OUR_KEYS"; then
		gen_key_type "$T/host_ecdsa$bits" ecdsa "$bits"
		HOSTKEYS+=("$T/host_ecdsa$bits")
	fi
done
if in_list ssh-rsa "$OUR_KEYS"; then
	gen_key_type "$T/host_rsa" rsa 3072
	HOSTKEYS+=("$T/host_rsa")
fi
hk_args=()
sshd_hk_lines=()
for k in "${HOSTKEYS[@]:1}"; do
	hk_args+=(-h "$k")
	sshd_hk_lines+=("HostKey $k")
done

head -c 262144 /dev/urandom >"$T/small"
SMALL_SHA=$(sha_of "$T/small")

# ---- the servers -------------------------------------------------------------------------------
# burrowd offering everything it implements (the cases pick one name on the client side).
start_burrowd "$T/host_ed25519" "$T/authorized_keys" "${hk_args[@]}" -o "Ciphers=$(commas "$OUR_CIPHERS")" \
	-o "MACs=$(commas "$OUR_MACS")" -o "HostKeyAlgorithms=$(commas "$OUR_HOSTKEY_ALGS")" \
	-o Compression=yes || { fail algorithm_matrix_burrowd "$START_ERROR"; finish; }
WIDE_PORT=$BURROWD_PORT
start_burrowd "$T/host_ed25519" "$T/authorized_keys" -o RekeyLimit=1M ||
	{ fail algorithm_matrix_burrowd "$START_ERROR"; finish; }
REKEY_PORT=$BURROWD_PORT
start_burrowd "$T/host_ed25519" "$T/authorized_keys" -o "RekeyLimit=default 1s" ||
	{ fail algorithm_matrix_burrowd "$START_ERROR"; finish; }
TIME_REKEY_PORT=$BURROWD_PORT
start_burrowd "$T/host_ed25519" "$T/authorized_keys" || { fail algorithm_matrix_burrowd "$START_ERROR"; finish; }
PLAIN_PORT=$BURROWD_PORT
PLAIN_LOG=$BURROWD_LOG

SSH=("$SSH_BIN" -F /dev/null -o BatchMode=yes -o IdentitiesOnly=yes -i "$T/user" -o UserKnownHostsFile=/dev/null
	-o StrictHostKeyChecking=no -o LogLevel=DEBUG1)
BURROW=("$BUILD/burrow" -F /dev/null -i "$T/user" -o UserKnownHostsFile=/dev/null
	-o StrictHostKeyChecking=no -v)

# roundtrip NAME EXPECT-REGEX CLIENT...: CLIENT runs 'cat; exit 3' with $T/small as input; the
# output must be the same bytes, the status 3, and the client's stderr must match the regex.
roundtrip() {
	local name=$1 expect=$2
	shift 2
	timeout "$CASE_TIMEOUT" "$@" 'cat; exit 3' <"$T/small" >"$T/out" 2>"$T/err.raw"
	local rc=$?
	tr -d '\r' <"$T/err.raw" >"$T/err"
	if [ "$rc" -ne 3 ]; then
		fail "$name" "exit status $rc, want 3: $(grep -v '^debug' "$T/err" | tail -n 2 | tr '\n' ' ' | cut -c1-240)"
	elif [ "$(sha_of "$T/out")" != "$SMALL_SHA" ]; then
		fail "$name" "output differs from input ($(wc -c <"$T/out") bytes back of 262144)"
	elif ! grep -qE "$expect" "$T/err"; then
		fail "$name" "no line matching '$expect' in the client's -v output: $(grep 'kex: ' "$T/err" | tail -n 3 | tr '\n' ' ' | cut -c1-240)"
	else
		pass "$name"
	fi
}

# One line of the client's log that proves the cipher+MAC pair in both directions.
cipher_regex() {
	local c=$1 m=$2
	aead "$c" && m='<implicit>'
	echo "kex: client->server cipher: $c MAC: $m "
}

# ---- ssh -> burrowd ----------------------------------------------------------------------------
for pair in $PAIRS; do
	c=${pair%%/*} m=${pair#*/}
	label=$c
	aead "$c" || label="${c}_$m"
	roundtrip "ssh_to_burrowd_cipher_$label" "$(cipher_regex "$c" "$m")" \
		"${SSH[@]}" -p "$WIDE_PORT" -c "$c" -m "$m" 127.0.0.1
done
for h in $HOSTKEY_ALGS; do
	roundtrip "ssh_to_burrowd_hostkey_$h" "kex: host key algorithm: $h\$" \
		"${SSH[@]}" -p "$WIDE_PORT" -o "HostKeyAlgorithms=$h" 127.0.0.1
done

# ---- burrow -> sshd ----------------------------------------------------------------------------
SSHD_UP=0
if [ -z "${SSHD_SKIP:-}" ]; then
	if peer_sshd "$T/host_ed25519" "$T/authorized_keys" "${sshd_hk_lines[@]}" \
		"Ciphers $(commas "$CIPHERS")" "MACs $(commas "$MACS")" \
		"HostKeyAlgorithms $(commas "$HOSTKEY_ALGS")" "Compression yes"; then
		SSHD_UP=1
		WIDE_SSHD=$SSHD_PORT
	else
		fail burrow_to_sshd_start "$START_ERROR"
	fi
fi
if [ "$SSHD_UP" = 1 ]; then
	for pair in $PAIRS; do
		c=${pair%%/*} m=${pair#*/}
		label=$c
		aead "$c" || label="${c}_$m"
		roundtrip "burrow_to_sshd_cipher_$label" "$(cipher_regex "$c" "$m")" \
			"${BURROW[@]}" -p "$WIDE_SSHD" -c "$c" -m "$m" 127.0.0.1
	done
	for h in $HOSTKEY_ALGS; do
		roundtrip "burrow_to_sshd_hostkey_$h" "kex: host key algorithm: $h\$" \
			"${BURROW[@]}" -p "$WIDE_SSHD" -o "HostKeyAlgorithms=$h" 127.0.0.1
	done
fi

# ---- user keys ---------------------------------------------------------------------------------
# "name key-file signature-algorithm" for each user key case.
# The host keys made above serve as user keys too (an RSA key costs seconds to make).
USERKEYS=()
if in_list ecdsa-sha2-nistp256 "$OUR_KEYS"; then
	USERKEYS+=("ecdsa256 $T/host_ecdsa256 ecdsa-sha2-nistp256" "ecdsa521 $T/host_ecdsa521 ecdsa-sha2-nistp521")
fi
if in_list ssh-rsa "$OUR_KEYS"; then
	USERKEYS+=("rsa_sha2_512 $T/host_rsa rsa-sha2-512" "rsa_sha2_256 $T/host_rsa rsa-sha2-256")
fi
for entry in "${USERKEYS[@]}"; do cat "$(echo "$entry" | cut -d' ' -f2).pub" >>"$T/authorized_keys"; done
for entry in "${USERKEYS[@]}"; do
	read -r label key alg <<<"$entry"
	roundtrip "ssh_to_burrowd_userkey_$label" "Server accepts key: $key " \
		"${SSH[@]/$T\/user/$key}" -o "PubkeyAcceptedAlgorithms=$alg" -p "$PLAIN_PORT" 127.0.0.1
	if [ "$SSHD_UP" = 1 ]; then
		roundtrip "burrow_to_sshd_userkey_$label" "Authenticated to " \
			"${BURROW[@]/$T\/user/$key}" -o "PubkeyAcceptedAlgorithms=$alg" -p "$WIDE_SSHD" 127.0.0.1
		if ! grep -q "Accepted publickey for $ME from 127.0.0.1 port [0-9]* ssh2: " "$SSHD_LOG"; then
			fail "burrow_to_sshd_userkey_${label}_logged" "sshd did not log the accepted key"
		fi
	fi
done
# The server's list refuses Ed25519 user keys; the client's list leaves no algorithm for its key.
start_burrowd "$T/host_ed25519" "$T/authorized_keys" -o PubkeyAcceptedAlgorithms=-ssh-ed25519 ||
	{ fail algorithm_matrix_burrowd "$START_ERROR"; finish; }
timeout "$CASE_TIMEOUT" "${SSH[@]}" -p "$BURROWD_PORT" 127.0.0.1 true </dev/null >/dev/null 2>"$T/err"
rc=$?
if [ "$rc" -eq 255 ] && grep -q 'Permission denied (publickey' "$T/err"; then
	pass burrowd_pubkeyacceptedalgorithms_refuses
else
	fail burrowd_pubkeyacceptedalgorithms_refuses "ssh exit $rc: $(grep -v '^debug' "$T/err" | tail -n 1)"
fi
if in_list rsa-sha2-512 "$OUR_HOSTKEY_ALGS"; then
	timeout "$CASE_TIMEOUT" "${BURROW[@]}" -o BatchMode=yes -o PubkeyAcceptedAlgorithms=rsa-sha2-512 -p "$PLAIN_PORT" 127.0.0.1 true \
		</dev/null >/dev/null 2>"$T/err"
	rc=$?
	if [ "$rc" -eq 255 ] && grep -q 'Permission denied (publickey' "$T/err"; then
		pass burrow_pubkeyacceptedalgorithms_skips_key
	else
		fail burrow_pubkeyacceptedalgorithms_skips_key "burrow exit $rc: $(grep -v '^debug' "$T/err" | tail -n 1)"
	fi
fi

# ---- compression -------------------------------------------------------------------------------
# 3 MiB of text (compresses ~100x) + 1 MiB random: compressed, well under 2.5 MiB each way.
{
	yes 'burrow compression interop: the quick brown fox jumps over the lazy dog' | head -c 3145728
	head -c 1048576 /dev/urandom
} >"$T/comp"
COMP_SHA=$(sha_of "$T/comp")
COMP_MAX=$((5 * 1024 * 1024 / 2))
# compressed NAME CLIENT...: `cat` of $T/comp, checksum, and "Transferred: sent N, received M".
compressed() {
	local name=$1
	shift
	timeout "$CASE_TIMEOUT" "$@" cat <"$T/comp" >"$T/out" 2>"$T/err"
	local rc=$? sent recv
	read -r sent recv < <(sed -n 's/.*Transferred: sent \([0-9]*\), received \([0-9]*\) bytes.*/\1 \2/p' "$T/err" | tail -n 1)
	if [ "$rc" -ne 0 ]; then
		fail "$name" "exit status $rc: $(grep -v '^debug' "$T/err" | tail -n 2 | tr '\n' ' ' | cut -c1-240)"
	elif [ "$(sha_of "$T/out")" != "$COMP_SHA" ]; then
		fail "$name" "output differs from input ($(wc -c <"$T/out") bytes back of 4194304)"
	elif [ -z "$sent" ]; then
		fail "$name" "no 'Transferred:' line in the client's -v output"
	elif [ "$sent" -gt "$COMP_MAX" ] || [ "$recv" -gt "$COMP_MAX" ]; then
		fail "$name" "not compressed: sent $sent, received $recv bytes for 4 MiB each way"
	else
		pass "$name"
	fi
}
compressed ssh_to_burrowd_compression_yes "${SSH[@]}" -C -p "$WIDE_PORT" 127.0.0.1
if [ "$SSHD_UP" = 1 ]; then
	compressed burrow_to_sshd_compression_yes "${BURROW[@]}" -C -p "$WIDE_SSHD" 127.0.0.1
fi

# ---- rekeying ----------------------------------------------------------------------------------
random_file "$T/big" 16
BIG_SHA=$(sha_of "$T/big")
# rekeyed NAME MIN-REKEYS CLIENT...: 16 MiB through `cat`, intact, with at least MIN rekeys.
rekeyed() {
	local name=$1 min=$2
	shift 2
	timeout "$CASE_TIMEOUT" "$@" cat <"$T/big" >"$T/out" 2>"$T/err"
	local rc=$? n
	n=$(($(kex_count "$T/err") - 1))
	if [ "$rc" -ne 0 ]; then
		fail "$name" "exit status $rc after $n rekeys: $(grep -v '^debug' "$T/err" | tail -n 2 | tr '\n' ' ' | cut -c1-240)"
	elif [ "$(sha_of "$T/out")" != "$BIG_SHA" ]; then
		fail "$name" "data differs after $n rekeys ($(wc -c <"$T/out") bytes back of 16 MiB)"
	elif [ "$n" -lt "$min" ]; then
		fail "$name" "$n rekeys seen, want at least $min for 16 MiB each way at 1 MiB"
	else
		pass "$name"
		echo "    ($n rekeys)"
	fi
}
# 16 MiB each way at 1 MiB per key: about 16 rekeys (OpenSSH, renewing each direction on its
# own, does more; burrow restarts both counts when an exchange ends, and bytes that arrive
# during an exchange it started count for neither key). At least 4 proves the limit applies:
# without it there is none (the cipher's own limit is 2^32 blocks).
rekeyed ssh_rekeylimit_1M_to_burrowd 4 "${SSH[@]}" -o RekeyLimit=1M -p "$PLAIN_PORT" 127.0.0.1
rekeyed ssh_to_burrowd_rekeylimit_1M 4 "${SSH[@]}" -p "$REKEY_PORT" 127.0.0.1
if [ "$SSHD_UP" = 1 ]; then
	rekeyed burrow_rekeylimit_1M_to_sshd 4 "${BURROW[@]}" -o RekeyLimit=1M -p "$WIDE_SSHD" 127.0.0.1
	if peer_sshd "$T/host_ed25519" "$T/authorized_keys" "RekeyLimit 1M"; then
		rekeyed burrow_to_sshd_rekeylimit_1M 4 "${BURROW[@]}" -p "$SSHD_PORT" 127.0.0.1
	else
		fail burrow_to_sshd_rekeylimit_1M "$START_ERROR"
	fi
fi

# timed NAME CLIENT...: an idle 3.5 s session under a 1 s time limit rekeys at least twice.
timed() {
	local name=$1
	shift
	timeout "$CASE_TIMEOUT" "$@" 'sleep 3.5; echo done' </dev/null >"$T/out" 2>"$T/err"
	local rc=$? n
	n=$(($(kex_count "$T/err") - 1))
	if [ "$rc" -ne 0 ] || [ "$(cat "$T/out")" != "done" ]; then
		fail "$name" "exit status $rc, output '$(head -c 60 "$T/out")': $(grep -v '^debug' "$T/err" | tail -n 2 | tr '\n' ' ' | cut -c1-200)"
	elif [ "$n" -lt 2 ]; then
		fail "$name" "$n rekeys in an idle 3.5 s with a 1 s RekeyLimit, want at least 2"
	else
		pass "$name"
	fi
}
timed burrow_rekeylimit_time_client "${BURROW[@]}" -o "RekeyLimit=default 1s" -p "$PLAIN_PORT" 127.0.0.1
timed burrowd_rekeylimit_time_server "${SSH[@]}" -p "$TIME_REKEY_PORT" 127.0.0.1

# ---- weak-only peers are refused, both sides saying why ----------------------------------------
# refused NAME CATEGORY-REGEX CLIENT-LOG SERVER-LOG: both logs name the category and show offers
# (OpenSSH says "key exchange method" where burrow says "kex algorithm").
refused() {
	local name=$1 what=$2 clog=$3 slog=$4
	if grep -qE "Unable to negotiate with 127.0.0.1 port [0-9]+: no matching ($what) found. Their offer: " "$clog" &&
		grep -qE "Unable to negotiate with 127.0.0.1 port [0-9]+: no matching ($what) found. Their offer: " "$slog"; then
		pass "$name"
	else
		fail "$name" "client: $(grep -m1 'Unable to negotiate\|no matching' "$clog" | cut -c1-160); server: $(grep -m1 'Unable to negotiate\|no matching' "$slog" | cut -c1-160)"
	fi
}
timeout "$CASE_TIMEOUT" "${SSH[@]}" -o KexAlgorithms=diffie-hellman-group1-sha1 -p "$PLAIN_PORT" 127.0.0.1 true \
	</dev/null >/dev/null 2>"$T/weak_kex.err"
rc=$?
sleep 0.3 # burrowd's child logs as it exits
if [ "$rc" -ne 255 ]; then
	fail weak_kex_client_refused_by_burrowd "ssh exit status $rc, want 255"
else
	refused weak_kex_client_refused_by_burrowd "key exchange method|kex algorithm" "$T/weak_kex.err" "$PLAIN_LOG"
fi
timeout "$CASE_TIMEOUT" "${SSH[@]}" -c 3des-cbc -p "$PLAIN_PORT" 127.0.0.1 true \
	</dev/null >/dev/null 2>"$T/weak_cipher.err"
rc=$?
sleep 0.3
if [ "$rc" -ne 255 ]; then
	fail weak_cipher_client_refused_by_burrowd "ssh exit status $rc, want 255"
else
	refused weak_cipher_client_refused_by_burrowd "(client to server )?cipher" "$T/weak_cipher.err" "$PLAIN_LOG"
fi
if [ "$SSHD_UP" = 1 ]; then
	if peer_sshd "$T/host_ed25519" "$T/authorized_keys" "KexAlgorithms diffie-hellman-group1-sha1"; then
		timeout "$CASE_TIMEOUT" "${BURROW[@]}" -p "$SSHD_PORT" 127.0.0.1 true </dev/null >/dev/null 2>"$T/weak_srv.err"
		rc=$?
		sleep 0.3
		if [ "$rc" -ne 255 ]; then
			fail burrow_refuses_weak_kex_server "burrow exit status $rc, want 255"
		else
			refused burrow_refuses_weak_kex_server "key exchange method|kex algorithm" "$T/weak_srv.err" "$SSHD_LOG"
		fi
	else
		fail burrow_refuses_weak_kex_server "$START_ERROR"
	fi
fi

finish

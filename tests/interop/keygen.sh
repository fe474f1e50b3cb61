#!/usr/bin/env bash
# burrow-keygen against OpenSSH ssh-keygen: each reads the other's keys and both print the same.
# Usage: tests/interop/keygen.sh BUILD_DIR   (uses BUILD_DIR/burrow-keygen; builds nothing)
# Prints PASS/FAIL/SKIP per case; exits 1 if any case failed.
set -u

if [ $# -ne 1 ]; then
	echo "usage: $0 BUILD_DIR" >&2
	exit 2
fi
BK="$1/burrow-keygen"
SK="${SSH_KEYGEN:-/usr/bin/ssh-keygen}"
failed=0
umask 022

T=$(mktemp -d "${TMPDIR:-/tmp}/burrow-interop-keygen.XXXXXX") || exit 2
trap 'rm -rf "$T"' EXIT

pass() { echo "PASS: $1"; }
fail() { echo "FAIL: $1 ($2)"; failed=1; }
skip() { echo "SKIP: $1 ($2)"; }

have_bk() { [ -x "$BK" ]; }
have_sk() { [ -x "$SK" ]; }

# need NAME: true when both programs exist; otherwise reports the case and returns false.
need() {
	if ! have_bk; then fail "$1" "$BK not found"; return 1; fi
	if ! have_sk; then skip "$1" "ssh-keygen not found at $SK"; return 1; fi
	return 0
}

# same NAME WHAT A B: PASS when A = B, else FAIL showing both.
same() {
	if [ "$3" == "$4" ]; then pass "$1"; else fail "$1" "$2 differ: burrow [$3] openssh [$4]"; fi
}

mode_of() { stat -c '%a' "$1"; }

# ---- burrow makes a key ----
case_name="burrow-keygen writes FILE 0600 and FILE.pub 0644"
if have_bk; then
	if "$BK" -q -t ed25519 -N '' -C 'burrow@interop' -f "$T/b" </dev/null >"$T/out" 2>&1; then
		if [ -s "$T/b" ] && [ -s "$T/b.pub" ] && [ "$(mode_of "$T/b")" = 600 ] && [ "$(mode_of "$T/b.pub")" = 644 ]; then
			pass "$case_name"
		else
			fail "$case_name" "modes $(mode_of "$T/b" 2>/dev/null) $(mode_of "$T/b.pub" 2>/dev/null)"
		fi
	else
		fail "$case_name" "exit status $?: $(cat "$T/out")"
	fi
else
	fail "$case_name" "$BK not found"
fi

case_name="ssh-keygen -y on burrow key reproduces burrow's .pub"
if need "$case_name"; then
	if out=$("$SK" -y -f "$T/b" 2>&1 </dev/null); then
		same "$case_name" "public keys" "$(cut -d' ' -f1,2 "$T/b.pub")" "$(echo "$out" | cut -d' ' -f1,2)"
	else
		fail "$case_name" "ssh-keygen failed: $out"
	fi
fi

case_name="ssh-keygen -y keeps burrow key's comment"
if need "$case_name"; then
	same "$case_name" "lines" "$(cat "$T/b.pub")" "$("$SK" -y -f "$T/b" 2>&1 </dev/null)"
fi

for f in b b.pub; do
	case_name="-l of burrow $f equals ssh-keygen -l"
	if need "$case_name"; then
		same "$case_name" "outputs" "$("$BK" -l -f "$T/$f" 2>&1)" "$("$SK" -l -f "$T/$f" 2>&1)"
	fi
done

case_name="-lv randomart of burrow key equals ssh-keygen -lv"
if need "$case_name"; then
	same "$case_name" "outputs" "$("$BK" -lv -f "$T/b.pub" 2>&1)" "$("$SK" -lv -f "$T/b.pub" 2>&1)"
fi

case_name="burrow-keygen generation messages and randomart match the key"
if need "$case_name"; then
	out=$("$BK" -t ed25519 -N '' -C 'loud@interop' -f "$T/loud" </dev/null 2>&1)
	fp=$("$SK" -l -f "$T/loud.pub" | cut -d' ' -f2)
	art=$("$SK" -lv -f "$T/loud.pub" | tail -n +2)
	expect="Generating public/private ed25519 key pair.
Your identification has been saved in $T/loud
Your public key has been saved in $T/loud.pub
The key fingerprint is:
$fp loud@interop
The key's randomart image is:
$art"
	same "$case_name" "outputs" "$out" "$expect"
fi

# ---- OpenSSH makes a key ----
case_name="burrow-keygen -y on ssh-keygen key equals ssh-keygen -y"
if need "$case_name"; then
	"$SK" -q -t ed25519 -N '' -C 'openssh@interop' -f "$T/o" </dev/null
	same "$case_name" "outputs" "$("$BK" -y -f "$T/o" 2>&1)" "$("$SK" -y -f "$T/o" 2>&1)"
fi

for f in o o.pub; do
	case_name="burrow-keygen -l on ssh-keygen $f equals ssh-keygen -l"
	if need "$case_name"; then
		same "$case_name" "outputs" "$("$BK" -l -f "$T/$f" 2>&1)" "$("$SK" -l -f "$T/$f" 2>&1)"
	fi
done

case_name="-l of a private key without .pub (comment from the private key)"
if need "$case_name"; then
	cp "$T/o" "$T/lonely"
	same "$case_name" "outputs" "$("$BK" -l -f "$T/lonely" 2>&1)" "$("$SK" -l -f "$T/lonely" 2>&1)"
fi

case_name="-l of authorized_keys and known_hosts style lines"
if need "$case_name"; then
	okey=$(cut -d' ' -f1,2 "$T/o.pub")
	bkey=$(cut -d' ' -f1,2 "$T/b.pub")
	# The bare key comes first: ssh-keygen 9.2 keeps a stale comment pointer from an earlier
	# line with a leading token and would print it for a later bare key (we print "no comment").
	{
		echo "# a comment"
		echo ""
		echo "$bkey"
		echo "command=\"echo \\\"a b\\\"\",no-pty $okey with options"
		echo "host1,host2 $bkey"
		echo "[host3]:2222 $okey trailing comment"
		echo "@revoked * $bkey"
		echo "not a key line"
		echo "  $okey  spaced comment "
	} >"$T/lines"
	same "$case_name" "outputs" "$("$BK" -l -f "$T/lines" 2>&1)" "$("$SK" -l -f "$T/lines" 2>&1)"
fi

case_name="-l of passphrase-protected ssh-keygen key (public part only)"
if need "$case_name"; then
	"$SK" -q -t ed25519 -N 'secret' -C 'enc@interop' -f "$T/enc" </dev/null
	rm -f "$T/enc.pub"
	same "$case_name" "outputs" "$("$BK" -l -f "$T/enc" 2>&1)" "$("$SK" -l -f "$T/enc" 2>&1)"
fi

case_name="-y of passphrase-protected key without passphrase fails like ssh-keygen"
if need "$case_name"; then
	"$BK" -y -f "$T/enc" </dev/null >"$T/bo" 2>"$T/be"; brc=$?
	"$SK" -y -f "$T/enc" </dev/null >"$T/so" 2>"$T/se"; src=$?
	same "$case_name" "exit status and stderr" "$brc $(cat "$T/be")" "$src $(cat "$T/se")"
fi

# ---- refusals and errors ----
case_name="existing FILE: asks to overwrite, no answer means exit 1"
if need "$case_name"; then
	"$BK" -t ed25519 -N '' -f "$T/b" </dev/null >"$T/bo" 2>&1; brc=$?
	"$SK" -t ed25519 -N '' -f "$T/b" </dev/null >"$T/so" 2>&1; src=$?
	same "$case_name" "exit status and output" "$brc $(cat "$T/bo")" "$src $(cat "$T/so")"
fi

case_name="no -f: prompts for the file name and reads it from stdin"
if need "$case_name"; then
	bo=$(echo "$T/asked_b" | "$BK" -q -t ed25519 -N '' 2>&1); brc=$?
	so=$(echo "$T/asked_s" | "$SK" -q -t ed25519 -N '' 2>&1); src=$?
	if [ -s "$T/asked_b" ] && [ -s "$T/asked_b.pub" ]; then
		same "$case_name" "exit status and prompt" "$brc $bo" "$src $so"
	else
		fail "$case_name" "no key written at $T/asked_b"
	fi
fi

case_name="no -f and no answer: exit 1 without writing"
if need "$case_name"; then
	bo=$("$BK" -q -t ed25519 -N '' </dev/null 2>&1); brc=$?
	so=$("$SK" -q -t ed25519 -N '' </dev/null 2>&1); src=$?
	same "$case_name" "exit status and prompt" "$brc $bo" "$src $so"
fi

for args in "-y -f $T/missing" "-l -f $T/missing" "-l -f $T/lines.none" "-t nosuchtype -f $T/x -N ''"; do
	case_name="error exit status for: ${args//$T\//}"
	if need "$case_name"; then
		eval "\"$BK\" $args" </dev/null >/dev/null 2>&1; brc=$?
		eval "\"$SK\" $args" </dev/null >/dev/null 2>&1; src=$?
		same "$case_name" "exit status" "$brc" "$src"
	fi
done

case_name="-l on a non-key file: same message and status"
if need "$case_name"; then
	echo "garbage" >"$T/garbage"
	bo=$("$BK" -l -f "$T/garbage" 2>&1); brc=$?
	so=$("$SK" -l -f "$T/garbage" 2>&1); src=$?
	same "$case_name" "exit status and message" "$brc $bo" "$src $so"
fi

case_name="-t dsa is refused as unsupported"
if have_bk; then
	out=$("$BK" -t dsa -N '' -f "$T/dsa" </dev/null 2>&1); rc=$?
	if [ $rc -ne 0 ] && [[ "$out" == *"unsupported key type"* ]] && [ ! -e "$T/dsa" ]; then
		pass "$case_name"
	else
		fail "$case_name" "exit $rc, output [$out]"
	fi
else
	fail "$case_name" "$BK not found"
fi

# ---- ECDSA and RSA ----
# "-t TYPE [-b BITS]" per case; file names without spaces.
for spec in "ecdsa" "ecdsa -b 384" "ecdsa -b 521" "ecdsa-sha2-nistp384" "rsa -b 1024" "rsa -b 2048" "rsa"; do
	f="k_${spec// /_}"
	case_name="burrow-keygen -t $spec: ssh-keygen reads it, -y/-l/-lv agree"
	if need "$case_name"; then
		# shellcheck disable=SC2086 # spec is "TYPE [-b BITS]"
		if ! out=$("$BK" -t $spec -N '' -C "burrow $spec" -f "$T/$f" </dev/null 2>&1); then
			fail "$case_name" "burrow-keygen failed: $out"
		elif [ "$("$SK" -y -f "$T/$f" 2>&1 </dev/null)" != "$(cat "$T/$f.pub")" ]; then
			fail "$case_name" "ssh-keygen -y [$("$SK" -y -f "$T/$f" 2>&1 </dev/null)] != .pub [$(cat "$T/$f.pub")]"
		elif [ "$("$BK" -lv -f "$T/$f" 2>&1)" != "$("$SK" -lv -f "$T/$f" 2>&1)" ]; then
			fail "$case_name" "-lv differs: burrow [$("$BK" -lv -f "$T/$f" 2>&1)] openssh [$("$SK" -lv -f "$T/$f" 2>&1)]"
		else
			fp=$("$SK" -l -f "$T/$f.pub" | cut -d' ' -f2)
			art=$("$SK" -lv -f "$T/$f.pub" | tail -n +2)
			same "$case_name" "generation output" "$out" "Generating public/private ${spec%% *} key pair.
Your identification has been saved in $T/$f
Your public key has been saved in $T/$f.pub
The key fingerprint is:
$fp burrow $spec
The key's randomart image is:
$art"
		fi
	fi

	f="s_${spec// /_}"
	case_name="ssh-keygen -t $spec: burrow-keygen -y and -l agree"
	if need "$case_name"; then
		# shellcheck disable=SC2086
		"$SK" -q -t $spec -N '' -C "openssh $spec" -f "$T/$f" </dev/null
		if [ "$("$BK" -y -f "$T/$f" 2>&1)" != "$("$SK" -y -f "$T/$f" 2>&1)" ]; then
			fail "$case_name" "-y differs: burrow [$("$BK" -y -f "$T/$f" 2>&1)] openssh [$("$SK" -y -f "$T/$f" 2>&1)]"
		else
			same "$case_name" "-l of key and .pub" "$("$BK" -l -f "$T/$f" 2>&1; "$BK" -l -f "$T/$f.pub" 2>&1)" \
				"$("$SK" -l -f "$T/$f" 2>&1; "$SK" -l -f "$T/$f.pub" 2>&1)"
		fi
	fi
done

for args in "-t ecdsa -b 255" "-t ecdsa -b 512" "-t rsa -b 1023" "-t rsa -b 16385" "-t ed25519 -b 20000"; do
	case_name="sizes: $args: same exit status and message as ssh-keygen"
	if need "$case_name"; then
		rm -f "$T/bsz" "$T/bsz.pub" "$T/ssz" "$T/ssz.pub"
		# shellcheck disable=SC2086
		bo=$("$BK" -q $args -N '' -f "$T/bsz" </dev/null 2>&1); brc=$?
		# shellcheck disable=SC2086
		so=$("$SK" -q $args -N '' -f "$T/ssz" </dev/null 2>&1); src=$?
		same "$case_name" "exit status and message" "$brc $bo" "$src $so"
	fi
done

exit $failed

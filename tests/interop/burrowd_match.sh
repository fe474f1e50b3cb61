#!/usr/bin/env bash
# burrowd's Match blocks and Include, checked as administrators use them: `burrowd -T -C ...`
# parsed back and compared with what OpenSSH's `sshd -T -C ...` prints for the same file, `-t`
# on good and bad files (sshd's messages and exit codes), the -T output read back as a config
# (round trip), and live logins where a Match User block changes the authentication settings.
# usage: tests/interop/burrowd_match.sh BUILD_DIR
. "$(dirname "$0")/lib.sh" "$@"
CASE_TIMEOUT=${CASE_TIMEOUT:-20}
BURROWD=$BUILD/burrowd

gen_key "$T/hostkey"
SPEC_TAIL="host=client.example.org,laddr=127.0.0.1"

# What the comparisons look at: the keywords Match blocks can change that both servers print.
KEYWORDS="passwordauthentication pubkeyauthentication kbdinteractiveauthentication authorizedkeysfile
	maxauthtries banner permitrootlogin allowusers denyusers allowgroups permitemptypasswords
	authenticationmethods allowagentforwarding loglevel maxsessions permittty x11forwarding"

if sshd_usable; then
	HAVE_SSHD=1
else
	HAVE_SSHD=0
fi

# ours_T OUT CONFIG [ARG...]: burrowd -T into OUT; its status.
ours_T() {
	local out=$1 cfg=$2
	shift 2
	"$BURROWD" -T -f "$cfg" -h "$T/hostkey" "$@" >"$out" 2>"$out.err"
}
sshd_T() {
	local out=$1 cfg=$2
	shift 2
	/usr/sbin/sshd -T -f "$cfg" -o "HostKey=$T/hostkey" "$@" >"$out" 2>"$out.err"
}

# value FILE KEYWORD: every "KEYWORD ..." line of a -T output, joined with "|".
value() { grep "^$2 " "$1" | tr '\n' '|'; }

# expect NAME FILE KEYWORD=VALUE...: each KEYWORD's -T line must be exactly "KEYWORD VALUE".
expect() {
	local name=$1 file=$2 kv k v got
	shift 2
	for kv in "$@"; do
		k=${kv%%=*}
		v=${kv#*=}
		got=$(value "$file" "$k")
		if [ "$got" != "$k $v|" ]; then
			fail "$name" "$k is '$got', want '$k $v'"
			return 1
		fi
	done
	return 0
}

# same_as_sshd NAME CONFIG SPEC: burrowd -T -C SPEC and sshd -T -C SPEC agree on $KEYWORDS.
same_as_sshd() {
	local name=$1 cfg=$2 spec=$3 k
	if [ "$HAVE_SSHD" != 1 ]; then
		skip "$name" "$SSHD_SKIP"
		return
	fi
	if ! ours_T "$T/ours" "$cfg" -C "$spec"; then
		fail "$name" "burrowd -T -C failed: $(tail_text "$T/ours.err")"
		return
	fi
	if ! sshd_T "$T/theirs" "$cfg" -C "$spec"; then
		fail "$name" "sshd -T -C failed: $(tail_text "$T/theirs.err")"
		return
	fi
	for k in $KEYWORDS; do
		if [ "$(value "$T/ours" "$k")" != "$(value "$T/theirs" "$k")" ]; then
			fail "$name" "$k: burrowd '$(value "$T/ours" "$k")', sshd '$(value "$T/theirs" "$k")'"
			return
		fi
	done
	pass "$name"
}

# ---- one file with every criterion, negation, Match All and Include ----
mkdir -p "$T/conf.d" "$T/match.d"
cat >"$T/conf.d/10-global.conf" <<EOF
MaxAuthTries 5
EOF
cat >"$T/match.d/banner.conf" <<EOF
Banner /etc/issue.net
PermitTTY no
EOF
cat >"$T/config" <<EOF
Include $T/conf.d/*.conf
PasswordAuthentication yes
AllowUsers root alice bob carol nobody
LogLevel INFO
Match User bob,carol
	PasswordAuthentication no
	AuthorizedKeysFile /etc/burrow-test/keys/%u
	AllowUsers bob carol
Match Address 10.0.0.0/8,!10.9.9.9
	PubkeyAuthentication no
	MaxAuthTries 2
Match Group root LocalPort 2222
	Banner /etc/motd
Match Group *,!root
	PermitEmptyPasswords yes
Match Host *.example.org User alice
	Include $T/match.d/banner.conf
	LogLevel VERBOSE
Match User dave
	Include $T/match.d/banner.conf
Match All
	PermitRootLogin no
EOF
cp "$T/config" "$ARTIFACTS/burrowd_match.config"

# spec NAME USER ADDR LPORT: one connection; the cases below name what each should get.
run_case() {
	local name=$1 spec="user=$2,addr=$3,lport=$4,$SPEC_TAIL"
	shift 4
	if ! ours_T "$T/case" "$T/config" -C "$spec"; then
		fail "match_$name" "burrowd -T -C $spec failed: $(tail_text "$T/case.err")"
	elif expect "match_$name" "$T/case" "$@"; then
		pass "match_$name"
	fi
	same_as_sshd "match_${name}_as_sshd" "$T/config" "$spec"
}

run_case user_bob bob 192.0.2.1 22 passwordauthentication=no "authorizedkeysfile=/etc/burrow-test/keys/%u" \
	"allowusers=bob|allowusers carol" maxauthtries=5 permitrootlogin=no
run_case user_not_matching nobody 192.0.2.1 22 passwordauthentication=yes \
	"authorizedkeysfile=.ssh/authorized_keys .ssh/authorized_keys2" maxauthtries=5 permitemptypasswords=yes
run_case address_cidr root 10.1.2.3 22 pubkeyauthentication=no maxauthtries=2 permitemptypasswords=no
run_case address_negated root 10.9.9.9 22 pubkeyauthentication=yes maxauthtries=5
run_case group_and_localport root 192.0.2.1 2222 "banner=/etc/motd"
run_case localport_other root 192.0.2.1 22 banner=none
run_case host_and_user_with_include alice 192.0.2.1 22 "banner=/etc/issue.net" permittty=no loglevel=VERBOSE
run_case include_in_block_not_applied carol 192.0.2.1 22 banner=none permittty=yes loglevel=INFO

# Without -C nothing but "Match All" applies; the Include of the global part does.
if ours_T "$T/plain" "$T/config" && expect match_without_C "$T/plain" passwordauthentication=yes \
	permitrootlogin=no maxauthtries=5 banner=none; then
	pass match_without_C
fi

# A relative Include is taken from the config file's directory (sshd: from /etc/ssh).
mkdir -p "$T/rel/extra"
echo "MaxAuthTries 7" >"$T/rel/extra/a.conf"
printf 'Include extra/*.conf\nMatch User bob\n\tInclude extra/b.conf\n' >"$T/rel/config"
echo "Banner /etc/rel-banner" >"$T/rel/extra/b.conf"
if ! ours_T "$T/rel.out" "$T/rel/config" -C "user=bob,addr=192.0.2.1,lport=22,$SPEC_TAIL"; then
	fail include_relative "burrowd -T failed: $(tail_text "$T/rel.out.err")"
elif expect include_relative "$T/rel.out" maxauthtries=7 "banner=/etc/rel-banner"; then
	pass include_relative
fi

# ---- -t and -T on bad files: sshd's messages and exit codes ----
# bad_case NAME TEXT WANT-LINE: burrowd -t exits 255 printing WANT-LINE; sshd does the same.
bad_case() {
	local name=$1 text=$2 want=$3
	printf '%b' "$text" >"$T/bad.config"
	"$BURROWD" -t -f "$T/bad.config" -h "$T/hostkey" >"$T/bad.out" 2>&1
	local rc=$?
	if [ "$rc" != 255 ]; then
		fail "$name" "exit $rc, want 255: $(tail_text "$T/bad.out")"
	elif ! grep -qxF -- "$want" "$T/bad.out"; then
		fail "$name" "no line '$want' in: $(tail_text "$T/bad.out")"
	else
		pass "$name"
	fi
	if [ "$HAVE_SSHD" = 1 ]; then
		/usr/sbin/sshd -t -f "$T/bad.config" -o "HostKey=$T/hostkey" >"$T/bad.sshd" 2>&1
		rc=$?
		if [ "$rc" = 255 ] && tr -d '\r' <"$T/bad.sshd" | grep -qxF -- "$want"; then
			pass "${name}_as_sshd"
		else
			fail "${name}_as_sshd" "sshd: exit $rc, $(tail_text "$T/bad.sshd")"
		fi
	fi
}
B=$T/bad.config
bad_case check_global_keyword_in_match 'Match User x\n\tPort 23\n' \
	"$B line 2: Directive 'Port' is not allowed within a Match block"
bad_case check_unknown_criterion 'Match Colour blue\n' "$B line 1: Bad Match condition"
bad_case check_missing_pattern 'Match User\n' "Missing Match criteria for User"
bad_case check_all_combined 'Match All User x\n' "'all' cannot be combined with other Match attributes"
bad_case check_bad_cidr 'Match Address 10.1.2.3/8\n' "Invalid Match address argument '10.1.2.3/8' at line 1"
bad_case check_bad_localport 'Match LocalPort nope\n' "Invalid LocalPort 'nope' on Match line"
printf 'Include %s\n' "$T/loop.config" >"$T/loop.config"
"$BURROWD" -t -f "$T/loop.config" -h "$T/hostkey" >"$T/loop.out" 2>&1
rc=$?
if [ "$rc" = 255 ] && grep -qxF "Too many recursive configuration includes" "$T/loop.out"; then
	pass check_include_loop
else
	fail check_include_loop "exit $rc: $(tail_text "$T/loop.out")"
fi

# -t on the good file: no output, status 0.
if out=$("$BURROWD" -t -f "$T/config" -h "$T/hostkey" 2>&1) && [ -z "$out" ]; then
	pass check_good_config
else
	fail check_good_config "status $?, output: $(echo "$out" | head -3 | tr '\n' '|')"
fi

# Command-line rules, as sshd.
cmdline_case() { # NAME RC LINE ARG...
	local name=$1 want_rc=$2 line=$3
	shift 3
	"$BURROWD" "$@" >"$T/cmd.out" 2>&1
	local rc=$?
	if [ "$rc" = "$want_rc" ] && grep -qxF -- "$line" "$T/cmd.out"; then
		pass "$name"
	else
		fail "$name" "exit $rc (want $want_rc): $(tail_text "$T/cmd.out")"
	fi
}
cmdline_case cmdline_match_refused 255 "Match directive not supported as a command-line option" \
	-T -f "$T/config" -h "$T/hostkey" -o "Match=User x"
cmdline_case cmdline_include_refused 255 "Include directive not supported as a command-line option" \
	-T -f "$T/config" -h "$T/hostkey" -o "Include=/dev/null"
cmdline_case cmdline_C_needs_T 255 "Config test connection parameter (-C) provided without test mode (-T)" \
	-t -f "$T/config" -h "$T/hostkey" -C user=bob
cmdline_case cmdline_C_bad_spec 1 "Invalid test mode specification colour=blue" \
	-T -f "$T/config" -h "$T/hostkey" -C colour=blue
cmdline_case cmdline_C_missing_field 255 \
	"'Match Address' in configuration but 'addr' not in connection test specification." \
	-T -f "$T/config" -h "$T/hostkey" -C user=nobody

# ---- -T output is a config file that gives the same -T output ----
if ! ours_T "$T/rt1" "$T/config" -C "user=bob,addr=10.1.2.3,lport=2222,$SPEC_TAIL"; then
	fail T_round_trip "first -T failed: $(tail_text "$T/rt1.err")"
elif ! "$BURROWD" -T -f "$T/rt1" >"$T/rt2" 2>"$T/rt2.err"; then
	fail T_round_trip "-T on the first output failed: $(tail_text "$T/rt2.err")"
elif ! diff -u "$T/rt1" "$T/rt2" >"$T/rt.diff"; then
	fail T_round_trip "outputs differ: $(grep '^[-+][a-z]' "$T/rt.diff" | head -4 | tr '\n' '|')"
else
	pass T_round_trip
fi

# ---- live: a relative Include read by a running server (and its per-connection processes) ----
gen_key "$T/selfkey"
cp "$T/selfkey.pub" "$T/self_keys"
mkdir -p "$T/srv/conf.d"
echo "BANNER-FROM-RELATIVE-INCLUDE" >"$T/srv/banner"
printf 'Banner %s\n' "$T/srv/banner" >"$T/srv/conf.d/banner.conf"
printf 'Include conf.d/*.conf\n' >"$T/srv/config"
SSH_SELF=(ssh -F none -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes
	-o ConnectTimeout=5 -o IdentitiesOnly=yes -i "$T/selfkey")
if ! start_burrowd "$T/hostkey" "$T/self_keys" -f "$T/srv/config"; then
	fail live_relative_include "$START_ERROR"
else
	timeout "$CASE_TIMEOUT" "${SSH_SELF[@]}" -p "$BURROWD_PORT" "$ME@127.0.0.1" echo ran </dev/null >"$T/out" 2>"$T/err"
	rc=$?
	if [ "$rc" = 0 ] && grep -qx ran "$T/out" && grep -qx BANNER-FROM-RELATIVE-INCLUDE "$T/err"; then
		pass live_relative_include
	else
		fail live_relative_include "exit $rc, stderr: $(tail_text "$T/err")"
	fi
	stop_pid "$BURROWD_PID"
fi

# ---- live: a Match User block changes what one account may do ----
LIVE_CASES="live_match_user_key_file live_match_user_no_password live_match_user_password_not_offered
	live_other_user_password"
callers=$(grep -l 'servconf_for_connection(' "$INTEROP_DIR"/../../src/cmd/burrowd/*.c 2>/dev/null |
	grep -v -e servconf_match.c -e /main.c)
if [ -z "$callers" ]; then
	skip_all "the connection code does not call servconf_for_connection yet: Match blocks apply to -T only" \
		$LIVE_CASES
	finish
fi
if [ "$(id -u)" != 0 ]; then
	skip_all "needs root (accounts with passwords)" $LIVE_CASES
	finish
fi
make_account bmatch $LIVE_CASES
MU=$U MUHOME=$UHOME MUPASS=$PASSWORD
make_account bother $LIVE_CASES
OU=$U OUPASS=$PASSWORD
gen_key "$T/userkey"
mkdir -p "$MUHOME/.ssh"
cp "$T/userkey.pub" "$MUHOME/.ssh/match_keys"
chown -R "$MU:" "$MUHOME/.ssh"
cat >"$T/live.config" <<EOF
PasswordAuthentication yes
KbdInteractiveAuthentication no
UsePAM no
Match User $MU
	PasswordAuthentication no
	AuthorizedKeysFile .ssh/match_keys
EOF
# -o AuthorizedKeysFile (start_burrowd) names a file nobody has: only the Match block's works.
if ! start_burrowd "$T/hostkey" "$T/nobody_keys" -f "$T/live.config"; then
	fail_all "$START_ERROR" $LIVE_CASES
	finish
fi
SSH=(ssh -F none -p "$BURROWD_PORT" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
	-o BatchMode=no -o ConnectTimeout=5 -o LogLevel=ERROR)
exec_case live_match_user_key_file "${SSH[@]}" -o PasswordAuthentication=no -o IdentitiesOnly=yes \
	-i "$T/userkey" "$MU@127.0.0.1"
write_askpass
askpass_run "$MUPASS" "${SSH[@]}" -o PubkeyAuthentication=no -o PreferredAuthentications=password \
	-o NumberOfPasswordPrompts=1 "$MU@127.0.0.1" echo ran
rc=$?
if [ "$rc" = 255 ] && ! grep -q ran "$T/out"; then
	pass live_match_user_no_password
else
	fail live_match_user_no_password "exit $rc (want 255), out: $(first_line "$T/out")"
fi
# As sshd, the block is applied when the user is first named (the "none" request), so the
# password method is not even offered and ssh never asks for one.
if [ "$rc" = 255 ] && [ ! -s "$T/prompts" ]; then
	pass live_match_user_password_not_offered
else
	fail live_match_user_password_not_offered "ssh prompted: $(first_line "$T/prompts")"
fi
askpass_run "$OUPASS" "${SSH[@]}" -o PubkeyAuthentication=no -o PreferredAuthentications=password \
	-o NumberOfPasswordPrompts=1 "$OU@127.0.0.1" echo ran
rc=$?
if [ "$rc" = 0 ] && grep -qx ran "$T/out"; then
	pass live_other_user_password
else
	fail live_other_user_password "exit $rc: $(tail_text "$T/err.raw")"
fi
finish

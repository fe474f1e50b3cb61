#!/usr/bin/env bash
# burrow reads ssh_config as OpenSSH's ssh does: `burrow -G` against `ssh -G` on the same config
# file (-F) for Host and Match blocks, Include, %-tokens, first-value-wins and -o overrides; and
# bad config lines give ssh's messages and exit status 255.
# usage: tests/interop/client_config.sh BUILD_DIR
# shellcheck disable=SC2016,SC1003 # ${VAR} and \ in single quotes are meant for the config files
# shellcheck source=tests/interop/lib.sh
. "$(dirname "$0")/lib.sh" "$@"

BURROW=$BUILD/burrow
# The keywords burrow implements (ssh -G prints more; those are not compared). Algorithm lists
# are compared only where a case sets them explicitly (ALGO_KEYS): the defaults differ.
KEYS="host user hostname port addressfamily batchmode compression exitonforwardfailure hashknownhosts
identitiesonly kbdinteractiveauthentication passwordauthentication pubkeyauthentication requesttty
sessiontype stdinnull forkafterauthentication stricthostkeychecking tcpkeepalive updatehostkeys
connectionattempts numberofpasswordprompts serveralivecountmax serveraliveinterval hostkeyalias
identityagent ignoreunknown kbdinteractivedevices remotecommand loglevel preferredauthentications
identityfile certificatefile globalknownhostsfile userknownhostsfile sendenv setenv forwardagent
connecttimeout escapechar rekeylimit"
ALGO_KEYS="ciphers macs kexalgorithms hostkeyalgorithms pubkeyacceptedalgorithms"

if ! need_cmd ssh; then
	skip_all "no OpenSSH ssh: $MISSING" client_config
	finish
fi
if [ ! -x "$BURROW" ]; then
	fail_all "$BURROW not built" client_config
	finish
fi

# Relative Include paths of a -F file are under ~/.ssh: a directory of our own there, removed at
# exit with the rest.
SSH_DIR=$(getent passwd "$(id -u)" | cut -d: -f6)/.ssh
mkdir -p "$SSH_DIR"
SUB=$(mktemp -d "$SSH_DIR/burrow-cfgtest.XXXXXX")
SUB_NAME=$(basename "$SUB")
trap 'rm -rf "$SUB"; _cleanup' EXIT

# Only the lines of the keywords in $1, in the order printed.
keep_keys() {
	awk -v keys="$1" 'BEGIN { n = split(keys, k, /[ \n]+/); for (i = 1; i <= n; i++) want[k[i]] = 1 }
		($1 in want) { print }'
}

# golden NAME [--algos] CONFIG ARG...: `burrow -G -F CONFIG ARG...` and `ssh -G ...` print the
# same lines for our keywords, both exit 0, and at least 20 keywords are compared. CONFIG "-":
# no -F, both read ~/.ssh/config and /etc/ssh/ssh_config (with its Include of ssh_config.d).
golden() {
	local name=$1 keys=$KEYS
	shift
	if [ "$1" = --algos ]; then
		keys="$KEYS $ALGO_KEYS"
		shift
	fi
	local config=(-F "$1")
	[ "$1" = - ] && config=() # the user's and the system's files
	shift
	ssh -G "${config[@]}" "$@" </dev/null >"$T/ssh.raw" 2>"$T/ssh.err"
	local ssh_rc=$?
	"$BURROW" -G "${config[@]}" "$@" </dev/null >"$T/burrow.raw" 2>"$T/burrow.err"
	local burrow_rc=$?
	keep_keys "$keys" <"$T/ssh.raw" >"$T/ssh.out"
	keep_keys "$keys" <"$T/burrow.raw" >"$T/burrow.out"
	cp "$T/ssh.out" "$ARTIFACTS/client_config_$name.ssh"
	cp "$T/burrow.out" "$ARTIFACTS/client_config_$name.burrow"
	if [ "$ssh_rc" != 0 ] || [ "$burrow_rc" != 0 ]; then
		fail "$name" "exit status ssh $ssh_rc burrow $burrow_rc: $(head -c 200 "$T/burrow.err")"
	elif grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$T/burrow.err"; then
		fail "$name" "sanitizer report: $(grep -m1 -E 'ERROR: |runtime error:' "$T/burrow.err" | cut -c1-160)"
	elif ! cmp -s "$T/ssh.out" "$T/burrow.out"; then
		fail "$name" "differs from ssh -G: $(diff "$T/ssh.out" "$T/burrow.out" | grep '^[<>]' | head -4 | tr '\n' ' ' | cut -c1-300)"
	elif [ "$(wc -l <"$T/burrow.out")" -lt 20 ]; then
		fail "$name" "only $(wc -l <"$T/burrow.out") keywords compared"
	else
		pass "$name"
	fi
}

# bad_config NAME LINE...: a config of these lines makes burrow print what ssh prints on stderr
# and exit 255 as ssh does (ssh's tty notice aside).
bad_config() {
	local name=$1
	shift
	printf '%s\n' "$@" >"$T/bad.conf"
	ssh -G -F "$T/bad.conf" somehost </dev/null >/dev/null 2>"$T/ssh.err"
	local ssh_rc=$?
	"$BURROW" -G -F "$T/bad.conf" somehost </dev/null >"$T/burrow.out" 2>"$T/burrow.err"
	local burrow_rc=$?
	grep -v '^Pseudo-terminal will not be allocated' "$T/ssh.err" >"$T/ssh.err.kept"
	if [ "$ssh_rc" != 255 ]; then
		fail "$name" "ssh itself exited $ssh_rc: the case is wrong"
	elif [ "$burrow_rc" != 255 ]; then
		fail "$name" "burrow exited $burrow_rc, not 255"
	elif [ -s "$T/burrow.out" ]; then
		fail "$name" "burrow printed a configuration"
	elif ! cmp -s "$T/ssh.err.kept" "$T/burrow.err"; then
		fail "$name" "ssh said '$(tr -d '\r' <"$T/ssh.err.kept" | tr '\n' '|')' burrow '$(tr -d '\r' <"$T/burrow.err" | tr '\n' '|')'"
	else
		pass "$name"
	fi
}

# bad_option NAME OPTION: the same for `-o OPTION` on the command line.
bad_option() {
	local name=$1
	ssh -G -F none -o "$2" somehost </dev/null >/dev/null 2>"$T/ssh.err"
	local ssh_rc=$?
	"$BURROW" -G -F none -o "$2" somehost </dev/null >"$T/burrow.out" 2>"$T/burrow.err"
	local burrow_rc=$?
	grep -v '^Pseudo-terminal will not be allocated' "$T/ssh.err" >"$T/ssh.err.kept"
	if [ "$ssh_rc" != 255 ] || [ "$burrow_rc" != 255 ]; then
		fail "$name" "exit status ssh $ssh_rc burrow $burrow_rc"
	elif ! cmp -s "$T/ssh.err.kept" "$T/burrow.err"; then
		fail "$name" "ssh said '$(tr -d '\r' <"$T/ssh.err.kept" | tr '\n' '|')' burrow '$(tr -d '\r' <"$T/burrow.err" | tr '\n' '|')'"
	else
		pass "$name"
	fi
}

# ---- defaults ----
: >"$T/empty.conf"
golden client_config_defaults "$T/empty.conf" example.org
golden client_config_default_files - example.org
golden client_config_defaults_uppercase_host "$T/empty.conf" Example.ORG

# ---- Host blocks: patterns, negation, case, first value wins ----
cat >"$T/host.conf" <<'CONF'
# Options before any Host line apply to every host.
Compression yes
Host web*.example.com !web9.example.com
  User alice
  Port 2201
  ServerAliveInterval 15
  IdentityFile ~/.ssh/id_web
Host web1.example.com
  User bob
  HostName %h.internal
  IdentityFile ~/.ssh/id_web1
Host Upper.example.com
  Port 2299
Host *
  User zed
  Port 2200
  ServerAliveCountMax 7
  ConnectionAttempts 2
  TCPKeepAlive no
  RequestTTY force
  EscapeChar ^B
  SendEnv LANG LC_*
  SendEnv -LC_ALL EDITOR
  SetEnv FOO=bar "BAZ=two words"
  SetEnv IGNORED=yes
  StrictHostKeyChecking accept-new
  BatchMode yes
  IdentitiesOnly yes
  HashKnownHosts yes
  ForwardAgent yes
  ConnectTimeout 12
  ExitOnForwardFailure yes
  ForkAfterAuthentication yes
  StdinNull yes
  SessionType none
  LogLevel VERBOSE
  NumberOfPasswordPrompts 1
  PasswordAuthentication no
  KbdInteractiveAuthentication no
  PubkeyAuthentication host-bound
  PreferredAuthentications publickey,password
  HostKeyAlias alias-%h
  RekeyLimit 1G 1h
  AddressFamily inet
  UpdateHostKeys no
  GlobalKnownHostsFile /etc/ssh/ssh_known_hosts_test
CONF
golden client_config_host_blocks "$T/host.conf" web1.example.com
golden client_config_host_negation "$T/host.conf" web9.example.com
golden client_config_host_case_sensitive "$T/host.conf" Web1.example.com
golden client_config_host_uppercase_pattern "$T/host.conf" Upper.example.com

# ---- Match blocks ----
cat >"$T/match.conf" <<CONF
Host alias1
  HostName Real1.Example.NET
Match originalhost alias1 user carol
  Port 2301
Match host real1.example.net !user dave
  IdentityFile ~/.ssh/id_m_%h_%r
Match localuser $ME exec "test %h = real1.example.net && test %n = alias1"
  ServerAliveInterval 33
Match exec "exit 1"
  ServerAliveInterval 44
Match !localuser nobody-burrow-test host !*.example.org
  ConnectTimeout 9
Match user carol,!dave
  SendEnv CAROL_*
Match !all
  BatchMode yes
Match all
  StrictHostKeyChecking no
CONF
golden client_config_match_originalhost_user "$T/match.conf" -l carol alias1
golden client_config_match_negated_user "$T/match.conf" -l dave alias1
golden client_config_match_other_host "$T/match.conf" other.example.org

# Match final: a second reading where "final" holds and Host blocks see the final name.
cat >"$T/final.conf" <<'CONF'
Host short
  HostName long.example.com
Host long.example.com
  Port 2402
Match final host long.example.com
  User finaluser
  SendEnv FINAL_VAR
Match !final
  SendEnv FIRST_PASS
CONF
golden client_config_match_final "$T/final.conf" short

# ---- Include: a glob, a relative path under ~/.ssh, inside a Host block ----
cat >"$SUB/inc-a.conf" <<'CONF'
Host inc.example.com
  User from-inc-a
CONF
cat >"$SUB/inc-b.conf" <<'CONF'
ServerAliveCountMax 11
Host *
  User from-inc-b
  ServerAliveInterval 21
CONF
cat >"$SUB/rel.conf" <<'CONF'
SetEnv REL=1
Match host inc.example.com
  Port 2501
CONF
cat >"$SUB/conditional.conf" <<'CONF'
ConnectionAttempts 3
CONF
chmod 600 "$SUB"/*.conf
cat >"$T/include.conf" <<CONF
Include $SUB/inc-*.conf
Include $SUB_NAME/rel.conf
Host nomatch.example.com
  Include $SUB_NAME/conditional.conf
Host inc.example.com
  Include $SUB_NAME/conditional.conf
  ServerAliveInterval 99
CONF
golden client_config_include "$T/include.conf" inc.example.com
golden client_config_include_other_host "$T/include.conf" other.example.com

# ---- tokens ----
cat >"$T/tokens.conf" <<'CONF'
Host tok
  HostName Tok.Example.com
  User tokuser
  Port 2022
IdentityFile ~/.ssh/id_%h_%r_%p_%C
CertificateFile ~/.ssh/cert_%n_%u
UserKnownHostsFile ~/.ssh/kh_%h_%p_%r_%u_%n_%C_%L_%l_%i_%d_%k %d/.ssh/second_%%
IdentityAgent ~/agent.%C.%r
RemoteCommand echo  "%h  %p" %% %r
CONF
golden client_config_tokens "$T/tokens.conf" tok
golden client_config_tokens_alias "$T/tokens.conf" -o HostKeyAlias=kalias tok

# ForwardAgent with a socket path: expanded like IdentityAgent (a missing socket only warns).
printf 'ForwardAgent ~/.ssh/agent_%%h_%%r\nIdentityAgent ${HOME}/agent.%%C\n' >"$T/agent.conf"
golden client_config_agent_paths "$T/agent.conf" agent.example.com

# ---- the command line comes first ----
golden client_config_cli_overrides "$T/host.conf" -o User=cli -o Port=2999 -o ServerAliveInterval=5 \
	-o SendEnv=CLI_VAR -o "SetEnv CLI=1" -o EscapeChar=none -o RequestTTY=no -i /dev/null -p 2888 web1.example.com
golden client_config_cli_escapechar "$T/empty.conf" -o 'EscapeChar=\' -o SessionType=default web1.example.com
golden client_config_cli_user_at_host "$T/match.conf" carol@alias1

# ---- algorithm lists set explicitly ----
cat >"$T/algos.conf" <<'CONF'
Ciphers aes128-ctr,aes256-gcm@openssh.com
MACs hmac-sha2-256,hmac-sha2-512-etm@openssh.com
KexAlgorithms curve25519-sha256,diffie-hellman-group14-sha256
HostKeyAlgorithms ssh-ed25519,rsa-sha2-512
PubkeyAcceptedAlgorithms ssh-ed25519,ecdsa-sha2-nistp256
CONF
golden client_config_algorithms --algos "$T/algos.conf" algo.example.com

# ---- bad lines: ssh's words and status ----
bad_config client_config_bad_extra_argument 'Port 22 33'
bad_config client_config_bad_port 'Port abc'
bad_config client_config_bad_keyword 'Bogus 1'
bad_config client_config_bad_match_attribute 'Match foo bar'
bad_config client_config_bad_match_missing 'Match host'
bad_config client_config_bad_match_all 'Match all host x'
bad_config client_config_bad_match_exec_missing 'Match exec'
bad_config client_config_bad_requesttty 'RequestTTY maybe'
bad_config client_config_bad_escapechar 'EscapeChar ab'
bad_config client_config_bad_sendenv 'SendEnv A=B'
bad_config client_config_bad_setenv 'SetEnv AB'
bad_config client_config_bad_integer 'ServerAliveCountMax x'
bad_config client_config_bad_connectionattempts 'ConnectionAttempts 0'
bad_config client_config_bad_flag 'TCPKeepAlive 2'
bad_config client_config_bad_time 'ServerAliveInterval 5x'
bad_config client_config_bad_no_argument 'Host'
bad_config client_config_bad_token 'UserKnownHostsFile /tmp/x_%Z'
bad_config client_config_bad_agent_variable 'IdentityAgent ${BURROW_TEST_UNSET_VARIABLE}'
bad_config client_config_bad_match_exec_token 'Match exec "true %Z"'
bad_option client_config_bad_cli_match 'Match all'
bad_option client_config_bad_cli_host 'Host x'
bad_option client_config_bad_cli_include 'Include x'
bad_option client_config_bad_cli_value 'RequestTTY sometimes'
bad_config client_config_bad_after_unsupported 'RSAAuthentication yes' 'Port x'
bad_config client_config_bad_several 'Port abc' 'Host *' 'SessionType x' 'Bogus 2'

finish

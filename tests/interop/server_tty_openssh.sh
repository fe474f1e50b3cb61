#!/usr/bin/env bash
# A real interactive login into our burrowd, driven through tmux: OpenSSH's `ssh -tt` and
# PuTTY's `plink -t`. The prompt appears, `tty` names a pty, `stty size` follows a window resize
# (SIGWINCH on the far side), vi opens and quits, Ctrl-C interrupts sleep, `exit 7` gives status
# 7, ssh's `~.` disconnects, and the local terminal is the same afterwards (`stty -a`).
# As root the login goes to a throwaway account (shell /bin/sh); otherwise to us.
# shellcheck disable=SC2016 # the single-quoted commands are expanded by the remote shell
# shellcheck source=tests/interop/lib.sh
. "$(dirname "$0")/lib.sh" "$@"

CASE_TIMEOUT=${CASE_TIMEOUT:-30}
steps=(prompt tty_is_pty window_resize vi_opens_and_quits ctrl_c_interrupts exit_status_7 terminal_restored)
ssh_cases=() plink_cases=()
for s in "${steps[@]}"; do ssh_cases+=("tty_ssh_$s") plink_cases+=("tty_plink_$s"); done
ssh_cases+=(tty_ssh_escape_disconnects tty_ssh_escape_terminal_restored)

if ! need_cmd tmux ssh ssh-keygen timeout; then
	skip_all "missing $MISSING (tmux/openssh-client)" "${ssh_cases[@]}" "${plink_cases[@]}"
	finish
fi
if [ ! -x "$BUILD/burrowd" ]; then
	fail_all "$BUILD/burrowd was not built" "${ssh_cases[@]}" "${plink_cases[@]}"
	finish
fi

gen_key "$T/host_ed25519" "burrowd-host"
gen_key "$T/user_ed25519" "user"
if [ "$(id -u)" = 0 ]; then
	make_account btty "${ssh_cases[@]}" "${plink_cases[@]}"
	LOGIN=$U
	mkdir -p "$UHOME/.ssh"
	cp "$T/user_ed25519.pub" "$UHOME/.ssh/authorized_keys"
	chown -R "$LOGIN:" "$UHOME/.ssh"
	AUTHKEYS=.ssh/authorized_keys
else
	LOGIN=$ME
	cp "$T/user_ed25519.pub" "$T/authorized_keys"
	AUTHKEYS="$T/authorized_keys"
fi
if ! start_burrowd "$T/host_ed25519" "$AUTHKEYS"; then
	fail_all "$START_ERROR" "${ssh_cases[@]}" "${plink_cases[@]}"
	finish
fi

# screen_has_line TEXT: a line of the screen is exactly TEXT (trailing blanks aside).
screen_has_line() { tty_screen | sed 's/[[:space:]]*$//' | grep -qxF -- "$1"; }
wait_line() {
	for _ in $(seq 1 100); do
		screen_has_line "$1" && return 0
		sleep 0.1
	done
	return 1
}
# wait_regex RE: until a screen line matches the extended regex RE.
wait_regex() {
	for _ in $(seq 1 100); do
		tty_screen | grep -qE -- "$1" && return 0
		sleep 0.1
	done
	return 1
}
# A fresh prompt for the next step: an answer the shell must compute (the typed line differs).
PROMPT_N=0
shell_answers() {
	PROMPT_N=$((PROMPT_N + 1))
	tty_keys "echo step-\$(($PROMPT_N * 1000 + 1))" Enter
	wait_line "step-$((PROMPT_N * 1000 + 1))"
}

# client_script FILE COMMAND...: FILE runs COMMAND between two `stty -a` snapshots of the tmux
# terminal and exits with COMMAND's status.
client_script() {
	local file=$1
	shift
	{
		echo '#!/bin/sh'
		echo "stty -a >\"$T/stty.before\""
		printf '%q ' "$@"
		echo
		echo 'rc=$?'
		echo "stty -a >\"$T/stty.after\""
		echo 'exit $rc'
	} >"$file"
	chmod 755 "$file"
}

# interactive_steps PREFIX: the steps of an interactive login already started in tmux.
interactive_steps() {
	local p=$1 size_before want
	# capture-pane drops trailing blanks: the prompt "$ " ends a line as "$".
	if wait_regex '\$$'; then pass "${p}_prompt"; else fail "${p}_prompt" "no '\$ ' prompt: $(tty_screen | grep -v '^$' | tail -n 3 | tr '\n' '|')"; fi

	tty_keys 'echo "tty=$(tty)"' Enter
	if wait_regex '^tty=/dev/pts/[0-9]+$'; then pass "${p}_tty_is_pty"; else fail "${p}_tty_is_pty" "screen: $(tty_screen | grep -v '^$' | tail -n 3 | tr '\n' '|')"; fi

	tty_keys clear Enter
	tty_keys 'echo "size=$(stty size)"' Enter
	wait_regex '^size=[0-9]+ [0-9]+$'
	size_before=$(tty_screen | grep -E '^size=[0-9]+ [0-9]+$' | tail -n 1)
	tmux -S "$_TTY_SOCK" resize-window -x 100 -y 30 2>/dev/null
	sleep 0.5
	want="size=$(tmux -S "$_TTY_SOCK" display -p '#{pane_height} #{pane_width}')"
	tty_keys clear Enter
	tty_keys 'echo "size=$(stty size)"' Enter
	# The client sends window-change when its SIGWINCH arrives, which may be after our line:
	# ask once more before calling it a failure.
	if ! wait_line "$want"; then
		tty_keys 'echo "size=$(stty size)"' Enter
		wait_line "$want"
	fi
	if screen_has_line "$want" && [ "$size_before" != "$want" ]; then
		pass "${p}_window_resize"
	else
		fail "${p}_window_resize" "before '$size_before', want '$want', screen: $(tty_screen | grep -v '^$' | tail -n 4 | tr '\n' '|')"
	fi

	tty_keys clear Enter
	tty_keys vi Enter
	if wait_line '~'; then
		# ESC alone first: followed at once by ':' it would read as a key sequence.
		tty_keys Escape
		sleep 0.5
		tty_keys ':q!' Enter
		# vi drops typeahead as it leaves: type only once its screen is gone.
		for _ in $(seq 1 50); do screen_has_line '~' || break; sleep 0.1; done
		sleep 0.5
		if shell_answers; then pass "${p}_vi_opens_and_quits"; else fail "${p}_vi_opens_and_quits" "no shell after :q!: $(tty_screen | grep -v '^$' | tail -n 3 | tr '\n' '|')"; fi
	else
		fail "${p}_vi_opens_and_quits" "vi did not show its '~' lines: $(tty_screen | tail -n 3 | tr '\n' '|')"
		tty_keys Escape ':q!' Enter
	fi

	tty_keys clear Enter
	tty_keys 'sleep 30; echo not-interrupted' Enter
	sleep 1
	tty_keys C-c
	if shell_answers && ! screen_has_line not-interrupted; then
		pass "${p}_ctrl_c_interrupts"
	else
		fail "${p}_ctrl_c_interrupts" "sleep went on after Ctrl-C: $(tty_screen | tail -n 3 | tr '\n' '|')"
	fi

	tty_keys 'exit 7' Enter
	tty_finish
	if [ "$TTY_RC" = 7 ]; then pass "${p}_exit_status_7"; else fail "${p}_exit_status_7" "status '$TTY_RC': $(echo "$TTY_SCREEN" | tail -n 3 | tr '\n' '|')"; fi
	terminal_restored "${p}_terminal_restored"
}

# The modes of a `stty -a` snapshot, without the size (the window was resized on purpose).
stty_modes() { sed 's/rows [0-9]*; columns [0-9]*; //' "$1"; }

terminal_restored() {
	if [ ! -s "$T/stty.before" ] || [ ! -s "$T/stty.after" ]; then
		fail "$1" "no stty -a snapshot"
	elif cmp -s <(stty_modes "$T/stty.before") <(stty_modes "$T/stty.after"); then
		pass "$1"
	else
		fail "$1" "stty -a differs: $(diff <(stty_modes "$T/stty.before") <(stty_modes "$T/stty.after") | grep '^[<>]' | tr '\n' ' ' | cut -c1-200)"
	fi
	rm -f "$T/stty.before" "$T/stty.after"
}

SSH=(ssh -o BatchMode=yes -o StrictHostKeyChecking=no -o "UserKnownHostsFile=$T/known_hosts" -o IdentitiesOnly=yes
	-o IdentityAgent=none -i "$T/user_ed25519" -o ConnectTimeout=10 -o EscapeChar='~' -tt -p "$BURROWD_PORT"
	-l "$LOGIN" 127.0.0.1)
client_script "$T/ssh.sh" timeout --foreground 120 "${SSH[@]}"
tty_start "$T/ssh.sh"
interactive_steps tty_ssh

# ~. at the start of a line: ssh drops the connection (255) and says so.
tty_start "$T/ssh.sh"
wait_regex '\$$'
tty_keys Enter '~' '.'
tty_finish
if [ "$TTY_RC" = 255 ] && echo "$TTY_SCREEN" | grep -q 'Connection to 127.0.0.1 closed'; then
	pass tty_ssh_escape_disconnects
else
	fail tty_ssh_escape_disconnects "status '$TTY_RC': $(echo "$TTY_SCREEN" | grep -v '^$' | tail -n 2 | tr '\n' '|')"
fi
terminal_restored tty_ssh_escape_terminal_restored

# PuTTY's plink, with the host key pinned and the key as a .ppk.
if ! need_cmd plink puttygen; then
	skip_all "missing $MISSING (putty-tools)" "${plink_cases[@]}"
	finish
fi
mkdir -p "$T/home"
if ! HOME="$T/home" puttygen "$T/user_ed25519" -O private -o "$T/user_ed25519.ppk" </dev/null >"$T/puttygen.log" 2>&1; then
	fail_all "puttygen could not convert the key: $(tail_text "$T/puttygen.log")" "${plink_cases[@]}"
	finish
fi
FPR=$(ssh-keygen -l -E sha256 -f "$T/host_ed25519.pub" | cut -d' ' -f2)
client_script "$T/plink.sh" env HOME="$T/home" timeout --foreground 120 plink -ssh -t -noagent -P "$BURROWD_PORT" -l "$LOGIN" \
	-i "$T/user_ed25519.ppk" -hostkey "$FPR" 127.0.0.1
PROMPT_N=0
tty_start "$T/plink.sh"
# plink waits for a key before the session when authentication printed anything.
tty_wait 'Press Return to begin session' && tty_keys Enter
interactive_steps tty_plink

finish

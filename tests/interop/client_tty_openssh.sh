#!/usr/bin/env bash
# burrow as a terminal against OpenSSH's sshd, driven through tmux like a person at a keyboard:
# `burrow host` with no command gets a shell on a pty; the prompt answers, `tty` names a
# /dev/pts device, `stty size` follows a window resize (SIGWINCH -> window-change), vi opens and
# quits, Ctrl-C interrupts a remote `sleep 100`, `exit 7` is burrow's exit status 7, `~.`
# disconnects (exit 255), `~?` prints the escape help, `-e` changes the escape character, and the
# local terminal's `stty -a` is the same before and after each run (raw mode restored). Needs
# root for a throwaway account (removed at exit) whose login shell is /bin/sh.
# shellcheck source=tests/interop/lib.sh
. "$(dirname "$0")/lib.sh" "$@"

P=client_tty_openssh
cases=("${P}_prompt_appears" "${P}_tty_names_a_pts" "${P}_term_passed" "${P}_stty_size_follows_resize"
	"${P}_vi_opens_and_quits" "${P}_ctrl_c_interrupts_sleep" "${P}_exit_7_is_status_7"
	"${P}_connection_closed_message" "${P}_stty_unchanged_after_exit" "${P}_escape_help"
	"${P}_tilde_dot_disconnects" "${P}_stty_unchanged_after_tilde_dot" "${P}_escape_char_option"
	"${P}_double_tilde_sends_one" "${P}_sigterm_restores_terminal" "${P}_local_modes_sent"
	"${P}_command_line_help_and_cancel" "${P}_list_connections")

if [ "$(id -u)" != 0 ]; then
	skip_all "needs root to create a throwaway account" "${cases[@]}"
	finish
fi
if ! need_cmd tmux ssh-keygen useradd userdel vi stty; then
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

make_account bwtty "${cases[@]}"
gen_key "$T/user" "tty-user"
install -d -m 700 -o "$U" "$UHOME/.ssh"
install -m 600 -o "$U" "$T/user.pub" "$UHOME/.ssh/authorized_keys"
gen_key "$T/host" "tty-host"
PORT_tty=""
if ! start_sshd_root tty "HostKey $T/host" "UsePAM no" "PasswordAuthentication no" "PrintMotd no" \
	"PrintLastLog no" "Banner none"; then
	fail_all "$START_ERROR" "${cases[@]}"
	finish
fi
KH="$T/known_hosts"
echo "[127.0.0.1]:$PORT_tty $(cut -d' ' -f1,2 "$T/host.pub")" >"$KH"
chmod 755 "$T" # the account's vi reads nothing here, but its shell starts in its own HOME

# run_in_tty [OPTION...]: burrow to the account on a tmux terminal; `stty -a` of that terminal
# is saved before and after, and the script's status is burrow's.
run_in_tty() {
	# burrow-wrap.sh records its PID, which exec makes burrow's, for the signal case
	printf '#!/bin/sh\necho $$ >"%s/burrow.pid"\nexec "$@"\n' "$T" >"$T/burrow-wrap.sh"
	{
		echo "${RUN_PRE:-:}"
		echo "stty -a >'$T/stty.before'"
		echo "echo \"\$TERM\" >'$T/term.local'"
		printf "sh '%s' '%s' -F /dev/null -i '%s' -o UserKnownHostsFile='%s' -o StrictHostKeyChecking=yes -p %s" \
			"$T/burrow-wrap.sh" "$BUILD/burrow" "$T/user" "$KH" "$PORT_tty"
		[ $# -gt 0 ] && printf " '%s'" "$@"
		echo " $U@127.0.0.1 2>'$T/burrow.err'"
		echo 'rc=$?'
		echo "stty -a >'$T/stty.after'"
		echo 'exit $rc'
	} >"$T/run.sh"
	rm -f "$T/stty.before" "$T/stty.after" "$T/burrow.err" "$T/burrow.pid"
	TERM=xterm-256color tty_start "sh $T/run.sh"
	sleep 1 # what is typed before raw mode waits in the terminal anyway
}

# err_wait TEXT: until burrow's stderr (a file) holds TEXT, 10 s at most.
err_wait() {
	for _ in $(seq 1 100); do
		grep -qF -- "$1" "$T/burrow.err" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# screen_line_wait LINE: until a whole line of the screen is LINE.
screen_line_wait() {
	for _ in $(seq 1 100); do
		tty_screen | grep -qxF -- "$1" && return 0
		sleep 0.1
	done
	return 1
}

# ready_wait: the first answer of the remote shell (login can take a while on a loaded machine).
ready_wait() { tty_wait "READY-42" || tty_wait "READY-42" || tty_wait "READY-42"; }

# typed TEXT: a line typed into the remote shell.
typed() { tty_keys -l "$1"; tty_keys Enter; }

# stty_check NAME: the modes after burrow are those before it (the size aside: a case resizes).
stty_check() {
	local name=$1
	if [ ! -s "$T/stty.before" ] || [ ! -s "$T/stty.after" ]; then
		fail "$name" "stty -a was not recorded"
	elif ! diff <(sed 's/rows [0-9]*; columns [0-9]*;//' "$T/stty.before") \
		<(sed 's/rows [0-9]*; columns [0-9]*;//' "$T/stty.after") >"$T/stty.diff"; then
		fail "$name" "terminal modes differ: $(tr '\n' ' ' <"$T/stty.diff" | cut -c1-200)"
	else
		pass "$name"
	fi
}

# ---- one login: prompt, tty, TERM, size, vi, Ctrl-C, exit 7 ----
run_in_tty
typed 'echo READY-$((40+2))'
if ready_wait; then
	pass "${P}_prompt_appears"
else
	fail "${P}_prompt_appears" "no shell answer: $(tty_screen | tr -s '\n' ' ' | cut -c1-200) $(tail_text "$T/burrow.err")"
fi

typed 'tty | sed "s/^/TT""Y=/"'
if tty_wait "TTY=/dev/pts/"; then pass "${P}_tty_names_a_pts"; else fail "${P}_tty_names_a_pts" "$(tty_screen | grep -F TTY | head -2)"; fi

typed 'echo "TE""RM=$TERM"'
local_term=$(cat "$T/term.local" 2>/dev/null)
if [ -n "$local_term" ] && tty_wait "TERM=$local_term"; then
	pass "${P}_term_passed"
else
	fail "${P}_term_passed" "local '$local_term', remote: $(tty_screen | grep -F TERM= | head -2)"
fi

typed 'clear; stty size | sed "s/^/SI""ZE=/"'
size_of_pane() { tmux -S "$_TTY_SOCK" display -p '#{pane_height} #{pane_width}'; }
want1=$(size_of_pane)
if tty_wait "SIZE=$want1"; then
	tmux -S "$_TTY_SOCK" resize-window -x 100 -y 15 2>/dev/null
	sleep 0.5
	want2=$(size_of_pane)
	typed 'clear; stty size | sed "s/^/SI""ZE=/"'
	if [ "$want2" != "$want1" ] && tty_wait "SIZE=$want2"; then
		pass "${P}_stty_size_follows_resize"
	else
		fail "${P}_stty_size_follows_resize" "pane $want1 -> $want2: $(tty_screen | grep -F SIZE= | tr '\n' ' ')"
	fi
else
	fail "${P}_stty_size_follows_resize" "first size not $want1: $(tty_screen | grep -F SIZE= | tr '\n' ' ')"
fi

typed 'clear; vi -u NONE +"set nocompatible" /tmp/burrow-vi-$$-never-saved'
if screen_line_wait "~"; then
	sleep 0.5
	tty_keys Escape
	typed ':q!'
	# vi reads ahead: type the next line only once it is gone, or it takes that too
	for _ in $(seq 1 50); do tty_screen | grep -qx '~' || break; sleep 0.1; done
	sleep 0.5
	typed 'clear; echo "VI-GONE-$((9*9))"'
	if tty_wait "VI-GONE-81"; then pass "${P}_vi_opens_and_quits"; else fail "${P}_vi_opens_and_quits" "vi did not quit: $(tty_screen | tr -s '\n' ' ' | cut -c1-200)"; fi
else
	fail "${P}_vi_opens_and_quits" "vi did not open: $(tty_screen | tr -s '\n' ' ' | cut -c1-200)"
	tty_keys Escape
	typed ':q!'
fi

typed 'clear; sleep 100'
sleep 1
tty_keys C-c
typed 'echo "INTERRUPTED-$((3+4))"'
if tty_wait "INTERRUPTED-7"; then
	pass "${P}_ctrl_c_interrupts_sleep"
else
	fail "${P}_ctrl_c_interrupts_sleep" "$(tty_screen | tr -s '\n' ' ' | cut -c1-200)"
fi

typed 'exit 7'
tty_finish
if [ "$TTY_RC" = 7 ]; then pass "${P}_exit_7_is_status_7"; else fail "${P}_exit_7_is_status_7" "status '$TTY_RC': $(tail_text "$T/burrow.err")"; fi
if grep -qxF $'Connection to 127.0.0.1 closed.\r' "$T/burrow.err"; then
	pass "${P}_connection_closed_message"
else
	fail "${P}_connection_closed_message" "stderr: $(tail_text "$T/burrow.err")"
fi
stty_check "${P}_stty_unchanged_after_exit"

# ---- the local modes on the remote pty; ~?, ~C, ~# and ~. ----
RUN_PRE="stty werase ^T" run_in_tty
typed 'echo "READY-$((40+2))"'
ready_wait
typed 'stty -a | grep -o "werase = [^;]*" | sed "s/^/MO""DE-/"'
if tty_wait "MODE-werase = ^T"; then
	pass "${P}_local_modes_sent"
else
	fail "${P}_local_modes_sent" "$(tty_screen | grep -F MODE- | head -2)"
fi
tty_keys -l '~C'
tty_keys -l 'h'
tty_keys Enter
if err_wait "Commands:" && err_wait "not supported by burrow yet"; then
	tty_keys -l '~C'
	tty_keys -l 'xyz'
	tty_keys Escape
	typed 'echo "AFTER-CANCEL-$((1+1))"'
	if tty_wait "AFTER-CANCEL-2" && ! grep -qF "Invalid command" "$T/burrow.err"; then
		pass "${P}_command_line_help_and_cancel"
	else
		fail "${P}_command_line_help_and_cancel" "ESC did not cancel: $(tail_text "$T/burrow.err")"
	fi
else
	fail "${P}_command_line_help_and_cancel" "no help: $(tail_text "$T/burrow.err")"
fi
tty_keys -l '~#'
if err_wait "The following connections are open:" && err_wait "client-session"; then
	pass "${P}_list_connections"
else
	fail "${P}_list_connections" "$(tail_text "$T/burrow.err")"
fi
tty_keys -l '~?'
if err_wait "(Note that escapes are only recognized immediately after newline.)" &&
	grep -qF ' ~.   - terminate connection' "$T/burrow.err"; then
	pass "${P}_escape_help"
else
	fail "${P}_escape_help" "$(tail_text "$T/burrow.err")"
fi
tty_keys Enter
tty_keys -l '~.'
tty_finish
if [ "$TTY_RC" = 255 ] && grep -qF '~.' "$T/burrow.err"; then
	pass "${P}_tilde_dot_disconnects"
else
	fail "${P}_tilde_dot_disconnects" "status '$TTY_RC': $(tail_text "$T/burrow.err")"
fi
stty_check "${P}_stty_unchanged_after_tilde_dot"

# ---- -e and ~~ ----
run_in_tty -e '%'
typed 'echo "READY-$((40+2))"'
ready_wait
tty_keys Enter
tty_keys -l '~.'
typed ' ; echo "STILL-$((5+5))"'
ok=true
tty_wait "STILL-10" || ok=false
tty_keys -l '%.'
tty_finish
if $ok && [ "$TTY_RC" = 255 ]; then
	pass "${P}_escape_char_option"
else
	fail "${P}_escape_char_option" "~. with -e % ended it ($ok) or %. did not (status '$TTY_RC')"
fi

run_in_tty
typed 'echo "READY-$((40+2))"'
ready_wait
tty_keys -l '~~'
typed 'HOME-SIGN; echo "SENT-$((6+6))"'
if tty_wait "SENT-12" && tty_screen | grep -qF -- "~HOME-SIGN" && ! tty_screen | grep -qF -- "~~HOME-SIGN"; then
	pass "${P}_double_tilde_sends_one"
else
	fail "${P}_double_tilde_sends_one" "$(tty_screen | grep -F SIGN | head -2)"
fi

# A signal while in raw mode: ssh's way, the terminal restored and status 255.
bpid=$(cat "$T/burrow.pid" 2>/dev/null)
if [ -n "$bpid" ]; then kill -TERM "$bpid"; fi
tty_finish
if [ -n "$bpid" ] && [ "$TTY_RC" = 255 ]; then
	stty_check "${P}_sigterm_restores_terminal"
else
	fail "${P}_sigterm_restores_terminal" "burrow pid '$bpid', status '$TTY_RC'"
fi

finish

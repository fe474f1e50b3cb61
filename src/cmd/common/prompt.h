/*
 * Asking the user for a passphrase or a yes/no answer, as OpenSSH's read_passphrase() does:
 * from /dev/tty with echo off, or through the SSH_ASKPASS program.
 *
 * SSH_ASKPASS_REQUIRE (ssh(1) ENVIRONMENT):
 *   unset/other  the terminal; the askpass program only when there is no terminal and
 *                DISPLAY or WAYLAND_DISPLAY is set
 *   "prefer"     the askpass program when DISPLAY or WAYLAND_DISPLAY is set, else the terminal
 *   "force"      always the askpass program, display or not
 *   "never"      never the askpass program
 * SSH_ASKPASS names the program (default PROMPT_ASKPASS_DEFAULT); it gets the prompt as its only
 * argument and prints the answer on stdout; a non-zero exit status means "cancelled".
 */
#ifndef BURROW_CMD_PROMPT_H
#define BURROW_CMD_PROMPT_H

#define PROMPT_ECHO 0x01    /* show what is typed (answers that are not secret) */
#define PROMPT_CONFIRM 0x02 /* a yes/no question: askpass gets SSH_ASKPASS_PROMPT=confirm */

#define PROMPT_ASKPASS_DEFAULT "/usr/bin/ssh-askpass"
#define PROMPT_MAX 1024 /* bytes of an answer, as OpenSSH's readpass buffer */

/* The answer without its line end, malloc'd (wipe and free it with prompt_free), or NULL when
 * there is neither a terminal nor a usable askpass program, or the askpass program failed
 * (cancelled). An empty line or end of input on the terminal gives "" (as OpenSSH's
 * readpassphrase): callers take "" as "no answer". An interrupt (SIGINT etc.) restores the
 * terminal and then takes its default effect; a stop (SIGTSTP) restores it, stops, and asks
 * again when continued. */
char *prompt_read(const char *prompt, int flags);
/* Wipes and frees; NULL is a no-op. */
void prompt_free(char *s);

#endif

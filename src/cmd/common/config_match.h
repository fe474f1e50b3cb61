/*
 * The client's "Match" lines (ssh_config(5) Match): criteria all, canonical, final, exec, host,
 * originalhost, user, localuser, each optionally negated with '!', all of them AND-ed; the
 * evaluation and error messages of OpenSSH 9.2's readconf.c match_cfg_line().
 */
#ifndef BURROW_CMD_CONFIG_MATCH_H
#define BURROW_CMD_CONFIG_MATCH_H

#include <stdbool.h>
#include <stddef.h>

#include "config_tokens.h"

struct config_match_env {
	const char *host;          /* HostName so far (%h expanded), else the host as typed */
	const char *original_host; /* the host as typed */
	const char *remote_user;   /* User so far, else the local user */
	const char *local_user;
	bool final_pass;           /* "canonical" and "final" are true only on the final pass */
	/* Match exec: the tokens its command may use, and how it runs (NULL: config_match_run_shell).
	 * run returns the exit status, or -1 when the command did not exit normally. */
	const struct config_token *exec_tokens;
	size_t exec_ntokens;
	int (*run)(const char *command, void *arg);
	void *run_arg;
};

/* Evaluates the criteria words (after the "Match" keyword). 1 matches, 0 does not, -1 is a bad
 * line (the reason logged as ssh does; the caller adds "Bad Match condition"), -2 a Match exec
 * that could not run (logged; fatal in ssh, no more is said). *want_final is
 * set when a "final" criterion is seen (ssh then reads the configuration a second time). */
int config_match_eval(char **words, int n, const struct config_match_env *env, const char *origin, int line_no,
		      bool *want_final);

/* $SHELL (else /bin/sh) -c command, stdin and stdout on /dev/null: its exit status, or -1. */
int config_match_run_shell(const char *command, void *arg);

/* OpenSSH's match_pattern(): * and ?, case-sensitive. */
bool config_pattern_match(const char *s, const char *pattern);
/* OpenSSH's match_pattern_list(): 1 when a positive pattern of the comma list matches and no
 * negated one does, -1 when a negated one matches, 0 otherwise. lowercase: patterns lowercased
 * first (match_hostname lowercases the name too). */
int config_pattern_list_match(const char *s, const char *list, bool lowercase);

#endif

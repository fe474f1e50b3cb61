/*
 * The session keywords of sshd_config (session_config.c) as the session code reads them:
 * sshd's defaults for what the configuration left unset.
 */
#ifndef BURROWD_SESSION_CONFIG_H
#define BURROWD_SESSION_CONFIG_H

#include <stdbool.h>

#include "burrowd.h"

#define SESSION_DEFAULT_MAX_SESSIONS 10 /* sshd_config(5) MaxSessions */

bool session_opt_print_motd(const struct session_options *s);     /* default yes */
bool session_opt_print_last_log(const struct session_options *s); /* default yes */
bool session_opt_permit_tty(const struct session_options *s);     /* default yes */
bool session_opt_x11_forwarding(const struct session_options *s); /* default no */
bool session_opt_permit_user_rc(const struct session_options *s); /* default yes */
int session_opt_max_sessions(const struct session_options *s);
/* AcceptEnv: the variable name (NUL-terminated) matches one of the patterns. */
bool session_opt_accept_env(const struct session_options *s, const char *name);
/* The command of Subsystem `name`, or NULL when none is configured. */
const char *session_opt_subsystem(const struct session_options *s, const char *name);

#endif

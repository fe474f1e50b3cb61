/* Logging for the programs: to stderr (or a file), or to syslog, with OpenSSH's LogLevel names. */
#ifndef BURROW_CMD_LOG_H
#define BURROW_CMD_LOG_H

#include <stdbool.h>

enum log_level { LOG_LVL_QUIET, LOG_LVL_FATAL, LOG_LVL_ERROR, LOG_LVL_INFO, LOG_LVL_VERBOSE,
		 LOG_LVL_DEBUG1, LOG_LVL_DEBUG2, LOG_LVL_DEBUG3 };

/* ident: program name for prefixes and syslog; to_syslog false = stderr. */
void log_init(const char *ident, enum log_level level, bool to_syslog);
void log_set_level(enum log_level level);
enum log_level log_get_level(void);
/* "QUIET", "FATAL", "ERROR", "INFO", "VERBOSE", "DEBUG", "DEBUG1".."DEBUG3" (case-insensitive). */
int log_level_from_name(const char *name, enum log_level *out);
/* SyslogFacility: "DAEMON", "USER", "AUTH", "AUTHPRIV", "LOCAL0".."LOCAL7" (case-insensitive) to
 * LOG_AUTH etc.; 0, or -1 for other names. */
int log_facility_from_name(const char *name, int *facility);
const char *log_facility_name(int facility); /* "AUTH" ...; "UNKNOWN" */
/* The syslog facility (default LOG_AUTH), reopening the log when already on syslog. */
void log_set_facility(int facility);
/* -E FILE: append every line to FILE instead of stderr or syslog. 0, or -1 with errno. */
int log_open_file(const char *path);

/* Every line that passes the level filter goes to sink instead (NULL: back to the outputs above),
 * already sanitised. burrowd's sandboxed pre-auth child sends its lines to the monitor so. */
typedef void (*log_sink_fn)(void *ctx, enum log_level level, const char *line);
void log_set_sink(log_sink_fn sink, void *ctx);
/* A line from elsewhere (a sink's receiver): filtered and written like log_msg's own. */
void log_line(enum log_level level, const char *line);

void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define log_error(...) log_msg(LOG_LVL_ERROR, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_verbose(...) log_msg(LOG_LVL_VERBOSE, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LVL_DEBUG1, __VA_ARGS__)

#endif

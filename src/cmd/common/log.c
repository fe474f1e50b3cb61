/* Log lines to stderr, a file (-E) or syslog; the level filter is global to the process. */
#define _GNU_SOURCE
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <unistd.h>

static const char *log_ident = "burrow";
static enum log_level log_threshold = LOG_LVL_INFO;
static bool log_to_syslog;
static int log_facility = LOG_AUTH;
static FILE *log_file; /* -E: wins over both stderr and syslog */

void log_init(const char *ident, enum log_level level, bool to_syslog)
{
	log_ident = ident;
	log_threshold = level;
	log_to_syslog = to_syslog;
	if (to_syslog) {
		/* LOG_NDELAY: connect to the log socket now, so a later chroot or seccomp sandbox
		 * (which can no longer reach /dev/log) still logs. */
		closelog();
		openlog(ident, LOG_PID | LOG_NDELAY, log_facility);
	}
}

void log_set_level(enum log_level level)
{
	log_threshold = level;
}

enum log_level log_get_level(void)
{
	return log_threshold;
}

void log_set_facility(int facility)
{
	log_facility = facility;
	if (log_to_syslog) {
		closelog();
		openlog(log_ident, LOG_PID | LOG_NDELAY, log_facility);
	}
}

int log_open_file(const char *path)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	FILE *f = fdopen(fd, "a");
	if (!f) {
		int saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	setvbuf(f, NULL, _IOLBF, 0);
	if (log_file)
		fclose(log_file);
	log_file = f;
	return 0;
}

int log_level_from_name(const char *name, enum log_level *out)
{
	static const struct { const char *name; enum log_level level; } names[] = {
		{ "QUIET", LOG_LVL_QUIET }, { "FATAL", LOG_LVL_FATAL }, { "ERROR", LOG_LVL_ERROR },
		{ "INFO", LOG_LVL_INFO }, { "VERBOSE", LOG_LVL_VERBOSE }, { "DEBUG", LOG_LVL_DEBUG1 },
		{ "DEBUG1", LOG_LVL_DEBUG1 }, { "DEBUG2", LOG_LVL_DEBUG2 }, { "DEBUG3", LOG_LVL_DEBUG3 },
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcasecmp(name, names[i].name) == 0) {
			*out = names[i].level;
			return 0;
		}
	}
	return -1;
}

/* SyslogFacility names of sshd_config(5) (OpenSSH's log.c table, AUTHPRIV included). */
static const struct {
	const char *name;
	int facility;
} facilities[] = {
	{ "DAEMON", LOG_DAEMON }, { "USER", LOG_USER }, { "AUTH", LOG_AUTH }, { "AUTHPRIV", LOG_AUTHPRIV },
	{ "LOCAL0", LOG_LOCAL0 }, { "LOCAL1", LOG_LOCAL1 }, { "LOCAL2", LOG_LOCAL2 }, { "LOCAL3", LOG_LOCAL3 },
	{ "LOCAL4", LOG_LOCAL4 }, { "LOCAL5", LOG_LOCAL5 }, { "LOCAL6", LOG_LOCAL6 }, { "LOCAL7", LOG_LOCAL7 },
};

int log_facility_from_name(const char *name, int *out)
{
	for (size_t i = 0; i < sizeof(facilities) / sizeof(facilities[0]); i++) {
		if (strcasecmp(name, facilities[i].name) == 0) {
			*out = facilities[i].facility;
			return 0;
		}
	}
	return -1;
}

const char *log_facility_name(int facility)
{
	for (size_t i = 0; i < sizeof(facilities) / sizeof(facilities[0]); i++)
		if (facilities[i].facility == facility)
			return facilities[i].name;
	return "UNKNOWN";
}

static int syslog_priority(enum log_level level)
{
	switch (level) {
	case LOG_LVL_FATAL: return LOG_CRIT;
	case LOG_LVL_ERROR: return LOG_ERR;
	case LOG_LVL_INFO:
	case LOG_LVL_VERBOSE: return LOG_INFO;
	default: return LOG_DEBUG;
	}
}

static log_sink_fn log_sink;
static void *log_sink_ctx;

void log_set_sink(log_sink_fn sink, void *ctx)
{
	log_sink = sink;
	log_sink_ctx = ctx;
}

static void write_line(enum log_level level, char *line);

void log_msg(enum log_level level, const char *fmt, ...)
{
	if (level > log_threshold || log_threshold == LOG_LVL_QUIET)
		return;
	char line[1024];
	int saved_errno = errno;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	write_line(level, line);
	errno = saved_errno;
}

void log_line(enum log_level level, const char *text)
{
	if (level > log_threshold || log_threshold == LOG_LVL_QUIET)
		return;
	char line[1024];
	snprintf(line, sizeof(line), "%s", text);
	write_line(level, line);
}

static void write_line(enum log_level level, char *line)
{
	/* Never let peer-supplied text move the cursor or fake a log line. */
	for (char *p = line; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	if (log_sink) {
		log_sink(log_sink_ctx, level, line);
		return;
	}
	char prefix[16] = "";
	if (level >= LOG_LVL_DEBUG1)
		snprintf(prefix, sizeof(prefix), "debug%d: ", level - LOG_LVL_DEBUG1 + 1);
	if (log_file)
		fprintf(log_file, "%s%s\n", prefix, line);
	else if (log_to_syslog)
		syslog(syslog_priority(level), "%s", line);
	else
		fprintf(stderr, "%s%s\r\n", prefix, line); /* \r: stderr may be a terminal in raw mode */
}

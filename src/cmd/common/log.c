/* Log lines to stderr or syslog; the level filter is global to the process. */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <strings.h>
#include <syslog.h>

static const char *log_ident = "burrow";
static enum log_level log_threshold = LOG_LVL_INFO;
static bool log_to_syslog;

void log_init(const char *ident, enum log_level level, bool to_syslog)
{
	log_ident = ident;
	log_threshold = level;
	log_to_syslog = to_syslog;
	if (to_syslog)
		openlog(ident, LOG_PID, LOG_AUTH);
}

void log_set_level(enum log_level level)
{
	log_threshold = level;
}

enum log_level log_get_level(void)
{
	return log_threshold;
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

void log_msg(enum log_level level, const char *fmt, ...)
{
	if (level > log_threshold || log_threshold == LOG_LVL_QUIET)
		return;
	char line[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* Never let peer-supplied text move the cursor or fake a log line. */
	for (char *p = line; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	if (log_to_syslog) {
		syslog(syslog_priority(level), "%s", line);
		return;
	}
	if (level >= LOG_LVL_DEBUG1)
		fprintf(stderr, "debug%d: %s\r\n", level - LOG_LVL_DEBUG1 + 1, line);
	else
		fprintf(stderr, "%s\r\n", line);
}

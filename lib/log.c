#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "text.h"

static const char *log_name = "nocturne";
static int log_threshold = LOG_LEVEL_WARN;
static int log_syslog;

void
log_init(const char *tool, int level)
{
	log_name = tool;
	log_threshold = level;
}

void
log_set_syslog(int on)
{
	if (on && !log_syslog)
		openlog(log_name, LOG_PID, LOG_MAIL);
	log_syslog = on;
}

int
log_level(void)
{
	return log_threshold;
}

static void log_v(int level, int prio, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

static void
log_v(int level, int prio, const char *fmt, va_list ap)
{
	char line[2048];

	if (level > log_threshold && !(log_syslog && level <= LOG_LEVEL_INFO))
		return;
	vsnprintf(line, sizeof(line), fmt, ap);
	/* One line whatever the data quoted in it: no CR, LF or other control. */
	text_oneline(line, sizeof(line), line, strlen(line), 0);
	if (level <= log_threshold)
		fprintf(stderr, "%s: %s\n", log_name, line);
	if (log_syslog && level <= LOG_LEVEL_INFO)
		syslog(prio, "%s", line);
}

void
log_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_v(LOG_LEVEL_ERROR, LOG_ERR, fmt, ap);
	va_end(ap);
}

void
log_warn(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_v(LOG_LEVEL_WARN, LOG_WARNING, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_v(LOG_LEVEL_INFO, LOG_INFO, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_v(LOG_LEVEL_DEBUG, LOG_DEBUG, fmt, ap);
	va_end(ap);
}

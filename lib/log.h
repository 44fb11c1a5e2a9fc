/*
 * log.h - the tools' voice on stderr (and optionally syslog).
 *
 * The only part of lib/ allowed to write to stderr, and only when a tool has
 * set a verbosity: a cron run that succeeds prints nothing. Lines start with
 * the tool name. log_set_syslog() mirrors every line to syslog (facility mail).
 */
#ifndef NOCTURNE_LOG_H
#define NOCTURNE_LOG_H

enum log_level {
	LOG_LEVEL_ERROR = 0, /* always printed, even with -q */
	LOG_LEVEL_WARN = 1,  /* printed unless -q */
	LOG_LEVEL_INFO = 2,  /* -v */
	LOG_LEVEL_DEBUG = 3, /* -vv */
};

/* Set the tool name printed first on each line, and the level threshold. */
void log_init(const char *tool, int level);
/* Also send lines to syslog (facility LOG_MAIL). */
void log_set_syslog(int on);
int log_level(void);

void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif

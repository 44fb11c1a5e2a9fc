#include "tool.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "log.h"
#include "metrics.h"
#include "when.h"

int
tool_fail(const struct err *e)
{
	/* Work left for a later run is no alarm: its line is a warning, which -q
	 * keeps quiet. Everything else needs a person and is printed even then. */
	if (e->kind == ERR_TEMP)
		log_warn("%s", e->msg[0] ? e->msg : "deferred to a later run");
	else
		log_error("%s", e->msg[0] ? e->msg : "failed");
	return err_exitcode(e->kind == ERR_NONE ? ERR_INTERNAL : e->kind);
}

int
tool_usage_error(const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	log_error("%s (try --help)", line);
	return EX_USAGE;
}

int
tool_finish(int code)
{
	if (fflush(stdout) != 0 || ferror(stdout) || fclose(stdout) != 0) {
		log_error("cannot write standard output: %s", strerror(errno));
		return EX_IOERR;
	}
	return code;
}

int
tool_metrics(struct db *db, const struct config *cfg, const char *tool, int code, int64_t now,
             const struct timespec *t0)
{
	struct err e;

	err_clear(&e);
	if (metrics_after_run(db, cfg, tool, code == 0, now, when_elapsed(t0), &e) < 0) {
		log_error("%s", e.msg);
		if (code == 0)
			return err_exitcode(e.kind == ERR_NONE ? ERR_IO : e.kind);
	}
	return code;
}

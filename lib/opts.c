#include "opts.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "log.h"
#include "when.h"

void
opts_init(struct opts *o)
{
	memset(o, 0, sizeof(*o));
	/* Family data is private: whatever the caller's umask, the database,
	 * its WAL, the locks, the mail and the exports are created 0640 at most. */
	umask(027);
	/* A closed pipe (nocturne-status --export | head -1) is a write error
	 * reported as such (74), not a death by SIGPIPE. */
	signal(SIGPIPE, SIG_IGN);
}

int
opts_common(struct opts *o, int c, const char *arg)
{
	switch (c) {
	case 'c':
		o->config_path = arg;
		return 1;
	case OPT_DB:
		o->db_path = arg;
		return 1;
	case OPT_NOW:
		o->now_text = arg;
		return 1;
	case 'n':
		o->dry_run = 1;
		return 1;
	case 'v':
		o->verbose++;
		return 1;
	case 'q':
		o->quiet = 1;
		return 1;
	case 'h':
		o->help = 1;
		return 1;
	case 'V':
		o->version = 1;
		return 1;
	}
	return 0;
}

int
opts_setup(const struct opts *o, const char *tool, struct config *cfg, int64_t *now, struct err *e)
{
	const char *nowtext = o->now_text, *nowname = "--now";
	int level = LOG_LEVEL_WARN;

	if (o->quiet)
		level = LOG_LEVEL_ERROR;
	else if (o->verbose)
		level = o->verbose > 1 ? LOG_LEVEL_DEBUG : LOG_LEVEL_INFO;
	log_init(tool, level);

	if (config_load(cfg, o->config_path, e) < 0)
		return -1;
	if (o->db_path != NULL)
		config_set(&cfg->db_path, o->db_path);
	if (cfg->syslog)
		log_set_syslog(1);

	if (nowtext == NULL) {
		const char *env = getenv("NOCTURNE_NOW");
		if (env != NULL && *env != '\0') {
			nowtext = env;
			nowname = "$NOCTURNE_NOW";
		}
	}
	if (nowtext == NULL) {
		*now = when_now();
	} else if (when_parse_datetime(nowtext, now) < 0) {
		return err_set(e, ERR_USAGE,
		               "%s '%s': expected 'YYYY-MM-DD HH:MM[:SS]' (local time)", nowname,
		               nowtext);
	}
	return 0;
}

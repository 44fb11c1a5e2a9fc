#include "tool.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "log.h"

#define TOOL_MAX_OPTIONS 16
#define HELP_COLUMN 22 /* where an option's help text starts */

/* The common options (contract section 1), in the order of the help. */
static const struct {
	char short_name;
	int id; /* getopt's value for it */
	const char *name, *arg, *help;
} common[] = {
    {'c', 'c', "config", "FILE",
     "configuration (default $NOCTURNE_CONFIG,\n/etc/nocturne/nocturne.ini, built-in defaults)"},
    {0, OPT_DB, "db", "FILE", NULL /* the tool's db_help */},
    {0, OPT_NOW, "now", "TIME",
     "the clock, 'YYYY-MM-DD HH:MM[:SS]' local time\n(also $NOCTURNE_NOW)"},
    {'n', 'n', "dry-run", NULL, NULL /* the tool's dry_run */},
    {'v', 'v', "verbose", NULL, "counts and timings on stderr (-vv: more)"},
    {'q', 'q', "quiet", NULL, "errors only"},
    {'h', 'h', "help", NULL, "this help"},
    {'V', 'V', "version", NULL, "the version"},
};
#define NCOMMON (sizeof(common) / sizeof(common[0]))

/* "  -c, --config FILE   help", continuation lines aligned under the help. */
static void
put_option(FILE *fp, char short_name, const char *name, const char *arg, const char *help)
{
	int col;

	if (short_name)
		col = fprintf(fp, "  -%c, --%s%s%s", short_name, name, arg ? " " : "",
		              arg ? arg : "");
	else
		col = fprintf(fp, "      --%s%s%s", name, arg ? " " : "", arg ? arg : "");
	if (col >= HELP_COLUMN - 1) {
		fputc('\n', fp);
		col = 0;
	}
	for (const char *p = help; *p; p++) {
		for (; col < HELP_COLUMN; col++)
			fputc(' ', fp);
		fputc(*p, fp);
		col = *p == '\n' ? 0 : col + 1;
	}
	fputc('\n', fp);
}

static void
put_help(const struct tool *t, FILE *fp)
{
	fprintf(fp, "usage: %s", t->synopsis);
	fputs(t->about, fp);
	fputs("options:\n", fp);
	for (size_t i = 0; i < NCOMMON; i++) {
		const char *help = common[i].help;
		if (common[i].id == OPT_DB)
			help =
			    t->db_help ? t->db_help : "database path, overriding the configuration";
		else if (common[i].id == 'n')
			help = t->dry_run;
		put_option(fp, common[i].short_name, common[i].name, common[i].arg, help);
		/* the tool's own options after the common ones that change things */
		if (common[i].id == 'n' && t->options != NULL)
			for (const struct tool_option *to = t->options; to->name; to++)
				put_option(fp, 0, to->name, to->arg, to->help);
	}
	fputs(t->exits, fp);
}

int
tool_parse(const struct tool *t, int argc, char **argv, struct opts *o, int *first)
{
	struct option longopts[NCOMMON + TOOL_MAX_OPTIONS + 1];
	char shorts[2 * NCOMMON + 1];
	size_t n = 0, ns = 0, nown = 0;
	int c;

	log_init(t->name, LOG_LEVEL_WARN);
	opts_init(o);
	for (size_t i = 0; i < NCOMMON; i++) {
		longopts[n++] =
		    (struct option){common[i].name, common[i].arg ? required_argument : no_argument,
		                    NULL, common[i].id};
		if (common[i].short_name) {
			shorts[ns++] = common[i].short_name;
			if (common[i].arg)
				shorts[ns++] = ':';
		}
	}
	shorts[ns] = '\0';
	for (const struct tool_option *to = t->options; to && to->name; to++, nown++) {
		if (nown == TOOL_MAX_OPTIONS) { /* a tool's table, not the user: 70 */
			log_error("more than %d options of its own", TOOL_MAX_OPTIONS);
			return EX_SOFTWARE;
		}
		longopts[n++] = (struct option){to->name, to->arg ? required_argument : no_argument,
		                                NULL, OPT_TOOL + (int)nown};
	}
	longopts[n] = (struct option){NULL, 0, NULL, 0};

	opterr = 0; /* one line of our own for a bad option, not getopt's too */
	while ((c = getopt_long(argc, argv, shorts, longopts, NULL)) != -1) {
		const struct tool_option *to;

		if (opts_common(o, c, optarg))
			continue;
		if (c < OPT_TOOL || c >= OPT_TOOL + (int)nown)
			return tool_usage_error(
			    "unknown option, or an option without its value: '%s'",
			    argv[optind - 1]);
		to = &t->options[c - OPT_TOOL];
		if (to->arg == NULL) {
			*to->flag = 1;
			continue;
		}
		if (to->check != NULL && to->check(optarg) < 0)
			return tool_usage_error("--%s '%s': %s", to->name, optarg, to->bad);
		*to->value = optarg;
	}
	if (o->help) {
		put_help(t, stdout);
		return tool_finish(0);
	}
	if (o->version) {
		printf("%s %s\n", t->name, NOCTURNE_VERSION);
		return tool_finish(0);
	}
	*first = optind;
	return TOOL_CONTINUE;
}

int
tool_run(const struct tool *t, int argc, char **argv,
         int (*run)(const struct opts *o, const struct config *cfg, int64_t now, void *arg,
                    struct err *e),
         void *arg)
{
	struct opts o;
	struct config cfg;
	struct err e;
	int64_t now;
	int first, rc;

	rc = tool_parse(t, argc, argv, &o, &first);
	if (rc != TOOL_CONTINUE)
		return rc;
	if (first < argc)
		return tool_usage_error("unexpected argument '%s'", argv[first]);
	err_clear(&e);
	memset(&cfg, 0, sizeof(cfg)); /* opts_setup fills it */
	if (opts_setup(&o, t->name, &cfg, &now, &e) < 0 || run(&o, &cfg, now, arg, &e) < 0)
		rc = tool_finish(tool_fail(&e));
	else
		rc = tool_finish(0);
	config_release(&cfg);
	return rc;
}

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

/*
 * tool.h - what the commands share at the edge: one table-driven
 * parser for the command line (the options of contract section 1, the
 * tool's own, --help and --version), turning a struct err into one line on
 * stderr and an exit status, and a checked end of stdout.
 */
#ifndef NOCTURNE_TOOL_H
#define NOCTURNE_TOOL_H

#include <stdint.h>

#include "config.h"
#include "err.h"
#include "opts.h"

/* One option of a tool's own, beyond the common ones. */
struct tool_option {
	const char *name;   /* the long name, without "--"; NULL ends a table */
	const char *arg;    /* the value's name in the help ("OUT"); NULL: takes none */
	const char *help;   /* its help text ('\n' starts a continuation line) */
	int *flag;          /* without a value: set to 1 when given */
	const char **value; /* with a value: the value */
	/* with a value, optional: 0 if the value is acceptable, else -1 and the
	 * usage error "--NAME 'VALUE': BAD" */
	int (*check)(const char *value);
	const char *bad;
};

/* A tool's command line and help. */
struct tool {
	const char *name;                  /* "nocturne-import": messages, --version */
	const char *synopsis;              /* the usage line(s), after "usage: " */
	const char *about;                 /* what the tool does (lines ending in '\n') */
	const char *db_help;               /* the --db line, NULL: the usual one */
	const char *dry_run;               /* what -n does for this tool */
	const struct tool_option *options; /* the tool's own, or NULL */
	const char *exits;                 /* the exit codes, lines ending in '\n' */
};

/* tool_parse() returns this when main should go on. */
#define TOOL_CONTINUE (-1)

/*
 * Parse argv: the common options into o, the tool's into its table. On
 * --help or --version print them and return the exit status (0, or 74 if
 * stdout cannot be written); on a bad option print one usage line and
 * return 64; a table of more than 16 options of the tool's own is refused
 * with 70 (the parser's arrays are fixed). Else return TOOL_CONTINUE with
 * *first the index of the first operand. Also starts the log under t->name.
 */
int tool_parse(const struct tool *t, int argc, char **argv, struct opts *o, int *first);

/*
 * A whole tool without operands: tool_parse(), refuse any operand, load
 * the configuration (opts_setup), call run once, map its result to the
 * exit status (through tool_fail and tool_finish). run returns 0 or -1
 * with e set; arg is the tool's own.
 */
int tool_run(const struct tool *t, int argc, char **argv,
             int (*run)(const struct opts *o, const struct config *cfg, int64_t now, void *arg,
                        struct err *e),
             void *arg);

/*
 * Print "TOOL: MESSAGE" on stderr and return the exit status for e's kind.
 * The quiet rule: ERR_TEMP (work left for a later run, 75) is printed as a
 * warning, so -q keeps it silent; every other kind needs a person and is
 * printed even under -q.
 */
int tool_fail(const struct err *e);

/* Print a usage error line and return 64. */
int tool_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Flush and close stdout; if that fails (full disk, closed pipe) print why
 * and return 74, else return code.
 */
int tool_finish(int code);

#endif

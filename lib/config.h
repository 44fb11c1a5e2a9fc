/*
 * config.h - the INI configuration (contract section 2), read with iniparser.
 *
 * Every key has a built-in default, so a missing file section is fine; an
 * unknown section or key, or a value that does not parse, is an ERR_CONFIG
 * naming the file, section, key and value. Values are read as strings and
 * parsed here (iniparser's getint reads "0587" as octal).
 */
#ifndef NOCTURNE_CONFIG_H
#define NOCTURNE_CONFIG_H

#include "err.h"

enum mail_transport { TRANSPORT_FILE = 0, TRANSPORT_SMTP };
enum smtp_tls { TLS_NONE = 0, TLS_STARTTLS, TLS_IMPLICIT };

struct config {
	char *source; /* file it was read from, or "built-in defaults" */

	/* [database] */
	char *db_path;
	int busy_timeout_ms;
	char *backup_dir; /* "" = no backups */
	int backup_keep;

	/* [transmit] */
	int refuse_debtor;
	int expire_waitlist;

	/* [mail] */
	enum mail_transport transport;
	char *mail_dir;
	char *from;
	char *reply_to;  /* "" = none */
	char *signature; /* "" = the default signature */
	int max_attempts;
	int retry_delay;
	char *portal_url;  /* "" = none; else an http:// or https:// URL */
	char *contact;     /* "" = none; one line (no control character) */
	char *return_path; /* "" = the from address; else the VERP envelope sender's base */
	int calendar;      /* attach the reservations as text/calendar */

	/* [smtp] */
	char *smtp_host;
	int smtp_port;
	enum smtp_tls smtp_tls;
	char *smtp_ca_file;
	char *smtp_user;
	char *smtp_password_file;
	int smtp_timeout;
	int smtp_max_per_session;

	/* [backoffice] */
	char *bo_url;
	char *bo_token_file;
	char *bo_ca_file;
	int bo_timeout;

	/* [bounce] */
	int bounce_limit; /* hard bounces of a first address before it is undeliverable */
	char *bounce_url; /* imaps://host[:port]/MAILBOX, "" = no --fetch */
	char *bounce_user;
	char *bounce_password_file;
	char *bounce_ca_file;
	int bounce_timeout;       /* seconds */
	char *bounce_done_folder; /* "" = delete handled messages */

	/* [report] */
	char *report_to;      /* "" = the service gets no page by mail */
	char *report_subject; /* "" = "Portail Famille : la nuit du lot N" */

	/* [log] */
	int syslog;
	char *metrics_file; /* "" = none */
};

/* Fill cfg with the built-in defaults. Free with config_release(). */
void config_defaults(struct config *cfg);

/*
 * Load configuration. explicit_path: the --config argument or NULL. Lookup
 * without it: $NOCTURNE_CONFIG, else /etc/nocturne/nocturne.ini if it exists,
 * else the built-in defaults. A named file that is missing or malformed is
 * ERR_CONFIG. Unknown keys are ERR_CONFIG too. On error cfg holds defaults
 * and must still be released.
 */
int config_load(struct config *cfg, const char *explicit_path, struct err *e);

/* Load one given file over the defaults (no lookup). */
int config_load_file(struct config *cfg, const char *path, struct err *e);

/* Replace one string field (frees the old value). */
void config_set(char **field, const char *value);

void config_release(struct config *cfg);

/*
 * Read a secret (password, token) from path into a malloc'ed string, without
 * its trailing newline. Refused (ERR_CONFIG) when the file is readable by its
 * group or others, missing, empty or over 4 KiB. key names the config key for
 * the message (e.g. "[smtp] password_file"). Caller frees (and should wipe).
 */
int config_read_secret(const char *path, const char *key, char **secret, struct err *e);

/*
 * A file a key names (a CA bundle) must be a readable regular file: else
 * ERR_CONFIG "CONFIG: KEY PATH: cannot read: why", CONFIG being the file the
 * configuration came from. An empty path is fine (0).
 */
int config_check_file(const struct config *cfg, const char *key, const char *path, struct err *e);

#endif

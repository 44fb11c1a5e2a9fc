#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <iniparser.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mime.h"
#include "parse.h"
#include "text.h"

#define SYSTEM_CONFIG "/etc/nocturne/nocturne.ini"

void
config_set(char **field, const char *value)
{
	free(*field);
	*field = xstrdup(value);
}

void
config_defaults(struct config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->source = xstrdup("built-in defaults");
	cfg->db_path = xstrdup("./nocturne.db");
	cfg->busy_timeout_ms = 5000;
	cfg->backup_dir = xstrdup("");
	cfg->backup_keep = 7;
	cfg->refuse_debtor = 0;
	cfg->expire_waitlist = 1;
	cfg->transport = TRANSPORT_FILE;
	cfg->mail_dir = xstrdup("./outbox");
	cfg->from = xstrdup("Portail Famille <no-reply@localhost>");
	cfg->reply_to = xstrdup("");
	cfg->signature = xstrdup("");
	cfg->portal_url = xstrdup("");
	cfg->contact = xstrdup("");
	cfg->return_path = xstrdup("");
	cfg->calendar = 0;
	cfg->max_attempts = 6;
	cfg->retry_delay = 300;
	cfg->smtp_host = xstrdup("localhost");
	cfg->smtp_port = 0; /* 0: 25, or 465 with tls = tls */
	cfg->smtp_tls = TLS_STARTTLS;
	cfg->smtp_ca_file = xstrdup("");
	cfg->smtp_user = xstrdup("");
	cfg->smtp_password_file = xstrdup("");
	cfg->smtp_timeout = 60;
	cfg->smtp_max_per_session = 200;
	cfg->bo_url = xstrdup("");
	cfg->bo_token_file = xstrdup("");
	cfg->bo_ca_file = xstrdup("");
	cfg->bo_timeout = 30;
	cfg->bounce_limit = 1;
	cfg->bounce_url = xstrdup("");
	cfg->bounce_user = xstrdup("");
	cfg->bounce_password_file = xstrdup("");
	cfg->bounce_ca_file = xstrdup("");
	cfg->bounce_timeout = 60;
	cfg->bounce_done_folder = xstrdup("");
	cfg->report_to = xstrdup("");
	cfg->report_subject = xstrdup("");
	cfg->syslog = 0;
	cfg->metrics_file = xstrdup("");
}

void
config_release(struct config *cfg)
{
	char **strs[] = {&cfg->source,
	                 &cfg->db_path,
	                 &cfg->backup_dir,
	                 &cfg->mail_dir,
	                 &cfg->from,
	                 &cfg->reply_to,
	                 &cfg->signature,
	                 &cfg->smtp_host,
	                 &cfg->smtp_ca_file,
	                 &cfg->smtp_user,
	                 &cfg->smtp_password_file,
	                 &cfg->bo_url,
	                 &cfg->bo_token_file,
	                 &cfg->bo_ca_file,
	                 &cfg->portal_url,
	                 &cfg->contact,
	                 &cfg->return_path,
	                 &cfg->bounce_url,
	                 &cfg->bounce_user,
	                 &cfg->bounce_password_file,
	                 &cfg->bounce_ca_file,
	                 &cfg->bounce_done_folder,
	                 &cfg->report_to,
	                 &cfg->report_subject,
	                 &cfg->metrics_file};

	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
		free(*strs[i]);
		*strs[i] = NULL;
	}
}

enum key_type { K_STR, K_INT, K_BOOL, K_TRANSPORT, K_TLS, K_URL, K_LINE, K_ADDR };

struct key {
	const char *section;
	const char *name;
	enum key_type type;
	size_t offset;
	long min, max;
};

#define OFF(f) offsetof(struct config, f)
static const struct key keys[] = {
    {"database", "path", K_STR, OFF(db_path), 0, 0},
    {"database", "busy_timeout_ms", K_INT, OFF(busy_timeout_ms), 0, 3600000},
    {"database", "backup_dir", K_STR, OFF(backup_dir), 0, 0},
    {"database", "backup_keep", K_INT, OFF(backup_keep), 1, 10000},
    {"transmit", "refuse_debtor", K_BOOL, OFF(refuse_debtor), 0, 0},
    {"transmit", "expire_waitlist", K_BOOL, OFF(expire_waitlist), 0, 0},
    {"mail", "transport", K_TRANSPORT, OFF(transport), 0, 0},
    {"mail", "directory", K_STR, OFF(mail_dir), 0, 0},
    {"mail", "from", K_STR, OFF(from), 0, 0},
    {"mail", "reply_to", K_STR, OFF(reply_to), 0, 0},
    {"mail", "signature", K_STR, OFF(signature), 0, 0},
    {"mail", "max_attempts", K_INT, OFF(max_attempts), 1, 1000},
    {"mail", "retry_delay", K_INT, OFF(retry_delay), 0, 86400 * 7},
    {"mail", "portal_url", K_URL, OFF(portal_url), 0, 0},
    {"mail", "contact", K_LINE, OFF(contact), 0, 0},
    {"mail", "return_path", K_ADDR, OFF(return_path), 0, 0},
    {"mail", "calendar", K_BOOL, OFF(calendar), 0, 0},
    {"smtp", "host", K_STR, OFF(smtp_host), 0, 0},
    {"smtp", "port", K_INT, OFF(smtp_port), 1, 65535},
    {"smtp", "tls", K_TLS, OFF(smtp_tls), 0, 0},
    {"smtp", "ca_file", K_STR, OFF(smtp_ca_file), 0, 0},
    {"smtp", "user", K_STR, OFF(smtp_user), 0, 0},
    {"smtp", "password_file", K_STR, OFF(smtp_password_file), 0, 0},
    {"smtp", "timeout", K_INT, OFF(smtp_timeout), 1, 3600},
    {"smtp", "max_per_session", K_INT, OFF(smtp_max_per_session), 1, 100000},
    {"backoffice", "url", K_STR, OFF(bo_url), 0, 0},
    {"backoffice", "token_file", K_STR, OFF(bo_token_file), 0, 0},
    {"backoffice", "ca_file", K_STR, OFF(bo_ca_file), 0, 0},
    {"backoffice", "timeout", K_INT, OFF(bo_timeout), 1, 3600},
    {"bounce", "limit", K_INT, OFF(bounce_limit), 1, 1000},
    {"bounce", "url", K_STR, OFF(bounce_url), 0, 0},
    {"bounce", "user", K_STR, OFF(bounce_user), 0, 0},
    {"bounce", "password_file", K_STR, OFF(bounce_password_file), 0, 0},
    {"bounce", "ca_file", K_STR, OFF(bounce_ca_file), 0, 0},
    {"bounce", "timeout", K_INT, OFF(bounce_timeout), 1, 3600},
    {"bounce", "done_folder", K_STR, OFF(bounce_done_folder), 0, 0},
    {"report", "to", K_STR, OFF(report_to), 0, 0},
    {"report", "subject", K_STR, OFF(report_subject), 0, 0},
    {"log", "syslog", K_BOOL, OFF(syslog), 0, 0},
    {"log", "metrics_file", K_STR, OFF(metrics_file), 0, 0},
};
#define NKEYS (sizeof(keys) / sizeof(keys[0]))

static const struct key *
find_key(const char *section, const char *name)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (strcmp(keys[i].section, section) == 0 && strcmp(keys[i].name, name) == 0)
			return &keys[i];
	return NULL;
}

static int
known_section(const char *section)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (strcmp(keys[i].section, section) == 0)
			return 1;
	return 0;
}

/* An http:// or https:// URL with a host, printable ASCII without spaces or quotes. */
static int
url_ok(const char *s)
{
	size_t skip;

	if (strncasecmp(s, "https://", 8) == 0)
		skip = 8;
	else if (strncasecmp(s, "http://", 7) == 0)
		skip = 7;
	else
		return 0;
	if (strchr("/?#:", s[skip]) != NULL) /* no host (or the NUL) */
		return 0;
	for (const char *p = s; *p; p++)
		if (*p <= ' ' || *p >= 0x7f || strchr("\"<>\\`{}|^", *p) != NULL)
			return 0;
	return 1;
}

static int
apply(struct config *cfg, const struct key *k, const char *path, const char *value, struct err *e)
{
	char *base = (char *)cfg;
	long long n;
	int b;

	/* An empty value (`port =`) leaves the key at its default. */
	if (value[0] == '\0')
		return 0;
	switch (k->type) {
	case K_STR:
		if (strchr(value, '\r') || strchr(value, '\n'))
			goto bad;
		config_set((char **)(base + k->offset), value);
		return 0;
	case K_INT:
		if (parse_uint(value, k->max, &n) < 0 || n < k->min)
			return err_set(e, ERR_CONFIG,
			               "%s: [%s] %s = '%s': not a whole number between %ld and %ld",
			               path, k->section, k->name, value, k->min, k->max);
		*(int *)(base + k->offset) = (int)n;
		return 0;
	case K_BOOL:
		if (parse_bool(value, PARSE_ON_OFF, &b) < 0)
			return err_set(e, ERR_CONFIG, "%s: [%s] %s = '%s': not yes or no", path,
			               k->section, k->name, value);
		*(int *)(base + k->offset) = b;
		return 0;
	case K_TRANSPORT:
		if (strcmp(value, "smtp") == 0)
			cfg->transport = TRANSPORT_SMTP;
		else if (strcmp(value, "file") == 0)
			cfg->transport = TRANSPORT_FILE;
		else
			return err_set(e, ERR_CONFIG, "%s: [%s] %s = '%s': must be smtp or file",
			               path, k->section, k->name, value);
		return 0;
	case K_TLS:
		if (strcmp(value, "none") == 0)
			cfg->smtp_tls = TLS_NONE;
		else if (strcmp(value, "starttls") == 0)
			cfg->smtp_tls = TLS_STARTTLS;
		else if (strcmp(value, "tls") == 0)
			cfg->smtp_tls = TLS_IMPLICIT;
		else
			return err_set(e, ERR_CONFIG,
			               "%s: [%s] %s = '%s': must be none, starttls or tls", path,
			               k->section, k->name, value);
		return 0;
	case K_URL:
		if (value[0] != '\0' && !url_ok(value))
			return err_set(
			    e, ERR_CONFIG,
			    "%s: [%s] %s = '%s': not an http:// or https:// URL (ASCII, no "
			    "spaces; percent-encode the rest)",
			    path, k->section, k->name, value);
		config_set((char **)(base + k->offset), value);
		return 0;
	case K_LINE: {
		size_t bad;
		for (const char *p = value; *p; p++)
			if (text_is_control((unsigned char)*p))
				return err_set(e, ERR_CONFIG,
				               "%s: [%s] %s: a control character at byte %zu; one "
				               "line of text only",
				               path, k->section, k->name, (size_t)(p - value) + 1);
		if (text_utf8_check(value, strlen(value), &bad) < 0)
			return err_set(e, ERR_CONFIG, "%s: [%s] %s: not UTF-8 at byte %zu", path,
			               k->section, k->name, bad + 1);
		config_set((char **)(base + k->offset), value);
		return 0;
	}
	case K_ADDR: {
		/* Room for the VERP "+m" and the largest message ref. */
		const char *at = strrchr(value, '@');
		if (value[0] != '\0' &&
		    (!mime_addr_valid(value, 1) || at == NULL || at - value > 64 - 22))
			return err_set(e, ERR_CONFIG,
			               "%s: [%s] %s = '%s': not an address (local@domain, the "
			               "local part at most 42 characters)",
			               path, k->section, k->name, value);
		config_set((char **)(base + k->offset), value);
		return 0;
	}
	}
bad:
	return err_set(e, ERR_CONFIG, "%s: [%s] %s: bad value", path, k->section, k->name);
}

/* iniparser reports syntax errors through this callback: keep the line number. */
static int ini_error_line;

static int ini_error_cb(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int
ini_error_cb(const char *fmt, ...)
{
	char text[ERR_MSG_MAX];
	const char *p;
	va_list ap;

	if (ini_error_line != 0)
		return 0;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	/* "iniparser: syntax error in F (N):\n-> LINE\n": only N is kept. */
	p = strrchr(text, '(');
	ini_error_line = p != NULL ? atoi(p + 1) : -1;
	if (ini_error_line == 0)
		ini_error_line = -1;
	return 0;
}

/* Trim s[0..*n) of spaces on both sides; returns the new start. */
static const char *
trim(const char *s, size_t *n)
{
	while (*n > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		(*n)--;
	}
	while (*n > 0 && strchr(" \t\r\n", s[*n - 1]) != NULL)
		(*n)--;
	return s;
}

/* s[0..n) lowercased into buf (as iniparser stores names), cut to fit. */
static const char *
lower(const char *s, size_t n, char *buf, size_t size)
{
	size_t i;

	for (i = 0; i < n && i + 1 < size; i++)
		buf[i] = (char)((s[i] >= 'A' && s[i] <= 'Z') ? s[i] - 'A' + 'a' : s[i]);
	buf[i] = '\0';
	return buf;
}

static int known_section(const char *section);
static const struct key *find_key(const char *section, const char *name);

/*
 * One pass over the file before iniparser reads it, for what iniparser
 * rejects with no useful message (a syntax error, a byte order mark, a long
 * line), accepts wrongly (a key before any section), or cannot place (an
 * unknown section or key: iniparser keeps no line numbers). Every message
 * names the file and the line.
 */
static int
precheck(const char *path, struct err *e)
{
	FILE *f = fopen(path, "rb");
	char line[4096], sec[64] = "", name[64];
	int lineno = 0, continued = 0, rc = -1;

	if (f == NULL)
		return err_set(e, ERR_CONFIG, "%s: cannot read configuration: %s", path,
		               strerror(errno));
	while (fgets(line, sizeof(line), f) != NULL) {
		size_t n = strlen(line), klen;
		const char *p, *eq;
		int was_continued = continued;

		lineno++;
		if (lineno == 1 && memcmp(line, "\xEF\xBB\xBF", 3) == 0) {
			err_set(
			    e, ERR_CONFIG,
			    "%s:1: the file starts with a UTF-8 byte order mark; save it without "
			    "one",
			    path);
			goto out;
		}
		if (strchr(line, '\n') == NULL && !feof(f)) {
			err_set(e, ERR_CONFIG, "%s:%d: line too long", path, lineno);
			goto out;
		}
		if (n > 1000) {
			err_set(e, ERR_CONFIG, "%s:%d: line longer than 1000 bytes", path, lineno);
			goto out;
		}
		p = trim(line, &n);
		/* A line ending in a backslash goes on on the next one (iniparser). */
		continued = n > 0 && p[n - 1] == '\\';
		if (was_continued || n == 0 || *p == ';' || *p == '#')
			continue;
		if (*p == '[') {
			if (p[n - 1] != ']') {
				err_set(
				    e, ERR_CONFIG,
				    "%s:%d: '%.*s' is not a section header: it must end with ']'",
				    path, lineno, (int)(n > 64 ? 64 : n), p);
				goto out;
			}
			klen = n - 2;
			p = trim(p + 1, &klen);
			lower(p, klen, sec, sizeof(sec));
			if (!known_section(sec)) {
				err_set(e, ERR_CONFIG, "%s:%d: unknown section [%s]", path, lineno,
				        sec);
				goto out;
			}
			continue;
		}
		eq = memchr(p, '=', n);
		klen = eq != NULL ? (size_t)(eq - p) : n;
		p = trim(p, &klen); /* p has no leading blank: it stays the line's start */
		if (eq == NULL || klen == 0) {
			err_set(e, ERR_CONFIG,
			        "%s:%d: '%.*s': expected 'key = value' or '[section]'", path,
			        lineno, (int)(n > 64 ? 64 : n), p);
			goto out;
		}
		/* iniparser files a key before any section under no section: never read. */
		if (sec[0] == '\0') {
			err_set(e, ERR_CONFIG,
			        "%s:%d: '%.*s' is outside any section (put it under [section])",
			        path, lineno, (int)(klen > 64 ? 64 : klen), p);
			goto out;
		}
		lower(p, klen, name, sizeof(name));
		if (find_key(sec, name) == NULL) {
			err_set(e, ERR_CONFIG, "%s:%d: [%s] %s: unknown key", path, lineno, sec,
			        name);
			goto out;
		}
	}
	if (ferror(f)) {
		err_set(e, ERR_CONFIG, "%s: cannot read configuration", path);
		goto out;
	}
	rc = 0;
out:
	fclose(f);
	return rc;
}

int
config_load_file(struct config *cfg, const char *path, struct err *e)
{
	dictionary *d;
	int nsec, rc = -1;

	if (precheck(path, e) < 0)
		return -1;
	ini_error_line = 0;
	iniparser_set_error_callback(ini_error_cb);
	d = iniparser_load(path);
	iniparser_set_error_callback(NULL);
	if (d == NULL && ini_error_line > 0)
		return err_set(e, ERR_CONFIG, "%s:%d: syntax error", path, ini_error_line);
	if (d == NULL)
		return err_set(e, ERR_CONFIG, "%s: cannot parse the configuration", path);
	nsec = iniparser_getnsec(d);
	for (int i = 0; i < nsec; i++) {
		const char *sec = iniparser_getsecname(d, i);
		int nk;
		const char **names;

		if (!known_section(sec)) {
			err_set(e, ERR_CONFIG, "%s: unknown section [%s]", path, sec);
			goto out;
		}
		nk = iniparser_getsecnkeys(d, sec);
		if (nk <= 0)
			continue;
		names = xcalloc((size_t)nk, sizeof(*names));
		iniparser_getseckeys(d, sec, names);
		for (int j = 0; j < nk; j++) {
			const char *full = names[j]; /* "section:key" */
			const char *name = strchr(full, ':');
			const char *value = iniparser_getstring(d, full, "");
			const struct key *k;

			name = name ? name + 1 : full;
			k = find_key(sec, name);
			if (k == NULL) {
				err_set(e, ERR_CONFIG, "%s: [%s] %s: unknown key", path, sec, name);
				free(names);
				goto out;
			}
			if (apply(cfg, k, path, value, e) < 0) {
				free(names);
				goto out;
			}
		}
		free(names);
	}
	config_set(&cfg->source, path);
	rc = 0;
out:
	iniparser_freedict(d);
	return rc;
}

int
config_load(struct config *cfg, const char *explicit_path, struct err *e)
{
	const char *path = explicit_path;

	config_defaults(cfg);
	if (path == NULL) {
		const char *env = getenv("NOCTURNE_CONFIG");
		if (env != NULL && *env != '\0')
			path = env;
	}
	if (path == NULL) {
		if (access(SYSTEM_CONFIG, F_OK) != 0)
			return 0;
		path = SYSTEM_CONFIG;
	}
	return config_load_file(cfg, path, e);
}

int
config_read_secret(const char *path, const char *key, char **secret, struct err *e)
{
	struct stat st;
	char buf[4097];
	const char *why = NULL;
	ssize_t n;
	size_t len = 0;
	int fd;

	*secret = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return err_set(e, ERR_CONFIG, "%s %s: cannot open: %s", key, path, strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return err_set(e, ERR_CONFIG, "%s %s: not a regular file", key, path);
	}
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		close(fd);
		return err_set(e, ERR_CONFIG,
		               "%s %s: refused: readable by group or others (mode %03o); "
		               "chmod 600 it",
		               key, path, (unsigned)(st.st_mode & 0777));
	}
	while ((n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)n;
	close(fd);
	if (n < 0)
		why = "cannot read";
	else if (len >= sizeof(buf) - 1)
		why = "larger than 4 KiB";
	if (why == NULL) {
		buf[len] = '\0';
		while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
			buf[--len] = '\0';
		if (len == 0)
			why = "empty";
		else if (memchr(buf, '\0', len) != NULL)
			why = "holds a NUL byte";
		else if (strchr(buf, '\n') || strchr(buf, '\r'))
			why = "more than one line";
		else
			*secret = xstrdup(buf);
	}
	/* Whatever happened, the secret does not stay on the stack. */
	explicit_bzero(buf, sizeof(buf));
	if (why != NULL)
		return err_set(e, ERR_CONFIG, "%s %s: %s", key, path, why);
	return 0;
}

int
config_check_file(const struct config *cfg, const char *key, const char *path, struct err *e)
{
	struct stat st;
	int fd;

	if (path == NULL || path[0] == '\0')
		return 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err_set(e, ERR_CONFIG, "%s: %s %s: cannot read: %s", cfg->source, key, path,
		               strerror(errno));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return err_set(e, ERR_CONFIG, "%s: %s %s: not a regular file", cfg->source, key,
		               path);
	}
	close(fd);
	return 0;
}

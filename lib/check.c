#include "check.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "backoffice.h"
#include "db.h"
#include "smtp.h"

static void add(struct check_report *r, enum err_kind kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
add(struct check_report *r, enum err_kind kind, const char *fmt, ...)
{
	char line[ERR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	xgrow(&r->problems, &r->cap, r->n + 1, sizeof(*r->problems));
	r->problems[r->n].kind = kind;
	r->problems[r->n].line = xstrdup(line);
	r->n++;
}

static void
add_err(struct check_report *r, const struct err *e)
{
	add(r, e->kind == ERR_NONE ? ERR_INTERNAL : e->kind, "%s", e->msg);
}

/* The folder of path ("." for a bare name), malloc'ed. */
static char *
folder_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	size_t n;
	char *d;

	if (slash == NULL)
		return xstrdup(".");
	n = slash == path ? 1 : (size_t)(slash - path);
	d = xmalloc(n + 1);
	memcpy(d, path, n);
	d[n] = '\0';
	return d;
}

/* A folder the tools write into: present, a folder, writable by this user. */
static int
writable_folder(struct check_report *r, const char *dir, const char *what)
{
	struct stat st;

	if (stat(dir, &st) != 0) {
		add(r, ERR_IO, "%s: %s: %s", dir, what, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		add(r, ERR_IO, "%s: %s: not a folder", dir, what);
		return -1;
	}
	if (access(dir, W_OK | X_OK) != 0) {
		add(r, ERR_IO, "%s: %s: not writable by this user (%s)", dir, what,
		    strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * The slots' places (held) that a night reads agree with the requests, and
 * so do the requests' ids (request_key) an import and the operators find
 * them by; the triggers that keep both in step are there: what a night
 * decides depends on it.
 */
static void
check_mirror(const struct config *cfg, struct db *db, enum db_mirror m, struct check_report *r)
{
	static const char *const what[][2] = {
	    [DB_MIRROR_HELD] = {"held", "the slots' places"},
	    [DB_MIRROR_KEY] = {"request_key", "the requests' ids"},
	};
	long long astray = 0;
	int triggers = 0;
	struct err e;

	err_clear(&e);
	if (db_mirror_check(db, m, &astray, &triggers, &e) < 0) {
		add_err(r, &e);
		return;
	}
	if (astray > 0)
		add(r, ERR_IO, "%s: %s: %lld %s of %s %s not the requests'", cfg->db_path,
		    what[m][0], astray, astray == 1 ? "row" : "rows", what[m][1],
		    astray == 1 ? "is" : "are");
	if (triggers != 3)
		add(r, ERR_IO,
		    "%s: %s: %d of its 3 triggers on request (%s_insert, %s_update, %s_delete)",
		    cfg->db_path, what[m][0], triggers, what[m][0], what[m][0], what[m][0]);
}

static void
check_database(const struct config *cfg, struct check_report *r, off_t *size)
{
	struct db *db = NULL;
	struct stat st;
	struct err e;
	char **lines = NULL, *dir;
	size_t n = 0;

	*size = 0;
	err_clear(&e);
	if (db_open(&db, cfg->db_path, cfg->busy_timeout_ms, DB_OPEN_READONLY, &e) < 0) {
		add_err(r, &e);
	} else {
		int rc = db_quick_check(db, 5, &lines, &n, &e);

		if (rc < 0)
			add_err(r, &e);
		for (size_t i = 0; i < n; i++) {
			add(r, ERR_IO, "%s: integrity: %s", cfg->db_path, lines[i]);
			free(lines[i]);
		}
		free(lines);
		if (rc == 0 && n == 0) { /* a sound file: its places and ids, too */
			/* The places once a night has written them (db.h): a night
			 * that stopped before is this check's finding (75). */
			if (db_begin_read_places(db, &e) < 0) {
				add_err(r, &e);
			} else {
				check_mirror(cfg, db, DB_MIRROR_HELD, r);
				db_rollback(db);
			}
			check_mirror(cfg, db, DB_MIRROR_KEY, r);
		}
		db_close(db);
	}
	if (stat(cfg->db_path, &st) == 0) {
		*size = st.st_size;
		if (access(cfg->db_path, R_OK | W_OK) != 0)
			add(r, ERR_IO, "%s: the database is not writable by this user (%s)",
			    cfg->db_path, strerror(errno));
	}
	/* The writing tools make -wal, -shm and lock files beside it. */
	dir = folder_of(cfg->db_path);
	writable_folder(r, dir, "the database's folder");
	free(dir);
}

static void
check_secret(struct check_report *r, const char *path, const char *key)
{
	struct err e;
	char *secret = NULL;

	err_clear(&e);
	if (config_read_secret(path, key, &secret, &e) < 0) {
		add_err(r, &e);
		return;
	}
	explicit_bzero(secret, strlen(secret));
	free(secret);
}

static void
check_secrets(const struct config *cfg, struct check_report *r)
{
	if (cfg->transport == TRANSPORT_SMTP && cfg->smtp_user[0] != '\0') {
		if (cfg->smtp_password_file[0] == '\0')
			add(r, ERR_CONFIG, "%s: [smtp] user is set but password_file is empty",
			    cfg->source);
		else
			check_secret(r, cfg->smtp_password_file, "[smtp] password_file");
	}
	if (cfg->bo_url[0] != '\0' && cfg->bo_token_file[0] != '\0')
		check_secret(r, cfg->bo_token_file, "[backoffice] token_file");
}

static void
check_folders(const struct config *cfg, struct check_report *r)
{
	struct stat st;
	char *dir;

	/* The outbox is made on first use: then its parent must be writable. */
	if (cfg->transport == TRANSPORT_FILE) {
		if (stat(cfg->mail_dir, &st) == 0) {
			writable_folder(r, cfg->mail_dir, "[mail] directory");
		} else {
			dir = folder_of(cfg->mail_dir);
			writable_folder(r, dir, "the folder of [mail] directory");
			free(dir);
		}
	}
	if (cfg->backup_dir[0] != '\0')
		writable_folder(r, cfg->backup_dir, "[database] backup_dir");
}

/* Free bytes for an unprivileged user on the file system holding path. */
static int
free_bytes(const char *path, unsigned long long *avail, dev_t *dev)
{
	struct statvfs vf;
	struct stat st;

	if (statvfs(path, &vf) != 0 || stat(path, &st) != 0)
		return -1;
	*avail = (unsigned long long)vf.f_bavail * vf.f_frsize;
	*dev = st.st_dev;
	return 0;
}

/*
 * The night needs about the database's size beside it (its write-ahead log
 * and temporary tables, at worst every page rewritten) and, with backups,
 * the database's size again in the backup folder.
 */
static void
check_space(const struct config *cfg, off_t db_size, struct check_report *r)
{
	unsigned long long avail, bavail, need = (unsigned long long)db_size;
	dev_t dev, bdev;
	char *dir = folder_of(cfg->db_path);

	if (free_bytes(dir, &avail, &dev) == 0) {
		if (cfg->backup_dir[0] != '\0' &&
		    free_bytes(cfg->backup_dir, &bavail, &bdev) == 0) {
			if (bdev == dev)
				need += (unsigned long long)db_size;
			else if (bavail < (unsigned long long)db_size)
				add(r, ERR_IO,
				    "%s: %llu KiB free, the night's backup needs about %llu KiB",
				    cfg->backup_dir, bavail / 1024,
				    (unsigned long long)db_size / 1024);
		}
		if (avail < need)
			add(r, ERR_IO, "%s: %llu KiB free, the night needs about %llu KiB", dir,
			    avail / 1024, need / 1024);
	}
	free(dir);
}

static void
check_network(const struct config *cfg, struct check_report *r)
{
	struct smtp_options o;
	struct err e;
	char *password = NULL;

	err_clear(&e);
	if (cfg->transport == TRANSPORT_SMTP) {
		if (cfg->smtp_user[0] == '\0' || cfg->smtp_password_file[0] == '\0' ||
		    config_read_secret(cfg->smtp_password_file, "[smtp] password_file", &password,
		                       &e) == 0) {
			smtp_options_from(&o, cfg, password, NULL);
			if (smtp_probe(&o, &e) < 0)
				add_err(r, &e);
		}
		if (password != NULL) {
			explicit_bzero(password, strlen(password));
			free(password);
		}
	}
	err_clear(&e);
	if (cfg->bo_url[0] != '\0' && backoffice_probe(cfg, &e) < 0) {
		/* The token's problem is already listed by check_secrets. */
		if (strstr(e.msg, "[backoffice] token_file") == NULL)
			add_err(r, &e);
	}
}

size_t
check_run(const struct config *cfg, int network, struct check_report *r)
{
	off_t db_size = 0;

	check_database(cfg, r, &db_size);
	check_secrets(cfg, r);
	check_folders(cfg, r);
	check_space(cfg, db_size, r);
	if (network)
		check_network(cfg, r);
	return r->n;
}

void
check_release(struct check_report *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->problems[i].line);
	free(r->problems);
	memset(r, 0, sizeof(*r));
}

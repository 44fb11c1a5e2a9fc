#include "backup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic.h"
#include "db_batch.h"
#include "log.h"
#include "when.h"

/* The database file's name without its folder and without ".db". */
static char *
stem_of(const char *db_path)
{
	const char *base = strrchr(db_path, '/');
	size_t n;
	char *s;

	base = base ? base + 1 : db_path;
	n = strlen(base);
	if (n > 3 && strcmp(base + n - 3, ".db") == 0)
		n -= 3;
	s = xmalloc(n + 1);
	memcpy(s, base, n);
	s[n] = '\0';
	return s;
}

static char *
join(const char *dir, const char *name)
{
	size_t a = strlen(dir), b = strlen(name);
	char *p = xmalloc(a + b + 2);

	memcpy(p, dir, a);
	p[a] = '/';
	memcpy(p + a + 1, name, b + 1);
	return p;
}

static int
sync_path(const char *path, int flags, struct err *e)
{
	int fd = open(path, flags | O_CLOEXEC);

	if (fd < 0 || fsync(fd) != 0) {
		err_set(e, ERR_IO, "%s: cannot sync: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

/* Ours: STEM-batch*.db (kept, counted) or .STEM-batch*.tmp (left by a crash). */
static int
is_backup(const char *name, const char *prefix, size_t plen)
{
	size_t n = strlen(name);

	return n > plen + 3 && strncmp(name, prefix, plen) == 0 && strcmp(name + n - 3, ".db") == 0;
}

static int
is_stale_tmp(const char *name, const char *prefix, size_t plen)
{
	size_t n = strlen(name);

	return name[0] == '.' && n > plen + 5 && strncmp(name + 1, prefix, plen) == 0 &&
	       strcmp(name + n - 4, ".tmp") == 0;
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Remove this database's oldest backups beyond keep, and stale temporaries. */
static int
rotate(const char *dir, const char *stem, int keep, struct err *e)
{
	char prefix[512];
	char **names = NULL;
	size_t n = 0, cap = 0, plen, i;
	struct dirent *de;
	DIR *d;
	int rc = 0, removed = 0;

	snprintf(prefix, sizeof(prefix), "%s-batch", stem);
	plen = strlen(prefix);
	d = opendir(dir);
	if (d == NULL)
		return err_set(e, ERR_IO, "%s: cannot list backups: %s", dir, strerror(errno));
	while ((de = readdir(d)) != NULL) {
		if (is_backup(de->d_name, prefix, plen)) {
			xgrow(&names, &cap, n + 1, sizeof(*names));
			names[n++] = xstrdup(de->d_name);
		} else if (is_stale_tmp(de->d_name, prefix, plen)) {
			char *p = join(dir, de->d_name);
			if (unlink(p) == 0)
				removed = 1;
			free(p);
		}
	}
	closedir(d);
	qsort(names, n, sizeof(*names), cmp_names);
	for (i = 0; n > (size_t)keep && i < n - (size_t)keep; i++) {
		char *p = join(dir, names[i]);
		if (unlink(p) != 0 && errno != ENOENT) {
			rc = err_set(e, ERR_IO, "%s: cannot remove an old backup: %s", p,
			             strerror(errno));
			free(p);
			break;
		}
		log_info("backup %s removed (keeping %d)", p, keep);
		removed = 1;
		free(p);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	if (rc == 0 && removed)
		rc = sync_path(dir, O_RDONLY | O_DIRECTORY, e);
	return rc;
}

int
backup_take(struct db *db, const char *dir, int keep, int64_t now, char **made, struct err *e)
{
	char at[WHEN_DATETIME_LEN], stamp[16], *stem, *name = NULL, *path = NULL;
	struct atomic_file a;
	long long last;
	int64_t last_at;
	size_t len;
	int rc = -1;

	if (made)
		*made = NULL;
	if (db_batch_last(db, &last, &last_at, e) < 0)
		return -1;
	/* "2019-12-01 22:00:00" -> "20191201-220000" */
	when_format_datetime(now, at);
	snprintf(stamp, sizeof(stamp), "%.4s%.2s%.2s-%.2s%.2s%.2s", at, at + 5, at + 8, at + 11,
	         at + 14, at + 17);
	stem = stem_of(db_path(db));
	len = strlen(stem) + 64;
	name = xmalloc(len);
	snprintf(name, len, "%s-batch%06lld-%s.db", stem, last + 1, stamp);
	path = join(dir, name);

	/*
	 * atomic.h creates the hidden temporary file, empty; made 0640 at once,
	 * so the copy is never readable by all. SQLite writes the copy into it
	 * by name (the same file); atomic_commit() then syncs it, renames it
	 * into place and syncs the folder.
	 */
	if (atomic_open(&a, path, 0640, e) < 0) {
		err_prefix(e, "backup");
		goto out;
	}
	if (fchmod(fileno(a.fp), 0640) != 0) {
		err_set(e, ERR_IO, "%s: cannot set the backup's mode: %s", a.tmp, strerror(errno));
		atomic_abort(&a);
		goto out;
	}
	if (db_copy_to(db, a.tmp, e) < 0) {
		atomic_abort(&a);
		goto out;
	}
	if (atomic_commit(&a, e) < 0) {
		err_prefix(e, "backup");
		goto out;
	}
	if (rotate(dir, stem, keep, e) < 0)
		goto out;
	log_info("backup %s", path);
	if (made) {
		*made = path;
		path = NULL;
	}
	rc = 0;
out:
	free(stem);
	free(name);
	free(path);
	return rc;
}

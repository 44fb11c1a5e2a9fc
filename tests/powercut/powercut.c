/*
 * powercut.so - an LD_PRELOAD shim that simulates a power cut, in the
 * spirit of SQLite's own crash tests, for tests/e2e/powercut.sh and
 * stress/powercut.sh.
 *
 * Environment (without POWERCUT_DIR the shim only passes calls through):
 *   POWERCUT_DIR   files under this directory are tracked;
 *   POWERCUT_LOG   the journal of what is not yet durable, shared by the
 *                  processes of one scenario (POWERCUT_LOG.n holds the
 *                  number of tracked operations so far);
 *   POWERCUT_AT    cut at the tracked operation with this number (counted
 *                  across processes; 0 or unset: never);
 *   POWERCUT_SEED  chooses what of the unsynced data survives.
 *
 * Tracked operations, on files under POWERCUT_DIR: write, pwrite, pwrite64,
 * ftruncate, open with O_TRUNC (each journalled with the bytes it
 * overwrites), fsync and fdatasync (everything written to that file before
 * is now durable; on a directory, the renames into it are), rename and
 * unlink. The cut happens just before operation POWERCUT_AT: every tracked
 * file is reset to what was synced, then a random part of what was not is
 * laid over it again (each unsynced write kept whole, torn at 512-byte
 * sectors, or lost; each unsynced truncation kept or lost; a rename not
 * followed by a sync of its directory kept or undone), POWERCUT_LOG.cut is
 * created, and the process kills itself with SIGKILL.
 *
 * Simplifications, all on the side of the file system keeping more than a
 * real one might: creating a file and unlinking one are durable at once
 * (SQLite syncs the directory of a new WAL itself; the outbox renames), a
 * file's unsynced writes do not follow it through a rename (the outbox
 * syncs before it renames), and -shm files are not tracked (SQLite rebuilds
 * the WAL index after a crash). Memory mappings are not tracked.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

enum { REC_WRITE = 1, REC_TRUNC, REC_SYNC, REC_RENAME, REC_UNLINK };

/* One journal record, followed by the path (plen bytes, with its NUL; for
 * a rename the two paths), then for a write the old bytes (olen) and the
 * new ones (len); for a truncation the old bytes beyond the new size. */
struct rec {
	uint32_t type;
	uint32_t plen;
	int64_t off;     /* write: offset; truncate: the new size */
	int64_t len;     /* write: bytes written */
	int64_t olen;    /* old bytes kept */
	int64_t oldsize; /* the file's size before; rename: 1 if the target existed */
};

typedef int (*open_fn)(const char *, int, ...);
typedef int (*openat_fn)(int, const char *, int, ...);
typedef ssize_t (*write_fn)(int, const void *, size_t);
typedef ssize_t (*pwrite_fn)(int, const void *, size_t, off_t);
typedef int (*trunc_fn)(int, off_t);
typedef int (*sync_fn)(int);
typedef int (*rename_fn)(const char *, const char *);
typedef int (*unlink_fn)(const char *);
typedef int (*close_fn)(int);

static open_fn real_open, real_open64;
static openat_fn real_openat, real_openat64;
static write_fn real_write;
static pwrite_fn real_pwrite, real_pwrite64;
static trunc_fn real_ftruncate, real_ftruncate64;
static sync_fn real_fsync, real_fdatasync;
static rename_fn real_rename;
static unlink_fn real_unlink;
static close_fn real_close;

#define MAXFD 4096
static char *fd_path[MAXFD];
static dev_t fd_dev[MAXFD];
static ino_t fd_ino[MAXFD]; /* what fd_path[fd] was opened as: a stale entry
                             * (closed through stdio) is not trusted */
static char root[4096];
static size_t root_len;
static char log_path[4096], count_path[4096];
static long long cut_at, ops;
static uint64_t rng;
static int active;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

static void
resolve(void)
{
	real_open = (open_fn)dlsym(RTLD_NEXT, "open");
	real_open64 = (open_fn)dlsym(RTLD_NEXT, "open64");
	real_openat = (openat_fn)dlsym(RTLD_NEXT, "openat");
	real_openat64 = (openat_fn)dlsym(RTLD_NEXT, "openat64");
	real_write = (write_fn)dlsym(RTLD_NEXT, "write");
	real_pwrite = (pwrite_fn)dlsym(RTLD_NEXT, "pwrite");
	real_pwrite64 = (pwrite_fn)dlsym(RTLD_NEXT, "pwrite64");
	real_ftruncate = (trunc_fn)dlsym(RTLD_NEXT, "ftruncate");
	real_ftruncate64 = (trunc_fn)dlsym(RTLD_NEXT, "ftruncate64");
	real_fsync = (sync_fn)dlsym(RTLD_NEXT, "fsync");
	real_fdatasync = (sync_fn)dlsym(RTLD_NEXT, "fdatasync");
	real_rename = (rename_fn)dlsym(RTLD_NEXT, "rename");
	real_unlink = (unlink_fn)dlsym(RTLD_NEXT, "unlink");
	real_close = (close_fn)dlsym(RTLD_NEXT, "close");
}

static void
die(const char *what)
{
	char buf[512];
	int n = snprintf(buf, sizeof(buf), "powercut: %s: %s\n", what, strerror(errno));

	if (real_write)
		real_write(2, buf, (size_t)n);
	_exit(70);
}

__attribute__((constructor)) static void
init(void)
{
	const char *d = getenv("POWERCUT_DIR"), *l = getenv("POWERCUT_LOG");
	const char *at = getenv("POWERCUT_AT"), *seed = getenv("POWERCUT_SEED");
	int fd;

	resolve();
	if (d == NULL || *d != '/' || l == NULL || *l != '/')
		return;
	snprintf(root, sizeof(root), "%s/", d);
	root_len = strlen(root);
	snprintf(log_path, sizeof(log_path), "%s", l);
	snprintf(count_path, sizeof(count_path), "%s.n", l);
	cut_at = at ? atoll(at) : 0;
	rng = (seed ? strtoull(seed, NULL, 10) : 1) * 0x9E3779B97F4A7C15ULL + 1;
	fd = real_open(count_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		die(count_path);
	if (pread(fd, &ops, sizeof(ops), 0) != (ssize_t)sizeof(ops))
		ops = 0;
	real_close(fd);
	active = 1;
}

static uint64_t
rnd(void)
{
	uint64_t z = (rng += 0x9E3779B97F4A7C15ULL);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

/* The absolute form of path (not normalised), or NULL when not tracked. */
static char *
tracked(int dirfd, const char *path)
{
	char buf[8192], cwd[4096];
	size_t n;

	if (!active || path == NULL)
		return NULL;
	if (path[0] == '/') {
		snprintf(buf, sizeof(buf), "%s", path);
	} else if (dirfd == AT_FDCWD) {
		if (getcwd(cwd, sizeof(cwd)) == NULL)
			return NULL;
		snprintf(buf, sizeof(buf), "%s/%s", cwd, path);
	} else if (dirfd >= 0 && dirfd < MAXFD && fd_path[dirfd] != NULL) {
		snprintf(buf, sizeof(buf), "%s/%s", fd_path[dirfd], path);
	} else {
		return NULL;
	}
	n = strlen(buf);
	if (strncmp(buf, root, root_len) != 0 && !(n + 1 == root_len && strncmp(buf, root, n) == 0))
		return NULL; /* neither under the root nor the root itself */
	if (n > 4 && strcmp(buf + n - 4, "-shm") == 0)
		return NULL;
	while (n > 1 && buf[n - 1] == '/')
		buf[--n] = '\0';
	return strdup(buf);
}

static int log_fd = -1, count_fd = -1; /* kept open: one syscall per record */

static void
append(const struct rec *r, const char *path, const void *old, const void *data)
{
	int fd =
	    log_fd >= 0
	        ? log_fd
	        : (log_fd = real_open(log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600));
	size_t total =
	    sizeof(*r) + r->plen + (size_t)r->olen + (r->type == REC_WRITE ? (size_t)r->len : 0);
	char *buf = malloc(total), *p = buf;

	if (fd < 0 || buf == NULL)
		die(log_path);
	memcpy(p, r, sizeof(*r));
	p += sizeof(*r);
	memcpy(p, path, r->plen);
	p += r->plen;
	if (r->olen > 0)
		memcpy(p, old, (size_t)r->olen);
	p += r->olen;
	if (r->type == REC_WRITE && r->len > 0)
		memcpy(p, data, (size_t)r->len);
	if (real_write(fd, buf, total) != (ssize_t)total)
		die(log_path);
	free(buf);
}

static int64_t
size_of(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (int64_t)st.st_size : -1;
}

static void cut(void);

/* Count one tracked operation; the cut comes just before number cut_at. */
static void
tick(void)
{
	int fd;

	ops++;
	fd = count_fd >= 0 ? count_fd : (count_fd = real_open(count_path, O_WRONLY | O_CLOEXEC));
	if (fd < 0 || real_pwrite(fd, &ops, sizeof(ops), 0) != (ssize_t)sizeof(ops))
		die(count_path);
	if (cut_at > 0 && ops == cut_at)
		cut();
}

/*
 * The bytes of fd (path) from off that an operation will change: up to max
 * of them (max < 0: to the end of the file). Sets r->oldsize and r->olen;
 * returns them malloc'ed (the caller frees), or NULL when there are none.
 */
static char *
old_bytes(int fd, const char *path, struct rec *r, off_t off, off_t max)
{
	char *old = NULL;
	struct stat st;

	if (fstat(fd, &st) != 0)
		die(path);
	r->oldsize = st.st_size;
	if (off < st.st_size) {
		r->olen = max < 0 || st.st_size - off < max ? st.st_size - off : max;
		old = malloc((size_t)r->olen + 1);
		if (old == NULL || pread(fd, old, (size_t)r->olen, off) != r->olen)
			die(path);
	}
	return old;
}

/* Journal a write of len bytes at off to path (before doing it). */
static void
note_write(int fd, const char *path, const void *data, size_t len, off_t off)
{
	struct rec r = {REC_WRITE, (uint32_t)strlen(path) + 1, off, (int64_t)len, 0, 0};
	char *old = old_bytes(fd, path, &r, off, (off_t)len);

	append(&r, path, old, data);
	free(old);
}

static void
note_trunc(const char *path, int fd, off_t len)
{
	struct rec r = {REC_TRUNC, (uint32_t)strlen(path) + 1, len, 0, 0, 0};
	char *old = old_bytes(fd, path, &r, len, -1);

	append(&r, path, old, NULL);
	free(old);
}

static void
note_simple(uint32_t type, const char *a, const char *b, int64_t flag)
{
	size_t la = strlen(a) + 1, lb = b ? strlen(b) + 1 : 0;
	char *paths = malloc(la + lb);
	struct rec r = {type, (uint32_t)(la + lb), 0, 0, 0, flag};

	if (paths == NULL)
		die("memory");
	memcpy(paths, a, la);
	if (b)
		memcpy(paths + la, b, lb);
	append(&r, paths, NULL, NULL);
	free(paths);
}

static void
remember(int fd, char *path)
{
	struct stat st;

	if (fd >= 0 && fd < MAXFD && fstat(fd, &st) == 0) {
		free(fd_path[fd]);
		fd_path[fd] = path;
		fd_dev[fd] = st.st_dev;
		fd_ino[fd] = st.st_ino;
	} else {
		free(path);
	}
}

static const char *
path_of(int fd)
{
	struct stat st;

	if (!active || fd < 0 || fd >= MAXFD || fd_path[fd] == NULL)
		return NULL;
	if (fstat(fd, &st) != 0 || st.st_dev != fd_dev[fd] || st.st_ino != fd_ino[fd])
		return NULL;
	return fd_path[fd];
}

/* ---- the cut -------------------------------------------------------------- */

struct item {
	struct rec r;
	char *path;  /* the path (rename: the source) */
	char *path2; /* rename: the target */
	char *old, *data;
	int live; /* 1 while not durable */
};

static int
raw_open(const char *path)
{
	return real_open(path, O_RDWR | O_CLOEXEC);
}

static void
put_bytes(const char *path, const char *p, int64_t n, int64_t off)
{
	int fd = raw_open(path);

	if (fd < 0)
		return; /* unlinked since */
	if (n > 0 && real_pwrite(fd, p, (size_t)n, off) != n)
		die(path);
	real_close(fd);
}

static void
set_size(const char *path, int64_t size)
{
	int fd = raw_open(path);

	if (fd < 0)
		return;
	if (real_ftruncate(fd, size) != 0)
		die(path);
	real_close(fd);
}

static int
dir_of(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	return strncmp(path, dir, n) == 0 && path[n] == '/' && strchr(path + n + 1, '/') == NULL;
}

static void
cut(void)
{
	int fd = real_open(log_path, O_RDONLY | O_CLOEXEC);
	struct item *it = NULL;
	size_t n = 0, cap = 0, i, j;
	char *buf = NULL, *p, *end, mark[4200];
	int64_t size = fd >= 0 ? size_of(log_path) : 0;

	if (size > 0) {
		buf = malloc((size_t)size);
		if (buf == NULL || read(fd, buf, (size_t)size) != size)
			die(log_path);
	}
	if (fd >= 0)
		real_close(fd);
	for (p = buf, end = buf + (size > 0 ? size : 0); p < end;) {
		struct item x;

		memset(&x, 0, sizeof(x));
		memcpy(&x.r, p, sizeof(x.r));
		p += sizeof(x.r);
		x.path = p;
		if (x.r.type == REC_RENAME)
			x.path2 = p + strlen(p) + 1;
		p += x.r.plen;
		x.old = p;
		p += x.r.olen;
		x.data = p;
		if (x.r.type == REC_WRITE)
			p += x.r.len;
		x.live = 1;
		if (n == cap) {
			cap = cap ? cap * 2 : 1024;
			it = realloc(it, cap * sizeof(*it));
			if (it == NULL)
				die("memory");
		}
		it[n++] = x;
	}
	/* What a later sync made durable, or an unlink made moot. */
	for (i = 0; i < n; i++) {
		if (it[i].r.type == REC_SYNC) {
			for (j = 0; j < i; j++) {
				if (!it[j].live)
					continue;
				if ((it[j].r.type == REC_WRITE || it[j].r.type == REC_TRUNC) &&
				    strcmp(it[j].path, it[i].path) == 0)
					it[j].live = 0;
				if (it[j].r.type == REC_RENAME && dir_of(it[j].path2, it[i].path))
					it[j].live = 0;
			}
			it[i].live = 0;
		} else if (it[i].r.type == REC_UNLINK) {
			for (j = 0; j < i; j++)
				if (it[j].live && it[j].r.type != REC_RENAME &&
				    strcmp(it[j].path, it[i].path) == 0)
					it[j].live = 0;
			it[i].live = 0;
		} else if (it[i].r.type == REC_RENAME && it[i].r.oldsize) {
			it[i].live = 0; /* over an existing file: cannot be undone */
		}
	}
	/* Back to what was synced: undo the live ones, newest first. */
	for (i = n; i-- > 0;) {
		struct item *x = &it[i];

		if (!x->live)
			continue;
		if (x->r.type == REC_WRITE) {
			put_bytes(x->path, x->old, x->r.olen, x->r.off);
			set_size(x->path, x->r.oldsize);
		} else if (x->r.type == REC_TRUNC) {
			set_size(x->path, x->r.oldsize);
			put_bytes(x->path, x->old, x->r.olen, x->r.off);
		} else if (x->r.type == REC_RENAME) {
			real_rename(x->path2, x->path);
		}
	}
	/* Then a random part of the rest, oldest first. */
	for (i = 0; i < n; i++) {
		struct item *x = &it[i];
		unsigned fate;

		if (!x->live)
			continue;
		fate = (unsigned)(rnd() % 4); /* 0 lost, 1 torn, 2-3 kept */
		if (fate == 0)
			continue;
		if (x->r.type == REC_WRITE) {
			if (fate == 1 && x->r.len > 512) {
				int64_t s;

				for (s = 0; s < x->r.len; s += 512)
					if (rnd() % 2)
						put_bytes(x->path, x->data + s,
						          x->r.len - s < 512 ? x->r.len - s : 512,
						          x->r.off + s);
			} else {
				put_bytes(x->path, x->data, x->r.len, x->r.off);
			}
		} else if (x->r.type == REC_TRUNC) {
			set_size(x->path, x->r.off);
		} else if (x->r.type == REC_RENAME) {
			real_rename(x->path, x->path2);
		}
	}
	/* Power is back: what is on disk now is the baseline. */
	fd = real_open(log_path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd >= 0)
		real_close(fd);
	snprintf(mark, sizeof(mark), "%s.cut", log_path);
	fd = real_open(mark, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (fd >= 0)
		real_close(fd);
	kill(getpid(), SIGKILL);
	_exit(137);
}

/* ---- the interposed calls ---------------------------------------------------- */

static int
do_open(int dirfd, const char *path, int flags, mode_t mode, int at, int big)
{
	char *abs = tracked(dirfd, path);
	int fd;

	if (abs != NULL) {
		pthread_mutex_lock(&mu);
		if ((flags & O_TRUNC) && (flags & O_ACCMODE) != O_RDONLY) {
			int t = real_open(abs, O_RDONLY | O_CLOEXEC);

			if (t >= 0) {
				struct stat st;

				if (fstat(t, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
					tick();
					note_trunc(abs, t, 0);
				}
				real_close(t);
			}
		}
		pthread_mutex_unlock(&mu);
	}
	if (at)
		fd = big ? real_openat64(dirfd, path, flags, mode)
		         : real_openat(dirfd, path, flags, mode);
	else
		fd = big ? real_open64(path, flags, mode) : real_open(path, flags, mode);
	if (abs != NULL) {
		if (fd >= 0)
			remember(fd, abs);
		else
			free(abs);
	}
	return fd;
}

static mode_t
mode_arg(int flags, va_list ap)
{
	return (flags & (O_CREAT | O_TMPFILE)) ? (mode_t)va_arg(ap, int) : 0;
}

/* m = the mode an open call passes after flags (only with O_CREAT or
 * O_TMPFILE); va_start must run in the variadic function itself. */
#define MODE_ARG(flags, m)                                                                         \
	do {                                                                                       \
		va_list ap;                                                                        \
		va_start(ap, flags);                                                               \
		m = mode_arg(flags, ap);                                                           \
		va_end(ap);                                                                        \
	} while (0)

int
open(const char *path, int flags, ...)
{
	mode_t m;

	MODE_ARG(flags, m);
	return do_open(AT_FDCWD, path, flags, m, 0, 0);
}

int
open64(const char *path, int flags, ...)
{
	mode_t m;

	MODE_ARG(flags, m);
	return do_open(AT_FDCWD, path, flags, m, 0, 1);
}

int
openat(int dirfd, const char *path, int flags, ...)
{
	mode_t m;

	MODE_ARG(flags, m);
	return do_open(dirfd, path, flags, m, 1, 0);
}

int
openat64(int dirfd, const char *path, int flags, ...)
{
	mode_t m;

	MODE_ARG(flags, m);
	return do_open(dirfd, path, flags, m, 1, 1);
}

int
close(int fd)
{
	if (fd >= 0 && (fd == log_fd || fd == count_fd))
		return 0; /* ours: a program closing every descriptor must not break the journal */
	if (fd >= 0 && fd < MAXFD && fd_path[fd] != NULL) {
		free(fd_path[fd]);
		fd_path[fd] = NULL;
	}
	return real_close(fd);
}

ssize_t
write(int fd, const void *buf, size_t n)
{
	const char *path = path_of(fd);

	if (path != NULL) {
		off_t off;
		int fl = fcntl(fd, F_GETFL);

		pthread_mutex_lock(&mu);
		tick();
		off =
		    (fl >= 0 && (fl & O_APPEND)) ? lseek(fd, 0, SEEK_END) : lseek(fd, 0, SEEK_CUR);
		if (off >= 0)
			note_write(fd, path, buf, n, off);
		pthread_mutex_unlock(&mu);
	}
	return real_write(fd, buf, n);
}

static ssize_t
do_pwrite(pwrite_fn f, int fd, const void *buf, size_t n, off_t off)
{
	const char *path = path_of(fd);

	if (path != NULL) {
		pthread_mutex_lock(&mu);
		tick();
		note_write(fd, path, buf, n, off);
		pthread_mutex_unlock(&mu);
	}
	return f(fd, buf, n, off);
}

ssize_t
pwrite(int fd, const void *buf, size_t n, off_t off)
{
	return do_pwrite(real_pwrite, fd, buf, n, off);
}

ssize_t
pwrite64(int fd, const void *buf, size_t n, off_t off)
{
	return do_pwrite(real_pwrite64, fd, buf, n, off);
}

static int
do_trunc(trunc_fn f, int fd, off_t len)
{
	const char *path = path_of(fd);

	if (path != NULL) {
		pthread_mutex_lock(&mu);
		tick();
		note_trunc(path, fd, len);
		pthread_mutex_unlock(&mu);
	}
	return f(fd, len);
}

int
ftruncate(int fd, off_t len)
{
	return do_trunc(real_ftruncate, fd, len);
}

int
ftruncate64(int fd, off_t len)
{
	return do_trunc(real_ftruncate64, fd, len);
}

static int
do_sync(sync_fn f, int fd)
{
	const char *path = path_of(fd);
	int rc;

	if (path != NULL) {
		pthread_mutex_lock(&mu);
		tick();
		pthread_mutex_unlock(&mu);
	}
	rc = f(fd);
	if (path != NULL && rc == 0) {
		pthread_mutex_lock(&mu);
		note_simple(REC_SYNC, path, NULL, 0);
		pthread_mutex_unlock(&mu);
	}
	return rc;
}

int
fsync(int fd)
{
	return do_sync(real_fsync, fd);
}

int
fdatasync(int fd)
{
	return do_sync(real_fdatasync, fd);
}

int
rename(const char *from, const char *to)
{
	char *a = tracked(AT_FDCWD, from), *b = tracked(AT_FDCWD, to);
	int rc;

	if (a != NULL && b != NULL) {
		int64_t existed = size_of(b) >= 0;

		pthread_mutex_lock(&mu);
		tick();
		rc = real_rename(from, to);
		if (rc == 0)
			note_simple(REC_RENAME, a, b, existed);
		pthread_mutex_unlock(&mu);
	} else {
		rc = real_rename(from, to);
	}
	free(a);
	free(b);
	return rc;
}

int
unlink(const char *path)
{
	char *a = tracked(AT_FDCWD, path);
	int rc;

	if (a != NULL) {
		pthread_mutex_lock(&mu);
		tick();
		rc = real_unlink(path);
		if (rc == 0)
			note_simple(REC_UNLINK, a, NULL, 0);
		pthread_mutex_unlock(&mu);
		free(a);
		return rc;
	}
	return real_unlink(path);
}

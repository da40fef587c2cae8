/*
 * snapshot.c - append-only snapshots: the store, its names, retention.
 *
 * A store is a directory of snapshots, each named for the UTC second its
 * push ended (20261207T210546Z), and "latest", a symlink to the newest.
 * serve (serve.c) runs each push in a fresh staging directory and calls
 * snap_commit only when rsync exited 0.
 *
 * MUST invariants (tests/unit/test_snapshot.c, tests/integration/
 * test_snapshots.sh):
 *  1. MUST NOT replace or alter an existing snapshot: a commit is one
 *     rename that never replaces (RENAME_NOREPLACE).
 *  2. MUST NOT follow a link while removing a tree: every step is an *at
 *     call beneath a directory descriptor opened with O_NOFOLLOW.
 *  3. MUST keep the newest snapshot whatever --keep says.
 *  4. MUST bound the work: SNAP_MAX snapshots, SNAP_DEPTH levels.
 */
#include <sys/stat.h>
#include <sys/syscall.h>

#include <dirent.h>
#include <limits.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "snapshot.h"

#define SNAP_DEPTH	2100	/* > PATH_MAX / 2: any tree rsync makes */
#define KEEP_MAX	100000	/* one period's count */

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE	(1 << 0)
#endif

static const char *const periods[KEEP_NPERIODS] = {
	"last", "hourly", "daily", "weekly", "monthly", "yearly"
};

static char kmsg[160];

int
keep_parse(const char *s, struct keep *k, const char **errstr)
{
	const char *p = s, *colon;
	unsigned long v;
	char *end;
	size_t n;
	int i;

	memset(k, 0, sizeof(*k));
	k->set = 1;
	do {
		colon = strchr(p, ':');
		n = colon != NULL ? (size_t)(colon - p) : 0;
		for (i = 0; i < KEEP_NPERIODS; i++)
			if (n == strlen(periods[i]) &&
			    memcmp(p, periods[i], n) == 0)
				break;
		if (colon == NULL || i == KEEP_NPERIODS) {
			snprintf(kmsg, sizeof(kmsg), "--keep takes PERIOD:N,"
			    "... (PERIOD last, hourly, daily, weekly, monthly "
			    "or yearly): %.60s", s);
			*errstr = kmsg;
			return -1;
		}
		errno = 0;
		v = strtoul(colon + 1, &end, 10);
		if (colon[1] < '0' || colon[1] > '9' || errno != 0 ||
		    v > KEEP_MAX || (*end != ',' && *end != '\0')) {
			snprintf(kmsg, sizeof(kmsg), "--keep %s: N must be a "
			    "number from 0 to %d", periods[i], KEEP_MAX);
			*errstr = kmsg;
			return -1;
		}
		if (k->n[i] != 0) {
			snprintf(kmsg, sizeof(kmsg), "--keep names %s twice",
			    periods[i]);
			*errstr = kmsg;
			return -1;
		}
		k->n[i] = (unsigned)v;
		p = end + (*end == ',');
	} while (*end == ',');
	return 0;
}

int
snap_name_ok(const char *s)
{
	static const char shape[] = "ddddddddTddddddZ";
	size_t i;

	for (i = 0; i < SNAP_NAME_LEN; i++)
		if (shape[i] == 'd' ? s[i] < '0' || s[i] > '9' :
		    s[i] != shape[i])
			return 0;
	if (s[i] == '\0')
		return 1;
	return s[i] == '-' && s[i + 1] >= '1' && s[i + 1] <= '9' &&
	    s[i + 2] == '\0';
}

/* The period a name falls in, as a number that sorts with time. */
static long
period_of(const char *s, int period)
{
	struct tm tm;
	time_t t;
	long ymd, y;
	char b[9];

	memcpy(b, s, 8);		/* YYYYMMDD: snap_name_ok said digits */
	b[8] = '\0';
	ymd = strtol(b, NULL, 10);
	y = ymd / 10000;
	switch (period) {
	case KEEP_HOURLY:
		return ymd * 100 + (s[9] - '0') * 10 + (s[10] - '0');
	case KEEP_DAILY:
		return ymd;
	case KEEP_WEEKLY:	/* the ISO 8601 week */
		memset(&tm, 0, sizeof(tm));
		tm.tm_year = (int)y - 1900;
		tm.tm_mon = (int)(ymd / 100 % 100) - 1;
		tm.tm_mday = (int)(ymd % 100);
		tm.tm_hour = 12;
		t = timegm(&tm);
		if (gmtime_r(&t, &tm) == NULL ||
		    strftime(b, sizeof(b), "%G%V", &tm) == 0)
			return ymd;
		return strtol(b, NULL, 10);
	case KEEP_MONTHLY:
		return ymd / 100;
	case KEEP_YEARLY:
		return y;
	}
	return -1;
}

void
snap_select(const char *const *names, size_t n, const struct keep *k, int *keepv)
{
	size_t i, kept;
	long last, cur;
	int p;

	for (i = 0; i < n; i++)
		keepv[i] = !k->set;
	if (n == 0)
		return;
	keepv[n - 1] = 1;		/* MUST 3 */
	for (p = 0; p < KEEP_NPERIODS && k->set; p++) {
		kept = 0;
		last = -2;
		for (i = n; i-- > 0 && kept < k->n[p];) {
			cur = p == KEEP_LAST ? (long)i : period_of(names[i], p);
			if (cur == last)
				continue;
			/* the newest of each period stands for it */
			keepv[i] = 1;
			kept++;
			last = cur;
		}
	}
}

static int
cmpname(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void
snap_list_free(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* A directory stream on (a copy of) dirfd; NULL (errno) on failure. */
static DIR *
open_dir(int dirfd)
{
	DIR *d;
	int fd, e;

	if ((fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1)
		return NULL;
	if ((d = fdopendir(fd)) == NULL) {
		e = errno;
		close(fd);
		errno = e;
	}
	return d;
}

int
snap_list(int storefd, char ***names, size_t *n)
{
	struct dirent *de;
	char **v = NULL, **nv;
	size_t cap = 0;
	DIR *d;
	int e;

	*names = NULL;
	*n = 0;
	if ((d = open_dir(storefd)) == NULL)
		return -1;
	while ((errno = 0, de = readdir(d)) != NULL) {
		if (!snap_name_ok(de->d_name) || (de->d_type != DT_DIR &&
		    de->d_type != DT_UNKNOWN))
			continue;
		if (*n == SNAP_MAX) {
			errno = E2BIG;
			goto fail;
		}
		if (*n == cap) {
			cap = cap ? cap * 2 : 64;
			if ((nv = reallocarray(v, cap, sizeof(*v))) == NULL)
				goto fail;
			v = nv;
		}
		if ((v[*n] = strdup(de->d_name)) == NULL)
			goto fail;
		(*n)++;
	}
	if (errno != 0)
		goto fail;
	closedir(d);
	if (*n > 1)
		qsort(v, *n, sizeof(*v), cmpname);
	*names = v;
	return 0;
fail:
	e = errno;
	closedir(d);
	snap_list_free(v, *n);
	*n = 0;
	errno = e;
	return -1;
}

/* The tree beneath fd (a directory, not closed here), depth levels in. */
static int
empty_dir(int fd, int depth)
{
	struct dirent *de;
	int sub, e, r = 0;
	DIR *d;

	if (depth > SNAP_DEPTH) {
		errno = ELOOP;
		return -1;
	}
	if ((d = open_dir(fd)) == NULL)
		return -1;
	/* Entries go as they are read; the rest are still returned. */
	while ((errno = 0, de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (unlinkat(fd, de->d_name, 0) == 0 || errno == ENOENT)
			continue;
		if (errno != EISDIR && errno != EPERM)
			goto fail;
		/* MUST 2: a directory, entered without following a link */
		if ((sub = openat(fd, de->d_name, O_RDONLY | O_DIRECTORY |
		    O_NOFOLLOW | O_CLOEXEC)) == -1)
			goto fail;
		r = empty_dir(sub, depth + 1);
		e = errno;
		close(sub);
		if (r == -1 || unlinkat(fd, de->d_name, AT_REMOVEDIR) == -1) {
			if (r == -1)
				errno = e;
			goto fail;
		}
	}
	if (errno != 0)
		goto fail;
	closedir(d);
	return 0;
fail:
	e = errno;
	closedir(d);
	errno = e;
	return -1;
}

int
snap_remove(int dirfd, const char *name)
{
	int fd, r, e;

	if (unlinkat(dirfd, name, 0) == 0)
		return 0;		/* not a directory (a stray link) */
	if (errno == ENOENT)
		return 0;
	if ((fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1)
		return -1;
	r = empty_dir(fd, 1);
	e = errno;
	close(fd);
	if (r == -1) {
		errno = e;
		return -1;
	}
	return unlinkat(dirfd, name, AT_REMOVEDIR);
}

int
snap_clean_staging(int storefd)
{
	struct dirent *de;
	int e, n = 0;
	DIR *d;

	if ((d = open_dir(storefd)) == NULL)
		return -1;
	/* Entries go as they are read; the rest are still returned. */
	while ((errno = 0, de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, SNAP_STAGING,
		    sizeof(SNAP_STAGING) - 1) != 0)
			continue;
		if (snap_remove(storefd, de->d_name) == -1)
			goto fail;
		n++;
	}
	if (errno != 0)
		goto fail;
	closedir(d);
	return n;
fail:
	e = errno;
	closedir(d);
	errno = e;
	return -1;
}

int
snap_stage(int storefd, int dry, struct snap_stage *st, const char **what)
{
	char **v;
	size_t n;
	int e;

	memset(st, 0, sizeof(*st));
	st->basisfd = -1;
	snprintf(st->staging, sizeof(st->staging), "%s%ld", SNAP_STAGING,
	    (long)getpid());
	if (!dry && (st->cleaned = snap_clean_staging(storefd)) == -1) {
		*what = "remove the staging left by an earlier push";
		return -1;
	}
	if (snap_list(storefd, &v, &n) == -1) {
		*what = "list the snapshots";
		return -1;
	}
	/* The newest that is a directory (not a link) is the link base. */
	while (n > 0 && (st->basisfd = openat(storefd, v[n - 1], O_RDONLY |
	    O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) == -1 &&
	    (errno == ENOTDIR || errno == ELOOP || errno == ENOENT))
		free(v[--n]);
	e = errno;
	if (n > 0 && st->basisfd != -1)
		snprintf(st->newest, sizeof(st->newest), "%s", v[n - 1]);
	snap_list_free(v, n);
	if (n > 0 && st->basisfd == -1) {
		errno = e;
		*what = "open the newest snapshot";
		return -1;
	}
	if (!dry && mkdirat(storefd, st->staging, 0777) == -1) {
		*what = "make the staging directory";
		e = errno;
		if (st->basisfd != -1)
			close(st->basisfd);
		st->basisfd = -1;
		errno = e;
		return -1;
	}
	return 0;
}

/* 1 if rel's first n bytes name a directory beneath fd, links unfollowed. */
static int
is_dir_beneath(int fd, const char *rel, size_t n)
{
	char comp[NAME_MAX + 1];
	const char *s = rel, *e;
	int cur = fd, next;
	size_t l;

	while (s < rel + n) {
		e = memchr(s, '/', (size_t)(rel + n - s));
		l = (size_t)((e != NULL ? e : rel + n) - s);
		if (l > NAME_MAX || (l == 2 && s[0] == '.' && s[1] == '.'))
			goto no;
		if (l > 0 && !(l == 1 && s[0] == '.')) {
			memcpy(comp, s, l);
			comp[l] = '\0';
			next = openat(cur, comp, O_RDONLY | O_DIRECTORY |
			    O_NOFOLLOW | O_CLOEXEC);
			if (cur != fd)
				close(cur);
			if ((cur = next) == -1)
				return 0;
		}
		s += l + 1;
	}
	if (cur != fd)
		close(cur);
	return 1;
no:
	if (cur != fd)
		close(cur);
	return 0;
}

int
snap_link_base(int basisfd, const char *rel, char *out, size_t sz)
{
	size_t n;

	while (*rel == '/' || (rel[0] == '.' && rel[1] == '/'))
		rel += *rel == '/' ? 1 : 2;
	n = strlen(rel);
	while (n > 0 && rel[n - 1] == '/')
		n--;
	if (n == 1 && rel[0] == '.')
		n = 0;
	if (n >= sz)
		return -1;
	if (n > 0 && !is_dir_beneath(basisfd, rel, n)) {
		/* a file's name: its directory */
		while (n > 0 && rel[n - 1] != '/')
			n--;
		while (n > 0 && rel[n - 1] == '/')
			n--;
		if (n > 0 && !is_dir_beneath(basisfd, rel, n))
			return -1;
	}
	memcpy(out, rel, n);
	out[n] = '\0';
	return (int)n;
}

int
snap_prune(int storefd, const struct keep *k,
    void (*report)(const char *, int))
{
	char **v;
	size_t i, n;
	int *keepv, gone = 0;

	if (!k->set)
		return 0;
	if (snap_list(storefd, &v, &n) == -1)
		return -1;
	if ((keepv = calloc(n + 1, sizeof(*keepv))) == NULL) {
		snap_list_free(v, n);
		return -1;
	}
	snap_select((const char *const *)v, n, k, keepv);
	for (i = 0; i < n; i++) {
		if (keepv[i])
			continue;
		if (snap_remove(storefd, v[i]) == -1) {
			report(v[i], errno);
			continue;
		}
		report(v[i], 0);
		gone++;
	}
	free(keepv);
	snap_list_free(v, n);
	return gone;
}

int
snap_commit(int storefd, const char *staging, time_t t, char *name,
    const char **what)
{
	char tmp[sizeof(SNAP_STAGING) + 32];
	struct tm tm;
	int i, e;

	if (gmtime_r(&t, &tm) == NULL || strftime(name, SNAP_NAME_MAX + 1,
	    "%Y%m%dT%H%M%SZ", &tm) != SNAP_NAME_LEN) {
		*what = "name the snapshot";
		name[0] = '\0';
		errno = EINVAL;
		return -1;
	}
	/* What a crash could lose must not be a snapshot yet. */
	if (syncfs(storefd) == -1) {
		*what = "flush the snapshot to disk";
		name[0] = '\0';
		return -1;
	}
	/* MUST 1: a second push in the same second gets -1 .. -9. */
	for (i = 0; i < 10; i++) {
		if (i > 0)
			snprintf(name + SNAP_NAME_LEN, 3, "-%d", i);
		if (syscall(SYS_renameat2, storefd, staging, storefd, name,
		    RENAME_NOREPLACE) == 0)
			break;
		if (errno != EEXIST || i == 9) {
			*what = "rename the staging directory to its snapshot";
			name[0] = '\0';	/* no snapshot */
			return -1;
		}
	}
	snprintf(tmp, sizeof(tmp), "%slatest.%ld", SNAP_STAGING,
	    (long)getpid());
	(void)unlinkat(storefd, tmp, 0);
	if (symlinkat(name, storefd, tmp) == -1 ||
	    renameat(storefd, tmp, storefd, SNAP_LATEST) == -1) {
		*what = "point " SNAP_LATEST " at the snapshot";
		e = errno;
		(void)unlinkat(storefd, tmp, 0);
		errno = e;
		return -1;		/* name is the snapshot, made */
	}
	return 0;
}

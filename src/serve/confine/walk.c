/*
 * walk.c - the beneath-DIR path walk and the pin table behind confine.c.
 *
 * MUST invariants (tests/unit/test_confine.c, tests/security/):
 *  1. MUST resolve every component relative to a held directory fd with
 *     openat2(RESOLVE_BENEATH|RESOLVE_NO_MAGICLINKS|RESOLVE_NO_SYMLINKS);
 *     symlinks are followed here, one at a time, never by the kernel.
 *  2. MUST refuse a ".." that would climb above DIR and an absolute
 *     symlink target outside DIR ("unsafe arg"); an absolute target inside
 *     DIR is followed from the root fd, as rrsync's realpath would.
 *  3. MUST NOT open a FIFO, socket, device or symlink for reading: every
 *     descriptor here is O_PATH.
 *  4. MUST verify, through /proc/self/fd, that every pinned descriptor
 *     still names an object under DIR, and fail closed if /proc is absent.
 *  5. MUST NOT create anything on disk until every path of the command
 *     has been accepted (confine_commit runs last).
 */

#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "confine.h"
#include "walk.h"
#include "util.h"

#ifndef RESOLVE_NO_XDEV
#define RESOLVE_NO_XDEV		0x01
#define RESOLVE_NO_MAGICLINKS	0x02
#define RESOLVE_NO_SYMLINKS	0x04
#define RESOLVE_BENEATH		0x08
#define RESOLVE_IN_ROOT		0x10
#endif
#ifndef SYS_openat2
#define SYS_openat2 437
#endif

struct rs_open_how {	/* struct open_how, for headers that lack it */
	unsigned long long flags;
	unsigned long long mode;
	unsigned long long resolve;
};

static int have_openat2 = 1;


/* Open one component (no '/') beneath dirfd, never following a link. */
int
cf_open_component(int dirfd, const char *name)
{
	struct rs_open_how how;
	long r;

	if (have_openat2) {
		memset(&how, 0, sizeof(how));
		how.flags = O_PATH | O_NOFOLLOW | O_CLOEXEC;
		how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS |
		    RESOLVE_NO_SYMLINKS;
		r = syscall(SYS_openat2, dirfd, name, &how, sizeof(how));
		if (r >= 0 || errno != ENOSYS)
			return (int)r;
		have_openat2 = 0;
	}
	/*
	 * NB. a single component with O_NOFOLLOW cannot leave dirfd, but
	 * ".." can: refused as RESOLVE_BENEATH refuses it (found under
	 * valgrind, which lacks openat2).
	 */
	if (strcmp(name, "..") == 0) {
		errno = EXDEV;
		return -1;
	}
	return openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
}

/* Is the object behind fd still at DIR or beneath it? */
int
cf_under_dir(struct confine *c, int fd)
{
	char link[64], buf[PATH_MAX + 1];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	if ((n = readlink(link, buf, sizeof(buf) - 1)) == -1)
		return -1;
	buf[n] = '\0';
	return path_beneath(buf, c->dir, c->dirlen) != NULL;
}

int
cf_still_under(struct confine *c, int fd, const char *orig, char **errmsg)
{
	if (cf_under_dir(c, fd) == 1)
		return 0;
	*errmsg = cf_errf(CF_MSG_ESCAPED, orig, NULL);
	return -1;
}

/*
 * The end of a walk: the unresolved remainder *rest must not climb with
 * "..", and fd must still be beneath DIR.  Returns 0, or -1 with
 * *errmsg, fd closed and *rest freed.
 */
static int
walk_end(struct confine *c, const char *orig, int fd, char **rest,
    char **errmsg)
{
	const char *r = *rest;
	size_t n = r != NULL ? strlen(r) : 0;

	if (r != NULL && (strncmp(r, "../", 3) == 0 || strstr(r, "/../") ||
	    strcmp(r, "..") == 0 || (n > 2 && strcmp(r + n - 3, "/..") == 0)))
		*errmsg = cf_errf(CF_MSG_UNSAFE, orig, NULL);
	else if (cf_still_under(c, fd, orig, errmsg) == 0)
		return 0;
	close(fd);
	free(*rest);
	*rest = NULL;
	return -1;
}

char *
cf_errf(const char *fmt, const char *orig, const char *detail)
{
	char *p;

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	p = xasprintf(fmt, orig, detail ? detail : "");
#pragma GCC diagnostic pop
	return p;
}

/*
 * The refusal for a failed lookup: what is plainly so (missing, not a
 * directory, a link loop, no permission, out of descriptors) is said so;
 * rrsync's race wording is kept for what a lookup beneath a held fd meets
 * only when the tree changes under it (EXDEV, EAGAIN from openat2).
 */
char *
cf_openerr(const char *orig, int err)
{
	switch (err) {
	case ENOENT:
		return cf_errf(CF_MSG_NOENT, orig, NULL);
	case ENOTDIR:
		return cf_errf(CF_MSG_NOTDIR, orig, NULL);
	case ELOOP:
		return cf_errf(CF_MSG_LOOP, orig, NULL);
	case EXDEV:
	case EAGAIN:
		return cf_errf(CF_MSG_RACE, orig, strerror(err));
	default:
		return cf_errf(CF_MSG_CANNOT_OPEN, orig, strerror(err));
	}
}

/*
 * Walk `rel' from the root fd.  On success *fdp is an O_PATH fd of the
 * object reached (the symlink itself when !follow_last).  When a
 * component is missing, *fdp is the deepest directory reached and *rest
 * the unresolved remainder (malloc'd).  Returns 0, or -1 with *errmsg.
 */
int
cf_walk(struct confine *c, const char *orig, const char *rel, int follow_last,
    int *fdp, char **rest, char **errmsg)
{
	int stack[MAX_DEPTH_WALK], depth = 0, nlinks = 0, fd, i;
	char *todo, *comp, *next, *ntodo, target[PATH_MAX + 1];
	const char *in;
	struct stat st;
	ssize_t n;

	*fdp = -1;
	*rest = NULL;
	todo = xstrdup(rel);
	stack[0] = -1;		/* -1 stands for the root fd (not owned) */
	comp = todo;
	for (;;) {
		while (*comp == '/')
			comp++;
		if (*comp == '\0')
			break;
		next = strchr(comp, '/');
		if (next != NULL)
			*next++ = '\0';
		else
			next = comp + strlen(comp);
		if (strcmp(comp, ".") == 0) {
			comp = next;
			continue;
		}
		if (strcmp(comp, "..") == 0) {
			if (depth == 0) {
				*errmsg = cf_errf(CF_MSG_UNSAFE, orig, NULL);
				goto fail;
			}
			close(stack[depth--]);
			comp = next;
			continue;
		}
		fd = cf_open_component(depth ? stack[depth] : c->rootfd, comp);
		if (fd == -1) {
			if (errno == ENOENT) {
				/* Keep the rest for the caller to create. */
				if (*next != '\0')
					*rest = xasprintf("%s/%s", comp, next);
				else
					*rest = xstrdup(comp);
				break;
			}
			*errmsg = cf_openerr(orig, errno);
			goto fail;
		}
		if (fstat(fd, &st) == -1) {
			close(fd);
			*errmsg = cf_errf(CF_MSG_STAT, orig, strerror(errno));
			goto fail;
		}
		if (S_ISLNK(st.st_mode) && (*next != '\0' || follow_last)) {
			n = readlinkat(fd, "", target, sizeof(target) - 1);
			close(fd);
			if (n <= 0 || ++nlinks > MAX_SYMLINKS) {
				*errmsg = cf_openerr(orig, n <= 0 ? errno :
				    ELOOP);
				goto fail;
			}
			target[n] = '\0';
			if (target[0] == '/') {
				in = path_beneath(target, c->dir, c->dirlen);
				if (in == NULL) {
					*errmsg = cf_errf(CF_MSG_UNSAFE, orig,
					    NULL);
					goto fail;
				}
				/* In-tree absolute link: restart at root. */
				while (depth > 0)
					close(stack[depth--]);
				ntodo = xasprintf("%s/%s", in, next);
			} else
				ntodo = xasprintf("%s/%s", target, next);
			free(todo);
			todo = comp = ntodo;
			continue;
		}
		if (*next != '\0' && !S_ISDIR(st.st_mode)) {
			close(fd);
			*errmsg = cf_openerr(orig, ENOTDIR);
			goto fail;
		}
		if (depth + 1 >= MAX_DEPTH_WALK) {
			close(fd);
			*errmsg = cf_errf(CF_MSG_DEEP, orig, NULL);
			goto fail;
		}
		stack[++depth] = fd;
		comp = next;
	}
	/* Hand back the top; close the rest of the stack. */
	if (depth == 0)
		fd = fcntl(c->rootfd, F_DUPFD_CLOEXEC, 3);
	else
		fd = stack[depth--];
	for (i = depth; i > 0; i--)
		close(stack[i]);
	free(todo);
	if (fd == -1) {
		*errmsg = cf_errf(CF_MSG_PIN, orig, strerror(errno));
		free(*rest);
		*rest = NULL;
		return -1;
	}
	if (walk_end(c, orig, fd, rest, errmsg) == -1)
		return -1;
	*fdp = fd;
	return 0;
 fail:
	while (depth > 0)
		close(stack[depth--]);
	free(todo);
	return -1;
}

/*
 * "/proc/self/fd/N[/leaf]suffix", malloc'd.  Written out by hand: one
 * is made per path argument, and vasprintf was a sixth of serve's
 * instructions on a 2,000-argument pull.
 */
char *
cf_spell(int fd, const char *leaf, const char *suffix)
{
	static const char pfx[] = "/proc/self/fd/";
	char num[16], *s, *p;
	size_t nl, ll, sl;
	unsigned u = fd < 0 ? 0u - (unsigned)fd : (unsigned)fd;
	int i = (int)sizeof(num);

	do
		num[--i] = (char)('0' + u % 10);
	while ((u /= 10) != 0 && i > 1);
	if (fd < 0)
		num[--i] = '-';		/* a failed pin: refused anyway */
	nl = sizeof(num) - (size_t)i;
	ll = leaf != NULL ? strlen(leaf) + 1 : 0;
	sl = strlen(suffix);
	p = s = xmalloc(sizeof(pfx) - 1 + nl + ll + sl + 1);
	memcpy(p, pfx, sizeof(pfx) - 1);
	p += sizeof(pfx) - 1;
	memcpy(p, num + i, nl);
	p += nl;
	if (leaf != NULL) {
		*p++ = '/';
		memcpy(p, leaf, ll - 1);
		p += ll - 1;
	}
	memcpy(p, suffix, sl + 1);
	return s;
}

/* Keep fd for rsync; returns the number to spell, deduplicating dirs. */
int
cf_pin(struct confine *c, int fd)
{
	struct stat st;
	int i;

	if (fstat(fd, &st) == -1) {
		close(fd);
		c->limit = "cannot check a pinned path";
		return -1;
	}
	if (S_ISDIR(st.st_mode)) {
		for (i = 0; i < c->npins; i++) {
			if (c->pin_dev[i] == st.st_dev &&
			    c->pin_ino[i] == st.st_ino) {
				close(fd);
				return c->pins[i];
			}
		}
	}
	if (c->npins >= MAX_PINS) {
		close(fd);
		c->limit = CF_LIMIT_PINS;
		return -1;
	}
	c->pins[c->npins] = fd;
	c->pin_dev[c->npins] = st.st_dev;
	c->pin_ino[c->npins] = st.st_ino;
	c->npins++;
	return fd;
}


/*
 * confine.c - resolve client-supplied paths beneath the restricted
 * directory with descriptors, and pin what rsync is handed.
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

struct rs_open_how {
	unsigned long long flags;
	unsigned long long mode;
	unsigned long long resolve;
};

static int have_openat2 = 1;

static int defer(struct confine *, enum role, int, char *, const char *,
    const char *, char **);

/* Open one component (no '/') beneath dirfd, never following a link. */
static int
open_component(int dirfd, const char *name)
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
	/* NB. a single component with O_NOFOLLOW cannot leave dirfd. */
	return openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
}

int
confine_init(struct confine *c, const char *dir, const char **errstr)
{
	struct stat st;

	memset(c, 0, sizeof(*c));
	c->placeholder = -1;
	c->dir = dir;
	c->dirlen = strlen(dir);
	c->rootfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (c->rootfd == -1 || fstat(c->rootfd, &st) == -1 ||
	    !S_ISDIR(st.st_mode)) {
		*errstr = "Restricted directory does not exist!";
		return -1;
	}
	return 0;
}

/* Is the object behind fd still at DIR or beneath it? */
static int
fd_under_dir(struct confine *c, int fd)
{
	char link[64], buf[PATH_MAX + 1];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	if ((n = readlink(link, buf, sizeof(buf) - 1)) == -1)
		return -1;
	buf[n] = '\0';
	if (c->dirlen == 1)	/* DIR is "/" */
		return buf[0] == '/';
	return strncmp(buf, c->dir, c->dirlen) == 0 &&
	    (buf[c->dirlen] == '\0' || buf[c->dirlen] == '/');
}

static char * __attribute__((format(printf, 1, 0)))
errf(const char *fmt, const char *orig, const char *detail)
{
	char *p;

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	p = xasprintf(fmt, orig, detail ? detail : "");
#pragma GCC diagnostic pop
	return p;
}

/*
 * Walk `rel' from the root fd.  On success *fdp is an O_PATH fd of the
 * object reached (the symlink itself when !follow_last).  When a
 * component is missing, *fdp is the deepest directory reached and *rest
 * the unresolved remainder (malloc'd).  Returns 0, or -1 with *errmsg.
 */
static int
walk(struct confine *c, const char *orig, const char *rel, int follow_last,
    int *fdp, char **rest, char **errmsg)
{
	int stack[MAX_DEPTH_WALK], depth = 0, nlinks = 0, fd, i;
	char *todo, *comp, *next, *ntodo, target[PATH_MAX + 1];
	struct stat st;
	ssize_t n;
	size_t tl;

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
				*errmsg = errf("unsafe arg: %s%s", orig, NULL);
				goto fail;
			}
			close(stack[depth--]);
			comp = next;
			continue;
		}
		fd = open_component(depth ? stack[depth] : c->rootfd, comp);
		if (fd == -1) {
			if (errno == ENOENT) {
				/* Keep the rest for the caller to create. */
				if (*next != '\0')
					*rest = xasprintf("%s/%s", comp, next);
				else
					*rest = xstrdup(comp);
				break;
			}
			*errmsg = errf("post-realpath open failed (race "
			    "detected): %s %s", orig, strerror(errno));
			goto fail;
		}
		if (fstat(fd, &st) == -1) {
			close(fd);
			*errmsg = errf("post-pin stat failed (race?): %s %s",
			    orig, strerror(errno));
			goto fail;
		}
		if (S_ISLNK(st.st_mode) && (*next != '\0' || follow_last)) {
			n = readlinkat(fd, "", target, sizeof(target) - 1);
			close(fd);
			if (n <= 0 || ++nlinks > MAX_SYMLINKS) {
				*errmsg = errf("post-realpath open failed "
				    "(race detected): %s %s", orig,
				    strerror(n <= 0 ? errno : ELOOP));
				goto fail;
			}
			target[n] = '\0';
			if (target[0] == '/') {
				tl = c->dirlen == 1 ? 0 : c->dirlen;
				if (strncmp(target, c->dir, tl) != 0 ||
				    (target[tl] != '\0' && target[tl] != '/')) {
					*errmsg = errf("unsafe arg: %s%s", orig,
					    NULL);
					goto fail;
				}
				/* In-tree absolute link: restart at root. */
				while (depth > 0)
					close(stack[depth--]);
				ntodo = xasprintf("%s/%s", target + tl, next);
			} else
				ntodo = xasprintf("%s/%s", target, next);
			free(todo);
			todo = comp = ntodo;
			continue;
		}
		if (*next != '\0' && !S_ISDIR(st.st_mode)) {
			close(fd);
			*errmsg = errf("post-realpath open failed (race "
			    "detected): %s %s", orig, strerror(ENOTDIR));
			goto fail;
		}
		if (depth + 1 >= MAX_DEPTH_WALK) {
			close(fd);
			*errmsg = errf("path is too deep: %s%s", orig, NULL);
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
		*errmsg = errf("unable to pin path: %s %s", orig,
		    strerror(errno));
		free(*rest);
		*rest = NULL;
		return -1;
	}
	if (*rest != NULL && strstr(*rest, "..") != NULL &&
	    (strncmp(*rest, "../", 3) == 0 || strstr(*rest, "/../") ||
	    strcmp(*rest, "..") == 0 ||
	    (strlen(*rest) > 2 && strcmp(*rest + strlen(*rest) - 3, "/..") == 0))) {
		close(fd);
		free(*rest);
		*rest = NULL;
		*errmsg = errf("unsafe arg: %s%s", orig, NULL);
		return -1;
	}
	if (fd_under_dir(c, fd) != 1) {
		close(fd);
		free(*rest);
		*rest = NULL;
		*errmsg = errf("post-pin path escaped tree (race?): %s%s",
		    orig, NULL);
		return -1;
	}
	*fdp = fd;
	return 0;
 fail:
	while (depth > 0)
		close(stack[depth--]);
	free(todo);
	return -1;
}

/* Keep fd for rsync; returns the number to spell, deduplicating dirs. */
static int
pin(struct confine *c, int fd)
{
	struct stat st;
	int i;

	if (fstat(fd, &st) == -1)
		fatal("fstat of pinned path: %s", strerror(errno));
	if (S_ISDIR(st.st_mode)) {
		for (i = 0; i < c->npins; i++) {
			if (c->pin_dev[i] == st.st_dev &&
			    c->pin_ino[i] == st.st_ino) {
				close(fd);
				return c->pins[i];
			}
		}
	}
	if (c->npins >= MAX_PINS)
		fatal("too many paths to pin");
	c->pins[c->npins] = fd;
	c->pin_dev[c->npins] = st.st_dev;
	c->pin_ino[c->npins] = st.st_ino;
	c->npins++;
	return fd;
}

/* Split "a/b/c" into parent "a/b" and leaf "c" (in place). */
static const char *
split_leaf(char *path)
{
	char *s = strrchr(path, '/');

	if (s == NULL)
		return NULL;
	*s = '\0';
	return s + 1;
}

static char *
enoent(const char *orig)
{
	return errf("post-realpath open failed (race detected): %s %s", orig,
	    "No such file or directory");
}

/*
 * Walk to the directory holding rel's leaf, which must exist (MUST 1:
 * the directory pinned is the one the leaf was looked up in; never a
 * spelling with unresolved components).  *pfd is that directory, *leaf
 * points into *par (malloc'd by us; caller frees).
 */
static int
walk_parent(struct confine *c, const char *orig, const char *rel, int *pfd,
    char **par, const char **leaf, char **errmsg)
{
	char *rest;
	const char *l;

	*par = xstrdup(rel);
	if ((l = split_leaf(*par)) == NULL) {
		l = rel;
		(*par)[0] = '\0';
	}
	*leaf = l;
	if (walk(c, orig, *par, 1, pfd, &rest, errmsg) == -1) {
		free(*par);
		return -1;
	}
	if (rest != NULL) {
		free(rest);
		close(*pfd);
		free(*par);
		*errmsg = enoent(orig);
		return -1;
	}
	return 0;
}

/* Pin the directory holding rel's leaf; *out = /proc/self/fd/P/leaf. */
static int
parent_pin(struct confine *c, const char *orig, const char *rel,
    const char *suffix, char **out, char **errmsg)
{
	const char *leaf;
	char *par;
	int pfd;

	if (walk_parent(c, orig, rel, &pfd, &par, &leaf, errmsg) == -1)
		return -1;
	*out = xasprintf("/proc/self/fd/%d/%s%s", pin(c, pfd), leaf, suffix);
	free(par);
	return 0;
}

/* Check that rel (followed to the end) stays in DIR; report existence. */
static int
check_target(struct confine *c, const char *orig, const char *rel,
    int *exists, struct stat *stp, char **errmsg)
{
	char *rest;
	int fd;

	if (walk(c, orig, rel, 1, &fd, &rest, errmsg) == -1)
		return -1;
	*exists = rest == NULL;
	if (stp != NULL && fstat(fd, stp) == -1)
		memset(stp, 0, sizeof(*stp));
	free(rest);
	close(fd);
	return 0;
}

/* Look the leaf up beneath the held parent: 0 and *st, or -1 (errno). */
static int
leaf_stat(int pfd, const char *leaf, struct stat *st)
{
	int fd, e;

	if ((fd = open_component(pfd, leaf)) == -1)
		return -1;
	e = fstat(fd, st);
	close(fd);
	return e;
}

static int
sender_arg(struct confine *c, const char *orig, const char *rel,
    const char *suffix, char **out, char **errmsg)
{
	const char *leaf;
	struct stat st;
	char *par, *rest;
	int fd, pfd, exists;

	if (*suffix != '\0') {
		/* "dir/" is opened and followed by rsync: pin the leaf. */
		if (walk(c, orig, rel, 1, &fd, &rest, errmsg) == -1)
			return -1;
		if (rest != NULL) {
			free(rest);
			close(fd);
			*errmsg = enoent(orig);
			return -1;
		}
		*out = xasprintf("/proc/self/fd/%d%s", pin(c, fd), suffix);
		return 0;
	}
	/*
	 * The leaf is looked up, and later spelled, beneath the same held
	 * parent.  It must exist (a dangling symlink counts) ...
	 */
	if (walk_parent(c, orig, rel, &pfd, &par, &leaf, errmsg) == -1)
		return -1;
	if (leaf_stat(pfd, leaf, &st) == -1) {
		*errmsg = errno == ENOENT ? enoent(orig) :
		    errf("post-realpath open failed (race detected): %s %s",
		    orig, strerror(errno));
		goto fail;
	}
	/* ... and whatever a symlink leaf points to must stay inside DIR. */
	if (S_ISLNK(st.st_mode) &&
	    check_target(c, orig, rel, &exists, NULL, errmsg) == -1)
		goto fail;
	*out = xasprintf("/proc/self/fd/%d/%s", pin(c, pfd), leaf);
	free(par);
	return 0;
 fail:
	close(pfd);
	free(par);
	return -1;
}

/* --relative: pin the anchor before the first "/./" (or DIR itself). */
static int
sender_arg_rel(struct confine *c, const char *orig, const char *rel,
    const char *suffix, char **out, char **errmsg)
{
	char *full, *mark, *anchor, *tail, *rest;
	int fd, afd, exists;
	size_t tl;

	/* Existence and confinement of the whole path first. */
	if (walk(c, orig, rel, *suffix != '\0', &fd, &rest, errmsg) == -1)
		return -1;
	close(fd);
	if (rest != NULL) {
		free(rest);
		*errmsg = errf("post-realpath open failed (race detected): "
		    "%s %s", orig, "No such file or directory");
		return -1;
	}
	if (check_target(c, orig, rel, &exists, NULL, errmsg) == -1)
		return -1;
	full = xasprintf("/%s%s", rel, suffix);
	if ((mark = strstr(full, "/./")) != NULL) {
		*mark = '\0';
		anchor = full + 1;
		tail = mark + 3;
		tl = strlen(tail);
		while (tl > 0 && tail[tl - 1] == '/')
			tail[--tl] = '\0';
	} else {
		anchor = full + strlen(full);	/* "" */
		tail = NULL;
	}
	if (walk(c, orig, anchor, 1, &afd, &rest, errmsg) == -1) {
		free(full);
		return -1;
	}
	if (rest != NULL) {
		free(rest);
		close(afd);
		free(full);
		*errmsg = errf("unable to pin sender path: %s %s", orig,
		    "No such file or directory");
		return -1;
	}
	afd = pin(c, afd);
	if (tail == NULL)
		*out = xasprintf("/proc/self/fd/%d/./%s%s", afd, rel, suffix);
	else if (*tail == '\0' || strcmp(tail, ".") == 0)
		*out = xasprintf("/proc/self/fd/%d/.%s", afd, suffix);
	else
		*out = xasprintf("/proc/self/fd/%d/./%s%s", afd, tail, suffix);
	free(full);
	return 0;
}

static int
recv_arg(struct confine *c, const char *orig, const char *rel,
    const char *suffix, char **out, char **errmsg)
{
	const char *leaf;
	struct stat st;
	char *par, *rest;
	int fd, pfd, exists;

	if (walk_parent(c, orig, rel, &pfd, &par, &leaf, errmsg) == -1) {
		/* A missing parent: rsync would create it only for --mkpath. */
		if (c->mkpath && walk(c, orig, rel, 1, &fd, &rest, errmsg) == 0) {
			free(*errmsg);
			*errmsg = NULL;
			if (rest == NULL) {	/* appeared meanwhile */
				close(fd);
				return recv_arg(c, orig, rel, suffix, out,
				    errmsg);
			}
			return defer(c, ROLE_RECV_ARG, fd, rest, orig, suffix,
			    out);
		}
		return -1;
	}
	exists = leaf_stat(pfd, leaf, &st) == 0;
	if (!exists && errno != ENOENT) {
		*errmsg = errf("post-realpath open failed (race detected): "
		    "%s %s", orig, strerror(errno));
		goto fail;
	}
	if (exists && (S_ISDIR(st.st_mode) || S_ISLNK(st.st_mode))) {
		/* A directory (perhaps through an in-tree link): pin it. */
		if (walk(c, orig, rel, 1, &fd, &rest, errmsg) == -1)
			goto fail;
		if (rest == NULL && fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
			close(pfd);
			free(par);
			*out = xasprintf("/proc/self/fd/%d%s", pin(c, fd),
			    suffix);
			return 0;
		}
		free(rest);
		close(fd);
	}
	/*
	 * NB. a new name, an existing file or a link to one is spelled
	 * beneath its pinned parent: rsync replaces it with a temp file and
	 * a rename in that directory, as it would without rsguard.
	 */
	*out = xasprintf("/proc/self/fd/%d/%s%s", pin(c, pfd), leaf, suffix);
	free(par);
	return 0;
 fail:
	close(pfd);
	free(par);
	return -1;
}

/* Queue a directory to create at commit; takes ownership of fd, rest. */
static int
defer(struct confine *c, enum role role, int fd, char *rest, const char *orig,
    const char *suffix, char **out)
{
	struct defer *d;

	if (c->ndefer >= MAX_DEFER)
		fatal("too many directories to create");
	d = &c->defer[c->ndefer++];
	d->role = role;
	d->basefd = pin(c, fd);
	d->rest = rest;
	d->orig = xstrdup(orig);
	d->suffix = xstrdup(suffix);
	d->out = out;
	*out = NULL;
	return 0;
}

int
confine_path(struct confine *c, enum role role, const char *orig,
    const char *rel, const char *suffix, char **out, char **errmsg)
{
	char *rest;
	int fd;

	*out = NULL;
	*errmsg = NULL;
	switch (role) {
	case ROLE_SENDER_ARG:
		return sender_arg(c, orig, rel, suffix, out, errmsg);
	case ROLE_SENDER_ARG_REL:
		return sender_arg_rel(c, orig, rel, suffix, out, errmsg);
	case ROLE_RECV_ARG:
		return recv_arg(c, orig, rel, suffix, out, errmsg);
	default:
		break;
	}
	if (walk(c, orig, rel, 1, &fd, &rest, errmsg) == -1)
		return -1;
	if (rest == NULL && role == ROLE_CREATE_PRIVATE_DIR) {
		/*
		 * NB. rsync lstat()s the partial dir and would take a
		 * /proc/self/fd/N leaf for a symlink, unlink-fail and drop the
		 * partial file; spell it beneath its pinned parent instead.
		 */
		close(fd);
		return parent_pin(c, orig, rel, suffix, out, errmsg);
	}
	if (rest == NULL) {
		*out = xasprintf("/proc/self/fd/%d%s", pin(c, fd), suffix);
		return 0;
	}
	switch (role) {
	case ROLE_MUST_EXIST_DIR:
		*errmsg = errf("receiver option path does not exist: %s%s",
		    orig, NULL);
		break;
	case ROLE_READ_FILE:
	case ROLE_WRITE_FILE:
		/* Only the leaf may be missing; never spell unresolved dirs. */
		if ((role == ROLE_READ_FILE && c->am_sender) ||
		    strchr(rest, '/') != NULL) {
			*errmsg = enoent(orig);
			break;
		}
		*out = xasprintf("/proc/self/fd/%d/%s%s", pin(c, fd), rest,
		    suffix);
		free(rest);
		return 0;
	case ROLE_CREATE_DIR:
	case ROLE_CREATE_PRIVATE_DIR:
	case ROLE_BASIS_DIR:
		/* Created after every path is accepted (MUST 5). */
		return defer(c, role, fd, rest, orig, suffix, out);
	default:
		break;
	}
	free(rest);
	close(fd);
	if (*errmsg == NULL)
		*errmsg = errf("bad receiver option path: %s%s", orig, NULL);
	return -1;
}

/* Create (or reuse) each component of d->rest beneath d->basefd. */
static int
create_dirs(struct confine *c, struct defer *d, char **errmsg)
{
	mode_t mode = d->role == ROLE_CREATE_PRIVATE_DIR ? 0700 : 0777;
	char *path = d->rest, *comp, *next, *last = NULL;
	struct stat st;
	int fd, nfd, pfd = -1;
	const char *leaf = NULL;

	if ((fd = fcntl(d->basefd, F_DUPFD_CLOEXEC, 3)) == -1)
		goto syserr;
	/* --mkpath destination: make its parents; rsync makes the leaf. */
	if (d->role == ROLE_RECV_ARG) {
		if ((last = strrchr(path, '/')) == NULL) {
			close(fd);
			goto syserr;
		}
		*last++ = '\0';
	}
	for (comp = path; comp != NULL && *comp != '\0'; comp = next) {
		next = strchr(comp, '/');
		if (next != NULL)
			*next++ = '\0';
		if (*comp == '\0' || strcmp(comp, ".") == 0 ||
		    strcmp(comp, "..") == 0) {
			close(fd);
			*errmsg = errf("bad receiver option path: %s%s",
			    d->orig, NULL);
			return -1;
		}
		if (mkdirat(fd, comp, mode) == -1 && errno != EEXIST) {
			close(fd);
			*errmsg = errf("unable to create receiver option dir: "
			    "%s %s", d->orig, strerror(errno));
			return -1;
		}
		/* Whatever is there now must be a real directory. */
		nfd = open_component(fd, comp);
		if (nfd == -1 || fstat(nfd, &st) == -1 ||
		    !S_ISDIR(st.st_mode)) {
			if (nfd != -1)
				close(nfd);
			close(fd);
			*errmsg = errf("receiver option path is not a usable "
			    "directory: %s%s", d->orig, NULL);
			if (pfd != -1)
				close(pfd);
			return -1;
		}
		if (pfd != -1)
			close(pfd);
		pfd = fd;
		leaf = comp;
		fd = nfd;
	}
	if (last != NULL) {
		if (pfd != -1)
			close(pfd);
		if (fd_under_dir(c, fd) != 1) {
			close(fd);
			*errmsg = errf("post-pin path escaped tree (race?): "
			    "%s%s", d->orig, NULL);
			return -1;
		}
		*d->out = xasprintf("/proc/self/fd/%d/%s%s", pin(c, fd), last,
		    d->suffix);
		return 0;
	}
	if (d->role == ROLE_CREATE_PRIVATE_DIR && pfd != -1) {
		/* See confine_path: the partial dir goes beneath its parent. */
		if (fd_under_dir(c, pfd) != 1) {
			close(pfd);
			close(fd);
			*errmsg = errf("post-pin path escaped tree (race?): "
			    "%s%s", d->orig, NULL);
			return -1;
		}
		close(fd);
		*d->out = xasprintf("/proc/self/fd/%d/%s%s", pin(c, pfd), leaf,
		    d->suffix);
		return 0;
	}
	if (pfd != -1)
		close(pfd);
	if (fd_under_dir(c, fd) != 1) {
		close(fd);
		*errmsg = errf("post-pin path escaped tree (race?): %s%s",
		    d->orig, NULL);
		return -1;
	}
	*d->out = xasprintf("/proc/self/fd/%d%s", pin(c, fd), d->suffix);
	return 0;
 syserr:
	*errmsg = errf("unable to pin receiver option dir: %s %s", d->orig,
	    strerror(errno));
	return -1;
}

/*
 * An empty directory with no name: made in DIR, opened, removed.  A basis
 * lookup cannot tell it from a missing directory, and the peer cannot
 * reach it to fill it.
 */
static int
placeholder(struct confine *c, struct defer *d, char **errmsg)
{
	char name[64];
	struct dirent *de;
	DIR *dp;
	int fd, lfd, n = 0;

	if (c->placeholder == -1) {
		snprintf(name, sizeof(name), ".rsguard-empty-basis.%ld",
		    (long)getpid());
		if (mkdirat(c->rootfd, name, 0700) == -1 && errno != EEXIST)
			goto err;
		fd = openat(c->rootfd, name,
		    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd == -1)
			goto err;
		if (unlinkat(c->rootfd, name, AT_REMOVEDIR) == -1 &&
		    errno != ENOENT) {
			close(fd);
			goto err;
		}
		if ((lfd = dup(fd)) == -1 || (dp = fdopendir(lfd)) == NULL) {
			close(fd);
			goto err;
		}
		while ((de = readdir(dp)) != NULL)
			if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
				n++;
		closedir(dp);
		if (n != 0) {
			close(fd);
			*errmsg = errf("basis placeholder is not empty: %s%s",
			    d->orig, NULL);
			return -1;
		}
		c->placeholder = pin(c, fd);
	}
	*d->out = xasprintf("/proc/self/fd/%d%s", c->placeholder, d->suffix);
	return 0;
 err:
	*errmsg = errf("unable to create basis placeholder: %s %s", d->orig,
	    strerror(errno));
	return -1;
}

int
confine_commit(struct confine *c, char **errmsg)
{
	struct defer *d;
	int i, r;

	*errmsg = NULL;
	for (i = 0; i < c->ndefer; i++) {
		d = &c->defer[i];
		if (c->dry_run) {
			/* Show the plan; touch nothing. */
			*d->out = xasprintf("/proc/self/fd/%d/%s%s "
			    "(%s at run time)", d->basefd, d->rest, d->suffix,
			    d->role == ROLE_BASIS_DIR ? "empty placeholder" :
			    "created");
			continue;
		}
		if (d->role == ROLE_BASIS_DIR)
			r = placeholder(c, d, errmsg);
		else
			r = create_dirs(c, d, errmsg);
		if (r == -1)
			return -1;
	}
	return 0;
}

int
confine_export(struct confine *c)
{
	int i, fl;

	for (i = 0; i < c->npins; i++) {
		if ((fl = fcntl(c->pins[i], F_GETFD)) == -1 ||
		    fcntl(c->pins[i], F_SETFD, fl & ~FD_CLOEXEC) == -1)
			return -1;
	}
	return 0;
}

int
confine_is_pin(const struct confine *c, int fd)
{
	int i;

	for (i = 0; i < c->npins; i++)
		if (c->pins[i] == fd)
			return 1;
	return 0;
}

static int
has_magic(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

static int
cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Match one component against the entries of directory `prefix'. */
static int
glob_dir(struct confine *c, const char *prefix, const char *pat,
    struct strvec *next, size_t *budget, const char **errstr)
{
	char *rest, *em = NULL;
	struct dirent *de;
	DIR *dp;
	int fd, lfd;

	if (walk(c, prefix, prefix, 1, &fd, &rest, &em) == -1) {
		free(em);
		return 0;	/* unreadable or outside: no matches here */
	}
	if (rest != NULL) {
		free(rest);
		close(fd);
		return 0;
	}
	lfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	close(fd);
	if (lfd == -1 || (dp = fdopendir(lfd)) == NULL) {
		if (lfd != -1)
			close(lfd);
		return 0;
	}
	while ((de = readdir(dp)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (fnmatch(pat, de->d_name, FNM_PERIOD | FNM_NOESCAPE) != 0)
			continue;
		if (*budget == 0) {
			closedir(dp);
			*errstr = "wildcard matches too many files";
			return -1;
		}
		(*budget)--;
		strvec_push(next, *prefix ? xasprintf("%s/%s", prefix,
		    de->d_name) : xstrdup(de->d_name));
	}
	closedir(dp);
	return 0;
}

int
confine_glob(struct confine *c, const char *pattern, struct strvec *out,
    size_t *budget, const char **errstr)
{
	struct strvec cur = { NULL, 0, 0 }, next;
	char *pat, *comp, *sp, *em, *rest;
	size_t i, first;
	int fd, r = 0;

	if (!has_magic(pattern)) {
		strvec_push(out, xstrdup(pattern));
		return 0;
	}
	pat = xstrdup(pattern);
	strvec_push(&cur, xstrdup(""));
	for (comp = strtok_r(pat, "/", &sp); comp != NULL;
	    comp = strtok_r(NULL, "/", &sp)) {
		memset(&next, 0, sizeof(next));
		for (i = 0; i < cur.n && r == 0; i++) {
			if (has_magic(comp))
				r = glob_dir(c, cur.v[i], comp, &next, budget,
				    errstr);
			else
				strvec_push(&next, *cur.v[i] ?
				    xasprintf("%s/%s", cur.v[i], comp) :
				    xstrdup(comp));
		}
		strvec_free(&cur);
		cur = next;
		if (r == -1 || cur.n == 0)
			break;
	}
	free(pat);
	first = out->n;
	/* Keep what exists (rrsync's glob checks the literal tail too). */
	for (i = 0; r == 0 && i < cur.n; i++) {
		em = NULL;
		if (walk(c, cur.v[i], cur.v[i], 0, &fd, &rest, &em) == 0) {
			close(fd);
			if (rest == NULL)
				strvec_push(out, xstrdup(cur.v[i]));
			free(rest);
		}
		free(em);
	}
	strvec_free(&cur);
	if (r == -1)
		return -1;
	if (out->n == first)
		strvec_push(out, xstrdup(pattern));	/* as rrsync: no match */
	else
		qsort(out->v + first, out->n - first, sizeof(char *), cmpstr);
	return 0;
}

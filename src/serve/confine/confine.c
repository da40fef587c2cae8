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
 *  6. MUST spell a path for rsync only beneath the descriptor it was
 *     looked up with: a missing component is refused, never spelled
 *     unresolved under a pin (security suite, rename-flip race).
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
	return cf_openerr(orig, ENOENT);
}

/*
 * Walk to the directory holding rel's leaf, which must exist (confine.c MUST 1:
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
	if (cf_walk(c, orig, *par, 1, pfd, &rest, errmsg) == -1) {
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
	*out = xasprintf("/proc/self/fd/%d/%s%s", cf_pin(c, pfd), leaf, suffix);
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

	if (cf_walk(c, orig, rel, 1, &fd, &rest, errmsg) == -1)
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

	if ((fd = cf_open_component(pfd, leaf)) == -1)
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
		if (cf_walk(c, orig, rel, 1, &fd, &rest, errmsg) == -1)
			return -1;
		if (rest != NULL) {
			free(rest);
			close(fd);
			*errmsg = enoent(orig);
			return -1;
		}
		*out = xasprintf("/proc/self/fd/%d%s", cf_pin(c, fd), suffix);
		return 0;
	}
	/*
	 * The leaf is looked up, and later spelled, beneath the same held
	 * parent.  It must exist (a dangling symlink counts) ...
	 */
	if (walk_parent(c, orig, rel, &pfd, &par, &leaf, errmsg) == -1)
		return -1;
	if (leaf_stat(pfd, leaf, &st) == -1) {
		*errmsg = cf_openerr(orig, errno);
		goto fail;
	}
	/* ... and whatever a symlink leaf points to must stay inside DIR. */
	if (S_ISLNK(st.st_mode) &&
	    check_target(c, orig, rel, &exists, NULL, errmsg) == -1)
		goto fail;
	*out = xasprintf("/proc/self/fd/%d/%s", cf_pin(c, pfd), leaf);
	free(par);
	return 0;
 fail:
	close(pfd);
	free(par);
	return -1;
}

/*
 * confine.c MUST 6 for --relative: tail, as rsync resolves it beneath the
 * anchor afd (following links but the last one unless `follow'), must reach the
 * object *want the whole path was checked to.  Returns 0, 1 if it reaches
 * another one, or -1 (errno).  NB. the walk already confined every component;
 * this ties the spelling to that walk.
 */
int
cf_same_beneath(int afd, const char *tail, int follow, const struct stat *want)
{
	struct stat st;
	int fd, r;

	while (*tail == '/')
		tail++;
	if (*tail == '\0' || strcmp(tail, ".") == 0)
		r = fstat(afd, &st);
	else {
		fd = openat(afd, tail, O_PATH | O_CLOEXEC |
		    (follow ? 0 : O_NOFOLLOW));
		if (fd == -1)
			return -1;
		r = fstat(fd, &st);
		close(fd);
	}
	if (r == -1)
		return -1;
	return st.st_dev != want->st_dev || st.st_ino != want->st_ino;
}

/*
 * --relative: rsync splits a source at its FIRST "/./" (flist.c
 * send_file_list) and transmits what follows.  Pin the anchor, what
 * precedes that marker -- DIR itself when there is none or the path
 * begins with it ("/./sub/" is rel "./sub") -- and hand rsync
 * /proc/self/fd/A/./TAIL, TAIL being what follows the marker.
 */
static int
sender_arg_rel(struct confine *c, const char *orig, const char *rel,
    const char *suffix, char **out, char **errmsg)
{
	char *full, *mark, *anchor, *tail, *rest;
	const char *t;
	struct stat want;
	int fd, afd, exists, r, follow = *suffix != '\0';
	size_t tl;

	/* Existence and confinement of the whole path first. */
	if (cf_walk(c, orig, rel, follow, &fd, &rest, errmsg) == -1)
		return -1;
	if (rest != NULL || fstat(fd, &want) == -1) {
		free(rest);
		close(fd);
		*errmsg = enoent(orig);
		return -1;
	}
	close(fd);
	if (check_target(c, orig, rel, &exists, NULL, errmsg) == -1)
		return -1;
	full = xasprintf("/%s%s", rel, suffix);
	if ((mark = strstr(full, "/./")) != NULL) {
		*mark = '\0';
		anchor = mark == full ? mark : full + 1;	/* "" or "a/b" */
		tail = mark + 3;
		tl = strlen(tail);
		while (tl > 0 && tail[tl - 1] == '/')
			tail[--tl] = '\0';
	} else {
		anchor = full + strlen(full);	/* "" */
		tail = NULL;
	}
	if (cf_walk(c, orig, anchor, 1, &afd, &rest, errmsg) == -1) {
		free(full);
		return -1;
	}
	if (rest != NULL) {
		free(rest);
		close(afd);
		free(full);
		*errmsg = enoent(orig);
		return -1;
	}
	t = tail != NULL ? tail : rel;
	if ((r = cf_same_beneath(afd, t, follow, &want)) != 0) {
		*errmsg = r == 1 ?
		    cf_errf(CF_MSG_CHANGED, orig, t) :
		    cf_errf(CF_MSG_STAT, orig, strerror(errno));
		close(afd);
		free(full);
		return -1;
	}
	afd = cf_pin(c, afd);
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
		if (c->mkpath && cf_walk(c, orig, rel, 1, &fd, &rest, errmsg) == 0) {
			free(*errmsg);
			*errmsg = NULL;
			if (rest == NULL) {	/* appeared meanwhile */
				close(fd);
				return recv_arg(c, orig, rel, suffix, out,
				    errmsg);
			}
			return cf_defer(c, ROLE_RECV_ARG, fd, rest, orig,
			    suffix);
		}
		return -1;
	}
	exists = leaf_stat(pfd, leaf, &st) == 0;
	if (!exists && errno != ENOENT) {
		*errmsg = cf_openerr(orig, errno);
		goto fail;
	}
	if (exists && (S_ISDIR(st.st_mode) || S_ISLNK(st.st_mode))) {
		/* A directory (perhaps through an in-tree link): pin it. */
		if (cf_walk(c, orig, rel, 1, &fd, &rest, errmsg) == -1)
			goto fail;
		if (rest == NULL && fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
			close(pfd);
			free(par);
			*out = xasprintf("/proc/self/fd/%d%s", cf_pin(c, fd),
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
	*out = xasprintf("/proc/self/fd/%d/%s%s", cf_pin(c, pfd), leaf, suffix);
	free(par);
	return 0;
 fail:
	close(pfd);
	free(par);
	return -1;
}

/* Queue a directory to create at commit; takes ownership of fd, rest. */
int
cf_defer(struct confine *c, enum role role, int fd, char *rest,
    const char *orig, const char *suffix)
{
	struct defer *d;

	if (c->ndefer >= MAX_DEFER) {
		close(fd);
		free(rest);
		c->limit = "too many directories to create";
		return -1;
	}
	if (c->defer == NULL)
		c->defer = xcalloc(MAX_DEFER, sizeof(*c->defer));
	d = &c->defer[c->ndefer++];
	d->role = role;
	d->basefd = cf_pin(c, fd);
	d->rest = rest;
	d->orig = xstrdup(orig);
	d->suffix = xstrdup(suffix);
	d->idx = (int)c->spell.n;	/* confine_path records it next */
	return 0;
}

static int
path_role(struct confine *c, enum role role, const char *orig,
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
	if (cf_walk(c, orig, rel, 1, &fd, &rest, errmsg) == -1)
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
		*out = xasprintf("/proc/self/fd/%d%s", cf_pin(c, fd), suffix);
		return 0;
	}
	switch (role) {
	case ROLE_MUST_EXIST_DIR:
		*errmsg = cf_errf(CF_MSG_OPT_MISSING, orig, NULL);
		break;
	case ROLE_READ_FILE:
	case ROLE_WRITE_FILE:
		/* Only the leaf may be missing; never spell unresolved dirs. */
		if ((role == ROLE_READ_FILE && c->am_sender) ||
		    strchr(rest, '/') != NULL) {
			*errmsg = enoent(orig);
			break;
		}
		*out = xasprintf("/proc/self/fd/%d/%s%s", cf_pin(c, fd), rest,
		    suffix);
		free(rest);
		return 0;
	case ROLE_CREATE_DIR:
	case ROLE_CREATE_PRIVATE_DIR:
	case ROLE_BASIS_DIR:
		/* Created after every path is accepted (confine.c MUST 5). */
		return cf_defer(c, role, fd, rest, orig, suffix);
	default:
		break;
	}
	free(rest);
	close(fd);
	if (*errmsg == NULL)
		*errmsg = cf_errf(CF_MSG_OPT_BAD, orig, NULL);
	return -1;
}

/* Refuse with em (malloc'd, or NULL for c->limit): *errstr owned by c. */
static int
refusal(struct confine *c, char *em, const char **errstr)
{
	free(c->err);
	c->err = em;
	*errstr = em != NULL ? em : c->limit;
	return -1;
}

int
confine_path(struct confine *c, enum role role, const char *orig,
    const char *rel, const char *suffix, const char **errstr)
{
	char *out = NULL, *em = NULL;
	int r;

	r = path_role(c, role, orig, rel, suffix, &out, &em);
	/* A bound reached on the way (cf_pin, cf_defer) refuses the path. */
	if (c->limit != NULL) {
		free(out);
		free(em);
		return refusal(c, NULL, errstr);
	}
	if (r == -1) {
		free(out);
		return refusal(c, em, errstr);
	}
	/* out is NULL for a deferral: confine_commit settles it. */
	return confine_keep(c, out);
}

int
confine_keep(struct confine *c, char *s)
{
	strvec_push(&c->spell, s);
	return (int)c->spell.n - 1;
}

const char *
confine_spelling(const struct confine *c, int i)
{
	return i >= 0 && (size_t)i < c->spell.n ? c->spell.v[i] : NULL;
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


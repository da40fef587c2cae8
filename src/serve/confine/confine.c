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

static char *
enoent(const char *orig)
{
	return cf_openerr(orig, ENOENT);
}

/*
 * The parents walked so far, by their DIR-relative spelling: a command
 * naming many files in one directory walks and checks it once (issue
 * 12 item 10).  NB. every later use gets the directory object the first
 * walk reached and checked, as if the whole command were resolved at
 * that moment; a rename meanwhile cannot move the leaf lookup out of
 * that object, which stays pinned and checked beneath DIR as before.
 * An entry owns fd until it is pinned; then pin is the number to spell.
 */
#define PCACHE_SLOTS	64
struct pcache {
	char	*par;
	int	 fd;		/* owned, unpinned; or -1 */
	int	 pin;		/* pinned number; or -1 */
};

static unsigned
pcache_slot(const char *s)
{
	unsigned h = 2166136261u;	/* FNV-1a */

	while (*s != '\0')
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h % PCACHE_SLOTS;
}

static void
pcache_drop(struct pcache *e)
{
	if (e->fd != -1)
		close(e->fd);
	free(e->par);
	e->par = NULL;
	e->fd = e->pin = -1;
}

void
confine_free(struct confine *c)
{
	int i;

	for (i = 0; c->pcache != NULL && i < PCACHE_SLOTS; i++)
		pcache_drop(&c->pcache[i]);
	free(c->pcache);
	c->pcache = NULL;
	for (i = 0; i < c->ndefer; i++) {
		free(c->defer[i].rest);
		free(c->defer[i].orig);
		free(c->defer[i].suffix);
	}
	free(c->defer);
	c->defer = NULL;
	c->ndefer = 0;
	strvec_free(&c->spell);
	free(c->err);
	c->err = NULL;
	for (i = 0; i < c->npins; i++)
		close(c->pins[i]);
	c->npins = 0;
	confine_glob_free(c);
	if (c->rootfd != -1)
		close(c->rootfd);
	c->rootfd = -1;
}

/*
 * Walk to the directory holding rel's leaf, which must exist (confine.c
 * MUST 1: the directory pinned is the one the leaf was looked up in;
 * never a spelling with unresolved components).  Returns the cache
 * entry holding it (owned by c: never closed by the caller); *leaf
 * points into rel.
 */
static struct pcache *
walk_parent(struct confine *c, const char *orig, const char *rel,
    const char **leaf, char **errmsg)
{
	struct pcache *e;
	const char *l = strrchr(rel, '/');
	char *par, *rest;
	int fd;

	par = l != NULL ? xstrndup(rel, (size_t)(l - rel)) : xstrdup("");
	*leaf = l != NULL ? l + 1 : rel;
	if (c->pcache == NULL) {
		c->pcache = xcalloc(PCACHE_SLOTS, sizeof(*c->pcache));
		for (fd = 0; fd < PCACHE_SLOTS; fd++)
			c->pcache[fd].fd = c->pcache[fd].pin = -1;
	}
	e = &c->pcache[pcache_slot(par)];
	if (e->par != NULL && strcmp(e->par, par) == 0) {
		free(par);
		return e;
	}
	if (cf_walk(c, orig, par, 1, &fd, &rest, errmsg) == -1) {
		free(par);
		return NULL;
	}
	if (rest != NULL) {
		free(rest);
		close(fd);
		free(par);
		*errmsg = enoent(orig);
		return NULL;
	}
	pcache_drop(e);
	e->par = par;
	e->fd = fd;
	return e;
}

/* The entry's directory as a pin (cf_pin, once per entry), or -1. */
static int
parent_pinned(struct confine *c, struct pcache *e)
{
	if (e->pin == -1) {
		e->pin = cf_pin(c, e->fd);	/* takes fd, even on failure */
		e->fd = -1;
	}
	return e->pin;
}

/* Pin the directory holding rel's leaf; *out = /proc/self/fd/P/leaf. */
static int
parent_pin(struct confine *c, const char *orig, const char *rel,
    const char *suffix, char **out, char **errmsg)
{
	struct pcache *e;
	const char *leaf;

	if ((e = walk_parent(c, orig, rel, &leaf, errmsg)) == NULL)
		return -1;
	*out = cf_spell(parent_pinned(c, e), leaf, suffix);
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

/*
 * Look the leaf up beneath the held parent: 0 and *st, or -1 (errno).
 * NB. one component, never followed, cannot leave pfd: fstatat with
 * AT_SYMLINK_NOFOLLOW is the same lookup as cf_open_component and one
 * system call instead of three.  "." and ".." go the long way, where
 * RESOLVE_BENEATH refuses a climb.
 */
static int
leaf_stat(int pfd, const char *leaf, struct stat *st)
{
	int fd, e;

	if (*leaf != '\0' && strchr(leaf, '/') == NULL &&
	    strcmp(leaf, ".") != 0 && strcmp(leaf, "..") != 0)
		return fstatat(pfd, leaf, st, AT_SYMLINK_NOFOLLOW);
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
	struct pcache *e;
	const char *leaf;
	struct stat st;
	char *rest;
	int fd, exists;

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
		*out = cf_spell(cf_pin(c, fd), NULL, suffix);
		return 0;
	}
	/*
	 * The leaf is looked up, and later spelled, beneath the same held
	 * parent.  It must exist (a dangling symlink counts) ...
	 */
	if ((e = walk_parent(c, orig, rel, &leaf, errmsg)) == NULL)
		return -1;
	fd = e->pin != -1 ? e->pin : e->fd;
	if (leaf_stat(fd, leaf, &st) == -1) {
		*errmsg = cf_openerr(orig, errno);
		return -1;
	}
	/* ... and whatever a symlink leaf points to must stay inside DIR. */
	if (S_ISLNK(st.st_mode) &&
	    check_target(c, orig, rel, &exists, NULL, errmsg) == -1)
		return -1;
	*out = cf_spell(parent_pinned(c, e), leaf, "");
	return 0;
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
	struct pcache *e;
	const char *leaf;
	struct stat st;
	char *rest;
	int fd, exists;

	if ((e = walk_parent(c, orig, rel, &leaf, errmsg)) == NULL) {
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
	exists = leaf_stat(e->pin != -1 ? e->pin : e->fd, leaf, &st) == 0;
	if (!exists && errno != ENOENT) {
		*errmsg = cf_openerr(orig, errno);
		return -1;
	}
	if (exists && (S_ISDIR(st.st_mode) || S_ISLNK(st.st_mode))) {
		/* A directory (perhaps through an in-tree link): pin it. */
		if (cf_walk(c, orig, rel, 1, &fd, &rest, errmsg) == -1)
			return -1;
		if (rest == NULL && fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
			*out = cf_spell(cf_pin(c, fd), NULL, suffix);
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
	*out = cf_spell(parent_pinned(c, e), leaf, suffix);
	return 0;
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
		*out = cf_spell(cf_pin(c, fd), NULL, suffix);
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
		*out = cf_spell(cf_pin(c, fd), rest, suffix);
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


/*
 * mkdirs.c - what confine_path deferred: create missing --backup-dir,
 * --partial-dir and --mkpath components beneath their pinned directory,
 * and the nameless empty basis placeholder, once the whole command has
 * been accepted (confine.c MUST 5).
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

/* Decision d->idx is s (malloc'd): the word confine_spelling gives. */
static void
settle(struct confine *c, const struct defer *d, char *s)
{
	c->spell.v[d->idx] = s;
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
			*errmsg = cf_errf(CF_MSG_OPT_BAD, d->orig, NULL);
			return -1;
		}
		if (mkdirat(fd, comp, mode) == -1 && errno != EEXIST) {
			close(fd);
			*errmsg = cf_errf(CF_MSG_OPT_MKDIR, d->orig,
			    strerror(errno));
			return -1;
		}
		/* Whatever is there now must be a real directory. */
		nfd = cf_open_component(fd, comp);
		if (nfd == -1 || fstat(nfd, &st) == -1 ||
		    !S_ISDIR(st.st_mode)) {
			if (nfd != -1)
				close(nfd);
			close(fd);
			*errmsg = cf_errf(CF_MSG_OPT_NOTDIR, d->orig, NULL);
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
		if (cf_still_under(c, fd, d->orig, errmsg) == -1) {
			close(fd);
			return -1;
		}
		settle(c, d, xasprintf("/proc/self/fd/%d/%s%s", cf_pin(c, fd),
		    last, d->suffix));
		return 0;
	}
	if (d->role == ROLE_CREATE_PRIVATE_DIR && pfd != -1) {
		/* See confine_path: the partial dir goes beneath its parent. */
		if (cf_still_under(c, pfd, d->orig, errmsg) == -1) {
			close(pfd);
			close(fd);
			return -1;
		}
		close(fd);
		settle(c, d, xasprintf("/proc/self/fd/%d/%s%s", cf_pin(c, pfd),
		    leaf, d->suffix));
		return 0;
	}
	if (pfd != -1)
		close(pfd);
	if (cf_still_under(c, fd, d->orig, errmsg) == -1) {
		close(fd);
		return -1;
	}
	settle(c, d, xasprintf("/proc/self/fd/%d%s", cf_pin(c, fd), d->suffix));
	return 0;
 syserr:
	*errmsg = cf_errf(CF_MSG_OPT_PIN, d->orig, strerror(errno));
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
			*errmsg = cf_errf(CF_MSG_BASIS_FULL, d->orig, NULL);
			return -1;
		}
		c->placeholder = cf_pin(c, fd);
	}
	settle(c, d, xasprintf("/proc/self/fd/%d%s", c->placeholder,
	    d->suffix));
	return 0;
 err:
	*errmsg = cf_errf(CF_MSG_BASIS, d->orig, strerror(errno));
	return -1;
}

int
confine_commit(struct confine *c, const char **errstr)
{
	struct defer *d;
	char *em = NULL;
	int i, r;

	/*
	 * Each deferral pins at most one more descriptor here: refuse now,
	 * before anything is created, if they might not all fit (confine.c MUST
	 * 5).
	 */
	if (c->npins + c->ndefer > MAX_PINS) {
		*errstr = CF_LIMIT_PINS;
		return -1;
	}
	for (i = 0; i < c->ndefer; i++) {
		d = &c->defer[i];
		if (c->dry_run) {
			/* Show the plan; touch nothing. */
			settle(c, d, xasprintf("/proc/self/fd/%d/%s%s (%s at "
			    "run time)", d->basefd, d->rest, d->suffix,
			    d->role == ROLE_BASIS_DIR ? "empty placeholder" :
			    "created"));
			continue;
		}
		if (d->role == ROLE_BASIS_DIR)
			r = placeholder(c, d, &em);
		else
			r = create_dirs(c, d, &em);
		if (r == -1) {
			free(c->err);
			*errstr = c->err = em;	/* owned by c */
			return -1;
		}
		if (c->limit != NULL) {
			*errstr = c->limit;
			return -1;
		}
	}
	return 0;
}


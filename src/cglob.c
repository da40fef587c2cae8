/*
 * cglob.c - wildcard expansion of sender arguments, beneath DIR only:
 * each directory listed is reached with the confined walk, so a match
 * can never come from outside DIR.
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

	if (cf_walk(c, prefix, prefix, 1, &fd, &rest, &em) == -1) {
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
		if (cf_walk(c, cur.v[i], cur.v[i], 0, &fd, &rest, &em) == 0) {
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

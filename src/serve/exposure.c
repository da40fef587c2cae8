/*
 * exposure.c - does a writable DIR hold what a connection runs or trusts?
 * One answer for serve (serve.c MUST 6), authorize and lint (RSG010).
 *
 * A client that may write DIR can replace, create or remove any entry of
 * DIR or of a directory beneath it: a file, a directory or a symlink on
 * the way to something else.  So a path is exposed when resolving it the
 * way the kernel does, one component at a time and through every symlink,
 * looks a name up in DIR or beneath it, or ends there.  Both the path as
 * written (a link in DIR pointing out) and its real path (a link outside
 * pointing in) are covered by that one walk.
 *
 * MUST invariants (tests/unit/test_exposure.c):
 *  1. MUST call a path exposed when any lookup on the way to it, before
 *     or after a symlink, happens in DIR or beneath it, or when the path
 *     is DIR or beneath it; a missing name counts where it would be made.
 *  2. MUST fail closed: a path it cannot follow (a loop, too long, an
 *     unexpected error) is an error, never "not exposed".
 *  3. MUST, for a bare command word, check every directory of the PATH
 *     the shell may search, and the ELF loader (or "#!" interpreter) of
 *     each program it adds.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exposure.h"
#include "sandbox.h"

/* Where the loader and the libraries it maps live, and what it reads. */
static const char *const sys_run[] = {
	"/lib", "/lib64", "/usr/lib", "/usr/lib64", "/usr/local/lib",
	"/etc/ld.so.cache", "/etc/ld.so.preload",
	"/etc/ssh/sshrc",		/* sshd runs it for every session */
};

/* Read at login before the forced command (sshd, the shells). */
static const char *const home_files[] = {
	".ssh", ".bashrc", ".bash_profile", ".bash_login", ".profile",
	".bash_logout", ".zshenv", ".zshrc", ".zprofile", ".cshrc", ".login",
};
static const char *const ssh_files[] = {
	"authorized_keys", "authorized_keys2", "rc", "environment",
};

void
exposure_init(struct exposure_list *l)
{
	memset(l, 0, sizeof(*l));
}

void
exposure_free(struct exposure_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i].path);
	l->n = 0;
}

int
exposure_add(struct exposure_list *l, const char *path,
    enum exposure_kind kind, int real, const char *what, const char **errstr)
{
	struct exposure_item *it;

	if (path[0] != '/') {
		*errstr = "a path to check is not absolute";
		return -1;
	}
	if (l->n == MAX_EXPOSURE) {
		*errstr = "too many paths to check";
		return -1;
	}
	it = &l->v[l->n];
	if ((it->path = strdup(path)) == NULL) {
		*errstr = "out of memory";
		return -1;
	}
	it->kind = kind;
	it->real = real;
	it->what = what;
	l->n++;
	return 0;
}

/* a/b into buf (a "/" between unless a ends in one); -1 if too long. */
static int
join(char *buf, size_t sz, const char *a, const char *b)
{
	size_t n = strlen(a);
	const char *sep = n > 0 && a[n - 1] == '/' ? "" : "/";
	int r = snprintf(buf, sz, "%s%s%s", a, sep, b);

	return r < 0 || (size_t)r >= sz ? -1 : 0;
}

/*
 * A program: path itself, and what the kernel starts it with (its ELF
 * loader, or the interpreter of its "#!" line, one level deep: the
 * interpreter's own loader too).  Only the headers are read.
 */
static int
add_program(struct exposure_list *l, const char *path, int real,
    const char *what, int depth, const char **errstr)
{
	char interp[PATH_MAX];
	int fd, kind;

	if (exposure_add(l, path, EXPOSURE_RUN, real, what, errstr) == -1)
		return -1;
	/* Nothing there: the path alone (it would be made there) matters. */
	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY |
	    O_CLOEXEC)) == -1)
		return 0;
	kind = sandbox_loader_of(fd, interp, sizeof(interp));
	close(fd);
	if (kind == -1 || interp[0] == '\0')
		return 0;
	if (kind == 0)
		return exposure_add(l, interp, EXPOSURE_RUN, 0,
		    "the ELF loader of a program it runs", errstr);
	if (depth > 0)
		return exposure_add(l, interp, EXPOSURE_RUN, 0,
		    "the #! interpreter of a program it runs", errstr);
	return add_program(l, interp, 0,
	    "the #! interpreter of a program it runs", depth + 1, errstr);
}

/*
 * The directories of one PATH string, each with word in it (exposure.c
 * MUST 3).
 */
static int
add_path_dirs(struct exposure_list *l, const char *pathenv, const char *word,
    const char *home, int *found, const char **errstr)
{
	char dir[PATH_MAX], rel[PATH_MAX], cand[PATH_MAX];
	const char *p = pathenv, *e;
	size_t n;
	int r;

	for (;;) {
		e = strchr(p, ':');
		n = e ? (size_t)(e - p) : strlen(p);
		/* sshd starts the shell in home: "" and "." are home */
		if (n >= sizeof(dir)) {
			*errstr = "a PATH directory is too long";
			return -1;
		}
		memcpy(rel, p, n);
		rel[n] = '\0';
		if (rel[0] == '/')
			memcpy(dir, rel, n + 1);
		else if (join(dir, sizeof(dir), home ? home : "/",
		    n ? rel : ".") == -1) {
			*errstr = "a PATH directory is too long";
			return -1;
		}
		if (join(cand, sizeof(cand), dir, word) == -1) {
			*errstr = "a PATH directory is too long";
			return -1;
		}
		/* The one the shell runs: with what starts it. */
		if (!*found && access(cand, X_OK) == 0) {
			*found = 1;
			r = add_program(l, cand, 0,
			    "the forced command's program", 0, errstr);
		} else
			r = exposure_add(l, cand, EXPOSURE_RUN, 0,
			    "a PATH directory the forced command is looked "
			    "up in", errstr);
		if (r == -1)
			return -1;
		if (e == NULL)
			return 0;
		p = e + 1;
	}
}

static int
add_word(struct exposure_list *l, const struct exposure_ctx *c,
    const char **errstr)
{
	char buf[PATH_MAX];
	int found = 0;

	if (c->word == NULL || c->word[0] == '\0')
		return 0;
	if (strchr(c->word, '/') != NULL) {
		if (c->word[0] != '/' && join(buf, sizeof(buf),
		    c->home ? c->home : "/", c->word) == -1) {
			*errstr = "the command's program path is too long";
			return -1;
		}
		return add_program(l, c->word[0] == '/' ? c->word : buf, 0,
		    "the forced command's program", 0, errstr);
	}
	if (c->pathenv != NULL && add_path_dirs(l, c->pathenv, c->word,
	    c->home, &found, errstr) == -1)
		return -1;
	if ((c->pathenv == NULL || !c->path_exact) &&
	    add_path_dirs(l, EXPOSURE_DEFPATH, c->word, c->home, &found,
	    errstr) == -1)
		return -1;
	return 0;
}

static int
add_home(struct exposure_list *l, const char *home, const char **errstr)
{
	char buf[PATH_MAX], ssh[PATH_MAX];
	size_t i;

	/* Ordered so that names in one directory follow each other. */
	if (exposure_add(l, home, EXPOSURE_HOME, 0, "the home directory",
	    errstr) == -1)
		return -1;
	for (i = 0; i < sizeof(home_files) / sizeof(home_files[0]); i++)
		if (join(buf, sizeof(buf), home, home_files[i]) == -1 ||
		    exposure_add(l, buf, EXPOSURE_HOME, 0,
		    "a file sshd or the login shell reads first", errstr) == -1)
			goto toolong;
	if (join(ssh, sizeof(ssh), home, ".ssh") == -1)
		goto toolong;
	for (i = 0; i < sizeof(ssh_files) / sizeof(ssh_files[0]); i++)
		if (join(buf, sizeof(buf), ssh, ssh_files[i]) == -1 ||
		    exposure_add(l, buf, EXPOSURE_HOME, 0,
		    "a file sshd reads for the login", errstr) == -1)
			goto toolong;
	return 0;
 toolong:
	if (l->n < MAX_EXPOSURE)
		*errstr = "the home directory's path is too long";
	return -1;
}

int
exposure_collect(struct exposure_list *l, const struct exposure_ctx *c,
    const char **errstr)
{
	size_t i;

	if (add_word(l, c, errstr) == -1)
		return -1;
	if (c->self != NULL && add_program(l, c->self, 1, "rsguard itself",
	    0, errstr) == -1)
		return -1;
	if (c->rsync != NULL && add_program(l, c->rsync, 0, "the rsync it "
	    "runs", 0, errstr) == -1)
		return -1;
	if (c->shell != NULL && c->shell[0] == '/' && add_program(l,
	    c->shell, 0, "the login shell", 0, errstr) == -1)
		return -1;
	for (i = 0; i < sizeof(sys_run) / sizeof(sys_run[0]); i++)
		if (exposure_add(l, sys_run[i], EXPOSURE_RUN, 0, "a library "
		    "directory or a file the loader or sshd reads",
		    errstr) == -1)
			return -1;
	if (c->home != NULL && c->home[0] == '/' && add_home(l, c->home,
	    errstr) == -1)
		return -1;
	if (c->keys != NULL && exposure_add(l, c->keys, EXPOSURE_HOME, 0,
	    "the authorized_keys file", errstr) == -1)
		return -1;
	return 0;
}

/* Is p (a real path) dir or beneath it? */
static int
within(const char *dir, size_t dlen, const char *p)
{
	if (dlen == 1 && dir[0] == '/')
		return 1;
	return strncmp(p, dir, dlen) == 0 && (p[dlen] == '\0' ||
	    p[dlen] == '/');
}

#define W_MISSING	2	/* a name is missing outside DIR: not exposed */

/*
 * Resolve path (absolute, or relative to res) starting from the real
 * directory res (PATH_MAX; left as the real path reached), as the kernel
 * would.  Returns 1 exposed, 0 resolved and not exposed, W_MISSING, or
 * -1 with *errstr (exposure.c MUST 2).
 */
static int
walk(const char *dir, size_t dlen, char *res, const char *path, int *nlinks,
    const char **errstr)
{
	/* static: not zeroed on each call (-ftrivial-auto-var-init) */
	static char todo[2][PATH_MAX], link[PATH_MAX];
	char *name, *s;
	const char *t;
	struct stat st;
	size_t n, rl;
	ssize_t ln;
	int cur = 0;

	if (strlen(path) >= sizeof(todo[0]))
		goto toolong;
	memcpy(todo[0], path, strlen(path) + 1);
	t = todo[0];
	if (*t == '/')
		memcpy(res, "/", 2);
	for (;;) {
		while (*t == '/')
			t++;
		if (*t == '\0')
			break;
		n = strcspn(t, "/");
		name = (char *)(uintptr_t)t;
		t += n;
		if (n == 1 && name[0] == '.')
			continue;
		if (n == 2 && name[0] == '.' && name[1] == '.') {
			s = strrchr(res, '/');
			s[s == res] = '\0';	/* "/" stays "/" */
			continue;
		}
		/* The lookup of name happens in res (exposure.c MUST 1). */
		if (within(dir, dlen, res))
			return 1;
		rl = strlen(res);
		if (rl + 1 + n >= PATH_MAX)
			goto toolong;
		if (rl > 1)
			res[rl++] = '/';
		memcpy(res + rl, name, n);
		res[rl + n] = '\0';
		if (lstat(res, &st) == -1) {
			/* EACCES: this user cannot reach it, nor run it */
			if (errno == ENOENT || errno == ENOTDIR ||
			    errno == EACCES)
				return W_MISSING;
			*errstr = "cannot look up a path to check";
			return -1;
		}
		if (!S_ISLNK(st.st_mode))
			continue;
		if (++*nlinks > EXPOSURE_MAXLINKS) {
			*errstr = "too many symbolic links on a path to check";
			return -1;
		}
		if ((ln = readlink(res, link, sizeof(link) - 1)) == -1) {
			*errstr = "cannot read a symbolic link on a path to "
			    "check";
			return -1;
		}
		if ((size_t)ln >= sizeof(link) - 1)
			goto toolong;
		link[ln] = '\0';
		/* The target is resolved from the link's directory. */
		s = strrchr(res, '/');
		s[s == res] = '\0';
		if (link[0] == '/')
			memcpy(res, "/", 2);
		/* t is the rest ("" or "/..."), in todo[cur] */
		if (join(todo[cur ^ 1], sizeof(todo[0]), link, "") == -1 ||
		    strlen(todo[cur ^ 1]) + strlen(t) >= sizeof(todo[0]))
			goto toolong;
		strcat(todo[cur ^ 1], t);
		cur ^= 1;
		t = todo[cur];
	}
	return within(dir, dlen, res);
 toolong:
	*errstr = "a path to check is too long";
	return -1;
}

int
exposure_find(const struct exposure_list *l, const char *dir, int kinds,
    size_t *which, const char **errstr)
{
	static char res[PATH_MAX], mdir[PATH_MAX], mres[PATH_MAX];
	const struct exposure_item *it;
	size_t dlen = strlen(dir), i, n;
	int r, mr = -1, nlinks;
	const char *slash;

	mdir[0] = '\0';
	for (i = 0; i < l->n; i++) {
		it = &l->v[i];
		*which = i;
		if ((it->kind & kinds) == 0)
			continue;
		if (it->real) {
			if (within(dir, dlen, it->path))
				return 1;
			continue;
		}
		/*
		 * The directory first, remembered for the next item in it:
		 * ~/.ssh/rc after ~/.ssh/authorized_keys costs one lstat.
		 */
		slash = strrchr(it->path, '/');
		n = (size_t)(slash - it->path);
		if (n >= sizeof(mdir)) {
			*errstr = "a path to check is too long";
			return -1;
		}
		if (mr == -1 || strlen(mdir) != (n ? n : 1) ||
		    strncmp(mdir, it->path, n ? n : 1) != 0) {
			memcpy(mdir, it->path, n ? n : 1);
			mdir[n ? n : 1] = '\0';
			nlinks = 0;
			mr = walk(dir, dlen, mres, mdir, &nlinks, errstr);
			if (mr == -1)
				return -1;
		}
		if (mr == 1)
			return 1;
		if (mr == W_MISSING)
			continue;
		memcpy(res, mres, strlen(mres) + 1);
		nlinks = 0;
		if ((r = walk(dir, dlen, res, slash + 1, &nlinks,
		    errstr)) == -1)
			return -1;
		if (r == 1)
			return 1;
	}
	return 0;
}

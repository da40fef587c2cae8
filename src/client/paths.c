/*
 * paths.c - the one place the client commands (keygen, mirror, status,
 * schedule, trust, check) look up where things go: XDG_CONFIG_HOME,
 * XDG_STATE_HOME and HOME as the XDG base directory specification says
 * (an XDG variable counts only when it is absolute), /etc/rsguard and
 * /var/lib/rsguard for root; and the one client-side mkdir -p.
 *
 * MUST 1: a relative $HOME or XDG variable is never used (it would put
 *         keys and state wherever the command happens to run).
 * MUST 2: paths_mkdirs never follows a symlink in the last component
 *         when asked not to (PATHS_NOFOLLOW), and gives every directory
 *         it makes exactly the mode asked for, whatever the umask
 *         (test_keys.sh t_keygen_dir_not_private_refused).
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "paths.h"
#include "util.h"

const char *
paths_home(void)
{
	const char *home = getenv("HOME");
	struct passwd *pw;

	if (home != NULL && home[0] == '/')
		return home;
	if ((pw = getpwuid(getuid())) != NULL && pw->pw_dir != NULL &&
	    pw->pw_dir[0] == '/')
		return pw->pw_dir;
	return "/";
}

static char *
xdg(const char *env, const char *fallback, const char *rest)
{
	const char *v = getenv(env), *home;

	if (v != NULL && v[0] == '/')
		return xasprintf("%s/%s", v, rest);
	home = paths_home();
	/* NB. no "//" when HOME is "/" */
	return xasprintf("%s/%s/%s", strcmp(home, "/") == 0 ? "" : home,
	    fallback, rest);
}

char *
paths_config(const char *rest)
{
	return xdg("XDG_CONFIG_HOME", ".config", rest);
}

char *
paths_state(const char *rest)
{
	return xdg("XDG_STATE_HOME", ".local/state", rest);
}

char *
paths_jobs_dir(void)
{
	return paths_config("rsguard/jobs");
}

char *
paths_state_dir(void)
{
	if (geteuid() == 0)
		return xstrdup(PATHS_VAR);
	return paths_state("rsguard");
}

char *
paths_keys_dir(void)
{
	if (geteuid() == 0)
		return xstrdup(PATHS_ETC "/keys");
	return paths_config("rsguard/keys");
}

char *
paths_user_units_dir(void)
{
	return paths_config("systemd/user");
}

/*
 * Open one component beneath dfd, making it with mode when it is
 * missing.  Returns an fd, or -1 with errno.
 */
static int
open_comp(int dfd, const char *comp, mode_t mode, int last, int flags,
    int *made)
{
	char proc[32];
	int fd, pfd, oflags = O_RDONLY | O_DIRECTORY | O_CLOEXEC;

	if (last && (flags & PATHS_NOFOLLOW))
		oflags |= O_NOFOLLOW;
	*made = 0;
	if ((fd = openat(dfd, comp, oflags)) != -1 || errno != ENOENT)
		return fd;
	if (mkdirat(dfd, comp, mode) == -1) {
		if (errno != EEXIST)
			return -1;
		/* made by someone else meanwhile: judged as existing */
		return openat(dfd, comp, oflags);
	}
	/*
	 * Ours, just made: only the umask can have changed its mode, maybe
	 * to one we cannot open for reading (umask 0777).  Pinned by an
	 * O_PATH descriptor, fixed and reopened through it: the same inode.
	 */
	if ((pfd = openat(dfd, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1)
		return -1;
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", pfd);
	if (chmod(proc, mode) == -1 ||
	    (fd = open(proc, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		close(pfd);
		return -1;
	}
	close(pfd);
	*made = 1;
	return fd;
}

int
paths_mkdirs(const char *path, mode_t mode, int flags, int *made)
{
	char *p = xstrdup(path), *comp, *next;
	int dfd, fd, save, m = 0;

	if ((dfd = open(p[0] == '/' ? "/" : ".", O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1)
		goto out;
	for (comp = p; ; comp = next) {
		while (*comp == '/')
			comp++;
		if (*comp == '\0')
			break;
		if ((next = strchr(comp, '/')) != NULL)
			*next++ = '\0';
		while (next != NULL && *next == '/')
			next++;
		if (next != NULL && *next == '\0')
			next = NULL;
		fd = open_comp(dfd, comp, mode, next == NULL, flags, &m);
		save = errno;
		close(dfd);
		errno = save;
		dfd = fd;
		if (fd == -1 || next == NULL)
			break;
	}
 out:
	free(p);
	if (made != NULL)
		*made = m;
	return dfd;
}

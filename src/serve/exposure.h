/* exposure.h - what a writable DIR would let a client replace (pure). */
#ifndef RSGUARD_EXPOSURE_H
#define RSGUARD_EXPOSURE_H

#include <stddef.h>

#define MAX_EXPOSURE	96	/* paths checked for one line */
#define EXPOSURE_MAXLINKS 40	/* symlinks followed per path (the kernel's) */

/*
 * The PATH a session's shell may search: sshd's for a user (Debian's and
 * upstream's _PATH_STDPATH) and for root (SUPERUSER_PATH), in one list.
 */
#define EXPOSURE_DEFPATH \
	"/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/usr/games"

enum exposure_kind {
	EXPOSURE_RUN = 1,	/* executed or loaded: never overridable */
	EXPOSURE_HOME = 2	/* a home start-up file (--allow-home) */
};

struct exposure_item {
	char		*path;	/* absolute, as it is named (malloc'd) */
	enum exposure_kind kind;
	int		 real;	/* already a real path: no walk needed */
	const char	*what;	/* "the forced command's program", ... */
};

struct exposure_list {
	struct exposure_item v[MAX_EXPOSURE];
	size_t		 n;
};

/* What one authorized_keys line makes a connection run and read. */
struct exposure_ctx {
	const char	*word;	/* command='s first word, as the shell gets it */
	const char	*pathenv; /* PATH the shell searches word in, or NULL */
	int		 path_exact; /* pathenv is the PATH: no default dirs */
	const char	*self;	/* the running rsguard (real path), or NULL */
	const char	*rsync;	/* the rsync serve runs */
	const char	*shell;	/* the account's login shell, or NULL */
	const char	*home;	/* the account's home (absolute), or NULL */
	const char	*keys;	/* an authorized_keys file in question, or NULL */
};

void	 exposure_init(struct exposure_list *);
void	 exposure_free(struct exposure_list *);

/* Add path (copied).  Returns 0, or -1 with *errstr (list full, ENOMEM). */
int	 exposure_add(struct exposure_list *, const char *path,
	    enum exposure_kind, int real, const char *what, const char **);

/*
 * Add everything ctx makes a connection run or trust: the program as the
 * shell finds word (each PATH dir searched, relative ones from home), the
 * running binary, rsync, the login shell, the ELF loader (or "#!"
 * interpreter) of each of those, the system library dirs and loader
 * files, /etc/ssh/sshrc (EXPOSURE_RUN); home, ~/.ssh, authorized_keys{,2},
 * ~/.ssh/rc, ~/.ssh/environment, the shell start-up files and ctx->keys
 * (EXPOSURE_HOME).  Programs are read (their headers), never run.
 * Returns 0, or -1 with *errstr.
 */
int	 exposure_collect(struct exposure_list *, const struct exposure_ctx *,
	    const char **);

/*
 * Does a client that may write dir (a real path) reach an item of one of
 * kinds (EXPOSURE_* or'ed)?  An item is exposed when resolving it as the
 * kernel would, following every symlink, looks a name up in dir or
 * beneath it, or ends there; a missing name counts where it would be
 * created.  Returns 1 with *which the first exposed item, 0 if none, -1
 * with *errstr if a path cannot be followed (a loop, too long, an I/O
 * error): then the caller must refuse.
 */
int	 exposure_find(const struct exposure_list *, const char *dir, int kinds,
	    size_t *which, const char **);

#endif

/* confine.h - resolve client paths beneath the restricted directory. */
#ifndef RSGUARD_CONFINE_H
#define RSGUARD_CONFINE_H

#include <sys/types.h>

#include "util.h"

/* What rsync will do with a path; decides how it is pinned (confine.c). */
enum role {
	ROLE_NONE,		/* not a path, or not confined */
	ROLE_SENDER_ARG,	/* a source the server sends */
	ROLE_SENDER_ARG_REL,	/* a source under --relative */
	ROLE_RECV_ARG,		/* the destination the server writes */
	ROLE_READ_FILE,		/* --files-from */
	ROLE_WRITE_FILE,	/* --log-file */
	ROLE_MUST_EXIST_DIR,	/* --temp-dir */
	ROLE_CREATE_DIR,	/* --backup-dir */
	ROLE_CREATE_PRIVATE_DIR, /* --partial-dir (0700) */
	ROLE_BASIS_DIR,		/* --link-dest, --compare-dest, --copy-dest */
};

#define MAX_SYMLINKS	40	/* as the kernel's path walk */
#define MAX_DEPTH_WALK	256	/* directory levels held during one walk */
#define MAX_PINS	4096	/* pinned descriptors handed to rsync */
#define MAX_GLOB	20000	/* glob results for one command */
/* The work one command's wildcards may do, whatever they match. */
#define MAX_GLOB_ENTRIES 1000000	/* directory entries read */
#define MAX_GLOB_STEPS	100000000	/* character comparisons made */
#define MAX_DEFER	16	/* directories created for one command */

struct confine {
	int		 rootfd;	/* O_PATH|O_DIRECTORY of DIR */
	const char	*dir;		/* DIR's real path, no trailing '/' */
	size_t		 dirlen;
	int		 pins[MAX_PINS];
	dev_t		 pin_dev[MAX_PINS];
	ino_t		 pin_ino[MAX_PINS];
	int		 npins;
	int		 placeholder;	/* basis placeholder pin, or -1 */
	int		 am_sender;	/* the server sends (a pull) */
	int		 dry_run;	/* confine_commit creates nothing */
	int		 mkpath;	/* client sent --mkpath */
	struct defer	*defer;		/* MAX_DEFER of them (walk.h) */
	int		 ndefer;
	struct pcache	*pcache;	/* parents walked (confine.c) */
	struct strvec	 spell;		/* the decisions, by index */
	char		*err;		/* the last refusal (errstr) */
	const char	*limit;		/* a bound reached (static), or NULL */
	struct cglob_cache *glob;	/* listings read (cglob.c) */
	unsigned long	 glob_entries;	/* work so far, against MAX_GLOB_* */
	unsigned long	 glob_steps;
};

/*
 * Error contract of every function here: -1 (or NULL) with *errstr set
 * to a message in rrsync's words, either static or owned by the struct
 * confine (valid until the next call that fails).
 */

/* Open DIR (already a real path) as the confinement root. */
int	 confine_init(struct confine *, const char *, const char **);

/*
 * Resolve the DIR-relative path `rel' (no leading '/', no "..", trailing
 * "/" or "/." already split off into `suffix') beneath the root for
 * `role' and pin what rsync needs.  Returns the index of the decision:
 * confine_spelling() then gives rsync's argv word for it,
 * "/proc/self/fd/N[/leaf]", once confine_commit() has run.  -1 on
 * refusal.  orig is the client's spelling, for messages.
 */
int	 confine_path(struct confine *, enum role, const char *orig,
	    const char *rel, const char *suffix, const char **errstr);
/* Record a decision taken without a lookup (takes ownership of s). */
int	 confine_keep(struct confine *, char *s);
/* Decision i's word for rsync's argv (NULL if deferred, not committed). */
const char *confine_spelling(const struct confine *, int i);

/*
 * Expand glob characters in the DIR-relative pattern beneath the root
 * only, never following a symlink out of DIR.  Sorted results are
 * appended to *out; no match leaves the pattern itself; a trailing '/'
 * keeps directories only.  Each directory is read once per confinement
 * and its listing kept for later patterns.  Returns -1 with *errstr on
 * too many results (*budget) or once the command's wildcards exceed
 * MAX_GLOB_ENTRIES or MAX_GLOB_STEPS.
 */
int	 confine_glob(struct confine *, const char *, struct strvec *,
	    size_t *, const char **);
/* Drop the kept listings (the work counters stay). */
void	 confine_glob_free(struct confine *);
/*
 * Does name match the one-component pattern as rrsync's glob.glob
 * matches it?  Adds the comparisons made to *steps.  Returns 1 or 0.
 */
int	 confine_glob_match(const char *, const char *, unsigned long *);

/*
 * Create the directories that confine_path deferred (missing
 * --backup-dir and --partial-dir components, --mkpath parents, the
 * empty basis placeholder) and settle their decisions.  Call only once
 * the whole command is accepted (confine.c MUST 5).
 */
int	 confine_commit(struct confine *, const char **errstr);

/* Release everything c holds: pins, caches, decisions, the root fd. */
void	 confine_free(struct confine *);

/* Mark every pinned fd inheritable; called in the child before exec. */
int	 confine_export(struct confine *);

/* Is fd `fd' one of the pins? (used when closing everything else) */
int	 confine_is_pin(const struct confine *, int);

#endif

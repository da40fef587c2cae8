/* sandbox.h - the kernel sandbox around the rsync that serve runs. */
#ifndef RSGUARD_SANDBOX_H
#define RSGUARD_SANDBOX_H

#include <sys/types.h>

#include <stdint.h>
#include <stdio.h>

enum sandbox_mode {
	SANDBOX_AUTO,		/* what the kernel offers; logged */
	SANDBOX_REQUIRE,	/* the full ruleset or refuse */
	SANDBOX_OFF		/* no domain (no_new_privs stays) */
};

#define SANDBOX_FULL_ABI	6	/* fs + net + scopes: the full ruleset */
#define SANDBOX_MAX_RULES	40
#define SANDBOX_MAX_EXTRA	16	/* --sandbox-read paths */

struct sandbox_rule {
	char		*path;		/* as named here */
	uint64_t	 access;	/* LANDLOCK_ACCESS_FS_* granted */
	const char	*why;
};

struct sandbox {
	/* the operator's choice */
	enum sandbox_mode mode;
	int		 abi_cap;	/* --landlock-abi, or -1 */
	const char	*extra[SANDBOX_MAX_EXTRA];
	int		 nextra;
	/* serve's choice: the link base of a snapshot push, or -1 */
	int		 basisfd;
	const char	*basis;
	/* filled in by sandbox_prepare */
	int		 kernel_abi;	/* 0: the kernel has no Landlock */
	int		 abi;		/* in use; 0: no domain */
	int		 ruleset;	/* fd, or -1 */
	int		 progfd;	/* rsync, while the rules are made */
	uint64_t	 fs, net, scoped; /* what the domain handles */
	uint32_t	 flags;		/* landlock_restrict_self flags */
	int		 nocore;	/* RLIMIT_CORE 0 in the child */
	int		 seccomp;	/* install the seccomp filter */
	int		 dropcaps;	/* root: cut the bounding set */
	struct sandbox_rule rules[SANDBOX_MAX_RULES];
	int		 nrules;
	char		 none[96];	/* why there is no domain */
};

/* What the rsync run does in DIR. */
#define SANDBOX_RECEIVER	0x01	/* writes DIR (a push) */
#define SANDBOX_USERS		0x02	/* reads the user database */
#define SANDBOX_GROUPS		0x04	/* reads the group database */
#define SANDBOX_REMOVE_SRC	0x10	/* a sender that removes its files */
#define SANDBOX_LOG_FILE	0x20	/* a sender that writes a log file */

void	 sandbox_init(struct sandbox *);
int	 sandbox_mode_parse(const char *, enum sandbox_mode *);

/*
 * Before the fork: negotiate the ABI and build the ruleset for rsync at
 * path rsync serving the dir held by rootfd, as what (SANDBOX_*) says.
 * Returns 0, or -1 with *errstr: the sandbox cannot be what the mode asks
 * for, and nothing may run.
 */
int	 sandbox_prepare(struct sandbox *, int rootfd, const char *dir,
	    const char *rsync, int what, const char **errstr);

/*
 * In the (vfork) child, just before execve: system calls only.  Returns
 * 0, or -1 (errno set): the child must not exec.
 */
int	 sandbox_enter(const struct sandbox *);

/*
 * The program open at fd: 0 for ELF with its PT_INTERP in interp ("" if
 * static), 1 for a "#!" script with its interpreter ("" if not absolute),
 * -1 for neither.
 */
int	 sandbox_loader_of(int fd, char *interp, size_t isz);

/* Close the ruleset and free the rules (the parent, after the fork). */
void	 sandbox_free(struct sandbox *);

/* The operator's view (--explain): one "sandbox..." line per fact. */
void	 sandbox_describe(const struct sandbox *, FILE *);

/* A short word for the log: "landlock-abi7", "off", "none". */
const char *sandbox_summary(const struct sandbox *, char *, size_t);

#endif

/* spawn.h - run a helper program (ssh-keygen, ssh, rsync) with a time limit. */
#ifndef RSGUARD_SPAWN_H
#define RSGUARD_SPAWN_H

#include <signal.h>
#include <stddef.h>

#define MAX_CAPTURE	(1024 * 1024)	/* bytes kept of each output */
#define SPAWN_OUT	0x01	/* capture stdout (else inherited) */
#define SPAWN_ERR	0x02	/* capture stderr (else inherited) */
#define SPAWN_QUIET_ERR	0x04	/* send stderr to /dev/null */
#define SPAWN_TEE	0x08	/* also copy captures to our stdout/stderr */
#define SPAWN_TAIL	0x10	/* keep the last MAX_CAPTURE bytes, not the first */
#define SPAWN_REAP	0x20	/* if we die, a watchdog ends the process group */

struct spawn_result {
	int	 status;	/* exit status, 128+signal, or -1 */
	int	 timed_out;	/* killed at the time limit */
	int	 stalled;	/* killed after `idle' seconds without progress */
	char	*out;		/* NUL-terminated captures (may be NULL) */
	size_t	 outlen;
	char	*err;
	size_t	 errlen;
};

/*
 * Run argv (argv[0] searched in PATH) in its own process group.  `input'
 * (may be NULL) is written to its stdin, which is /dev/null otherwise.
 * envp NULL inherits the environment.  With timeout > 0 seconds the whole
 * process group gets SIGTERM at the limit and SIGKILL 5 s later.  Returns
 * 0 when the program ran (see r->status), -1 if it could not be started.
 */
int	 spawn_run(const char *const argv[], const char *const envp[],
	    const char *input, int timeout, int flags, struct spawn_result *r);
/*
 * The same, and with idle > 0 the process group is also stopped (TERM,
 * KILL 5 s later; r->stalled) when the members running the same program
 * as argv[0] (rsync and its forks) have read no byte (/proc/PID/io
 * rchar) for idle seconds: a stalled transfer.  ssh and a ProxyCommand
 * are left out: they read keep-alives even when the rsync behind sshd is
 * stopped (and rsync's own writes of keep-alives are not progress).
 * Where no counter can be read nothing counts as a stall.  The first
 * idle + grace seconds never count (the connection is being set up: ssh,
 * sshd, the forced command).
 */
int	 spawn_run_idle(const char *const argv[], const char *const envp[],
	    const char *input, int timeout, int idle, int grace, int flags,
	    struct spawn_result *r);
void	 spawn_free(struct spawn_result *);

/* The process group spawn_run is waiting on (0: none), for a signal
 * handler that must pass a stop on to it. */
extern volatile sig_atomic_t spawn_child_pgid;

#endif

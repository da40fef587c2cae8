/*
 * execrsync.c - start the validated rsync and wait for it.
 *
 * MUST invariants (tests/integration/test_serve_cli.sh, tests/security):
 *  1. MUST give rsync an environment built here (PATH only), never ours.
 *  2. MUST leave rsync no descriptor but 0, 1, 2 and the pins.
 *  3. MUST start rsync in the restricted dir through its pinned fd.
 *  4. MUST NOT let the child touch memory or stdio between vfork and
 *     execve: it makes system calls only.
 *  5. MUST NOT exec rsync unless the sandbox was entered as prepared.
 *  6. MUST NOT let rsync outlive its client by more than GONE_GRACE:
 *     a stopped or wedged rsync would hold DIR's lock for ever.
 */
#include <sys/syscall.h>
#include <poll.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "confine.h"
#include "execrsync.h"
#include "sandbox.h"
#include "util.h"

/* Seconds rsync may run on once its client has gone (execrsync.c MUST 6). */
#define GONE_GRACE	10

#ifndef SYS_pidfd_open
#define SYS_pidfd_open	434
#endif

static volatile sig_atomic_t child_pid;

/* Pass a stop or a USR1/USR2 on to rsync; its exit ends our wait. */
static void
forward(int sig)
{
	if (child_pid > 0)
		kill(child_pid, sig);
}

static char envpath[] = "PATH=/usr/local/bin:/usr/bin:/bin";
static char *envp[] = { envpath, NULL };	/* rsync's whole environment */

/* Async-signal-safe report from the vfork child. */
static void
child_error(const char *msg, size_t len)
{
	/* NB. strlen and write only: this runs in the vfork child. */
	(void)!write(2, util_progname, strlen(util_progname));
	(void)!write(2, msg, len);
}

#ifndef SYS_close_range
#define SYS_close_range 436
#endif

static int
cmpint(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/* Close [lo, hi]: close_range(2) where the kernel has it. */
static void
close_span(int lo, int hi)
{
	int fd;

	if (lo > hi)
		return;
	if (syscall(SYS_close_range, (unsigned int)lo, (unsigned int)hi, 0)
	    == 0)
		return;
	for (fd = lo; fd <= hi && fd < 65536; fd++)
		(void)close(fd);
}

/* Close every descriptor above 2 but the sorted pins (execrsync.c MUST 2). */
static void
close_others(const struct confine *c)
{
	int i, lo = 3;

	for (i = 0; i < c->npins; i++) {
		close_span(lo, c->pins[i] - 1);
		lo = c->pins[i] + 1;
	}
	close_span(lo, INT_MAX);
}

static double
now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/*
 * Wait for rsync (execrsync.c MUST 6).  watch is our copy of the client's side
 * of stdout: POLLERR or POLLHUP there means sshd closed it, the client is gone.
 * rsync notices that itself at its next read or write; one that has not ended
 * GONE_GRACE seconds later is stopped or wedged, and its process group is
 * killed.  A pidfd wakes us when rsync ends; without one (kernel < 5.3) we look
 * once a second.
 */
static int
wait_rsync(pid_t pid, int watch, int *gone)
{
	struct pollfd pf[2];
	double deadline = 0;	/* >0: kill then; <0: killed */
	int pidfd, status, n, ms, left;
	pid_t r;

	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	for (;;) {
		r = waitpid(pid, &status, WNOHANG);
		if (r == pid)
			break;
		if (r == -1 && errno != EINTR) {
			status = -1;
			break;
		}
		ms = pidfd == -1 ? 1000 : -1;
		if (deadline > 0) {
			left = (int)((deadline - now()) * 1000) + 1;
			if (left <= 0) {
				kill(-pid, SIGKILL);	/* its group ... */
				kill(pid, SIGKILL);	/* ... or it alone */
				*gone = 1;
				deadline = -1;
				continue;
			}
			if (ms == -1 || left < ms)
				ms = left;
		}
		n = 0;
		if (watch != -1) {
			pf[n].fd = watch;
			pf[n++].events = 0;
		}
		if (pidfd != -1) {
			pf[n].fd = pidfd;
			pf[n++].events = POLLIN;
		}
		if (poll(pf, (nfds_t)n, ms) > 0 && watch != -1 &&
		    (pf[0].revents & (POLLERR | POLLHUP)) != 0) {
			deadline = now() + GONE_GRACE;
			close(watch);
			watch = -1;
		}
	}
	if (pidfd != -1)
		close(pidfd);
	if (watch != -1)
		close(watch);
	if (status == -1)
		return 1;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 1;
}

int
execrsync_run(struct confine *c, const struct sandbox *sb, const char *rsync,
    char *const argv[], int *gone, const char **errstr)
{
	static const char nodir[] = ": error: cannot enter restricted dir\n";
	static const char nobox[] = ": error: cannot enter the sandbox\n";
	static const char noexec[] = ": error: cannot run rsync\n";
	struct sigaction sa;
	int nfd, watch, own_group;
	pid_t pid;

	*gone = 0;
	/* its own process group, to be killed whole; never off a terminal */
	own_group = !isatty(0);
	fflush(NULL);
	if (confine_export(c) == -1) {
		*errstr = "cannot pass pinned paths to rsync";
		return -1;
	}
	qsort(c->pins, (size_t)c->npins, sizeof(int), cmpint);
	/*
	 * NB. vfork: the child shares our memory until execve, so it makes
	 * system calls only (no stdio, no malloc), as posix_spawn does.
	 * Everything it needs is prepared above (execrsync.c MUST 4).
	 */
	if ((pid = vfork()) == -1) {
		*errstr = "fork";
		return -1;
	}
	if (pid == 0) {
		if (own_group)
			(void)setpgid(0, 0);
		if (fchdir(c->rootfd) == -1) {
			child_error(nodir, sizeof(nodir) - 1);
			_exit(1);
		}
		if (sandbox_enter(sb) == -1) {
			child_error(nobox, sizeof(nobox) - 1);
			_exit(1);
		}
		close_others(c);
		execve(rsync, argv, envp);
		child_error(noexec, sizeof(noexec) - 1);
		_exit(127);
	}
	child_pid = pid;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = forward;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGQUIT, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	/* Watch the client's side; kept until rsync ends (execrsync.c MUST 6). */
	watch = fcntl(1, F_DUPFD_CLOEXEC, 3);
	/* Let EOF reach the client as soon as rsync is done. */
	if ((nfd = open("/dev/null", O_RDWR | O_CLOEXEC)) != -1) {
		dup2(nfd, 0);
		dup2(nfd, 1);
		close(nfd);
	}
	return wait_rsync(pid, watch, gone);
}

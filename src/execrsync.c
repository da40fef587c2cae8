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
 */
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "confine.h"
#include "execrsync.h"
#include "sandbox.h"
#include "util.h"

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

/* Close every descriptor above 2 but the (sorted) pins (MUST 5). */
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

int
execrsync_run(struct confine *c, const struct sandbox *sb, const char *rsync,
    char *const argv[], const char **errstr)
{
	static const char nodir[] = ": error: cannot enter restricted dir\n";
	static const char nobox[] = ": error: cannot enter the sandbox\n";
	static const char noexec[] = ": error: cannot run rsync\n";
	struct sigaction sa;
	int status, nfd, r;
	pid_t pid;

	fflush(NULL);
	if (confine_export(c) == -1) {
		*errstr = "cannot pass pinned paths to rsync";
		return -1;
	}
	qsort(c->pins, (size_t)c->npins, sizeof(int), cmpint);
	/*
	 * NB. vfork: the child shares our memory until execve, so it makes
	 * system calls only (no stdio, no malloc), as posix_spawn does.
	 * Everything it needs is prepared above (MUST 4).
	 */
	if ((pid = vfork()) == -1) {
		*errstr = "fork";
		return -1;
	}
	if (pid == 0) {
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
	/* Let EOF reach the client as soon as rsync is done. */
	if ((nfd = open("/dev/null", O_RDWR | O_CLOEXEC)) != -1) {
		dup2(nfd, 0);
		dup2(nfd, 1);
		close(nfd);
	}
	while ((r = waitpid(pid, &status, 0)) == -1 && errno == EINTR)
		;
	if (r == -1)
		return 1;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 1;
}

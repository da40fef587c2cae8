/*
 * spawn.c - fork/exec/wait with captured output and a time limit, for
 * the client commands.  The forced-command path does not use this.
 */
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_close_range
#define SYS_close_range 436
#endif

#define PROGRESS_MS	1000	/* how often progress is sampled */

#include "spawn.h"
#include "util.h"

volatile sig_atomic_t spawn_child_pgid;

static long long now_ms(void);

/* comm of a /proc/PID/stat line ("pid (comm) state ppid pgrp ...") and
 * its pgrp; -1 if unparsed.  comm may hold ") ". */
static int
stat_line(char *buf, const char **comm, long *pg)
{
	char *o = strchr(buf, '('), *c = strrchr(buf, ')');

	if (o == NULL || c == NULL || c < o ||
	    sscanf(c + 1, " %*c %*d %ld", pg) != 1)
		return -1;
	*c = '\0';
	*comm = o + 1;
	return 0;
}

/*
 * The bytes read so far by the members of process group pgid that run
 * the same program as its leader (rsync and its forks; not ssh, not a
 * ProxyCommand: they read keep-alives while the transfer stalls); -1 if
 * no counter could be read.
 */
static long long
group_rchar(pid_t pgid)
{
	char path[300], buf[512], leader[64];
	const char *comm;
	long long sum = -1, v;
	struct dirent *de;
	DIR *d;
	FILE *f;
	long pg;

	leader[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pgid);
	if ((f = fopen(path, "re")) != NULL) {
		if (fgets(buf, sizeof(buf), f) != NULL &&
		    stat_line(buf, &comm, &pg) == 0)
			snprintf(leader, sizeof(leader), "%s", comm);
		fclose(f);
	}
	if (leader[0] == '\0' || (d = opendir("/proc")) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", de->d_name);
		if ((f = fopen(path, "re")) == NULL)
			continue;
		if (fgets(buf, sizeof(buf), f) == NULL ||
		    stat_line(buf, &comm, &pg) == -1 || pg != pgid ||
		    strcmp(comm, leader) != 0) {
			fclose(f);
			continue;
		}
		fclose(f);
		snprintf(path, sizeof(path), "/proc/%s/io", de->d_name);
		if ((f = fopen(path, "re")) == NULL)
			continue;
		while (fgets(buf, sizeof(buf), f) != NULL)
			if (sscanf(buf, "rchar: %lld", &v) == 1)
				sum = (sum < 0 ? 0 : sum) + v;
		fclose(f);
	}
	closedir(d);
	return sum;
}

struct progress {
	int		 idle;		/* seconds allowed without progress */
	int		 grace;		/* more seconds at the start */
	long long	 start;		/* when the program started (ms) */
	long long	 next;		/* next sample (ms) */
	long long	 last;		/* last progress seen (ms) */
	long long	 count;		/* last sample */
};

/*
 * At the time limit, or after p->idle seconds without progress, TERM the
 * process group; KILL it 5 s later.
 */
static void
enforce(pid_t pid, long long deadline, long long *killat,
    struct progress *p, struct spawn_result *r)
{
	long long t = now_ms(), c;

	if (deadline && t >= deadline && !r->timed_out && !r->stalled) {
		r->timed_out = 1;
		kill(-pid, SIGTERM);
		*killat = t + 5000;
	}
	if (p != NULL && p->idle > 0 && t >= p->next && !r->timed_out &&
	    !r->stalled) {
		p->next = t + PROGRESS_MS;
		c = group_rchar(pid);
		if (c < 0 || c != p->count) {
			p->count = c;
			p->last = t;
		} else if (t - p->last >= (long long)p->idle * 1000 &&
		    t - p->start >= (long long)(p->idle + p->grace) * 1000) {
			r->stalled = 1;
			kill(-pid, SIGTERM);
			*killat = t + 5000;
		}
	}
	if (*killat && now_ms() >= *killat) {
		kill(-pid, SIGKILL);
		*killat = 0;
	}
}

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Append what is readable on fd to *buf; 0 at EOF, 1 if more may come.
 * With SPAWN_TEE the bytes are also written to tee; with SPAWN_TAIL the
 * oldest half of a full buffer is dropped to make room.
 */
static int
drain(int fd, char **buf, size_t *len, size_t *cap, int flags, int tee)
{
	char tmp[8192], *nb;
	ssize_t n;

	n = read(fd, tmp, sizeof(tmp));
	if (n == -1)
		return errno == EINTR || errno == EAGAIN ? 1 : 0;
	if (n == 0)
		return 0;
	if (flags & SPAWN_TEE)
		(void)!write(tee, tmp, (size_t)n);
	if ((flags & SPAWN_TAIL) && *len + (size_t)n + 1 > MAX_CAPTURE) {
		memmove(*buf, *buf + *len / 2, *len - *len / 2);
		*len -= *len / 2;
		(*buf)[*len] = '\0';
	}
	if (*len + (size_t)n + 1 > *cap && *len < MAX_CAPTURE) {
		*cap = *len + (size_t)n + 1 + 4096;
		nb = xreallocarray(*buf, *cap, 1);
		*buf = nb;
	}
	if (*len + (size_t)n + 1 <= *cap) {
		memcpy(*buf + *len, tmp, (size_t)n);
		*len += (size_t)n;
		(*buf)[*len] = '\0';
	}
	return 1;
}

/* A writable copy for execvpe (which wants char *const[]). */
static char **
copyv(const char *const v[])
{
	size_t n = 0, i;
	char **c;

	while (v[n] != NULL)
		n++;
	c = xcalloc(n + 1, sizeof(*c));
	for (i = 0; i < n; i++)
		c[i] = xstrdup(v[i]);
	return c;
}

static void
freev(char **v)
{
	size_t i;

	for (i = 0; v != NULL && v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

/*
 * The watchdog (SPAWN_REAP): a process in the child's group that holds
 * no descriptor but 0-2 and waits for its parent's death (a SIGKILL of
 * the runner leaves no handler to run); then it ends the group, itself
 * included, so that nothing of the transfer lives on holding a lock.
 */
static pid_t
watchdog(pid_t pgid)
{
	pid_t parent = getpid(), w;
	sigset_t all, one;
	int fd;

	if ((w = fork()) != 0)
		return w;
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	(void)setpgid(0, pgid);
	if (syscall(SYS_close_range, 3U, ~0U, 0U) == -1)
		for (fd = 3; fd < 1024; fd++)
			close(fd);
	sigemptyset(&one);
	sigaddset(&one, SIGUSR1);
	if (prctl(PR_SET_PDEATHSIG, SIGUSR1) == -1)
		_exit(1);
	if (getppid() == parent)
		while (sigwaitinfo(&one, NULL) == -1)
			;
	kill(-pgid, SIGTERM);
	sleep(2);
	kill(-pgid, SIGKILL);
	_exit(0);
}

int
spawn_run(const char *const argv[], const char *const envp[],
    const char *input, int timeout, int flags, struct spawn_result *r)
{
	return spawn_run_idle(argv, envp, input, timeout, 0, 0, flags, r);
}

/* The child: the pipes onto 0, 1, 2, then exec; never returns. */
static void __attribute__((noreturn))
child(char **av, char **ev, const int in[2], const int out[2],
    const int err[2], int input, int flags)
{
	int devnull;

	(void)setpgid(0, 0);
	devnull = open("/dev/null", O_RDWR);
	if (dup2(input ? in[0] : devnull, 0) == -1 ||
	    ((flags & SPAWN_OUT) && dup2(out[1], 1) == -1) ||
	    ((flags & SPAWN_ERR) && dup2(err[1], 2) == -1) ||
	    ((flags & SPAWN_QUIET_ERR) && dup2(devnull, 2) == -1))
		_exit(127);
	signal(SIGPIPE, SIG_DFL);
	if (ev != NULL)
		execvpe(av[0], av, ev);
	else
		execvp(av[0], av);
	_exit(127);
}

/* The parent's ends of the pipes and what goes through them. */
struct io {
	int		 in;		/* to the child's stdin, or -1 */
	int		 out;		/* from its stdout, or -1 */
	int		 err;		/* from its stderr, or -1 */
	const char	*input;
	size_t		 ilen, ioff;
	size_t		 ocap, ecap;
};

/*
 * Feed input and collect stdout and stderr until all three are closed,
 * enforcing the limits at each tick; closes what it finished with.
 */
static void
pump(struct io *io, pid_t pid, int flags, long long deadline,
    long long *killat, struct progress *prog, struct spawn_result *r)
{
	struct pollfd pf[3];
	int nfd, i;
	ssize_t n;

	for (;;) {
		nfd = 0;
		if (io->in != -1) {
			pf[nfd].fd = io->in;
			pf[nfd++].events = POLLOUT;
		}
		if (io->out != -1) {
			pf[nfd].fd = io->out;
			pf[nfd++].events = POLLIN;
		}
		if (io->err != -1) {
			pf[nfd].fd = io->err;
			pf[nfd++].events = POLLIN;
		}
		if (nfd == 0)
			break;
		if (poll(pf, (nfds_t)nfd, 200) == -1 && errno != EINTR)
			break;
		for (i = 0; i < nfd; i++) {
			if (pf[i].revents == 0)
				continue;
			if (pf[i].fd == io->in) {
				n = write(io->in, io->input + io->ioff,
				    io->ilen - io->ioff);
				if (n > 0)
					io->ioff += (size_t)n;
				if ((n == -1 && errno != EAGAIN) ||
				    io->ioff == io->ilen) {
					close(io->in);
					io->in = -1;
				}
			} else if (pf[i].fd == io->out) {
				if (!drain(io->out, &r->out, &r->outlen,
				    &io->ocap, flags, 1)) {
					close(io->out);
					io->out = -1;
				}
			} else if (!drain(io->err, &r->err, &r->errlen,
			    &io->ecap, flags, 2)) {
				close(io->err);
				io->err = -1;
			}
		}
		enforce(pid, deadline, killat, prog, r);
	}
}

/*
 * Outputs closed; the child may still run (or hang).  Wait on a pidfd
 * so that its exit is seen at once, not at the next tick; then the
 * watchdog wd (if > 0) goes, and r->status is set.
 */
static void
reap(pid_t pid, pid_t wd, long long deadline, long long *killat,
    struct progress *prog, struct spawn_result *r)
{
	int pidfd, status;
	pid_t w;

	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	for (;;) {
		w = waitpid(pid, &status, deadline || *killat ? WNOHANG : 0);
		if (w == pid || (w == -1 && errno != EINTR))
			break;
		if (pidfd != -1) {
			struct pollfd pp = { pidfd, POLLIN, 0 };
			(void)poll(&pp, 1, 200);
		} else
			usleep(5000);
		enforce(pid, deadline, killat, prog, r);
	}
	spawn_child_pgid = 0;
	if (wd > 0) {
		kill(wd, SIGKILL);
		while (waitpid(wd, NULL, 0) == -1 && errno == EINTR)
			;
	}
	if (pidfd != -1)
		close(pidfd);
	if (w == pid) {
		if (WIFEXITED(status))
			r->status = WEXITSTATUS(status);
		else if (WIFSIGNALED(status))
			r->status = 128 + WTERMSIG(status);
	}
}

int
spawn_run_idle(const char *const argv[], const char *const envp[],
    const char *input, int timeout, int idle, int grace, int flags,
    struct spawn_result *r)
{
	char **av = copyv(argv), **ev = envp ? copyv(envp) : NULL;
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, err[2] = { -1, -1 };
	long long deadline = 0, killat = 0;
	struct progress prog;
	struct io io;
	int i, ret = -1;
	pid_t pid, wd = -1;

	memset(r, 0, sizeof(*r));
	r->status = -1;
	if ((input != NULL && pipe2(in, O_CLOEXEC) == -1) ||
	    ((flags & SPAWN_OUT) && pipe2(out, O_CLOEXEC) == -1) ||
	    ((flags & SPAWN_ERR) && pipe2(err, O_CLOEXEC) == -1))
		goto fail;
	if ((pid = fork()) == -1)
		goto fail;
	if (pid == 0)
		child(av, ev, in, out, err, input != NULL, flags);
	(void)setpgid(pid, pid);	/* both sides: no race with kill(-pid) */
	spawn_child_pgid = pid;
	if (flags & SPAWN_REAP)
		wd = watchdog(pid);
	memset(&prog, 0, sizeof(prog));
	prog.idle = idle;
	prog.grace = grace;
	prog.start = prog.last = now_ms();
	prog.count = -1;
	if (in[0] != -1)
		close(in[0]);
	if (out[1] != -1)
		close(out[1]);
	if (err[1] != -1)
		close(err[1]);
	in[0] = out[1] = err[1] = -1;
	if (in[1] != -1)
		fcntl(in[1], F_SETFL, O_NONBLOCK);
	if (timeout > 0)
		deadline = now_ms() + (long long)timeout * 1000;
	memset(&io, 0, sizeof(io));
	io.in = in[1];
	io.out = out[0];
	io.err = err[0];
	io.input = input;
	io.ilen = input ? strlen(input) : 0;
	pump(&io, pid, flags, deadline, &killat, &prog, r);
	/* what pump did not close (a poll error) is closed below */
	in[1] = io.in;
	out[0] = io.out;
	err[0] = io.err;
	reap(pid, wd, deadline, &killat, &prog, r);
	ret = 0;
 fail:
	for (i = 0; i < 2; i++) {
		if (in[i] != -1)
			close(in[i]);
		if (out[i] != -1)
			close(out[i]);
		if (err[i] != -1)
			close(err[i]);
	}
	freev(av);
	freev(ev);
	return ret;
}

void
spawn_free(struct spawn_result *r)
{
	free(r->out);
	free(r->err);
	r->out = r->err = NULL;
}

/*
 * mirror.c - rsguard mirror: the unattended runner for cron and systemd.
 *
 * MUST 1: one run per job at a time: a second run exits at once with
 *         MIRROR_EXIT_LOCKED and a log line, touching nothing.  The lock
 *         fd is inherited by rsync and ssh, so it is held until the last
 *         of them exits even if the runner itself is killed; and then a
 *         watchdog in their process group ends them (SPAWN_REAP), so
 *         that a killed runner leaves no transfer holding the lock.
 * MUST 2: the whole run, retries and backoff included, ends by the job's
 *         timeout; at the limit the process group is killed.
 * MUST 3: the host key is checked strictly against the job's pin file
 *         only (no agent, no other keys, no user ssh config, no global
 *         known_hosts); a missing pin refuses to run.
 * MUST 4: updated files appear only at the end of a successful transfer
 *         (--delay-updates, deletions with --delete-delay whatever delete
 *         option the job names); an interrupted run leaves the previous
 *         files in place, with the partial data in .~tmp~ for the retry
 *         to resume -- unless the job file says "atomic = no"
 *         (test_job.c test_atomic_delete, test_mirror_data.sh
 *         t_killed_pull_*).
 * MUST 5: every run that took the lock leaves a status file (and a
 *         textfile with --metrics-dir) and one syslog line.
 * MUST 6: never blame the server for a local fault: the key file is
 *         checked here before any connection (keyfile.c).
 * MUST 7: a refusal by rsguard serve (its "rsguard: error:" line, rsync
 *         exit 12) is not retried, except its single-run lock, which is
 *         transient; anything without that line (a network failure) is
 *         retried as before.
 * MUST 8: an attempt with no progress for io_timeout (a stalled server)
 *         is ended and retried; a retry is made only if its delay and a
 *         second for the attempt still fit before the timeout.
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "afile.h"
#include "commands.h"
#include "job.h"
#include "keyfile.h"
#include "log.h"
#include "mirror.h"
#include "mstate.h"
#include "paths.h"
#include "shword.h"
#include "spawn.h"
#include "util.h"

static const char template[] =
"# rsguard mirror job.  Run: rsguard mirror %s\n"
"# Pin the server's host key first: rsguard trust %s\n"
"[job]\n"
"# push: local source -> remote destination; pull: the other way.\n"
"direction = pull\n"
"source = backup@server.example.org:/\n"
"destination = /var/mirror/%s\n"
"# The dedicated key (made by rsguard keygen or ssh-keygen), absolute.\n"
"key = /etc/rsguard/keys/%s\n"
"# The pinned host key; default: %s.known_hosts beside this file.\n"
"#known_hosts = /etc/rsguard/jobs/%s.known_hosts\n"
"# rsync options (default -a --delete).  With atomic = yes every delete\n"
"# option (--del, --delete-before, ...) runs as --delete-delay.\n"
"options = -a --delete --numeric-ids\n"
"# One pattern per line, repeatable.\n"
"#exclude = *.tmp\n"
"# Whole run bound (retries included), rsync I/O timeout, ssh timeouts.\n"
"timeout = 6h\n"
"io_timeout = 5m\n"
"connect_timeout = 30s\n"
"server_alive_interval = 15s\n"
"# Transient failures (ssh 255, rsync 10 12 30 35) are retried with\n"
"# backoff doubling from retry_delay; not a refusal by rsguard serve,\n"
"# and not a retry that would not end by timeout.  An attempt that\n"
"# reads nothing for io_timeout (a stalled server) is ended and retried.\n"
"retries = 3\n"
"retry_delay = 30s\n"
"# KiB/s unless a K, M or G suffix.\n"
"#bwlimit = 10M\n"
"# How often it runs: rsguard status calls it overdue past twice this.\n"
"every = 1d\n"
"# yes: updates appear only when the whole run succeeded (rsync\n"
"# --delay-updates, --delete-delay); no: faster no-change syncs, but a\n"
"# failed run can leave a partly updated tree.\n"
"#atomic = yes\n"
"#port = 22\n"
"# Extra ssh -o options, one per line (e.g. ProxyJump=bastion).\n"
"#ssh_option = ProxyJump=bastion.example.org\n";

static void
usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: rsguard mirror [--jobs-dir DIR] [--state-dir DIR] "
	    "[--metrics-dir DIR] [-q] [-n] JOB\n"
	    "       rsguard mirror [--jobs-dir DIR] --new NAME\n"
	    "       rsguard mirror --help | --version\n"
	    "Run the mirror job JOB (a name looked up as JOB.conf in the jobs "
	    "directory,\nor a path): lock, rsync over a pinned, key-only ssh, "
	    "retries, time bound,\nstatus file.  -n prints the rsync command "
	    "as one line for sh, without running\nit; -q is quiet even on a "
	    "terminal.\n"
	    "Exit: 0 ok (also when files vanished, rsync 24), 1 set-up error, "
	    "75 already\nrunning, 124 timed out, 128+N stopped by signal N "
	    "(TERM, INT, HUP; rsync and\nssh are stopped too), 255 ssh refused "
	    "(host key, key), else the last rsync's\nstatus.\n"
	    "The key file is checked before connecting; a refusal by rsguard "
	    "serve is not\nretried and names what to change in the job; an "
	    "attempt without progress for\nio_timeout is ended and retried.  "
	    "See rsguard-mirror(1).\n");
	exit(status);
}

void
mirror_ssh_words(const struct job *j, const char *strict, const char *pin,
    struct strvec *sv)
{
	size_t i;

	strvec_push(sv, xstrdup("ssh"));
	strvec_push(sv, xstrdup("-F"));
	strvec_push(sv, xstrdup("none"));
	strvec_push(sv, xstrdup("-i"));
	strvec_push(sv, xstrdup(j->key));
	strvec_push(sv, xstrdup("-c"));
	strvec_push(sv, xstrdup(j->cipher));
	strvec_push(sv, xstrdup("-o"));
	strvec_push(sv, xstrdup("IdentitiesOnly=yes"));
	strvec_push(sv, xstrdup("-o"));
	strvec_push(sv, xstrdup("IdentityAgent=none"));
	strvec_push(sv, xstrdup("-o"));
	strvec_push(sv, xstrdup("BatchMode=yes"));
	strvec_push(sv, xstrdup("-o"));
	strvec_push(sv, xasprintf("StrictHostKeyChecking=%s", strict));
	strvec_push(sv, xstrdup("-o"));
	strvec_push(sv, xasprintf("UserKnownHostsFile=%s", pin));
	strvec_push(sv, xstrdup("-o"));
	strvec_push(sv, xstrdup("GlobalKnownHostsFile=/dev/null"));
	strvec_push(sv, xstrdup("-o"));
	strvec_push(sv, xstrdup("UpdateHostKeys=no"));
	strvec_push(sv, xstrdup("-o"));
	strvec_push(sv, xasprintf("ConnectTimeout=%d", j->connect_timeout));
	strvec_push(sv, xstrdup("-o"));
	strvec_push(sv, xasprintf("ServerAliveInterval=%d",
	    j->alive_interval));
	strvec_push(sv, xstrdup("-o"));
	strvec_push(sv, xstrdup("ServerAliveCountMax=3"));
	if (j->port) {
		strvec_push(sv, xstrdup("-p"));
		strvec_push(sv, xasprintf("%d", j->port));
	}
	for (i = 0; i < j->ssh_options.n; i++) {
		strvec_push(sv, xstrdup("-o"));
		strvec_push(sv, xstrdup(j->ssh_options.v[i]));
	}
}

/* "DIR/" so that rsync mirrors the contents, not the directory. */
static char *
slashed(const char *p)
{
	size_t n = strlen(p);

	if (n == 0 || p[n - 1] == '/' || p[n - 1] == ':')
		return xstrdup(p);
	return xasprintf("%s/", p);
}

/*
 * rsync 3.5's words that turn deletion on (popt takes no abbreviations;
 * "--del" is rsync's own alias of --delete-during): DEL_WHEN for the
 * delete mode options, DEL_IMPLIES for --delete-excluded, which alone
 * means --delete-during; 0 for anything else.
 */
enum { DEL_WHEN = 1, DEL_IMPLIES };

static int
delete_word(const char *w)
{
	static const char *const when[] = { "--del", "--delete",
	    "--delete-before", "--delete-during", "--delete-after",
	    "--delete-delay", NULL };
	size_t i;

	for (i = 0; when[i] != NULL; i++)
		if (strcmp(w, when[i]) == 0)
			return DEL_WHEN;
	return strcmp(w, "--delete-excluded") == 0 ? DEL_IMPLIES : 0;
}

void
mirror_rsync_argv(const struct job *j, int progress, struct strvec *sv)
{
	struct strvec ssh = { NULL, 0, 0 };
	char *e, *t;
	size_t i;
	int del = 0, k;

	strvec_push(sv, xstrdup(j->rsync));
	if (j->options.n == 0) {
		strvec_push(sv, xstrdup("-a"));
		strvec_push(sv, xstrdup(j->atomic ? "--delete-delay" :
		    "--delete"));
	}
	for (i = 0; i < j->options.n; i++) {
		/*
		 * Deletions wait for the end too (mirror.c MUST 4): every
		 * spelling of the delete mode becomes one --delete-delay after
		 * the loop.
		 */
		if (j->atomic && (k = delete_word(j->options.v[i])) != 0) {
			del = 1;
			if (k == DEL_WHEN)
				continue;
		}
		strvec_push(sv, xstrdup(j->options.v[i]));
	}
	if (del)
		strvec_push(sv, xstrdup("--delete-delay"));
	/*
	 * NB. the price: rsync 3.5 then looks each file up in the partial
	 * dir too (one failed open and two stats more per file); measured
	 * +15% on a no-change sync of 20,000 files.  "atomic = no" trades
	 * the guarantee for that time.
	 */
	if (j->atomic)
		strvec_push(sv, xstrdup("--delay-updates"));
	strvec_push(sv, xasprintf("--timeout=%d", j->io_timeout));
	if (j->bwlimit != NULL)
		strvec_push(sv, xasprintf("--bwlimit=%s", j->bwlimit));
	for (i = 0; i < j->excludes.n; i++)
		strvec_push(sv, xasprintf("--exclude=%s", j->excludes.v[i]));
	strvec_push(sv, xstrdup("--stats"));
	if (progress)
		strvec_push(sv, xstrdup("--info=progress2"));
	/* rsync splits -e on blanks honouring '...'; values hold no quote */
	mirror_ssh_words(j, "yes", j->known_hosts, &ssh);
	e = xstrdup("ssh");
	for (i = 1; i < ssh.n; i++) {
		t = xasprintf("%s '%s'", e, ssh.v[i]);
		free(e);
		e = t;
	}
	strvec_free(&ssh);
	strvec_push(sv, xstrdup("-e"));
	strvec_push(sv, e);
	strvec_push(sv, xstrdup("--"));
	strvec_push(sv, slashed(j->source));
	strvec_push(sv, slashed(j->destination));
}

char *
mirror_login(const struct job *j)
{
	return xstrndup(j->remote, (size_t)(strchr(j->remote, ':') -
	    j->remote));
}

int
mirror_retryable(int status)
{
	return status == 255 || status == 10 || status == 12 ||
	    status == 30 || status == 35;
}

static double
now_real(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static double
now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* mkdir -p path, made components 0700; 0 or -1 with errno. */
static int
mkdir_p(const char *path)
{
	int fd;

	if ((fd = paths_mkdirs(path, 0700, 0, NULL)) == -1)
		return -1;
	close(fd);
	return 0;
}

/* The last non-empty lines of rsync's stderr worth showing (tail). */
static const char *
tail_lines(const char *s, int lines)
{
	const char *p;

	if (s == NULL)
		return "";
	p = s + strlen(s);
	while (p > s && (p[-1] == '\n'))
		p--;
	while (p > s) {
		if (p[-1] == '\n' && --lines == 0)
			break;
		p--;
	}
	return p;
}

/* Why a failure is not worth a retry, from ssh's words, or NULL. */
static const char *
fatal_cause(const struct job *j, const char *err)
{
	if (err == NULL)
		return NULL;
	if (strstr(err, "REMOTE HOST IDENTIFICATION HAS CHANGED") ||
	    strstr(err, "Host key verification failed"))
		return "HOST KEY MISMATCH: the server's host key is not the "
		    "one pinned in the job's known_hosts (possible "
		    "man-in-the-middle; re-pin only after checking)";
	if (strstr(err, "Permission denied (publickey"))
		return "the server refused the job's key (not authorized)";
	if (strstr(err, "Load key") || strstr(err, "No such file")) {
		if (strstr(err, j->key) != NULL)
			return "cannot read the job's key";
	}
	return NULL;
}

/* What to change in the job for a refused option (n bytes at opt). */
static const char *
fix_for(const struct job *j, const char *opt, size_t n)
{
	if ((n == 5 && strncmp(opt, "--del", 5) == 0) ||
	    strncmp(opt, "--delete", 8) == 0)
		return j->options.n == 0 ? "it does not allow deleting: the "
		    "job's default options are -a --delete; set options = -a" :
		    "it does not allow deleting: remove the --delete options "
		    "from the job's options = line";
	if (strncmp(opt, "--delay-updates", n) == 0 ||
	    strncmp(opt, "--partial-dir", n) == 0)
		return "atomic = yes needs it: set atomic = no in the job (a "
		    "failed run can then leave a partly updated tree)";
	if (strncmp(opt, "--timeout", n) == 0)
		return "the job's io_timeout sets it";
	if (strncmp(opt, "--bwlimit", n) == 0)
		return "remove the job's bwlimit = line";
	if (strncmp(opt, "--exclude", n) == 0)
		return "remove the job's exclude = lines";
	return "remove it from the job's options = line";
}

/*
 * MUST 7: a permanent refusal by rsguard serve, as a message naming what
 * was refused and what to change in the job (in buf); 0 if none.  serve
 * ends every refusal with one "PROG: error: MSG" line on stderr, which
 * ssh passes on, before rsync starts; rsync then exits 12.
 */
static int
refusal(const struct job *j, int status, const char *err, char *buf,
    size_t sz)
{
	const char *p, *opt;
	char msg[200];
	size_t n;

	if (status != 12 || err == NULL)
		return 0;
	if ((p = serve_refusal(err)) == NULL)
		return 0;
	n = strcspn(p, "\r\n");
	snprintf(msg, sizeof(msg), "%.*s", (int)n, p);
	/* the lock only says another transfer is running: retry */
	if (strstr(msg, "Another instance of rrsync is already") != NULL)
		return 0;
	if (strncmp(msg, "option ", 7) == 0 &&
	    strstr(msg, " has been disabled") != NULL) {
		n = strcspn(msg + 7, " ");
		opt = msg + 7;
		snprintf(buf, sz, "the server refused option %.*s (\"%s\"): "
		    "%s, or ask the server's administrator", (int)n, opt, msg,
		    fix_for(j, opt, n));
		return 1;
	}
	snprintf(buf, sz, "the server refused the request (\"%s\"): change "
	    "the job (direction, source, destination or options) to what its "
	    "authorized_keys line allows, or ask the server's administrator",
	    msg);
	return 1;
}

static int
write_new(const char *jobs_dir, const char *name)
{
	char *dir, *path, *text;
	int fd;

	if (!job_valid_name(name))
		errx(MIRROR_EXIT_CONFIG, "--new: job names are letters, digits, '.', '_' "
		    "and '-'");
	dir = jobs_dir ? xstrdup(jobs_dir) : paths_jobs_dir();
	if (mkdir_p(dir) == -1)
		errx(MIRROR_EXIT_CONFIG, "cannot create %s: %s", dir, strerror(errno));
	path = xasprintf("%s/%s.conf", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd == -1)
		errx(MIRROR_EXIT_CONFIG, "cannot create %s: %s", path, strerror(errno));
	text = xasprintf(template, name, name, name, name, name, name);
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text) ||
	    close(fd) == -1)
		errx(MIRROR_EXIT_CONFIG, "cannot write %s: %s", path, strerror(errno));
	printf("%s\n", path);
	free(text);
	free(path);
	free(dir);
	return 0;
}

struct run {
	struct job	 j;
	struct mstate	 st;
	const char	*state_dir;
	const char	*metrics_dir;
	int		 tty;
	int		 quiet;
	char		*err;		/* last rsync stderr (owned) */
};

static void
finish(struct run *r, const char *result, int code, const char *msg)
{
	struct mstate old;
	char *json, *prom, *fname, esc[600];
	const char *e;

	r->st.end = (long long)now_real();
	snprintf(r->st.result, sizeof(r->st.result), "%s", result);
	snprintf(r->st.message, sizeof(r->st.message), "%s", msg);
	r->st.exit = code;
	if (code == 0)
		r->st.last_success = r->st.end;
	else if (mstate_load(r->state_dir, r->j.name, &old) == 0)
		r->st.last_success = old.last_success;
	json = mstate_json(r->j.name, &r->st);
	fname = xasprintf("%s.json", r->j.name);
	if (afile_write(r->state_dir, fname, json, strlen(json), 0644,
	    &e) == -1)
		warnx("cannot write %s/%s: %s", r->state_dir, fname,
		    strerror(errno));
	free(fname);
	free(json);
	if (r->metrics_dir != NULL) {
		prom = mstate_prom(r->j.name, &r->st);
		fname = xasprintf("rsguard_%s.prom", r->j.name);
		if (afile_write(r->metrics_dir, fname, prom, strlen(prom),
		    0644, &e) == -1)
			warnx("cannot write %s/%s: %s", r->metrics_dir,
			    fname, strerror(errno));
		free(fname);
		free(prom);
	}
	log_escape(msg, 400, esc, sizeof(esc));
	syslog(code == 0 ? LOG_INFO : LOG_ERR, "job %s: %s exit=%d "
	    "attempts=%d duration=%.1fs bytes=%lld files=%lld%s%s",
	    r->j.name, result, code, r->st.attempts, r->st.duration,
	    r->st.bytes, r->st.files, esc[0] ? ": " : "", esc);
	if (code != 0) {
		/* cron mails this; systemd puts it in the journal */
		fprintf(stderr, "rsguard: mirror %s: %s (exit %d, %d "
		    "attempt%s): %s\n", r->j.name, result, code,
		    r->st.attempts, r->st.attempts == 1 ? "" : "s", msg);
		if (r->err != NULL && !r->tty)
			fprintf(stderr, "rsguard: last rsync output:\n%s\n",
			    tail_lines(r->err, 12));
	} else if (r->tty && !r->quiet)
		printf("rsguard: mirror %s: %s in %.1fs, %lld files, %lld "
		    "bytes%s%s\n", r->j.name, result, r->st.duration,
		    r->st.files, r->st.bytes, msg[0] ? ": " : "", msg);
}

static volatile sig_atomic_t stop_signal;

/* SIGTERM, SIGINT, SIGHUP: stop the transfer's whole process group. */
static void
on_stop(int sig)
{
	stop_signal = sig;
	if (spawn_child_pgid > 0)
		kill(-(pid_t)spawn_child_pgid, SIGTERM);
}

static void
catch_stops(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;	/* NB. no SA_RESTART: the backoff sleep ends */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

/* Stopped by a signal: record it and say which. */
static int
stopped(struct run *r)
{
	char msg[64];

	snprintf(msg, sizeof(msg), "stopped by signal %d (%s)",
	    (int)stop_signal, strsignal(stop_signal));
	finish(r, "failed", 128 + stop_signal, msg);
	return 128 + stop_signal;
}

/* The retry loop (mirror.c MUST 2).  Returns the exit status. */
static int
attempts(struct run *r, struct strvec *av)
{
	struct spawn_result sr;
	double t0 = now_mono(), deadline = t0 + r->j.timeout, left;
	int delay = r->j.retry_delay, flags, code = 0, n;
	const char *cause;
	char msg[160], why[600];

	flags = SPAWN_OUT | SPAWN_ERR | SPAWN_TAIL | SPAWN_REAP |
	    (r->tty && !r->quiet ? SPAWN_TEE : 0);
	catch_stops();
	for (n = 1;; n++) {
		if (stop_signal)
			return stopped(r);
		left = deadline - now_mono();
		if (left < 1) {
			code = MIRROR_EXIT_TIMEOUT;
			break;
		}
		r->st.attempts = n;
		/*
		 * mirror.c MUST 8: no progress for io_timeout ends the attempt;
		 * the connection's set-up gets connect_timeout more.
		 */
		if (spawn_run_idle((const char *const *)av->v, NULL, NULL,
		    (int)(left + 0.999), r->j.io_timeout, r->j.connect_timeout,
		    flags, &sr) == -1) {
			finish(r, "failed", MIRROR_EXIT_CONFIG,
			    "cannot run rsync");
			return MIRROR_EXIT_CONFIG;
		}
		mstate_stats(sr.out, &r->st);
		free(r->err);
		r->err = sr.err;
		sr.err = NULL;
		r->st.rsync_exit = sr.status;
		spawn_free(&sr);
		r->st.duration = now_mono() - t0;
		if (stop_signal)
			return stopped(r);
		if (sr.timed_out) {
			code = MIRROR_EXIT_TIMEOUT;
			break;
		}
		if (sr.stalled) {
			/* rsync's own code for an I/O timeout: retried */
			sr.status = r->st.rsync_exit = 30;
			syslog(LOG_WARNING, "job %s: attempt %d made no "
			    "progress for %ds (io_timeout); ended", r->j.name,
			    n, r->j.io_timeout);
			if (r->tty && !r->quiet)
				fprintf(stderr, "rsguard: attempt %d made no "
				    "progress for %ds (io_timeout); ended\n",
				    n, r->j.io_timeout);
			if (n > r->j.retries) {
				snprintf(why, sizeof(why), "no progress for %ds "
				    "(io_timeout): the transfer stalled; "
				    "retries exhausted", r->j.io_timeout);
				finish(r, "failed", 30, why);
				return 30;
			}
		}
		if (sr.status == 0 || sr.status == 24) {
			finish(r, sr.status ? "warning" : "ok", 0,
			    sr.status ? "some source files vanished during "
			    "the run (rsync 24)" : "");
			return 0;
		}
		code = sr.status < 0 ? MIRROR_EXIT_CONFIG : sr.status;
		if ((cause = fatal_cause(&r->j, r->err)) != NULL) {
			/*
			 * NB. ssh refused the connection; rsync reports that
			 * as 255 or, when it sees the pipe close first, 12.
			 * Say 255 (ssh's code) every time.
			 */
			if (code == 12)
				code = 255;
			finish(r, "failed", code, cause);
			return code;
		}
		if (refusal(&r->j, sr.status, r->err, why, sizeof(why))) {
			finish(r, "failed", code, why);
			return code;
		}
		if (!mirror_retryable(sr.status) || n > r->j.retries)
			break;
		/* mirror.c MUST 8: a retry that cannot fit is not made at all */
		left = deadline - now_mono();
		if (delay + 1 > left) {
			snprintf(why, sizeof(why), "rsync failed with exit %d; "
			    "no retry: the next (in %ds) would not end by the "
			    "job's timeout (%ds)", code, delay, r->j.timeout);
			r->st.duration = now_mono() - t0;
			finish(r, "failed", code, why);
			return code;
		}
		syslog(LOG_WARNING, "job %s: attempt %d failed with rsync "
		    "exit %d; retrying in %ds", r->j.name, n, sr.status, delay);
		if (r->tty && !r->quiet)
			fprintf(stderr, "rsguard: attempt %d failed (rsync "
			    "exit %d); retrying in %ds\n", n, sr.status, delay);
		if (delay > 0)
			sleep((unsigned)delay);
		delay = delay > 1800 ? 3600 : delay * 2;
	}
	r->st.duration = now_mono() - t0;
	if (code == MIRROR_EXIT_TIMEOUT) {
		snprintf(msg, sizeof(msg), "killed at the job's time limit "
		    "(timeout = %ds)", r->j.timeout);
		finish(r, "timeout", code, msg);
	} else {
		snprintf(msg, sizeof(msg), "rsync failed with exit %d%s", code,
		    !mirror_retryable(code) ? "" : r->j.retries > 0 ?
		    " (retries exhausted)" : " (not retried: retries = 0)");
		finish(r, "failed", code, msg);
	}
	return code;
}

/* --dry-run: the rsync command as one line for sh. */
static void
print_dry(const struct strvec *av)
{
	size_t i;
	char *q;

	/* one line for sh: every word quoted as needed (-e's too) */
	for (i = 0; i < av->n; i++) {
		q = shword_quote(av->v[i]);
		printf("%s%s", i ? " " : "", q);
		free(q);
	}
	printf("\n");
}

/*
 * What a run needs before the lock: the pin, the state directory (made;
 * *state set when it is the default, allocated) and the metrics
 * directory; exits with MIRROR_EXIT_CONFIG when one is missing.
 */
static void
check_dirs(struct run *r, const char *path, char **state)
{
	struct stat sb;

	/* mirror.c MUST 3: no pin, no run */
	if (stat(r->j.known_hosts, &sb) == -1 || sb.st_size == 0)
		errx(MIRROR_EXIT_CONFIG, "job %s: no pinned host key in %s; run \"rsguard "
		    "trust %s\" first", r->j.name, r->j.known_hosts, path);
	if (r->state_dir == NULL)
		r->state_dir = *state = paths_state_dir();
	if (mkdir_p(r->state_dir) == -1)
		errx(MIRROR_EXIT_CONFIG, "cannot create state directory %s: %s", r->state_dir,
		    strerror(errno));
	if (r->metrics_dir != NULL && stat(r->metrics_dir, &sb) == -1)
		errx(MIRROR_EXIT_CONFIG, "metrics directory %s: %s", r->metrics_dir,
		    strerror(errno));
	/* a FIFO or a link where the status file goes: refused at once */
	if (mstate_load(r->state_dir, r->j.name, &r->st) == -1 &&
	    (errno == EINVAL || errno == ELOOP))
		errx(MIRROR_EXIT_CONFIG, "%s/%s.json: not a regular file; "
		    "remove it", r->state_dir, r->j.name);
}

/*
 * The job's lock, taken without waiting: its descriptor, or -1 when
 * another run holds it (said on stderr and in syslog).
 */
static int
take_lock(const char *state_dir, const char *name)
{
	struct stat sb;
	char *lockp;
	int lockfd;

	/* mirror.c MUST 1: no O_CLOEXEC: rsync and ssh keep holding the lock */
	lockp = xasprintf("%s/%s.lock", state_dir, name);
	if ((lockfd = open(lockp, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK |
	    O_NOCTTY, 0600)) == -1)
		errx(MIRROR_EXIT_CONFIG, "cannot open lock %s: %s", lockp, strerror(errno));
	if (fstat(lockfd, &sb) == -1 || !S_ISREG(sb.st_mode))
		errx(MIRROR_EXIT_CONFIG, "%s: not a regular file; remove it",
		    lockp);
	if (flock(lockfd, LOCK_EX | LOCK_NB) == -1) {
		syslog(LOG_WARNING, "job %s: already running; this run "
		    "skipped", name);
		fprintf(stderr, "rsguard: mirror %s: already running (lock %s "
		    "held); skipped\n", name, lockp);
		close(lockfd);
		lockfd = -1;
	}
	free(lockp);
	return lockfd;
}

int
mirror_main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "jobs-dir", required_argument, NULL, 'J' },
		{ "state-dir", required_argument, NULL, 'S' },
		{ "metrics-dir", required_argument, NULL, 'M' },
		{ "new", required_argument, NULL, 'N' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	const char *jobs_dir = NULL, *newname = NULL, *errstr;
	char *path, *name, *state = NULL, kwhy[600];
	struct strvec av = { NULL, 0, 0 };
	struct run r;
	int ch, dry = 0, line, lockfd, code;

	memset(&r, 0, sizeof(r));
	while ((ch = getopt_long(argc, argv, "hnq", lopts, NULL)) != -1) {
		switch (ch) {
		case 'J':
			jobs_dir = optarg;
			break;
		case 'S':
			r.state_dir = optarg;
			break;
		case 'M':
			r.metrics_dir = optarg;
			break;
		case 'N':
			newname = optarg;
			break;
		case 'q':
			r.quiet = 1;
			break;
		case 'n':
			dry = 1;
			break;
		case 'h':
			usage(0);
			break;
		case 'V':
			printf("rsguard %s\n", RSGUARD_VERSION);
			return 0;
		default:
			usage(MIRROR_EXIT_CONFIG);
		}
	}
	argc -= optind;
	argv += optind;
	if (newname != NULL)
		return argc == 0 ? write_new(jobs_dir, newname) : (usage(1), 1);
	if (argc != 1)
		usage(MIRROR_EXIT_CONFIG);
	if ((path = job_find(argv[0], jobs_dir, &name, &errstr)) == NULL)
		errx(MIRROR_EXIT_CONFIG, "%s: %s", argv[0], errstr);
	if (job_load(path, &r.j, &line, &errstr) == -1) {
		if (line > 0)
			errx(MIRROR_EXIT_CONFIG, "%s:%d: %s", path, line, errstr);
		errx(MIRROR_EXIT_CONFIG, "%s: %s", path, errstr);
	}
	free(name);
	mirror_rsync_argv(&r.j, isatty(1) && !r.quiet, &av);
	if (dry) {
		print_dry(&av);
		goto out;
	}
	check_dirs(&r, path, &state);
	memset(&r.st, 0, sizeof(r.st));
	openlog("rsguard", LOG_PID, LOG_USER);
	if ((lockfd = take_lock(r.state_dir, r.j.name)) == -1) {
		code = MIRROR_EXIT_LOCKED;
		goto closeout;
	}
	r.tty = isatty(1);
	r.st.start = (long long)now_real();
	r.st.rsync_exit = -1;
	/* mirror.c MUST 6 */
	if (keyfile_check(r.j.key, kwhy, sizeof(kwhy)) == -1) {
		finish(&r, "failed", MIRROR_EXIT_CONFIG, kwhy);
		code = MIRROR_EXIT_CONFIG;
	} else
		code = attempts(&r, &av);
	close(lockfd);
 closeout:
	closelog();
	free(r.err);
	free(state);
	free(path);
	strvec_free(&av);
	job_free(&r.j);
	return code;
 out:
	free(path);
	strvec_free(&av);
	job_free(&r.j);
	return 0;
}

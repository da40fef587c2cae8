/*
 * trust.c - rsguard trust JOB: pin the server's host key on first use.
 *
 * MUST 1: the key is fetched through the job's own ssh settings (so a
 *         ProxyCommand or ProxyJump is honoured) into a fresh temp file,
 *         shown by fingerprint, and pinned only after a yes (a terminal
 *         answer or --yes); a pinned key is never replaced here.
 * MUST 2: with a pin in place, a different host key fails loudly.
 * MUST 3: "it matches" only on ssh's own word that it does (its debug
 *         line "Host ... is known and matches"); when it could not
 *         compare (no such host, port closed, timeout) trust fails.
 */
#include <sys/stat.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "afile.h"
#include "commands.h"
#include "job.h"
#include "mirror.h"
#include "spawn.h"
#include "util.h"

static void
usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: rsguard trust [--jobs-dir DIR] [--yes] JOB\n"
	    "Connect with the job's ssh settings, show the server's host key "
	    "fingerprint\nand pin it in the job's known_hosts file (asks "
	    "first; --yes pins without\nasking).  With a pin in place, check "
	    "that the server still presents it; exit\n1 on a mismatch and "
	    "when it could not compare (no such host, port closed,\n"
	    "timeout).\n");
	exit(status);
}

/* Run ssh LOGIN true with the job's settings; captures stderr. */
static int
probe(const struct job *j, const char *strict, const char *pin,
    struct spawn_result *sr)
{
	struct strvec sv = { NULL, 0, 0 };
	char *o, *ll;
	int rc;

	mirror_ssh_words(j, strict, pin, &sv);
	/*
	 * trust.c MUST 3: the evidence of a comparison, right after "ssh": ssh
	 * keeps the first value, and a job's LogLevel must not hide it.
	 */
	strvec_push(&sv, xstrdup("-o"));
	strvec_push(&sv, xstrdup("LogLevel=DEBUG1"));
	o = sv.v[sv.n - 2];
	ll = sv.v[sv.n - 1];
	memmove(sv.v + 3, sv.v + 1, (sv.n - 3) * sizeof(*sv.v));
	sv.v[1] = o;
	sv.v[2] = ll;
	strvec_push(&sv, mirror_login(j));
	strvec_push(&sv, xstrdup("true"));	/* rsguard serve's probe */
	rc = spawn_run((const char *const *)sv.v, NULL, NULL,
	    j->connect_timeout + 10, SPAWN_ERR, sr);
	strvec_free(&sv);
	return rc;
}

/* ssh's words without its debug lines (first kept line), bounded. */
static char *
ssh_words(const char *err)
{
	const char *p = err ? err : "", *e;
	char *out = xstrdup("");
	char *t;

	for (; *p != '\0'; p = *e ? e + 1 : e) {
		e = p + strcspn(p, "\n");
		if (strncmp(p, "debug", 5) == 0 || e == p)
			continue;
		t = xasprintf("%s%.*s\n", out, (int)(e - p > 300 ? 300 :
		    e - p), p);
		free(out);
		out = t;
		if (strlen(out) > 1000)
			break;
	}
	return out;
}

static void
auth_note(const struct spawn_result *sr)
{
	if (sr->status == 0)
		printf("the server accepts the job's key: yes\n");
	else if (sr->err && strstr(sr->err, "Permission denied"))
		printf("the server does not accept the job's key yet "
		    "(authorize it with a restrict,command=\"rsguard serve "
		    "...\" line)\n");
	else {
		char *w = ssh_words(sr->err);
		printf("note: the test command exited %d%s%s", sr->status,
		    w[0] ? ": " : "\n", w);
		free(w);
	}
}

/*
 * trust.c MUST 2: a pin in place is compared, never replaced; exits on a
 * mismatch.
 */
static void
check_pinned(const struct job *j)
{
	struct spawn_result sr;

	/* trust.c MUST 2 */
	if (probe(j, "yes", j->known_hosts, &sr) == -1)
		err(1, "ssh");
	if (sr.err && (strstr(sr.err, "IDENTIFICATION HAS CHANGED") ||
	    strstr(sr.err, "Host key verification failed"))) {
		fprintf(stderr, "rsguard: trust %s: HOST KEY MISMATCH: "
		    "%s presents a key that differs from the one "
		    "pinned in %s.\nThis may be an attack.  Check "
		    "with the server's administrator; to re-pin, "
		    "remove the file and run rsguard trust again.\n",
		    j->name, j->host, j->known_hosts);
		exit(1);
	}
	if (sr.err == NULL || strstr(sr.err, "is known and matches") ==
	    NULL) {
		char *w = ssh_words(sr.err);
		fprintf(stderr, "rsguard: trust %s: could not compare "
		    "the host key of %s with the one pinned in %s: "
		    "%s", j->name, j->host, j->known_hosts, w[0] ? w :
		    "ssh gave no sign that it compared them "
		    "(LogLevel below DEBUG1 in the job?)\n");
		exit(1);
	}
	printf("host key of %s already pinned in %s and it matches\n",
	    j->host, j->known_hosts);
	auth_note(&sr);
	spawn_free(&sr);
}

/*
 * trust.c MUST 1: the host key ssh is shown, into a fresh file, pinned
 * once agreed.
 */
static void
pin_new(const struct job *j, int yes)
{
	const char *kg[] = { "ssh-keygen", "-l", "-f", NULL, NULL };
	struct spawn_result sr, fp;
	char *tmp, answer[16];
	struct stat sb;
	int fd;

	/* trust.c MUST 1: a fresh file, so nothing else in it is trusted */
	tmp = xasprintf("%s.new.%ld", j->known_hosts, (long)getpid());
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0644)) == -1)
		err(1, "%s", tmp);
	close(fd);
	if (probe(j, "accept-new", tmp, &sr) == -1)
		err(1, "ssh");
	if (stat(tmp, &sb) == -1 || sb.st_size == 0) {
		unlink(tmp);
		errx(1, "trust %s: could not get a host key from %s: %s",
		    j->name, j->host, sr.err ? ssh_words(sr.err) : "no output");
	}
	kg[3] = tmp;
	if (spawn_run(kg, NULL, NULL, 10, SPAWN_OUT | SPAWN_ERR, &fp) == -1 ||
	    fp.status != 0 || fp.out == NULL) {
		unlink(tmp);
		errx(1, "ssh-keygen -l failed");
	}
	printf("%s presents this host key:\n  %s", j->host, fp.out);
	if (!yes) {
		if (!isatty(0)) {
			unlink(tmp);
			errx(1, "not a terminal: check the fingerprint with "
			    "the server's administrator, then run again with "
			    "--yes");
		}
		printf("Pin it for job %s in %s? [y/N] ", j->name,
		    j->known_hosts);
		fflush(stdout);
		if (fgets(answer, sizeof(answer), stdin) == NULL ||
		    (answer[0] != 'y' && answer[0] != 'Y')) {
			unlink(tmp);
			errx(1, "not pinned");
		}
	}
	/* ssh wrote tmp: its data, then the rename, on disk */
	if (afile_fsync(tmp) == -1) {
		unlink(tmp);
		err(1, "fsync %s", tmp);
	}
	if (afile_rename(tmp, j->known_hosts) == -1) {
		unlink(tmp);
		err(1, "rename to %s", j->known_hosts);
	}
	printf("pinned in %s\n", j->known_hosts);
	auth_note(&sr);
	spawn_free(&sr);
	spawn_free(&fp);
	free(tmp);
}

int
trust_main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "jobs-dir", required_argument, NULL, 'J' },
		{ "yes", no_argument, NULL, 'y' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *jobs_dir = NULL, *errstr;
	char *path, *name;
	struct job j;
	struct stat sb;
	int ch, yes = 0, line;

	while ((ch = getopt_long(argc, argv, "hy", lopts, NULL)) != -1) {
		switch (ch) {
		case 'J':
			jobs_dir = optarg;
			break;
		case 'y':
			yes = 1;
			break;
		case 'h':
			usage(0);
			break;
		default:
			usage(1);
		}
	}
	if (argc - optind != 1)
		usage(1);
	if ((path = job_find(argv[optind], jobs_dir, &name, &errstr)) == NULL)
		errx(1, "%s: %s", argv[optind], errstr);
	if (job_load(path, &j, &line, &errstr) == -1) {
		if (line > 0)
			errx(1, "%s:%d: %s", path, line, errstr);
		errx(1, "%s: %s", path, errstr);
	}
	if (stat(j.known_hosts, &sb) == 0 && sb.st_size > 0)
		check_pinned(&j);
	else
		pin_new(&j, yes);
	free(name);
	free(path);
	job_free(&j);
	return 0;
}

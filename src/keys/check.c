/*
 * check.c - "rsguard check [--key KEY] USER@HOST": the client-side proof
 * that a key works and is restricted.  With that key only, the "true"
 * probe must succeed, a real rsync exchange with DIR must work (a
 * --list-only pull, or a --dry-run push of an empty directory for a -wo
 * key), and a shell, "id" and a TCP forward must all be refused.
 *
 * MUST invariants (tests/integration/test_pin.sh):
 *  1. MUST authenticate with the given key only: IdentitiesOnly=yes,
 *     IdentityAgent=none and BatchMode=yes come before any -o of the
 *     user's, and ssh keeps the first value it is given.
 *  2. MUST count a test as passed only on positive evidence of a
 *     refusal; an ssh that failed (exit 255) or timed out is a FAIL.
 *  3. MUST time-bound every ssh it runs.
 *  4. MUST pass the rsync test only on rsync's exit 0, and name the
 *     cause when it fails (a shell that prints, a refusal by serve).
 *  5. MUST report one cause, not a FAIL per test, when nothing can be
 *     tested: a bad key file (checked locally first) or a probe that
 *     did not get through (unreachable, key refused, host key).
 *  6. MUST NOT exit 0 or say "works" when a test could not be run now
 *     (SKIP: DIR in use by a transfer); that is exit 2.
 */
#include <sys/stat.h>

#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "keyfile.h"
#include "spawn.h"
#include "util.h"

#define CHECK_TIMEOUT	20	/* seconds for one ssh */
#define MAX_CHECK_OPTS	64	/* -o options accepted */
/* Where the forward would go; sshd's answer is all that matters. */
#define CHECK_FWD	"127.0.0.1:65534"

static const char *base[2 * MAX_CHECK_OPTS + 24];
static int nbase, npass, nfail, nskip;

enum { T_FAIL, T_PASS, T_SKIP };	/* SKIP: could not be tested now */

static void __attribute__((noreturn))
usage(int status)
{
	FILE *f = status ? stderr : stdout;

	fprintf(f,
"usage: rsguard check [--key KEY] [-p PORT] [-o SSH_OPTION]... USER@HOST\n"
"\n"
"Proves from the client that a key works and is restricted: with that key\n"
"only (IdentitiesOnly=yes, IdentityAgent=none, BatchMode=yes) the \"true\"\n"
"probe must exit 0, a real rsync exchange with the key's DIR must work\n"
"(rsync --list-only; a --dry-run push of an empty directory for a -wo\n"
"key: nothing is written), and a shell, \"id\" and a TCP forward (ssh -W)\n"
"must all be refused.  One PASS, FAIL or SKIP line per test, then a summary;\n"
"exit status 0 only if every test passed, 1 if one failed, 2 if none failed\n"
"but one could not be run now (SKIP: DIR in use).  A key file that ssh cannot\n"
"use, or a probe that does not get through (host unreachable, key refused,\n"
"host key), is reported once and ends the check.\n"
"\n"
"  --key KEY        the private key to use (default: ssh's own choice)\n"
"  -p PORT          the server's port\n"
"  -o SSH_OPTION    an extra ssh option, e.g. -o UserKnownHostsFile=F\n"
"  -h, --help       this help\n"
"See rsguard-check(1).\n");
	exit(status);
}

static void
report(int ok, const char *name, const char *what, const char *detail)
{
	char d[128];
	size_t i;

	/* First line of the remote's words, printable, bounded. */
	snprintf(d, sizeof(d), "%s", detail ? detail : "");
	d[strcspn(d, "\r\n")] = '\0';
	for (i = 0; d[i] != '\0'; i++)
		if ((unsigned char)d[i] < 0x20 || (unsigned char)d[i] >= 0x7f)
			d[i] = '?';
	printf("%s  %-8s %s%s%s\n", ok == T_PASS ? "PASS" : ok == T_SKIP ?
	    "SKIP" : "FAIL", name, what, d[0] ? ": " : "", d);
	fflush(stdout);
	if (ok == T_PASS)
		npass++;
	else if (ok == T_SKIP)
		nskip++;
	else
		nfail++;
}

/* Run ssh with the base options plus extra words; 0 or -1. */
static int
run(const char *const extra[], struct spawn_result *r)
{
	const char *av[sizeof(base) / sizeof(base[0]) + 8];
	int i, n;

	for (n = 0; n < nbase; n++)
		av[n] = base[n];
	for (i = 0; extra[i] != NULL; i++)
		av[n++] = extra[i];
	av[n] = NULL;
	return spawn_run(av, NULL, NULL, CHECK_TIMEOUT, SPAWN_OUT | SPAWN_ERR,
	    r);
}

static const char *
why(const struct spawn_result *r)
{
	if (r->errlen > 0)
		return r->err;
	return r->outlen > 0 ? r->out : "";
}

/* Could not tell: ssh itself failed or hung (check.c MUST 2). */
static int
inconclusive(const char *name, const struct spawn_result *r)
{
	if (r->timed_out)
		report(T_FAIL, name, "cannot tell: ssh timed out", NULL);
	else if (r->status == 255 || r->status < 0)
		report(T_FAIL, name, "cannot tell: ssh failed", why(r));
	else
		return 0;
	return 1;
}

static char probe_out[128];	/* what "true" printed: a noisy shell */

/* One cause for an ssh that did not get through, from its words. */
static const char *
no_connection(const struct spawn_result *r)
{
	const char *e = why(r);

	if (r->timed_out)
		return "cannot reach the host: ssh timed out";
	if (strstr(e, "Connection refused") || strstr(e, "resolve") ||
	    strstr(e, "No route") || strstr(e, "timed out") ||
	    strstr(e, "Network is unreachable") ||
	    strstr(e, "Connection closed by") || strstr(e, "kex_exchange"))
		return "cannot reach the host";
	if (strstr(e, "Permission denied"))
		return "the server refused the key";
	if (strstr(e, "Host key verification failed") ||
	    strstr(e, "IDENTIFICATION HAS CHANGED"))
		return "the server's host key is not trusted";
	return "ssh failed";
}

/* 0: the probe got through (whatever it said); -1: nothing to test. */
static int
t_probe(const char *dest)
{
	const char *x[] = { dest, "true", NULL };
	struct spawn_result r;
	int ok = 0;

	if (run(x, &r) == -1)
		err(1, "cannot run ssh");
	if (r.outlen > 0)
		snprintf(probe_out, sizeof(probe_out), "%s", r.out);
	if (r.status == 0 && !r.timed_out)
		report(T_PASS, "probe", "\"true\" exits 0: the key is accepted",
		    NULL);
	else if (r.timed_out || r.status == 255 || r.status < 0) {
		/* check.c MUST 5 */
		report(T_FAIL, "probe", no_connection(&r), r.timed_out ? NULL :
		    why(&r));
		ok = -1;
	} else
		report(T_FAIL, "probe", "\"true\" failed", why(&r));
	spawn_free(&r);
	return ok;
}

/* The -e value: rsync splits it on blanks, honouring '...' and "...". */
static char *
rsync_e(void)
{
	char *e = xstrdup("ssh"), *t;
	int i;

	for (i = 1; i < nbase; i++) {
		if (strchr(base[i], '\'') == NULL)
			t = xasprintf("%s '%s'", e, base[i]);
		else if (strchr(base[i], '"') == NULL)
			t = xasprintf("%s \"%s\"", e, base[i]);
		else {
			free(e);
			return NULL;
		}
		free(e);
		e = t;
	}
	return e;
}

/* The message of serve's refusal, or NULL. */
static const char *
refusal(const struct spawn_result *r)
{
	return serve_refusal(r->err);
}

/* Last non-empty line of rsync's stderr. */
static const char *
last_line(const struct spawn_result *r)
{
	const char *p, *e;

	if (r->err == NULL)
		return "";
	e = r->err + strlen(r->err);
	while (e > r->err && (e[-1] == '\n' || e[-1] == '\r'))
		e--;
	for (p = e; p > r->err && p[-1] != '\n'; p--)
		;
	return p;
}

/*
 * check.c MUST 4: a real exchange through the forced command: rsync --list-only
 * of DIR; a -wo key refuses reading, so then a --dry-run push of an
 * empty directory (rsync writes nothing in a dry run).
 */
static void
t_rsync(const char *dest)
{
	const char *pull[] = { "rsync", "--list-only", "-e", NULL, "--",
	    NULL, NULL };
	const char *push[] = { "rsync", "--dry-run", "-d", "-e", NULL, "--",
	    NULL, NULL, NULL };
	char tmpl[] = "/tmp/rsguard-check.XXXXXX", *e, *remote, *src, buf[512];
	const char *ref, *how = "--list-only of DIR";
	struct spawn_result r;

	if ((e = rsync_e()) == NULL) {
		report(T_FAIL, "rsync", "cannot tell: an -o value holds both quote "
		    "kinds, which rsync's -e cannot carry", NULL);
		return;
	}
	remote = xasprintf("%s:", dest);
	pull[3] = e;
	pull[5] = remote;
	if (spawn_run(pull, NULL, NULL, CHECK_TIMEOUT, SPAWN_OUT | SPAWN_ERR,
	    &r) == -1)
		err(1, "cannot run rsync");
	ref = refusal(&r);
	if (r.status != 0 && ref != NULL && strstr(ref, "write-only") != NULL) {
		spawn_free(&r);
		if (mkdtemp(tmpl) == NULL)
			err(1, "mkdtemp");
		src = xasprintf("%s/", tmpl);
		push[4] = e;
		push[6] = src;
		push[7] = remote;
		how = "--dry-run push of an empty directory";
		if (spawn_run(push, NULL, NULL, CHECK_TIMEOUT, SPAWN_OUT |
		    SPAWN_ERR, &r) == -1)
			err(1, "cannot run rsync");
		rmdir(tmpl);
		free(src);
		ref = refusal(&r);
	}
	if (r.status == 0 && !r.timed_out) {
		snprintf(buf, sizeof(buf), "an rsync exchange works (%s)", how);
		report(T_PASS, "rsync", buf, NULL);
	} else if (r.err != NULL && strstr(r.err, "protocol version mismatch")) {
		snprintf(buf, sizeof(buf), "protocol version mismatch -- the "
		    "server account's shell start-up files print text%s%s%s; "
		    "make them silent for non-interactive shells",
		    probe_out[0] ? " (\"" : "", probe_out, probe_out[0] ?
		    "\")" : "");
		report(T_FAIL, "rsync", buf, NULL);
	} else if (ref != NULL && strstr(ref, "Another instance of rrsync")) {
		report(T_SKIP, "rsync", "cannot tell now: DIR is in use by another "
		    "transfer (serve's single-run lock); run check again after "
		    "it", NULL);
	} else if (ref != NULL)
		report(T_FAIL, "rsync", "the server refused the exchange", ref);
	else if (r.timed_out)
		report(T_FAIL, "rsync", "rsync timed out", NULL);
	else {
		snprintf(buf, sizeof(buf), "rsync failed (exit %d)", r.status);
		report(T_FAIL, "rsync", buf, last_line(&r));
	}
	spawn_free(&r);
	free(remote);
	free(e);
}

/* A command that must not run: marker in its output means it did. */
static void
t_refused(const char *dest, const char *name, const char *cmd,
    const char *marker)
{
	const char *x[] = { dest, cmd, NULL };
	struct spawn_result r;

	if (run(x, &r) == -1)
		err(1, "cannot run ssh");
	if (r.out != NULL && strstr(r.out, marker) != NULL)
		report(T_FAIL, name, "it ran", strstr(r.out, marker));
	else if (!inconclusive(name, &r))
		report(T_PASS, name, "refused", why(&r));
	spawn_free(&r);
}

/*
 * ssh -W opens a direct-tcpip channel at once, the channel -L uses, with
 * no listener and no second connection to arrange.  sshd answers
 * "administratively prohibited" when forwarding is not permitted, and
 * tries the connection (and reports its result) when it is.
 */
static void
t_forward(const char *dest)
{
	const char *x[] = { "-W", CHECK_FWD, dest, NULL };
	struct spawn_result r;

	if (run(x, &r) == -1)
		err(1, "cannot run ssh");
	if (r.err != NULL && strstr(r.err, "administratively prohibited"))
		report(T_PASS, "forward", "refused",
		    strstr(r.err, "administratively prohibited"));
	else if (r.err != NULL && strstr(r.err, "open failed") != NULL)
		report(T_FAIL, "forward", "allowed (sshd tried to connect)",
		    strstr(r.err, "open failed"));
	else if (!inconclusive("forward", &r))
		report(T_FAIL, "forward", "allowed: the channel to " CHECK_FWD
		    " was opened", NULL);
	spawn_free(&r);
}

int
check_main(int argc, char **argv)
{
	const char *key = NULL, *port = NULL, *dest = NULL;
	const char *opts[MAX_CHECK_OPTS];
	char kwhy[600];
	int i, nopts = 0;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0)
			usage(0);
		else if (strncmp(a, "--key=", 6) == 0)
			key = a + 6;
		else if (strcmp(a, "--key") == 0 && i + 1 < argc)
			key = argv[++i];
		else if (strcmp(a, "-p") == 0 && i + 1 < argc)
			port = argv[++i];
		else if (strcmp(a, "-o") == 0 && i + 1 < argc) {
			if (nopts == MAX_CHECK_OPTS)
				errx(1, "too many -o options");
			opts[nopts++] = argv[++i];
		} else if (a[0] == '-')
			errx(1, "unknown option %s (see \"rsguard check -h\")",
			    a);
		else if (dest != NULL)
			errx(1, "only one USER@HOST may be given");
		else
			dest = a;
	}
	if (dest == NULL)
		usage(1);

	/* check.c MUST 1: ours first, since ssh keeps the first value it sees. */
	base[nbase++] = "ssh";
	base[nbase++] = "-T";
	base[nbase++] = "-o";
	base[nbase++] = "IdentitiesOnly=yes";
	base[nbase++] = "-o";
	base[nbase++] = "IdentityAgent=none";
	base[nbase++] = "-o";
	base[nbase++] = "BatchMode=yes";
	base[nbase++] = "-o";
	base[nbase++] = "PasswordAuthentication=no";
	base[nbase++] = "-o";
	base[nbase++] = "KbdInteractiveAuthentication=no";
	/* The forward's refusal is reported at the INFO level. */
	base[nbase++] = "-o";
	base[nbase++] = "LogLevel=INFO";
	for (i = 0; i < nopts; i++) {
		base[nbase++] = "-o";
		base[nbase++] = opts[i];
	}
	base[nbase++] = "-o";
	base[nbase++] = "ConnectTimeout=15";
	if (key != NULL) {
		base[nbase++] = "-i";
		base[nbase++] = key;
	}
	if (port != NULL) {
		base[nbase++] = "-p";
		base[nbase++] = port;
	}

	/* check.c MUST 5: a key ssh cannot use: one cause, nothing else to test */
	if (key != NULL && keyfile_check(key, kwhy, sizeof(kwhy)) == -1) {
		report(T_FAIL, "key", kwhy, NULL);
		printf("check: 0 passed, 1 failed: the other tests were not "
		    "run (fix the key file first)\n");
		return 1;
	}
	if (t_probe(dest) == -1) {
		printf("check: 0 passed, 1 failed: the other tests were not "
		    "run (they need a connection that gets through)\n");
		return 1;
	}
	t_rsync(dest);
	t_refused(dest, "shell", "sh -c 'echo RSG-SHELL-$$'", "RSG-SHELL-");
	t_refused(dest, "id", "id", "uid=");
	t_forward(dest);
	/* check.c MUST 6: a test not run is never counted as passed */
	if (nskip > 0)
		printf("check: %d passed, %d failed, %d not tested%s\n", npass,
		    nfail, nskip, nfail ? "" : ": run check again to prove "
		    "the rest");
	else
		printf("check: %d passed, %d failed%s\n", npass, nfail,
		    nfail ? "" : ": the key works and is restricted");
	return nfail ? 1 : nskip ? 2 : 0;
}

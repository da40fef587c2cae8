/*
 * serve.c - "rsguard serve", the forced command, top to bottom (one
 * function a stage, called in this order by serve_main):
 *   policy (own argv) -> environment -> split -> classify -> confine ->
 *   rsync's argv -> log -> sandbox + exec: fork; child = clean env,
 *   pinned fds only, Landlock, exec rsync; parent = lock held, signals
 *   forwarded, wait, log, exit status.
 *
 * MUST invariants (tests/integration, tests/security):
 *  1. MUST take no input from the client but SSH_ORIGINAL_COMMAND.
 *  2. MUST write nothing to stdout before exec (it carries the protocol).
 *  3. MUST end every refusal with "PROG: error: ..." on stderr (PROG the
 *     name serve was invoked as: rsguard or rrsync), one log record that
 *     says who asked (from=, user=, key=, before any text of the client's)
 *     and exit status 1, before anything is created on disk; a fatal() on
 *     the way is such a refusal (tests/integration/test_serve_log.sh).
 *  4. MUST run rsync with an environment built here, never inherited.
 *  5. MUST pass rsync only the pinned descriptors besides 0, 1 and 2.
 *  6. MUST refuse a writable DIR holding the login user's ~/.ssh or shell
 *     start-up files unless the operator said --allow-home, and one
 *     holding anything the connection runs (exposure.c) always.
 *  7. MUST build the sandbox the operator asked for before anything is
 *     created on disk, and log which one rsync got.
 *  8. MUST check rsync -s's secluded arguments exactly as command-line
 *     words, and start rsync with them on its command line, without -s.
 */

#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "braces.h"
#include "cmdline.h"
#include "confine.h"
#include "execrsync.h"
#include "exposure.h"
#include "fingerprint.h"
#include "log.h"
#include "request.h"
#include "sandbox.h"
#include "serve.h"
#include "secluded.h"
#include "serveopts.h"
#include "snapshot.h"
#include "version.h"
#include "util.h"

#ifndef RSYNC_PATH
#define RSYNC_PATH "/usr/bin/rsync"
#endif



static const char *prog = "rsguard";
static char cmd_for_log[MAX_LOG_FIELD * 4 + 8];
static char asker[1024];	/* client_info(), once per connection */

/* A snapshot push (-snapshots, :wo:snapshots): its store and staging. */
static struct snap_stage stage = { "", "", -1, 0 };
static int storefd = -1, staged;
static const char *storedir;
static char stagedir[PATH_MAX], linkdest[PATH_MAX], basisdir[PATH_MAX];

#define EXACT_CONTEXT	24	/* bytes shown each side of a difference */

void
serve_usage(int status)
{
	FILE *f = status ? stderr : stdout;

	fprintf(f,
"usage: rsguard serve [--rsync=PATH] [--log=syslog|none|FILE] [--allow-home]\n"
"                     [--dry-run|--explain] [--exact=CMD]\n"
"                     [--sandbox=auto|require|off] [--landlock-abi=N]\n"
"                     [--sandbox-read=PATH]... [-ro|-wo] [-munge] [-absolute]\n"
"                     [-no-del] [-no-lock] [-no-overwrite] DIR\n"
"       rsguard serve -wo -snapshots [--keep=PERIOD:N,...] DIR\n"
"       rsguard serve [operator options] [-munge] [-no-del] [-no-lock]\n"
"                     [-no-overwrite] --root NAME=DIR:MODE...\n"
"\n"
"The forced command for an authorized_keys line:\n"
"  restrict,command=\"rsguard serve -ro /srv/backup\" ssh-ed25519 AAAA...\n"
"It runs the rsync server command the client asked for (SSH_ORIGINAL_COMMAND)\n"
"only if it is allowed, confined to DIR.  Also invoked as \"rrsync\".\n"
"rsync -s (secluded args): the arguments are read from the connection and\n"
"checked as command-line words; rsync runs with them, without -s.\n"
"\n"
"rrsync options:\n"
"  -ro             allow only reading from DIR (implies -no-del, -no-lock)\n"
"  -wo             allow only writing to DIR\n"
"  -munge          force rsync's --munge-links on the server side\n"
"  -absolute       accept DIR's absolute path as an alias of its root, in\n"
"                  transfer arguments and path options (--link-dest=...)\n"
"  -no-del         refuse every option that deletes or removes files\n"
"  -no-lock        skip the single-run lock on DIR (held at most 10s past\n"
"                  the client's connection: a stuck rsync is then killed)\n"
"  -no-overwrite   force --ignore-existing; refuse options that can\n"
"                  replace existing files\n"
"operator options:\n"
"  --rsync=PATH    the rsync to run (default %s)\n"
"  --log=WHERE     syslog (default), none, or an absolute FILE path;\n"
"                  syslog is /dev/log, else the journal's socket, and\n"
"                  with neither every connection is refused; records say\n"
"                  from=, user=, key= (key needs sshd ExposeAuthInfo yes)\n"
"  --allow-home    serve a writable DIR that holds ~/.ssh or shell rc files\n"
"                  (never one that holds a program a connection runs)\n"
"  --dry-run, --explain\n"
"                  print the decision, the rsync argv and the sandbox\n"
"                  rules; run nothing\n"
"  --sandbox=MODE  kernel sandbox around rsync (Landlock, seccomp, root's\n"
"                  capabilities): auto (default: what the kernel offers,\n"
"                  logged), require (refuse below the full sandbox,\n"
"                  Landlock ABI 6), off (none, logged)\n"
"  --landlock-abi=N  use at most Landlock ABI N (0: none); for testing\n"
"  --sandbox-read=PATH  also let rsync read PATH (up to 16 times)\n"
"  --exact=CMD     allow only this exact command (byte for byte; see\n"
"                  \"rsguard showcmd\"), still checked and confined as\n"
"                  usual; the \"true\" probe stays allowed\n"
"  --root NAME=DIR:MODE  serve several directories (up to 16): a path the\n"
"                  client names begins with a NAME (host:www/, host:db/x),\n"
"                  which stands for its DIR; MODE is ro, wo or rw; one\n"
"                  transfer names one root; no DIR, -ro, -wo or -absolute\n"
"                  (MODE wo:snapshots: the root is a snapshot store)\n"
"snapshots (rsguard's own):\n"
"  -snapshots      with -wo: DIR is an append-only snapshot store; each\n"
"                  push lands in a new staging dir hard-linked against the\n"
"                  newest snapshot and becomes DIR/YYYYMMDDTHHMMSSZ (UTC;\n"
"                  DIR/latest points at it) only if rsync exits 0; earlier\n"
"                  snapshots are out of the client's reach (restore them\n"
"                  with a -ro key on DIR)\n"
"  --keep=PERIOD:N,...  after a good push, keep the newest snapshot of\n"
"                  each of the last N periods (last, hourly, daily, weekly,\n"
"                  monthly, yearly; UTC) and remove the rest; never the\n"
"                  newest\n"
"  -h, --help      this help;  --version  the version\n"
"See rsguard(1).\n", RSYNC_PATH);
	exit(status);
}

/*
 * Refuse: terse msg to the client; msg, the (already escaped) detail for
 * the operator only, and the command to the log; exit 1.
 */
static void __attribute__((noreturn))
refuse_detail(const char *detail, const char *msg)
{
	char esc[MAX_LOG_FIELD * 4 + 8];
	int lost;

	/*
	 * NB. the record first: a client that has hung up makes the write
	 * to stderr raise SIGPIPE, which must not take the record with it.
	 */
	log_escape(msg, MAX_LOG_FIELD, esc, sizeof(esc));
	/* Who asked first: nothing the client wrote comes before it. */
	lost = log_msg(LOG_WARNING, "refused%s%s: %s%s%s; command: %s",
	    asker[0] ? " " : "", asker, esc, detail ? "; " : "",
	    detail ? detail : "", cmd_for_log[0] ? cmd_for_log : "(none)") == -1;
	fprintf(stderr, "%s: error: %s\n", prog, msg);
	if (lost)
		fprintf(stderr, "%s: error: the log record of this refusal "
		    "was lost\n", prog);
	/* A refused snapshot push leaves nothing (MUST 3). */
	if (staged && snap_remove(storefd, stage.staging) == -1)
		log_msg(LOG_ERR, "snapshot store %s: cannot remove %s: %s",
		    storedir, stage.staging, strerror(errno));
	exit(1);
}

/* fatal() on the serve path (out of memory, ...) is a refusal too. */
static void __attribute__((noreturn))
fatal_refuse(const char *msg)
{
	refuse_detail(NULL, msg);
}

static void __attribute__((noreturn, format(printf, 1, 2)))
refuse(const char *fmt, ...)
{
	char msg[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	refuse_detail(NULL, msg);
}

/*
 * --exact mismatch: the log shows where the command first differs from
 * the pinned one, with context, and the pinned one (the command itself
 * is in every refusal record).  One pass over each string.
 */
static void __attribute__((noreturn))
exact_mismatch(const char *pin, const char *got)
{
	char a[EXACT_CONTEXT * 2 * 4 + 8], b[sizeof(a)];
	char ep[MAX_LOG_FIELD * 2 + 8], detail[sizeof(ep) + 2 * sizeof(a) + 96];
	size_t i, lo;

	for (i = 0; pin[i] != '\0' && pin[i] == got[i]; i++)
		;
	lo = i > EXACT_CONTEXT ? i - EXACT_CONTEXT : 0;
	log_escape(pin + lo, 2 * EXACT_CONTEXT, a, sizeof(a));
	log_escape(got + lo, 2 * EXACT_CONTEXT, b, sizeof(b));
	log_escape(pin, MAX_LOG_FIELD / 2, ep, sizeof(ep));
	snprintf(detail, sizeof(detail), "first difference at byte %zu: "
	    "pinned \"%s%s\" got \"%s%s\"; pinned: %s", i, lo ? "..." : "", a,
	    lo ? "..." : "", b, ep);
	refuse_detail(detail,
	    "command does not match the one this key is pinned to");
}

static void
parse_args(int argc, char **argv, struct serve_opts *o)
{
	const char *es;

	if (serve_opts_parse(argc, argv, prog, o, &es) == -1)
		refuse("%s", es);
	if (o->help)
		serve_usage(0);
	if (o->version) {
		printf("rsguard %s\n", RSGUARD_VERSION);
		exit(0);
	}
}

/*
 * Build the sandbox for what the accepted request makes rsync do (MUST
 * 7).  A mode that cannot be honoured refuses; a weaker sandbox than
 * the full one, or none, is logged.
 */
static void
prepare_sandbox(struct serve_opts *o, const struct confine *c,
    const struct request *req)
{
	const char *es = NULL;
	int what = 0;

	if (!req->am_sender)
		what |= SANDBOX_RECEIVER;
	if (!(req->needs & REQ_NUMERIC_IDS)) {
		if (req->needs & REQ_NEED_USERS)
			what |= SANDBOX_USERS;
		if (req->needs & REQ_NEED_GROUPS)
			what |= SANDBOX_GROUPS;
	}
	if (req->needs & REQ_REMOVE_SRC)
		what |= SANDBOX_REMOVE_SRC;
	if (req->needs & REQ_LOG_FILE)
		what |= SANDBOX_LOG_FILE;
	if (sandbox_prepare(&o->sb, c->rootfd, o->pol.dir, o->rsync, what,
	    &es) == -1)
		refuse("%s", es);
	if (o->dry_run)
		return;
	if (o->sb.mode == SANDBOX_OFF)
		log_msg(LOG_NOTICE, "sandbox off: the operator said "
		    "--sandbox=off");
	else if (o->sb.abi == 0)
		log_msg(LOG_WARNING, "sandbox %s: rsync runs unconfined by "
		    "the kernel", o->sb.none);
	else if (o->sb.abi < SANDBOX_FULL_ABI)
		log_msg(LOG_WARNING, "sandbox partial: Landlock ABI %d (kernel "
		    "%d) lacks the network and scope rules of ABI %d",
		    o->sb.abi, o->sb.kernel_abi, SANDBOX_FULL_ABI);
}

/*
 * serve.c MUST 6: a writable DIR must not hold what sshd, the shell or serve
 * run or read for the next connection (exposure.c).  -ro: nothing to check.
 */
static void
check_home(const struct serve_opts *o)
{
	struct exposure_ctx ctx;
	struct exposure_list l;
	struct passwd *pw;
	const char *es = NULL;
	char self[PATH_MAX];
	size_t w = 0;
	ssize_t n;
	int r;

	if (o->pol.ro)
		return;
	memset(&ctx, 0, sizeof(ctx));
	ctx.word = util_argv0;
	ctx.pathenv = getenv("PATH");
	ctx.path_exact = 1;
	if ((n = readlink("/proc/self/exe", self, sizeof(self) - 1)) > 0) {
		self[n] = '\0';
		ctx.self = self;
	}
	ctx.rsync = o->rsync;
	if ((pw = getpwuid(getuid())) != NULL) {
		ctx.shell = pw->pw_shell;
		ctx.home = pw->pw_dir;
	}
	exposure_init(&l);
	if (exposure_collect(&l, &ctx, &es) == -1 || (r = exposure_find(&l,
	    o->pol.dir, EXPOSURE_RUN | (o->allow_home ? 0 : EXPOSURE_HOME),
	    &w, &es)) == -1)
		refuse("cannot check what restricted dir %s holds: %s%s%s",
		    o->pol.dir, es, w < l.n ? ": " : "",
		    w < l.n ? l.v[w].path : "");
	if (r == 1 && l.v[w].kind == EXPOSURE_HOME)
		refuse("restricted dir %s is writable and holds %s (%s); "
		    "refusing to serve it (the operator can pass "
		    "--allow-home)", o->pol.dir, l.v[w].path, l.v[w].what);
	if (r == 1)
		refuse("restricted dir %s is writable and holds %s (%s): a "
		    "client could replace what a connection runs; refusing "
		    "to serve it (--allow-home does not change this)",
		    o->pol.dir, l.v[w].path, l.v[w].what);
	/* NB. not freed: the forced-command path does not free before exec. */
}

static int
take_lock(const char *dir)
{
	int fd;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		refuse("unable to open restricted dir for locking: %s",
		    strerror(errno));
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		if (errno == EWOULDBLOCK || errno == EAGAIN || errno == EACCES)
			refuse("Another instance of rrsync is already "
			    "accessing this directory.");
		/* Not a security control: carry on where flock can't. */
		close(fd);
		return -1;
	}
	return fd;
}

/* Split a trailing "/" or "/." off an rrsync-form path. */
static char *
split_suffix(const char *a, const char **suffix)
{
	size_t n = strlen(a);

	*suffix = "";
	if (n > 0 && a[n - 1] == '/') {
		*suffix = "/";
		return xstrndup(a, n - 1);
	}
	if (n >= 2 && a[n - 1] == '.' && a[n - 2] == '/') {
		*suffix = "/.";
		return xstrndup(a, n - 2);
	}
	return xstrdup(a);
}

/* DIR-relative form of an rrsync-form path (absolute under DIR or rel). */
static const char *
dir_relative(const struct policy *p, const char *a)
{
	const char *r = path_beneath(a, p->dir, p->dirlen);

	if (r == NULL)
		return a;
	return *r == '/' ? r + 1 : r;
}

/* The key sshd accepted, from its ExposeAuthInfo file, as a fingerprint. */
static void
key_fingerprint(char *fp, size_t fpsz)
{
	const char *path = getenv("SSH_USER_AUTH");
	char line[8192];
	struct stat st;
	ssize_t n;
	int fd;

	snprintf(fp, fpsz, "-");
	if (path == NULL || path[0] != '/')
		return;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd == -1)
		return;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    (n = read(fd, line, sizeof(line) - 1)) > 0) {
		line[n] = '\0';
		line[strcspn(line, "\n")] = '\0';
		if (fingerprint_line(line, fp, fpsz) == -1)
			snprintf(fp, fpsz, "unparsed");
	}
	close(fd);
}

static void
client_info(char *who, size_t sz)
{
	const char *conn = getenv("SSH_CONNECTION");
	char addr[64], ebuf[160], user[64], fp[128], efp[512];
	struct passwd *pw;
	size_t i;

	addr[0] = '\0';
	if (conn != NULL) {
		for (i = 0; conn[i] && conn[i] != ' ' && i < sizeof(addr) - 1;
		    i++)
			addr[i] = conn[i];
		addr[i] = '\0';
	}
	log_escape(addr[0] ? addr : "unknown", 64, ebuf, sizeof(ebuf));
	pw = getpwuid(getuid());
	snprintf(user, sizeof(user), "%s", pw ? pw->pw_name : "?");
	key_fingerprint(fp, sizeof(fp));
	log_escape(fp, sizeof(fp), efp, sizeof(efp));
	snprintf(who, sz, "from=%s user=%s key=%s", ebuf, user, efp);
}

/*
 * Confine one checked path (rrsync's validated_arg, checked branch).
 * Returns the index of its decision; refuses on any anomaly.
 */
static int
confine_one(const struct serve_opts *o, struct confine *c, enum role role,
    const char *orig, const char *a)
{
	const char *suffix, *rel, *es = NULL;
	char *base;
	int i;

	base = split_suffix(a, &suffix);
	rel = dir_relative(&o->pol, base);
	/*
	 * DIR itself as a transfer argument: the cwd rsync starts in is the
	 * pinned root.  NB. not for an option's value, which rsync would
	 * take relative to the destination: that one is pinned.
	 */
	if (*rel == '\0' && (role == ROLE_SENDER_ARG ||
	    role == ROLE_SENDER_ARG_REL || role == ROLE_RECV_ARG)) {
		free(base);
		return confine_keep(c, xasprintf(".%s", suffix));
	}
	if ((i = confine_path(c, role, orig, rel, suffix, &es)) == -1)
		refuse("%s", es);
	free(base);
	return i;
}

/* Final form of an unchecked or post-pin argument (rrsync's tail). */
static char *
arg_tail(const struct policy *p, char *a, int flags)
{
	const char *b = path_beneath(a, p->dir, p->dirlen);
	char *r;

	if (b != NULL && *b == '\0' && (flags & NORM_ABSOLUTE))
		r = xstrdup(".");
	else if (b != NULL && *b == '/' && p->subdir)
		r = xstrdup(b[1] != '\0' ? b + 1 : ".");
	else
		return a;
	free(a);
	return r;
}

/* The decisions of the confine stage, by index (confine_spelling). */
struct plan {
	int		*val;	/* per request item: its value's, or -1 */
	int		*arg;	/* the transfer arguments', in order */
	size_t		 narg;
	size_t		 cap;
};

static void
plan_arg(struct plan *pl, int i)
{
	if (pl->narg == pl->cap) {
		pl->cap = pl->cap ? pl->cap * 2 : 16;
		pl->arg = xreallocarray(pl->arg, pl->cap, sizeof(*pl->arg));
	}
	pl->arg[pl->narg++] = i;
}

static char realdir[MAX_ROOTS][PATH_MAX];	/* DIR or the roots, real */
static int lockfd = -1;		/* held until exit */
static struct timespec t0;	/* start of the connection */

/* Room for one pin per directory named (rrsync needs the same). */
static void
raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max &&
	    rl.rlim_cur < MAX_PINS + 64) {
		rl.rlim_cur = rl.rlim_max < MAX_PINS + 64 ? rl.rlim_max :
		    MAX_PINS + 64;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/*
 * DIR (the one, or root r's) becomes the policy's; with c, c is opened
 * on it, once per connection (a struct confine is large to clear).
 */
static void
use_dir(struct serve_opts *o, struct confine *c, const char *real,
    const struct serve_root *r)
{
	struct policy *p = &o->pol;
	const char *es = NULL;

	p->dir = real;
	p->dirlen = strlen(real);
	p->subdir = strcmp(real, "/") != 0;
	if (r != NULL) {
		p->ro = r->ro;
		p->wo = r->wo;
		p->no_del = r->no_del;
		p->snapshots = r->snapshots;
		p->root = r->name;
		p->rootlen = strlen(r->name);
	}
	if (c != NULL && confine_init(c, real, &es) == -1)
		refuse("%s", es);
}

/*
 * 1. policy: serve's own argv, the log it names, DIR as a real path.
 * With --root, every root must exist and pass the writable-DIR check
 * (serve.c MUST 6) whichever the client names; select_root opens the
 * one the command names (the probe, the first).
 */
static void
read_policy(int argc, char **argv, struct serve_opts *o, struct confine *c)
{
	const char *es = NULL;
	char given[PATH_MAX];
	int i;

	parse_args(argc, argv, o);
	raise_nofile();
	if (log_open(o->logt, o->logpath, &es) == -1) {
		if (o->logt == LOG_TO_SYSLOG)
			refuse("%s", es);
		refuse("%s: %s", es, o->logpath);
	}
	/* NB. the user lookup (NSS) costs time: once, for every record. */
	if (o->logt != LOG_TO_NONE)
		client_info(asker, sizeof(asker));
	c->rootfd = -1;
	if (o->nroots == 0) {
		if (realpath(o->dirarg, realdir[0]) == NULL)
			refuse("Restricted directory does not exist!");
		use_dir(o, c, realdir[0], NULL);
		check_home(o);
		return;
	}
	for (i = 0; i < o->nroots; i++) {
		snprintf(given, sizeof(given), "%.*s", (int)o->roots[i].dirlen,
		    o->roots[i].dir);
		if (realpath(given, realdir[i]) == NULL)
			refuse("root %s: Restricted directory does not exist!",
			    o->roots[i].name);
		use_dir(o, NULL, realdir[i], &o->roots[i]);
		check_home(o);
	}
}

/* The connectivity probe "true": accepted, logged, exit 0. */
static void __attribute__((noreturn))
probe(struct serve_opts *o, struct confine *c)
{
	const char *es = NULL;

	/* A key that cannot run rsync must not pass the probe. */
	if (o->sb.mode == SANDBOX_REQUIRE && c->rootfd == -1)
		use_dir(o, c, realdir[0], &o->roots[0]);	/* --root */
	if (o->sb.mode == SANDBOX_REQUIRE && sandbox_prepare(&o->sb,
	    c->rootfd, o->pol.dir, o->rsync, 0, &es) == -1)
		refuse("%s", es);
	if (log_msg(LOG_INFO, "connectivity probe (true) accepted %s",
	    asker) == -1)
		refuse("cannot write the log record (%s); the operator "
		    "can pass --log=FILE", strerror(errno));
	exit(0);
}

/*
 * 2b. rsync -s (serve.c MUST 8): the arguments come on the connection,
 * before the protocol.  Read them (secluded.c: bounded, not one byte
 * past their end), write them back as the command line rsync's client
 * would have sent without -s, and go on with that: every later stage
 * checks them as it checks any command, the log and --exact see it,
 * and rsync runs with them on its command line and without -s.
 */
static const char *
unseclude(const char *rest, long at)
{
	struct strvec args = { NULL, 0, 0 };
	const char *es = NULL;
	char *full;

	/*
	 * With --iconv (on the command line) the client sends the names
	 * converted; checked here and run unconverted they would differ.
	 */
	if (secluded_iconv(rest))
		refuse("%s", SECLUDED_ICONV_MSG);
	if (secluded_read(0, SECLUDED_TIMEOUT_MS, &args, &es) == -1)
		refuse("rsync -s: %s", es);
	if ((full = secluded_command(rest, at, &args, &es)) == NULL)
		refuse("%s", es);
	strvec_free(&args);
	log_escape(full, MAX_LOG_FIELD, cmd_for_log, sizeof(cmd_for_log));
	return full;
}

/*
 * 2. environment: SSH_ORIGINAL_COMMAND, the client's only input
 * (serve.c MUST 1), and with rsync -s what follows it on stdin.
 * Returns what follows "rsync --server"; the probe exits here.
 */
static const char *
read_command(struct serve_opts *o, struct confine *c)
{
	const char *cmd, *rest, *es = NULL;
	long at;
	int r;

	cmd = getenv("SSH_ORIGINAL_COMMAND");
	if (cmd != NULL)
		log_escape(cmd, MAX_LOG_FIELD, cmd_for_log,
		    sizeof(cmd_for_log));
	r = cmdline_classify(cmd, &rest, &es);
	if (r == CMD_TRUE)
		probe(o, c);
	if (r == CMD_RSYNC && (at = secluded_flag(rest)) != -1) {
		cmd = unseclude(rest, at);
		r = cmdline_classify(cmd, &rest, &es);
	}
	/* --exact only narrows: the pinned command is checked as usual. */
	if (o->exact != NULL && cmd != NULL && strcmp(cmd, o->exact) != 0)
		exact_mismatch(o->exact, cmd);
	if (r != CMD_RSYNC)
		refuse("%s", es);
	return rest;
}

/* 3. split: the words, with rsync's escaping, bounded (cmdline.c). */
static void
split(const char *rest, struct words *ws)
{
	const char *es = NULL;

	if (cmdline_split(rest, ws, &es) == -1)
		refuse("%s", es);
}

/* The roots' names, "a, b", for a refusal. */
static const char *
root_names(const struct serve_opts *o)
{
	static char b[MAX_ROOTS * (MAX_ROOT_NAME + 2) + 1];
	size_t n = 0;
	int i;

	for (i = 0; i < o->nroots; i++)
		n += (size_t)snprintf(b + n, sizeof(b) - n, "%s%s",
		    i ? ", " : "", o->roots[i].name);
	return b;
}

/* The root a path names: its first component, or refuse. */
static int
root_of(const struct serve_opts *o, const char *path)
{
	const char *s = path;
	size_t n;
	int i;

	while (*s == '/')
		s++;
	n = strcspn(s, "/");
	if (n == 0 || (n == 1 && s[0] == '.'))
		refuse("arg %s names no root: begin it with a root's name (%s)",
		    *path ? path : "\"\"", root_names(o));
	if (memchr(s, '*', n) || memchr(s, '?', n) || memchr(s, '[', n))
		refuse("arg %s: a root is named by its name, not a pattern",
		    path);
	for (i = 0; i < o->nroots; i++)
		if (strlen(o->roots[i].name) == n &&
		    memcmp(o->roots[i].name, s, n) == 0)
			return i;
	refuse("arg %s: no root %.*s (this key has %s)", path, (int)n, s,
	    root_names(o));
}

/*
 * 3b. --root: the first transfer argument names the root; classify and
 * confine then hold every other path of the command to it
 * (request_normalize: "one transfer names one root"), since rsync runs
 * in one directory with one --confine-root and one lock.  Its options
 * are read with the least restrictive policy only to find that
 * argument: every refusal that depends on the mode comes in classify,
 * under the root's own policy.
 */
static void
select_root(struct serve_opts *o, struct confine *c, const char *rest,
    const struct words *ws)
{
	struct policy any = o->pol;
	struct strvec ex = { NULL, 0, 0 };
	struct request req;
	const char *es = NULL;
	char *em = NULL, *a = NULL;
	size_t budget = MAX_EXPANSIONS;
	int flags, r;

	if (o->nroots == 0)
		return;
	any.ro = any.wo = any.no_del = any.no_overwrite = 0;
	any.dir = "/";
	any.dirlen = 1;
	any.subdir = 0;
	any.root = NULL;
	if (request_parse(&any, rest, ws, &req, &em) == -1)
		refuse("%s", em);
	if (req.nargs > 0) {
		if (braces_expand(req.args[0], &ex, &budget, &es) == -1)
			refuse("%s", es);
		if (ex.n > 0 && request_normalize(&any, "arg", ex.v[0], 1, &a,
		    &flags, &em) == -1)
			refuse("%s", em);
	}
	r = root_of(o, a != NULL ? a : "");
	free(a);
	strvec_free(&ex);
	request_free(&req);
	use_dir(o, c, realdir[r], &o->roots[r]);
}

/* 3c. the single-run lock on DIR (the root's), unless told not to. */
static void
lock_dir(const struct serve_opts *o)
{
	/* The probe touches nothing, so it takes no lock (rsguard check). */
	if (!o->pol.ro && !o->pol.no_lock && !o->dry_run)
		lockfd = take_lock(o->pol.dir);
}

/* 4. classify the words against the option table and the policy. */
static void
classify(const struct serve_opts *o, struct confine *c, const char *rest,
    const struct words *ws, struct request *req)
{
	char *em = NULL;

	if (request_parse(&o->pol, rest, ws, req, &em) == -1)
		refuse("%s", em);
	c->am_sender = req->am_sender;
	c->dry_run = o->dry_run;
	c->mkpath = (req->needs & REQ_MKPATH) != 0;
}

/*
 * 4b. a snapshot push (snapshot.c): under the store's lock, what killed
 * pushes left goes, and the push is staged in a new directory that
 * becomes DIR for every later stage; the newest snapshot is the link
 * base.  With --explain nothing is made: the plan is shown on the store.
 */
static void
stage_push(struct serve_opts *o, struct confine *c, const struct request *req)
{
	struct policy *p = &o->pol;
	const char *what = "open it";
	char rel[PATH_MAX], *a = NULL, *em = NULL;
	int flags, n;

	if (!p->snapshots)
		return;
	storedir = p->dir;
	if ((storefd = open(p->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) ==
	    -1 || snap_stage(storefd, o->dry_run, &stage, &what) == -1)
		refuse("snapshot store %s: cannot %s: %s", p->dir, what,
		    strerror(errno));
	staged = !o->dry_run;
	if (stage.cleaned > 0)
		log_msg(LOG_NOTICE, "snapshot store %s: removed the staging "
		    "of %d killed push%s", p->dir, stage.cleaned,
		    stage.cleaned > 1 ? "es" : "");
	if (stage.basisfd != -1) {
		/* rsync's --link-dest: the newest snapshot's dir for DEST */
		n = -1;
		if (req->nargs == 1 && strpbrk(req->args[0], "\\{}*?[") ==
		    NULL && request_normalize(p, "arg", req->args[0], 1, &a,
		    &flags, &em) == 0)
			n = snap_link_base(stage.basisfd, a, rel, sizeof(rel));
		else if (req->nargs == 0)
			n = snap_link_base(stage.basisfd, ".", rel,
			    sizeof(rel));
		free(a);
		free(em);
		snprintf(basisdir, sizeof(basisdir), "%s/%s", p->dir,
		    stage.newest);
		if (n >= 0 && (size_t)snprintf(linkdest, sizeof(linkdest),
		    "%s%s%s", basisdir, n > 0 ? "/" : "", rel) >=
		    sizeof(linkdest))
			linkdest[0] = '\0';	/* too long: no links, copies */
		o->sb.basisfd = stage.basisfd;
		o->sb.basis = basisdir;
	}
	if (o->dry_run)
		return;
	snprintf(stagedir, sizeof(stagedir), "%s/%s", p->dir, stage.staging);
	confine_free(c);
	use_dir(o, c, stagedir, NULL);
}

/* Told by snap_prune, one record a snapshot --keep removed. */
static void
pruned(const char *name, int err)
{
	if (err == 0)
		log_msg(LOG_INFO, "snapshot %s/%s removed (--keep)", storedir,
		    name);
	else
		log_msg(LOG_ERR, "snapshot %s/%s: --keep cannot remove it: "
		    "%s", storedir, name, strerror(err));
}

/*
 * 10. a snapshot push ends: rsync's 0 makes the staging the newest
 * snapshot (and --keep prunes); anything else removes it.  Returns the
 * exit status: 11 (rsync's "error in file I/O") if no snapshot could be
 * made of a good push.
 */
static int
finish_push(const struct serve_opts *o, int r)
{
	const char *what = NULL;
	char name[SNAP_NAME_MAX + 1];

	if (!staged)
		return r;
	if (r != 0) {
		if (snap_remove(storefd, stage.staging) == -1)
			log_msg(LOG_ERR, "snapshot store %s: push failed "
			    "(status %d); cannot remove its staging %s: %s",
			    storedir, r, stage.staging, strerror(errno));
		else
			log_msg(LOG_NOTICE, "snapshot store %s: push failed "
			    "(status %d): no snapshot made, staging removed",
			    storedir, r);
		return r;
	}
	if (snap_commit(storefd, stage.staging, time(NULL), name,
	    &what) == -1) {
		log_msg(LOG_ERR, "snapshot store %s: cannot %s: %s%s%s",
		    storedir, what, strerror(errno), name[0] ? "; made " : "",
		    name);
		fprintf(stderr, "%s: error: the push arrived but %s (cannot "
		    "%s)\n", prog, name[0] ? "latest still points at the one "
		    "before" : "is not a snapshot", what);
		if (!name[0])
			(void)snap_remove(storefd, stage.staging);
		return 11;
	}
	log_msg(LOG_INFO, "snapshot %s/%s made%s%s", storedir, name,
	    stage.newest[0] ? "; linked against " : "", stage.newest);
	if (snap_prune(storefd, &o->keep, pruned) == -1)
		log_msg(LOG_ERR, "snapshot store %s: --keep cannot list the "
		    "snapshots: %s", storedir, strerror(errno));
	return 0;
}

/* A transfer argument's wildcards, expanded beneath DIR only. */
static void
expand_glob(const struct policy *p, struct confine *c, const char *a,
    struct strvec *out, size_t *gbudget)
{
	struct strvec g = { NULL, 0, 0 };
	const char *rel, *es = NULL;
	size_t j;

	if (strpbrk(a, "*?[") == NULL) {
		strvec_push(out, xstrdup(a));
		return;
	}
	rel = dir_relative(p, a);
	if (confine_glob(c, rel, &g, gbudget, &es) == -1)
		refuse("%s", es);
	for (j = 0; j < g.n; j++) {
		if (strcmp(g.v[j], rel) == 0)
			strvec_push(out, xstrdup(a));
		else
			strvec_push(out, xasprintf("%s%s%s", a[0] == '/' ?
			    p->dir : "", a[0] == '/' ? "/" : "", g.v[j]));
	}
	strvec_free(&g);
}

/* One transfer argument after brace expansion: each of its matches. */
static void
confine_arg(const struct serve_opts *o, struct confine *c,
    const struct request *req, const char *word, struct plan *pl,
    size_t *gbudget)
{
	const struct policy *p = &o->pol;
	struct strvec g = { NULL, 0, 0 };
	enum role role;
	char *a, *em = NULL;
	size_t j;
	int flags;

	role = !req->am_sender ? ROLE_RECV_ARG : req->relative ?
	    ROLE_SENDER_ARG_REL : ROLE_SENDER_ARG;
	if (request_normalize(p, "arg", word, 1, &a, &flags, &em) == -1)
		refuse("%s", em);
	expand_glob(p, c, a, &g, gbudget);
	for (j = 0; j < g.n; j++) {
		if (p->subdir && strcmp(g.v[j], ".") != 0) {
			plan_arg(pl, confine_one(o, c, role, word, g.v[j]));
			free(g.v[j]);
		} else
			plan_arg(pl, confine_keep(c, arg_tail(p, g.v[j],
			    flags)));
	}
	free(g.v);
	free(a);
}

/*
 * 5. confine every path: option values, then the transfer arguments,
 * in the client's order; the decisions go to *pl.  Nothing is created
 * until every path has been accepted (confine.c MUST 5).
 */
static void
confine_request(const struct serve_opts *o, struct confine *c,
    const struct request *req, struct plan *pl)
{
	struct strvec expanded = { NULL, 0, 0 };
	size_t i, budget = MAX_EXPANSIONS, gbudget = MAX_GLOB;
	const struct item *it;
	const char *es = NULL;

	memset(pl, 0, sizeof(*pl));
	pl->val = xcalloc(req->nitems + 1, sizeof(*pl->val));
	for (i = 0; i < req->nitems; i++) {
		it = &req->items[i];
		pl->val[i] = it->opt != NULL && it->is_path ?
		    confine_one(o, c, it->role, it->orig, it->value) : -1;
	}
	for (i = 0; i < req->nargs; i++)
		if (braces_expand(req->args[i], &expanded, &budget, &es) == -1)
			refuse("%s", es);
	for (i = 0; i < expanded.n; i++)
		confine_arg(o, c, req, expanded.v[i], pl, &gbudget);
	if (confine_commit(c, &es) == -1)
		refuse("%s", es);
}

/* 6. rsync's argv: rsync, options, forced additions, --, ., args. */
static char **
build_argv(const struct serve_opts *o, const struct confine *c,
    const struct request *req, const struct plan *pl)
{
	const struct policy *p = &o->pol;
	struct strvec av = { NULL, 0, 0 };
	const struct item *it;
	const char *v;
	size_t i;

	strvec_push(&av, xstrdup(o->rsync));
	for (i = 0; i < req->nitems; i++) {
		it = &req->items[i];
		v = pl->val[i] >= 0 ? confine_spelling(c, pl->val[i]) :
		    it->value;
		if (it->opt == NULL)
			strvec_push(&av, xstrdup(it->text));
		else if (it->eq)
			strvec_push(&av, xasprintf("%s=%s", it->opt, v));
		else
			strvec_push(&av, xstrdup(v));
	}
	if (p->subdir && !req->am_sender)
		strvec_push(&av, xstrdup("--drop-D"));
	/* A snapshot push reads its link base in the store. */
	if (p->snapshots)
		strvec_push(&av, xasprintf("--confine-root=%s", storedir));
	else if (p->subdir)
		strvec_push(&av, xasprintf("--confine-root=%s", p->dir));
	if (linkdest[0] != '\0')
		strvec_push(&av, xasprintf("--link-dest=%s", linkdest));
	if (p->munge)
		strvec_push(&av, xstrdup("--munge-links"));
	if (p->no_overwrite)
		strvec_push(&av, xstrdup("--ignore-existing"));
	/* -wo: no block checksums of existing files to the client. */
	if (p->wo)
		strvec_push(&av, xstrdup("--whole-file"));
	strvec_push(&av, xstrdup("--"));
	strvec_push(&av, xstrdup("."));
	if (pl->narg == 0)
		strvec_push(&av, xstrdup("."));
	for (i = 0; i < pl->narg; i++)
		strvec_push(&av, xstrdup(confine_spelling(c, pl->arg[i])));
	return av.v;
}

/* --dry-run, --explain: the decision, the argv, the sandbox; exit 0. */
static void __attribute__((noreturn))
explain(const struct serve_opts *o, char **av)
{
	const struct policy *p = &o->pol;
	char e[MAX_LOG_FIELD * 4 + 8];

	if (p->root != NULL)
		printf("decision: accept\nroot: %s\n", p->root);
	else
		printf("decision: accept\n");
	printf("mode: %s%s%s%s%s\ndir: %s\nargv:",
	    p->ro ? "ro" : p->wo ? "wo" : "rw", p->no_del ? ",no-del" : "",
	    p->munge ? ",munge" : "", p->no_overwrite ? ",no-overwrite" : "",
	    p->no_lock ? ",no-lock" : "", p->dir);
	for (; *av != NULL; av++) {
		log_escape(*av, MAX_LOG_FIELD, e, sizeof(e));
		printf(" %s", e);
	}
	printf("\n");
	/* The run writes in its staging dir alone, not in DIR itself. */
	if (p->snapshots)
		printf("snapshot: a push is staged in %s/%s (DIR below stands "
		    "for it) and becomes %s/<UTC time> if rsync exits 0; link "
		    "base: %s\n", p->dir, stage.staging, p->dir,
		    stage.newest[0] ? stage.newest : "none (the first)");
	sandbox_describe(&o->sb, stdout);
	exit(0);
}

/* 7. log: no transfer without its record (log.c MUST 3). */
static void
log_start(const struct serve_opts *o)
{
	const struct policy *p = &o->pol;
	char sbword[32];

	if (log_msg(LOG_INFO, "start %s mode=%s dir=%s%s%s sandbox=%s "
	    "command: %s", asker, p->ro ? "ro" : p->wo ? "wo" : "rw", p->dir,
	    p->root != NULL ? " root=" : "", p->root != NULL ? p->root : "",
	    sandbox_summary(&o->sb, sbword, sizeof(sbword)), cmd_for_log) == -1)
		refuse("cannot write the log record (%s); the operator can "
		    "pass --log=FILE", strerror(errno));
}

/* 8. + 9. sandbox and exec in the child; wait, log the end, status. */
static int
run(struct serve_opts *o, struct confine *c, char **av)
{
	struct timespec t1;
	const char *es = NULL;
	int r, gone;

	r = execrsync_run(c, &o->sb, o->rsync, av, &gone, &es);
	if (r == -1)
		refuse("%s: %s", es, strerror(errno));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (log_msg(r == 0 ? LOG_INFO : LOG_NOTICE, "end %s status=%d "
	    "duration=%.3fs%s", asker, r, (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9, gone ? " killed: rsync "
	    "still ran 10s after the client had gone" : "") == -1)
		fprintf(stderr, "%s: error: the log record of the end of this "
		    "transfer was lost\n", prog);
	return r;
}

/*
 * The design's data flow, one stage a call; each refuses (and exits)
 * on its own.  NB. the sandbox is built as soon as the request is known
 * (serve.c MUST 7: before confine can create anything) and applied in
 * the child just before exec.
 */
int
serve_main(int argc, char **argv)
{
	struct serve_opts o;
	struct confine c;
	struct words ws;
	struct request req;
	struct plan pl;
	const char *rest;
	char **av;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	/* One name in every message: the one serve was invoked as. */
	prog = util_progname;
	util_fatal_hook = fatal_refuse;
	read_policy(argc, argv, &o, &c);
	rest = read_command(&o, &c);
	split(rest, &ws);
	select_root(&o, &c, rest, &ws);
	lock_dir(&o);
	classify(&o, &c, rest, &ws, &req);
	stage_push(&o, &c, &req);
	prepare_sandbox(&o, &c, &req);
	confine_request(&o, &c, &req, &pl);
	av = build_argv(&o, &c, &req, &pl);
	if (o.dry_run)
		explain(&o, av);
	log_start(&o);
	return finish_push(&o, run(&o, &c, av));
}

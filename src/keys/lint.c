/*
 * lint.c - "rsguard lint": authorized_keys files read as sshd reads them
 * (authkeys.c), with findings that name file:line and a stable code.
 *
 * MUST invariants (tests/integration/test_keys.sh, tests/data/authkeys):
 *  1. MUST give every finding a stable code from checks[] and a severity;
 *     codes are never renumbered.
 *  2. MUST exit 0 when clean, 1 with warnings only, 2 with any error,
 *     3 when it could not do its job (usage, unreadable file).
 *  3. MUST emit valid JSON with --json whatever bytes the files hold.
 *  4. MUST NOT run anything named in a file: programs are only stat'ed.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <err.h>
#include <grp.h>
#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "authkeys.h"
#include "commands.h"
#include "exposure.h"
#include "serveopts.h"
#include "sshdcfg.h"
#include "shword.h"
#include "util.h"

/* The PATH sshd gives a session on Debian (_PATH_STDPATH variant). */
#define SSHD_USER_PATH	"/usr/local/bin:/usr/bin:/bin:/usr/games"
#define MAX_LINT_KEYS	65536	/* keys remembered for duplicates */

enum sev { WARN, ERR };

/* lint.c MUST 1: append only. */
static const struct check {
	const char	*code;
	enum sev	 sev;
	const char	*what;
} checks[] = {
	{ "RSG001", ERR,  "line does not parse; sshd ignores it" },
	{ "RSG002", ERR,  "key broken: base64 fragment or blob that does "
	    "not decode (a stray newline?)" },
	{ "RSG003", ERR,  "key blob type differs from the declared type" },
	{ "RSG004", WARN, "trailing garbage after the key" },
	{ "RSG005", WARN, "no command=: the key may run anything" },
	{ "RSG006", WARN, "neither restrict nor every no-* option" },
	{ "RSG007", WARN, "no from=: the key works from any address" },
	{ "RSG008", ERR,  "command= program missing or not executable" },
	{ "RSG009", ERR,  "rrsync/rsguard serve DIR missing or not a "
	    "directory" },
	{ "RSG010", ERR,  "writable DIR holds ~/.ssh, a start-up file or "
	    "something the connection runs" },
	{ "RSG011", WARN, "duplicate key; sshd uses the first line" },
	{ "RSG012", WARN, "environment= option" },
	{ "RSG013", ERR,  "StrictModes: sshd would ignore this file" },
	{ "RSG014", WARN, "login shell is bash: it may run ~/.bashrc before "
	    "the forced command" },
	{ "RSG015", ERR,  "command= is not one simple command of literal "
	    "words: the login shell would do more (a second command, "
	    "redirection, substitution)" },
	{ "RSG016", WARN, "rsguard serve --sandbox=off: rsync runs without "
	    "the kernel sandbox" },
	{ "RSG017", ERR,  "rsguard serve/rrsync arguments serve refuses: "
	    "every connection fails" },
	{ "RSG018", ERR,  "from= is no restriction: it matches every "
	    "address (or none)" },
	{ "RSG019", WARN, "sshd's ExposeAuthInfo is not yes (or cannot be "
	    "read): serve's records cannot name the key" },
};
#define NCHECKS	(sizeof(checks) / sizeof(checks[0]))

static int	 json, first_json = 1, nerr, nwarn;
static char	 ignored[NCHECKS];
/* The account a file belongs to: its owner (see owner_of()). */
static uid_t	 acct_uid;
static gid_t	 acct_gid;
static char	 acct_name[256], acct_shell[PATH_MAX];
static char	 home[PATH_MAX];
static int	 debian_modes;	/* sshd allows owner-only group write */
static int	 serve_lines;	/* command= lines that run serve */

struct seen {
	unsigned char	*blob;
	size_t		 len;
	char		*where;
};
static struct seen *seen;
static size_t nseen;

static void
usage(int status)
{
	size_t i;

	fprintf(status ? stderr : stdout,
"usage: rsguard lint [--json] [--ignore CODE[,CODE...]] [--sshd-config FILE]\n"
"                    [FILE...]\n"
"\n"
"Check authorized_keys files the way sshd reads them (default: the\n"
"user's ~/.ssh/authorized_keys and ~/.ssh/authorized_keys2).\n"
"Exit status: 0 clean, 1 warnings only, 2 errors, 3 could not check.\n"
"\n"
"  --json            one JSON document for tools\n"
"  --ignore CODES    leave out these findings\n"
"  --sshd-config FILE  the sshd configuration RSG019 reads (default:\n"
"                    $RSGUARD_SSHD_CONFIG, else /etc/ssh/sshd_config)\n"
"  -h, --help        this text\n\ncodes:\n");
	for (i = 0; i < NCHECKS; i++)
		fprintf(status ? stderr : stdout, "  %s %-7s %s\n",
		    checks[i].code, checks[i].sev == ERR ? "error" :
		    "warning", checks[i].what);
	exit(status);
}

/* lint.c MUST 3: JSON string body; bytes >= 0x80 as \u00XX (always valid). */
static void
json_str(const char *s)
{
	putchar('"');
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

/* Text output: control bytes as \xHH so a line stays one line. */
static void
text_str(const char *s)
{
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c == 0x7f)
			printf("\\x%02x", c);
		else
			putchar(c);
	}
}

static void
report(const char *file, size_t line, int idx, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
report(const char *file, size_t line, int idx, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (ignored[idx])
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (checks[idx].sev == ERR)
		nerr++;
	else
		nwarn++;
	if (json) {
		printf("%s\n    {\"file\": ", first_json ? "" : ",");
		first_json = 0;
		json_str(file);
		printf(", \"line\": %zu, \"code\": \"%s\", \"severity\": "
		    "\"%s\", \"message\": ", line, checks[idx].code,
		    checks[idx].sev == ERR ? "error" : "warning");
		json_str(msg);
		putchar('}');
	} else {
		text_str(file);
		printf(":%zu: %s %s: ", line, checks[idx].sev == ERR ?
		    "error" : "warning", checks[idx].code);
		text_str(msg);
		putchar('\n');
	}
}
#define REPORT(f, l, code, ...)	report(f, l, (code) - 1, __VA_ARGS__)

static int
is_b64(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' &&
		    s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '+' || s[i] == '/' || s[i] == '='))
			return 0;
	return 1;
}

/* A line that is the tail of a key broken by a newline. */
static int
is_fragment(const char *s, size_t n)
{
	size_t t = 0;

	while (n > 0 && (*s == ' ' || *s == '\t'))
		s++, n--;
	while (t < n && s[t] != ' ' && s[t] != '\t')
		t++;
	return t >= 16 && is_b64(s, t);
}

/*
 * Debian's sshd (patch user-group-modes) also accepts a group-writable
 * file or directory when the group holds the account alone: no other
 * account has it as primary group, its member list is empty or the
 * owner alone, and it has at least that one member.
 */
static int
group_is_owner_only(const struct stat *st, uid_t uid)
{
	struct passwd *p;
	struct group *gr;
	char owner[256];
	size_t i;
	int members = 0, other = 0, found = 0;
	FILE *f;

	/*
	 * /etc/passwd and /etc/group are read directly (fgetpwent): the
	 * static binary has no NSS modules.  A group found nowhere there
	 * (LDAP, sss) is not judged owner-only: it is reported, fail closed.
	 */
	if ((f = fopen("/etc/passwd", "re")) == NULL)
		return 0;
	owner[0] = '\0';
	while ((p = fgetpwent(f)) != NULL) {
		if (p->pw_uid == st->st_uid && owner[0] == '\0')
			snprintf(owner, sizeof(owner), "%s", p->pw_name);
		if (p->pw_gid == st->st_gid) {
			members++;
			if (p->pw_uid != uid)
				other = 1;
		}
	}
	fclose(f);
	if (other || owner[0] == '\0' ||
	    (f = fopen("/etc/group", "re")) == NULL)
		return 0;
	while (!found && (gr = fgetgrent(f)) != NULL) {
		if (gr->gr_gid != st->st_gid)
			continue;
		found = 1;
		for (i = 0; gr->gr_mem != NULL && gr->gr_mem[i] != NULL; i++) {
			if (strcmp(gr->gr_mem[i], owner) != 0)
				other = 1;
			members++;
		}
	}
	fclose(f);
	return found && !other && members > 0;
}

/* The installed sshd carries Debian's patch (its version says so). */
static int
sshd_is_debian(void)
{
	static const char pat[] = " Debian-";
	const char *path = getenv("RSGUARD_LINT_SSHD");
	char buf[65536];
	size_t n, keep = 0, i;
	FILE *f;
	int found = 0;

	if (path == NULL || *path == '\0')
		path = "/usr/sbin/sshd";
	if ((f = fopen(path, "re")) == NULL)
		return 0;
	while (!found && (n = fread(buf + keep, 1, sizeof(buf) - keep, f))
	    > 0) {
		n += keep;
		for (i = 0; i + sizeof(pat) - 1 <= n && !found; i++)
			found = memcmp(buf + i, pat, sizeof(pat) - 1) == 0;
		/* a match may straddle two reads: keep the tail */
		keep = n < sizeof(pat) - 2 ? n : sizeof(pat) - 2;
		memmove(buf, buf + n - keep, keep);
	}
	fclose(f);
	return found;
}

/* sshd's safe_path(): file and every directory up to ~ or /. */
static void
strict_modes(const char *file)
{
	char rp[PATH_MAX], *s;
	struct stat st;
	uid_t uid = acct_uid;

	if (realpath(file, rp) == NULL)
		return;
	if (stat(rp, &st) == -1)
		return;
	if (!S_ISREG(st.st_mode)) {
		REPORT(file, 0, 13, "%s is not a regular file", rp);
		return;
	}
	for (;;) {
		if (st.st_uid != 0 && st.st_uid != uid) {
			REPORT(file, 0, 13, "%s is owned by uid %u, not by "
			    "root or %s", rp, (unsigned)st.st_uid,
			    acct_name);
			return;
		}
		if ((st.st_mode & 002) != 0 || ((st.st_mode & 020) != 0 &&
		    !(debian_modes && group_is_owner_only(&st, uid)))) {
			REPORT(file, 0, 13, "%s is group or world writable "
			    "(mode %04o)", rp, (unsigned)st.st_mode & 07777);
			return;
		}
		if (strcmp(rp, home) == 0 || strcmp(rp, "/") == 0)
			return;
		s = strrchr(rp, '/');
		if (s == rp)
			s[1] = '\0';
		else
			*s = '\0';
		if (stat(rp, &st) == -1)
			return;
	}
}

/* Judge for account uid: its name, group, login shell and home. */
static void
set_account(uid_t uid)
{
	struct passwd *p;

	if ((p = getpwuid(uid)) == NULL)
		errx(3, "no passwd entry for uid %u", (unsigned)uid);
	acct_uid = p->pw_uid;
	acct_gid = p->pw_gid;
	snprintf(acct_name, sizeof(acct_name), "%s", p->pw_name);
	/* sshd runs command= with /bin/sh when the shell field is empty */
	snprintf(acct_shell, sizeof(acct_shell), "%s",
	    p->pw_shell != NULL && *p->pw_shell != '\0' ? p->pw_shell :
	    "/bin/sh");
	if (realpath(p->pw_dir, home) == NULL)
		snprintf(home, sizeof(home), "%s", p->pw_dir);
}

/* Find an executable like the shell sshd starts would. */
static int
find_prog(const char *w, char *out, size_t outsz)
{
	char *path, *dir, *sp;
	struct stat st;
	int found = 0;

	if (strchr(w, '/') != NULL) {
		/* sshd starts the session in the home directory */
		if ((size_t)snprintf(out, outsz, w[0] == '/' ? "%s%s" :
		    "%s/%s", w[0] == '/' ? "" : home, w) >= outsz)
			return 0;
		return stat(out, &st) == 0 && S_ISREG(st.st_mode) &&
		    access(out, X_OK) == 0;
	}
	path = xstrdup(SSHD_USER_PATH);
	for (dir = strtok_r(path, ":", &sp); dir != NULL && !found;
	    dir = strtok_r(NULL, ":", &sp)) {
		if ((size_t)snprintf(out, outsz, "%s/%s", dir, w) >= outsz)
			continue;
		found = stat(out, &st) == 0 && S_ISREG(st.st_mode) &&
		    access(out, X_OK) == 0;
	}
	free(path);
	if (!found)
		snprintf(out, outsz, "%s", w);
	return found;
}

/* RSG010: serve's own check of a writable DIR (exposure.c). */
static void
check_exposure(const char *file, size_t ln, const char *word,
    const char *rsync, const char *rdir)
{
	struct exposure_ctx ctx;
	struct exposure_list l;
	const char *es = NULL;
	char cwd[PATH_MAX], *keys = NULL;
	size_t w = 0;
	int r;

	memset(&ctx, 0, sizeof(ctx));
	ctx.word = word;
	ctx.rsync = rsync != NULL ? rsync : RSYNC_PATH;
	ctx.shell = acct_shell;
	ctx.home = home;
	if (file[0] == '/')
		ctx.keys = file;
	else if (getcwd(cwd, sizeof(cwd)) != NULL)
		ctx.keys = keys = xasprintf("%s/%s", cwd, file);
	exposure_init(&l);
	if (exposure_collect(&l, &ctx, &es) == -1 || (r = exposure_find(&l,
	    rdir, EXPOSURE_RUN | EXPOSURE_HOME, &w, &es)) == -1)
		REPORT(file, ln, 10, "cannot check what writable DIR %.300s "
		    "holds: %s%s%.300s", rdir, es, w < l.n ? ": " : "",
		    w < l.n ? l.v[w].path : "");
	else if (r == 1)
		REPORT(file, ln, 10, "DIR %.300s is writable (no -ro) and "
		    "holds %.300s (%s): a client could replace it and take "
		    "the key over", rdir, l.v[w].path, l.v[w].what);
	exposure_free(&l);
	free(keys);
}

static void
check_command(const char *file, size_t ln, const char *cmd)
{
	struct strvec w = { NULL, 0, 0 };
	struct serve_opts o;
	char prog[PATH_MAX], rdir[PATH_MAX], *d;
	const char *e, *base, *dir, *rsync;
	struct stat st;
	size_t first = 0;
	int ro, i;

	/* sshd runs "$SHELL -c COMMAND": anything but literal words is more */
	if (shword_split(cmd, home, &w, &e) == -1) {
		REPORT(file, ln, 15, "command= is not a simple command (%s): "
		    "the login shell runs it, so a client may get more than "
		    "the forced command", e);
		goto out;
	}
	if (w.n == 0) {
		REPORT(file, ln, 8, "command= is empty");
		goto out;
	}
	if (!find_prog(w.v[0], prog, sizeof(prog))) {
		REPORT(file, ln, 8, "command= program %.300s is missing or "
		    "not executable", prog);
		goto out;
	}
	base = strrchr(w.v[0], '/');
	base = base ? base + 1 : w.v[0];
	if (strcmp(base, "rrsync") == 0)
		first = 1;
	else if (strcmp(base, "rsguard") == 0 && w.n > 1 &&
	    strcmp(w.v[1], "serve") == 0)
		first = 2;
	else if (strcmp(base, "rsguard") == 0) {
		REPORT(file, ln, 17, "rsguard without the serve subcommand: "
		    "sshd would run \"rsguard %.100s\", not the forced "
		    "command", w.n > 1 ? w.v[1] : "");
		goto out;
	} else
		goto out;
	/* judge the argv exactly as serve will (argv[0] is the program) */
	if (serve_opts_parse((int)(w.n - first + 1), w.v + first - 1,
	    "rsguard", &o, &e) == -1) {
		if (o.dirarg == NULL && strstr(e, "required: DIR") != NULL)
			REPORT(file, ln, 9, "%s has no DIR", base);
		else
			REPORT(file, ln, 17, "serve refuses this command= "
			    "at every connection: %s", e);
		goto out;
	}
	if (o.help || o.version) {
		REPORT(file, ln, 17, "%s prints its %s and exits: no transfer "
		    "works", base, o.help ? "help" : "version");
		goto out;
	}
	serve_lines++;
	if (o.sb.mode == SANDBOX_OFF)
		REPORT(file, ln, 16, "rsguard serve --sandbox=off: a "
		    "hijacked rsync could reach all this user can");
	rsync = o.rsync;
	/* the one DIR, or every --root's (each with its own mode) */
	for (i = 0; i < (o.nroots > 0 ? o.nroots : 1); i++) {
		ro = o.nroots > 0 ? o.roots[i].ro : o.pol.ro;
		if (o.nroots > 0)	/* absolute (serveopts.c) */
			d = xstrndup(o.roots[i].dir, o.roots[i].dirlen);
		else if ((dir = o.dirarg)[0] == '/')
			d = xstrdup(dir);
		else
			d = xasprintf("%s/%s", home, dir);
		if (stat(d, &st) == -1 || !S_ISDIR(st.st_mode) ||
		    realpath(d, rdir) == NULL) {
			REPORT(file, ln, 9, "DIR %.300s %s", d,
			    stat(d, &st) == -1 ? "does not exist" :
			    "is not a directory");
			free(d);
			continue;
		}
		free(d);
		if (!ro)
			check_exposure(file, ln, w.v[0], rsync, rdir);
	}
 out:
	strvec_free(&w);
}

/*
 * Is one pattern of a from= list all addresses?  "*"-only wildcards
 * ("*", "*.*", "?*", "*:*": every IPv4 address has dots, every IPv6
 * address colons) and any CIDR of prefix length 0 ("0.0.0.0/0",
 * "::/0").  A list holding such a pattern matches everything but what
 * its negations ("!10.0.0.1") take out: no restriction either.
 */
static int
pat_universal(const char *p, size_t n)
{
	size_t i, star = 0;
	const char *sl;

	for (i = 0; i < n; i++) {
		if (p[i] == '*')
			star++;
		else if (strchr("?.:", p[i]) == NULL)
			break;
	}
	if (i == n && star > 0)
		return 1;
	if ((sl = memchr(p, '/', n)) == NULL || ++sl == p + n)
		return 0;
	while (sl < p + n && *sl == '0')
		sl++;
	return sl == p + n;
}

/* RSG018: from= that restricts nothing, or that nothing can meet. */
static void
check_from(const char *file, size_t ln, const char *v)
{
	const char *p = v;
	size_t n;
	int pos = 0;

	for (;;) {
		n = strcspn(p, ",");
		if (n > 0 && *p != '!') {
			pos++;
			if (pat_universal(p, n)) {
				REPORT(file, ln, 18, "from= pattern \"%.*s\" "
				    "matches every address: the key works from "
				    "anywhere", (int)(n > 100 ? 100 : n), p);
				return;
			}
		}
		if (p[n] == '\0')
			break;
		p += n + 1;
	}
	if (pos == 0)
		REPORT(file, ln, 18, "from= has no positive pattern: sshd "
		    "matches no address and never accepts this key");
}

/* A second key on the line, or control characters: garbage. */
static void
check_comment(const char *file, size_t ln, const char *c)
{
	const char *p = c, *t;
	size_t n;

	for (t = c; *t != '\0'; t++)
		if ((unsigned char)*t < 0x20 || *t == 0x7f) {
			REPORT(file, ln, 4, "control character (\\x%02x) "
			    "after the key%s", (unsigned char)*t,
			    *t == '\r' ? " (DOS line ends?)" : "");
			return;
		}
	while (*p != '\0') {
		n = strcspn(p, " \t");
		if (authkeys_keytype(p, n, NULL)) {
			t = p + n + strspn(p + n, " \t");
			if (strcspn(t, " \t") >= 16 &&
			    is_b64(t, strcspn(t, " \t"))) {
				REPORT(file, ln, 4, "a second key follows the "
				    "first on this line (a lost newline?)");
				return;
			}
		}
		p += n;
		p += strspn(p, " \t");
	}
}

static void
check_line(const char *file, size_t ln, const struct ak_line *l,
    int *shell_told)
{
	static const enum ak_opt no[] = { AKO_NO_AGENT_FWD, AKO_NO_PORT_FWD,
	    AKO_NO_PTY, AKO_NO_USER_RC, AKO_NO_X11_FWD };
	static const enum ak_opt yes[] = { AKO_AGENT_FWD, AKO_PORT_FWD,
	    AKO_PTY, AKO_USER_RC, AKO_X11_FWD };
	const struct ak_option *cmd = authkeys_opt_get(l, AKO_COMMAND);
	size_t i;
	int allno = 1;
	char *where;

	check_comment(file, ln, l->comment);
	if (cmd == NULL)
		REPORT(file, ln, 5, "no command=: this key may run any "
		    "command and open a shell");
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		if (authkeys_opt_get(l, no[i]) == NULL)
			allno = 0;
	if (authkeys_opt_get(l, AKO_RESTRICT) == NULL && !allno)
		REPORT(file, ln, 6, "neither restrict nor all of "
		    "no-agent-forwarding, no-port-forwarding, no-pty, "
		    "no-user-rc, no-X11-forwarding");
	else
		for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
			if (authkeys_opt_get(l, yes[i]) != NULL) {
				REPORT(file, ln, 6, "%s re-enables what "
				    "restrict turned off",
				    authkeys_opttab[yes[i]].name);
				break;
			}
	if (authkeys_opt_get(l, AKO_FROM) == NULL)
		REPORT(file, ln, 7, "no from=: the key works from any "
		    "address");
	else
		check_from(file, ln, authkeys_opt_get(l, AKO_FROM)->value);
	if (authkeys_opt_get(l, AKO_ENVIRONMENT) != NULL)
		REPORT(file, ln, 12, "environment= sets variables for the "
		    "session (with PermitUserEnvironment)");
	if (cmd != NULL) {
		check_command(file, ln, cmd->value);
		if (!*shell_told && strcmp(strrchr(acct_shell, '/') ?
		    strrchr(acct_shell, '/') + 1 : acct_shell, "bash") == 0) {
			*shell_told = 1;
			REPORT(file, ln, 14, "login shell %s runs the forced "
			    "command and may read ~/.bashrc first (sshd "
			    "sets SSH_CLIENT); prefer /bin/sh", acct_shell);
		}
	}
	for (i = 0; i < nseen; i++)
		if (seen[i].len == l->bloblen &&
		    memcmp(seen[i].blob, l->blob, l->bloblen) == 0) {
			REPORT(file, ln, 11, "same key as %s; sshd only uses "
			    "the first", seen[i].where);
			return;
		}
	if (nseen >= MAX_LINT_KEYS)
		return;
	where = xasprintf("%s:%zu", file, ln);
	seen = xreallocarray(seen, nseen + 1, sizeof(*seen));
	seen[nseen].blob = xmalloc(l->bloblen);
	memcpy(seen[nseen].blob, l->blob, l->bloblen);
	seen[nseen].len = l->bloblen;
	seen[nseen++].where = where;
}

/*
 * RSG019: serve's start and refusal records name the key (key=) only
 * when sshd exposes it (ExposeAuthInfo yes sets SSH_USER_AUTH).  Said
 * once per run, and only when some command= runs serve.  What cannot be
 * read is reported too: never "on" without having read it (sshdcfg.c).
 */
static void
check_expose(const char *cfg)
{
	struct sshdcfg_flag r;

	sshdcfg_flag(cfg, "ExposeAuthInfo", &r);
	if (r.unread)
		REPORT(cfg, 0, 19, "cannot tell whether sshd sets "
		    "ExposeAuthInfo: %s", r.bad);
	else if (r.global == 1)
		return;
	else if (r.global == 0)
		REPORT(r.where, 0, 19, "ExposeAuthInfo no: serve's records "
		    "say key=- and cannot tell which key asked (set "
		    "ExposeAuthInfo yes)");
	else if (r.in_match)
		REPORT(cfg, 0, 19, "ExposeAuthInfo yes only inside a Match "
		    "block: records name the key only for connections it "
		    "matches");
	else
		REPORT(cfg, 0, 19, "ExposeAuthInfo is not set (sshd's "
		    "default is no): serve's records say key=- and cannot "
		    "tell which key asked (add ExposeAuthInfo yes)");
}

static void
lint_file(const char *file, FILE *f)
{
	struct ak_line l;
	const char *e;
	char *buf = NULL;
	size_t cap = 0, ln = 0;
	ssize_t n;
	int shell_told = 0;

	strict_modes(file);
	while ((n = getline(&buf, &cap, f)) != -1) {
		ln++;
		if (n > 0 && buf[n - 1] == '\n')
			buf[--n] = '\0';
		if (authkeys_parse_line(buf, (size_t)n, &l, &e) == 0) {
			if (!l.blank)
				check_line(file, ln, &l, &shell_told);
			authkeys_free(&l);
			continue;
		}
		switch (l.err) {
		case AKE_BASE64:
		case AKE_BLOB:
			REPORT(file, ln, 2, "%s", e);
			break;
		case AKE_MISMATCH:
			REPORT(file, ln, 3, "%s", e);
			break;
		case AKE_OPTIONS:
			if (is_fragment(buf, (size_t)n)) {
				REPORT(file, ln, 2, "line is a base64 "
				    "fragment: the rest of a key broken by "
				    "a newline");
				break;
			}
			/* FALLTHROUGH */
		default:
			REPORT(file, ln, 1, "%s", e);
			break;
		}
	}
	free(buf);
}

int
lint_main(int argc, char **argv)
{
	char *defaults[2] = { NULL, NULL };
	char **files;
	const char *cfg = getenv("RSGUARD_SSHD_CONFIG");
	size_t nfiles, i, j;
	int k, ndone = 0;
	struct stat st;
	FILE *f;

	for (k = 1; k < argc; k++) {
		if (strcmp(argv[k], "--json") == 0)
			json = 1;
		else if (strcmp(argv[k], "-h") == 0 ||
		    strcmp(argv[k], "--help") == 0)
			usage(0);
		else if (strcmp(argv[k], "--ignore") == 0 && k + 1 < argc) {
			char *s = xstrdup(argv[++k]), *t, *sp;

			for (t = strtok_r(s, ",", &sp); t != NULL;
			    t = strtok_r(NULL, ",", &sp)) {
				for (j = 0; j < NCHECKS; j++)
					if (strcmp(t, checks[j].code) == 0)
						break;
				if (j == NCHECKS)
					errx(3, "--ignore: unknown code %s", t);
				ignored[j] = 1;
			}
			free(s);
		} else if (strcmp(argv[k], "--sshd-config") == 0 &&
		    k + 1 < argc)
			cfg = argv[++k];
		else if (strncmp(argv[k], "--sshd-config=", 14) == 0)
			cfg = argv[k] + 14;
		else if (strcmp(argv[k], "--") == 0) {
			k++;
			break;
		} else if (argv[k][0] == '-' && argv[k][1] != '\0') {
			warnx("unknown option %s", argv[k]);
			usage(3);
		} else
			break;
	}
	debian_modes = sshd_is_debian();
	set_account(getuid());
	if (k < argc) {
		files = argv + k;
		nfiles = (size_t)(argc - k);
	} else {
		defaults[0] = xasprintf("%s/.ssh/authorized_keys", home);
		defaults[1] = xasprintf("%s/.ssh/authorized_keys2", home);
		files = defaults;
		nfiles = 2;
	}
	if (json)
		printf("{\"findings\": [");
	for (i = 0; i < nfiles; i++) {
		if ((f = fopen(files[i], "r")) == NULL) {
			if (errno == ENOENT && files == defaults)
				continue;
			err(3, "%s", files[i]);
		}
		/* the account is the file's owner, root's files are ours */
		if (files != defaults && fstat(fileno(f), &st) == 0 &&
		    st.st_uid != 0)
			set_account(st.st_uid);
		else
			set_account(getuid());
		lint_file(files[i], f);
		fclose(f);
		ndone++;
	}
	if (serve_lines > 0)
		check_expose(cfg != NULL && *cfg != '\0' ? cfg :
		    "/etc/ssh/sshd_config");
	if (json)
		printf("%s], \"files\": %d, \"errors\": %d, \"warnings\": "
		    "%d}\n", first_json ? "" : "\n", ndone, nerr, nwarn);
	else if (ndone == 0)
		fprintf(stderr, "rsguard: no authorized_keys file found\n");
	else if (nerr + nwarn > 0)
		fprintf(stderr, "rsguard: %d error(s), %d warning(s)\n",
		    nerr, nwarn);
	for (i = 0; i < nseen; i++) {
		free(seen[i].blob);
		free(seen[i].where);
	}
	free(seen);
	free(defaults[0]);
	free(defaults[1]);
	/* lint.c MUST 2 */
	return nerr ? 2 : nwarn ? 1 : 0;
}

/*
 * serveopts.c - serve's own command line, parsed without side effects so
 * that "rsguard lint" judges a command= exactly as serve will.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmdline.h"
#include "serveopts.h"

static char msg[512];

static int __attribute__((format(printf, 2, 3)))
bad(const char **errstr, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	*errstr = msg;
	return -1;
}

/*
 * --root NAME=DIR:MODE: NAME is what the client's paths begin with
 * (letters, digits, ".", "_", "-"; not "." or ".."), DIR an absolute
 * path (it may hold ':'; the mode is after the last one), MODE ro, wo
 * or rw, or wo:snapshots (the root is a snapshot store).
 */
static int
parse_root(struct serve_opts *o, const char *spec, const char **errstr)
{
	struct serve_root *r;
	const char *eq, *colon, *mode;
	size_t nl, dl;
	int i;

	if (o->nroots == MAX_ROOTS)
		return bad(errstr, "--root may be given at most %d times",
		    MAX_ROOTS);
	r = &o->roots[o->nroots];
	if ((eq = strchr(spec, '=')) == NULL ||
	    (colon = strrchr(eq, ':')) == NULL)
		return bad(errstr, "--root takes NAME=DIR:MODE (MODE ro, wo "
		    "or rw): %.200s", spec);
	nl = (size_t)(eq - spec);
	if (nl == 0 || nl > MAX_ROOT_NAME || strspn(spec, "abcdefghijklmnop"
	    "qrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") < nl ||
	    (nl == 1 && spec[0] == '.') || (nl == 2 && spec[0] == '.' &&
	    spec[1] == '.'))
		return bad(errstr, "--root NAME must be 1 to %d letters, "
		    "digits, '.', '_' or '-' (not \".\" or \"..\"): %.200s",
		    MAX_ROOT_NAME, spec);
	mode = colon + 1;
	if (strcmp(mode, "snapshots") == 0) {
		while (--colon > eq && *colon != ':')
			;
		if (colon == eq || strncmp(colon + 1, "wo:", 3) != 0)
			return bad(errstr, "--root: snapshots go with MODE wo "
			    "only (NAME=DIR:wo:snapshots): %.200s", spec);
		r->snapshots = 1;
		mode = "wo";
	}
	if (strcmp(mode, "ro") == 0)
		r->ro = 1;
	else if (strcmp(mode, "wo") == 0)
		r->wo = 1;
	else if (strcmp(mode, "rw") != 0)
		return bad(errstr, "--root MODE must be ro, wo or rw: %.200s",
		    spec);
	dl = (size_t)(colon - (eq + 1));
	if (dl == 0 || eq[1] != '/' || dl >= PATH_MAX)
		return bad(errstr, "--root DIR must be an absolute path: "
		    "%.200s", spec);
	memcpy(r->name, spec, nl);
	r->name[nl] = '\0';
	r->dir = eq + 1;
	r->dirlen = dl;
	for (i = 0; i < o->nroots; i++)
		if (strcmp(o->roots[i].name, r->name) == 0)
			return bad(errstr, "--root %s is given twice", r->name);
	o->nroots++;
	return 0;
}

int
serve_opts_parse(int argc, char **argv, const char *prog,
    struct serve_opts *o, const char **errstr)
{
	int i, snaps;
	const char *a;

	memset(o, 0, sizeof(*o));
	sandbox_init(&o->sb);
	o->rsync = RSYNC_PATH;
	o->logt = LOG_TO_SYSLOG;
	for (i = 1; i < argc; i++) {
		a = argv[i];
		if (strcmp(a, "-ro") == 0)
			o->pol.ro = 1;
		else if (strcmp(a, "-wo") == 0)
			o->pol.wo = 1;
		else if (strcmp(a, "-munge") == 0)
			o->pol.munge = 1;
		else if (strcmp(a, "-absolute") == 0)
			o->pol.absolute = 1;
		else if (strcmp(a, "-no-del") == 0)
			o->pol.no_del = 1;
		else if (strcmp(a, "-no-lock") == 0)
			o->pol.no_lock = 1;
		else if (strcmp(a, "-no-overwrite") == 0)
			o->pol.no_overwrite = 1;
		else if (strcmp(a, "-snapshots") == 0)
			o->pol.snapshots = 1;
		else if (strncmp(a, "--keep=", 7) == 0) {
			if (o->keep.set)
				return bad(errstr, "--keep may be given only "
				    "once");
			if (keep_parse(a + 7, &o->keep, errstr) == -1)
				return -1;
		}
		else if (strcmp(a, "-h") == 0 || strcmp(a, "-help") == 0 ||
		    strcmp(a, "--help") == 0) {
			o->help = 1;
			return 0;
		} else if (strcmp(a, "--version") == 0) {
			o->version = 1;
			return 0;
		} else if (strncmp(a, "--rsync=", 8) == 0) {
			o->rsync = a + 8;
			if (o->rsync[0] != '/')
				return bad(errstr, "--rsync needs an absolute "
				    "path");
		} else if (strncmp(a, "--log=", 6) == 0) {
			if (strcmp(a + 6, "syslog") == 0)
				o->logt = LOG_TO_SYSLOG;
			else if (strcmp(a + 6, "none") == 0)
				o->logt = LOG_TO_NONE;
			else if (a[6] == '/') {
				o->logt = LOG_TO_FILE;
				o->logpath = a + 6;
			} else
				return bad(errstr, "--log takes syslog, none "
				    "or an absolute file path");
		} else if (strcmp(a, "--allow-home") == 0)
			o->allow_home = 1;
		else if (strcmp(a, "--dry-run") == 0 ||
		    strcmp(a, "--explain") == 0)
			o->dry_run = 1;
		else if (strncmp(a, "--sandbox=", 10) == 0) {
			if (sandbox_mode_parse(a + 10, &o->sb.mode) == -1)
				return bad(errstr, "--sandbox takes auto, "
				    "require or off");
		} else if (strncmp(a, "--landlock-abi=", 15) == 0) {
			char *end;
			long v;

			errno = 0;
			v = strtol(a + 15, &end, 10);
			if (a[15] < '0' || a[15] > '9' || *end != '\0' ||
			    errno != 0 || v > 1000)
				return bad(errstr, "--landlock-abi takes a "
				    "number");
			o->sb.abi_cap = (int)v;
		} else if (strncmp(a, "--sandbox-read=", 15) == 0) {
			if (a[15] != '/')
				return bad(errstr, "--sandbox-read needs an "
				    "absolute path");
			if (o->sb.nextra == SANDBOX_MAX_EXTRA)
				return bad(errstr, "--sandbox-read may be "
				    "given at most %d times",
				    SANDBOX_MAX_EXTRA);
			o->sb.extra[o->sb.nextra++] = a + 15;
		} else if (strncmp(a, "--exact=", 8) == 0) {
			const char *rest, *es;

			if (o->exact != NULL)
				return bad(errstr, "--exact may be given only "
				    "once");
			o->exact = a + 8;
			if (cmdline_classify(o->exact, &rest, &es) != CMD_RSYNC)
				return bad(errstr, "--exact needs an rsync "
				    "server command (see \"rsguard showcmd\"): "
				    "%s", *o->exact ? es : "empty");
		} else if (strncmp(a, "--root=", 7) == 0 ||
		    strcmp(a, "--root") == 0) {
			if (a[6] == '\0' && ++i == argc)
				return bad(errstr, "--root needs "
				    "NAME=DIR:MODE");
			if (parse_root(o, a[6] == '\0' ? argv[i] : a + 7,
			    errstr) == -1)
				return -1;
		} else if (strcmp(a, "--") == 0 && i + 2 == argc) {
			o->dirarg = argv[++i];
		} else if (a[0] == '-')
			return bad(errstr, "unknown option %.200s (see \"%s "
			    "-h\")", a, prog);
		else if (o->dirarg != NULL)
			return bad(errstr, "only one DIR may be given");
		else
			o->dirarg = a;
	}
	if (o->pol.ro && o->pol.wo)
		return bad(errstr, "argument -wo: not allowed with argument "
		    "-ro");
	if (o->nroots > 0 && o->dirarg != NULL)
		return bad(errstr, "give either DIR or --root, not both");
	if (o->nroots > 0 && (o->pol.ro || o->pol.wo))
		return bad(errstr, "-ro and -wo do not go with --root: each "
		    "root has its own MODE (NAME=DIR:ro)");
	if (o->nroots > 0 && o->pol.absolute)
		return bad(errstr, "-absolute does not go with --root: paths "
		    "begin with a root's NAME");
	if (o->dirarg == NULL && o->nroots == 0)
		return bad(errstr, "the following arguments are required: "
		    "DIR");
	if (o->pol.snapshots && !o->pol.wo)
		return bad(errstr, "-snapshots needs -wo: a snapshot store "
		    "takes pushes only (restore with a -ro key on DIR)");
	if (o->pol.snapshots && o->nroots > 0)
		return bad(errstr, "-snapshots does not go with --root: "
		    "give the root MODE wo:snapshots");
	snaps = o->pol.snapshots;
	for (i = 0; i < o->nroots; i++)
		snaps |= o->roots[i].snapshots;
	if (snaps && o->pol.no_lock)
		return bad(errstr, "snapshots do not go with -no-lock: the "
		    "lock is what keeps two pushes from one staging");
	if (snaps && o->pol.absolute)
		return bad(errstr, "snapshots do not go with -absolute: a "
		    "push names paths in its new snapshot");
	if (o->keep.set && !snaps)
		return bad(errstr, "--keep needs a snapshot store (-snapshots "
		    "or a root with MODE wo:snapshots)");
	if (o->pol.ro)
		o->pol.no_del = 1;
	for (i = 0; i < o->nroots; i++)
		o->roots[i].no_del = o->roots[i].ro || o->pol.no_del;
	return 0;
}

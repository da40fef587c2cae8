/* test_request.c - rrsync 3.5.0's option rules, table-driven. */
#define TEST_MODULE "request"
#include <stdlib.h>
#include <string.h>

#include "cmdline.h"
#include "request.h"
#include "test.h"
#include "util.h"

enum { P_SUB, P_ROOT, P_RO, P_WO, P_NODEL, P_NOOVER, P_ABS, P_ROOT_NOOVER };

static struct policy pol[8];

static void
init_policies(void)
{
	int i;

	for (i = 0; i < 8; i++) {
		memset(&pol[i], 0, sizeof(pol[i]));
		pol[i].dir = "/srv/x";
		pol[i].dirlen = strlen("/srv/x");
		pol[i].subdir = 1;
	}
	pol[P_ROOT].dir = pol[P_ROOT_NOOVER].dir = "/";
	pol[P_ROOT].dirlen = pol[P_ROOT_NOOVER].dirlen = 1;
	pol[P_ROOT].subdir = pol[P_ROOT_NOOVER].subdir = 0;
	pol[P_ROOT_NOOVER].no_overwrite = 1;
	pol[P_RO].ro = 1;
	pol[P_RO].no_del = 1;	/* -ro implies -no-del (serve.c, rrsync) */
	pol[P_WO].wo = 1;
	pol[P_NODEL].no_del = 1;
	pol[P_NOOVER].no_overwrite = 1;
	pol[P_ABS].absolute = 1;
}

#define DIS(o) "option " o " has been disabled on this server."
#define GENERIC "invalid rsync-command syntax or options"
#define DOTDOT(o) "do not use .. in " o \
	" (anchor the path at the root of your restricted dir)"

static const struct {
	int pol;
	const char *rest;	/* what follows "rsync --server " */
	const char *err;	/* NULL: accepted */
} cases[] = {
	/* typical client commands */
	{ P_SUB, "--sender -vlogDtpre.iLsfxCIvu . dir/", NULL },
	{ P_SUB, "-vlogDtpre.iLsfxCIvu --delete . dest/", NULL },
	{ P_SUB, "-vlogDtpre.iLsfxCIvu --delete-after --partial . d", NULL },
	{ P_SUB, "-e.iLsfxCIvu . x", NULL },
	{ P_SUB, "-ve.iLsfxCIvu . x", NULL },
	{ P_SUB, "-e31.iLsfxC_Ivu . x", NULL },
	{ P_SUB, "-B1024 . x", NULL },
	{ P_SUB, "-@3600 . x", NULL },
	{ P_SUB, "--bwlimit=100 . x", NULL },
	{ P_SUB, "--bwlimit 100 . x", NULL },
	{ P_SUB, "--partial-dir .p . x", NULL },
	{ P_SUB, "--partial-dir=.p . x", NULL },
	{ P_SUB, "--sender --files-from=- --from0 . x", NULL },
	{ P_SUB, "--sender --files-from=list . x", NULL },
	{ P_SUB, "-logDtprze.iLsfxCIvu --compress-level=9 . x", NULL },
	{ P_SUB, "-vr .", NULL },
	{ P_SUB, ". -v --debug=ALL", NULL },	/* after ".": args */
	{ P_SUB, "--delete=x . y", NULL },	/* rrsync passes it on */
	{ P_ROOT, "-vLr . x", NULL },
	{ P_ROOT, "-vKkr . x", NULL },
	{ P_ROOT, "--copy-unsafe-links . x", NULL },
	{ P_RO, "--sender -v . x", NULL },
	{ P_WO, "-v . x", NULL },
	{ P_WO, "-v --files-from=- . x", NULL },
	{ P_WO, "-v --files-from - . x", NULL },
	{ P_NODEL, "-v . x", NULL },
	{ P_NOOVER, "-v --suffix=~ . x", NULL },
	/* refused with rrsync's words */
	{ P_SUB, "--debug=ALL . x", DIS("--debug") },
	{ P_SUB, "--debug ALL . x", DIS("--debug") },
	{ P_SUB, "--write-devices . x", DIS("--write-devices") },
	{ P_SUB, "--copy-devices . x", DIS("--copy-devices") },
	{ P_SUB, "--no-munge-links . x", DIS("--no-munge-links") },
	{ P_SUB, "--daemon . x", DIS("--daemon") },
	{ P_SUB, "-s . x", DIS("-s") },
	{ P_SUB, "-vlogDtprs . x", DIS("-s") },
	{ P_SUB, "-vse.iLsfx . x", DIS("-s") },
	{ P_ROOT, "-vs . x", DIS("-s") },
	{ P_SUB, "-vLr . x", DIS("-L") },
	{ P_SUB, "-vKr . x", DIS("-K") },
	{ P_SUB, "-k . x", DIS("-k") },
	{ P_SUB, "--copy-unsafe-links . x", DIS("--copy-unsafe-links") },
	{ P_RO, "-vlogDtpr . x", "sending to read-only server is not allowed" },
	{ P_RO, "-v --sender . x", "sending to read-only server is not allowed" },
	{ P_RO, "--sender --log-file=l . x", DIS("--log-file") },
	{ P_RO, "--sender --delete-after . x", DIS("--delete-after") },
	{ P_RO, "--sender --remove-source-files . x",
	  DIS("--remove-source-files") },
	{ P_WO, "--sender -v . x",
	  "reading from write-only server is not allowed" },
	{ P_NODEL, "--delete . x", DIS("--delete") },
	{ P_NODEL, "-v --delete-after . x", DIS("--delete-after") },
	{ P_NODEL, "--remove-source-files . x", DIS("--remove-source-files") },
	{ P_NODEL, "--remove-sent-files . x", DIS("--remove-sent-files") },
	{ P_NOOVER, "-vb . x", DIS("-b") },
	{ P_NOOVER, "-vlogDtpbre.iLsfxCIvu . x", DIS("-b") },
	{ P_ROOT_NOOVER, "-vb . x", DIS("-b") },
	{ P_NOOVER, "--backup-dir=b . x", DIS("--backup-dir") },
	{ P_NOOVER, "--backup-dir b . x", DIS("--backup-dir") },
	{ P_NOOVER, "--partial-dir=p . x", DIS("--partial-dir") },
	{ P_NOOVER, "--delay-updates . x", DIS("--delay-updates") },
	{ P_NOOVER, "--log-file=l . x", DIS("--log-file") },
	/* deliberately stricter than rrsync (request.c effective_type) */
	{ P_WO, "-vc . x", DIS("-c") },
	{ P_WO, "-vlogDtpcre.iLsfxCIvu . x", DIS("-c") },
	{ P_WO, "--append . x", DIS("--append") },
	{ P_NODEL, "--force . x", DIS("--force") },
	{ P_NODEL, "-vb . x", DIS("-b") },
	{ P_NODEL, "--backup-dir=b . x", DIS("--backup-dir") },
	{ P_NODEL, "--partial-dir=.p . x", DIS("--partial-dir") },
	{ P_NODEL, "--partial-dir .p . x", DIS("--partial-dir") },
	{ P_NODEL, "--delay-updates . x", DIS("--delay-updates") },
	{ P_NODEL, "--sender --partial-dir=.p --delay-updates . x", NULL },
	{ P_NODEL, "--sender --force -vb . x", NULL },	/* a pull */
	{ P_SUB, "-vc --append --force -b . x", NULL },
	{ P_SUB, "-v --sender . x", DIS("--sender") },
	{ P_SUB, "--sender --sender . x", NULL },
	{ P_SUB, "--sender. x", GENERIC },
	{ P_SUB, "--foo . x", GENERIC },
	{ P_SUB, "--relative . x", GENERIC },
	{ P_SUB, "--Delete . x", GENERIC },
	{ P_SUB, "-v x", GENERIC },
	{ P_SUB, "-v", GENERIC },
	{ P_SUB, "", GENERIC },
	{ P_SUB, "--partial-dir", GENERIC },
	{ P_SUB, "--partial-dir .", GENERIC },	/* "." is the value */
	{ P_SUB, "- . x", GENERIC },
	{ P_SUB, "-- . x", GENERIC },
	{ P_SUB, "--=x . x", GENERIC },
	{ P_SUB, "-ve . x", GENERIC },
	{ P_SUB, "-ve.x-y . x", GENERIC },
	{ P_SUB, "-B . x", GENERIC },
	{ P_SUB, "-B10k . x", GENERIC },
	{ P_SUB, "-vB10 . x", GENERIC },
	{ P_SUB, "-v -f . x", GENERIC },
	{ P_SUB, "x . y", GENERIC },
	{ P_SUB, "--partial-dir=../p . x", DOTDOT("--partial-dir") },
	{ P_SUB, "--partial-dir a/../../p . x", DOTDOT("--partial-dir") },
	{ P_SUB, "--temp-dir=./.. . x", DOTDOT("--temp-dir") },
	{ P_SUB, "--sender --files-from=../l . x", DOTDOT("--files-from") },
	{ P_ROOT, "--partial-dir=../p . x", NULL },
	{ P_SUB, "--partial-dir=a..b . x", NULL },
	{ P_WO, "--files-from=x . y",
	  "a write-only server cannot read a remote --files-from path" },
	{ P_WO, "--files-from x . y",
	  "a write-only server cannot read a remote --files-from path" },
	{ P_WO, "--files-from=\\- . y",
	  NULL },	/* unescaped first, as rrsync: "-" */
};

static void
test_cases(void)
{
	struct request r;
	struct words ws;
	const char *es;
	char *em;
	size_t i;
	int rv;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (!ASSERT_INT_EQ_CTX(cmdline_split(cases[i].rest, &ws, &es),
		    0, cases[i].rest))
			continue;
		em = NULL;
		rv = request_parse(&pol[cases[i].pol], cases[i].rest, &ws, &r,
		    &em);
		ASSERT_INT_EQ_CTX(rv, cases[i].err ? -1 : 0, cases[i].rest);
		ASSERT_STR_EQ_CTX(em, cases[i].err, cases[i].rest);
		if (rv == 0) {
			ASSERT_TRUE(r.nitems >= 1);
			if (r.nitems >= 1)
				ASSERT_STR_EQ(r.items[0].text, "--server");
		} else {
			ASSERT_NULL(r.items);
			ASSERT_INT_EQ(r.nitems, 0);
		}
		free(em);
		request_free(&r);
		cmdline_free(&ws);
	}
}

/* Parse one command under a policy; the caller frees r and ws. */
static int
parse(int p, const char *rest, struct words *ws, struct request *r)
{
	const char *es;
	char *em = NULL;
	int rv;

	if (cmdline_split(rest, ws, &es) != 0)
		return -2;
	rv = request_parse(&pol[p], rest, ws, r, &em);
	free(em);
	return rv;
}

static void
test_items(void)
{
	struct request r;
	struct words ws;

	/* a pull */
	ASSERT_INT_EQ(parse(P_SUB, "--sender -vlogDtpre.iLsfxCIvu . dir/ "
	    "a\\ b", &ws, &r), 0);
	ASSERT_INT_EQ(r.am_sender, 1);
	ASSERT_INT_EQ(r.relative, 0);
	ASSERT_INT_EQ(r.nitems, 3);
	if (r.nitems == 3) {
		ASSERT_STR_EQ(r.items[1].text, "--sender");
		ASSERT_STR_EQ(r.items[2].text, "-vlogDtpre.iLsfxCIvu");
	}
	ASSERT_INT_EQ(r.nargs, 2);
	if (r.nargs == 2) {
		ASSERT_STR_EQ(r.args[0], "dir/");
		ASSERT_STR_EQ(r.args[1], "a\\ b");	/* escapes kept */
	}
	request_free(&r);
	cmdline_free(&ws);

	/* a push with a path value in two words */
	ASSERT_INT_EQ(parse(P_SUB, "-vlogDtpre.iLsfxCIvu --delete "
	    "--partial-dir .p . dest/", &ws, &r), 0);
	ASSERT_INT_EQ(r.am_sender, 0);
	ASSERT_INT_EQ(r.nitems, 5);
	if (r.nitems == 5) {
		ASSERT_STR_EQ(r.items[2].text, "--delete");
		ASSERT_STR_EQ(r.items[3].text, "--partial-dir");
		ASSERT_NULL(r.items[4].text);
		ASSERT_STR_EQ(r.items[4].opt, "--partial-dir");
		ASSERT_STR_EQ(r.items[4].value, ".p");
		ASSERT_STR_EQ(r.items[4].orig, ".p");
		ASSERT_INT_EQ(r.items[4].is_path, 1);
		ASSERT_INT_EQ(r.items[4].eq, 0);
		ASSERT_INT_EQ(r.items[4].type, ARG_PATH_RECV);
	}
	ASSERT_INT_EQ(r.nargs, 1);
	request_free(&r);
	cmdline_free(&ws);

	/* --opt=value, root-relative, escaped */
	ASSERT_INT_EQ(parse(P_SUB, "--partial-dir=/p\\ q . d", &ws, &r), 0);
	ASSERT_INT_EQ(r.nitems, 2);
	if (r.nitems == 2) {
		ASSERT_STR_EQ(r.items[1].opt, "--partial-dir");
		ASSERT_STR_EQ(r.items[1].value, "/srv/x/p q");
		ASSERT_STR_EQ(r.items[1].orig, "/p q");
		ASSERT_INT_EQ(r.items[1].flags, NORM_ROOTREL);
		ASSERT_INT_EQ(r.items[1].eq, 1);
		ASSERT_INT_EQ(r.items[1].is_path, 1);
	}
	request_free(&r);
	cmdline_free(&ws);

	/* -absolute: DIR's path in a path option names DIR, not elsewhere */
	ASSERT_INT_EQ(parse(P_ABS, "--link-dest=/srv/x/b --suffix=/srv/x/s "
	    "--files-from /srv/x/l . d", &ws, &r), 0);
	if (ASSERT_INT_EQ(r.nitems, 5)) {
		ASSERT_STR_EQ(r.items[1].value, "/srv/x/b");
		ASSERT_INT_EQ(r.items[1].flags, NORM_ABSOLUTE);
		ASSERT_STR_EQ(r.items[2].value, "/srv/x/srv/x/s");
		ASSERT_STR_EQ(r.items[4].value, "/srv/x/l");
		ASSERT_INT_EQ(r.items[4].flags, NORM_ABSOLUTE);
	}
	request_free(&r);
	cmdline_free(&ws);

	/* a receiver-only path option on a pull is not a path to check */
	ASSERT_INT_EQ(parse(P_SUB, "--sender --partial-dir=p . d", &ws, &r), 0);
	if (r.nitems == 3)
		ASSERT_INT_EQ(r.items[2].is_path, 0);
	request_free(&r);
	cmdline_free(&ws);
	/* ... and --files-from always is, except "-" */
	ASSERT_INT_EQ(parse(P_SUB, "--sender --files-from=l . d", &ws, &r), 0);
	if (ASSERT_INT_EQ(r.nitems, 3))
		ASSERT_INT_EQ(r.items[2].is_path, 1);
	request_free(&r);
	cmdline_free(&ws);
	ASSERT_INT_EQ(parse(P_SUB, "--sender --files-from=- . d", &ws, &r), 0);
	if (ASSERT_INT_EQ(r.nitems, 3)) {
		ASSERT_INT_EQ(r.items[2].is_path, 0);
		ASSERT_STR_EQ(r.items[2].value, "-");
	}
	request_free(&r);
	cmdline_free(&ws);
	/* under DIR "/" nothing is confined */
	ASSERT_INT_EQ(parse(P_ROOT, "--partial-dir=p . d", &ws, &r), 0);
	if (ASSERT_INT_EQ(r.nitems, 2))
		ASSERT_INT_EQ(r.items[1].is_path, 0);
	request_free(&r);
	cmdline_free(&ws);
	/* a free value is not a path */
	ASSERT_INT_EQ(parse(P_SUB, "--bwlimit=100 . d", &ws, &r), 0);
	if (ASSERT_INT_EQ(r.nitems, 2)) {
		ASSERT_INT_EQ(r.items[1].is_path, 0);
		ASSERT_INT_EQ(r.items[1].type, ARG_FREE);
		ASSERT_STR_EQ(r.items[1].orig, "100");
	}
	request_free(&r);
	cmdline_free(&ws);

	/* -R in the letters (not the capability tail); last one wins */
	ASSERT_INT_EQ(parse(P_SUB, "--sender -vRe.iLsfxCIvu . a", &ws, &r), 0);
	ASSERT_INT_EQ(r.relative, 1);
	request_free(&r);
	cmdline_free(&ws);
	ASSERT_INT_EQ(parse(P_SUB, "--sender -ve.iLsfxCRvu . a", &ws, &r), 0);
	ASSERT_INT_EQ(r.relative, 0);
	request_free(&r);
	cmdline_free(&ws);
	ASSERT_INT_EQ(parse(P_SUB, "--sender -R --no-relative . a", &ws, &r),
	    0);
	ASSERT_INT_EQ(r.relative, 0);
	request_free(&r);
	cmdline_free(&ws);
	ASSERT_INT_EQ(parse(P_SUB, "--sender --no-relative -vR . a", &ws, &r),
	    0);
	ASSERT_INT_EQ(r.relative, 1);
	request_free(&r);
	cmdline_free(&ws);

	/* nothing after "." */
	ASSERT_INT_EQ(parse(P_SUB, "-v .", &ws, &r), 0);
	ASSERT_INT_EQ(r.nargs, 0);
	request_free(&r);
	cmdline_free(&ws);
	/* many items: the array grows */
	{
		char buf[4096] = "";
		int i;

		for (i = 0; i < 100; i++)
			strcat(buf, "-v --bwlimit=1 ");
		strcat(buf, ". x");
		ASSERT_INT_EQ(parse(P_SUB, buf, &ws, &r), 0);
		ASSERT_INT_EQ(r.nitems, 201);
		request_free(&r);
		cmdline_free(&ws);
	}
}

static void
test_normalize(void)
{
	static const struct {
		int pol;
		const char *opt, *in;
		int is_arg;
		const char *out;	/* NULL: refused */
		int flags;
	} t[] = {
		{ P_SUB, "arg", "./x", 1, "/srv/x/x", NORM_ROOTREL },
		{ P_SUB, "arg", "//a//b", 1, "/srv/x/a/b", NORM_ROOTREL },
		{ P_SUB, "arg", "///a", 1, "/srv/x/a", NORM_ROOTREL },
		{ P_SUB, "arg", ".//a", 1, "/srv/x/a", NORM_ROOTREL },
		{ P_SUB, "arg", "/", 1, "/srv/x/", NORM_ROOTREL },
		{ P_SUB, "arg", "./", 1, "/srv/x/", NORM_ROOTREL },
		{ P_SUB, "arg", "a/b", 1, "a/b", 0 },
		{ P_SUB, "arg", "a//b/", 1, "a/b/", 0 },
		{ P_SUB, "arg", ".", 1, ".", 0 },
		{ P_SUB, "arg", "", 1, "", 0 },
		{ P_SUB, "arg", "a..b", 1, "a..b", 0 },
		{ P_SUB, "arg", "..a/b..", 1, "..a/b..", 0 },
		{ P_SUB, "arg", "/srv/x/a", 1, "/srv/x/srv/x/a", NORM_ROOTREL },
		{ P_ABS, "arg", "/srv/x/a", 1, "/srv/x/a", NORM_ABSOLUTE },
		{ P_ABS, "arg", "/srv/x", 1, "/srv/x", NORM_ABSOLUTE },
		{ P_ABS, "arg", "//srv//x/a", 1, "/srv/x/a", NORM_ABSOLUTE },
		{ P_ABS, "arg", "/srv/xy", 1, "/srv/x/srv/xy", NORM_ROOTREL },
		/* -absolute: a path option's value is aliased as an arg */
		{ P_ABS, "--temp-dir", "/srv/x/a", 1, "/srv/x/a",
		  NORM_ABSOLUTE },
		{ P_ABS, "--link-dest", "/srv/x", 1, "/srv/x", NORM_ABSOLUTE },
		{ P_ABS, "--link-dest", "/srv/xy/a", 1, "/srv/x/srv/xy/a",
		  NORM_ROOTREL },
		{ P_ABS, "--suffix", "/srv/x/a", 0, "/srv/x/srv/x/a",
		  NORM_ROOTREL },
		{ P_SUB, "--temp-dir", "/srv/x/a", 1, "/srv/x/srv/x/a",
		  NORM_ROOTREL },
		{ P_ROOT, "--temp-dir", "/srv/x/a", 1, "srv/x/a",
		  NORM_ROOTREL },
		{ P_ABS, "arg", "a", 1, "a", 0 },
		{ P_ROOT, "arg", "/a", 1, "a", NORM_ROOTREL },
		{ P_ROOT, "arg", "//a", 1, "a", NORM_ROOTREL },
		{ P_ROOT, "arg", "/", 1, "", NORM_ROOTREL },
		{ P_ROOT, "arg", "../a", 1, "../a", 0 },
		{ P_ROOT, "arg", "/srv/x/a", 1, "srv/x/a", NORM_ROOTREL },
		{ P_SUB, "arg", "..", 1, NULL, 0 },
		{ P_SUB, "arg", "../x", 1, NULL, 0 },
		{ P_SUB, "arg", "a/..", 1, NULL, 0 },
		{ P_SUB, "arg", "a/../b", 1, NULL, 0 },
		{ P_SUB, "arg", "/..", 1, NULL, 0 },
		{ P_SUB, "arg", "./../x", 1, NULL, 0 },
		{ P_SUB, "--partial-dir", "a/..//b", 0, NULL, 0 },
	};
	char *out, *em;
	size_t i;
	int fl, rv;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		em = NULL;
		fl = -1;
		rv = request_normalize(&pol[t[i].pol], t[i].opt, t[i].in,
		    t[i].is_arg, &out, &fl, &em);
		if (t[i].out != NULL) {
			ASSERT_INT_EQ_CTX(rv, 0, t[i].in);
			ASSERT_STR_EQ_CTX(out, t[i].out, t[i].in);
			ASSERT_INT_EQ_CTX(fl, t[i].flags, t[i].in);
			ASSERT_NULL(em);
		} else {
			char want[256];

			snprintf(want, sizeof(want), "do not use .. in %s "
			    "(anchor the path at the root of your restricted "
			    "dir)", t[i].opt);
			ASSERT_INT_EQ_CTX(rv, -1, t[i].in);
			ASSERT_NULL(out);
			ASSERT_STR_EQ_CTX(em, want, t[i].in);
		}
		free(out);
		free(em);
	}
}

/*
 * --root (request.c): a path begins with the root's NAME, which stands
 * for its DIR; anything else is refused, a longer name sharing the
 * prefix ("wwwx") included.  Values that are not paths are left alone.
 */
static void
test_normalize_root(void)
{
	static const struct {
		const char *opt, *in;
		int is_path;
		const char *out;	/* NULL: refused */
	} t[] = {
		{ "arg", "www", 1, "/srv/x/" },
		{ "arg", "www/", 1, "/srv/x/" },
		{ "arg", "/www/a", 1, "/srv/x/a" },
		{ "arg", "./www/a/", 1, "/srv/x/a/" },
		{ "arg", "//www//a", 1, "/srv/x/a" },
		{ "--backup-dir", "www/old", 1, "/srv/x/old" },
		{ "--suffix", "db~", 0, "db~" },
		{ "arg", "wwwx/a", 1, NULL },
		{ "arg", "ww", 1, NULL },
		{ "arg", "db/a", 1, NULL },
		{ "arg", ".", 1, NULL },
		{ "arg", "", 1, NULL },
		{ "--partial-dir", ".p", 1, NULL },
	};
	struct policy p;
	char *out, *em, want[256];
	size_t i;
	int fl, rv;

	memset(&p, 0, sizeof(p));
	p.dir = "/srv/x";
	p.dirlen = strlen(p.dir);
	p.subdir = 1;
	p.root = "www";
	p.rootlen = 3;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		em = out = NULL;
		rv = request_normalize(&p, t[i].opt, t[i].in, t[i].is_path,
		    &out, &fl, &em);
		if (t[i].out != NULL) {
			ASSERT_INT_EQ_CTX(rv, 0, t[i].in);
			ASSERT_STR_EQ_CTX(out, t[i].out, t[i].in);
		} else {
			snprintf(want, sizeof(want), "one transfer names one "
			    "root: %s %s is not beneath root www", t[i].opt,
			    t[i].in);
			ASSERT_INT_EQ_CTX(rv, -1, t[i].in);
			ASSERT_STR_EQ_CTX(em, want, t[i].in);
		}
		free(out);
		free(em);
	}
	/* "www/../db": mapped, then refused as any "..". */
	em = out = NULL;
	ASSERT_INT_EQ(request_normalize(&p, "arg", "www/../db", 1, &out, &fl,
	    &em), -1);
	ASSERT_STR_PREFIX(em, "do not use .. in arg");
	free(em);
}

/* What the accepted command makes rsync need (the sandbox's input). */
static void
test_needs(void)
{
	static const struct {
		const char	*rest;
		int		 needs;
	} t[] = {
		{ "--sender -vlogDtpre.iLsfxCIvu . a", REQ_NEED_USERS |
		    REQ_NEED_GROUPS },
		{ "--sender -vlre.iLsfxCIvu . a", 0 },
		/* letters of the capability tail are not options */
		{ "--sender -vlre.ogfxC . a", 0 },
		{ "--sender -vlo . a", REQ_NEED_USERS },
		{ "--sender -vlg . a", REQ_NEED_GROUPS },
		{ "--sender -vlog --numeric-ids . a", REQ_NEED_USERS |
		    REQ_NEED_GROUPS | REQ_NUMERIC_IDS },
		{ "--sender -vl --usermap=*:nobody . a", REQ_NEED_USERS },
		{ "--sender -vl --groupmap=*:nogroup . a", REQ_NEED_GROUPS },
		/* gconv is in the library dir: --iconv needs nothing more */
		{ "--sender -vl --iconv=utf8 . a", 0 },
		{ "--sender -vl --remove-source-files . a", REQ_REMOVE_SRC },
		{ "--sender -vl --log-file=x.log . a", REQ_LOG_FILE },
		{ "-vl --log-file x.log . a", REQ_LOG_FILE },
	};
	struct request r;
	struct words ws;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if (!ASSERT_INT_EQ(parse(P_SUB, t[i].rest, &ws, &r), 0)) {
			fprintf(stderr, "  refused: %s\n", t[i].rest);
			cmdline_free(&ws);
			continue;
		}
		if (!ASSERT_INT_EQ(r.needs, t[i].needs))
			fprintf(stderr, "  for: %s\n", t[i].rest);
		request_free(&r);
		cmdline_free(&ws);
	}
}

/* The one "DIR or beneath it" test (util.c), DIR=/ included. */
static void
test_beneath(void)
{
	static const struct {
		const char *path, *dir, *want;	/* want NULL: not beneath */
	} t[] = {
		{ "/srv/d", "/srv/d", "" },
		{ "/srv/d/", "/srv/d", "/" },
		{ "/srv/d/x/y", "/srv/d", "/x/y" },
		{ "/srv/dx", "/srv/d", NULL },
		{ "/srv", "/srv/d", NULL },
		{ "srv/d", "/srv/d", NULL },
		{ "", "/srv/d", NULL },
		{ "/", "/", "" },
		{ "/x", "/", "/x" },
		{ "//x", "/", "//x" },
		{ "x", "/", NULL },
		{ "", "/", NULL },
	};
	const char *r;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		r = path_beneath(t[i].path, t[i].dir, strlen(t[i].dir));
		if (t[i].want == NULL)
			ASSERT_NULL(r);
		else
			ASSERT_STR_EQ_CTX(r, t[i].want, t[i].path);
	}
}

int
main(void)
{
	init_policies();
	test_cases();
	test_items();
	test_needs();
	test_normalize();
	test_normalize_root();
	test_beneath();
	return test_summary();
}

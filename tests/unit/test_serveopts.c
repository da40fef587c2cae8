/* test_serveopts.c - serve's own argv, judged without side effects. */
#define TEST_MODULE "serveopts"
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "serveopts.h"

#define D	"/srv"
static const struct {
	const char	*args[6];	/* NULL-terminated: at most 5 */
	int		 ok;
	const char	*err;		/* a part of the message */
} cases[] = {
	{ { "-ro", D }, 1, NULL },
	{ { "-wo", "-no-del", D }, 1, NULL },
	{ { "--", "-odd" }, 1, NULL },
	{ { "--sandbox=off", "--log=none", D }, 1, NULL },
	{ { "--exact=rsync --server --sender -e.LsfxCIvu . x", D }, 1, NULL },
	{ { "-ro", "-wo", D }, 0, "not allowed with argument -ro" },
	{ { "-ro", D, "/other" }, 0, "only one DIR" },
	{ { "--exact=id", D }, 0, "--exact needs an rsync server command" },
	{ { "--exact=", D }, 0, "empty" },
	{ { "--exact=rsync --server . x", "--exact=rsync --server . y", D },
	    0, "only once" },
	{ { "--bogus", D }, 0, "unknown option --bogus (see \"rsguard -h\")" },
	{ { "-r", D }, 0, "unknown option -r" },
	{ { "-ro" }, 0, "required: DIR" },
	{ { "--rsync=rsync", D }, 0, "absolute path" },
	{ { "--log=file", D }, 0, "--log takes" },
	{ { "--sandbox=maybe", D }, 0, "--sandbox takes" },
	{ { "--landlock-abi=x", D }, 0, "--landlock-abi" },
	{ { "--landlock-abi=1001", D }, 0, "--landlock-abi" },
	{ { "--sandbox-read=rel", D }, 0, "--sandbox-read needs" },
	{ { "--", D, "x" }, 0, "unknown option --" },
	/* --root NAME=DIR:MODE */
	{ { "--root", "www=/srv/www:ro", "--root=db=/srv/a:b:wo" }, 1, NULL },
	{ { "--root=bk=/srv/bk:rw", "-no-del", "-munge" }, 1, NULL },
	{ { "--root" }, 0, "--root needs NAME=DIR:MODE" },
	{ { "--root=www" }, 0, "--root takes NAME=DIR:MODE" },
	{ { "--root=www=/srv/www" }, 0, "--root takes NAME=DIR:MODE" },
	{ { "--root=www=/srv/www:rx" }, 0, "--root MODE must be" },
	{ { "--root=www=rel:ro" }, 0, "DIR must be an absolute path" },
	{ { "--root=www=:ro" }, 0, "DIR must be an absolute path" },
	{ { "--root==/srv:ro" }, 0, "NAME must be" },
	{ { "--root=..=/srv:ro" }, 0, "NAME must be" },
	{ { "--root=.=/srv:ro" }, 0, "NAME must be" },
	{ { "--root=a/b=/srv:ro" }, 0, "NAME must be" },
	{ { "--root=a b=/srv:ro" }, 0, "NAME must be" },
	{ { "--root=a=/x:ro", "--root=a=/y:wo" }, 0, "given twice" },
	{ { "--root=a=/x:ro", D }, 0, "either DIR or --root" },
	{ { "--root=a=/x:ro", "-ro" }, 0, "do not go with --root" },
	{ { "--root=a=/x:ro", "-wo" }, 0, "do not go with --root" },
	{ { "--root=a=/x:ro", "-absolute" }, 0, "-absolute does not go" },
	/* snapshots: -snapshots, MODE wo:snapshots, --keep */
	{ { "-wo", "-snapshots", D }, 1, NULL },
	{ { "-wo", "-snapshots", "--keep=daily:7,weekly:4,monthly:12", D },
	    1, NULL },
	{ { "--root=bk=/srv/a:b:wo:snapshots", "--keep=last:3" }, 1, NULL },
	{ { "--root=bk=/x:snapshots" }, 0, "snapshots go with MODE wo only" },
	{ { "--root=bk=/x:rw:snapshots" }, 0, "snapshots go with MODE wo" },
	{ { "--root=bk=/x:ro:snapshots" }, 0, "snapshots go with MODE wo" },
	{ { "-snapshots", D }, 0, "-snapshots needs -wo" },
	{ { "-ro", "-snapshots", D }, 0, "-snapshots needs -wo" },
	{ { "-wo", "-snapshots", "-no-lock", D }, 0, "do not go with -no-lock" },
	{ { "--root=bk=/x:wo:snapshots", "-no-lock" }, 0, "with -no-lock" },
	{ { "-wo", "-snapshots", "-absolute", D }, 0, "with -absolute" },
	{ { "-snapshots", "--root=bk=/x:wo" }, 0, "-snapshots needs -wo" },
	{ { "-wo", "--keep=daily:7", D }, 0, "--keep needs a snapshot store" },
	{ { "--root=bk=/x:wo", "--keep=daily:7" }, 0, "--keep needs" },
	{ { "-wo", "-snapshots", "--keep=daily", D }, 0, "--keep takes" },
	{ { "-wo", "-snapshots", "--keep=fortnightly:2", D }, 0, "--keep takes" },
	{ { "-wo", "-snapshots", "--keep=daily:x", D }, 0, "N must be" },
	{ { "-wo", "-snapshots", "--keep=daily:100001", D }, 0, "N must be" },
	{ { "-wo", "-snapshots", "--keep=daily:7,", D }, 0, "--keep takes" },
	{ { "-wo", "-snapshots", "--keep=daily:7,daily:3", D }, 0, "twice" },
	{ { "-wo", "-snapshots", "--keep=last:1", "--keep=last:2", D }, 0,
	    "only once" },
};

static int
argv_of(const char *const *a, char **v)
{
	int n = 0;

	v[n++] = (char *)(uintptr_t)"serve";
	while (n < 7 && a[n - 1] != NULL) {
		v[n] = (char *)(uintptr_t)a[n - 1];
		n++;
	}
	v[n] = NULL;
	return n;
}

static void
test_cases(void)
{
	struct serve_opts o;
	const char *e;
	char *v[8];
	size_t i;
	int n, r;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		n = argv_of(cases[i].args, v);
		e = NULL;
		r = serve_opts_parse(n, v, "rsguard", &o, &e);
		ASSERT_INT_EQ_CTX(r, cases[i].ok ? 0 : -1, cases[i].args[0]);
		if (r == -1 && cases[i].err != NULL)
			ASSERT_INT_EQ_CTX(e != NULL &&
			    strstr(e, cases[i].err) != NULL, 1, e ? e : "");
	}
}

static void
test_fields(void)
{
	struct serve_opts o;
	const char *e;
	char *v[8];
	static const char *const a[] = { "-ro", "--sandbox=off",
	    "--log=/var/log/x", D, NULL };
	static const char *const h[] = { "--bogus", "-h", NULL };

	ASSERT_INT_EQ(serve_opts_parse(argv_of(a, v), v, "rsguard", &o, &e),
	    0);
	ASSERT_INT_EQ(o.pol.ro, 1);
	ASSERT_INT_EQ(o.pol.no_del, 1);		/* -ro implies it */
	ASSERT_INT_EQ(o.sb.mode, SANDBOX_OFF);
	ASSERT_INT_EQ(o.logt, LOG_TO_FILE);
	ASSERT_STR_EQ(o.dirarg, D);
	/* an unknown option before -h refuses, as serve always did */
	ASSERT_INT_EQ(serve_opts_parse(argv_of(h, v), v, "rsguard", &o, &e),
	    -1);
	ASSERT_INT_EQ(serve_opts_parse(argv_of(h + 1, v), v, "rsguard", &o,
	    &e), 0);
	ASSERT_INT_EQ(o.help, 1);
}

int
main(void)
{
	test_cases();
	test_fields();
	return test_summary();
}

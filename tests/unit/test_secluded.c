/* test_secluded.c - secluded.c: the -s argument list, and not a byte more. */
#define TEST_MODULE "secluded"
#include <sys/socket.h>

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmdline.h"
#include "secluded.h"
#include "test.h"

/* What rsync 3.5's client sends for rsync -s -a --delete src/ 'h:dst dir/x y' */
static const char list[] = "rsync\0--delete\0.\0dst dir/x y\0";	/* + NUL */
#define LISTLEN	(sizeof(list))		/* the final NUL is the end */
static const char proto[] = " \0\0\0rest of the protocol";
#define PROTOLEN (sizeof(proto) - 1)

static void
check_args(const struct strvec *a)
{
	if (!ASSERT_INT_EQ((long long)a->n, 3))
		return;
	ASSERT_STR_EQ(a->v[0], "--delete");
	ASSERT_STR_EQ(a->v[1], ".");
	ASSERT_STR_EQ(a->v[2], "dst dir/x y");
}

static void
test_feed(void)
{
	struct secluded s;
	char in[256];
	const char *e = NULL;
	size_t used, i, off;
	int r;

	memcpy(in, list, LISTLEN);
	memcpy(in + LISTLEN, proto, PROTOLEN);
	/* all at once: stops right after the terminator (MUST 1) */
	secluded_init(&s);
	ASSERT_INT_EQ(secluded_feed(&s, in, LISTLEN + PROTOLEN, &used, &e),
	    SECL_DONE);
	ASSERT_INT_EQ((long long)used, (long long)LISTLEN);
	check_args(&s.args);
	secluded_free(&s);
	/* byte by byte: the same, and DONE on the terminator */
	secluded_init(&s);
	for (i = 0, r = SECL_MORE; i < LISTLEN && r == SECL_MORE; i++) {
		r = secluded_feed(&s, in + i, 1, &used, &e);
		ASSERT_INT_EQ((long long)used, 1);
	}
	ASSERT_INT_EQ(r, SECL_DONE);
	ASSERT_INT_EQ((long long)i, (long long)LISTLEN);
	check_args(&s.args);
	secluded_free(&s);
	/* in uneven pieces */
	secluded_init(&s);
	for (off = 0, r = SECL_MORE; r == SECL_MORE; off += used)
		r = secluded_feed(&s, in + off, off + 7 > LISTLEN + PROTOLEN ?
		    LISTLEN + PROTOLEN - off : 7, &used, &e);
	ASSERT_INT_EQ(r, SECL_DONE);
	ASSERT_INT_EQ((long long)off, (long long)LISTLEN);
	check_args(&s.args);
	secluded_free(&s);
}

static int
feed_all(const char *b, size_t n, const char **e)
{
	struct secluded s;
	size_t used;
	int r;

	secluded_init(&s);
	r = secluded_feed(&s, b, n, &used, e);
	secluded_free(&s);
	return r;
}

static void
test_refused(void)
{
	static char big[MAX_SECLUDED_BYTES + 8192];
	const char *e = NULL;
	size_t i, n;

	/* MUST 3 */
	ASSERT_INT_EQ(feed_all("\0", 1, &e), SECL_ERR);
	ASSERT_INT_EQ(feed_all("sh\0-c\0\0", 7, &e), SECL_ERR);
	ASSERT_STR_PREFIX(e, "the secluded arguments do not start");
	ASSERT_INT_EQ(feed_all("rsyncx\0\0", 8, &e), SECL_ERR);
	/* MUST 2: one argument over the bound */
	memcpy(big, "rsync", 6);
	memset(big + 6, 'a', MAX_SECLUDED_ARG + 1);
	big[6 + MAX_SECLUDED_ARG + 1] = '\0';
	ASSERT_INT_EQ(feed_all(big, 6 + MAX_SECLUDED_ARG + 2, &e), SECL_ERR);
	ASSERT_STR_PREFIX(e, "a secluded argument is too long");
	/* exactly at the bound: fine */
	big[6 + MAX_SECLUDED_ARG] = '\0';
	big[6 + MAX_SECLUDED_ARG + 1] = '\0';
	ASSERT_INT_EQ(feed_all(big, 6 + MAX_SECLUDED_ARG + 2, &e), SECL_DONE);
	/* too many arguments: "x\0" each */
	memcpy(big, "rsync", 6);
	for (i = 0, n = 6; i < MAX_SECLUDED_ARGS + 1; i++, n += 2)
		memcpy(big + n, "x", 2);
	big[n++] = '\0';
	ASSERT_INT_EQ(feed_all(big, n, &e), SECL_ERR);
	ASSERT_STR_PREFIX(e, "too many secluded arguments");
	/* the whole list over the bound (arguments of 4000 bytes) */
	memcpy(big, "rsync", 6);
	for (n = 6; n + 4001 < sizeof(big); n += 4001) {
		memset(big + n, 'b', 4000);
		big[n + 4000] = '\0';
	}
	ASSERT_INT_EQ(feed_all(big, n, &e), SECL_ERR);
	ASSERT_STR_PREFIX(e, "the secluded arguments are too long");
}

/* MUST 4: names no command line could carry, byte for byte */
static void
test_bytes(void)
{
	static const char l[] = "rsync\0--exclude=*.o\0.\0a b\nc\t'\"$(x)`y`\0"
	    "\xc3\xa9t\xc3\xa9\0\\\\x\0";
	struct secluded s;
	const char *e;
	size_t used;

	secluded_init(&s);
	ASSERT_INT_EQ(secluded_feed(&s, l, sizeof(l), &used, &e), SECL_DONE);
	if (ASSERT_INT_EQ((long long)s.args.n, 5)) {
		ASSERT_STR_EQ(s.args.v[0], "--exclude=*.o");
		ASSERT_STR_EQ(s.args.v[2], "a b\nc\t'\"$(x)`y`");
		ASSERT_STR_EQ(s.args.v[3], "\xc3\xa9t\xc3\xa9");
		ASSERT_STR_EQ(s.args.v[4], "\\\\x");
	}
	secluded_free(&s);
}

/* Through fd: the bytes after the list are still there for rsync. */
static void
through(int rfd, int wfd, int close_writer)
{
	struct strvec a = { NULL, 0, 0 };
	char rest[64];
	const char *e = NULL;
	ssize_t n;

	ASSERT_INT_EQ(write(wfd, list, LISTLEN), (long long)LISTLEN);
	ASSERT_INT_EQ(write(wfd, proto, PROTOLEN), (long long)PROTOLEN);
	if (close_writer)
		close(wfd);
	ASSERT_INT_EQ(secluded_read(rfd, 2000, &a, &e), 0);
	check_args(&a);
	strvec_free(&a);
	n = read(rfd, rest, sizeof(rest));
	ASSERT_INT_EQ(n, (long long)PROTOLEN);
	ASSERT_INT_EQ(memcmp(rest, proto, PROTOLEN), 0);
}

static void
test_read(void)
{
	struct strvec a = { NULL, 0, 0 };
	const char *e = NULL;
	char path[] = "/tmp/test_secluded.XXXXXX", rest[64];
	int p[2], sv[2], fd;

	ASSERT_INT_EQ(pipe(p), 0);
	through(p[0], p[1], 0);
	close(p[0]);
	close(p[1]);
	ASSERT_INT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	through(sv[0], sv[1], 0);
	close(sv[0]);
	close(sv[1]);
	/* a regular file: read ahead and seek back, same result */
	fd = mkstemp(path);
	if (ASSERT_INT_EQ(fd >= 0, 1)) {
		unlink(path);
		ASSERT_INT_EQ(write(fd, list, LISTLEN), (long long)LISTLEN);
		ASSERT_INT_EQ(write(fd, proto, PROTOLEN), (long long)PROTOLEN);
		lseek(fd, 0, SEEK_SET);
		ASSERT_INT_EQ(secluded_read(fd, 2000, &a, &e), 0);
		check_args(&a);
		strvec_free(&a);
		ASSERT_INT_EQ(lseek(fd, 0, SEEK_CUR), (long long)LISTLEN);
		ASSERT_INT_EQ(read(fd, rest, sizeof(rest)), (long long)PROTOLEN);
		close(fd);
	}
	/* a file list longer than one read, and one that stops inside */
	{
		char p2[] = "/tmp/test_secluded.XXXXXX", arg[600];
		size_t i, total = 6;

		fd = mkstemp(p2);
		if (ASSERT_INT_EQ(fd >= 0, 1)) {
			unlink(p2);
			memset(arg, 'a', sizeof(arg) - 1);
			arg[sizeof(arg) - 1] = '\0';
			ASSERT_INT_EQ(write(fd, "rsync", 6), 6);
			for (i = 0; i < 20; i++, total += sizeof(arg))
				ASSERT_INT_EQ(write(fd, arg, sizeof(arg)),
				    (long long)sizeof(arg));
			ASSERT_INT_EQ(write(fd, "\0tail", 5), 5);
			lseek(fd, 0, SEEK_SET);
			ASSERT_INT_EQ(secluded_read(fd, 2000, &a, &e), 0);
			ASSERT_INT_EQ(a.n, 20);
			strvec_free(&a);
			ASSERT_INT_EQ(lseek(fd, 0, SEEK_CUR),
			    (long long)total + 1);
			ASSERT_INT_EQ(ftruncate(fd, (off_t)total - 100), 0);
			lseek(fd, 0, SEEK_SET);
			ASSERT_INT_EQ(secluded_read(fd, 2000, &a, &e), -1);
			ASSERT_STR_PREFIX(e, "the connection ended inside");
			close(fd);
		}
	}
	/* the connection ends inside the list */
	ASSERT_INT_EQ(pipe(p), 0);
	ASSERT_INT_EQ(write(p[1], "rsync\0--del", 11), 11);
	close(p[1]);
	ASSERT_INT_EQ(secluded_read(p[0], 2000, &a, &e), -1);
	ASSERT_STR_PREFIX(e, "the connection ended inside");
	close(p[0]);
	/* a client that stops sending: the time bound (MUST 2) */
	ASSERT_INT_EQ(pipe(p), 0);
	ASSERT_INT_EQ(write(p[1], "rsync\0--del", 11), 11);
	ASSERT_INT_EQ(secluded_read(p[0], 200, &a, &e), -1);
	ASSERT_STR_PREFIX(e, "timed out reading the secluded");
	close(p[0]);
	close(p[1]);
}

/* secluded.c MUST 5: each argument comes back from cmdline.c as itself */
static void
roundtrip(const char *rest, long at, const char *const *a, size_t n,
    const char *want_first, size_t nwords)
{
	struct strvec args = { NULL, 0, 0 };
	struct words ws;
	const char *e = NULL, *r;
	char *cmd, *u;
	size_t i;

	for (i = 0; i < n; i++)
		strvec_push(&args, xstrdup(a[i]));
	cmd = secluded_command(rest, at, &args, &e);
	if (!ASSERT_INT_EQ(cmd != NULL, 1))
		goto out;
	if (ASSERT_INT_EQ(cmdline_classify(cmd, &r, &e), CMD_RSYNC) &&
	    ASSERT_INT_EQ(cmdline_split(r, &ws, &e), 0)) {
		ASSERT_STR_EQ(r, want_first);
		if (ASSERT_INT_EQ((long long)ws.n, (long long)nwords)) {
			for (i = 0; i < n; i++) {
				u = cmdline_unescape(ws.w[ws.n - n + i]);
				ASSERT_STR_EQ(u, a[i]);
				free(u);
			}
		}
		cmdline_free(&ws);
	}
	free(cmd);
 out:
	strvec_free(&args);
}

static void
test_command(void)
{
	static const char *const a[] = { "--delete", ".", "dst dir/x y",
	    "q'u\"o$(t)`e` &;|<>#!{a,b}", "\xc3\xa9t\xc3\xa9", "*.t?t", "\\" };
	static const char *const nl[] = { ".", "a\nb" };
	static const char *const ic[] = { "--iconv=latin1", "." };
	struct strvec args = { NULL, 0, 0 };
	const char *e = NULL;

	ASSERT_INT_EQ(secluded_flag("-slogDtpre.iLsfxCIvu"), 1);
	ASSERT_INT_EQ(secluded_flag("--sender -vslogDtpre.iLsfxCIvu"), 11);
	/* the 's' of the compat flags after 'e' is not -s */
	ASSERT_INT_EQ(secluded_flag("-logDtpre.iLsfxCIvu"), -1);
	ASSERT_INT_EQ(secluded_flag("--sender -logDtpre.iLsfxCIvu"), -1);
	ASSERT_INT_EQ(secluded_flag("--secluded-args . x"), -1);
	roundtrip("-slogDtpre.iLsfxCIvu", 1, a, 7,
	    "-logDtpre.iLsfxCIvu --delete . dst\\ dir/x\\ y "
	    "q\\'u\\\"o\\$\\(t\\)\\`e\\`\\ \\&\\;\\|\\<\\>\\#\\!\\{a,b\\} "
	    "\xc3\xa9t\xc3\xa9 *.t?t \\\\", 8);
	/* a bare -s word goes whole */
	roundtrip("--sender -s", 10, a + 1, 1, "--sender .", 2);
	ASSERT_INT_EQ(secluded_iconv("--sender -slogDtpre.iLsfxCIvu --iconv=x"),
	    1);
	ASSERT_INT_EQ(secluded_iconv("-slogDtpre.iLsfxCIvu"), 0);
	strvec_push(&args, xstrdup(nl[0]));
	strvec_push(&args, xstrdup(nl[1]));
	ASSERT_INT_EQ(secluded_command("-slogD", 1, &args, &e) == NULL, 1);
	ASSERT_STR_PREFIX(e, "rsync -s: a secluded argument holds a control");
	strvec_free(&args);
	strvec_push(&args, xstrdup(ic[0]));
	ASSERT_INT_EQ(secluded_command("-slogD", 1, &args, &e) == NULL, 1);
	ASSERT_STR_PREFIX(e, "rsync -s with --iconv");
	strvec_free(&args);
}

int
main(void)
{
	test_feed();
	test_refused();
	test_bytes();
	test_read();
	test_command();
	return test_summary();
}

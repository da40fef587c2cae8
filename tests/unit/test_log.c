/* test_log.c - escaping of untrusted text, and the log file's checks. */
#define TEST_MODULE "log"
#include <sys/stat.h>

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "log.h"
#include "test.h"

static void
test_escape(void)
{
	static const struct {
		const char *in;
		size_t max, bufsz;
		const char *out;
	} t[] = {
		{ "", 100, 100, "" },
		{ "abc", 100, 100, "abc" },
		{ "a b~", 100, 100, "a b~" },
		{ "a\\b", 100, 100, "a\\x5cb" },
		{ "\n", 100, 100, "\\x0a" },
		{ "x\ty\r", 100, 100, "x\\x09y\\x0d" },
		{ "\x7f\x80\xff", 100, 100, "\\x7f\\x80\\xff" },
		{ "\x1b[31m", 100, 100, "\\x1b[31m" },
		{ "abcdef", 3, 100, "abc..." },
		{ "abc", 3, 100, "abc" },
		{ "abcdef", 0, 100, "..." },
		{ "abcdef", 100, 4, "abc" },
		{ "abcdef", 100, 7, "abcdef" },
		{ "abcdefg", 100, 7, "abcdef" },
		{ "ab\n", 100, 6, "ab..." },
		{ "ab\n", 100, 7, "ab\\x0a" },
		{ "abc", 100, 1, "" },
	};
	char buf[128];
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		memset(buf, 'Z', sizeof(buf));
		log_escape(t[i].in, t[i].max, buf, t[i].bufsz);
		ASSERT_STR_EQ_CTX(buf, t[i].out, t[i].in);
		ASSERT_TRUE(strlen(buf) < t[i].bufsz);
		ASSERT_TRUE(buf[t[i].bufsz] == 'Z' || t[i].bufsz >= 127);
	}
	/* bufsz 0 writes nothing */
	memset(buf, 'Z', sizeof(buf));
	log_escape("abc", 100, buf, 0);
	ASSERT_INT_EQ(buf[0], 'Z');
}

static void
test_escape_bounds(void)
{
	char in[4096], out[4 * MAX_LOG_FIELD + 8];
	unsigned int seed = 1;
	size_t i, k, bufsz;
	const char *p;
	int good;

	memset(in, 'a', 3000);
	in[3000] = '\0';
	log_escape(in, MAX_LOG_FIELD, out, sizeof(out));
	ASSERT_INT_EQ(strlen(out), MAX_LOG_FIELD + 3);
	ASSERT_TRUE(strcmp(out + MAX_LOG_FIELD, "...") == 0);

	/* random input: output printable ASCII, no raw backslash escape
	 * other than our own \xHH, always NUL-terminated within bufsz */
	for (k = 0; k < 2000; k++) {
		size_t len = (size_t)(rand_r(&seed) % 300);

		for (i = 0; i < len; i++)
			in[i] = (char)(1 + rand_r(&seed) % 255);
		in[len] = '\0';
		bufsz = 1 + (size_t)(rand_r(&seed) % 400);
		memset(out, 'Z', sizeof(out));
		log_escape(in, 1 + (size_t)(rand_r(&seed) % 300), out, bufsz);
		good = strlen(out) < bufsz && out[bufsz] == 'Z';
		for (p = out; good && *p != '\0'; p++)
			good = *p >= 0x20 && *p < 0x7f &&
			    (*p != '\\' || p[1] == 'x');
		if (!ASSERT_TRUE(good))
			break;
	}
	ASSERT_INT_EQ(k, 2000);
}

static void
test_open(void)
{
	char dir[] = "/tmp/rsguard-test-log.XXXXXX", p[PATH_MAX], q[PATH_MAX],
	    buf[512], want[64];
	const char *es;
	ssize_t n;
	int fd;

	if (!ASSERT_NOT_NULL(mkdtemp(dir)))
		return;
	ASSERT_INT_EQ(log_open(LOG_TO_NONE, NULL, &es), 0);
	log_msg(LOG_INFO, "dropped %d", 1);

	/* a symlink is refused (O_NOFOLLOW), even to a regular file */
	snprintf(p, sizeof(p), "%s/real", dir);
	snprintf(q, sizeof(q), "%s/link", dir);
	fd = open(p, O_WRONLY | O_CREAT, 0600);
	close(fd);
	ASSERT_INT_EQ(symlink(p, q), 0);
	es = NULL;
	ASSERT_INT_EQ(log_open(LOG_TO_FILE, q, &es), -1);
	ASSERT_STR_EQ(es, "log file is a symlink");
	log_msg(LOG_INFO, "dropped %d", 2);	/* target reset to none */

	/* a FIFO without a reader: refused, and never blocks */
	snprintf(q, sizeof(q), "%s/fifo", dir);
	ASSERT_INT_EQ(mkfifo(q, 0600), 0);
	alarm(5);
	es = NULL;
	ASSERT_INT_EQ(log_open(LOG_TO_FILE, q, &es), -1);
	ASSERT_NOT_NULL(es);
	alarm(0);
	unlink(q);

	/* a directory */
	es = NULL;
	ASSERT_INT_EQ(log_open(LOG_TO_FILE, dir, &es), -1);
	ASSERT_NOT_NULL(es);

	/* /dev/null is not a regular file */
	es = NULL;
	ASSERT_INT_EQ(log_open(LOG_TO_FILE, "/dev/null", &es), -1);
	ASSERT_STR_EQ(es, "log file is not a regular file");

	/* a regular file gets whole records */
	ASSERT_INT_EQ(log_open(LOG_TO_FILE, p, &es), 0);
	log_msg(LOG_INFO, "hello %s", "world");
	fd = open(p, O_RDONLY);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	snprintf(want, sizeof(want), " rsguard[%ld]: hello world\n",
	    (long)getpid());
	ASSERT_TRUE(strstr(buf, want) != NULL);
	ASSERT_TRUE(n > 0 && buf[n - 1] == '\n');
	ASSERT_INT_EQ(log_open(LOG_TO_NONE, NULL, &es), 0);
	unlink(p);
	snprintf(q, sizeof(q), "%s/link", dir);
	unlink(q);
	rmdir(dir);
}

int
main(void)
{
	test_escape();
	test_escape_bounds();
	test_open();
	return test_summary();
}

/* test_job.c - job files: accept, refuse with line numbers, limits. */
#define TEST_MODULE "job"
#include <stdlib.h>

#include "test.h"
#include "job.h"
#include "mirror.h"
#include "mstate.h"

#define BASE "[job]\ndirection = push\nsource = /srv/a\n" \
	"destination = bk@host.example:/x\nkey = /k/id\n"

static void
refuse(const char *text, int wantline, const char *wantmsg)
{
	struct job j;
	const char *errstr = NULL;
	int line = -1;

	if (ASSERT_INT_EQ(job_parse(text, "t", "/etc/rsguard/jobs", &j, &line,
	    &errstr), -1)) {
		ASSERT_INT_EQ(line, wantline);
		ASSERT_STR_PREFIX(errstr, wantmsg);
	}
}

static void
test_accept(void)
{
	struct job j;
	struct strvec av = { NULL, 0, 0 };
	const char *errstr;
	int line;
	size_t i;
	int has_delay = 0, has_dd = 0;

	ASSERT_INT_EQ(job_parse(BASE "options = -a --delete\nexclude = *.tmp\n"
	    "timeout = 2h\nretries = 5\nbwlimit = 10M\nport = 2222\n"
	    "ssh_option = ProxyJump=b\n# comment\n; comment\n", "t",
	    "/etc/rsguard/jobs", &j, &line, &errstr), 0);
	ASSERT_INT_EQ(j.direction, JOB_PUSH);
	ASSERT_STR_EQ(j.local, "/srv/a");
	ASSERT_STR_EQ(j.host, "host.example");
	ASSERT_STR_EQ(j.known_hosts, "/etc/rsguard/jobs/t.known_hosts");
	ASSERT_INT_EQ(j.timeout, 7200);
	ASSERT_INT_EQ(j.retries, 5);
	ASSERT_INT_EQ(j.port, 2222);
	ASSERT_INT_EQ((long long)j.excludes.n, 1);
	mirror_rsync_argv(&j, 0, &av);
	for (i = 0; i < av.n; i++) {
		has_delay |= strcmp(av.v[i], "--delay-updates") == 0;
		has_dd |= strcmp(av.v[i], "--delete-delay") == 0;
	}
	ASSERT_TRUE(has_delay);
	ASSERT_TRUE(has_dd);
	ASSERT_STR_EQ(av.v[av.n - 2], "/srv/a/");
	ASSERT_STR_EQ(av.v[av.n - 1], "bk@host.example:/x/");
	strvec_free(&av);
	job_free(&j);

	/* atomic = no: neither --delay-updates nor --delete-delay. */
	ASSERT_INT_EQ(job_parse(BASE "options = -a --delete\natomic = no\n",
	    "t", "/etc/rsguard/jobs", &j, &line, &errstr), 0);
	ASSERT_INT_EQ(j.atomic, 0);
	mirror_rsync_argv(&j, 0, &av);
	has_delay = has_dd = 0;
	for (i = 0; i < av.n; i++) {
		has_delay |= strcmp(av.v[i], "--delay-updates") == 0;
		has_dd |= strcmp(av.v[i], "--delete-delay") == 0;
	}
	ASSERT_FALSE(has_delay);
	ASSERT_FALSE(has_dd);
	strvec_free(&av);
	job_free(&j);
}

/* How many times w is in the rsync argv for job text t. */
static int
count_word(const char *t, const char *w)
{
	struct job j;
	struct strvec av = { NULL, 0, 0 };
	const char *errstr;
	int line, n = 0;
	size_t i;

	if (!ASSERT_INT_EQ(job_parse(t, "t", "/etc/rsguard/jobs", &j, &line,
	    &errstr), 0))
		return -1;
	mirror_rsync_argv(&j, 0, &av);
	for (i = 0; i < av.n; i++)
		n += strcmp(av.v[i], w) == 0;
	strvec_free(&av);
	job_free(&j);
	return n;
}

/*
 * mirror.c MUST 4: under atomic = yes every spelling of the delete mode
 * reaches rsync as one --delete-delay, in whatever order atomic is given.
 */
static void
test_atomic_delete(void)
{
	static const char *const when[] = { "--del", "--delete",
	    "--delete-before", "--delete-during", "--delete-after",
	    "--delete-delay" };
	char t[512];
	size_t i, k;

	for (i = 0; i < sizeof(when) / sizeof(when[0]); i++) {
		snprintf(t, sizeof(t), BASE "options = -a %s\n", when[i]);
		ASSERT_INT_EQ(count_word(t, "--delete-delay"), 1);
		for (k = 0; k < sizeof(when) / sizeof(when[0]) - 1; k++)
			ASSERT_INT_EQ(count_word(t, when[k]), 0);
		snprintf(t, sizeof(t), "[job]\natomic = yes\noptions = -a\n"
		    "options = %s --numeric-ids\ndirection = push\n"
		    "source = /srv/a\ndestination = bk@h:/x\nkey = /k/id\n",
		    when[i]);
		ASSERT_INT_EQ(count_word(t, "--delete-delay"), 1);
		ASSERT_INT_EQ(count_word(t, "--numeric-ids"), 1);
		/* atomic = no: the option as written, nothing added */
		snprintf(t, sizeof(t), BASE "options = -a %s\natomic = no\n",
		    when[i]);
		ASSERT_INT_EQ(count_word(t, when[i]), 1);
		ASSERT_INT_EQ(count_word(t, "--delete-delay"),
		    strcmp(when[i], "--delete-delay") == 0);
	}
	/* two spellings: still one */
	ASSERT_INT_EQ(count_word(BASE "options = --del --delete-after -a\n",
	    "--delete-delay"), 1);
	/* --delete-excluded alone deletes (during): delayed, and kept */
	ASSERT_INT_EQ(count_word(BASE "options = -a --delete-excluded\n",
	    "--delete-delay"), 1);
	ASSERT_INT_EQ(count_word(BASE "options = -a --delete-excluded\n",
	    "--delete-excluded"), 1);
	ASSERT_INT_EQ(count_word(BASE "options = -a --delete-excluded\n"
	    "atomic = no\n", "--delete-delay"), 0);
	/* atomic = no: --delete-missing-args is the job's choice */
	ASSERT_INT_EQ(count_word(BASE "options = -a --delete-missing-args\n"
	    "atomic = no\n", "--delete-missing-args"), 1);
	/* no deletion asked for: none added */
	ASSERT_INT_EQ(count_word(BASE "options = -a --max-delete=5\n",
	    "--delete-delay"), 0);
	ASSERT_INT_EQ(count_word(BASE "options = -a\n", "--delay-updates"), 1);
	/* the default options */
	ASSERT_INT_EQ(count_word(BASE, "--delete-delay"), 1);
	ASSERT_INT_EQ(count_word(BASE "atomic = no\n", "--delete"), 1);
}

/* A string of n times c (static; n < sizeof buffer). */
static const char *
line_of(int c, size_t n)
{
	static char buf[MAX_JOB_LINE * 2 + 8];

	if (n >= sizeof(buf))
		n = sizeof(buf) - 1;
	memset(buf, c, n);
	buf[n] = '\0';
	return buf;
}

static void
test_refuse(void)
{
	static char big[MAX_JOB_LINE * 2 + 400];

	refuse(BASE "direction = pull\n", 6, "key given twice");
	refuse(BASE "colour = red\n", 6, "unknown key");
	refuse("[other]\nkey = /x\n", 2, "keys belong");
	refuse(BASE "options = -avze\n", 6, "options: short");
	/* what would defeat --delay-updates (job.c MUST 2) */
	refuse(BASE "options = -aT\n", 6, "options: short");
	refuse(BASE "options = -Ttmp\n", 6, "options: short");
	refuse(BASE "options = --inplace\n", 6, "options: this rsync");
	refuse(BASE "options = --append\n", 6, "options: this rsync");
	refuse(BASE "options = --append-verify\n", 6, "options: this rsync");
	refuse(BASE "options = --write-devices\n", 6, "options: this rsync");
	refuse(BASE "options = --temp-dir=/t\n", 6, "options: this rsync");
	refuse(BASE "options = --partial-dir=p\n", 6, "options: this rsync");
	refuse(BASE "options = --no-delay-updates\n", 6, "options: this rsync");
	refuse(BASE "options = -a --delete-missing-args\n", 0,
	    "options: --delete-missing-args deletes at once");
	refuse(BASE "atomic = yes\noptions = --delete-missing-args\n", 0,
	    "options: --delete-missing-args");
	refuse(BASE "options = --rsh=sh\n", 6, "options: this rsync");
	refuse(BASE "options = --rsync-path=x\n", 6, "options: this rsync");
	refuse(BASE "options = a\n", 6, "options: each");
	refuse(BASE "ssh_option = StrictHostKeyChecking=no\n", 6,
	    "ssh_option: rsguard");
	refuse(BASE "ssh_option = ProxyCommand='x'\n", 6, "ssh_option must");
	refuse(BASE "timeout = 8d\n", 6, "bad duration");
	refuse(BASE "timeout = 1x\n", 6, "bad duration");
	refuse(BASE "port = 70000\n", 6, "port");
	refuse(BASE "retries = 21\n", 6, "retries");
	refuse(BASE "atomic = maybe\n", 6, "atomic must be yes or no");
	refuse(BASE "atomic = yes\natomic = no\n", 7, "key given twice");
	refuse(BASE "bwlimit = 1T\n", 6, "bwlimit");
	refuse(BASE "key = relative\n", 6, "key given twice");
	refuse("[job]\nkey = relative\n", 2, "must be an absolute");
	refuse("[job]\nnot a pair\n", 2, "syntax error");
	refuse("[job]\ndirection = sideways\n", 2, "direction");
	refuse(BASE "\x01\n", 6, "control character");
	refuse("[job]\n", 0, "direction, source");
	refuse("[job]\ndirection = push\nsource = rel\ndestination = h:/x\n"
	    "key = /k\n", 0, "push: source");
	refuse("[job]\ndirection = push\nsource = /a\ndestination = -oX@h:/x\n"
	    "key = /k\n", 0, "bad user");
	refuse("[job]\ndirection = push\nsource = /a\ndestination = -h:/x\n"
	    "key = /k\n", 0, "bad host");
	refuse("[job]\ndirection = push\nsource = /a\ndestination = /b\n"
	    "key = /k\n", 0, "remote side");
	/* MAX_JOB_LINE and MAX_JOB_LINE + 1 (job.c MUST 3) */
	snprintf(big, sizeof(big), "[job]\n#%s\n", line_of('a',
	    MAX_JOB_LINE - 1));
	refuse(big, 0, "direction, source");
	snprintf(big, sizeof(big), "[job]\n#%s\n", line_of('a',
	    MAX_JOB_LINE));
	refuse(big, 2, "line too long");
	/* one byte over: the tail would be a line of its own to libinih */
	snprintf(big, sizeof(big), BASE "exclude = %s", line_of('x',
	    MAX_JOB_LINE - 10 - 23 + 1));
	strcat(big, "ssh_option = Tunnel=yes\n");
	refuse(big, 6, "line too long");
}

/*
 * Long lines (real paths and exclude patterns) parse whole, up to
 * MAX_JOB_LINE bytes (job.c MUST 3); the unknown key is named.
 */
static void
test_long_lines(void)
{
	static char big[MAX_JOB_LINE * 2 + 400];
	struct job j;
	const char *errstr;
	size_t n;
	int line;

	ASSERT_TRUE(MAX_JOB_LINE >= 4096);
	for (n = 190; n <= 4096 - 10; n += n < 300 ? 1 : 4096 - 10 - 300) {
		snprintf(big, sizeof(big), BASE "exclude = %s\nexclude = y\n",
		    line_of('x', n));
		if (!ASSERT_INT_EQ(job_parse(big, "t", "/etc/rsguard/jobs", &j,
		    &line, &errstr), 0))
			continue;
		if (ASSERT_INT_EQ((long long)j.excludes.n, 2)) {
			ASSERT_INT_EQ((long long)strlen(j.excludes.v[0]),
			    (long long)n);
			ASSERT_STR_EQ(j.excludes.v[1], "y");
		}
		job_free(&j);
	}
	/* a long key: a real path */
	snprintf(big, sizeof(big), "[job]\ndirection = pull\nsource = "
	    "h:/x\ndestination = /%s\nkey = /k\n", line_of('d', 3000));
	if (ASSERT_INT_EQ(job_parse(big, "t", "/j", &j, &line, &errstr), 0)) {
		ASSERT_INT_EQ((long long)strlen(j.destination), 3001);
		job_free(&j);
	}
	refuse(BASE "colour = red\n", 6, "unknown key \"colour\"");
	refuse(BASE "Source = /x\n", 6, "unknown key \"Source\"");
}

static void
test_names_durations(void)
{
	int s = -1;

	ASSERT_TRUE(job_valid_name("web-1.daily_x"));
	ASSERT_FALSE(job_valid_name("-x"));
	ASSERT_FALSE(job_valid_name("a/b"));
	ASSERT_FALSE(job_valid_name(""));
	ASSERT_INT_EQ(job_duration("90", &s), 0);
	ASSERT_INT_EQ(s, 90);
	ASSERT_INT_EQ(job_duration("15m", &s), 0);
	ASSERT_INT_EQ(s, 900);
	ASSERT_INT_EQ(job_duration("7d", &s), 0);
	ASSERT_INT_EQ(job_duration("7d1", &s), -1);
	ASSERT_INT_EQ(job_duration("m", &s), -1);
	ASSERT_INT_EQ(job_duration("99999999999", &s), -1);
}

static void
test_state(void)
{
	struct mstate st, back;
	char *js, *prom;

	memset(&st, 0, sizeof(st));
	st.start = 100;
	st.end = 160;
	st.exit = 12;
	st.attempts = 3;
	st.last_success = 50;
	snprintf(st.result, sizeof(st.result), "failed");
	snprintf(st.message, sizeof(st.message), "say \"hi\"\n");
	js = mstate_json("j", &st);
	ASSERT_TRUE(strstr(js, "say \\\"hi\\\"\\u000a") != NULL);
	ASSERT_INT_EQ(mstate_parse(js, &back), 0);
	ASSERT_STR_EQ(back.result, "failed");
	ASSERT_INT_EQ(back.exit, 12);
	ASSERT_INT_EQ(back.attempts, 3);
	ASSERT_INT_EQ(back.last_success, 50);
	ASSERT_INT_EQ(mstate_parse("{}", &back), -1);
	prom = mstate_prom("j", &st);
	ASSERT_TRUE(strstr(prom, "rsguard_last_run_success{job=\"j\"} 0\n")
	    != NULL);
	mstate_stats("Number of regular files transferred: 1,234\n"
	    "Total bytes sent: 2,000\nTotal bytes received: 35\n", &st);
	ASSERT_INT_EQ(st.files, 1234);
	ASSERT_INT_EQ(st.bytes, 2035);
	ASSERT_TRUE(mirror_retryable(255) && mirror_retryable(30));
	ASSERT_FALSE(mirror_retryable(23) || mirror_retryable(24));
	free(js);
	free(prom);
}

int
main(void)
{
	test_accept();
	test_atomic_delete();
	test_refuse();
	test_long_lines();
	test_names_durations();
	test_state();
	return test_summary();
}

/*
 * status.c - rsguard status: each job's last result and age, for people
 * and for monitoring.  A job's state is, worst first: never run (no
 * status file), overdue (no success within --max-age, else twice its
 * "every", else two days), failed (the last run failed, an earlier
 * success still recent), warning (the last run succeeded with a warning),
 * ok.  The exit status is the worst state of the jobs listed.
 *
 * MUST 1: "ok" only for a job whose last run succeeded without warning
 *         and whose last success is within the limit; a failed last run
 *         is never ok (test_mirror_data.sh t_status_states).
 */
#include <dirent.h>
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "commands.h"
#include "job.h"
#include "mstate.h"
#include "paths.h"
#include "util.h"

#define DEFAULT_MAX_AGE	(2 * 86400)

/* Exit statuses, worst last: the worst job's is the command's. */
enum { ST_OK, ST_WARNING, ST_FAILED, ST_OVERDUE, ST_NEVER, ST_ERROR };

static const char *const statename[] = {
	"ok", "warning", "FAILED", "OVERDUE", "NEVER", "ERROR"
};

static void
usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: rsguard status [--jobs-dir DIR] [--state-dir DIR] "
	    "[--max-age DURATION] [JOB ...]\n"
	    "       rsguard status --help | --version\n"
	    "List jobs with their last result and age.  A job is overdue when "
	    "it had no\nsuccess within --max-age, else twice the job's "
	    "\"every\", else 2d.\n"
	    "Exit (the worst job): 0 ok, 1 warning (last run: rsync 24), 2 "
	    "failed (last\nrun failed, not yet overdue), 3 overdue, 4 never "
	    "run, 5 error (usage, a job\nfile that cannot be read, a status "
	    "file that is not a regular file or\ncannot be read).\n");
	exit(status);
}

static void
age(long long t, long long now, char *buf, size_t sz)
{
	long long d = now - t;

	if (t <= 0)
		snprintf(buf, sz, "never");
	else if (d < 120)
		snprintf(buf, sz, "%llds", d < 0 ? 0 : d);
	else if (d < 7200)
		snprintf(buf, sz, "%lldm", d / 60);
	else if (d < 2 * 86400)
		snprintf(buf, sz, "%lldh", d / 3600);
	else
		snprintf(buf, sz, "%lldd", d / 86400);
}

/* The state of a job from its last status (pure). */
static int
classify(const struct mstate *st, long long now, int limit)
{
	if (st->last_success <= 0 || now - st->last_success > limit)
		return ST_OVERDUE;
	if (st->exit != 0 || (strcmp(st->result, "ok") != 0 &&
	    strcmp(st->result, "warning") != 0))
		return ST_FAILED;
	return strcmp(st->result, "warning") == 0 ? ST_WARNING : ST_OK;
}

/* One line for job file path; returns its state. */
static int
show(const char *path, const char *state_dir, int max_age, long long now)
{
	struct job j;
	struct mstate st;
	const char *errstr;
	char a1[32], a2[32];
	int line, limit, state;

	if (job_load(path, &j, &line, &errstr) == -1) {
		printf("%-20s %-8s %s:%d: %s\n", "?", "BADJOB", path, line,
		    errstr);
		return ST_ERROR;
	}
	limit = max_age ? max_age : j.every ? 2 * j.every : DEFAULT_MAX_AGE;
	if (mstate_load(state_dir, j.name, &st) == -1) {
		if (errno != ENOENT) {
			printf("%-20s %-8s %s/%s.json: %s\n", j.name, "ERROR",
			    state_dir, j.name, errno == EINVAL || errno ==
			    ELOOP ? "not a regular file" : errno == EBADMSG ?
			    "not a status file" : strerror(errno));
			job_free(&j);
			return ST_ERROR;
		}
		printf("%-20s %-8s %-6s %-8s %-8s %s\n", j.name, "never", "-",
		    "never", "never", statename[ST_NEVER]);
		job_free(&j);
		return ST_NEVER;
	}
	age(st.end, now, a1, sizeof(a1));
	age(st.last_success, now, a2, sizeof(a2));
	state = classify(&st, now, limit);
	printf("%-20s %-8s %-6d %-8s %-8s %s\n", j.name, st.result, st.exit,
	    a1, a2, statename[state]);
	job_free(&j);
	return state;
}

static int
namecmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
status_main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "jobs-dir", required_argument, NULL, 'J' },
		{ "state-dir", required_argument, NULL, 'S' },
		{ "max-age", required_argument, NULL, 'A' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	const char *jobs_dir = NULL, *errstr;
	char *state = NULL, *dirs[2] = { NULL, NULL }, *p, *name;
	struct strvec files = { NULL, 0, 0 };
	struct dirent *de;
	long long now = (long long)time(NULL);
	size_t i, n;
	int ch, max_age = 0, worst = ST_OK, d;
	DIR *dp;

	while ((ch = getopt_long(argc, argv, "h", lopts, NULL)) != -1) {
		switch (ch) {
		case 'J':
			jobs_dir = optarg;
			break;
		case 'S':
			free(state);
			state = xstrdup(optarg);
			break;
		case 'A':
			if (job_duration(optarg, &max_age) == -1 ||
			    max_age == 0)
				errx(ST_ERROR, "--max-age: bad duration");
			break;
		case 'h':
			usage(0);
			break;
		case 'V':
			printf("rsguard %s\n", RSGUARD_VERSION);
			return 0;
		default:
			usage(ST_ERROR);
		}
	}
	if (state == NULL)
		state = paths_state_dir();
	if (optind < argc) {
		for (; optind < argc; optind++) {
			if ((p = job_find(argv[optind], jobs_dir, &name,
			    &errstr)) == NULL)
				errx(ST_ERROR, "%s: %s", argv[optind], errstr);
			free(name);
			strvec_push(&files, p);
		}
	} else {
		dirs[0] = jobs_dir ? xstrdup(jobs_dir) : paths_jobs_dir();
		dirs[1] = jobs_dir ? NULL : xstrdup(PATHS_ETC_JOBS);
		for (d = 0; d < 2 && dirs[d] != NULL; d++) {
			if ((dp = opendir(dirs[d])) == NULL)
				continue;
			n = files.n;
			while ((de = readdir(dp)) != NULL && files.n < 10000) {
				p = strrchr(de->d_name, '.');
				if (de->d_name[0] == '.' || p == NULL ||
				    strcmp(p, ".conf") != 0)
					continue;
				strvec_push(&files, xasprintf("%s/%s",
				    dirs[d], de->d_name));
			}
			closedir(dp);
			qsort(files.v + n, files.n - n, sizeof(char *),
			    namecmp);
		}
	}
	printf("%-20s %-8s %-6s %-8s %-8s %s\n", "JOB", "RESULT", "EXIT",
	    "LAST-RUN", "SUCCESS", "STATE");
	for (i = 0; i < files.n; i++)
		if ((d = show(files.v[i], state, max_age, now)) > worst)
			worst = d;
	if (files.n == 0)
		printf("(no jobs)\n");
	strvec_free(&files);
	free(dirs[0]);
	free(dirs[1]);
	free(state);
	return worst;
}

/*
 * timeexec - interleaved fork/exec/wait timer for the rsguard benchmark.
 *
 *   timeexec N CMD_A [ARGS...] ::: CMD_B [ARGS...] [::: CMD_C ...]
 *
 * Runs A, B, C, A, B, C, ... N rounds (after 5 untimed warm-up rounds),
 * each child with stdin/stdout/stderr on /dev/null, and prints one line per
 * command:  "<median_ns> <min_ns> <p90_ns> <failures>".
 * A command that exits non-zero counts as a failure (the caller must treat
 * that as "the wrapper refused the request", not as a fast run).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAXCMD 8

static long long now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;
	return (x > y) - (x < y);
}

static int run(char **argv, long long *ns)
{
	long long t0 = now_ns();
	pid_t pid = fork();
	if (pid < 0) { perror("fork"); exit(2); }
	if (pid == 0) {
		int fd = open("/dev/null", O_RDWR);
		if (fd >= 0) { dup2(fd, 0); dup2(fd, 1); dup2(fd, 2); }
		execv(argv[0], argv);
		_exit(127);
	}
	int st;
	if (waitpid(pid, &st, 0) < 0) { perror("waitpid"); exit(2); }
	*ns = now_ns() - t0;
	return !(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: timeexec N CMD [ARGS] [::: CMD [ARGS]]...\n");
		return 2;
	}
	int n = atoi(argv[1]);
	if (n < 1) n = 1;
	char **cmds[MAXCMD];
	int ncmd = 0;
	cmds[ncmd++] = &argv[2];
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], ":::") == 0) {
			argv[i] = NULL;
			if (ncmd == MAXCMD || i + 1 >= argc) { fprintf(stderr, "bad args\n"); return 2; }
			cmds[ncmd++] = &argv[i + 1];
		}
	}
	long long *t[MAXCMD];
	int fail[MAXCMD] = {0};
	for (int c = 0; c < ncmd; c++)
		if (!(t[c] = calloc((size_t)n, sizeof **t))) return 2;
	long long dummy;
	for (int r = 0; r < 5; r++)
		for (int c = 0; c < ncmd; c++)
			run(cmds[c], &dummy);
	for (int r = 0; r < n; r++)
		for (int c = 0; c < ncmd; c++)
			fail[c] += run(cmds[c], &t[c][r]);
	for (int c = 0; c < ncmd; c++) {
		qsort(t[c], (size_t)n, sizeof **t, cmp_ll);
		long long med = (n % 2) ? t[c][n / 2] : (t[c][n / 2 - 1] + t[c][n / 2]) / 2;
		printf("%lld %lld %lld %d\n", med, t[c][0], t[c][(n * 9) / 10 < n ? (n * 9) / 10 : n - 1], fail[c]);
	}
	return 0;
}

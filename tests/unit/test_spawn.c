/* test_spawn.c - spawn_run: status, capture, input, time limit. */
#define TEST_MODULE "spawn"
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "spawn.h"
#include "test.h"

int
main(void)
{
	const char *echo[] = { "sh", "-c", "echo out; echo err >&2; exit 3", NULL };
	const char *cat[] = { "cat", NULL };
	const char *hang[] = { "sh", "-c", "sleep 30 & sleep 30", NULL };
	const char *nosuch[] = { "/nonexistent/program", NULL };
	const char *envcmd[] = { "sh", "-c", "echo \"$ONLY\"", NULL };
	const char *envp[] = { "ONLY=yes", "PATH=/usr/bin:/bin", NULL };
	/* reads (the shell's builtin read) every 0.3 s for about 2.4 s */
	const char *busy[] = { "sh", "-c", "i=0; while [ $i -lt 8 ]; do "
	    "read -r x </etc/passwd; sleep 0.3; i=$((i+1)); done", NULL };
	struct spawn_result r;
	time_t t0;

	ASSERT_INT_EQ(spawn_run(echo, NULL, NULL, 10, SPAWN_OUT | SPAWN_ERR,
	    &r), 0);
	ASSERT_INT_EQ(r.status, 3);
	ASSERT_STR_EQ(r.out, "out\n");
	ASSERT_STR_EQ(r.err, "err\n");
	ASSERT_FALSE(r.timed_out);
	spawn_free(&r);

	ASSERT_INT_EQ(spawn_run(cat, NULL, "hello\n", 10, SPAWN_OUT, &r), 0);
	ASSERT_INT_EQ(r.status, 0);
	ASSERT_STR_EQ(r.out, "hello\n");
	spawn_free(&r);

	/* The whole process group is killed at the limit. */
	t0 = time(NULL);
	ASSERT_INT_EQ(spawn_run(hang, NULL, NULL, 1, SPAWN_OUT, &r), 0);
	ASSERT_TRUE(r.timed_out);
	ASSERT_INT_EQ(r.status, 128 + 15);
	ASSERT_TRUE(time(NULL) - t0 < 10);
	spawn_free(&r);

	ASSERT_INT_EQ(spawn_run(nosuch, NULL, NULL, 5, SPAWN_ERR, &r), 0);
	ASSERT_INT_EQ(r.status, 127);
	spawn_free(&r);

	ASSERT_INT_EQ(spawn_run(envcmd, envp, NULL, 5, SPAWN_OUT, &r), 0);
	ASSERT_STR_EQ(r.out, "yes\n");
	spawn_free(&r);

	/* No byte read for idle seconds: stalled, the group is ended. */
	t0 = time(NULL);
	ASSERT_INT_EQ(spawn_run_idle(hang, NULL, NULL, 20, 1, 0, SPAWN_OUT |
	    SPAWN_REAP, &r), 0);
	ASSERT_TRUE(r.stalled);
	ASSERT_FALSE(r.timed_out);
	ASSERT_INT_EQ(r.status, 128 + 15);
	ASSERT_TRUE(time(NULL) - t0 < 6);
	spawn_free(&r);
	/* ... but not during the grace at the start */
	t0 = time(NULL);
	ASSERT_INT_EQ(spawn_run_idle(hang, NULL, NULL, 20, 1, 2, SPAWN_OUT,
	    &r), 0);
	ASSERT_TRUE(r.stalled);
	ASSERT_TRUE(time(NULL) - t0 >= 3);
	spawn_free(&r);
	/* A program that keeps reading is not stalled. */
	ASSERT_INT_EQ(spawn_run_idle(busy, NULL, NULL, 20, 1, 0, SPAWN_OUT,
	    &r), 0);
	ASSERT_FALSE(r.stalled);
	ASSERT_INT_EQ(r.status, 0);
	spawn_free(&r);
	return test_summary();
}

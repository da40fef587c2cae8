/*
 * fuzz_secluded.c - libFuzzer target: secluded_feed on arbitrary bytes,
 * whole and in pieces cut where the input's first byte says; the two
 * must agree, never read past the end and never consume past the list;
 * and the command secluded_command writes splits back (cmdline.c) into
 * exactly the arguments (secluded.c MUST 5).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cmdline.h"
#include "secluded.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct secluded a, b;	/* large: off the stack */

static void
roundtrip(const struct strvec *args)
{
	struct words ws;
	const char *e = NULL, *r;
	char *cmd, *u;
	size_t i;

	if ((cmd = secluded_command("-slogD", 1, args, &e)) == NULL) {
		if (e == NULL)
			abort();
		return;
	}
	if (cmdline_classify(cmd, &r, &e) == CMD_RSYNC &&
	    cmdline_split(r, &ws, &e) == 0) {
		if (ws.n != args->n + 1)
			abort();
		for (i = 0; i < args->n; i++) {
			u = cmdline_unescape(ws.w[i + 1]);
			if (strcmp(u, args->v[i]) != 0)
				abort();
			free(u);
		}
		cmdline_free(&ws);
	}
	free(cmd);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *d, *ea = NULL, *eb = NULL;
	size_t n, used, ua, off, step, i;
	int ra, rb;

	if (size < 1)
		return 0;
	step = (size_t)data[0] % 17 + 1;
	d = (const char *)data + 1;
	n = size - 1;

	secluded_init(&a);
	ra = secluded_feed(&a, d, n, &ua, &ea);
	if (ua > n || (ra == SECL_ERR && ea == NULL))
		abort();
	/* DONE: the last byte used is the terminating NUL */
	if (ra == SECL_DONE && (ua < 1 || d[ua - 1] != '\0'))
		abort();
	if (ra == SECL_MORE && ua != n)
		abort();

	secluded_init(&b);
	rb = SECL_MORE;
	for (off = 0; off < n && rb == SECL_MORE; off += used) {
		rb = secluded_feed(&b, d + off, n - off < step ? n - off : step,
		    &used, &eb);
		if (used > step)
			abort();
	}
	if (ra != rb)
		abort();
	if (ra != SECL_ERR) {
		if (a.args.n != b.args.n || (ra == SECL_DONE && off != ua))
			abort();
		for (i = 0; i < a.args.n; i++)
			if (strcmp(a.args.v[i], b.args.v[i]) != 0 ||
			    strlen(a.args.v[i]) > MAX_SECLUDED_ARG)
				abort();
	}
	if (ra == SECL_DONE)
		roundtrip(&a.args);
	secluded_free(&a);
	secluded_free(&b);
	return 0;
}

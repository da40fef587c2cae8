/*
 * fuzz_cmdline.c - libFuzzer target: cmdline_classify, cmdline_split,
 * cmdline_unescape and braces_expand (small budget) on arbitrary input.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "braces.h"
#include "cmdline.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strvec out = { NULL, 0, 0 };
	struct words ws;
	const char *rest, *err;
	size_t i, budget = 256, before;
	char *s, *u;
	int r;

	if (size > MAX_CMD_LEN + 16)
		return 0;
	s = malloc(size + 1);
	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';

	r = cmdline_classify(s, &rest, &err);
	if (r == CMD_RSYNC) {
		if (rest == NULL || rest < s || rest > s + strlen(s))
			abort();
	} else if (r < 0 && (err == NULL || rest != NULL))
		abort();

	u = cmdline_unescape(s);
	if (strlen(u) > strlen(s))
		abort();
	free(u);

	if (cmdline_split(r == CMD_RSYNC ? rest : s, &ws, &err) == 0) {
		if (ws.n > MAX_WORDS)
			abort();
		for (i = 0; i < ws.n; i++) {
			if (ws.w[i][0] == '\0' || strlen(ws.w[i]) > MAX_WORD_LEN
			    || (strchr(ws.w[i], ' ') != NULL &&
			    strstr(ws.w[i], "\\ ") == NULL))
				abort();
			before = out.n;
			if (braces_expand(ws.w[i], &out, &budget, &err) == -1)
				break;
			if (out.n == before)
				abort();
		}
		if (out.n > 256)
			abort();
		cmdline_free(&ws);
	} else if (ws.w != NULL || ws.n != 0)
		abort();
	strvec_free(&out);
	free(s);
	return 0;
}

/*
 * fuzz_request.c - libFuzzer target: split the input as the part after
 * "rsync --server ", then request_parse it under several policies and
 * normalize every argument, freeing everything.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cmdline.h"
#include "request.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
check(const struct policy *p, const char *rest, const struct words *ws)
{
	struct request r;
	char *em = NULL, *out, *u;
	size_t i;
	int fl;

	if (request_parse(p, rest, ws, &r, &em) == -1) {
		if (em == NULL || r.items != NULL || r.nitems != 0)
			abort();
		free(em);
		return;
	}
	if (em != NULL || r.nitems == 0 || strcmp(r.items[0].text,
	    "--server") != 0)
		abort();
	if (p->ro && !r.am_sender)
		abort();
	if (p->wo && r.am_sender)
		abort();
	for (i = 0; i < r.nitems; i++) {
		if (r.items[i].text == NULL && r.items[i].value == NULL)
			abort();
		if (r.items[i].is_path && !p->subdir)
			abort();
		/* MUST 3: no ".." component survives in a confined value */
		if (p->subdir && r.items[i].value != NULL &&
		    (strcmp(r.items[i].value, "..") == 0 ||
		    strncmp(r.items[i].value, "../", 3) == 0 ||
		    strstr(r.items[i].value, "/../") != NULL))
			abort();
	}
	for (i = 0; i < r.nargs; i++) {
		u = cmdline_unescape(r.args[i]);
		out = NULL;
		em = NULL;
		if (request_normalize(p, "arg", u, 1, &out, &fl, &em) == 0) {
			if (em != NULL || out == NULL)
				abort();
			if (p->subdir && (fl & NORM_ROOTREL) &&
			    strncmp(out, p->dir, p->dirlen) != 0)
				abort();
		} else if (em == NULL || out != NULL)
			abort();
		free(out);
		free(em);
		free(u);
	}
	request_free(&r);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct policy p[5];
	struct words ws;
	const char *err;
	char *s;
	int i;

	if (size > 65536)
		return 0;
	s = malloc(size + 1);
	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (cmdline_split(s, &ws, &err) == 0) {
		memset(p, 0, sizeof(p));
		for (i = 0; i < 5; i++) {
			p[i].dir = "/srv/x";
			p[i].dirlen = 6;
			p[i].subdir = 1;
		}
		p[1].dir = "/";
		p[1].dirlen = 1;
		p[1].subdir = 0;
		p[2].ro = 1;
		p[2].no_del = 1;
		p[3].wo = 1;
		p[3].no_overwrite = 1;
		p[4].absolute = 1;
		p[4].munge = 1;
		for (i = 0; i < 5; i++)
			check(&p[i], s, &ws);
		cmdline_free(&ws);
	}
	free(s);
	return 0;
}

/*
 * fuzz_authkeys.c - libFuzzer target: authkeys_parse_line on every line
 * of the input; an accepted key line must format, parse back to the same
 * key, and format to the same text (MUST 4 of authkeys.c), and the
 * result must respect the bounds (MUST 1).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "authkeys.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
one(const char *s, size_t n)
{
	struct ak_line a, b;
	const char *err;
	char *f1, *f2;
	size_t i;

	if (authkeys_parse_line(s, n, &a, &err) == -1) {
		if (err == NULL || a.nopts != 0 || a.type != NULL)
			abort();
		return;
	}
	if (a.blank) {
		authkeys_free(&a);
		return;
	}
	if (n > MAX_AUTHKEYS_LINE || a.nopts > MAX_AUTHKEYS_OPTS ||
	    a.bloblen > MAX_AUTHKEYS_BLOB)
		abort();
	for (i = 0; i < a.nopts; i++)
		if (a.opts[i].value != NULL &&
		    strlen(a.opts[i].value) > MAX_AUTHKEYS_VALUE)
			abort();
	if ((f1 = authkeys_format(&a, &err)) == NULL)
		abort();
	if (authkeys_parse_line(f1, strlen(f1), &b, &err) == -1)
		abort();
	if (!authkeys_same_key(&a, &b) || a.nopts != b.nopts ||
	    strcmp(a.comment, b.comment) != 0)
		abort();
	for (i = 0; i < a.nopts; i++)
		if (a.opts[i].id != b.opts[i].id ||
		    (a.opts[i].value == NULL) != (b.opts[i].value == NULL) ||
		    (a.opts[i].value != NULL &&
		    strcmp(a.opts[i].value, b.opts[i].value) != 0))
			abort();
	if ((f2 = authkeys_format(&b, &err)) == NULL || strcmp(f1, f2) != 0)
		abort();
	free(f1);
	free(f2);
	authkeys_free(&a);
	authkeys_free(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size, *nl;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		one(p, (size_t)(nl - p));
		p = nl + 1;
	}
	return 0;
}

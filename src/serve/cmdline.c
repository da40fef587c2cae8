/*
 * cmdline.c - tokenizer for SSH_ORIGINAL_COMMAND (no I/O; it exits only
 * when out of memory, through xmalloc).
 *
 * MUST invariants (each has a test in tests/unit/test_cmdline.c):
 *  1. MUST refuse input longer than MAX_CMD_LEN, more than MAX_WORDS words,
 *     or a word longer than MAX_WORD_LEN.
 *  2. MUST refuse NUL-free control characters (0x01-0x1f, 0x7f) anywhere;
 *     rsync's client never sends them unescaped in a valid command and
 *     rrsync would split on some of them.
 *  3. MUST refuse an unterminated trailing backslash rather than drop it.
 *  4. MUST NOT treat anything but "rsync --server" (single spaces, exactly
 *     as sshd passes the client's string) as an rsync command.
 */
#include <stdlib.h>
#include <string.h>

#include "cmdline.h"
#include "util.h"

static const char server_prefix[] = "rsync --server";

int
cmdline_classify(const char *cmd, const char **rest, const char **errstr)
{
	size_t len;

	*rest = NULL;
	if (cmd == NULL || *cmd == '\0') {
		*errstr = "Not invoked via sshd";
		return CMD_ERR_EMPTY;
	}
	len = strnlen(cmd, MAX_CMD_LEN + 1);
	if (len > MAX_CMD_LEN) {
		*errstr = "command is too long";
		return CMD_ERR_TOO_LONG;
	}
	if (strcmp(cmd, "true") == 0)
		return CMD_TRUE;
	/* rrsync: command.split(' ', 2), first word must be "rsync". */
	if (strncmp(cmd, "rsync", 5) != 0 || (cmd[5] != ' ' && cmd[5] != '\0')) {
		*errstr = "SSH_ORIGINAL_COMMAND does not run rsync";
		return CMD_ERR_NOT_RSYNC;
	}
	if (strncmp(cmd, server_prefix, sizeof(server_prefix) - 1) != 0 ||
	    (cmd[sizeof(server_prefix) - 1] != ' ' &&
	    cmd[sizeof(server_prefix) - 1] != '\0')) {
		*errstr = "--server option is not the first arg";
		return CMD_ERR_NOT_SERVER;
	}
	*rest = cmd + sizeof(server_prefix) - 1;
	if (**rest == ' ')
		(*rest)++;
	return CMD_RSYNC;
}

enum state { S_SPACE, S_WORD, S_ESCAPE };

int
cmdline_split(const char *s, struct words *out, const char **errstr)
{
	struct words ws = { NULL, 0 };
	size_t len, i, start = 0, cap = 0;
	enum state st = S_SPACE;
	unsigned char c;
	char **nw;

	out->w = NULL;
	out->n = 0;
	len = strnlen(s, MAX_CMD_LEN + 1);
	if (len > MAX_CMD_LEN) {
		*errstr = "command is too long";
		return -1;
	}
	for (i = 0; i <= len; i++) {
		c = (unsigned char)s[i];
		if (c != '\0' && (c < 0x20 || c == 0x7f)) {
			*errstr = "control character in command";
			goto fail;
		}
		switch (st) {
		case S_SPACE:
			if (c == ' ' || c == '\0')
				break;
			start = i;
			st = c == '\\' ? S_ESCAPE : S_WORD;
			break;
		case S_ESCAPE:
			if (c == '\0') {
				*errstr = "unterminated backslash escape";
				goto fail;
			}
			st = S_WORD;
			break;
		case S_WORD:
			if (c == '\\') {
				st = S_ESCAPE;
				break;
			}
			if (c != ' ' && c != '\0')
				break;
			if (i - start > MAX_WORD_LEN) {
				*errstr = "word in command is too long";
				goto fail;
			}
			if (ws.n >= MAX_WORDS) {
				*errstr = "too many words in command";
				goto fail;
			}
			if (ws.n + 1 >= cap) {
				cap = cap ? cap * 2 : 32;
				nw = xreallocarray(ws.w, cap, sizeof(*nw));
				ws.w = nw;
			}
			ws.w[ws.n++] = xstrndup(s + start, i - start);
			ws.w[ws.n] = NULL;
			st = S_SPACE;
			break;
		}
	}
	*out = ws;	/* ownership passes to the caller */
	return 0;
 fail:
	cmdline_free(&ws);
	return -1;
}

void
cmdline_free(struct words *ws)
{
	size_t i;

	for (i = 0; i < ws->n; i++)
		free(ws->w[i]);
	free(ws->w);
	ws->w = NULL;
	ws->n = 0;
}

char *
cmdline_unescape(const char *s)
{
	char *out, *o;

	out = o = xmalloc(strlen(s) + 1);
	for (; *s != '\0'; s++) {
		if (*s == '\\' && s[1] != '\0')
			s++;
		*o++ = *s;
	}
	*o = '\0';
	return out;
}

/* test_cmdline.c - SSH_ORIGINAL_COMMAND classification and splitting. */
#define TEST_MODULE "cmdline"
#include <stdlib.h>
#include <string.h>

#include "cmdline.h"
#include "test.h"

static void
test_classify(void)
{
	static const struct {
		const char *cmd;
		int want;
		const char *rest;	/* for CMD_RSYNC */
		const char *err;	/* for errors */
	} t[] = {
		{ "true", CMD_TRUE, NULL, NULL },
		{ "", CMD_ERR_EMPTY, NULL, "Not invoked via sshd" },
		{ "true ", CMD_ERR_NOT_RSYNC, NULL,
		  "SSH_ORIGINAL_COMMAND does not run rsync" },
		{ "ls -la", CMD_ERR_NOT_RSYNC, NULL,
		  "SSH_ORIGINAL_COMMAND does not run rsync" },
		{ "rsyncx --server", CMD_ERR_NOT_RSYNC, NULL,
		  "SSH_ORIGINAL_COMMAND does not run rsync" },
		{ "/usr/bin/rsync --server . x", CMD_ERR_NOT_RSYNC, NULL,
		  "SSH_ORIGINAL_COMMAND does not run rsync" },
		{ " rsync --server . x", CMD_ERR_NOT_RSYNC, NULL,
		  "SSH_ORIGINAL_COMMAND does not run rsync" },
		{ "rsync", CMD_ERR_NOT_SERVER, NULL,
		  "--server option is not the first arg" },
		{ "rsync  --server . x", CMD_ERR_NOT_SERVER, NULL,
		  "--server option is not the first arg" },
		{ "rsync --serverX . x", CMD_ERR_NOT_SERVER, NULL,
		  "--server option is not the first arg" },
		{ "rsync --sender --server . x", CMD_ERR_NOT_SERVER, NULL,
		  "--server option is not the first arg" },
		{ "rsync -e --server", CMD_ERR_NOT_SERVER, NULL,
		  "--server option is not the first arg" },
		{ "rsync --server", CMD_RSYNC, "", NULL },
		{ "rsync --server ", CMD_RSYNC, "", NULL },
		{ "rsync --server -vlogDtpre.iLsfxCIvu . dest/", CMD_RSYNC,
		  "-vlogDtpre.iLsfxCIvu . dest/", NULL },
		{ "rsync --server --sender -vlogDtpre.iLsfxCIvu . dir/",
		  CMD_RSYNC, "--sender -vlogDtpre.iLsfxCIvu . dir/", NULL },
		{ "rsync --server  . x", CMD_RSYNC, " . x", NULL },
	};
	const char *rest, *err;
	size_t i;
	int r;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		err = NULL;
		r = cmdline_classify(t[i].cmd, &rest, &err);
		ASSERT_INT_EQ_CTX(r, t[i].want, t[i].cmd);
		if (t[i].want == CMD_RSYNC)
			ASSERT_STR_EQ_CTX(rest, t[i].rest, t[i].cmd);
		else if (t[i].want < 0) {
			ASSERT_STR_EQ_CTX(err, t[i].err, t[i].cmd);
			ASSERT_NULL(rest);
		}
	}
	err = NULL;
	ASSERT_INT_EQ(cmdline_classify(NULL, &rest, &err), CMD_ERR_EMPTY);
	ASSERT_STR_EQ(err, "Not invoked via sshd");
}

static void
test_split(void)
{
	static const struct {
		const char *in;
		int ok;
		size_t n;
		const char *w[4];
		const char *err;
	} t[] = {
		{ "", 1, 0, { NULL }, NULL },
		{ "   ", 1, 0, { NULL }, NULL },
		{ "-v . x", 1, 3, { "-v", ".", "x" }, NULL },
		{ "  -v   .  x  ", 1, 3, { "-v", ".", "x" }, NULL },
		/* escapes are kept in the raw words */
		{ "a\\ b c", 1, 2, { "a\\ b", "c" }, NULL },
		{ "\\ lead", 1, 1, { "\\ lead" }, NULL },
		{ "x\\\\ y", 1, 2, { "x\\\\", "y" }, NULL },
		{ "a\\*b \\{x,y\\}", 1, 2, { "a\\*b", "\\{x,y\\}" }, NULL },
		{ "end\\ ", 1, 1, { "end\\ " }, NULL },
		{ "\\\\", 1, 1, { "\\\\" }, NULL },
		{ "utf8-\xc3\xa9", 1, 1, { "utf8-\xc3\xa9" }, NULL },
		/* refused */
		{ "a\tb", 0, 0, { NULL }, "control character in command" },
		{ "a\nb", 0, 0, { NULL }, "control character in command" },
		{ "a b\r", 0, 0, { NULL }, "control character in command" },
		{ "\x01", 0, 0, { NULL }, "control character in command" },
		{ "x \x7f", 0, 0, { NULL }, "control character in command" },
		{ "a\\\tb", 0, 0, { NULL }, "control character in command" },
		{ "abc\\", 0, 0, { NULL }, "unterminated backslash escape" },
		{ "\\", 0, 0, { NULL }, "unterminated backslash escape" },
		{ "a b \\", 0, 0, { NULL }, "unterminated backslash escape" },
		{ "a\\\\\\", 0, 0, { NULL }, "unterminated backslash escape" },
	};
	struct words ws;
	const char *err;
	size_t i, j;
	int r;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		err = NULL;
		r = cmdline_split(t[i].in, &ws, &err);
		ASSERT_INT_EQ_CTX(r, t[i].ok ? 0 : -1, t[i].in);
		if (r == 0) {
			ASSERT_INT_EQ_CTX(ws.n, t[i].n, t[i].in);
			for (j = 0; j < ws.n && j < t[i].n; j++)
				ASSERT_STR_EQ_CTX(ws.w[j], t[i].w[j], t[i].in);
			if (ws.n > 0)
				ASSERT_NULL(ws.w[ws.n]);
			cmdline_free(&ws);
		} else {
			ASSERT_STR_EQ_CTX(err, t[i].err, t[i].in);
			ASSERT_NULL(ws.w);
			ASSERT_INT_EQ(ws.n, 0);
		}
	}
	/* cmdline_free is idempotent */
	ASSERT_INT_EQ(cmdline_split("a b", &ws, &err), 0);
	cmdline_free(&ws);
	cmdline_free(&ws);
	ASSERT_NULL(ws.w);
}

/* A string of `len' bytes: words of `wlen' 'a's separated by one space. */
static char *
filler(size_t len, size_t wlen)
{
	char *s = malloc(len + 1);
	size_t i;

	for (i = 0; i < len; i++)
		s[i] = (i % (wlen + 1)) == wlen ? ' ' : 'a';
	s[len] = '\0';
	return s;
}

static void
test_limits(void)
{
	struct words ws;
	const char *err, *rest;
	char *s, *cmd;
	size_t i;

	/* MAX_CMD_LEN: split */
	s = filler(MAX_CMD_LEN, 15);
	ASSERT_INT_EQ(cmdline_split(s, &ws, &err), 0);
	ASSERT_INT_EQ(ws.n, MAX_CMD_LEN / 16);
	cmdline_free(&ws);
	free(s);
	s = filler(MAX_CMD_LEN + 1, 15);
	err = NULL;
	ASSERT_INT_EQ(cmdline_split(s, &ws, &err), -1);
	ASSERT_STR_EQ(err, "command is too long");
	free(s);

	/* MAX_CMD_LEN: classify */
	cmd = filler(MAX_CMD_LEN, 15);
	memcpy(cmd, "rsync --server ", 15);
	ASSERT_INT_EQ(cmdline_classify(cmd, &rest, &err), CMD_RSYNC);
	ASSERT_INT_EQ(strlen(rest), MAX_CMD_LEN - 15);
	free(cmd);
	cmd = filler(MAX_CMD_LEN + 1, 15);
	memcpy(cmd, "rsync --server ", 15);
	err = NULL;
	ASSERT_INT_EQ(cmdline_classify(cmd, &rest, &err), CMD_ERR_TOO_LONG);
	ASSERT_STR_EQ(err, "command is too long");
	ASSERT_NULL(rest);
	free(cmd);

	/* MAX_WORDS */
	s = filler(MAX_WORDS * 2 - 1, 1);
	ASSERT_INT_EQ(cmdline_split(s, &ws, &err), 0);
	ASSERT_INT_EQ(ws.n, MAX_WORDS);
	for (i = 0; i < ws.n; i++)
		if (strcmp(ws.w[i], "a") != 0)
			break;
	ASSERT_INT_EQ(i, MAX_WORDS);
	cmdline_free(&ws);
	free(s);
	s = filler(MAX_WORDS * 2 + 1, 1);
	err = NULL;
	ASSERT_INT_EQ(cmdline_split(s, &ws, &err), -1);
	ASSERT_STR_EQ(err, "too many words in command");
	free(s);
	/* trailing spaces do not make words */
	s = filler(MAX_WORDS * 2, 1);
	ASSERT_INT_EQ(cmdline_split(s, &ws, &err), 0);
	ASSERT_INT_EQ(ws.n, MAX_WORDS);
	cmdline_free(&ws);
	free(s);

	/* MAX_WORD_LEN, escapes included */
	s = filler(MAX_WORD_LEN, MAX_WORD_LEN + 10);
	ASSERT_INT_EQ(cmdline_split(s, &ws, &err), 0);
	ASSERT_INT_EQ(ws.n, 1);
	ASSERT_INT_EQ(strlen(ws.w[0]), MAX_WORD_LEN);
	cmdline_free(&ws);
	free(s);
	s = filler(MAX_WORD_LEN + 1, MAX_WORD_LEN + 10);
	err = NULL;
	ASSERT_INT_EQ(cmdline_split(s, &ws, &err), -1);
	ASSERT_STR_EQ(err, "word in command is too long");
	free(s);
	s = filler(MAX_WORD_LEN, MAX_WORD_LEN + 10);
	s[0] = '\\';
	s[1] = ' ';		/* escape counts as two bytes */
	ASSERT_INT_EQ(cmdline_split(s, &ws, &err), 0);
	ASSERT_INT_EQ(ws.n, 1);
	cmdline_free(&ws);
	s = realloc(s, MAX_WORD_LEN + 2);
	s[MAX_WORD_LEN] = 'a';
	s[MAX_WORD_LEN + 1] = '\0';
	err = NULL;
	ASSERT_INT_EQ(cmdline_split(s, &ws, &err), -1);
	ASSERT_STR_EQ(err, "word in command is too long");
	free(s);
	/* long word as the last of several */
	s = filler(MAX_WORD_LEN + 2, MAX_WORD_LEN + 10);
	s[1] = ' ';
	ASSERT_INT_EQ(cmdline_split(s, &ws, &err), 0);
	ASSERT_INT_EQ(ws.n, 2);
	cmdline_free(&ws);
	free(s);
}

static void
test_unescape(void)
{
	static const struct {
		const char *in, *out;
	} t[] = {
		{ "", "" },
		{ "plain", "plain" },
		{ "a\\ b", "a b" },
		{ "\\\\", "\\" },
		{ "\\\\\\\\", "\\\\" },
		{ "\\{a,b\\}", "{a,b}" },
		{ "\\*", "*" },
		{ "trail\\", "trail\\" },
		{ "\\a\\b\\c", "abc" },
	};
	size_t i;
	char *o;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		o = cmdline_unescape(t[i].in);
		ASSERT_STR_EQ_CTX(o, t[i].out, t[i].in);
		free(o);
	}
}

int
main(void)
{
	test_classify();
	test_split();
	test_limits();
	test_unescape();
	return test_summary();
}

/* fuzz_job.c - libFuzzer target for the job-file parser (job_parse). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "job.h"
#include "mirror.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strvec av = { NULL, 0, 0 };
	struct job j;
	const char *errstr;
	char *text;
	int line;

	if (size > MAX_JOB_FILE + 16)
		return 0;
	text = malloc(size + 1);
	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (job_parse(text, "fuzz", "/etc/rsguard/jobs", &j, &line,
	    &errstr) == 0) {
		mirror_rsync_argv(&j, 1, &av);
		strvec_free(&av);
		job_free(&j);
	}
	free(text);
	return 0;
}

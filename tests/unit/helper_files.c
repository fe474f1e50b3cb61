/* Files and shell commands for tests; see helper_files.h. */
#include "helper_files.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#define TEST_TEXT_MAX (1 << 16)

int test_run(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

char *test_read_text(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	char *text = malloc(TEST_TEXT_MAX);
	assert_non_null(text);
	size_t n = fread(text, 1, TEST_TEXT_MAX - 1, f);
	fclose(f);
	text[n] = 0;
	if (len)
		*len = n;
	return text;
}

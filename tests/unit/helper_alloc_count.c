/* libcrypto allocation counter for the no-allocation tests; see helper_alloc_count.h. */
#include "helper_alloc_count.h"

#include <stdlib.h>

#include <openssl/crypto.h>

static size_t crypto_allocs;
static bool counting_installed;

static void *count_malloc(size_t n, const char *file, int line)
{
	(void)file;
	(void)line;
	crypto_allocs++;
	return malloc(n);
}

static void *count_realloc(void *p, size_t n, const char *file, int line)
{
	(void)file;
	(void)line;
	crypto_allocs++;
	return realloc(p, n);
}

static void count_free(void *p, const char *file, int line)
{
	(void)file;
	(void)line;
	free(p);
}

bool alloc_count_install(void)
{
	counting_installed = CRYPTO_set_mem_functions(count_malloc, count_realloc, count_free) == 1;
	return counting_installed;
}

bool alloc_count_installed(void)
{
	return counting_installed;
}

size_t alloc_count(void)
{
	return crypto_allocs;
}

/* Tokenizing OpenSSH-style config lines and feeding them to a program's keyword table. */
#include "cfgfile.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

int cfg_split_line(const char *line, char ***words_out)
{
	size_t cap = 8, n = 0;
	char **words = calloc(cap, sizeof(*words));
	if (!words)
		return -1;
	const char *p = line;
	for (;;) {
		while (is_space(*p))
			p++;
		/* "Keyword=value": the first '=' after the keyword separates like white space. */
		if (n == 1 && *p == '=') {
			p++;
			while (is_space(*p))
				p++;
		}
		if (*p == 0 || *p == '#')
			break;
		size_t len = strlen(p);
		char *w = malloc(len + 1), *o = w;
		if (!w)
			goto fail;
		int quoted = 0;
		while (*p && (quoted || (!is_space(*p) && !(n == 0 && *p == '=')))) {
			if (*p == '"') {
				quoted = !quoted;
				p++;
				continue;
			}
			*o++ = *p++;
		}
		*o = 0;
		if (quoted) {
			free(w);
			goto fail;
		}
		if (n + 2 > cap) {
			char **grown = realloc(words, (cap *= 2) * sizeof(*words));
			if (!grown) {
				free(w);
				goto fail;
			}
			words = grown;
		}
		words[n++] = w;
		words[n] = NULL;
	}
	*words_out = words;
	return (int)n;
fail:
	cfg_free_words(words);
	return -1;
}

void cfg_free_words(char **words)
{
	if (!words)
		return;
	for (char **w = words; *w; w++)
		free(*w);
	free(words);
}

static int cfg_feed_line(const char *line, const char *origin, int line_no, cfg_line_fn fn, void *ctx)
{
	char **words = NULL;
	int n = cfg_split_line(line, &words);
	if (n < 0) {
		fprintf(stderr, "%s line %d: unbalanced quotes\n", origin, line_no);
		return -2;
	}
	int r = n > 0 ? fn(ctx, origin, line_no, words, n) : 0;
	cfg_free_words(words);
	return r;
}

int cfg_read_file(const char *path, cfg_line_fn fn, void *ctx)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	char *line = NULL;
	size_t cap = 0;
	int line_no = 0, r = 0;
	while (getline(&line, &cap, f) >= 0) {
		line_no++;
		r = cfg_feed_line(line, path, line_no, fn, ctx);
		if (r < 0)
			break;
	}
	free(line);
	fclose(f);
	return r;
}

int cfg_read_option(const char *option, cfg_line_fn fn, void *ctx)
{
	return cfg_feed_line(option, "command line", 0, fn, ctx);
}

int file_read_all(const char *path, char **data, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return -1;
	size_t cap = 4096, n = 0;
	char *p = malloc(cap);
	while (p) {
		size_t got = fread(p + n, 1, cap - n - 1, f);
		n += got;
		if (got == 0)
			break;
		if (cap - n - 1 == 0) {
			char *grown = realloc(p, cap *= 2);
			if (!grown) {
				free(p);
				p = NULL;
				break;
			}
			p = grown;
		}
	}
	int err = ferror(f);
	fclose(f);
	if (!p || err) {
		free(p);
		errno = p ? EIO : ENOMEM;
		return -1;
	}
	p[n] = 0;
	*data = p;
	*len = n;
	return 0;
}

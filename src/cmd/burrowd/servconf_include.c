/*
 * Reading burrowd's configuration: the main file, "Include" (glob patterns, relative names taken
 * from the main file's directory as sshd takes them from /etc/ssh, nested at most 16 deep), and
 * the -o / -p command-line arguments. Every text read is kept in the servconf_source so that a
 * connection's Match evaluation (servconf_for_connection) reads exactly what startup read.
 */
#define _GNU_SOURCE
#include "servconf_internal.h"

#include <errno.h>
#include <glob.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>

#include "cfgfile.h"

struct servconf_state *servconf_state_get(struct server_options *opts)
{
	if (opts->state)
		return opts->state;
	struct servconf_state *state = calloc(1, sizeof(*state));
	struct servconf_source *source = calloc(1, sizeof(*source));
	if (!state || !source) {
		free(state);
		free(source);
		return NULL;
	}
	source->refs = 1;
	state->source = source;
	opts->state = state;
	return state;
}

void servconf_source_release(struct servconf_source *source)
{
	if (!source || --source->refs > 0)
		return;
	free(source->path);
	free(source->text);
	strlist_free(&source->options);
	strlist_free(&source->ports);
	for (size_t i = 0; i < source->include_count; i++) {
		free(source->includes[i].selector);
		free(source->includes[i].path);
		free(source->includes[i].text);
	}
	free(source->includes);
	free(source);
}

void servconf_state_free(struct servconf_state *state)
{
	if (!state)
		return;
	servconf_source_release(state->source);
	free(state);
}

int servconf_parse_text(struct server_options *opts, const char *origin, const char *text, unsigned file_flags)
{
	struct servconf_state *state = servconf_state_get(opts);
	if (!state)
		return SERVCONF_FATAL;
	unsigned saved_flags = state->file_flags;
	state->file_flags = file_flags;
	int r = 0, line_no = 0;
	const char *p = text;
	while (r == 0 && p && *p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char *line = strndup(p, len);
		char **words = NULL;
		line_no++;
		p = nl ? nl + 1 : NULL;
		if (!line)
			r = SERVCONF_FATAL;
		int n = line ? cfg_split_line(line, &words) : 0;
		if (line && n < 0) {
			fprintf(stderr, "%s line %d: unbalanced quotes\n", origin, line_no);
			r = -2;
		} else if (n > 0) {
			r = servconf_line(opts, origin, line_no, words, n);
		}
		cfg_free_words(words);
		free(line);
	}
	state->file_flags = saved_flags;
	return r;
}

int servconf_read_file(struct server_options *opts, const char *path, const char *name)
{
	struct servconf_state *state = servconf_state_get(opts);
	char *text;
	size_t len;
	if (!state) {
		errno = ENOMEM;
		return -1;
	}
	if (file_read_all(path, &text, &len) < 0)
		return -1;
	free(state->source->path);
	free(state->source->text);
	state->source->path = strdup(name ? name : path);
	state->source->text = text;
	if (!state->source->path)
		return SERVCONF_FATAL;
	return servconf_parse_text(opts, state->source->path, text, 0);
}

int servconf_cmdline_option(struct server_options *opts, const char *option)
{
	struct servconf_state *state = servconf_state_get(opts);
	if (!state || strlist_add(&state->source->options, option) < 0)
		return SERVCONF_FATAL;
	int r = cfg_read_option(option, servconf_line, opts);
	return r < 0 || opts->bad_options > 0 ? SERVCONF_FATAL : 0;
}

/* The Include argument as sshd resolves it: absolute and "~" names as given, others under the
 * directory of the main configuration file. */
static char *include_selector_new(const struct servconf_source *source, const char *arg)
{
	char *selector = NULL;
	if (arg[0] == '/' || arg[0] == '~' || !source->path)
		return strdup(arg);
	char *copy = strdup(source->path);
	if (copy && asprintf(&selector, "%s/%s", dirname(copy), arg) < 0)
		selector = NULL;
	free(copy);
	return selector;
}

static int include_add(struct servconf_source *source, const char *selector, const char *path, char *text)
{
	struct servconf_include *grown =
		realloc(source->includes, (source->include_count + 1) * sizeof(*grown));
	if (!grown)
		return SERVCONF_FATAL;
	source->includes = grown;
	struct servconf_include *inc = &grown[source->include_count];
	inc->selector = strdup(selector);
	inc->path = path ? strdup(path) : NULL;
	inc->text = text;
	if (!inc->selector || (path && !inc->path)) {
		free(inc->selector);
		free(inc->path);
		return SERVCONF_FATAL;
	}
	source->include_count++;
	return 0;
}

/* Globs the selector and reads every file it names into the cache (a placeholder when nothing
 * matches, so later readings do not glob again). */
static int include_load(struct servconf_source *source, const char *origin, int line_no, const char *selector)
{
	glob_t g;
	int r = glob(selector, 0, NULL, &g);
	if (r == GLOB_NOMATCH) {
		globfree(&g);
		return include_add(source, selector, NULL, NULL);
	}
	if (r != 0) {
		fprintf(stderr, "%s line %d: include \"%s\" glob failed\n", origin, line_no, selector);
		return SERVCONF_FATAL;
	}
	for (size_t i = 0; i < g.gl_pathc && r == 0; i++) {
		char *text;
		size_t len;
		if (file_read_all(g.gl_pathv[i], &text, &len) < 0) {
			fprintf(stderr, "%s: %s\n", g.gl_pathv[i], strerror(errno));
			r = SERVCONF_FATAL;
		} else if (include_add(source, selector, g.gl_pathv[i], text) < 0) {
			free(text);
			r = SERVCONF_FATAL;
		}
	}
	globfree(&g);
	return r;
}

static bool include_cached(const struct servconf_source *source, const char *selector)
{
	for (size_t i = 0; i < source->include_count; i++)
		if (strcmp(source->includes[i].selector, selector) == 0)
			return true;
	return false;
}

/* Reads the cached files of one selector; the including file's Match state is restored after
 * each, so an included file cannot change which block its includer is in. */
static int include_parse(struct server_options *opts, const char *selector, unsigned flags)
{
	struct servconf_state *state = opts->state;
	bool was_inactive = opts->in_match_block;
	for (size_t i = 0; i < state->source->include_count; i++) {
		const struct servconf_include *inc = &state->source->includes[i];
		if (strcmp(inc->selector, selector) != 0 || !inc->path)
			continue;
		state->depth++;
		int r = servconf_parse_text(opts, inc->path, inc->text, flags);
		state->depth--;
		opts->in_match_block = was_inactive;
		if (r < 0)
			return r;
	}
	return 0;
}

int servconf_include_line(struct server_options *opts, const char *origin, int line_no, char **words, int nwords)
{
	struct servconf_state *state = servconf_state_get(opts);
	if (!state)
		return SERVCONF_FATAL;
	if (line_no == 0) {
		fprintf(stderr, "Include directive not supported as a command-line option\n");
		return SERVCONF_FATAL;
	}
	if (state->depth >= SERVCONF_MAX_INCLUDE_DEPTH) {
		fprintf(stderr, "Too many recursive configuration includes\n");
		return SERVCONF_FATAL;
	}
	/* As sshd: the Match blocks of a file included from a block that does not apply never
	 * apply either; the global part of the top file keeps "only Match blocks" going. */
	unsigned flags = state->file_flags & SERVCONF_FILE_MATCH_ONLY ? SERVCONF_FILE_MATCH_ONLY
		       : opts->in_match_block ? SERVCONF_FILE_NEVER_MATCH : 0;
	for (int i = 1; i < nwords; i++) {
		if (!*words[i]) {
			fprintf(stderr, "%s line %d: keyword %s empty argument\n", origin, line_no, words[0]);
			return SERVCONF_FATAL;
		}
		char *selector = include_selector_new(state->source, words[i]);
		int r = selector ? 0 : SERVCONF_FATAL;
		if (r == 0 && !include_cached(state->source, selector))
			r = include_load(state->source, origin, line_no, selector);
		if (r == 0)
			r = include_parse(opts, selector, flags);
		free(selector);
		if (r < 0)
			return r;
	}
	return 0;
}

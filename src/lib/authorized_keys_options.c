/*
 * authorized_keys options (sshd(8) AUTHORIZED_KEYS FILE FORMAT), read as sshd's auth-options.c
 * reads them: names are case-insensitive, values are double-quoted with \" as the only escape,
 * options are separated by commas. "restrict" turns every permission off; the positive flags
 * that follow it ("pty", "port-forwarding", ...) turn single ones back on.
 */
#define _GNU_SOURCE /* timegm */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "keys_internal.h"

void burrow_authorized_keys_options_init(struct burrow_authorized_keys_options *o)
{
	memset(o, 0, sizeof(*o));
	o->permit_pty = o->permit_port_forwarding = o->permit_agent_forwarding = true;
	o->permit_x11_forwarding = o->permit_user_rc = true;
	o->tunnel = -1;
}

static void free_list(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void burrow_authorized_keys_options_free(struct burrow_authorized_keys_options *o)
{
	if (!o)
		return;
	free(o->force_command);
	free(o->from);
	free(o->principals);
	free_list(o->environment, o->environment_count);
	free_list(o->permitopen, o->permitopen_count);
	free_list(o->permitlisten, o->permitlisten_count);
	burrow_authorized_keys_options_init(o);
}

/* The option list being read: the text and a position in it. */
struct opt_reader {
	struct bstr s;
	size_t i;
	const char *why;
};

/* Consumes `name` (case-insensitive) when it is the whole option name at the position. */
static bool take_name(struct opt_reader *r, const char *name, bool valued)
{
	size_t n = strlen(name);
	if (r->s.len - r->i < n || strncasecmp((const char *)r->s.p + r->i, name, n) != 0)
		return false;
	size_t end = r->i + n;
	if (valued) {
		if (end >= r->s.len || r->s.p[end] != '=')
			return false;
		r->i = end + 1;
		return true;
	}
	if (end < r->s.len && r->s.p[end] != ',' && r->s.p[end] != ' ' && r->s.p[end] != '\t')
		return false;
	r->i = end;
	return true;
}

/* A flag and its "no-" form: sets *slot to true / false. */
static bool take_flag(struct opt_reader *r, const char *name, bool *slot)
{
	size_t save = r->i;
	if (take_name(r, name, false)) {
		*slot = true;
		return true;
	}
	if (r->s.len - r->i > 3 && strncasecmp((const char *)r->s.p + r->i, "no-", 3) == 0) {
		r->i += 3;
		if (take_name(r, name, false)) {
			*slot = false;
			return true;
		}
	}
	r->i = save;
	return false;
}

/* The quoted value at the position, unescaped into a heap string. NULL (with r->why) when
 * it is missing, unterminated or holds a NUL. */
static char *take_value_new(struct opt_reader *r)
{
	if (r->i >= r->s.len || r->s.p[r->i] != '"') {
		r->why = "missing start quote";
		return NULL;
	}
	char *out = malloc(r->s.len - r->i + 1);
	if (!out) {
		r->why = "out of memory";
		return NULL;
	}
	size_t n = 0;
	for (r->i++; r->i < r->s.len && r->s.p[r->i] != '"'; r->i++) {
		if (r->s.p[r->i] == '\\' && r->i + 1 < r->s.len && r->s.p[r->i + 1] == '"')
			r->i++;
		if (r->s.p[r->i] == 0)
			break;
		out[n++] = (char)r->s.p[r->i];
	}
	if (r->i >= r->s.len || r->s.p[r->i] != '"') {
		free(out);
		r->why = "missing end quote";
		return NULL;
	}
	r->i++;
	out[n] = 0;
	return out;
}

static int list_add(char ***v, size_t *n, char *item)
{
	char **grown = realloc(*v, (*n + 1) * sizeof(**v));
	if (!grown) {
		free(item);
		return BURROW_E_NOMEM;
	}
	*v = grown;
	(*v)[(*n)++] = item;
	return 0;
}

/* "NAME=value" with NAME of letters, digits and '_'; the first value of a name wins. */
static int add_environment(struct burrow_authorized_keys_options *o, char *value, const char **why)
{
	size_t name_len = 0;
	while (isalnum((unsigned char)value[name_len]) || value[name_len] == '_')
		name_len++;
	if (name_len == 0 || value[name_len] != '=') {
		free(value);
		*why = "invalid environment string";
		return BURROW_E_PARSE;
	}
	for (size_t k = 0; k < o->environment_count; k++) {
		if (strncmp(o->environment[k], value, name_len + 1) == 0) {
			free(value);
			return 0;
		}
	}
	return list_add(&o->environment, &o->environment_count, value);
}

/* A port number 1..65535, or "*" when allowed. */
static bool port_valid(const char *s, bool wildcard)
{
	if (wildcard && strcmp(s, "*") == 0)
		return true;
	if (!*s || strlen(s) > 5)
		return false;
	for (const char *p = s; *p; p++)
		if (!isdigit((unsigned char)*p))
			return false;
	long v = strtol(s, NULL, 10);
	return v >= 1 && v <= 65535;
}

/* "host:port" (permitopen) or "[host:]port" (permitlisten, where a bare port means "*:port");
 * IPv6 hosts in brackets. */
static int add_permission(char ***v, size_t *n, char *value, bool listen, const char **why)
{
	if (listen && !strchr(value, ':')) {
		char *full = malloc(strlen(value) + 3);
		if (!full) {
			free(value);
			return BURROW_E_NOMEM;
		}
		strcpy(full, "*:");
		strcat(full, value);
		free(value);
		value = full;
	}
	const char *port;
	if (value[0] == '[') {
		char *close = strchr(value, ']');
		port = close && close[1] == ':' && close > value + 1 ? close + 2 : NULL;
	} else {
		char *colon = strrchr(value, ':');
		port = colon && colon > value && !memchr(value, ':', (size_t)(colon - value)) ? colon + 1 : NULL;
	}
	if (!port) {
		free(value);
		*why = "invalid permission hostname";
		return BURROW_E_PARSE;
	}
	if (!port_valid(port, true)) {
		free(value);
		*why = "invalid permission port";
		return BURROW_E_PARSE;
	}
	return list_add(v, n, value);
}

static bool all_digits(const char *s, size_t n)
{
	for (size_t k = 0; k < n; k++)
		if (!isdigit((unsigned char)s[k]))
			return false;
	return true;
}

int burrow_parse_absolute_time(const char *s, uint64_t *out)
{
	size_t n = strlen(s);
	bool utc = n > 0 && (s[n - 1] == 'Z' || s[n - 1] == 'z');
	if (utc)
		n--;
	if ((n != 8 && n != 12 && n != 14) || !all_digits(s, n))
		return BURROW_E_PARSE;
	int f[6] = { 0, 1, 1, 0, 0, 0 };
	static const int width[6] = { 4, 2, 2, 2, 2, 2 };
	size_t pos = 0;
	for (int k = 0; k < 6 && pos < n; k++) {
		f[k] = 0;
		for (int d = 0; d < width[k]; d++)
			f[k] = f[k] * 10 + (s[pos++] - '0');
	}
	if (f[1] < 1 || f[1] > 12 || f[2] < 1 || f[2] > 31 || f[3] > 23 || f[4] > 59 || f[5] > 60)
		return BURROW_E_PARSE;
	struct tm tm;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = f[0] - 1900;
	tm.tm_mon = f[1] - 1;
	tm.tm_mday = f[2];
	tm.tm_hour = f[3];
	tm.tm_min = f[4];
	tm.tm_sec = f[5];
	tm.tm_isdst = -1;
	/* As sshd: local time unless the text ends in 'Z'. */
	time_t t = utc ? timegm(&tm) : mktime(&tm);
	if (t == (time_t)-1 || t < 0)
		return BURROW_E_PARSE;
	*out = (uint64_t)t;
	return 0;
}

/* A value-taking option whose name is already consumed. */
static int apply_value(struct burrow_authorized_keys_options *o, const char *name, char *value,
		       const char **why)
{
	if (strcmp(name, "command") == 0 || strcmp(name, "from") == 0 || strcmp(name, "principals") == 0) {
		char **slot = name[0] == 'c' ? &o->force_command : name[0] == 'f' ? &o->from : &o->principals;
		if (*slot) {
			free(value);
			*why = name[0] == 'c' ? "multiple \"command\" clauses"
			     : name[0] == 'f' ? "multiple \"from\" clauses" : "multiple \"principals\" clauses";
			return BURROW_E_PARSE;
		}
		*slot = value;
		return 0;
	}
	if (strcmp(name, "environment") == 0)
		return add_environment(o, value, why);
	if (strcmp(name, "permitopen") == 0)
		return add_permission(&o->permitopen, &o->permitopen_count, value, false, why);
	if (strcmp(name, "permitlisten") == 0)
		return add_permission(&o->permitlisten, &o->permitlisten_count, value, true, why);
	if (strcmp(name, "expiry-time") == 0) {
		uint64_t t;
		int r = burrow_parse_absolute_time(value, &t);
		free(value);
		if (r < 0) {
			*why = "invalid expires time";
			return r;
		}
		/* Several: the earliest counts. */
		if (o->expiry_time == 0 || t < o->expiry_time)
			o->expiry_time = t;
		return 0;
	}
	/* tunnel */
	char *end;
	long v = strtol(value, &end, 10);
	bool ok = *value && !*end && v >= 0 && v <= 0x7fffffff;
	free(value);
	if (!ok) {
		*why = "invalid tun device";
		return BURROW_E_PARSE;
	}
	o->tunnel = (int)v;
	return 0;
}

static void apply_restrict(struct burrow_authorized_keys_options *o)
{
	o->restricted = true;
	o->permit_pty = o->permit_port_forwarding = o->permit_agent_forwarding = false;
	o->permit_x11_forwarding = o->permit_user_rc = false;
}

/* One option at the position. */
static int parse_one(struct opt_reader *r, struct burrow_authorized_keys_options *o)
{
	static const char *const valued[] = { "command", "environment", "expiry-time", "from",
					      "permitlisten", "permitopen", "principals", "tunnel" };
	if (take_name(r, "restrict", false)) {
		apply_restrict(o);
		return 0;
	}
	if (take_name(r, "cert-authority", false)) {
		o->cert_authority = true;
		return 0;
	}
	bool flag;
	if (take_flag(r, "touch-required", &flag)) {
		o->no_touch_required = !flag;
		return 0;
	}
	if (take_name(r, "verify-required", false)) {
		o->verify_required = true;
		return 0;
	}
	if (take_flag(r, "pty", &o->permit_pty) || take_flag(r, "port-forwarding", &o->permit_port_forwarding) ||
	    take_flag(r, "agent-forwarding", &o->permit_agent_forwarding) ||
	    take_flag(r, "x11-forwarding", &o->permit_x11_forwarding) ||
	    take_flag(r, "user-rc", &o->permit_user_rc))
		return 0;
	for (size_t k = 0; k < sizeof(valued) / sizeof(valued[0]); k++) {
		if (!take_name(r, valued[k], true))
			continue;
		char *value = take_value_new(r);
		if (!value)
			return BURROW_E_PARSE;
		return apply_value(o, valued[k], value, &r->why);
	}
	r->why = "unsupported option";
	return BURROW_E_PARSE;
}

int burrow_authorized_keys_options_parse(const char *text, size_t len,
					 struct burrow_authorized_keys_options *out, const char **why)
{
	static const char *ignored;
	if (!why)
		why = &ignored;
	*why = NULL;
	if (!out || (!text && len))
		return BURROW_E_INVALID;
	burrow_authorized_keys_options_init(out);
	struct opt_reader r = { bstr_from(text, len), 0, NULL };
	while (r.i < r.s.len) {
		int err = parse_one(&r, out);
		if (err == 0 && r.i < r.s.len && r.s.p[r.i] != ',') {
			r.why = "unexpected text after option";
			err = BURROW_E_PARSE;
		}
		if (err == 0 && r.i < r.s.len && ++r.i == r.s.len) {
			r.why = "trailing comma";
			err = BURROW_E_PARSE;
		}
		if (err) {
			*why = r.why ? r.why : burrow_strerror(err);
			burrow_authorized_keys_options_free(out);
			return err;
		}
	}
	return 0;
}

int burrow_authorized_keys_next(const char *text, size_t len, size_t *pos, int *line_no,
				struct burrow_key **key, char **options)
{
	if (!pos || !line_no || !key || !options || (!text && len))
		return BURROW_E_INVALID;
	*key = NULL;
	*options = NULL;
	struct bstr all = bstr_from(text, len), line;
	while (keys_next_line(all, pos, &line)) {
		(*line_no)++;
		struct bstr s = keys_skip_blanks(line);
		if (s.len == 0 || s.p[0] == '#')
			continue;
		struct bstr opts = bstr_from(s.p, 0);
		int err = keys_read_key_text(&s, key);
		if (err == BURROW_E_NOMEM)
			return err;
		if (err) {
			/* Not a key first: options, then the key (sshd's sshkey_advance_past_options). */
			if (keys_skip_options(&s) != 0)
				continue;
			opts.len = (size_t)(s.p - opts.p);
			s = keys_skip_blanks(s);
			err = keys_read_key_text(&s, key);
			if (err == BURROW_E_NOMEM)
				return err;
			if (err)
				continue;
		}
		if (opts.len && memchr(opts.p, 0, opts.len)) {
			/* A NUL would cut the options short and drop restrictions: skip the line. */
			burrow_key_free(*key);
			*key = NULL;
			continue;
		}
		*options = opts.len ? bstr_dup(opts) : strdup("");
		if (!*options) {
			burrow_key_free(*key);
			*key = NULL;
			return BURROW_E_NOMEM;
		}
		return 0;
	}
	return BURROW_E_NOTFOUND;
}

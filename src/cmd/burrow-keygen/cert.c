/*
 * burrow-keygen -s (sign public keys into certificates) and -L (show a certificate), with
 * ssh-keygen's flags, output and messages (ssh-keygen.c do_ca_sign, do_show_cert):
 *
 *   burrow-keygen -s ca_key -I certificate_identity [-h] [-n principals] [-O option]
 *                 [-V validity_interval] [-z serial_number] file ...
 *   burrow-keygen -L [-f input_keyfile]
 *
 * The certificate format and signing live in libburrow (burrow_cert_sign).
 */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "keygen.h"

#define CERT_MAX_OPTIONS 64

/* User certificates get these unless -O clear or no-* (ssh-keygen's defaults). */
static const char *const default_extensions[] = {
	"permit-X11-forwarding", "permit-agent-forwarding", "permit-port-forwarding", "permit-pty", "permit-user-rc",
};
#define DEFAULT_EXTENSION_COUNT (sizeof(default_extensions) / sizeof(default_extensions[0]))

static struct {
	const char *ca_file;       /* -s */
	const char *identity;      /* -I */
	bool host;                 /* -h */
	const char *principals;    /* -n */
	const char *validity;      /* -V */
	const char *serial;        /* -z */
	bool show;                 /* -L */
	const char *options[CERT_MAX_OPTIONS]; /* -O, in order */
	size_t option_count;
} cert_flags;

bool keygen_cert_flag(int c, const char *arg)
{
	switch (c) {
	case 's': cert_flags.ca_file = arg; return true;
	case 'I': cert_flags.identity = arg; return true;
	case 'h': cert_flags.host = true; return true;
	case 'n': cert_flags.principals = arg; return true;
	case 'V': cert_flags.validity = arg; return true;
	case 'z': cert_flags.serial = arg; return true;
	case 'L': cert_flags.show = true; return true;
	case 'O':
		if (cert_flags.option_count >= CERT_MAX_OPTIONS)
			keygen_fatal("Too many certificate options");
		cert_flags.options[cert_flags.option_count++] = arg;
		return true;
	}
	return false;
}

bool keygen_cert_wanted(void)
{
	return cert_flags.ca_file || cert_flags.show;
}

/* ---- times (-V) ---- */

/* ssh's convtime(): "90", "1h30m", "52w"; -1 when malformed. */
static int64_t convtime(const char *s)
{
	int64_t total = 0;
	if (!*s)
		return -1;
	while (*s) {
		char *end;
		errno = 0;
		long long v = strtoll(s, &end, 10);
		if (errno || end == s || v < 0)
			return -1;
		int64_t mult = 1;
		switch (tolower((unsigned char)*end)) {
		case 0: break;
		case 's': mult = 1; end++; break;
		case 'm': mult = 60; end++; break;
		case 'h': mult = 3600; end++; break;
		case 'd': mult = 86400; end++; break;
		case 'w': mult = 604800; end++; break;
		default: return -1;
		}
		if (v > INT64_MAX / mult || total > INT64_MAX - v * mult)
			return -1;
		total += v * mult;
		s = end;
	}
	return total;
}

/* YYYYMMDD, YYYYMMDDHHMM or YYYYMMDDHHMMSS in local time, as ssh-keygen's parse_absolute_time. */
static bool parse_absolute_time(const char *s, uint64_t *out)
{
	size_t n = strlen(s);
	if (n != 8 && n != 12 && n != 14)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	int v[6] = { 0 };
	const int width[6] = { 4, 2, 2, 2, 2, 2 };
	for (size_t f = 0, pos = 0; f < 6 && pos < n; pos += (size_t)width[f], f++)
		for (int k = 0; k < width[f]; k++)
			v[f] = v[f] * 10 + (s[pos + (size_t)k] - '0');
	struct tm tm = { .tm_year = v[0] - 1900, .tm_mon = v[1] - 1, .tm_mday = v[2], .tm_hour = v[3],
			 .tm_min = v[4], .tm_sec = v[5], .tm_isdst = -1 };
	time_t t = mktime(&tm);
	if (t == (time_t)-1 || t < 0)
		return false;
	*out = (uint64_t)t;
	return true;
}

/* One end of "from:to": a relative [+-]time, an absolute date, or the word for "no limit". */
static bool parse_time_end(const char *s, const char *unbounded, uint64_t unbounded_value, time_t now, uint64_t *out)
{
	if (strcasecmp(s, unbounded) == 0) {
		*out = unbounded_value;
		return true;
	}
	if (*s == '+' || *s == '-') {
		int64_t secs = convtime(s + 1);
		if (secs < 0)
			return false;
		*out = (uint64_t)(*s == '+' ? now + secs : now - secs);
		return true;
	}
	return parse_absolute_time(s, out);
}

static void parse_cert_times(const char *spec, uint64_t *from, uint64_t *to)
{
	time_t now = time(NULL);
	if (*spec == '+' && !strchr(spec, ':')) {
		int64_t secs = convtime(spec + 1);
		if (secs < 0)
			keygen_fatal("Invalid relative certificate life %s", spec);
		*to = (uint64_t)(now + secs);
		*from = (uint64_t)(((now - 59) / 60) * 60); /* a minute back, for skewed clocks (ssh-keygen) */
		return;
	}
	const char *colon = strchr(spec, ':');
	if (!colon || colon == spec || colon[1] == 0)
		keygen_fatal("Invalid certificate life specification %s", spec);
	char *start = strndup(spec, (size_t)(colon - spec));
	if (!start)
		keygen_fatal("out of memory");
	if (!parse_time_end(start, "always", 0, now, from))
		keygen_fatal("Invalid from time \"%s\"", start);
	if (!parse_time_end(colon + 1, "forever", BURROW_CERT_FOREVER, now, to))
		keygen_fatal("Invalid to time \"%s\"", colon + 1);
	free(start);
	if (*to <= *from)
		keygen_fatal("Empty certificate validity interval");
}

static void format_time(uint64_t t, char *out, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;
	if (t > (uint64_t)INT64_MAX || !localtime_r(&tt, &tm) || strftime(out, len, "%Y-%m-%dT%H:%M:%S", &tm) == 0)
		snprintf(out, len, "%llu", (unsigned long long)t);
}

/* ssh-keygen fmt_validity(). */
static void format_validity(uint64_t from, uint64_t to, char *out, size_t len)
{
	char a[32], b[32];
	if (from == 0 && to == BURROW_CERT_FOREVER) {
		snprintf(out, len, "forever");
		return;
	}
	format_time(from, a, sizeof(a));
	format_time(to, b, sizeof(b));
	if (from == 0)
		snprintf(out, len, "before %s", b);
	else if (to == BURROW_CERT_FOREVER)
		snprintf(out, len, "after %s", a);
	else
		snprintf(out, len, "from %s to %s", a, b);
}

/* ---- -O options ---- */

struct option_set {
	struct burrow_cert_option_spec critical[CERT_MAX_OPTIONS], extensions[CERT_MAX_OPTIONS];
	size_t critical_count, extension_count;
};

static void option_set_drop(struct burrow_cert_option_spec *v, size_t *n, const char *name)
{
	for (size_t i = 0; i < *n; i++)
		if (strcasecmp(v[i].name, name) == 0) {
			memmove(&v[i], &v[i + 1], (*n - i - 1) * sizeof(*v));
			(*n)--;
			return;
		}
}

static void option_set_add(struct burrow_cert_option_spec *v, size_t *n, const char *name, const char *value)
{
	option_set_drop(v, n, name);
	if (*n >= CERT_MAX_OPTIONS)
		keygen_fatal("Too many certificate options");
	v[*n].name = name;
	v[*n].value = value;
	(*n)++;
}

/* "name" or "name=value" split in place of a copy that lives until exit. */
static char *split_value(const char *opt, char **value)
{
	char *copy = strdup(opt);
	if (!copy)
		keygen_fatal("out of memory");
	char *eq = strchr(copy, '=');
	*value = NULL;
	if (eq) {
		*eq = 0;
		*value = eq + 1;
	}
	return copy;
}

/* ssh-keygen add_cert_option(). */
static void apply_option(struct option_set *s, const char *opt)
{
	static const struct {
		const char *flag, *extension;
	} switches[] = {
		{ "x11-forwarding", "permit-X11-forwarding" }, { "agent-forwarding", "permit-agent-forwarding" },
		{ "port-forwarding", "permit-port-forwarding" }, { "pty", "permit-pty" },
		{ "user-rc", "permit-user-rc" },
	};
	if (strcasecmp(opt, "clear") == 0) {
		s->critical_count = s->extension_count = 0;
		return;
	}
	for (size_t i = 0; i < sizeof(switches) / sizeof(switches[0]); i++) {
		if (strncasecmp(opt, "no-", 3) == 0 && strcasecmp(opt + 3, switches[i].flag) == 0) {
			option_set_drop(s->extensions, &s->extension_count, switches[i].extension);
			return;
		}
		if (strncasecmp(opt, "permit-", 7) == 0 && strcasecmp(opt + 7, switches[i].flag) == 0) {
			option_set_add(s->extensions, &s->extension_count, switches[i].extension, NULL);
			return;
		}
	}
	char *value;
	if (strncasecmp(opt, "force-command=", 14) == 0) {
		char *name = split_value(opt, &value);
		if (!*value)
			keygen_fatal("Empty force-command option");
		option_set_add(s->critical, &s->critical_count, "force-command", value);
		(void)name;
	} else if (strncasecmp(opt, "source-address=", 15) == 0) {
		char *name = split_value(opt, &value);
		bool match;
		if (burrow_cert_source_address_match(value, "127.0.0.1", &match) != 0)
			keygen_fatal("Invalid source-address list");
		option_set_add(s->critical, &s->critical_count, "source-address", value);
		(void)name;
	} else if (strncasecmp(opt, "extension:", 10) == 0 || strncasecmp(opt, "critical:", 9) == 0) {
		bool critical = tolower((unsigned char)opt[0]) == 'c';
		char *name = split_value(strchr(opt, ':') + 1, &value);
		if (critical)
			option_set_add(s->critical, &s->critical_count, name, value);
		else
			option_set_add(s->extensions, &s->extension_count, name, value);
	} else {
		keygen_fatal("Unsupported certificate option \"%s\"", opt);
	}
}

/* ---- -s ---- */

/* "dir/id_ed25519.pub" -> "dir/id_ed25519-cert.pub", as ssh-keygen names it. */
static char *cert_path_new(const char *path)
{
	size_t n = strlen(path);
	if (n > 4 && strcmp(path + n - 4, ".pub") == 0)
		n -= 4;
	char *out = malloc(n + sizeof("-cert.pub"));
	if (!out)
		keygen_fatal("out of memory");
	memcpy(out, path, n);
	strcpy(out + n, "-cert.pub");
	return out;
}

static size_t split_principals(char *list, const char **out, size_t max)
{
	size_t n = 0;
	for (char *save = NULL, *p = strtok_r(list, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
		if (n >= max)
			keygen_fatal("Too many principals");
		out[n++] = p;
	}
	return n;
}

static uint64_t parse_serial(const char *s)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s || *end || *s == '-')
		keygen_fatal("Invalid serial number \"%s\"", s);
	return v;
}

static void sign_one(const struct keygen_opts *o, const struct burrow_key *ca, const char *path,
		     struct burrow_cert_spec *spec, const char *principals_text)
{
	char *text;
	size_t len;
	int err = keygen_read_file(path, &text, &len);
	if (err)
		keygen_fatal("%s: %s", path, strerror(err));
	struct burrow_key *key;
	char *comment = NULL;
	err = burrow_key_parse_public_line(text, strcspn(text, "\r\n"), &key, &comment);
	free(text);
	if (err)
		keygen_fatal("load pubkey \"%s\": invalid format", path);
	struct burrow_key *cert;
	err = burrow_cert_sign(key, ca, spec, &cert);
	if (err)
		keygen_fatal("Couldn't certify key %s: %s", path, burrow_strerror(err));
	char *line, *out_path = cert_path_new(path);
	if (burrow_key_format_public_line(cert, comment, &line) != 0)
		keygen_fatal("Could not write certified key to %s", out_path);
	size_t n = strlen(line);
	char *with_newline = malloc(n + 2);
	if (!with_newline)
		keygen_fatal("out of memory");
	snprintf(with_newline, n + 2, "%s\n", line);
	if (keygen_write_file(out_path, with_newline, 0644, false) != 0)
		keygen_fatal("Could not open \"%s\" for writing: %s", out_path, strerror(errno));
	if (!o->quiet) {
		char valid[80];
		format_validity(spec->valid_after, spec->valid_before, valid, sizeof(valid));
		keygen_log("Signed %s key %s: id \"%s\" serial %llu%s%s valid %s", spec->type == BURROW_CERT_HOST ? "host" : "user",
			   out_path, spec->key_id, (unsigned long long)spec->serial, principals_text ? " for " : "",
			   principals_text ? principals_text : "", valid);
	}
	free(with_newline);
	free(line);
	free(out_path);
	free(comment);
	burrow_key_free(cert);
	burrow_key_free(key);
}

static int cert_sign_files(const struct keygen_opts *o, int argc, char **argv)
{
	if (!cert_flags.identity)
		keygen_fatal("Must specify key id (-I) when certifying");
	if (argc < 1)
		keygen_fatal("Too few arguments.");
	char *ca_comment;
	struct burrow_key *ca = keygen_load_identity(cert_flags.ca_file, o->passphrase, &ca_comment);
	free(ca_comment);

	struct burrow_cert_spec spec = {
		.type = cert_flags.host ? BURROW_CERT_HOST : BURROW_CERT_USER, .key_id = cert_flags.identity,
		.valid_after = 0, .valid_before = BURROW_CERT_FOREVER,
	};
	/* -t names the CA's signature algorithm, as ssh-keygen: "rsa-sha2-256" for an RSA CA. */
	if (o->type_name && !burrow_key_fits_sig_alg(ca, o->type_name))
		keygen_fatal("CA key type %s doesn't match specified %s", burrow_key_type_name(ca), o->type_name);
	spec.sig_alg = o->type_name;
	if (cert_flags.validity)
		parse_cert_times(cert_flags.validity, &spec.valid_after, &spec.valid_before);
	if (cert_flags.serial)
		spec.serial = parse_serial(cert_flags.serial);
	const char *principals[256];
	char *principal_copy = cert_flags.principals ? strdup(cert_flags.principals) : NULL;
	if (principal_copy)
		spec.principal_count = split_principals(principal_copy, principals, 256);
	spec.principals = principals;

	/* Options only go into user certificates, as ssh-keygen's prepare_options_buf. */
	static struct option_set opts;
	if (!cert_flags.host) {
		for (size_t i = 0; i < DEFAULT_EXTENSION_COUNT; i++)
			option_set_add(opts.extensions, &opts.extension_count, default_extensions[i], NULL);
		for (size_t i = 0; i < cert_flags.option_count; i++)
			apply_option(&opts, cert_flags.options[i]);
		spec.critical = opts.critical;
		spec.critical_count = opts.critical_count;
		spec.extensions = opts.extensions;
		spec.extension_count = opts.extension_count;
	}
	for (int i = 0; i < argc; i++)
		sign_one(o, ca, argv[i], &spec, cert_flags.principals);
	free(principal_copy);
	burrow_key_free(ca);
	return KEYGEN_EXIT_OK;
}

/* ---- -L ---- */

static void show_options(const struct burrow_key *cert, bool critical)
{
	size_t n = burrow_cert_option_count(cert, critical);
	printf("        %s: %s\n", critical ? "Critical Options" : "Extensions", n ? "" : "(none)");
	for (size_t i = 0; i < n; i++) {
		const char *name, *value;
		burrow_cert_option(cert, critical, i, &name, &value);
		bool known_arg = critical && (strcmp(name, "force-command") == 0 || strcmp(name, "source-address") == 0);
		if (known_arg && value)
			printf("                %s %s\n", name, value);
		else if (value && !*value)
			printf("                %s\n", name);
		else
			printf("                %s UNKNOWN OPTION\n", name);
	}
}

static char *fingerprint_of(const struct burrow_key *key)
{
	char *fp;
	if (burrow_key_fingerprint_sha256(key, &fp) != 0)
		keygen_fatal("sshkey_fingerprint fail");
	return fp;
}

static int cert_show(struct keygen_opts *o)
{
	if (!o->file)
		o->file = keygen_ask_filename("Enter file in which the key is", o->type_name);
	char *text;
	size_t len;
	int err = keygen_read_file(o->file, &text, &len);
	if (err)
		keygen_fatal("%s: %s", o->file, strerror(err));
	struct burrow_key *cert;
	err = burrow_key_parse_public_line(text, strcspn(text, "\r\n"), &cert, NULL);
	free(text);
	if (err)
		keygen_fatal("load pubkey \"%s\": invalid format", o->file);
	if (!burrow_key_is_cert(cert))
		keygen_fatal("%s is not a certificate", o->file);
	const struct burrow_key *ca = burrow_cert_signature_key(cert);
	char *key_fp = fingerprint_of(cert), *ca_fp = fingerprint_of(ca), valid[80];
	format_validity(burrow_cert_valid_after(cert), burrow_cert_valid_before(cert), valid, sizeof(valid));
	printf("%s:\n", o->file);
	printf("        Type: %s %s certificate\n", burrow_key_type_name(cert),
	       burrow_cert_type(cert) == BURROW_CERT_HOST ? "host" : "user");
	printf("        Public key: %s %s\n", burrow_key_type_short(cert), key_fp);
	printf("        Signing CA: %s %s (using %s)\n", burrow_key_type_short(ca), ca_fp, burrow_cert_signature_alg(cert));
	printf("        Key ID: \"%s\"\n", burrow_cert_key_id(cert));
	printf("        Serial: %llu\n", (unsigned long long)burrow_cert_serial(cert));
	printf("        Valid: %s\n", valid);
	size_t n = burrow_cert_principal_count(cert);
	printf("        Principals: %s\n", n ? "" : "(none)");
	for (size_t i = 0; i < n; i++)
		printf("                %s\n", burrow_cert_principal(cert, i));
	show_options(cert, true);
	show_options(cert, false);
	free(key_fp);
	free(ca_fp);
	burrow_key_free(cert);
	return KEYGEN_EXIT_OK;
}

int keygen_cert_main(struct keygen_opts *o, int argc, char **argv)
{
	if (cert_flags.show) {
		if (argc > 0)
			keygen_fatal("Too many arguments.");
		return cert_show(o);
	}
	return cert_sign_files(o, argc, argv);
}

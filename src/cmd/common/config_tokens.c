/* %-token and ${VAR} expansion for config values (ssh_config(5) TOKENS), and the %C hash. */
#include "config_tokens.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

struct outbuf {
	char *p;
	size_t len, cap;
	bool failed;
};

static void out_put(struct outbuf *b, const char *s, size_t n)
{
	if (b->failed)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = (b->len + n + 1) * 2;
		char *grown = realloc(b->p, cap);
		if (!grown) {
			b->failed = true;
			return;
		}
		b->p = grown;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = 0;
}

static char *out_finish(struct outbuf *b)
{
	out_put(b, "", 0);
	if (b->failed) {
		free(b->p);
		return NULL;
	}
	return b->p;
}

/* ${NAME} at *p (just after "${"): appends the value; false with err filled when it has none. */
static bool expand_variable(struct outbuf *b, const char **p, char *err, size_t err_len)
{
	const char *name = *p, *end = strchr(name, '}');
	if (!end) {
		snprintf(err, err_len, "environment variable '%s' missing closing '}'", name);
		return false;
	}
	if (end == name) {
		snprintf(err, err_len, "zero-length environment variable");
		return false;
	}
	char *var = strndup(name, (size_t)(end - name));
	const char *value = var ? getenv(var) : NULL;
	if (!value) {
		if (var)
			snprintf(err, err_len, "env var ${%s} has no value", var);
		free(var);
		return false;
	}
	free(var);
	out_put(b, value, strlen(value));
	*p = end;
	return true;
}

char *config_expand(const char *s, const struct config_token *tokens, size_t n, bool dollar, char *err,
		    size_t err_len)
{
	struct outbuf b = { 0 };
	if (err_len)
		err[0] = 0;
	for (const char *p = s; *p; p++) {
		if (dollar && p[0] == '$' && p[1] == '{') {
			p += 2;
			if (!expand_variable(&b, &p, err, err_len))
				goto fail;
			continue;
		}
		if (*p != '%' || !tokens) {
			out_put(&b, p, 1);
			continue;
		}
		p++;
		if (*p == '%') {
			out_put(&b, "%", 1);
			continue;
		}
		if (*p == 0) {
			snprintf(err, err_len, "invalid format");
			goto fail;
		}
		const struct config_token *t = NULL;
		for (size_t i = 0; i < n && !t; i++)
			if (tokens[i].key == *p)
				t = &tokens[i];
		if (!t) {
			snprintf(err, err_len, "unknown key %%%c", *p);
			goto fail;
		}
		out_put(&b, t->value ? t->value : "", t->value ? strlen(t->value) : 0);
	}
	return out_finish(&b);
fail:
	free(b.p);
	return NULL;
}

int config_connection_hash(const char *thishost, const char *host, const char *port, const char *user,
			   const char *jump, char out[41])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;
	const char *parts[] = { thishost, host, port, user, jump ? jump : "" };
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha1(), NULL) == 1;
	for (size_t i = 0; ok && i < sizeof(parts) / sizeof(parts[0]); i++)
		ok = EVP_DigestUpdate(ctx, parts[i], strlen(parts[i])) == 1;
	ok = ok && EVP_DigestFinal_ex(ctx, md, &md_len) == 1 && md_len == 20;
	EVP_MD_CTX_free(ctx);
	if (!ok)
		return -1;
	static const char hex[] = "0123456789abcdef";
	for (unsigned int i = 0; i < md_len; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[40] = 0;
	return 0;
}

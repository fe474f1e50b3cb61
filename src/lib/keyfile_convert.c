/* ssh-keygen -e / -i / -m: public keys to and from the other formats, by format name. */
#include <strings.h>

#include "keys_internal.h"

int burrow_key_format_from_name(const char *name, enum burrow_key_format *out)
{
	static const struct {
		const char *name;
		enum burrow_key_format format;
	} names[] = {
		{ "RFC4716", BURROW_KEY_FORMAT_RFC4716 },
		{ "PKCS8", BURROW_KEY_FORMAT_PKCS8 },
		{ "PEM", BURROW_KEY_FORMAT_PEM },
	};
	if (!name || !out)
		return BURROW_E_INVALID;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcasecmp(name, names[i].name) == 0) {
			*out = names[i].format;
			return 0;
		}
	}
	return BURROW_E_NOTFOUND;
}

int burrow_key_export_public(const struct burrow_key *key, enum burrow_key_format format, const char *comment,
			     char **out)
{
	if (!key || !out)
		return BURROW_E_INVALID;
	*out = NULL;
	switch (format) {
	case BURROW_KEY_FORMAT_RFC4716:
		return keyfile_rfc4716_export(key, comment, out);
	case BURROW_KEY_FORMAT_PKCS8:
	case BURROW_KEY_FORMAT_PEM:
		return keyfile_pem_export_public(key, format, out);
	case BURROW_KEY_FORMAT_OPENSSH:
		return burrow_key_format_public_line(key, comment, out);
	}
	return BURROW_E_INVALID;
}

int burrow_key_import_public(const char *text, size_t len, enum burrow_key_format format, struct burrow_key **out)
{
	if (!text || !out)
		return BURROW_E_INVALID;
	*out = NULL;
	switch (format) {
	case BURROW_KEY_FORMAT_RFC4716:
		return keyfile_rfc4716_import(text, len, out);
	case BURROW_KEY_FORMAT_PKCS8:
	case BURROW_KEY_FORMAT_PEM:
		return keyfile_pem_import_public(text, len, format, out);
	case BURROW_KEY_FORMAT_OPENSSH:
		return burrow_key_parse_public_line(text, len, out, NULL);
	}
	return BURROW_E_INVALID;
}

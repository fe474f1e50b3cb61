/*
 * User certificates for the client (ssh(1) CertificateFile, and the "-cert.pub" file next to an
 * identity, as ssh's load_public_identity_files): each becomes an identity of its own, right
 * after the key it certifies, that signs as the certificate (libburrow's burrow_key_cert_attach).
 */
#include "client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfgfile.h"
#include "log.h"

/* The certificate in a file, NULL when the file is missing or holds none. */
static struct burrow_key *certfile_load(const char *path)
{
	char *text = NULL;
	size_t len = 0;
	if (file_read_all(path, &text, &len) < 0)
		return NULL;
	struct burrow_key *cert = NULL;
	if (burrow_key_parse_public_line(text, strcspn(text, "\r\n"), &cert, NULL) != 0 || !burrow_key_is_cert(cert)) {
		log_debug("%s: not a certificate", path);
		burrow_key_free(cert);
		cert = NULL;
	}
	free(text);
	return cert;
}

static int certfile_insert(struct identity **ids, size_t *count, size_t at, const struct identity *id)
{
	struct identity *grown = realloc(*ids, (*count + 2) * sizeof(**ids));
	if (!grown)
		return -1;
	memmove(&grown[at + 1], &grown[at], (*count - at) * sizeof(*grown));
	grown[at] = *id;
	memset(&grown[*count + 1], 0, sizeof(*grown));
	*ids = grown;
	(*count)++;
	return 0;
}

/* The certificate as an identity's key: attached to base's private key, or (an encrypted key,
 * unlocked later by identity_unlock) the public certificate itself. NULL when not for base. */
static struct burrow_key *certfile_identity_key(const struct identity *base, struct burrow_key *cert)
{
	struct burrow_key *signer = NULL, *plain = NULL;
	if (!base->locked)
		return burrow_key_cert_attach(base->key, cert, &signer) == 0 ? signer : NULL;
	bool mine = burrow_cert_key_dup_plain(cert, &plain) == 0 && burrow_key_equal_public(plain, base->key);
	burrow_key_free(plain);
	return mine ? cert : NULL;
}

/* A new identity for the certificate in cert_path, inserted at `at`; 1 added, 0 not. */
static int certfile_add_one(struct identity **ids, size_t *count, size_t at, size_t base, const char *cert_path)
{
	struct burrow_key *cert = certfile_load(cert_path);
	if (!cert)
		return 0;
	struct burrow_key *signer = certfile_identity_key(&(*ids)[base], cert);
	if (signer != cert)
		burrow_key_free(cert);
	if (!signer) {
		log_debug("%s: certificate is not for %s", cert_path, (*ids)[base].path);
		return 0;
	}
	struct identity id = { .explicit = (*ids)[base].explicit, .key = signer, .locked = (*ids)[base].locked };
	if (!(id.path = strdup((*ids)[base].path)) || burrow_key_fingerprint_sha256(signer, &id.fingerprint) < 0 ||
	    certfile_insert(ids, count, at, &id) < 0) {
		free(id.path);
		free(id.fingerprint);
		burrow_key_free(signer);
		return -1;
	}
	log_debug("identity file %s type %s (certificate %s)", id.path, burrow_key_type_short(signer), cert_path);
	return 1;
}

int certfile_add_identities(const struct client_options *o, struct identity **ids, size_t *count)
{
	for (size_t i = 0; i < *count; i++) {
		struct identity *base = &(*ids)[i];
		if (base->from_agent || burrow_key_is_cert(base->key) ||
		    (!base->locked && !burrow_key_has_private(base->key)))
			continue;
		size_t n = strlen(base->path);
		char *next_to = malloc(n + sizeof("-cert.pub"));
		if (!next_to)
			return -1;
		snprintf(next_to, n + sizeof("-cert.pub"), "%s-cert.pub", base->path);
		size_t added = 0;
		int r = certfile_add_one(ids, count, i + 1, i, next_to);
		added += r > 0;
		for (size_t c = 0; r >= 0 && c < o->certificate_files.count; c++) {
			if (strcmp(o->certificate_files.items[c], next_to) == 0)
				continue;
			r = certfile_add_one(ids, count, i + 1 + added, i, o->certificate_files.items[c]);
			added += r > 0;
		}
		free(next_to);
		if (r < 0)
			return -1;
		i += added; /* past the certificates just added */
	}
	return 0;
}

int certfile_attach_unlocked(const struct burrow_key *cert, struct burrow_key **key)
{
	struct burrow_key *signer = NULL;
	int r = burrow_key_cert_attach(*key, cert, &signer);
	burrow_key_free(*key);
	*key = signer;
	if (r != 0) {
		log_error("Load key: the certificate %s is not for this private key", burrow_key_type_name(cert));
		return -1;
	}
	return 0;
}

/*
 * OpenSSH certificates in burrowd (sshd's auth2-pubkey.c user_cert_trusted_ca, auth-options.c):
 *
 *   TrustedUserCAKeys FILE          CAs whose user certificates log in; the principal must be the
 *                                   user name, or a name listed in
 *   AuthorizedPrincipalsFile PATH   (%u %h %U, relative to the home directory; "none" = unset)
 *   authorized_keys cert-authority  a CA for this account only; principals="..." names allowed
 *                                   principals (default: the user name)
 *   HostCertificate FILE            a host certificate presented with its private host key
 *   CASignatureAlgorithms LIST      what a CA may have signed a user certificate with (OpenSSH's
 *                                   default: not SHA-1 ssh-rsa); +, -, ^ forms and patterns
 *   AuthorizedPrincipalsCommand     a program printing principals lines (authkeys_command.c),
 *                                   tried after AuthorizedPrincipalsFile
 *   RevokedKeys FILE                an OpenSSH KRL or a list of keys no login may use
 *
 * A certificate is genuine when libburrow parsed it (the CA's signature is checked then); here its
 * CA must be trusted, it must be a user certificate, valid now, for an allowed principal, its
 * critical options known (force-command runs instead of what the client asks; source-address
 * must hold the client's address), and its extensions decide pty and forwarding.
 */
#define _GNU_SOURCE
#include "burrowd.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "authkeys_command.h"
#include "cfgfile.h"
#include "log.h"

#define CERTAUTH_FILE_MAX (1024 * 1024)

/* ---- configuration ---- */

static int certauth_set_once(char **slot, const char *value)
{
	if (*slot)
		return 0; /* the first value wins, as in sshd */
	*slot = strdup(value);
	return *slot ? 0 : SERVCONF_FATAL;
}

/* CASignatureAlgorithms: checked and resolved when read, as sshd ("Bad key types"). */
static int certauth_ca_sig_algs_line(struct certauth_options *c, const char *origin, int line_no, char **words,
				     int nwords, bool in_match_block)
{
	if (nwords != 2) {
		fprintf(stderr, "%s line %d: %s\n", origin, line_no,
			nwords < 2 ? "missing argument." : "garbage at end of line");
		return SERVCONF_FATAL;
	}
	char *list = NULL;
	int err = burrow_ca_signature_algorithms_resolve(words[1], &list);
	if (err == BURROW_E_PARSE) {
		fprintf(stderr, "%s line %d: Bad key types '%s'.\n", origin, line_no, words[1]);
		return SERVCONF_FATAL;
	}
	if (err < 0)
		return SERVCONF_FATAL;
	if (in_match_block || c->ca_signature_algorithms) {
		free(list); /* the first value wins, as in sshd */
		return 0;
	}
	c->ca_signature_algorithms = list;
	return 0;
}

int certauth_config_line(struct server_options *opts, const char *origin, int line_no, char **words, int nwords)
{
	struct certauth_options *c = &opts->certs;
	const char *kw = words[0];
	if (strcasecmp(kw, "CASignatureAlgorithms") == 0)
		return certauth_ca_sig_algs_line(c, origin, line_no, words, nwords, opts->in_match_block);
	int command_rc = authkeys_command_config_line(opts, origin, line_no, words, nwords);
	if (command_rc != CERTAUTH_NOT_MINE)
		return command_rc;
	bool principals = strcasecmp(kw, "AuthorizedPrincipalsFile") == 0;
	bool revoked = strcasecmp(kw, "RevokedKeys") == 0;
	if (!principals && !revoked && strcasecmp(kw, "TrustedUserCAKeys") != 0 && strcasecmp(kw, "HostCertificate") != 0)
		return CERTAUTH_NOT_MINE;
	if (nwords != 2) {
		fprintf(stderr, "%s line %d: %s\n", origin, line_no,
			nwords < 2 ? "missing argument." : "garbage at end of line");
		return SERVCONF_FATAL;
	}
	if (principals && !authkeys_pattern_valid(words[1])) {
		fprintf(stderr, "%s line %d: %s: unknown %% token in \"%s\" (known: %%h %%u %%U %%%%)\n", origin,
			line_no, kw, words[1]);
		return SERVCONF_FATAL;
	}
	if (opts->in_match_block)
		return 0;
	if (strcasecmp(kw, "HostCertificate") == 0)
		return strlist_add(&c->host_certificates, words[1]) < 0 ? SERVCONF_FATAL : 0;
	if (revoked)
		return certauth_set_once(&c->revoked_keys, words[1]);
	return certauth_set_once(principals ? &c->authorized_principals_file : &c->trusted_user_ca_keys, words[1]);
}

void certauth_free(struct certauth_options *c)
{
	free(c->trusted_user_ca_keys);
	free(c->authorized_principals_file);
	strlist_free(&c->host_certificates);
	free(c->ca_signature_algorithms);
	free(c->authorized_keys_command);
	free(c->authorized_keys_command_user);
	free(c->authorized_principals_command);
	free(c->authorized_principals_command_user);
	free(c->revoked_keys);
	memset(c, 0, sizeof(*c));
}

void certauth_dump(const struct certauth_options *c, FILE *out)
{
	fprintf(out, "trustedusercakeys %s\n", c->trusted_user_ca_keys ? c->trusted_user_ca_keys : "none");
	fprintf(out, "authorizedprincipalsfile %s\n",
		c->authorized_principals_file ? c->authorized_principals_file : "none");
	for (size_t i = 0; i < c->host_certificates.n; i++)
		fprintf(out, "hostcertificate %s\n", c->host_certificates.v[i]);
	fprintf(out, "revokedkeys %s\n", c->revoked_keys ? c->revoked_keys : "none");
	fprintf(out, "casignaturealgorithms %s\n",
		c->ca_signature_algorithms ? c->ca_signature_algorithms : BURROW_CA_SIGNATURE_ALGORITHMS_DEFAULT);
	authkeys_command_dump(c, out);
}

/* ---- small file reading ---- */

/* The whole of a small file; as the user when `user` is given (their principals file), and then
 * with sshd's StrictModes checks when `strict` (auth_openfile: another user who can write the
 * file or a directory above it could add a principal). */
static char *certauth_read_file(const char *path, const struct user_info *user, bool strict)
{
	struct saved_ids saved;
	if (user && ids_use_user(user, &saved) < 0)
		return NULL;
	int fd = open(path, O_RDONLY | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
	int open_errno = errno;
	if (user)
		ids_restore(&saved);
	if (fd < 0) {
		log_debug("cannot open %s: %s", path, strerror(open_errno));
		return NULL;
	}
	if (user && strict) {
		struct stat st;
		char err[PATH_MAX + 64];
		if (fstat(fd, &st) < 0) {
			close(fd);
			return NULL;
		}
		if (!S_ISREG(st.st_mode)) {
			log_info("User %s authorized principals %s is not a regular file", user->name, path);
			close(fd);
			return NULL;
		}
		if (authkeys_secure_path(path, &st, user, err, sizeof(err)) < 0) {
			log_info("Authentication refused: %s", err);
			close(fd);
			return NULL;
		}
	}
	char *text = malloc(CERTAUTH_FILE_MAX + 1);
	size_t n = 0;
	while (text && n < CERTAUTH_FILE_MAX) {
		ssize_t r = read(fd, text + n, CERTAUTH_FILE_MAX - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	if (text)
		text[n] = 0;
	return text;
}

/* Next line of text (NUL-terminated in place); NULL at the end. */
static char *certauth_next_line(char **cursor)
{
	char *line = *cursor;
	if (!line || !*line)
		return NULL;
	char *nl = strchr(line, '\n');
	*cursor = nl ? nl + 1 : NULL;
	if (nl)
		*nl = 0;
	size_t n = strlen(line);
	if (n && line[n - 1] == '\r')
		line[n - 1] = 0;
	return line;
}

/* ---- host certificates ---- */

static struct burrow_key *certauth_load_cert(const char *path)
{
	char *text = certauth_read_file(path, NULL, false);
	struct burrow_key *cert = NULL;
	if (text && burrow_key_parse_public_line(text, strcspn(text, "\r\n"), &cert, NULL) != 0)
		cert = NULL;
	free(text);
	return cert;
}

void certauth_load_host_certificates(const struct certauth_options *c, struct burrow_key ***keys, size_t *count)
{
	for (size_t i = 0; i < c->host_certificates.n; i++) {
		const char *path = c->host_certificates.v[i];
		struct burrow_key *cert = certauth_load_cert(path);
		if (!cert || !burrow_key_is_cert(cert)) {
			log_error("Could not load host certificate \"%s\": invalid format", path);
			burrow_key_free(cert);
			continue;
		}
		if (burrow_cert_type(cert) != BURROW_CERT_HOST) {
			log_error("Could not load host certificate \"%s\": not a host certificate", path);
			burrow_key_free(cert);
			continue;
		}
		/* sshd: the certificate goes with the host key it certifies. */
		struct burrow_key *signer = NULL;
		for (size_t k = 0; k < *count && !signer; k++)
			if (!burrow_key_is_cert((*keys)[k]) && burrow_key_cert_attach((*keys)[k], cert, &signer) != 0)
				signer = NULL;
		struct burrow_key **grown = signer ? realloc(*keys, (*count + 1) * sizeof(**keys)) : NULL;
		if (!grown) {
			if (!signer)
				log_error("No matching private key for certificate: %s", path);
			burrow_key_free(signer);
		} else {
			*keys = grown;
			(*keys)[(*count)++] = signer;
			log_debug("host certificate %s: %s", path, burrow_key_type_name(signer));
		}
		burrow_key_free(cert);
	}
}

/* ---- revoked keys ---- */

bool certauth_key_revoked(const struct server_options *opts, const struct burrow_key *key)
{
	const char *path = opts->certs.revoked_keys;
	if (!path || strcasecmp(path, "none") == 0)
		return false;
	char *fp = NULL;
	if (burrow_key_fingerprint_sha256(key, &fp) < 0)
		fp = NULL;
	char *text = NULL;
	size_t len = 0;
	int r = BURROW_E_NOTFOUND, read_errno = 0;
	if (file_read_all(path, &text, &len) == 0)
		r = burrow_revoked_keys_check((const uint8_t *)text, len, key);
	else
		read_errno = errno;
	free(text);
	/* sshd's auth_key_is_revoked: an unreadable or damaged file refuses every key. */
	if (r == 1)
		log_error("Authentication key %s %s revoked by file %s", burrow_key_type_short(key), fp ? fp : "?", path);
	else if (r < 0)
		log_error("Error checking authentication key %s %s in revoked keys file %s: %s", burrow_key_type_short(key),
			  fp ? fp : "?", path, r == BURROW_E_NOTFOUND ? strerror(read_errno) : burrow_strerror(r));
	free(fp);
	return r != 0;
}

/* ---- user certificates ---- */

void certauth_describe(const struct burrow_key *cert, char *buf, size_t len)
{
	const struct burrow_key *ca = burrow_cert_signature_key(cert);
	char *ca_fp = NULL;
	if (burrow_key_fingerprint_sha256(ca, &ca_fp) < 0)
		ca_fp = NULL;
	size_t used = strlen(buf);
	if (used < len)
		snprintf(buf + used, len - used, " ID %s (serial %llu) CA %s %s", burrow_cert_key_id(cert),
			 (unsigned long long)burrow_cert_serial(cert), burrow_key_type_short(ca), ca_fp ? ca_fp : "?");
	free(ca_fp);
}

/* The CA is listed in TrustedUserCAKeys (one public key per line, as sshd reads that file). */
static bool certauth_ca_trusted(const char *path, const struct burrow_key *ca)
{
	char *text = certauth_read_file(path, NULL, false);
	if (!text)
		return false;
	bool found = false;
	char *cursor = text, *line;
	while (!found && (line = certauth_next_line(&cursor))) {
		struct burrow_key *key = NULL;
		char *comment = NULL;
		if (burrow_key_parse_any_line(line, strlen(line), &key, &comment) == 0)
			found = burrow_key_equal_public(key, ca);
		free(comment);
		burrow_key_free(key);
	}
	free(text);
	return found;
}

static bool certauth_lists_principal(const struct burrow_key *cert, const char *name)
{
	for (size_t i = 0; i < burrow_cert_principal_count(cert); i++)
		if (strcmp(burrow_cert_principal(cert, i), name) == 0)
			return true;
	return false;
}

/* A principals line's expiry-time= and from= (sshd's auth_authorise_keyopts). */
static bool certauth_line_permits(const struct burrow_authorized_keys_options *o, const char *path, int line_no,
				  const struct user_info *user, const char *peer_addr)
{
	if (o->expiry_time && (uint64_t)time(NULL) > o->expiry_time) {
		log_info("%s:%d: entry expired", path, line_no);
		return false;
	}
	if (o->from && (!peer_addr || burrow_match_host_and_ip(peer_addr, peer_addr, o->from) != BURROW_MATCH_YES)) {
		log_info("%s:%d: Authentication tried for %s with valid certificate but not from a permitted host "
			 "(ip=%s, required=%s).", path, line_no, user->name, peer_addr ? peer_addr : "?", o->from);
		return false;
	}
	return true;
}

/* Principals lines, "[options] principal" (AuthorizedPrincipalsFile or the command's output,
 * named by `path` in log lines): the first principal the certificate lists wins, and its options
 * restrict the login as authorized_keys options do. */
static bool certauth_principals_text(const struct server_options *opts, const struct user_info *user,
				     const struct burrow_key *cert, const char *peer_addr, struct auth_restrictions *r,
				     char *text, const char *path)
{
	bool found = false;
	char *cursor = text, *line;
	int line_no = 0;
	while (text && !found && (line = certauth_next_line(&cursor))) {
		line_no++;
		line += strspn(line, " \t");
		size_t n = strlen(line);
		while (n && (line[n - 1] == ' ' || line[n - 1] == '\t'))
			line[--n] = 0;
		if (!*line || *line == '#')
			continue;
		char *name = strrchr(line, ' ');
		char *tab = strrchr(line, '\t');
		if (tab && (!name || tab > name))
			name = tab;
		const char *options = "";
		if (name) {
			*name++ = 0;
			options = line;
		} else {
			name = line;
		}
		if (!certauth_lists_principal(cert, name))
			continue;
		struct burrow_authorized_keys_options o;
		const char *why = NULL;
		if (burrow_authorized_keys_options_parse(options, strlen(options), &o, &why) < 0) {
			log_info("%s:%d: bad principals options: %s", path, line_no, why ? why : "?");
			continue;
		}
		found = certauth_line_permits(&o, path, line_no, user, peer_addr) &&
			auth_restrictions_from_key_options(r, opts, &o) == 0;
		if (found)
			log_debug("%s:%d: matched principal \"%s\"", path, line_no, name);
		burrow_authorized_keys_options_free(&o);
	}
	return found;
}

static bool certauth_principals_file(const struct server_options *opts, const struct user_info *user,
				     const struct burrow_key *cert, const char *peer_addr, struct auth_restrictions *r)
{
	if (!opts->certs.authorized_principals_file || strcasecmp(opts->certs.authorized_principals_file, "none") == 0)
		return false;
	char *path = authkeys_expand_path_new(opts->certs.authorized_principals_file, user);
	char *text = path ? certauth_read_file(path, user, opts->strict_modes) : NULL;
	bool found = certauth_principals_text(opts, user, cert, peer_addr, r, text, path);
	free(text);
	free(path);
	return found;
}

/* sshd's match_principals_command: tried when the file did not match. */
static bool certauth_principals_command(const struct server_options *opts, const struct user_info *user,
					const struct burrow_key *cert, const char *peer_addr,
					struct auth_restrictions *r)
{
	char *text = NULL;
	size_t len = 0;
	char *label = NULL;
	if (authkeys_command_run(opts, AUTHKEYS_COMMAND_PRINCIPALS, user, cert, &text, &len, &label) < 0)
		return false;
	bool found = certauth_principals_text(opts, user, cert, peer_addr, r, text, label);
	free(text);
	free(label);
	return found;
}

/* sshd's sshauthopt_from_cert + auth_authorise_keyopts for the certificate's own options. */
static bool certauth_apply_cert_options(const struct burrow_key *cert, const struct user_info *user,
					const char *peer_addr, struct auth_restrictions *r)
{
	char *command, *sources, *unknown;
	int err = burrow_cert_critical_options(cert, &command, &sources, &unknown);
	if (err) {
		log_error("Certificate critical option \"%s\" is not supported", unknown ? unknown : "?");
		free(unknown);
		return false;
	}
	bool ok = true;
	if (sources) {
		bool match = false;
		if (burrow_cert_source_address_match(sources, peer_addr ? peer_addr : "", &match) != 0) {
			log_error("Certificate source-address contents invalid");
			ok = false;
		} else if (!match) {
			log_info("Authentication tried for %s with valid certificate but not from a permitted "
				 "source address (%s).", user->name, peer_addr ? peer_addr : "?");
			log_error("Refused by certificate options");
			ok = false;
		}
	}
	if (ok && command) {
		if (r->force_command && strcmp(r->force_command, command) != 0) {
			log_error("Certificate and key options forced command mismatch"); /* sshd's merge refuses */
			ok = false;
		} else if (!r->force_command) {
			r->force_command = command;
			command = NULL;
		}
	}
	free(command);
	free(sources);
	/* Extensions grant; anything a certificate does not list is off (PROTOCOL.certkeys). */
	static const char *const names[] = { "permit-pty", "permit-port-forwarding", "permit-agent-forwarding",
					     "permit-X11-forwarding", "permit-user-rc" };
	bool *slots[] = { &r->permit_pty, &r->permit_port_forwarding, &r->permit_agent_forwarding,
			  &r->permit_x11_forwarding, &r->permit_user_rc };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		bool has = false;
		const char *name, *value;
		for (size_t e = 0; burrow_cert_option(cert, false, e, &name, &value) == 0; e++)
			has |= strcmp(name, names[i]) == 0;
		*slots[i] = *slots[i] && has;
	}
	return ok;
}

static void certauth_log_accepted(const struct burrow_key *cert, const char *via)
{
	const struct burrow_key *ca = burrow_cert_signature_key(cert);
	char *fp = NULL;
	if (burrow_key_fingerprint_sha256(ca, &fp) < 0)
		fp = NULL;
	log_verbose("Accepted certificate ID \"%s\" (serial %llu) signed by %s CA %s via %s", burrow_cert_key_id(cert),
		    (unsigned long long)burrow_cert_serial(cert), burrow_key_type_short(ca), fp ? fp : "?", via);
	free(fp);
}

/* TrustedUserCAKeys (sshd user_cert_trusted_ca). */
static bool certauth_trusted_ca(const struct server_options *opts, const struct user_info *user,
				const struct burrow_key *cert, const char *peer_addr, struct auth_restrictions *r)
{
	const char *path = opts->certs.trusted_user_ca_keys;
	if (!path || !certauth_ca_trusted(path, burrow_cert_signature_key(cert)))
		return false;
	/* sshd: with a principals file or command, they name the principals instead of the user. */
	const struct certauth_options *c = &opts->certs;
	bool use_principals_file = (c->authorized_principals_file && strcasecmp(c->authorized_principals_file, "none") != 0) ||
				   (c->authorized_principals_command && strcasecmp(c->authorized_principals_command, "none") != 0);
	const char *reason;
	if (burrow_cert_check_authority(cert, BURROW_CERT_USER, use_principals_file ? NULL : user->name,
					(uint64_t)time(NULL), &reason) != 0) {
		log_error("%s", reason);
		return false;
	}
	if (use_principals_file && !certauth_principals_file(opts, user, cert, peer_addr, r) &&
	    !certauth_principals_command(opts, user, cert, peer_addr, r)) {
		log_error("Certificate does not contain an authorized principal");
		return false;
	}
	if (!certauth_apply_cert_options(cert, user, peer_addr, r))
		return false;
	certauth_log_accepted(cert, path);
	return true;
}

/* `name` is one of the comma-separated names in `list`, compared exactly: sshd's
 * match_principals_option uses match_list, so "ops*" names only a principal called "ops*". */
static bool certauth_name_listed(const char *list, const char *name)
{
	size_t name_len = strlen(name);
	for (const char *p = list;;) {
		size_t n = strcspn(p, ",");
		if (n == name_len && memcmp(p, name, n) == 0)
			return true;
		if (!p[n])
			return false;
		p += n + 1;
	}
}

bool certauth_authorized_keys_line(const struct burrow_key *cert, const struct burrow_authorized_keys_options *o,
				   const char *loc, const struct user_info *user)
{
	const char *reason;
	if (o->principals) {
		/* principals="a,b": one of them must be in the certificate (sshd match_principals_option). */
		bool found = false;
		for (size_t i = 0; i < burrow_cert_principal_count(cert) && !found; i++)
			found = certauth_name_listed(o->principals, burrow_cert_principal(cert, i));
		if (burrow_cert_check_authority(cert, BURROW_CERT_USER, NULL, (uint64_t)time(NULL), &reason) != 0) {
			log_error("%s", reason);
			return false;
		}
		if (!found) {
			log_error("%s: Certificate does not contain an authorized principal", loc);
			return false;
		}
	} else if (burrow_cert_check_authority(cert, BURROW_CERT_USER, user->name, (uint64_t)time(NULL), &reason) != 0) {
		log_error("%s", reason);
		return false;
	}
	return true;
}

bool certauth_check(const struct server_options *opts, const struct user_info *user, const struct burrow_key *cert,
		    const char *peer_addr, struct auth_restrictions *r)
{
	if (certauth_key_revoked(opts, cert)) /* the certificate's key, its CA, its serial or id */
		return false;
	/* sshd's userauth_pubkey checks CASignatureAlgorithms before looking for the CA anywhere. */
	if (burrow_cert_check_sig_alg(cert, opts->certs.ca_signature_algorithms) != 0) {
		log_info("userauth_pubkey: certificate signature algorithm %s: signature algorithm not supported",
			 burrow_cert_signature_alg(cert) ? burrow_cert_signature_alg(cert) : "(null)");
		return false;
	}
	if (certauth_trusted_ca(opts, user, cert, peer_addr, r))
		return true;
	auth_restrictions_free(r); /* a principals line may have set some */
	/* authorized_keys: a cert-authority line for the CA (authkeys.c calls
	 * certauth_authorized_keys_line for it), then the certificate's own options. */
	if (!authkeys_check(opts, user, cert, peer_addr, r))
		return false;
	if (!certauth_apply_cert_options(cert, user, peer_addr, r))
		return false;
	certauth_log_accepted(cert, "authorized_keys");
	return true;
}

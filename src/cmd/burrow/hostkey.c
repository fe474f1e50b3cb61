/*
 * Server host key verification against known_hosts files, with ssh(1)'s StrictHostKeyChecking
 * behaviour and its exact warning texts (scripts and users grep for them).
 */
#include "client.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <ctype.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cfgfile.h"
#include "log.h"

#define FATAL(...) log_msg(LOG_LVL_FATAL, __VA_ARGS__)

struct hostkey_found {
	enum burrow_known_host result;
	const char *file;
	int line;
};

/* Looks the key up in every known_hosts file; @revoked beats a match, a match beats a mismatch. */
static void known_hosts_lookup(const struct strlist *files, const char *host, const struct burrow_key *key,
			       struct hostkey_found *found)
{
	for (size_t i = 0; i < files->count; i++) {
		char *text = NULL;
		size_t len = 0;
		if (file_read_all(files->items[i], &text, &len) < 0) {
			log_debug("load_hostkeys: fopen %s: %s", files->items[i], strerror(errno));
			continue;
		}
		enum burrow_known_host result = BURROW_KNOWN_HOST_NEW;
		int line = 0;
		int r = burrow_known_hosts_check(text, len, host, key, &result, &line);
		free(text);
		if (r < 0) {
			log_debug("%s: cannot check: %s", files->items[i], burrow_strerror(r));
			continue;
		}
		bool better = false;
		switch (result) {
		case BURROW_KNOWN_HOST_REVOKED:
			better = found->result != BURROW_KNOWN_HOST_REVOKED;
			break;
		case BURROW_KNOWN_HOST_OK:
			better = found->result != BURROW_KNOWN_HOST_REVOKED && found->result != BURROW_KNOWN_HOST_OK;
			break;
		case BURROW_KNOWN_HOST_CHANGED:
			better = found->result == BURROW_KNOWN_HOST_NEW;
			break;
		case BURROW_KNOWN_HOST_NEW:
			break;
		}
		if (better) {
			found->result = result;
			found->file = files->items[i];
			found->line = line;
		}
	}
}

static void write_all_fd(int fd, const char *s)
{
	size_t len = strlen(s);
	while (len > 0) {
		ssize_t n = write(fd, s, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		s += n;
		len -= (size_t)n;
	}
}

/* ssh's confirm(): asks on /dev/tty; no terminal or EOF means "no". */
static bool tty_confirm(const char *prompt, const char *fingerprint)
{
	int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		log_debug("read_passphrase: can't open /dev/tty: %s", strerror(errno));
		return false;
	}
	const char *msg = prompt;
	for (;;) {
		write_all_fd(fd, msg);
		char line[1024];
		size_t n = 0;
		bool eof = false;
		for (;;) {
			char c;
			ssize_t r = read(fd, &c, 1);
			if (r <= 0) {
				eof = true;
				break;
			}
			if (c == '\n')
				break;
			if (n + 1 < sizeof(line))
				line[n++] = c;
		}
		line[n] = 0;
		if (eof && n == 0) {
			write_all_fd(fd, "\n");
			close(fd);
			return false;
		}
		char *p = line + strspn(line, " \t");
		p[strcspn(p, " \t\r\n")] = 0;
		int answer = -1;
		if (*p == 0 || strcasecmp(p, "no") == 0)
			answer = 0;
		else if (strcasecmp(p, "yes") == 0 || strcmp(p, fingerprint) == 0)
			answer = 1;
		if (answer >= 0 || eof) {
			close(fd);
			return answer == 1;
		}
		msg = "Please type 'yes', 'no' or the fingerprint: ";
	}
}

/* Creates ~/.ssh (0700) when the file lives there and it is missing, as ssh does. */
static void ensure_user_ssh_dir(const char *file)
{
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s/.ssh", local_home_dir());
	size_t dlen = strlen(dir);
	if (strncmp(file, dir, dlen) != 0 || file[dlen] != '/')
		return;
	struct stat st;
	if (stat(dir, &st) == 0)
		return;
	if (mkdir(dir, 0700) < 0)
		log_error("Could not create directory '%s' (%s).", dir, strerror(errno));
	else
		log_info("Created directory '%s'.", dir);
}

static bool file_lacks_final_newline(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	char c = '\n';
	off_t end = lseek(fd, 0, SEEK_END);
	if (end > 0 && pread(fd, &c, 1, end - 1) != 1)
		c = '\n';
	close(fd);
	return c != '\n';
}

/* HashKnownHosts yes: the host name goes in hashed, as ssh writes it. */
static bool known_hosts_append(const char *file, const char *host, const struct burrow_key *key, bool hashed)
{
	char *line = NULL;
	if ((hashed ? burrow_known_hosts_line_hashed(host, key, &line) : burrow_known_hosts_line(host, key, &line)) < 0)
		return false;
	ensure_user_ssh_dir(file);
	bool need_newline = file_lacks_final_newline(file);
	FILE *f = fopen(file, "a");
	bool ok = f != NULL;
	if (f) {
		if (need_newline)
			fputc('\n', f);
		ok = fputs(line, f) >= 0;
		ok = fclose(f) == 0 && ok;
	}
	free(line);
	return ok;
}

static void print_changed_warning(const char *type, const char *fp, const char *host, const struct hostkey_found *found,
				  const char *add_file)
{
	log_error("@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@");
	log_error("@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @");
	log_error("@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@");
	log_error("IT IS POSSIBLE THAT SOMEONE IS DOING SOMETHING NASTY!");
	log_error("Someone could be eavesdropping on you right now (man-in-the-middle attack)!");
	log_error("It is also possible that a host key has just been changed.");
	log_error("The fingerprint for the %s key sent by the remote host is", type);
	log_error("%s.", fp);
	log_error("Please contact your system administrator.");
	log_error("Add correct host key in %s to get rid of this message.", add_file);
	log_error("Offending %s key in %s:%d", type, found->file, found->line);
	log_error("  remove with:");
	log_error("  ssh-keygen -f \"%s\" -R \"%s\"", found->file, host);
}

static void print_revoked_warning(const char *type, const char *host)
{
	log_error("@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@");
	log_error("@       WARNING: REVOKED HOST KEY DETECTED!               @");
	log_error("@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@");
	log_error("The %s host key for %s is marked as revoked.", type, host);
	log_error("This could mean that a stolen key is being used to");
	log_error("impersonate this host.");
}

static void print_unsafe_continuation(void)
{
	log_error("Password authentication is disabled to avoid man-in-the-middle attacks.");
	log_error("Keyboard-interactive authentication is disabled to avoid man-in-the-middle attacks.");
}

static bool hostkey_new(const struct client_options *o, const char *host, const char *ip_host,
			const char *type, const char *fp, const struct burrow_key *key)
{
	switch (o->strict_host_key_checking) {
	case STRICT_YES:
		log_error("No %s host key is known for %s and you have requested strict checking.", type, host);
		FATAL("Host key verification failed.");
		return false;
	case STRICT_ASK: {
		if (o->batch_mode) {
			FATAL("Host key verification failed.");
			return false;
		}
		char prompt[2048];
		snprintf(prompt, sizeof(prompt),
			 "The authenticity of host '%.200s (%s)' can't be established.\n"
			 "%s key fingerprint is %s.\n"
			 "This key is not known by any other names.\n"
			 "Are you sure you want to continue connecting (yes/no/[fingerprint])? ",
			 host, ip_host, type, fp);
		if (!tty_confirm(prompt, fp)) {
			FATAL("Host key verification failed.");
			return false;
		}
		break;
	}
	default:
		break;
	}
	if (o->user_known_hosts.count == 0) {
		log_debug("no UserKnownHostsFile: not recording the host key");
		return true;
	}
	const char *file = o->user_known_hosts.items[0];
	if (known_hosts_append(file, host, key, o->hash_known_hosts > 0))
		log_info("Warning: Permanently added '%s' (%s) to the list of known hosts.", host, type);
	else
		log_info("Failed to add the host to the list of known hosts (%s).", file);
	return true;
}

/*
 * A host certificate (ssh's check_host_key with want_cert): 1 when an @cert-authority line for the
 * host lists its CA and the certificate is a valid host certificate for `name`; 0 when ssh would
 * look the certified key up as a plain key instead (no CA, or an invalid certificate); -1 when the
 * CA or the key is @revoked (refused).
 */
static int hostkey_verify_cert(const struct client_options *o, const char *name, const char *host,
			       const struct burrow_key *cert)
{
	struct hostkey_found found = { .result = BURROW_KNOWN_HOST_NEW };
	known_hosts_lookup(&o->user_known_hosts, host, cert, &found);
	known_hosts_lookup(&o->global_known_hosts, host, cert, &found);
	const char *type = burrow_key_type_short(cert);
	if (found.result == BURROW_KNOWN_HOST_REVOKED) {
		print_revoked_warning(type, host);
		return -1;
	}
	if (found.result != BURROW_KNOWN_HOST_OK) {
		log_debug("No matching CA found. Retry with plain key");
		return 0;
	}
	log_debug("Host '%s' is known and matches the %s host certificate.", host, type);
	log_debug("Found CA key in %s:%d", found.file, found.line);
	if (burrow_cert_check_sig_alg(cert, o->ca_signature_algorithms) != 0) {
		log_info("check_host_cert: certificate signature algorithm %s: signature algorithm not supported",
			 burrow_cert_signature_alg(cert));
		log_debug("No matching CA found. Retry with plain key");
		return 0;
	}
	char *lower = strdup(name);
	for (char *p = lower; p && *p; p++)
		*p = (char)tolower((unsigned char)*p);
	const char *reason = NULL;
	int r = lower ? burrow_cert_check_authority(cert, BURROW_CERT_HOST, lower, (uint64_t)time(NULL), &reason) : BURROW_E_NOMEM;
	free(lower);
	if (r != 0) {
		log_error("%s", reason ? reason : "Certificate invalid");
		log_debug("No matching CA found. Retry with plain key");
		return 0;
	}
	return 1;
}

bool hostkey_verify(const struct client_options *o, const char *peer_ip, const struct burrow_key *key)
{
	if (burrow_key_is_cert(key)) {
		const char *cert_name = o->host_key_alias ? o->host_key_alias : o->hostname;
		char *cert_host = NULL;
		if (burrow_known_hosts_hostname(cert_name, o->port, &cert_host) < 0) {
			FATAL("Host key verification failed: out of memory");
			return false;
		}
		int r = hostkey_verify_cert(o, cert_name, cert_host, key);
		free(cert_host);
		if (r < 0) {
			FATAL("Host key verification failed.");
			return false;
		}
		if (r > 0)
			return true;
		struct burrow_key *plain = NULL;
		if (burrow_cert_key_dup_plain(key, &plain) < 0) {
			FATAL("Host key verification failed: out of memory");
			return false;
		}
		bool ok = hostkey_verify(o, peer_ip, plain);
		burrow_key_free(plain);
		return ok;
	}

	const char *name = o->host_key_alias ? o->host_key_alias : o->hostname;
	char *host = NULL, *ip_host = NULL, *fp = NULL;
	bool accept = false;
	if (burrow_known_hosts_hostname(name, o->port, &host) < 0 ||
	    burrow_known_hosts_hostname(peer_ip, o->port, &ip_host) < 0 ||
	    burrow_key_fingerprint_sha256(key, &fp) < 0) {
		FATAL("Host key verification failed: out of memory");
		goto out;
	}
	const char *type = burrow_key_type_short(key);
	log_debug("Server host key: %s %s", burrow_key_type_name(key), fp);

	struct hostkey_found found = { .result = BURROW_KNOWN_HOST_NEW };
	known_hosts_lookup(&o->user_known_hosts, host, key, &found);
	known_hosts_lookup(&o->global_known_hosts, host, key, &found);
	const char *add_file = o->user_known_hosts.count ? o->user_known_hosts.items[0] : "(none)";

	switch (found.result) {
	case BURROW_KNOWN_HOST_OK:
		log_debug("Host '%s' is known and matches the %s host key.", host, type);
		log_debug("Found key in %s:%d", found.file, found.line);
		accept = true;
		break;
	case BURROW_KNOWN_HOST_REVOKED:
		print_revoked_warning(type, host);
		if (o->strict_host_key_checking != STRICT_NO) {
			log_error("%s host key for %s was revoked and you have requested strict checking.", type, host);
			FATAL("Host key verification failed.");
			break;
		}
		print_unsafe_continuation();
		accept = true;
		break;
	case BURROW_KNOWN_HOST_CHANGED:
		print_changed_warning(type, fp, host, &found, add_file);
		if (o->strict_host_key_checking != STRICT_NO) {
			log_error("Host key for %s has changed and you have requested strict checking.", host);
			FATAL("Host key verification failed.");
			break;
		}
		print_unsafe_continuation();
		accept = true;
		break;
	case BURROW_KNOWN_HOST_NEW:
		accept = hostkey_new(o, host, ip_host, type, fp, key);
		break;
	}
out:
	free(host);
	free(ip_host);
	free(fp);
	return accept;
}

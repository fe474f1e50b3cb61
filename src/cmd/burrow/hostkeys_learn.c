/*
 * UpdateHostKeys: after authentication an OpenSSH server lists all its host keys
 * (hostkeys-00@openssh.com, OpenSSH PROTOCOL 2.5). Keys the user's known_hosts lacks are learned
 * once the server has proved it holds them (hostkeys-prove-00@openssh.com), and keys the file has
 * for this host that the server no longer offers are removed, as ssh(1)'s update_known_hosts()
 * does. Only when the host was vouched for by the user's own known_hosts with a plain key; never
 * when the key was accepted although the file disagrees; nothing is touched when the file says
 * more about the host than a plain "host key" line can (markers, wildcards, host lists).
 */
#include "client.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cfgfile.h"
#include "log.h"
#include "prompt.h"

#define DEBUG3(...) log_msg(LOG_LVL_DEBUG3, __VA_ARGS__)

struct hostkeys_learn {
	const struct client_options *o;
	struct burrow_conn *conn;
	int mode;          /* enum update_hostkeys, resolved */
	enum burrow_known_host user_verdict, global_verdict; /* on the server's key, before verifying */
	bool by_certificate; /* the host key is a certificate a known CA signed */
	char *host;        /* the known_hosts name: "name" or "[name]:port" */
	bool seen;         /* the server's list came (it comes once) */
	struct burrow_key **keys; /* the server's keys */
	bool *known;       /* keys[i] is in the user's known_hosts for host already */
	bool *proven;      /* keys[i] was new and the server proved it holds it */
	size_t nkeys, nnew;
	struct burrow_key **old; /* keys the files have for host that the server no longer offers */
	size_t nold;
};

/* UpdateHostKeys' default (ssh_config(5)): yes unless UserKnownHostsFile was changed. */
static int default_mode(const struct client_options *o)
{
	if (!o->user_known_hosts_set)
		return UPDATE_HOSTKEYS_YES;
	char *standard = options_expand_path(o, "~/.ssh/known_hosts");
	bool same = standard && o->user_known_hosts.count == 1 &&
		    strcmp(o->user_known_hosts.items[0], standard) == 0;
	free(standard);
	return same ? UPDATE_HOSTKEYS_YES : UPDATE_HOSTKEYS_NO;
}

int hostkeys_learn_new(const struct client_options *o, struct burrow_conn *conn, struct hostkeys_learn **out)
{
	struct hostkeys_learn *hl = calloc(1, sizeof(*hl));
	if (!hl)
		return -1;
	hl->o = o;
	hl->conn = conn;
	hl->mode = o->update_hostkeys == UPDATE_HOSTKEYS_UNSET ? default_mode(o) : o->update_hostkeys;
	if (burrow_known_hosts_hostname(o->host_key_alias ? o->host_key_alias : o->hostname, o->port, &hl->host) < 0) {
		free(hl);
		return -1;
	}
	*out = hl;
	return 0;
}

static void keys_free(struct burrow_key **keys, size_t n)
{
	for (size_t i = 0; i < n; i++)
		burrow_key_free(keys[i]);
	free(keys);
}

void hostkeys_learn_free(struct hostkeys_learn *hl)
{
	if (!hl)
		return;
	keys_free(hl->keys, hl->nkeys);
	keys_free(hl->old, hl->nold);
	free(hl->known);
	free(hl->proven);
	free(hl->host);
	free(hl);
}

/* ---- how the host key was trusted ---- */

/* The best verdict of a list of files for host/key: revoked, else ok, else changed, else new. */
static enum burrow_known_host files_verdict(const struct strlist *files, const char *host, const struct burrow_key *key)
{
	static const int rank[] = { [BURROW_KNOWN_HOST_NEW] = 0, [BURROW_KNOWN_HOST_CHANGED] = 1,
				    [BURROW_KNOWN_HOST_OK] = 2, [BURROW_KNOWN_HOST_REVOKED] = 3 };
	enum burrow_known_host best = BURROW_KNOWN_HOST_NEW;
	for (size_t i = 0; i < files->count; i++) {
		char *text = NULL;
		size_t len = 0;
		if (file_read_all(files->items[i], &text, &len) < 0)
			continue;
		enum burrow_known_host result = BURROW_KNOWN_HOST_NEW;
		int line = 0;
		if (burrow_known_hosts_check(text, len, host, key, &result, &line) == 0 && rank[result] > rank[best])
			best = result;
		free(text);
	}
	return best;
}

void hostkeys_learn_host_key(struct hostkeys_learn *hl, const struct burrow_key *key)
{
	const struct client_options *o = hl->o;
	hl->user_verdict = files_verdict(&o->user_known_hosts, hl->host, key);
	hl->global_verdict = files_verdict(&o->global_known_hosts, hl->host, key);
	if (!burrow_key_is_cert(key))
		return;
	if (hl->user_verdict == BURROW_KNOWN_HOST_OK || hl->global_verdict == BURROW_KNOWN_HOST_OK) {
		hl->by_certificate = true;
		return;
	}
	/* No CA vouches for it: ssh checks it as its plain key, and so does hostkey_verify. */
	struct burrow_key *plain = NULL;
	if (burrow_cert_key_dup_plain(key, &plain) == 0) {
		hl->user_verdict = files_verdict(&o->user_known_hosts, hl->host, plain);
		hl->global_verdict = files_verdict(&o->global_known_hosts, hl->host, plain);
	}
	burrow_key_free(plain);
}

bool hostkeys_learn_host_verified(struct hostkeys_learn *hl)
{
	enum burrow_known_host user = hl->user_verdict, global = hl->global_verdict;
	if (user == BURROW_KNOWN_HOST_REVOKED || global == BURROW_KNOWN_HOST_REVOKED ||
	    (user != BURROW_KNOWN_HOST_OK && global != BURROW_KNOWN_HOST_OK &&
	     (user == BURROW_KNOWN_HOST_CHANGED || global == BURROW_KNOWN_HOST_CHANGED))) {
		/* Accepted only because StrictHostKeyChecking=no: nothing it says can be believed. */
		if (hl->mode != UPDATE_HOSTKEYS_NO)
			log_error("UpdateHostkeys is disabled because the host key is not trusted.");
		hl->mode = UPDATE_HOSTKEYS_NO;
		return false;
	}
	if (hl->by_certificate && hl->mode != UPDATE_HOSTKEYS_NO) {
		DEBUG3("host key is a certificate; disabling UpdateHostkeys");
		hl->mode = UPDATE_HOSTKEYS_NO;
	}
	if (user != BURROW_KNOWN_HOST_OK && global == BURROW_KNOWN_HOST_OK && hl->mode != UPDATE_HOSTKEYS_NO) {
		DEBUG3("host key found in GlobalKnownHostsFile; disabling UpdateHostkeys");
		hl->mode = UPDATE_HOSTKEYS_NO;
	}
	/* A new key counts only when the user said yes to it, not when accept-new or "no" took it. */
	if (user != BURROW_KNOWN_HOST_OK && global != BURROW_KNOWN_HOST_OK &&
	    hl->o->strict_host_key_checking != STRICT_ASK && hl->mode != UPDATE_HOSTKEYS_NO) {
		log_debug("check_host_key: hostkey not known or explicitly trusted: disabling UpdateHostkeys");
		hl->mode = UPDATE_HOSTKEYS_NO;
	}
	return true;
}

/* ---- reading known_hosts lines ---- */

enum line_kind { LINE_OTHER, LINE_HOST_KEY, LINE_HOST_MARKER };

/* A host field that names more than this host, so rewriting the line would change other hosts'
 * entries (ssh's hostspec_is_complex: wildcards, or more than "name,address"). */
static bool hostspec_is_complex(const char *field, size_t len)
{
	const char *first_comma = memchr(field, ',', len);
	if (memchr(field, '*', len) || memchr(field, '?', len))
		return true;
	return first_comma && memchr(first_comma + 1, ',', len - (size_t)(first_comma + 1 - field));
}

static size_t span_blanks(const char *p, size_t len, bool blanks)
{
	size_t i = 0;
	while (i < len && (p[i] == ' ' || p[i] == '\t') == blanks)
		i++;
	return i;
}

/* What one line says about our host; *key is the line's key when it has one. */
static enum line_kind line_examine(const char *host, const char *line, size_t len, struct burrow_key **key,
				   bool *complex)
{
	*key = NULL;
	*complex = false;
	enum burrow_known_hosts_marker marker = BURROW_KH_MARKER_NONE;
	int matches = burrow_known_hosts_line_matches(line, len, host, &marker);
	if (matches < 0)
		return LINE_OTHER; /* blank, comment or malformed: kept as it is */
	size_t pos = span_blanks(line, len, true);
	if (marker != BURROW_KH_MARKER_NONE) {
		pos += span_blanks(line + pos, len - pos, false);
		pos += span_blanks(line + pos, len - pos, true);
	}
	char *comment = NULL;
	if (burrow_key_parse_any_line(line + pos, len - pos, key, &comment) < 0)
		*key = NULL;
	free(comment);
	if (matches != 1)
		return LINE_OTHER;
	*complex = hostspec_is_complex(line + pos, span_blanks(line + pos, len - pos, false));
	if (marker != BURROW_KH_MARKER_NONE)
		return LINE_HOST_MARKER;
	return *key ? LINE_HOST_KEY : LINE_OTHER;
}

static ssize_t key_index(struct burrow_key *const *keys, size_t n, const struct burrow_key *key)
{
	for (size_t i = 0; i < n; i++)
		if (keys[i] && burrow_key_equal_public(keys[i], key))
			return (ssize_t)i;
	return -1;
}

/* Calls fn for each line of file (without its line end); false if the file cannot be read. */
typedef void (*line_fn)(void *ctx, const char *line, size_t len, int line_no);
static bool file_each_line(const char *path, line_fn fn, void *ctx)
{
	char *text = NULL;
	size_t len = 0;
	if (file_read_all(path, &text, &len) < 0)
		return false;
	int line_no = 0;
	for (size_t pos = 0; pos < len;) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;
		size_t shown = n > 0 && text[pos + n - 1] == '\r' ? n - 1 : n;
		fn(ctx, text + pos, shown, ++line_no);
		pos += n + 1;
	}
	free(text);
	return true;
}

/* ---- what the files already hold ---- */

struct survey {
	struct hostkeys_learn *hl;
	const char *path;
	bool complex;      /* a marker, wildcard or host list line for our host */
	bool other_names;  /* a key to be removed also belongs to other hosts */
	bool failed;
};

static void survey_line(void *vctx, const char *line, size_t len, int line_no)
{
	struct survey *sv = vctx;
	struct hostkeys_learn *hl = sv->hl;
	struct burrow_key *key = NULL;
	bool complex = false;
	enum line_kind kind = line_examine(hl->host, line, len, &key, &complex);
	if (kind == LINE_HOST_MARKER || (kind == LINE_HOST_KEY && complex)) {
		sv->complex = true;
	} else if (kind == LINE_HOST_KEY) {
		ssize_t i = key_index(hl->keys, hl->nkeys, key);
		if (i >= 0) {
			DEBUG3("found %s key at %s:%d", burrow_key_type_short(key), sv->path, line_no);
			hl->known[i] = true;
		} else if (key_index(hl->old, hl->nold, key) < 0) {
			DEBUG3("deprecated %s key at %s:%d", burrow_key_type_short(key), sv->path, line_no);
			struct burrow_key **grown = realloc(hl->old, (hl->nold + 1) * sizeof(*grown));
			if (!grown) {
				sv->failed = true;
			} else {
				hl->old = grown;
				hl->old[hl->nold++] = key;
				key = NULL;
			}
		}
	}
	burrow_key_free(key);
}

/* Second look: a key about to be removed that other hosts' lines also hold (ssh refuses then:
 * removing it for this name only would leave the names inconsistent). */
static void survey_other_names(void *vctx, const char *line, size_t len, int line_no)
{
	struct survey *sv = vctx;
	struct burrow_key *key = NULL;
	bool complex = false;
	if (line_examine(sv->hl->host, line, len, &key, &complex) == LINE_OTHER && key &&
	    key_index(sv->hl->old, sv->hl->nold, key) >= 0) {
		DEBUG3("deprecated %s key also at %s:%d for another host", burrow_key_type_short(key), sv->path, line_no);
		sv->other_names = true;
	}
	burrow_key_free(key);
}

/* ---- rewriting a file ---- */

struct rewrite {
	struct hostkeys_learn *hl;
	const char *path;
	FILE *out;
	bool add;       /* the first file: the server's keys are added here */
	bool *present;  /* keys[i] has a line for our host in this file */
	bool modified, failed;
};

static void rewrite_line(void *vctx, const char *line, size_t len, int line_no)
{
	struct rewrite *rw = vctx;
	struct hostkeys_learn *hl = rw->hl;
	struct burrow_key *key = NULL;
	bool complex = false;
	if (line_examine(hl->host, line, len, &key, &complex) == LINE_HOST_KEY) {
		ssize_t i = rw->add ? key_index(hl->keys, hl->nkeys, key) : -1;
		if (i < 0) {
			/* A key of this host that the server no longer offers: the line goes. */
			log_verbose("%s:%d: Removed %s key for host %s", rw->path, line_no, burrow_key_type_short(key),
				    hl->host);
			rw->modified = true;
			burrow_key_free(key);
			return;
		}
		rw->present[i] = true;
	}
	burrow_key_free(key);
	if (fprintf(rw->out, "%.*s\n", (int)len, line) < 0)
		rw->failed = true;
}

static int append_key(struct rewrite *rw, const struct burrow_key *key)
{
	char *line = NULL, *fp = NULL;
	int r = rw->hl->o->hash_known_hosts > 0 ? burrow_known_hosts_line_hashed(rw->hl->host, key, &line)
						: burrow_known_hosts_line(rw->hl->host, key, &line);
	if (r == 0 && fputs(line, rw->out) < 0)
		r = -1;
	if (r == 0 && burrow_key_fingerprint_sha256(key, &fp) == 0)
		log_verbose("Adding new key for %s to %s: %s %s", rw->hl->host, rw->path, burrow_key_type_name(key), fp);
	free(fp);
	free(line);
	rw->modified = true;
	return r;
}

/* As ssh's hostfile_replace_entries: a new file written beside the old one, the old one kept as
 * FILE.old, then renamed into place, so a crash never leaves half a known_hosts. */
static void file_rewrite(struct hostkeys_learn *hl, const char *path, bool add)
{
	struct stat st;
	if (stat(path, &st) < 0) {
		if (errno == ENOENT)
			log_debug("known hosts file %s does not exist", path);
		else
			log_error("known hosts file %s inaccessible: %s", path, strerror(errno));
		return;
	}
	size_t plen = strlen(path);
	char *temp = malloc(plen + 16), *backup = malloc(plen + 8);
	bool *present = calloc(hl->nkeys + 1, sizeof(*present));
	struct rewrite rw = { .hl = hl, .path = path, .add = add, .present = present };
	int fd = -1;
	if (!temp || !backup || !present)
		goto out;
	snprintf(temp, plen + 16, "%s.XXXXXXXXXX", path);
	snprintf(backup, plen + 8, "%s.old", path);
	if ((fd = mkstemp(temp)) < 0) {
		log_error("mkstemp: %s", strerror(errno));
		goto out;
	}
	fchmod(fd, st.st_mode & 0644);
	if (!(rw.out = fdopen(fd, "w"))) {
		close(fd);
		unlink(temp);
		goto out;
	}
	if (!file_each_line(path, rewrite_line, &rw))
		rw.failed = true;
	for (size_t i = 0; add && !rw.failed && i < hl->nkeys; i++)
		if (!present[i] && append_key(&rw, hl->keys[i]) < 0)
			rw.failed = true;
	if (fclose(rw.out) != 0)
		rw.failed = true;
	if (rw.failed || !rw.modified) {
		if (rw.failed)
			log_error("hostfile_replace_entries failed for %s", path);
		unlink(temp);
		goto out;
	}
	if ((unlink(backup) < 0 && errno != ENOENT) || link(path, backup) < 0)
		log_debug("cannot keep a backup %s: %s", backup, strerror(errno));
	if (rename(temp, path) < 0) {
		log_error("rename \"%s\" to \"%s\": %s", temp, path, strerror(errno));
		unlink(temp);
	}
out:
	free(temp);
	free(backup);
	free(present);
}

/* ---- the update ---- */

static void log_change(int level, bool *first, bool asking, const char *what, const struct burrow_key *key)
{
	char *fp = NULL;
	if (burrow_key_fingerprint_sha256(key, &fp) < 0)
		return;
	if (*first && asking) {
		log_msg(level, "The server has updated its host keys.");
		log_msg(level, "These changes were verified by the server's existing trusted key.");
	}
	*first = false;
	log_msg(level, "%s: %s %s", what, burrow_key_type_short(key), fp);
	free(fp);
}

static bool ask_user(int level)
{
	for (int i = 0; i < 3; i++) {
		char *answer = prompt_read("Accept updated hostkeys? (yes/no): ", PROMPT_ECHO);
		if (!answer)
			return false;
		bool yes = strcasecmp(answer, "yes") == 0, no = strcasecmp(answer, "no") == 0;
		prompt_free(answer);
		if (yes || no)
			return yes;
		log_msg(level, "Please enter \"yes\" or \"no\"");
	}
	return false;
}

static void update_known_hosts(struct hostkeys_learn *hl)
{
	bool asking = hl->mode == UPDATE_HOSTKEYS_ASK, first = true;
	int level = asking ? LOG_LVL_INFO : LOG_LVL_VERBOSE;
	for (size_t i = 0; i < hl->nkeys; i++)
		if (hl->proven[i])
			log_change(level, &first, asking, "Learned new hostkey", hl->keys[i]);
	for (size_t i = 0; i < hl->nold; i++)
		log_change(level, &first, asking, "Deprecating obsolete hostkey", hl->old[i]);
	if (asking && !ask_user(level))
		return;
	/* Keys are added to the first file only; the others just lose this host's stale lines. */
	for (size_t i = 0; i < hl->o->user_known_hosts.count; i++)
		file_rewrite(hl, hl->o->user_known_hosts.items[i], i == 0);
}

/* Copies the server's list, without duplicates (a server that repeats a key is not believed). */
static int take_keys(struct hostkeys_learn *hl, const struct burrow_event *ev)
{
	hl->keys = calloc(ev->nkeys + 1, sizeof(*hl->keys));
	hl->known = calloc(ev->nkeys + 1, sizeof(*hl->known));
	hl->proven = calloc(ev->nkeys + 1, sizeof(*hl->proven));
	if (!hl->keys || !hl->known || !hl->proven)
		return -1;
	for (size_t i = 0; i < ev->nkeys; i++) {
		DEBUG3("received %s key", burrow_key_type_name(ev->keys[i]));
		if (burrow_key_is_cert(ev->keys[i])) {
			DEBUG3("%s key is a certificate; skipping", burrow_key_type_name(ev->keys[i]));
			continue;
		}
		if (key_index(hl->keys, hl->nkeys, ev->keys[i]) >= 0) {
			log_error("received duplicated %s host key", burrow_key_type_name(ev->keys[i]));
			return -1;
		}
		if (burrow_key_dup_public(ev->keys[i], &hl->keys[hl->nkeys]) < 0)
			return -1;
		hl->nkeys++;
	}
	return 0;
}

static void hostkeys_received(struct hostkeys_learn *hl, const struct burrow_event *ev)
{
	const struct client_options *o = hl->o;
	if (hl->seen) {
		log_debug("server sent its hostkeys again; ignored");
		return;
	}
	hl->seen = true;
	if (hl->mode == UPDATE_HOSTKEYS_NO || o->user_known_hosts.count == 0 ||
	    (hl->mode == UPDATE_HOSTKEYS_ASK && o->batch_mode > 0))
		return; /* ssh's can_update_hostkeys(): asking is impossible in batch mode */
	if (take_keys(hl, ev) < 0 || hl->nkeys == 0) {
		log_debug("hostkeys_received: server sent no usable hostkeys");
		return;
	}
	struct survey sv = { .hl = hl };
	for (size_t i = 0; i < o->user_known_hosts.count; i++) {
		sv.path = o->user_known_hosts.items[i];
		log_debug("hostkeys_received: searching %s for %s", sv.path, hl->host);
		file_each_line(sv.path, survey_line, &sv);
	}
	for (size_t i = 0; i < hl->nkeys; i++)
		hl->nnew += !hl->known[i];
	DEBUG3("%zu server keys: %zu new, %zu retained, %zu to remove", hl->nkeys, hl->nnew, hl->nkeys - hl->nnew,
	       hl->nold);
	if (sv.failed)
		return;
	if (hl->nnew == 0 && hl->nold == 0) {
		log_debug("hostkeys_received: no new or deprecated keys from server");
		return;
	}
	if (sv.complex) {
		log_debug("hostkeys_received: CA/revocation marker, manual host list or wildcard host pattern found, "
			  "skipping UserKnownHostsFile update");
		return;
	}
	for (size_t i = 0; hl->nold > 0 && i < o->user_known_hosts.count; i++) {
		sv.path = o->user_known_hosts.items[i];
		file_each_line(sv.path, survey_other_names, &sv);
	}
	if (sv.other_names) {
		log_debug("hostkeys_received: host key found matching a different name/address, "
			  "skipping UserKnownHostsFile update");
		return;
	}
	if (hl->nnew == 0) {
		update_known_hosts(hl); /* only removals: no proof needed */
		return;
	}
	const struct burrow_key **fresh = calloc(hl->nnew, sizeof(*fresh));
	size_t n = 0;
	if (!fresh)
		return;
	for (size_t i = 0; i < hl->nkeys; i++)
		if (!hl->known[i])
			fresh[n++] = hl->keys[i];
	DEBUG3("asking server to prove ownership for %zu keys", n);
	int r = burrow_hostkeys_prove(hl->conn, fresh, n);
	if (r < 0)
		log_debug("hostkeys-prove: %s", burrow_strerror(r));
	free(fresh);
}

static void hostkeys_proven(struct hostkeys_learn *hl, const struct burrow_event *ev)
{
	if (!hl->seen || hl->nnew == 0)
		return;
	if (!ev->ok) {
		log_error("server failed to confirm ownership of private host keys");
		return;
	}
	size_t done = 0;
	for (size_t i = 0; i < ev->nkeys; i++) {
		ssize_t k = key_index(hl->keys, hl->nkeys, ev->keys[i]);
		if (k >= 0 && !hl->known[k] && !hl->proven[k]) {
			hl->proven[k] = true;
			done++;
		}
	}
	if (done != hl->nnew) {
		log_error("server proved %zu of %zu new host keys; known_hosts left alone", done, hl->nnew);
		return;
	}
	update_known_hosts(hl);
}

void hostkeys_learn_event(struct hostkeys_learn *hl, const struct burrow_event *ev)
{
	if (ev->type == BURROW_EV_HOSTKEYS)
		hostkeys_received(hl, ev);
	else if (ev->type == BURROW_EV_HOSTKEYS_PROVEN)
		hostkeys_proven(hl, ev);
}

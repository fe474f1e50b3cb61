/*
 * Who may log in and what the login may do, in sshd's terms: AllowUsers/DenyUsers/AllowGroups/
 * DenyGroups (auth.c allowed_user), PermitRootLogin (auth_root_allowed), the restrictions of an
 * authorized_keys line (auth-options.c), AuthenticationMethods at startup, and the Banner.
 */
#define _GNU_SOURCE
#include "burrowd.h"

#include <errno.h>
#include <grp.h>
#include <shadow.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "auth_methods.h"
#include "cfgfile.h"
#include "log.h"

#ifdef HAVE_PAM
#include <security/pam_appl.h>
#endif

#define BANNER_MAX_SIZE (64u * 1024)
#define MAX_USER_GROUPS 1024

/* ---- restrictions ---- */

void auth_restrictions_init(struct auth_restrictions *r)
{
	memset(r, 0, sizeof(*r));
	r->permit_pty = r->permit_port_forwarding = r->permit_agent_forwarding = true;
	r->permit_x11_forwarding = r->permit_user_rc = true;
}

void auth_restrictions_free(struct auth_restrictions *r)
{
	free(r->force_command);
	strlist_free(&r->environment);
	strlist_free(&r->permitopen);
	strlist_free(&r->permitlisten);
	auth_restrictions_init(r);
}

/* PermitUserEnvironment: "no", "yes", or a pattern list of the variable names allowed. */
static bool environment_permitted(const struct server_options *opts, const char *entry)
{
	const char *setting = opts->permit_user_environment ? opts->permit_user_environment : "no";
	if (strcmp(setting, "no") == 0)
		return false;
	if (strcmp(setting, "yes") == 0)
		return true;
	char *name = strndup(entry, strcspn(entry, "="));
	bool ok = name && burrow_match_pattern_list(name, setting, false) == BURROW_MATCH_YES;
	free(name);
	return ok;
}

static int copy_list(struct strlist *to, char *const *from, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strlist_add(to, from[i]) < 0)
			return -1;
	return 0;
}

int auth_restrictions_from_key_options(struct auth_restrictions *r, const struct server_options *opts,
				       const struct burrow_authorized_keys_options *o)
{
	auth_restrictions_free(r);
	r->permit_pty = o->permit_pty;
	r->permit_port_forwarding = o->permit_port_forwarding;
	r->permit_agent_forwarding = o->permit_agent_forwarding;
	r->permit_x11_forwarding = o->permit_x11_forwarding;
	r->permit_user_rc = o->permit_user_rc;
	if (o->force_command && !(r->force_command = strdup(o->force_command)))
		goto fail;
	for (size_t i = 0; i < o->environment_count; i++) {
		if (!environment_permitted(opts, o->environment[i])) {
			log_debug("key option environment=\"%s\" ignored (PermitUserEnvironment)", o->environment[i]);
			continue;
		}
		if (strlist_add(&r->environment, o->environment[i]) < 0)
			goto fail;
	}
	if (copy_list(&r->permitopen, o->permitopen, o->permitopen_count) < 0 ||
	    copy_list(&r->permitlisten, o->permitlisten, o->permitlisten_count) < 0)
		goto fail;
	return 0;
fail:
	/* Half-copied restrictions must not become fewer restrictions: deny the login. */
	auth_restrictions_free(r);
	return -1;
}

/* ---- AllowUsers / DenyUsers / AllowGroups / DenyGroups ---- */

static bool shell_usable(const struct user_info *u)
{
	if (access(u->shell, F_OK) < 0) {
		log_info("User %s not allowed because shell %s does not exist", u->name, u->shell);
		return false;
	}
	if (access(u->shell, X_OK) < 0) {
		log_info("User %s not allowed because shell %s is not executable", u->name, u->shell);
		return false;
	}
	return true;
}

/* True when an entry of `list` names the user (user or user@host patterns). An entry that
 * cannot be parsed (servconf refuses them; this is the second line of defence) counts as
 * naming the user when `error_matches` (Deny lists: fail closed) and as not naming them
 * otherwise (Allow lists). */
static bool user_listed(const struct strlist *list, const struct user_info *u, const char *addr,
			bool error_matches)
{
	for (size_t i = 0; i < list->n; i++) {
		int m = burrow_match_user(u->name, addr, addr, list->v[i]);
		if (m < 0) {
			log_error("Invalid user pattern \"%s\"", list->v[i]);
			if (error_matches)
				return true;
		}
		if (m == BURROW_MATCH_YES)
			return true;
	}
	return false;
}

/* The names of the user's groups; count 0 and false when they cannot be read. */
static bool user_groups(const struct user_info *u, struct strlist *names)
{
	gid_t gids[MAX_USER_GROUPS];
	int n = MAX_USER_GROUPS;
	if (getgrouplist(u->name, u->gid, gids, &n) < 0)
		return false;
	for (int i = 0; i < n; i++) {
		struct group *gr = getgrgid(gids[i]);
		if (gr && strlist_add(names, gr->gr_name) < 0)
			return false;
	}
	return true;
}

static bool group_listed(const struct strlist *groups, const struct strlist *patterns)
{
	for (size_t i = 0; i < groups->n; i++)
		for (size_t j = 0; j < patterns->n; j++)
			if (burrow_match_pattern_list(groups->v[i], patterns->v[j], false) == BURROW_MATCH_YES)
				return true;
	return false;
}

static bool groups_allowed(const struct server_options *opts, const struct user_info *u, const char *addr)
{
	struct strlist groups = { 0 };
	bool ok = true;
	if (!user_groups(u, &groups)) {
		log_info("User %s from %s not allowed because not in any group", u->name, addr);
		ok = false;
	} else if (opts->deny_groups.n && group_listed(&groups, &opts->deny_groups)) {
		log_info("User %s from %s not allowed because a group is listed in DenyGroups", u->name, addr);
		ok = false;
	} else if (opts->allow_groups.n && !group_listed(&groups, &opts->allow_groups)) {
		log_info("User %s from %s not allowed because none of user's groups are listed in AllowGroups",
			 u->name, addr);
		ok = false;
	}
	strlist_free(&groups);
	return ok;
}

static bool pam_in_use(const struct server_options *opts)
{
#ifdef HAVE_PAM
	return opts->use_pam > 0;
#else
	(void)opts;
	return false;
#endif
}

/* Without PAM, the shadow entry decides (sshd's allowed_user): a locked password ("!" prefix,
 * as usermod -L, or Solaris' "*LK*") or a passed expiry date refuses every method, keys and
 * certificates included. With PAM, pam_acct_mgmt decides (auth_policy_account_ok). The entry is
 * readable only as root; an unprivileged burrowd serves its own, live account. */
static bool shadow_account_usable(const struct user_info *u)
{
	struct spwd *sp = getspnam(u->name);
	if (!sp)
		return true;
	const char *hash = sp->sp_pwdp ? sp->sp_pwdp : "";
	if (hash[0] == '!' || strncmp(hash, "*LK*", 4) == 0) {
		log_info("User %s not allowed because account is locked", u->name);
		return false;
	}
	if (auth_policy_shadow_expired(sp->sp_expire, (long)(time(NULL) / 86400))) {
		log_info("Account %s has expired", u->name);
		return false;
	}
	return true;
}

bool auth_policy_shadow_expired(long sp_expire, long today)
{
	/* shadow(5), pam_unix and sshd's auth_shadow_acctexpired: -1 (empty) never expires;
	 * otherwise expired from that day on (chage -E 0: expired since 1970). */
	return sp_expire != -1 && today >= sp_expire;
}

bool auth_policy_user_allowed(const struct server_options *opts, const struct user_info *u, const char *addr)
{
	if (!shell_usable(u))
		return false;
	if (!pam_in_use(opts) && !shadow_account_usable(u))
		return false;
	if (opts->deny_users.n && user_listed(&opts->deny_users, u, addr, true)) {
		log_info("User %s from %s not allowed because listed in DenyUsers", u->name, addr);
		return false;
	}
	if (opts->allow_users.n && !user_listed(&opts->allow_users, u, addr, false)) {
		log_info("User %s from %s not allowed because not listed in AllowUsers", u->name, addr);
		return false;
	}
	if (opts->deny_groups.n || opts->allow_groups.n)
		return groups_allowed(opts, u, addr);
	return true;
}

/* ---- the account check (UsePAM) ---- */

#ifdef HAVE_PAM
/* pam_acct_mgmt asks nothing; messages (expiry warnings) are dropped. */
static int account_conversation(int n, const struct pam_message **msg, struct pam_response **resp,
				void *appdata)
{
	(void)appdata;
	if (n <= 0 || n > PAM_MAX_NUM_MSG)
		return PAM_CONV_ERR;
	for (int i = 0; i < n; i++)
		if (msg[i]->msg_style != PAM_TEXT_INFO && msg[i]->msg_style != PAM_ERROR_MSG)
			return PAM_CONV_ERR;
	*resp = calloc((size_t)n, sizeof(**resp));
	return *resp ? PAM_SUCCESS : PAM_BUF_ERR;
}
#endif

bool auth_policy_account_ok(const struct server_options *opts, const struct user_info *u, const char *peer_addr)
{
#ifdef HAVE_PAM
	if (pam_in_use(opts)) {
		struct pam_conv conv = { account_conversation, NULL };
		pam_handle_t *pamh = NULL;
		int r = pam_start("sshd", u->name, &conv, &pamh);
		if (r == PAM_SUCCESS) {
			pam_set_item(pamh, PAM_RHOST, peer_addr);
			pam_set_item(pamh, PAM_TTY, "ssh");
			r = pam_acct_mgmt(pamh, 0);
			if (r != PAM_SUCCESS)
				log_info("Access denied for user %s by PAM account configuration [%s]", u->name,
					 pam_strerror(pamh, r));
			pam_end(pamh, r);
		} else {
			log_error("PAM: initialisation failed");
		}
		return r == PAM_SUCCESS;
	}
#endif
	(void)peer_addr;
	/* Already refused by auth_policy_user_allowed when the account is unusable; checked
	 * again here so that no method can succeed past it. */
	return pam_in_use(opts) || shadow_account_usable(u);
}

/* ---- PermitRootLogin ---- */

bool auth_policy_root_allowed(const struct server_options *opts, const char *method, bool forced_command,
			      const char *peer_addr, int peer_port)
{
	bool by_key = strcmp(method, "publickey") == 0;
	switch (opts->permit_root_login) {
	case PERMIT_ROOT_YES:
		return true;
	case PERMIT_ROOT_PROHIBIT_PASSWORD:
		if (by_key)
			return true;
		break;
	case PERMIT_ROOT_FORCED_COMMANDS_ONLY:
		if (by_key && forced_command) {
			log_info("Root login accepted for forced command.");
			return true;
		}
		break;
	default:
		break;
	}
	log_info("ROOT LOGIN REFUSED FROM %s port %d", peer_addr, peer_port);
	return false;
}

/* ---- startup checks and the banner ---- */

bool auth_policy_check_config(const struct server_options *opts)
{
	struct auth_methods m;
	if (auth_methods_init(&m, opts->authentication_methods.v, opts->authentication_methods.n,
			      opts->pubkey_authentication, opts->password_authentication,
			      opts->kbdint_authentication) < 0)
		return false;
	bool ok = auth_methods_satisfiable(&m) || !opts->authentication_methods.n;
	auth_methods_free(&m);
	if (!ok)
		fprintf(stderr, "AuthenticationMethods cannot be satisfied by enabled authentication methods\n");
	return ok;
}

char *auth_policy_banner_new(const struct server_options *opts)
{
	if (!opts->banner || strcmp(opts->banner, "none") == 0)
		return NULL;
	char *text = NULL;
	size_t len = 0;
	if (file_read_all(opts->banner, &text, &len) < 0) {
		log_debug("Banner %s: %s", opts->banner, strerror(errno));
		return NULL;
	}
	if (len > BANNER_MAX_SIZE || memchr(text, 0, len)) {
		log_info("Banner %s is too large or not text; not sent", opts->banner);
		free(text);
		return NULL;
	}
	return text;
}

/*
 * Password checks: through PAM ("sshd" service, as OpenSSH, so /etc/pam.d/sshd applies) when
 * UsePAM is on and burrowd was built with PAM, else crypt(3) against the shadow entry.
 *
 * No user enumeration: for a user who does not exist or may not log in, the same work is done
 * (PAM with a password that cannot match; crypt with a hash made for the system's default
 * method) and the answer is the same "no", in about the same time.
 */
#define _GNU_SOURCE
#include "burrowd.h"

#include <crypt.h>
#include <pwd.h>
#include <shadow.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "log.h"

#ifdef HAVE_PAM
#include <security/pam_appl.h>
#endif

#define BURROWD_PAM_SERVICE "sshd"

/* ---- crypt(3) ---- */

/* A setting (method, cost and salt) of the system's default method (yescrypt on Debian 12):
 * hashing a password with it costs what checking a real user's password costs. Made without
 * hashing, so the first fake check of a connection is no slower than the others. */
static const char *fake_hash(void)
{
	static char setting[CRYPT_GENSALT_OUTPUT_SIZE];
	if (!setting[0]) {
		const char *s = crypt_gensalt(NULL, 0, NULL, 0);
		snprintf(setting, sizeof(setting), "%s", s ? s : "$6$burrowdfakesalt$");
	}
	return setting;
}

/* The stored hash of `name`: the shadow entry when readable (root), else the passwd field.
 * Also says whether the account has expired (shadow's sp_expire, in days since the epoch). */
static char *stored_hash_new(const char *name, bool *expired)
{
	*expired = false;
	struct spwd *sp = getspnam(name);
	if (sp) {
		long today = (long)(time(NULL) / 86400);
		if (auth_policy_shadow_expired(sp->sp_expire, today))
			*expired = true;
		return strdup(sp->sp_pwdp ? sp->sp_pwdp : "*");
	}
	struct passwd *pw = getpwnam(name);
	return strdup(pw && pw->pw_passwd ? pw->pw_passwd : "*");
}

static bool crypt_matches(const char *password, const char *hash)
{
	struct crypt_data *data = calloc(1, sizeof(*data));
	if (!data)
		return false;
	const char *out = crypt_r(password, hash, data);
	/* An unusable hash ("!", "*", "x") makes crypt fail ("*0"): never a match. */
	bool ok = out && out[0] != '*' && strlen(out) == strlen(hash) &&
		  CRYPTO_memcmp(out, hash, strlen(hash)) == 0;
	OPENSSL_cleanse(data, sizeof(*data));
	free(data);
	return ok;
}

static bool check_with_crypt(const char *name, const struct user_info *user, const char *password)
{
	if (!user) {
		crypt_matches(password, fake_hash());
		return false;
	}
	bool expired;
	char *hash = stored_hash_new(name, &expired);
	if (!hash)
		return false;
	bool ok;
	if (hash[0] == 0) {
		/* No password at all: only the empty one matches (PermitEmptyPasswords decided). */
		crypt_matches(password, fake_hash());
		ok = password[0] == 0;
	} else if (hash[0] == '!' || hash[0] == '*' || strlen(hash) < 13) {
		/* Locked or no usable hash: do the work anyway, then refuse. */
		crypt_matches(password, fake_hash());
		ok = false;
	} else {
		ok = crypt_matches(password, hash);
	}
	OPENSSL_cleanse(hash, strlen(hash));
	free(hash);
	if (ok && expired) {
		log_info("Account %s has expired", name);
		ok = false;
	}
	return ok;
}

/* ---- PAM ---- */

#ifdef HAVE_PAM
/* Answers every hidden prompt with the password; shows nothing. */
static int password_conversation(int n, const struct pam_message **msg, struct pam_response **resp,
				 void *appdata)
{
	const char *password = appdata;
	if (n <= 0 || n > PAM_MAX_NUM_MSG)
		return PAM_CONV_ERR;
	struct pam_response *r = calloc((size_t)n, sizeof(*r));
	if (!r)
		return PAM_BUF_ERR;
	for (int i = 0; i < n; i++) {
		if (msg[i]->msg_style == PAM_PROMPT_ECHO_OFF) {
			r[i].resp = strdup(password);
			if (!r[i].resp)
				goto fail;
		} else if (msg[i]->msg_style != PAM_TEXT_INFO && msg[i]->msg_style != PAM_ERROR_MSG) {
			goto fail;
		}
	}
	*resp = r;
	return PAM_SUCCESS;
fail:
	for (int i = 0; i < n; i++) {
		if (r[i].resp) {
			OPENSSL_cleanse(r[i].resp, strlen(r[i].resp));
			free(r[i].resp);
		}
	}
	free(r);
	return PAM_CONV_ERR;
}

static bool check_with_pam(const struct server_options *opts, const char *name, const struct user_info *user,
			   const char *password, const char *peer_addr)
{
	/* sshd's trick for users that may not log in: PAM still runs, with a password that
	 * cannot be right, so the time taken and the answer do not tell. */
	static const char bad_password[] = "\b\n\r\177INCORRECT";
	struct pam_conv conv = { password_conversation, (void *)(user ? password : bad_password) };
	pam_handle_t *pamh = NULL;
	int r = pam_start(BURROWD_PAM_SERVICE, name, &conv, &pamh);
	if (r != PAM_SUCCESS) {
		log_error("PAM: initialisation failed: %s", pam_strerror(pamh, r));
		return false;
	}
	pam_set_item(pamh, PAM_RHOST, peer_addr);
	pam_set_item(pamh, PAM_TTY, "ssh");
	r = pam_authenticate(pamh, opts->permit_empty_passwords ? 0 : PAM_DISALLOW_NULL_AUTHTOK);
	if (r == PAM_SUCCESS) {
		r = pam_acct_mgmt(pamh, 0);
		if (r != PAM_SUCCESS)
			log_info("PAM: account check for %s failed: %s", name, pam_strerror(pamh, r));
	} else {
		log_debug("PAM: password authentication failed for %s: %s", name, pam_strerror(pamh, r));
	}
	pam_end(pamh, r);
	return r == PAM_SUCCESS && user != NULL;
}
#endif

bool auth_password_check(const struct server_options *opts, const char *name, const struct user_info *user,
			 const char *password, const char *peer_addr)
{
	bool empty_refused = password[0] == 0 && !opts->permit_empty_passwords;
	bool ok;
	/* Root may not log in with a password unless PermitRootLogin yes: as for an invalid
	 * user, the real password must not reach PAM or crypt at all, else the time a wrong
	 * guess costs (pam_unix delays only failures) tells a right one (sshd's auth_password). */
	if (user && user->uid == 0 && opts->permit_root_login != PERMIT_ROOT_YES)
		user = NULL;
	if (!user)
		log_debug("password check for %s: invalid, refused or root user: checking a wrong password",
			  name);
#ifdef HAVE_PAM
	if (opts->use_pam)
		ok = check_with_pam(opts, name, user, password, peer_addr);
	else
#endif
		ok = check_with_crypt(name, user, password);
	return ok && !empty_refused && user != NULL;
}

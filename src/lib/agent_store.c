/*
 * The agent's key store: keys with comments and constraints, lifetimes on a handed-in clock,
 * and the lock (draft-miller-ssh-agent 4.2-4.7). Keys are wiped when they leave.
 */
#include <stdlib.h>
#include <string.h>

#include "agent_internal.h"

int burrow_agent_new(struct burrow_agent **out)
{
	struct burrow_agent *a = calloc(1, sizeof(*a));
	if (!a)
		return BURROW_E_NOMEM;
	*out = a;
	return 0;
}

static void agent_entry_clear(struct agent_entry *e)
{
	burrow_key_free(e->key);
	free(e->comment);
	memset(e, 0, sizeof(*e));
}

void burrow_agent_free(struct burrow_agent *a)
{
	if (!a)
		return;
	agent_store_remove_all(a);
	free(a->entries);
	crypto_wipe(a, sizeof(*a));
	free(a);
}

void burrow_agent_set_confirm(struct burrow_agent *a, burrow_agent_confirm_fn fn, void *ctx)
{
	a->confirm = fn;
	a->confirm_ctx = ctx;
}

void burrow_agent_set_default_lifetime(struct burrow_agent *a, uint32_t seconds)
{
	a->default_lifetime = seconds;
}

size_t burrow_agent_key_count(const struct burrow_agent *a)
{
	return a->count;
}

bool burrow_agent_locked(const struct burrow_agent *a)
{
	return a->locked;
}

static void agent_store_remove_at(struct burrow_agent *a, size_t i)
{
	agent_entry_clear(&a->entries[i]);
	memmove(&a->entries[i], &a->entries[i + 1], (a->count - i - 1) * sizeof(*a->entries));
	a->count--;
}

size_t burrow_agent_expire(struct burrow_agent *a, uint64_t now)
{
	a->now = now; /* the clock the unlock penalty is measured on (agent_store_unlock) */
	size_t removed = 0;
	for (size_t i = 0; i < a->count;) {
		if (a->entries[i].expires && a->entries[i].expires <= now) {
			agent_store_remove_at(a, i);
			removed++;
		} else {
			i++;
		}
	}
	return removed;
}

int64_t burrow_agent_next_expiry(const struct burrow_agent *a, uint64_t now)
{
	int64_t next = -1;
	for (size_t i = 0; i < a->count; i++) {
		uint64_t e = a->entries[i].expires;
		if (!e)
			continue;
		int64_t left = e <= now ? 0 : (int64_t)(e - now);
		if (next < 0 || left < next)
			next = left;
	}
	return next;
}

struct agent_entry *agent_store_find(struct burrow_agent *a, const struct burrow_key *key)
{
	for (size_t i = 0; i < a->count; i++)
		if (burrow_key_equal_public(a->entries[i].key, key))
			return &a->entries[i];
	return NULL;
}

int agent_store_add(struct burrow_agent *a, struct burrow_key *key, char *comment, uint64_t expires, bool confirm)
{
	/* Adding a key the agent holds already replaces its comment and constraints (ssh-agent). */
	struct agent_entry *e = agent_store_find(a, key);
	if (e) {
		burrow_key_free(key);
		free(e->comment);
		e->comment = comment;
		e->expires = expires;
		e->confirm = confirm;
		return 0;
	}
	if (a->count >= AGENT_MAX_KEYS) {
		burrow_key_free(key);
		free(comment);
		return BURROW_E_TOOBIG;
	}
	struct agent_entry *grown = realloc(a->entries, (a->count + 1) * sizeof(*grown));
	if (!grown) {
		burrow_key_free(key);
		free(comment);
		return BURROW_E_NOMEM;
	}
	a->entries = grown;
	a->entries[a->count++] = (struct agent_entry){ key, comment, expires, confirm };
	return 0;
}

int agent_store_remove(struct burrow_agent *a, const struct burrow_key *key)
{
	for (size_t i = 0; i < a->count; i++) {
		if (burrow_key_equal_public(a->entries[i].key, key)) {
			agent_store_remove_at(a, i);
			return 0;
		}
	}
	return BURROW_E_NOTFOUND;
}

void agent_store_remove_all(struct burrow_agent *a)
{
	while (a->count)
		agent_store_remove_at(a, a->count - 1);
}

/* Iterated, salted HMAC-SHA-512 of the passphrase: what the agent keeps instead of it. */
static int agent_lock_hash(const uint8_t salt[AGENT_LOCK_SALT_LEN], struct bstr passphrase,
			   uint8_t out[AGENT_LOCK_HASH_LEN])
{
	/* PBKDF2's shape: U1 = HMAC(P, salt), Ui = HMAC(P, Ui-1), out = U1 ^ ... ^ Un. */
	uint8_t block[AGENT_LOCK_HASH_LEN], next[AGENT_LOCK_HASH_LEN];
	int err = hmac_oneshot(HASH_SHA512, passphrase.p, passphrase.len, salt, AGENT_LOCK_SALT_LEN, block);
	memcpy(out, block, sizeof(block));
	for (int i = 1; i < AGENT_LOCK_ROUNDS && !err; i++) {
		err = hmac_oneshot(HASH_SHA512, passphrase.p, passphrase.len, block, sizeof(block), next);
		memcpy(block, next, sizeof(block));
		for (size_t j = 0; j < sizeof(block); j++)
			out[j] ^= block[j];
	}
	crypto_wipe(block, sizeof(block));
	crypto_wipe(next, sizeof(next));
	return err;
}

int agent_store_lock(struct burrow_agent *a, struct bstr passphrase)
{
	if (a->locked)
		return BURROW_E_STATE;
	int err = crypto_random(a->lock_salt, sizeof(a->lock_salt));
	if (!err)
		err = agent_lock_hash(a->lock_salt, passphrase, a->lock_hash);
	if (err)
		return err;
	a->locked = true;
	return 0;
}

/* Whether the wait after the last failed unlock is over (see agent_internal.h). The clock
 * counts whole seconds, so the wait is too, rounded down: a wrong passphrase typed once and
 * then the right one still works at once, as with ssh-agent's 0.1 s sleep. */
static bool agent_unlock_wait_over(const struct burrow_agent *a)
{
	uint64_t wait_ms = (uint64_t)a->unlock_failures * AGENT_UNLOCK_DELAY_MS;
	if (wait_ms > AGENT_UNLOCK_DELAY_MAX_MS)
		wait_ms = AGENT_UNLOCK_DELAY_MAX_MS;
	uint64_t wait_s = wait_ms / 1000;
	if (wait_s == 0)
		return true;
	if (a->now < a->unlock_failed_at)
		return false; /* a clock that went back: wait for it */
	return a->now - a->unlock_failed_at >= wait_s;
}

int agent_store_unlock(struct burrow_agent *a, struct bstr passphrase)
{
	if (!a->locked)
		return BURROW_E_STATE;
	if (!agent_unlock_wait_over(a))
		return BURROW_E_AGAIN; /* refused without looking at the passphrase */
	uint8_t hash[AGENT_LOCK_HASH_LEN];
	int err = agent_lock_hash(a->lock_salt, passphrase, hash);
	bool match = !err && crypto_ct_equal(hash, a->lock_hash, sizeof(hash));
	crypto_wipe(hash, sizeof(hash));
	if (!match) {
		if (a->unlock_failures < AGENT_UNLOCK_MAX_FAILURES)
			a->unlock_failures++;
		a->unlock_failed_at = a->now;
		return BURROW_E_PASSPHRASE;
	}
	a->unlock_failures = 0;
	a->locked = false;
	crypto_wipe(a->lock_hash, sizeof(a->lock_hash));
	return 0;
}

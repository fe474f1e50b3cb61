/* Error codes of libburrow: functions return 0 or one of these (negative). */
#ifndef BURROW_ERROR_H
#define BURROW_ERROR_H

enum burrow_error {
	BURROW_OK = 0,
	BURROW_E_NOMEM = -1,       /* allocation failed */
	BURROW_E_INVALID = -2,     /* bad argument from the caller */
	BURROW_E_PARSE = -3,       /* malformed input (wire message, key file, config line) */
	BURROW_E_CRYPTO = -4,      /* libcrypto failed */
	BURROW_E_MAC = -5,         /* packet authentication failed */
	BURROW_E_SIGNATURE = -6,   /* signature did not verify */
	BURROW_E_PROTOCOL = -7,    /* peer broke the protocol */
	BURROW_E_NOMATCH = -8,     /* no common algorithm */
	BURROW_E_STATE = -9,       /* call not allowed in this state */
	BURROW_E_TOOBIG = -10,     /* length over a limit */
	BURROW_E_UNSUPPORTED = -11,/* valid but not supported (e.g. key type) */
	BURROW_E_CLOSED = -12,     /* connection has ended */
	BURROW_E_NOTFOUND = -13,   /* no such item */
	BURROW_E_PASSPHRASE = -14, /* key is encrypted and passphrase missing or wrong */
	BURROW_E_AGAIN = -15,      /* no room now (window or buffer); try later */
};

/* A short English description of an error code, for log lines. */
const char *burrow_strerror(int err);

#endif

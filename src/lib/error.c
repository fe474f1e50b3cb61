/* burrow_strerror(): one short English line per error code, for log lines. */
#include "burrow/error.h"

const char *burrow_strerror(int err)
{
	switch ((enum burrow_error)err) {
	case BURROW_OK: return "success";
	case BURROW_E_NOMEM: return "out of memory";
	case BURROW_E_INVALID: return "invalid argument";
	case BURROW_E_PARSE: return "malformed input";
	case BURROW_E_CRYPTO: return "cryptographic operation failed";
	case BURROW_E_MAC: return "message authentication failed";
	case BURROW_E_SIGNATURE: return "signature did not verify";
	case BURROW_E_PROTOCOL: return "protocol error";
	case BURROW_E_NOMATCH: return "no matching algorithm";
	case BURROW_E_STATE: return "operation not allowed in this state";
	case BURROW_E_TOOBIG: return "length over limit";
	case BURROW_E_UNSUPPORTED: return "not supported";
	case BURROW_E_CLOSED: return "connection closed";
	case BURROW_E_NOTFOUND: return "not found";
	case BURROW_E_PASSPHRASE: return "missing or wrong passphrase";
	case BURROW_E_AGAIN: return "try again later";
	}
	return "unknown error";
}

/* burrow-keygen: flag parsing and dispatch, in the order ssh-keygen's main() uses. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "keygen.h"

static void usage(void)
{
	fprintf(stderr,
		"usage: burrow-keygen [-q] [-b bits] [-C comment] [-f output_keyfile]\n"
		"                     [-N new_passphrase] [-t ecdsa | ed25519 | rsa]\n"
		"       burrow-keygen -y [-P passphrase] [-f input_keyfile]\n"
		"       burrow-keygen -l [-v] [-E sha256] [-f input_keyfile]\n");
	exit(KEYGEN_EXIT_REFUSED);
}

static long parse_bits(const char *s)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 1 || v > 0xffffffffL)
		keygen_fatal("Bits has bad value %s (%s)", s, v < 1 && end != s && !*end ? "too small" : "invalid");
	return v;
}

int main(int argc, char **argv)
{
	struct keygen_opts o = { 0 };
	int c;

	opterr = 0; /* ssh-keygen's own wording below */
	while ((c = getopt(argc, argv, ":b:C:E:f:lN:P:qt:vy")) != -1) {
		switch (c) {
		case 'b': o.bits = parse_bits(optarg); break;
		case 'C': o.comment = optarg; break;
		case 'E':
			if (strcasecmp(optarg, "sha256") != 0)
				keygen_fatal("Invalid hash algorithm \"%s\"", optarg);
			break;
		case 'f':
			free(o.file);
			o.file = strdup(optarg);
			if (!o.file)
				keygen_fatal("out of memory");
			break;
		case 'l': o.print_fingerprint = true; break;
		case 'N': o.new_passphrase = optarg; break;
		case 'P': o.passphrase = optarg; break;
		case 'q': o.quiet = true; break;
		case 't': o.type_name = optarg; break;
		case 'v': o.verbose++; break;
		case 'y': o.print_public = true; break;
		case ':':
			keygen_log("option requires an argument -- %c", optopt);
			usage();
			break;
		default:
			keygen_log("unknown option -- %c", optopt);
			usage();
		}
	}
	if (optind < argc) {
		keygen_log("Too many arguments.");
		usage();
	}

	int rc;
	if (o.print_fingerprint)
		rc = keygen_print_fingerprint(&o);
	else if (o.print_public)
		rc = keygen_print_public(&o);
	else
		rc = keygen_generate(&o);
	free(o.file);
	return rc;
}

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
		"usage: burrow-keygen [-q] [-a rounds] [-b bits] [-C comment] [-f output_keyfile]\n"
		"                     [-m format] [-N new_passphrase] [-t ecdsa | ed25519 | rsa]\n"
		"       burrow-keygen -p [-a rounds] [-f keyfile] [-m format] [-N new_passphrase]\n"
		"                     [-P old_passphrase]\n"
		"       burrow-keygen -i [-f input_keyfile] [-m key_format]\n"
		"       burrow-keygen -e [-f input_keyfile] [-m key_format]\n"
		"       burrow-keygen -y [-P passphrase] [-f input_keyfile]\n"
		"       burrow-keygen -l [-v] [-E fingerprint_hash] [-f input_keyfile]\n"
		"       burrow-keygen -F hostname [-lv] [-f known_hosts_file]\n"
		"       burrow-keygen -H [-f known_hosts_file]\n"
		"       burrow-keygen -R hostname [-f known_hosts_file]\n"
		"       burrow-keygen -s ca_key -I certificate_identity [-h] [-n principals]\n"
		"                     [-O option] [-V validity_interval] [-z serial_number] file ...\n"
		"       burrow-keygen -L [-f input_keyfile]\n");
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

/* ssh-keygen -a: strtonum(optarg, 1, INT_MAX). */
static unsigned parse_rounds(const char *s)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || end == s || *end)
		keygen_fatal("Invalid number: %s (invalid)", s);
	if (v < 1)
		keygen_fatal("Invalid number: %s (too small)", s);
	if (v > 0x7fffffff)
		keygen_fatal("Invalid number: %s (too large)", s);
	return (unsigned)v;
}

/* getopt letters: the basics, then keys at rest, then known_hosts; a new group adds its own. */
#define OPTS_BASIC ":b:C:E:f:lN:P:qt:vy"
#define OPTS_KEYFILES "a:eim:p"
#define OPTS_KNOWN_HOSTS "F:HR:"
#define OPTS_CERTS "hI:Ln:O:s:V:z:"
#define OPTSTRING OPTS_BASIC OPTS_KEYFILES OPTS_KNOWN_HOSTS OPTS_CERTS

int main(int argc, char **argv)
{
	struct keygen_opts o = { 0 };
	int c;

	opterr = 0; /* ssh-keygen's own wording below */
	while ((c = getopt(argc, argv, OPTSTRING)) != -1) {
		switch (c) {
		case 'b': o.bits = parse_bits(optarg); break;
		case 'C': o.comment = optarg; break;
		case 'E':
			if (strcasecmp(optarg, "md5") == 0)
				o.md5 = true;
			else if (strcasecmp(optarg, "sha256") == 0)
				o.md5 = false;
			else
				keygen_fatal("Invalid hash algorithm \"%s\"", optarg);
			break;
		/* keys at rest */
		case 'a': o.rounds = parse_rounds(optarg); break;
		case 'e': o.export_key = true; break;
		case 'i': o.import_key = true; break;
		case 'm':
			if (burrow_key_format_from_name(optarg, &o.format) != 0)
				keygen_fatal("Unsupported conversion format \"%s\"", optarg);
			o.format_set = true;
			break;
		case 'p': o.change_passphrase = true; break;
		/* known_hosts */
		case 'F': o.find_host = optarg; break;
		case 'H': o.hash_hosts = true; break;
		case 'R': o.remove_host = optarg; break;
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
		/* certificates (cert.c) */
		case 'h': case 'I': case 'L': case 'n': case 'O': case 's': case 'V': case 'z':
			keygen_cert_flag(c, optarg);
			break;
		case ':':
			keygen_log("option requires an argument -- %c", optopt);
			usage();
			break;
		default:
			keygen_log("unknown option -- %c", optopt);
			usage();
		}
	}
	if (keygen_cert_wanted()) { /* before the argument check: -s signs the files named after the flags */
		int cert_rc = keygen_cert_main(&o, argc - optind, argv + optind);
		free(o.file);
		return cert_rc;
	}
	if (optind < argc) {
		keygen_log("Too many arguments.");
		usage();
	}

	int rc;
	if (o.find_host || o.remove_host || o.hash_hosts)
		rc = keygen_known_hosts(&o);
	else if (o.change_passphrase)
		rc = keygen_change_passphrase(&o);
	else if (o.export_key)
		rc = keygen_export(&o);
	else if (o.import_key)
		rc = keygen_import(&o);
	else if (o.print_fingerprint)
		rc = keygen_print_fingerprint(&o);
	else if (o.print_public)
		rc = keygen_print_public(&o);
	else
		rc = keygen_generate(&o);
	free(o.file);
	return rc;
}

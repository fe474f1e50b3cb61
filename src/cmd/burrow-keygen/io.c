/* burrow-keygen's files, prompts and messages. */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "keygen.h"

#define KEYGEN_MAX_FILE (16u * 1024 * 1024) /* far above any key or key list */
#define KEYGEN_MAX_LINE 1024                /* ssh-keygen's prompt buffers */

static void keygen_vlog(const char *fmt, va_list ap)
{
	char msg[1024];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	fflush(stdout);
	fprintf(stderr, "%s\r\n", msg);
}

void keygen_log(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	keygen_vlog(fmt, ap);
	va_end(ap);
}

void keygen_fatal(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	keygen_vlog(fmt, ap);
	va_end(ap);
	exit(KEYGEN_EXIT_FATAL);
}

void keygen_free_text(char *text, size_t len)
{
	if (!text)
		return;
	explicit_bzero(text, len);
	free(text);
}

void keygen_free_secret(char *s)
{
	if (s)
		keygen_free_text(s, strlen(s));
}

int keygen_read_file(const char *path, char **text, size_t *len)
{
	*text = NULL;
	*len = 0;
	int fd = strcmp(path, "-") == 0 ? dup(STDIN_FILENO) : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);
	int err = buf ? 0 : ENOMEM;
	while (!err) {
		if (n + 1 == cap) {
			if (cap >= KEYGEN_MAX_FILE) {
				err = EFBIG;
				break;
			}
			/* Grow by copying so that no stale copy of a private key is left in freed memory. */
			char *bigger = malloc(cap * 2);
			if (!bigger) {
				err = ENOMEM;
				break;
			}
			memcpy(bigger, buf, n);
			keygen_free_text(buf, cap);
			buf = bigger;
			cap *= 2;
		}
		ssize_t r = read(fd, buf + n, cap - 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			err = errno;
		else if (r == 0)
			break;
		else
			n += (size_t)r;
	}
	close(fd);
	if (err) {
		keygen_free_text(buf, cap);
		return err;
	}
	buf[n] = 0;
	*text = buf;
	*len = n;
	return 0;
}

/* Reads one line from fd byte by byte; NULL at end of input with nothing read. */
static char *read_line_fd(int fd)
{
	char buf[KEYGEN_MAX_LINE];
	size_t n = 0;
	bool any = false;
	for (;;) {
		char ch;
		ssize_t r = read(fd, &ch, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		any = true;
		if (ch == '\n')
			break;
		if (n < sizeof(buf) - 1)
			buf[n++] = ch;
	}
	if (!any)
		return NULL;
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	buf[n] = 0;
	char *s = strdup(buf);
	explicit_bzero(buf, sizeof(buf));
	if (!s)
		keygen_fatal("out of memory");
	return s;
}

char *keygen_read_line(void)
{
	return read_line_fd(STDIN_FILENO);
}

static volatile sig_atomic_t keygen_tty_fd = -1;
static struct termios keygen_saved_tty;

static void restore_tty_and_exit(int sig)
{
	if (keygen_tty_fd >= 0)
		tcsetattr(keygen_tty_fd, TCSAFLUSH, &keygen_saved_tty);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Like OpenBSD readpassphrase(3): the terminal with echo off, else stderr and stdin. */
char *keygen_read_passphrase(const char *prompt)
{
	int tty = open("/dev/tty", O_RDWR | O_CLOEXEC);
	char *s;
	if (tty < 0) {
		fputs(prompt, stderr);
		fflush(stderr);
		s = read_line_fd(STDIN_FILENO);
	} else {
		struct termios quiet;
		bool have_tty = tcgetattr(tty, &keygen_saved_tty) == 0;
		if (have_tty) {
			quiet = keygen_saved_tty;
			quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
			keygen_tty_fd = tty;
			signal(SIGINT, restore_tty_and_exit);
			signal(SIGTERM, restore_tty_and_exit);
			tcsetattr(tty, TCSAFLUSH, &quiet);
		}
		/* A failed prompt write changes nothing: the read below still works. */
		(void)!write(tty, prompt, strlen(prompt));
		s = read_line_fd(tty);
		if (have_tty) {
			tcsetattr(tty, TCSAFLUSH, &keygen_saved_tty);
			keygen_tty_fd = -1;
			signal(SIGINT, SIG_DFL);
			signal(SIGTERM, SIG_DFL);
			(void)!write(tty, "\n", 1); /* the newline the user typed was not echoed */
		}
		close(tty);
	}
	if (!s && !(s = strdup("")))
		keygen_fatal("out of memory");
	return s;
}

static const struct passwd *keygen_passwd(void)
{
	static const struct passwd *pw;
	if (!pw && !(pw = getpwuid(getuid())))
		keygen_fatal("No user exists for uid %lu", (unsigned long)getuid());
	return pw;
}

const char *keygen_home(void)
{
	return keygen_passwd()->pw_dir;
}

const char *keygen_user(void)
{
	return keygen_passwd()->pw_name;
}

char *keygen_ask_filename(const char *prompt, const char *type_name)
{
	/* ssh-keygen picks the default by -t (ask_filename); without -t, our default type's. */
	const char *base = "id_ed25519";
	enum burrow_key_type type = BURROW_KEY_ED25519;
	if (type_name && burrow_key_type_parse(type_name, &type) != 0)
		keygen_fatal("bad key type");
	if (type == BURROW_KEY_ECDSA)
		base = "id_ecdsa";
	else if (type == BURROW_KEY_RSA)
		base = "id_rsa";
	char def[4096];
	snprintf(def, sizeof(def), "%s/.ssh/%s", keygen_home(), base);
	printf("%s (%s): ", prompt, def);
	fflush(stdout);
	char *answer = keygen_read_line();
	if (!answer)
		exit(KEYGEN_EXIT_REFUSED);
	if (*answer)
		return answer;
	free(answer);
	char *s = strdup(def);
	if (!s)
		keygen_fatal("out of memory");
	return s;
}

const char *keygen_load_error(int err)
{
	switch (err) {
	case BURROW_E_PARSE: return "invalid format";
	case BURROW_E_PASSPHRASE: return "incorrect passphrase supplied to decrypt private key";
	case BURROW_E_UNSUPPORTED: return "unknown or unsupported key type";
	case BURROW_E_NOMEM: return "memory allocation failed";
	default: return burrow_strerror(err);
	}
}

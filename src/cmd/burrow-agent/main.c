/*
 * burrow-agent: holds private keys for burrow, ssh and ssh-add, as ssh-agent(1) does.
 *
 *   burrow-agent [-c | -s] [-Dd] [-a bind_address] [-t life] [command [arg ...]]
 *   burrow-agent [-c | -s] -k
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "agent_client.h"
#include "agentd.h"
#include "log.h"

static void usage(void)
{
	fprintf(stderr,
		"usage: burrow-agent [-c | -s] [-Dd] [-a bind_address] [-E fingerprint_hash]\n"
		"                    [-O option] [-P allowed_providers] [-t life]\n"
		"       burrow-agent [-a bind_address] [-E fingerprint_hash] [-O option]\n"
		"                    [-P allowed_providers] [-t life] command [arg ...]\n"
		"       burrow-agent [-c | -s] -k\n");
	exit(1);
}

/* The lines a shell evaluates: `eval $(burrow-agent -s)`. */
static void print_env(bool csh, const char *sock, long pid, bool export_pid)
{
	if (csh) {
		printf("setenv SSH_AUTH_SOCK %s;\n", sock);
		if (export_pid)
			printf("setenv SSH_AGENT_PID %ld;\n", pid);
	} else {
		printf("SSH_AUTH_SOCK=%s; export SSH_AUTH_SOCK;\n", sock);
		if (export_pid)
			printf("SSH_AGENT_PID=%ld; export SSH_AGENT_PID;\n", pid);
	}
	printf("echo Agent pid %ld;\n", pid);
	fflush(stdout);
}

static int kill_agent(bool csh)
{
	const char *pidstr = getenv("SSH_AGENT_PID");
	if (!pidstr) {
		fprintf(stderr, "SSH_AGENT_PID not set, cannot kill agent\n");
		return 1;
	}
	char *end;
	long pid = strtol(pidstr, &end, 10);
	if (*end || pid < 2) {
		fprintf(stderr, "SSH_AGENT_PID=%s, which is not a good PID\n", pidstr);
		return 1;
	}
	if (kill((pid_t)pid, SIGTERM) < 0) {
		perror("kill");
		return 1;
	}
	printf(csh ? "unsetenv SSH_AUTH_SOCK;\nunsetenv SSH_AGENT_PID;\n"
		   : "unset SSH_AUTH_SOCK;\nunset SSH_AGENT_PID;\n");
	printf("echo Agent pid %ld killed;\n", pid);
	return 0;
}

static void detach_stdio(void)
{
	int fd = open("/dev/null", O_RDWR);
	if (fd < 0)
		return;
	dup2(fd, 0);
	dup2(fd, 1);
	dup2(fd, 2);
	if (fd > 2)
		close(fd);
}

static void agentd_exit(struct agentd *d, int status)
{
	agentd_cleanup(d);
	burrow_agent_free(d->agent); /* wipes the keys */
	free(d->socket_dir);
	free(d->socket_path);
	exit(status);
}

int main(int argc, char **argv)
{
	struct agentd d = { .listen_fd = -1 };
	const char *bind_address = NULL;
	bool csh = false, c_flag = false, sh = false, kill_flag = false, foreground = false;
	long long lifetime = 0;
	int c;
	const char *shell = getenv("SHELL");
	if (shell && strlen(shell) >= 3 && strcmp(shell + strlen(shell) - 3, "csh") == 0)
		csh = true;

	/* "+": options end at the command, whose own flags are its business. */
	while ((c = getopt(argc, argv, "+cDdksE:a:O:P:t:")) != -1) {
		switch (c) {
		case 'c': if (sh) usage(); csh = c_flag = true; break;
		case 's': if (c_flag) usage(); sh = true; csh = false; break;
		case 'k': kill_flag = true; break;
		case 'D': foreground = true; break;
		case 'd': foreground = true; d.debug = true; break;
		case 'a': bind_address = optarg; break;
		case 'E': case 'O': case 'P': break; /* accepted for compatibility */
		case 't':
			lifetime = agent_parse_lifetime(optarg);
			if (lifetime < 0) {
				fprintf(stderr, "Invalid lifetime\n");
				usage();
			}
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc > 0 && (csh || sh || kill_flag || foreground))
		usage();
	if (kill_flag)
		return kill_agent(csh);

	log_init("burrow-agent", d.debug ? LOG_LVL_DEBUG1 : LOG_LVL_ERROR, false);
	if (burrow_agent_new(&d.agent) < 0) {
		fprintf(stderr, "out of memory\n");
		return 1;
	}
	burrow_agent_set_default_lifetime(d.agent, (uint32_t)lifetime);
	if (agentd_listen(&d, bind_address) < 0)
		agentd_exit(&d, 1);

	if (foreground) {
		/* In the foreground there is nothing to kill later: no SSH_AGENT_PID (ssh-agent -D). */
		print_env(csh, d.socket_path, (long)getpid(), false);
		agentd_run(&d);
		agentd_exit(&d, 0);
	}

	fflush(stdout);
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0) {
		perror("fork");
		agentd_exit(&d, 1);
	}
	if (pid != 0) {
		/* The parent: prints the environment, or becomes the command. */
		close(d.listen_fd);
		if (argc == 0) {
			print_env(csh, d.socket_path, (long)pid, true);
			exit(0);
		}
		char pidbuf[32];
		snprintf(pidbuf, sizeof(pidbuf), "%ld", (long)pid);
		if (setenv("SSH_AUTH_SOCK", d.socket_path, 1) < 0 || setenv("SSH_AGENT_PID", pidbuf, 1) < 0) {
			perror("setenv");
			exit(1);
		}
		execvp(argv[0], argv);
		perror(argv[0]);
		exit(1);
	}
	/* The child: the agent. */
	if (argc > 0) {
		d.watch_pid = parent;
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != parent)
			agentd_exit(&d, 0);
	}
	setsid();
	if (chdir("/") < 0) {
		/* nothing: the agent holds no relative paths */
	}
	detach_stdio();
	agentd_run(&d);
	agentd_exit(&d, 0);
}

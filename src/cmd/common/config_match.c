/* Match lines of ssh_config, evaluated as OpenSSH 9.2's readconf.c match_cfg_line(). */
#include "config_match.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"

bool config_pattern_match(const char *s, const char *p)
{
	for (;;) {
		if (*p == 0)
			return *s == 0;
		if (*p == '*') {
			while (*p == '*')
				p++;
			if (*p == 0)
				return true;
			for (; *s; s++)
				if (config_pattern_match(s, p))
					return true;
			return false;
		}
		if (*s == 0 || (*p != '?' && *p != *s))
			return false;
		p++;
		s++;
	}
}

int config_pattern_list_match(const char *s, const char *list, bool lowercase)
{
	int result = 0;
	char *copy = strdup(list);
	char *name = strdup(s);
	if (!copy || !name) {
		free(copy);
		free(name);
		return 0;
	}
	if (lowercase) {
		for (char *p = copy; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		for (char *p = name; *p; p++)
			*p = (char)tolower((unsigned char)*p);
	}
	for (char *save = NULL, *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		bool negated = *tok == '!';
		if (!config_pattern_match(name, tok + negated))
			continue;
		if (negated) {
			result = -1;
			break;
		}
		result = 1;
	}
	free(copy);
	free(name);
	return result;
}

int config_match_run_shell(const char *command, void *arg)
{
	(void)arg;
	const char *shell = getenv("SHELL");
	if (!shell || !*shell)
		shell = "/bin/sh";
	if (access(shell, X_OK) < 0) {
		log_error("Shell \"%s\" is not executable: %s", shell, strerror(errno));
		return -1;
	}
	log_debug("Executing command: '%.500s'", command);
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0) {
		log_error("fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		int null_fd = open("/dev/null", O_RDWR);
		if (null_fd >= 0) {
			dup2(null_fd, STDIN_FILENO);
			dup2(null_fd, STDOUT_FILENO);
			if (null_fd > STDERR_FILENO)
				close(null_fd);
		}
		execl(shell, shell, "-c", command, (char *)NULL);
		log_error("Unable to execute '%.100s': %s", command, strerror(errno));
		/* Die by a signal so that the parent sees an abnormal exit, as ssh arranges. */
		signal(SIGTERM, SIG_DFL);
		kill(getpid(), SIGTERM);
		_exit(127);
	}
	int status;
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			log_error("waitpid: %s", strerror(errno));
			return -1;
		}
	}
	if (!WIFEXITED(status)) {
		log_error("command '%.100s' exited abnormally", command);
		return -1;
	}
	return WEXITSTATUS(status);
}

/* Match exec: 1 exit status 0, 0 any other, -1 an abnormal exit (fatal in ssh). */
static int match_exec(const char *arg, const struct config_match_env *env, const char *origin, int line_no)
{
	char why[128];
	char *cmd = config_expand(arg, env->exec_tokens, env->exec_ntokens, false, why, sizeof(why));
	if (!cmd) {
		if (*why)
			log_error("vdollar_percent_expand: %s", why);
		log_error("percent_expand: failed");
		return -1;
	}
	int r = (env->run ? env->run : config_match_run_shell)(cmd, env->run_arg);
	if (r < 0)
		log_error("%s line %d: match exec '%.100s' error", origin, line_no, cmd);
	else
		log_msg(LOG_LVL_DEBUG3, "%s line %d: %smatched 'exec \"%.100s\"'", origin, line_no, r == 0 ? "" : "not ",
			cmd);
	free(cmd);
	return r < 0 ? -1 : r == 0;
}

int config_match_eval(char **words, int n, const struct config_match_env *env, const char *origin, int line_no,
		      bool *want_final)
{
	int result = 1, attributes = 0;
	log_msg(LOG_LVL_DEBUG2, "checking match for '%s' host %s originally %s", n > 0 ? words[0] : "", env->host,
		env->original_host);
	for (int i = 0; i < n; i++) {
		const char *oattrib = words[i], *attrib = words[i];
		bool negate = *attrib == '!';
		attrib += negate;
		if (strcasecmp(attrib, "all") == 0) {
			if (attributes > 1 || i + 1 < n) {
				log_error("%s line %d: '%s' cannot be combined with other Match attributes", origin,
					  line_no, oattrib);
				return -1;
			}
			if (result)
				result = negate ? 0 : 1;
			return result;
		}
		attributes++;
		if (strcasecmp(attrib, "canonical") == 0 || strcasecmp(attrib, "final") == 0) {
			if (strcasecmp(attrib, "final") == 0 && want_final)
				*want_final = true;
			if (env->final_pass == negate)
				result = 0;
			continue;
		}
		if (i + 1 >= n) {
			log_error("Missing Match criteria for %s", attrib);
			return -1;
		}
		const char *arg = words[++i];
		int r;
		if (strcasecmp(attrib, "host") == 0) {
			r = config_pattern_list_match(env->host, arg, true) == 1;
		} else if (strcasecmp(attrib, "originalhost") == 0) {
			r = config_pattern_list_match(env->original_host, arg, true) == 1;
		} else if (strcasecmp(attrib, "user") == 0) {
			r = config_pattern_list_match(env->remote_user, arg, false) == 1;
		} else if (strcasecmp(attrib, "localuser") == 0) {
			r = config_pattern_list_match(env->local_user, arg, false) == 1;
		} else if (strcasecmp(attrib, "exec") == 0) {
			if (result != 1)
				continue; /* an earlier criterion failed: ssh does not run the command */
			r = match_exec(arg, env, origin, line_no);
			if (r < 0)
				return -2;
		} else {
			log_error("Unsupported Match attribute %s", attrib);
			return -1;
		}
		if (r == negate)
			result = 0;
	}
	if (attributes == 0) {
		log_error("One or more attributes required for Match");
		return -1;
	}
	log_msg(LOG_LVL_DEBUG2, "match %sfound", result ? "" : "not ");
	return result;
}

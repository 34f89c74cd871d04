#include "core/run.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int hp_run_measure(char *const *argv, const struct hp_run_opts *o,
		   struct hp_run_result *r, struct hp_err *err)
{
	struct rusage ru;
	int pipefd[2], status, e = 0;
	double t0;
	pid_t pid;
	ssize_t n;

	memset(r, 0, sizeof(*r));
	if (!argv || !argv[0])
		return hp_err_set(err, "no command given");
	/* a CLOEXEC pipe reports an exec failure back to us */
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return hp_err_errno(err, "cannot create a pipe");
	t0 = now_s();
	pid = fork();
	if (pid < 0) {
		close(pipefd[0]);
		close(pipefd[1]);
		return hp_err_errno(err, "cannot fork");
	}
	if (pid == 0) {
		close(pipefd[0]);
		signal(SIGPIPE, SIG_DFL);
		if (!o || !o->show_output) {
			int fd = open("/dev/null", O_RDWR);

			if (fd >= 0) {
				dup2(fd, 1);
				dup2(fd, 2);
				if (fd > 2)
					close(fd);
			}
		}
		if (o && o->cwd && chdir(o->cwd) < 0)
			e = errno;
		if (!e) {
			if (o && o->env)
				environ = o->env;
			execvp(argv[0], argv);
			e = errno;
		}
		if (write(pipefd[1], &e, sizeof(e)) < 0) {
			/* nothing more we can do */
		}
		_exit(127);
	}
	close(pipefd[1]);
	do
		n = read(pipefd[0], &e, sizeof(e));
	while (n < 0 && errno == EINTR);
	close(pipefd[0]);
	while (wait4(pid, &status, 0, &ru) < 0) {
		if (errno != EINTR)
			return hp_err_errno(err, "cannot wait for '%s'", argv[0]);
	}
	r->wall_s = now_s() - t0;
	if (n == (ssize_t)sizeof(e)) {
		r->exec_failed = true;
		r->exit_code = 127;
		errno = e;
		if (o && o->cwd && e)
			return hp_err_errno(err, "cannot run '%s' in '%s'", argv[0], o->cwd);
		return hp_err_errno(err, "cannot run '%s'", argv[0]);
	}
	r->user_s = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6;
	r->sys_s = (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
	r->max_rss_bytes = (double)ru.ru_maxrss * 1024.0;
	if (WIFEXITED(status)) {
		r->exit_code = WEXITSTATUS(status);
	} else if (WIFSIGNALED(status)) {
		r->exit_code = -1;
		r->signal = WTERMSIG(status);
	}
	return 0;
}

void hp_run_describe(const struct hp_run_result *r, char *buf, size_t len)
{
	if (r->signal)
		snprintf(buf, len, "killed by signal %d (%s)", r->signal, strsignal(r->signal));
	else
		snprintf(buf, len, "exit status %d", r->exit_code);
}

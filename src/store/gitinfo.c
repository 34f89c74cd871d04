#include "store/gitinfo.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Run argv with stdout captured into out (at most len-1 bytes, trailing
 * whitespace removed) and stderr sent to /dev/null.  0 when it exited 0. */
static int capture(char *const *argv, char *out, size_t len)
{
	int fd[2], status;
	size_t used = 0;
	pid_t pid;

	out[0] = '\0';
	if (pipe2(fd, O_CLOEXEC) < 0)
		return -1;
	pid = fork();
	if (pid < 0) {
		close(fd[0]);
		close(fd[1]);
		return -1;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		signal(SIGPIPE, SIG_DFL);
		dup2(fd[1], 1);
		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 2);
		}
		execvp(argv[0], argv);
		_exit(127);
	}
	close(fd[1]);
	for (;;) {
		char tmp[4096];
		ssize_t n = read(fd[0], tmp, sizeof(tmp));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		for (ssize_t i = 0; i < n && used + 1 < len; i++)
			out[used++] = tmp[i];
	}
	close(fd[0]);
	out[used] = '\0';
	while (used && (out[used - 1] == '\n' || out[used - 1] == '\r' || out[used - 1] == ' '))
		out[--used] = '\0';
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static void copy(char *dst, size_t len, const char *src)
{
	size_t k = 0;

	/* keep printable bytes only: these go into reports and SVG */
	for (; *src && k + 1 < len; src++)
		if ((unsigned char)*src >= 0x20 && *src != 0x7f)
			dst[k++] = *src;
	dst[k] = '\0';
}

static const char *env(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? v : NULL;
}

void hp_gitinfo_get(struct hp_gitinfo *g)
{
	const char *sha = env("HOTPATH_GIT_SHA"), *branch = env("HOTPATH_GIT_BRANCH");
	char buf[4096];

	memset(g, 0, sizeof(*g));
	if (!sha)
		sha = env("GITHUB_SHA");
	if (!sha)
		sha = env("CI_COMMIT_SHA");
	if (!branch)
		branch = env("GITHUB_HEAD_REF"); /* set on pull requests only */
	if (!branch)
		branch = env("GITHUB_REF_NAME");
	if (!branch)
		branch = env("CI_COMMIT_REF_NAME");
	if (sha) {
		/* a CI checkout is clean by construction */
		copy(g->sha, sizeof(g->sha), sha);
		if (branch)
			copy(g->branch, sizeof(g->branch), branch);
		return;
	}
	{
		/* writable copies: execvp takes char *const[] */
		char git[] = "git", revparse[] = "rev-parse", head[] = "HEAD", abbrev_ref[] = "--abbrev-ref";
		char st[] = "status", porcelain[] = "--porcelain", untracked[] = "--untracked-files=no";
		char *const rev[] = { git, revparse, head, NULL };
		char *const abbrev[] = { git, revparse, abbrev_ref, head, NULL };
		char *const status[] = { git, st, porcelain, untracked, NULL };

		if (capture(rev, buf, sizeof(buf)))
			return;
		copy(g->sha, sizeof(g->sha), buf);
		if (branch)
			copy(g->branch, sizeof(g->branch), branch);
		else if (!capture(abbrev, buf, sizeof(buf)) && strcmp(buf, "HEAD"))
			copy(g->branch, sizeof(g->branch), buf);
		if (!capture(status, buf, sizeof(buf)))
			g->dirty = buf[0] != '\0';
	}
}

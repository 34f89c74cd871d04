/*
 * record_cprofile.c - see record_cprofile.h.
 */
#include "cmd/record_cprofile.h"

#include <errno.h>
#include <jansson.h>
#include <regex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cmd/cli.h"
#include "cmd/top_pstats.h"
#include "core/afile.h"
#include "core/run.h"

/*
 * The driver, run with `python -c`: argv[1] the stats file, argv[2] the
 * mode ("-m", "-c" or "script"), argv[3] the module, code or script, then
 * the target's arguments.  It sets up sys.argv, sys.path and the globals
 * as cProfile's main() does (3.8-3.13).
 */
static const char driver[] =
	"import cProfile, os, runpy, sys\n"
	"out, mode, target = sys.argv[1:4]\n"
	"args = sys.argv[4:]\n"
	"if mode == '-m':\n"
	"    sys.argv[:] = [target] + args\n"
	"    code = \"run_module(modname, run_name='__main__', alter_sys=True)\"\n"
	"    globs = {'run_module': runpy.run_module, 'modname': target}\n"
	"elif mode == '-c':\n"
	"    sys.argv[:] = ['-c'] + args\n"
	"    code = compile(target, '<string>', 'exec')\n"
	"    globs = {'__name__': '__main__', '__builtins__': __builtins__}\n"
	"else:\n"
	"    sys.argv[:] = [target] + args\n"
	"    sys.path[0] = os.path.dirname(target)\n"
	"    with open(target, 'rb') as fp:\n"
	"        code = compile(fp.read(), target, 'exec')\n"
	"    globs = {'__spec__': None, '__file__': target, '__name__': '__main__',\n"
	"             '__package__': None, '__cached__': None}\n"
	"prof = cProfile.Profile()\n"
	"try:\n"
	"    prof.runctx(code, globs, None)\n"
	"finally:\n"
	"    prof.dump_stats(out)\n";

enum mode { MODE_SCRIPT, MODE_MODULE, MODE_CODE };

struct pycmd {
	size_t nopts;       /* interpreter options: cmd[1 .. 1+nopts) */
	enum mode mode;
	const char *target; /* script, module or code */
	size_t first_arg;   /* index of the target's first argument */
};

static bool is_python(const char *argv0)
{
	const char *b = strrchr(argv0, '/') ? strrchr(argv0, '/') + 1 : argv0;
	regex_t re;
	bool yes;

	if (regcomp(&re, "^python(3(\\.[0-9]+)?)?$", REG_EXTENDED | REG_NOSUB))
		return false;
	yes = !regexec(&re, b, 0, NULL, 0);
	regfree(&re);
	return yes;
}

static int parse(char *const *cmd, size_t ncmd, struct pycmd *pc)
{
	size_t i;

	memset(pc, 0, sizeof(*pc));
	if (!ncmd || !is_python(cmd[0]))
		return hp_usage_error("record", "'--profiler cprofile' runs a Python command "
				      "('python3 script.py', 'python3 -m module' or 'python3 -c CODE'), "
				      "not '%s'", ncmd ? cmd[0] : "");
	for (i = 1; i < ncmd; i++) {
		const char *a = cmd[i];

		if (!strcmp(a, "-m") || !strcmp(a, "-c")) {
			if (i + 1 >= ncmd)
				return hp_usage_error("record", "'%s' needs an argument", a);
			pc->mode = a[1] == 'm' ? MODE_MODULE : MODE_CODE;
			pc->target = cmd[i + 1];
			pc->first_arg = i + 2;
			break;
		}
		if (!strncmp(a, "-m", 2) || !strncmp(a, "-c", 2)) {
			pc->mode = a[1] == 'm' ? MODE_MODULE : MODE_CODE;
			pc->target = a + 2;
			pc->first_arg = i + 1;
			break;
		}
		if (a[0] != '-' || !strcmp(a, "-")) {
			if (!strcmp(a, "-"))
				return hp_usage_error("record", "'--profiler cprofile' cannot profile a script "
						      "read from standard input");
			pc->mode = MODE_SCRIPT;
			pc->target = a;
			pc->first_arg = i + 1;
			break;
		}
		if (!strcmp(a, "--"))
			continue;
		/* options with a separate value */
		if ((!strcmp(a, "-W") || !strcmp(a, "-X")) && i + 1 < ncmd)
			i++;
	}
	if (!pc->target)
		return hp_usage_error("record", "'%s' runs no script, '-m module' or '-c CODE' "
				      "for cProfile to profile", cmd[0]);
	pc->nopts = i - 1;
	return 0;
}

int hp_record_cprofile_check(char *const *cmd, size_t ncmd)
{
	struct pycmd pc;

	return parse(cmd, ncmd, &pc) ? HP_EXIT_USAGE : 0;
}

void hp_record_cprofile_name(char *const *cmd, size_t ncmd, struct hp_buf *name)
{
	struct pycmd pc;
	const char *pick = "python";
	char stamp[32];
	time_t now = time(NULL);
	struct tm tm;
	size_t len;

	if (!parse(cmd, ncmd, &pc) && pc.mode != MODE_CODE)
		pick = pc.target;
	if (strrchr(pick, '/'))
		pick = strrchr(pick, '/') + 1;
	len = strlen(pick);
	if (len > 3 && !strcmp(pick + len - 3, ".py"))
		len -= 3;
	for (size_t i = 0; i < len; i++)
		hp_buf_addch(name, (pick[i] == ' ' || (unsigned char)pick[i] < 32) ? '_' : pick[i]);
	if (!len)
		hp_buf_adds(name, "python");
	localtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
	hp_buf_addf(name, "-%s", stamp);
}

static void on_signal(int sig)
{
	(void)sig; /* the target gets it too (same process group) and ends */
}

static json_t *argv_json(char *const *cmd, size_t ncmd)
{
	json_t *a = json_array();
	struct hp_buf b = HP_BUF_INIT;

	for (size_t i = 0; i < ncmd; i++) {
		hp_buf_reset(&b);
		hp_buf_add_utf8_clean(&b, cmd[i], strlen(cmd[i]));
		json_array_append_new(a, json_stringn(b.data, b.len));
	}
	hp_buf_release(&b);
	return a;
}

static json_t *basename_json(const char *path)
{
	const char *b = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	struct hp_buf buf = HP_BUF_INIT;
	json_t *j;

	hp_buf_add_utf8_clean(&buf, b, strlen(b));
	j = json_stringn(buf.data, buf.len);
	hp_buf_release(&buf);
	return j;
}

static int write_json(const char *path, json_t *root, struct hp_err *err)
{
	char *text = json_dumps(root, JSON_INDENT(2) | JSON_REAL_PRECISION(10));
	int ret;

	if (!text)
		return hp_err_set(err, "cannot encode '%s'", path);
	{
		size_t l = strlen(text);

		text = hp_xrealloc(text, l + 2);
		text[l] = '\n';
		ret = hp_write_file_atomic(path, text, l + 1, err);
	}
	free(text);
	return ret;
}

int hp_record_cprofile(char *const *cmd, size_t ncmd, const char *base, bool merge_json,
		       bool quiet, int *status)
{
	struct pycmd pc;
	struct hp_buf pstats = HP_BUF_INIT, tmp = HP_BUF_INIT, summary = HP_BUF_INIT, json = HP_BUF_INIT;
	struct hp_run_opts ro = { true, NULL, NULL };
	struct hp_run_result rr;
	struct sigaction sa, old_int, old_term;
	struct hp_err err;
	struct stat sb;
	json_t *root = NULL, *cp;
	char **av = NULL;
	size_t n = 0;
	char start[32];
	time_t now = time(NULL);
	struct tm tm;
	int ret;

	*status = -1;
	if (parse(cmd, ncmd, &pc))
		return HP_EXIT_USAGE;
	gmtime_r(&now, &tm);
	strftime(start, sizeof(start), "%Y-%m-%dT%H:%M:%SZ", &tm);
	hp_buf_addf(&pstats, "%s.pstats", base);
	hp_buf_addf(&tmp, "%s.pstats.tmp%ld", base, (long)getpid());
	hp_buf_addf(&summary, "%s_summary.txt", base);
	hp_buf_addf(&json, "%s.json", base);

	/* python [options] -c DRIVER TMP MODE TARGET ARGS... */
	av = hp_xcalloc(ncmd + 8, sizeof(*av));
	av[n++] = cmd[0];
	for (size_t i = 0; i < pc.nopts; i++)
		av[n++] = cmd[1 + i];
	av[n++] = (char *)(uintptr_t)"-c";
	av[n++] = (char *)(uintptr_t)driver;
	av[n++] = tmp.data;
	av[n++] = (char *)(uintptr_t)(pc.mode == MODE_MODULE ? "-m" : pc.mode == MODE_CODE ? "-c" : "script");
	av[n++] = (char *)(uintptr_t)pc.target;
	for (size_t i = pc.first_arg; i < ncmd; i++)
		av[n++] = cmd[i];
	av[n] = NULL;

	/* Ctrl-C reaches the target (our process group); we wait for it and
	 * still write what cProfile dumped */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	if (!quiet)
		fprintf(stderr, "hotpath: running under cProfile: %s\n", cmd[0]);
	ret = hp_run_measure(av, &ro, &rr, &err);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	if (ret) {
		ret = hp_error_from(&err);
		goto cleanup;
	}
	if (rr.exec_failed) {
		ret = hp_error("cannot run '%s'", cmd[0]);
		goto cleanup;
	}
	*status = rr.signal ? 128 + rr.signal : rr.exit_code;
	if (stat(tmp.data, &sb) < 0) {
		ret = hp_error("cProfile wrote no statistics (the target ended with status %d)", *status);
		goto cleanup;
	}
	if (rename(tmp.data, pstats.data) < 0) {
		ret = hp_error("cannot rename '%s' to '%s': %s", tmp.data, pstats.data, strerror(errno));
		unlink(tmp.data);
		goto cleanup;
	}
	if (!quiet)
		fprintf(stderr, "hotpath: wrote %s\n", pstats.data);
	{
		struct hp_top_pstats_opts po = { pstats.data, "cumulative", 20, NULL, NULL, NULL,
						 "text", summary.data };

		ret = hp_top_pstats(&po);
		if (ret)
			goto cleanup;
	}
	if (!quiet)
		fprintf(stderr, "hotpath: wrote %s\n", summary.data);

	if (merge_json) {
		json_error_t je;

		root = json_load_file(json.data, 0, &je);
		if (!root || !json_is_object(root)) {
			ret = hp_error("cannot read '%s': %s", json.data, root ? "not an object" : je.text);
			goto cleanup;
		}
		json_object_set_new(root, "profilers", json_pack("[ss]", "sampling", "cprofile"));
	} else {
		root = json_object();
		json_object_set_new(root, "profilers", json_pack("[s]", "cprofile"));
		json_object_set_new(root, "command", argv_json(cmd, ncmd));
		json_object_set_new(root, "start_time", json_string(start));
		json_object_set_new(root, "duration_s", json_real(rr.wall_s));
		json_object_set_new(root, "exit_status", json_integer(*status));
		json_object_set_new(root, "user_cpu_s", json_real(rr.user_s));
		json_object_set_new(root, "sys_cpu_s", json_real(rr.sys_s));
		json_object_set_new(root, "peak_rss_kb", json_integer((json_int_t)(rr.max_rss_bytes / 1024)));
		json_object_set_new(root, "hotpath_version", json_string(HP_VERSION));
	}
	cp = json_object();
	json_object_set_new(cp, "pstats", basename_json(pstats.data));
	json_object_set_new(cp, "summary", basename_json(summary.data));
	json_object_set_new(cp, "duration_s", json_real(rr.wall_s));
	json_object_set_new(cp, "exit_status", json_integer(*status));
	json_object_set_new(cp, "user_cpu_s", json_real(rr.user_s));
	json_object_set_new(cp, "sys_cpu_s", json_real(rr.sys_s));
	json_object_set_new(root, "cprofile", cp);
	if (write_json(json.data, root, &err)) {
		ret = hp_error_from(&err);
		goto cleanup;
	}
	if (!quiet)
		fprintf(stderr, "hotpath: wrote %s\n", json.data);
	ret = 0;
cleanup:
	json_decref(root);
	free(av);
	hp_buf_release(&pstats);
	hp_buf_release(&tmp);
	hp_buf_release(&summary);
	hp_buf_release(&json);
	return ret;
}

int hp_record_profiler_start(const char *kind, bool pid, char *const *cmd, size_t ncmd,
			     const char *outdir, const char *name, bool quiet)
{
	struct hp_buf base = HP_BUF_INIT, gi = HP_BUF_INIT;
	struct hp_err err;
	struct stat sb;
	int ret, status;

	if (!strcmp(kind, "sampling"))
		return -1;
	if (strcmp(kind, "cprofile") && strcmp(kind, "all"))
		return hp_usage_error("record", "unknown profiler '%s' (sampling, cprofile or all)", kind);
	if (pid)
		return hp_usage_error("record", "'--profiler %s' starts the program: it cannot attach to '--pid'",
				      kind);
	if (hp_record_cprofile_check(cmd, ncmd))
		return HP_EXIT_USAGE;
	if (!strcmp(kind, "all"))
		return -1; /* sampled first, then hp_record_cprofile_all */
	hp_buf_addf(&gi, "%s/.gitignore", outdir);
	if (hp_mkdir_p(outdir, &err) ||
	    (stat(gi.data, &sb) < 0 && hp_write_file_atomic(gi.data, "*\n", 2, &err))) {
		ret = hp_error_from(&err);
		goto cleanup;
	}
	hp_buf_addf(&base, "%s/", outdir);
	if (name)
		hp_buf_adds(&base, name);
	else
		hp_record_cprofile_name(cmd, ncmd, &base);
	ret = hp_record_cprofile(cmd, ncmd, base.data, false, quiet, &status);
	if (!ret)
		ret = status < 0 ? HP_EXIT_RUNTIME : status;
cleanup:
	hp_buf_release(&base);
	hp_buf_release(&gi);
	return ret;
}

int hp_record_cprofile_all(char *const *cmd, size_t ncmd, const char *base, bool quiet, int *status)
{
	int cstatus, ret = hp_record_cprofile(cmd, ncmd, base, true, quiet, &cstatus);

	if (!ret && *status == 0)
		*status = cstatus;
	return ret;
}

/* Tests of the scenario configuration: mapping, errors, file search and the
 * shell-like command splitter.  tests/data/config holds the examples of
 * docs/config.md. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/config.h"

#define DATA HP_SOURCE_ROOT "/tests/data/config"

/* ---- hp_shell_split ------------------------------------------------------ */

static void split_is(const char *s, const char *const *want)
{
	char **argv = NULL;
	size_t argc = 0, n = 0;
	struct hp_err err = { "" };

	cr_assert_eq(hp_shell_split(s, &argv, &argc, &err), 0, "%s: %s", s, err.msg);
	while (want[n])
		n++;
	cr_assert_eq(argc, n, "%s: %zu words", s, argc);
	for (size_t i = 0; i < n; i++)
		cr_assert_str_eq(argv[i], want[i], "%s: word %zu", s, i);
	cr_assert_null(argv[argc]);
	hp_argv_free(argv);
}

static void split_fails(const char *s, const char *msg_part)
{
	char **argv = NULL;
	size_t argc = 0;
	struct hp_err err = { "" };

	cr_assert_eq(hp_shell_split(s, &argv, &argc, &err), -1, "accepted: %s", s);
	cr_assert(strstr(err.msg, msg_part), "%s: %s", s, err.msg);
}

Test(shell_split, words_quotes_and_escapes)
{
	split_is("python -m pkg", (const char *const[]){ "python", "-m", "pkg", NULL });
	split_is("  a \t b\n c  ", (const char *const[]){ "a", "b", "c", NULL });
	split_is("'a b' \"c d\"", (const char *const[]){ "a b", "c d", NULL });
	split_is("x'y z'\"w\"v", (const char *const[]){ "xy zwv", NULL });
	split_is("'' \"\" a", (const char *const[]){ "", "", "a", NULL });
	split_is("'$HOME \\n \"'", (const char *const[]){ "$HOME \\n \"", NULL });
	split_is("\"a\\\"b \\\\ \\$x \\` \\n\"", (const char *const[]){ "a\"b \\ $x ` \\n", NULL });
	split_is("a\\ b c\\'d \\$e", (const char *const[]){ "a b", "c'd", "$e", NULL });
	split_is("one \\\ntwo", (const char *const[]){ "one", "two", NULL });
	split_is("\"line\\\njoined\"", (const char *const[]){ "linejoined", NULL });
	split_is("*.py ~ a#b [x] ?", (const char *const[]){ "*.py", "~", "a#b", "[x]", "?", NULL });
	split_is("'a|b' \"c;d\" e\\&f", (const char *const[]){ "a|b", "c;d", "e&f", NULL });
	split_is("é ✓", (const char *const[]){ "é", "✓", NULL });
}

Test(shell_split, errors)
{
	split_fails("", "empty command");
	split_fails("   \t\n", "empty command");
	split_fails("a 'b", "unterminated single quote");
	split_fails("a \"b", "unterminated double quote");
	split_fails("a \"b\\\"", "unterminated double quote");
	split_fails("a \\", "ends with a backslash");
	split_fails("a | b", "'|'");
	split_fails("a > out", "'>'");
	split_fails("a; b", "';'");
	split_fails("a && b", "'&'");
	split_fails("echo $HOME", "'$'");
	split_fails("echo `id`", "'`'");
	split_fails("(a)", "'('");
	split_fails("a # comment", "'#'");
}

/* ---- mapping ------------------------------------------------------------- */

static int parse(const char *text, struct hp_config *cfg, struct hp_err *err)
{
	return hp_config_parse("proj/hotpath.toml", text, strlen(text), false, cfg, err);
}

static void config_fails(const char *text, const char *msg)
{
	struct hp_config cfg;
	struct hp_err err = { "" };

	hp_config_init(&cfg);
	cr_assert_eq(parse(text, &cfg, &err), -1, "accepted: %s", text);
	cr_assert_str_eq(err.msg, msg);
	cr_assert_eq(cfg.nr_scenarios, 0);
	cr_assert_null(cfg.path);
	hp_config_release(&cfg);
}

Test(config, documented_example)
{
	struct hp_config cfg;
	struct hp_err err = { "" };
	const struct hp_scenario *s;

	hp_config_init(&cfg);
	cr_assert_eq(hp_config_load(DATA "/hotpath.toml", &cfg, &err), 0, "%s", err.msg);
	cr_assert_str_eq(cfg.path, DATA "/hotpath.toml");
	cr_assert_str_eq(hp_config_output(&cfg), DATA "/profiles");
	cr_assert_float_eq(cfg.defaults.rate, 200.0, 1e-9);
	cr_assert_float_eq(cfg.defaults.threshold, 0.05, 1e-12);
	cr_assert_str_eq(cfg.defaults.store, "sqlite");
	cr_assert_eq(cfg.defaults.profilers, HP_PROFILER_SAMPLING);
	cr_assert_eq(cfg.nr_scenarios, 2);

	s = &cfg.scenarios[0];
	cr_assert_str_eq(s->name, "startup");
	cr_assert_eq(s->argc, 5);
	cr_assert_str_eq(s->argv[4], "import mypkg");
	cr_assert_null(s->argv[5]);
	cr_assert_eq(s->repeats, 20);
	cr_assert_float_eq(s->rate, 200.0, 1e-9);          /* inherited */
	cr_assert_float_eq(s->threshold, 0.05, 1e-12);     /* inherited */
	cr_assert_eq(s->profilers, HP_PROFILER_SAMPLING);  /* inherited */
	cr_assert_null(s->cwd);
	cr_assert_eq(s->nr_tags, 2);
	cr_assert_str_eq(s->tags[1], "ci");

	s = hp_config_scenario(&cfg, "parse-large");
	cr_assert(s);
	cr_assert_eq(s->argc, 5);
	cr_assert_str_eq(s->argv[0], "python");
	cr_assert_str_eq(s->argv[4], "data/large input.json");
	cr_assert_str_eq(s->cwd, DATA "/examples");
	cr_assert_eq(s->nr_env, 2);
	cr_assert_str_eq(s->env[0].name, "PYTHONHASHSEED");
	cr_assert_str_eq(s->env[0].value, "0");
	cr_assert_str_eq(s->env[1].name, "MYPKG_CACHE");
	cr_assert_eq(s->profilers, HP_PROFILER_SAMPLING | HP_PROFILER_CPROFILE | HP_PROFILER_MEMORY);
	cr_assert_float_eq(s->rate, 1000.0, 1e-9);
	cr_assert_float_eq(s->threshold, 0.1, 1e-12);
	cr_assert_eq(s->repeats, 1);
	cr_assert_null(hp_config_scenario(&cfg, "nope"));
	hp_config_release(&cfg);
	cr_assert_eq(cfg.nr_scenarios, 0);
	cr_assert_null(cfg.defaults.output);
	cr_assert_str_eq(hp_config_output(&cfg), HP_CONFIG_DEFAULT_OUTPUT);
}

Test(config, documented_pyproject)
{
	struct hp_config cfg;
	struct hp_err err = { "" };

	hp_config_init(&cfg);
	cr_assert_eq(hp_config_load(DATA "/pyproject.toml", &cfg, &err), 0, "%s", err.msg);
	cr_assert_float_eq(cfg.defaults.threshold, 0.1, 1e-12);
	cr_assert_float_eq(cfg.defaults.rate, HP_CONFIG_DEFAULT_RATE, 1e-9);
	cr_assert_eq(cfg.nr_scenarios, 1);
	cr_assert_eq(cfg.scenarios[0].repeats, 10);
	cr_assert_float_eq(cfg.scenarios[0].threshold, 0.1, 1e-12);
	hp_config_release(&cfg);
}

Test(config, defaults_apply_wherever_written)
{
	struct hp_config cfg;
	struct hp_err err = { "" };

	hp_config_init(&cfg);
	cr_assert_eq(parse("[scenarios.a]\ncommand = 'x'\n[defaults]\nrate = 7\nprofilers = 'memory'\n"
			   "output = '/abs/out'\n", &cfg, &err), 0, "%s", err.msg);
	cr_assert_float_eq(cfg.scenarios[0].rate, 7.0, 1e-9);
	cr_assert_eq(cfg.scenarios[0].profilers, HP_PROFILER_MEMORY);
	cr_assert_str_eq(cfg.defaults.output, "/abs/out");
	cr_assert_eq(cfg.scenarios[0].line, 1);
	hp_config_release(&cfg);

	/* empty file: built-in defaults, no scenarios */
	cr_assert_eq(parse("", &cfg, &err), 0);
	cr_assert_eq(cfg.nr_scenarios, 0);
	cr_assert_eq(cfg.defaults.repeats, HP_CONFIG_DEFAULT_REPEATS);
	hp_config_release(&cfg);

	/* inline scenario tables and threshold forms */
	cr_assert_eq(parse("scenarios.a = { command = ['x'], threshold = '12.5%' }\n"
			   "scenarios.b = { command = ['y'], threshold = 0 }\n", &cfg, &err), 0, "%s", err.msg);
	cr_assert_float_eq(cfg.scenarios[0].threshold, 0.125, 1e-12);
	cr_assert_float_eq(cfg.scenarios[1].threshold, 0.0, 1e-12);
	hp_config_release(&cfg);
}

Test(config, schema_errors_name_file_line_column)
{
	config_fails("verbose = true\n",
		     "'proj/hotpath.toml' line 1, column 1: unknown key 'verbose' in the top level "
		     "(expected one of: defaults, scenarios)");
	config_fails("[[scenario]]\nname = 'a'\n",
		     "'proj/hotpath.toml' line 1, column 3: unknown key 'scenario' in the top level: "
		     "scenarios are written as [scenarios.NAME] tables");
	config_fails("[defaults]\nrate = 100\nsamples = 3\n",
		     "'proj/hotpath.toml' line 3, column 1: unknown key 'samples' in [defaults] "
		     "(expected one of: output, rate, threshold, store, repeats, profilers)");
	config_fails("[scenarios.a]\ncommand = 'x'\nrepeat = 3\n",
		     "'proj/hotpath.toml' line 3, column 1: unknown key 'repeat' in [scenarios.a] "
		     "(expected one of: command, cwd, env, profilers, rate, repeats, threshold, tags)");
	config_fails("[defaults]\nrate = \"fast\"\n",
		     "'proj/hotpath.toml' line 2, column 1: 'defaults.rate' must be a number, not a string");
	config_fails("[defaults]\nrate = -1\n",
		     "'proj/hotpath.toml' line 2, column 1: 'defaults.rate' must be a sampling rate in Hz between 0 and 100000");
	config_fails("[defaults]\nrepeats = 1.5\n",
		     "'proj/hotpath.toml' line 2, column 1: 'defaults.repeats' must be an integer, not a float");
	config_fails("[defaults]\nrepeats = 0\n",
		     "'proj/hotpath.toml' line 2, column 1: 'defaults.repeats' must be between 1 and 1000000");
	config_fails("[defaults]\nthreshold = 10\n",
		     "'proj/hotpath.toml' line 2, column 1: 'defaults.threshold' = 10 is not a fraction between 0 and 1; "
		     "write \"10%\" for a percentage");
	config_fails("[defaults]\nthreshold = \"ten\"\n",
		     "'proj/hotpath.toml' line 2, column 1: 'defaults.threshold' must be a percentage like \"10%\" "
		     "or a fraction like 0.1");
	config_fails("[defaults]\nthreshold = \"10\"\n",
		     "'proj/hotpath.toml' line 2, column 1: 'defaults.threshold' must be a percentage like \"10%\" "
		     "or a fraction like 0.1");
	config_fails("[defaults]\nthreshold = true\n",
		     "'proj/hotpath.toml' line 2, column 1: 'defaults.threshold' must be a fraction like 0.1 "
		     "or a string like \"10%\", not a bool");
	config_fails("[defaults]\nstore = 1\n",
		     "'proj/hotpath.toml' line 2, column 1: 'defaults.store' must be a string, not an integer");
	config_fails("[defaults]\nprofilers = ['sampling', 'perf']\n",
		     "'proj/hotpath.toml' line 2, column 1: unknown profiler 'perf' in 'defaults.profilers' "
		     "(expected sampling, cprofile or memory)");
	config_fails("[defaults]\nprofilers = ['memory', 'memory']\n",
		     "'proj/hotpath.toml' line 2, column 1: profiler 'memory' is listed twice in 'defaults.profilers'");
	config_fails("[defaults]\nprofilers = []\n",
		     "'proj/hotpath.toml' line 2, column 1: 'defaults.profilers' must name at least one profiler");
	config_fails("defaults = 3\n",
		     "'proj/hotpath.toml' line 1, column 1: 'defaults' must be a table, not an integer");
	config_fails("scenarios = []\n",
		     "'proj/hotpath.toml' line 1, column 1: 'scenarios' must be a table of [scenarios.NAME] tables, not an array");
	config_fails("[scenarios]\nweb = 1\n",
		     "'proj/hotpath.toml' line 2, column 1: 'scenarios.web' must be a table, not an integer");
	config_fails("[scenarios.\"my test\"]\ncommand = 'x'\n",
		     "'proj/hotpath.toml' line 1, column 12: invalid scenario name 'my test' (use letters, digits, '_', '-' and '.')");
	config_fails("[scenarios.a]\ncwd = '.'\n",
		     "'proj/hotpath.toml' line 1, column 12: scenario 'a' has no 'command'");
	config_fails("[scenarios.a]\ncommand = []\n",
		     "'proj/hotpath.toml' line 2, column 1: 'scenarios.a.command' must not be empty");
	config_fails("[scenarios.a]\ncommand = ['']\n",
		     "'proj/hotpath.toml' line 2, column 1: 'scenarios.a.command' must not start with an empty program name");
	config_fails("[scenarios.a]\ncommand = ['x', 1]\n",
		     "'proj/hotpath.toml' line 2, column 1: 'scenarios.a.command' must be an array of strings (item 2 is an integer)");
	config_fails("[scenarios.a]\ncommand = 'python x.py | tee log'\n",
		     "'proj/hotpath.toml' line 2, column 1: 'scenarios.a.command': '|' in command 'python x.py | tee log' "
		     "would need a shell, which hotpath does not use: quote it, or give the command as an array");
	config_fails("[scenarios.a]\ncommand = \"x\\u0000y\"\n",
		     "'proj/hotpath.toml' line 2, column 1: 'scenarios.a.command' must not contain NUL characters");
	config_fails("[scenarios.a]\ncommand = 'x'\nenv = { 'BAD-NAME' = '1' }\n",
		     "'proj/hotpath.toml' line 3, column 9: 'BAD-NAME' is not a valid environment variable name in 'scenarios.a.env'");
	config_fails("[scenarios.a]\ncommand = 'x'\n[scenarios.a.env]\nN = 1\n",
		     "'proj/hotpath.toml' line 4, column 1: 'scenarios.a.env.N' must be a string, not an integer");
	config_fails("[scenarios.a]\ncommand = 'x'\ntags = 'one'\n",
		     "'proj/hotpath.toml' line 3, column 1: 'scenarios.a.tags' must be an array of strings, not a string");
	config_fails("[scenarios.a]\ncommand = 'x'\ncwd = ''\n",
		     "'proj/hotpath.toml' line 3, column 1: 'scenarios.a.cwd' must not be empty");
	/* TOML errors come through unchanged */
	config_fails("[scenarios.a]\ncommand = 'x'\ncommand = 'y'\n",
		     "'proj/hotpath.toml' line 3, column 1: duplicate key 'command'");
}

Test(config, pyproject_needs_tool_hotpath)
{
	struct hp_config cfg;
	struct hp_err err = { "" };
	const char *text = "[project]\nname = 'x'\n[tool.black]\nline-length = 99\n";

	hp_config_init(&cfg);
	cr_assert_eq(hp_config_parse("pyproject.toml", text, strlen(text), true, &cfg, &err), -1);
	cr_assert_str_eq(err.msg, "'pyproject.toml' has no [tool.hotpath] table");
	text = "[tool]\nhotpath = 1\n";
	cr_assert_eq(hp_config_parse("pyproject.toml", text, strlen(text), true, &cfg, &err), -1);
	cr_assert_str_eq(err.msg, "'pyproject.toml' line 2, column 1: 'tool.hotpath' must be a table, not an integer");
	text = "[tool.hotpath]\nfoo = 1\n";
	cr_assert_eq(hp_config_parse("pyproject.toml", text, strlen(text), true, &cfg, &err), -1);
	cr_assert_str_eq(err.msg, "'pyproject.toml' line 2, column 1: unknown key 'foo' in [tool.hotpath] "
				  "(expected one of: defaults, scenarios)");
	hp_config_release(&cfg);
}

/* ---- finding the file ---------------------------------------------------- */

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	cr_assert(f, "cannot write %s", path);
	fputs(text, f);
	fclose(f);
}

static void rm_file(const char *dir, const char *name)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	unlink(path);
}

Test(config, find_searches_upwards)
{
	char root[] = "/tmp/hp-config-XXXXXX", a[256], b[256], want[512], *found = NULL;
	struct hp_err err = { "" };
	struct hp_config cfg;

	cr_assert(mkdtemp(root));
	snprintf(a, sizeof(a), "%s/a", root);
	snprintf(b, sizeof(b), "%s/a/b", root);
	cr_assert_eq(mkdir(a, 0700), 0);
	cr_assert_eq(mkdir(b, 0700), 0);

	/* nothing anywhere below /tmp (assumed free of hotpath.toml) */
	cr_assert_eq(hp_config_find(b, &found, &err), 1, "%s", err.msg);

	/* a pyproject.toml without [tool.hotpath] is passed over */
	write_file(root, "hotpath.toml", "[defaults]\nrate = 5\n");
	write_file(b, "pyproject.toml", "[project]\nname = 'x'\n");
	cr_assert_eq(hp_config_find(b, &found, &err), 0, "%s", err.msg);
	snprintf(want, sizeof(want), "%s/hotpath.toml", root);
	cr_assert_str_eq(found, want);
	free(found);

	/* a closer pyproject.toml with [tool.hotpath] wins */
	write_file(a, "pyproject.toml", "[tool.hotpath.defaults]\nrate = 6\n");
	cr_assert_eq(hp_config_find(b, &found, &err), 0, "%s", err.msg);
	snprintf(want, sizeof(want), "%s/pyproject.toml", a);
	cr_assert_str_eq(found, want);
	free(found);

	/* in one folder hotpath.toml comes before pyproject.toml */
	write_file(a, "hotpath.toml", "[defaults]\nrate = 7\n");
	cr_assert_eq(hp_config_find(b, &found, &err), 0, "%s", err.msg);
	snprintf(want, sizeof(want), "%s/hotpath.toml", a);
	cr_assert_str_eq(found, want);
	free(found);

	hp_config_init(&cfg);
	cr_assert_eq(hp_config_discover(NULL, b, &cfg, &err), 0, "%s", err.msg);
	cr_assert_float_eq(cfg.defaults.rate, 7.0, 1e-9);
	/* --config overrides the search; pyproject.toml is read as such */
	snprintf(want, sizeof(want), "%s/pyproject.toml", a);
	cr_assert_eq(hp_config_discover(want, b, &cfg, &err), 0, "%s", err.msg);
	cr_assert_float_eq(cfg.defaults.rate, 6.0, 1e-9);
	snprintf(want, sizeof(want), "%s/missing.toml", a);
	cr_assert_eq(hp_config_discover(want, b, &cfg, &err), -1);
	cr_assert(strstr(err.msg, "missing.toml"), "%s", err.msg);

	/* a broken pyproject.toml on the way is an error naming it */
	rm_file(a, "hotpath.toml");
	write_file(b, "pyproject.toml", "[project\n");
	cr_assert_eq(hp_config_find(b, &found, &err), -1);
	snprintf(want, sizeof(want), "'%s/pyproject.toml' line 1, column 9: ", b);
	cr_assert(!strncmp(err.msg, want, strlen(want)), "%s", err.msg);
	cr_assert_eq(hp_config_discover(NULL, b, &cfg, &err), -1);

	cr_assert_eq(hp_config_find("/nonexistent/folder", &found, &err), -1);
	cr_assert(strstr(err.msg, "/nonexistent/folder"), "%s", err.msg);

	rm_file(b, "pyproject.toml");
	rm_file(a, "pyproject.toml");
	rm_file(root, "hotpath.toml");
	rmdir(b);
	rmdir(a);
	rmdir(root);
	hp_config_release(&cfg);
}

Test(config, profiler_names)
{
	cr_assert_str_eq(hp_profiler_name(HP_PROFILER_SAMPLING), "sampling");
	cr_assert_str_eq(hp_profiler_name(HP_PROFILER_CPROFILE), "cprofile");
	cr_assert_str_eq(hp_profiler_name(HP_PROFILER_MEMORY), "memory");
}

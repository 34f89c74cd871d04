/*
 * config.c - find hotpath.toml / pyproject.toml and map it to struct
 * hp_config (see config.h and docs/config.md).
 */
#include "config/config.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config/toml.h"
#include "core/afile.h"
#include "core/alloc.h"
#include "core/buf.h"

#define CONFIG_MAX_SIZE (16u << 20)

struct ctx {
	const char *name;  /* file name for messages */
	const char *dir;   /* its folder, NULL when relative paths stay as they are */
	struct hp_err *err;
};

HP_PRINTF(3, 4)
static int at(const struct ctx *c, const struct hp_toml_entry *e, const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return hp_err_set(c->err, "'%s' line %u, column %u: %s", c->name, e->line, e->col, msg);
}

static const char *article(enum hp_toml_type t)
{
	return t == HP_TOML_INTEGER || t == HP_TOML_ARRAY ? "an" : "a";
}

static int type_error(const struct ctx *c, const struct hp_toml_entry *e, const char *path,
		      const char *want)
{
	return at(c, e, "'%s' must be %s, not %s %s", path, want, article(e->val->type),
		  hp_toml_type_name(e->val->type));
}

/* ---- built-in defaults and release -------------------------------------- */

void hp_config_init(struct hp_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->defaults.rate = HP_CONFIG_DEFAULT_RATE;
	cfg->defaults.repeats = HP_CONFIG_DEFAULT_REPEATS;
	cfg->defaults.threshold = HP_CONFIG_DEFAULT_THRESHOLD;
	cfg->defaults.profilers = HP_CONFIG_DEFAULT_PROFILERS;
}

void hp_argv_free(char **argv)
{
	if (!argv)
		return;
	for (size_t i = 0; argv[i]; i++)
		free(argv[i]);
	free(argv);
}

static void scenario_release(struct hp_scenario *s)
{
	free(s->name);
	hp_argv_free(s->argv);
	free(s->cwd);
	for (size_t i = 0; i < s->nr_env; i++) {
		free(s->env[i].name);
		free(s->env[i].value);
	}
	free(s->env);
	for (size_t i = 0; i < s->nr_tags; i++)
		free(s->tags[i]);
	free(s->tags);
}

void hp_config_release(struct hp_config *cfg)
{
	for (size_t i = 0; i < cfg->nr_scenarios; i++)
		scenario_release(&cfg->scenarios[i]);
	free(cfg->scenarios);
	free(cfg->path);
	free(cfg->defaults.output);
	free(cfg->defaults.store);
	hp_config_init(cfg);
}

const struct hp_scenario *hp_config_scenario(const struct hp_config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->nr_scenarios; i++)
		if (!strcmp(cfg->scenarios[i].name, name))
			return &cfg->scenarios[i];
	return NULL;
}

static const char *const profiler_names[] = { "sampling", "cprofile", "memory" };

const char *hp_profiler_name(unsigned profiler)
{
	for (unsigned i = 0; i < sizeof(profiler_names) / sizeof(profiler_names[0]); i++)
		if (profiler == 1u << i)
			return profiler_names[i];
	return "?";
}

/* ---- shell-like splitting ----------------------------------------------- */

int hp_shell_split(const char *s, char ***argv_out, size_t *argc_out, struct hp_err *err)
{
	struct hp_buf word = HP_BUF_INIT;
	char **argv = NULL;
	size_t argc = 0, alloc = 0, i = 0;
	int in_word = 0, ret = -1;

	for (;;) {
		char c = s[i];

		if (c == '\0' || c == ' ' || c == '\t' || c == '\n') {
			if (in_word) {
				HP_GROW(argv, argc + 2, alloc);
				argv[argc++] = hp_buf_detach(&word, NULL);
				argv[argc] = NULL;
				in_word = 0;
			}
			if (c == '\0')
				break;
			i++;
			continue;
		}
		if (c == '\'') {
			const char *end = strchr(s + i + 1, '\'');

			if (!end) {
				hp_err_set(err, "unterminated single quote in command '%s'", s);
				goto cleanup;
			}
			hp_buf_add(&word, s + i + 1, (size_t)(end - (s + i + 1)));
			i = (size_t)(end - s) + 1;
			in_word = 1;
			continue;
		}
		if (c == '"') {
			i++;
			for (;;) {
				if (s[i] == '\0') {
					hp_err_set(err, "unterminated double quote in command '%s'", s);
					goto cleanup;
				}
				if (s[i] == '"')
					break;
				if (s[i] == '\\' && s[i + 1] == '\n') {
					i += 2;
					continue;
				}
				if (s[i] == '\\' && s[i + 1] && strchr("\"\\$`", s[i + 1]))
					i++;
				hp_buf_addch(&word, s[i++]);
			}
			i++;
			in_word = 1;
			continue;
		}
		if (c == '\\') {
			if (s[i + 1] == '\0') {
				hp_err_set(err, "command '%s' ends with a backslash", s);
				goto cleanup;
			}
			if (s[i + 1] != '\n') {
				hp_buf_addch(&word, s[i + 1]);
				in_word = 1;
			}
			i += 2;
			continue;
		}
		if (strchr("|&;<>()$`", c) || (c == '#' && !in_word)) {
			hp_err_set(err, "'%c' in command '%s' would need a shell, which hotpath does not use: "
				   "quote it, or give the command as an array", c, s);
			goto cleanup;
		}
		hp_buf_addch(&word, c);
		in_word = 1;
		i++;
	}
	if (!argc) {
		hp_err_set(err, "empty command");
		goto cleanup;
	}
	*argv_out = argv;
	*argc_out = argc;
	argv = NULL;
	ret = 0;
cleanup:
	hp_argv_free(argv);
	hp_buf_release(&word);
	return ret;
}

/* ---- typed values -------------------------------------------------------- */

/* A string without NUL bytes (the values end up in C strings). */
static int get_string(const struct ctx *c, const struct hp_toml_entry *e, const char *path,
		      char **out)
{
	if (e->val->type != HP_TOML_STRING)
		return type_error(c, e, path, "a string");
	if (strlen(e->val->u.str.s) != e->val->u.str.len)
		return at(c, e, "'%s' must not contain NUL characters", path);
	free(*out);
	*out = hp_xstrdup(e->val->u.str.s);
	return 0;
}

/* A path: resolved against the configuration file's folder. */
static int get_path(const struct ctx *c, const struct hp_toml_entry *e, const char *path,
		    char **out)
{
	char *s = NULL;

	if (get_string(c, e, path, &s))
		return -1;
	if (!*s) {
		free(s);
		return at(c, e, "'%s' must not be empty", path);
	}
	free(*out);
	if (s[0] != '/' && c->dir) {
		struct hp_buf b = HP_BUF_INIT;

		hp_buf_addf(&b, "%s/%s", c->dir, s);
		free(s);
		s = hp_buf_detach(&b, NULL);
	}
	*out = s;
	return 0;
}

static int get_number(const struct ctx *c, const struct hp_toml_entry *e, const char *path,
		      double *out)
{
	if (e->val->type == HP_TOML_INTEGER)
		*out = (double)e->val->u.i;
	else if (e->val->type == HP_TOML_FLOAT)
		*out = e->val->u.f;
	else
		return type_error(c, e, path, "a number");
	return 0;
}

static int get_rate(const struct ctx *c, const struct hp_toml_entry *e, const char *path,
		    double *out)
{
	double v = 0;

	if (get_number(c, e, path, &v))
		return -1;
	if (!(v > 0 && v <= 100000))
		return at(c, e, "'%s' must be a sampling rate in Hz between 0 and 100000", path);
	*out = v;
	return 0;
}

static int get_repeats(const struct ctx *c, const struct hp_toml_entry *e, const char *path,
		       int *out)
{
	if (e->val->type != HP_TOML_INTEGER)
		return type_error(c, e, path, "an integer");
	if (e->val->u.i < 1 || e->val->u.i > 1000000)
		return at(c, e, "'%s' must be between 1 and 1000000", path);
	*out = (int)e->val->u.i;
	return 0;
}

/* A fraction (0.1) or a percentage string ("10%"). */
static int get_threshold(const struct ctx *c, const struct hp_toml_entry *e, const char *path,
			 double *out)
{
	const struct hp_toml *v = e->val;
	double x = 0;

	if (v->type == HP_TOML_STRING) {
		const char *s = v->u.str.s;
		char *end;

		errno = 0;
		x = strtod(s, &end);
		if (end == s || errno || *end != '%' || end[1] || s[0] == ' ' || !isfinite(x) ||
		    x < 0 || strlen(s) != v->u.str.len)
			return at(c, e, "'%s' must be a percentage like \"10%%\" or a fraction like 0.1", path);
		*out = x / 100;
		return 0;
	}
	if (get_number(c, e, path, &x))
		return type_error(c, e, path, "a fraction like 0.1 or a string like \"10%\"");
	if (!(x >= 0 && x <= 1))
		return at(c, e, "'%s' = %g is not a fraction between 0 and 1; write \"%g%%\" for a percentage",
			  path, x, x);
	*out = x;
	return 0;
}

/* An array of strings (or a single string when one_ok). */
static int get_string_list(const struct ctx *c, const struct hp_toml_entry *e, const char *path,
			   int one_ok, char ***out, size_t *nr)
{
	const struct hp_toml *v = e->val;
	char **list;
	size_t n;

	if (one_ok && v->type == HP_TOML_STRING) {
		n = 1;
	} else if (v->type == HP_TOML_ARRAY) {
		n = v->u.arr.nr;
		for (size_t i = 0; i < n; i++) {
			const struct hp_toml *it = v->u.arr.items[i];

			if (it->type != HP_TOML_STRING)
				return at(c, e, "'%s' must be an array of strings (item %zu is %s %s)", path,
					  i + 1, article(it->type), hp_toml_type_name(it->type));
			if (strlen(it->u.str.s) != it->u.str.len)
				return at(c, e, "'%s' must not contain NUL characters", path);
		}
	} else {
		return type_error(c, e, path, one_ok ? "a string or an array of strings" : "an array of strings");
	}
	if (v->type == HP_TOML_STRING && strlen(v->u.str.s) != v->u.str.len)
		return at(c, e, "'%s' must not contain NUL characters", path);
	list = hp_xcalloc(n + 1, sizeof(*list));
	for (size_t i = 0; i < n; i++)
		list[i] = hp_xstrdup(v->type == HP_TOML_STRING ? v->u.str.s : v->u.arr.items[i]->u.str.s);
	*out = list;
	*nr = n;
	return 0;
}

static int get_profilers(const struct ctx *c, const struct hp_toml_entry *e, const char *path,
			 unsigned *out)
{
	char **list = NULL;
	size_t n = 0;
	unsigned bits = 0;
	int ret = -1;

	if (get_string_list(c, e, path, 1, &list, &n))
		goto cleanup;
	if (!n) {
		at(c, e, "'%s' must name at least one profiler", path);
		goto cleanup;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned bit = 0;

		for (unsigned k = 0; k < sizeof(profiler_names) / sizeof(profiler_names[0]); k++)
			if (!strcmp(list[i], profiler_names[k]))
				bit = 1u << k;
		if (!bit) {
			at(c, e, "unknown profiler '%s' in '%s' (expected sampling, cprofile or memory)",
			   list[i], path);
			goto cleanup;
		}
		if (bits & bit) {
			at(c, e, "profiler '%s' is listed twice in '%s'", list[i], path);
			goto cleanup;
		}
		bits |= bit;
	}
	*out = bits;
	ret = 0;
cleanup:
	hp_argv_free(list);
	return ret;
}

static int unknown_key(const struct ctx *c, const struct hp_toml_entry *e, const char *where,
		       const char *expected)
{
	return at(c, e, "unknown key '%s' in %s (expected one of: %s)", e->key, where, expected);
}

/* ---- tables -------------------------------------------------------------- */

static int map_defaults(const struct ctx *c, const struct hp_toml_entry *te,
			struct hp_config_defaults *d)
{
	const struct hp_toml *t = te->val;
	char path[64];

	if (t->type != HP_TOML_TABLE)
		return type_error(c, te, "defaults", "a table");
	for (size_t i = 0; i < t->u.tab.nr; i++) {
		const struct hp_toml_entry *e = &t->u.tab.items[i];
		int r;

		snprintf(path, sizeof(path), "defaults.%.40s", e->key);
		if (!strcmp(e->key, "output"))
			r = get_path(c, e, path, &d->output);
		else if (!strcmp(e->key, "rate"))
			r = get_rate(c, e, path, &d->rate);
		else if (!strcmp(e->key, "threshold"))
			r = get_threshold(c, e, path, &d->threshold);
		else if (!strcmp(e->key, "store"))
			r = get_string(c, e, path, &d->store);
		else if (!strcmp(e->key, "repeats"))
			r = get_repeats(c, e, path, &d->repeats);
		else if (!strcmp(e->key, "profilers"))
			r = get_profilers(c, e, path, &d->profilers);
		else
			r = unknown_key(c, e, "[defaults]",
					"output, rate, threshold, store, repeats, profilers");
		if (r)
			return -1;
	}
	return 0;
}

static int valid_env_name(const char *s, size_t len)
{
	if (!len || strlen(s) != len || (s[0] >= '0' && s[0] <= '9'))
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return 0;
	return 1;
}

static int map_env(const struct ctx *c, const struct hp_toml_entry *te, const char *path,
		   struct hp_scenario *s)
{
	const struct hp_toml *t = te->val;
	char sub[256];

	if (t->type != HP_TOML_TABLE)
		return type_error(c, te, path, "a table of strings");
	s->env = hp_xcalloc(t->u.tab.nr ? t->u.tab.nr : 1, sizeof(*s->env));
	for (size_t i = 0; i < t->u.tab.nr; i++) {
		const struct hp_toml_entry *e = &t->u.tab.items[i];
		char *value = NULL;

		if (!valid_env_name(e->key, e->key_len))
			return at(c, e, "'%s' is not a valid environment variable name in '%s'", e->key, path);
		snprintf(sub, sizeof(sub), "%.120s.%.100s", path, e->key);
		if (get_string(c, e, sub, &value))
			return -1;
		s->env[s->nr_env].name = hp_xstrdup(e->key);
		s->env[s->nr_env].value = value;
		s->nr_env++;
	}
	return 0;
}

static int valid_scenario_name(const char *s, size_t len)
{
	if (!len || strlen(s) != len || len > 100)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '-' || s[i] == '.'))
			return 0;
	return s[0] != '.';
}

static int map_scenario(const struct ctx *c, const struct hp_toml_entry *se,
			const struct hp_config_defaults *d, struct hp_scenario *s)
{
	const struct hp_toml *t = se->val;
	const struct hp_toml_entry *cmd = NULL;
	char where[160], path[256];

	if (!valid_scenario_name(se->key, se->key_len))
		return at(c, se, "invalid scenario name '%s' (use letters, digits, '_', '-' and '.')", se->key);
	snprintf(where, sizeof(where), "scenarios.%s", se->key);
	if (t->type != HP_TOML_TABLE)
		return type_error(c, se, where, "a table");
	s->name = hp_xstrdup(se->key);
	s->line = t->line;
	s->profilers = d->profilers;
	s->rate = d->rate;
	s->repeats = d->repeats;
	s->threshold = d->threshold;
	for (size_t i = 0; i < t->u.tab.nr; i++) {
		const struct hp_toml_entry *e = &t->u.tab.items[i];
		int r;

		snprintf(path, sizeof(path), "%s.%.40s", where, e->key);
		if (!strcmp(e->key, "command")) {
			cmd = e;
			if (e->val->type == HP_TOML_STRING) {
				if (strlen(e->val->u.str.s) != e->val->u.str.len)
					return at(c, e, "'%s' must not contain NUL characters", path);
				if (hp_shell_split(e->val->u.str.s, &s->argv, &s->argc, c->err))
					return at(c, e, "'%s': %s", path, c->err ? c->err->msg : "invalid command");
				r = 0;
			} else {
				r = get_string_list(c, e, path, 0, &s->argv, &s->argc);
				if (!r && !s->argc)
					r = at(c, e, "'%s' must not be empty", path);
				if (!r && !s->argv[0][0])
					r = at(c, e, "'%s' must not start with an empty program name", path);
			}
		} else if (!strcmp(e->key, "cwd")) {
			r = get_path(c, e, path, &s->cwd);
		} else if (!strcmp(e->key, "env")) {
			r = map_env(c, e, path, s);
		} else if (!strcmp(e->key, "profilers")) {
			r = get_profilers(c, e, path, &s->profilers);
		} else if (!strcmp(e->key, "rate")) {
			r = get_rate(c, e, path, &s->rate);
		} else if (!strcmp(e->key, "repeats")) {
			r = get_repeats(c, e, path, &s->repeats);
		} else if (!strcmp(e->key, "threshold")) {
			r = get_threshold(c, e, path, &s->threshold);
		} else if (!strcmp(e->key, "tags")) {
			r = get_string_list(c, e, path, 0, &s->tags, &s->nr_tags);
		} else {
			snprintf(path, sizeof(path), "[%s]", where);
			r = unknown_key(c, e, path, "command, cwd, env, profilers, rate, repeats, threshold, tags");
		}
		if (r)
			return -1;
	}
	if (!cmd)
		return at(c, se, "scenario '%s' has no 'command'", s->name);
	return 0;
}

static int map_root(const struct ctx *c, const struct hp_toml *root, const char *where,
		    struct hp_config *cfg)
{
	const struct hp_toml_entry *scen = NULL;

	/* defaults first: scenarios inherit from them wherever they are written */
	for (size_t i = 0; i < root->u.tab.nr; i++) {
		const struct hp_toml_entry *e = &root->u.tab.items[i];

		if (!strcmp(e->key, "defaults")) {
			if (map_defaults(c, e, &cfg->defaults))
				return -1;
		} else if (!strcmp(e->key, "scenarios")) {
			scen = e;
		} else if (!strcmp(e->key, "scenario")) {
			return at(c, e, "unknown key 'scenario' in %s: scenarios are written as [scenarios.NAME] tables",
				  where);
		} else {
			return unknown_key(c, e, where, "defaults, scenarios");
		}
	}
	if (!scen)
		return 0;
	if (scen->val->type != HP_TOML_TABLE)
		return type_error(c, scen, "scenarios", "a table of [scenarios.NAME] tables");
	cfg->scenarios = hp_xcalloc(scen->val->u.tab.nr ? scen->val->u.tab.nr : 1, sizeof(*cfg->scenarios));
	for (size_t i = 0; i < scen->val->u.tab.nr; i++) {
		struct hp_scenario *s = &cfg->scenarios[cfg->nr_scenarios++];

		if (map_scenario(c, &scen->val->u.tab.items[i], &cfg->defaults, s))
			return -1;
	}
	return 0;
}

int hp_config_parse(const char *name, const char *data, size_t len, bool pyproject,
		    struct hp_config *cfg, struct hp_err *err)
{
	struct hp_toml *doc = NULL;
	const struct hp_toml *root;
	const char *slash = strrchr(name, '/');
	char *dir = slash ? hp_xstrndup(name, slash == name ? 1 : (size_t)(slash - name)) : NULL;
	struct ctx c = { name, dir, err };
	int ret = -1;

	hp_config_release(cfg);
	if (hp_toml_parse(name, data, len, &doc, err))
		goto cleanup;
	root = doc;
	if (pyproject) {
		const struct hp_toml_entry *tool = hp_toml_find(doc, "tool", 4);
		const struct hp_toml_entry *hp = tool ? hp_toml_find(tool->val, "hotpath", 7) : NULL;

		if (!hp) {
			hp_err_set(err, "'%s' has no [tool.hotpath] table", name);
			goto cleanup;
		}
		if (hp->val->type != HP_TOML_TABLE) {
			type_error(&c, hp, "tool.hotpath", "a table");
			goto cleanup;
		}
		root = hp->val;
	}
	if (map_root(&c, root, pyproject ? "[tool.hotpath]" : "the top level", cfg))
		goto cleanup;
	cfg->path = hp_xstrdup(name);
	ret = 0;
cleanup:
	if (ret)
		hp_config_release(cfg);
	hp_toml_free(doc);
	free(dir);
	return ret;
}

/* ---- files ---------------------------------------------------------------- */

static int is_pyproject(const char *path)
{
	const char *base = strrchr(path, '/');

	return !strcmp(base ? base + 1 : path, "pyproject.toml");
}

int hp_config_load(const char *path, struct hp_config *cfg, struct hp_err *err)
{
	char *data = NULL;
	size_t len;
	int ret = -1;

	hp_config_release(cfg);
	if (hp_read_file(path, CONFIG_MAX_SIZE, &data, &len, err))
		goto cleanup;
	ret = hp_config_parse(path, data, len, is_pyproject(path), cfg, err);
cleanup:
	free(data);
	return ret;
}

static int is_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Does the pyproject.toml at path have a [tool.hotpath] table? */
static int has_tool_hotpath(const char *path, struct hp_err *err)
{
	struct hp_toml *doc = NULL;
	int ret;

	if (hp_toml_parse_file(path, &doc, err))
		return -1;
	ret = hp_toml_get(doc, "tool.hotpath") != NULL;
	hp_toml_free(doc);
	return ret;
}

int hp_config_find(const char *dir, char **path, struct hp_err *err)
{
	struct hp_buf b = HP_BUF_INIT;
	char *cur = realpath(dir, NULL);
	int ret = -1;

	if (!cur) {
		hp_err_errno(err, "cannot resolve folder '%s'", dir);
		goto cleanup;
	}
	for (;;) {
		const char *sep = strcmp(cur, "/") ? "/" : "";
		char *slash;

		hp_buf_reset(&b);
		hp_buf_addf(&b, "%s%shotpath.toml", cur, sep);
		if (is_file(b.data)) {
			*path = hp_buf_detach(&b, NULL);
			ret = 0;
			goto cleanup;
		}
		hp_buf_reset(&b);
		hp_buf_addf(&b, "%s%spyproject.toml", cur, sep);
		if (is_file(b.data)) {
			int r = has_tool_hotpath(b.data, err);

			if (r < 0)
				goto cleanup;
			if (r) {
				*path = hp_buf_detach(&b, NULL);
				ret = 0;
				goto cleanup;
			}
		}
		if (!strcmp(cur, "/"))
			break;
		slash = strrchr(cur, '/');
		if (slash == cur)
			slash[1] = '\0';
		else
			*slash = '\0';
	}
	ret = 1;
cleanup:
	free(cur);
	hp_buf_release(&b);
	return ret;
}

int hp_config_discover(const char *explicit_path, const char *dir, struct hp_config *cfg,
		       struct hp_err *err)
{
	char *found = NULL;
	int ret;

	hp_config_release(cfg);
	if (explicit_path)
		return hp_config_load(explicit_path, cfg, err);
	ret = hp_config_find(dir, &found, err);
	if (ret == 0)
		ret = hp_config_load(found, cfg, err);
	free(found);
	return ret;
}

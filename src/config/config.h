/*
 * config.h - the scenario configuration (hotpath.toml or [tool.hotpath] in
 * pyproject.toml); the format is described in docs/config.md.
 *
 * Finding the file: hp_config_find looks in a folder and then each of its
 * parents, and in each folder takes hotpath.toml if it exists, else
 * pyproject.toml if it has a [tool.hotpath] table (a pyproject.toml without
 * one is passed over; one that is not valid TOML is an error).  An explicit
 * path (--config FILE) bypasses the search: hp_config_load reads it, taking
 * [tool.hotpath] when its name is pyproject.toml and the whole file
 * otherwise.
 *
 * Mapping: hp_config_parse checks the schema strictly: unknown keys, wrong
 * types and out-of-range values are errors naming the file, line and
 * column.  Scenario settings left out take the [defaults] values, which in
 * turn fall back to the built-in ones set by hp_config_init.  Relative cwd
 * and output paths are resolved against the folder of the configuration
 * file.
 *
 * Ownership: struct hp_config owns every string and array it points to;
 * hp_config_release frees them and leaves an initialised (default) config,
 * which holds no memory (so releasing it is all the cleanup there is).
 * hp_shell_split hands the caller an argv array freed with hp_argv_free.
 */
#ifndef HP_CONFIG_CONFIG_H
#define HP_CONFIG_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"

/* Profilers a scenario runs (bit set). */
enum hp_profiler {
	HP_PROFILER_SAMPLING = 1u << 0,
	HP_PROFILER_CPROFILE = 1u << 1,
	HP_PROFILER_MEMORY = 1u << 2,
};

/* Built-in defaults. */
#define HP_CONFIG_DEFAULT_OUTPUT "profiles"
#define HP_CONFIG_DEFAULT_RATE 100.0
#define HP_CONFIG_DEFAULT_REPEATS 1
#define HP_CONFIG_DEFAULT_THRESHOLD 0.05
#define HP_CONFIG_DEFAULT_PROFILERS HP_PROFILER_SAMPLING

struct hp_env_var {
	char *name;
	char *value;
};

struct hp_scenario {
	char *name;
	char **argv;            /* argc strings, then NULL */
	size_t argc;
	char *cwd;              /* NULL: the current folder of the caller */
	struct hp_env_var *env; /* in file order; added to the inherited environment */
	size_t nr_env;
	unsigned profilers;     /* HP_PROFILER_* bits, never 0 */
	double rate;            /* samples per second */
	int repeats;            /* runs per measurement, >= 1 */
	double threshold;       /* regression threshold as a fraction (0.1 = 10%) */
	char **tags;
	size_t nr_tags;
	unsigned line;          /* where the scenario's table starts */
};

struct hp_config_defaults {
	char *output;           /* output folder; NULL: HP_CONFIG_DEFAULT_OUTPUT */
	double rate;
	int repeats;
	double threshold;
	char *store;            /* run-history store, NULL when not set */
	unsigned profilers;
};

struct hp_config {
	char *path;             /* the file read, NULL for built-in defaults */
	struct hp_config_defaults defaults;
	struct hp_scenario *scenarios; /* in file order */
	size_t nr_scenarios;
};

/* Set cfg to the built-in defaults, with no file and no scenarios. */
void hp_config_init(struct hp_config *cfg);
void hp_config_release(struct hp_config *cfg);

/*
 * Search dir and its parents.  Returns 0 with a new string in *path (the
 * caller frees it), 1 when there is no configuration file, -1 on error.
 */
int hp_config_find(const char *dir, char **path, struct hp_err *err);

/* Read and map the file at path (see above); cfg must be initialised and
 * is replaced.  On error cfg holds the built-in defaults. */
int hp_config_load(const char *path, struct hp_config *cfg, struct hp_err *err);

/*
 * explicit_path (--config) if not NULL, else hp_config_find from dir, then
 * hp_config_load.  Returns 1 (cfg left at the built-in defaults) when no
 * file was given or found.
 */
int hp_config_discover(const char *explicit_path, const char *dir, struct hp_config *cfg,
		       struct hp_err *err);

/*
 * Map TOML text to cfg.  name is used in messages and to resolve relative
 * paths (its folder); pyproject selects the [tool.hotpath] table (an error
 * when missing).
 */
int hp_config_parse(const char *name, const char *data, size_t len, bool pyproject,
		    struct hp_config *cfg, struct hp_err *err);

/* The output folder: defaults.output, or the built-in one (relative to the
 * current folder) when the file did not set it. */
static inline const char *hp_config_output(const struct hp_config *cfg)
{
	return cfg->defaults.output ? cfg->defaults.output : HP_CONFIG_DEFAULT_OUTPUT;
}

/* The scenario called name, or NULL. */
const struct hp_scenario *hp_config_scenario(const struct hp_config *cfg, const char *name);

/* "sampling", "cprofile", "memory" for one HP_PROFILER_* bit. */
const char *hp_profiler_name(unsigned profiler);

/*
 * Split a command line into words the way a POSIX shell would, without
 * running one and without any expansion: blanks separate words; '...'
 * keeps everything literally; "..." keeps everything but \" \\ \$ \` and
 * backslash-newline, which it unescapes; an unquoted backslash quotes the
 * next character (backslash-newline joins lines).  Unquoted shell syntax
 * that would mean something other than a word (| & ; < > ( ) $ ` and a #
 * starting a word) is an error rather than being passed on silently, as is
 * an unterminated quote or an empty command.
 */
int hp_shell_split(const char *s, char ***argv, size_t *argc, struct hp_err *err);
void hp_argv_free(char **argv);

#endif

/*
 * cli.h - the command layer's shared helpers: option parsing, help text,
 * messages and exit codes.  Only src/cmd/ and src/main.c use this; it is
 * the one place that prints to the user.
 *
 * Options: "--name=value", "--name value", "-x value", "-xvalue"; flags take
 * no value; "--" ends options; non-option arguments may come before or after
 * options and are returned in order.  "-h"/"--help" prints the command's help
 * (generated from its table) and makes hp_parse_options return 1.
 */
#ifndef HP_CMD_CLI_H
#define HP_CMD_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "core/alloc.h"
#include "core/err.h"

enum hp_exit {
	HP_EXIT_OK = 0,
	HP_EXIT_FAIL = 1,     /* a check failed / a regression was found */
	HP_EXIT_USAGE = 2,    /* bad command line */
	HP_EXIT_RUNTIME = 3,  /* runtime error: bad input, I/O failure, ... */
};

enum hp_opt_type {
	HP_OPT_FLAG,    /* bool *; sets true */
	HP_OPT_STRING,  /* const char **; last one wins */
	HP_OPT_INT,     /* int *; decimal, range-checked */
	HP_OPT_DOUBLE,  /* double * */
	HP_OPT_LIST,    /* struct hp_strlist *; every occurrence appended */
	HP_OPT_END
};

struct hp_strlist {
	const char **items;
	size_t nr, alloc;
};

struct hp_opt {
	const char *long_name;
	char short_name;
	enum hp_opt_type type;
	void *value;
	const char *argname;   /* shown in help, e.g. "FILE" */
	const char *help;
};

#define HP_OPT_FLAG_(l, s, v, h) { l, s, HP_OPT_FLAG, v, NULL, h }
#define HP_OPT_STR_(l, s, v, a, h) { l, s, HP_OPT_STRING, v, a, h }
#define HP_OPT_INT_(l, s, v, a, h) { l, s, HP_OPT_INT, v, a, h }
#define HP_OPT_DBL_(l, s, v, a, h) { l, s, HP_OPT_DOUBLE, v, a, h }
#define HP_OPT_LIST_(l, s, v, a, h) { l, s, HP_OPT_LIST, v, a, h }
#define HP_OPT_END_ { NULL, 0, HP_OPT_END, NULL, NULL, NULL }

struct hp_cmd_help {
	const char *name;        /* "flame" */
	const char *usage;       /* "IN.folded [-o OUT.svg]"; lines split by \n */
	const char *summary;     /* one line */
	const char *description; /* paragraphs, may be NULL */
	const struct hp_opt *opts;
};

/*
 * Parse argv[1..argc) against h->opts.  Non-option arguments are stored in
 * *args (a new array the caller frees; the strings stay argv's) and counted in
 * *nargs; arguments after "--" follow them, and *dashdash is set to the index
 * in *args of the first one (or *nargs when there was no "--").
 * Returns 0 to go on, 1 when help was printed (exit 0), -1 on a usage error
 * (already printed; exit 2).
 */
int hp_parse_options(int argc, char **argv, const struct hp_cmd_help *h,
		     char ***args, size_t *nargs, size_t *dashdash);

void hp_print_help(const struct hp_cmd_help *h, FILE *out);
void hp_strlist_release(struct hp_strlist *l);

/* "hotpath: error: ..." on stderr; return HP_EXIT_RUNTIME. */
int hp_error(const char *fmt, ...) HP_PRINTF(1, 2);
/* Print err's message; return HP_EXIT_RUNTIME. */
int hp_error_from(const struct hp_err *err);
/* Usage error with a hint to the command's help; return HP_EXIT_USAGE. */
int hp_usage_error(const char *cmd, const char *fmt, ...) HP_PRINTF(2, 3);
void hp_warning(const char *fmt, ...) HP_PRINTF(1, 2);

/* The index of value in the NULL-terminated choices, or a usage error
 * "unknown OPT 'value' (a, b or c)" (printed) and -1. */
int hp_parse_choice(const char *cmd, const char *opt, const char *value,
		    const char *const *choices);

/* Flush stdout and report a write error (closed pipe, full disk). */
int hp_finish_stdout(int code);

/* Parse "10%" or "0.1" style values: percent sign means /100. */
int hp_parse_percent(const char *s, double *out);

#endif

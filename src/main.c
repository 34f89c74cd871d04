/*
 * main.c - hotpath's entry point: the one dispatch table of subcommands,
 * `hotpath help [COMMAND]` and `hotpath --version`.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cmd/commands.h"

struct hp_command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const struct hp_cmd_help *help;
};

static const struct hp_command commands[] = {
	
	{ "callgraph", cmd_callgraph, &cmd_callgraph_help },
	{ "record", cmd_record, &cmd_record_help },
	{ "flame", cmd_flame, &cmd_flame_help },
	{ "top", cmd_top, &cmd_top_help },
	{ "bench", cmd_bench, &cmd_bench_help },
	{ "check", cmd_check, &cmd_check_help },
	{ "compare", cmd_compare, &cmd_compare_help },
	{ "run", cmd_run, &cmd_run_help },
	{ "diff", cmd_diff, &cmd_diff_help },
	{ "history", cmd_history, &cmd_history_help },
	{ "convert", cmd_convert, &cmd_convert_help },
};

#define NR_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static const struct hp_command *find_command(const char *name)
{
	for (size_t i = 0; i < NR_COMMANDS; i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

static void print_main_help(FILE *out)
{
	fputs("usage: hotpath <command> [options] [args]\n"
	      "       hotpath help [command]\n"
	      "       hotpath --version\n"
	      "\n"
	      "Profiling-guided optimisation for Python and native programs.\n"
	      "\n"
	      "commands:\n", out);
	for (size_t i = 0; i < NR_COMMANDS; i++)
		fprintf(out, "  %-12s %s\n", commands[i].name, commands[i].help->summary);
	fputs("\n"
	      "exit status:\n"
	      "  0  success\n"
	      "  1  a check failed (a regression was found)\n"
	      "  2  usage error (bad command line)\n"
	      "  3  runtime error (bad input, unreadable file, I/O failure)\n"
	      "\n"
	      "Run 'hotpath help <command>' or 'hotpath <command> --help' for a command's options.\n",
	      out);
}

static int cmd_help(int argc, char **argv)
{
	const struct hp_command *c;

	if (argc < 2) {
		print_main_help(stdout);
		return HP_EXIT_OK;
	}
	c = find_command(argv[1]);
	if (!c) {
		fprintf(stderr, "hotpath: error: unknown command '%s'\n"
				"try 'hotpath help' for the list of commands\n", argv[1]);
		return HP_EXIT_USAGE;
	}
	hp_print_help(c->help, stdout);
	return HP_EXIT_OK;
}

int main(int argc, char **argv)
{
	const struct hp_command *c;
	int code;

	/* a closed pipe must be an error we report, not a silent death */
	signal(SIGPIPE, SIG_IGN);
	if (argc < 2) {
		print_main_help(stderr);
		return HP_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		printf("hotpath %s\n", HP_VERSION);
		return hp_finish_stdout(HP_EXIT_OK);
	}
	if (!strcmp(argv[1], "help") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
		return hp_finish_stdout(cmd_help(argc - 1, argv + 1));
	c = find_command(argv[1]);
	if (!c) {
		fprintf(stderr, "hotpath: error: unknown command '%s'\n"
				"try 'hotpath help' for the list of commands\n", argv[1]);
		return HP_EXIT_USAGE;
	}
	code = c->fn(argc - 1, argv + 1);
	return hp_finish_stdout(code);
}

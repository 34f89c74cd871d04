/*
 * commands.h - every subcommand's entry point and help.  The dispatch
 * table lives in src/main.c; `hotpath help` is generated from it.
 * A command returns its exit status (enum hp_exit).
 */
#ifndef HP_CMD_COMMANDS_H
#define HP_CMD_COMMANDS_H

#include "cmd/cli.h"

int cmd_flame(int argc, char **argv);
int cmd_callgraph(int argc, char **argv);
int cmd_record(int argc, char **argv);
int cmd_top(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_history(int argc, char **argv);
int cmd_convert(int argc, char **argv);

extern const struct hp_cmd_help cmd_flame_help;
extern const struct hp_cmd_help cmd_callgraph_help;
extern const struct hp_cmd_help cmd_record_help;
extern const struct hp_cmd_help cmd_top_help;
extern const struct hp_cmd_help cmd_bench_help;
extern const struct hp_cmd_help cmd_check_help;
extern const struct hp_cmd_help cmd_compare_help;
extern const struct hp_cmd_help cmd_run_help;
extern const struct hp_cmd_help cmd_diff_help;
extern const struct hp_cmd_help cmd_history_help;
extern const struct hp_cmd_help cmd_convert_help;

#endif

/*
 * top_pstats.h - `hotpath top` for Python profile statistics (.pstats files
 * written by cProfile/profile).  cmd/top.c detects such input and hands it
 * here; the text output is that of pstats' print_stats / print_callers /
 * print_callees.
 */
#ifndef HP_CMD_TOP_PSTATS_H
#define HP_CMD_TOP_PSTATS_H

#include <stdbool.h>

struct hp_top_pstats_opts {
	const char *path;
	const char *sort;     /* pstats sort keys, comma-separated; NULL = cumulative */
	int limit;            /* rows to show; 0 = all */
	const char *filter;   /* regex on "file:line(function)", or NULL */
	const char *callers;  /* show callers of functions matching this regex */
	const char *callees;  /* show callees of functions matching this regex */
	const char *format;   /* "text", "csv" or "json" */
	const char *out;      /* output path, "-" = standard output */
};

/* True when path holds marshalled profile statistics (judged by its first
 * bytes; ".pstats"/".prof" names count too).  Standard input ("-") is never
 * taken for pstats. */
bool hp_top_is_pstats(const char *path);

/* Run the command; returns an exit code (errors already printed). */
int hp_top_pstats(const struct hp_top_pstats_opts *o);

#endif

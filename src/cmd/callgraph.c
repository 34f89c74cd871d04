/*
 * hotpath callgraph - a call graph of Python profile statistics (.pstats) in
 * the manner of gprof2dot: one box per function labelled with its name,
 * total time % and (self time %) and call count, one arrow per caller ->
 * callee labelled with the time spent in that call % and its count.
 * Functions under the node threshold (default 0.5 % of the total) and calls
 * under the edge threshold (0.1 %) are left out; colour runs from dark blue
 * (little time) to red (most time) by total time.  Writes Graphviz DOT, or
 * SVG by running Graphviz's `dot` (found on PATH, run without a shell).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmd/commands.h"
#include "core/afile.h"
#include "core/buf.h"
#include "profile/pstats.h"

static const char *opt_out = "-", *opt_format;
static double opt_node_thres = 0.5, opt_edge_thres = 0.1;

static const struct hp_opt callgraph_opts[] = {
	HP_OPT_STR_("output", 'o', &opt_out, "FILE", "write to FILE (.dot or .svg; default: DOT on standard output)"),
	HP_OPT_STR_("format", 'f', &opt_format, "FMT", "dot or svg (default: from the output name)"),
	HP_OPT_DBL_("node-thres", 'n', &opt_node_thres, "PCT", "leave out functions under PCT % of total time (0.5)"),
	HP_OPT_DBL_("edge-thres", 'e', &opt_edge_thres, "PCT", "leave out calls under PCT % of total time (0.1)"),
	HP_OPT_END_,
};

const struct hp_cmd_help cmd_callgraph_help = {
	"callgraph", "[options] IN.pstats [-o graph.dot|graph.svg]",
	"draw the call graph of a Python profile (cProfile .pstats)",
	"Nodes show \"module:line:function\", total time %, (self time %) and calls;\n"
	"edges show the time spent in the call % and the calls made.  Percentages\n"
	"are of the largest of the summed self times and any cumulative time, as\n"
	"gprof2dot computes them.  SVG needs Graphviz's 'dot' on PATH.",
	callgraph_opts,
};

/* gprof2dot's default "color" theme: HSL from dark blue to saturated red. */
static void weight_color(double w, char out[8])
{
	double h, s, l, q, p, rgb[3];

	if (!(w >= 0))
		w = 0;
	if (w > 1)
		w = 1;
	h = 2.0 / 3.0 + w * (0.0 - 2.0 / 3.0);
	s = 0.80 + w * (1.0 - 0.80);
	l = 0.25 + w * (0.5 - 0.25);
	q = l < 0.5 ? l * (1 + s) : l + s - l * s;
	p = 2 * l - q;
	for (int i = 0; i < 3; i++) {
		double t = h + (1 - i) / 3.0, c;

		if (t < 0)
			t += 1;
		if (t > 1)
			t -= 1;
		if (t < 1.0 / 6)
			c = p + (q - p) * 6 * t;
		else if (t < 0.5)
			c = q;
		else if (t < 2.0 / 3)
			c = p + (q - p) * (2.0 / 3 - t) * 6;
		else
			c = p;
		rgb[i] = c;
	}
	snprintf(out, 8, "#%02x%02x%02x", (unsigned)lround(rgb[0] * 255),
		 (unsigned)lround(rgb[1] * 255), (unsigned)lround(rgb[2] * 255));
}

/* Text inside a DOT "quoted string" label: valid UTF-8, quotes and
 * backslashes escaped, line breaks and other control characters as spaces. */
static void dot_text(struct hp_buf *out, const char *s, size_t len)
{
	struct hp_buf clean = HP_BUF_INIT;

	hp_buf_add_utf8_clean(&clean, s, len);
	for (size_t i = 0; i < clean.len; i++) {
		unsigned char c = (unsigned char)clean.data[i];

		if (c == '"' || c == '\\') {
			hp_buf_addch(out, '\\');
			hp_buf_addch(out, (char)c);
		} else if (c < 0x20 || c == 0x7f) {
			hp_buf_addch(out, ' ');
		} else {
			hp_buf_addch(out, (char)c);
		}
	}
	hp_buf_release(&clean);
}

/* gprof2dot's function name: "module:line:name", module being the file's
 * base name without its extension. */
static void node_name(const struct hp_pstats *st, uint32_t key, struct hp_buf *out)
{
	const struct hp_pstats_key *k = &st->keys[key];
	const char *file = hp_pstats_str(st, k->file), *base, *dot;
	size_t len = hp_strtab_len(&st->strs, k->file);

	base = memrchr(file, '/', len);
	base = base ? base + 1 : file;
	dot = memrchr(base, '.', len - (size_t)(base - file));
	if (!dot || dot == base)
		dot = file + len;
	dot_text(out, base, (size_t)(dot - base));
	hp_buf_addf(out, ":%lld:", (long long)k->line);
	dot_text(out, hp_pstats_str(st, k->name), hp_strtab_len(&st->strs, k->name));
}

static void write_dot(const struct hp_pstats *st, double node_thres, double edge_thres, struct hp_buf *out)
{
	double total = st->total_tt;
	bool *keep = hp_xcalloc((size_t)st->nr_entries + 1, sizeof(bool));
	char color[8];

	for (uint32_t i = 0; i < st->nr_entries; i++)
		if (st->entries[i].ct > total)
			total = st->entries[i].ct;
	hp_buf_adds(out, "digraph {\n"
			 "\tgraph [fontname=Arial, nodesep=0.125, ranksep=0.25];\n"
			 "\tnode [fontcolor=white, fontname=Arial, height=0, shape=box, style=filled, width=0];\n"
			 "\tedge [fontname=Arial];\n");
	for (uint32_t i = 0; i < st->nr_entries; i++) {
		const struct hp_pstats_entry *e = &st->entries[i];
		double w = total > 0 ? e->ct / total : 0, ws = total > 0 ? e->tt / total : 0;

		if (!(w >= node_thres))
			continue;
		keep[i] = true;
		weight_color(w, color);
		hp_buf_addf(out, "\tn%u [color=\"%s\", fontcolor=\"#ffffff\", fontsize=\"10.00\", label=\"", i, color);
		node_name(st, e->key, out);
		hp_buf_addf(out, "\\n%.2f%%\\n(%.2f%%)\\n%lld\xc3\x97\"];\n", 100 * w, 100 * ws, (long long)e->nc);
	}
	for (uint32_t i = 0; i < st->nr_entries; i++) {
		const struct hp_pstats_entry *e = &st->entries[i];

		if (!keep[i])
			continue;
		for (uint32_t j = 0; j < e->nr_callers; j++) {
			const struct hp_pstats_call *c = &st->callers[e->first_caller + j];
			uint32_t from = st->entry_of_key[c->key];
			double t, w, pen;

			if (from == HP_PSTATS_NONE || !keep[from])
				continue;
			/* a bare call count (profile module): share of the callee's time */
			t = c->count_only ? (e->nc ? (double)c->nc / (double)e->nc * e->ct : 0) : c->ct;
			w = total > 0 ? t / total : 0;
			if (!(w >= edge_thres))
				continue;
			weight_color(w, color);
			pen = w * 4.0 > 0.5 ? w * 4.0 : 0.5;
			hp_buf_addf(out, "\tn%u -> n%u [arrowsize=\"%.2f\", color=\"%s\", fontcolor=\"%s\", "
				    "fontsize=\"10.00\", label=\"%.2f%%\\n%lld\xc3\x97\", labeldistance=\"%.2f\", "
				    "penwidth=\"%.2f\"];\n", from, i, sqrt(pen) * 0.5 > 0.35 ? sqrt(pen) * 0.5 : 0.35,
				    color, color, 100 * w, (long long)c->nc, pen, pen);
		}
	}
	hp_buf_adds(out, "}\n");
	free(keep);
}

/* The first executable "dot" on PATH, or NULL (the caller frees). */
static char *find_dot(void)
{
	const char *path = getenv("PATH");
	struct hp_buf b = HP_BUF_INIT;

	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin";
	while (*path) {
		const char *colon = strchr(path, ':');
		size_t len = colon ? (size_t)(colon - path) : strlen(path);
		struct stat sb;

		hp_buf_reset(&b);
		if (len)
			hp_buf_add(&b, path, len);
		else
			hp_buf_addch(&b, '.');
		hp_buf_adds(&b, "/dot");
		if (stat(b.data, &sb) == 0 && S_ISREG(sb.st_mode) && access(b.data, X_OK) == 0)
			return hp_buf_detach(&b, NULL);
		path += len + (colon != NULL);
	}
	hp_buf_release(&b);
	return NULL;
}

/* Run `dot -Tsvg` with the DOT text on its stdin and out_fd as its stdout. */
static int run_dot(const char *dot, const struct hp_buf *text, int out_fd)
{
	FILE *in = tmpfile();
	pid_t pid;
	int status;

	if (!in)
		return hp_error("cannot create a temporary file: %s", strerror(errno));
	if (fwrite(text->data, 1, text->len, in) != text->len || fflush(in) ||
	    lseek(fileno(in), 0, SEEK_SET) < 0) {
		fclose(in);
		return hp_error("cannot write a temporary file: %s", strerror(errno));
	}
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		fclose(in);
		return hp_error("cannot run '%s': %s", dot, strerror(errno));
	}
	if (pid == 0) {
		char a0[] = "dot", a1[] = "-Tsvg";
		char *argv[] = { a0, a1, NULL };

		if (dup2(fileno(in), 0) < 0 || dup2(out_fd, 1) < 0)
			_exit(127);
		execv(dot, argv);
		_exit(127);
	}
	fclose(in);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return hp_error("cannot wait for '%s': %s", dot, strerror(errno));
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		return hp_error("'%s' failed (%s %d)", dot, WIFEXITED(status) ? "exit status" : "signal",
				WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
	return 0;
}

int cmd_callgraph(int argc, char **argv)
{
	struct hp_pstats st;
	struct hp_buf dot = HP_BUF_INIT;
	struct hp_afile f = { NULL, NULL, NULL, 0 };
	struct hp_err err;
	char **args = NULL, *dot_path = NULL;
	size_t nargs, olen;
	bool svg;
	int ret;

	hp_pstats_init(&st);
	ret = hp_parse_options(argc, argv, &cmd_callgraph_help, &args, &nargs, NULL);
	if (ret) {
		ret = ret > 0 ? HP_EXIT_OK : HP_EXIT_USAGE;
		goto cleanup;
	}
	if (nargs != 1) {
		ret = hp_usage_error("callgraph", nargs ? "too many arguments" : "no input file given");
		goto cleanup;
	}
	olen = strlen(opt_out);
	if (opt_format)
		svg = !strcmp(opt_format, "svg");
	else
		svg = olen > 4 && !strcmp(opt_out + olen - 4, ".svg");
	if (opt_format && !svg && strcmp(opt_format, "dot")) {
		ret = hp_usage_error("callgraph", "unknown format '%s' (dot or svg)", opt_format);
		goto cleanup;
	}
	if (!(opt_node_thres >= 0 && opt_node_thres <= 100) || !(opt_edge_thres >= 0 && opt_edge_thres <= 100)) {
		ret = hp_usage_error("callgraph", "thresholds are percentages from 0 to 100");
		goto cleanup;
	}
	if (svg) {
		dot_path = find_dot();
		if (!dot_path) {
			ret = hp_error("cannot make SVG: Graphviz's 'dot' is not on PATH "
				       "(install the graphviz package, or write a .dot file)");
			goto cleanup;
		}
	}
	if (hp_pstats_read_file(&st, args[0], 0, &err)) {
		ret = hp_error_from(&err);
		goto cleanup;
	}
	write_dot(&st, opt_node_thres / 100, opt_edge_thres / 100, &dot);
	if (!svg) {
		if (hp_write_file_atomic(opt_out, dot.data, dot.len, &err)) {
			ret = hp_error_from(&err);
			goto cleanup;
		}
		ret = HP_EXIT_OK;
		goto cleanup;
	}
	if (hp_afile_open(&f, opt_out, &err)) {
		ret = hp_error_from(&err);
		goto cleanup;
	}
	fflush(f.fp);
	ret = run_dot(dot_path, &dot, fileno(f.fp));
	if (ret) {
		hp_afile_abort(&f);
		goto cleanup;
	}
	if (hp_afile_commit(&f, &err)) {
		ret = hp_error_from(&err);
		goto cleanup;
	}
	ret = HP_EXIT_OK;
cleanup:
	free(args);
	free(dot_path);
	hp_buf_release(&dot);
	hp_pstats_release(&st);
	return ret;
}

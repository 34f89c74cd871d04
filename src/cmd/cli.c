#include "cmd/cli.h"
#include "core/buf.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void hp_strlist_release(struct hp_strlist *l)
{
	free(l->items);
	memset(l, 0, sizeof(*l));
}

static void vmsg(const char *prefix, const char *fmt, va_list ap)
{
	fflush(stdout);
	fprintf(stderr, "hotpath: %s: ", prefix);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

int hp_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("error", fmt, ap);
	va_end(ap);
	return HP_EXIT_RUNTIME;
}

int hp_error_from(const struct hp_err *err)
{
	return hp_error("%s", err->msg);
}

void hp_warning(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("warning", fmt, ap);
	va_end(ap);
}

int hp_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("error", fmt, ap);
	va_end(ap);
	fprintf(stderr, "try 'hotpath help %s' for the options\n", cmd);
	return HP_EXIT_USAGE;
}

int hp_parse_choice(const char *cmd, const char *opt, const char *value,
		    const char *const *choices)
{
	struct hp_buf list = HP_BUF_INIT;
	size_t n = 0;

	for (; choices[n]; n++)
		if (value && !strcmp(value, choices[n]))
			return (int)n;
	for (size_t i = 0; i < n; i++)
		hp_buf_addf(&list, "%s%s", i == 0 ? "" : i + 1 == n ? " or " : ", ", choices[i]);
	hp_usage_error(cmd, "unknown %s '%s' (%s)", opt, value ? value : "", list.data);
	hp_buf_release(&list);
	return -1;
}

int hp_finish_stdout(int code)
{
	if (fflush(stdout) || ferror(stdout)) {
		int e = errno;

		fprintf(stderr, "hotpath: error: cannot write to standard output: %s\n",
			strerror(e ? e : EIO));
		return code ? code : HP_EXIT_RUNTIME;
	}
	return code;
}

int hp_parse_percent(const char *s, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || errno)
		return -1;
	if (*end == '%') {
		v /= 100;
		end++;
	}
	if (*end)
		return -1;
	*out = v;
	return 0;
}

void hp_print_help(const struct hp_cmd_help *h, FILE *out)
{
	const char *u = h->usage, *nl;

	do {
		nl = strchr(u, '\n');
		fprintf(out, "%s hotpath %s %.*s\n", u == h->usage ? "usage:" : "      ",
			h->name, nl ? (int)(nl - u) : (int)strlen(u), u);
		u = nl ? nl + 1 : NULL;
	} while (u);
	fprintf(out, "\n%s\n", h->summary);
	if (h->description)
		fprintf(out, "\n%s\n", h->description);
	if (h->opts && h->opts[0].type != HP_OPT_END) {
		fputs("\noptions:\n", out);
		for (const struct hp_opt *o = h->opts; o->type != HP_OPT_END; o++) {
			char left[96];
			int n;

			if (o->short_name)
				n = snprintf(left, sizeof(left), "-%c, --%s", o->short_name, o->long_name);
			else
				n = snprintf(left, sizeof(left), "    --%s", o->long_name);
			if (o->argname && n > 0 && (size_t)n < sizeof(left))
				snprintf(left + n, sizeof(left) - (size_t)n, " %s", o->argname);
			fprintf(out, "  %-28s %s\n", left, o->help);
		}
		fprintf(out, "  %-28s %s\n", "-h, --help", "show this help");
	}
}

static const struct hp_opt *find_long(const struct hp_opt *opts, const char *name, size_t len)
{
	for (const struct hp_opt *o = opts; o && o->type != HP_OPT_END; o++)
		if (strlen(o->long_name) == len && !strncmp(o->long_name, name, len))
			return o;
	return NULL;
}

static const struct hp_opt *find_short(const struct hp_opt *opts, char c)
{
	for (const struct hp_opt *o = opts; o && o->type != HP_OPT_END; o++)
		if (o->short_name == c)
			return o;
	return NULL;
}

static int set_value(const struct hp_cmd_help *h, const struct hp_opt *o, const char *v)
{
	char *end;

	switch (o->type) {
	case HP_OPT_FLAG:
		*(bool *)o->value = true;
		return 0;
	case HP_OPT_STRING:
		*(const char **)o->value = v;
		return 0;
	case HP_OPT_LIST: {
		struct hp_strlist *l = o->value;

		HP_GROW(l->items, l->nr + 1, l->alloc);
		l->items[l->nr++] = v;
		return 0;
	}
	case HP_OPT_INT: {
		long n;

		errno = 0;
		n = strtol(v, &end, 10);
		if (end == v || *end || errno || n < INT_MIN || n > INT_MAX) {
			hp_usage_error(h->name, "option '--%s' expects an integer, not '%s'", o->long_name, v);
			return -1;
		}
		*(int *)o->value = (int)n;
		return 0;
	}
	case HP_OPT_DOUBLE:
		errno = 0;
		*(double *)o->value = strtod(v, &end);
		if (end == v || *end || errno) {
			hp_usage_error(h->name, "option '--%s' expects a number, not '%s'", o->long_name, v);
			return -1;
		}
		return 0;
	case HP_OPT_END:
		break;
	}
	return -1;
}

int hp_parse_options(int argc, char **argv, const struct hp_cmd_help *h,
		     char ***args, size_t *nargs, size_t *dashdash)
{
	char **out = hp_xcalloc((size_t)argc + 1, sizeof(char *));
	size_t n = 0, dd = SIZE_MAX;
	int i;

	for (i = 1; i < argc; i++) {
		char *a = argv[i];
		const struct hp_opt *o;
		const char *val = NULL;

		if (!strcmp(a, "--")) {
			dd = n;
			for (i++; i < argc; i++)
				out[n++] = argv[i];
			break;
		}
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			hp_print_help(h, stdout);
			free(out);
			return 1;
		}
		if (a[0] != '-' || a[1] == '\0') {
			out[n++] = a;
			continue;
		}
		if (a[1] == '-') {
			const char *name = a + 2, *eq = strchr(name, '=');
			size_t len = eq ? (size_t)(eq - name) : strlen(name);

			o = find_long(h->opts, name, len);
			if (!o) {
				hp_usage_error(h->name, "unknown option '--%.*s'", (int)len, name);
				goto fail;
			}
			if (o->type == HP_OPT_FLAG) {
				if (eq) {
					hp_usage_error(h->name, "option '--%s' takes no value", o->long_name);
					goto fail;
				}
			} else if (eq) {
				val = eq + 1;
			} else if (i + 1 < argc) {
				val = argv[++i];
			} else {
				hp_usage_error(h->name, "option '--%s' needs a value", o->long_name);
				goto fail;
			}
			if (set_value(h, o, val))
				goto fail;
			continue;
		}
		/* short options, possibly bundled flags: -q, -o FILE, -oFILE */
		for (const char *c = a + 1; *c; c++) {
			o = find_short(h->opts, *c);
			if (!o) {
				hp_usage_error(h->name, "unknown option '-%c'", *c);
				goto fail;
			}
			if (o->type == HP_OPT_FLAG) {
				set_value(h, o, NULL);
				continue;
			}
			if (c[1])
				val = c + 1;
			else if (i + 1 < argc)
				val = argv[++i];
			else {
				hp_usage_error(h->name, "option '-%c' needs a value", *c);
				goto fail;
			}
			if (set_value(h, o, val))
				goto fail;
			break;
		}
	}
	*args = out;
	*nargs = n;
	if (dashdash)
		*dashdash = dd == SIZE_MAX ? n : dd;
	return 0;
fail:
	free(out);
	return -1;
}

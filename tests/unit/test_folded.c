#include <criterion/criterion.h>
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include "core/buf.h"
#include "profile/folded.h"

static char *roundtrip(const char *text, struct hp_folded_stats *st)
{
	struct hp_profile p;
	struct hp_buf b = HP_BUF_INIT;
	struct hp_err err;

	hp_profile_init(&p);
	cr_assert_eq(hp_folded_read_mem(&p, text, strlen(text), NULL, st, &err), 0, "%s", err.msg);
	hp_folded_write(&p, NULL, &b);
	hp_profile_release(&p);
	return hp_buf_detach(&b, NULL);
}

Test(folded, basic_sorted_output_and_aggregation)
{
	struct hp_folded_stats st;
	char *out = roundtrip("b;c 1\na 2\nb;c 3\n", &st);

	cr_assert_str_eq(out, "a 2\nb;c 4\n");
	cr_assert_eq(st.lines, 3);
	cr_assert_eq(st.stacks, 3);
	cr_assert_eq(st.malformed, 0);
	free(out);
}

Test(folded, spaces_in_names_decimal_counts_crlf_blank_lines)
{
	struct hp_folded_stats st;
	char *out = roundtrip("\r\nmain;do work (x.py:3);  inner  0.5\r\n\n   \nmain;do work (x.py:3);  inner\t1.25\r\n", &st);

	/* spaces inside a frame are kept; the separator before the count is not */
	cr_assert_str_eq(out, "main;do work (x.py:3);  inner 1.75\n");
	cr_assert_eq(st.malformed, 0);
	free(out);
}

Test(folded, malformed_lines_are_counted_with_the_first_line_number)
{
	struct hp_folded_stats st;
	char *out = roundtrip("a 1\nno count here\nb 2\nc x\n 7\n", &st);

	cr_assert_str_eq(out, "a 1\nb 2\n");
	cr_assert_eq(st.malformed, 3);
	cr_assert_eq(st.first_malformed, 2);
	free(out);
}

Test(folded, strict_fails_with_line_number)
{
	struct hp_profile p;
	struct hp_folded_opts o = HP_FOLDED_OPTS_INIT;
	struct hp_err err;
	const char *text = "a 1\n\nb\n";

	o.strict = true;
	hp_profile_init(&p);
	cr_assert_eq(hp_folded_read_mem(&p, text, strlen(text), &o, NULL, &err), -1);
	cr_assert_str_eq(err.msg, "'<memory>' line 3: no count at the end of the line");
	hp_profile_release(&p);
}

Test(folded, differential_form)
{
	struct hp_profile p;
	struct hp_folded_stats st;
	struct hp_buf b = HP_BUF_INIT;
	struct hp_err err;
	const char *text = "a;b 5 7\na;c 3 0\n";

	hp_profile_init(&p);
	cr_assert_eq(hp_folded_read_mem(&p, text, strlen(text), NULL, &st, &err), 0);
	cr_assert(st.differential);
	cr_assert_eq(p.nr_weights, 2);
	cr_assert_eq(hp_profile_total(&p, (uint32_t)hp_profile_find_weight(&p, "before")), 8);
	cr_assert_eq(hp_profile_total(&p, (uint32_t)hp_profile_find_weight(&p, "after")), 7);
	hp_folded_write(&p, NULL, &b);
	cr_assert_str_eq(b.data, "a;b 5 7\na;c 3 0\n");
	hp_buf_release(&b);
	hp_profile_release(&p);
}

Test(folded, forced_single_mode_keeps_numbers_in_names)
{
	struct hp_profile p;
	struct hp_folded_opts o = HP_FOLDED_OPTS_INIT;
	struct hp_buf b = HP_BUF_INIT;
	struct hp_err err;
	const char *text = "a;retry 3 5\n";

	o.diff = HP_FOLDED_SINGLE;
	hp_profile_init(&p);
	cr_assert_eq(hp_folded_read_mem(&p, text, strlen(text), &o, NULL, &err), 0);
	hp_folded_write(&p, NULL, &b);
	cr_assert_str_eq(b.data, "a;retry 3 5\n");
	cr_assert_eq(hp_profile_total(&p, 0), 5);
	hp_buf_release(&b);
	hp_profile_release(&p);
}

Test(folded, frame_conventions)
{
	struct hp_profile p;
	struct hp_err err;
	const char *text = "/srv/app.py:<module>:12;/srv/app.py:Engine.step:40;"
			   "f (/tmp/my (1)/b.py:3);g (libc.so.6);do_syscall_64_[k];operator() (int) 1\n";
	const struct hp_frame *f;

	hp_profile_init(&p);
	cr_assert_eq(hp_folded_read_mem(&p, text, strlen(text), NULL, NULL, &err), 0);
	cr_assert_eq(p.nr_frames, 6);
	f = &p.frames[1];
	cr_assert_str_eq(hp_profile_str(&p, f->func), "Engine.step");
	cr_assert_str_eq(hp_profile_str(&p, f->file), "/srv/app.py");
	cr_assert_eq(f->line, 40);
	cr_assert_eq(f->kind, HP_KIND_PYTHON);
	f = &p.frames[2]; /* a path containing " (" */
	cr_assert_str_eq(hp_profile_str(&p, f->func), "f");
	cr_assert_str_eq(hp_profile_str(&p, f->file), "/tmp/my (1)/b.py");
	cr_assert_eq(f->line, 3);
	f = &p.frames[3];
	cr_assert_str_eq(hp_profile_str(&p, f->file), "libc.so.6");
	cr_assert_eq(f->kind, HP_KIND_NATIVE);
	cr_assert_eq(p.frames[4].kind, HP_KIND_KERNEL);
	cr_assert_str_eq(hp_profile_str(&p, p.frames[4].func), "do_syscall_64");
	f = &p.frames[5]; /* not a location: the whole text is the name */
	cr_assert_str_eq(hp_profile_str(&p, f->func), "operator() (int)");
	cr_assert_eq(f->file, 0);
	hp_profile_release(&p);
}

Test(folded, round_trip_gives_the_same_profile)
{
	const char *text =
		"main (a.py:1);f (a.py:5);g (b.py:9) 3\n"
		"main (a.py:1);f (a.py:5) 2\n"
		"main (a.py:1);h_[k] 1.5\n"
		"x;y z;w 7\n"
		"main (a.py:1);f (a.py:6);g (b.py:9) 1\n";
	char *once = roundtrip(text, NULL);
	char *twice = roundtrip(once, NULL);

	cr_assert_str_eq(once, twice);
	free(once);
	free(twice);
}

Test(folded, names_with_separators_are_made_safe)
{
	struct hp_profile p;
	struct hp_buf b = HP_BUF_INIT;
	double one = 1;
	uint32_t f;

	hp_profile_init(&p);
	hp_profile_weight(&p, "samples", "count");
	f = hp_profile_frame(&p, hp_profile_intern(&p, "a;b\nc\0d", 7), 0, 0, HP_KIND_OTHER);
	hp_profile_add_stack(&p, 0, &f, 1, &one);
	hp_folded_write(&p, NULL, &b);
	cr_assert_str_eq(b.data, "a:b c?d 1\n");
	hp_buf_release(&b);
	hp_profile_release(&p);
}

Test(folded, unsorted_input_equals_sorted_input)
{
	/* the prefix-reuse fast path must not change the result */
	const char *a = "m;a;b 1\nm;a 2\nm;a;b;c 3\nm;ab 4\nm;a;bc 5\nm 6\nm;a;b 7\n";
	const char *b = "m 6\nm;a 2\nm;a;b 8\nm;a;b;c 3\nm;a;bc 5\nm;ab 4\n";
	char *x = roundtrip(a, NULL), *y = roundtrip(b, NULL);

	cr_assert_str_eq(x, y);
	cr_assert_str_eq(x, "m 6\nm;a 2\nm;a;b 8\nm;a;b;c 3\nm;a;bc 5\nm;ab 4\n");
	free(x);
	free(y);
}

struct writer_arg {
	int fd;
	size_t lines;
};

static void *write_lines(void *arg)
{
	struct writer_arg *w = arg;
	char line[256];

	for (size_t i = 0; i < w->lines; i++) {
		/* a long frame name makes lines straddle the reader's 1 MiB chunks */
		int n = snprintf(line, sizeof(line), "main;worker_%zu;%0180zu 1\n", i % 97, i % 13);

		if (write(w->fd, line, (size_t)n) != n)
			break;
	}
	close(w->fd);
	return NULL;
}

Test(folded, streams_from_a_pipe_across_chunks)
{
	struct hp_profile p;
	struct hp_folded_stats st;
	struct hp_err err;
	struct writer_arg w;
	pthread_t th;
	int fds[2];

	cr_assert_eq(pipe(fds), 0);
	w.fd = fds[1];
	w.lines = 30000; /* about 6 MB */
	pthread_create(&th, NULL, write_lines, &w);
	hp_profile_init(&p);
	cr_assert_eq(hp_folded_read_fd(&p, fds[0], "pipe", NULL, &st, &err), 0, "%s", err.msg);
	pthread_join(th, NULL);
	close(fds[0]);
	cr_assert_eq(st.stacks, 30000);
	cr_assert_eq(st.malformed, 0);
	cr_assert_eq(hp_profile_total(&p, 0), 30000);
	cr_assert_eq(hp_profile_nr_stacks(&p), 97 * 13);
	hp_profile_release(&p);
}

Test(folded, empty_input_still_has_a_weight_column)
{
	struct hp_profile p;
	struct hp_err err;

	hp_profile_init(&p);
	cr_assert_eq(hp_folded_read_mem(&p, "", 0, NULL, NULL, &err), 0);
	cr_assert_eq(p.nr_weights, 1);
	cr_assert_eq(hp_profile_total(&p, 0), 0);
	hp_profile_release(&p);
}

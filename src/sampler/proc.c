#include "sampler/proc.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/buf.h"

#define PROC_MAX_FILE (64u << 20)

void hp_proc_maps_release(struct hp_proc_maps *m)
{
	for (size_t i = 0; i < m->nr; i++)
		free(m->maps[i].path);
	free(m->maps);
	memset(m, 0, sizeof(*m));
}

/* Parse a hex number in [*p, end); advance *p.  Fails on no digits or
 * overflow. */
static int parse_hex(const char **p, const char *end, uint64_t *out)
{
	uint64_t v = 0;
	const char *s = *p;

	if (s >= end || !isxdigit((unsigned char)*s))
		return -1;
	for (; s < end && isxdigit((unsigned char)*s); s++) {
		int d = isdigit((unsigned char)*s) ? *s - '0' : (tolower((unsigned char)*s) - 'a' + 10);

		if (v >> 60)
			return -1;
		v = (v << 4) | (uint64_t)d;
	}
	*p = s;
	*out = v;
	return 0;
}

static int parse_dec(const char **p, const char *end, uint64_t *out)
{
	uint64_t v = 0;
	const char *s = *p;

	if (s >= end || !isdigit((unsigned char)*s))
		return -1;
	for (; s < end && isdigit((unsigned char)*s); s++) {
		if (v > (UINT64_MAX - 9) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*p = s;
	*out = v;
	return 0;
}

static void skip_spaces(const char **p, const char *end)
{
	while (*p < end && (**p == ' ' || **p == '\t'))
		(*p)++;
}

static int skip_field(const char **p, const char *end)
{
	const char *s = *p;

	while (s < end && *s != ' ' && *s != '\t' && *s != '\n')
		s++;
	if (s == *p)
		return -1;
	*p = s;
	return 0;
}

static int parse_maps_line(struct hp_proc_map *m, const char *s, const char *end)
{
	uint64_t dummy;

	memset(m, 0, sizeof(*m));
	if (parse_hex(&s, end, &m->start) || s >= end || *s++ != '-' ||
	    parse_hex(&s, end, &m->end) || m->end < m->start)
		return -1;
	skip_spaces(&s, end);
	if (end - s < 4)
		return -1;
	memcpy(m->perms, s, 4);
	m->perms[4] = '\0';
	s += 4;
	skip_spaces(&s, end);
	if (parse_hex(&s, end, &m->offset))
		return -1;
	skip_spaces(&s, end);
	if (skip_field(&s, end))          /* dev */
		return -1;
	skip_spaces(&s, end);
	if (parse_dec(&s, end, &dummy))   /* inode */
		return -1;
	skip_spaces(&s, end);
	m->path = hp_xstrndup(s, (size_t)(end - s));
	return 0;
}

int hp_proc_maps_parse(struct hp_proc_maps *m, const char *data, size_t len, struct hp_err *err)
{
	const char *p = data, *end = data + len;
	size_t lineno = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;

		lineno++;
		if (le > p) {
			HP_GROW(m->maps, m->nr + 1, m->alloc);
			if (parse_maps_line(&m->maps[m->nr], p, le))
				return hp_err_set(err, "malformed maps line %zu", lineno);
			m->nr++;
		}
		p = nl ? nl + 1 : end;
	}
	return 0;
}

static int read_whole(const char *path, struct hp_buf *b)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	for (;;) {
		ssize_t n;

		hp_buf_grow(b, 16384);
		n = read(fd, b->data + b->len, b->alloc - b->len - 1);
		if (n < 0) {
			int e = errno;

			if (e == EINTR)
				continue;
			close(fd);
			errno = e;
			return -1;
		}
		if (n == 0)
			break;
		b->len += (size_t)n;
		b->data[b->len] = '\0';
		if (b->len > PROC_MAX_FILE) {
			close(fd);
			errno = EFBIG;
			return -1;
		}
	}
	close(fd);
	return 0;
}

int hp_proc_maps_read(struct hp_proc_maps *m, pid_t pid, struct hp_err *err)
{
	char path[64];
	struct hp_buf b = HP_BUF_INIT;
	int ret;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	if (read_whole(path, &b)) {
		int e = errno;

		hp_err_errno(err, "cannot read '%s'", path);
		hp_buf_release(&b);
		errno = e;
		return -1;
	}
	ret = hp_proc_maps_parse(m, b.data, b.len, err);
	if (ret)
		hp_err_prefix(err, "'%s'", path);
	hp_buf_release(&b);
	errno = ret ? EINVAL : 0;
	return ret;
}

int hp_proc_stat_parse(struct hp_proc_stat *st, const char *data, size_t len, struct hp_err *err)
{
	const char *open_p, *close_p = NULL, *p, *end = data + len;
	uint64_t v[20];
	size_t n;

	memset(st, 0, sizeof(*st));
	open_p = memchr(data, '(', len);
	for (const char *q = data; q < end; q++)
		if (*q == ')')
			close_p = q;
	if (!open_p || !close_p || close_p < open_p)
		return hp_err_set(err, "malformed stat: no command name");
	n = (size_t)(close_p - open_p - 1);
	if (n >= sizeof(st->comm))
		n = sizeof(st->comm) - 1;
	memcpy(st->comm, open_p + 1, n);
	st->comm[n] = '\0';
	p = close_p + 1;
	skip_spaces(&p, end);
	if (p >= end)
		return hp_err_set(err, "malformed stat: no state");
	st->state = *p++;
	/* fields 4.. (ppid) to 22 (starttime): 19 numbers; some may be
	 * negative in principle (ppid of 0 is fine), so allow a '-' and store
	 * 0 for it. */
	for (size_t i = 0; i < 19; i++) {
		skip_spaces(&p, end);
		if (p < end && *p == '-') {
			const char *q = p + 1;

			if (parse_dec(&q, end, &v[i]))
				return hp_err_set(err, "malformed stat: field %zu", i + 4);
			v[i] = 0;
			p = q;
			continue;
		}
		if (parse_dec(&p, end, &v[i]))
			return hp_err_set(err, "malformed stat: field %zu", i + 4);
	}
	st->ppid = (pid_t)v[0];
	st->pgrp = (pid_t)v[1];
	st->utime = v[10];
	st->stime = v[11];
	st->starttime = v[18];
	return 0;
}

ssize_t hp_proc_read_small(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	do
		n = read(fd, buf, cap - 1);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	close(fd);
	buf[n] = '\0';
	return n;
}

int hp_proc_stat_read(struct hp_proc_stat *st, pid_t pid, pid_t tid, struct hp_err *err)
{
	char path[96], buf[1024];
	ssize_t n;

	if (tid)
		snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", (int)pid, (int)tid);
	else
		snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	n = hp_proc_read_small(path, buf, sizeof(buf));
	if (n < 0)
		return hp_err_errno(err, "cannot read '%s'", path);
	return hp_proc_stat_parse(st, buf, (size_t)n, err);
}

int64_t hp_proc_status_hwm_parse(const char *data, size_t len)
{
	const char *p = data, *end = data + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;

		if (le - p > 6 && !memcmp(p, "VmHWM:", 6)) {
			const char *q = p + 6;
			uint64_t v;

			skip_spaces(&q, le);
			if (parse_dec(&q, le, &v) || v > INT64_MAX)
				return -1;
			return (int64_t)v;
		}
		p = nl ? nl + 1 : end;
	}
	return -1;
}

int64_t hp_proc_status_hwm(pid_t pid)
{
	char path[64], buf[4096];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	n = hp_proc_read_small(path, buf, sizeof(buf));
	if (n < 0)
		return -1;
	return hp_proc_status_hwm_parse(buf, (size_t)n);
}

int hp_proc_pidlist_parse(const char *data, size_t len, pid_t **pids, size_t *nr, size_t *alloc)
{
	const char *p = data, *end = data + len;

	for (;;) {
		uint64_t v;

		while (p < end && isspace((unsigned char)*p))
			p++;
		if (p >= end)
			return 0;
		if (parse_dec(&p, end, &v) || v == 0 || v > INT32_MAX)
			return -1;
		if (p < end && !isspace((unsigned char)*p))
			return -1;
		HP_GROW(*pids, *nr + 1, *alloc);
		(*pids)[(*nr)++] = (pid_t)v;
	}
}

static int list_dir_pids(const char *dir, pid_t **pids, size_t *nr, size_t *alloc)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	if (!d)
		return -1;
	while ((de = readdir(d))) {
		const char *s = de->d_name;
		uint64_t v;

		if (parse_dec(&s, s + strlen(s), &v) || *s || v == 0 || v > INT32_MAX)
			continue;
		HP_GROW(*pids, *nr + 1, *alloc);
		(*pids)[(*nr)++] = (pid_t)v;
	}
	closedir(d);
	return 0;
}

int hp_proc_tasks(pid_t pid, pid_t **tids, size_t *nr, struct hp_err *err)
{
	char path[64];
	size_t alloc = 0;

	*tids = NULL;
	*nr = 0;
	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	if (list_dir_pids(path, tids, nr, &alloc))
		return hp_err_errno(err, "cannot list '%s'", path);
	return 0;
}

int hp_proc_children(pid_t pid, pid_t **pids, size_t *nr, struct hp_err *err)
{
	pid_t *tids = NULL, *all = NULL;
	size_t ntids = 0, nall = 0, alloc = 0, alloc_all = 0;
	char path[96], buf[8192];
	int ret = -1;

	*pids = NULL;
	*nr = 0;
	if (hp_proc_tasks(pid, &tids, &ntids, err))
		goto cleanup;
	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)pid, (int)pid);
	if (access(path, F_OK) == 0) {
		for (size_t i = 0; i < ntids; i++) {
			ssize_t n;

			snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)pid, (int)tids[i]);
			n = hp_proc_read_small(path, buf, sizeof(buf));
			if (n < 0)
				continue;   /* the thread has exited */
			if (hp_proc_pidlist_parse(buf, (size_t)n, pids, nr, &alloc)) {
				hp_err_set(err, "malformed '%s'", path);
				goto cleanup;
			}
		}
		ret = 0;
		goto cleanup;
	}
	/* no CONFIG_PROC_CHILDREN: scan every process for its parent */
	if (list_dir_pids("/proc", &all, &nall, &alloc_all)) {
		hp_err_errno(err, "cannot list '/proc'");
		goto cleanup;
	}
	for (size_t i = 0; i < nall; i++) {
		struct hp_proc_stat st;

		if (hp_proc_stat_read(&st, all[i], 0, NULL) == 0 && st.ppid == pid) {
			HP_GROW(*pids, *nr + 1, alloc);
			(*pids)[(*nr)++] = all[i];
		}
	}
	ret = 0;
cleanup:
	free(tids);
	free(all);
	return ret;
}

bool hp_proc_alive(pid_t pid)
{
	struct hp_proc_stat st;

	if (hp_proc_stat_read(&st, pid, 0, NULL))
		return false;
	return st.state != 'Z' && st.state != 'X';
}

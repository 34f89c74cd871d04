#include "core/afile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/buf.h"

static void afile_clear(struct hp_afile *f)
{
	free(f->path);
	free(f->tmp);
	memset(f, 0, sizeof(*f));
}

int hp_afile_open(struct hp_afile *f, const char *path, struct hp_err *err)
{
	struct hp_buf tmp = HP_BUF_INIT;
	const char *slash;
	mode_t mask;
	int fd;

	memset(f, 0, sizeof(*f));
	if (!strcmp(path, "-")) {
		f->fp = stdout;
		f->is_stdout = 1;
		return 0;
	}
	slash = strrchr(path, '/');
	if (slash)
		hp_buf_add(&tmp, path, (size_t)(slash - path) + 1);
	hp_buf_addf(&tmp, ".%s.tmpXXXXXX", slash ? slash + 1 : path);
	fd = mkstemp(tmp.data);
	if (fd < 0) {
		hp_err_errno(err, "cannot create a temporary file for '%s'", path);
		hp_buf_release(&tmp);
		return -1;
	}
	mask = umask(0);
	umask(mask);
	if (fchmod(fd, 0666 & ~mask) < 0) {
		/* mkstemp's 0600 is safe, only less convenient: not an error */
	}
	f->fp = fdopen(fd, "w");
	if (!f->fp) {
		hp_err_errno(err, "cannot open '%s'", tmp.data);
		close(fd);
		unlink(tmp.data);
		hp_buf_release(&tmp);
		return -1;
	}
	f->tmp = hp_buf_detach(&tmp, NULL);
	f->path = hp_xstrdup(path);
	return 0;
}

int hp_afile_commit(struct hp_afile *f, struct hp_err *err)
{
	int ret = -1;

	if (!f->fp)
		return hp_err_set(err, "internal: commit of a closed file");
	if (f->is_stdout) {
		if (fflush(stdout) || ferror(stdout))
			ret = hp_err_errno(err, "cannot write to standard output");
		else
			ret = 0;
		afile_clear(f);
		return ret;
	}
	if (fflush(f->fp) || ferror(f->fp)) {
		hp_err_errno(err, "cannot write '%s'", f->path);
		goto fail;
	}
	if (fsync(fileno(f->fp)) < 0 && errno != EINVAL) {
		hp_err_errno(err, "cannot write '%s'", f->path);
		goto fail;
	}
	if (fclose(f->fp)) {
		f->fp = NULL;
		hp_err_errno(err, "cannot write '%s'", f->path);
		goto fail;
	}
	f->fp = NULL;
	if (rename(f->tmp, f->path) < 0) {
		hp_err_errno(err, "cannot rename '%s' to '%s'", f->tmp, f->path);
		goto fail;
	}
	afile_clear(f);
	return 0;
fail:
	hp_afile_abort(f);
	return ret;
}

void hp_afile_abort(struct hp_afile *f)
{
	if (f->is_stdout) {
		afile_clear(f);
		return;
	}
	if (f->fp)
		fclose(f->fp);
	if (f->tmp)
		unlink(f->tmp);
	afile_clear(f);
}

int hp_write_file_atomic(const char *path, const void *data, size_t len, struct hp_err *err)
{
	struct hp_afile f;

	if (hp_afile_open(&f, path, err))
		return -1;
	if (len && fwrite(data, 1, len, f.fp) != len) {
		hp_err_errno(err, "cannot write '%s'", path);
		hp_afile_abort(&f);
		return -1;
	}
	return hp_afile_commit(&f, err);
}

int hp_read_file(const char *path, size_t max, char **data, size_t *len, struct hp_err *err)
{
	struct hp_buf b = HP_BUF_INIT;
	int fd = 0, ret = -1;

	*data = NULL;
	*len = 0;
	if (strcmp(path, "-")) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return hp_err_errno(err, "cannot open '%s'", path);
	}
	for (;;) {
		ssize_t n;

		hp_buf_grow(&b, 65536);
		n = read(fd, b.data + b.len, b.alloc - b.len - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			hp_err_errno(err, "cannot read '%s'", path);
			goto cleanup;
		}
		if (n == 0)
			break;
		b.len += (size_t)n;
		b.data[b.len] = '\0';
		if (b.len > max) {
			hp_err_set(err, "cannot read '%s': larger than %zu bytes", path, max);
			goto cleanup;
		}
	}
	*data = hp_buf_detach(&b, len);
	ret = 0;
cleanup:
	if (fd > 0)
		close(fd);
	hp_buf_release(&b);
	return ret;
}

int hp_mkdir_p(const char *dir, struct hp_err *err)
{
	char *copy = hp_xstrdup(dir);
	int ret = 0;

	for (char *p = copy + 1; ; p++) {
		char c = *p;

		if (c != '/' && c != '\0')
			continue;
		*p = '\0';
		if (mkdir(copy, 0777) < 0 && errno != EEXIST) {
			ret = hp_err_errno(err, "cannot create folder '%s'", copy);
			break;
		}
		*p = c;
		if (!c)
			break;
	}
	if (!ret) {
		struct stat st;

		if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
			ret = hp_err_set(err, "cannot create folder '%s': a file of that name exists", dir);
	}
	free(copy);
	return ret;
}

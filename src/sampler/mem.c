#include "sampler/mem.h"

#include <errno.h>
#include <string.h>
#include <sys/uio.h>

#define MEM_IOV_MAX 512

int hp_mem_read(pid_t pid, uint64_t addr, void *buf, size_t len)
{
	struct iovec local = { buf, len }, remote = { (void *)(uintptr_t)addr, len };
	ssize_t n;

	if (len == 0)
		return 0;
	if (addr == 0 || addr + len < addr) {
		errno = EFAULT;
		return -1;
	}
	n = process_vm_readv(pid, &local, 1, &remote, 1, 0);
	if (n < 0)
		return -1;
	if ((size_t)n != len) {
		errno = EFAULT;
		return -1;
	}
	return 0;
}

ssize_t hp_mem_read_some(pid_t pid, uint64_t addr, void *buf, size_t len)
{
	struct iovec local = { buf, len }, remote = { (void *)(uintptr_t)addr, len };

	if (len == 0)
		return 0;
	if (addr == 0 || addr + len < addr) {
		errno = EFAULT;
		return -1;
	}
	return process_vm_readv(pid, &local, 1, &remote, 1, 0);
}

int hp_mem_readv(pid_t pid, struct hp_mem_req *reqs, size_t n)
{
	struct iovec local[MEM_IOV_MAX], remote[MEM_IOV_MAX];
	size_t i = 0;
	int failed = 0;

	for (size_t k = 0; k < n; k++)
		reqs[k].ok = 0;
	while (i < n) {
		size_t cnt = 0, total = 0;
		ssize_t got;

		/* requests with a NULL or wrapping address fail on their own */
		while (i + cnt < n && cnt < MEM_IOV_MAX) {
			struct hp_mem_req *r = &reqs[i + cnt];

			if (r->addr == 0 || r->addr + r->len < r->addr || r->len == 0)
				break;
			local[cnt].iov_base = r->buf;
			local[cnt].iov_len = r->len;
			remote[cnt].iov_base = (void *)(uintptr_t)r->addr;
			remote[cnt].iov_len = r->len;
			total += r->len;
			cnt++;
		}
		if (cnt == 0) {
			reqs[i].ok = reqs[i].len == 0;
			failed += !reqs[i].ok;
			i++;
			continue;
		}
		got = process_vm_readv(pid, local, cnt, remote, cnt, 0);
		if (got < 0) {
			if (errno == ESRCH || errno == EPERM)
				return -1;
			got = 0;
		}
		/* the kernel stops at the first failing region: mark the fully
		 * read ones, retry the rest after skipping the failed one */
		{
			size_t done = 0, k = 0;

			while (k < cnt && done + reqs[i + k].len <= (size_t)got) {
				reqs[i + k].ok = 1;
				done += reqs[i + k].len;
				k++;
			}
			if (k == cnt) {
				i += cnt;
				continue;
			}
			/* request i+k failed (partially or wholly) */
			failed++;
			i += k + 1;
		}
		(void)total;
	}
	return failed;
}

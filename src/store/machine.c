#include "store/machine.h"

#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <xxhash.h>

#include "core/afile.h"

static const char *const cpu_keys[] = { "model name", "Processor", "cpu model", "uarch", "cpu" };

/* Copy s[0..n) printable, trimmed, into out. */
static void copy_clean(const char *s, size_t n, char *out, size_t outlen)
{
	size_t k = 0;

	while (n && (*s == ' ' || *s == '\t'))
		s++, n--;
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		n--;
	for (size_t i = 0; i < n && k + 1 < outlen; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c < 0x7f)
			out[k++] = (char)c;
	}
	out[k] = '\0';
}

int hp_machine_parse_cpuinfo(const char *data, size_t len, char *out, size_t outlen)
{
	size_t best = sizeof(cpu_keys) / sizeof(cpu_keys[0]);

	if (!outlen)
		return -1;
	out[0] = '\0';
	for (size_t pos = 0; pos < len;) {
		const char *line = data + pos, *nl = memchr(line, '\n', len - pos);
		size_t llen = nl ? (size_t)(nl - line) : len - pos;
		const char *colon = memchr(line, ':', llen);

		pos += llen + 1;
		if (!colon)
			continue;
		{
			size_t klen = (size_t)(colon - line);

			while (klen && (line[klen - 1] == ' ' || line[klen - 1] == '\t'))
				klen--;
			/* the earliest key in cpu_keys wins; the first line of it */
			for (size_t k = 0; k < best; k++) {
				if (strlen(cpu_keys[k]) == klen && !memcmp(line, cpu_keys[k], klen)) {
					copy_clean(colon + 1, llen - (size_t)(colon + 1 - line), out, outlen);
					best = k;
					break;
				}
			}
		}
		if (best == 0)
			break;
	}
	return best < sizeof(cpu_keys) / sizeof(cpu_keys[0]) && out[0] ? 0 : -1;
}

void hp_machine_fingerprint(struct hp_machine *m)
{
	char buf[1024];
	int n = snprintf(buf, sizeof(buf), "%s\n%s\n%d\n%s", m->host, m->cpu, m->cores, m->kernel);
	unsigned long long h = XXH3_64bits(buf, n > 0 ? (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1 : 0);

	snprintf(m->fingerprint, sizeof(m->fingerprint), "%016llx", h);
}

void hp_machine_get(struct hp_machine *m)
{
	struct utsname u;
	char *data = NULL;
	size_t len;
	long n;

	memset(m, 0, sizeof(*m));
	if (uname(&u) == 0) {
		copy_clean(u.nodename, strlen(u.nodename), m->host, sizeof(m->host));
		copy_clean(u.release, strlen(u.release), m->kernel, sizeof(m->kernel));
	}
	if (hp_read_file("/proc/cpuinfo", 4 << 20, &data, &len, NULL) == 0)
		hp_machine_parse_cpuinfo(data, len, m->cpu, sizeof(m->cpu));
	free(data);
	n = sysconf(_SC_NPROCESSORS_ONLN);
	m->cores = n > 0 && n < 1 << 20 ? (int)n : 0;
	hp_machine_fingerprint(m);
}

/*
 * machine.h - which machine a run was measured on.  Runs are only
 * comparable on the same machine: the fingerprint is a hash of host name,
 * CPU model, online cores and kernel release.
 *
 * The CPU model comes from /proc/cpuinfo ("model name", or "Processor" /
 * "cpu model" / "uarch" on other architectures); the parser is bounded and
 * takes any bytes (it has a fuzz target).
 *
 * Ownership: struct hp_machine holds fixed arrays, nothing to free.
 */
#ifndef HP_STORE_MACHINE_H
#define HP_STORE_MACHINE_H

#include <stddef.h>

struct hp_machine {
	char host[256];
	char cpu[256];
	char kernel[256];
	int cores;
	char fingerprint[17];   /* 16 hex digits */
};

/* Fill m for this machine (never fails: unknown fields stay empty). */
void hp_machine_get(struct hp_machine *m);

/* The CPU model in /proc/cpuinfo text data[0..len) into out (NUL-terminated,
 * printable ASCII only, trimmed).  0 when found, -1 otherwise. */
int hp_machine_parse_cpuinfo(const char *data, size_t len, char *out, size_t outlen);

/* Compute m->fingerprint from the other fields. */
void hp_machine_fingerprint(struct hp_machine *m);

#endif

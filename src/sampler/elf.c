#include "sampler/elf.h"

#include "hp_config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#if HP_HAVE_ELF
#include <gelf.h>
#include <libelf.h>

static void scan_symbols(Elf *e, struct hp_elf_syms *s)
{
	Elf_Scn *scn = NULL;

	while ((scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		Elf_Data *d;
		size_t count;

		if (!gelf_getshdr(scn, &sh) || (sh.sh_type != SHT_SYMTAB && sh.sh_type != SHT_DYNSYM))
			continue;
		if (sh.sh_entsize == 0)
			continue;
		d = elf_getdata(scn, NULL);
		if (!d || !d->d_buf)
			continue;
		count = d->d_size / sh.sh_entsize;
		for (size_t i = 0; i < count; i++) {
			GElf_Sym sym;
			const char *name;

			if (!gelf_getsym(d, (int)i, &sym) || sym.st_shndx == SHN_UNDEF || sym.st_value == 0)
				continue;
			name = elf_strptr(e, sh.sh_link, sym.st_name);
			if (!name || !*name)
				continue;
			for (size_t k = 0; k < s->nr; k++) {
				if (s->values[k] || strcmp(name, s->names[k]))
					continue;
				s->values[k] = sym.st_value;
				if (s->sizes)
					s->sizes[k] = sym.st_size;
			}
		}
	}
}

static int lookup_elf(Elf *e, struct hp_elf_syms *s, const char *what, struct hp_err *err)
{
	size_t nph;

	if (!e || elf_kind(e) != ELF_K_ELF)
		return hp_err_set(err, "'%s' is not an ELF file", what);
	s->has_load = false;
	if (elf_getphdrnum(e, &nph) == 0) {
		for (size_t i = 0; i < nph; i++) {
			GElf_Phdr ph;

			if (gelf_getphdr(e, (int)i, &ph) && ph.p_type == PT_LOAD) {
				s->has_load = true;
				s->load_vaddr = ph.p_vaddr;
				s->load_offset = ph.p_offset;
				break;
			}
		}
	}
	scan_symbols(e, s);
	return 0;
}

static void clear_out(struct hp_elf_syms *s)
{
	for (size_t k = 0; k < s->nr; k++) {
		s->values[k] = 0;
		if (s->sizes)
			s->sizes[k] = 0;
	}
	s->has_load = false;
	s->load_vaddr = s->load_offset = 0;
}

int hp_elf_lookup_file(const char *path, struct hp_elf_syms *s, struct hp_err *err)
{
	Elf *e;
	int fd, ret;

	clear_out(s);
	if (elf_version(EV_CURRENT) == EV_NONE)
		return hp_err_set(err, "libelf is too old");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return hp_err_errno(err, "cannot open '%s'", path);
	e = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	ret = lookup_elf(e, s, path, err);
	if (e)
		elf_end(e);
	close(fd);
	return ret;
}

int hp_elf_lookup_mem(const void *data, size_t len, struct hp_elf_syms *s, struct hp_err *err)
{
	Elf *e;
	int ret;

	clear_out(s);
	if (elf_version(EV_CURRENT) == EV_NONE)
		return hp_err_set(err, "libelf is too old");
	/* libelf may write to the image (it does not with ELF_C_READ), but
	 * its prototype takes a non-const pointer */
	e = elf_memory((char *)(uintptr_t)data, len);
	ret = lookup_elf(e, s, "<memory>", err);
	if (e)
		elf_end(e);
	return ret;
}
#else
int hp_elf_lookup_file(const char *path, struct hp_elf_syms *s, struct hp_err *err)
{
	(void)s;
	return hp_err_set(err, "cannot read symbols of '%s': hotpath was built without libelf", path);
}

int hp_elf_lookup_mem(const void *data, size_t len, struct hp_elf_syms *s, struct hp_err *err)
{
	(void)data; (void)len; (void)s;
	return hp_err_set(err, "hotpath was built without libelf");
}
#endif

int hp_elf_load_bias(const struct hp_proc_maps *maps, const char *path,
		     const struct hp_elf_syms *s, uint64_t *bias)
{
	uint64_t page_off, page_vaddr;

	if (!s->has_load)
		return -1;
	page_off = s->load_offset & ~(uint64_t)0xfff;
	page_vaddr = s->load_vaddr & ~(uint64_t)0xfff;
	for (size_t i = 0; i < maps->nr; i++) {
		const struct hp_proc_map *m = &maps->maps[i];

		if (m->offset == page_off && !strcmp(m->path, path)) {
			*bias = m->start - page_vaddr;
			return 0;
		}
	}
	return -1;
}

#!/usr/bin/env python3
"""Write the 3.11 seeds of fuzz_pyframes (tests/fuzz/corpus/pyframes/).

A valid image of target memory, laid out as fuzz_pyframes.c reads it:
byte 0 picks the layout (3 -> 3.11), then memory at IMG_BASE starting with
the interpreter state; fake type objects at IMG_BASE + 0x100 (code),
+ 0x200 (str), + 0x300 (bytes).  The offsets are those of
src/sampler/layout_311.c (checked against the real interpreters by
tests/unit/test_sampler_layout.c); a seed that drifts from them is still
a seed, only a worse one.

scene311: one thread, one data-stack chunk: <module> waiting on a CALL,
main waiting on a CALL, a lambda executing.
scene311gen: the same thread after main resumed a generator (its frame
in the generator object, outside the chunk) that called a function
inline, the function's frame in the slot above main.

usage: mkseed_pyframes311.py CORPUS_DIR
"""
import struct
import sys

IMG_BASE = 0x10000
T_CODE, T_STR, T_BYTES = IMG_BASE + 0x100, IMG_BASE + 0x200, IMG_BASE + 0x300

# layout_311.c
INTERP_THREADS_HEAD = 16
TS_NEXT, TS_INTERP, TS_CFRAME, TS_TID, TS_NATIVE_TID = 8, 16, 56, 152, 160
TS_CHUNK, TS_TOP, TS_SIZE = 296, 304, 360
CF_CURRENT = 8
FR_CODE, FR_PREV, FR_INSTR, FR_STACKTOP, FR_ENTRY, FR_OWNER, FR_SIZE = 32, 48, 56, 64, 68, 69, 72
CO_FLAGS, CO_STACKSIZE, CO_FIRSTLINE, CO_NLOCALSPLUS = 48, 68, 72, 76
CO_FILENAME, CO_NAME, CO_QUALNAME, CO_LINETABLE, CO_CODE = 112, 120, 128, 136, 184
OB_TYPE, BYTES_SIZE, BYTES_SVAL = 8, 16, 32
STR_LENGTH, STR_STATE, STR_ASCII = 16, 32, 48


class Image:
    def __init__(self):
        self.mem = bytearray(0x800)  # interp state, then the type objects

    def alloc(self, size):
        a = IMG_BASE + len(self.mem)
        self.mem += bytes((size + 15) & ~15)
        return a

    def put(self, addr, fmt, v):
        struct.pack_into(fmt, self.mem, addr - IMG_BASE, v)

    def raw(self, addr, b):
        self.mem[addr - IMG_BASE:addr - IMG_BASE + len(b)] = b

    def string(self, s):
        b = s.encode("ascii")
        a = self.alloc(STR_ASCII + len(b) + 1)
        self.put(a + OB_TYPE, "<Q", T_STR)
        self.put(a + STR_LENGTH, "<Q", len(b))
        # kind 1, compact, ascii, ready
        self.put(a + STR_STATE, "<I", (1 << 2) | (1 << 5) | (1 << 6) | (1 << 7))
        self.raw(a + STR_ASCII, b)
        return a

    def bytes_obj(self, b):
        a = self.alloc(BYTES_SVAL + len(b) + 1)
        self.put(a + OB_TYPE, "<Q", T_BYTES)
        self.put(a + BYTES_SIZE, "<Q", len(b))
        self.raw(a + BYTES_SVAL, b)
        return a

    def code(self, name, first, stacksize, nlocals, ops, flags=0):
        # line table: unit i on line first + 1 + i (one-line entries of
        # one unit, line delta 1, columns 0-0)
        table = bytes([0xD8, 0, 0] * len(ops))
        a = self.alloc(CO_CODE + 2 * len(ops) + 16)
        self.put(a + OB_TYPE, "<Q", T_CODE)
        self.put(a + CO_FLAGS, "<I", flags)
        self.put(a + CO_STACKSIZE, "<I", stacksize)
        self.put(a + CO_FIRSTLINE, "<I", first)
        self.put(a + CO_NLOCALSPLUS, "<I", nlocals)
        self.put(a + CO_FILENAME, "<Q", self.string("app.py"))
        self.put(a + CO_NAME, "<Q", self.string(name.split(".")[-1]))
        self.put(a + CO_QUALNAME, "<Q", self.string(name))
        self.put(a + CO_LINETABLE, "<Q", self.bytes_obj(table))
        self.raw(a + CO_CODE, bytes(b for op in ops for b in (op, 0)))
        return a

    def frame(self, at, code, prev, index, stacktop, entry, owner=0):
        self.put(at + FR_CODE, "<Q", code)
        self.put(at + FR_PREV, "<Q", prev)
        self.put(at + FR_INSTR, "<Q", code + CO_CODE + 2 * index)
        self.put(at + FR_STACKTOP, "<i", stacktop)
        self.put(at + FR_ENTRY, "<B", 1 if entry else 0)
        self.put(at + FR_OWNER, "<B", owner)


def frame_size(stacksize, nlocals):
    return FR_SIZE + 8 * (stacksize + nlocals)


# 151 RESUME, 124 LOAD_FAST, 171 CALL (4 cache entries), 122 BINARY_OP (1),
# 93 FOR_ITER, 86 YIELD_VALUE, 1 POP_TOP, 83 RETURN_VALUE
CALLER = [151, 124, 124, 171, 0, 0, 0, 0, 1, 83]
LEAF = [151, 124, 124, 122, 0, 83]
GEN = [151, 93, 124, 124, 171, 0, 0, 0, 0, 86, 1, 83]
LOOP = [151, 124, 93, 124, 1, 83]


def scene(with_gen):
    im = Image()
    interp = IMG_BASE
    tstate = im.alloc(512)
    cframe = im.alloc(64)
    mod = im.code("<module>", 1, 2, 0, CALLER)
    main = im.code("main", 10, 4, 2, LOOP if with_gen else CALLER)
    leaf = im.code("main.<locals>.<lambda>", 20, 2, 1, LEAF)
    chunk = im.alloc(4096)
    im.put(chunk, "<Q", 0)          # previous chunk
    im.put(chunk + 8, "<Q", 4096)   # size
    m0 = chunk + 32                 # the root frame: data[1]
    m1 = m0 + frame_size(2, 0)
    m2 = m1 + frame_size(4, 2)
    im.frame(m0, mod, 0, 7, 0, True)
    if with_gen:
        # main's FOR_ITER resumed the generator (a C-level eval loop of
        # its own: an entry frame), which waits on its inline CALL
        im.frame(m1, main, m0, 2, -1, False)
        gcode = im.code("items", 30, 4, 2, GEN, flags=0x20)
        gen = im.alloc(256)         # the generator object's frame
        im.frame(gen, gcode, m1, 8, 2, True, owner=1)
        im.frame(m2, leaf, gen, 3, -1, False)
    else:
        im.frame(m1, main, m0, 7, 1, False)
        im.frame(m2, leaf, m1, 3, -1, False)
    top = m2 + frame_size(2, 1)
    im.put(cframe + CF_CURRENT, "<Q", m2)
    im.put(interp + INTERP_THREADS_HEAD, "<Q", tstate)
    im.put(tstate + TS_NEXT, "<Q", 0)
    im.put(tstate + TS_INTERP, "<Q", interp)
    im.put(tstate + TS_CFRAME, "<Q", cframe)
    im.put(tstate + TS_TID, "<Q", 0x7F00DEADBEEF)
    im.put(tstate + TS_NATIVE_TID, "<Q", 4242)
    im.put(tstate + TS_CHUNK, "<Q", chunk)
    im.put(tstate + TS_TOP, "<Q", top)
    assert TS_SIZE <= 512
    return bytes([3]) + bytes(im.mem)


def main():
    out = sys.argv[1]
    for name, gen in (("scene311", False), ("scene311gen", True)):
        with open(f"{out}/{name}", "wb") as f:
            f.write(scene(gen))


if __name__ == "__main__":
    main()

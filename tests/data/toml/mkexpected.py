#!/usr/bin/env python3
"""Write the expected tree of every tests/data/toml/valid/*.toml as
valid/*.json, using Python's own TOML reader (tomllib, Python 3.11+) as an
independent oracle, in the compact tagged JSON that hp_toml_dump_json
writes (toml-test's format: scalars are {"type": T, "value": TEXT}).
Also checks that tomllib rejects every invalid/*.toml.

Files whose name starts with "hp-" are not checked against tomllib (they
hold values tomllib cannot represent, such as leap seconds, or choices
where hotpath is deliberately stricter); their .json is written by hand.

usage: python3 tests/data/toml/mkexpected.py [--check]
"""
import datetime
import math
import pathlib
import sys
import tomllib

HERE = pathlib.Path(__file__).resolve().parent


def jstr(s):
    out = ['"']
    for ch in s:
        o = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == '\\':
            out.append('\\\\')
        elif ch in '\b\f\n\r\t':
            out.append({'\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t'}[ch])
        elif o < 0x20:
            out.append('\\u%04x' % o)
        else:
            out.append(ch)
    out.append('"')
    return ''.join(out)


def tagged(t, v):
    return '{"type":"%s","value":%s}' % (t, jstr(v))


def time_text(t):
    s = t.strftime('%H:%M:%S')
    if t.microsecond:
        s += '.%06d' % t.microsecond
    return s


def dump(v):
    if isinstance(v, dict):
        return '{' + ','.join(jstr(k) + ':' + dump(x) for k, x in v.items()) + '}'
    if isinstance(v, list):
        return '[' + ','.join(dump(x) for x in v) + ']'
    if isinstance(v, bool):
        return tagged('bool', 'true' if v else 'false')
    if isinstance(v, int):
        return tagged('integer', str(v))
    if isinstance(v, float):
        if math.isnan(v):
            return tagged('float', 'nan')
        if math.isinf(v):
            return tagged('float', 'inf' if v > 0 else '-inf')
        return tagged('float', '%.17g' % v)
    if isinstance(v, str):
        return tagged('string', v)
    if isinstance(v, datetime.datetime):
        s = v.strftime('%Y-%m-%dT') + time_text(v.time())
        if v.tzinfo is None:
            return tagged('datetime-local', s)
        off = v.utcoffset()
        if off == datetime.timedelta(0):
            s += 'Z'
        else:
            mins = int(off.total_seconds()) // 60
            sign = '+' if mins >= 0 else '-'
            s += '%s%02d:%02d' % (sign, abs(mins) // 60, abs(mins) % 60)
        return tagged('datetime', s)
    if isinstance(v, datetime.date):
        return tagged('date-local', v.isoformat())
    if isinstance(v, datetime.time):
        return tagged('time-local', time_text(v))
    raise TypeError(type(v))


def main():
    check = '--check' in sys.argv
    bad = 0
    for f in sorted((HERE / 'valid').glob('*.toml')):
        if f.name.startswith('hp-'):
            continue
        with open(f, 'rb') as fp:
            text = dump(tomllib.load(fp)) + '\n'
        exp = f.with_suffix('.json')
        if check:
            if not exp.exists() or exp.read_text(encoding='utf-8') != text:
                print('differs:', exp)
                bad += 1
        else:
            exp.write_text(text, encoding='utf-8')
    for f in sorted((HERE / 'invalid').glob('*.toml')):
        if f.name.startswith('hp-'):
            continue
        try:
            with open(f, 'rb') as fp:
                tomllib.load(fp)
            print('tomllib accepts invalid file:', f)
            bad += 1
        except (tomllib.TOMLDecodeError, UnicodeDecodeError):
            pass
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())

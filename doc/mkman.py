#!/usr/bin/env python3
"""Make the hotpath(1) man page from the help text the program prints.

usage: mkman.py HOTPATH OUT.1

Runs `HOTPATH help` (the command list comes from main.c's dispatch table)
and `HOTPATH help CMD` for every command listed, and turns the text into
troff (man macros), so the man page can never disagree with --help.
Standard library only.
"""
import re
import subprocess
import sys


def run(hotpath, *args):
    return subprocess.run([hotpath, *args], check=True, stdout=subprocess.PIPE,
                          encoding="utf-8", errors="replace").stdout


def esc(text):
    """Escape running text for troff."""
    text = text.replace("\\", "\\e").replace("-", "\\-")
    # a line starting with . or ' would be a request
    return "\n".join(("\\&" + l) if l[:1] in (".", "'") else l for l in text.split("\n"))


def parse_main(text):
    lines = text.split("\n")
    commands, exits, synopsis, intro = [], [], [], []
    section = "usage"
    for line in lines:
        if line.startswith("usage:") or (section == "usage" and line.startswith("       ")):
            synopsis.append(line.split(None, 1)[1] if line.startswith("usage:") else line.strip())
            continue
        if line == "commands:":
            section = "commands"
            continue
        if line == "exit status:":
            section = "exit"
            continue
        if not line.strip():
            if section == "usage":
                section = "intro"
            elif section in ("commands", "exit"):
                section = "after"
            continue
        if section == "intro":
            intro.append(line)
        elif section == "commands":
            name, summary = line.strip().split(None, 1)
            commands.append((name, summary))
        elif section == "exit":
            code, meaning = line.strip().split(None, 1)
            exits.append((code, meaning))
    return synopsis, " ".join(intro), commands, exits


def parse_command(text):
    """usage lines, summary, description, [(option, help)]"""
    blocks = text.rstrip("\n").split("\n\n")
    usage = [l.split(None, 1)[1] if l.startswith("usage:") else l.strip() for l in blocks[0].split("\n")]
    summary = blocks[1] if len(blocks) > 1 else ""
    desc, opts = [], []
    for b in blocks[2:]:
        if b.startswith("options:\n"):
            for l in b.split("\n")[1:]:
                # "  -x, --name ARG   help" or "      --name ARG help" (a long
                # spec pushes the help text right, after one space)
                m = re.match(r"^\s+((?:-\w, )?--[\w-]+(?: [A-Z][A-Z0-9_.|,-]*)?)\s+(\S.*)$", l)
                if m:
                    opts.append((m.group(1).strip(), m.group(2)))
                elif opts and not l[:30].strip():
                    # a help text of several lines
                    opts[-1] = (opts[-1][0], opts[-1][1] + " " + l.strip())
                elif l.strip():
                    opts.append((l[2:30].strip(), l[31:].strip()))
        else:
            desc.append(b)
    return usage, summary, desc, opts


def main():
    hotpath, out = sys.argv[1], sys.argv[2]
    version = run(hotpath, "--version").split()[-1]
    synopsis, intro, commands, exits = parse_main(run(hotpath, "help"))
    m = ['.TH HOTPATH 1 "" "hotpath %s" "User Commands"' % version,
         ".SH NAME", "hotpath \\- " + esc(intro[0].lower() + intro[1:].rstrip(".")),
         ".SH SYNOPSIS"]
    for s in synopsis:
        m += [".B " + esc(s), ".br"]
    m += [".SH DESCRIPTION", esc(intro),
          ".PP", "Every command is listed below with its options; "
          "\\fBhotpath help\\fR \\fIcommand\\fR prints the same text.",
          ".SH COMMANDS"]
    for name, summary in commands:
        m += [".TP", "\\fB%s\\fR" % esc(name), esc(summary)]
    for name, _ in commands:
        usage, summary, desc, opts = parse_command(run(hotpath, "help", name))
        m += ['.SS "hotpath %s"' % esc(name), ".nf"]
        m += ["\\fBhotpath %s\\fR %s" % (esc(name), esc(u[len("hotpath " + name):].strip())) for u in usage]
        m += [".fi", ".PP", esc(summary)]
        for d in desc:
            m += [".PP", esc(d)]
        if opts:
            m += [".PP", "Options:"]
            for o, h in opts:
                m += [".TP", "\\fB%s\\fR" % esc(o), esc(h)]
    m += [".SH EXIT STATUS"]
    for code, meaning in exits:
        m += [".TP", "\\fB%s\\fR" % code, esc(meaning)]
    m += [".SH FILES",
          ".TP", "\\fBhotpath.toml\\fR, \\fBpyproject.toml\\fR ([tool.hotpath])",
          "scenarios for \\fBhotpath run\\fR, found in the current folder or the nearest parent.",
          ".TP", "\\fBprofiles/\\fR",
          "default output folder, created with a .gitignore of *.",
          ".SH SEE ALSO",
          "The guide (docs/guide.md) and checklist (docs/checklist.md) in the hotpath sources;",
          ".BR python3 (1)."]
    text = "\n".join(m) + "\n"
    tmp = out + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    import os
    os.replace(tmp, out)


if __name__ == "__main__":
    main()

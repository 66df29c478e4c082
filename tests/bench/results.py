#!/usr/bin/env python3
"""results.py NAME FILE SECTION -- put a benchmark's markdown SECTION into FILE.

SECTION runs from "<!-- NAME:begin -->" to "<!-- NAME:end -->"; an existing section of that
name is replaced, otherwise the section is appended. Other benchmarks' sections stay as they are.
"""
import os
import re
import sys

name, path, section = sys.argv[1], sys.argv[2], sys.argv[3]
text = open(path).read() if os.path.exists(path) else "# Benchmark results\n"
pat = re.compile(r"<!-- %s:begin -->.*?<!-- %s:end -->" % (re.escape(name), re.escape(name)), re.S)
if pat.search(text):
    text = pat.sub(lambda m: section, text)
else:
    text = text.rstrip("\n") + "\n\n" + section + "\n"
with open(path, "w") as f:
    f.write(text)

#!/usr/bin/env python3
"""depcycles.py -- refuse dependency cycles between the source files of the core library.

Usage: depcycles.py LIBSBX_CORE_A

File a depends on file b when a's object file uses a symbol that b's defines (nm). A cycle
(a uses b, b uses a, possibly through others) means neither file can be read, tested or
replaced on its own. Prints every cycle (strongly connected component of more than one file)
with the symbols that tie it together, and exits 1 when there is one.
"""
import subprocess
import sys
from collections import defaultdict


def symbols(archive):
    out = subprocess.run(["nm", "-A", archive], check=True, capture_output=True, text=True)
    defined, used = {}, defaultdict(set)
    for line in out.stdout.splitlines():
        # archive:member.o:[value] TYPE name
        head, _, rest = line.rpartition(":")
        obj = head.split(":")[-1]
        parts = rest.split()
        if len(parts) < 2:
            continue
        kind, name = parts[-2], parts[-1]
        if kind == "U":
            used[obj].add(name)
        elif kind in "TDBRCGSV":
            defined[name] = obj
    return defined, used


def components(graph):
    """Tarjan's algorithm, iteratively."""
    index, low, on_stack, stack, out = {}, {}, set(), [], []
    counter = [0]
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter[0]
        counter[0] += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, it = work[-1]
            nxt = next(it, None)
            if nxt is not None:
                if nxt not in index:
                    index[nxt] = low[nxt] = counter[0]
                    counter[0] += 1
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(sorted(graph[nxt]))))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                comp = []
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    comp.append(w)
                    if w == node:
                        break
                out.append(sorted(comp))
    return out


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: depcycles.py LIBSBX_CORE_A")
    defined, used = symbols(sys.argv[1])
    graph = defaultdict(set)
    why = defaultdict(set)
    for obj, names in used.items():
        graph[obj]
        for name in names:
            dep = defined.get(name)
            if dep is not None and dep != obj:
                graph[obj].add(dep)
                why[(obj, dep)].add(name)
    cycles = [c for c in components(graph) if len(c) > 1]
    for comp in cycles:
        print("depcycles: cycle between " + ", ".join(comp))
        for a in comp:
            for b in sorted(graph[a] & set(comp)):
                print(f"  {a} -> {b}: {', '.join(sorted(why[(a, b)])[:4])}")
    if cycles:
        sys.exit(1)
    print(f"depcycles: ok ({len(graph)} files, no cycle)")


if __name__ == "__main__":
    main()

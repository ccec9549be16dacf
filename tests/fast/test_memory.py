"""catalog/memory.py: what a harvest freed goes back to the operating system after its commit."""

from __future__ import annotations

import subprocess
import sys

CODE = """
import gc
gc.disable()  # as if the collector had not come round yet: the cycles below wait for give_back
from hdcat.catalog import give_back_memory

def rss():
    return int(open("/proc/self/status").read().split("VmRSS:")[1].split()[0]) // 1024

class Node:
    def __init__(self):
        self.me = self  # a reference cycle, as rdflib's graphs make: freed only by the collector
        self.payload = bytes(400)

before = rss()
held = [Node() for _ in range(400_000)]
grown = rss()
del held
kept = rss()
give_back_memory()
print(before, grown, kept, rss())
"""


def test_a_harvests_garbage_goes_back_to_the_system():
    done = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    before, grown, kept, after = map(int, done.stdout.split())
    assert grown - before > 150  # MiB: the cycles took room
    assert kept - before > 150  # unreachable but not yet collected: still resident
    assert after - before < 50, (before, grown, kept, after)  # collected and handed back


PAUSED = """
import gc
from hdcat.catalog import collector_paused

passes = []
gc.callbacks.append(lambda phase, info: phase == "start" and passes.append(info["generation"]))
with collector_paused():  # as a source's pages are parsed: many objects, none of them garbage
    parsed = [(i, str(i), (i,)) for i in range(600_000)]
during = list(passes)
young = gc.get_count()[0]
gc.collect(0); gc.collect(1)
tracked_young = len(gc.get_objects(0)) + len(gc.get_objects(1))
print(len(during), young, tracked_young, gc.isenabled())
"""


def test_a_parse_held_back_from_the_collector_is_never_walked_and_leaves_no_young_objects():
    """collector_paused: no pass runs while the parsed source grows (each full pass walked all of it), and
    what was made goes to the oldest generation without a walk, so the next young collections do not walk
    it either."""
    done = subprocess.run([sys.executable, "-c", PAUSED], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    during, young, tracked_young, enabled = done.stdout.split()
    assert int(during) == 0 and enabled == "True"
    assert int(young) < 1_000 and int(tracked_young) < 10_000, done.stdout


IN_PARTS = """
import gc, weakref
from hdcat.catalog import hold_still_so_far, objects_held_still

class Graph:  # an rdflib graph's cycle: freed only by the collector
    def __init__(self):
        self.me = self

passes, freed, kept = [], [], []
gc.callbacks.append(lambda phase, info: phase == "start" and passes.append(info["generation"]))
with objects_held_still(collect_in_parts=True):
    for part in range(3):
        graph = Graph()
        weakref.finalize(graph, freed.append, part)
        kept += [[part, i] for i in range(200_000)]  # the part's result, kept (lists: always tracked)
        graph = None
        automatic = len(passes)
        hold_still_so_far()
        print(part, automatic, len(freed), gc.get_freeze_count() >= len(kept))
        passes.clear()
print(gc.isenabled(), gc.get_freeze_count())
"""


def test_an_import_in_parts_is_collected_when_a_part_is_done_and_its_result_left_alone():
    """objects_held_still(collect_in_parts=True): no automatic pass during a part (each walked the part so
    far, dozens of times a part); at a part's end its garbage cycles are collected and what it keeps is left
    out of later passes (frozen); afterwards the collector is back, nothing left frozen."""
    done = subprocess.run([sys.executable, "-c", IN_PARTS], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    *parts, last = done.stdout.strip().splitlines()
    assert parts == [f"{p} 0 {p + 1} True" for p in range(3)], parts
    assert last == "True 0"

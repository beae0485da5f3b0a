"""Answers ring lookups with Swift's own Ring, for tests/tests/ring_interop.rs.

stdin: JSON {"ring": path, "prefix": str, "suffix": str, "names": [[a, c|null, o|null], ...],
             "handoffs": N, "all_parts": bool}
stdout: JSON {"names": [{"part", "primaries": [ids], "handoffs": [first N ids]}],
              "parts": [{"primaries": [...], "handoffs": [all ids]}] (when all_parts),
              "devs": [...], "partition_count", "replica_count"}
"""
import itertools
import json
import sys

import swift.common.utils as utils

req = json.load(sys.stdin)
utils.HASH_PATH_PREFIX = req["prefix"].encode("utf8")
utils.HASH_PATH_SUFFIX = req["suffix"].encode("utf8")

from swift.common.ring import Ring  # noqa: E402

ring = Ring(req["ring"])
out = {"names": [], "parts": [], "devs": ring.devs,
       "partition_count": ring.partition_count,
       "replica_count": ring.replica_count}
for account, container, obj in req["names"]:
    part, nodes = ring.get_nodes(account, container, obj)
    more = itertools.islice(ring.get_more_nodes(part), req["handoffs"])
    out["names"].append({"part": part,
                         "primaries": [n["id"] for n in nodes],
                         "handoffs": [n["id"] for n in more]})
if req["all_parts"]:
    for part in range(ring.partition_count):
        out["parts"].append({
            "primaries": [n["id"] for n in ring.get_part_nodes(part)],
            "handoffs": [n["id"] for n in ring.get_more_nodes(part)]})
json.dump(out, sys.stdout)

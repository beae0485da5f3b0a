"""Writes a ring of 2**17 partitions with Swift's own RingData.save, for ring_interop.rs.

Building one with swift-ring-builder costs a minute of CPU; a seeded random assignment over
the same kind of device layout exercises the same reading and lookup code.

argv: output path, format version (1 or 2)
"""
import array
import random
import sys

from swift.common.ring import RingData

path, fmt = sys.argv[1], int(sys.argv[2])
rng = random.Random(17)
devs = []
for i in range(40):
    region, zone, ip = 1 + i % 3, 1 + i % 5, 1 + i % 11
    devs.append({"id": i, "region": region, "zone": zone,
                 "ip": "10.%d.%d.%d" % (region, zone, ip), "port": 6201,
                 "replication_ip": "10.9.%d.%d" % (zone, ip),
                 "replication_port": 6211, "device": "sd%d" % i,
                 "weight": 100.0 + i, "meta": ""})
devs[7] = None
live = [d["id"] for d in devs if d]
parts = 2 ** 17
table = []
for replica in range(3):
    table.append(array.array("H", (rng.choice(live) for _ in range(parts))))
RingData(table, devs, 32 - 17, version=5).save(path, format_version=fmt)

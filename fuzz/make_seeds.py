"""Writes the seed corpora with Swift 2.38.3's own code (run with the Swift venv's python)."""
import base64, gzip, os, pickle, shutil, sys, tempfile

from swift.common.ring import RingBuilder, RingData

here = os.path.dirname(os.path.abspath(__file__))
corpus = os.path.join(here, 'corpus')
swift_src = sys.argv[1] if len(sys.argv) > 1 else None


def put(target, name, data):
    with open(os.path.join(corpus, target, name), 'wb') as f:
        f.write(data if isinstance(data, bytes) else data.encode('utf-8'))


records = [
    ('o1', '0000001234.00000', 12, 'text/plain', 'd41d8cd98f00b204e9800998ecf8427e', 0, 0,
     None, None),
    ('dir/\u00e9t\u00e9', '0000001235.00000_0000000000000001', 0,
     'application/octet-stream;swift_bytes=10', 'x', 1, 1,
     '0000001235.00000', '0000001236.00000'),
]
for i, rec in enumerate(records):
    raw = pickle.dumps(rec, protocol=2)
    put('pickle', 'record%d' % i, raw)
    put('pending', 'entry%d' % i, b':' + base64.b64encode(raw))
put('pending', 'two', b''.join(b':' + base64.b64encode(pickle.dumps(r, protocol=2))
                               for r in records))
put('pending', 'mixed', b':' + base64.b64encode(pickle.dumps(records[0], protocol=2))
    + b':bm90IGEgcGlja2xl:' + base64.b64encode(pickle.dumps(records[1], protocol=2))[:20])

tmp = tempfile.mkdtemp()
try:
    builder = RingBuilder(4, 3, 1)
    for i in range(4):
        builder.add_dev({'id': i, 'region': 1, 'zone': i % 2, 'weight': 1.0,
                         'ip': '127.0.0.%d' % (i + 1), 'port': 6201,
                         'replication_ip': '127.0.0.%d' % (i + 1), 'replication_port': 6201,
                         'device': 'sd%s' % 'abcd'[i], 'meta': ''})
    builder.rebalance()
    for version in (1, 2):
        path = os.path.join(tmp, 'v%d.ring.gz' % version)
        builder.get_ring().save(path, format_version=version)
        with gzip.open(path) as f:
            put('ring_file', 'v%d' % version, f.read())
finally:
    shutil.rmtree(tmp)

put('ini', 'small', '[DEFAULT]\nbind_port = 6201\nworkers = 2\n\n'
    '[pipeline:main]\npipeline = healthcheck container-server\n\n'
    '[app:container-server]\nuse = egg:swift#container\nnode_timeout = %(workers)s\n'
    'multi = a\n  b\n\n[filter:healthcheck]\nuse = egg:swift#healthcheck\n')
put('ini', 'swift_conf', '[swift-hash]\nswift_hash_path_prefix = pre\n'
    'swift_hash_path_suffix: suf\n; comment\n[storage-policy:0]\nname = gold\ndefault = yes\n')
put('realms', 'two_realms', '[DEFAULT]\nmtime_check_interval = 300\n\n'
    '[US]\nkey = 9ff3b71c849749dbaec4ccdd3cbab62b\nkey2 = 1a0a5a0cbd66448084089304442d6776\n'
    'cluster_dfw1 = http://dfw1.host/v1/\n\n[UK]\nkey = e9569809dc8b4951accc1487aa788012\n'
    'cluster_lon3 = http://lon3.host/v1/\n')
if swift_src:
    shutil.copy(os.path.join(swift_src, 'etc/container-server.conf-sample'),
                os.path.join(corpus, 'ini', 'container-server.conf-sample'))
    shutil.copy(os.path.join(swift_src, 'etc/container-sync-realms.conf-sample'),
                os.path.join(corpus, 'realms', 'container-sync-realms.conf-sample'))

for i, target in enumerate([
        '/sda1/0/a/c', '/sda1/0/a/c/o', '/sda1/0/a/c/dir/sub/obj?format=json&limit=10',
        '/sda1/123/AUTH_test/c%20x?prefix=a%2Fb&delimiter=%2F&marker=m&end_marker=z',
        '/sda1/0/.shards_a/c-1?states=listing&includes=x&path=d',
        '/sda1/0/a/%00c', '/sd..a1/0/a/c', '//0/a/c', '/sda1/0/a/c?limit=+1_0&format=xml',
        '/sda1/0/a/c/%E2%98%83?reverse=on']):
    put('request_path', 'path%d' % i, target)

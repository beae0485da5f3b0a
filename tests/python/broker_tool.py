"""Drives Swift 2.38.3's own ContainerBroker for the broker interop tests.

Usage:
  broker_tool.py make DB_FILE OPS_JSON    create a DB and put rows (left in .pending)
  broker_tool.py merge DB_FILE OPS_JSON   merge_items the rows straight into the DB
  broker_tool.py put DB_FILE OPS_JSON     put_object the rows (appended to .pending)
  broker_tool.py hold-lock DB_FILE SECONDS
      take the .pending lock as Swift does, print "locked", hold it SECONDS
  broker_tool.py try-put DB_FILE TIMEOUT
      put_object one row with pending_timeout TIMEOUT; print "ok" or "LockTimeout"
  broker_tool.py shard DB_FILE STAGE
      give the (committed) container an own range with an epoch and two ACTIVE shard ranges,
      then move it to STAGE ('sharding': fresh <hash>_<epoch>.db next to the retiring one;
      'sharded': only the fresh one)
  broker_tool.py state DB_FILE -   print JSON: info with db_state, shard ranges, is_deleted
  broker_tool.py dump DB_FILE QUERIES_JSON
      print JSON: info, metadata, rows, listings (one per query), schema

OPS_JSON: {"account", "container", "put_timestamp", "policy", "objects": [...],
           "metadata": {key: [value, timestamp]}}
"""
import json
import sqlite3
import sys

from swift.container.backend import ContainerBroker

INFO_KEYS = ('account', 'container', 'put_timestamp', 'delete_timestamp',
             'status_changed_at', 'object_count', 'bytes_used',
             'reported_put_timestamp', 'reported_delete_timestamp',
             'reported_object_count', 'reported_bytes_used', 'hash',
             'x_container_sync_point1', 'x_container_sync_point2',
             'storage_policy_index')


def load(path):
    with open(path) as f:
        return json.load(f)


def record(o):
    return dict(name=o['name'], created_at=o['created_at'], size=o['size'],
                content_type=o['content_type'], etag=o['etag'],
                deleted=1 if o['deleted'] else 0,
                storage_policy_index=o['storage_policy_index'],
                ctype_timestamp=o.get('ctype_timestamp'),
                meta_timestamp=o.get('meta_timestamp'))


def make(db_file, ops):
    broker = ContainerBroker(db_file, account=ops['account'],
                             container=ops['container'])
    broker.initialize(ops['put_timestamp'], ops['policy'])
    if ops.get('metadata'):
        broker.update_metadata(
            {k: tuple(v) for k, v in ops['metadata'].items()},
            validate_metadata=True)
    put(db_file, ops)


def put(db_file, ops):
    broker = ContainerBroker(db_file)
    for o in ops['objects']:
        r = record(o)
        broker.put_object(r['name'], r['created_at'], r['size'],
                          r['content_type'], r['etag'], r['deleted'],
                          r['storage_policy_index'], r['ctype_timestamp'],
                          r['meta_timestamp'])


def merge(db_file, ops):
    broker = ContainerBroker(db_file)
    broker.merge_items([record(o) for o in ops['objects']])


def listing_entry(row):
    if row[3] is None:
        return {'subdir': row[0]}
    return {'name': row[0], 'created_at': row[1], 'size': row[2],
            'content_type': row[3], 'etag': row[4]}


def dump(db_file, queries):
    broker = ContainerBroker(db_file)
    info = broker.get_info()
    out = {'info': {k: info[k] for k in INFO_KEYS}}
    out['is_deleted'] = broker.is_deleted()
    out['metadata'] = broker.metadata
    out['raw_metadata'] = raw = broker.get_raw_metadata()
    # True when the stored bytes are exactly what json.dumps would write.
    out['metadata_is_python_json'] = (
        not raw or json.dumps(json.loads(raw)) == raw)
    out['rows'] = [[r['ROWID'], r['name'], r['created_at'], r['size'],
                    r['content_type'], r['etag'], r['deleted'],
                    r['storage_policy_index']]
                   for r in broker.get_items_since(-1, 100000)]
    out['listings'] = []
    for q in queries:
        rows = broker.list_objects_iter(
            q['limit'], q.get('marker', ''), q.get('end_marker', ''),
            q.get('prefix'), q.get('delimiter'), path=q.get('path'),
            storage_policy_index=q.get('storage_policy_index',
                                       info['storage_policy_index']),
            reverse=q.get('reverse', False),
            allow_reserved=q.get('allow_reserved', False))
        out['listings'].append([listing_entry(r) for r in rows])
    conn = sqlite3.connect(db_file)
    out['schema'] = sorted(
        [r[0], r[1], r[2]] for r in conn.execute(
            'SELECT type, name, sql FROM sqlite_master WHERE sql NOT NULL'))
    out['journal_mode'] = conn.execute('PRAGMA journal_mode').fetchone()[0]
    conn.close()
    json.dump(out, sys.stdout, sort_keys=True)


def hold_lock(db_file, seconds):
    import time
    from swift.common.utils import lock_parent_directory
    with lock_parent_directory(db_file + '.pending', 5):
        print('locked', flush=True)
        time.sleep(float(seconds))


def try_put(db_file, timeout):
    from swift.common.exceptions import LockTimeout
    broker = ContainerBroker(db_file, pending_timeout=float(timeout))
    try:
        broker.put_object('from-python', '1700000009.00000', 1, 't', 'e')
        print('ok')
    except LockTimeout:
        print('LockTimeout')


def shard(db_file, stage):
    from swift.common.utils import ShardRange, Timestamp
    broker = ContainerBroker(db_file)
    broker.get_info()
    epoch = Timestamp('1700000100.00000')
    ts = Timestamp('1700000050.00000')
    ranges = [
        ShardRange('.shards_a/c-1', ts, '', 'm', 5, 50, state=ShardRange.ACTIVE,
                   state_timestamp=ts, meta_timestamp=ts),
        ShardRange('.shards_a/c-2', ts, 'm', '', 7, 70, state=ShardRange.ACTIVE,
                   state_timestamp=ts, meta_timestamp=ts),
    ]
    broker.merge_shard_ranges(ranges)
    broker.enable_sharding(epoch)
    assert broker.set_sharding_state()
    if stage == 'sharded':
        assert broker.set_sharded_state()


def state(db_file, _):
    broker = ContainerBroker(db_file)
    info = broker.get_info()
    out = {'info': {k: info[k] for k in INFO_KEYS + ('db_state',)}}
    out['is_deleted'] = broker.is_deleted()
    out['empty'] = broker.empty()
    out['is_root'] = broker.is_root_container()
    out['db_file'] = broker.db_file.rsplit('/', 1)[-1]
    out['shard_ranges'] = [
        [sr.name, sr.lower_str, sr.upper_str, sr.object_count, sr.state,
         sr.epoch.internal if sr.epoch else None]
        for sr in broker.get_shard_ranges()]
    own = broker.get_own_shard_range(no_default=True)
    out['own'] = [own.name, own.state, own.epoch.internal] if own else None
    json.dump(out, sys.stdout, sort_keys=True)


def main():
    cmd, db_file, arg = sys.argv[1:4]
    if cmd in ('shard', 'state'):
        return {'shard': shard, 'state': state}[cmd](db_file, arg)
    if cmd == 'hold-lock':
        return hold_lock(db_file, arg)
    if cmd == 'try-put':
        return try_put(db_file, arg)
    data = load(arg)
    {'make': make, 'merge': merge, 'put': put, 'dump': dump}[cmd](
        db_file, data)


if __name__ == '__main__':
    main()

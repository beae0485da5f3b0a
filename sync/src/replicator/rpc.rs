//! The server side of REPLICATE: the JSON RPC ops a peer's replicator calls on one container
//! DB (Swift's `ContainerReplicatorRpc`). The server parses the path, checks the drive and the
//! JSON, then calls [`dispatch`] on a blocking thread and sends back the [`RpcReply`].
//!
//! Ops: `sync` (compare, merge metadata/timestamps/policy, answer our info and sync point),
//! `merge_items`, `merge_syncs`, `merge_shard_ranges`, `get_shard_ranges`, and the two that
//! finish a whole-DB push through rsync: `complete_rsync` (adopt the pushed file when we have
//! no DB) and `rsync_then_merge` (fold our rows into the pushed file, then adopt it).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::Value;
use swift_common::db::{BrokerCache, ContainerBroker, DbError, SyncPoint};
use swift_common::hash::hash_suffix;
use swift_common::timestamp::Timestamp;

use super::policy::{incorrect_policy_index, PolicyInfo};
use super::shards::{all_shard_range_data, filter_own_shard_range};
use super::staging::Staged;
use super::wire::{self, ReplInfo, WireError};

/// What one op answers: a status, and a body with its content type (`None`: the server's
/// default body for that status, as swob gives).
#[derive(Debug, Clone, PartialEq)]
pub struct RpcReply {
    /// HTTP status.
    pub status: u16,
    /// Body, when the op has one.
    pub body: Option<Vec<u8>>,
    /// Content-Type of `body` (`None`: the server's default).
    pub content_type: Option<&'static str>,
}

impl RpcReply {
    fn status(status: u16) -> RpcReply {
        RpcReply {
            status,
            body: None,
            content_type: None,
        }
    }

    fn text(status: u16, text: impl Into<String>) -> RpcReply {
        RpcReply {
            status,
            body: Some(text.into().into_bytes()),
            content_type: Some("text/plain"),
        }
    }

    fn bad_request(msg: impl Into<String>) -> RpcReply {
        RpcReply::text(400, msg)
    }
}

impl From<WireError> for RpcReply {
    fn from(e: WireError) -> RpcReply {
        RpcReply::bad_request(e.0)
    }
}

fn db_failure(err: DbError) -> RpcReply {
    match err {
        DbError::NotFound(_) | DbError::Quarantined(_) => RpcReply::status(404),
        DbError::BadInput(msg) => RpcReply::bad_request(msg),
        other => {
            tracing::error!("REPLICATE failed: {other}");
            RpcReply::status(500)
        }
    }
}

/// Runs one REPLICATE request: `args` is the decoded JSON body (`[op, arg, ...]`), `drive_path`
/// the checked `<devices>/<drive>`. Blocking (SQLite, file renames).
pub fn dispatch(
    brokers: &BrokerCache,
    drive_path: &Path,
    partition: &str,
    hash: &str,
    args: Value,
) -> RpcReply {
    let Value::Array(mut args) = args else {
        return RpcReply::bad_request("Invalid object type");
    };
    if args.is_empty() {
        return RpcReply::bad_request("Invalid object type");
    }
    let Value::String(op) = args.remove(0) else {
        return RpcReply::bad_request("Invalid object type");
    };
    if !safe_name(partition) || !safe_name(hash) {
        return RpcReply::bad_request("Invalid path");
    }
    // The partition is used as given, as Swift's storage_directory does.
    let db_dir = drive_path
        .join("containers")
        .join(partition)
        .join(hash_suffix(hash))
        .join(hash);
    let ctx = Ctx {
        brokers,
        drive_path,
        db_dir,
        hash,
    };
    let result = match op.as_str() {
        "complete_rsync" => ctx.complete_rsync(&args),
        "rsync_then_merge" => ctx.rsync_then_merge(&args),
        _ => ctx.on_existing_db(&op, &args),
    };
    result.unwrap_or_else(|reply| reply)
}

/// A path component a peer may name: not empty, no `/`, not `.` or `..`.
fn safe_name(name: &str) -> bool {
    !name.is_empty() && !name.contains('/') && name != "." && name != ".." && !name.contains('\0')
}

struct Ctx<'a> {
    brokers: &'a BrokerCache,
    drive_path: &'a Path,
    db_dir: PathBuf,
    hash: &'a str,
}

type OpResult = Result<RpcReply, RpcReply>;

impl Ctx<'_> {
    fn broker(&self) -> Arc<ContainerBroker> {
        self.brokers.get_or_open(&self.db_dir, "", "")
    }

    fn tmp_dir(&self) -> PathBuf {
        self.drive_path.join("tmp")
    }

    fn on_existing_db(&self, op: &str, args: &[Value]) -> OpResult {
        // A peer may be about to rsync a DB to us: make sure it has somewhere to land.
        let _ = std::fs::create_dir_all(self.tmp_dir());
        let broker = self.broker();
        if !broker.exists() {
            return Ok(RpcReply::status(404));
        }
        match op {
            "sync" => sync(&broker, args),
            "merge_items" => merge_items(&broker, args),
            "merge_syncs" => {
                let points = arg(args, 0)
                    .and_then(wire::as_list)?
                    .iter()
                    .map(wire::sync_point_from_json)
                    .collect::<Result<Vec<_>, _>>()?;
                broker.merge_syncs(&points, true).map_err(db_failure)?;
                Ok(RpcReply::status(202))
            }
            "merge_shard_ranges" => {
                let ranges = arg(args, 0)
                    .and_then(wire::as_list)?
                    .iter()
                    .map(wire::shard_range_from_json)
                    .collect::<Result<Vec<_>, _>>()?;
                let ranges =
                    filter_own_shard_range(&broker, ranges, "repl_req").map_err(db_failure)?;
                broker.merge_shard_ranges(&ranges).map_err(db_failure)?;
                Ok(RpcReply::status(202))
            }
            "get_shard_ranges" => {
                let data = all_shard_range_data(&broker).map_err(db_failure)?;
                Ok(RpcReply {
                    status: 200,
                    body: Some(wire::dumps(&data).into_bytes()),
                    content_type: Some("application/json"),
                })
            }
            // Swift answers an unknown op with a 500 (AttributeError); a clear 400 is kinder.
            other => Err(RpcReply::bad_request(format!("Unknown op {other:?}"))),
        }
    }

    /// Adopts a DB a peer rsynced into our tmp dir, when we have none (`[tmp_name, db_name?]`).
    fn complete_rsync(&self, args: &[Value]) -> OpResult {
        let tmp_name = str_arg(args, 0)?;
        let target = match args.get(1) {
            Some(Value::String(name)) if safe_name(name) => self.db_dir.join(name),
            Some(Value::String(_)) => return Err(RpcReply::bad_request("Invalid db name")),
            _ => self.db_dir.join(format!("{}.db", self.hash)),
        };
        if !safe_name(tmp_name) {
            return Err(RpcReply::bad_request("Invalid tmp name"));
        }
        let tmp_file = self.tmp_dir().join(tmp_name);
        if target.exists() || !tmp_file.exists() {
            return Ok(RpcReply::status(404));
        }
        let staged = Staged::stage(&tmp_file, self.drive_path, self.hash).map_err(io_failure)?;
        let renewed = staged.broker().newid(tmp_name);
        if let Err(e) = renewed {
            staged.abandon();
            return Err(db_failure(e));
        }
        staged.install(&target).map_err(io_failure)?;
        self.brokers.forget(&self.db_dir);
        Ok(RpcReply::status(204))
    }

    /// Merges our rows, syncs, shard ranges and metadata into a DB a peer rsynced into our tmp
    /// dir, then replaces ours with it (`[tmp_name]`).
    fn rsync_then_merge(&self, args: &[Value]) -> OpResult {
        let tmp_name = str_arg(args, 0)?;
        if !safe_name(tmp_name) {
            return Err(RpcReply::bad_request("Invalid tmp name"));
        }
        let tmp_file = self.tmp_dir().join(tmp_name);
        let existing = self.broker();
        if self.should_abort(&existing, &tmp_file) {
            return Ok(RpcReply::status(404));
        }
        let target = existing.db_file();
        let staged = Staged::stage(&tmp_file, self.drive_path, self.hash).map_err(io_failure)?;
        let merged = merge_into_new(&existing, &staged.broker(), tmp_name);
        if let Err(e) = merged {
            staged.abandon();
            return Err(db_failure(e));
        }
        if self.should_abort(&existing, &staged.file()) {
            staged.abandon();
            return Ok(RpcReply::status(404));
        }
        self.brokers.forget(&self.db_dir);
        staged.install(&target).map_err(io_failure)?;
        Ok(RpcReply::status(204))
    }

    /// Swift gives up when either file went away, or when our DB started sharding meanwhile.
    fn should_abort(&self, existing: &ContainerBroker, tmp_file: &Path) -> bool {
        !existing.exists() || !tmp_file.exists() || existing.sharding_initiated().unwrap_or(true)
    }
}

fn merge_into_new(
    existing: &ContainerBroker,
    new: &ContainerBroker,
    remote_id: &str,
) -> Result<(), DbError> {
    let mut point = -1;
    loop {
        let rows = existing.get_items_since(point, 1000)?;
        let Some(last) = rows.last() else {
            break;
        };
        point = last.row_id;
        let records: Vec<_> = rows.iter().map(wire::row_to_record).collect();
        new.merge_items(&records, None)?;
    }
    new.merge_syncs(&existing.get_syncs(true)?, true)?;
    let shards = all_shard_range_data(existing)?;
    let ranges = shards
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| wire::shard_range_from_json(v).ok())
                .collect()
        })
        .unwrap_or_default();
    let ranges = filter_own_shard_range(new, ranges, "rsync")?;
    new.merge_shard_ranges(&ranges)?;
    new.newid(remote_id)?;
    new.update_metadata(&existing.metadata()?, false)?;
    Ok(())
}

fn io_failure(e: std::io::Error) -> RpcReply {
    tracing::error!("REPLICATE file handling failed: {e}");
    RpcReply::status(500)
}

fn arg(args: &[Value], i: usize) -> Result<&Value, WireError> {
    args.get(i)
        .ok_or_else(|| WireError(format!("missing argument {i}")))
}

fn str_arg(args: &[Value], i: usize) -> Result<&str, RpcReply> {
    match args.get(i) {
        Some(Value::String(s)) => Ok(s),
        _ => Err(RpcReply::bad_request(format!(
            "argument {i} must be a string"
        ))),
    }
}

/// The remote side's view sent with `sync`.
struct RemoteInfo {
    point: i64,
    hash: String,
    id: String,
    created_at: String,
    put_timestamp: String,
    delete_timestamp: String,
    metadata: Option<Value>,
    policy: Option<(String, i64, i64)>,
}

fn parse_sync_args(args: &[Value]) -> Result<RemoteInfo, RpcReply> {
    if args.len() < 7 {
        return Err(RpcReply::bad_request("sync needs 7 arguments"));
    }
    let text = |i: usize| -> Result<String, RpcReply> {
        match &args[i] {
            Value::String(s) => Ok(s.clone()),
            Value::Number(n) => Ok(n.to_string()),
            Value::Null => Ok(String::new()),
            _ => Err(RpcReply::bad_request(format!(
                "sync argument {i} must be a string"
            ))),
        }
    };
    let int = |i: usize| -> Result<i64, RpcReply> {
        args[i]
            .as_i64()
            .ok_or_else(|| RpcReply::bad_request(format!("sync argument {i} must be an integer")))
    };
    let metadata = match &args[6] {
        Value::String(s) if !s.is_empty() => match serde_json::from_str::<Value>(s) {
            Ok(v) => Some(v),
            Err(_) => {
                tracing::error!("Unable to decode remote metadata {s:?}");
                None
            }
        },
        _ => None,
    };
    let policy = if args.len() > 9 {
        Some((text(7)?, int(8)?, int(9)?))
    } else {
        None
    };
    Ok(RemoteInfo {
        point: int(0)?,
        hash: text(1)?,
        id: text(2)?,
        created_at: text(3)?,
        put_timestamp: text(4)?,
        delete_timestamp: text(5)?,
        metadata,
        policy,
    })
}

/// Reads the replication info Swift's `get_replication_info` gives.
pub fn replication_info(broker: &ContainerBroker) -> Result<ReplInfo, DbError> {
    let (info, extras) = broker.get_info_extras()?;
    Ok(ReplInfo {
        info,
        status: extras.status,
        db_state: broker.db_state()?,
        metadata: broker.raw_metadata()?,
        max_row: broker.get_max_row()?,
        shard_max_row: broker.get_shard_max_row()?,
    })
}

fn sync(broker: &ContainerBroker, args: &[Value]) -> OpResult {
    let remote = parse_sync_args(args)?;
    let mut info = replication_info(broker).map_err(db_failure)?;
    if let Some((status_changed_at, count, spi)) = &remote.policy {
        let theirs = PolicyInfo {
            put_timestamp: &remote.put_timestamp,
            delete_timestamp: &remote.delete_timestamp,
            status_changed_at,
            count: *count,
            storage_policy_index: *spi,
        };
        let ours = PolicyInfo {
            put_timestamp: &info.info.put_timestamp,
            delete_timestamp: &info.info.delete_timestamp,
            status_changed_at: &info.info.status_changed_at,
            count: info.info.object_count,
            storage_policy_index: info.info.storage_policy_index,
        };
        if incorrect_policy_index(&ours, &theirs) {
            broker
                .set_storage_policy_index(*spi, &Timestamp::now())
                .map_err(db_failure)?;
            info = replication_info(broker).map_err(db_failure)?;
        }
    }
    if let Some(meta) = remote
        .metadata
        .as_ref()
        .filter(|m| m.as_object().is_some_and(|o| !o.is_empty()))
    {
        let meta = wire::metadata_from_json(meta)?;
        broker.update_metadata(&meta, false).map_err(db_failure)?;
    }
    let i = &info.info;
    if i.created_at != remote.created_at
        || i.put_timestamp != remote.put_timestamp
        || i.delete_timestamp != remote.delete_timestamp
    {
        broker
            .merge_timestamps(
                &remote.created_at,
                &remote.put_timestamp,
                &remote.delete_timestamp,
            )
            .map_err(db_failure)?;
    }
    let mut point = broker.get_sync(&remote.id, true).map_err(db_failure)?;
    if remote.hash == info.info.hash && point < remote.point {
        let synced = SyncPoint {
            remote_id: remote.id.clone(),
            sync_point: remote.point,
        };
        broker.merge_syncs(&[synced], true).map_err(db_failure)?;
        point = remote.point;
    }
    Ok(RpcReply {
        status: 200,
        body: Some(wire::dumps(&info.to_json(Some(point))).into_bytes()),
        content_type: None,
    })
}

fn merge_items(broker: &ContainerBroker, args: &[Value]) -> OpResult {
    let items = arg(args, 0).and_then(wire::as_list)?;
    let mut records = Vec::with_capacity(items.len());
    let mut last_row = None;
    for item in items {
        let (record, row_id) = wire::record_from_json(item)?;
        records.push(record);
        last_row = row_id;
    }
    let source = match args.get(1) {
        Some(Value::String(s)) if !s.is_empty() => Some(s.as_str()),
        _ => None,
    };
    match (source, last_row) {
        // The peer sends rows in ROWID order without gaps: the last one is its sync point.
        (Some(source), Some(point)) => broker.merge_items_from(&records, source, point),
        (Some(_), None) if !records.is_empty() => {
            return Err(RpcReply::bad_request("rows without ROWID"));
        }
        _ => broker.merge_items(&records, None),
    }
    .map_err(db_failure)?;
    Ok(RpcReply::status(202))
}

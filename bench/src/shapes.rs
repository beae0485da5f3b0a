//! The request shapes a container server receives, as the proxy and object servers send them
//! (see the team's container-request-shapes reference): object-row updates and deletes, HEAD,
//! listings, and the replicator's REPLICATE calls.

use crate::names::{self, NameScheme};
use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{HeaderValue, CONTENT_TYPE, HOST};
use hyper::{Method, Request};
use serde_json::{json, Value};

/// Where requests go: the device and partition in the path, and the account.
#[derive(Debug, Clone)]
pub struct Target {
    /// `host:port`, sent as the Host header.
    pub authority: String,
    /// Device name (first path segment).
    pub device: String,
    /// Partition (second path segment).
    pub partition: u32,
    /// Account name.
    pub account: String,
}

/// What one kind of request does; each request gets a sequence number that picks its object
/// name and container.
#[derive(Debug, Clone)]
pub enum Op {
    /// `PUT /dev/part/acct/cont` creating each container (sequence number = container index).
    ContainerPut {
        /// Containers, used round-robin.
        containers: Vec<String>,
    },
    /// The object server's row update: `PUT /dev/part/acct/cont/obj` with X-Size etc.
    ObjectPut {
        /// Containers, used round-robin.
        containers: Vec<String>,
        /// Object names by sequence number.
        names: NameScheme,
    },
    /// The object server's row delete: `DELETE /dev/part/acct/cont/obj`.
    ObjectDelete {
        /// Containers, used round-robin.
        containers: Vec<String>,
        /// Object names by sequence number (use the PUT run's scheme to delete its rows).
        names: NameScheme,
    },
    /// The proxy's `HEAD /dev/part/acct/cont`.
    Head {
        /// Containers, used round-robin.
        containers: Vec<String>,
    },
    /// The proxy's listing `GET /dev/part/acct/cont?QUERY`.
    Listing {
        /// The container listed.
        container: String,
        /// The query string, as given.
        query: String,
    },
    /// The replicator's `REPLICATE /dev/part/hash` `sync` call for a replica already in sync.
    Sync {
        /// The container database's hash.
        hash: String,
        /// The JSON argument list after the op name.
        args: Vec<Value>,
    },
    /// The replicator's `merge_items` call: `batch` new rows per request.
    MergeItems {
        /// The container database's hash.
        hash: String,
        /// Object names by row number (request seq * batch + i).
        names: NameScheme,
        /// Rows per request (Swift's replicator sends per_diff = 1000).
        batch: u64,
        /// The sending replica's id.
        remote_id: String,
    },
}

/// A request factory: the target plus the operation.
#[derive(Debug, Clone)]
pub struct Shape {
    /// Where requests go.
    pub target: Target,
    /// What they do.
    pub op: Op,
}

/// The REPLICATE method (not a standard HTTP verb).
pub fn replicate_method() -> Method {
    Method::from_bytes(b"REPLICATE").unwrap_or(Method::POST)
}

impl Shape {
    /// Rows written or read per request, for rows-per-second figures.
    pub fn rows_per_request(&self) -> u64 {
        match &self.op {
            Op::MergeItems { batch, .. } => *batch,
            _ => 1,
        }
    }

    /// The request for sequence number `seq`.
    pub fn request(&self, seq: u64) -> Request<Full<Bytes>> {
        let t = &self.target;
        let base = format!("/{}/{}", t.device, t.partition);
        let pick = |containers: &[String]| -> String {
            let n = containers.len().max(1) as u64;
            containers
                .get((seq % n) as usize)
                .cloned()
                .unwrap_or_default()
        };
        let builder = Request::builder()
            .header(HOST, &t.authority)
            .header("X-Trans-Id", format!("txbench{seq:x}"))
            .header("User-Agent", "container-bench");
        let empty = Full::new(Bytes::new());
        let built = match &self.op {
            Op::ContainerPut { containers } => builder
                .method(Method::PUT)
                .uri(format!("{base}/{}/{}", t.account, pick(containers)))
                .header("X-Timestamp", names::now_timestamp())
                .header("X-Backend-Storage-Policy-Index", "0")
                .body(empty),
            Op::ObjectPut { containers, names } => builder
                .method(Method::PUT)
                .uri(format!(
                    "{base}/{}/{}/{}",
                    t.account,
                    pick(containers),
                    names.name(seq)
                ))
                .header("X-Timestamp", names::now_timestamp())
                .header("X-Size", names::size(seq))
                .header("X-Content-Type", names::CONTENT_TYPE)
                .header("X-Etag", names::etag(seq))
                .header("X-Backend-Storage-Policy-Index", "0")
                .body(empty),
            Op::ObjectDelete { containers, names } => builder
                .method(Method::DELETE)
                .uri(format!(
                    "{base}/{}/{}/{}",
                    t.account,
                    pick(containers),
                    names.name(seq)
                ))
                .header("X-Timestamp", names::now_timestamp())
                .header("X-Backend-Storage-Policy-Index", "0")
                .body(empty),
            Op::Head { containers } => builder
                .method(Method::HEAD)
                .uri(format!("{base}/{}/{}", t.account, pick(containers)))
                .header("X-Timestamp", names::now_timestamp())
                .header("X-Backend-Allow-Reserved-Names", "true")
                .body(empty),
            Op::Listing { container, query } => builder
                .method(Method::GET)
                .uri(format!("{base}/{}/{container}?{query}", t.account))
                .header("X-Timestamp", names::now_timestamp())
                .header("X-Backend-Include-Deleted", "false")
                .header("X-Backend-Override-Shard-Name-Filter", "sharded")
                .header("X-Backend-Record-Shard-Format", "namespace")
                .header("X-Backend-Record-Type", "auto")
                .body(empty),
            Op::Sync { hash, args } => {
                let mut body = vec![json!("sync")];
                body.extend(args.iter().cloned());
                replicate(builder, &base, hash, &Value::Array(body))
            }
            Op::MergeItems {
                hash,
                names,
                batch,
                remote_id,
            } => {
                let first = seq * batch;
                let items: Vec<Value> = (first..first + batch)
                    .map(|row| merge_item(names, row))
                    .collect();
                replicate(
                    builder,
                    &base,
                    hash,
                    &json!(["merge_items", items, remote_id]),
                )
            }
        };
        // Every part above is valid by construction (names are ASCII, numbers are numbers).
        built.unwrap_or_else(|_| Request::new(Full::new(Bytes::new())))
    }
}

fn replicate(
    builder: hyper::http::request::Builder,
    base: &str,
    hash: &str,
    body: &Value,
) -> Result<Request<Full<Bytes>>, hyper::http::Error> {
    builder
        .method(replicate_method())
        .uri(format!("{base}/{hash}"))
        .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
        .body(Full::new(Bytes::from(body.to_string())))
}

/// One row as the replicator ships it in `merge_items` (the fields of get_items_since,
/// including the sender's ROWID, which the receiver keeps as its sync point with the sender).
pub fn merge_item(names: &NameScheme, row: u64) -> Value {
    let ts = names::now_timestamp();
    json!({
        "ROWID": row + 1,
        "name": names.name(row),
        "created_at": ts,
        "size": names::size(row),
        "content_type": names::CONTENT_TYPE,
        "etag": names::etag(row),
        "deleted": 0,
        "storage_policy_index": 0,
        "ctype_timestamp": ts,
        "meta_timestamp": ts,
    })
}

/// The `merge_syncs` body that ends a replication pass: remember `point` as synced from `id`.
pub fn merge_syncs_body(remote_id: &str, point: i64) -> String {
    json!(["merge_syncs", [{"remote_id": remote_id, "sync_point": point}]]).to_string()
}

/// The `sync` arguments (after the op name) for a replica whose info is `info` (the JSON a
/// `sync` call returns, or the timestamps from a HEAD): same hash and timestamps, so the call
/// finds the replicas in sync and writes nothing.
pub fn sync_args_in_sync(info: &Value, remote_id: &str) -> Vec<Value> {
    let field = |k: &str| info.get(k).cloned().unwrap_or(Value::Null);
    vec![
        info.get("max_row").cloned().unwrap_or(json!(-1)),
        field("hash"),
        json!(remote_id),
        field("created_at"),
        field("put_timestamp"),
        field("delete_timestamp"),
        json!(""),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;

    fn target() -> Target {
        Target {
            authority: "127.0.0.1:21001".into(),
            device: "sdb1".into(),
            partition: 3,
            account: "AUTH_bench".into(),
        }
    }

    #[test]
    fn object_put_has_the_object_servers_headers() {
        let shape = Shape {
            target: target(),
            op: Op::ObjectPut {
                containers: vec!["a".into(), "b".into()],
                names: NameScheme::Tree,
            },
        };
        let req = shape.request(11);
        assert_eq!(req.method(), Method::PUT);
        assert_eq!(req.uri(), "/sdb1/3/AUTH_bench/b/d01/o0000000011");
        let h = req.headers();
        assert_eq!(h["X-Size"], names::size(11).to_string().as_str());
        assert_eq!(h["X-Content-Type"], "application/octet-stream");
        assert_eq!(h["X-Etag"].len(), 32);
        assert_eq!(h["X-Backend-Storage-Policy-Index"], "0");
        assert_eq!(h["X-Timestamp"].len(), 16);
        assert_eq!(h["Host"], "127.0.0.1:21001");
    }

    #[tokio::test]
    async fn merge_items_carries_a_batch_of_rows() {
        let shape = Shape {
            target: target(),
            op: Op::MergeItems {
                hash: "abc".into(),
                names: NameScheme::Tree,
                batch: 3,
                remote_id: "r1".into(),
            },
        };
        let req = shape.request(2);
        assert_eq!(req.method().as_str(), "REPLICATE");
        assert_eq!(req.uri(), "/sdb1/3/abc");
        let body = req.into_body().collect().await.unwrap().to_bytes();
        let v: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(v[0], "merge_items");
        assert_eq!(v[2], "r1");
        let items = v[1].as_array().unwrap();
        assert_eq!(items.len(), 3);
        assert_eq!(items[0]["name"], "d06/o0000000006");
        assert_eq!(items[2]["name"], "d08/o0000000008");
        assert_eq!(items[2]["ROWID"], 9);
        assert_eq!(shape.rows_per_request(), 3);
    }

    #[test]
    fn sync_args_copy_the_replicas_info() {
        let info = json!({"max_row": 42, "hash": "h", "created_at": "1", "put_timestamp": "2",
                          "delete_timestamp": "0", "id": "local"});
        let args = sync_args_in_sync(&info, "remote");
        assert_eq!(
            args,
            vec![
                json!(42),
                json!("h"),
                json!("remote"),
                json!("1"),
                json!("2"),
                json!("0"),
                json!("")
            ]
        );
        assert_eq!(
            merge_syncs_body("remote", 42),
            r#"["merge_syncs",[{"remote_id":"remote","sync_point":42}]]"#
        );
    }
}

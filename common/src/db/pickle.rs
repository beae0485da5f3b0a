//! The record tuple of a `.pending` entry, pickled with protocol 2 as Swift's
//! `ContainerBroker.make_tuple_for_pickle` / `_commit_puts_load` expect:
//! `(name, created_at, size, content_type, etag, deleted, storage_policy_index,
//! ctype_timestamp, meta_timestamp)`; older writers leave off the last three.

use super::types::ObjectRecord;
use serde_pickle::{DeOptions, SerOptions, Value};

/// Why a pending entry could not be read back.
#[derive(Debug, thiserror::Error)]
#[error("bad pending record: {0}")]
pub struct PickleError(pub String);

/// Pickles a record (protocol 2) the way Swift's `put_record` does before base64-encoding it.
pub fn encode_record(rec: &ObjectRecord) -> Result<Vec<u8>, PickleError> {
    let tuple = (
        rec.name.as_str(),
        rec.created_at.as_str(),
        rec.size,
        rec.content_type.as_str(),
        rec.etag.as_str(),
        i64::from(rec.deleted),
        rec.storage_policy_index,
        rec.ctype_timestamp.as_deref(),
        rec.meta_timestamp.as_deref(),
    );
    serde_pickle::to_vec(&tuple, SerOptions::new().proto_v2())
        .map_err(|e| PickleError(e.to_string()))
}

/// Unpickles one record tuple (any protocol Python writes; Python 2 byte strings are UTF-8).
pub fn decode_record(data: &[u8]) -> Result<ObjectRecord, PickleError> {
    // serde-pickle panics on some malformed sets (its value ordering is not total; found by
    // fuzz/pickle), so a panic there is one more undecodable entry, not a dead commit.
    let decoded = std::panic::catch_unwind(|| {
        serde_pickle::value_from_slice(data, DeOptions::new().decode_strings())
    })
    .map_err(|_| PickleError("pickle decoder panicked".into()))?;
    let value = decoded.map_err(|e| PickleError(e.to_string()))?;
    let items = match value {
        Value::Tuple(v) | Value::List(v) => v,
        other => return Err(PickleError(format!("not a tuple: {other:?}"))),
    };
    if items.len() < 6 {
        return Err(PickleError(format!("{} fields", items.len())));
    }
    let opt_text = |i: usize| -> Result<Option<String>, PickleError> {
        match items.get(i) {
            None | Some(Value::None) => Ok(None),
            Some(v) => text(v).map(Some),
        }
    };
    Ok(ObjectRecord {
        name: text(&items[0])?,
        created_at: text(&items[1])?,
        size: int(&items[2])?,
        content_type: text(&items[3])?,
        etag: text(&items[4])?,
        deleted: int(&items[5])? != 0,
        storage_policy_index: match items.get(6) {
            None => 0,
            Some(v) => int(v)?,
        },
        ctype_timestamp: opt_text(7)?.filter(|s| !s.is_empty()),
        meta_timestamp: opt_text(8)?.filter(|s| !s.is_empty()),
    })
}

fn text(v: &Value) -> Result<String, PickleError> {
    match v {
        Value::String(s) => Ok(s.clone()),
        Value::Bytes(b) => String::from_utf8(b.clone()).map_err(|e| PickleError(e.to_string())),
        Value::I64(i) => Ok(i.to_string()),
        Value::F64(f) => Ok(format!("{f:?}")),
        other => Err(PickleError(format!("expected text, got {other:?}"))),
    }
}

fn int(v: &Value) -> Result<i64, PickleError> {
    match v {
        Value::I64(i) => Ok(*i),
        Value::Bool(b) => Ok(i64::from(*b)),
        Value::Int(big) => big
            .to_string()
            .parse()
            .map_err(|_| PickleError(format!("int {big}"))),
        Value::F64(f) if f.is_finite() => Ok(*f as i64),
        Value::String(s) => s
            .trim()
            .parse()
            .map_err(|_| PickleError(format!("int {s:?}"))),
        Value::Bytes(b) => String::from_utf8_lossy(b)
            .trim()
            .parse()
            .map_err(|_| PickleError("int bytes".into())),
        other => Err(PickleError(format!("expected int, got {other:?}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Regression (fuzz/pickle crash): a pickle whose set holds values serde-pickle cannot
    /// order made the decoder panic; it must be an error like any other bad entry.
    #[test]
    fn unorderable_set_is_an_error_not_a_panic() {
        let data = include_bytes!("testdata/pickle_unordered_set.bin");
        assert!(decode_record(data).is_err());
    }

    fn rec() -> ObjectRecord {
        ObjectRecord {
            name: "caf\u{e9}/o".into(),
            created_at: "1700000000.12345".into(),
            size: 5_000_000_000,
            content_type: "text/plain".into(),
            etag: "d41d8cd98f00b204e9800998ecf8427e".into(),
            deleted: false,
            storage_policy_index: 1,
            ctype_timestamp: Some("1700000001.00000".into()),
            meta_timestamp: None,
        }
    }

    #[test]
    fn round_trip() {
        let bytes = encode_record(&rec()).unwrap();
        assert_eq!(&bytes[..2], b"\x80\x02", "protocol 2 header");
        assert_eq!(decode_record(&bytes).unwrap(), rec());
    }

    #[test]
    fn reads_python_pickle() {
        // python3 -c "import pickle;print(pickle.dumps(('o','1.00000',3,'t','e',0,0,None,None),protocol=2))"
        let py = b"\x80\x02(X\x01\x00\x00\x00oq\x00X\x07\x00\x00\x001.00000q\x01K\x03X\x01\x00\x00\x00tq\x02X\x01\x00\x00\x00eq\x03K\x00K\x00NNtq\x04.";
        let r = decode_record(py).unwrap();
        assert_eq!(r.name, "o");
        assert_eq!(r.created_at, "1.00000");
        assert_eq!(r.size, 3);
        assert_eq!(r.ctype_timestamp, None);
        // Python 2 style six-field tuple of byte strings.
        let py2 = b"\x80\x02(U\x01oq\x00U\x011q\x01K\x00U\x01tU\x01eK\x01tq\x02.";
        let r = decode_record(py2).unwrap();
        assert_eq!(
            (r.name.as_str(), r.deleted, r.storage_policy_index),
            ("o", true, 0)
        );
        assert!(decode_record(b"garbage").is_err());
    }
}

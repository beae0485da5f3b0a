//! Swift's `merge_items`: newest-wins merging of object rows, where the data (size, etag,
//! deleted, swift_bytes), content-type and metadata parts each carry their own timestamp and
//! are merged independently, then stored as one combined `created_at` value.

use super::types::{DbError, ObjectRecord};
use crate::timestamp::{decode_timestamps, encode_timestamps, Timestamp};
use rusqlite::{params, Connection, TransactionBehavior};
use std::collections::HashMap;

/// SQLite's default limit on bound parameters, used to chunk `IN (...)` queries as Swift does.
const SQLITE_ARG_LIMIT: usize = 999;

/// A row on its way into the object table.
#[derive(Debug, Clone)]
pub struct MergeItem {
    /// The row as it will be inserted (`created_at` becomes the combined encoding).
    pub rec: ObjectRecord,
    /// The incoming `created_at` before re-encoding (Swift's `data_timestamp`).
    data_timestamp: String,
}

impl MergeItem {
    /// Wraps an incoming record.
    pub fn new(rec: ObjectRecord) -> MergeItem {
        let data_timestamp = rec.created_at.clone();
        MergeItem {
            rec,
            data_timestamp,
        }
    }
}

fn ts(s: &str) -> Result<Timestamp, DbError> {
    Timestamp::parse(s).map_err(|e| DbError::BadInput(e.to_string()))
}

fn decode3(s: &str) -> Result<(Timestamp, Timestamp, Timestamp), DbError> {
    let (d, c, m) = decode_timestamps(s, false).map_err(|e| DbError::BadInput(e.to_string()))?;
    let c = c.unwrap_or(d);
    let m = m.unwrap_or(c);
    Ok((d, c, m))
}

/// Swift's `extract_swift_bytes`: the content type without its `swift_bytes` parameter (other
/// parameters re-joined as `;k=v`), and that parameter's value.
pub fn extract_swift_bytes(content_type: &str) -> (String, Option<String>) {
    let Some((base, params)) = content_type.split_once(';') else {
        return (content_type.to_string(), None);
    };
    let mut out = base.to_string();
    let mut swift_bytes = None;
    for (k, v) in parse_params(&format!(";{params}")) {
        if k == "swift_bytes" {
            swift_bytes = Some(v);
        } else {
            out.push(';');
            out.push_str(&k);
            out.push('=');
            out.push_str(&v);
        }
    }
    (out, swift_bytes)
}

fn is_token_char(c: char) -> bool {
    !(c.is_control() && (c as u32) < 0x80 || c == ' ' || "()<>@,;:\"/[]?={}".contains(c))
        && c as u32 != 0x7f
}

/// `re.findall` of Swift's strict parameter pattern `\s*;\s*(token)\s*(?:=\s*(token|"..."))?`
/// over `s`: unmatched characters are skipped, a missing value is ''.
fn parse_params(s: &str) -> Vec<(String, String)> {
    let chars: Vec<char> = s.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        match match_param(&chars, i) {
            Some((k, v, end)) => {
                out.push((k, v));
                i = end;
            }
            None => i += 1,
        }
    }
    out
}

fn match_param(c: &[char], start: usize) -> Option<(String, String, usize)> {
    let skip_ws = |mut i: usize| {
        while i < c.len() && c[i].is_whitespace() {
            i += 1;
        }
        i
    };
    let token_end = |mut i: usize| {
        while i < c.len() && is_token_char(c[i]) {
            i += 1;
        }
        i
    };
    let mut i = skip_ws(start);
    if c.get(i) != Some(&';') {
        return None;
    }
    i = skip_ws(i + 1);
    let kend = token_end(i);
    if kend == i {
        return None;
    }
    let key: String = c[i..kend].iter().collect();
    let key = key.trim().to_string();
    // Optional `\s*=\s*value`.
    let j = skip_ws(kend);
    if c.get(j) == Some(&'=') {
        let v = skip_ws(j + 1);
        let vend = token_end(v);
        if vend > v {
            let val: String = c[v..vend].iter().collect();
            return Some((key, val.trim().to_string(), vend));
        }
        if c.get(v) == Some(&'"') {
            let mut k = v + 1;
            while k < c.len() {
                match c[k] {
                    '\\' if k + 1 < c.len() => k += 2,
                    '"' => {
                        let val: String = c[v..=k].iter().collect();
                        return Some((key, val, k + 1));
                    }
                    _ => k += 1,
                }
            }
        }
    }
    Some((key, String::new(), kend))
}

/// Checks that a record's `created_at` and content-type/metadata timestamps parse.
pub fn check_timestamps(rec: &ObjectRecord) -> Result<(), DbError> {
    decode3(&rec.created_at)?;
    for t in [&rec.ctype_timestamp, &rec.meta_timestamp]
        .into_iter()
        .flatten()
    {
        if !t.is_empty() {
            ts(t)?;
        }
    }
    Ok(())
}

/// Swift's `update_new_item_from_existing`: takes from `existing` every part (data,
/// content-type, metadata) at least as new as the item's, re-encodes `created_at`, and says
/// whether any part of the item is newer (i.e. whether the row must be replaced).
pub fn update_new_item_from_existing(
    item: &mut MergeItem,
    existing: Option<&ObjectRecord>,
) -> Result<bool, DbError> {
    let (mut t_data, mut t_ctype, mut t_meta) = decode3(&item.data_timestamp)?;
    if let Some(c) = item
        .rec
        .ctype_timestamp
        .as_deref()
        .filter(|s| !s.is_empty())
    {
        t_ctype = ts(c)?;
        t_meta = t_ctype;
    }
    if let Some(m) = item.rec.meta_timestamp.as_deref().filter(|s| !s.is_empty()) {
        t_meta = ts(m)?;
    }
    let Some(existing) = existing else {
        item.rec.created_at = encode_timestamps(&t_data, Some(&t_ctype), Some(&t_meta), false);
        return Ok(true);
    };
    let (r_data, r_ctype, r_meta) = decode3(&existing.created_at)?;
    let (mut new_ctype, mut new_bytes) = extract_swift_bytes(&item.rec.content_type);
    let (old_ctype, old_bytes) = extract_swift_bytes(&existing.content_type);
    let mut newer = false;
    if r_data >= t_data {
        item.rec.size = existing.size;
        item.rec.etag = existing.etag.clone();
        item.rec.deleted = existing.deleted;
        new_bytes = old_bytes;
        t_data = r_data;
    } else {
        newer = true;
    }
    if r_ctype >= t_ctype {
        new_ctype = old_ctype;
        t_ctype = r_ctype;
    } else {
        newer = true;
    }
    if r_meta >= t_meta {
        t_meta = r_meta;
    } else {
        newer = true;
    }
    item.rec.created_at = encode_timestamps(&t_data, Some(&t_ctype), Some(&t_meta), false);
    if let Some(b) = new_bytes {
        new_ctype.push_str(";swift_bytes=");
        new_ctype.push_str(&b);
    }
    item.rec.content_type = new_ctype;
    Ok(newer)
}

type Ident = (String, i64);

/// Merges `items` into the object table in one IMMEDIATE transaction; with `source`, advances
/// that remote's incoming sync point to `source.1`.
pub fn merge_items(
    conn: &mut Connection,
    items: Vec<ObjectRecord>,
    source: Option<(&str, i64)>,
    old_schema: bool,
) -> Result<(), DbError> {
    let query_mod = if old_schema {
        ""
    } else {
        " deleted IN (0, 1) AND "
    };
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let mut records: HashMap<Ident, ObjectRecord> = HashMap::new();
    for chunk in items.chunks(SQLITE_ARG_LIMIT) {
        let marks = vec!["?"; chunk.len()].join(",");
        let sql = format!(
            "SELECT name, created_at, size, content_type, etag, deleted, storage_policy_index \
             FROM object WHERE {query_mod} name IN ({marks})"
        );
        let mut stmt = tx.prepare_cached(&sql)?;
        let rows = stmt.query_map(
            rusqlite::params_from_iter(chunk.iter().map(|r| &r.name)),
            |row| {
                Ok(ObjectRecord {
                    name: row.get(0)?,
                    created_at: super::info::text_col(row, 1)?,
                    size: super::info::int_col(row, 2)?,
                    content_type: super::info::text_col(row, 3)?,
                    etag: super::info::text_col(row, 4)?,
                    deleted: super::info::int_col(row, 5)? != 0,
                    storage_policy_index: super::info::int_col(row, 6)?,
                    ctype_timestamp: None,
                    meta_timestamp: None,
                })
            },
        )?;
        for r in rows {
            let r = r?;
            records.insert((r.name.clone(), r.storage_policy_index), r);
        }
    }
    let mut to_delete: Vec<Ident> = Vec::new();
    let mut to_add: Vec<MergeItem> = Vec::new();
    let mut add_pos: HashMap<Ident, usize> = HashMap::new();
    for rec in items {
        let ident = (rec.name.clone(), rec.storage_policy_index);
        let mut item = MergeItem::new(rec);
        if update_new_item_from_existing(&mut item, records.get(&ident))? {
            if records.contains_key(&ident) && !to_delete.contains(&ident) {
                to_delete.push(ident.clone());
            }
            match add_pos.get(&ident) {
                Some(&pos) => {
                    let prev = to_add[pos].rec.clone();
                    update_new_item_from_existing(&mut item, Some(&prev))?;
                    to_add[pos] = item;
                }
                None => {
                    add_pos.insert(ident, to_add.len());
                    to_add.push(item);
                }
            }
        }
    }
    {
        let del_sql =
            format!("DELETE FROM object WHERE {query_mod}name=? AND storage_policy_index=?");
        let mut del = tx.prepare_cached(&del_sql)?;
        for (name, spi) in &to_delete {
            del.execute(params![name, spi])?;
        }
        let mut ins = tx.prepare_cached(
            "INSERT INTO object (name, created_at, size, content_type, etag, deleted, \
             storage_policy_index) VALUES (?, ?, ?, ?, ?, ?, ?)",
        )?;
        for item in &to_add {
            let r = &item.rec;
            ins.execute(params![
                r.name,
                r.created_at,
                r.size,
                r.content_type,
                r.etag,
                i64::from(r.deleted),
                r.storage_policy_index
            ])?;
        }
        if let Some((remote, point)) = source {
            let n = tx.execute(
                "UPDATE incoming_sync SET sync_point=max(?, sync_point) WHERE remote_id=?",
                params![point, remote],
            )?;
            if n < 1 {
                tx.execute(
                    "INSERT INTO incoming_sync (sync_point, remote_id) VALUES (?, ?)",
                    params![point, remote],
                )?;
            }
        }
    }
    tx.commit()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(
        created_at: &str,
        ctype: &str,
        ctype_ts: Option<&str>,
        meta_ts: Option<&str>,
    ) -> ObjectRecord {
        ObjectRecord {
            name: "o".into(),
            created_at: created_at.into(),
            size: 1,
            content_type: ctype.into(),
            etag: "e".into(),
            deleted: false,
            storage_policy_index: 0,
            ctype_timestamp: ctype_ts.map(str::to_string),
            meta_timestamp: meta_ts.map(str::to_string),
        }
    }

    #[test]
    fn new_item_parts_merge_independently() {
        // Existing: data at 10, content type at 20, meta at 30.
        let existing = rec(
            "0000000010.00000+f4240+f4240",
            "a/old;swift_bytes=5",
            None,
            None,
        );
        // Newer data (40) but no ctype/meta of its own: data wins, ctype and meta stay.
        let mut item = MergeItem::new(rec("0000000040.00000", "b/new", None, None));
        assert!(update_new_item_from_existing(&mut item, Some(&existing)).unwrap());
        assert_eq!(item.rec.created_at, "0000000040.00000");
        assert_eq!(item.rec.content_type, "b/new");
        // Older data with a newer meta time only: data and content type kept, meta advances.
        let mut item = MergeItem::new(rec(
            "0000000005.00000",
            "c/x",
            None,
            Some("0000000050.00000"),
        ));
        assert!(update_new_item_from_existing(&mut item, Some(&existing)).unwrap());
        assert_eq!(item.rec.created_at, "0000000010.00000+f4240+2dc6c0");
        assert_eq!(item.rec.content_type, "a/old;swift_bytes=5");
        assert_eq!(item.rec.size, 1);
        // Everything older: nothing to do.
        let mut item = MergeItem::new(rec("0000000001.00000", "c/x", None, None));
        assert!(!update_new_item_from_existing(&mut item, Some(&existing)).unwrap());
        // No existing row: the timestamps are encoded.
        let mut item = MergeItem::new(rec(
            "0000000001.00000",
            "c/x",
            Some("0000000002.00000"),
            None,
        ));
        assert!(update_new_item_from_existing(&mut item, None).unwrap());
        assert_eq!(item.rec.created_at, "0000000001.00000+186a0+0");
        assert!(check_timestamps(&rec("nope", "t", None, None)).is_err());
        assert!(check_timestamps(&rec("1.0", "t", Some("x"), None)).is_err());
    }

    #[test]
    fn swift_bytes_extraction() {
        assert_eq!(
            extract_swift_bytes("text/plain"),
            ("text/plain".into(), None)
        );
        assert_eq!(
            extract_swift_bytes("text/plain;swift_bytes=10"),
            ("text/plain".into(), Some("10".into()))
        );
        assert_eq!(
            extract_swift_bytes("text/plain; charset=utf-8;swift_bytes=7; x=\"a b\""),
            (
                "text/plain;charset=utf-8;x=\"a b\"".into(),
                Some("7".into())
            )
        );
        assert_eq!(extract_swift_bytes("a/b; flag"), ("a/b;flag=".into(), None));
    }
}

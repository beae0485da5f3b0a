//! Object listings (Swift's `list_objects_iter`): marker, end_marker, prefix, delimiter (any
//! length), the deprecated `path`, reverse order, storage policy and the reserved namespace,
//! with the same SQL query plan (one ranged query, re-issued past each folded `subdir`).

use super::info::{int_col, text_col};
use super::types::{DbError, ListingEntry, ListingParams};
use crate::timestamp::decode_timestamps;
use rusqlite::Connection;

/// The string just after every string starting with `s` (last char's code point plus one).
fn bump_last(s: &str) -> String {
    let mut chars: Vec<char> = s.chars().collect();
    if let Some(last) = chars.pop() {
        let next = match last as u32 + 1 {
            0xD800 => '\u{E000}', // skip the surrogate gap Python would step into
            n => char::from_u32(n).unwrap_or(char::MAX),
        };
        chars.push(next);
    }
    chars.into_iter().collect()
}

/// Which rows a raw query returns (`include_deleted` of Swift: `Some(true)` only tombstones,
/// `Some(false)` only live rows, `None` both).
#[derive(Debug, Clone, Copy)]
pub struct RowFilter {
    /// Deleted-flag filter.
    pub include_deleted: Option<bool>,
    /// Ignore the policy and return rows of every policy.
    pub all_policies: bool,
    /// Only rows with ROWID above this.
    pub since_row: Option<i64>,
}

/// One raw object row of a listing query.
#[derive(Debug, Clone)]
pub struct RawRow {
    /// name
    pub name: String,
    /// created_at (combined encoding)
    pub created_at: String,
    /// size
    pub size: i64,
    /// content_type
    pub content_type: String,
    /// etag
    pub etag: String,
    /// deleted
    pub deleted: bool,
    /// storage_policy_index
    pub storage_policy_index: i64,
}

/// An entry of the listing loop: a row, or a folded common prefix.
#[derive(Debug, Clone)]
pub enum RawEntry {
    /// A row.
    Row(RawRow),
    /// A `subdir`.
    Prefix(String),
}

/// Swift's `list_objects_iter` algorithm over `conn`, policy `spi`, returning raw entries.
pub fn list_raw(
    conn: &Connection,
    p: &ListingParams,
    spi: i64,
    filter: RowFilter,
    deleted_key: &str,
) -> Result<Vec<RawEntry>, DbError> {
    let limit = p.limit;
    let deleted_arg = match filter.include_deleted {
        Some(true) => " = 1",
        Some(false) => " = 0",
        None => " in (0, 1)",
    };
    let (mut marker, mut end_marker) = if p.reverse {
        (p.end_marker.clone(), p.marker.clone())
    } else {
        (p.marker.clone(), p.end_marker.clone())
    };
    let mut prefix = p.prefix.clone();
    let mut delimiter = p.delimiter.clone();
    let mut path = p.path.clone();
    if let Some(pth) = &path {
        let mut pre = pth.clone();
        if !pth.is_empty() {
            pre = format!("{}/", pth.trim_end_matches('/'));
            path = Some(pre.clone());
        }
        prefix = Some(pre);
        delimiter = Some("/".into());
    } else if delimiter.as_deref().is_some_and(|d| !d.is_empty())
        && prefix.as_deref().unwrap_or("").is_empty()
    {
        prefix = Some(String::new());
    }
    let end_prefix = prefix.as_deref().filter(|s| !s.is_empty()).map(bump_last);
    let orig_marker = marker.clone();
    let mut delim_force_gte = false;
    let mut results: Vec<RawEntry> = Vec::new();
    while results.len() < limit {
        let mut conds: Vec<&str> = Vec::new();
        let mut args: Vec<rusqlite::types::Value> = Vec::new();
        let pre = prefix.as_deref().unwrap_or("");
        match &end_prefix {
            Some(ep) if end_marker.is_empty() || end_marker.as_str() >= ep.as_str() => {
                conds.push("name < ?");
                args.push(ep.clone().into());
            }
            _ if !end_marker.is_empty() => {
                conds.push("name < ?");
                args.push(end_marker.clone().into());
            }
            _ => {}
        }
        if delim_force_gte {
            conds.push("name >= ?");
            args.push(marker.clone().into());
            delim_force_gte = false;
        } else if !marker.is_empty() && (pre.is_empty() || marker.as_str() >= pre) {
            conds.push("name > ?");
            args.push(marker.clone().into());
        } else if !pre.is_empty() {
            conds.push("name >= ?");
            args.push(pre.to_string().into());
        }
        if !p.allow_reserved {
            conds.push("name >= ?");
            args.push("\u{1}".to_string().into());
        }
        let deleted_cond = format!("{deleted_key}{deleted_arg}");
        conds.push(&deleted_cond);
        if let Some(row) = filter.since_row {
            conds.push("ROWID > ?");
            args.push(row.into());
        }
        if !filter.all_policies {
            conds.push("storage_policy_index = ?");
            args.push(spi.into());
        }
        let sql = format!(
            "SELECT name, created_at, size, content_type, etag, {deleted_key}, storage_policy_index \
             FROM object WHERE {} ORDER BY name {}LIMIT ?",
            conds.join(" AND "),
            if p.reverse { "DESC " } else { "" }
        );
        args.push(((limit - results.len()) as i64).into());
        let mut stmt = conn.prepare_cached(&sql)?;
        let mut rows = stmt.query(rusqlite::params_from_iter(args.iter()))?;
        let no_fold = prefix.is_none() || delimiter.as_deref().unwrap_or("").is_empty();
        let delim = delimiter.clone().unwrap_or_default();
        let mut rowcount = 0;
        while let Some(r) = rows.next()? {
            let row = RawRow {
                name: text_col(r, 0)?,
                created_at: text_col(r, 1)?,
                size: int_col(r, 2)?,
                content_type: text_col(r, 3)?,
                etag: text_col(r, 4)?,
                deleted: int_col(r, 5)? != 0,
                storage_policy_index: int_col(r, 6)?,
            };
            if no_fold {
                results.push(RawEntry::Row(row));
                continue;
            }
            rowcount += 1;
            let name = row.name.clone();
            if p.reverse {
                end_marker = name.clone();
            } else {
                marker = name.clone();
            }
            if results.len() >= limit {
                return Ok(results);
            }
            let end = name
                .get(pre.len()..)
                .and_then(|rest| rest.find(&delim))
                .map(|i| i + pre.len());
            if let Some(pth) = &path {
                if &name == pth {
                    continue;
                }
                if let Some(end) = end {
                    if name.len() > end + delim.len() {
                        if p.reverse {
                            end_marker = name[..end + delim.len()].to_string();
                        } else {
                            marker = format!("{}{}", &name[..end], bump_last(&delim));
                        }
                        break;
                    }
                }
            } else if let Some(end) = end {
                if p.reverse {
                    end_marker = name[..end + delim.len()].to_string();
                } else {
                    marker = format!("{}{}", &name[..end], bump_last(&delim));
                    delim_force_gte = true;
                }
                let dir_name = name[..end + delim.len()].to_string();
                if dir_name != orig_marker {
                    results.push(RawEntry::Prefix(dir_name));
                }
                break;
            }
            results.push(RawEntry::Row(row));
        }
        if no_fold {
            return Ok(results);
        }
        if rowcount == 0 {
            break;
        }
    }
    Ok(results)
}

/// Turns raw entries into listing entries (Swift's `_transform_record`: the time shown is the
/// newest of the row's timestamps, i.e. the metadata timestamp).
pub fn to_listing(entries: Vec<RawEntry>) -> Vec<ListingEntry> {
    entries
        .into_iter()
        .map(|e| match e {
            RawEntry::Prefix(p) => ListingEntry::Subdir(p),
            RawEntry::Row(r) => {
                let created_at = match decode_timestamps(&r.created_at, false) {
                    Ok((d, c, m)) => m.or(c).unwrap_or(d).internal(),
                    Err(_) => r.created_at.clone(),
                };
                ListingEntry::Object {
                    name: r.name,
                    created_at,
                    size: r.size,
                    content_type: r.content_type,
                    etag: r.etag,
                }
            }
        })
        .collect()
}

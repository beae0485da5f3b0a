//! Listing bodies byte-for-byte as Swift 2.38.3's container server builds them: object
//! listings (`update_object_record` then json/xml/plain) and shard-range listings
//! (`update_shard_record`), with the 200-vs-204 rule (204 only when the body is empty).

use super::content_type::listed_type_and_bytes;
use super::error::ListingError;
use super::isoformat::isoformat;
use super::negotiate::Format;
use super::pyjson::{write_int, write_str};
use super::xml::{escape_attr, text_element};
use bytes::Bytes;
use swift_common::db::{ListingEntry, ShardRange};
use swift_common::timestamp::Timestamp;

/// A rendered listing: status, Content-Type header and body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// 200, or 204 when the body is empty (an empty plain listing). Swift keeps the reason
    /// phrase "OK" on that 204 (status line `204 OK`); see [`Rendered::reason`].
    pub status: u16,
    /// `Format::content_type()`, e.g. `application/json; charset=utf-8`.
    pub content_type: &'static str,
    /// The body.
    pub body: Bytes,
}

impl Rendered {
    fn new(format: Format, body: Vec<u8>) -> Rendered {
        Rendered {
            status: if body.is_empty() { 204 } else { 200 },
            content_type: format.content_type(),
            body: Bytes::from(body),
        }
    }

    /// The reason phrase Swift sends: always "OK" (swob only changes the code to 204).
    pub fn reason(&self) -> &'static str {
        "OK"
    }
}

/// One object row as the formats need it (Swift's `update_object_record`).
struct ObjectFields {
    bytes: String,
    content_type: String,
    last_modified: String,
}

fn object_fields(
    created_at: &str,
    size: i64,
    content_type: &str,
) -> Result<ObjectFields, ListingError> {
    let (content_type, bytes) = listed_type_and_bytes(content_type, size);
    Ok(ObjectFields {
        bytes,
        content_type,
        last_modified: isoformat(created_at)?,
    })
}

const XML_DECLARATION: &[u8] = b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";

/// Renders an object listing. `container` names the `<container>` element of the xml form.
pub fn render_objects(
    entries: &[ListingEntry],
    format: Format,
    container: &str,
) -> Result<Rendered, ListingError> {
    let mut out = Vec::with_capacity(64 + entries.len() * 160);
    match format {
        Format::Json => {
            out.push(b'[');
            for (i, entry) in entries.iter().enumerate() {
                if i > 0 {
                    out.extend_from_slice(b", ");
                }
                match entry {
                    ListingEntry::Subdir(name) => {
                        out.extend_from_slice(b"{\"subdir\": ");
                        write_str(&mut out, name);
                        out.push(b'}');
                    }
                    ListingEntry::Object {
                        name,
                        created_at,
                        size,
                        content_type,
                        etag,
                    } => {
                        let f = object_fields(created_at, *size, content_type)?;
                        out.extend_from_slice(b"{\"bytes\": ");
                        out.extend_from_slice(f.bytes.as_bytes());
                        out.extend_from_slice(b", \"hash\": ");
                        write_str(&mut out, etag);
                        out.extend_from_slice(b", \"name\": ");
                        write_str(&mut out, name);
                        out.extend_from_slice(b", \"content_type\": ");
                        write_str(&mut out, &f.content_type);
                        out.extend_from_slice(b", \"last_modified\": ");
                        write_str(&mut out, &f.last_modified);
                        out.push(b'}');
                    }
                }
            }
            out.push(b']');
        }
        Format::Xml | Format::TextXml => {
            out.extend_from_slice(XML_DECLARATION);
            out.extend_from_slice(b"<container name=\"");
            escape_attr(&mut out, container);
            if entries.is_empty() {
                out.extend_from_slice(b"\" />");
                return Ok(Rendered::new(format, out));
            }
            out.extend_from_slice(b"\">");
            for entry in entries {
                match entry {
                    ListingEntry::Subdir(name) => {
                        out.extend_from_slice(b"<subdir name=\"");
                        escape_attr(&mut out, name);
                        out.extend_from_slice(b"\">");
                        text_element(&mut out, "name", name);
                        out.extend_from_slice(b"</subdir>");
                    }
                    ListingEntry::Object {
                        name,
                        created_at,
                        size,
                        content_type,
                        etag,
                    } => {
                        let f = object_fields(created_at, *size, content_type)?;
                        out.extend_from_slice(b"<object>");
                        text_element(&mut out, "name", name);
                        text_element(&mut out, "hash", etag);
                        text_element(&mut out, "bytes", &f.bytes);
                        text_element(&mut out, "content_type", &f.content_type);
                        text_element(&mut out, "last_modified", &f.last_modified);
                        out.extend_from_slice(b"</object>");
                    }
                }
            }
            out.extend_from_slice(b"</container>");
        }
        Format::Plain => {
            for entry in entries {
                let name = match entry {
                    ListingEntry::Subdir(name) => name,
                    ListingEntry::Object {
                        name, created_at, ..
                    } => {
                        // Swift formats last_modified for every format, so a bad one is a 500.
                        isoformat(created_at)?;
                        name
                    }
                };
                out.extend_from_slice(name.as_bytes());
                out.push(b'\n');
            }
        }
    }
    Ok(Rendered::new(format, out))
}

/// A stored timestamp in Swift's internal form (`Timestamp(x).internal`).
fn internal(value: &str) -> Result<String, ListingError> {
    Timestamp::parse(value)
        .map(|t| t.internal())
        .map_err(|e| ListingError::Internal(format!("bad timestamp {value:?}: {e}")))
}

/// Renders a shard-range listing (`X-Backend-Record-Type: shard`). `full` is Swift's
/// `X-Backend-Record-Shard-Format: full` (every column plus `last_modified`); otherwise each
/// range is a namespace (`name`, `lower`, `upper`). Swift's xml writer cannot render shard
/// ranges (it fails looking for `hash`), so xml is a 500 as there.
pub fn render_shard_ranges(
    ranges: &[ShardRange],
    full: bool,
    format: Format,
    container: &str,
) -> Result<Rendered, ListingError> {
    let mut out = Vec::with_capacity(16 + ranges.len() * 400);
    match format {
        Format::Xml | Format::TextXml => {
            if let Some(first) = ranges.first() {
                return Err(ListingError::Internal(format!(
                    "shard range {} cannot be listed as xml",
                    first.name
                )));
            }
            // No ranges: the same document as an empty object listing.
            return render_objects(&[], format, container);
        }
        Format::Plain => {
            for r in ranges {
                out.extend_from_slice(r.name.as_bytes());
                out.push(b'\n');
            }
        }
        Format::Json => {
            out.push(b'[');
            for (i, r) in ranges.iter().enumerate() {
                if i > 0 {
                    out.extend_from_slice(b", ");
                }
                out.extend_from_slice(b"{\"name\": ");
                write_str(&mut out, &r.name);
                if full {
                    out.extend_from_slice(b", \"timestamp\": ");
                    write_str(&mut out, &internal(&r.timestamp)?);
                }
                out.extend_from_slice(b", \"lower\": ");
                write_str(&mut out, &r.lower);
                out.extend_from_slice(b", \"upper\": ");
                write_str(&mut out, &r.upper);
                if full {
                    out.extend_from_slice(b", \"object_count\": ");
                    write_int(&mut out, r.object_count);
                    out.extend_from_slice(b", \"bytes_used\": ");
                    write_int(&mut out, r.bytes_used);
                    out.extend_from_slice(b", \"meta_timestamp\": ");
                    write_str(&mut out, &internal(&r.meta_timestamp)?);
                    out.extend_from_slice(b", \"deleted\": ");
                    write_int(&mut out, i64::from(r.deleted));
                    out.extend_from_slice(b", \"state\": ");
                    write_int(&mut out, r.state);
                    out.extend_from_slice(b", \"state_timestamp\": ");
                    write_str(&mut out, &internal(&r.state_timestamp)?);
                    out.extend_from_slice(b", \"epoch\": ");
                    match &r.epoch {
                        Some(epoch) => write_str(&mut out, &internal(epoch)?),
                        None => out.extend_from_slice(b"null"),
                    }
                    out.extend_from_slice(b", \"reported\": ");
                    write_int(&mut out, i64::from(r.reported));
                    out.extend_from_slice(b", \"tombstones\": ");
                    write_int(&mut out, r.tombstones);
                    out.extend_from_slice(b", \"last_modified\": ");
                    write_str(&mut out, &isoformat(&r.timestamp)?);
                }
                out.push(b'}');
            }
            out.push(b']');
        }
    }
    Ok(Rendered::new(format, out))
}

//! Decoding the two ring file formats swift-ring-builder 2.38 writes.
//!
//! Both are gzip streams starting with the magic `R1NG` and a big-endian u16 format version.
//! - v1: a big-endian u32 length and a JSON header (devs, part_shift, replica_count, byteorder,
//!   version, next_part_power), then `replica_count` rows of u16 device ids in the byte order
//!   the header names (the last row may be short when the replica count is fractional).
//! - v2: named sections (`swift/ring/metadata`, `swift/ring/devices`, `swift/ring/assignments`),
//!   each a big-endian u64 length and its bytes, found through a JSON index whose uncompressed
//!   offset is the second-to-last u64 of the stream; assignments are big-endian ids of
//!   `dev_id_bytes` (2 or 4) bytes each, rows of `partition_count` ids.

use std::io::Read;
use std::path::Path;

use serde_json::Value;

use crate::device::{parse_devices, Device};
use crate::error::RingError;

/// Everything a ring file holds, decoded.
#[derive(Debug, Clone, PartialEq)]
pub struct RingData {
    /// 1 or 2.
    pub format_version: u16,
    /// The device list, indexed by device id; `None` where a device was removed.
    pub devs: Vec<Option<Device>>,
    /// For each replica, the device id holding each partition (last row may be shorter).
    pub replica2part2dev: Vec<Vec<u32>>,
    /// 32 minus the partition power: how far to shift the top 32 hash bits.
    pub part_shift: u32,
    /// Set while a partition power increase is in progress.
    pub next_part_power: Option<u32>,
    /// The builder's ring version, when recorded.
    pub version: Option<u64>,
    /// Width of a device id in the assignment table (always 2 in v1).
    pub dev_id_bytes: u8,
}

impl RingData {
    /// Reads and decodes a `*.ring.gz` file.
    pub fn load(path: &Path) -> Result<RingData, RingError> {
        let io_err = |source| RingError::Io {
            path: path.to_path_buf(),
            source,
        };
        let file = std::fs::File::open(path).map_err(io_err)?;
        let mut raw = Vec::new();
        flate2::read::GzDecoder::new(std::io::BufReader::new(file))
            .read_to_end(&mut raw)
            .map_err(io_err)?;
        RingData::parse(&raw).map_err(|reason| RingError::Format {
            path: path.to_path_buf(),
            reason,
        })
    }

    /// Decodes the uncompressed bytes of a ring file.
    pub fn parse(raw: &[u8]) -> Result<RingData, String> {
        if raw.len() < 6 || &raw[..4] != b"R1NG" {
            return Err(format!("bad ring magic: {:?}", raw.get(..4).unwrap_or(raw)));
        }
        let version = u16::from_be_bytes([raw[4], raw[5]]);
        match version {
            1 => parse_v1(&raw[6..]),
            2 => parse_v2(raw),
            other => Err(format!("unsupported ring version: {other}")),
        }
    }

    /// Number of partitions (`2 ** part_power`).
    pub fn partition_count(&self) -> usize {
        1usize << (32 - self.part_shift)
    }
}

fn parse_v1(body: &[u8]) -> Result<RingData, String> {
    let json_len = read_u32_be(body, 0).ok_or("truncated v1 header length")? as usize;
    let json = body.get(4..4 + json_len).ok_or("truncated v1 header")?;
    let header: Value = serde_json::from_slice(json).map_err(|e| format!("v1 header: {e}"))?;
    let part_shift = part_shift_of(&header)?;
    let devs = parse_devices(
        serde_json::to_vec(header.get("devs").ok_or("v1 header has no devs")?)
            .map_err(|e| e.to_string())?
            .as_slice(),
    )?;
    let replica_count = header
        .get("replica_count")
        .and_then(Value::as_u64)
        .ok_or("v1 header has no integer replica_count")? as usize;
    let big_endian = match header.get("byteorder").and_then(Value::as_str) {
        Some("big") => true,
        Some("little") => false,
        // Swift assumes the reader's own byte order when the header does not say.
        None => cfg!(target_endian = "big"),
        Some(other) => return Err(format!("unknown byteorder {other:?}")),
    };
    let partition_count = 1usize << (32 - part_shift);
    let mut rest = &body[4 + json_len..];
    let mut rows = Vec::with_capacity(replica_count);
    for _ in 0..replica_count {
        let take = rest.len().min(2 * partition_count);
        let (row, tail) = rest.split_at(take);
        rows.push(decode_ids(row, 2, big_endian)?);
        rest = tail;
    }
    Ok(RingData {
        format_version: 1,
        devs,
        replica2part2dev: rows,
        part_shift,
        next_part_power: opt_u32(&header, "next_part_power")?,
        version: header.get("version").and_then(Value::as_u64),
        dev_id_bytes: 2,
    })
}

fn parse_v2(raw: &[u8]) -> Result<RingData, String> {
    // The stream ends with the index's uncompressed offset, then its compressed offset.
    let index_at = raw
        .len()
        .checked_sub(16)
        .and_then(|at| read_u64_be(raw, at))
        .ok_or("v2 ring too short for its index offset")?;
    let index_json = read_blob(raw, index_at).ok_or("v2 index out of bounds")?;
    let index: serde_json::Map<String, Value> =
        serde_json::from_slice(index_json).map_err(|e| format!("v2 index: {e}"))?;

    let metadata: Value = serde_json::from_slice(section(raw, &index, "swift/ring/metadata")?)
        .map_err(|e| format!("v2 metadata: {e}"))?;
    let part_shift = part_shift_of(&metadata)?;
    let dev_id_bytes = match metadata.get("dev_id_bytes").and_then(Value::as_u64) {
        Some(2) => 2u8,
        Some(4) => 4u8,
        other => return Err(format!("unsupported dev_id_bytes {other:?}")),
    };
    let devs = parse_devices(section(raw, &index, "swift/ring/devices")?)?;
    let table = section(raw, &index, "swift/ring/assignments")?;
    let row_len = dev_id_bytes as usize * (1usize << (32 - part_shift));
    let rows = table
        .chunks(row_len)
        .map(|row| decode_ids(row, dev_id_bytes, true))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(RingData {
        format_version: 2,
        devs,
        replica2part2dev: rows,
        part_shift,
        next_part_power: opt_u32(&metadata, "next_part_power")?,
        version: metadata.get("version").and_then(Value::as_u64),
        dev_id_bytes,
    })
}

/// The bytes of a named v2 section, checked against the index's length and checksum.
fn section<'a>(
    raw: &'a [u8],
    index: &serde_json::Map<String, Value>,
    name: &str,
) -> Result<&'a [u8], String> {
    let entry = index
        .get(name)
        .and_then(Value::as_array)
        .filter(|e| e.len() == 6)
        .ok_or_else(|| format!("v2 index has no section {name}"))?;
    let start = entry[1]
        .as_u64()
        .ok_or_else(|| format!("section {name}: bad start"))?;
    let data = read_blob(raw, start).ok_or_else(|| format!("section {name} out of bounds"))?;
    if !entry[2].is_null() {
        let end = entry[3]
            .as_u64()
            .ok_or_else(|| format!("section {name}: bad end"))?;
        if end.checked_sub(start) != Some(8 + data.len() as u64) {
            return Err(format!("inconsistent size of section {name}"));
        }
    }
    let method = entry[4].as_str().unwrap_or_default();
    let expected = entry[5].as_str().unwrap_or_default();
    let covered = &raw[start as usize..start as usize + 8 + data.len()];
    let actual = hex_digest(method, covered)
        .ok_or_else(|| format!("unsupported checksum {method} for section {name}"))?;
    if !expected.is_empty() && actual != expected {
        return Err(format!("checksum mismatch in section {name}"));
    }
    Ok(data)
}

fn hex_digest(method: &str, data: &[u8]) -> Option<String> {
    use md5::Digest;
    let bytes: Vec<u8> = match method {
        "md5" => md5::Md5::digest(data).to_vec(),
        "sha1" => sha1::Sha1::digest(data).to_vec(),
        "sha256" => sha2::Sha256::digest(data).to_vec(),
        "sha512" => sha2::Sha512::digest(data).to_vec(),
        _ => return None,
    };
    Some(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// A big-endian u64 length at `at`, then that many bytes.
fn read_blob(raw: &[u8], at: u64) -> Option<&[u8]> {
    let at = usize::try_from(at).ok()?;
    let len = usize::try_from(read_u64_be(raw, at)?).ok()?;
    raw.get(at.checked_add(8)?..at.checked_add(8)?.checked_add(len)?)
}

fn read_u32_be(raw: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(raw.get(at..at + 4)?.try_into().ok()?))
}

fn read_u64_be(raw: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_be_bytes(
        raw.get(at..at.checked_add(8)?)?.try_into().ok()?,
    ))
}

fn decode_ids(row: &[u8], width: u8, big_endian: bool) -> Result<Vec<u32>, String> {
    if !row.len().is_multiple_of(width as usize) {
        return Err("assignment table length is not a multiple of the id width".into());
    }
    Ok(row
        .chunks_exact(width as usize)
        .map(|c| match (width, big_endian) {
            (2, true) => u16::from_be_bytes([c[0], c[1]]) as u32,
            (2, false) => u16::from_le_bytes([c[0], c[1]]) as u32,
            (_, true) => u32::from_be_bytes([c[0], c[1], c[2], c[3]]),
            (_, false) => u32::from_le_bytes([c[0], c[1], c[2], c[3]]),
        })
        .collect())
}

fn part_shift_of(header: &Value) -> Result<u32, String> {
    match header.get("part_shift").and_then(Value::as_u64) {
        Some(shift) if shift <= 32 => Ok(shift as u32),
        other => Err(format!("bad part_shift {other:?}")),
    }
}

fn opt_u32(header: &Value, key: &str) -> Result<Option<u32>, String> {
    match header.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .map(Some)
            .ok_or_else(|| format!("bad {key}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEVS: &str = r#"[{"id":0,"region":1,"zone":1,"ip":"127.0.0.1","port":6201,"device":"sda","weight":1.0,"meta":""},{"id":1,"region":1,"zone":2,"ip":"127.0.0.2","port":6201,"device":"sdb","weight":1.0,"meta":""}]"#;

    fn v1_bytes(byteorder: &str, rows: &[&[u16]]) -> Vec<u8> {
        let header = format!(
            r#"{{"byteorder":"{byteorder}","devs":{DEVS},"part_shift":30,"replica_count":{},"version":7}}"#,
            rows.len()
        );
        let mut out = b"R1NG\x00\x01".to_vec();
        out.extend((header.len() as u32).to_be_bytes());
        out.extend(header.as_bytes());
        for row in rows {
            for id in *row {
                if byteorder == "big" {
                    out.extend(id.to_be_bytes());
                } else {
                    out.extend(id.to_le_bytes());
                }
            }
        }
        out
    }

    #[test]
    fn v1_in_either_byte_order_with_a_short_last_row() {
        for order in ["little", "big"] {
            let ring = RingData::parse(&v1_bytes(order, &[&[0, 1, 0, 1], &[1, 0]])).unwrap();
            assert_eq!(ring.format_version, 1);
            assert_eq!(ring.part_shift, 30);
            assert_eq!(ring.partition_count(), 4);
            assert_eq!(ring.replica2part2dev, vec![vec![0, 1, 0, 1], vec![1, 0]]);
            assert_eq!(ring.version, Some(7));
            assert_eq!(ring.devs.len(), 2);
        }
    }

    fn push_section(out: &mut Vec<u8>, index: &mut Vec<String>, name: &str, data: &[u8]) {
        let start = out.len();
        out.extend((data.len() as u64).to_be_bytes());
        out.extend(data);
        let digest = hex_digest("sha256", &out[start..]).unwrap();
        index.push(format!(
            r#""{name}":[0,{start},0,{},"sha256","{digest}"]"#,
            out.len()
        ));
    }

    fn v2_bytes(table: &[u8], corrupt: bool) -> Vec<u8> {
        let mut out = b"R1NG\x00\x02".to_vec();
        let mut index = Vec::new();
        let meta = br#"{"dev_id_bytes":4,"part_shift":31,"replica_count":1.5,"version":3}"#;
        push_section(&mut out, &mut index, "swift/ring/metadata", meta);
        push_section(&mut out, &mut index, "swift/ring/devices", DEVS.as_bytes());
        push_section(&mut out, &mut index, "swift/ring/assignments", table);
        if corrupt {
            let n = out.len();
            out[n - 1] ^= 1;
        }
        let index_at = out.len() as u64;
        let json = format!("{{{}}}", index.join(","));
        out.extend((json.len() as u64).to_be_bytes());
        out.extend(json.as_bytes());
        out.extend(index_at.to_be_bytes());
        out.extend(0u64.to_be_bytes());
        out
    }

    #[test]
    fn v2_sections_with_four_byte_ids() {
        let table = [0u32, 1, 1]
            .iter()
            .flat_map(|v| v.to_be_bytes())
            .collect::<Vec<u8>>();
        let ring = RingData::parse(&v2_bytes(&table, false)).unwrap();
        assert_eq!(ring.format_version, 2);
        assert_eq!(ring.dev_id_bytes, 4);
        assert_eq!(ring.replica2part2dev, vec![vec![0, 1], vec![1]]);
        assert_eq!(ring.version, Some(3));
        let err = RingData::parse(&v2_bytes(&table, true)).unwrap_err();
        assert!(err.contains("checksum mismatch"), "{err}");
    }

    #[test]
    fn rejects_what_swift_rejects() {
        assert!(RingData::parse(b"NOPE\x00\x01")
            .unwrap_err()
            .contains("magic"));
        assert!(RingData::parse(b"R1NG\x00\x03")
            .unwrap_err()
            .contains("version"));
        assert!(RingData::parse(b"R1NG\x00\x01\x00\x00\x00\x09{}").is_err());
        assert!(RingData::parse(b"R1NG\x00\x02\x00").is_err());
        let mut odd = v1_bytes("little", &[&[0, 1, 0, 1]]);
        odd.pop();
        assert!(RingData::parse(&odd).is_err());
    }
}

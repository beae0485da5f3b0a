//! `bench-sqlite-limit --dir DIR [--rows 100000] [--batch 1000] [--names random:SEED]`: inserts
//! rows with random names into a table shaped like Swift's container `object` table (with its
//! index on (deleted, name)) in batched transactions, with the pragmas Swift's brokers set, on
//! the disk holding DIR. One writer, one core: the most object-row updates one container's
//! database can take on this machine. Prints `rows_per_s=` and the DB's `bytes_per_row=`.

use anyhow::{Context, Result};
use rusqlite::{params, Connection};
use std::time::Instant;
use swift_bench::args::Args;
use swift_bench::names::{self, NameScheme};

/// The columns and index of Swift's container object table (Swift's triggers that maintain
/// per-policy counts are left out: this is the bare insert cost).
const SCHEMA: &str = "
    CREATE TABLE object (
        ROWID INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT,
        created_at TEXT,
        size INTEGER,
        content_type TEXT,
        etag TEXT,
        deleted INTEGER DEFAULT 0,
        storage_policy_index INTEGER DEFAULT 0
    );
    CREATE INDEX ix_object_deleted_name ON object (deleted, name);
";

fn main() -> Result<()> {
    let args = Args::parse(std::env::args().skip(1))?;
    let dir = args.str_or("dir", ".");
    let rows: u64 = args.parsed_or("rows", 100_000)?;
    let batch: u64 = args.parsed_or("batch", 1000)?.max(1);
    let names_text = args.str_or("names", "random:7");
    let scheme = NameScheme::parse(&names_text).context("--names: random:SEED or tree")?;
    let path = std::path::Path::new(&dir).join("sqlite-limit.db");
    let _ = std::fs::remove_file(&path);
    let conn = Connection::open(&path).with_context(|| format!("opening {}", path.display()))?;
    // The pragmas Swift's broker connections use: a rollback journal, synchronous NORMAL.
    conn.execute_batch(
        "PRAGMA synchronous = NORMAL; PRAGMA temp_store = MEMORY; PRAGMA journal_mode = DELETE;",
    )?;
    conn.execute_batch(SCHEMA)?;
    let started = Instant::now();
    let mut done = 0;
    while done < rows {
        let end = (done + batch).min(rows);
        let tx = conn.unchecked_transaction()?;
        {
            let mut insert = tx.prepare_cached(
                "INSERT INTO object (name, created_at, size, content_type, etag, deleted, \
                 storage_policy_index) VALUES (?, ?, ?, ?, ?, 0, 0)",
            )?;
            for seq in done..end {
                insert.execute(params![
                    scheme.name(seq),
                    names::now_timestamp(),
                    names::size(seq) as i64,
                    names::CONTENT_TYPE,
                    names::etag(seq),
                ])?;
            }
        }
        tx.commit()?;
        done = end;
    }
    let secs = started.elapsed().as_secs_f64();
    drop(conn);
    let bytes = std::fs::metadata(&path)?.len();
    println!(
        "rows_per_s={:.1} secs={secs:.3} rows={rows} bytes_per_row={:.1}",
        rows as f64 / secs.max(1e-9),
        bytes as f64 / rows.max(1) as f64
    );
    let _ = std::fs::remove_file(&path);
    Ok(())
}

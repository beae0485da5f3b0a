//! Creating a container DB as Swift does: built in a temp file with fast pragmas, fsynced, then
//! renamed into place under the directory lock unless another creator won the race.

use super::broker::ContainerBroker;
use super::connection::open_for_create;
use super::pending::DirLock;
use super::quarantine;
use super::schema::{self, NewContainer};
use super::types::DbError;
use crate::timestamp::Timestamp;
use std::path::Path;

impl ContainerBroker {
    /// Body of `initialize`.
    pub(super) fn create_db(
        &self,
        put_timestamp: &Timestamp,
        storage_policy_index: i64,
    ) -> Result<bool, DbError> {
        if self.exists() {
            return Ok(false);
        }
        let (account, container) = match self.names.get() {
            Some(n) => n.clone(),
            None => {
                return Err(DbError::BadInput(
                    "Attempting to create a new database with no account set".into(),
                ))
            }
        };
        let io = |e: std::io::Error| DbError::Other(format!("{}: {e}", self.db_dir.display()));
        std::fs::create_dir_all(&self.db_dir).map_err(io)?;
        let tmp = self
            .db_dir
            .join(format!("tmp{}.tmp", quarantine::uuid4().replace('-', "")));
        let built = self.build_new_db(
            &tmp,
            &account,
            &container,
            put_timestamp,
            storage_policy_index,
        );
        if let Err(e) = built {
            let _ = std::fs::remove_file(&tmp);
            return Err(e);
        }
        let _lock = DirLock::acquire(&self.db_dir, self.pending_timeout)?;
        if self.exists() {
            // Lost a race with another creator (Swift: DatabaseAlreadyExists).
            let _ = std::fs::remove_file(&tmp);
            return Ok(false);
        }
        std::fs::rename(&tmp, self.legacy_db_file()).map_err(io)?;
        if let Ok(d) = std::fs::File::open(&self.db_dir) {
            let _ = d.sync_all();
        }
        Ok(true)
    }

    fn build_new_db(
        &self,
        tmp: &Path,
        account: &str,
        container: &str,
        put_timestamp: &Timestamp,
        storage_policy_index: i64,
    ) -> Result<(), DbError> {
        let conn = open_for_create(tmp)?;
        let device = quarantine::device_path(&self.db_dir);
        let device = device
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        let id = format!("{}-{device}", quarantine::uuid4());
        let created_at = Timestamp::now().internal();
        let put = put_timestamp.internal();
        conn.execute_batch("BEGIN")?;
        schema::create_container_db(
            &conn,
            &NewContainer {
                account,
                container,
                created_at: &created_at,
                id: &id,
                put_timestamp: &put,
                storage_policy_index,
            },
        )?;
        conn.execute_batch("COMMIT")?;
        drop(conn);
        let f = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(tmp)
            .map_err(|e| DbError::Other(format!("{}: {e}", tmp.display())))?;
        f.sync_all()
            .map_err(|e| DbError::Other(format!("{}: {e}", tmp.display())))?;
        Ok(())
    }
}

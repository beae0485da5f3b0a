//! What the container replicator needs to queue misplaced objects for the reconciler: the
//! reconciler sync point and whether the DB holds rows of more than one storage policy.
//! (Added by the ring/replicator helper; see the commit.)

use super::broker::ContainerBroker;
use super::types::DbError;

impl ContainerBroker {
    /// Swift's `get_reconciler_sync`: the ROWID up to which misplaced rows were queued.
    pub fn get_reconciler_sync(&self) -> Result<i64, DbError> {
        self.get_info_extras()
            .map(|(_, extras)| extras.reconciler_sync_point)
    }

    /// Swift's `update_reconciler_sync`.
    pub fn update_reconciler_sync(&self, point: i64) -> Result<(), DbError> {
        self.with_conn(|c, _| {
            c.execute(
                "UPDATE container_stat SET reconciler_sync_point = ?",
                [point],
            )?;
            Ok(())
        })
    }

    /// Swift's `has_multiple_policies`: rows counted under more than one policy.
    pub fn has_multiple_policies(&self) -> Result<bool, DbError> {
        self.with_conn(|c, _| {
            match c.query_row(
                "SELECT count(storage_policy_index) FROM policy_stat",
                [],
                |r| r.get::<_, i64>(0),
            ) {
                Ok(n) => Ok(n > 1),
                Err(e) if e.to_string().contains("no such table: policy_stat") => Ok(false),
                Err(e) => Err(e.into()),
            }
        })
    }
}

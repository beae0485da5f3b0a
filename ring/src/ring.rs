//! The loaded ring: partition of a name, its primary devices, and this node's devices.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use swift_common::hash::{hash_path_raw, HashSalt};

use crate::device::Device;
use crate::error::RingError;
use crate::format::RingData;
use crate::handoffs::Handoffs;
use crate::local::is_local_device;

/// `<swift_dir>/<name>.ring.gz`, where Swift looks for a ring by name (`container`, `account`).
pub fn ring_path(swift_dir: &Path, name: &str) -> PathBuf {
    swift_dir.join(format!("{name}.ring.gz"))
}

/// A ring loaded in memory, with the hash salt it places names by.
#[derive(Debug, Clone)]
pub struct Ring {
    pub(crate) data: RingData,
    salt: HashSalt,
    path: PathBuf,
    mtime: Option<SystemTime>,
    /// Counts over devices that hold at least one partition, for the handoff search's early exits.
    pub(crate) num_regions: usize,
    pub(crate) num_zones: usize,
    pub(crate) num_ips: usize,
    pub(crate) num_assigned_devs: usize,
}

impl Ring {
    /// Loads the ring file at `path`; names are placed with `salt` (swift.conf's `[swift-hash]`).
    pub fn load(path: impl AsRef<Path>, salt: HashSalt) -> Result<Ring, RingError> {
        let path = path.as_ref();
        let mtime = std::fs::metadata(path)
            .and_then(|m| m.modified())
            .map_err(|source| RingError::Io {
                path: path.to_path_buf(),
                source,
            })?;
        let data = RingData::load(path)?;
        let mut ring = Ring::from_data(data, salt);
        ring.path = path.to_path_buf();
        ring.mtime = Some(mtime);
        Ok(ring)
    }

    /// A ring from already decoded data (not tied to a file).
    pub fn from_data(data: RingData, salt: HashSalt) -> Ring {
        let assigned: HashSet<u32> = data.replica2part2dev.iter().flatten().copied().collect();
        let mut regions = HashSet::new();
        let mut zones = HashSet::new();
        let mut ips = HashSet::new();
        let mut num_assigned_devs = 0;
        for dev in data.devs.iter().flatten() {
            if assigned.contains(&dev.id) {
                regions.insert(dev.region);
                zones.insert((dev.region, dev.zone));
                ips.insert((dev.region, dev.zone, dev.ip.as_str()));
                num_assigned_devs += 1;
            }
        }
        let (num_regions, num_zones, num_ips) = (regions.len(), zones.len(), ips.len());
        Ring {
            data,
            salt,
            path: PathBuf::new(),
            mtime: None,
            num_regions,
            num_zones,
            num_ips,
            num_assigned_devs,
        }
    }

    /// The file this ring was loaded from (empty for [`Ring::from_data`]).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The file's modification time when it was loaded.
    pub fn mtime(&self) -> Option<SystemTime> {
        self.mtime
    }

    /// The partition holding `account[/container[/obj]]`: the top `part_power` bits of the
    /// salted MD5 of the path.
    pub fn get_part(&self, account: &str, container: Option<&str>, obj: Option<&str>) -> u64 {
        let digest = hash_path_raw(&self.salt, account, container, obj);
        let top = u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]]);
        u64::from(top) >> self.data.part_shift
    }

    /// The primary devices of `part`, in replica order, each device once.
    pub fn get_part_nodes(&self, part: u64) -> Vec<Device> {
        let mut nodes: Vec<Device> = Vec::with_capacity(self.data.replica2part2dev.len());
        let Ok(part) = usize::try_from(part) else {
            return nodes;
        };
        for row in &self.data.replica2part2dev {
            if let Some(&dev_id) = row.get(part) {
                if nodes.iter().any(|n| n.id == dev_id) {
                    continue;
                }
                if let Some(dev) = self.dev(dev_id) {
                    nodes.push(dev.clone());
                }
            }
        }
        nodes
    }

    /// The partition of `account[/container[/obj]]` and its primary devices.
    pub fn get_nodes(
        &self,
        account: &str,
        container: Option<&str>,
        obj: Option<&str>,
    ) -> (u64, Vec<Device>) {
        let part = self.get_part(account, container, obj);
        (part, self.get_part_nodes(part))
    }

    /// Handoff devices for `part`, lazily, in Swift's order: first devices in regions the
    /// primaries do not use, then unused zones, then unused IPs, then any device left.
    pub fn get_more_nodes(&self, part: u64) -> Handoffs<'_> {
        Handoffs::new(self, part)
    }

    /// The device with this id, if it exists.
    pub fn dev(&self, id: u32) -> Option<&Device> {
        self.data.devs.get(id as usize).and_then(Option::as_ref)
    }

    /// The device list as stored (`None` for removed devices).
    pub fn devs(&self) -> &[Option<Device>] {
        &self.data.devs
    }

    /// Devices whose REST `ip`/`port` are this node's (`my_port` `None` matches any port).
    pub fn local_devices(&self, my_ips: &[String], my_port: Option<u16>) -> Vec<Device> {
        self.devs_matching(|d| is_local_device(my_ips, my_port, &d.ip, d.port))
    }

    /// Devices whose `replication_ip`/`replication_port` are this node's, as the replicators
    /// choose the devices they walk.
    pub fn local_replication_devices(
        &self,
        my_ips: &[String],
        my_port: Option<u16>,
    ) -> Vec<Device> {
        self.devs_matching(|d| {
            is_local_device(my_ips, my_port, &d.replication_ip, d.replication_port)
        })
    }

    fn devs_matching(&self, pred: impl Fn(&Device) -> bool) -> Vec<Device> {
        self.data
            .devs
            .iter()
            .flatten()
            .filter(|d| pred(d))
            .cloned()
            .collect()
    }

    /// Number of partitions.
    pub fn partition_count(&self) -> usize {
        self.data.replica2part2dev.first().map_or(0, Vec::len)
    }

    /// Replica count, fractional when the last replica covers only some partitions.
    pub fn replica_count(&self) -> f64 {
        let rows = &self.data.replica2part2dev;
        match (rows.first(), rows.last()) {
            (Some(first), Some(last)) if !first.is_empty() => {
                (rows.len() - 1) as f64 + last.len() as f64 / first.len() as f64
            }
            _ => 0.0,
        }
    }

    /// Partition power (`32 - part_shift`).
    pub fn part_power(&self) -> u32 {
        32 - self.data.part_shift
    }

    /// Partition power being moved to, during a part power increase.
    pub fn next_part_power(&self) -> Option<u32> {
        self.data.next_part_power
    }

    /// The builder's ring version, when recorded.
    pub fn version(&self) -> Option<u64> {
        self.data.version
    }

    /// The file format the ring was read from (1 or 2).
    pub fn format_version(&self) -> u16 {
        self.data.format_version
    }

    /// Number of devices that hold at least one partition.
    pub fn assigned_device_count(&self) -> usize {
        self.num_assigned_devs
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A ring over the given devices (region, zone, ip) and assignment rows.
    pub(crate) fn ring_of(devs: &[(u32, u32, &str)], rows: Vec<Vec<u32>>, part_shift: u32) -> Ring {
        let devs = devs
            .iter()
            .enumerate()
            .map(|(i, &(region, zone, ip))| {
                Some(Device {
                    id: i as u32,
                    region,
                    zone,
                    ip: ip.to_string(),
                    port: 6201,
                    replication_ip: ip.to_string(),
                    replication_port: 6211,
                    device: format!("sd{i}"),
                    weight: 1.0,
                    meta: String::new(),
                })
            })
            .collect();
        let data = RingData {
            format_version: 2,
            devs,
            replica2part2dev: rows,
            part_shift,
            next_part_power: None,
            version: None,
            dev_id_bytes: 2,
        };
        Ring::from_data(data, HashSalt::default())
    }

    #[test]
    fn primaries_are_deduplicated_and_ordered_by_replica() {
        let ring = ring_of(
            &[(1, 1, "a"), (1, 2, "b"), (1, 3, "c")],
            vec![vec![0, 1, 2, 0], vec![1, 1, 0, 2], vec![2, 0]],
            30,
        );
        let ids = |part| {
            ring.get_part_nodes(part)
                .iter()
                .map(|d| d.id)
                .collect::<Vec<_>>()
        };
        assert_eq!(ids(0), vec![0, 1, 2]);
        assert_eq!(ids(1), vec![1, 0]);
        assert_eq!(ids(2), vec![2, 0]);
        assert_eq!(ids(3), vec![0, 2]);
        assert_eq!(ids(4), Vec::<u32>::new());
        assert_eq!(ring.partition_count(), 4);
        assert_eq!(ring.replica_count(), 2.5);
        assert_eq!(ring.part_power(), 2);
    }

    #[test]
    fn local_devices_match_on_rest_or_replication_address() {
        let ring = ring_of(
            &[(1, 1, "127.0.0.1"), (1, 2, "127.0.0.2")],
            vec![vec![0, 1]],
            31,
        );
        let mine = vec!["127.0.0.1".to_string()];
        let ids = |devs: Vec<Device>| devs.iter().map(|d| d.id).collect::<Vec<_>>();
        assert_eq!(ids(ring.local_devices(&mine, Some(6201))), vec![0]);
        assert_eq!(
            ids(ring.local_devices(&mine, Some(6211))),
            Vec::<u32>::new()
        );
        assert_eq!(
            ids(ring.local_replication_devices(&mine, Some(6211))),
            vec![0]
        );
        assert_eq!(ids(ring.local_devices(&mine, None)), vec![0]);
    }
}

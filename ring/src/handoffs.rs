//! Swift's handoff order (`Ring.get_more_nodes`), as a lazy iterator.
//!
//! Partitions are visited from a start derived from the MD5 of the partition number, stepping
//! by `partition_count / 65536` (at least 1) and wrapping around. The visit is repeated up to
//! four times, each pass accepting only devices that widen the spread further: first devices in
//! an unused region, then in an unused zone, then on an unused IP, then any unused device. Each
//! pass stops as soon as every tier of its kind is covered.

use std::collections::HashSet;

use md5::{Digest, Md5};

use crate::device::Device;
use crate::ring::Ring;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Regions,
    Zones,
    Ips,
    Devs,
    Done,
}

/// Iterator over the handoff devices of one partition; see [`Ring::get_more_nodes`].
#[derive(Debug)]
pub struct Handoffs<'a> {
    ring: &'a Ring,
    used: HashSet<u32>,
    same_regions: HashSet<u32>,
    same_zones: HashSet<(u32, u32)>,
    same_ips: HashSet<(u32, u32, &'a str)>,
    stage: Stage,
    /// Where in the current pass we are: the partition, and whether we wrapped around.
    cursor: Option<(usize, bool)>,
    replica: usize,
    start: usize,
    inc: usize,
    parts: usize,
}

impl<'a> Handoffs<'a> {
    pub(crate) fn new(ring: &'a Ring, part: u64) -> Handoffs<'a> {
        let primaries = ring.get_part_nodes(part);
        let mut used = HashSet::new();
        let mut same_regions = HashSet::new();
        let mut same_zones = HashSet::new();
        let mut same_ips = HashSet::new();
        for d in &primaries {
            used.insert(d.id);
            same_regions.insert(d.region);
            same_zones.insert((d.region, d.zone));
            // Borrow the ip from the ring's own device so the set can outlive `primaries`.
            if let Some(dev) = ring.dev(d.id) {
                same_ips.insert((dev.region, dev.zone, dev.ip.as_str()));
            }
        }
        let parts = ring.partition_count();
        let digest = Md5::digest(part.to_string().as_bytes());
        let top = u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]]);
        let start = (u64::from(top) >> ring.data.part_shift) as usize;
        let inc = (parts / 65536).max(1);
        let mut handoffs = Handoffs {
            ring,
            used,
            same_regions,
            same_zones,
            same_ips,
            stage: Stage::Regions,
            cursor: None,
            replica: 0,
            start,
            inc,
            parts,
        };
        if parts == 0 {
            handoffs.stage = Stage::Done;
        } else {
            handoffs.begin_stage();
        }
        handoffs
    }

    /// Whether every tier of the current stage's kind is already used.
    fn stage_complete(&self) -> bool {
        match self.stage {
            Stage::Regions => self.same_regions.len() == self.ring.num_regions,
            Stage::Zones => self.same_zones.len() == self.ring.num_zones,
            Stage::Ips => self.same_ips.len() == self.ring.num_ips,
            Stage::Devs => self.used.len() == self.ring.num_assigned_devs,
            Stage::Done => true,
        }
    }

    /// Enters the current stage, skipping stages that have nothing left to find.
    fn begin_stage(&mut self) {
        while self.stage != Stage::Done && self.stage_complete() {
            self.stage = next_stage(self.stage);
        }
        self.cursor = Some((self.start, false));
        self.replica = 0;
    }

    fn finish_stage(&mut self) {
        self.stage = next_stage(self.stage);
        if self.stage != Stage::Done {
            self.begin_stage();
        }
    }

    /// The next partition of the visiting order, after `part`.
    fn advance(&self, part: usize, wrapped: bool) -> Option<(usize, bool)> {
        let next = part + self.inc;
        if !wrapped {
            if next < self.parts {
                return Some((next, false));
            }
            let restart = self.inc - (self.parts - self.start) % self.inc;
            return (restart < self.start).then_some((restart, true));
        }
        (next < self.start).then_some((next, true))
    }

    /// Takes `dev` if it widens the spread as the current stage requires.
    fn accept(&mut self, dev: &'a Device) -> bool {
        if self.used.contains(&dev.id) {
            return false;
        }
        let zone = (dev.region, dev.zone);
        let ip = (dev.region, dev.zone, dev.ip.as_str());
        let fresh = match self.stage {
            Stage::Regions => !self.same_regions.contains(&dev.region),
            Stage::Zones => !self.same_zones.contains(&zone),
            Stage::Ips => !self.same_ips.contains(&ip),
            Stage::Devs | Stage::Done => true,
        };
        if !fresh {
            return false;
        }
        self.used.insert(dev.id);
        // Each stage records only its own tier and the narrower ones, as Swift does.
        match self.stage {
            Stage::Regions => {
                self.same_regions.insert(dev.region);
                self.same_zones.insert(zone);
                self.same_ips.insert(ip);
            }
            Stage::Zones => {
                self.same_zones.insert(zone);
                self.same_ips.insert(ip);
            }
            Stage::Ips => {
                self.same_ips.insert(ip);
            }
            Stage::Devs | Stage::Done => {}
        }
        true
    }
}

fn next_stage(stage: Stage) -> Stage {
    match stage {
        Stage::Regions => Stage::Zones,
        Stage::Zones => Stage::Ips,
        Stage::Ips => Stage::Devs,
        Stage::Devs | Stage::Done => Stage::Done,
    }
}

impl Iterator for Handoffs<'_> {
    type Item = Device;

    fn next(&mut self) -> Option<Device> {
        let rows = &self.ring.data.replica2part2dev;
        loop {
            if self.stage == Stage::Done {
                return None;
            }
            let Some((part, wrapped)) = self.cursor else {
                self.finish_stage();
                continue;
            };
            let Some(row) = rows.get(self.replica) else {
                self.cursor = self.advance(part, wrapped);
                self.replica = 0;
                continue;
            };
            self.replica += 1;
            let Some(dev) = row.get(part).and_then(|&id| self.ring.dev(id)) else {
                continue;
            };
            if self.accept(dev) {
                if self.stage_complete() {
                    self.finish_stage();
                }
                return Some(dev.clone());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::ring::tests::ring_of;

    fn handoff_ids(ring: &crate::Ring, part: u64) -> Vec<u32> {
        ring.get_more_nodes(part).map(|d| d.id).collect()
    }

    #[test]
    fn every_other_device_once_and_no_primaries() {
        let devs = [
            (1, 1, "a"),
            (1, 2, "b"),
            (2, 1, "c"),
            (2, 2, "d"),
            (1, 1, "e"),
            (1, 1, "a"),
        ];
        let rows = vec![vec![0, 1, 2, 3, 4, 5, 0, 1], vec![2, 3, 4, 5, 0, 1, 3, 4]];
        let ring = ring_of(&devs, rows, 29);
        for part in 0..8 {
            let primaries: Vec<u32> = ring.get_part_nodes(part).iter().map(|d| d.id).collect();
            let mut all = handoff_ids(&ring, part);
            assert!(all.iter().all(|id| !primaries.contains(id)));
            all.extend(&primaries);
            all.sort();
            assert_eq!(all, vec![0, 1, 2, 3, 4, 5], "part {part}");
        }
    }

    #[test]
    fn a_new_region_comes_before_a_new_zone_and_a_new_ip() {
        // Primaries of part 0 are dev 0 (r1 z1 a); the rest are spread over tiers.
        let devs = [
            (1, 1, "a"),
            (1, 1, "b"),
            (1, 2, "c"),
            (2, 1, "d"),
            (1, 1, "a"),
        ];
        let rows = vec![vec![0, 4, 1, 2, 3, 0, 4, 1]];
        let ring = ring_of(&devs, rows, 29);
        let got = handoff_ids(&ring, 0);
        assert_eq!(&got[..3], &[3, 2, 1]);
        assert_eq!(got.len(), 4);
        assert_eq!(got[3], 4);
    }

    #[test]
    fn empty_ring_has_no_handoffs() {
        let ring = ring_of(&[(1, 1, "a")], vec![], 31);
        assert_eq!(handoff_ids(&ring, 0), Vec::<u32>::new());
    }
}

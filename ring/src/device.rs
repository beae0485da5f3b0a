//! One device (disk) entry of a ring's device list.

use serde::{Deserialize, Serialize};

/// A device in the ring, as swift-ring-builder records it.
///
/// `replication_ip`/`replication_port` default to `ip`/`port` when the ring predates them, as
/// Swift's loader does.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Device {
    /// Unique id; also its position in the ring's device list.
    pub id: u32,
    /// Region number (1 when the ring predates regions).
    #[serde(default = "default_region")]
    pub region: u32,
    /// Zone number within the region.
    pub zone: u32,
    /// Address the proxy and other servers use for REST requests.
    pub ip: String,
    /// Port for REST requests.
    pub port: u16,
    /// Address used for replication traffic (REPLICATE and rsync).
    #[serde(default)]
    pub replication_ip: String,
    /// Port used for replication traffic.
    #[serde(default)]
    pub replication_port: u16,
    /// Directory name of the device under the server's `devices` dir.
    pub device: String,
    /// Relative weight; devices of weight 0 get no new partitions.
    #[serde(default)]
    pub weight: f64,
    /// Free-form operator notes.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub meta: String,
}

fn default_region() -> u32 {
    1
}

fn null_as_empty<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(Option::<String>::deserialize(d)?.unwrap_or_default())
}

/// The device list of a ring as stored: a JSON array with `null` where a device was removed.
pub(crate) fn parse_devices(json: &[u8]) -> Result<Vec<Option<Device>>, String> {
    let raw: Vec<Option<serde_json::Value>> =
        serde_json::from_slice(json).map_err(|e| format!("device list: {e}"))?;
    raw.into_iter()
        .map(|value| match value {
            None => Ok(None),
            Some(value) => {
                let has_rep_ip = value.get("replication_ip").is_some_and(|v| !v.is_null());
                let has_rep_port = value.get("replication_port").is_some_and(|v| !v.is_null());
                let mut dev: Device =
                    serde_json::from_value(value).map_err(|e| format!("device entry: {e}"))?;
                if !has_rep_ip {
                    dev.replication_ip = dev.ip.clone();
                }
                if !has_rep_port {
                    dev.replication_port = dev.port;
                }
                Ok(Some(dev))
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replication_address_defaults_to_rest_address() {
        let devs = parse_devices(
            br#"[{"id":0,"zone":2,"ip":"10.0.0.1","port":6201,"device":"sdb","weight":1},
                 null,
                 {"id":2,"region":3,"zone":1,"ip":"10.0.0.2","port":6201,
                  "replication_ip":"10.1.0.2","replication_port":6211,"device":"sdc",
                  "weight":2.5,"meta":"rack 4","extra":"ignored"}]"#,
        )
        .unwrap();
        assert_eq!(devs.len(), 3);
        let d0 = devs[0].as_ref().unwrap();
        assert_eq!((d0.region, d0.zone), (1, 2));
        assert_eq!(
            (d0.replication_ip.as_str(), d0.replication_port),
            ("10.0.0.1", 6201)
        );
        assert_eq!(d0.weight, 1.0);
        assert_eq!(d0.meta, "");
        assert!(devs[1].is_none());
        let d2 = devs[2].as_ref().unwrap();
        assert_eq!(
            (d2.replication_ip.as_str(), d2.replication_port),
            ("10.1.0.2", 6211)
        );
        assert_eq!(d2.meta, "rack 4");
    }

    #[test]
    fn malformed_device_is_an_error() {
        assert!(parse_devices(br#"[{"id":0}]"#).is_err());
        assert!(parse_devices(b"{}").is_err());
    }
}

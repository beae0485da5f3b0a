//! The typed `[app:container-server]` options the Rust server acts on, with Swift's defaults.

use super::values::{
    config_auto_int_value, config_fallocate_value, list_from_csv, FallocateReserve,
};
use super::{ConfFile, ConfigError, Section};
use std::path::PathBuf;

/// The container server's settings, read from `[app:container-server]` under paste.deploy's
/// rules (so `[DEFAULT]` values apply and `set` overrides them). Every other option stays
/// reachable through [`ServerConfig::raw`]; unknown options are accepted and ignored, as in Swift.
#[derive(Debug, Clone, PartialEq)]
pub struct ServerConfig {
    /// `bind_ip` (default `0.0.0.0`).
    pub bind_ip: String,
    /// `bind_port` (default 6201; Swift itself refuses to start without one).
    pub bind_port: u16,
    /// `bind_timeout` seconds to keep retrying the bind (default 30).
    pub bind_timeout: u64,
    /// `backlog` of the listening socket (default 4096).
    pub backlog: u32,
    /// `devices`: where the device mount points live (default `/srv/node`).
    pub devices: PathBuf,
    /// `mount_check` (default true): refuse devices that are not mount points (507).
    pub mount_check: bool,
    /// `swift_dir` (default `/etc/swift`): swift.conf, rings and container-sync-realms.conf.
    pub swift_dir: PathBuf,
    /// `node_timeout` seconds for account updates (default 3).
    pub node_timeout: f64,
    /// `conn_timeout` seconds to connect to account servers (default 0.5).
    pub conn_timeout: f64,
    /// `allowed_sync_hosts` (default `127.0.0.1`), comma-separated.
    pub allowed_sync_hosts: Vec<String>,
    /// The auto-create account prefix. Swift 2.38 takes it from swift.conf's
    /// `[swift-constraints]`, not from this file; callers copy it from `SwiftConf` (default `.`).
    pub auto_create_account_prefix: String,
    /// `workers` (`auto`, the default, means one per CPU).
    pub workers: u64,
    /// `max_clients` concurrent requests per worker (default 1024).
    pub max_clients: u64,
    /// `client_timeout` seconds waiting on a client (default 60).
    pub client_timeout: f64,
    /// `log_name` (default: the app name, `container-server`).
    pub log_name: String,
    /// `log_level` (default `INFO`).
    pub log_level: String,
    /// `log_facility` (default `LOG_LOCAL0`).
    pub log_facility: String,
    /// `log_address` (default `/dev/log`).
    pub log_address: String,
    /// `log_udp_host`: syslog over UDP when set.
    pub log_udp_host: Option<String>,
    /// `log_udp_port` (default 514).
    pub log_udp_port: u16,
    /// `log_requests` (default true): one access-log line per request.
    pub log_requests: bool,
    /// `replication_server` (default true; false refuses REPLICATE, Swift's replication-only split).
    pub replication_server: bool,
    /// `db_preallocation` (default false).
    pub db_preallocation: bool,
    /// `db_query_logging` (default false).
    pub db_query_logging: bool,
    /// `fallocate_reserve` (default `1%`).
    pub fallocate_reserve: FallocateReserve,
    /// `disable_fallocate` (default false).
    pub disable_fallocate: bool,
    /// `user` to drop privileges to (default `swift`).
    pub user: String,
    /// Every effective option of the section, for the rest (`recon_cache_path`, ...).
    pub raw: Section,
}

/// The paste app name of the container server.
pub const APP_NAME: &str = "container-server";

impl ServerConfig {
    /// Reads `[app:container-server]` as Swift's `appconfig(conf, name='container-server')`.
    pub fn from_conf(conf: &ConfFile) -> Result<ServerConfig, ConfigError> {
        let s = conf.app_config(APP_NAME)?;
        ServerConfig::from_section(s)
    }

    /// Takes what Swift 2.38 reads from swift.conf rather than this file (the auto-create
    /// account prefix from `[swift-constraints]`).
    pub fn with_swift_conf(mut self, swift: &super::SwiftConf) -> ServerConfig {
        self.auto_create_account_prefix = swift.constraints.auto_create_account_prefix.clone();
        self
    }

    /// Builds the typed config from an already merged section.
    pub fn from_section(s: Section) -> Result<ServerConfig, ConfigError> {
        let bind_port = s.get_u64("bind_port", 6201)?;
        if !(1..=65535).contains(&bind_port) {
            return Err(ConfigError::InvalidValue {
                option: "bind_port".into(),
                value: bind_port.to_string(),
                message: "bind_port wasn't properly set in the config file. It must be explicitly set to a valid port number.".into(),
            });
        }
        let cpus = std::thread::available_parallelism().map_or(1, |n| n.get()) as i64;
        let workers = config_auto_int_value("workers", s.get("workers"), cpus)?.max(0) as u64;
        let log_udp_port = s.get_u64("log_udp_port", 514)?;
        Ok(ServerConfig {
            bind_ip: s.get_or("bind_ip", "0.0.0.0").to_string(),
            bind_port: bind_port as u16,
            bind_timeout: s.get_u64("bind_timeout", 30)?,
            backlog: u32::try_from(s.get_u64("backlog", 4096)?).unwrap_or(u32::MAX),
            devices: PathBuf::from(s.get_or("devices", "/srv/node")),
            mount_check: s.get_bool("mount_check", true),
            swift_dir: PathBuf::from(s.get_or("swift_dir", "/etc/swift")),
            node_timeout: s.get_f64("node_timeout", 3.0)?,
            conn_timeout: s.get_f64("conn_timeout", 0.5)?,
            allowed_sync_hosts: list_from_csv(s.get_or("allowed_sync_hosts", "127.0.0.1")),
            auto_create_account_prefix: ".".into(),
            workers,
            max_clients: s.get_u64("max_clients", 1024)?,
            // Swift uses `client_timeout or 60`, so an empty value means the default.
            client_timeout: match s.get("client_timeout") {
                Some("") | None => 60.0,
                Some(_) => s.get_f64("client_timeout", 60.0)?,
            },
            log_name: s.get_or("log_name", APP_NAME).to_string(),
            log_level: s.get_or("log_level", "INFO").to_string(),
            log_facility: s.get_or("log_facility", "LOG_LOCAL0").to_string(),
            log_address: s.get_or("log_address", "/dev/log").to_string(),
            log_udp_host: s
                .get("log_udp_host")
                .filter(|h| !h.is_empty())
                .map(str::to_string),
            log_udp_port: u16::try_from(log_udp_port).unwrap_or(514),
            log_requests: s.get_bool("log_requests", true),
            replication_server: s.get_bool("replication_server", true),
            db_preallocation: s.get_bool("db_preallocation", false),
            db_query_logging: s.get_bool("db_query_logging", false),
            fallocate_reserve: config_fallocate_value(s.get_or("fallocate_reserve", "1%"))?,
            disable_fallocate: s.get_bool("disable_fallocate", false),
            user: s.get_or("user", "swift").to_string(),
            raw: s,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_swifts() {
        let conf =
            ConfFile::parse_str("[app:container-server]\nuse = egg:swift#container\n").unwrap();
        let c = ServerConfig::from_conf(&conf).unwrap();
        assert_eq!(c.bind_ip, "0.0.0.0");
        assert_eq!(c.bind_port, 6201);
        assert_eq!(c.devices, PathBuf::from("/srv/node"));
        assert!(c.mount_check);
        assert_eq!(c.swift_dir, PathBuf::from("/etc/swift"));
        assert_eq!(c.node_timeout, 3.0);
        assert_eq!(c.conn_timeout, 0.5);
        assert_eq!(c.allowed_sync_hosts, vec!["127.0.0.1"]);
        assert_eq!(c.auto_create_account_prefix, ".");
        assert!(c.workers >= 1);
        assert_eq!(c.max_clients, 1024);
        assert_eq!(c.log_name, "container-server");
        assert_eq!(c.log_level, "INFO");
        assert_eq!(c.log_facility, "LOG_LOCAL0");
        assert_eq!(c.log_address, "/dev/log");
        assert!(c.log_requests);
        assert!(c.replication_server);
        assert_eq!(c.fallocate_reserve, FallocateReserve::Percent(1.0));
    }

    #[test]
    fn values_from_default_and_set() {
        let conf = ConfFile::parse_str(
            "[DEFAULT]\nbind_ip = 127.0.0.1\nbind_port = 6211\nmount_check = false\nworkers = 0\n\
             [pipeline:main]\npipeline = container-server\n\
             [app:container-server]\nuse = egg:swift#container\nset log_name = cs\nallowed_sync_hosts = a, b,,c\n\
             node_timeout = 1.5\nunknown_option = whatever\n",
        )
        .unwrap();
        let c = ServerConfig::from_conf(&conf).unwrap();
        assert_eq!(
            (c.bind_ip.as_str(), c.bind_port, c.mount_check, c.workers),
            ("127.0.0.1", 6211, false, 0)
        );
        assert_eq!(c.log_name, "cs");
        assert_eq!(c.allowed_sync_hosts, vec!["a", "b", "c"]);
        assert_eq!(c.node_timeout, 1.5);
        assert_eq!(c.raw.get("unknown_option"), Some("whatever"));
    }

    #[test]
    fn bad_values_are_refused() {
        for bad in [
            "bind_port = 0",
            "bind_port = 70000",
            "bind_port = x",
            "node_timeout = soon",
            "workers = many",
        ] {
            let conf = ConfFile::parse_str(&format!(
                "[app:container-server]\nuse = egg:swift#container\n{bad}\n"
            ))
            .unwrap();
            assert!(ServerConfig::from_conf(&conf).is_err(), "{bad}");
        }
        let conf = ConfFile::parse_str("[app:object-server]\nuse = egg:swift#object\n").unwrap();
        assert!(matches!(
            ServerConfig::from_conf(&conf),
            Err(ConfigError::MissingSection { .. })
        ));
    }
}

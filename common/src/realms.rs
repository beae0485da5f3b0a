//! `container-sync-realms.conf`: realms, clusters and keys, and the request signature they define.

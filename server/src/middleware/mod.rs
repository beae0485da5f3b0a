//! The filters of Swift's default container pipeline (`healthcheck recon container-server`)
//! and the container server's own access log line.

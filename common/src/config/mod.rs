//! Swift's config files as Swift reads them: INI with `[DEFAULT]`, paste.deploy sections and
//! `set` overrides, conf.d directories, the typed container-server config, and `swift.conf`.

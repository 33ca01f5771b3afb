//! The integration tests: each starts the real `helpdeskd` binary on an ephemeral port in a
//! fresh data dir and talks to it over HTTPS, the CLI, signals and the systemd protocol.

// Test code may panic on the unexpected: that is how a test fails.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod accounts;
mod cli;
mod config;
mod durability;
mod harness;
mod http;
mod setup;
mod storage;
mod systemd;
mod tls;

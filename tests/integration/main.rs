//! The integration tests: each starts the real `helpdeskd` binary on an ephemeral port in a
//! fresh data dir and talks to it as its users do: HTTPS, the CLI, signals and the systemd
//! notification protocol. `harness` starts and stops it; a failing test prints everything
//! the daemon said.

// Test code may panic on the unexpected: that is how a test fails.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod harness;
mod tls_client;

mod accounts;
mod attachments;
mod audit;
mod browser;
mod chat;
mod chat_bans;
mod chat_browser;
mod chat_canned;
mod chat_routing;
mod chat_transcript;
mod cli;
mod config;
mod desk;
mod durability;
mod http;
mod limits;
mod locales;
mod lockout;
mod mail_in;
mod mail_out;
mod networks;
mod openapi_conformance;
mod panel;
mod panel_admin;
mod panel_tools;
mod people;
mod portal;
mod privacy_export;
mod search;
mod setup;
mod sighup;
mod spam;
mod spam_desk;
mod spam_panel;
mod storage;
mod systemd;
mod tickets_api;
mod tls;
mod tokens;
mod two_factor;

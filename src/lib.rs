//! helpdeskd: an on-premise helpdesk and live-chat server. See ARCHITECTURE.md for the map.

pub mod accounts;
pub mod app;
pub mod attachments;
pub mod audit;
pub mod auth;
pub mod chat;
pub mod clock;
pub mod config;
pub mod contacts;
pub mod http;
pub mod i18n;
pub mod logging;
pub mod mail;
pub mod metrics;
pub mod panel;
pub mod portal;
pub mod privacy;
pub mod search;
pub mod server;
pub mod setup;
pub mod spam;
pub mod store;
pub mod systemd;
pub mod tickets;

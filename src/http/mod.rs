//! What every domain's HTTP routes share: the JSON error type, extractors, the page layout
//! and the OpenAPI document.

pub mod client_ip;
pub mod error;
pub mod extract;
pub mod openapi;
mod openapi_desk;
pub mod page;
pub mod sanitize;

pub use error::ApiError;
pub use extract::{ApiJson, Authority, ClientAddr, ConnectionSlot, CurrentAccount};

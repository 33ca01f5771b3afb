//! People who log in to an account (owner > admin > agent), their passwords, and how an API
//! request proves who it is.

mod basic;
pub mod password;
pub mod routes;
pub mod users;

pub use basic::Authenticated;
pub use users::{NewUser, Role, User, UserError};

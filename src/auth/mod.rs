//! People who log in to an account (owner > admin > agent), their passwords and API tokens,
//! and how an API request proves who it is.

mod credentials;
pub mod gate;
pub mod invitations;
pub mod login;
pub mod networks;
pub mod password;
pub mod pending;
pub mod rate;
pub mod routes;
mod security_routes;
pub mod sessions;
pub mod throttle;
pub mod token_cache;
pub mod tokens;
pub mod two_factor;
pub mod users;

pub use credentials::Authenticated;
pub use gate::{AdminAuth, OwnerAuth};
pub use users::{NewUser, Role, User, UserError};

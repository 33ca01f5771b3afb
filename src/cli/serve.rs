use std::net::SocketAddr;
use std::process::ExitCode;

use super::{CliError, CliResult, load_config, runtime};
use crate::DataArgs;

pub fn run(data: &DataArgs, listen: Option<SocketAddr>) -> CliResult {
    let mut config = load_config(data)?;
    if let Some(listen) = listen {
        config.http.listen = listen;
    }
    helpdeskd::logging::init(&config.log.level);
    runtime()?
        .block_on(helpdeskd::server::run(config))
        .map_err(CliError::failure)?;
    Ok(ExitCode::SUCCESS)
}

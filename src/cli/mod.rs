//! Subcommands of the CLI. Errors become one `error: …` line and an exit code:
//! 1 for an operational failure, 2 for bad usage or configuration.

pub mod account;
pub mod audit;
pub mod config_check;
pub mod doctor;
pub mod init;
pub mod serve;
pub mod setup_link;
pub mod spam;
pub mod user;

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use helpdeskd::clock::{Clock, SystemClock};
use helpdeskd::config::{Config, ConfigError, DEFAULT_CONFIG_FILE};
use helpdeskd::store::{OpenMode, Store};

use crate::DataArgs;

pub struct CliError {
    pub exit_code: u8,
    pub message: String,
}

impl CliError {
    pub fn failure(message: impl std::fmt::Display) -> Self {
        CliError {
            exit_code: 1,
            message: message.to_string(),
        }
    }
    pub fn usage(message: impl std::fmt::Display) -> Self {
        CliError {
            exit_code: 2,
            message: message.to_string(),
        }
    }
}

impl From<ConfigError> for CliError {
    fn from(e: ConfigError) -> Self {
        CliError::usage(e)
    }
}

pub type CliResult = Result<ExitCode, CliError>;

/// `--config` if given; else with `--data-dir` the built-in defaults; else the packaged file
/// when it exists. `--data-dir` then overrides `data_dir`.
pub fn load_config(args: &DataArgs) -> Result<Config, CliError> {
    let packaged = Path::new(DEFAULT_CONFIG_FILE);
    let file = match (&args.config, &args.data_dir) {
        (Some(file), _) => Some(file.as_path()),
        (None, Some(_)) => None,
        (None, None) => packaged.exists().then_some(packaged),
    };
    let mut config = Config::load(file, std::env::vars())?;
    if let Some(dir) = &args.data_dir {
        config.data_dir = absolute(dir)?;
    }
    Ok(config)
}

fn absolute(dir: &Path) -> Result<std::path::PathBuf, CliError> {
    std::path::absolute(dir)
        .map_err(|e| CliError::usage(format!("--data-dir {}: {e}", dir.display())))
}

pub fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::failure(format!("cannot start the async runtime: {e}")))
}

pub fn clock() -> Arc<dyn Clock> {
    Arc::new(SystemClock)
}

/// Opens the store for a CLI command. Run as root on the packaged layout, the command first
/// becomes the data directory's owner (the `helpdeskd` user), so files it creates stay
/// usable by the daemon.
pub fn open_store(config: &Config, mode: OpenMode) -> Result<Arc<Store>, CliError> {
    become_data_owner(&config.data_dir)?;
    let store =
        helpdeskd::app::open_store(config, mode, clock().now_unix()).map_err(CliError::failure)?;
    Ok(Arc::new(store))
}

fn become_data_owner(data_dir: &Path) -> Result<(), CliError> {
    use nix::unistd::{Gid, Uid, geteuid, setgid, setgroups, setuid};
    use std::os::unix::fs::MetadataExt;
    if !geteuid().is_root() {
        return Ok(());
    }
    let Ok(meta) = std::fs::metadata(data_dir) else {
        return Ok(());
    };
    if meta.uid() == 0 {
        return Ok(());
    }
    let fail = |e: nix::Error| {
        CliError::failure(format!(
            "cannot switch to the owner (uid {}) of {}: {e}",
            meta.uid(),
            data_dir.display()
        ))
    };
    setgroups(&[]).map_err(fail)?;
    setgid(Gid::from_raw(meta.gid())).map_err(fail)?;
    setuid(Uid::from_raw(meta.uid())).map_err(fail)?;
    Ok(())
}

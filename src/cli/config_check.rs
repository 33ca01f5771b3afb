use std::path::PathBuf;
use std::process::ExitCode;

use helpdeskd::config::{Config, DEFAULT_CONFIG_FILE};

use super::CliResult;

pub fn run(file: Option<PathBuf>) -> CliResult {
    let file = file.unwrap_or_else(|| PathBuf::from(DEFAULT_CONFIG_FILE));
    Config::load(Some(&file), std::env::vars())?;
    println!("config ok: {}", file.display());
    Ok(ExitCode::SUCCESS)
}

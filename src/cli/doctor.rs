//! `helpdeskd doctor`: every check prints one line, with how to fix what is wrong.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::ExitCode;

use helpdeskd::config::Config;
use helpdeskd::server::tls::{CertificateFiles, load_certified_key, not_after};
use helpdeskd::store::{DataLayout, KeySource, MasterKey, OpenMode};

use super::{CliResult, load_config, open_store};
use crate::DataArgs;

enum Outcome {
    Ok(String),
    Warn(String, String),
    Fail(String, String),
}

struct Report {
    failed: bool,
}

impl Report {
    fn print(&mut self, check: &str, outcome: Outcome) {
        match outcome {
            Outcome::Ok(detail) => println!("ok    {check}: {detail}"),
            Outcome::Warn(problem, fix) => {
                println!("WARN  {check}: {problem}");
                println!("      fix: {fix}");
            }
            Outcome::Fail(problem, fix) => {
                self.failed = true;
                println!("FAIL  {check}: {problem}");
                println!("      fix: {fix}");
            }
        }
    }
}

pub fn run(data: &DataArgs) -> CliResult {
    let mut report = Report { failed: false };
    let config = match load_config(data) {
        Ok(config) => {
            report.print("config", Outcome::Ok("valid".into()));
            config
        }
        Err(e) => {
            report.print(
                "config",
                Outcome::Fail(
                    e.message,
                    "correct the named key, then run `helpdeskd config check`".into(),
                ),
            );
            return Ok(ExitCode::FAILURE);
        }
    };
    report.print("data dir", check_data_dir(&config.data_dir));
    let key = check_key(&config);
    let key_ok = matches!(key, Outcome::Ok(_));
    report.print("master key", key);
    if key_ok {
        check_databases(&config, &mut report);
    }
    report.print("certificate", check_certificate(&config));
    report.print("disk space", check_disk(&config.data_dir));
    Ok(if report.failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

fn check_data_dir(dir: &Path) -> Outcome {
    match std::fs::metadata(dir) {
        Err(e) => Outcome::Fail(
            format!("{}: {e}", dir.display()),
            "run `helpdeskd init` (or start the service) to create it".into(),
        ),
        Ok(meta) if meta.permissions().mode() & 0o007 != 0 => Outcome::Warn(
            format!(
                "{} is accessible to all users (mode {:o})",
                dir.display(),
                meta.permissions().mode() & 0o777
            ),
            format!("chmod 750 {}", dir.display()),
        ),
        Ok(_) => Outcome::Ok(dir.display().to_string()),
    }
}

fn check_key(config: &Config) -> Outcome {
    let source = KeySource::locate(&config.master_key_path());
    match MasterKey::load(&source) {
        Ok(_) => Outcome::Ok(format!("readable from {}", source.path().display())),
        Err(e) => Outcome::Fail(
            e.to_string(),
            "restore the key file from your safekeeping copy; without it the data cannot be read"
                .into(),
        ),
    }
}

fn check_databases(config: &Config, report: &mut Report) {
    if !DataLayout::new(&config.data_dir).system_db().exists() {
        report.print(
            "databases",
            Outcome::Fail(
                "system.db does not exist".into(),
                "run `helpdeskd init`".into(),
            ),
        );
        return;
    }
    let store = match open_store(config, OpenMode::Existing) {
        Ok(store) => store,
        Err(e) => {
            report.print(
                "databases",
                Outcome::Fail(
                    e.message,
                    "check that the master key belongs to this data dir".into(),
                ),
            );
            return;
        }
    };
    match store.check_integrity() {
        Err(e) => report.print(
            "databases",
            Outcome::Fail(
                e.to_string(),
                "check file permissions and the master key".into(),
            ),
        ),
        Ok(reports) => {
            for r in reports {
                let name = r.database.display().to_string();
                if r.problems.is_empty() {
                    report.print("database", Outcome::Ok(format!("{name}: integrity ok")));
                } else {
                    report.print(
                        "database",
                        Outcome::Fail(
                            format!("{name}: {}", r.problems.join("; ")),
                            "stop the service and restore this database from the latest backup"
                                .into(),
                        ),
                    );
                }
            }
        }
    }
}

fn check_certificate(config: &Config) -> Outcome {
    let files =
        CertificateFiles::from_config(&config.tls, &DataLayout::new(&config.data_dir).tls_dir());
    if files.self_signed && !files.cert.exists() {
        return Outcome::Warn(
            "no certificate yet".into(),
            "`helpdeskd init` or the first start generates a self-signed one".into(),
        );
    }
    if let Err(e) = load_certified_key(&files) {
        return Outcome::Fail(
            e.to_string(),
            "install a matching PEM certificate chain and key, then `systemctl reload helpdeskd`"
                .into(),
        );
    }
    let Some(not_after) = not_after(&files.cert).map(|t| t.unix_timestamp()) else {
        return Outcome::Fail(
            format!("{} cannot be parsed", files.cert.display()),
            "install a valid PEM certificate".into(),
        );
    };
    let days_left = (not_after - time::OffsetDateTime::now_utc().unix_timestamp()) / 86_400;
    let kind = if files.self_signed {
        "self-signed"
    } else {
        "configured"
    };
    if days_left < 0 {
        Outcome::Fail(
            format!("{kind} certificate {} has expired", files.cert.display()),
            "renew it, then `systemctl reload helpdeskd`".into(),
        )
    } else if days_left < 30 {
        Outcome::Warn(
            format!("{kind} certificate expires in {days_left} days"),
            "renew it, then `systemctl reload helpdeskd`".into(),
        )
    } else {
        Outcome::Ok(format!("{kind}, valid for {days_left} more days"))
    }
}

fn check_disk(dir: &Path) -> Outcome {
    let Ok(stat) = nix::sys::statvfs::statvfs(dir) else {
        return Outcome::Warn(
            format!("cannot measure free space on {}", dir.display()),
            "check the mount".into(),
        );
    };
    let block = stat.fragment_size();
    let free = stat.blocks_available() * block;
    let total = (stat.blocks() * block).max(1);
    let percent = free * 100 / total;
    let detail = format!(
        "{} MiB free ({percent}%) on {}",
        free / (1024 * 1024),
        dir.display()
    );
    if free < 256 * 1024 * 1024 || percent < 2 {
        Outcome::Fail(
            detail,
            "free space now: writes fail when the disk is full".into(),
        )
    } else if free < 1024 * 1024 * 1024 || percent < 10 {
        Outcome::Warn(detail, "free some space or grow the volume soon".into())
    } else {
        Outcome::Ok(detail)
    }
}

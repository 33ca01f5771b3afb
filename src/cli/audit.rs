use std::process::ExitCode;

use helpdeskd::accounts;
use helpdeskd::audit::{self, Actor, Verdict};
use helpdeskd::clock::rfc3339;
use helpdeskd::store::OpenMode;

use super::{CliError, CliResult, clock, load_config, open_store, runtime};
use crate::DataArgs;

pub fn verify(data: &DataArgs, slug: &str) -> CliResult {
    let config = load_config(data)?;
    let store = open_store(&config, OpenMode::Existing)?;
    let verdict = runtime()?.block_on(async {
        let account = accounts::find_by_slug(&store, slug)
            .await
            .map_err(CliError::failure)?;
        let db = store
            .account(&account.id, clock().now_unix())
            .await
            .map_err(CliError::failure)?;
        audit::verify(&db).await.map_err(CliError::failure)
    })?;
    match verdict {
        Verdict::Intact {
            entries,
            anchored_after,
        } => {
            match anchored_after {
                None => println!("audit log of {slug}: {entries} entries, chain intact"),
                Some(id) => println!(
                    "audit log of {slug}: {entries} entries, chain intact (checked from the retention anchor: entries up to {id} were pruned)"
                ),
            }
            Ok(ExitCode::SUCCESS)
        }
        Verdict::BrokenAt { id, reason } => {
            println!("audit log of {slug}: BROKEN at entry {id}: {reason}");
            Ok(ExitCode::FAILURE)
        }
    }
}

/// `audit prune`: what the daemon's daily retention job does, for one account, now.
pub fn prune(data: &DataArgs, slug: &str) -> CliResult {
    let config = load_config(data)?;
    let retention_days = config.audit.retention_days;
    let store = open_store(&config, OpenMode::Existing)?;
    let pruned = runtime()?.block_on(async {
        let account = accounts::find_by_slug(&store, slug)
            .await
            .map_err(CliError::failure)?;
        let clock = clock();
        let db = store
            .account(&account.id, clock.now_unix())
            .await
            .map_err(CliError::failure)?;
        audit::retention::prune(&db, clock.as_ref(), retention_days, &Actor::system("cli"))
            .await
            .map_err(|e| CliError::failure(format!("pruning the audit log of {slug}: {e}")))
    })?;
    match (pruned.cutoff, pruned.through) {
        (None, _) => println!(
            "audit log of {slug}: 0 entries removed (audit.retention_days is 0: kept forever)"
        ),
        (Some(cutoff), None) => println!(
            "audit log of {slug}: 0 entries removed (none older than {retention_days} days, before {})",
            rfc3339(cutoff)
        ),
        (Some(cutoff), Some((id, at))) => println!(
            "audit log of {slug}: {} entries removed (older than {retention_days} days, before {}; up to entry {id} of {})",
            pruned.removed,
            rfc3339(cutoff),
            rfc3339(at)
        ),
    }
    Ok(ExitCode::SUCCESS)
}

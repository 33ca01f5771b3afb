use std::process::ExitCode;

use helpdeskd::accounts;
use helpdeskd::audit::{self, Verdict};
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
        Verdict::Intact { entries } => {
            println!("audit log of {slug}: {entries} entries, chain intact");
            Ok(ExitCode::SUCCESS)
        }
        Verdict::BrokenAt { id, reason } => {
            println!("audit log of {slug}: BROKEN at entry {id}: {reason}");
            Ok(ExitCode::FAILURE)
        }
    }
}

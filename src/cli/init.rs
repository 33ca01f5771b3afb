use std::process::ExitCode;

use helpdeskd::accounts;
use helpdeskd::auth::users;
use helpdeskd::server::tls::CertificateFiles;
use helpdeskd::store::OpenMode;

use super::{CliError, CliResult, clock, load_config, open_store, runtime};
use crate::DataArgs;

pub fn run(data: &DataArgs) -> CliResult {
    let config = load_config(data)?;
    let store = open_store(&config, OpenMode::CreateIfMissing)?;
    let clock = clock();
    let (account, has_owner) = runtime()?.block_on(async {
        let hosts = helpdeskd::app::first_account_hosts(&config);
        let account = accounts::ensure_first(&store, clock.as_ref(), hosts, "cli")
            .await
            .map_err(CliError::failure)?;
        let db = store
            .account(&account.id, clock.now_unix())
            .await
            .map_err(CliError::failure)?;
        let has_owner = users::has_owner(&db).await.map_err(CliError::failure)?;
        Ok::<_, CliError>((account, has_owner))
    })?;
    CertificateFiles::from_config(&config.tls, &store.layout().tls_dir())
        .ensure_self_signed()
        .map_err(CliError::failure)?;
    println!(
        "initialized {}: account {} ({})",
        config.data_dir.display(),
        account.slug,
        account.id
    );
    if !has_owner {
        println!(
            "the account has no owner yet: `helpdeskd setup-link` prints the one-time setup link"
        );
    }
    Ok(ExitCode::SUCCESS)
}

use std::process::ExitCode;

use helpdeskd::accounts::{self, Account};
use helpdeskd::config::Config;
use helpdeskd::setup::{self, SetupError};
use helpdeskd::store::OpenMode;

use super::{CliError, CliResult, clock, load_config, open_store, runtime};
use crate::DataArgs;

pub fn run(data: &DataArgs, slug: Option<&str>) -> CliResult {
    let config = load_config(data)?;
    let store = open_store(&config, OpenMode::Existing)?;
    let clock = clock();
    let (account, token) = runtime()?.block_on(async {
        let account = match slug {
            Some(slug) => accounts::find_by_slug(&store, slug).await,
            None => accounts::list(&store)
                .await
                .and_then(|all| all.into_iter().next().ok_or(accounts::AccountError::NotFound("(first)".into()))),
        }
        .map_err(CliError::failure)?;
        let token = setup::issue_token(&store, clock.as_ref(), &account.id, "cli")
            .await
            .map_err(|e| match e {
                SetupError::OwnerExists => CliError::failure(format!(
                    "account {} already has an owner; setup links are only for accounts without one",
                    account.slug
                )),
                other => CliError::failure(other),
            })?;
        Ok::<_, CliError>((account, token))
    })?;
    println!("{}/setup?token={token}", link_base(&config, &account));
    Ok(ExitCode::SUCCESS)
}

/// The account's own host name when it has one, else `public_url`, else the listen address.
fn link_base(config: &Config, account: &Account) -> String {
    if let Some(host) = account.hosts.first() {
        return match config.http.listen.port() {
            443 => format!("https://{host}"),
            port => format!("https://{host}:{port}"),
        };
    }
    if config.public_url.is_empty() && config.http.listen.ip().is_unspecified() {
        eprintln!(
            "note: this link names `localhost`; set public_url in the configuration (or give the account a --host) so links name this server"
        );
    }
    helpdeskd::app::public_base(config, config.http.listen)
}

use std::process::ExitCode;
use std::sync::Arc;

use helpdeskd::accounts::{self, Account, AccountError, NewAccount};
use helpdeskd::auth::users;
use helpdeskd::clock::rfc3339;
use helpdeskd::store::{OpenMode, Store};
use serde_json::{Value, json};

use super::{CliError, CliResult, clock, load_config, open_store, runtime};
use crate::DataArgs;

pub fn create(
    data: &DataArgs,
    slug: String,
    name: String,
    hosts: Vec<String>,
    trial: bool,
) -> CliResult {
    let config = load_config(data)?;
    let store = open_store(&config, OpenMode::Existing)?;
    let clock = clock();
    let (account, all) = runtime()?.block_on(async {
        let new = NewAccount {
            slug,
            name,
            hosts,
            trial,
        };
        let account = accounts::create(&store, clock.as_ref(), new, "cli")
            .await
            .map_err(account_error)?;
        let all = accounts::list(&store).await.map_err(CliError::failure)?;
        Ok::<_, CliError>((account, all))
    })?;
    println!(
        "created account {} ({}), state {}, hosts: {}",
        account.slug,
        account.id,
        account.state.as_str(),
        if account.hosts.is_empty() {
            "none".to_string()
        } else {
            account.hosts.join(", ")
        }
    );
    println!(
        "the account has no owner yet: `helpdeskd setup-link --account {}` prints its one-time setup link",
        account.slug
    );
    warn_hostless(&all);
    Ok(ExitCode::SUCCESS)
}

pub fn add_host(data: &DataArgs, slug: &str, hosts: &[String]) -> CliResult {
    let config = load_config(data)?;
    let store = open_store(&config, OpenMode::Existing)?;
    let account = runtime()?.block_on(async {
        accounts::add_hosts(&store, clock().as_ref(), slug, hosts, "cli")
            .await
            .map_err(account_error)
    })?;
    println!(
        "account {} answers on: {}",
        account.slug,
        account.hosts.join(", ")
    );
    Ok(ExitCode::SUCCESS)
}

pub fn remove_host(data: &DataArgs, slug: &str, host: &str) -> CliResult {
    let config = load_config(data)?;
    let store = open_store(&config, OpenMode::Existing)?;
    let all = runtime()?.block_on(async {
        accounts::remove_host(&store, clock().as_ref(), slug, host, "cli")
            .await
            .map_err(account_error)?;
        accounts::list(&store).await.map_err(CliError::failure)
    })?;
    println!("account {slug} no longer answers on {host}");
    warn_hostless(&all);
    Ok(ExitCode::SUCCESS)
}

/// With several accounts, one without a host name is unreachable: say so, and how to fix it.
fn warn_hostless(all: &[Account]) {
    for account in accounts::hostless(all) {
        eprintln!(
            "warning: account {} has no host name, so it is unreachable while other accounts exist; run `helpdeskd account add-host {} --host HOST`",
            account.slug, account.slug
        );
    }
}

fn account_error(e: AccountError) -> CliError {
    match e {
        AccountError::InvalidSlug(_)
        | AccountError::InvalidName(_)
        | AccountError::InvalidHost(_) => CliError::usage(e),
        other => CliError::failure(other),
    }
}

pub fn list(data: &DataArgs, as_json: bool) -> CliResult {
    let config = load_config(data)?;
    let store = open_store(&config, OpenMode::Existing)?;
    let rows = runtime()?.block_on(async {
        let all = accounts::list(&store).await.map_err(CliError::failure)?;
        let mut rows = Vec::new();
        for account in all {
            rows.push(describe(&store, account).await?);
        }
        Ok::<_, CliError>(rows)
    })?;
    if as_json {
        println!("{}", Value::Array(rows));
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{:<20} {:<15} {:<6} {:<30} HOSTS",
        "SLUG", "STATE", "OWNER", "NAME"
    );
    let no_hosts = if rows.len() == 1 {
        "(any host name, while it is the only account)"
    } else {
        "(none: unreachable while other accounts exist)"
    };
    for row in rows {
        let hosts: Vec<&str> = row["hosts"]
            .as_array()
            .map(|h| h.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        println!(
            "{:<20} {:<15} {:<6} {:<30} {}",
            row["slug"].as_str().unwrap_or(""),
            row["state"].as_str().unwrap_or(""),
            if row["has_owner"].as_bool() == Some(true) {
                "yes"
            } else {
                "no"
            },
            row["name"].as_str().unwrap_or(""),
            if hosts.is_empty() {
                no_hosts.to_string()
            } else {
                hosts.join(", ")
            }
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub fn show(data: &DataArgs, slug: &str, as_json: bool) -> CliResult {
    let config = load_config(data)?;
    let store = open_store(&config, OpenMode::Existing)?;
    let row = runtime()?.block_on(async {
        let account = accounts::find_by_slug(&store, slug)
            .await
            .map_err(CliError::failure)?;
        describe(&store, account).await
    })?;
    if as_json {
        println!("{row}");
        return Ok(ExitCode::SUCCESS);
    }
    for key in [
        "slug",
        "id",
        "name",
        "state",
        "has_owner",
        "created_at",
        "hosts",
    ] {
        println!(
            "{key:<11} {}",
            match &row[key] {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            }
        );
    }
    Ok(ExitCode::SUCCESS)
}

async fn describe(store: &Arc<Store>, account: Account) -> Result<Value, CliError> {
    let db = store
        .account(&account.id, clock().now_unix())
        .await
        .map_err(CliError::failure)?;
    let has_owner = users::has_owner(&db).await.map_err(CliError::failure)?;
    Ok(json!({
        "id": account.id,
        "slug": account.slug,
        "name": account.name,
        "state": account.state,
        "hosts": account.hosts,
        "created_at": rfc3339(account.created_at),
        "has_owner": has_owner,
    }))
}

use std::io::BufRead;
use std::process::ExitCode;

use helpdeskd::accounts;
use helpdeskd::auth::{NewUser, Role, UserError, users};
use helpdeskd::store::OpenMode;
use zeroize::Zeroizing;

use super::{CliError, CliResult, clock, load_config, open_store, runtime};
use crate::DataArgs;

pub fn add(
    data: &DataArgs,
    slug: &str,
    email: String,
    name: String,
    role: &str,
    password_stdin: bool,
) -> CliResult {
    if !password_stdin {
        return Err(CliError::usage(
            "pass the password on standard input with --password-stdin (never on the command line)",
        ));
    }
    let role =
        Role::parse(role).ok_or_else(|| CliError::usage(format!("unknown role `{role}`")))?;
    let mut line = Zeroizing::new(String::new());
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| CliError::failure(format!("cannot read the password from stdin: {e}")))?;
    let password = Zeroizing::new(line.trim_end_matches(['\r', '\n']).to_string());
    let config = load_config(data)?;
    let store = open_store(&config, OpenMode::Existing)?;
    let clock = clock();
    let user = runtime()?.block_on(async {
        let account = accounts::find_by_slug(&store, slug)
            .await
            .map_err(CliError::failure)?;
        let db = store
            .account(&account.id, clock.now_unix())
            .await
            .map_err(CliError::failure)?;
        let new = NewUser {
            email,
            name,
            role,
            password,
        };
        users::create(
            &db,
            clock.as_ref(),
            new,
            &helpdeskd::audit::Actor::system("cli"),
        )
        .await
        .map_err(|e| match e {
            UserError::InvalidEmail | UserError::InvalidName(_) | UserError::WeakPassword(_) => {
                CliError::usage(e)
            }
            other => CliError::failure(other),
        })
    })?;
    println!(
        "added {} {} <{}> to account {slug}",
        user.role.as_str(),
        user.name,
        user.email
    );
    Ok(ExitCode::SUCCESS)
}

//! The `helpdeskd` command line. Each subcommand's work lives in `cli/` or in the library.

mod cli;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "helpdeskd",
    version,
    about = "On-premise helpdesk and live-chat server",
    long_about = "On-premise helpdesk and live-chat server.\n\nExit codes: 0 success, 1 operational failure, 2 bad usage or bad configuration."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Where the configuration and data are. Without both, the packaged paths are used.
#[derive(Args, Clone, Debug)]
pub struct DataArgs {
    /// Configuration file [default: /etc/helpdeskd/helpdeskd.toml when present]
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Data directory; overrides `data_dir` (without --config, built-in defaults are used)
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the daemon (HTTPS); creates keys, databases and a first account on first start
    Serve {
        #[command(flatten)]
        data: DataArgs,
        /// HTTPS listen address, overriding `http.listen`; port 0 picks a free port
        #[arg(long, value_name = "ADDR:PORT")]
        listen: Option<SocketAddr>,
    },
    /// Create the master key, databases, first account and certificate (idempotent)
    Init {
        #[command(flatten)]
        data: DataArgs,
    },
    /// Manage the accounts this appliance hosts
    #[command(subcommand)]
    Account(AccountCommand),
    /// Manage the people of an account
    #[command(subcommand)]
    User(UserCommand),
    /// Print a fresh one-time setup link for an account without owner (older links die)
    SetupLink {
        #[command(flatten)]
        data: DataArgs,
        /// Account slug [default: the first account]
        #[arg(long, value_name = "SLUG")]
        account: Option<String>,
    },
    /// Check configuration, keys, database integrity, certificate and disk space
    Doctor {
        #[command(flatten)]
        data: DataArgs,
    },
    /// Configuration tools
    #[command(subcommand)]
    Config(ConfigCommand),
    /// The accounts' audit logs
    #[command(subcommand)]
    Audit(AuditCommand),
    /// The built-in spam filter: train, classify with and inspect a model
    #[command(subcommand)]
    Spam(SpamCommand),
}

/// The model a spam command works on: a standalone file or a live account's.
#[derive(Args)]
#[group(required = true, multiple = false)]
struct SpamModel {
    /// Standalone model file (created if missing); same format as an account's model
    #[arg(long, value_name = "PATH")]
    model: Option<PathBuf>,
    /// A live account's model, in its database (with --config / --data-dir)
    #[arg(long, value_name = "SLUG")]
    account: Option<String>,
}

impl SpamModel {
    fn target(self, data: DataArgs) -> cli::spam::Target {
        match (self.model, self.account) {
            (Some(path), _) => cli::spam::Target::File(path),
            (None, slug) => cli::spam::Target::Account {
                data,
                slug: slug.unwrap_or_default(),
            },
        }
    }
}

#[derive(Args)]
#[group(required = true, multiple = false)]
struct SpamInputs {
    /// Raw RFC 822 files to learn as spam
    #[arg(long = "spam", value_name = "FILE", num_args = 1..)]
    spam_files: Vec<PathBuf>,
    /// A file listing spam messages, one path per line
    #[arg(long = "spam-list", value_name = "LIST")]
    spam_list: Option<PathBuf>,
}

#[derive(Args)]
#[group(required = true, multiple = false)]
struct HamInputs {
    /// Raw RFC 822 files to learn as ham
    #[arg(long = "ham", value_name = "FILE", num_args = 1..)]
    ham_files: Vec<PathBuf>,
    /// A file listing ham messages, one path per line
    #[arg(long = "ham-list", value_name = "LIST")]
    ham_list: Option<PathBuf>,
}

fn inputs(files: Vec<PathBuf>, list: Option<PathBuf>) -> cli::spam::Inputs {
    match list {
        Some(list) => cli::spam::Inputs::List(list),
        None => cli::spam::Inputs::Files(files),
    }
}

#[derive(Subcommand)]
enum SpamCommand {
    /// Learn messages as spam and as ham (one transaction)
    Train {
        #[command(flatten)]
        model: SpamModel,
        #[command(flatten)]
        data: DataArgs,
        #[command(flatten)]
        spam: SpamInputs,
        #[command(flatten)]
        ham: HamInputs,
    },
    /// Print `<path>\t<spam|ham|unsure>\t<score>` for each message
    #[command(group(clap::ArgGroup::new("messages").required(true).args(["files", "list"])))]
    Classify {
        #[command(flatten)]
        model: SpamModel,
        #[command(flatten)]
        data: DataArgs,
        /// Raw RFC 822 files
        #[arg(value_name = "FILE")]
        files: Vec<PathBuf>,
        /// A file listing messages, one path per line
        #[arg(long, value_name = "LIST", conflicts_with = "files")]
        list: Option<PathBuf>,
    },
    /// Show what a model has learned and its cut-offs
    Stats {
        #[command(flatten)]
        model: SpamModel,
        #[command(flatten)]
        data: DataArgs,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Check an account's audit hash chain; reports the first broken entry (exit 1)
    Verify {
        #[command(flatten)]
        data: DataArgs,
        /// Account slug
        #[arg(long)]
        account: String,
    },
    /// Remove entries older than `audit.retention_days` now (the daemon does it daily)
    Prune {
        #[command(flatten)]
        data: DataArgs,
        /// Account slug
        #[arg(long)]
        account: String,
    },
}

#[derive(Subcommand)]
enum AccountCommand {
    /// Create an account reached by one or more host names
    Create {
        #[command(flatten)]
        data: DataArgs,
        /// Short identifier: lowercase letters, digits, dashes
        #[arg(long)]
        slug: String,
        /// Display name
        #[arg(long)]
        name: String,
        /// Host name that reaches the account (repeatable)
        #[arg(long = "host", value_name = "HOST")]
        hosts: Vec<String>,
        /// Start in the trial state instead of active
        #[arg(long)]
        trial: bool,
    },
    /// Add host names that reach an account
    AddHost {
        #[command(flatten)]
        data: DataArgs,
        /// Account slug
        slug: String,
        /// Host name (repeatable)
        #[arg(long = "host", value_name = "HOST", required = true)]
        hosts: Vec<String>,
    },
    /// Stop an account answering on a host name
    RemoveHost {
        #[command(flatten)]
        data: DataArgs,
        /// Account slug
        slug: String,
        #[arg(long, value_name = "HOST")]
        host: String,
    },
    /// List accounts
    List {
        #[command(flatten)]
        data: DataArgs,
        /// Print JSON instead of a table
        #[arg(long)]
        json: bool,
    },
    /// Show one account
    Show {
        #[command(flatten)]
        data: DataArgs,
        /// Account slug
        slug: String,
        /// Print JSON
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add a person to an account; the password is read from standard input
    Add {
        #[command(flatten)]
        data: DataArgs,
        /// Account slug
        #[arg(long)]
        account: String,
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// owner (only when the account has none), admin or agent
        #[arg(long, value_parser = ["owner", "admin", "agent"])]
        role: String,
        /// Read the password from the first line of standard input
        #[arg(long)]
        password_stdin: bool,
    },
}

#[derive(Subcommand)]
enum ConfigCommand {
    /// Validate a configuration file and the HELPDESKD_* environment
    Check {
        /// Configuration file [default: /etc/helpdeskd/helpdeskd.toml]
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Databases, keys and certificates are private to the service user (the unit sets the
    // same with UMask=).
    nix::sys::stat::umask(nix::sys::stat::Mode::from_bits_truncate(0o077));
    let result = match cli.command {
        Command::Serve { data, listen } => cli::serve::run(&data, listen),
        Command::Init { data } => cli::init::run(&data),
        Command::Account(AccountCommand::Create {
            data,
            slug,
            name,
            hosts,
            trial,
        }) => cli::account::create(&data, slug, name, hosts, trial),
        Command::Account(AccountCommand::AddHost { data, slug, hosts }) => {
            cli::account::add_host(&data, &slug, &hosts)
        }
        Command::Account(AccountCommand::RemoveHost { data, slug, host }) => {
            cli::account::remove_host(&data, &slug, &host)
        }
        Command::Account(AccountCommand::List { data, json }) => cli::account::list(&data, json),
        Command::Account(AccountCommand::Show { data, slug, json }) => {
            cli::account::show(&data, &slug, json)
        }
        Command::User(UserCommand::Add {
            data,
            account,
            email,
            name,
            role,
            password_stdin,
        }) => cli::user::add(&data, &account, email, name, &role, password_stdin),
        Command::SetupLink { data, account } => cli::setup_link::run(&data, account.as_deref()),
        Command::Doctor { data } => cli::doctor::run(&data),
        Command::Config(ConfigCommand::Check { config }) => cli::config_check::run(config),
        Command::Audit(AuditCommand::Verify { data, account }) => {
            cli::audit::verify(&data, &account)
        }
        Command::Audit(AuditCommand::Prune { data, account }) => cli::audit::prune(&data, &account),
        Command::Spam(SpamCommand::Train {
            model,
            data,
            spam,
            ham,
        }) => cli::spam::train(
            model.target(data),
            inputs(spam.spam_files, spam.spam_list),
            inputs(ham.ham_files, ham.ham_list),
        ),
        Command::Spam(SpamCommand::Classify {
            model,
            data,
            files,
            list,
        }) => cli::spam::classify(model.target(data), inputs(files, list)),
        Command::Spam(SpamCommand::Stats { model, data }) => cli::spam::stats(model.target(data)),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {}", e.message);
            ExitCode::from(e.exit_code)
        }
    }
}

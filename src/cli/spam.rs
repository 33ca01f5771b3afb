//! `helpdeskd spam train | classify | stats`: the spam filter for operators and evaluation,
//! against a standalone model file (`--model PATH`, created if missing) or a live account's
//! model (`--account SLUG`, inside its encrypted database).
//!
//! Inputs are raw RFC 822 files, named on the command line or one path per line in a list
//! file. Training tokenizes everything first and writes the whole batch in one transaction.

use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use helpdeskd::accounts;
use helpdeskd::spam::tokenizer::MAX_SCAN_BYTES;
use helpdeskd::spam::{
    Class, Delta, Filter, LoadedModel, ModelFile, SpamError, SpamStats, Tokenizer, storage,
};
use helpdeskd::store::{Database, OpenMode};

use super::{CliError, CliResult, clock, load_config, open_store, runtime};
use crate::DataArgs;

/// Which model a command works on.
pub enum Target {
    File(PathBuf),
    Account { data: DataArgs, slug: String },
}

/// Messages given as paths or as a list file of paths.
pub enum Inputs {
    Files(Vec<PathBuf>),
    List(PathBuf),
}

impl Inputs {
    fn paths(self) -> Result<Vec<PathBuf>, CliError> {
        match self {
            Inputs::Files(files) => Ok(files),
            Inputs::List(list) => {
                let text = std::fs::read_to_string(&list).map_err(|e| {
                    CliError::failure(format!("cannot read the list {}: {e}", list.display()))
                })?;
                Ok(text
                    .lines()
                    .map(|line| line.trim_end_matches('\r'))
                    .filter(|line| !line.trim().is_empty())
                    .map(PathBuf::from)
                    .collect())
            }
        }
    }
}

/// Reads one message into `buffer` (at most what the tokenizer looks at).
fn read_message(path: &Path, buffer: &mut Vec<u8>) -> Result<(), CliError> {
    buffer.clear();
    std::fs::File::open(path)
        .and_then(|file| file.take(MAX_SCAN_BYTES as u64).read_to_end(buffer))
        .map(|_| ())
        .map_err(|e| CliError::failure(format!("cannot read {}: {e}", path.display())))
}

fn model_error(e: SpamError) -> CliError {
    CliError::failure(e)
}

pub fn train(target: Target, spam: Inputs, ham: Inputs) -> CliResult {
    let spam = spam.paths()?;
    let ham = ham.paths()?;
    let learn = |tokenizer: &mut Tokenizer| -> Result<Delta, CliError> {
        let mut delta = Delta::default();
        let mut buffer = Vec::with_capacity(64 * 1024);
        for (paths, class) in [(&spam, Class::Spam), (&ham, Class::Ham)] {
            for path in paths {
                read_message(path, &mut buffer)?;
                delta.add(class, tokenizer.message(&buffer), 1);
            }
        }
        Ok(delta)
    };
    let (where_to, stats) = match target {
        Target::File(path) => {
            let mut model = ModelFile::open(&path).map_err(model_error)?;
            let key = storage::hash_key(model.connection()).map_err(model_error)?;
            let delta = learn(&mut Tokenizer::new(&key))?;
            model.write(&delta).map_err(model_error)?;
            (
                path.display().to_string(),
                model.stats().map_err(model_error)?,
            )
        }
        Target::Account { data, slug } => {
            let rt = runtime()?;
            let db = account_database(&rt, &data, &slug)?;
            let key = rt
                .block_on(db.read(storage::hash_key))
                .map_err(model_error)?;
            let delta = learn(&mut Tokenizer::new(&key))?;
            rt.block_on(db.write(move |conn| storage::write_delta(conn, &delta)))
                .map_err(model_error)?;
            let stats = rt
                .block_on(db.read(|conn| storage::stats(conn, 0)))
                .map_err(model_error)?;
            (format!("account {slug}"), stats)
        }
    };
    println!(
        "learned {} spam and {} ham messages into {where_to} (now {} spam, {} ham, {} tokens)",
        spam.len(),
        ham.len(),
        stats.spam_messages,
        stats.ham_messages,
        stats.tokens
    );
    Ok(ExitCode::SUCCESS)
}

pub fn classify(target: Target, inputs: Inputs) -> CliResult {
    let paths = inputs.paths()?;
    let loaded = load(target)?;
    let mut filter = Filter::new(loaded);
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let mut buffer = Vec::with_capacity(64 * 1024);
    for path in &paths {
        read_message(path, &mut buffer)?;
        let score = filter.judge_message(&buffer);
        writeln!(
            out,
            "{}\t{}\t{:.6}",
            path.display(),
            score.verdict.as_str(),
            score.score
        )
        .map_err(|e| CliError::failure(format!("cannot write the results: {e}")))?;
    }
    out.flush()
        .map_err(|e| CliError::failure(format!("cannot write the results: {e}")))?;
    Ok(ExitCode::SUCCESS)
}

pub fn stats(target: Target) -> CliResult {
    let (name, stats) = match target {
        Target::File(path) => {
            let model = ModelFile::open(&path).map_err(model_error)?;
            (
                path.display().to_string(),
                model.stats().map_err(model_error)?,
            )
        }
        Target::Account { data, slug } => {
            let rt = runtime()?;
            let db = account_database(&rt, &data, &slug)?;
            let since = clock().now_unix() - 30 * 86_400;
            let stats = rt
                .block_on(db.read(move |conn| storage::stats(conn, since)))
                .map_err(model_error)?;
            (format!("account {slug}"), stats)
        }
    };
    print_stats(&name, &stats);
    Ok(ExitCode::SUCCESS)
}

fn print_stats(name: &str, stats: &SpamStats) {
    println!("model: {name}");
    println!(
        "messages learned: {} spam, {} ham",
        stats.spam_messages, stats.ham_messages
    );
    println!("tokens: {}", stats.tokens);
    println!(
        "cut-offs: ham below {:.4}, spam from {:.4} ({})",
        stats.thresholds.ham_cutoff,
        stats.thresholds.spam_cutoff,
        if stats.custom_thresholds {
            "set for this model"
        } else {
            "built-in defaults"
        }
    );
    println!("agents' marks remembered: {}", stats.marks);
    if stats.recent_judged > 0 {
        println!(
            "agreement with agents' marks (last 30 days): {} of {} ({:.1} %)",
            stats.recent_agreed,
            stats.recent_judged,
            100.0 * stats.recent_agreed as f64 / stats.recent_judged as f64
        );
    }
}

fn load(target: Target) -> Result<LoadedModel, CliError> {
    match target {
        Target::File(path) => ModelFile::open(&path)
            .and_then(|model| model.load())
            .map_err(model_error),
        Target::Account { data, slug } => {
            let rt = runtime()?;
            let db = account_database(&rt, &data, &slug)?;
            rt.block_on(db.read(storage::load)).map_err(model_error)
        }
    }
}

fn account_database(
    rt: &tokio::runtime::Runtime,
    data: &DataArgs,
    slug: &str,
) -> Result<Arc<Database>, CliError> {
    let config = load_config(data)?;
    let store = open_store(&config, OpenMode::Existing)?;
    rt.block_on(async {
        let account = accounts::find_by_slug(&store, slug)
            .await
            .map_err(CliError::failure)?;
        store
            .account(&account.id, clock().now_unix())
            .await
            .map_err(CliError::failure)
    })
}

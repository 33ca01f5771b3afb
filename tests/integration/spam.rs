//! `helpdeskd spam train | classify | stats` over the real binary: a standalone model file
//! and a live account's model, the output contract, errors, and a model file without any
//! token text in it.

use std::path::{Path, PathBuf};

use crate::harness::{cli_ok, fresh_dir, run_cli};

/// A word that appears only in the training spam, to look for in the model's bytes.
const MARKER: &str = "zanzibarquokka";

const SPAM_WORDS: &[&str] = &[
    "viagra",
    "casino",
    "winner",
    "lottery",
    "cheap",
    "pills",
    "bitcoin",
    "offer",
    "unsecured",
    "credit",
    "million",
    "dollars",
    "urgent",
    "prize",
    "refinance",
];
const HAM_WORDS: &[&str] = &[
    "meeting",
    "invoice",
    "printer",
    "quarterly",
    "report",
    "agenda",
    "deadline",
    "colleague",
    "kernel",
    "patch",
    "review",
    "build",
    "release",
    "minutes",
    "schedule",
];

/// A raw RFC 822 message made of `count` words from `words`, varied by `seed`.
fn message(from: &str, subject: &str, words: &[&str], seed: usize, extra: &str) -> String {
    let body: Vec<&str> = (0..40)
        .map(|i| words[(seed * 7 + i * 3) % words.len()])
        .collect();
    format!(
        "From: {from}\r\nTo: support@acme.example\r\nSubject: {subject} {seed}\r\n\
         Message-ID: <{seed}.{from}>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{} {extra}\r\n",
        body.join(" ")
    )
}

struct Corpus {
    _temp: tempfile::TempDir,
    dir: PathBuf,
    spam: Vec<PathBuf>,
    ham: Vec<PathBuf>,
    new_spam: PathBuf,
    new_ham: PathBuf,
}

fn corpus() -> Corpus {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().to_path_buf();
    let write = |name: &str, text: String| {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    };
    let spam = (0..20)
        .map(|i| {
            write(
                &format!("spam-{i}.eml"),
                message(
                    "deals@offers.example",
                    "You are a winner",
                    SPAM_WORDS,
                    i,
                    MARKER,
                ),
            )
        })
        .collect();
    let ham = (0..20)
        .map(|i| {
            write(
                &format!("ham-{i}.eml"),
                message("alice@acme.example", "Quarterly report", HAM_WORDS, i, ""),
            )
        })
        .collect();
    let new_spam = write(
        "new-spam.eml",
        message("promo@offers.example", "Cheap pills", SPAM_WORDS, 99, ""),
    );
    let new_ham = write(
        "new-ham.eml",
        message("bob@acme.example", "Release agenda", HAM_WORDS, 98, ""),
    );
    Corpus {
        _temp: temp,
        dir,
        spam,
        ham,
        new_spam,
        new_ham,
    }
}

fn list(dir: &Path, name: &str, paths: &[PathBuf]) -> String {
    let path = dir.join(name);
    let text: String = paths.iter().map(|p| format!("{}\n", p.display())).collect();
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

fn s(path: &Path) -> String {
    path.display().to_string()
}

/// Parses classify's output: (path, verdict, score) per line.
fn parse(out: &str) -> Vec<(String, String, f64)> {
    out.lines()
        .map(|line| {
            let fields: Vec<&str> = line.split('\t').collect();
            assert_eq!(fields.len(), 3, "three tab-separated fields: {line:?}");
            let score: f64 = fields[2].parse().unwrap();
            assert!((0.0..=1.0).contains(&score), "{line}");
            assert!(["spam", "ham", "unsure"].contains(&fields[1]), "{line}");
            (fields[0].to_string(), fields[1].to_string(), score)
        })
        .collect()
}

#[test]
fn a_model_file_learns_classifies_and_keeps_no_token_text() {
    let c = corpus();
    let model = c.dir.join("model.db");
    let model_arg = s(&model);

    // An untrained (created on the spot) model is unsure of everything.
    let before = parse(&cli_ok(&[
        "spam",
        "classify",
        "--model",
        &model_arg,
        &s(&c.new_spam),
    ]));
    assert_eq!(before[0].1, "unsure");
    assert!(model.exists(), "--model PATH is created if missing");

    // Files on the command line for spam, a list file for ham.
    let mut args = vec!["spam", "train", "--model", &model_arg, "--spam"];
    let spam: Vec<String> = c.spam.iter().map(|p| s(p)).collect();
    args.extend(spam.iter().map(String::as_str));
    let ham_list = list(&c.dir, "ham.lst", &c.ham);
    args.extend(["--ham-list", &ham_list]);
    let said = cli_ok(&args);
    assert!(said.contains("learned 20 spam and 20 ham"), "{said}");

    let out = cli_ok(&[
        "spam",
        "classify",
        "--model",
        &model_arg,
        &s(&c.new_spam),
        &s(&c.new_ham),
    ]);
    let results = parse(&out);
    assert_eq!(results.len(), 2);
    assert_eq!(results[0].0, s(&c.new_spam), "the path as given");
    assert_eq!(results[0].1, "spam", "{out}");
    assert!(results[0].2 > 0.9, "{out}");
    assert_eq!(results[1].1, "ham", "{out}");
    assert!(results[1].2 < 0.1, "{out}");

    // --list gives the same answers, one line per message, in list order.
    let test_list = list(&c.dir, "test.lst", &[c.new_ham.clone(), c.new_spam.clone()]);
    let listed = parse(&cli_ok(&[
        "spam", "classify", "--model", &model_arg, "--list", &test_list,
    ]));
    assert_eq!(listed[0], results[1]);
    assert_eq!(listed[1], results[0]);

    let stats = cli_ok(&["spam", "stats", "--model", &model_arg]);
    assert!(
        stats.contains("messages learned: 20 spam, 20 ham"),
        "{stats}"
    );
    assert!(stats.contains("tokens: "), "{stats}");

    // No token text in the model: not the marker, not a body word, not a sender.
    let dir_bytes: Vec<u8> = std::fs::read_dir(&c.dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("model.db"))
        })
        .flat_map(|p| std::fs::read(p).unwrap())
        .collect();
    for word in [MARKER, "refinance", "offers.example", "quarterly"] {
        for form in [word.to_string(), word.to_uppercase()] {
            assert!(
                !dir_bytes.windows(form.len()).any(|w| w == form.as_bytes()),
                "{form} found in the model file"
            );
        }
    }
}

#[test]
fn an_account_model_learns_through_the_cli() {
    let c = corpus();
    let (_temp, data) = fresh_dir();
    let data = s(&data);
    cli_ok(&["init", "--data-dir", &data]);
    let spam_list = list(&c.dir, "spam.lst", &c.spam);
    let ham_list = list(&c.dir, "ham.lst", &c.ham);
    let said = cli_ok(&[
        "spam",
        "train",
        "--account",
        "default",
        "--data-dir",
        &data,
        "--spam-list",
        &spam_list,
        "--ham-list",
        &ham_list,
    ]);
    assert!(said.contains("into account default"), "{said}");
    let out = cli_ok(&[
        "spam",
        "classify",
        "--account",
        "default",
        "--data-dir",
        &data,
        &s(&c.new_spam),
        &s(&c.new_ham),
    ]);
    let results = parse(&out);
    assert_eq!(results[0].1, "spam", "{out}");
    assert_eq!(results[1].1, "ham", "{out}");
    let stats = cli_ok(&["spam", "stats", "--account", "default", "--data-dir", &data]);
    assert!(
        stats.contains("messages learned: 20 spam, 20 ham"),
        "{stats}"
    );

    let unknown = run_cli(&["spam", "stats", "--account", "nope", "--data-dir", &data]);
    assert_eq!(unknown.code(), Some(1), "{unknown:?}");
    assert!(unknown.stderr.starts_with("error: "), "{unknown:?}");
}

#[test]
fn mistakes_get_one_error_line() {
    let c = corpus();
    let model = s(&c.dir.join("m.db"));
    macro_rules! one_line {
        ($run:expr, $code:expr, $needle:expr) => {{
            let run = $run;
            assert_eq!(run.code(), Some($code), "{run:?}");
            assert!(run.stderr.starts_with("error: "), "{run:?}");
            assert!(run.stderr.contains($needle), "{} in {run:?}", $needle);
        }};
    }

    // Usage (exit 2): both model kinds, none, a class missing, files and a list together.
    let both = run_cli(&["spam", "stats", "--model", &model, "--account", "default"]);
    one_line!(&both, 2, "--model");
    one_line!(&run_cli(&["spam", "stats"]), 2, "--model");
    let no_ham = run_cli(&["spam", "train", "--model", &model, "--spam", &s(&c.spam[0])]);
    one_line!(&no_ham, 2, "--ham");
    let both_inputs = run_cli(&[
        "spam",
        "classify",
        "--model",
        &model,
        &s(&c.new_ham),
        "--list",
        &s(&c.new_ham),
    ]);
    one_line!(&both_inputs, 2, "--list");

    // Failures (exit 1): an unreadable message, a missing list, a file that is no model.
    let missing = c.dir.join("missing.eml");
    let unreadable = run_cli(&["spam", "classify", "--model", &model, &s(&missing)]);
    one_line!(&unreadable, 1, "missing.eml");
    let no_list = run_cli(&[
        "spam",
        "train",
        "--model",
        &model,
        "--spam-list",
        &s(&missing),
        "--ham",
        &s(&c.ham[0]),
    ]);
    one_line!(&no_list, 1, "cannot read the list");
    let not_a_model = c.dir.join("not-a-model.db");
    std::fs::write(
        &not_a_model,
        "just some text, not SQLite at all\n".repeat(200),
    )
    .unwrap();
    let run = run_cli(&["spam", "stats", "--model", &s(&not_a_model)]);
    one_line!(&run, 1, "not a helpdeskd spam model");
    assert_eq!(run.stderr.lines().count(), 1, "{run:?}");
    let nowhere = s(&c.dir.join("no/such/dir/model.db"));
    let run = run_cli(&["spam", "stats", "--model", &nowhere]);
    one_line!(&run, 1, "cannot open the spam model");
    assert!(run.stderr.contains(&nowhere), "{run:?}");
}

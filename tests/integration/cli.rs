//! The command line as an operator meets it.

use crate::harness::{Daemon, cli_ok, fresh_dir, run_cli, run_cli_with};

#[test]
fn version_and_help() {
    let version = cli_ok(&["--version"]);
    assert_eq!(
        version.trim(),
        format!("helpdeskd {}", env!("CARGO_PKG_VERSION"))
    );
    let help = cli_ok(&["--help"]);
    // Listed as commands: a word at the start of an indented line.
    let listed: Vec<&str> = help
        .lines()
        .filter(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    for command in [
        "serve",
        "init",
        "account",
        "user",
        "setup-link",
        "doctor",
        "config",
    ] {
        assert!(listed.contains(&command), "--help lacks {command}:\n{help}");
    }
    for command in [
        &["serve"][..],
        &["init"],
        &["account", "create"],
        &["account", "list"],
        &["account", "show"],
        &["user", "add"],
        &["setup-link"],
        &["doctor"],
        &["config", "check"],
    ] {
        let mut args = command.to_vec();
        args.push("--help");
        let text = cli_ok(&args);
        assert!(text.contains("Usage:"), "{args:?}:\n{text}");
        if command != ["config", "check"] {
            assert!(
                text.contains("--data-dir"),
                "{args:?} takes --data-dir:\n{text}"
            );
        }
        assert!(
            text.contains("--config"),
            "{args:?} takes --config:\n{text}"
        );
    }
    let unknown = run_cli(&["frobnicate"]);
    assert_eq!(unknown.code(), Some(2), "{unknown:?}");
}

#[test]
fn init_is_idempotent() {
    let (_temp, data) = fresh_dir();
    let data = data.display().to_string();
    cli_ok(&["init", "--data-dir", &data]);
    let key_path = format!("{data}/master.key");
    let key = std::fs::read(&key_path).unwrap();
    let text = String::from_utf8(key.clone()).unwrap();
    assert!(
        text.len() == 65
            && text.ends_with('\n')
            && text[..64].bytes().all(|b| b.is_ascii_hexdigit()),
        "master.key is 64 hex digits and a newline: {text:?}"
    );
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&key_path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "master.key mode {mode:o}");
    let cert = std::fs::read(format!("{data}/tls/cert.pem")).unwrap();
    let accounts = cli_ok(&["account", "list", "--json", "--data-dir", &data]);

    cli_ok(&["init", "--data-dir", &data]);
    assert_eq!(
        key,
        std::fs::read(&key_path).unwrap(),
        "init replaced the key"
    );
    assert_eq!(cert, std::fs::read(format!("{data}/tls/cert.pem")).unwrap());
    assert_eq!(
        accounts,
        cli_ok(&["account", "list", "--json", "--data-dir", &data]),
        "init changed the accounts"
    );
    let listed: serde_json::Value = serde_json::from_str(&accounts).unwrap();
    assert_eq!(listed.as_array().map(Vec::len), Some(1), "{listed}");
    assert_eq!(listed[0]["slug"], "default");
}

#[test]
fn commands_on_an_uninitialized_dir_say_so() {
    let (_temp, data) = fresh_dir();
    let data_arg = data.display().to_string();
    let run = run_cli(&["account", "list", "--data-dir", &data_arg]);
    assert_eq!(run.code(), Some(1), "{run:?}");
    assert!(run.stderr.starts_with("error: "), "{run:?}");
    assert!(
        !data.join("master.key").exists(),
        "a data command created a key"
    );
}

#[test]
fn doctor_passes_on_a_healthy_dir_and_names_a_missing_key() {
    let daemon = Daemon::fresh();
    let data = daemon.data_arg();
    let run = run_cli(&["doctor", "--data-dir", &data]);
    assert_eq!(run.code(), Some(0), "{run:?}");
    assert!(!run.stdout.contains("FAIL"), "{run:?}");

    std::fs::rename(
        daemon.data_dir.join("master.key"),
        daemon.data_dir.join("master.key.away"),
    )
    .unwrap();
    let run = run_cli(&["doctor", "--data-dir", &data]);
    assert_eq!(run.code(), Some(1), "{run:?}");
    let said = format!("{}{}", run.stdout, run.stderr).to_lowercase();
    assert!(
        said.contains("master key") || said.contains("master.key"),
        "doctor does not name the problem: {run:?}"
    );
}

#[test]
fn user_add_validates_and_reads_the_password_from_stdin_only() {
    let daemon = Daemon::fresh();
    let data = daemon.data_arg();
    let base = [
        "user",
        "add",
        "--data-dir",
        &data,
        "--account",
        "default",
        "--email",
        "a@b.example",
        "--name",
        "A",
        "--role",
        "agent",
    ];
    let no_flag = run_cli(&base);
    assert_eq!(no_flag.code(), Some(2), "{no_flag:?}");
    let mut with_flag = base.to_vec();
    with_flag.push("--password-stdin");
    let weak = run_cli_with(&with_flag, Some("short\n"), &[]);
    assert_eq!(weak.code(), Some(2), "{weak:?}");
    assert!(weak.stderr.contains("12"), "{weak:?}");
    let added = run_cli_with(&with_flag, Some("long enough password\n"), &[]);
    assert_eq!(added.code(), Some(0), "{added:?}");
    assert!(
        !added.stdout.contains("long enough password"),
        "the password is echoed"
    );
    let again = run_cli_with(&with_flag, Some("long enough password\n"), &[]);
    assert_eq!(again.code(), Some(1), "{again:?}");
    let mut bad_role = base.to_vec();
    bad_role[11] = "emperor";
    bad_role.push("--password-stdin");
    let run = run_cli_with(&bad_role, Some("long enough password\n"), &[]);
    assert_eq!(run.code(), Some(2), "{run:?}");
}

//! The command line as an operator meets it.

use crate::harness::{Daemon, cli, cli_ok, fresh_dir};

#[test]
fn version_and_help() {
    let version = cli_ok(&["--version"], None);
    assert_eq!(
        version.trim(),
        format!("helpdeskd {}", env!("CARGO_PKG_VERSION"))
    );
    let help = cli_ok(&["--help"], None);
    for command in [
        "serve",
        "init",
        "account",
        "user",
        "setup-link",
        "doctor",
        "config",
    ] {
        assert!(help.contains(command), "--help lacks {command}:\n{help}");
    }
    for command in [
        &["serve"][..],
        &["account", "create"],
        &["user", "add"],
        &["config", "check"],
        &["doctor"],
    ] {
        let mut args = command.to_vec();
        args.push("--help");
        let text = cli_ok(&args, None);
        assert!(text.contains("Usage:"), "{args:?}");
    }
    let unknown = cli(&["frobnicate"], None);
    assert_eq!(unknown.status.code(), Some(2));
}

#[test]
fn init_is_idempotent() {
    let (_temp, data) = fresh_dir();
    let data = data.display().to_string();
    cli_ok(&["init", "--data-dir", &data], None);
    let key = std::fs::read(format!("{data}/master.key")).unwrap();
    let cert = std::fs::read(format!("{data}/tls/cert.pem")).unwrap();
    let first = cli_ok(&["account", "list", "--json", "--data-dir", &data], None);
    cli_ok(&["init", "--data-dir", &data], None);
    assert_eq!(key, std::fs::read(format!("{data}/master.key")).unwrap());
    assert_eq!(cert, std::fs::read(format!("{data}/tls/cert.pem")).unwrap());
    assert_eq!(
        first,
        cli_ok(&["account", "list", "--json", "--data-dir", &data], None)
    );
}

#[test]
fn commands_on_an_uninitialized_dir_say_so() {
    let (_temp, data) = fresh_dir();
    let data = data.display().to_string();
    let output = cli(&["account", "list", "--data-dir", &data], None);
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("helpdeskd init"));
}

#[test]
fn doctor_passes_on_a_healthy_dir_and_names_a_missing_key() {
    let daemon = Daemon::start();
    let data = daemon.data_dir.display().to_string();
    let report = cli_ok(&["doctor", "--data-dir", &data], None);
    assert!(
        report.contains("integrity ok") && report.contains("certificate"),
        "{report}"
    );
    assert!(!report.contains("FAIL"), "{report}");

    std::fs::rename(
        daemon.data_dir.join("master.key"),
        daemon.data_dir.join("master.key.away"),
    )
    .unwrap();
    let output = cli(&["doctor", "--data-dir", &data], None);
    assert_eq!(output.status.code(), Some(1));
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(
        report.contains("FAIL  master key") && report.contains("fix:"),
        "{report}"
    );
}

#[test]
fn user_add_validates_and_reads_the_password_from_stdin_only() {
    let daemon = Daemon::start();
    let data = daemon.data_dir.display().to_string();
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
    let no_flag = cli(&base, None);
    assert_eq!(no_flag.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&no_flag.stderr).contains("--password-stdin"));
    let mut with_flag = base.to_vec();
    with_flag.push("--password-stdin");
    let weak = cli(&with_flag, Some("short\n"));
    assert_eq!(weak.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&weak.stderr).contains("at least 12"));
    cli_ok(&with_flag, Some("long enough password\n"));
    let again = cli(&with_flag, Some("long enough password\n"));
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
}

//! A bad configuration stops the daemon with exit code 2 and one stderr line naming the file
//! (or variable), the key and the reason; `config check` says the same.

use crate::harness::{Daemon, Options, StartFailure, run_cli};

/// Starts `serve` expecting a refusal; no `--listen` flag, so the config alone decides.
fn refused(options: Options) -> StartFailure {
    match Daemon::try_start(options.no_listen_flag()) {
        Ok(daemon) => panic!(
            "the daemon started on {} despite the bad configuration",
            daemon.addr()
        ),
        Err(failure) => failure,
    }
}

/// Exit 2 and exactly one line on stderr, `error: ...`, containing every `needle`.
fn assert_one_line_error(code: Option<i32>, stderr: &str, needles: &[&str]) {
    assert_eq!(code, Some(2), "exit code; stderr:\n{stderr}");
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "one line on stderr, got:\n{stderr}");
    assert!(lines[0].starts_with("error: "), "{stderr}");
    for needle in needles {
        assert!(lines[0].contains(needle), "{needle:?} missing in {stderr}");
    }
}

#[test]
fn an_unknown_key_names_the_key_and_the_file() {
    for (text, key) in [
        ("[http]\nlisten_port = 8443\n", "`http.listen_port`"),
        ("colour = \"blue\"\n", "`colour`"),
    ] {
        let failure = refused(Options::default().config(text));
        let file = failure
            .command
            .split_whitespace()
            .skip_while(|a| *a != "--config")
            .nth(1)
            .unwrap()
            .to_string();
        assert_one_line_error(failure.code(), &failure.stderr, &[key, &file]);
    }
}

#[test]
fn a_bad_value_names_the_key() {
    for (text, key) in [
        ("[http]\nlisten = \"nonsense\"\n", "`http.listen`"),
        (
            "[http]\nmax_body_bytes = \"lots\"\n",
            "`http.max_body_bytes`",
        ),
        (
            "[storage]\nreaders_per_database = 0\n",
            "`storage.readers_per_database`",
        ),
    ] {
        let failure = refused(Options::default().config(text));
        assert_one_line_error(failure.code(), &failure.stderr, &[key, "helpdeskd.toml"]);
    }
}

#[test]
fn a_bad_environment_override_names_the_variable_and_the_key() {
    let failure = refused(Options::default().env("HELPDESKD_HTTP_LISTEN", "bogus"));
    assert_one_line_error(
        failure.code(),
        &failure.stderr,
        &["HELPDESKD_HTTP_LISTEN", "http.listen"],
    );

    let failure = refused(Options::default().env("HELPDESKD_HTTP_MAX_CONNECTIONS", "many"));
    assert_one_line_error(
        failure.code(),
        &failure.stderr,
        &["HELPDESKD_HTTP_MAX_CONNECTIONS", "http.max_connections"],
    );
}

#[test]
fn an_environment_override_applies() {
    // A valid override is used: the daemon listens where the variable says.
    let daemon = Daemon::start(
        Options::default()
            .no_listen_flag()
            .env("HELPDESKD_HTTP_LISTEN", "127.0.0.1:0"),
    );
    assert!(daemon.addr().ip().is_loopback());
    assert_ne!(daemon.addr().port(), 8443);
}

#[test]
fn config_check_accepts_good_files_and_names_errors() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.toml");
    std::fs::write(
        &good,
        "public_url = \"https://help.example\"\n[http]\nlisten = \"127.0.0.1:9443\"\n\
         max_body_bytes = 1048576\n[log]\nlevel = \"debug\"\n",
    )
    .unwrap();
    let good = good.display().to_string();
    let run = run_cli(&["config", "check", "--config", &good]);
    assert_eq!(run.code(), Some(0), "{run:?}");
    assert!(
        run.stdout.contains(&format!("config ok: {good}")),
        "{run:?}"
    );

    let shipped = concat!(env!("CARGO_MANIFEST_DIR"), "/etc/helpdeskd.toml");
    let run = run_cli(&["config", "check", "--config", shipped]);
    assert_eq!(run.code(), Some(0), "the shipped config: {run:?}");

    for (text, key) in [
        ("[http]\nlisten_port = 8443\n", "`http.listen_port`"),
        ("[http]\nlisten = \"nonsense\"\n", "`http.listen`"),
        // Only one of a certificate/key pair.
        ("[tls]\ncert_file = \"/only/one/half.pem\"\n", "`tls."),
    ] {
        let bad = dir.path().join("bad.toml");
        std::fs::write(&bad, text).unwrap();
        let bad = bad.display().to_string();
        let run = run_cli(&["config", "check", "--config", &bad]);
        assert_one_line_error(run.code(), &run.stderr, &[key, &bad]);
    }
}

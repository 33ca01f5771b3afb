//! A bad configuration stops the daemon with one line naming the file (or variable), the
//! key and the reason, and exit code 2.

use crate::harness::{Daemon, Options, cli};

fn refused(options: Options) -> (i32, String) {
    let failure = Daemon::try_start(options)
        .err()
        .expect("the daemon must refuse to start");
    let code = failure.status.and_then(|s| s.code()).expect("exit code");
    (code, failure.stderr)
}

#[test]
fn unknown_key_names_file_and_key_in_one_line() {
    let (code, stderr) = refused(Options {
        config: Some("[http]\nlisten_port = 8443\n".into()),
        ..Options::default()
    });
    assert_eq!(code, 2);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert!(stderr.contains("helpdeskd.toml"), "{stderr}");
    assert!(stderr.contains("`http.listen_port`"), "{stderr}");
    assert!(stderr.contains("unknown field"), "{stderr}");
}

#[test]
fn bad_value_names_the_key() {
    let (code, stderr) = refused(Options {
        config: Some("[storage]\nreaders_per_database = 0\n".into()),
        ..Options::default()
    });
    assert_eq!(code, 2);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("`storage.readers_per_database`"),
        "{stderr}"
    );

    let (code, stderr) = refused(Options {
        config: Some("[http]\nmax_body_bytes = \"lots\"\n".into()),
        ..Options::default()
    });
    assert_eq!(code, 2);
    assert!(stderr.contains("`http.max_body_bytes`"), "{stderr}");
}

#[test]
fn environment_override_errors_name_the_variable() {
    let (code, stderr) = refused(Options {
        env: vec![("HELPDESKD_HTTP_MAX_CONNECTIONS".into(), "many".into())],
        ..Options::default()
    });
    assert_eq!(code, 2);
    assert!(
        stderr.contains("HELPDESKD_HTTP_MAX_CONNECTIONS"),
        "{stderr}"
    );
    assert!(stderr.contains("`http.max_connections`"), "{stderr}");
}

#[test]
fn config_check_accepts_the_shipped_file_and_rejects_a_bad_one() {
    let shipped = concat!(env!("CARGO_MANIFEST_DIR"), "/etc/helpdeskd.toml");
    let output = cli(&["config", "check", "--config", shipped], None);
    assert!(output.status.success(), "{output:?}");
    assert!(String::from_utf8_lossy(&output.stdout).contains("config ok"));

    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "[tls]\ncert_file = \"/only/one/half.pem\"\n").unwrap();
    let output = cli(
        &["config", "check", "--config", bad.to_str().unwrap()],
        None,
    );
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("`tls.cert_file`") && stderr.contains("bad.toml"),
        "{stderr}"
    );
}

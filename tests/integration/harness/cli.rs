//! Running `helpdeskd` commands, bounded, with their output.

use std::io::Write;
use std::process::{Command, ExitStatus, Stdio};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

use super::{BIN, DEADLINE, isolate};

/// What one CLI run did.
pub struct CliRun {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
    pub command: String,
}

impl CliRun {
    pub fn code(&self) -> Option<i32> {
        self.status.code()
    }
}

impl std::fmt::Debug for CliRun {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "command: {}\nstatus: {}\n---- stdout:\n{}---- stderr:\n{}",
            self.command, self.status, self.stdout, self.stderr
        )
    }
}

/// Runs `helpdeskd ARGS` (bounded by the deadline).
pub fn run_cli(args: &[&str]) -> CliRun {
    run_cli_with(args, None, &[])
}

/// Runs `helpdeskd ARGS` with `stdin` as its standard input and extra environment.
pub fn run_cli_with(args: &[&str], stdin: Option<&str>, env: &[(&str, &str)]) -> CliRun {
    let mut command = Command::new(BIN);
    command
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    isolate(&mut command);
    for (name, value) in env {
        command.env(name, value);
    }
    let mut child = command.spawn().expect("spawn helpdeskd");
    let mut input = child.stdin.take().expect("stdin");
    if let Some(text) = stdin {
        // A command that exits before reading (a usage error) closes the pipe: not our fault.
        if let Err(e) = input.write_all(text.as_bytes()) {
            assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "write stdin: {e}");
        }
    }
    drop(input);
    let pid = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    let rendered = format!("helpdeskd {}", args.join(" "));
    let output = match rx.recv_timeout(DEADLINE) {
        Ok(output) => output.expect("CLI output"),
        Err(_) => {
            let _ = kill(Pid::from_raw(pid as i32), Signal::SIGKILL);
            panic!("`{rendered}` did not finish within {DEADLINE:?}");
        }
    };
    CliRun {
        status: output.status,
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        command: rendered,
    }
}

/// Runs the CLI and insists it succeeds; returns stdout.
pub fn cli_ok(args: &[&str]) -> String {
    let run = run_cli(args);
    assert!(run.status.success(), "{run:?}");
    run.stdout
}

/// Runs the CLI with a password on stdin and insists it succeeds.
pub fn cli_ok_stdin(args: &[&str], stdin: &str) -> String {
    let run = run_cli_with(args, Some(stdin), &[]);
    assert!(run.status.success(), "{run:?}");
    run.stdout
}

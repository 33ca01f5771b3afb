//! The spam filter in-process: throughput once loaded, and a cross-validation sweep of the
//! classifier's parameters (issue 6).
//!
//! `cargo bench --bench spam_speed -- DATA_DIR [--tune]`, where DATA_DIR is the corpus'
//! `package/data` directory that `bench/spam_eval.py` fetched (by default
//! `~/.cache/helpdeskd-bench/spam-assassin/package/data`). Reads only the development groups:
//! `spam-1`, `easy-ham-1` and `hard-ham-1` files 1–125.
//!
//! Throughput (one thread, messages already in memory, as the daemon receives them):
//! - training: tokenize + count every message, then write the batch into a fresh model file
//!   in one transaction;
//! - loading: the model file into the in-memory hash map;
//! - classification: tokenize + score every message, best of 5 passes (wall clock), and the
//!   rate over the 5 passes per CPU-second of the thread (leaves out the time other
//!   processes had the core).
//!
//! `--dump FILE`: instead of timing, writes one line per message (its place in the set, the
//! number of distinct tokens, an FNV-1a digest of the sorted token hashes, and the score's
//! f64 bits in hex, from a model trained on every other message) so that two builds can be
//! compared: a change meant only for speed must leave this file byte for byte the same.
//!
//! `--tune` (fast enough under `--profile dev` too): 10-fold cross-validation in memory
//! for a grid of (robs, min_dev) and the cut-offs, printing the best settings under the
//! issue's limits (FP ≤ 0.5 %, unsure ≤ 5 %), and the effect of leaving the structural
//! features out.

use std::path::{Path, PathBuf};
use std::time::Instant;

use helpdeskd::spam::{
    Class, Delta, Filter, HashKey, Model, ModelFile, Params, Thresholds, Tokenizer, storage,
};

type Error = Box<dyn std::error::Error>;

fn main() -> Result<(), Error> {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let tune = args.iter().any(|a| a == "--tune");
    let dump_to = args
        .iter()
        .position(|a| a == "--dump")
        .map(|i| {
            args.get(i + 1)
                .map(PathBuf::from)
                .ok_or("--dump needs a file")
        })
        .transpose()?;
    let data = args
        .iter()
        .enumerate()
        .find(|(i, a)| !a.starts_with("--") && (*i == 0 || args[i - 1] != "--dump"))
        .map(|(_, a)| a)
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME").map(|home| {
                PathBuf::from(home).join(".cache/helpdeskd-bench/spam-assassin/package/data")
            })
        })
        .ok_or("give the corpus data directory")?;
    let messages = development_set(&data)?;
    let bytes: usize = messages.iter().map(|(raw, _)| raw.len()).sum();
    println!(
        "development set: {} messages ({} spam), {:.1} MB, mean {:.1} KB",
        messages.len(),
        messages.iter().filter(|(_, c)| *c == Class::Spam).count(),
        bytes as f64 / 1e6,
        bytes as f64 / 1e3 / messages.len() as f64
    );
    if let Some(path) = dump_to {
        return dump(&messages, &path);
    }
    throughput(&messages)?;
    if tune {
        sweep(&messages);
    }
    Ok(())
}

fn development_set(data: &Path) -> Result<Vec<(Vec<u8>, Class)>, Error> {
    let list = |group: &str| -> Result<Vec<PathBuf>, Error> {
        let mut paths: Vec<PathBuf> = std::fs::read_dir(data.join(group))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "txt"))
            .collect();
        paths.sort();
        Ok(paths)
    };
    let mut hard = list("hard-ham-1")?;
    hard.truncate(hard.len() / 2);
    let mut out = Vec::new();
    for path in list("spam-1")? {
        out.push((std::fs::read(path)?, Class::Spam));
    }
    for path in list("easy-ham-1")?.into_iter().chain(hard) {
        out.push((std::fs::read(path)?, Class::Ham));
    }
    Ok(out)
}

fn throughput(messages: &[(Vec<u8>, Class)]) -> Result<(), Error> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("model.db");
    let n = messages.len() as f64;

    let started = Instant::now();
    let mut model_file = ModelFile::open(&path)?;
    let key = storage::hash_key(model_file.connection())?;
    let mut tokenizer = Tokenizer::new(&key);
    let mut delta = Delta::default();
    for (raw, class) in messages {
        delta.add(*class, tokenizer.message(raw), 1);
    }
    let counted = started.elapsed();
    model_file.write(&delta)?;
    let trained = started.elapsed();
    println!(
        "training: {:.0} msgs/s ({:.3} s: tokenize+count {:.3} s, write {} tokens {:.3} s)",
        n / trained.as_secs_f64(),
        trained.as_secs_f64(),
        counted.as_secs_f64(),
        delta.tokens.len(),
        (trained - counted).as_secs_f64()
    );

    let started = Instant::now();
    let loaded = model_file.load()?;
    let load_time = started.elapsed();
    let tokens = loaded.model.token_count();
    let mut filter = Filter::new(loaded);
    println!(
        "loading: {} tokens in {:.1} ms",
        tokens,
        load_time.as_secs_f64() * 1e3
    );

    let mut best = f64::MAX;
    let mut spam_found = 0;
    let cpu_started = thread_cpu_seconds();
    for _ in 0..5 {
        let started = Instant::now();
        spam_found = 0;
        for (raw, _) in messages {
            if filter.judge_message(raw).score > 0.5 {
                spam_found += 1;
            }
        }
        best = best.min(started.elapsed().as_secs_f64());
    }
    let cpu = thread_cpu_seconds() - cpu_started;
    println!(
        "classification once loaded: {:.0} msgs/s ({:.1} µs per message; {} above 0.5)",
        n / best,
        best / n * 1e6,
        spam_found
    );
    println!(
        "classification once loaded, per CPU-second of this thread (all 5 passes): {:.0} msgs/s",
        5.0 * n / cpu
    );
    // What the check adds to one inbound message: each message timed on its own.
    let mut each: Vec<f64> = messages
        .iter()
        .map(|(raw, _)| {
            let started = Instant::now();
            std::hint::black_box(filter.judge_message(raw));
            started.elapsed().as_secs_f64() * 1e6
        })
        .collect();
    each.sort_by(f64::total_cmp);
    let at = |q: f64| each[((each.len() - 1) as f64 * q) as usize];
    println!(
        "one message: median {:.1} µs, p99 {:.1} µs, max {:.1} µs",
        at(0.5),
        at(0.99),
        at(1.0)
    );
    Ok(())
}

/// CPU time this thread has used (user + system, `getrusage(RUSAGE_THREAD)`). Unlike the
/// wall clock it leaves out the time the thread waited while other processes had the core;
/// it still pays for what they do to the caches, and the hypervisor's steal time, so on a
/// shared machine it is not much steadier (BENCHMARKS.md). Its granularity is the scheduler
/// tick (4 ms here), under 1 % of the five passes it is taken over.
fn thread_cpu_seconds() -> f64 {
    use nix::sys::resource::{UsageWho, getrusage};
    use nix::sys::time::TimeValLike;
    getrusage(UsageWho::RUSAGE_THREAD).map_or(f64::NAN, |usage| {
        (usage.user_time().num_microseconds() + usage.system_time().num_microseconds()) as f64 / 1e6
    })
}

/// Token digests and exact scores of every message, for comparing two builds.
fn dump(messages: &[(Vec<u8>, Class)], path: &Path) -> Result<(), Error> {
    use std::io::Write;
    // A fixed key, so that two builds' hashes can be compared.
    let key = HashKey::from_bytes(*b"spam-speed-dump!");
    let mut tokenizer = Tokenizer::new(&key);
    let tokenized: Vec<Vec<u64>> = messages
        .iter()
        .map(|(raw, _)| tokenizer.message(raw).to_vec())
        .collect();
    // Trained on every other message: a message scored by a model that learned it mostly
    // gets exactly 0 or 1, which would hide a change in the last bits; the unseen half gets
    // scores in between.
    let mut model = Model::default();
    for (tokens, (_, class)) in tokenized.iter().zip(messages).step_by(2) {
        model.learn(*class, tokens);
    }
    let params = Params::default();
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    for (i, tokens) in tokenized.iter().enumerate() {
        let digest = tokens.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, t| {
            t.to_le_bytes()
                .iter()
                .fold(h, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
        });
        let score = model.score(tokens, &params);
        writeln!(
            out,
            "{i}\t{}\t{digest:016x}\t{:016x}",
            tokens.len(),
            score.to_bits()
        )?;
    }
    out.flush()?;
    println!("dumped {} messages to {}", messages.len(), path.display());
    Ok(())
}

/// Cross-validation in memory: each message tokenized once, each fold's model built from
/// the others' token sets.
fn sweep(messages: &[(Vec<u8>, Class)]) {
    const FOLDS: usize = 10;
    let key = HashKey::from_bytes(*b"spam-speed-tune!");
    let mut tokenizer = Tokenizer::new(&key);
    let tokenized: Vec<(Vec<u64>, Class)> = messages
        .iter()
        .map(|(raw, class)| (tokenizer.message(raw).to_vec(), *class))
        .collect();
    // Deterministic interleaved folds: message i goes to fold i mod 10 within its class.
    let mut fold_of = Vec::with_capacity(tokenized.len());
    let (mut spam_i, mut ham_i) = (0usize, 0usize);
    for (_, class) in &tokenized {
        let i = if *class == Class::Spam {
            &mut spam_i
        } else {
            &mut ham_i
        };
        fold_of.push((*i * 7919) % FOLDS);
        *i += 1;
    }
    let structural: Vec<u64> = [
        "html-only",
        "image-only",
        "link-text-mismatch",
        "mostly-capitals",
    ]
    .iter()
    .map(|f| key.token("shape:", f))
    .collect();

    for (variant, drop) in [
        ("all features", &[][..]),
        ("without shape:*", &structural[..]),
    ] {
        let data: Vec<(Vec<u64>, Class)> = tokenized
            .iter()
            .map(|(t, c)| {
                (
                    t.iter().copied().filter(|h| !drop.contains(h)).collect(),
                    *c,
                )
            })
            .collect();
        let models: Vec<Model> = (0..FOLDS)
            .map(|k| {
                let mut model = Model::default();
                for ((tokens, class), fold) in data.iter().zip(&fold_of) {
                    if *fold != k {
                        model.learn(*class, tokens);
                    }
                }
                model
            })
            .collect();
        println!(
            "\n{variant}: robs min_dev robx | best cut-offs (ham, spam) | FP FN unsure accuracy"
        );
        for robs in [0.0178, 0.05, 0.1, 0.3, 0.45] {
            for min_dev in [0.0, 0.1, 0.2, 0.3, 0.375] {
                for robx in [0.5] {
                    let params = Params {
                        robs,
                        robx,
                        min_dev,
                    };
                    let scores: Vec<(f64, Class)> = data
                        .iter()
                        .zip(&fold_of)
                        .map(|((tokens, class), fold)| {
                            (models[*fold].score(tokens, &params), *class)
                        })
                        .collect();
                    let defaults = evaluate(&scores, Thresholds::default());
                    let bands: Vec<String> = BANDS
                        .iter()
                        .map(|&(ham_cutoff, spam_cutoff)| {
                            let o = evaluate(
                                &scores,
                                Thresholds {
                                    ham_cutoff,
                                    spam_cutoff,
                                },
                            );
                            format!("({ham_cutoff}, {spam_cutoff}) {}", o.line())
                        })
                        .collect();
                    let best = best_cutoffs(&scores);
                    println!(
                        "{robs:>6} {min_dev:>5} {robx:>4} | defaults {} | best {}",
                        defaults.line(),
                        best.map_or("none within limits".to_string(), |(t, r)| format!(
                            "({:.3}, {:.3}) {}",
                            t.ham_cutoff,
                            t.spam_cutoff,
                            r.line()
                        ))
                    );
                    for band in bands {
                        println!("        {band}");
                    }
                }
            }
        }
    }
}

/// Unsure bands shown for every parameter set, besides the best one found.
const BANDS: [(f64, f64); 5] = [(0.1, 0.9), (0.2, 0.8), (0.3, 0.7), (0.3, 0.6), (0.4, 0.6)];

#[derive(Clone, Copy)]
struct Outcome {
    ham: usize,
    spam: usize,
    fp: usize,
    fn_: usize,
    unsure: usize,
}

impl Outcome {
    fn fp_rate(&self) -> f64 {
        self.fp as f64 / self.ham as f64
    }
    fn unsure_rate(&self) -> f64 {
        self.unsure as f64 / (self.ham + self.spam) as f64
    }
    fn accuracy(&self) -> f64 {
        1.0 - (self.fp + self.fn_ + self.unsure) as f64 / (self.ham + self.spam) as f64
    }
    fn line(&self) -> String {
        format!(
            "FP {:.2}% FN {:.2}% unsure {:.2}% acc {:.2}%",
            100.0 * self.fp_rate(),
            100.0 * self.fn_ as f64 / self.spam as f64,
            100.0 * self.unsure_rate(),
            100.0 * self.accuracy()
        )
    }
}

fn evaluate(scores: &[(f64, Class)], t: Thresholds) -> Outcome {
    let mut o = Outcome {
        ham: 0,
        spam: 0,
        fp: 0,
        fn_: 0,
        unsure: 0,
    };
    for (score, class) in scores {
        let verdict = t.verdict(*score);
        match class {
            Class::Ham => o.ham += 1,
            Class::Spam => o.spam += 1,
        }
        match (class, verdict.as_str()) {
            (_, "unsure") => o.unsure += 1,
            (Class::Ham, "spam") => o.fp += 1,
            (Class::Spam, "ham") => o.fn_ += 1,
            _ => {}
        }
    }
    o
}

/// The cut-offs with the best accuracy among those with FP ≤ 0.5 % and unsure ≤ 5 %.
fn best_cutoffs(scores: &[(f64, Class)]) -> Option<(Thresholds, Outcome)> {
    let grid: Vec<f64> = (1..100).map(|i| f64::from(i) / 100.0).collect();
    let mut best: Option<(Thresholds, Outcome)> = None;
    for &ham in &grid {
        for &spam in grid.iter().filter(|&&s| s >= ham) {
            let t = Thresholds {
                ham_cutoff: ham,
                spam_cutoff: spam,
            };
            let o = evaluate(scores, t);
            if o.fp_rate() <= 0.005
                && o.unsure_rate() <= 0.05
                && best.is_none_or(|(_, b)| o.accuracy() > b.accuracy())
            {
                best = Some((t, o));
            }
        }
    }
    best
}

//! The filter as a whole: learning and exact unlearning through storage, the tokenizer on
//! hostile and foreign input, no token text in a model file, and order independence.

use std::time::{Duration, Instant};

use proptest::prelude::*;

use super::tokenizer::{MAX_SCAN_BYTES, MAX_TOKENS};
use super::*;

fn key() -> HashKey {
    HashKey::from_bytes(*b"tests-hash-key!!")
}

fn mail(subject: &str, body: &str) -> Vec<u8> {
    format!(
        "From: someone@example.org\r\nSubject: {subject}\r\nContent-Type: text/plain\r\n\r\n{body}\r\n"
    )
    .into_bytes()
}

fn texts(raw: &[u8]) -> Vec<String> {
    let mut t = Tokenizer::recording(&key());
    t.message(raw);
    t.recorded()
}

fn temp_model() -> (tempfile::TempDir, ModelFile) {
    let dir = tempfile::tempdir().unwrap();
    let model = ModelFile::open(&dir.path().join("model.db")).unwrap();
    (dir, model)
}

/// A model file with a few messages of each class learned, and its filter.
fn trained() -> (tempfile::TempDir, ModelFile) {
    let (dir, mut model) = temp_model();
    let key = storage::hash_key(model.connection()).unwrap();
    let mut tokenizer = Tokenizer::new(&key);
    let mut delta = Delta::default();
    for i in 0..10 {
        let spam = mail(
            "Cheap pills",
            &format!("buy cheap pills online casino winner {i}"),
        );
        let ham = mail(
            "Meeting notes",
            &format!("the meeting agenda and quarterly report {i}"),
        );
        delta.add(Class::Spam, tokenizer.message(&spam), 1);
        delta.add(Class::Ham, tokenizer.message(&ham), 1);
    }
    model.write(&delta).unwrap();
    (dir, model)
}

#[test]
fn learning_changes_decisions_and_unlearning_restores_the_score_exactly() {
    let (_dir, model) = trained();
    let message = mail(
        "Quarterly agenda",
        "zebra quokka platypus wombat meeting agenda report",
    );
    let mut filter = Filter::new(model.load().unwrap());
    let before = filter.judge_message(&message);
    assert_ne!(before.verdict, Verdict::Spam, "{before:?}");

    // An agent marks it as spam, ten times over (as ten similar messages): now spam.
    let tokens = filter.message_tokens(&message);
    let conn = model.connection();
    for i in 0..10 {
        let tx = conn.unchecked_transaction().unwrap();
        let delta = storage::learn_mark(
            &tx,
            &format!("message:{i}"),
            Class::Spam,
            &tokens,
            Some(before.verdict),
            1_000,
        )
        .unwrap();
        tx.commit().unwrap();
        filter.apply(&delta).unwrap();
    }
    let after = filter.judge_message(&message);
    assert_eq!(after.verdict, Verdict::Spam, "{after:?}");
    // The stored model agrees with the in-memory one.
    assert_eq!(
        Filter::new(model.load().unwrap())
            .judge_message(&message)
            .score
            .to_bits(),
        after.score.to_bits()
    );

    // Marking one again the same way changes nothing; moving one to ham moves it.
    let tx = conn.unchecked_transaction().unwrap();
    let same = storage::learn_mark(&tx, "message:0", Class::Spam, &tokens, None, 2_000).unwrap();
    assert!(same.is_empty());
    tx.commit().unwrap();

    // The agent undoes the ten marks: the score is what it was, to the last bit, in
    // memory and in storage.
    for i in 0..10 {
        let tx = conn.unchecked_transaction().unwrap();
        let delta = storage::unlearn_mark(&tx, &format!("message:{i}")).unwrap();
        tx.commit().unwrap();
        filter.apply(&delta).unwrap();
    }
    let restored = filter.judge_message(&message);
    assert_eq!(restored.score.to_bits(), before.score.to_bits());
    assert_eq!(restored.verdict, before.verdict);
    let reloaded = Filter::new(model.load().unwrap()).judge_message(&message);
    assert_eq!(reloaded.score.to_bits(), before.score.to_bits());
    let stats = model.stats().unwrap();
    assert_eq!((stats.spam_messages, stats.ham_messages), (10, 10));
    assert_eq!(stats.marks, 0);
    // Unlearning what was never marked is a no-op, not an error.
    let tx = conn.unchecked_transaction().unwrap();
    assert!(
        storage::unlearn_mark(&tx, "message:404")
            .unwrap()
            .is_empty()
    );
    tx.commit().unwrap();
}

#[test]
fn a_mark_moved_to_the_other_class_and_the_agreement_figure() {
    let (_dir, model) = trained();
    let conn = model.connection();
    let tokens = [1u64, 2, 3];
    let tx = conn.unchecked_transaction().unwrap();
    storage::learn_mark(&tx, "m:1", Class::Spam, &tokens, Some(Verdict::Spam), 10).unwrap();
    storage::learn_mark(&tx, "m:2", Class::Ham, &tokens, Some(Verdict::Unsure), 10).unwrap();
    let moved = storage::learn_mark(&tx, "m:1", Class::Ham, &tokens, None, 20).unwrap();
    tx.commit().unwrap();
    assert_eq!((moved.spam_messages, moved.ham_messages), (-1, 1));
    assert_eq!(storage::marked_as(conn, "m:1").unwrap(), Some(Class::Ham));
    let stats = storage::stats(conn, 0).unwrap();
    assert_eq!((stats.spam_messages, stats.ham_messages), (10, 12));
    assert_eq!(stats.marks, 2);
    // m:1 was judged spam, then marked ham (disagreement); m:2 judged unsure (disagreement).
    assert_eq!((stats.recent_judged, stats.recent_agreed), (2, 0));
}

#[test]
fn unlearning_what_was_not_learned_is_refused_and_rolled_back() {
    let (_dir, mut model) = trained();
    let mut delta = Delta::default();
    delta.add(Class::Spam, &[42, 43], -1);
    assert!(matches!(model.write(&delta), Err(SpamError::NotLearned(_))));
    let stats = model.stats().unwrap();
    assert_eq!((stats.spam_messages, stats.ham_messages), (10, 10));
}

#[test]
fn thresholds_are_kept_with_the_model() {
    let (_dir, mut model) = trained();
    assert_eq!(model.load().unwrap().thresholds, Thresholds::default());
    let custom = Thresholds::new(0.1, 0.95).unwrap();
    model.set_thresholds(Some(custom)).unwrap();
    assert_eq!(model.load().unwrap().thresholds, custom);
    assert!(model.stats().unwrap().custom_thresholds);
    model.set_thresholds(None).unwrap();
    assert_eq!(model.load().unwrap().thresholds, Thresholds::default());
}

#[test]
fn the_model_file_holds_no_token_text() {
    let (dir, model) = trained();
    drop(model);
    let mut bytes = Vec::new();
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        bytes.extend(std::fs::read(entry.unwrap().path()).unwrap());
    }
    for word in ["casino", "quarterly", "someone", "example.org", "pills"] {
        assert!(
            !bytes.windows(word.len()).any(|w| w == word.as_bytes()),
            "{word} is in the model file"
        );
    }
}

#[test]
fn a_file_that_is_not_a_model_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("other.db");
    let other = rusqlite::Connection::open(&path).unwrap();
    other.execute_batch("CREATE TABLE x (y)").unwrap();
    drop(other);
    assert!(matches!(
        ModelFile::open(&path),
        Err(SpamError::NotAModel(_))
    ));
    let text = dir.path().join("text.db");
    std::fs::write(&text, "hello ".repeat(1000)).unwrap();
    assert!(matches!(
        ModelFile::open(&text),
        Err(SpamError::NotAModel(_))
    ));
}

#[test]
fn the_account_migration_creates_the_same_tables_as_a_model_file() {
    let conn = rusqlite::Connection::open_in_memory().unwrap();
    for m in crate::store::schema::ACCOUNT {
        conn.execute_batch(m.sql).unwrap();
    }
    let loaded = storage::load(&conn).unwrap();
    assert_eq!(loaded.model.token_count(), 0);
    assert_eq!(loaded.thresholds, Thresholds::default());
    let (_dir, model) = temp_model();
    let tables = |c: &rusqlite::Connection| -> Vec<String> {
        let mut s = c
            .prepare("SELECT sql FROM sqlite_master WHERE name LIKE 'spam%' ORDER BY name")
            .unwrap();
        s.query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    assert_eq!(tables(&conn), tables(model.connection()));
}

// --- the tokenizer on real-world and hostile input --------------------------------------

#[test]
fn base64_and_quoted_printable_bodies_are_decoded() {
    let raw = b"Subject: =?UTF-8?B?R3LDvMOfZSBhdXMgTcO8bmNoZW4=?=\r\n\
MIME-Version: 1.0\r\n\
Content-Type: multipart/alternative; boundary=\"b1\"\r\n\
\r\n\
--b1\r\n\
Content-Type: text/plain; charset=utf-8\r\n\
Content-Transfer-Encoding: base64\r\n\
\r\n\
SGVsbG8gd29ybGRsaW5lIGZyb20gYmFzZTY0\r\n\
--b1\r\n\
Content-Type: text/plain; charset=iso-8859-1\r\n\
Content-Transfer-Encoding: quoted-printable\r\n\
\r\n\
Caf=E9 cr=E8me sof=\r\n\
tware\r\n\
--b1--\r\n";
    let t = texts(raw);
    for want in [
        "subject:grüße",
        "subject:münchen",
        "hello",
        "worldline",
        "base64",
        "café",
        "crème",
        "software",
        "encoding:base64",
        "encoding:quoted-printable",
        "charset:iso-8859-1",
        "content-type:multipart/alternative",
    ] {
        assert!(t.contains(&want.to_string()), "{want} missing from {t:?}");
    }
}

#[test]
fn html_only_mail_is_stripped_and_flagged() {
    let raw = b"Subject: offer\r\nContent-Type: text/html; charset=us-ascii\r\n\r\n\
<html><body><p>Click <a href=\"http://tracker.evil.example/x?id=1\">https://www.bank.example</a>\
 for your REFUND</p><img src=\"http://img.evil.example/a.png\"></body></html>\r\n";
    let t = texts(raw);
    for want in [
        "click",
        "refund",
        "url:tracker.evil.example",
        "url:evil.example",
        "url:img.evil.example",
        "shape:html-only",
        "shape:link-text-mismatch",
    ] {
        assert!(t.contains(&want.to_string()), "{want} missing from {t:?}");
    }
    assert!(
        !t.iter().any(|x| x.contains("<p") || x.contains("body")),
        "{t:?}"
    );
}

#[test]
fn non_latin_scripts_in_legacy_charsets() {
    // "Привет мир" in KOI8-R, Japanese in ISO-2022-JP, Chinese in GB2312 (base64).
    let mut raw = b"Subject: test\r\nMIME-Version: 1.0\r\n\
Content-Type: multipart/mixed; boundary=\"x\"\r\n\r\n--x\r\n\
Content-Type: text/plain; charset=koi8-r\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        .to_vec();
    raw.extend([0xf0, 0xd2, 0xc9, 0xd7, 0xc5, 0xd4, b' ', 0xcd, 0xc9, 0xd2]);
    raw.extend(
        b"\r\n--x\r\nContent-Type: text/plain; charset=iso-2022-jp\r\n\r\n\
\x1b$B$3$s$K$A$O\x1b(B\r\n--x\r\nContent-Type: text/plain; charset=gb2312\r\n\
Content-Transfer-Encoding: base64\r\n\r\nxOO6w8rAvec=\r\n--x--\r\n",
    );
    let t = texts(&raw);
    for want in [
        "привет",
        "мир",
        "こん",
        "んに",
        "にち",
        "ちは",
        "你好",
        "世界",
    ] {
        assert!(t.contains(&want.to_string()), "{want} missing from {t:?}");
    }
}

#[test]
fn a_ten_megabyte_message_is_bounded_in_time_and_tokens() {
    let mut raw = b"Subject: big\r\nContent-Type: text/plain\r\n\r\n".to_vec();
    let line = b"lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod\r\n";
    while raw.len() < 10 * 1024 * 1024 {
        raw.extend_from_slice(line);
    }
    let mut tokenizer = Tokenizer::new(&key());
    let started = Instant::now();
    let count = tokenizer.message(&raw).len();
    let took = started.elapsed();
    assert!(count <= MAX_TOKENS);
    // Only the first MAX_SCAN_BYTES are looked at: the same tokens as that prefix alone,
    // which is what bounds time and memory whatever the size.
    let prefix = tokenizer.message(&raw[..MAX_SCAN_BYTES]).to_vec();
    assert_eq!(tokenizer.message(&raw), &prefix[..]);
    assert!(took < Duration::from_secs(5), "{took:?}");
}

#[test]
fn one_megabyte_token_is_one_coarse_token() {
    for body in ["x".repeat(1 << 20), "\u{4e00}".repeat(1 << 18)] {
        let raw = mail("flood", &body);
        let mut tokenizer = Tokenizer::recording(&key());
        let started = Instant::now();
        let count = tokenizer.message(&raw).len();
        assert!(started.elapsed() < Duration::from_secs(5));
        assert!(count <= MAX_TOKENS);
        if body.is_ascii() {
            assert!(
                tokenizer.recorded().contains(&"skip:a 1000".to_string()),
                "{:?}",
                tokenizer.recorded()
            );
        }
    }
    // A flood of distinct words stops at the token cap.
    let many: String = (0..100_000).map(|i| format!("w{i:06} ")).collect();
    assert_eq!(
        Tokenizer::new(&key()).message(&mail("x", &many)).len(),
        MAX_TOKENS
    );
}

#[test]
fn chat_text_uses_the_same_words() {
    let mut tokenizer = Tokenizer::recording(&key());
    tokenizer.text(
        "Order help",
        "Hello, my ORDER #1234 never arrived: https://shop.example/o/1",
    );
    let t = tokenizer.recorded();
    for want in [
        "subject:order",
        "hello",
        "order",
        "1234",
        "url:shop.example",
    ] {
        assert!(t.contains(&want.to_string()), "{want} missing from {t:?}");
    }
}

// --- properties ----------------------------------------------------------------------------

const VOCABULARY: &[&str] = &[
    "alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet",
    "kilo", "lima", "mike", "november", "oscar", "papa", "quebec", "romeo", "sierra", "tango",
];

fn message_strategy() -> impl Strategy<Value = (bool, Vec<u8>)> {
    (
        any::<bool>(),
        proptest::collection::vec(0..VOCABULARY.len(), 1..30),
    )
        .prop_map(|(spam, words)| {
            let body: Vec<&str> = words.iter().map(|&i| VOCABULARY[i]).collect();
            (
                spam,
                mail(if spam { "deal" } else { "notes" }, &body.join(" ")),
            )
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    /// Batch training gives the same model, hence bit-identical scores, whatever the order
    /// of the messages, and judging is deterministic.
    #[test]
    fn classification_is_deterministic_and_independent_of_training_order(
        messages in proptest::collection::vec(message_strategy(), 2..40),
        probes in proptest::collection::vec(message_strategy(), 1..5),
        seed in any::<u64>(),
    ) {
        let mut shuffled = messages.clone();
        // A seeded Fisher–Yates shuffle (proptest's own RNG is not needed here).
        let mut state = seed | 1;
        for i in (1..shuffled.len()).rev() {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            shuffled.swap(i, (state % (i as u64 + 1)) as usize);
        }
        // Two copies of one empty model file (same hash key), trained in the two orders.
        let (dir, empty) = temp_model();
        drop(empty);
        let first = dir.path().join("model.db");
        let second = dir.path().join("copy.db");
        std::fs::copy(&first, &second).unwrap();
        let mut filters = Vec::new();
        for (path, order) in [(&first, &messages), (&second, &shuffled)] {
            let mut model = ModelFile::open(path).unwrap();
            let key = storage::hash_key(model.connection()).unwrap();
            let mut tokenizer = Tokenizer::new(&key);
            let mut delta = Delta::default();
            for (spam, raw) in order {
                let class = if *spam { Class::Spam } else { Class::Ham };
                delta.add(class, tokenizer.message(raw), 1);
            }
            model.write(&delta).unwrap();
            filters.push(Filter::new(model.load().unwrap()));
        }
        for (_, probe) in &probes {
            let a = filters[0].judge_message(probe);
            let again = filters[0].judge_message(probe);
            let b = filters[1].judge_message(probe);
            prop_assert_eq!(a.score.to_bits(), again.score.to_bits());
            prop_assert_eq!(a.score.to_bits(), b.score.to_bits());
            prop_assert_eq!(a.verdict, b.verdict);
            prop_assert!((0.0..=1.0).contains(&a.score));
        }
    }

    /// No input makes the tokenizer panic or exceed its caps.
    #[test]
    fn the_tokenizer_survives_any_bytes(raw in proptest::collection::vec(any::<u8>(), 0..4096)) {
        let mut tokenizer = Tokenizer::new(&key());
        prop_assert!(tokenizer.message(&raw).len() <= MAX_TOKENS);
    }

    #[test]
    fn the_tokenizer_survives_any_markup(
        body in "(<[a-zA-Z/!-]{0,6}[^>]{0,20}>?|&#?[a-zA-Z0-9]{0,8};?|[^<&]{0,20}|\u{4e00}|é|http://[a-z.]{0,12}/?){0,40}",
        html in any::<bool>(),
    ) {
        let ct = if html { "text/html" } else { "text/plain" };
        let raw = format!("Subject: {body}\r\nContent-Type: {ct}; charset=utf-8\r\n\r\n{body}\r\n");
        let mut tokenizer = Tokenizer::new(&key());
        prop_assert!(tokenizer.message(raw.as_bytes()).len() <= MAX_TOKENS);
        prop_assert!(tokenizer.text(&body, &body).len() <= MAX_TOKENS);
    }
}

//! Search figures of issue 5: "With 1,000,000 messages in an account: search p95 ≤ 50 ms,
//! ticket list (a view) p95 ≤ 20 ms."
//!
//! `cargo bench --bench search_figures [-- TICKETS MESSAGES_PER_TICKET ROUNDS]` (defaults
//! 100,000 × 10 = 1,000,000 messages, 20 rounds). It builds an encrypted account database
//! through the store's writer (tickets, contacts and messages by SQL in transactions of
//! 2,000 tickets; each ticket indexed by `search::index_ticket`, as the daemon's indexing
//! rounds and `add_message` do), then measures, one request at a time on the reader pool:
//!
//! - searches (`search::find`, the code behind `GET /api/v1/search`: ranked ids, then the 25
//!   tickets loaded as the API returns them) for a fixed mix of name/id, common, folded,
//!   multi-word, type-ahead and filtered queries in five languages, each run once to warm
//!   the page cache first, as in a running daemon;
//! - the common queries again by agents restricted to their departments (the visibility
//!   rule joins every match with tickets);
//! - view listings (`search::find` without `q`, as `GET /api/v1/views/{id}/tickets` runs
//!   them): "mine" for every agent, unassigned open tickets, a tag, a department;
//! - reindexing one ticket (`search::index_ticket` in a write) with 10, 100, 1,000 and
//!   5,000 messages.
//!
//! `BENCH_BATCH=N` builds in transactions of N tickets instead: FTS5 writes one segment
//! per transaction, and under the POST benchmark's load the daemon's indexing rounds
//! (every 20 ms) hold about 85 tickets, so `BENCH_BATCH=85` gives the index the shape a
//! running daemon gives it (building takes a few minutes).
//! `BENCH_DIR` chooses where the temporary data dir goes. `BENCH_DATA=DIR` keeps the built
//! data dir in DIR and reuses it on the next run (building takes about a minute).
//! Readers: 2 connections, each with the daemon's default page cache (`storage.reader_cache_mib`);
//! `BENCH_READER_CACHE_MIB` sets another size.

use std::sync::Arc;
use std::time::{Duration, Instant};

use helpdeskd::auth::Role;
use helpdeskd::search::{self, Assignee, Filters, Search};
use helpdeskd::store::{
    DataLayout, Database, KeySource, OpenMode, Store, StoreError, StoreOptions,
};
use helpdeskd::tickets::{Status, Viewer};
use rand::distributions::{Distribution, WeightedIndex};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rusqlite::{OptionalExtension, params};

/// The daemon's default reader cache, or `BENCH_READER_CACHE_MIB`.
fn reader_cache_mib() -> u32 {
    std::env::var("BENCH_READER_CACHE_MIB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(helpdeskd::config::StorageConfig::default().reader_cache_mib)
}

type Error = Box<dyn std::error::Error + Send + Sync>;

const AGENTS: i64 = 20;
const DEPARTMENTS: i64 = 4;
/// Tickets per write transaction while building, unless `BENCH_BATCH` says otherwise.
const BATCH: i64 = 2_000;
const NOW: i64 = 1_790_000_000;
const YEARS_2: i64 = 2 * 365 * 86_400;

#[rustfmt::skip]
const EN: &[&str] = &[
    "the", "to", "and", "a", "i", "is", "it", "of", "you", "my", "for", "in", "not", "we",
    "this", "on", "please", "with", "have", "can", "order", "printer", "invoice", "account",
    "password", "login", "delivery", "refund", "payment", "error", "help", "thanks", "hello",
    "problem", "working", "again", "still", "broken", "since", "yesterday", "update", "email",
    "customer", "support", "ticket", "shipping", "address", "package", "received", "wrong",
    "item", "size", "color", "return", "label", "tracking", "number", "subscription", "cancel",
    "renew", "charge", "card", "declined", "discount", "code", "coupon", "warranty", "repair",
    "replacement", "screen", "battery", "charger", "cable", "firmware", "install", "download",
    "license", "key", "activation", "server", "timeout", "connection", "network", "router",
    "wifi", "slow", "crash", "freeze", "restart", "settings", "profile", "export", "report",
    "backup", "sync", "calendar", "contact", "phone", "urgent", "asap", "manager", "colleague",
    "office", "team", "week", "monday", "friday", "morning", "tomorrow", "today",
];
#[rustfmt::skip]
const DE: &[&str] = &[
    "der", "die", "und", "ich", "nicht", "ist", "das", "mit", "sie", "bitte", "danke", "für",
    "eine", "auf", "bestellung", "rechnung", "lieferung", "größe", "schuhe", "zurück",
    "rücksendung", "erstattung", "zahlung", "fehler", "drucker", "passwort", "anmeldung",
    "konto", "kündigung", "abonnement", "versand", "adresse", "paket", "erhalten", "falsch",
    "artikel", "farbe", "straße", "hausnummer", "garantie", "reparatur", "bildschirm", "akku",
    "ladegerät", "kabel", "installation", "lizenz", "schlüssel", "verbindung", "netzwerk",
    "langsam", "absturz", "neustart", "einstellungen", "grüße", "freundlichen", "mit",
    "dringend", "heute", "morgen", "gestern", "woche", "montag", "freitag", "kollege", "büro",
    "weiß", "schwarz", "übermorgen", "möglich", "schnell", "müssen", "können", "würde",
    "gutschein", "rabatt", "kundennummer", "sendungsverfolgung", "umtausch", "defekt",
];
#[rustfmt::skip]
const CS: &[&str] = &[
    "a", "je", "to", "se", "na", "že", "v", "s", "prosím", "děkuji", "dobrý", "den",
    "objednávka", "faktura", "doručení", "vrácení", "platba", "chyba", "tiskárna", "heslo",
    "přihlášení", "účet", "zrušení", "předplatné", "doprava", "adresa", "balík", "obdržel",
    "špatně", "zboží", "velikost", "barva", "záruka", "oprava", "obrazovka", "baterie",
    "nabíječka", "kabel", "instalace", "licence", "klíč", "připojení", "síť", "pomalý", "pád",
    "restart", "nastavení", "pozdravem", "srdečným", "naléhavé", "dnes", "zítra", "včera",
    "týden", "pondělí", "pátek", "kolega", "kancelář", "žluťoučký", "kůň", "úpěl", "ďábelské",
    "ódy", "čeština", "řešení", "reklamace", "výměna", "vadný", "sleva", "kupón", "číslo",
    "zásilky", "sledování", "peníze", "zpět", "nefunguje", "pořád", "znovu",
];
#[rustfmt::skip]
const LV: &[&str] = &[
    "un", "ir", "es", "ka", "ar", "uz", "lūdzu", "paldies", "labdien", "pasūtījums", "rēķins",
    "piegāde", "atgriešana", "maksājums", "kļūda", "printeris", "parole", "pieteikšanās",
    "konts", "atcelšana", "abonements", "adrese", "paka", "saņēmu", "nepareizs", "prece",
    "izmērs", "krāsa", "garantija", "remonts", "ekrāns", "akumulators", "lādētājs", "kabelis",
    "instalēšana", "licence", "atslēga", "savienojums", "tīkls", "lēns", "iestatījumi", "ar",
    "cieņu", "steidzami", "šodien", "rīt", "vakar", "nedēļa", "pirmdiena", "piektdiena",
    "kolēģis", "birojs", "ķēniņš", "ģimene", "ļoti", "ņemt", "ūdens", "žēl", "šķiet", "čeks",
    "ēdiens", "īsts", "atlaide", "kods", "izsekošana", "nauda", "atpakaļ", "nedarbojas",
    "joprojām", "atkal",
];
#[rustfmt::skip]
const PT: &[&str] = &[
    "o", "a", "de", "que", "e", "não", "é", "um", "para", "com", "por", "favor", "obrigado",
    "olá", "bom", "dia", "pedido", "fatura", "entrega", "devolução", "reembolso", "pagamento",
    "erro", "impressora", "senha", "conta", "cancelamento", "assinatura", "envio", "endereço",
    "pacote", "recebi", "errado", "produto", "tamanho", "cor", "garantia", "reparação", "ecrã",
    "bateria", "carregador", "cabo", "instalação", "licença", "chave", "ligação", "rede",
    "lento", "definições", "cumprimentos", "urgente", "hoje", "amanhã", "ontem", "semana",
    "segunda", "sexta", "colega", "escritório", "ação", "informação", "coração", "não", "está",
    "funcionando", "ainda", "novamente", "desconto", "código", "rastreamento", "dinheiro",
    "troca", "defeituoso", "atenção", "solução",
];

#[rustfmt::skip]
const FIRST: &[&str] = &[
    "Anna", "Jan", "Petra", "Jürgen", "Zoë", "João", "Mārtiņš", "Ilze", "Dagmar", "Tomáš",
    "Renée", "Łukasz", "Søren", "Ģirts", "Conceição", "Björn", "Ōta", "Lena", "Mateus",
    "Kārlis", "Václav", "Helga", "Inês", "Jiří", "Dāvis",
];
#[rustfmt::skip]
const LAST: &[&str] = &[
    "Novák", "Weiß", "Bērziņš", "Gonçalves", "Müller", "Svoboda", "Kalniņš", "Ferreira",
    "Schröder", "Dvořák", "Ozoliņš", "Simões", "Groß", "Černý", "Liepiņa", "Araújo", "Krämer",
    "Procházka", "Jansons", "Magalhães", "Østergaard", "Kowalski", "Smith", "Johnson", "Brown",
];

struct Language {
    words: &'static [&'static str],
    zipf: WeightedIndex<f64>,
}

impl Language {
    /// Words drawn with Zipf-like frequencies: the first of each list is the commonest.
    fn new(words: &'static [&'static str]) -> Result<Language, StoreError> {
        let weights: Vec<f64> = (0..words.len()).map(|i| 1.0 / (i as f64 + 1.5)).collect();
        let zipf = WeightedIndex::new(weights).map_err(|e| StoreError::Invariant(e.to_string()))?;
        Ok(Language { words, zipf })
    }

    fn sentence(&self, rng: &mut StdRng, length: std::ops::Range<usize>) -> String {
        let words = rng.gen_range(length);
        let mut out = String::with_capacity(words * 8);
        for i in 0..words {
            if i > 0 {
                out.push(' ');
            }
            match rng.gen_range(0..100) {
                // Order numbers, product codes, amounts: the long tail of the vocabulary.
                0 => out.push_str(&format!("ORD-{}", rng.gen_range(100_000..999_999))),
                1 => out.push_str(&format!("SKU{}", rng.gen_range(1_000..99_999))),
                2 => out.push_str(&format!(
                    "{}.{:02}",
                    rng.gen_range(1..999),
                    rng.gen_range(0..99)
                )),
                _ => out.push_str(self.words[self.zipf.sample(rng)]),
            }
        }
        out
    }
}

fn main() -> Result<(), Error> {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let tickets: i64 = args.first().and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let per_ticket: i64 = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(10);
    let rounds: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(20);
    let kept = std::env::var_os("BENCH_DATA").map(std::path::PathBuf::from);
    let temp = match &kept {
        Some(_) => None,
        None => {
            let base = std::env::var_os("BENCH_DIR")
                .map(std::path::PathBuf::from)
                .unwrap_or_else(std::env::temp_dir);
            Some(tempfile::tempdir_in(base)?)
        }
    };
    let dir = match (&kept, &temp) {
        (Some(dir), _) => dir.clone(),
        (None, Some(temp)) => temp.path().to_path_buf(),
        (None, None) => return Err("no data dir".into()),
    };
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async move {
        let reuse = dir.join("system.db").exists();
        let store = Arc::new(Store::open(
            DataLayout::new(&dir),
            &KeySource::File(dir.join("master.key")),
            StoreOptions {
                readers_per_database: 2,
                reader_cache_mib: reader_cache_mib(),
                busy_timeout: Duration::from_secs(5),
            },
            OpenMode::CreateIfMissing,
            NOW,
        )?);
        let db = if reuse {
            store.account("bench", NOW).await?
        } else {
            let db = store.create_account_database("bench", NOW).await?;
            let started = Instant::now();
            build(&db, tickets, per_ticket).await?;
            println!(
                "built {tickets} tickets × {per_ticket} messages in {:.0} s",
                started.elapsed().as_secs_f64()
            );
            db
        };
        describe(&db, &dir).await?;
        measure_searches(&db, rounds).await?;
        measure_restricted(&db, rounds).await?;
        measure_views(&db, rounds).await?;
        measure_reindex(&db).await?;
        Ok::<(), Error>(())
    })
}

async fn build(db: &Arc<Database>, tickets: i64, per_ticket: i64) -> Result<(), Error> {
    db.write(|c| -> Result<(), StoreError> {
        for id in 1..=AGENTS {
            c.execute(
                "INSERT INTO users (id, email, name, role, password_hash, created_at)
                 VALUES (?1, ?2, ?3, ?4, 'x', 0)",
                params![
                    id,
                    format!("agent{id}@desk.example"),
                    format!(
                        "{} {}",
                        FIRST[id as usize % FIRST.len()],
                        LAST[id as usize % LAST.len()]
                    ),
                    if id == 1 { "owner" } else { "agent" }
                ],
            )?;
        }
        for id in 1..=DEPARTMENTS {
            c.execute(
                "INSERT INTO departments (id, name) VALUES (?1, ?2)",
                params![id, format!("Department {id}")],
            )?;
            for agent in 1..=AGENTS {
                if agent % DEPARTMENTS == id - 1 {
                    c.execute(
                        "INSERT INTO department_members (department_id, user_id) VALUES (?1, ?2)",
                        params![id, agent],
                    )?;
                }
            }
        }
        Ok(())
    })
    .await?;
    let contacts = (tickets / 5).max(1);
    let batch = std::env::var("BENCH_BATCH")
        .ok()
        .and_then(|v| v.parse::<i64>().ok())
        .filter(|n| *n > 0)
        .unwrap_or(BATCH);
    let mut first = 1;
    while first <= tickets {
        let last = (first + batch - 1).min(tickets);
        let started = Instant::now();
        db.write(move |c| -> Result<(), StoreError> {
            fill(c, first, last, tickets, contacts, per_ticket)
        })
        .await?;
        if first == 1 || last / 20_000 > (first - 1) / 20_000 || last == tickets {
            println!(
                "  tickets {first}–{last}: {:.2} s",
                started.elapsed().as_secs_f64()
            );
        }
        first = last + 1;
    }
    Ok(())
}

/// Tickets `first..=last` with their messages (and the contacts they need), indexed.
fn fill(
    c: &rusqlite::Connection,
    first: i64,
    last: i64,
    total: i64,
    contacts: i64,
    per_ticket: i64,
) -> Result<(), StoreError> {
    let mut rng = StdRng::seed_from_u64(first as u64);
    let languages = [
        Language::new(EN)?,
        Language::new(DE)?,
        Language::new(CS)?,
        Language::new(LV)?,
        Language::new(PT)?,
    ];
    let mut contact = c.prepare_cached(
        "INSERT OR IGNORE INTO contacts (id, name, created_at, updated_at) VALUES (?1, ?2, 0, 0)",
    )?;
    let mut email = c.prepare_cached(
        "INSERT OR IGNORE INTO contact_emails (email, contact_id) VALUES (?1, ?2)",
    )?;
    let mut ticket = c.prepare_cached(
        "INSERT INTO tickets (id, code, subject, contact_id, channel, status, priority,
                              department_id, assignee_id, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, 'email', ?5, 'normal', ?6, ?7, ?8, ?9)",
    )?;
    let mut message = c.prepare_cached(
        "INSERT INTO messages (ticket_id, kind, author_user_id, author_contact_id, body, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    let mut tag = c.prepare_cached("INSERT INTO ticket_tags (ticket_id, tag) VALUES (?1, ?2)")?;
    let statuses = [
        ("new", 10),
        ("open", 20),
        ("pending", 10),
        ("resolved", 55),
        ("spam", 2),
        ("trash", 3),
    ];
    let status_pick = WeightedIndex::new(statuses.iter().map(|s| s.1))
        .map_err(|e| StoreError::Invariant(e.to_string()))?;
    for id in first..=last {
        let who = (id * 7_919) % contacts + 1;
        let first_name = FIRST[(who as usize) % FIRST.len()];
        let last_name = LAST[(who as usize / FIRST.len()) % LAST.len()];
        contact.execute(params![who, format!("{first_name} {last_name}")])?;
        email.execute(params![
            format!("customer{who}@mail{}.example", who % 97),
            who
        ])?;
        let language = &languages[rng.gen_range(0..languages.len())];
        let subject = language.sentence(&mut rng, 3..9);
        let status = statuses[status_pick.sample(&mut rng)].0;
        let assignee = (rng.gen_range(0..100) >= 15).then(|| rng.gen_range(1..=AGENTS));
        let department = (rng.gen_range(0..100) >= 30).then(|| rng.gen_range(1..=DEPARTMENTS));
        // Two years of tickets, newest last.
        let created = NOW - YEARS_2 + id * YEARS_2 / total.max(1);
        let updated = (created + rng.gen_range(0..30 * 86_400)).min(NOW);
        ticket.execute(params![
            id,
            format!("BENC-{id:08}"),
            subject,
            who,
            status,
            department,
            assignee,
            created,
            updated
        ])?;
        for n in 0..per_ticket {
            let customer = n % 2 == 0;
            let body = language.sentence(&mut rng, 15..120);
            message.execute(params![
                id,
                if customer { "customer" } else { "reply" },
                (!customer).then_some(assignee.unwrap_or(1)),
                customer.then_some(who),
                body,
                created + n * 3_600
            ])?;
        }
        if rng.gen_range(0..10) == 0 {
            tag.execute(params![
                id,
                ["vip", "billing", "hardware", "bug"][rng.gen_range(0..4)]
            ])?;
        }
        search::index_ticket(c, id)?;
    }
    Ok(())
}

async fn describe(db: &Arc<Database>, dir: &std::path::Path) -> Result<(), Error> {
    let (tickets, messages, bytes): (i64, i64, i64) = db
        .read(|c| -> Result<_, StoreError> {
            Ok(c.query_row(
                "SELECT (SELECT count(*) FROM tickets), (SELECT count(*) FROM messages),
                        (SELECT sum(length(CAST(body AS BLOB))) FROM messages)",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )?)
        })
        .await?;
    let file = std::fs::metadata(dir.join("accounts/bench/account.db"))
        .map(|m| m.len())
        .unwrap_or(0);
    println!(
        "account: {tickets} tickets, {messages} messages ({:.0} MiB of message text), database file {:.0} MiB",
        bytes as f64 / 1_048_576.0,
        file as f64 / 1_048_576.0
    );
    Ok(())
}

fn percentiles(name: &str, samples: &mut [Duration]) {
    samples.sort();
    let at = |p: f64| {
        let i = ((samples.len() as f64 * p).ceil() as usize).clamp(1, samples.len()) - 1;
        samples[i].as_secs_f64() * 1000.0
    };
    println!(
        "{name:<58} n={:<5} p50 {:>7.2} ms   p95 {:>7.2} ms   p99 {:>7.2} ms   max {:>7.2} ms",
        samples.len(),
        at(0.50),
        at(0.95),
        at(0.99),
        at(1.0)
    );
}

fn agent(id: i64) -> Viewer {
    Viewer {
        user_id: id,
        role: if id == 1 { Role::Owner } else { Role::Agent },
    }
}

async fn measure_searches(db: &Arc<Database>, rounds: usize) -> Result<(), Error> {
    let plain = Filters::default;
    let queries: Vec<(&str, &str, Filters)> = vec![
        ("names, ids", "Østergaard", plain()),
        ("names, ids", "customer4711@mail55.example", plain()),
        ("names, ids", "ORD-123456", plain()),
        ("common", "printer", plain()),
        ("common", "invoice ", plain()),
        ("common", "rechnung", plain()),
        ("common", "faktura ", plain()),
        ("common", "pasūtījums", plain()),
        ("common", "pedido ", plain()),
        ("folded", "grosse", plain()),
        ("folded", "zlutoucky kun", plain()),
        ("folded", "kenins", plain()),
        ("folded", "acao ", plain()),
        ("multi", "printer broken again", plain()),
        ("multi", "refund payment card declined", plain()),
        ("multi", "lieferung falsch größe", plain()),
        ("type-ahead", "prin", plain()),
        ("type-ahead", "rückse", plain()),
        ("type-ahead", "obj", plain()),
        ("type-ahead", "Mārti", plain()),
        (
            "filtered",
            "refund",
            Filters {
                statuses: vec![Status::New, Status::Open, Status::Pending],
                ..plain()
            },
        ),
        (
            "filtered",
            "printer",
            Filters {
                assignee: Some(Assignee::Me),
                ..plain()
            },
        ),
        (
            "filtered",
            "faktura",
            Filters {
                tag: Some("billing".into()),
                ..plain()
            },
        ),
        (
            "filtered",
            "password",
            Filters {
                department_id: Some(2),
                statuses: vec![Status::Open],
                ..plain()
            },
        ),
    ];
    // Warm the page cache once, as a running daemon would be.
    for (_, q, filters) in &queries {
        run(db, agent(1), Some(q), filters.clone()).await?;
    }
    let mut all = Vec::new();
    let mut by_kind: Vec<(&str, Vec<Duration>)> = Vec::new();
    let mut per_query: Vec<(String, Vec<Duration>, usize)> = Vec::new();
    for _ in 0..rounds {
        for (i, (kind, q, filters)) in queries.iter().enumerate() {
            // Agents 2..=20 take turns; department restriction is off (see views).
            let viewer = agent(2 + (i as i64 % (AGENTS - 1)));
            let started = Instant::now();
            let found = run(db, viewer, Some(q), filters.clone()).await?;
            let took = started.elapsed();
            all.push(took);
            match by_kind.iter_mut().find(|(k, _)| k == kind) {
                Some((_, v)) => v.push(took),
                None => by_kind.push((kind, vec![took])),
            }
            match per_query.get_mut(i) {
                Some((_, v, _)) => v.push(took),
                None => per_query.push((format!("{kind}: {q:?}"), vec![took], found)),
            }
        }
    }
    println!(
        "\nsearch (search::find, 25 per page, {rounds} rounds of {} queries):",
        queries.len()
    );
    for (name, samples, found) in &mut per_query {
        percentiles(&format!("  {name} [{found} on page]"), samples);
    }
    for (kind, samples) in &mut by_kind {
        percentiles(&format!("  all {kind}"), samples);
    }
    percentiles("SEARCH, all queries", &mut all);
    Ok(())
}

async fn measure_restricted(db: &Arc<Database>, rounds: usize) -> Result<(), Error> {
    let restrict = |on: bool| {
        db.write(move |c| -> Result<(), StoreError> {
            c.execute(
                "INSERT INTO settings (key, value, changed_at) VALUES ('tickets.departments_restricted', ?1, 0)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [on.to_string()],
            )?;
            Ok(())
        })
    };
    restrict(true).await?;
    let queries = [
        "printer",
        "invoice ",
        "rechnung",
        "zlutoucky kun",
        "prin",
        "Østergaard",
    ];
    let mut all = Vec::new();
    for _ in 0..rounds {
        for (i, q) in queries.iter().enumerate() {
            let viewer = agent(2 + (i as i64 % (AGENTS - 1)));
            let started = Instant::now();
            run(db, viewer, Some(q), Filters::default()).await?;
            all.push(started.elapsed());
        }
    }
    restrict(false).await?;
    println!(
        "\nsearch by agents restricted to their departments ({rounds} rounds of {queries:?}):"
    );
    percentiles("SEARCH, restricted agents", &mut all);
    Ok(())
}

async fn run(
    db: &Arc<Database>,
    viewer: Viewer,
    q: Option<&str>,
    filters: Filters,
) -> Result<usize, Error> {
    let page = search::find(
        db,
        viewer,
        Search {
            q: q.map(str::to_string),
            filters,
            limit: 25,
            cursor: None,
        },
    )
    .await
    .map_err(|e| e.to_string())?;
    Ok(page.tickets.len())
}

async fn measure_views(db: &Arc<Database>, rounds: usize) -> Result<(), Error> {
    let mine = search::views::builtin()
        .into_iter()
        .find(|v| v.id == "mine")
        .ok_or("no built-in view `mine`")?
        .query
        .search_parts()
        .1;
    let views: Vec<(&str, Filters)> = vec![
        ("mine (assignee=me, status=new,open,pending)", mine.clone()),
        (
            "unassigned, status=new,open",
            Filters {
                assignee: Some(Assignee::Nobody),
                statuses: vec![Status::New, Status::Open],
                ..Filters::default()
            },
        ),
        (
            "tag=vip",
            Filters {
                tag: Some("vip".into()),
                ..Filters::default()
            },
        ),
        (
            "department=3, status=pending",
            Filters {
                department_id: Some(3),
                statuses: vec![Status::Pending],
                ..Filters::default()
            },
        ),
        ("all tickets", Filters::default()),
        (
            "status=spam",
            Filters {
                statuses: vec![Status::Spam],
                ..Filters::default()
            },
        ),
    ];
    let mut all = Vec::new();
    println!(
        "\nviews (search::find without q, 25 per page, {rounds} rounds; every agent runs each):"
    );
    for (name, filters) in &views {
        let mut samples = Vec::new();
        let mut found = 0;
        for _ in 0..rounds {
            for id in 2..=AGENTS {
                let started = Instant::now();
                found = run(db, agent(id), None, filters.clone()).await?;
                samples.push(started.elapsed());
            }
        }
        all.extend(samples.iter().copied());
        percentiles(&format!("  {name} [{found} on page]"), &mut samples);
    }
    percentiles("VIEWS, all", &mut all);
    Ok(())
}

async fn measure_reindex(db: &Arc<Database>) -> Result<(), Error> {
    println!("\nreindexing one ticket (search::index_ticket inside a write, without the commit):");
    for messages in [10_i64, 100, 1_000, 5_000] {
        let id = db
            .write(move |c| -> Result<i64, StoreError> {
                let mut rng = StdRng::seed_from_u64(messages as u64);
                let language = Language::new(EN)?;
                let code = format!("LONG-{messages}");
                let kept: Option<i64> = c
                    .query_row("SELECT id FROM tickets WHERE code = ?1", [&code], |r| r.get(0))
                    .optional()?;
                if let Some(id) = kept {
                    return Ok(id);
                }
                c.execute(
                    "INSERT INTO tickets (code, subject, contact_id, channel, status, priority, created_at, updated_at)
                     VALUES (?1, 'Long thread', 1, 'email', 'open', 'normal', ?2, ?2)",
                    params![code, NOW],
                )?;
                let id = c.last_insert_rowid();
                for n in 0..messages {
                    c.execute(
                        "INSERT INTO messages (ticket_id, kind, author_contact_id, body, created_at)
                         VALUES (?1, 'customer', 1, ?2, ?3)",
                        params![id, language.sentence(&mut rng, 15..120), NOW + n],
                    )?;
                }
                Ok(id)
            })
            .await?;
        let mut samples = Vec::new();
        for _ in 0..20 {
            let took = db
                .write(move |c| -> Result<Duration, StoreError> {
                    let started = Instant::now();
                    search::index_ticket(c, id)?;
                    Ok(started.elapsed())
                })
                .await?;
            samples.push(took);
        }
        percentiles(&format!("  {messages} messages"), &mut samples);
    }
    Ok(())
}

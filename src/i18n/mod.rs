//! The words of the pages, in Project Fluent files (`locales/<language>/*.ftl`) compiled
//! into the binary. English is complete and stands in for any message another language
//! lacks; a message missing everywhere shows its id, so a gap is visible, never a crash.
//! The language comes from the browser's `Accept-Language`.

mod format;

use std::convert::Infallible;
use std::sync::OnceLock;

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource};
use unic_langid::LanguageIdentifier;

/// Every language the pages speak, English first (the fallback).
const SOURCES: &[(&str, &[&str])] = &[
    (
        "en",
        &[
            include_str!("../../locales/en/panel.ftl"),
            include_str!("../../locales/en/panel-tools.ftl"),
            include_str!("../../locales/en/panel-desk.ftl"),
            include_str!("../../locales/en/panel-spam.ftl"),
            include_str!("../../locales/en/panel-canned.ftl"),
            include_str!("../../locales/en/portal.ftl"),
            include_str!("../../locales/en/chat.ftl"),
        ],
    ),
    (
        "de",
        &[
            include_str!("../../locales/de/panel.ftl"),
            include_str!("../../locales/de/panel-tools.ftl"),
            include_str!("../../locales/de/panel-desk.ftl"),
            include_str!("../../locales/de/panel-spam.ftl"),
            include_str!("../../locales/de/panel-canned.ftl"),
            include_str!("../../locales/de/portal.ftl"),
            include_str!("../../locales/de/chat.ftl"),
        ],
    ),
    (
        "cs",
        &[
            include_str!("../../locales/cs/panel.ftl"),
            include_str!("../../locales/cs/panel-tools.ftl"),
            include_str!("../../locales/cs/panel-desk.ftl"),
            include_str!("../../locales/cs/panel-spam.ftl"),
            include_str!("../../locales/cs/panel-canned.ftl"),
            include_str!("../../locales/cs/portal.ftl"),
            include_str!("../../locales/cs/chat.ftl"),
        ],
    ),
    (
        "pt",
        &[
            include_str!("../../locales/pt/panel.ftl"),
            include_str!("../../locales/pt/panel-tools.ftl"),
            include_str!("../../locales/pt/panel-desk.ftl"),
            include_str!("../../locales/pt/panel-spam.ftl"),
            include_str!("../../locales/pt/panel-canned.ftl"),
            include_str!("../../locales/pt/portal.ftl"),
            include_str!("../../locales/pt/chat.ftl"),
        ],
    ),
    (
        "lv",
        &[
            include_str!("../../locales/lv/panel.ftl"),
            include_str!("../../locales/lv/panel-tools.ftl"),
            include_str!("../../locales/lv/panel-desk.ftl"),
            include_str!("../../locales/lv/panel-spam.ftl"),
            include_str!("../../locales/lv/panel-canned.ftl"),
            include_str!("../../locales/lv/portal.ftl"),
            include_str!("../../locales/lv/chat.ftl"),
        ],
    ),
];

struct Catalog {
    languages: Vec<(LanguageIdentifier, FluentBundle<FluentResource>)>,
}

fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(|| Catalog {
        languages: SOURCES
            .iter()
            .filter_map(|(tag, files)| {
                let id: LanguageIdentifier = tag.parse().ok()?;
                let mut bundle = FluentBundle::new_concurrent(vec![id.clone()]);
                // No Unicode isolation marks around arguments: pages are HTML, not bidi text.
                bundle.set_use_isolating(false);
                for source in *files {
                    match FluentResource::try_new((*source).to_string()) {
                        Ok(resource) => bundle.add_resource_overriding(resource),
                        Err((resource, errors)) => {
                            tracing::error!(language = tag, ?errors, "Fluent syntax errors");
                            bundle.add_resource_overriding(resource);
                        }
                    }
                }
                Some((id, bundle))
            })
            .collect(),
    })
}

/// The language of one response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Locale(usize);

impl Locale {
    pub const ENGLISH: Locale = Locale(0);

    /// The best supported language for an `Accept-Language` value (quality ignored beyond
    /// order: browsers list languages by preference).
    pub fn negotiate(accept_language: Option<&str>) -> Locale {
        let languages = &catalog().languages;
        accept_language
            .unwrap_or("")
            .split(',')
            .filter_map(|item| item.split(';').next())
            .filter_map(|tag| tag.trim().parse::<LanguageIdentifier>().ok())
            .find_map(|wanted| {
                languages
                    .iter()
                    .position(|(have, _)| have.language == wanted.language)
            })
            .map_or(Locale::ENGLISH, Locale)
    }

    /// A date and time (RFC 3339) as this language writes it.
    pub fn datetime(self, rfc3339: &str) -> String {
        format::datetime(&self.tag(), rfc3339)
    }

    /// An integer with this language's thousands separator.
    pub fn number(self, n: i64) -> String {
        format::number(&self.tag(), n)
    }

    /// The language with this tag (`de`), if the pages speak it.
    pub fn from_tag(tag: &str) -> Option<Locale> {
        let wanted: LanguageIdentifier = tag.parse().ok()?;
        catalog()
            .languages
            .iter()
            .position(|(have, _)| have.language == wanted.language)
            .map(Locale)
    }

    /// Every language the pages speak: tag and the language's own name.
    pub fn available() -> Vec<(Locale, String)> {
        (0..catalog().languages.len())
            .map(Locale)
            .map(|l| (l, l.t("language-name")))
            .collect()
    }

    /// The BCP 47 tag, for `<html lang>`.
    pub fn tag(self) -> String {
        catalog()
            .languages
            .get(self.0)
            .map_or_else(|| "en".to_string(), |(id, _)| id.to_string())
    }

    /// Message `id` in this language.
    pub fn t(self, id: &str) -> String {
        self.format(id, None)
    }

    /// Message `id` with its arguments (`{ $name }` in the .ftl file).
    pub fn t_with(self, id: &str, args: &[(&str, &str)]) -> String {
        let mut fluent_args = FluentArgs::new();
        for (name, value) in args {
            fluent_args.set(*name, value.to_string());
        }
        self.format(id, Some(&fluent_args))
    }

    /// Message `id` that shows a count: `n` goes in as the number `{ $name }`, so the
    /// .ftl file can choose a plural form (`{ $name -> [one] … *[other] … }`); Fluent
    /// picks plural categories only for numbers, never for the strings `t_with` passes.
    /// `other_args` are the message's other arguments, as in `t_with`.
    pub fn t_count(self, id: &str, name: &str, n: i64, other_args: &[(&str, &str)]) -> String {
        let mut fluent_args = FluentArgs::new();
        for (arg, value) in other_args {
            fluent_args.set(*arg, value.to_string());
        }
        fluent_args.set(name.to_string(), n);
        self.format(id, Some(&fluent_args))
    }

    fn format(self, id: &str, args: Option<&FluentArgs>) -> String {
        let languages = &catalog().languages;
        let candidates = languages.get(self.0).into_iter().chain(languages.first());
        for (_, bundle) in candidates {
            if let Some(pattern) = bundle.get_message(id).and_then(|m| m.value()) {
                let mut errors = Vec::new();
                let text = bundle.format_pattern(pattern, args, &mut errors);
                if !errors.is_empty() {
                    tracing::warn!(id, ?errors, "Fluent formatting errors");
                }
                return text.into_owned();
            }
        }
        tracing::warn!(id, "message missing in every language");
        id.to_string()
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Locale {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Infallible> {
        let accept = parts
            .headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok());
        Ok(Locale::negotiate(accept))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use super::*;

    #[test]
    fn every_file_parses_and_english_has_every_message() {
        let english: Vec<String> = message_ids(SOURCES[0].1);
        assert!(!english.is_empty());
        for (tag, files) in SOURCES {
            for source in *files {
                let parsed = FluentResource::try_new((*source).to_string());
                assert!(parsed.is_ok(), "{tag}: {:?}", parsed.err().map(|e| e.1));
            }
            for id in message_ids(files) {
                assert!(english.contains(&id), "{tag} has {id}, English does not");
            }
        }
    }

    fn message_ids(files: &[&str]) -> Vec<String> {
        messages(files).into_keys().collect()
    }

    /// Every message of these .ftl sources with the `$variables` it uses. A message starts
    /// on an unindented line `id = …` and goes on over indented lines (plural variants);
    /// comments and terms are not messages.
    fn messages(files: &[&str]) -> BTreeMap<String, BTreeSet<String>> {
        let mut found: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for file in files {
            let mut current: Option<String> = None;
            for line in file.lines() {
                let text = if line.starts_with(|c: char| c.is_ascii_alphabetic()) {
                    let Some((id, value)) = line.split_once('=') else {
                        current = None;
                        continue;
                    };
                    let id = id.trim().to_string();
                    found.entry(id.clone()).or_default();
                    current = Some(id);
                    value
                } else if line.starts_with([' ', '\t']) {
                    line
                } else {
                    current = None;
                    continue;
                };
                if let Some(id) = &current {
                    found.entry(id.clone()).or_default().extend(variables(text));
                }
            }
        }
        found
    }

    fn variables(text: &str) -> Vec<String> {
        text.split('$')
            .skip(1)
            .map(|rest| {
                rest.chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                    .collect::<String>()
            })
            .filter(|name| !name.is_empty())
            .collect()
    }

    /// English gains messages while the other languages catch up, so a gap is only
    /// reported (the page shows English there). A translation that uses a `$variable` its
    /// English message does not is a bug: nothing would ever fill it in.
    #[test]
    fn translations_cover_english_and_use_only_its_variables() {
        let english = messages(SOURCES[0].1);
        assert!(english.contains_key("login-submit"));
        assert!(english["login-title"].contains("account"));
        let mut unknown_variables = Vec::new();
        for (tag, files) in &SOURCES[1..] {
            let translated = messages(files);
            let missing: Vec<&String> = english
                .keys()
                .filter(|id| !translated.contains_key(*id))
                .collect();
            if !missing.is_empty() {
                eprintln!(
                    "warning: {tag} lacks {} English message(s), shown in English: {missing:?}",
                    missing.len()
                );
            }
            for (id, used) in &translated {
                let allowed = english.get(id).cloned().unwrap_or_default();
                for name in used.difference(&allowed) {
                    unknown_variables.push(format!("{tag} {id}: ${name}"));
                }
            }
        }
        assert!(
            unknown_variables.is_empty(),
            "variables their English message does not have: {unknown_variables:?}"
        );
    }

    /// Every message of every language formats without a Fluent error (an unknown
    /// function, a reference to a missing message) whether its arguments are strings, as
    /// `t_with` passes them, or numbers, as `t_count` does.
    #[test]
    fn every_message_formats_cleanly() {
        let english = messages(SOURCES[0].1);
        for (index, (tag, files)) in SOURCES.iter().enumerate() {
            let (_, bundle) = &catalog().languages[index];
            for (id, used) in messages(files) {
                let names = english.get(&id).cloned().unwrap_or_default();
                for numeric in [false, true] {
                    let mut args = FluentArgs::new();
                    for name in names.iter().chain(&used) {
                        if numeric {
                            args.set(name.clone(), 2);
                        } else {
                            args.set(name.clone(), "x");
                        }
                    }
                    let pattern = bundle.get_message(&id).and_then(|m| m.value());
                    let pattern = pattern.unwrap_or_else(|| panic!("{tag} {id} has no value"));
                    let mut errors = Vec::new();
                    let text = bundle.format_pattern(pattern, Some(&args), &mut errors);
                    assert!(errors.is_empty(), "{tag} {id}: {errors:?}");
                    assert!(!text.trim().is_empty(), "{tag} {id} is empty");
                }
            }
        }
    }

    #[test]
    fn negotiation_and_fallback() {
        assert_eq!(Locale::negotiate(None), Locale::ENGLISH);
        assert_eq!(Locale::negotiate(Some("xx-YY, en;q=0.5")), Locale::ENGLISH);
        assert_eq!(Locale::ENGLISH.tag(), "en");
        let english = Locale::ENGLISH;
        assert_eq!(english.t("no-such-message"), "no-such-message");
        assert_eq!(
            english.t_with("login-title", &[("account", "Acme")]),
            "Sign in to Acme"
        );
    }

    #[test]
    fn negotiation_of_the_translations() {
        let tag = |accept: &str| Locale::negotiate(Some(accept)).tag();
        assert_eq!(tag("de-DE,de;q=0.9,en;q=0.5"), "de");
        assert_eq!(tag("cs"), "cs");
        assert_eq!(tag("pt-BR"), "pt");
        assert_eq!(tag("pt-PT,pt;q=0.8"), "pt");
        assert_eq!(tag("lv"), "lv");
        assert_eq!(tag("fr-FR, de;q=0.5"), "de");
        assert_eq!(tag("fr"), "en");
        let german = Locale::negotiate(Some("de-DE,de;q=0.9,en;q=0.5"));
        assert_ne!(german.t("login-submit"), Locale::ENGLISH.t("login-submit"));
        assert_eq!(german.t("login-submit"), "Anmelden");
        assert_eq!(
            german.t_with("login-title", &[("account", "Acme")]),
            "Bei Acme anmelden"
        );
    }

    #[test]
    fn counts_choose_plural_forms() {
        let german = Locale::negotiate(Some("de"));
        let czech = Locale::negotiate(Some("cs"));
        let portuguese = Locale::negotiate(Some("pt"));
        let latvian = Locale::negotiate(Some("lv"));
        let left = |locale: Locale, n| locale.t_count("twostep-app-on", "left", n, &[]);
        assert_eq!(
            left(german, 1),
            "Aktiviert. Sie haben noch 1 unbenutzten Wiederherstellungscode."
        );
        assert_eq!(
            left(german, 7),
            "Aktiviert. Sie haben noch 7 unbenutzte Wiederherstellungscodes."
        );
        assert_eq!(
            left(german, 0),
            "Aktiviert. Sie haben keine unbenutzten Wiederherstellungscodes mehr."
        );
        assert!(left(czech, 1).contains("1 nepoužitý záložní kód."));
        assert!(left(czech, 3).contains("Zbývají vám 3 nepoužité záložní kódy."));
        assert!(left(czech, 8).contains("8 nepoužitých záložních kódů."));
        assert!(left(portuguese, 1).contains("Resta 1 código"));
        assert!(left(portuguese, 4).contains("Restam 4 códigos"));
        assert!(left(latvian, 21).contains("Atlicis 21 neizmantots atkopšanas kods."));
        assert!(left(latvian, 10).contains("Atlikuši 10 neizmantoti"));
        assert!(left(latvian, 3).contains("Atlikuši 3 neizmantoti"));
        // Several arguments: the count, and others passed as strings.
        let locked = czech.t_count("security-locked-for", "minutes", 2, &[("failures", "5")]);
        assert_eq!(
            locked,
            "5 neúspěšných pokusů, zablokováno ještě na 2 minuty"
        );
        // English has no plural forms yet: the number simply shows.
        assert_eq!(
            Locale::ENGLISH.t_count("login-throttled", "seconds", 30, &[]),
            "Too many failed attempts. Try again in 30 s."
        );
        // The strings of `t_with` never select a plural form, only the default one.
        assert!(
            czech
                .t_with("twostep-app-on", &[("left", "1")])
                .contains("1 nepoužitých")
        );
    }
}

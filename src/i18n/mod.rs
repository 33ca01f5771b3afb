//! The words of the pages, in Project Fluent files (`locales/<language>/*.ftl`) compiled
//! into the binary. English is complete and stands in for any message another language
//! lacks; a message missing everywhere shows its id, so a gap is visible, never a crash.
//! The language comes from the browser's `Accept-Language`.

use std::convert::Infallible;
use std::sync::OnceLock;

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource};
use unic_langid::LanguageIdentifier;

/// Every language the pages speak, English first (the fallback).
const SOURCES: &[(&str, &[&str])] = &[(
    "en",
    &[
        include_str!("../../locales/en/panel.ftl"),
        include_str!("../../locales/en/panel-tools.ftl"),
        include_str!("../../locales/en/panel-desk.ftl"),
    ],
)];

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
        files
            .iter()
            .flat_map(|f| f.lines())
            .filter_map(|line| line.split_once(" ="))
            .map(|(id, _)| id.trim().to_string())
            .filter(|id| !id.is_empty() && !id.starts_with('#') && !id.starts_with('.'))
            .collect()
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
}

//! The agent panel in the reader's language: `Accept-Language` picks German, Czech,
//! Portuguese or Latvian, anything else gets English.

use reqwest::header::ACCEPT_LANGUAGE;

use crate::harness::{Daemon, create_owner};

/// The sign-in page for this `Accept-Language`: (status, body).
async fn login_page(daemon: &Daemon, client: &reqwest::Client, accept: &str) -> (u16, String) {
    let response = client
        .get(daemon.url("/agent/login"))
        .header(ACCEPT_LANGUAGE, accept)
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_page_speaks_the_browser_language() {
    let daemon = Daemon::fresh();
    create_owner(&daemon, "Lina", "lina@locales.example", "owner password 12").await;
    let client = daemon.client();

    for (accept, lang, button) in [
        ("de", "de", "Anmelden"),
        ("de-AT,de;q=0.9,en;q=0.5", "de", "Anmelden"),
        ("cs", "cs", "Přihlásit se"),
        ("pt", "pt", "Iniciar sessão"),
        ("pt-BR,pt;q=0.9", "pt", "Iniciar sessão"),
        ("lv", "lv", "Pierakstīties"),
        ("fr", "en", "Sign in"),
        ("fr-FR,it;q=0.8", "en", "Sign in"),
    ] {
        let (status, html) = login_page(&daemon, &client, accept).await;
        assert_eq!(status, 200, "{accept}: {html}");
        assert!(
            html.contains(&format!(r#"<html lang="{lang}""#)),
            "{accept} should give lang={lang}: {html}"
        );
        assert!(
            html.contains(&format!(r#"<button type="submit">{button}</button>"#)),
            "{accept} should show the button {button:?}: {html}"
        );
        if lang != "en" {
            assert!(
                !html.contains(">Sign in</button>"),
                "{accept} still shows English: {html}"
            );
        }
    }
}

//! The agent panel in a real browser: headless Chromium through ChromeDriver, over HTTPS
//! with the daemon's own certificate trusted (no certificate errors), and WebAuthn through
//! a virtual authenticator. Skipped without Chromium, except under CI (see
//! `harness::browser`).

use serde_json::{Value as Json, json};

use crate::harness::browser::{self, Browser, VirtualAuthenticator};
use crate::harness::{Daemon, create_owner};

const OWNER: (&str, &str) = ("olga@browser.example", "owner password 12");

/// A host name of the first account other than `localhost`: the only account answers on
/// every host, and the browser resolves every name to 127.0.0.1.
const ACCOUNT_HOST: &str = "help.acme.test";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_through_the_login_form() {
    if !browser::available() {
        return;
    }
    let daemon = Daemon::fresh();
    create_owner(&daemon, "Olga", OWNER.0, OWNER.1).await;
    let browser = Browser::open(&daemon, "sign_in_through_the_login_form").await;

    browser.goto("/agent/login").await;
    assert!(
        browser.text("h1").await.starts_with("Sign in to "),
        "{}",
        browser.page_text().await
    );
    assert_eq!(browser.security_state().await, "secure");
    browser.fill("input[name=email]", OWNER.0).await;
    browser.fill("input[name=password]", OWNER.1).await;
    browser.screenshot("login").await;
    browser
        .click("form[action='/agent/login'] button[type=submit]")
        .await;

    // Signed in: the panel shows who and offers to sign out.
    browser.wait_for_path("/agent").await;
    browser.wait_for_text("h1", "Olga").await;
    assert_eq!(
        browser
            .text("form[action='/agent/logout'] button[type=submit]")
            .await,
        "Sign out"
    );
    let page = browser.page_text().await;
    assert!(
        page.contains(OWNER.0) && page.contains("this session"),
        "{page}"
    );
    browser.screenshot("agent").await;

    // Signing out leads back to the form, and the panel is closed again.
    browser
        .click("form[action='/agent/logout'] button[type=submit]")
        .await;
    browser.wait_for_path("/agent/login").await;
    browser.goto("/agent").await;
    browser.wait_for_path("/agent/login").await;

    // A wrong password: the form again, with the error and the email kept.
    browser.fill("input[name=email]", OWNER.0).await;
    browser
        .fill("input[name=password]", "not the password 12")
        .await;
    browser
        .click("form[action='/agent/login'] button[type=submit]")
        .await;
    let error = browser
        .wait_for_text("[role=alert]", "Wrong email or password.")
        .await;
    assert_eq!(error, "Wrong email or password.");
    assert_eq!(browser.path().await, "/agent/login");
    let email = browser
        .find("input[name=email]")
        .await
        .prop("value")
        .await
        .unwrap();
    assert_eq!(email.as_deref(), Some(OWNER.0));
    browser.screenshot("wrong-password").await;
}

/// Creates a discoverable credential for `rp_id` (the page's host) with a dummy challenge;
/// returns what the page saw.
const CREATE: &str = r#"
const done = arguments[arguments.length - 1];
const rpId = arguments[0];
navigator.credentials.create({ publicKey: {
    challenge: crypto.getRandomValues(new Uint8Array(32)),
    rp: { id: rpId, name: "helpdeskd test" },
    user: { id: new TextEncoder().encode("user-1"), name: "olga@browser.example", displayName: "Olga" },
    pubKeyCredParams: [{ type: "public-key", alg: -7 }, { type: "public-key", alg: -257 }],
    authenticatorSelection: { residentKey: "required", userVerification: "required" },
    attestation: "none",
    timeout: 20000,
}}).then(
    (c) => done({
        ok: true,
        isPublicKeyCredential: c instanceof PublicKeyCredential,
        type: c.type,
        id: c.id,
        attestation: c.response instanceof AuthenticatorAttestationResponse,
        origin: JSON.parse(new TextDecoder().decode(c.response.clientDataJSON)).origin,
    }),
    (e) => done({ ok: false, error: e.name + ": " + e.message }),
);
"#;

/// Signs in with any discoverable credential for `rp_id`.
const GET: &str = r#"
const done = arguments[arguments.length - 1];
navigator.credentials.get({ publicKey: {
    challenge: crypto.getRandomValues(new Uint8Array(32)),
    rpId: arguments[0],
    userVerification: "required",
    timeout: 20000,
}}).then(
    (c) => done({
        ok: true,
        id: c.id,
        assertion: c.response instanceof AuthenticatorAssertionResponse,
        userHandle: new TextDecoder().decode(c.response.userHandle),
    }),
    (e) => done({ ok: false, error: e.name + ": " + e.message }),
);
"#;

/// Registers and uses a credential of a virtual authenticator on the page at `host`.
async fn webauthn_round_trip(browser: &Browser, authenticator: &str, host: &str) {
    browser.goto_host(host, "/agent/login").await;
    // The real page, not a certificate interstitial, and its certificate trusted: Chromium
    // would say "insecure" had it merely been told to ignore certificate errors. (WebAuthn
    // alone does not show this: with a virtual authenticator Chromium skips its TLS check.)
    browser.wait_for_text("h1", "Sign in to ").await;
    assert_eq!(browser.security_state().await, "secure", "{host}");
    let context = browser
        .execute(
            "return { secure: window.isSecureContext, protocol: location.protocol, \
             credentials: typeof navigator.credentials, \
             pkc: typeof window.PublicKeyCredential };",
            vec![],
        )
        .await;
    assert_eq!(
        context,
        json!({ "secure": true, "protocol": "https:", "credentials": "object", "pkc": "function" }),
        "{host}"
    );

    let created = browser.execute_async(CREATE, vec![json!(host)]).await;
    assert_eq!(created["ok"], json!(true), "create on {host}: {created}");
    assert_eq!(created["isPublicKeyCredential"], json!(true), "{created}");
    assert_eq!(created["type"], json!("public-key"), "{created}");
    assert_eq!(created["attestation"], json!(true), "{created}");
    let port = browser.current_url().await.port().unwrap();
    assert_eq!(created["origin"], json!(format!("https://{host}:{port}")));

    // The authenticator holds it, for this RP.
    let id = created["id"].as_str().unwrap();
    let held: Vec<Json> = browser
        .credentials(authenticator)
        .await
        .into_iter()
        .filter(|c| c["rpId"] == json!(host))
        .collect();
    assert_eq!(held.len(), 1, "{held:?}");
    assert_eq!(held[0]["credentialId"], json!(id), "{held:?}");
    assert_eq!(held[0]["isResidentCredential"], json!(true), "{held:?}");

    let got = browser.execute_async(GET, vec![json!(host)]).await;
    assert_eq!(got["ok"], json!(true), "get on {host}: {got}");
    assert_eq!(got["id"], json!(id), "{got}");
    assert_eq!(got["assertion"], json!(true), "{got}");
    assert_eq!(got["userHandle"], json!("user-1"), "{got}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webauthn_with_a_virtual_authenticator() {
    if !browser::available() {
        return;
    }
    let daemon = Daemon::fresh();
    let browser = Browser::open(&daemon, "webauthn_with_a_virtual_authenticator").await;
    // The authenticator belongs to the page's browsing context: load a page first.
    browser.goto("/agent/login").await;
    let authenticator = browser
        .add_virtual_authenticator(VirtualAuthenticator::default())
        .await;
    assert!(browser.credentials(&authenticator).await.is_empty());

    // `localhost` (the name the certificate carries), and an account's own host name,
    // which the certificate does not name: trusted all the same by its key.
    webauthn_round_trip(&browser, &authenticator, "localhost").await;
    webauthn_round_trip(&browser, &authenticator, ACCOUNT_HOST).await;
    browser.screenshot("after-webauthn").await;
    assert_eq!(browser.credentials(&authenticator).await.len(), 2);

    browser.remove_virtual_authenticator(&authenticator).await;
}

pub async fn sign_in_with_password(browser: &Browser, email: &str, password: &str) {
    browser.goto("/agent/login").await;
    browser.fill("input[name=email]", email).await;
    browser.fill("input[name=password]", password).await;
    browser
        .click("form[action='/agent/login'] button[type=submit]")
        .await;
}

async fn sign_out(browser: &Browser) {
    browser.goto("/agent").await;
    browser
        .click("form[action='/agent/logout'] button[type=submit]")
        .await;
    browser.wait_for_path("/agent/login").await;
}

/// Through the real pages: set up an authenticator app, add a security key with Chromium's
/// virtual authenticator, then sign in with password + code, password + key, and the key
/// alone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_step_sign_in_with_app_and_security_key() {
    use crate::two_factor::{current_step, totp};
    if !browser::available() {
        return;
    }
    let daemon = Daemon::fresh();
    create_owner(&daemon, "Olga", OWNER.0, OWNER.1).await;
    let browser = Browser::open(&daemon, "two_step_sign_in_with_app_and_security_key").await;
    sign_in_with_password(&browser, OWNER.0, OWNER.1).await;
    browser.wait_for_path("/agent").await;

    // The authenticator app: QR code and key, one code, then the recovery codes.
    browser.goto("/agent/2fa").await;
    browser.screenshot("2fa-off").await;
    browser
        .click("form[action='/agent/2fa/totp'] button[type=submit]")
        .await;
    let secret = browser.text("#totp-secret").await;
    assert!(browser.exists(".qr svg").await, "the QR code is shown");
    browser.screenshot("2fa-enrol").await;
    browser
        .fill("input[name=code]", &totp(&secret, current_step()))
        .await;
    browser
        .click("form[action='/agent/2fa/totp/confirm'] button[type=submit]")
        .await;
    browser.wait_for_text("h1", "Your recovery codes").await;
    assert_eq!(browser.find_all("ul.recovery-codes li").await.len(), 10);
    browser.screenshot("2fa-recovery-codes").await;

    // A security key, through the page's own script.
    let authenticator = browser
        .add_virtual_authenticator(VirtualAuthenticator::usb())
        .await;
    browser.goto("/agent/2fa").await;
    browser.fill("#key-name", "Virtual YubiKey").await;
    browser.click("#add-key-button").await;
    let listed = browser.wait_for_text("ul.keys", "Virtual YubiKey").await;
    assert!(listed.contains("Virtual YubiKey"), "{listed}");
    assert_eq!(browser.credentials(&authenticator).await.len(), 1);
    browser.screenshot("2fa-with-key").await;
    assert_eq!(browser.security_state().await, "secure");

    // Password, then a code from the app.
    sign_out(&browser).await;
    sign_in_with_password(&browser, OWNER.0, OWNER.1).await;
    browser.wait_for_path("/agent/login/2fa").await;
    browser.screenshot("login-second-step").await;
    browser
        .fill("input[name=code]", &totp(&secret, current_step() + 1))
        .await;
    browser
        .click("form[action='/agent/login/2fa'] button[type=submit]")
        .await;
    browser.wait_for_path("/agent").await;
    browser.wait_for_text("h1", "Olga").await;

    // Password, then the security key.
    sign_out(&browser).await;
    sign_in_with_password(&browser, OWNER.0, OWNER.1).await;
    browser.wait_for_path("/agent/login/2fa").await;
    browser.click("#use-security-key").await;
    browser.wait_for_path("/agent").await;
    browser.wait_for_text("h1", "Olga").await;

    // The key alone, without the password.
    sign_out(&browser).await;
    browser.fill("input[name=email]", OWNER.0).await;
    browser.click("#sign-in-with-key").await;
    browser.wait_for_path("/agent").await;
    browser.wait_for_text("h1", "Olga").await;
    browser.screenshot("signed-in-with-key").await;

    // The key is listed as used, and can be removed.
    browser.goto("/agent/2fa").await;
    assert!(browser.text("ul.keys").await.contains("last used"));
    browser.click("ul.keys form button[type=submit]").await;
    browser
        .wait_for_text("#add-key", "Add a security key")
        .await;
    assert!(!browser.exists("ul.keys").await, "removed");
}

/// The panel's tools as a person sees them: a token made through the form and shown once,
/// the token list, and the audit log reached from the navigation.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_and_audit_log_pages() {
    if !browser::available() {
        return;
    }
    let daemon = Daemon::fresh();
    create_owner(&daemon, "Olga", OWNER.0, OWNER.1).await;
    let browser = Browser::open(&daemon, "tokens_and_audit_log_pages").await;
    sign_in_with_password(&browser, OWNER.0, OWNER.1).await;
    browser.wait_for_path("/agent").await;

    browser.click("nav.panel-nav a[href='/agent/tokens']").await;
    browser.wait_for_text("h1", "API tokens").await;
    browser.screenshot("tokens-empty").await;
    browser.fill("input[name=name]", "Nightly export").await;
    browser.fill("input[name=expires_in_days]", "30").await;
    browser
        .click("form[action='/agent/tokens'] button[type=submit]")
        .await;
    let token = browser.wait_for_text("#new-token", "hdk_").await;
    assert_eq!(token.trim().len(), 68, "{token}");
    assert!(
        browser
            .text("[role=status]")
            .await
            .contains("it will not be shown again")
    );
    browser.screenshot("tokens-created").await;

    // A second one, read only and without expiry; the first is no longer shown.
    browser
        .fill("input[name=name]", "Read-only dashboard")
        .await;
    browser.click("input[name=scope_write]").await;
    browser
        .click("form[action='/agent/tokens'] button[type=submit]")
        .await;
    browser
        .wait_for_text("table.tokens", "Read-only dashboard")
        .await;
    let page = browser.page_text().await;
    assert!(!page.contains(token.trim()), "shown once");
    browser.goto("/agent/tokens").await;
    assert!(!browser.exists("#new-token").await);
    assert_eq!(browser.find_all("table.tokens tbody tr").await.len(), 2);
    browser.screenshot("tokens-list").await;

    browser.click("nav.panel-nav a[href='/agent/audit']").await;
    browser.wait_for_text("table.audit", "token.created").await;
    let log = browser.text("table.audit tbody").await;
    assert!(
        log.contains("token.created") && log.contains("user.created"),
        "{log}"
    );
    browser.screenshot("audit").await;
}

/// The owner's people and security pages as a person sees them: an invitation made and
/// opened in a second browser, the new agent listed, and the security settings.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agents_invitation_and_security_pages() {
    if !browser::available() {
        return;
    }
    let daemon = Daemon::fresh();
    create_owner(&daemon, "Olga", OWNER.0, OWNER.1).await;
    let browser = Browser::open(&daemon, "agents_invitation_and_security_pages").await;
    sign_in_with_password(&browser, OWNER.0, OWNER.1).await;
    browser.wait_for_path("/agent").await;

    browser.click("nav.panel-nav a[href='/agent/agents']").await;
    browser.wait_for_text("h1", "Agents").await;
    browser
        .fill(
            "form[action='/agent/invitations'] input[name=email]",
            "ivy@browser.example",
        )
        .await;
    browser
        .fill("form[action='/agent/invitations'] input[name=name]", "Ivy")
        .await;
    browser
        .click("form[action='/agent/invitations'] button[type=submit]")
        .await;
    let link = browser
        .wait_for_text("#invite-link", "/agent/invite?token=")
        .await;
    browser.screenshot("agents-invited").await;

    // The invitee, in a browser of their own.
    let invitee = Browser::open(&daemon, "agents_invitation_and_security_pages_invitee").await;
    let path = &link[link.find("/agent/invite").unwrap()..];
    invitee.goto(path.trim()).await;
    invitee.wait_for_text("h1", "Join").await;
    invitee
        .fill("input[name=password]", "ivy's own long passphrase")
        .await;
    invitee.screenshot("invite").await;
    invitee
        .click("form[action='/agent/invite'] button[type=submit]")
        .await;
    invitee.wait_for_path("/agent").await;
    invitee.wait_for_text("h1", "Ivy").await;
    assert!(
        !invitee
            .exists("nav.panel-nav a[href='/agent/security']")
            .await,
        "agents see no settings"
    );

    browser.goto("/agent/agents").await;
    browser
        .wait_for_text("table.people", "ivy@browser.example")
        .await;
    browser.screenshot("agents").await;

    browser
        .click("nav.panel-nav a[href='/agent/security']")
        .await;
    browser.wait_for_text("h1", "Security").await;
    browser.fill("textarea[name=panel]", "10.0.0.0/8").await;
    browser
        .click("form[action='/agent/security/networks'] button[type=submit]")
        .await;
    browser.wait_for_text("[role=alert]", "127.0.0.1").await;
    browser.screenshot("security-refused").await;
}

/// A ticket the owner makes through the API for `email`; returns (ticket id, contact id).
async fn owner_ticket(daemon: &Daemon, email: &str, subject: &str, message: &str) -> (i64, i64) {
    let body = json!({"subject": subject, "message": message, "contact": {"email": email, "name": "Cara"}});
    let response = daemon
        .client()
        .post(daemon.url("/api/v1/tickets"))
        .basic_auth(OWNER.0, Some(OWNER.1))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let ticket: Json = response.json().await.unwrap();
    (
        ticket["id"].as_i64().unwrap(),
        ticket["contact"]["id"].as_i64().unwrap(),
    )
}

/// An agent's reply or note on a ticket, through the API.
async fn owner_message(daemon: &Daemon, ticket: i64, kind: &str, body: &str) {
    let response = daemon
        .client()
        .post(daemon.url(&format!("/api/v1/tickets/{ticket}/messages")))
        .basic_auth(OWNER.0, Some(OWNER.1))
        .json(&json!({"type": kind, "body": body}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
}

/// The customer asks for a sign-in link in the browser, the link is read from the daemon's
/// log (until mail exists, that is where it goes), and the customer opens it and confirms.
async fn portal_sign_in(browser: &Browser, daemon: &Daemon, email: &str, contact: i64) {
    browser.goto("/portal/login").await;
    browser.wait_for_text("h1", "Sign in to").await;
    browser
        .fill("form[action='/portal/login'] input[name=email]", email)
        .await;
    browser.screenshot("portal-login").await;
    browser
        .click("form[action='/portal/login'] button[type=submit]")
        .await;
    browser.wait_for_text("h1", "Check your email").await;
    browser.screenshot("portal-link-sent").await;
    let links = crate::portal::logged_links(daemon, contact, 1);
    browser
        .goto(&crate::portal::path_of(links.last().unwrap()))
        .await;
    browser.find("#confirm-sign-in").await;
    browser.screenshot("portal-confirm").await;
    browser.click("#confirm-sign-in").await;
    browser.wait_for_path("/portal").await;
}

/// A customer in the portal: signs in with the link, sees only their own tickets, reads a
/// thread without internal notes, replies, and cannot open someone else's ticket.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn customer_portal_sign_in_own_tickets_and_reply() {
    if !browser::available() {
        return;
    }
    let daemon = Daemon::fresh();
    create_owner(&daemon, "Olga", OWNER.0, OWNER.1).await;
    let (mine, cara) = owner_ticket(
        &daemon,
        "cara@browser.example",
        "Printer jams",
        "It jams on page 2.",
    )
    .await;
    owner_message(&daemon, mine, "reply", "Please try the other tray.").await;
    owner_message(&daemon, mine, "note", "INTERNAL: third call this week").await;
    owner_ticket(
        &daemon,
        "cara@browser.example",
        "Invoice address",
        "Please change it.",
    )
    .await;
    let (theirs, _) =
        owner_ticket(&daemon, "dora@browser.example", "Dora's secret", "Private.").await;
    let browser = Browser::open(&daemon, "customer_portal_sign_in_own_tickets_and_reply").await;

    portal_sign_in(&browser, &daemon, "cara@browser.example", cara).await;
    let list = browser
        .wait_for_text("table.portal-tickets", "Printer jams")
        .await;
    assert!(list.contains("Invoice address"), "{list}");
    assert!(!browser.page_text().await.contains("Dora"));
    assert_eq!(browser.security_state().await, "secure");
    browser.screenshot("portal-requests").await;

    browser
        .click(&format!("a[href='/portal/tickets/{mine}']"))
        .await;
    browser.wait_for_text("h1", "Printer jams").await;
    let thread = browser.text("ol.messages").await;
    assert!(
        thread.contains("It jams on page 2.") && thread.contains("Please try the other tray."),
        "{thread}"
    );
    assert!(!browser.page_text().await.contains("INTERNAL"));
    browser.screenshot("portal-thread").await;

    browser
        .fill("#reply-body", "Still jams, even with the other tray.")
        .await;
    browser.click("form.reply button[type=submit]").await;
    browser
        .wait_for_text("ol.messages", "Still jams, even with the other tray.")
        .await;
    let last = browser.find_all("ol.messages li.message").await;
    assert_eq!(last.len(), 3, "customer, reply, the new customer message");
    let text = last[2].text().await.unwrap();
    assert!(text.starts_with("You"), "{text}");
    browser.screenshot("portal-replied").await;

    browser.goto(&format!("/portal/tickets/{theirs}")).await;
    browser.wait_for_text("h1", "Request not found").await;
    assert!(!browser.page_text().await.contains("Private."));
    browser.screenshot("portal-not-theirs").await;

    browser.click("nav.portal-nav a[href='/portal/new']").await;
    browser.wait_for_path("/portal/new").await;
    let email = browser.find("input[name=email]").await;
    assert_eq!(
        email.prop("value").await.unwrap().as_deref(),
        Some("cara@browser.example")
    );
    browser.screenshot("portal-new-request").await;
    browser
        .click("nav.portal-nav a[href='/portal/profile']")
        .await;
    browser.wait_for_text("h1", "Your profile").await;
    browser.screenshot("portal-profile").await;
}

/// Stored XSS (issue 5): a message body made of markup is shown as text in the portal;
/// nothing in it runs, on load or on a click.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn portal_shows_markup_in_messages_as_text() {
    if !browser::available() {
        return;
    }
    const PAYLOAD: &str = r#"<script>document.title='pwned'</script><img src=x onerror="document.title='pwned'"><a href="javascript:document.title='pwned'">x</a>"#;
    let daemon = Daemon::fresh();
    create_owner(&daemon, "Olga", OWNER.0, OWNER.1).await;
    // Through the API, the only way in, a body is plain text: the customer's first message
    // and an agent's reply both carry the payload.
    let (ticket, cara) = owner_ticket(&daemon, "cara@browser.example", "XSS check", PAYLOAD).await;
    owner_message(&daemon, ticket, "reply", PAYLOAD).await;
    let browser = Browser::open(&daemon, "portal_shows_markup_in_messages_as_text").await;
    portal_sign_in(&browser, &daemon, "cara@browser.example", cara).await;

    browser.goto(&format!("/portal/tickets/{ticket}")).await;
    browser.wait_for_text("h1", "XSS check").await;
    let title = || async { browser.execute("return document.title", vec![]).await };
    let loaded = title().await;
    assert_ne!(loaded, json!("pwned"));
    assert!(
        loaded.as_str().unwrap().starts_with("XSS check · "),
        "{loaded}"
    );
    let bodies = browser.find_all(".message-body").await;
    assert_eq!(bodies.len(), 2);
    for body in &bodies {
        assert_eq!(body.text().await.unwrap(), PAYLOAD, "shown as text");
        // No element came out of the payload: the body holds one text node.
        let html = body.html(true).await.unwrap();
        assert!(!html.contains('<'), "{html}");
    }
    assert!(
        !browser
            .exists("ol.messages a, ol.messages img, ol.messages script")
            .await
    );
    browser.screenshot("xss-as-text").await;
    // Clicking where the link's text is changes nothing either.
    bodies[0].click().await.unwrap();
    bodies[1].click().await.unwrap();
    assert_eq!(title().await, loaded);
    assert_eq!(browser.path().await, format!("/portal/tickets/{ticket}"));
}

/// Screenshots of the current page as it is (`<name>`), in dark mode (`<name>-dark`) and at
/// a phone's width (`<name>-narrow`); also copied to `/tmp/shots/<test>/` to look at.
async fn look(browser: &Browser, test: &str, name: &str) {
    let cdp = |scheme: &str| json!({"cmd": "Emulation.setEmulatedMedia", "params": {"features": [{"name": "prefers-color-scheme", "value": scheme}]}});
    let mut saved = vec![browser.screenshot(name).await];
    browser
        .command(http::Method::POST, "goog/cdp/execute", Some(cdp("dark")))
        .await;
    saved.push(browser.screenshot(&format!("{name}-dark")).await);
    browser
        .command(http::Method::POST, "goog/cdp/execute", Some(cdp("light")))
        .await;
    browser.client().set_window_size(420, 900).await.unwrap();
    saved.push(browser.screenshot(&format!("{name}-narrow")).await);
    let widths = browser
        .execute(
            "return [document.documentElement.scrollWidth, document.documentElement.clientWidth];",
            vec![],
        )
        .await;
    browser.client().set_window_size(1280, 900).await.unwrap();
    let dir = std::path::Path::new("/tmp/shots").join(test);
    if std::fs::create_dir_all(&dir).is_ok() {
        for path in saved {
            if let Some(file) = path.file_name() {
                let _ = std::fs::copy(&path, dir.join(file));
            }
        }
    }
    assert!(
        widths[0].as_i64() <= widths[1].as_i64(),
        "{name}: the page is wider than a narrow window: {widths}"
    );
}

/// The agent attaches an image and a text file to a reply in the browser: the image shows
/// a preview that loads, both download; a file past the limit is named before sending,
/// and if sent anyway the server's notice comes back with the text kept.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_replies_with_files() {
    const TEST: &str = "an_agent_replies_with_files";
    if !browser::available() {
        return;
    }
    let daemon = Daemon::start(
        crate::harness::Options::default().env("HELPDESKD_ATTACHMENTS_MAX_BYTES", "300000"),
    );
    create_owner(&daemon, "Olga", OWNER.0, OWNER.1).await;
    let (ticket, _) = owner_ticket(
        &daemon,
        "cara@files.example",
        "Cracked screen",
        "My screen cracked, what now?",
    )
    .await;
    let files = tempfile::tempdir().unwrap();
    let photo = files.path().join("screen photo.png");
    std::fs::write(&photo, crate::desk::png(320, 200)).unwrap();
    let log = files.path().join("device-log.txt");
    std::fs::write(&log, "boot ok\n".repeat(400)).unwrap();
    let huge = files.path().join("video.bin");
    std::fs::write(&huge, vec![1u8; 400_000]).unwrap();

    let browser = Browser::open(&daemon, TEST).await;
    sign_in_with_password(&browser, OWNER.0, OWNER.1).await;
    browser.wait_for_path("/agent").await;
    browser.goto(&format!("/agent/tickets/{ticket}")).await;
    browser.wait_for_text("h1", "Cracked screen").await;
    browser
        .fill("#reply-body", "Here is what we see on our side.")
        .await;
    let picker = browser.find("#reply-files").await;
    picker
        .send_keys(&format!("{}\n{}", photo.display(), log.display()))
        .await
        .unwrap();
    browser.click("button[name=kind][value=reply]").await;
    browser
        .wait_for_text("ol.messages li.reply", "device-log.txt")
        .await;
    let text = browser.text("ol.messages li.reply ul.attachments").await;
    assert!(text.contains("screen photo.png"), "{text}");
    assert!(text.contains("image/png"), "{text}");
    assert!(text.contains("3 KB"), "{text}");
    // The preview is a real image, loaded from the panel's preview route.
    let loaded = browser
        .execute_async(
            "const done = arguments[arguments.length - 1];
             const img = document.querySelector('ul.attachments img');
             const check = () => img.complete ? done([img.naturalWidth, img.getAttribute('src')]) : setTimeout(check, 50);
             check();",
            vec![],
        )
        .await;
    assert_eq!(loaded[0], json!(320), "{loaded}");
    assert!(
        loaded[1].as_str().unwrap().ends_with("/preview"),
        "{loaded}"
    );
    // Downloads answer with the file (fetched in the page, with the session's cookie).
    let size = browser
        .execute_async(
            "const done = arguments[arguments.length - 1];
             const link = [...document.querySelectorAll('a.file-name')].find(a => a.textContent === 'device-log.txt');
             fetch(link.href).then(r => r.blob()).then(b => done(b.size));",
            vec![],
        )
        .await;
    assert_eq!(size, json!(3200));
    look(&browser, TEST, "reply-with-files").await;

    // A file past the limit: named at once, the form does not send.
    browser.fill("#reply-body", "And the video.").await;
    let picker = browser.find("#reply-files").await;
    picker.send_keys(&huge.display().to_string()).await.unwrap();
    let notice = browser
        .wait_for_text("#reply-files-notice", "video.bin")
        .await;
    assert!(
        notice.contains("“video.bin” is larger than the limit of 293 KB: choose a smaller file."),
        "{notice}"
    );
    browser.click("button[name=kind][value=reply]").await;
    assert_eq!(browser.path().await, format!("/agent/tickets/{ticket}"));
    look(&browser, TEST, "file-too-large-before-sending").await;

    // Sent anyway (the check bypassed): the server refuses, keeps the text, writes nothing.
    browser
        .execute(
            "const p = document.getElementById('reply-files'); p.setCustomValidity(''); p.form.requestSubmit(document.querySelector('button[name=kind][value=note]'));",
            vec![],
        )
        .await;
    browser
        .wait_for_text("div.error[role=alert]", "Nothing was sent")
        .await;
    assert_eq!(
        browser
            .execute(
                "return document.getElementById('reply-body').value;",
                vec![]
            )
            .await,
        json!("And the video.")
    );
    look(&browser, TEST, "file-too-large-refused").await;
    let (_, thread) = crate::harness::get_json(
        &daemon.client(),
        &daemon.url(&format!("/api/v1/tickets/{ticket}")),
        Some(OWNER),
    )
    .await;
    assert_eq!(thread["messages"].as_array().unwrap().len(), 2);
}

/// The agent saves the open VIP tickets and a search as views, finds them in the sidebar
/// with their counts, opens one, and deletes it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_saves_and_deletes_views() {
    const TEST: &str = "an_agent_saves_and_deletes_views";
    if !browser::available() {
        return;
    }
    let daemon = Daemon::fresh();
    create_owner(&daemon, "Olga", OWNER.0, OWNER.1).await;
    for (subject, tags) in [
        ("Printer jam on floor 3", vec!["vip"]),
        ("Invoice for March", vec!["vip", "billing"]),
        ("Printer toner low", vec![]),
    ] {
        let response = daemon
            .client()
            .post(daemon.url("/api/v1/tickets"))
            .basic_auth(OWNER.0, Some(OWNER.1))
            .json(&json!({"subject": subject, "message": format!("{subject}."), "contact": {"email": "vic@views.example", "name": "Vic"}, "tags": tags}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201);
    }
    let browser = Browser::open(&daemon, TEST).await;
    sign_in_with_password(&browser, OWNER.0, OWNER.1).await;
    browser.wait_for_path("/agent").await;

    browser.goto("/agent/tickets?view=open&tag=vip").await;
    browser
        .wait_for_text("#ticket-list", "Invoice for March")
        .await;
    browser.click("details.save-view summary").await;
    browser.fill("#view-name", "VIP open").await;
    look(&browser, TEST, "save-view-form").await;
    browser.click("details.save-view button[type=submit]").await;
    browser.wait_for_text("h1", "VIP open").await;
    let saved = browser.text("ul.saved-views").await;
    assert!(saved.contains("VIP open") && saved.contains('2'), "{saved}");
    let list = browser.text("#ticket-list").await;
    assert!(
        list.contains("Printer jam") && !list.contains("toner"),
        "{list}"
    );
    look(&browser, TEST, "saved-view").await;

    // A search saved from the search page.
    browser.goto("/agent/search?q=printer").await;
    browser.wait_for_text("#ticket-list", "toner").await;
    browser.click("details.save-view summary").await;
    browser.fill("#view-name", "Printers").await;
    browser.click("details.save-view button[type=submit]").await;
    browser.wait_for_text("h1", "Printers").await;
    let list = browser.text("#ticket-list").await;
    assert!(
        list.contains("toner") && list.contains("jam") && !list.contains("Invoice"),
        "{list}"
    );
    // The same name again: the notice, the form open with the name.
    browser.goto("/agent/tickets?view=all").await;
    browser.click("details.save-view summary").await;
    browser.fill("#view-name", "Printers").await;
    browser.click("details.save-view button[type=submit]").await;
    browser
        .wait_for_text(
            "div.error[role=alert]",
            "You already have a view called “Printers”",
        )
        .await;
    look(&browser, TEST, "view-name-taken").await;

    // Delete "Printers" from its page.
    browser.click("ul.saved-views a").await;
    browser.wait_for_text("h1", "VIP open").await;
    browser.goto("/agent/tickets").await;
    let link = browser
        .execute(
            "return [...document.querySelectorAll('ul.saved-views a')].find(a => a.textContent.includes('Printers')).getAttribute('href');",
            vec![],
        )
        .await;
    browser.goto(link.as_str().unwrap()).await;
    browser.wait_for_text("h1", "Printers").await;
    browser.click("form.delete-view button").await;
    browser.wait_for_text("h1", "My open tickets").await;
    let saved = browser.text("ul.saved-views").await;
    assert!(
        saved.contains("VIP open") && !saved.contains("Printers"),
        "{saved}"
    );
    look(&browser, TEST, "after-delete").await;
}

/// The agent edits a contact's details (emails, phones, a custom field) and merges a
/// duplicate into it after finding it by name and confirming.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_edits_and_merges_contacts() {
    const TEST: &str = "an_agent_edits_and_merges_contacts";
    if !browser::available() {
        return;
    }
    let daemon = Daemon::fresh();
    create_owner(&daemon, "Olga", OWNER.0, OWNER.1).await;
    let (_, ann) = owner_ticket(
        &daemon,
        "ann@contacts.example",
        "Where is my parcel?",
        "It did not arrive.",
    )
    .await;
    owner_ticket(
        &daemon,
        "ann.private@mail.example",
        "Parcel again",
        "Still nothing.",
    )
    .await;
    let response = daemon
        .client()
        .patch(daemon.url(&format!("/api/v1/contacts/{ann}")))
        .basic_auth(OWNER.0, Some(OWNER.1))
        .json(&json!({"custom": {"customer_no": "C-1042", "seats": 5}}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);

    let browser = Browser::open(&daemon, TEST).await;
    sign_in_with_password(&browser, OWNER.0, OWNER.1).await;
    browser.wait_for_path("/agent").await;
    browser.goto(&format!("/agent/contacts/{ann}")).await;
    browser.wait_for_text("h1", "Cara").await;
    look(&browser, TEST, "contact").await;
    browser
        .fill("form.contact-edit input[name=name]", "Ann Archer")
        .await;
    browser
        .fill(
            "form.contact-edit textarea[name=phones]",
            "+420 601 234 567",
        )
        .await;
    browser
        .fill(
            "form.contact-edit input[name=company]",
            "Archer & Daughters",
        )
        .await;
    browser.click("form.contact-edit button[type=submit]").await;
    browser.wait_for_text("div.success", "Saved.").await;
    assert_eq!(browser.text("h1").await, "Ann Archer");
    let facts = browser.text("dl.facts").await;
    assert!(
        facts.contains("+420 601 234 567") && facts.contains("C-1042"),
        "{facts}"
    );
    look(&browser, TEST, "contact-saved").await;

    // Find the duplicate by its email, choose it, confirm.
    browser.fill("input[name=merge]", "ann.private").await;
    browser.click("#merge form.inline-search button").await;
    browser
        .wait_for_text("ul.candidates", "ann.private@mail.example")
        .await;
    look(&browser, TEST, "merge-candidates").await;
    browser.click("ul.candidates a.choose").await;
    browser
        .wait_for_text(".merge-confirm", "Merge Cara into Ann Archer?")
        .await;
    look(&browser, TEST, "merge-confirm").await;
    browser.click(".merge-confirm input[name=confirm]").await;
    browser.click(".merge-confirm button.danger").await;
    browser.wait_for_text("div.success", "Merged").await;
    let tickets = browser.text("ul.other-tickets").await;
    assert!(
        tickets.contains("Where is my parcel?") && tickets.contains("Parcel again"),
        "{tickets}"
    );
    let facts = browser.text("dl.facts").await;
    assert!(facts.contains("ann.private@mail.example"), "{facts}");
    look(&browser, TEST, "merged").await;
}

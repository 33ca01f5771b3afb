//! The owner's and admins' panel pages over real HTTPS: inviting people (the link works
//! once), changing roles, deleting, the account's security settings, and agents kept out.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::harness::{Daemon, create_owner};
use crate::two_factor::{Panel, csrf_in};

const OWNER: (&str, &str) = ("olive@admin.example", "owner password 12");
const AGENT: (&str, &str) = ("abel@admin.example", "agent password 12");

async fn add_agent(daemon: &Daemon) -> i64 {
    let client = daemon.client();
    let response = client
        .post(daemon.url("/api/v1/users"))
        .basic_auth(OWNER.0, Some(OWNER.1))
        .json(&json!({"email": AGENT.0, "name": "Abel", "role": "agent", "password": AGENT.1}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let body: Value = response.json().await.unwrap();
    body["id"].as_i64().unwrap()
}

fn invite_path(page: &str) -> String {
    let link = page
        .split(r#"id="invite-link">"#)
        .nth(1)
        .unwrap_or_else(|| panic!("no link in {page}"))
        .split('<')
        .next()
        .unwrap()
        .replace("&amp;", "&");
    let at = link.find("/agent/invite?token=").expect("invite path");
    link[at..].to_string()
}

#[tokio::test]
async fn an_invitation_works_once_and_makes_a_user() {
    let daemon = Daemon::fresh();
    create_owner(&daemon, "Olive", OWNER.0, OWNER.1).await;
    let mut owner = Panel::new(&daemon);
    owner.password(OWNER.0, OWNER.1).await;
    let (status, _, page) = owner.get("/agent/agents").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let csrf = csrf_in(&page);
    let (status, _, page) = owner
        .post(
            "/agent/invitations",
            &[
                ("csrf", &csrf),
                ("email", "nina@admin.example"),
                ("name", "Nina"),
                ("role", "admin"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{page}");
    let path = invite_path(&page);
    assert!(page.contains("nina@admin.example"), "listed as pending");

    // The invitee chooses a password; a weak one keeps the link usable.
    let mut nina = Panel::new(&daemon);
    let (status, _, page) = nina.get(&path).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("nina@admin.example"));
    let token = path.split("token=").nth(1).unwrap().to_string();
    let (status, _, page) = nina
        .post(
            "/agent/invite",
            &[
                ("token", &token),
                ("name", "Nina N."),
                ("password", "password1234"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
    assert!(page.contains("too common"), "{page}");
    let (status, location, _) = nina
        .post(
            "/agent/invite",
            &[
                ("token", &token),
                ("name", "Nina N."),
                ("password", "nina's own passphrase"),
            ],
        )
        .await;
    assert_eq!(
        (status, location.as_str()),
        (StatusCode::SEE_OTHER, "/agent")
    );
    let (status, _, page) = nina.get("/agent").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Nina N.") && page.contains("admin"), "{page}");

    // Used up; and the new admin can sign in with the chosen password.
    let (status, _, _) = Panel::new(&daemon).get(&path).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let mut again = Panel::new(&daemon);
    assert_eq!(
        again
            .password("nina@admin.example", "nina's own passphrase")
            .await,
        "/agent"
    );

    // The owner revokes a second invitation; its link dies.
    let (_, _, page) = owner.get("/agent/agents").await;
    let (_, _, page) = owner
        .post(
            "/agent/invitations",
            &[
                ("csrf", &csrf_in(&page)),
                ("email", "otto@admin.example"),
                ("name", "Otto"),
                ("role", "agent"),
            ],
        )
        .await;
    let path = invite_path(&page);
    let id = page
        .split("/agent/invitations/")
        .nth(1)
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .to_string();
    let (status, _, page) = owner
        .post(
            &format!("/agent/invitations/{id}/revoke"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let (status, _, _) = Panel::new(&daemon).get(&path).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // The audit log has the story.
    let (_, log) =
        crate::harness::get_json(&daemon.client(), &daemon.url("/api/v1/audit"), Some(OWNER)).await;
    let actions: Vec<&str> = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for wanted in ["user.invited", "user.joined", "user.invitation_revoked"] {
        assert!(actions.contains(&wanted), "{wanted} missing: {actions:?}");
    }
}

#[tokio::test]
async fn roles_and_deletion_from_the_agents_page_and_agents_kept_out() {
    let daemon = Daemon::fresh();
    create_owner(&daemon, "Olive", OWNER.0, OWNER.1).await;
    let agent_id = add_agent(&daemon).await;

    // An agent sees neither the people nor the settings, in the panel or the API.
    let mut agent = Panel::new(&daemon);
    agent.password(AGENT.0, AGENT.1).await;
    for path in ["/agent/agents", "/agent/security"] {
        let (status, _, _) = agent.get(path).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
    }
    let (_, _, profile) = agent.get("/agent").await;
    assert!(
        !profile.contains("/agent/security"),
        "no link to settings for agents"
    );
    let (status, _) = crate::harness::get_json(
        &daemon.client(),
        &daemon.url("/api/v1/invitations"),
        Some(AGENT),
    )
    .await;
    assert_eq!(status, 403);

    let mut owner = Panel::new(&daemon);
    owner.password(OWNER.0, OWNER.1).await;
    let (_, _, page) = owner.get("/agent/agents").await;
    let csrf = csrf_in(&page);
    let (status, _, page) = owner
        .post(
            &format!("/agent/agents/{agent_id}/role"),
            &[("csrf", &csrf), ("role", "admin")],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("Abel has a new role"), "{page}");
    let (status, location, _) = agent.get("/agent/security").await;
    assert_eq!(
        (status, location.as_str()),
        (StatusCode::SEE_OTHER, "/agent/login"),
        "a role change ends sessions"
    );

    let (status, _, _) = owner
        .post(
            &format!("/agent/agents/{agent_id}/delete"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "needs the confirmation"
    );
    let (status, _, _) = owner
        .post(
            &format!("/agent/agents/{agent_id}/delete"),
            &[("confirm", "yes")],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "needs the CSRF token");
    let (status, _, page) = owner
        .post(
            &format!("/agent/agents/{agent_id}/delete"),
            &[("csrf", &csrf), ("confirm", "yes")],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(!page.contains(AGENT.0), "gone from the list");
    let mut gone = Panel::new(&daemon);
    let (_, _, form) = gone.get("/agent/login").await;
    let (status, _, _) = gone
        .post(
            "/agent/login",
            &[
                ("csrf", &csrf_in(&form)),
                ("email", AGENT.0),
                ("password", AGENT.1),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn security_settings_from_the_panel() {
    let daemon = Daemon::fresh();
    create_owner(&daemon, "Olive", OWNER.0, OWNER.1).await;
    let mut owner = Panel::new(&daemon);
    owner.password(OWNER.0, OWNER.1).await;
    let (status, _, page) = owner.get("/agent/security").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let csrf = csrf_in(&page);

    // A list without the owner's own address is refused and changes nothing.
    let (status, _, page) = owner
        .post(
            "/agent/security/networks",
            &[("csrf", &csrf), ("panel", "10.0.0.0/8"), ("api", "")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
    assert!(page.contains("127.0.0.1"), "{page}");
    let (status, _, page) = owner
        .post(
            "/agent/security/networks",
            &[("csrf", &csrf), ("panel", "nonsense"), ("api", "")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
    let (status, _, page) = owner
        .post(
            "/agent/security/networks",
            &[
                ("csrf", &csrf),
                ("panel", "127.0.0.1/32\n::1"),
                ("api", "127.0.0.0/8"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let (_, lists) = crate::harness::get_json(
        &daemon.client(),
        &daemon.url("/api/v1/security/networks"),
        Some(OWNER),
    )
    .await;
    assert_eq!(
        lists,
        json!({"panel": ["127.0.0.1/32", "::1/128"], "api": ["127.0.0.0/8"]})
    );

    // Requiring two-step verification sends the owner (who has none) to enrolment.
    let (status, _, page) = owner
        .post(
            "/agent/security/two-factor",
            &[("csrf", &csrf), ("required", "yes")],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let (status, location, _) = owner.get("/agent").await;
    assert_eq!(
        (status, location.as_str()),
        (StatusCode::SEE_OTHER, "/agent/2fa")
    );
}

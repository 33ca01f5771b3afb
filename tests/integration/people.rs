//! Managing people through the API: the role hierarchy for adding, promoting and deleting,
//! and a deleted agent's credentials dying at once.

use serde_json::{Value, json};

use crate::harness::{Daemon, create_owner};

const OWNER: (&str, &str) = ("olga@people.example", "owner password 12");
const ADMIN: (&str, &str) = ("adam@people.example", "admin password 12");
const AGENT: (&str, &str) = ("agnes@people.example", "agent password 12");

struct As<'a> {
    daemon: &'a Daemon,
    client: reqwest::Client,
    who: (&'a str, &'a str),
}

impl<'a> As<'a> {
    fn new(daemon: &'a Daemon, who: (&'a str, &'a str)) -> As<'a> {
        As {
            daemon,
            client: daemon.client(),
            who,
        }
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut request = self
            .client
            .request(method, self.daemon.url(path))
            .basic_auth(self.who.0, Some(self.who.1));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    async fn add(&self, (email, password): (&str, &str), role: &str) -> (u16, Value) {
        let body = json!({"email": email, "name": email, "role": role, "password": password});
        self.call(reqwest::Method::POST, "/api/v1/users", Some(body))
            .await
    }
}

#[tokio::test]
async fn the_role_hierarchy_governs_adding_promoting_and_deleting() {
    let daemon = Daemon::fresh();
    create_owner(&daemon, "Olga", OWNER.0, OWNER.1).await;
    let owner = As::new(&daemon, OWNER);
    let (status, admin_user) = owner.add(ADMIN, "admin").await;
    assert_eq!(status, 201);
    let admin = As::new(&daemon, ADMIN);
    let (status, agent_user) = admin.add(AGENT, "agent").await;
    assert_eq!(status, 201, "admins add agents");
    let (status, _) = admin
        .add(("x@people.example", "some password 1"), "admin")
        .await;
    assert_eq!(status, 403, "only the owner adds admins");
    let agent = As::new(&daemon, AGENT);
    let (status, _) = agent
        .add(("y@people.example", "some password 1"), "agent")
        .await;
    assert_eq!(status, 403, "agents add nobody");

    let agent_id = agent_user["id"].as_i64().unwrap();
    let admin_id = admin_user["id"].as_i64().unwrap();
    let patch = reqwest::Method::PATCH;
    // Promotions: only the owner makes admins; nobody touches the owner.
    let (status, _) = admin
        .call(
            patch.clone(),
            &format!("/api/v1/users/{agent_id}"),
            Some(json!({"role": "admin"})),
        )
        .await;
    assert_eq!(status, 403);
    let (status, promoted) = owner
        .call(
            patch.clone(),
            &format!("/api/v1/users/{agent_id}"),
            Some(json!({"role": "admin"})),
        )
        .await;
    assert_eq!((status, promoted["role"].as_str()), (200, Some("admin")));
    let (status, _) = owner
        .call(
            patch.clone(),
            &format!("/api/v1/users/{agent_id}"),
            Some(json!({"role": "agent"})),
        )
        .await;
    assert_eq!(status, 200);
    let (status, _) = owner
        .call(
            patch.clone(),
            &format!("/api/v1/users/{agent_id}"),
            Some(json!({"role": "owner"})),
        )
        .await;
    assert_eq!(status, 403);
    let (status, _) = owner
        .call(
            patch.clone(),
            "/api/v1/users/999",
            Some(json!({"role": "agent"})),
        )
        .await;
    assert_eq!(status, 404);

    // The agent's token, then the agent, deleted by an admin: every credential dies.
    let (status, token) = agent
        .call(
            reqwest::Method::POST,
            "/api/v1/tokens",
            Some(json!({"name": "laptop"})),
        )
        .await;
    assert_eq!(status, 201);
    let token = token["token"].as_str().unwrap().to_string();
    let (status, _) = admin
        .call(
            reqwest::Method::DELETE,
            &format!("/api/v1/users/{agent_id}"),
            None,
        )
        .await;
    assert_eq!(status, 204);
    let (status, _) = agent.call(reqwest::Method::GET, "/api/v1/me", None).await;
    assert_eq!(status, 401, "the password no longer works");
    let by_token = daemon
        .client()
        .get(daemon.url("/api/v1/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(by_token.status(), 401, "the token no longer works");
    let (_, listed) = owner
        .call(reqwest::Method::GET, "/api/v1/users", None)
        .await;
    assert!(!listed.to_string().contains(AGENT.0), "{listed}");

    // Admins cannot delete admins or themselves; the owner can delete an admin, not itself.
    let (status, _) = admin
        .call(
            reqwest::Method::DELETE,
            &format!("/api/v1/users/{admin_id}"),
            None,
        )
        .await;
    assert_eq!(status, 403);
    let (_, me) = owner.call(reqwest::Method::GET, "/api/v1/me", None).await;
    let owner_id = me["id"].as_i64().unwrap();
    let (status, _) = owner
        .call(
            reqwest::Method::DELETE,
            &format!("/api/v1/users/{owner_id}"),
            None,
        )
        .await;
    assert_eq!(status, 403);
    let (status, _) = owner
        .call(
            reqwest::Method::DELETE,
            &format!("/api/v1/users/{admin_id}"),
            None,
        )
        .await;
    assert_eq!(status, 204);

    let (_, log) = owner
        .call(reqwest::Method::GET, "/api/v1/audit?limit=50", None)
        .await;
    let actions: Vec<&str> = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for expected in [
        "user.deleted",
        "user.role_changed",
        "token.created",
        "user.created",
    ] {
        assert!(
            actions.contains(&expected),
            "{expected} missing from {actions:?}"
        );
    }
}

//! Users over the wire, on whichever backend the target runs (the embedded redb store for a
//! local server): identifier uniqueness decided atomically, passwords verified and imported.

use edgeid_tests::harness::Target;
use serde_json::{Value, json};

/// Eight clients race to create the same username (and the same email): exactly one wins, the
/// others get Logto's 422, and nothing of the losers is left behind.
#[tokio::test]
async fn concurrent_creates_of_one_username_exactly_one_wins() {
    let t = Target::from_env();
    let token = t.admin_token().await;
    let username = t.unique("race").replace('-', "_");
    let mut creates = tokio::task::JoinSet::new();
    for i in 0..8 {
        let (client, token, username) = (t.client.fresh(), token.clone(), username.clone());
        creates.spawn(async move {
            client
                .post("/api/users")
                .bearer(&token)
                .json(&json!({"username": username, "primaryEmail": format!("{username}_{i}@example.com")}))
                .send()
                .await
        });
    }
    let replies = creates.join_all().await;
    let winners: Vec<Value> = replies.iter().filter(|r| r.status == 200).map(|r| r.json()).collect();
    assert_eq!(winners.len(), 1, "{:?}", replies.iter().map(|r| r.status).collect::<Vec<_>>());
    for loser in replies.iter().filter(|r| r.status != 200) {
        assert_eq!(loser.status, 422);
        assert_eq!(loser.json()["code"], "user.username_already_in_use");
    }
    let found =
        t.client.get(&format!("/api/users?search.username={username}&mode.username=exact")).bearer(&token).send().await;
    assert_eq!(found.assert_status(200).header("total-number"), Some("1"));
    // A loser's email was not claimed: it can be used at once.
    let winner_email = winners[0]["primaryEmail"].as_str().unwrap().to_owned();
    let free_email = (0..8).map(|i| format!("{username}_{i}@example.com")).find(|e| *e != winner_email).unwrap();
    t.client
        .post("/api/users")
        .bearer(&token)
        .json(&json!({"primaryEmail": free_email}))
        .send()
        .await
        .assert_status(200);
}

#[tokio::test]
async fn a_legacy_digest_is_imported_verified_and_upgraded() {
    let t = Target::from_env();
    let token = t.admin_token().await;
    let user = t
        .client
        .post("/api/users")
        .bearer(&token)
        .json(&json!({"passwordDigest": "5f4dcc3b5aa765d61d8327deb882cf99", "passwordAlgorithm": "MD5"}))
        .send()
        .await;
    let id = user.assert_status(200).str_field("id");
    let verify = |password: &'static str| {
        t.client
            .post(&format!("/api/users/{id}/password/verify"))
            .bearer(&token)
            .json(&json!({"password": password}))
            .send()
    };
    let wrong = verify("passw0rd").await;
    assert_eq!(wrong.assert_status(422).json()["code"], "session.invalid_credentials");
    verify("password").await.assert_status(204);
    let stored = t.client.get(&format!("/api/users/{id}?includePasswordHash=true")).bearer(&token).send().await;
    let stored = stored.assert_status(200).json();
    assert_eq!(stored["passwordAlgorithm"], "Argon2id");
    assert!(stored["passwordDigest"].as_str().unwrap().starts_with("$argon2id$v=19$m=12288,t=3,p=1$"));
    verify("password").await.assert_status(204);
    t.client.delete(&format!("/api/users/{id}")).bearer(&token).send().await.assert_status(204);
}

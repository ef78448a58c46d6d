use super::*;
use crate::domain::role_scope;
use crate::management::testing::{NOW, TestApp};

async fn admin_scopes(t: &TestApp, client_id: &str) -> Vec<String> {
    let record = application::find(t.store.as_ref(), client_id).await.unwrap().unwrap().value;
    role_scope::names_for_application(t.store.as_ref(), &record, MANAGEMENT_API_RESOURCE_ID).await.unwrap()
}

fn check(t: &TestApp, secret: &str, client_id: &str) -> impl std::future::Future<Output = SecretCheck> {
    let store = t.store.clone();
    let (secret, client_id) = (secret.to_owned(), client_id.to_owned());
    async move { application::find(store.as_ref(), &client_id).await.unwrap().unwrap().value.verify_secret(&secret, NOW) }
}

#[tokio::test]
async fn seeding_is_idempotent_and_matches_logto() {
    let t = TestApp::new(true);
    seed(&t.app).await.unwrap();
    seed(&t.app).await.unwrap();
    let api = resource::find_by_indicator(t.store.as_ref(), MANAGEMENT_API_INDICATOR).await.unwrap().unwrap();
    assert_eq!(api.resource.id, "management-api");
    assert_eq!(resource::count(t.store.as_ref()).await.unwrap(), 1);
    let all = scope::find(t.store.as_ref(), "management-api-all").await.unwrap().unwrap().value;
    assert_eq!((all.name.as_str(), all.resource_id.as_str()), ("all", "management-api"));
    let admin = role::find_by_name(t.store.as_ref(), "Logto Management API access").await.unwrap().unwrap().value;
    assert_eq!(admin.role.role_type, RoleType::MachineToMachine);
    assert_eq!(role_scope::list(t.store.as_ref(), &admin.role.id).await.unwrap().len(), 1);
    assert_eq!(role::count(t.store.as_ref(), None).await.unwrap(), 1);
    // Logto's `#internal:admin` (what `isAdmin` toggles) grants `all` but is never listed.
    let internal = role::find(t.store.as_ref(), "admin-role").await.unwrap().unwrap().value;
    assert_eq!((internal.role.name.as_str(), internal.role.role_type), ("#internal:admin", RoleType::MachineToMachine));
    assert_eq!(role_scope::list(t.store.as_ref(), "admin-role").await.unwrap().len(), 1);
    let listed = role::list(t.store.as_ref(), None, None).await.unwrap();
    assert_eq!(listed.iter().map(|r| r.role.id.as_str()).collect::<Vec<_>>(), ["management-api-access"]);
}

#[tokio::test]
async fn first_start_creates_one_admin_app_once() {
    let t = TestApp::new(true);
    let credentials = run(&t.app, None).await.unwrap().expect("credentials on first start");
    assert_eq!(check(&t, &credentials.client_secret, &credentials.client_id).await, SecretCheck::Valid);
    assert_eq!(admin_scopes(&t, &credentials.client_id).await, ["all"]);
    assert!(!format!("{credentials:?}").contains(&credentials.client_secret));
    assert_eq!(run(&t.app, None).await.unwrap(), None);
    assert_eq!(application::count(t.store.as_ref()).await.unwrap(), 1);
}

#[tokio::test]
async fn given_credentials_mean_no_generated_app_later() {
    let t = TestApp::new(true);
    let given = Credentials { client_id: "ci-admin".into(), client_secret: "s".into() };
    run(&t.app, Some(&given)).await.unwrap();
    assert_eq!(run(&t.app, None).await.unwrap(), None);
    assert_eq!(application::count(t.store.as_ref()).await.unwrap(), 1);
}

#[tokio::test]
async fn concurrent_first_starts_agree() {
    let t = TestApp::new(true);
    let (a, b) = futures::join!(run(&t.app, None), run(&t.app, None));
    let created: Vec<_> = [a.unwrap(), b.unwrap()].into_iter().flatten().collect();
    assert_eq!(created.len(), 1);
    assert_eq!(application::count(t.store.as_ref()).await.unwrap(), 1);
}

#[tokio::test]
async fn given_credentials_are_ensured_even_on_a_used_store() {
    let t = TestApp::new(true);
    let given = Credentials { client_id: "ci-admin".into(), client_secret: "s3cret-from-env".into() };
    assert_eq!(run(&t.app, Some(&given)).await.unwrap(), None);
    assert_eq!(check(&t, "s3cret-from-env", "ci-admin").await, SecretCheck::Valid);
    assert_eq!(admin_scopes(&t, "ci-admin").await, ["all"]);

    // A different secret for the same id becomes valid too; the role is restored if removed.
    let current = application::find(t.store.as_ref(), "ci-admin").await.unwrap().unwrap();
    role_application::delete(t.store.as_ref(), ADMIN_ROLE_ID, &current).await.unwrap();
    let rotated = Credentials { client_id: "ci-admin".into(), client_secret: "rotated".into() };
    run(&t.app, Some(&rotated)).await.unwrap();
    assert_eq!(check(&t, "rotated", "ci-admin").await, SecretCheck::Valid);
    assert_eq!(admin_scopes(&t, "ci-admin").await, ["all"]);
    run(&t.app, Some(&rotated)).await.unwrap();
    assert_eq!(application::find(t.store.as_ref(), "ci-admin").await.unwrap().unwrap().value.secrets.len(), 2);
}

#[tokio::test]
async fn a_non_m2m_bootstrap_id_is_refused() {
    let t = TestApp::new(true);
    let spa = ApplicationRecord::new("spa".into(), "spa".into(), ApplicationType::Spa, NOW);
    application::insert(t.store.as_ref(), &spa).await.unwrap();
    let given = Credentials { client_id: "spa".into(), client_secret: "x".into() };
    assert_eq!(run(&t.app, Some(&given)).await, Err(BootstrapError::NotMachineToMachine("spa".into())));
}

#[tokio::test]
async fn the_cli_can_mint_admin_apps() {
    let t = TestApp::new(true);
    let a = create_admin_app(&t.app, "ops").await.unwrap();
    let b = create_admin_app(&t.app, "ops 2").await.unwrap();
    assert_ne!(a.client_id, b.client_id);
    assert_eq!(admin_scopes(&t, &b.client_id).await, ["all"]);
    assert_eq!(check(&t, &a.client_secret, &a.client_id).await, SecretCheck::Valid);
}

#[tokio::test]
async fn the_demo_app_is_seeded_as_logto_builds_it_and_never_listed() {
    let t = TestApp::new(true);
    run(&t.app, None).await.unwrap();
    let demo = application::find(t.store.as_ref(), DEMO_APP_ID).await.unwrap().unwrap().value.app;
    assert_eq!((demo.name.as_str(), demo.app_type), ("Live Preview", ApplicationType::Spa));
    assert_eq!(demo.description.as_deref(), Some("Preview for Sign-in Experience."));
    let uri = format!("{}/demo-app", t.app.config.endpoint);
    assert_eq!(demo.oidc_client_metadata.redirect_uris, std::slice::from_ref(&uri));
    assert_eq!(demo.oidc_client_metadata.post_logout_redirect_uris, [uri]);
    assert!(!demo.is_third_party);
    // Only the admin app is counted and listed, as Logto's applications table holds no demo-app.
    assert_eq!(application::count(t.store.as_ref()).await.unwrap(), 1);
    let listed = application::list(t.store.as_ref(), None).await.unwrap();
    assert!(listed.iter().all(|a| a.app.id != DEMO_APP_ID));
}

#[tokio::test]
async fn the_account_center_app_is_seeded_for_the_account_page_and_never_listed() {
    let t = TestApp::new(true);
    run(&t.app, None).await.unwrap();
    let center = application::find(t.store.as_ref(), ACCOUNT_CENTER_APP_ID).await.unwrap().unwrap().value.app;
    assert_eq!((center.name.as_str(), center.app_type), ("Account Center", ApplicationType::Spa));
    let uri = format!("{}/account", t.app.config.endpoint);
    assert_eq!(center.oidc_client_metadata.redirect_uris, std::slice::from_ref(&uri));
    assert_eq!(center.oidc_client_metadata.post_logout_redirect_uris, [uri]);
    assert!(!center.is_third_party, "first party: the Account API refuses third-party tokens");
    assert_eq!(center.custom_client_metadata.always_issue_refresh_token, Some(true));
    let listed = application::list(t.store.as_ref(), None).await.unwrap();
    assert!(listed.iter().all(|a| a.app.id != ACCOUNT_CENTER_APP_ID));
}

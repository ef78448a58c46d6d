use super::*;
use crate::ports::SeededRng;

fn stored(algorithm: Algorithm, digest: &str) -> Stored {
    Stored { digest: digest.to_owned(), algorithm }
}

#[track_caller]
fn check(algorithm: Algorithm, digest: &str, password: &str, expect: Check) {
    assert_eq!(verify(Some(&stored(algorithm, digest)), password), expect, "{algorithm:?} {digest}");
}

#[test]
fn new_hashes_are_argon2id_at_the_chosen_owasp_row_and_verify() {
    let rng = SeededRng::new(1);
    let new = hash(&rng, "s3cret!").unwrap();
    assert_eq!(new.algorithm, Algorithm::Argon2id);
    assert!(new.digest.starts_with("$argon2id$v=19$m=12288,t=3,p=1$"), "{}", new.digest);
    assert_eq!(verify(Some(&new), "s3cret!"), Check::Valid);
    assert_eq!(verify(Some(&new), "s3cret"), Check::Invalid);
    // A fresh salt per hash.
    assert_ne!(hash(&rng, "s3cret!").unwrap().digest, new.digest);
}

#[test]
fn new_hashes_are_exactly_what_the_argon2_crate_makes_for_that_salt() {
    // `hash` runs on reused working memory (`scratch`); the PHC string must not change.
    let new = hash(&SeededRng::new(2), "s3cret!").unwrap();
    let phc = PasswordHash::new(&new.digest).unwrap();
    let salt = phc.salt.unwrap();
    let crate_argon2id = argon2::Argon2::new(
        argon2::Algorithm::Argon2id,
        argon2::Version::V0x13,
        argon2::Params::new(PARAMS.0, PARAMS.1, PARAMS.2, Some(OUTPUT_LEN)).unwrap(),
    );
    let expected = argon2::PasswordHasher::hash_password_with_salt(&crate_argon2id, b"s3cret!", salt.as_ref())
        .unwrap()
        .to_string();
    assert_eq!(new.digest, expected);
    // And the crate's own verifier accepts what ours accepts.
    assert!(argon2::PasswordVerifier::verify_password(&argon2::Argon2::default(), b"s3cret!", &phc).is_ok());
}

#[test]
fn argon2d_and_version_0x10_digests_verify() {
    use argon2::{Algorithm as Variant, Params, Version};
    for (variant, version) in [(Variant::Argon2d, Version::V0x13), (Variant::Argon2id, Version::V0x10)] {
        let argon = argon2::Argon2::new(variant, version, Params::new(64, 2, 2, Some(24)).unwrap());
        let phc =
            argon2::PasswordHasher::hash_password_with_salt(&argon, b"pw", b"0123456789abcdef").unwrap().to_string();
        let algorithm = if variant == Variant::Argon2d { Algorithm::Argon2d } else { Algorithm::Argon2id };
        check(algorithm, &phc, "pw", Check::Upgrade);
        check(algorithm, &phc, "px", Check::Invalid);
    }
}

#[test]
fn logtos_own_argon2i_hash_verifies_and_asks_for_an_upgrade() {
    // Logto's decoy hash (`user-password-verification.ts`) of `logto-decoy-do-not-use`.
    let logto = "$argon2i$v=19$m=8192,t=8,p=1$bG9ndG8tZGVjb3ktc2FsdA$mH8wiuxK7kCjJZJRxvXCN5BxUczufmGgV1stRYErj6w";
    check(Algorithm::Argon2i, logto, "logto-decoy-do-not-use", Check::Upgrade);
    check(Algorithm::Argon2i, logto, "logto-decoy", Check::Invalid);
}

#[test]
fn weaker_argon2id_is_upgraded() {
    let weak = argon2::Argon2::new(
        argon2::Algorithm::Argon2id,
        argon2::Version::V0x13,
        argon2::Params::new(8, 1, 1, Some(32)).unwrap(),
    );
    let phc = argon2::PasswordHasher::hash_password_with_salt(&weak, b"pw", b"0123456789abcdef").unwrap().to_string();
    check(Algorithm::Argon2id, &phc, "pw", Check::Upgrade);
    check(Algorithm::Argon2id, &phc, "px", Check::Invalid);
}

#[test]
fn unsalted_legacy_digests_compare_lowercase_hex_of_the_password() {
    check(Algorithm::Md5, "5f4dcc3b5aa765d61d8327deb882cf99", "password", Check::Upgrade);
    check(Algorithm::Sha1, "5baa61e4c9b93f3f0682250b6cf8331b7ee68fd8", "password", Check::Upgrade);
    check(
        Algorithm::Sha256,
        "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8",
        "password",
        Check::Upgrade,
    );
    check(Algorithm::Md5, "5f4dcc3b5aa765d61d8327deb882cf99", "Password", Check::Invalid);
    // Logto compares strings exactly (hash-wasm gives lowercase).
    check(Algorithm::Md5, "5F4DCC3B5AA765D61D8327DEB882CF99", "password", Check::Invalid);
}

#[test]
fn bcrypt_digests_verify() {
    // jBCrypt's test vectors.
    check(Algorithm::Bcrypt, "$2a$06$DCq7YPn5Rq63x1Lad4cll.TV4S6ytwfsfvkgY8jIucDrjc8deX1s.", "", Check::Upgrade);
    check(Algorithm::Bcrypt, "$2a$06$If6bvum7DFjUnE9p2uDeDu0YHzrHM6tf.iqN8.yx.jNN1ILEf7h0i", "abc", Check::Upgrade);
    check(Algorithm::Bcrypt, "$2b$06$If6bvum7DFjUnE9p2uDeDu0YHzrHM6tf.iqN8.yx.jNN1ILEf7h0i", "abc", Check::Upgrade);
    check(Algorithm::Bcrypt, "$2a$06$If6bvum7DFjUnE9p2uDeDu0YHzrHM6tf.iqN8.yx.jNN1ILEf7h0i", "abd", Check::Invalid);
    check(Algorithm::Bcrypt, "$2a$06$If6bvum7DFjUnE9p2uDeDu0YHzrHM6tf", "abc", Check::Invalid);
    check(Algorithm::Bcrypt, "$2a$99$If6bvum7DFjUnE9p2uDeDu0YHzrHM6tf.iqN8.yx.jNN1ILEf7h0i", "abc", Check::Invalid);
}

#[test]
fn logto_legacy_expressions_verify() {
    let sha = r#"["sha256", ["salt123", "@"], "d833bc9900084e742ac71366b0f4f987beb70e8cd8b21a9baf999acc5079437f"]"#;
    check(Algorithm::Legacy, sha, "password", Check::Upgrade);
    check(Algorithm::Legacy, sha, "passwore", Check::Invalid);
    let pbkdf2 = r#"["pbkdf2", ["hex:0a0b0c", "1000", "32", "sha512", "@"], "0c2d3c9b6a25dbc2aeb0307e77934f58dc763da0c80c4ccd0778774f71496385"]"#;
    check(Algorithm::Legacy, pbkdf2, "password", Check::Upgrade);
    let pbkdf2_text_salt = r#"["pbkdf2Sync", ["mysalt", "1000", "32", "sha256", "@"], "84df6271282f5d145ef9822f64cff311afec3bfb96ec0953f7b60c9cdf9dcaab"]"#;
    check(Algorithm::Legacy, pbkdf2_text_salt, "password", Check::Upgrade);
    check(Algorithm::Legacy, pbkdf2_text_salt, "Password", Check::Invalid);
}

#[test]
fn imports_check_the_legacy_expression_only() {
    assert_eq!(check_import("anything", Algorithm::Bcrypt).unwrap().digest, "anything");
    assert_eq!(check_import("not json", Algorithm::Legacy), Err(ImportError::InvalidLegacyFormat));
    assert_eq!(check_import(r#"["sha256", ["salt"], "x"]"#, Algorithm::Legacy), Err(ImportError::InvalidLegacyFormat));
    assert_eq!(
        check_import(r#"["whirlpool9", ["@"], "x"]"#, Algorithm::Legacy),
        Err(ImportError::UnsupportedLegacyAlgorithm("whirlpool9".into()))
    );
    assert_eq!(
        check_import(r#"["pbkdf2", ["hex:abc", "1", "1", "sha1", "@"], "x"]"#, Algorithm::Legacy),
        Err(ImportError::InvalidLegacyFormat)
    );
    assert!(check_import(r#"["md5", ["@", "pepper"], "x"]"#, Algorithm::Legacy).is_ok());
}

#[test]
fn unusable_digests_and_missing_passwords_are_mismatches() {
    assert_eq!(verify(None, "x"), Check::Invalid);
    check(Algorithm::Argon2i, "garbage", "x", Check::Invalid);
    // Absurd imported parameters are refused rather than run.
    check(
        Algorithm::Argon2id,
        "$argon2id$v=19$m=4194304,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g",
        "x",
        Check::Invalid,
    );
}

#[test]
fn wire_names_are_logtos() {
    for a in Algorithm::ALL {
        assert_eq!(serde_json::to_value(a).unwrap(), serde_json::Value::String(a.as_str().into()));
        assert_eq!(Algorithm::parse(a.as_str()), Some(a));
    }
    assert_eq!(Algorithm::parse("sha1"), None);
}

#[test]
fn argon2_phc_parameters_are_read_as_the_argon2_crate_reads_them() {
    // Associated data (`data=`) is hashed in and a key id (`keyid=`) is ignored, as the crate
    // does; an unknown parameter makes the digest unusable rather than being skipped.
    let mut params = argon2::ParamsBuilder::new();
    params.m_cost(32).t_cost(2).p_cost(3).output_len(20);
    params.data(argon2::AssociatedData::new(b"tenant-7").unwrap());
    params.keyid(argon2::KeyId::new(b"k1").unwrap());
    let argon = argon2::Argon2::new(argon2::Algorithm::Argon2i, argon2::Version::V0x13, params.build().unwrap());
    let phc = argon2::PasswordHasher::hash_password_with_salt(&argon, b"pw", b"0123456789abcdef").unwrap().to_string();
    assert!(phc.contains(",keyid=") && phc.contains(",data="), "{phc}");
    check(Algorithm::Argon2i, &phc, "pw", Check::Upgrade);
    check(Algorithm::Argon2i, &phc, "px", Check::Invalid);
    check(Algorithm::Argon2i, &phc.replace(",data=", ",dada="), "pw", Check::Invalid);
    // Without the data the digest is a different one.
    let start = phc.find(",keyid=").unwrap();
    let end = start + phc[start..].find('$').unwrap();
    let without = format!("{}{}", &phc[..start], &phc[end..]);
    check(Algorithm::Argon2i, &without, "pw", Check::Invalid);
}

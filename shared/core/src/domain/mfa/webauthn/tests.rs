//! Real vectors: each test makes its own authenticator (ring keys: P-256, RSA-2048, Ed25519),
//! builds the authenticator data, client data and attestation object byte by byte as an
//! authenticator and a browser would, and checks the relying party's verdict; then tampers
//! with one part at a time.

use ring::rand::SystemRandom;
use ring::signature::{
    ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair, Ed25519KeyPair, KeyPair as _, RSA_PKCS1_SHA256, RsaKeyPair,
};

use super::*;
use crate::ports::RingCrypto;

const RP_ID: &str = "localhost";
const ORIGIN: &str = "http://localhost:3001";
const CHALLENGE: &str = "c2VydmVyLWNoYWxsZW5nZS0zMi1ieXRlcy1sb25nISE";
const USER_ID: &str = "user-1";

fn origins() -> Vec<String> {
    vec![ORIGIN.to_owned()]
}

pub(crate) enum Signer {
    Ec(EcdsaKeyPair),
    Rsa(RsaKeyPair, Vec<u8>, Vec<u8>),
    Ed(Ed25519KeyPair),
}

/// A software authenticator: one credential, a signature counter, and knobs to misbehave.
pub(crate) struct Authenticator {
    pub signer: Signer,
    pub credential_id: Vec<u8>,
    pub counter: u32,
    pub flags: u8,
    pub rp_id: String,
    pub user_id: String,
}

impl Authenticator {
    pub fn es256() -> Self {
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &rng).unwrap();
        let key = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8.as_ref(), &rng).unwrap();
        Self::with(Signer::Ec(key))
    }

    async fn rs256() -> Self {
        let generated = RingCrypto::new().generate_key(Alg::RS256).await.unwrap();
        let key = RsaKeyPair::from_pkcs8(&generated.pkcs8).unwrap();
        let n = unb64(generated.public.n.as_deref().unwrap()).unwrap();
        let e = unb64(generated.public.e.as_deref().unwrap()).unwrap();
        Self::with(Signer::Rsa(key, n, e))
    }

    fn ed25519() -> Self {
        let pkcs8 = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new()).unwrap();
        Self::with(Signer::Ed(Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).unwrap()))
    }

    fn with(signer: Signer) -> Self {
        Self {
            signer,
            credential_id: b"credential-0123456789".to_vec(),
            counter: 0,
            flags: FLAG_UP | FLAG_UV,
            rp_id: RP_ID.to_owned(),
            user_id: USER_ID.to_owned(),
        }
    }

    fn cose_alg(&self) -> i64 {
        match self.signer {
            Signer::Ec(_) => COSE_ES256,
            Signer::Rsa(..) => COSE_RS256,
            Signer::Ed(_) => COSE_EDDSA,
        }
    }

    pub fn cose_key(&self) -> Vec<u8> {
        let mut e = minicbor::Encoder::new(Vec::new());
        match &self.signer {
            Signer::Ec(key) => {
                let point = key.public_key().as_ref();
                e.map(5).unwrap().i8(1).unwrap().i8(2).unwrap().i8(3).unwrap().i8(-7).unwrap();
                e.i8(-1).unwrap().i8(1).unwrap();
                e.i8(-2).unwrap().bytes(&point[1..33]).unwrap();
                e.i8(-3).unwrap().bytes(&point[33..65]).unwrap();
            }
            Signer::Rsa(_, n, exp) => {
                e.map(4).unwrap().i8(1).unwrap().i8(3).unwrap().i8(3).unwrap().i16(-257).unwrap();
                e.i8(-1).unwrap().bytes(n).unwrap().i8(-2).unwrap().bytes(exp).unwrap();
            }
            Signer::Ed(key) => {
                e.map(4).unwrap().i8(1).unwrap().i8(1).unwrap().i8(3).unwrap().i8(-8).unwrap();
                e.i8(-1).unwrap().i8(6).unwrap().i8(-2).unwrap().bytes(key.public_key().as_ref()).unwrap();
            }
        }
        e.into_writer()
    }

    fn sign(&self, msg: &[u8]) -> Vec<u8> {
        let rng = SystemRandom::new();
        match &self.signer {
            Signer::Ec(key) => key.sign(&rng, msg).unwrap().as_ref().to_vec(),
            Signer::Rsa(key, ..) => {
                let mut sig = vec![0; key.public().modulus_len()];
                key.sign(&RSA_PKCS1_SHA256, &rng, msg, &mut sig).unwrap();
                sig
            }
            Signer::Ed(key) => key.sign(msg).as_ref().to_vec(),
        }
    }

    fn auth_data(&self, attested: bool) -> Vec<u8> {
        let mut out = Sha256::digest(self.rp_id.as_bytes()).to_vec();
        out.push(self.flags | if attested { FLAG_AT } else { 0 });
        out.extend_from_slice(&self.counter.to_be_bytes());
        if attested {
            out.extend_from_slice(&[0u8; 16]);
            out.extend_from_slice(&(self.credential_id.len() as u16).to_be_bytes());
            out.extend_from_slice(&self.credential_id);
            out.extend_from_slice(&self.cose_key());
        }
        out
    }
}

fn client_data(kind: &str, challenge: &str, origin: &str) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({
        "type": kind, "challenge": challenge, "origin": origin, "crossOrigin": false,
    }))
    .unwrap()
}

/// `{fmt, attStmt, authData}` with the statement given as already-encoded CBOR.
fn attestation_object(fmt: &str, statement: &[u8], auth_data: &[u8]) -> Vec<u8> {
    let mut e = minicbor::Encoder::new(Vec::new());
    e.map(3).unwrap().str("fmt").unwrap().str(fmt).unwrap().str("attStmt").unwrap();
    let mut out = e.into_writer();
    out.extend_from_slice(statement);
    let mut e = minicbor::Encoder::new(out);
    e.str("authData").unwrap().bytes(auth_data).unwrap();
    e.into_writer()
}

fn empty_map() -> Vec<u8> {
    vec![0xa0]
}

fn packed_self(alg: i64, sig: &[u8]) -> Vec<u8> {
    let mut e = minicbor::Encoder::new(Vec::new());
    e.map(2).unwrap().str("alg").unwrap().i64(alg).unwrap().str("sig").unwrap().bytes(sig).unwrap();
    e.into_writer()
}

fn registration(authenticator: &Authenticator, client_data_json: &[u8], attestation: &[u8]) -> RegistrationPayload {
    let id = b64(&authenticator.credential_id);
    RegistrationPayload {
        kind: PayloadType::WebAuthn,
        id: id.clone(),
        raw_id: id,
        response: AttestationResponse {
            client_data_json: b64(client_data_json),
            attestation_object: b64(attestation),
            authenticator_data: None,
            transports: Some(vec![Transport::Internal]),
            public_key_algorithm: None,
            public_key: None,
        },
        authenticator_attachment: Some(Attachment::Platform),
        client_extension_results: serde_json::Map::new(),
    }
}

/// The honest registration of `authenticator` with attestation `none`.
fn none_registration(authenticator: &Authenticator) -> RegistrationPayload {
    authenticator.register(CHALLENGE, ORIGIN)
}

impl Authenticator {
    /// What `navigator.credentials.create()` answers for these options (attestation `none`).
    pub fn register(&self, challenge: &str, origin: &str) -> RegistrationPayload {
        let client_data_json = client_data("webauthn.create", challenge, origin);
        registration(self, &client_data_json, &attestation_object("none", &empty_map(), &self.auth_data(true)))
    }

    /// What `navigator.credentials.get()` answers for this challenge.
    pub fn assert(&self, challenge: &str, origin: &str) -> AuthenticationPayload {
        let client_data_json = client_data("webauthn.get", challenge, origin);
        let auth_data = self.auth_data(false);
        let mut signed = auth_data.clone();
        signed.extend_from_slice(&Sha256::digest(&client_data_json));
        let id = b64(&self.credential_id);
        AuthenticationPayload {
            kind: PayloadType::WebAuthn,
            id: id.clone(),
            raw_id: id,
            response: AssertionResponse {
                client_data_json: b64(&client_data_json),
                authenticator_data: b64(&auth_data),
                signature: b64(&self.sign(&signed)),
                user_handle: Some(b64(self.user_id.as_bytes())),
            },
            authenticator_attachment: None,
            client_extension_results: serde_json::Map::new(),
        }
    }
}

/// The honest packed self-attestation of `authenticator`.
fn packed_registration(authenticator: &Authenticator) -> RegistrationPayload {
    let client_data_json = client_data("webauthn.create", CHALLENGE, ORIGIN);
    let auth_data = authenticator.auth_data(true);
    let mut signed = auth_data.clone();
    signed.extend_from_slice(&Sha256::digest(&client_data_json));
    let statement = packed_self(authenticator.cose_alg(), &authenticator.sign(&signed));
    registration(authenticator, &client_data_json, &attestation_object("packed", &statement, &auth_data))
}

fn assertion(authenticator: &Authenticator, challenge: &str) -> AuthenticationPayload {
    authenticator.assert(challenge, ORIGIN)
}

async fn register(payload: &RegistrationPayload) -> Result<NewCredential, Refused> {
    let origins = origins();
    let expected = Expected { challenge: CHALLENGE, rp_id: RP_ID, origins: &origins };
    verify_registration(&RingCrypto::new(), payload, &expected).await
}

async fn authenticate(payload: &AuthenticationPayload, stored: &NewCredential) -> Result<u32, Refused> {
    let origins = origins();
    let expected = Expected { challenge: CHALLENGE, rp_id: RP_ID, origins: &origins };
    let stored = StoredCredential {
        credential_id: &stored.credential_id,
        public_key: &stored.public_key,
        counter: stored.counter,
        user_id: USER_ID,
    };
    verify_authentication(&RingCrypto::new(), payload, &expected, &stored).await
}

#[track_caller]
fn refused<T: std::fmt::Debug>(result: Result<T, Refused>, why: &str) {
    match result {
        Err(Refused::Invalid(reason)) => assert_eq!(reason, why),
        other => panic!("expected a refusal ({why}), got {other:?}"),
    }
}

#[tokio::test]
async fn es256_registers_with_none_attestation_and_then_authenticates() {
    let mut authenticator = Authenticator::es256();
    let credential = register(&none_registration(&authenticator)).await.unwrap();
    assert_eq!(credential.credential_id, b64(b"credential-0123456789"));
    assert_eq!(unb64(&credential.public_key).unwrap(), authenticator.cose_key());
    assert_eq!(credential.counter, 0);
    assert_eq!(credential.transports, vec![Transport::Internal]);
    assert_eq!(credential.format, "none");

    // A passkey without a counter: 0 after 0 is fine.
    assert_eq!(authenticate(&assertion(&authenticator, CHALLENGE), &credential).await.unwrap(), 0);
    authenticator.counter = 7;
    assert_eq!(authenticate(&assertion(&authenticator, CHALLENGE), &credential).await.unwrap(), 7);
}

#[tokio::test]
async fn packed_self_attestation_is_verified_for_every_key_type() {
    for authenticator in [Authenticator::es256(), Authenticator::rs256().await, Authenticator::ed25519()] {
        let credential = register(&packed_registration(&authenticator)).await.unwrap();
        assert_eq!(credential.format, "packed");
        assert_eq!(authenticate(&assertion(&authenticator, CHALLENGE), &credential).await.unwrap(), 0);

        // Another key of the same type signs nothing for this credential.
        let mut impostor = match authenticator.signer {
            Signer::Ec(_) => Authenticator::es256(),
            Signer::Rsa(..) => Authenticator::rs256().await,
            Signer::Ed(_) => Authenticator::ed25519(),
        };
        impostor.credential_id = authenticator.credential_id.clone();
        refused(authenticate(&assertion(&impostor, CHALLENGE), &credential).await, "assertion signature is invalid");
    }
}

#[tokio::test]
async fn a_tampered_registration_is_refused() {
    let authenticator = Authenticator::es256();
    let good_client_data = client_data("webauthn.create", CHALLENGE, ORIGIN);
    let good_auth_data = authenticator.auth_data(true);
    let none = |client_data_json: &[u8], auth_data: &[u8]| {
        registration(&authenticator, client_data_json, &attestation_object("none", &empty_map(), auth_data))
    };

    // Client data: ceremony type, challenge, origin, cross-origin, not JSON.
    let cases: Vec<(RegistrationPayload, &str)> = vec![
        (
            none(&client_data("webauthn.get", CHALLENGE, ORIGIN), &good_auth_data),
            "clientDataJSON type is wrong for this ceremony",
        ),
        (none(&client_data("webauthn.create", "b3RoZXI", ORIGIN), &good_auth_data), "challenge does not match"),
        (
            none(&client_data("webauthn.create", CHALLENGE, "https://evil.example"), &good_auth_data),
            "origin is not allowed",
        ),
        (
            none(
                &serde_json::to_vec(&serde_json::json!({
                    "type": "webauthn.create", "challenge": CHALLENGE, "origin": ORIGIN, "crossOrigin": true,
                }))
                .unwrap(),
                &good_auth_data,
            ),
            "cross-origin ceremonies are not accepted",
        ),
        (none(b"not json", &good_auth_data), "clientDataJSON is not the expected JSON"),
    ];
    for (payload, why) in cases {
        refused(register(&payload).await, why);
    }

    // Authenticator data: another relying party, no user presence, no user verification,
    // trailing bytes, truncated, no attested credential.
    let other_rp = Authenticator { rp_id: "evil.example".into(), ..Authenticator::es256() };
    refused(
        register(&none(&good_client_data, &other_rp.auth_data(true))).await,
        "rpIdHash does not match the relying party",
    );
    let mut no_up = good_auth_data.clone();
    no_up[32] &= !FLAG_UP;
    refused(register(&none(&good_client_data, &no_up)).await, "user was not present");
    let mut no_uv = good_auth_data.clone();
    no_uv[32] &= !FLAG_UV;
    refused(register(&none(&good_client_data, &no_uv)).await, "user was not verified");
    let mut trailing = good_auth_data.clone();
    trailing.push(0);
    refused(register(&none(&good_client_data, &trailing)).await, "authenticator data has trailing bytes");
    refused(
        register(&none(&good_client_data, &good_auth_data[..good_auth_data.len() - 3])).await,
        "malformed CBOR in authenticator data",
    );
    refused(register(&none(&good_client_data, &good_auth_data[..20])).await, "authenticator data is too short");
    refused(
        register(&none(&good_client_data, &authenticator.auth_data(false))).await,
        "authenticator data has no attested credential",
    );

    // The id the browser names must be the credential in the authenticator data.
    let mut other_id = none_registration(&authenticator);
    other_id.id = b64(b"another-credential");
    other_id.raw_id = other_id.id.clone();
    refused(register(&other_id).await, "credential id does not match the authenticator data");
    let mut mismatched = none_registration(&authenticator);
    mismatched.raw_id = b64(b"x");
    refused(register(&mismatched).await, "credential id and rawId differ");

    // Attestation statements: none with a statement, unknown formats, packed with a bad
    // signature, with another algorithm, with a certificate chain.
    let statement = packed_self(COSE_ES256, b"sig");
    refused(
        register(&registration(
            &authenticator,
            &good_client_data,
            &attestation_object("none", &statement, &good_auth_data),
        ))
        .await,
        "attestation format none carries a statement",
    );
    refused(
        register(&registration(
            &authenticator,
            &good_client_data,
            &attestation_object("fido-u2f", &empty_map(), &good_auth_data),
        ))
        .await,
        "unsupported attestation format",
    );
    let mut packed = packed_registration(&authenticator);
    let mut object = unb64(&packed.response.attestation_object).unwrap();
    // The signature sits right before "authData"; flip a bit inside it.
    let at = object.windows(8).position(|w| w == b"authData").unwrap() - 4;
    object[at] ^= 1;
    packed.response.attestation_object = b64(&object);
    refused(register(&packed).await, "packed self-attestation signature is invalid");
    let wrong_alg = attestation_object("packed", &packed_self(COSE_RS256, b"sig"), &good_auth_data);
    refused(
        register(&registration(&authenticator, &good_client_data, &wrong_alg)).await,
        "packed self-attestation algorithm differs from the credential's",
    );
    let mut e = minicbor::Encoder::new(Vec::new());
    e.map(3).unwrap().str("alg").unwrap().i64(COSE_ES256).unwrap().str("sig").unwrap().bytes(b"s").unwrap();
    e.str("x5c").unwrap().array(1).unwrap().bytes(b"certificate").unwrap();
    refused(
        register(&registration(
            &authenticator,
            &good_client_data,
            &attestation_object("packed", &e.into_writer(), &good_auth_data),
        ))
        .await,
        "packed attestation with a certificate chain is not accepted",
    );

    // Not CBOR, not base64url.
    refused(
        register(&registration(&authenticator, &good_client_data, b"garbage")).await,
        "attestationObject is not the expected CBOR",
    );
    let mut not_b64 = none_registration(&authenticator);
    not_b64.response.client_data_json = "*".into();
    refused(register(&not_b64).await, "clientDataJSON is not base64url");
}

#[tokio::test]
async fn an_unsupported_or_weak_credential_key_is_refused() {
    let authenticator = Authenticator::es256();
    let client_data_json = client_data("webauthn.create", CHALLENGE, ORIGIN);
    let with_key = |cose: Vec<u8>| {
        let mut auth_data = Sha256::digest(RP_ID.as_bytes()).to_vec();
        auth_data.push(FLAG_UP | FLAG_UV | FLAG_AT);
        auth_data.extend_from_slice(&0u32.to_be_bytes());
        auth_data.extend_from_slice(&[0u8; 16]);
        auth_data.extend_from_slice(&(authenticator.credential_id.len() as u16).to_be_bytes());
        auth_data.extend_from_slice(&authenticator.credential_id);
        auth_data.extend_from_slice(&cose);
        registration(&authenticator, &client_data_json, &attestation_object("none", &empty_map(), &auth_data))
    };
    // ES256 on the wrong curve (P-384's id), short coordinates, an RSA key of 1024 bits,
    // an unknown algorithm.
    let mut e = minicbor::Encoder::new(Vec::new());
    e.map(5).unwrap().i8(1).unwrap().i8(2).unwrap().i8(3).unwrap().i8(-7).unwrap().i8(-1).unwrap().i8(2).unwrap();
    e.i8(-2).unwrap().bytes(&[1; 32]).unwrap().i8(-3).unwrap().bytes(&[2; 32]).unwrap();
    let wrong_curve = e.into_writer();
    let mut e = minicbor::Encoder::new(Vec::new());
    e.map(5).unwrap().i8(1).unwrap().i8(2).unwrap().i8(3).unwrap().i8(-7).unwrap().i8(-1).unwrap().i8(1).unwrap();
    e.i8(-2).unwrap().bytes(&[1; 31]).unwrap().i8(-3).unwrap().bytes(&[2; 32]).unwrap();
    let short = e.into_writer();
    let mut e = minicbor::Encoder::new(Vec::new());
    e.map(4).unwrap().i8(1).unwrap().i8(3).unwrap().i8(3).unwrap().i16(-257).unwrap();
    e.i8(-1).unwrap().bytes(&[0xc1; 128]).unwrap().i8(-2).unwrap().bytes(&[1, 0, 1]).unwrap();
    let weak_rsa = e.into_writer();
    let mut e = minicbor::Encoder::new(Vec::new());
    e.map(2).unwrap().i8(1).unwrap().i8(2).unwrap().i8(3).unwrap().i16(-260).unwrap();
    let unknown = e.into_writer();
    for cose in [wrong_curve, short, weak_rsa, unknown] {
        refused(register(&with_key(cose)).await, "credential public key is not a supported COSE key");
    }
}

#[tokio::test]
async fn a_tampered_or_replayed_assertion_is_refused() {
    let mut authenticator = Authenticator::es256();
    authenticator.counter = 5;
    let credential = register(&none_registration(&authenticator)).await.unwrap();
    assert_eq!(credential.counter, 5);

    // The counter must move forward once it is in use: same value or lower is a clone.
    refused(
        authenticate(&assertion(&authenticator, CHALLENGE), &credential).await,
        "signature counter did not increase",
    );
    authenticator.counter = 6;
    let good = assertion(&authenticator, CHALLENGE);
    assert_eq!(authenticate(&good, &credential).await.unwrap(), 6);
    authenticator.counter = 0;
    refused(
        authenticate(&assertion(&authenticator, CHALLENGE), &credential).await,
        "signature counter did not increase",
    );

    // Another challenge (e.g. the one of an earlier ceremony), ceremony type, origin.
    authenticator.counter = 6;
    refused(authenticate(&assertion(&authenticator, "b2xk"), &credential).await, "challenge does not match");
    let mut create = good.clone();
    create.response.client_data_json = b64(&client_data("webauthn.create", CHALLENGE, ORIGIN));
    refused(authenticate(&create, &credential).await, "clientDataJSON type is wrong for this ceremony");
    let mut foreign = good.clone();
    foreign.response.client_data_json = b64(&client_data("webauthn.get", CHALLENGE, "http://localhost:9999"));
    refused(authenticate(&foreign, &credential).await, "origin is not allowed");

    // Client data swapped for other valid client data: the signature no longer covers it.
    let mut swapped = good.clone();
    swapped.response.client_data_json = b64(&serde_json::to_vec(
        &serde_json::json!({"type": "webauthn.get", "challenge": CHALLENGE, "origin": ORIGIN}),
    )
    .unwrap());
    refused(authenticate(&swapped, &credential).await, "assertion signature is invalid");
    // A flag bit flipped in the authenticator data (here: backup eligible) breaks the signature.
    let mut flipped = good.clone();
    let mut auth_data = unb64(&flipped.response.authenticator_data).unwrap();
    auth_data[32] |= FLAG_BE;
    flipped.response.authenticator_data = b64(&auth_data);
    refused(authenticate(&flipped, &credential).await, "assertion signature is invalid");
    // ... and the relying party check comes before the signature.
    let mut other_rp = good.clone();
    let mut auth_data = unb64(&other_rp.response.authenticator_data).unwrap();
    auth_data[0] ^= 1;
    other_rp.response.authenticator_data = b64(&auth_data);
    refused(authenticate(&other_rp, &credential).await, "rpIdHash does not match the relying party");
    let mut no_uv = good.clone();
    let mut auth_data = unb64(&no_uv.response.authenticator_data).unwrap();
    auth_data[32] &= !FLAG_UV;
    no_uv.response.authenticator_data = b64(&auth_data);
    refused(authenticate(&no_uv, &credential).await, "user was not verified");
    // A signature bit flipped; a signature that is not DER.
    let mut bad_sig = good.clone();
    let mut sig = unb64(&bad_sig.response.signature).unwrap();
    let last = sig.len() - 1;
    sig[last] ^= 1;
    bad_sig.response.signature = b64(&sig);
    refused(authenticate(&bad_sig, &credential).await, "assertion signature is invalid");
    let mut raw_sig = good.clone();
    raw_sig.response.signature = b64(&[7u8; 64]);
    refused(authenticate(&raw_sig, &credential).await, "assertion signature is invalid");

    // Another credential id, another user's handle.
    let mut other_id = good.clone();
    other_id.id = b64(b"another");
    other_id.raw_id = other_id.id.clone();
    refused(authenticate(&other_id, &credential).await, "credential id is not the stored credential");
    let mut other_user = good.clone();
    other_user.response.user_handle = Some(b64(b"user-2"));
    refused(authenticate(&other_user, &credential).await, "userHandle names another user");
    // No handle at all is fine (non-discoverable credentials send none).
    let mut no_handle = good.clone();
    no_handle.response.user_handle = None;
    assert_eq!(authenticate(&no_handle, &credential).await.unwrap(), 6);
}

#[test]
fn der_signatures_become_fixed_size() {
    // r with a sign byte, s short: both left-padded to 32 bytes.
    let mut der = vec![0x30, 0x27, 0x02, 0x21, 0x00];
    der.extend_from_slice(&[0x80; 32]);
    der.extend_from_slice(&[0x02, 0x02, 0x01, 0x02]);
    let fixed = der_signature_to_fixed(&der, 32).unwrap();
    assert_eq!(&fixed[..32], &[0x80; 32]);
    assert_eq!(&fixed[32..62], &[0; 30]);
    assert_eq!(&fixed[62..], &[1, 2]);
    // Too long, negative, trailing bytes, wrong tag.
    let mut long = vec![0x30, 0x27, 0x02, 0x21];
    long.extend_from_slice(&[0x01; 33]);
    long.extend_from_slice(&[0x02, 0x02, 0x01, 0x02]);
    assert!(der_signature_to_fixed(&long, 32).is_none());
    assert!(der_signature_to_fixed(&[0x30, 0x06, 0x02, 0x01, 0x80, 0x02, 0x01, 0x01], 32).is_none());
    assert!(der_signature_to_fixed(&[0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01, 0x00], 32).is_none());
    assert!(der_signature_to_fixed(&[0x31, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01], 32).is_none());
}

#[test]
fn options_have_logtos_shape() {
    let user = UserNames {
        id: "u1",
        name: None,
        username: Some("alice"),
        primary_email: Some("alice@example.com"),
        primary_phone: None,
    };
    let options = registration_options(
        "localhost",
        "Y2hhbGxlbmdl".into(),
        &user,
        vec![CredentialDescriptor::new("Y3JlZA", Some(&[Transport::Internal, Transport::SmartCard]))],
    );
    assert_eq!(
        serde_json::to_value(&options).unwrap(),
        serde_json::json!({
            "challenge": "Y2hhbGxlbmdl",
            "rp": {"name": "localhost", "id": "localhost"},
            "user": {"id": "dTE", "name": "alice@example.com", "displayName": "alice@example.com"},
            "pubKeyCredParams": [{"alg": -7, "type": "public-key"}, {"alg": -257, "type": "public-key"}],
            "timeout": 60000,
            "attestation": "none",
            "excludeCredentials": [{"id": "Y3JlZA", "type": "public-key", "transports": ["internal", "smart-card"]}],
            "authenticatorSelection": {"residentKey": "required", "requireResidentKey": true, "userVerification": "required"},
            "extensions": {"credProps": true},
        })
    );
    let options = authentication_options("localhost", "Y2g".into(), vec![CredentialDescriptor::new("Y3JlZA", None)]);
    assert_eq!(
        serde_json::to_value(&options).unwrap(),
        serde_json::json!({
            "rpId": "localhost",
            "challenge": "Y2g",
            "allowCredentials": [{"id": "Y3JlZA", "type": "public-key"}],
            "timeout": 60000,
            "userVerification": "required",
        })
    );
}

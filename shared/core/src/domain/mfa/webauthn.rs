//! WebAuthn Level 2 ceremonies for the relying party (W3C WebAuthn §7.1 registration, §7.2
//! authentication), as Logto runs them through `@simplewebauthn/server` v10
//! (`libraries/verification-helpers/webauthn.ts`): the options the browser passes to
//! `navigator.credentials.create/get`, and the checks on what it sends back.
//!
//! Pure and sans-I/O: the caller keeps the challenge, the relying party and the stored
//! credential; signatures go through the [`Crypto`] port (ring natively, WebCrypto on Workers)
//! for ES256 / ES384 / RS256 and through `ed25519-dalek` (pure Rust) for EdDSA, which the port
//! does not sign with. CBOR (attestation object, COSE keys) is read with `minicbor`.
//!
//! Accepted attestation formats: `none` (what browsers send for Logto's `attestation: "none"`)
//! and `packed` self-attestation (no `x5c`; signed by the credential key itself). Any other
//! format, and `packed` with a certificate chain, is refused: edgeid asks for no attestation and
//! keeps no trust anchors, so a statement it cannot check is not silently accepted.

pub mod credentials;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::jose::{Alg, Jwk, b64, unb64};
use crate::ports::{Crypto, CryptoError};

/// How long the browser may take (Logto's `webAuthnAuthenticationOptionsTimeout`).
pub const TIMEOUT_MS: u64 = 60_000;

/// COSE algorithms offered at registration (Logto: ES256, RS256).
pub const OFFERED_ALGORITHMS: [i64; 2] = [COSE_ES256, COSE_RS256];

const COSE_ES256: i64 = -7;
const COSE_ES384: i64 = -35;
const COSE_EDDSA: i64 = -8;
const COSE_RS256: i64 = -257;

/// Authenticator data flags (§6.1).
const FLAG_UP: u8 = 0x01;
const FLAG_UV: u8 = 0x04;
const FLAG_BE: u8 = 0x08;
const FLAG_BS: u8 = 0x10;
const FLAG_AT: u8 = 0x40;
const FLAG_ED: u8 = 0x80;

/// Credential ids longer than this are refused (§5.1: at most 1023 bytes).
const MAX_CREDENTIAL_ID: usize = 1023;

/// Logto's `webAuthnTransportGuard`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Transport {
    Usb,
    Nfc,
    Ble,
    Internal,
    Cable,
    Hybrid,
    SmartCard,
}

/// Why a ceremony was refused. Routes answer 400 `session.mfa.webauthn_verification_failed`
/// for every one of them; the text is for the log and the error's `data.message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    Invalid(&'static str),
    /// The port failed (never the client's fault): a 500 at the edge.
    Crypto(CryptoError),
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refused::Invalid(why) => f.write_str(why),
            Refused::Crypto(e) => write!(f, "{e}"),
        }
    }
}

fn refuse<T>(why: &'static str) -> Result<T, Refused> {
    Err(Refused::Invalid(why))
}

/// The relying party of this deployment: its id is the configured endpoint's host and the
/// only origin allowed to run a ceremony is the endpoint's origin. (Logto reads both from the
/// request URL; edgeid pins them to `EDGEID_ENDPOINT` so a forged `Host` header cannot name
/// another relying party. They agree whenever the deployment is reached at its endpoint.)
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelyingParty {
    pub id: String,
    pub origins: Vec<String>,
}

impl RelyingParty {
    pub fn of(config: &crate::Config) -> Option<Self> {
        let url = url::Url::parse(&config.endpoint).ok()?;
        let id = url.host_str()?.to_owned();
        Some(Self { id, origins: vec![url.origin().ascii_serialization()] })
    }

    pub fn expect<'a>(&'a self, challenge: &'a str) -> Expected<'a> {
        Expected { challenge, rp_id: &self.id, origins: &self.origins }
    }
}

/// A fresh challenge: 32 random bytes, base64url (simplewebauthn's default size).
pub fn challenge(rng: &dyn crate::ports::Rng) -> String {
    rng.token(32)
}

/// A verified new credential as the interaction (and then the user) keeps it: Logto's
/// `BindWebAuthn` (`registrationInfo` of the verification record, `mfa.webAuthn[]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BindWebAuthn {
    #[serde(rename = "type")]
    pub kind: PayloadType,
    pub rp_id: String,
    pub credential_id: String,
    pub public_key: String,
    pub transports: Vec<Transport>,
    pub counter: u32,
    pub agent: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

impl BindWebAuthn {
    pub fn new(rp_id: &str, credential: NewCredential, agent: &str) -> Self {
        Self {
            kind: PayloadType::WebAuthn,
            rp_id: rp_id.to_owned(),
            credential_id: credential.credential_id,
            public_key: credential.public_key,
            transports: credential.transports,
            counter: credential.counter,
            agent: agent.to_owned(),
            name: None,
        }
    }
}

/// 400 `session.mfa.webauthn_verification_failed` (every refused ceremony); a port failure
/// stays an internal error.
pub fn api_error(refused: Refused) -> crate::error::ApiError {
    match refused {
        Refused::Invalid(why) => verification_failed().with_data(serde_json::json!({ "message": why })),
        Refused::Crypto(e) => crate::error::Internal::Bug(e.to_string()).into(),
    }
}

pub fn verification_failed() -> crate::error::ApiError {
    crate::error::ApiError::new(
        http::StatusCode::BAD_REQUEST,
        "session.mfa.webauthn_verification_failed",
        "WebAuthn verification failed.",
    )
}

/// 400 `session.mfa.webauthn_verification_not_found`: the user has no WebAuthn credential.
pub fn not_found() -> crate::error::ApiError {
    crate::error::ApiError::new(
        http::StatusCode::BAD_REQUEST,
        "session.mfa.webauthn_verification_not_found",
        "WebAuthn verification not found.",
    )
}

/// 400 `session.mfa.pending_info_not_found`: no ceremony was started on this record.
pub fn pending_info_not_found() -> crate::error::ApiError {
    crate::error::ApiError::new(
        http::StatusCode::BAD_REQUEST,
        "session.mfa.pending_info_not_found",
        "Pending MFA info not found, please initiate MFA first.",
    )
}

// ---------------------------------------------------------------------------------------------
// Options (`PublicKeyCredentialCreationOptionsJSON` / `…RequestOptionsJSON` as simplewebauthn
// v10 renders them; field order and omissions as Logto answers).

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RegistrationOptions {
    pub challenge: String,
    pub rp: RelyingPartyEntity,
    pub user: UserEntity,
    pub pub_key_cred_params: Vec<CredentialParameter>,
    pub timeout: u64,
    pub attestation: &'static str,
    pub exclude_credentials: Vec<CredentialDescriptor>,
    pub authenticator_selection: AuthenticatorSelection,
    pub extensions: RegistrationExtensions,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RelyingPartyEntity {
    pub name: String,
    pub id: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UserEntity {
    /// base64url of the user id's UTF-8 bytes (Logto: `Uint8Array.from(Buffer.from(id))`).
    pub id: String,
    pub name: String,
    pub display_name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CredentialParameter {
    pub alg: i64,
    #[serde(rename = "type")]
    pub kind: &'static str,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CredentialDescriptor {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transports: Option<Vec<Transport>>,
}

impl CredentialDescriptor {
    pub fn new(id: &str, transports: Option<&[Transport]>) -> Self {
        Self { id: id.to_owned(), kind: "public-key", transports: transports.map(<[Transport]>::to_vec) }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthenticatorSelection {
    pub resident_key: &'static str,
    pub require_resident_key: bool,
    pub user_verification: &'static str,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RegistrationExtensions {
    pub cred_props: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthenticationOptions {
    pub rp_id: String,
    pub challenge: String,
    pub allow_credentials: Vec<CredentialDescriptor>,
    pub timeout: u64,
    pub user_verification: &'static str,
}

/// Who is registering, as the authenticator will show it.
pub struct UserNames<'a> {
    pub id: &'a str,
    pub name: Option<&'a str>,
    pub username: Option<&'a str>,
    pub primary_email: Option<&'a str>,
    pub primary_phone: Option<&'a str>,
}

/// Logto's `generateWebAuthnRegistrationOptions`: discoverable (resident) credentials with
/// user verification required, so the same credential can later serve as a passkey.
pub fn registration_options(
    rp_id: &str,
    challenge: String,
    user: &UserNames<'_>,
    exclude: Vec<CredentialDescriptor>,
) -> RegistrationOptions {
    const UNNAMED: &str = "Unnamed User";
    // `getUserDisplayName`: name ?? primaryEmail ?? primaryPhone ?? username.
    let contact = user.primary_email.or(user.primary_phone).or(user.username);
    RegistrationOptions {
        challenge,
        rp: RelyingPartyEntity { name: rp_id.to_owned(), id: rp_id.to_owned() },
        user: UserEntity {
            id: b64(user.id.as_bytes()),
            name: contact.unwrap_or(UNNAMED).to_owned(),
            display_name: user.name.or(contact).unwrap_or(UNNAMED).to_owned(),
        },
        pub_key_cred_params: OFFERED_ALGORITHMS
            .iter()
            .map(|&alg| CredentialParameter { alg, kind: "public-key" })
            .collect(),
        timeout: TIMEOUT_MS,
        attestation: "none",
        exclude_credentials: exclude,
        authenticator_selection: AuthenticatorSelection {
            resident_key: "required",
            require_resident_key: true,
            user_verification: "required",
        },
        extensions: RegistrationExtensions { cred_props: true },
    }
}

/// Logto's `generateWebAuthnAuthenticationOptions` (the user is already identified).
pub fn authentication_options(
    rp_id: &str,
    challenge: String,
    allow: Vec<CredentialDescriptor>,
) -> AuthenticationOptions {
    AuthenticationOptions {
        rp_id: rp_id.to_owned(),
        challenge,
        allow_credentials: allow,
        timeout: TIMEOUT_MS,
        user_verification: "required",
    }
}

// ---------------------------------------------------------------------------------------------
// What the browser sends back (Logto's `bindWebAuthnPayloadGuard` /
// `webAuthnVerificationPayloadGuard`; binary members are base64url).

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum PayloadType {
    WebAuthn,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RegistrationPayload {
    #[serde(rename = "type")]
    pub kind: PayloadType,
    pub id: String,
    pub raw_id: String,
    pub response: AttestationResponse,
    #[serde(default)]
    pub authenticator_attachment: Option<Attachment>,
    pub client_extension_results: serde_json::Map<String, serde_json::Value>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AttestationResponse {
    #[serde(rename = "clientDataJSON")]
    pub client_data_json: String,
    pub attestation_object: String,
    #[serde(default)]
    pub authenticator_data: Option<String>,
    #[serde(default)]
    pub transports: Option<Vec<Transport>>,
    #[serde(default)]
    pub public_key_algorithm: Option<i64>,
    #[serde(default)]
    pub public_key: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Attachment {
    CrossPlatform,
    Platform,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthenticationPayload {
    #[serde(rename = "type")]
    pub kind: PayloadType,
    pub id: String,
    pub raw_id: String,
    pub response: AssertionResponse,
    #[serde(default)]
    pub authenticator_attachment: Option<Attachment>,
    pub client_extension_results: serde_json::Map<String, serde_json::Value>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AssertionResponse {
    #[serde(rename = "clientDataJSON")]
    pub client_data_json: String,
    pub authenticator_data: String,
    pub signature: String,
    #[serde(default)]
    pub user_handle: Option<String>,
}

/// What the ceremony must match: the challenge the server issued and kept, the relying party
/// id it named in the options, and the origins allowed to run the ceremony.
pub struct Expected<'a> {
    pub challenge: &'a str,
    pub rp_id: &'a str,
    pub origins: &'a [String],
}

/// A verified new credential, in the fields Logto stores (`BindWebAuthn`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCredential {
    /// base64url of the credential id.
    pub credential_id: String,
    /// base64url of the COSE_Key bytes from the authenticator data.
    pub public_key: String,
    pub counter: u32,
    pub transports: Vec<Transport>,
    /// The attestation format that was checked (`none` or `packed`).
    pub format: &'static str,
}

/// The stored credential an assertion is checked against.
pub struct StoredCredential<'a> {
    pub credential_id: &'a str,
    pub public_key: &'a str,
    pub counter: u32,
    /// The user the credential belongs to (the `user.id` bytes given at registration).
    pub user_id: &'a str,
}

/// §7.1: check a registration response and return the credential to store.
pub async fn verify_registration(
    crypto: &dyn Crypto,
    payload: &RegistrationPayload,
    expected: &Expected<'_>,
) -> Result<NewCredential, Refused> {
    if payload.id != payload.raw_id {
        return refuse("credential id and rawId differ");
    }
    let client_data_json = decode(&payload.response.client_data_json, "clientDataJSON is not base64url")?;
    check_client_data(&client_data_json, "webauthn.create", expected)?;
    let attestation = decode(&payload.response.attestation_object, "attestationObject is not base64url")?;
    let attestation = AttestationObject::parse(&attestation)?;
    let auth = AuthData::parse(attestation.auth_data)?;
    check_auth_data(&auth, expected.rp_id)?;
    let Some(attested) = &auth.attested else {
        return refuse("authenticator data has no attested credential");
    };
    if unb64(&payload.id).as_deref() != Some(attested.credential_id) {
        return refuse("credential id does not match the authenticator data");
    }
    let key = CoseKey::parse(attested.public_key)?;

    let client_data_hash = Sha256::digest(&client_data_json);
    let format = match attestation.fmt {
        "none" => {
            if attestation.statement_entries != 0 {
                return refuse("attestation format none carries a statement");
            }
            "none"
        }
        "packed" => {
            let statement = PackedStatement::parse(attestation.statement)?;
            if statement.has_x5c {
                return refuse("packed attestation with a certificate chain is not accepted");
            }
            if statement.alg != key.alg() {
                return refuse("packed self-attestation algorithm differs from the credential's");
            }
            let mut signed = Vec::with_capacity(attestation.auth_data.len() + 32);
            signed.extend_from_slice(attestation.auth_data);
            signed.extend_from_slice(&client_data_hash);
            if !key.verify(crypto, &signed, statement.sig).await? {
                return refuse("packed self-attestation signature is invalid");
            }
            "packed"
        }
        _ => return refuse("unsupported attestation format"),
    };

    Ok(NewCredential {
        credential_id: b64(attested.credential_id),
        public_key: b64(attested.public_key),
        counter: auth.counter,
        transports: payload.response.transports.clone().unwrap_or_default(),
        format,
    })
}

/// §7.2: check an assertion against the stored credential; the new signature counter.
pub async fn verify_authentication(
    crypto: &dyn Crypto,
    payload: &AuthenticationPayload,
    expected: &Expected<'_>,
    stored: &StoredCredential<'_>,
) -> Result<u32, Refused> {
    if payload.id != payload.raw_id || payload.id != stored.credential_id {
        return refuse("credential id is not the stored credential");
    }
    if let Some(handle) = &payload.response.user_handle
        && !handle.is_empty()
        && unb64(handle).as_deref() != Some(stored.user_id.as_bytes())
    {
        return refuse("userHandle names another user");
    }
    let client_data_json = decode(&payload.response.client_data_json, "clientDataJSON is not base64url")?;
    check_client_data(&client_data_json, "webauthn.get", expected)?;
    let auth_bytes = decode(&payload.response.authenticator_data, "authenticatorData is not base64url")?;
    let auth = AuthData::parse(&auth_bytes)?;
    check_auth_data(&auth, expected.rp_id)?;
    let counter = auth.counter;
    // A counter that does not move forward means a cloned authenticator (§6.1.1); authenticators
    // that keep no counter (most passkeys) report 0 every time.
    if (counter > 0 || stored.counter > 0) && counter <= stored.counter {
        return refuse("signature counter did not increase");
    }
    let public_key = decode(stored.public_key, "stored public key is not base64url")?;
    let key = CoseKey::parse(&public_key)?;
    let signature = decode(&payload.response.signature, "signature is not base64url")?;
    let mut signed = auth_bytes;
    signed.extend_from_slice(&Sha256::digest(&client_data_json));
    if !key.verify(crypto, &signed, &signature).await? {
        return refuse("assertion signature is invalid");
    }
    Ok(counter)
}

fn decode(text: &str, why: &'static str) -> Result<Vec<u8>, Refused> {
    // Browsers' `toJSON()` and simplewebauthn emit base64url without padding; tolerate padding
    // like simplewebauthn's `isoBase64URL.toBuffer` does.
    unb64(text.trim_end_matches('=')).ok_or(Refused::Invalid(why))
}

// ---------------------------------------------------------------------------------------------
// Client data (§5.8.1).

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ClientData {
    #[serde(rename = "type")]
    kind: String,
    challenge: String,
    origin: String,
    #[serde(default)]
    cross_origin: Option<bool>,
    #[serde(default)]
    token_binding: Option<TokenBinding>,
}

#[derive(Deserialize)]
struct TokenBinding {
    status: String,
}

fn check_client_data(json: &[u8], kind: &str, expected: &Expected<'_>) -> Result<(), Refused> {
    let data: ClientData =
        serde_json::from_slice(json).map_err(|_| Refused::Invalid("clientDataJSON is not the expected JSON"))?;
    if data.kind != kind {
        return refuse("clientDataJSON type is wrong for this ceremony");
    }
    // Constant time is not needed (the challenge is public to the browser), but equality is
    // exact: base64url text as issued.
    if data.challenge != expected.challenge {
        return refuse("challenge does not match");
    }
    if !expected.origins.contains(&data.origin) {
        return refuse("origin is not allowed");
    }
    if data.cross_origin == Some(true) {
        return refuse("cross-origin ceremonies are not accepted");
    }
    if let Some(binding) = data.token_binding
        && !matches!(binding.status.as_str(), "present" | "supported" | "not-supported")
    {
        return refuse("tokenBinding status is invalid");
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Authenticator data (§6.1).

struct AuthData<'a> {
    rp_id_hash: &'a [u8],
    flags: u8,
    counter: u32,
    attested: Option<AttestedCredential<'a>>,
}

struct AttestedCredential<'a> {
    credential_id: &'a [u8],
    /// The COSE_Key bytes exactly as the authenticator wrote them.
    public_key: &'a [u8],
}

impl<'a> AuthData<'a> {
    fn parse(bytes: &'a [u8]) -> Result<Self, Refused> {
        let (Some(rp_id_hash), Some(&flags), Some(counter), rest) =
            (bytes.get(..32), bytes.get(32), bytes.get(33..37), bytes.get(37..).unwrap_or_default())
        else {
            return refuse("authenticator data is too short");
        };
        let counter = u32::from_be_bytes(counter.try_into().map_err(|_| Refused::Invalid("bad counter"))?);
        let mut rest = rest;
        let attested = if flags & FLAG_AT != 0 {
            let (Some(_aaguid), Some(len)) = (rest.get(..16), rest.get(16..18)) else {
                return refuse("attested credential data is truncated");
            };
            let len =
                usize::from(u16::from_be_bytes([len.first().copied().unwrap_or(0), len.get(1).copied().unwrap_or(0)]));
            if len == 0 || len > MAX_CREDENTIAL_ID {
                return refuse("credential id length is out of range");
            }
            let Some(credential_id) = rest.get(18..18 + len) else {
                return refuse("credential id is truncated");
            };
            let key_and_more = rest.get(18 + len..).unwrap_or_default();
            let key_len = cbor_item_len(key_and_more)?;
            let public_key = key_and_more.get(..key_len).unwrap_or_default();
            rest = key_and_more.get(key_len..).unwrap_or_default();
            Some(AttestedCredential { credential_id, public_key })
        } else {
            None
        };
        if flags & FLAG_ED != 0 {
            let len = cbor_item_len(rest)?;
            rest = rest.get(len..).unwrap_or_default();
        }
        if !rest.is_empty() {
            return refuse("authenticator data has trailing bytes");
        }
        Ok(Self { rp_id_hash, flags, counter, attested })
    }
}

fn check_auth_data(auth: &AuthData<'_>, rp_id: &str) -> Result<(), Refused> {
    if auth.rp_id_hash != Sha256::digest(rp_id.as_bytes()).as_slice() {
        return refuse("rpIdHash does not match the relying party");
    }
    if auth.flags & FLAG_UP == 0 {
        return refuse("user was not present");
    }
    // Logto requires user verification on both ceremonies (passkey-grade credentials).
    if auth.flags & FLAG_UV == 0 {
        return refuse("user was not verified");
    }
    if auth.flags & FLAG_BS != 0 && auth.flags & FLAG_BE == 0 {
        return refuse("backup state set on a credential that cannot be backed up");
    }
    Ok(())
}

/// The byte length of the one CBOR item at the start of `bytes`.
fn cbor_item_len(bytes: &[u8]) -> Result<usize, Refused> {
    let mut decoder = minicbor::Decoder::new(bytes);
    decoder.skip().map_err(|_| Refused::Invalid("malformed CBOR in authenticator data"))?;
    Ok(decoder.position())
}

// ---------------------------------------------------------------------------------------------
// Attestation object (§6.5): `{fmt: text, attStmt: map, authData: bytes}`.

struct AttestationObject<'a> {
    fmt: &'a str,
    auth_data: &'a [u8],
    /// The `attStmt` map's bytes and its entry count.
    statement: &'a [u8],
    statement_entries: u64,
}

impl<'a> AttestationObject<'a> {
    fn parse(bytes: &'a [u8]) -> Result<Self, Refused> {
        const BAD: Refused = Refused::Invalid("attestationObject is not the expected CBOR");
        let mut d = minicbor::Decoder::new(bytes);
        let entries = d.map().map_err(|_| BAD)?.ok_or(BAD)?;
        let (mut fmt, mut auth_data, mut statement) = (None, None, None);
        for _ in 0..entries {
            match d.str().map_err(|_| BAD)? {
                "fmt" => fmt = Some(d.str().map_err(|_| BAD)?),
                "authData" => auth_data = Some(d.bytes().map_err(|_| BAD)?),
                "attStmt" => {
                    let start = d.position();
                    let mut probe = d.clone();
                    let count = probe.map().map_err(|_| BAD)?.ok_or(BAD)?;
                    d.skip().map_err(|_| BAD)?;
                    let slice = bytes.get(start..d.position()).ok_or(BAD)?;
                    statement = Some((slice, count));
                }
                _ => d.skip().map_err(|_| BAD)?,
            }
        }
        if d.position() != bytes.len() {
            return Err(BAD);
        }
        let ((Some(fmt), Some(auth_data)), Some((statement, statement_entries))) = ((fmt, auth_data), statement) else {
            return Err(BAD);
        };
        Ok(Self { fmt, auth_data, statement, statement_entries })
    }
}

/// `packed` (§8.2): `{alg: int, sig: bytes, x5c?: [bytes]}`.
struct PackedStatement<'a> {
    alg: i64,
    sig: &'a [u8],
    has_x5c: bool,
}

impl<'a> PackedStatement<'a> {
    fn parse(bytes: &'a [u8]) -> Result<Self, Refused> {
        const BAD: Refused = Refused::Invalid("packed attestation statement is malformed");
        let mut d = minicbor::Decoder::new(bytes);
        let entries = d.map().map_err(|_| BAD)?.ok_or(BAD)?;
        let (mut alg, mut sig, mut has_x5c) = (None, None, false);
        for _ in 0..entries {
            match d.str().map_err(|_| BAD)? {
                "alg" => alg = Some(d.i64().map_err(|_| BAD)?),
                "sig" => sig = Some(d.bytes().map_err(|_| BAD)?),
                "x5c" => {
                    has_x5c = true;
                    d.skip().map_err(|_| BAD)?;
                }
                _ => d.skip().map_err(|_| BAD)?,
            }
        }
        match (alg, sig) {
            (Some(alg), Some(sig)) => Ok(Self { alg, sig, has_x5c }),
            _ => Err(BAD),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// COSE keys (RFC 9052 §7, RFC 9053): EC2 P-256 / P-384, OKP Ed25519, RSA.

#[derive(Debug, Clone, PartialEq, Eq)]
enum CoseKey {
    Ec { alg: Alg, x: Vec<u8>, y: Vec<u8> },
    Ed25519 { x: [u8; 32] },
    Rsa { n: Vec<u8>, e: Vec<u8> },
}

impl CoseKey {
    fn parse(bytes: &[u8]) -> Result<Self, Refused> {
        const BAD: Refused = Refused::Invalid("credential public key is not a supported COSE key");
        let mut d = minicbor::Decoder::new(bytes);
        let entries = d.map().map_err(|_| BAD)?.ok_or(BAD)?;
        let (mut kty, mut alg, mut crv) = (None, None, None);
        let (mut x, mut y, mut n, mut e) = (None, None, None, None);
        for _ in 0..entries {
            let label = d.i64().map_err(|_| BAD)?;
            match label {
                1 => kty = Some(d.i64().map_err(|_| BAD)?),
                3 => alg = Some(d.i64().map_err(|_| BAD)?),
                // -1 is `crv` for EC2/OKP and `n` for RSA; its CBOR type tells which.
                -1 => match d.datatype().map_err(|_| BAD)? {
                    minicbor::data::Type::Bytes => n = Some(d.bytes().map_err(|_| BAD)?),
                    _ => crv = Some(d.i64().map_err(|_| BAD)?),
                },
                // -2 is `x` for EC2/OKP and `e` for RSA.
                -2 => {
                    let value = d.bytes().map_err(|_| BAD)?;
                    x = Some(value);
                    e = Some(value);
                }
                -3 => y = Some(d.bytes().map_err(|_| BAD)?),
                _ => d.skip().map_err(|_| BAD)?,
            }
        }
        if d.position() != bytes.len() {
            return Err(BAD);
        }
        match (kty, alg, crv) {
            (Some(2), Some(alg @ (COSE_ES256 | COSE_ES384)), Some(crv)) => {
                let (jose, want_crv, size) = if alg == COSE_ES256 { (Alg::ES256, 1, 32) } else { (Alg::ES384, 2, 48) };
                match (x, y) {
                    (Some(x), Some(y)) if crv == want_crv && x.len() == size && y.len() == size => {
                        Ok(CoseKey::Ec { alg: jose, x: x.to_vec(), y: y.to_vec() })
                    }
                    _ => Err(BAD),
                }
            }
            (Some(1), Some(COSE_EDDSA), Some(6)) => {
                let x: [u8; 32] = x.and_then(|x| x.try_into().ok()).ok_or(BAD)?;
                Ok(CoseKey::Ed25519 { x })
            }
            (Some(3), Some(COSE_RS256), None) => match (n, e) {
                // At least 2048 bits (what ring verifies and NIST allows).
                (Some(n), Some(e)) if n.iter().skip_while(|b| **b == 0).count() >= 256 && !e.is_empty() => {
                    Ok(CoseKey::Rsa { n: n.to_vec(), e: e.to_vec() })
                }
                _ => Err(BAD),
            },
            _ => Err(BAD),
        }
    }

    fn alg(&self) -> i64 {
        match self {
            CoseKey::Ec { alg: Alg::ES384, .. } => COSE_ES384,
            CoseKey::Ec { .. } => COSE_ES256,
            CoseKey::Ed25519 { .. } => COSE_EDDSA,
            CoseKey::Rsa { .. } => COSE_RS256,
        }
    }

    /// WebAuthn signatures: ECDSA as ASN.1 DER (converted to the port's `r||s`), RSASSA-PKCS1-v1_5
    /// with SHA-256, Ed25519 over the message itself.
    async fn verify(&self, crypto: &dyn Crypto, msg: &[u8], sig: &[u8]) -> Result<bool, Refused> {
        match self {
            CoseKey::Ec { alg, x, y } => {
                let size = x.len();
                let Some(fixed) = der_signature_to_fixed(sig, size) else {
                    return Ok(false);
                };
                let crv = alg.crv().unwrap_or_default();
                crypto.verify(*alg, &Jwk::ec(crv, x, y), msg, &fixed).await.map_err(Refused::Crypto)
            }
            CoseKey::Rsa { n, e } => {
                crypto.verify(Alg::RS256, &Jwk::rsa(n, e), msg, sig).await.map_err(Refused::Crypto)
            }
            CoseKey::Ed25519 { x } => {
                let Ok(key) = ed25519_dalek::VerifyingKey::from_bytes(x) else {
                    return Ok(false);
                };
                let Ok(signature) = ed25519_dalek::Signature::from_slice(sig) else {
                    return Ok(false);
                };
                Ok(key.verify_strict(msg, &signature).is_ok())
            }
        }
    }
}

/// ECDSA-Sig-Value `SEQUENCE { r INTEGER, s INTEGER }` (DER) → fixed-size `r || s`.
fn der_signature_to_fixed(der: &[u8], size: usize) -> Option<Vec<u8>> {
    let (&tag, rest) = der.split_first()?;
    if tag != 0x30 {
        return None;
    }
    let (len, body) = der_length(rest)?;
    if len != body.len() {
        return None;
    }
    let (r, body) = der_integer(body)?;
    let (s, body) = der_integer(body)?;
    if !body.is_empty() {
        return None;
    }
    let mut out = vec![0u8; 2 * size];
    for (value, offset) in [(r, 0), (s, size)] {
        // Strip the sign byte; the value must fit the field size.
        let value = value.strip_prefix(&[0u8]).unwrap_or(value);
        if value.is_empty() || value.len() > size {
            return None;
        }
        out.get_mut(offset + size - value.len()..offset + size)?.copy_from_slice(value);
    }
    Some(out)
}

/// A DER length (short form, or long form up to two bytes) and what follows it.
fn der_length(bytes: &[u8]) -> Option<(usize, &[u8])> {
    let (&first, rest) = bytes.split_first()?;
    match first {
        0..=0x7f => Some((usize::from(first), rest)),
        0x81 => {
            let (&len, rest) = rest.split_first()?;
            Some((usize::from(len), rest))
        }
        0x82 => {
            let (Some(&hi), Some(&lo)) = (rest.first(), rest.get(1)) else {
                return None;
            };
            Some((usize::from(u16::from_be_bytes([hi, lo])), rest.get(2..)?))
        }
        _ => None,
    }
}

/// One positive INTEGER's content bytes and what follows it.
fn der_integer(bytes: &[u8]) -> Option<(&[u8], &[u8])> {
    let (&tag, rest) = bytes.split_first()?;
    if tag != 0x02 {
        return None;
    }
    let (len, rest) = der_length(rest)?;
    let value = rest.get(..len)?;
    // Negative values are not signature components.
    if value.first().is_some_and(|b| b & 0x80 != 0) {
        return None;
    }
    Some((value, rest.get(len..)?))
}

#[cfg(test)]
#[cfg(feature = "ring")]
pub(crate) mod tests;

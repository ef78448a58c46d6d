//! Second factors (Logto's `MfaFactor`s and the `mfaVerifications` stored on the user).

pub mod webauthn;

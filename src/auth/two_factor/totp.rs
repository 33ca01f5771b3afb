//! Time-based one-time passwords (RFC 6238: SHA-1, 6 digits, 30 s), the kind every
//! authenticator app reads from a QR code.
//!
//! Enrolment stores a fresh secret unconfirmed; one correct code confirms it. A code is
//! accepted for the step before and after the current one (clock drift), and never twice:
//! the newest accepted step is stored and only later steps pass, checked and recorded in
//! one write transaction so two concurrent logins cannot both use a code.

use rand::RngCore;
use rusqlite::{Connection, OptionalExtension, params};
use subtle::ConstantTimeEq;
use totp_rs::{Algorithm, TOTP};
use zeroize::Zeroizing;

use super::TwoFactorError;
use crate::store::Database;

const DIGITS: usize = 6;
const STEP_SECS: u64 = 30;
/// Steps accepted on either side of the current one.
const SKEW: i64 = 1;
/// RFC 4226 recommends 160 bits.
const SECRET_BYTES: usize = 20;

/// What the user needs to add the account to an authenticator app.
pub struct Enrolment {
    /// Base32, for typing in by hand.
    pub secret: Zeroizing<String>,
    pub otpauth_uri: Zeroizing<String>,
    /// The URI as a QR code.
    pub qr_svg: String,
}

fn totp(secret: Vec<u8>, issuer: &str, label: &str) -> Result<TOTP, TwoFactorError> {
    // Authenticator apps split the label at ':'; neither part may contain one.
    let clean = |s: &str| s.replace(':', " ");
    TOTP::new(
        Algorithm::SHA1,
        DIGITS,
        0,
        STEP_SECS,
        secret,
        Some(clean(issuer)),
        clean(label),
    )
    .map_err(|e| TwoFactorError::Internal(e.to_string()))
}

/// Starts (or restarts) enrolment; refused while a confirmed secret exists.
pub async fn begin(
    db: &Database,
    now: i64,
    user_id: i64,
    issuer: &str,
    label: &str,
) -> Result<Enrolment, TwoFactorError> {
    let mut secret = Zeroizing::new(vec![0u8; SECRET_BYTES]);
    rand::rngs::OsRng.fill_bytes(&mut secret);
    let generator = totp(secret.to_vec(), issuer, label)?;
    let stored = secret.clone();
    db.write(move |conn| -> Result<(), TwoFactorError> {
        if is_enabled(conn, user_id)? {
            return Err(TwoFactorError::AlreadyEnabled);
        }
        conn.execute(
            "INSERT OR REPLACE INTO totp_secrets (user_id, secret, created_at) VALUES (?1, ?2, ?3)",
            params![user_id, &stored[..], now],
        )?;
        Ok(())
    })
    .await?;
    enrolment(generator)
}

/// The enrolment in progress (secret stored, not yet confirmed), shown again after a
/// wrong first code.
pub async fn pending(
    db: &Database,
    user_id: i64,
    issuer: &str,
    label: &str,
) -> Result<Option<Enrolment>, TwoFactorError> {
    let secret: Option<Vec<u8>> = db
        .read(move |conn| -> Result<_, TwoFactorError> {
            Ok(conn
                .prepare_cached(
                    "SELECT secret FROM totp_secrets WHERE user_id = ?1 AND confirmed_at IS NULL",
                )?
                .query_row([user_id], |r| r.get(0))
                .optional()?)
        })
        .await?;
    let Some(secret) = secret.map(Zeroizing::new) else {
        return Ok(None);
    };
    enrolment(totp(secret.to_vec(), issuer, label)?).map(Some)
}

fn enrolment(generator: TOTP) -> Result<Enrolment, TwoFactorError> {
    let uri = Zeroizing::new(generator.get_url());
    let qr_svg = qr_svg(&uri)?;
    Ok(Enrolment {
        secret: Zeroizing::new(generator.get_secret_base32()),
        otpauth_uri: uri,
        qr_svg,
    })
}

fn qr_svg(text: &str) -> Result<String, TwoFactorError> {
    let code = qrcode::QrCode::with_error_correction_level(text, qrcode::EcLevel::M)
        .map_err(|e| TwoFactorError::Internal(e.to_string()))?;
    Ok(code
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build())
}

pub(super) fn is_enabled(conn: &Connection, user_id: i64) -> Result<bool, rusqlite::Error> {
    conn.prepare_cached(
        "SELECT 1 FROM totp_secrets WHERE user_id = ?1 AND confirmed_at IS NOT NULL",
    )?
    .exists([user_id])
}

/// The step `code` belongs to, if it is right for `now` (± `SKEW` steps).
fn matching_step(secret: &[u8], code: &str, now: i64) -> Option<i64> {
    let code = code.trim().replace(' ', "");
    if code.len() != DIGITS || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let generator = TOTP::new_unchecked(
        Algorithm::SHA1,
        DIGITS,
        0,
        STEP_SECS,
        secret.to_vec(),
        None,
        String::new(),
    );
    let current = now.div_euclid(STEP_SECS as i64);
    (current - SKEW..=current + SKEW).find(|&step| {
        let at = u64::try_from(step).unwrap_or(0) * STEP_SECS;
        let expected = generator.generate(at);
        bool::from(expected.as_bytes().ct_eq(code.as_bytes()))
    })
}

/// In a write transaction: checks `code` against the user's secret (confirmed or, with
/// `confirming`, the pending one) and records its step so it cannot be used again.
pub(super) fn accept(
    conn: &Connection,
    user_id: i64,
    code: &str,
    now: i64,
    confirming: bool,
) -> Result<bool, rusqlite::Error> {
    let row: Option<(Vec<u8>, Option<i64>, i64)> = conn
        .prepare_cached(
            "SELECT secret, confirmed_at, last_step FROM totp_secrets WHERE user_id = ?1",
        )?
        .query_row([user_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?;
    let Some((secret, confirmed_at, last_step)) = row else {
        return Ok(false);
    };
    let secret = Zeroizing::new(secret);
    if confirmed_at.is_some() == confirming {
        return Ok(false);
    }
    match matching_step(&secret, code, now) {
        Some(step) if step > last_step => {
            conn.execute(
                "UPDATE totp_secrets SET last_step = ?2,
                        confirmed_at = COALESCE(confirmed_at, ?3)
                 WHERE user_id = ?1",
                params![user_id, step, now],
            )?;
            Ok(true)
        }
        _ => Ok(false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B, SHA-1, truncated to 6 digits.
    #[test]
    fn rfc_6238_vectors() {
        let secret = b"12345678901234567890";
        for (time, code) in [
            (59, "287082"),
            (1_111_111_109, "081804"),
            (1_234_567_890, "005924"),
            (2_000_000_000, "279037"),
        ] {
            assert_eq!(matching_step(secret, code, time), Some(time / 30), "{time}");
        }
    }

    #[test]
    fn neighbouring_steps_only() {
        let secret = b"12345678901234567890";
        let code_at_59 = "287082";
        assert_eq!(matching_step(secret, code_at_59, 59 + 30), Some(1));
        assert_eq!(matching_step(secret, code_at_59, 59 - 30), Some(1));
        assert_eq!(matching_step(secret, code_at_59, 59 + 60), None);
        for malformed in ["", "28708", "2870822", "28708a", "-87082"] {
            assert_eq!(matching_step(secret, malformed, 59), None, "{malformed}");
        }
        assert_eq!(matching_step(secret, " 287 082 ", 59), Some(1));
    }

    #[test]
    fn qr_code_is_svg() {
        let svg = qr_svg("otpauth://totp/x?secret=ABC").unwrap();
        assert!(
            svg.starts_with("<?xml") || svg.starts_with("<svg"),
            "{svg:.40}"
        );
        assert!(svg.contains("<svg"));
    }
}

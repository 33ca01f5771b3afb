//! The master key and everything derived from it.
//!
//! The master key never touches a database or a log line. The system database key is derived
//! from it (HKDF); each account has its own random key, stored in `system.db` only wrapped
//! (XChaCha20-Poly1305) by a key derived from the master key, with the account id as AAD so a
//! wrapped key cannot be moved to another account.

use std::fs;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hkdf::Hkdf;
use rand::RngCore;
use sha2::Sha256;
use zeroize::Zeroizing;

/// Name of the systemd credential that carries the master key (`LoadCredential=master.key:…`).
pub const CREDENTIAL_NAME: &str = "master.key";

const KEY_LEN: usize = 32;
const NONCE_LEN: usize = 24;

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error(
        "master key file {path} is missing; it is created only together with a new system.db (run `helpdeskd init` on an empty data dir, or restore the key)"
    )]
    Missing { path: PathBuf },
    #[error(
        "master key file {path} is readable by group or others (mode {mode:o}); run `chmod 600 {path}`"
    )]
    TooOpen { path: PathBuf, mode: u32 },
    #[error("master key file {path} is malformed: expected 64 hex characters or 32 raw bytes")]
    Malformed { path: PathBuf },
    #[error("cannot read master key file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot create master key file {path}: {source}")]
    Create {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("account key for {account_id} does not unwrap with this master key")]
    Unwrap { account_id: String },
}

/// A 256-bit key, wiped from memory when dropped.
#[derive(Clone)]
pub struct SecretKey(Zeroizing<[u8; KEY_LEN]>);

impl SecretKey {
    pub fn random() -> Self {
        let mut bytes = Zeroizing::new([0u8; KEY_LEN]);
        rand::rngs::OsRng.fill_bytes(bytes.as_mut());
        SecretKey(bytes)
    }

    pub fn from_bytes(bytes: [u8; KEY_LEN]) -> Self {
        SecretKey(Zeroizing::new(bytes))
    }

    pub fn as_bytes(&self) -> &[u8; KEY_LEN] {
        &self.0
    }

    /// The key as SQLCipher wants a raw key: `x'…'`, which skips its PBKDF2 (the key is
    /// already uniformly random), so opening a database costs microseconds.
    pub fn sqlcipher_pragma_value(&self) -> Zeroizing<String> {
        Zeroizing::new(format!("x'{}'", hex::encode(self.0.as_ref())))
    }
}

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey(…)")
    }
}

/// Where the master key comes from, in order of preference.
#[derive(Debug, Clone)]
pub enum KeySource {
    /// `$CREDENTIALS_DIRECTORY/master.key`, as systemd's `LoadCredential=` provides it.
    Credential(PathBuf),
    /// A key file owned by the service user with no group/other permission bits.
    File(PathBuf),
}

impl KeySource {
    /// The systemd credential wins when present; otherwise the configured key file.
    pub fn locate(key_file: &Path) -> KeySource {
        if let Some(dir) = std::env::var_os("CREDENTIALS_DIRECTORY") {
            let candidate = Path::new(&dir).join(CREDENTIAL_NAME);
            if candidate.exists() {
                return KeySource::Credential(candidate);
            }
        }
        KeySource::File(key_file.to_path_buf())
    }

    pub fn path(&self) -> &Path {
        match self {
            KeySource::Credential(p) | KeySource::File(p) => p,
        }
    }
}

pub struct MasterKey {
    key: SecretKey,
}

impl MasterKey {
    pub fn load(source: &KeySource) -> Result<MasterKey, KeyError> {
        let path = source.path().to_path_buf();
        let meta = match fs::metadata(&path) {
            Ok(meta) => meta,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(KeyError::Missing { path });
            }
            Err(source) => return Err(KeyError::Read { path, source }),
        };
        // systemd hands credentials over with its own safe permissions; a plain key file must
        // be private to its owner.
        let mode = meta.permissions().mode() & 0o777;
        if matches!(source, KeySource::File(_)) && mode & 0o077 != 0 {
            return Err(KeyError::TooOpen { path, mode });
        }
        let raw = Zeroizing::new(fs::read(&path).map_err(|source| KeyError::Read {
            path: path.clone(),
            source,
        })?);
        let key = parse_key(&raw).ok_or(KeyError::Malformed { path })?;
        Ok(MasterKey { key })
    }

    /// Writes a fresh random key as 64 hex characters, mode 0600, refusing to overwrite.
    pub fn create(path: &Path) -> Result<MasterKey, KeyError> {
        let key = SecretKey::random();
        let err = |source| KeyError::Create {
            path: path.to_path_buf(),
            source,
        };
        let mut file = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path)
            .map_err(err)?;
        let text = Zeroizing::new(format!("{}\n", hex::encode(key.as_bytes())));
        file.write_all(text.as_bytes()).map_err(err)?;
        file.sync_all().map_err(err)?;
        Ok(MasterKey { key })
    }

    fn derive(&self, purpose: &str) -> SecretKey {
        let hkdf = Hkdf::<Sha256>::new(Some(b"helpdeskd"), self.key.as_bytes());
        let mut out = [0u8; KEY_LEN];
        // 32 bytes is far below HKDF-SHA256's 8160-byte limit, so expand cannot fail.
        let _ = hkdf.expand(purpose.as_bytes(), &mut out);
        SecretKey::from_bytes(out)
    }

    pub fn system_db_key(&self) -> SecretKey {
        self.derive("helpdeskd/v1/system.db")
    }

    fn wrapping_cipher(&self) -> XChaCha20Poly1305 {
        let key = self.derive("helpdeskd/v1/account-key-wrap");
        XChaCha20Poly1305::new(key.as_bytes().into())
    }

    /// Returns `nonce || ciphertext` for storage in `system.db`.
    pub fn wrap_account_key(&self, account_id: &str, key: &SecretKey) -> Vec<u8> {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let payload = Payload {
            msg: key.as_bytes(),
            aad: account_id.as_bytes(),
        };
        // Encryption with a valid key and in-memory buffers has no failure mode.
        let sealed = self
            .wrapping_cipher()
            .encrypt(&XNonce::from(nonce), payload)
            .unwrap_or_default();
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        out
    }

    pub fn unwrap_account_key(
        &self,
        account_id: &str,
        wrapped: &[u8],
    ) -> Result<SecretKey, KeyError> {
        let fail = || KeyError::Unwrap {
            account_id: account_id.to_string(),
        };
        if wrapped.len() <= NONCE_LEN {
            return Err(fail());
        }
        let (nonce, sealed) = wrapped.split_at(NONCE_LEN);
        let nonce: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| fail())?;
        let payload = Payload {
            msg: sealed,
            aad: account_id.as_bytes(),
        };
        let plain = Zeroizing::new(
            self.wrapping_cipher()
                .decrypt(&XNonce::from(nonce), payload)
                .map_err(|_| fail())?,
        );
        let bytes: [u8; KEY_LEN] = plain.as_slice().try_into().map_err(|_| fail())?;
        Ok(SecretKey::from_bytes(bytes))
    }
}

fn parse_key(raw: &[u8]) -> Option<SecretKey> {
    if raw.len() == KEY_LEN {
        let bytes: [u8; KEY_LEN] = raw.try_into().ok()?;
        return Some(SecretKey::from_bytes(bytes));
    }
    let text = std::str::from_utf8(raw).ok()?.trim();
    let mut bytes = [0u8; KEY_LEN];
    hex::decode_to_slice(text, &mut bytes).ok()?;
    Some(SecretKey::from_bytes(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_key() -> (tempfile::TempDir, MasterKey) {
        let dir = tempfile::tempdir().unwrap();
        let key = MasterKey::create(&dir.path().join("master.key")).unwrap();
        (dir, key)
    }

    #[test]
    fn created_key_reloads_identically_and_is_private() {
        let (dir, key) = temp_key();
        let path = dir.path().join("master.key");
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let again = MasterKey::load(&KeySource::File(path)).unwrap();
        assert_eq!(
            key.system_db_key().as_bytes(),
            again.system_db_key().as_bytes()
        );
    }

    #[test]
    fn create_never_overwrites() {
        let (dir, _key) = temp_key();
        assert!(MasterKey::create(&dir.path().join("master.key")).is_err());
    }

    #[test]
    fn group_readable_key_file_is_refused() {
        let (dir, _key) = temp_key();
        let path = dir.path().join("master.key");
        fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
        let err = MasterKey::load(&KeySource::File(path)).err().unwrap();
        assert!(matches!(err, KeyError::TooOpen { .. }), "{err}");
    }

    #[test]
    fn wrapped_key_is_bound_to_master_key_and_account() {
        let (_d1, master) = temp_key();
        let (_d2, other) = temp_key();
        let account_key = SecretKey::random();
        let wrapped = master.wrap_account_key("acc-1", &account_key);
        let back = master.unwrap_account_key("acc-1", &wrapped).unwrap();
        assert_eq!(back.as_bytes(), account_key.as_bytes());
        assert!(master.unwrap_account_key("acc-2", &wrapped).is_err());
        assert!(other.unwrap_account_key("acc-1", &wrapped).is_err());
        assert!(master.unwrap_account_key("acc-1", &wrapped[..10]).is_err());
    }

    #[test]
    fn derived_keys_differ_by_purpose() {
        let (_d, master) = temp_key();
        assert_ne!(
            master.system_db_key().as_bytes(),
            master.derive("other").as_bytes()
        );
    }
}

//! The JSON files the CLI reads and writes, and careful file I/O.

use anyhow::{bail, Context, Result};
use serde::{de::DeserializeOwned, Deserialize, Serialize};
use std::{fs, io::Write, path::Path};
use x402_zk_primitives::{field::u64_string, h2f, FieldElement, ReceiptBody, Statement};

/// A settled x402 payment the issuer signs a receipt for (`issuer sign`).
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PaymentFile {
    /// CAIP-2 network id.
    pub network: String,
    /// Token (mint or contract address).
    pub asset: String,
    /// Recipient.
    pub pay_to: String,
    /// Atomic units paid.
    #[serde(with = "u64_string")]
    pub amount: u64,
    /// Settlement time, unix seconds.
    #[serde(with = "u64_string")]
    pub paid_at: u64,
    /// The settled transaction id.
    pub transaction: String,
    /// `Poseidon(payer_secret)` from the buyer.
    pub payer_commitment: FieldElement,
}

impl PaymentFile {
    pub fn receipt_body(&self) -> ReceiptBody {
        ReceiptBody {
            amount: self.amount,
            dest: h2f::dest(&self.network, &self.asset, &self.pay_to),
            paid_at: self.paid_at,
            payment_id: h2f::payment_id(&self.network, &self.transaction),
            payer_commitment: self.payer_commitment,
        }
    }
}

/// A seller's price and request, in x402 terms (`prove`, `verify --policy`).
pub use x402_zk_protocol::proving::SellerPolicy as PolicyFile;

/// `prove`'s output: the proof (hex of the versioned binary form) and its statement.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ProofFile {
    pub version: u8,
    pub proof: String,
    pub statement: Statement,
}

pub fn read_json<T: DeserializeOwned>(path: &Path, what: &str) -> Result<T> {
    let text =
        fs::read_to_string(path).with_context(|| format!("reading {what} {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("{what} {} is not valid", path.display()))
}

pub fn read_bytes(path: &Path, what: &str) -> Result<Vec<u8>> {
    fs::read(path).with_context(|| format!("reading {what} {}", path.display()))
}

pub fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<()> {
    let mut text = serde_json::to_string_pretty(value)?;
    text.push('\n');
    write_file(path, text.as_bytes(), false, true)
}

/// Writes a file, replacing an existing one only if `overwrite` is set. Secret
/// files are created with mode 0600.
pub fn write_file(path: &Path, bytes: &[u8], secret: bool, overwrite: bool) -> Result<()> {
    let mut opts = fs::OpenOptions::new();
    opts.write(true);
    if overwrite {
        opts.create(true).truncate(true);
    } else {
        opts.create_new(true);
    }
    #[cfg(unix)]
    if secret {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path).with_context(|| {
        if path.exists() && !overwrite && secret {
            format!(
                "{} exists; refusing to overwrite a secret (pass --force)",
                path.display()
            )
        } else if path.exists() && !overwrite {
            format!(
                "{} exists; refusing to overwrite it: choose another path",
                path.display()
            )
        } else {
            format!("creating {}", path.display())
        }
    })?;
    f.write_all(bytes)
        .with_context(|| format!("writing {}", path.display()))?;
    #[cfg(unix)]
    if secret {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(path, fs::Permissions::from_mode(0o600))?;
    }
    Ok(())
}

/// Reads a one-line secret file and warns if others can read it.
pub fn read_secret(path: &Path, what: &str) -> Result<String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(path)
            .with_context(|| format!("reading {what} {}", path.display()))?
            .permissions()
            .mode();
        if mode & 0o077 != 0 {
            eprintln!(
                "warning: {} is readable by others (mode {:o}); chmod 600 it",
                path.display(),
                mode & 0o777
            );
        }
    }
    let text =
        fs::read_to_string(path).with_context(|| format!("reading {what} {}", path.display()))?;
    let line = text.trim();
    if line.is_empty() {
        bail!("{what} {} is empty", path.display());
    }
    Ok(line.to_string())
}

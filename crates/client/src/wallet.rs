//! The buyer's wallet: a directory of small JSON files, each created 0600 in a
//! 0700 directory and replaced atomically (write, fsync, rename), so a crash
//! leaves either the old or the new state, never a torn file.
//!
//! * `receipts/<payment id>.json` — a receipt, the payer secret it commits to,
//!   and whether it is spent. A receipt is marked spent only once a seller
//!   accepted it (or reported its nullifier as used).
//! * `purchases/<commitment>.json` — a purchase in flight: the secret and the
//!   signed payment, written *before* the payment is sent, so a crash between
//!   paying and receiving the receipt loses nothing: resending it to the issuer
//!   returns the receipt (the issuer answers a repeated payment with the same
//!   receipt).

use serde::{Deserialize, Serialize};
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use x402_zk_primitives::{FieldElement, PayerSecret, Receipt};
use x402_zk_protocol::issuance::ReceiptRequest;

/// A wallet failure.
#[derive(Debug, thiserror::Error)]
pub enum WalletError {
    /// The file system refused.
    #[error("wallet {path}: {source}")]
    Io {
        /// File or directory.
        path: PathBuf,
        /// Cause.
        source: std::io::Error,
    },
    /// A wallet file does not parse (it was edited or damaged; it is left alone).
    #[error("wallet file {path} is damaged: {reason}; move it aside to continue")]
    Damaged {
        /// File.
        path: PathBuf,
        /// Parse error.
        reason: String,
    },
}

/// A receipt and its secret.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WalletReceipt {
    /// The signed receipt.
    pub receipt: Receipt,
    /// The secret its `payer_commitment` commits to.
    pub payer_secret: PayerSecret,
    /// Whether a seller accepted it (its nullifier is spent).
    pub spent: bool,
    /// The transaction that paid for it (base58), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction: Option<String>,
}

/// A purchase that was paid (or is about to be) but whose receipt has not arrived.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PendingPurchase {
    /// The issuer's receipts URL.
    pub url: String,
    /// The request body.
    pub request: ReceiptRequest,
    /// The `PAYMENT-SIGNATURE` value carrying the signed payment.
    pub payment_signature: String,
    /// The secret behind `request.payer_commitment`.
    pub payer_secret: PayerSecret,
}

/// The wallet directory.
#[derive(Clone, Debug)]
pub struct Wallet {
    dir: PathBuf,
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> WalletError + '_ {
    move |source| WalletError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn private_dir(path: &Path) -> Result<(), WalletError> {
    fs::create_dir_all(path).map_err(io(path))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(path, fs::Permissions::from_mode(0o700)).map_err(io(path))?;
    }
    Ok(())
}

/// Writes `value` to `path` atomically, mode 0600.
fn write_private<T: Serialize>(path: &Path, value: &T) -> Result<(), WalletError> {
    let dir = path.parent().expect("wallet files live in a directory");
    let tmp = dir.join(format!(
        ".{}.tmp",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("entry")
    ));
    let bytes = serde_json::to_vec_pretty(value).expect("wallet entries serialize");
    // A leftover temporary file (a crash mid-write) may have other permissions:
    // start from a new file, which gets 0600.
    match fs::remove_file(&tmp) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(io(&tmp)(e)),
    }
    let mut opts = fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(&tmp).map_err(io(&tmp))?;
    f.write_all(&bytes).map_err(io(&tmp))?;
    f.sync_all().map_err(io(&tmp))?;
    fs::rename(&tmp, path).map_err(io(path))?;
    fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io(dir))?;
    Ok(())
}

fn read_all<T: for<'de> Deserialize<'de>>(dir: &Path) -> Result<Vec<(PathBuf, T)>, WalletError> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir).map_err(io(dir))? {
        let path = entry.map_err(io(dir))?.path();
        let is_entry = path.extension().is_some_and(|e| e == "json")
            && !path
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with('.'));
        if !is_entry {
            continue;
        }
        let text = fs::read_to_string(&path).map_err(io(&path))?;
        let value = serde_json::from_str(&text).map_err(|e| WalletError::Damaged {
            path: path.clone(),
            reason: e.to_string(),
        })?;
        out.push((path, value));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

fn key_name(value: &FieldElement) -> String {
    hex::encode(value.to_be_bytes())
}

impl Wallet {
    /// Opens (creating if needed) the wallet at `dir`.
    pub fn open(dir: impl Into<PathBuf>) -> Result<Self, WalletError> {
        let dir = dir.into();
        private_dir(&dir)?;
        private_dir(&dir.join("receipts"))?;
        private_dir(&dir.join("purchases"))?;
        Ok(Wallet { dir })
    }

    /// The wallet's directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn receipt_path(&self, receipt: &Receipt) -> PathBuf {
        self.dir
            .join("receipts")
            .join(format!("{}.json", key_name(&receipt.body.payment_id)))
    }

    /// Stores a receipt (unspent). Storing the same receipt again is harmless.
    pub fn add(
        &self,
        receipt: Receipt,
        payer_secret: PayerSecret,
        transaction: Option<String>,
    ) -> Result<(), WalletError> {
        let path = self.receipt_path(&receipt);
        if path.exists() {
            return Ok(());
        }
        write_private(
            &path,
            &WalletReceipt {
                receipt,
                payer_secret,
                spent: false,
                transaction,
            },
        )
    }

    /// Every receipt, spent or not.
    pub fn receipts(&self) -> Result<Vec<WalletReceipt>, WalletError> {
        Ok(read_all(&self.dir.join("receipts"))?
            .into_iter()
            .map(|(_, r)| r)
            .collect())
    }

    /// Marks a receipt spent.
    pub fn mark_spent(&self, receipt: &Receipt) -> Result<(), WalletError> {
        let path = self.receipt_path(receipt);
        let text = fs::read_to_string(&path).map_err(io(&path))?;
        let mut entry: WalletReceipt =
            serde_json::from_str(&text).map_err(|e| WalletError::Damaged {
                path: path.clone(),
                reason: e.to_string(),
            })?;
        entry.spent = true;
        write_private(&path, &entry)
    }

    fn purchase_path(&self, commitment: &FieldElement) -> PathBuf {
        self.dir
            .join("purchases")
            .join(format!("{}.json", key_name(commitment)))
    }

    /// Records a purchase before its payment is sent.
    pub fn begin_purchase(&self, purchase: &PendingPurchase) -> Result<(), WalletError> {
        write_private(
            &self.purchase_path(&purchase.request.payer_commitment),
            purchase,
        )
    }

    /// Purchases whose receipt has not arrived.
    pub fn pending_purchases(&self) -> Result<Vec<PendingPurchase>, WalletError> {
        Ok(read_all(&self.dir.join("purchases"))?
            .into_iter()
            .map(|(_, p)| p)
            .collect())
    }

    /// Forgets a purchase (its receipt is stored, or the issuer refused it for good).
    pub fn end_purchase(&self, commitment: &FieldElement) -> Result<(), WalletError> {
        let path = self.purchase_path(commitment);
        match fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(io(&path)(e)),
        }
    }
}

//! An embedded Solana runtime (LiteSVM) running the real SPL Token, Associated
//! Token Account and Memo programs, for demos and tests. Its state lives in memory.

use crate::{exact::associated_token_address, Ledger, LedgerError, Outcome};
use async_trait::async_trait;
use litesvm::LiteSVM;
use solana_address::Address;
use solana_hash::Hash;
use solana_keypair::Keypair;
use solana_signer::Signer;
use solana_transaction::versioned::VersionedTransaction;
use solana_transaction_error::TransactionError;
use std::sync::{Mutex, MutexGuard};

/// Signatures remembered for LiteSVM's own replay check. LiteSVM keeps 32 by
/// default, after which an old transaction on the same blockhash would execute
/// again; the issuer's store is the durable defence, this is the second one.
const TRANSACTION_HISTORY: usize = 1_000_000;

/// LiteSVM with mainnet's feature set: the token program at `Tokenkeg…` is the
/// one mainnet runs (p-token, the SPL Token program's current implementation).
pub struct LiteSvmLedger {
    svm: Mutex<LiteSVM>,
    transfers: Mutex<Vec<ObservedTransfer>>,
}

/// A token transfer as anyone reading the chain sees it: which wallet's account
/// paid which wallet's account, how much, in which transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObservedTransfer {
    /// The transaction id.
    pub transaction: String,
    /// Owner of the source token account.
    pub from: Address,
    /// Owner of the destination token account.
    pub to: Address,
    /// The mint.
    pub mint: Address,
    /// Atomic units.
    pub amount: u64,
}

/// `TransferChecked`'s instruction tag in the SPL Token program.
const TRANSFER_CHECKED: u8 = 12;

impl Default for LiteSvmLedger {
    fn default() -> Self {
        Self::new()
    }
}

impl LiteSvmLedger {
    /// A fresh chain with the default programs loaded.
    pub fn new() -> Self {
        LiteSvmLedger {
            svm: Mutex::new(LiteSVM::new().with_transaction_history(TRANSACTION_HISTORY)),
            transfers: Mutex::default(),
        }
    }

    /// The token transfers of every transaction settled through [`Ledger::settle`],
    /// in order: the public record a chain observer reads.
    pub fn transfers(&self) -> Vec<ObservedTransfer> {
        self.transfers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Moves to a new blockhash: transactions signed under the old one can no
    /// longer land (as after about 150 slots on a real cluster).
    pub fn expire_blockhash(&self) {
        self.svm().expire_blockhash();
    }

    /// Records the `TransferChecked` instructions of a landed transaction.
    fn observe(&self, svm: &LiteSVM, tx: &VersionedTransaction) {
        let keys = tx.message.static_account_keys();
        let owner = |account: &Address| {
            litesvm_token::get_spl_account::<spl_token_interface::state::Account>(svm, account)
                .map(|a| a.owner)
                .unwrap_or(*account)
        };
        let mut log = self.transfers.lock().unwrap_or_else(|e| e.into_inner());
        for ix in tx.message.instructions() {
            let program = keys.get(usize::from(ix.program_id_index));
            let is_transfer = program == Some(&crate::exact::token_program())
                && ix.data.first() == Some(&TRANSFER_CHECKED)
                && ix.data.len() >= 9
                && ix.accounts.len() >= 3;
            if !is_transfer {
                continue;
            }
            let account = |i: usize| keys.get(usize::from(ix.accounts[i])).copied();
            let (Some(source), Some(mint), Some(dest)) = (account(0), account(1), account(2))
            else {
                continue;
            };
            let mut amount = [0u8; 8];
            amount.copy_from_slice(&ix.data[1..9]);
            log.push(ObservedTransfer {
                transaction: crate::exact::transaction_id(tx),
                from: owner(&source),
                to: owner(&dest),
                mint,
                amount: u64::from_le_bytes(amount),
            });
        }
    }

    fn svm(&self) -> MutexGuard<'_, LiteSVM> {
        // A panic while holding the lock cannot leave LiteSVM half-updated in a way
        // later calls depend on (each call is one transaction), so keep going.
        self.svm.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Gives `address` native SOL (for fees and rent).
    pub fn airdrop(&self, address: &Address, lamports: u64) -> Result<(), LedgerError> {
        self.svm()
            .airdrop(address, lamports)
            .map(|_| ())
            .map_err(|e| LedgerError::Refused(e.err.to_string()))
    }

    /// Creates a mint whose authority is `authority` (which also pays).
    pub fn create_mint(&self, authority: &Keypair, decimals: u8) -> Result<Address, LedgerError> {
        litesvm_token::CreateMint::new(&mut self.svm(), authority)
            .decimals(decimals)
            .send()
            .map_err(|e| LedgerError::Refused(e.err.to_string()))
    }

    /// Creates `owner`'s associated token account for `mint` if it does not exist
    /// (`payer` pays the rent) and returns its address.
    pub fn create_token_account(
        &self,
        payer: &Keypair,
        mint: &Address,
        owner: &Address,
    ) -> Result<Address, LedgerError> {
        litesvm_token::CreateAssociatedTokenAccountIdempotent::new(&mut self.svm(), payer, mint)
            .owner(owner)
            .send()
            .map_err(|e| LedgerError::Refused(e.err.to_string()))
    }

    /// Mints `amount` to `owner`'s associated token account, creating it if needed.
    pub fn mint_to(
        &self,
        authority: &Keypair,
        mint: &Address,
        owner: &Address,
        amount: u64,
    ) -> Result<(), LedgerError> {
        let account = self.create_token_account(authority, mint, owner)?;
        litesvm_token::MintTo::new(&mut self.svm(), authority, mint, &account, amount)
            .send()
            .map_err(|e| LedgerError::Refused(e.err.to_string()))
    }

    /// `owner`'s balance of `mint` (0 without an account).
    pub fn token_balance(&self, owner: &Address, mint: &Address) -> u64 {
        let account = associated_token_address(owner, mint);
        litesvm_token::get_spl_account::<spl_token_interface::state::Account>(&self.svm(), &account)
            .map(|a| a.amount)
            .unwrap_or(0)
    }

    /// An account's owner program and data, if it exists.
    pub fn account(&self, address: &Address) -> Option<(Address, Vec<u8>)> {
        self.svm().get_account(address).map(|a| (a.owner, a.data))
    }

    /// A new random keypair with `lamports` of SOL.
    pub fn funded_keypair(&self, lamports: u64) -> Result<Keypair, LedgerError> {
        let k = Keypair::new();
        self.airdrop(&k.pubkey(), lamports)?;
        Ok(k)
    }
}

#[async_trait]
impl Ledger for LiteSvmLedger {
    async fn latest_blockhash(&self) -> Result<Hash, LedgerError> {
        Ok(self.svm().latest_blockhash())
    }

    async fn mint_decimals(&self, mint: &Address) -> Result<u8, LedgerError> {
        litesvm_token::get_spl_account::<spl_token_interface::state::Mint>(&self.svm(), mint)
            .map(|m| m.decimals)
            .map_err(|_| LedgerError::NotAMint(*mint))
    }

    async fn settle(&self, tx: &VersionedTransaction) -> Result<(), LedgerError> {
        let mut svm = self.svm();
        match svm.send_transaction(tx.clone()) {
            Ok(_) => {
                self.observe(&svm, tx);
                Ok(())
            }
            Err(failed) if failed.err == TransactionError::AlreadyProcessed => {
                let processed_ok = tx
                    .signatures
                    .first()
                    .and_then(|s| svm.get_transaction(s))
                    .is_some_and(|r| r.is_ok());
                if processed_ok {
                    Ok(())
                } else {
                    Err(LedgerError::Refused(failed.err.to_string()))
                }
            }
            Err(failed) => Err(LedgerError::Refused(failed.err.to_string())),
        }
    }

    async fn has_token_account(
        &self,
        owner: &Address,
        mint: &Address,
    ) -> Result<bool, LedgerError> {
        let account = associated_token_address(owner, mint);
        Ok(self
            .svm()
            .get_account(&account)
            .is_some_and(|a| a.owner == crate::exact::token_program()))
    }

    async fn outcome(&self, tx: &VersionedTransaction) -> Result<Outcome, LedgerError> {
        let svm = self.svm();
        let landed = tx.signatures.first().and_then(|s| svm.get_transaction(s));
        Ok(match landed {
            Some(Ok(_)) => Outcome::Landed,
            Some(Err(failed)) => Outcome::Failed(failed.err.to_string()),
            // LiteSVM accepts only its latest blockhash.
            None if *tx.message.recent_blockhash() != svm.latest_blockhash() => Outcome::Expired,
            None => Outcome::Pending,
        })
    }
}

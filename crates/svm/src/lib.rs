//! x402 `exact` payments on Solana, as the issuer settles them: the buyer's side
//! ([`build_payment`]), the settler's checks ([`check_payment`]) and co-signature,
//! a pooled issuer's payouts to sellers ([`payout_transaction`]), and the ledgers
//! payments settle on ([`Ledger`]: [`LiteSvmLedger`] embedded, [`RpcLedger`] by
//! URL).
//!
//! ```
//! # #[cfg(feature = "litesvm")] {
//! use solana_keypair::Keypair;
//! use solana_signer::Signer;
//! use x402_zk_svm::{build_payment, check_payment, Ledger, LiteSvmLedger};
//!
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! let ledger = LiteSvmLedger::new();
//! let fee_payer = ledger.funded_keypair(1_000_000_000).unwrap();
//! let (buyer, seller) = (Keypair::new(), Keypair::new());
//! let mint = ledger.create_mint(&fee_payer, 6).unwrap();
//! ledger.mint_to(&fee_payer, &mint, &buyer.pubkey(), 5_000_000).unwrap();
//! ledger.create_token_account(&fee_payer, &mint, &seller.pubkey()).unwrap();
//!
//! let requirement = x402_zk_svm::exact_requirement(
//!     "solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1", &mint, &seller.pubkey(), 1_000_000, 60,
//!     &fee_payer.pubkey(), 6, &ledger.latest_blockhash().await.unwrap(),
//! );
//! let payment = build_payment(&buyer, &requirement).unwrap();           // buyer
//! let checked = check_payment(&payment, &requirement, &fee_payer.pubkey()).unwrap();
//! ledger.settle(&checked.co_sign(&fee_payer)).await.unwrap();           // settler
//! assert_eq!(ledger.token_balance(&seller.pubkey(), &mint), 1_000_000);
//! # });
//! # }
//! ```
#![deny(missing_docs)]

pub mod exact;
mod ledger;
#[cfg(feature = "litesvm")]
mod litesvm_ledger;
mod payout;
mod rpc;

pub use exact::{build_payment, check_payment, exact_requirement, CheckedPayment, ExactSvmPayload};
pub use ledger::{Ledger, LedgerError, Outcome};
#[cfg(feature = "litesvm")]
pub use litesvm_ledger::{LiteSvmLedger, ObservedTransfer};
pub use payout::{
    payout_transaction, transaction_from_wire, transaction_to_wire, PayoutTransfer,
    PAYOUT_COMPUTE_UNIT_LIMIT,
};
pub use rpc::RpcLedger;
pub use solana_address::Address;
pub use solana_hash::Hash;
pub use solana_keypair::Keypair;
pub use solana_signer::Signer;
pub use solana_transaction::versioned::VersionedTransaction;

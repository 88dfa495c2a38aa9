//! Shared EVM harness for the tests and the `gas` example: compiles Solidity with
//! the pinned solc-js (`tools/solc`), renders snarkjs' verifier, and runs
//! transactions in revm 43 (Prague) in-process.
#![allow(dead_code)]

use revm::context::TxEnv;
use revm::context_interface::result::{ExecutionResult, Output};
use revm::database::{CacheDB, EmptyDB};
use revm::handler::MainnetContext;
use revm::primitives::hardfork::SpecId;
use revm::primitives::{Address, Bytes, TxKind, U256};
use revm::state::AccountInfo;
use revm::{Context, ExecuteCommitEvm, MainBuilder, MainContext, MainnetEvm};
use std::path::{Path, PathBuf};
use std::process::Command;
use x402_zk_primitives::{FieldElement, PUBLIC_INPUTS};
use x402_zk_verifier::{Proof, VerifyingKey};

/// The repository root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("repo root")
}

/// The test key and its 16 proofs with their public inputs.
pub struct Vectors {
    pub vk: VerifyingKey,
    pub items: Vec<(Proof, [FieldElement; PUBLIC_INPUTS])>,
}

pub fn vectors() -> Vectors {
    let dir = repo_root().join("test-vectors/onchain");
    let vk = VerifyingKey::from_bytes(&std::fs::read(dir.join("verifying.key")).unwrap()).unwrap();
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("proofs.json")).unwrap()).unwrap();
    let items = json
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            let proof =
                Proof::from_bytes(&hex::decode(o["proof"].as_str().unwrap()).unwrap()).unwrap();
            let inputs: Vec<FieldElement> = o["publicInputs"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s.as_str().unwrap().parse().unwrap())
                .collect();
            (proof, inputs.try_into().unwrap())
        })
        .collect();
    Vectors { vk, items }
}

/// Bytecode of one compiled contract.
pub struct Compiled {
    pub bytecode: Vec<u8>,
    pub deployed_len: usize,
    pub method_identifiers: serde_json::Map<String, serde_json::Value>,
}

/// Whether node and the pinned solc-js are installed. If not: panics when
/// `X402ZK_REQUIRE_SOLC` (or `CI`) is set, else prints a loud skip message.
pub fn solc_available(what: &str) -> bool {
    let ok = repo_root().join("tools/solc/node_modules/solc").exists()
        && Command::new("node")
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success());
    if ok {
        return true;
    }
    if std::env::var_os("X402ZK_REQUIRE_SOLC").is_some() || std::env::var_os("CI").is_some() {
        panic!("node and solc-js are required here: run scripts/install-test-deps.sh");
    }
    eprintln!("SKIPPED {what}: node or solc-js not installed (run scripts/install-test-deps.sh)");
    false
}

/// Whether snarkjs (for its verifier template) is installed; same policy as
/// [`solc_available`] with `X402ZK_REQUIRE_SNARKJS`.
pub fn snarkjs_available(what: &str) -> bool {
    if repo_root()
        .join("tools/snarkjs/node_modules/snarkjs/templates/verifier_groth16.sol.ejs")
        .exists()
    {
        return true;
    }
    if std::env::var_os("X402ZK_REQUIRE_SNARKJS").is_some()
        || std::env::var_os("X402ZK_REQUIRE_SOLC").is_some()
        || std::env::var_os("CI").is_some()
    {
        panic!("snarkjs is required here: run scripts/install-test-deps.sh");
    }
    eprintln!("SKIPPED {what}: snarkjs not installed (run scripts/install-test-deps.sh)");
    false
}

fn node(script: &str, arg: &Path) -> Vec<u8> {
    let out = Command::new("node")
        .arg(repo_root().join("tools/solc").join(script))
        .arg(arg)
        .output()
        .expect("run node");
    assert!(
        out.status.success(),
        "node {script} {} failed:\n{}",
        arg.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// Compiles `source` (written to a temporary file) and returns contract `name`.
pub fn compile(source: &str, name: &str) -> Compiled {
    let dir = std::env::temp_dir().join(format!("x402zk-evm-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{name}.sol"));
    std::fs::write(&path, source).unwrap();
    compile_file(&path, name)
}

/// Compiles a Solidity file and returns contract `name`.
pub fn compile_file(path: &Path, name: &str) -> Compiled {
    let json: serde_json::Value = serde_json::from_slice(&node("compile.js", path)).unwrap();
    let c = &json["contracts"][name];
    Compiled {
        bytecode: hex::decode(c["bytecode"].as_str().unwrap()).unwrap(),
        deployed_len: c["deployedBytecode"].as_str().unwrap().len() / 2,
        method_identifiers: c["methodIdentifiers"].as_object().unwrap().clone(),
    }
}

/// snarkjs 0.7.6's verifier (`Groth16Verifier`) for the test key, rendered from its
/// template and compiled.
pub fn snarkjs_verifier() -> Compiled {
    let source = node(
        "render-snarkjs.js",
        &repo_root().join("test-vectors/onchain/verification_key.json"),
    );
    compile(std::str::from_utf8(&source).unwrap(), "Groth16Verifier")
}

/// Calldata for snarkjs' `verifyProof(uint256[2],uint256[2][2],uint256[2],uint256[7])`:
/// the same words as ours (pi_b is already `[[x.c1, x.c0], [y.c1, y.c0]]`).
pub fn snarkjs_calldata(proof: &Proof, inputs: &[FieldElement; PUBLIC_INPUTS]) -> Vec<u8> {
    let mut out =
        x402_zk_evm::selector("verifyProof(uint256[2],uint256[2][2],uint256[2],uint256[7])")
            .to_vec();
    out.extend_from_slice(&proof.to_bytes()[1..]);
    for x in inputs {
        out.extend_from_slice(&x.to_be_bytes());
    }
    out
}

/// How a transaction ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// Returned this data (or, for a create, the new address's bytes).
    Success(Vec<u8>),
    /// Reverted with this data.
    Revert(Vec<u8>),
    /// Halted (out of gas, invalid opcode, ...).
    Halt(String),
}

/// One transaction's result.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub status: Status,
    /// Gas used by the transaction (what a receipt shows).
    pub tx_gas: u64,
    /// EIP-7623 calldata floor.
    pub floor_gas: u64,
    /// Intrinsic gas: 21,000 plus 16 per nonzero and 4 per zero calldata byte.
    pub intrinsic: u64,
    /// Number of event logs.
    pub logs: usize,
}

impl Outcome {
    /// Execution gas: `tx_gas − intrinsic`.
    pub fn execution(&self) -> u64 {
        self.tx_gas - self.intrinsic
    }

    /// Whether the EIP-7623 floor set the gas used.
    pub fn floor_binds(&self) -> bool {
        self.tx_gas == self.floor_gas && self.floor_gas > 0
    }

    /// The boolean a `returns (bool)` call gave; panics if it reverted.
    #[track_caller]
    pub fn bool(&self) -> bool {
        match &self.status {
            Status::Success(d) if d.len() == 32 => {
                assert!(
                    d[..31].iter().all(|b| *b == 0) && d[31] <= 1,
                    "not a bool: {d:?}"
                );
                d[31] == 1
            }
            other => panic!("expected a bool return, got {other:?}"),
        }
    }

    /// The revert data; panics if the call did not revert.
    #[track_caller]
    pub fn revert_data(&self) -> &[u8] {
        match &self.status {
            Status::Revert(d) => d,
            other => panic!("expected a revert, got {other:?}"),
        }
    }
}

/// 21,000 + 16 per nonzero + 4 per zero calldata byte.
pub fn intrinsic_gas(data: &[u8]) -> u64 {
    21_000
        + data
            .iter()
            .map(|b| if *b == 0 { 4 } else { 16 })
            .sum::<u64>()
}

/// An in-process chain (revm, Prague) with one funded caller.
pub struct Chain {
    evm: MainnetEvm<MainnetContext<CacheDB<EmptyDB>>>,
    caller: Address,
    nonce: u64,
}

impl Default for Chain {
    fn default() -> Self {
        Self::new()
    }
}

impl Chain {
    pub fn new() -> Self {
        let caller = Address::repeat_byte(0x42);
        let mut db = CacheDB::<EmptyDB>::default();
        db.insert_account_info(
            caller,
            AccountInfo {
                balance: U256::from(10u128.pow(24)),
                ..Default::default()
            },
        );
        let mut ctx = Context::mainnet().with_db(db);
        ctx.modify_cfg(|cfg| cfg.set_spec_and_mainnet_gas_params(SpecId::PRAGUE));
        ctx.modify_block(|b| b.timestamp = U256::from(1_750_000_000u64));
        Chain {
            evm: ctx.build_mainnet(),
            caller,
            nonce: 0,
        }
    }

    /// Sets `block.timestamp`.
    pub fn set_timestamp(&mut self, t: u64) {
        self.evm.ctx.modify_block(|b| b.timestamp = U256::from(t));
    }

    fn transact(&mut self, kind: TxKind, data: Vec<u8>) -> (ExecutionResult, u64) {
        let intrinsic = intrinsic_gas(&data);
        let tx = TxEnv::builder()
            .caller(self.caller)
            .nonce(self.nonce)
            .gas_limit(30_000_000)
            .gas_price(0)
            .kind(kind)
            .data(Bytes::from(data))
            .build()
            .unwrap();
        let r = self.evm.transact_commit(tx).expect("valid transaction");
        self.nonce += 1;
        (r, intrinsic)
    }

    /// Deploys `bytecode`; returns the address and the transaction's gas.
    pub fn deploy(&mut self, bytecode: &[u8]) -> (Address, u64) {
        let (r, _) = self.transact(TxKind::Create, bytecode.to_vec());
        let gas = r.tx_gas_used();
        match r {
            ExecutionResult::Success {
                output: Output::Create(_, Some(addr)),
                ..
            } => (addr, gas),
            other => panic!("deployment failed: {other:?}"),
        }
    }

    /// Sends a transaction calling `to` with `data`.
    pub fn call(&mut self, to: Address, data: Vec<u8>) -> Outcome {
        let (r, intrinsic) = self.transact(TxKind::Call(to), data);
        let (tx_gas, floor_gas) = (r.tx_gas_used(), r.gas().floor_gas());
        let logs = r.logs().len();
        let status = match r {
            ExecutionResult::Success { output, .. } => Status::Success(output.into_data().to_vec()),
            ExecutionResult::Revert { output, .. } => Status::Revert(output.to_vec()),
            ExecutionResult::Halt { reason, .. } => Status::Halt(format!("{reason:?}")),
        };
        Outcome {
            status,
            tx_gas,
            floor_gas,
            intrinsic,
            logs,
        }
    }
}

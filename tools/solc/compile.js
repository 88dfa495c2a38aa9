#!/usr/bin/env node
// Compiles one Solidity file with the pinned solc-js (optimizer on, 200 runs,
// evmVersion cancun) and prints
//   {"contracts": {"<Name>": {"bytecode", "deployedBytecode", "methodIdentifiers"}}}
// as JSON on stdout (bytecode hex without 0x). Exits non-zero with solc's errors on failure.
// Usage: node tools/solc/compile.js path/to/Contract.sol
'use strict';
const fs = require('fs');
const path = require('path');
const solc = require('solc');

const file = process.argv[2];
if (!file) {
  console.error('usage: compile.js <file.sol>');
  process.exit(2);
}
const name = path.basename(file);
const input = {
  language: 'Solidity',
  sources: { [name]: { content: fs.readFileSync(file, 'utf8') } },
  settings: {
    optimizer: { enabled: true, runs: 200 },
    evmVersion: 'cancun',
    outputSelection: {
      '*': { '*': ['evm.bytecode.object', 'evm.deployedBytecode.object', 'evm.methodIdentifiers'] },
    },
  },
};
const output = JSON.parse(solc.compile(JSON.stringify(input)));
const errors = (output.errors || []).filter((e) => e.severity === 'error');
if (errors.length > 0) {
  for (const e of errors) console.error(e.formattedMessage || e.message);
  process.exit(1);
}
const contracts = {};
for (const [cname, c] of Object.entries((output.contracts || {})[name] || {})) {
  contracts[cname] = {
    bytecode: c.evm.bytecode.object,
    deployedBytecode: c.evm.deployedBytecode.object,
    methodIdentifiers: c.evm.methodIdentifiers,
  };
}
process.stdout.write(JSON.stringify({ solcVersion: solc.version(), contracts }) + '\n');

#!/usr/bin/env node
// Renders snarkjs 0.7.6's Groth16 Solidity verifier for a snarkjs
// verification_key.json, as `snarkjs zkey export solidityverifier` does
// (ejs.render(template, vk)), and prints the Solidity source on stdout.
// Needs tools/snarkjs installed (scripts/install-test-deps.sh).
// Usage: node tools/solc/render-snarkjs.js path/to/verification_key.json
'use strict';
const fs = require('fs');
const path = require('path');

const vkPath = process.argv[2];
if (!vkPath) {
  console.error('usage: render-snarkjs.js <verification_key.json>');
  process.exit(2);
}
const modules = path.join(__dirname, '..', 'snarkjs', 'node_modules');
const ejs = require(path.join(modules, 'ejs'));
const template = fs.readFileSync(
  path.join(modules, 'snarkjs', 'templates', 'verifier_groth16.sol.ejs'),
  'utf8',
);
const vk = JSON.parse(fs.readFileSync(vkPath, 'utf8'));
process.stdout.write(ejs.render(template, vk));

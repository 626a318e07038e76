#!/usr/bin/env node
// Entry point for `enclave`: the compiled CLI (build first: `npm run build` at the repository root).
import '../dist/cli/main.js';

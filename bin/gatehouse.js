#!/usr/bin/env node
// The CLI entry: run the compiled TypeScript (npm install builds it through `prepare`).
import { main } from '../dist/src/cli/main.js';

process.exitCode = await main(process.argv.slice(2));

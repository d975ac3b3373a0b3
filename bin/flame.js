#!/usr/bin/env node
// Entry point for `flame`: runs the compiled CLI (npm run build, or npm ci, produces dist/).
import { main } from '../dist/clients/cli/main.js';

process.exitCode = await main(process.argv.slice(2));

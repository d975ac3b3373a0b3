#!/usr/bin/env node
// Entry point for `cargo flame ...`: cargo runs `cargo-flame flame ...`, so drop the extra word.
import { main } from '../dist/clients/cli/main.js';

const args = process.argv.slice(2);
if (args[0] === 'flame') args.shift();
process.exitCode = await main(args.length === 0 ? ['record'] : args);

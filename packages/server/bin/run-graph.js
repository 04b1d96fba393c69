#!/usr/bin/env -S node --conditions=loom-dist
// Runs a graph headless (`run-graph --help`). Runs the build in dist/ (see launch.js for how and why).
import { load } from './launch.js';

const { runGraphCli } = await load('cli/run-graph');
process.exitCode = await runGraphCli(process.argv.slice(2));

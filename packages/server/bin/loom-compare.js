#!/usr/bin/env -S node --conditions=loom-dist
// Renders a LoRA comparison grid (`loom-compare --help`). Runs the build in dist/ (see launch.js for how and why).
import { load } from './launch.js';

const { compareCli } = await load('cli/compare');
process.exitCode = await compareCli(process.argv.slice(2));

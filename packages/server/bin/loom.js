#!/usr/bin/env -S node --conditions=loom-dist
// `loom <command>` (today: `loom pull`). Runs the build in dist/ (see launch.js for how and why).
import { load } from './launch.js';

const { loomCli } = await load('pull/pull-cli');
process.exitCode = await loomCli(process.argv.slice(2));

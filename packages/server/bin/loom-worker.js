#!/usr/bin/env -S node --conditions=loom-dist
// Starts a Loom scale-out worker (`loom-worker --help`). Runs the build in dist/ (see launch.js for how and why).
import { load } from './launch.js';

const { startWorker } = await load('worker/start-worker');
await startWorker(process.argv.slice(2));

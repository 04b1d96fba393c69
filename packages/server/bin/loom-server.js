#!/usr/bin/env -S node --conditions=loom-dist
// Starts the Loom server (`loom-server --help`). Runs the build in dist/ (see launch.js for how and why).
import { load } from './launch.js';

const { startServer } = await load('start/start-server');
await startServer(process.argv.slice(2));

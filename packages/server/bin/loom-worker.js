#!/usr/bin/env node
// Starts a Loom scale-out worker through tsx's loader, so the workspace needs no build step.
import { register } from 'tsx/esm/api';

register();
const { startWorker } = await import('../src/worker/start-worker.ts');
await startWorker(process.argv.slice(2));

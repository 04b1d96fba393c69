#!/usr/bin/env node
// Starts the Loom server through tsx's loader, so the workspace needs no build step.
import { register } from 'tsx/esm/api';

register();
const { startServer } = await import('../src/start/start-server.ts');
await startServer(process.argv.slice(2));

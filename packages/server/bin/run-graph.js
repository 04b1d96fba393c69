#!/usr/bin/env node
// Runs the TypeScript CLI through tsx's loader, so the workspace needs no build step.
import { register } from 'tsx/esm/api';

register();
const { runGraphCli } = await import('../src/cli/run-graph.ts');
process.exitCode = await runGraphCli(process.argv.slice(2));

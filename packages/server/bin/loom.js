#!/usr/bin/env node
// `loom <command>` (today: `loom pull`), run through tsx's loader so the workspace needs no build step.
import { register } from 'tsx/esm/api';

register();
const { loomCli } = await import('../src/pull/pull-cli.ts');
process.exitCode = await loomCli(process.argv.slice(2));

#!/usr/bin/env node
// Runs the comparison CLI through tsx's loader, so the workspace needs no build step.
import { register } from 'tsx/esm/api';

register();
const { compareCli } = await import('../src/cli/compare.ts');
process.exitCode = await compareCli(process.argv.slice(2));

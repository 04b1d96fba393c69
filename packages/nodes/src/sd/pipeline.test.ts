import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LoomError } from '@loom/engine';
import { readPipeline } from './pipeline.ts';

const tinySd15 = fileURLToPath(new URL('../../../../models/tiny-sd15/', import.meta.url));

test('a pipeline folder without scheduler/scheduler_config.json is refused, naming the file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'loom-pipe-'));
  try {
    cpSync(tinySd15, dir, { recursive: true, filter: (src) => !src.includes('scheduler') });
    await assert.rejects(readPipeline(dir), (err: LoomError) => err.code === 'UNSUPPORTED_MODEL' && /scheduler\/scheduler_config\.json/.test(err.message));
    cpSync(join(tinySd15, 'scheduler'), join(dir, 'scheduler'), { recursive: true });
    assert.equal((await readPipeline(dir)).schedulerConfig.steps_offset, 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

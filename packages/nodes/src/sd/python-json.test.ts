import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePythonJson } from './python-json.ts';
import { createScheduler } from './schedulers/create-scheduler.ts';

test("Python's Infinity, -Infinity and NaN tokens parse as strings; inside strings they stay text", () => {
  // As diffusers writes a DPMSolverMultistepScheduler config (json.dumps allows NaN by default).
  const text = '{"lambda_min_clipped": -Infinity, "a": [Infinity, NaN], "note": "NaN and -Infinity \\" Infinity", "n": 1.5}';
  assert.deepEqual(parsePythonJson(text), { lambda_min_clipped: '-Infinity', a: ['Infinity', 'NaN'], note: 'NaN and -Infinity " Infinity', n: 1.5 });
  assert.throws(() => JSON.parse(text), 'plain JSON.parse refuses the file');
});

test('a DPM-Solver config with lambda_min_clipped: -Infinity drives dpmpp_2m; a finite one is refused in one line', () => {
  const config = parsePythonJson(
    '{"_class_name": "DPMSolverMultistepScheduler", "beta_schedule": "scaled_linear", "beta_start": 0.00085, "beta_end": 0.012, "lambda_min_clipped": -Infinity, "solver_order": 2}',
  );
  const s = createScheduler('dpmpp_2m', config);
  s.setTimesteps(4);
  assert.equal(s.timesteps.length, 4);
  assert.throws(
    () => createScheduler('dpmpp_2m', { ...(config as object), lambda_min_clipped: -5.1 }),
    /^LoomError: Scheduler config key lambda_min_clipped: -5\.1 is not supported by the dpmpp_2m scheduler/,
  );
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Request, Response } from 'express';
import { LoomError } from '@loom/engine';
import { errorHandler, HttpError } from './http-error.ts';

/** Runs the error handler on `err` and returns the status and JSON body it sent. */
function answer(err: unknown): { status: number; body: unknown } {
  const sent = { status: 0, body: undefined as unknown };
  const res = {
    headersSent: false,
    status(code: number) {
      sent.status = code;
      return this;
    },
    json(body: unknown) {
      sent.body = body;
      return this;
    },
  } as unknown as Response;
  errorHandler(() => {})(err, {} as Request, res, () => {});
  return sent;
}

test("a LoomError's details are its extra_info: model_unavailable answers 400 as the Redis queue always did", () => {
  const details = { models: ['gamma'], node_id: '1', input: 'pipeline', workers: [{ id: 'a', models: ['alpha'] }] };
  const { status, body } = answer(new LoomError('MODEL_UNAVAILABLE', 'No worker has the pipeline "gamma".', { details }));
  assert.equal(status, 400);
  assert.deepEqual(body, { error: { type: 'model_unavailable', message: 'No worker has the pipeline "gamma".', details: '', extra_info: details } });
});

test('a LoomError without details answers its JSON view; missing models and bad files are 404', () => {
  const { status, body } = answer(new LoomError('MODEL_NOT_FOUND', 'No checkpoint "x".', { nodeId: '4', input: 'ckpt_name' }));
  assert.equal(status, 404);
  assert.deepEqual(body, {
    error: {
      type: 'model_not_found',
      message: 'No checkpoint "x".',
      details: '',
      extra_info: { code: 'MODEL_NOT_FOUND', message: 'No checkpoint "x".', nodeId: '4', input: 'ckpt_name' },
    },
  });
  assert.equal(answer(new LoomError('USAGE', 'x')).status, 400);
});

test('route errors keep their own status and type', () => {
  assert.deepEqual(answer(new HttpError(409, 'exists', 'User file "a" exists.')), {
    status: 409,
    body: { error: { type: 'exists', message: 'User file "a" exists.', details: '', extra_info: {} } },
  });
});

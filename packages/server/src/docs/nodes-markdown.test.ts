import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Catalog, CatalogParam } from '@loom/engine';
import { createHost } from '../host.ts';
import { describeRange, nodesMarkdown } from './nodes-markdown.ts';

test('docs/nodes.md is generated from the current catalog (else: npm run gen:docs)', () => {
  const host = createHost();
  const committed = readFileSync(new URL('../../../../docs/nodes.md', import.meta.url), 'utf8');
  assert.equal(committed, nodesMarkdown(host.registry.catalog(), host.comfyMap), 'docs/nodes.md is stale: run `npm run gen:docs`');
});

const param = (schema: CatalogParam['schema'], extra: Partial<CatalogParam> = {}): CatalogParam => ({
  name: 'p',
  description: 'd',
  widget: 'number',
  linkType: 'INT',
  required: false,
  schema,
  ...extra,
});

test("parameter values: ranges, choices, lengths, file pickers; zod's safe-integer bounds are no range", () => {
  assert.equal(describeRange(param({ type: 'integer', minimum: 1, maximum: 1000 })), 'integer, 1 to 1000');
  assert.equal(describeRange(param({ type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER })), 'integer, ≥ 0');
  assert.equal(describeRange(param({ type: 'integer', minimum: -Number.MAX_SAFE_INTEGER, maximum: Number.MAX_SAFE_INTEGER })), 'integer');
  assert.equal(describeRange(param({ type: 'string', enum: ['euler', 'ddim'] })), 'one of `euler`, `ddim`');
  assert.equal(describeRange(param({ type: 'string', minLength: 1, maxLength: 200 })), 'string, non-empty, at most 200 characters');
  assert.equal(describeRange(param({ type: 'string', minLength: 1 }, { widget: { file: 'loras' } })), "string, non-empty, one of the models folder's loras");
  assert.equal(describeRange(param({ type: 'array', items: {} })), 'JSON list');
});

test('a node section: description, ComfyUI class and renamed inputs, ports, parameters, outputs', () => {
  const catalog: Catalog = {
    portTypes: [{ name: 'LATENT', description: 'Latent | images', color: '#fff' }],
    nodes: [
      {
        type: 'Sampler',
        category: 'sampling',
        description: 'Samples.',
        output: false,
        inputs: [{ name: 'latent', type: 'LATENT', description: 'Start', optional: false }],
        params: [
          param({ type: 'integer', minimum: 1, maximum: 50 }, { name: 'steps', description: 'Steps', default: 20 }),
          param({ type: 'string' }, { name: 'name', description: 'A name', required: true, widget: 'text', linkType: 'STRING' }),
        ],
        outputs: [{ name: 'latent', type: 'LATENT' }],
      },
    ],
  };
  const text = nodesMarkdown(catalog, { KSampler: { type: 'Sampler', inputs: { latent_image: 'latent' } } });
  assert.ok(text.includes('| LATENT | Latent \\| images |'), 'pipes in cells are escaped');
  assert.ok(
    text.includes(
      [
        '## sampling',
        '',
        '### Sampler',
        '',
        'Samples.',
        '',
        'ComfyUI: `KSampler`',
        '',
        '| input | type | ComfyUI name | description |',
        '|---|---|---|---|',
        '| `latent` | LATENT | `latent_image` | Start |',
        '',
        '| parameter | values | default | ComfyUI name | description |',
        '|---|---|---|---|---|',
        '| `steps` | integer, 1 to 50 | `20` |  | Steps |',
        '| `name` | string | required |  | A name |',
        '',
        'Outputs: `latent` (LATENT).',
        '',
      ].join('\n'),
    ),
    text,
  );
});

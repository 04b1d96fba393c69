/**
 * The graphs the editor bench loads: the chain (String → N−2 StringJoin → ShowText, laid out
 * as a snake of rows so Fit shows a screen-shaped block) and a 200-node "realistic" graph (25 copies
 * of graphs/loom-tiny-txt2img.json, each with a String node feeding its prompt). Run directly, it
 * writes them as JSON files: `node --import tsx bench/editor/graphs.ts <dir> [1000 5000]`.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isLink, type Graph, type NodeInstance } from '../../packages/engine/src/graph.ts';

/** Node pitch of the generated layouts (a StringJoin node is about 260 × 210 px). */
const PITCH = { x: 320, y: 260 };

/** String → `count − 2` StringJoin → ShowText; each StringJoin appends its index to the text. */
export function chainGraph(count: number, perRow = Math.ceil(Math.sqrt(count * 1.6))): Graph {
  if (count < 3) throw new Error(`a chain needs at least 3 nodes, not ${count}`);
  const nodes: Record<string, NodeInstance> = {};
  // Rows alternate direction (a snake), so every link joins neighbours.
  const at = (i: number): [number, number] => {
    const row = Math.floor(i / perRow);
    const col = row % 2 === 0 ? i % perRow : perRow - 1 - (i % perRow);
    return [col * PITCH.x, row * PITCH.y];
  };
  nodes['n0'] = { type: 'String', inputs: { value: 'start' }, ui: { position: at(0) } };
  for (let i = 1; i < count - 1; i++) {
    nodes[`n${i}`] = {
      type: 'StringJoin',
      inputs: { a: { node: `n${i - 1}`, output: i === 1 ? 'value' : 'text' }, b: i % 50 === 0 ? String(i) : '', separator: '-' },
      ui: { position: at(i) },
    };
  }
  nodes[`n${count - 1}`] = { type: 'ShowText', inputs: { text: { node: `n${count - 2}`, output: 'text' } }, ui: { position: at(count - 1) } };
  return { version: 1, nodes, meta: { title: `chain of ${count}` } };
}

const TEMPLATE = fileURLToPath(new URL('../../graphs/loom-tiny-txt2img.json', import.meta.url));

/** Columns of the txt2img block: loader | prompt texts | encoders, latent | sampler | decode | save. */
const BLOCK_LAYOUT: Record<string, [number, number]> = {
  loader: [0, 0],
  prompt: [0, 300],
  positive: [320, 0],
  negative: [320, 260],
  latent: [320, 520],
  sampler: [640, 0],
  decode: [960, 0],
  save: [960, 220],
};

/** `blocks` txt2img pipelines side by side in a grid, 8 nodes each (200 nodes for 25). */
export function realisticGraph(blocks = 25): Graph {
  const template = JSON.parse(readFileSync(TEMPLATE, 'utf8')) as Graph;
  const nodes: Record<string, NodeInstance> = {};
  const perRow = Math.ceil(Math.sqrt(blocks));
  for (let b = 0; b < blocks; b++) {
    const origin = [(b % perRow) * 1400, Math.floor(b / perRow) * 900];
    const rename = (id: string): string => `b${b}_${id}`;
    const copy: Record<string, NodeInstance> = structuredClone(template.nodes);
    copy['prompt'] = { type: 'String', inputs: { value: `a small red circle, block ${b}` } };
    (copy['positive'] as NodeInstance).inputs['text'] = { node: 'prompt', output: 'value' };
    for (const [id, instance] of Object.entries(copy)) {
      const inputs = Object.fromEntries(
        Object.entries(instance.inputs).map(([name, value]) => [name, isLink(value) ? { ...value, node: rename(value.node) } : value]),
      );
      const [x, y] = BLOCK_LAYOUT[id] ?? [0, 0];
      nodes[rename(id)] = { ...instance, inputs, ui: { position: [origin[0]! + x, origin[1]! + y] } };
    }
  }
  return { version: 1, nodes, meta: { title: `${blocks} txt2img pipelines` } };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [dir = '.', ...counts] = process.argv.slice(2);
  mkdirSync(dir, { recursive: true });
  for (const count of counts.length > 0 ? counts.map(Number) : [1000, 5000])
    writeFileSync(join(dir, `chain-${count}.json`), `${JSON.stringify(chainGraph(count))}\n`);
  writeFileSync(join(dir, 'realistic-200.json'), `${JSON.stringify(realisticGraph())}\n`);
  console.log(`wrote the bench graphs to ${dir}`);
}

/**
 * Extra test nodes for server tests, on top of the engine's stubs: an image-saving output node that
 * writes a real PNG (like SaveImage, `ui.images` in ComfyUI's shape), a node that sends sampler-like
 * previews, and one that sleeps silently (a long model load with no events).
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync, crc32 } from 'node:zlib';
import { z } from 'zod';
import { FLOAT, defineNode, param, type AnyNodeDefinition } from '@loom/engine';

/** A valid RGB PNG (ISO/IEC 15948: signature, IHDR, one IDAT of filter-0 scanlines, IEND). */
export function tinyPng(width: number, height: number, rgb: [number, number, number] = [200, 30, 30]): Buffer {
  const chunk = (type: string, data: Buffer): Buffer => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const row = Buffer.concat([Buffer.from([0]), Buffer.from(Array.from({ length: width }, () => rgb).flat())]);
  const raw = Buffer.concat(Array.from({ length: height }, () => row));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

let saved = 0;

export function testNodes(outputDir: string): AnyNodeDefinition[] {
  const StubSaveImage = defineNode({
    type: 'StubSaveImage',
    category: 'test',
    description: 'Writes a small PNG whose colour depends on the input (atomically) and shows it like SaveImage.',
    inputs: { x: { type: FLOAT } },
    params: { filenamePrefix: param(z.string().default('Loom'), 'File name prefix') },
    outputs: {},
    output: true,
    run: ({ x }, { filenamePrefix }, ctx) => {
      mkdirSync(outputDir, { recursive: true });
      const filename = `${filenamePrefix}_${String(++saved).padStart(5, '0')}_.png`;
      const tmp = join(outputDir, `.${filename}.tmp`);
      writeFileSync(tmp, tinyPng(4, 4, [Math.abs(Math.round(x)) % 256, 0, 0]));
      renameSync(tmp, join(outputDir, filename));
      ctx.ui({ images: [{ filename, subfolder: '', type: 'output' }] });
      return {};
    },
  });

  const Previews = defineNode({
    type: 'Previews',
    category: 'test',
    description: 'Reports `steps` progress steps, each with a JPEG-tagged preview of `bytes` bytes.',
    inputs: { x: { type: FLOAT } },
    params: {
      steps: param(z.int().min(1).max(100_000).default(3), 'Steps'),
      bytes: param(
        z
          .int()
          .min(3)
          .max(4 * 1024 * 1024)
          .default(16),
        'Preview size (at least the 3-byte JPEG marker)',
      ),
      ms: param(z.int().min(0).max(60_000).default(0), 'Delay per step'),
    },
    outputs: { y: FLOAT },
    run: async ({ x }, { steps, bytes, ms }, ctx) => {
      const data = new Uint8Array(bytes).fill(0xab);
      data.set([0xff, 0xd8, 0xff]);
      for (let step = 1; step <= steps; step++) {
        if (ms > 0) await new Promise((r) => setTimeout(r, ms));
        ctx.throwIfCancelled();
        ctx.progress(step, steps, { mime: 'image/jpeg', data });
      }
      return { y: x };
    },
  });

  const Sleep = defineNode({
    type: 'Sleep',
    category: 'test',
    description: 'Waits silently (no progress), like a long model load.',
    inputs: { x: { type: FLOAT } },
    params: { ms: param(z.int().min(0).max(120_000).default(100), 'Delay') },
    outputs: { y: FLOAT },
    run: async ({ x }, { ms }, ctx) => {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(resolve, ms);
        ctx.signal.addEventListener('abort', () => {
          clearTimeout(timer);
          reject(new Error('aborted'));
        });
      });
      ctx.throwIfCancelled();
      return { y: x };
    },
  });
  const PickLora = defineNode({
    type: 'PickLora',
    category: 'test',
    description: 'Shows the LoRA file picked from models/loras.',
    inputs: {},
    params: { lora: param(z.string().min(1), 'A LoRA file', { file: 'loras' }) },
    outputs: {},
    output: true,
    run: (_i, { lora }, ctx) => {
      ctx.ui({ text: [lora] });
      return {};
    },
  });
  const PickInput = defineNode({
    type: 'PickInput',
    category: 'test',
    description: 'Shows the name of an uploaded input image (a file widget on the input folder, like LoadImage).',
    inputs: {},
    params: { image: param(z.string().min(1), 'An image in the input folder', { file: 'input' }) },
    outputs: {},
    output: true,
    run: (_i, { image }, ctx) => {
      ctx.ui({ text: [image] });
      return {};
    },
  });
  return [StubSaveImage, Previews, Sleep, PickLora, PickInput];
}

/** Device, memory and versions: the facts behind `/system_stats` (ComfyUI shape) and `/loom/api/system`. */
import { freemem, totalmem, cpus, platform, release } from 'node:os';
import type { ServerContext } from '../server-context.ts';
import { versions } from './versions.ts';

export function loomSystem(ctx: ServerContext) {
  const memory = process.memoryUsage();
  return {
    device: ctx.host.config.device,
    threads: ctx.host.config.threads,
    os: { platform: platform(), release: release(), cpus: cpus().length },
    memory: { total: totalmem(), free: freemem(), rss: memory.rss, heapUsed: memory.heapUsed, external: memory.external },
    objectCache: ctx.host.engine.objects.stats(),
    outputCache: { entries: ctx.host.engine.outputCache.size },
    versions: versions(),
    uptimeMs: Date.now() - ctx.startedAt,
  };
}

/** ComfyUI's `/system_stats` (server.py `system_stats`): clients crash without `system.os` and `devices`. */
export function comfySystemStats(ctx: ServerContext) {
  const v = versions();
  const device = ctx.host.config.device;
  return {
    system: {
      // ComfyUI reports Python's os.name ("posix" or "nt").
      os: platform() === 'win32' ? 'nt' : 'posix',
      ram_total: totalmem(),
      ram_free: freemem(),
      comfyui_version: `loom-${v.loom}`,
      required_frontend_version: '',
      installed_templates_version: '',
      required_templates_version: '',
      python_version: `node ${v.node}`,
      pytorch_version: `onnxruntime-node ${v.onnxruntime}`,
      embedded_python: false,
      argv: process.argv.slice(1),
    },
    devices: [
      {
        name: device === 'auto' ? 'auto (onnxruntime picks the best available)' : device,
        type: device === 'auto' ? 'cpu' : device,
        index: 0,
        vram_total: 0,
        vram_free: 0,
        torch_vram_total: 0,
        torch_vram_free: 0,
      },
    ],
  };
}

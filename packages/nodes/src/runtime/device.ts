/**
 * Execution-provider choice. An explicit device that cannot work is an error with the install hint.
 * `auto` tries the GPU providers this machine has evidence of (CUDA with its binaries installed and, on
 * Linux, an NVIDIA driver; DirectML on Windows; CoreML on macOS) and otherwise runs on the CPU without
 * a word: a CPU-only machine is normal, not a warning. If a provider that looked usable fails, the
 * reason is logged as info (hidden by `--quiet`). WebGPU is never probed under `auto`: on a machine
 * without a GPU, Dawn's Vulkan probe prints native warnings we cannot silence. onnxruntime-node has no
 * automatic fallback of its own: asking for `['cuda', 'cpu']` without the CUDA binaries throws, so we retry.
 */
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { InferenceSession } from 'onnxruntime-node';
import { LoomError } from '@loom/engine';
import type { DeviceChoice } from '../pack-config.ts';

export type ConcreteDevice = Exclude<DeviceChoice, 'auto'>;

const PROVIDER: Record<ConcreteDevice, string> = { cpu: 'cpu', cuda: 'cuda', webgpu: 'webgpu', dml: 'dml', coreml: 'coreml' };

const INSTALL_HINT: Record<ConcreteDevice, string> = {
  cpu: '',
  cuda: 'Install the CUDA provider with `npm run gpu:install-cuda` (Linux x64, with an NVIDIA driver and CUDA 12).',
  webgpu: 'WebGPU needs a GPU adapter (Vulkan on Linux, D3D12 on Windows, Metal on macOS).',
  dml: 'DirectML is available on Windows only, with a DirectX 12 GPU.',
  coreml: 'CoreML is available on macOS only.',
};

/** GPU providers `auto` considers on this platform, best first (WebGPU only when asked for: module doc). */
export function autoCandidates(platform: NodeJS.Platform = process.platform): ConcreteDevice[] {
  if (platform === 'win32') return ['cuda', 'dml'];
  if (platform === 'darwin') return ['coreml'];
  return ['cuda'];
}

export function executionProviders(device: ConcreteDevice): InferenceSession.SessionOptions['executionProviders'] {
  return [PROVIDER[device]];
}

/**
 * Why a provider cannot work, found without trying it (trying CUDA without its binaries makes
 * onnxruntime print a native error), or undefined if it is worth a try.
 */
function missingBinaries(device: ConcreteDevice): string | undefined {
  if (device !== 'cuda') return undefined;
  const binaries = join(dirname(createRequire(import.meta.url).resolve('onnxruntime-node/package.json')), 'bin', 'napi-v6', process.platform, process.arch);
  const files = existsSync(binaries) ? readdirSync(binaries) : [];
  return files.some((f) => f.includes('providers_cuda')) ? undefined : 'the CUDA binaries are not installed';
}

/** Whether `auto` should try a provider here: its binaries are installed and, for CUDA on Linux, a driver is loaded. */
function present(device: ConcreteDevice): boolean {
  if (missingBinaries(device)) return false;
  // The NVIDIA kernel module's proc entry: without it no CUDA device is usable, whatever is installed.
  return !(device === 'cuda' && process.platform === 'linux' && !existsSync('/proc/driver/nvidia/version'));
}

/** Which device `auto` settled on, per process, so the probing and its message happen once. */
let autoDevice: Promise<ConcreteDevice> | undefined;

/** Where device messages go (a node's `ctx.log`); the session code also warns through it. */
export interface DeviceLog {
  warn(message: string): void;
  info(message: string): void;
}

/**
 * Creates something (a session) on the requested device. For `auto`, each candidate present on the
 * machine is tried in order and the CPU is the last resort; if any was tried and failed, the reasons
 * go into one info message.
 */
export async function withDevice<T>(
  choice: DeviceChoice,
  create: (device: ConcreteDevice) => Promise<T>,
  log: DeviceLog,
): Promise<{ value: T; device: ConcreteDevice }> {
  if (choice !== 'auto') {
    const missing = missingBinaries(choice);
    if (missing)
      throw new LoomError(
        'DEVICE_UNAVAILABLE',
        `Device "${choice}" cannot be used: ${missing}. ${INSTALL_HINT[choice]} Use --device auto to fall back to the CPU.`,
      );
    try {
      return { value: await create(choice), device: choice };
    } catch (err) {
      if (choice === 'cpu') throw err;
      throw new LoomError(
        'DEVICE_UNAVAILABLE',
        `Device "${choice}" cannot be used: ${firstLine(err)}. ${INSTALL_HINT[choice]} Use --device auto to fall back to the CPU.`,
        { cause: err },
      );
    }
  }
  if (autoDevice) {
    const device = await autoDevice;
    return { value: await create(device), device };
  }
  let settle: (device: ConcreteDevice) => void = () => {};
  autoDevice = new Promise((resolve) => (settle = resolve));
  const reasons: string[] = [];
  for (const device of autoCandidates()) {
    if (!present(device)) continue;
    try {
      const value = await create(device);
      settle(device);
      return { value, device };
    } catch (err) {
      reasons.push(`${device}: ${firstLine(err)}`);
    }
  }
  settle('cpu');
  if (reasons.length > 0) log.info(`No GPU execution provider works here, running on the CPU (${reasons.join('; ')}).`);
  return { value: await create('cpu'), device: 'cpu' };
}

/** The gist of a native error: its first line, without onnxruntime's source-location prefix. */
function firstLine(err: unknown): string {
  const line = (err instanceof Error ? err.message : String(err)).split('\n')[0]?.trim() ?? 'unknown error';
  const sentences = line.split(/(?<=\.) |was false\. /);
  return line.length > 120 && sentences.length > 1 ? (sentences.at(-1) as string) : line;
}

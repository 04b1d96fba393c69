/**
 * `loom pull`: fetches a model from the Hugging Face Hub (or a mirror, or a plain URL) into the right
 * `models/` folder, with resume, sha256 checks and a progress line. Exit codes: 0 done, 1 a download
 * failed (network, access, checksum, disk), 2 usage (bad arguments, ambiguous kind).
 */
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { LoomError } from '@loom/engine';
import { EXIT } from '../cli/host-options.ts';
import { download } from './download.ts';
import { KINDS, KIND_FOLDERS, parseKind } from './kinds.ts';
import { planPull, type PullRequest } from './plan.ts';
import { createTransferProgress, formatBytes } from './transfer-progress.ts';

const PULL_USAGE = `Usage: loom pull <owner/name | URL> [path/in/repo] [options]

Fetches a model into the models folder, by kind:
  pipeline    models/<name>/ (a diffusers or ONNX folder, its layout kept; found by model_index.json)
  ${KINDS.filter((k) => k !== 'pipeline')
    .map((k) => `${k.padEnd(11)} models/${KIND_FOLDERS[k]}/`)
    .join('\n  ')}
One file lands flat in its kind's folder; several go to <folder>/<name>/.
Only what Loom reads is fetched: safetensors before .bin, no flax/TF weights, no ckpt duplicates.

  loom pull xyn-ai/DreamShaper                         a diffusers pipeline → models/DreamShaper/
  loom pull RickDYang/dreamshaper-lora-genshin         its LoRA files → models/loras/dreamshaper-lora-genshin/
  loom pull owner/repo path/in/repo.safetensors --kind lora
  loom pull https://host/path/file.safetensors --kind lora

Options:
  --kind KIND        ${KINDS.join(', ')} (detected from the files when left out)
  --name NAME        the folder name (default: the repository's name)
  --onnx             a pipeline's ONNX export instead of its torch weights
  --variant NAME     weights of that variant when there are some (e.g. fp16)
  --revision REV     branch, tag or commit (default main)
  --endpoint URL     hub address (default $HF_ENDPOINT or https://huggingface.co)
  --models DIR       models folder (default ./models, or $LOOM_MODELS)
  --sha256 HEX       expected checksum of a URL download
  -h, --help         this text
A token in $HF_TOKEN is sent as "Authorization: Bearer" (needed for gated and private repositories).
An interrupted pull resumes where it stopped: run the same command again.`;

const LOOM_USAGE = `Usage: loom <command> [options]

Commands:
  pull     fetch a model from the Hugging Face Hub or a URL into models/ (loom pull --help)`;

/** Where `loom pull` reads and writes; tests pass their own streams, environment and retry pacing. */
export interface PullIo {
  env: NodeJS.ProcessEnv;
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  retries?: number;
  sleep?: (ms: number) => Promise<void>;
}

/** Runs `loom pull` with its arguments; returns the exit code. */
export async function pullCli(argv: string[], io: PullIo = { env: process.env, out: process.stdout, err: process.stderr }): Promise<number> {
  const { env, out, err } = io;
  let request: PullRequest;
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        kind: { type: 'string' },
        name: { type: 'string' },
        onnx: { type: 'boolean', default: false },
        variant: { type: 'string' },
        revision: { type: 'string', default: 'main' },
        endpoint: { type: 'string' },
        models: { type: 'string' },
        sha256: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
    if (values.help) {
      out.write(`${PULL_USAGE}\n`);
      return EXIT.ok;
    }
    const [target, path, ...extra] = positionals;
    if (target === undefined || extra.length > 0) throw new LoomError('USAGE', `expected <owner/name | URL> [path/in/repo].\n\n${PULL_USAGE}`);
    if (values.sha256 !== undefined && !/^[0-9a-f]{64}$/i.test(values.sha256)) throw new LoomError('USAGE', '--sha256 must be 64 hex digits.');
    if (values.name !== undefined && !/^[\w.-]+$/.test(values.name))
      throw new LoomError('USAGE', `--name "${values.name}": use letters, digits, ".", "_" or "-" (one folder name).`);
    const token = env.HF_TOKEN?.trim() || undefined;
    request = {
      target,
      ...(path !== undefined && { path }),
      ...(values.kind !== undefined && { kind: parseKind(values.kind) }),
      ...(values.name !== undefined && { name: values.name }),
      onnx: values.onnx,
      ...(values.variant !== undefined && { variant: values.variant }),
      revision: values.revision,
      endpoint: (values.endpoint ?? env.HF_ENDPOINT ?? 'https://huggingface.co').replace(/\/+$/, ''),
      modelsDir: resolve(values.models ?? env.LOOM_MODELS ?? 'models'),
      ...(values.sha256 !== undefined && { sha256: values.sha256.toLowerCase() }),
      ...(token !== undefined && { token }),
    };
  } catch (e) {
    err.write(`loom pull: ${e instanceof Error ? e.message : String(e)}\n`);
    return EXIT.invalid;
  }

  const progress = { clear: (): void => undefined } as { clear(): void };
  try {
    const plan = await planPull(request);
    const total = plan.files.reduce((sum, f) => sum + (f.size ?? 0), 0);
    out.write(`${request.target} → ${plan.destination} (${plan.kind}, ${plan.files.length} file(s)${total > 0 ? `, ${formatBytes(total)}` : ''})\n`);
    const bar = createTransferProgress(err, err.isTTY === true, total);
    progress.clear = bar.clear;
    for (const file of plan.files) {
      bar.fileStarted(file.label, file.size ?? 0);
      const result = await download({
        ...file,
        ...(request.token !== undefined && { token: request.token }),
        onBytes: (n, resumed) => bar.bytes(n, resumed),
        ...(io.retries !== undefined && { retries: io.retries }),
        ...(io.sleep && { sleep: io.sleep }),
      });
      const note = result.skipped ? 'have' : result.resumedFrom > 0 ? `resumed at ${formatBytes(result.resumedFrom)},` : 'got';
      bar.fileDone(file.label, `${note} ${formatBytes(result.bytes)}`);
    }
    bar.clear();
    out.write(`done: ${plan.destination}\n`);
    return EXIT.ok;
  } catch (e) {
    progress.clear();
    const error = e instanceof LoomError ? e : new LoomError('DOWNLOAD_FAILED', e instanceof Error ? e.message : String(e), { cause: e });
    err.write(`loom pull: ${error.message}\n`);
    return error.code === 'USAGE' ? EXIT.invalid : EXIT.failed;
  }
}

/** `loom <command>`: the one subcommand today is `pull`. */
export async function loomCli(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'pull') {
    // Ctrl-C: the `.part` file stays, so the same command resumes; 130 as every Loom command.
    process.once('SIGINT', () => {
      process.stderr.write('\nloom pull: interrupted; what arrived is kept in .part files, run the same command again to resume.\n');
      process.exit(EXIT.interrupted);
    });
    return pullCli(rest);
  }
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(`${LOOM_USAGE}\n`);
    return command === undefined ? EXIT.invalid : EXIT.ok;
  }
  process.stderr.write(`loom: unknown command "${command}".\n\n${LOOM_USAGE}\n`);
  return EXIT.invalid;
}

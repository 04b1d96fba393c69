#!/usr/bin/env node
// `npm run gpu:install-cuda`: fetches onnxruntime-node's CUDA execution provider by running the package's
// own installer explicitly (`script/install.js --onnxruntime-node-install=cuda12`). `npm ci` never runs
// it: "allowScripts" in package.json denies onnxruntime-node's postinstall, and `npm rebuild` with the
// flag is denied the same way. The installer downloads Microsoft.ML.OnnxRuntime.Gpu.Linux (the same
// version as onnxruntime-node) from api.nuget.org and copies three .so files into
// node_modules/onnxruntime-node/bin/napi-v6/linux/x64. It honours GLOBAL_AGENT_HTTPS_PROXY for proxies.
// Exit codes: 0 installed, 1 not installed (the reason is printed, with what to do).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const ortDir = dirname(createRequire(new URL('../packages/nodes/package.json', import.meta.url)).resolve('onnxruntime-node/package.json'));
const binDir = join(ortDir, 'bin', 'napi-v6', process.platform, process.arch);
const cudaFiles = () => (existsSync(binDir) ? readdirSync(binDir).filter((f) => f.includes('providers_')) : []);
const fail = (message) => {
  console.error(`CUDA provider not installed: ${message}`);
  process.exit(1);
};

if (`${process.platform}/${process.arch}` !== 'linux/x64') {
  fail(
    `onnxruntime-node publishes its CUDA provider for linux/x64 only, not ${process.platform}/${process.arch}. ` +
      'Use --device dml on Windows, --device coreml on macOS, or the CPU.',
  );
}

// What the machine has, printed first: the download works without a GPU, the provider does not.
const driver = existsSync('/proc/driver/nvidia/version');
const nvcc = spawnSync('nvcc', ['--version'], { encoding: 'utf8' });
const toolkit = nvcc.status === 0 ? (/release ([\d.]+)/.exec(nvcc.stdout)?.[1] ?? 'unknown version') : undefined;
console.log(`NVIDIA driver: ${driver ? 'found' : 'not found (no /proc/driver/nvidia)'}; CUDA toolkit: ${toolkit ?? 'nvcc not found'}.`);
if (!driver) console.log('Installing anyway (e.g. for an image that runs on a GPU host later); --device cuda needs the driver.');

const version = createRequire(import.meta.url)(join(ortDir, 'package.json')).version;
console.log(`Downloading the CUDA 12 provider of onnxruntime-node ${version} from api.nuget.org…`);
// The installer also reads its flag from ONNXRUNTIME_NODE_INSTALL* and npm_config_* variables, and quits
// silently when npm's variables say it runs inside its own package: pass only the explicit flag.
const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^(npm_|ONNXRUNTIME_NODE_INSTALL)/i.test(key)));
const run = spawnSync(process.execPath, [join(ortDir, 'script', 'install.js'), '--onnxruntime-node-install=cuda12'], { cwd: ortDir, encoding: 'utf8', env });
process.stdout.write(run.stdout ?? '');
if (run.status !== 0) {
  // The installer ends on an unhandled rejection: its message is the first "Error: …" line of stderr.
  const reason = /(?:^|\n)\s*(?:\w*Error): ([^\n]+)/.exec(run.stderr ?? '')?.[1] ?? (run.stderr || run.error?.message || `exit ${run.status}`).trim();
  fail(
    `the download failed (${reason}). It needs HTTPS access to api.nuget.org ` +
      '(behind a proxy, set GLOBAL_AGENT_HTTPS_PROXY=http://proxy:port). Nothing was changed; run it again when online.',
  );
}
const installed = cudaFiles();
if (!installed.some((f) => f.includes('providers_cuda'))) fail(`the installer finished but ${binDir} has no libonnxruntime_providers_cuda.so.`);
console.log(`Installed ${installed.join(', ')} into ${binDir}.`);
console.log(driver ? 'Run with --device cuda (or auto).' : 'Install the NVIDIA driver, then run with --device cuda (or auto).');

/**
 * SafetyRetry: runs the safety checker on each image and, when one is flagged or entirely black,
 * re-generates it with a new seed through the lazy `images` input (the engine's loop construct): the
 * node binds its `seed` input's source to `seed + k·seedStride` for attempt k, so everything downstream
 * of that Seed node re-runs (the sampler, and a PromptLibrary whose seed is linked from the same node,
 * which re-picks its random combinations). Every attempt is recorded in the image metadata and the ui.
 */
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { atInput, defineNode, isLink, LoomError, MAX_SEED, param, INT } from '@loom/engine';
import type { NodePackConfig } from '../pack-config.ts';
import { IMAGE, MODEL, type ModelHandle } from '../ports.ts';
import { fileStamp, MODEL_FOLDERS, resolveInside } from '../model-files.ts';
import { checkerFolder, checkImage, openChecker, type CheckerFiles } from '../sd/safety/checker.ts';
import { isAllBlack, isImageBlack } from '../sd/safety/black.ts';
import { blurImage } from '../sd/safety/blur.ts';
import { retryUntilSafe } from '../sd/safety/retry.ts';

/**
 * `auto`: the linked pipeline's own safety_checker/ (with its feature_extractor/), else models/safety_checker.
 * A named folder holds model.onnx and preprocessor_config.json, or, inside a pipeline, finds the latter
 * in the sibling feature_extractor/ (the diffusers-script layout).
 */
async function checkerFiles(modelsDir: string, choice: string, model: ModelHandle | undefined): Promise<CheckerFiles> {
  if (choice === 'auto') {
    const { safetyChecker, featureExtractor } = model?.pipeline ?? {};
    if (safetyChecker && featureExtractor) return { model: safetyChecker, preprocessor: featureExtractor };
    return checkerFolder(join(modelsDir, MODEL_FOLDERS.safety_checker));
  }
  const files = checkerFolder(await resolveInside(modelsDir, choice, 'Safety checker folder'));
  // Checked here, before the model and the preprocessor config are opened together: otherwise which
  // of the two missing files gets reported depends on which read fails first.
  if ((await fileStamp(files.model)) === 'missing')
    throw new LoomError('MODEL_NOT_FOUND', `Safety checker folder "${choice}" has no model.onnx (looked for ${files.model}).`);
  if ((await fileStamp(files.preprocessor)) !== 'missing') return files;
  return { ...files, preprocessor: join(dirname(files.model), '..', 'feature_extractor', 'preprocessor_config.json') };
}

export const safetyRetryNode = (config: NodePackConfig) =>
  defineNode({
    type: 'SafetyRetry',
    category: 'image/safety',
    description:
      'Checks images with the Stable Diffusion safety checker. A flagged or all-black image is generated again with seed + k·seedStride (attempt k), up to maxAttempts; link `seed` from the Seed node that feeds the sampler. Every attempt is recorded in the image metadata.',
    inputs: {
      images: { type: IMAGE, lazy: true, description: 'The images to check; re-evaluated with a new seed on failure' },
      model: { type: MODEL, optional: true, description: "Lets `checker: auto` use the pipeline's own safety_checker/" },
    },
    params: {
      seed: param(z.int().min(0).max(MAX_SEED).default(0), 'Link from the Seed node feeding the sampler: retries re-bind it', 'seed'),
      promptSeed: param(
        z.int().min(0).max(MAX_SEED).default(0),
        'Optional: link from a separate prompt-library seed to re-pick the prompt on retries too',
        'seed',
      ),
      maxAttempts: param(z.int().min(1).max(100).default(10), 'Attempts per image, the first included'),
      seedStride: param(z.int().min(1).max(MAX_SEED).default(1), 'Attempt k uses seed + k·seedStride (wrapping past the largest seed)'),
      policy: param(
        z.enum(['keep', 'blur', 'fail']).default('keep'),
        "When every attempt fails: keep the checker's black image, blur the last attempt, or fail the node",
      ),
      blurSigma: param(z.number().min(0.3).max(1000).default(32), 'Gaussian blur sigma in pixels for the blur policy'),
      checker: param(
        z.string().min(1).default('auto'),
        'Checker folder inside models (model.onnx + preprocessor_config.json); auto = the pipeline’s own, else safety_checker',
      ),
    },
    outputs: { images: IMAGE, seed: INT, attempts: INT },
    fingerprint: async ({ checker }) => {
      const dir = checker === undefined || checker === 'auto' ? MODEL_FOLDERS.safety_checker : checker;
      const path = await resolveInside(config.modelsDir, dir, 'Safety checker folder').catch(() => '');
      return path ? fileStamp(join(path, 'model.onnx')) : 'invalid';
    },
    run: async ({ images, model }, p, ctx) => {
      const links = ctx.graph.nodes[ctx.nodeId]?.inputs ?? {};
      const seedLink = links.seed;
      if (p.maxAttempts > 1 && !isLink(seedLink)) {
        throw new LoomError(
          'PARAM_INVALID',
          'SafetyRetry retries by re-binding its seed: link `seed` from the Seed node that feeds the sampler (or set maxAttempts to 1).',
          { input: 'seed' },
        );
      }
      const promptLink = links.promptSeed;
      // A prompt seed from the same node as the seed is already re-bound with it.
      const advancePrompt = isLink(promptLink) && !(isLink(seedLink) && promptLink.node === seedLink.node && promptLink.output === seedLink.output);
      const files = await atInput('checker', () => checkerFiles(config.modelsDir, p.checker, model));
      const checker = await atInput('checker', () => openChecker(ctx.objects, files, config, ctx.log));
      const seedFor = (k: number): number => (p.seed + k * p.seedStride) % (MAX_SEED + 1);
      const promptSeedFor = (k: number): number => (p.promptSeed + k) % (MAX_SEED + 1);
      const result = await retryUntilSafe({
        maxAttempts: p.maxAttempts,
        seedFor,
        ...(advancePrompt && { promptSeedFor }),
        policy: p.policy,
        evaluate: (k) => {
          ctx.throwIfCancelled();
          return k === 0 ? images.evaluate() : images.evaluate({ seed: seedFor(k), ...(advancePrompt && { promptSeed: promptSeedFor(k) }) });
        },
        check: async (batch, i) => {
          const { flagged, out } = await checkImage(checker, batch, i);
          // Flagged images come back zeroed; "black" means the image itself was black before the checker.
          return { flagged, black: isImageBlack(batch, i) || (!flagged && isAllBlack(out)), out };
        },
        blur: (batch, i) => blurImage(batch, i, p.blurSigma),
        onAttempt: (a) => {
          ctx.progress(a.attempt, p.maxAttempts);
          if (a.reason !== 'ok')
            ctx.log.warn(
              `image ${a.image}, attempt ${a.attempt} (seed ${a.seed}): ${a.reason === 'flagged' ? 'flagged by the safety checker' : 'entirely black'}${a.attempt < p.maxAttempts ? `; retrying with seed ${seedFor(a.attempt)}` : ''}`,
            );
        },
      });
      ctx.ui({ attempts: result.report.attempts, outcome: result.report.outcome });
      return { images: result.images, seed: result.seeds[0] ?? p.seed, attempts: result.evaluations };
    },
  });

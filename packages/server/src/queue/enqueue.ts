/**
 * Putting a validated prompt on the queue from an HTTP handler: checks a client-chosen id, assigns the
 * priority number, and gates the start on the response being flushed plus a short delay, because
 * clients attach their listeners only after reading the response (ComfyUI's script_examples/websockets_api_example.py queues, then reads the socket).
 */
import { randomUUID } from 'node:crypto';
import type { Response } from 'express';
import type { Graph } from '@loom/engine';
import { HttpError } from '../http/http-error.ts';
import type { ServerContext } from '../server-context.ts';
import type { PromptFormat, QueuedPrompt } from './prompt-queue.ts';

/** Prompt ids name history files, so they are restricted to a safe alphabet. */
const PROMPT_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

export interface EnqueueRequest {
  format: PromptFormat;
  prompt: unknown;
  graph: Graph;
  targets: string[];
  classTypes: Record<string, string>;
  extraData: Record<string, unknown>;
  clientId?: string;
  promptId?: string;
  number?: number;
  front?: boolean;
}

export async function enqueue(ctx: ServerContext, request: EnqueueRequest, res: Response): Promise<QueuedPrompt> {
  const promptId = request.promptId ?? randomUUID();
  if (!PROMPT_ID.test(promptId)) {
    throw new HttpError(400, 'invalid_prompt_id', 'prompt_id must be 1-128 letters, digits, _ . or -, starting with a letter or digit.');
  }
  const number = request.number ?? (await ctx.queue.nextNumber(request.front === true));
  const prompt: QueuedPrompt = {
    promptId,
    number,
    format: request.format,
    prompt: request.prompt,
    graph: request.graph,
    extraData: { ...request.extraData, ...(request.clientId !== undefined && { client_id: request.clientId }) },
    targets: request.targets,
    classTypes: request.classTypes,
    createdAt: Date.now(),
    ...(request.clientId !== undefined && { clientId: request.clientId }),
  };
  const gate = new Promise<void>((resolve) => {
    const open = (): void => void setTimeout(resolve, ctx.startDelayMs);
    res.once('finish', open);
    res.once('close', open);
  });
  try {
    await ctx.queue.submit(prompt, { gate });
  } catch (err) {
    if ((err as { code?: string }).code === 'USAGE') throw new HttpError(409, 'duplicate_prompt_id', (err as Error).message);
    throw err;
  }
  return prompt;
}

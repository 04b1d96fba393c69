/**
 * The editor's node and connection classes (Rete's classic preset, extended). A node is one graph
 * node: typed port inputs, parameters (each with a literal value, and a socket too when a primitive
 * output may be linked into it), typed outputs, and what the last run and validation said about it.
 */
import { ClassicPreset, type GetSchemes } from 'rete';
import type { CatalogEntry, CatalogParam, ImageRef, Problem } from '../api/types.ts';

/** One socket instance per port type; the name is the type (INT, LATENT…). */
export class LoomSocket extends ClassicPreset.Socket {
  constructor(
    readonly type: string,
    readonly color: string,
    readonly description: string,
  ) {
    super(type);
  }
}

export type RunStatus = 'idle' | 'queued' | 'running' | 'cached' | 'done' | 'error';

export interface NodeRun {
  status: RunStatus;
  /** Step progress while running (sampler steps). */
  value?: number;
  max?: number;
  message?: string;
  /** Object URL of the latest live preview. */
  preview?: string;
  /** Images the node reported when it finished (output nodes). */
  images?: ImageRef[];
  /** Text the node reported (ShowText's `ui.text`). */
  text?: string[];
  durationMs?: number;
}

/** Seed widgets: keep the value, or draw a new one before every run. */
export type SeedMode = 'fixed' | 'randomize';

export class LoomNode extends ClassicPreset.Node<Record<string, LoomSocket>, Record<string, LoomSocket>, Record<string, never>> {
  width = 260;
  height = 120;
  /** Literal parameter values by name (defaults filled in when the node is created). */
  values: Record<string, unknown> = {};
  /** Inputs the catalog does not know (unknown type or renamed input), kept so saving loses nothing. */
  extraInputs: Record<string, unknown> = {};
  /** Editor state saved in the graph's `ui` besides position and title. */
  ui: Record<string, unknown> = {};
  title: string | undefined;
  run: NodeRun = { status: 'idle' };
  problems: Problem[] = [];

  constructor(
    id: string,
    readonly type: string,
    /** Undefined for a type the server does not know: the node is shown, marked, and kept as is. */
    readonly entry: CatalogEntry | undefined,
  ) {
    super(type);
    this.id = id;
  }

  param(name: string): CatalogParam | undefined {
    return this.entry?.params.find((p) => p.name === name);
  }

  seedMode(name: string): SeedMode {
    const modes = this.ui.seedModes as Record<string, SeedMode> | undefined;
    return modes?.[name] ?? 'fixed';
  }

  setSeedMode(name: string, mode: SeedMode): void {
    const modes = { ...((this.ui.seedModes as Record<string, SeedMode> | undefined) ?? {}) };
    if (mode === 'fixed') delete modes[name];
    else modes[name] = mode;
    if (Object.keys(modes).length === 0) delete this.ui.seedModes;
    else this.ui.seedModes = modes;
  }

  /** Problems reported for one input (or for the node as a whole with `undefined`). */
  problemsAt(input: string | undefined): Problem[] {
    return this.problems.filter((p) => p.input === input);
  }
}

export class LoomConnection extends ClassicPreset.Connection<LoomNode, LoomNode> {
  /** Port type carried (the source output's type), for colouring. */
  portType = '';
  isLoop?: boolean;
}

export type Schemes = GetSchemes<LoomNode, LoomConnection>;

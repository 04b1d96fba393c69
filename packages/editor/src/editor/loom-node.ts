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

/** How a node takes part in a run (ComfyUI's modes): bypassed nodes pass an input through, muted ones are skipped. */
export type NodeMode = 'bypass' | 'mute';

/** ComfyUI's node colours (its LGraphCanvas.node_colors), by name: header and body. */
export const NODE_COLORS: Record<string, { header: string; body: string }> = {
  red: { header: '#322', body: '#533' },
  brown: { header: '#332922', body: '#593930' },
  green: { header: '#232', body: '#353' },
  blue: { header: '#223', body: '#335' },
  pale_blue: { header: '#2a363b', body: '#3f5159' },
  cyan: { header: '#233', body: '#355' },
  purple: { header: '#323', body: '#535' },
  yellow: { header: '#432', body: '#653' },
  black: { header: '#222', body: '#000' },
};

/** What the node menu and shortcuts change on a node, as one undoable edit. */
export interface NodeLook {
  mode?: NodeMode;
  collapsed?: boolean;
  color?: string;
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
  /** Saved as the node's `mode` in the graph document; the engine honours it. */
  mode: NodeMode | undefined;
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

  look(): NodeLook {
    const { collapsed, color } = this.ui as { collapsed?: boolean; color?: string };
    return { ...(this.mode && { mode: this.mode }), ...(collapsed && { collapsed }), ...(color && { color }) };
  }

  /** Applies a look: `mode` at node level, collapse and colour in `ui` (absent keys are cleared). */
  setLook(look: NodeLook): void {
    this.mode = look.mode;
    if (look.collapsed) this.ui.collapsed = true;
    else delete this.ui.collapsed;
    if (look.color) this.ui.color = look.color;
    else delete this.ui.color;
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

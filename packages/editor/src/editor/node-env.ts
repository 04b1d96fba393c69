/**
 * What node views need from the editor. Rete renders each node into its own React root, so app
 * context does not reach them; the editor hands this object to every view instead.
 */
import type { ImageRef } from '../api/types.ts';
import type { CatalogIndex } from './catalog-index.ts';
import type { LoomNode, NodeLook, SeedMode } from './loom-node.ts';

export interface NodeEnv {
  catalog: CatalogIndex;
  /** Changes a literal parameter (recorded for undo, marks the graph unsaved). */
  setParam(node: LoomNode, name: string, value: unknown): void;
  setSeedMode(node: LoomNode, name: string, mode: SeedMode): void;
  /** Changes mode, collapse or colour (undoable). */
  changeLook(nodes: LoomNode[], look: NodeLook): Promise<void>;
  /** Files a `{ file: folder }` widget offers, as the server lists them. */
  fileOptions(folder: string): string[];
  /** Uploads an image into the input folder and returns its name (LoadImage). */
  uploadImage(file: File): Promise<string>;
  /** `node.output` feeding this input, if it is linked. */
  linkedFrom(nodeId: string, input: string): string | undefined;
  /** The node's rendered size changed: re-measure its sockets. */
  sizeChanged(node: LoomNode): void;
  imageUrl(ref: ImageRef): string;
  /** Opens an image large (the gallery's viewer). */
  showImage(url: string): void;
}

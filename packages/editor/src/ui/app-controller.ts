/**
 * Everything the toolbar, shortcuts and panels can ask for, in one place: documents (new, open a
 * template, save, save as, import, export, drop, reopen a finished job), edits, view, and runs.
 * Tracks unsaved changes by comparing the serialised graph with what was last loaded or saved, and
 * autosaves the session after every change.
 */
import { api, imageUrl, TEMPLATE_NAME } from '../api/client.ts';
import type { Graph, HistoryItem, ImageRef, ModelsResponse, ObjectInfo } from '../api/types.ts';
import type { CatalogIndex } from '../editor/catalog-index.ts';
import { createLoomEditor, type EditorInstance } from '../editor/create-loom-editor.ts';
import { clipboardFragment, copySelected, deleteSelected, duplicateSelected, pasteFragment } from '../editor/edit-ops.ts';
import type { LoomEditor } from '../editor/loom-editor.ts';
import { comfyImporter, type ComfyImporter } from '../graph/comfy-import.ts';
import { graphFromJson, loadDocumentFile } from '../graph/load-document.ts';
import { RunController } from '../run/run-controller.ts';
import { uiImages } from '../run/run-events.ts';
import { appState, confirmInApp, toast } from './app-state.ts';
import { DEFAULT_TEMPLATE, restoreSession, saveSession } from './autosave.ts';

export class AppController {
  readonly instance: EditorInstance;
  readonly loom: LoomEditor;
  readonly runs: RunController;
  #saved = '';
  #models: ModelsResponse = { pipelines: [], loras: [], upscaleModels: [] };
  #objectInfo: ObjectInfo = {};
  readonly #comfy: ComfyImporter;
  #dirtyTimer: ReturnType<typeof setTimeout> | undefined;
  #idleSave: number | undefined;
  #ready: Promise<void> = Promise.resolve();

  constructor(
    container: HTMLElement,
    host: HTMLElement,
    readonly catalog: CatalogIndex,
  ) {
    this.#comfy = comfyImporter(catalog.catalog);
    this.instance = createLoomEditor(container, host, catalog, {
      refused: (reason) => toast(reason, 'error'),
      files: (folder) => this.files(folder),
      upload: (file) => api.uploadImage(file).then(async (name) => (await this.refreshFiles(), name)),
      imageUrl: (ref: ImageRef) => imageUrl(ref),
      showImage: (url) => appState.set({ dialog: { kind: 'image', url } }),
      rename: (node) => appState.set({ dialog: { kind: 'rename', nodeId: node.id, title: node.title ?? node.type } }),
    });
    this.loom = this.instance.loom;
    this.runs = new RunController(this.loom);
    this.loom.onChange(() => {
      clearTimeout(this.#dirtyTimer);
      this.#dirtyTimer = setTimeout(() => this.#updateDirty(), 120);
    });
    let counting = false;
    this.loom.plugins.area.addPipe((context) => {
      // Once for a burst of renders (a mount pass), not a scan of every node per render.
      if (context.type === 'render' && context.data.type === 'node' && !counting) {
        counting = true;
        queueMicrotask(() => {
          counting = false;
          this.#updateCounts();
        });
      }
      return context;
    });
    void this.refreshFiles();
  }

  /** Files a widget folder offers (`pipelines`, `loras`, `upscale_models`, or any folder /object_info lists). */
  files(folder: string): string[] {
    if (folder === 'pipelines' || folder === 'checkpoints') return this.#models.pipelines;
    if (folder === 'loras') return this.#models.loras;
    if (folder === 'upscale_models') return this.#models.upscaleModels;
    for (const entry of this.catalog.catalog.nodes) {
      const param = entry.params.find((p) => typeof p.widget === 'object' && p.widget.file === folder);
      const listed = param && this.#objectInfo[entry.type]?.input.required[param.name]?.[0];
      if (Array.isArray(listed)) return listed.map(String);
    }
    return [];
  }

  async refreshFiles(): Promise<void> {
    try {
      [this.#models, this.#objectInfo] = await Promise.all([api.models(), api.objectInfo()]);
      for (const node of this.loom.nodes())
        if (node.entry?.params.some((p) => typeof p.widget === 'object')) void this.loom.plugins.area.update('node', node.id);
    } catch (err) {
      toast(`Could not list model files: ${(err as Error).message}`, 'error');
    }
  }

  #snapshot(): string {
    return JSON.stringify(this.loom.toGraph());
  }

  #updateDirty(): void {
    const snapshot = this.#snapshot();
    const dirty = snapshot !== this.#saved;
    if (dirty !== appState.get().dirty) appState.set({ dirty });
    this.#updateCounts();
    this.#autosave(snapshot, dirty);
  }

  #autosave(snapshot: string, dirty: boolean): void {
    // A newer snapshot replaces one still waiting for an idle moment.
    if (this.#idleSave !== undefined) cancelIdleCallback(this.#idleSave);
    this.#idleSave = undefined;
    const { templateName, documentName } = appState.get();
    saveSession(snapshot, { templateName, documentName, dirty });
  }

  /**
   * Restores the autosaved session, or opens the default template on a first visit. Document
   * commands wait for it, so a quick Open is not overwritten by the restore.
   */
  start(): Promise<void> {
    this.#ready = this.#restore();
    return this.#ready;
  }

  async #restore(): Promise<void> {
    const session = restoreSession();
    if (session) {
      await this.loadGraph(session.graph, session.templateName, session.documentName, 'the autosaved graph');
      if (session.dirty) {
        this.#saved = '';
        appState.set({ dirty: true });
      }
      return;
    }
    try {
      // A server without the default template starts from the empty canvas.
      if (!(await api.templates()).some((t) => t.name === DEFAULT_TEMPLATE)) return;
      await this.loadGraph((await api.template(DEFAULT_TEMPLATE)) as Graph, DEFAULT_TEMPLATE, DEFAULT_TEMPLATE, `graphs/${DEFAULT_TEMPLATE}.json`);
    } catch (err) {
      toast(`Cannot open the default template: ${(err as Error).message}`, 'error');
    }
  }

  #updateCounts(): void {
    const nodes = this.loom.nodes();
    const selectedCount = nodes.filter((n) => n.selected).length;
    const s = appState.get();
    if (s.nodeCount !== nodes.length || s.selectedCount !== selectedCount) appState.set({ nodeCount: nodes.length, selectedCount });
  }

  #markSaved(templateName: string | null, documentName: string): void {
    const saved = (this.#saved = this.#snapshot());
    // This snapshot is the graph as it is now: the dirty check the load's change notice queued would
    // only make it again (a whole-graph pass landing in the first frames after a big load).
    clearTimeout(this.#dirtyTimer);
    this.#updateCounts();
    appState.set({ templateName, documentName, dirty: false });
    // Storing a big graph takes tens of ms: after the load has painted, when the page is idle.
    if (this.#idleSave !== undefined) cancelIdleCallback(this.#idleSave);
    this.#idleSave = requestIdleCallback(() => this.#autosave(saved, false), { timeout: 1000 });
  }

  async #discardOk(): Promise<boolean> {
    await this.#ready;
    return !appState.get().dirty || confirmInApp('The graph has unsaved changes. Discard them?');
  }

  /** Loads a graph; the header shows its `meta.title` when it has one, else `documentName`. */
  async loadGraph(graph: Graph, templateName: string | null, documentName: string, source?: string): Promise<void> {
    const notes = await this.loom.load(graph);
    this.runs.state.set({ graphProblems: [] });
    const title = graph.meta?.['title'];
    this.#markSaved(templateName, typeof title === 'string' && title.trim() ? title : documentName);
    if (notes.length > 0) toast(`Loaded with ${notes.length} note${notes.length > 1 ? 's' : ''}: ${notes.slice(0, 2).join(' ')}`, 'error');
    else toast(`Loaded ${source ?? documentName}.`);
  }

  async newGraph(): Promise<void> {
    if (!(await this.#discardOk())) return;
    await this.loom.clear();
    this.#markSaved(null, 'Untitled');
  }

  async openTemplate(name: string): Promise<void> {
    if (!(await this.#discardOk())) return;
    try {
      await this.loadGraph((await api.template(name)) as Graph, name, name, `graphs/${name}.json`);
    } catch (err) {
      toast(`Cannot open ${name}: ${(err as Error).message}`, 'error');
    }
  }

  async save(): Promise<void> {
    const name = appState.get().templateName;
    if (name === null) appState.set({ dialog: { kind: 'save-as' } });
    else await this.saveAs(name);
  }

  async saveAs(name: string, title?: string): Promise<boolean> {
    if (!TEMPLATE_NAME.test(name)) {
      toast('Template names are letters, digits, _ and -, starting with a letter or digit.', 'error');
      return false;
    }
    if (title) this.loom.meta.title = title;
    try {
      await api.saveTemplate(name, this.loom.toGraph());
      this.#markSaved(name, name);
      toast(`Saved graphs/${name}.json`);
      return true;
    } catch (err) {
      toast(`Save failed: ${(err as Error).message}`, 'error');
      return false;
    }
  }

  /** Loads a dropped or picked file: a Loom/ComfyUI PNG, a Loom graph, or a ComfyUI API prompt. */
  async importFile(file: File): Promise<void> {
    if (!(await this.#discardOk())) return;
    try {
      const { graph, source } = await loadDocumentFile(file, this.#comfy);
      await this.loadGraph(graph, null, file.name.replace(/\.(json|png)$/i, ''), source);
      // A graph from a file is not saved anywhere yet.
      appState.set({ dirty: true });
      this.#saved = '';
    } catch (err) {
      toast((err as Error).message, 'error');
    }
  }

  /** Reopens a finished job: its graph as it was submitted, with the images it produced on their nodes. */
  async openHistory(item: HistoryItem): Promise<void> {
    if (!(await this.#discardOk())) return;
    const what = `job ${item.promptId.slice(0, 8)}`;
    try {
      const entry = await api.historyEntry(item.promptId);
      const { graph } = graphFromJson(entry.comfy.prompt[2], this.#comfy, what);
      await this.loadGraph(graph, null, what, what);
      this.#saved = '';
      appState.set({ dirty: true });
      for (const [nodeId, ui] of Object.entries(item.outputs)) {
        const images = uiImages(ui);
        if (images.length > 0) this.loom.setRun(nodeId, { status: 'done', images });
      }
    } catch (err) {
      toast(`Cannot reopen ${what}: ${(err as Error).message}`, 'error');
    }
  }

  exportJson(): void {
    const text = `${JSON.stringify(this.loom.toGraph(), null, 2)}\n`;
    const a = document.createElement('a');
    a.href = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
    a.download = `${appState.get().documentName || 'graph'}.json`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 1000);
  }

  async deleteSelection(): Promise<void> {
    await deleteSelected(this.loom);
  }

  copy(): void {
    const n = copySelected(this.loom);
    if (n > 0) toast(`Copied ${n} node${n > 1 ? 's' : ''}.`);
  }

  async cut(): Promise<void> {
    if (copySelected(this.loom) > 0) await deleteSelected(this.loom);
  }

  async paste(): Promise<void> {
    const fragment = clipboardFragment();
    if (fragment) await pasteFragment(this.loom, fragment, this.loom.plugins.area.area.pointer);
  }

  async duplicate(): Promise<void> {
    await duplicateSelected(this.loom);
  }

  async queue(): Promise<void> {
    await this.runs.queue();
  }

  async cancel(): Promise<void> {
    await this.runs.cancel();
  }

  destroy(): void {
    this.runs.close();
    this.instance.destroy();
  }
}

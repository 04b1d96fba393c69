/**
 * Builds a {@link LoomEditor} in a container: plugins, the environment node views use, the context
 * menus, rubber-band selection, and "drop a link anywhere": released on a node it joins the first
 * input (or output) that fits; released on empty canvas it opens the node search, filtered to types
 * that can take the link, and connects the node that is picked.
 */
import type { SocketData } from 'rete-connection-plugin';
import type { ImageRef } from '../api/types.ts';
import { acceptedOutputTypes, acceptingInputTypes } from '../graph/port-compat.ts';
import { enableBoxSelect } from './box-select.ts';
import type { CatalogIndex } from './catalog-index.ts';
import { connectionFor, refusalFor } from './connection-rules.ts';
import { highlightFor } from './drag-highlight.ts';
import { copySelected, deleteSelected, duplicateSelected } from './edit-ops.ts';
import { LoomEditor } from './loom-editor.ts';
import { NODE_COLORS, type LoomNode } from './loom-node.ts';
import type { NodeEnv } from './node-env.ts';
import type { Item } from './node-menu.tsx';
import { setupPlugins } from './setup-plugins.ts';

export interface EditorHost {
  refused(reason: string): void;
  files(folder: string): string[];
  upload(file: File): Promise<string>;
  imageUrl(ref: ImageRef): string;
  showImage(url: string): void;
  /** Asks for a new title (the node menu's Rename). */
  rename(node: LoomNode): void;
}

export interface EditorInstance {
  loom: LoomEditor;
  /** Opens the node search at a window position. */
  openAddMenu(clientX: number, clientY: number): void;
  destroy(): void;
}

export function createLoomEditor(container: HTMLElement, host: HTMLElement, catalog: CatalogIndex, callbacks: EditorHost): EditorInstance {
  let pending: SocketData | null = null;
  let quietDrop = false;
  const pointer = { x: 0, y: 0 };
  const env: NodeEnv = {
    catalog,
    setParam: (node, name, value) => loom.setParam(node, name, value),
    setSeedMode: (node, name, mode) => loom.setSeedMode(node, name, mode),
    changeLook: (nodes, look) => loom.changeLook(nodes, look),
    fileOptions: (folder) => callbacks.files(folder),
    uploadImage: (file) => callbacks.upload(file),
    linkedFrom(nodeId, input) {
      const c = plugins.editor.getConnections().find((x) => x.target === nodeId && x.targetInput === input);
      return c && `${c.source}.${c.sourceOutput}`;
    },
    sizeChanged: (node) => void plugins.sockets.refresh(node.id),
    imageUrl: (ref) => callbacks.imageUrl(ref),
    showImage: (url) => callbacks.showImage(url),
  };

  const nodeItems = (node: LoomNode): Item[] => {
    const onSelection = (act: () => unknown) => async () => {
      if (!node.selected) await loom.selectOnly([node.id]);
      await act();
    };
    return [
      { label: 'Duplicate  (Ctrl+D)', key: 'duplicate', handler: onSelection(() => duplicateSelected(loom)) },
      { label: 'Copy  (Ctrl+C)', key: 'copy', handler: onSelection(() => copySelected(loom)) },
      { label: 'Rename…', key: 'rename', handler: () => callbacks.rename(node) },
      {
        label: `${node.mode === 'bypass' ? 'Un-bypass' : 'Bypass'}  (Ctrl+B)`,
        key: 'bypass',
        handler: onSelection(() => loom.toggleMode(loom.selected(), 'bypass')),
      },
      { label: `${node.mode === 'mute' ? 'Unmute' : 'Mute'}  (Ctrl+M)`, key: 'mute', handler: onSelection(() => loom.toggleMode(loom.selected(), 'mute')) },
      { label: 'Group selected  (Ctrl+G)', key: 'group', handler: onSelection(() => loom.groupSelected()) },
      {
        label: node.look().collapsed ? 'Expand' : 'Collapse',
        key: 'collapse',
        handler: onSelection(() => loom.changeLook(loom.selected(), { collapsed: node.look().collapsed ? undefined : true })),
      },
      ...Object.keys(NODE_COLORS).map((color) => ({
        label: `Colour: ${color.replace('_', ' ')}`,
        key: `color-${color}`,
        handler: onSelection(() => loom.changeLook(loom.selected(), { color })),
      })),
      ...(node.look().color
        ? [{ label: 'Colour: none', key: 'color-none', handler: onSelection(() => loom.changeLook(loom.selected(), { color: undefined })) }]
        : []),
      { label: 'Delete  (Del)', key: 'delete', handler: onSelection(() => deleteSelected(loom)) },
    ];
  };

  const addItems = (): Item[] => {
    const link = pending;
    pending = null;
    const side = link?.side;
    const linkType = link && socketType(link);
    const fits = (types: string[]) =>
      linkType ? types.some((t) => (side === 'output' ? acceptingInputTypes(linkType) : acceptedOutputTypes(linkType)).includes(t)) : true;
    return catalog.catalog.nodes
      .filter((e) =>
        side === 'output'
          ? fits([...e.inputs.map((i) => i.type), ...e.params.flatMap((p) => p.linkType ?? [])])
          : side === 'input'
            ? fits(e.outputs.map((o) => o.type))
            : true,
      )
      .map((e) => ({
        label: e.type,
        key: e.type,
        handler: async () => {
          const node = await loom.addNode(e.type);
          if (link) await joinToNode(link, node);
        },
      }));
  };

  const plugins = setupPlugins({
    container,
    catalog,
    env,
    refused: (reason) => {
      callbacks.refused(reason);
      quietDrop = true;
      // End the drag: the flow keeps the link on the pointer after a refused drop.
      setTimeout(() => plugins.connection.drop());
    },
    menuItems: (context) => {
      if (context === 'root') return { searchBar: true, list: addItems() };
      if ('source' in context)
        return { searchBar: false, list: [{ label: 'Delete link', key: 'delete-link', handler: () => void plugins.editor.removeConnection(context.id) }] };
      return { searchBar: false, list: nodeItems(context) };
    },
  });
  const loom = new LoomEditor(plugins, catalog);

  function socketType(s: SocketData): string | undefined {
    const node = plugins.editor.getNode(s.nodeId);
    return (s.side === 'output' ? node?.outputs[s.key] : node?.inputs[s.key])?.socket.type;
  }

  /** Connects a dangling link to the first socket of `node` that accepts it (free inputs first). */
  async function joinToNode(link: SocketData, node: LoomNode): Promise<void> {
    const linked = new Set(
      plugins.editor
        .getConnections()
        .filter((c) => c.target === node.id)
        .map((c) => c.targetInput),
    );
    const candidates =
      link.side === 'output' ? Object.keys(node.inputs).sort((a, b) => Number(linked.has(a)) - Number(linked.has(b))) : Object.keys(node.outputs);
    const other = link.side === 'output' ? 'input' : 'output';
    const reasons: string[] = [];
    for (const key of candidates) {
      const socket: SocketData = { element: link.element, type: 'socket', nodeId: node.id, side: other, key };
      const reason = refusalFor(plugins.editor, link, socket);
      if (reason) {
        reasons.push(reason);
        continue;
      }
      const [source, target] = link.side === 'output' ? [link, socket] : [socket, link];
      for (const c of plugins.editor.getConnections())
        if (c.target === target.nodeId && c.targetInput === target.key) await plugins.editor.removeConnection(c.id);
      const connection = connectionFor(plugins.editor, source, target);
      if (connection) await plugins.editor.addConnection(connection);
      return;
    }
    callbacks.refused(reasons[0] ?? `${node.type} has no ${other} for a ${socketType(link) ?? ''} link.`);
  }

  function openAddMenu(clientX: number, clientY: number): void {
    const event = new MouseEvent('contextmenu', { clientX, clientY, bubbles: true, cancelable: true });
    plugins.area.area.setPointerFrom(event);
    void plugins.area.emit({ type: 'contextmenu', data: { event, context: 'root' } });
  }

  // Double-click on empty canvas opens the node search, as in ComfyUI. Caught on the way down so the
  // area plugin's own double-click zoom never sees it; a double-click on a node or a group's title (rename) is left alone.
  const searchOnDoubleClick = (e: MouseEvent) => {
    const target = e.target as Element | null;
    if (target?.closest('[data-node-id], [data-testid="context-menu"], [data-testid="minimap"], .group-title')) return;
    e.stopPropagation();
    e.preventDefault();
    openAddMenu(e.clientX, e.clientY);
  };
  host.addEventListener('dblclick', searchOnDoubleClick, true);
  const track = (e: PointerEvent) => Object.assign(pointer, { x: e.clientX, y: e.clientY });
  container.addEventListener('pointermove', track);
  container.addEventListener('pointerup', track);
  plugins.connection.addPipe((context) => {
    // Replacing a link (the old one goes, the new one comes) is one undo step: a pick opens a batch,
    // the drop closes it once the plugin's removal and addition have been recorded.
    if (context.type === 'connectionpick') plugins.history.begin();
    if (context.type === 'connectiondrop') setTimeout(() => plugins.history.end(), 0);
    if (context.type === 'connectionpick') {
      const type = socketType(context.data.socket);
      highlightFor(type ? { type, side: context.data.socket.side } : null);
    }
    if (context.type === 'connectiondrop') highlightFor(null);
    if (context.type === 'connectiondrop' && !context.data.socket && !context.data.created) {
      if (quietDrop) {
        quietDrop = false;
        return context;
      }
      const initial = context.data.initial;
      const under = document.elementFromPoint(pointer.x, pointer.y)?.closest('[data-node-id]');
      const target = under && plugins.editor.getNode(under.getAttribute('data-node-id') ?? '');
      if (target && target.id !== initial.nodeId) void joinToNode(initial, target);
      else if (!target) {
        pending = initial;
        openAddMenu(pointer.x, pointer.y);
      }
    }
    return context;
  });
  const stopBox = enableBoxSelect(loom, host);

  return {
    loom,
    openAddMenu,
    destroy() {
      stopBox();
      host.removeEventListener('dblclick', searchOnDoubleClick, true);
      container.removeEventListener('pointermove', track);
      container.removeEventListener('pointerup', track);
      plugins.area.destroy();
    },
  };
}

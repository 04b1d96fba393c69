/**
 * Rete v2 wiring: the core editor, the 2D area (selection, ordering, zoom limits), connections with
 * type checks, React rendering with our node/socket/link views, the context menu, the minimap (a canvas), undo
 * history and ELK auto-arrange. Returns the plugins for {@link LoomEditor} to drive.
 */
import { createElement } from 'react';
import { createRoot } from 'react-dom/client';
import type { NodeEditor } from 'rete';
import { AreaExtensions, AreaPlugin } from 'rete-area-plugin';
import { AutoArrangePlugin, Presets as ArrangePresets } from 'rete-auto-arrange-plugin';
import { ConnectionPlugin } from 'rete-connection-plugin';
import { ContextMenuPlugin } from 'rete-context-menu-plugin';
import { Presets as HistoryPresets } from 'rete-history-plugin';
import { Presets, ReactPlugin } from 'rete-react-plugin';
import type { AreaExtra } from './area-extra.ts';
import type { CatalogIndex } from './catalog-index.ts';
import { checkedFlow } from './connection-rules.ts';
import { enableFarPick } from './far-pick.ts';
import { GroupedHistory } from './grouped-history.ts';
import { IndexedNodeEditor } from './indexed-editor.ts';
import type { LoomNode, Schemes } from './loom-node.ts';
import type { NodeEnv } from './node-env.ts';
import { nodeMenuPreset, type Item } from './node-menu.tsx';
import { LodCanvas } from './lod-canvas.ts';
import { Minimap } from './minimap.ts';
import { NodeSocketWatcher } from './socket-watcher.ts';
import { ViewCuller } from './view-culler.ts';
import { connectionView } from './views/connection-view.tsx';
import { NodeView } from './views/node-view.tsx';
import { SocketView } from './views/socket-view.tsx';

export interface Plugins {
  editor: NodeEditor<Schemes>;
  area: AreaPlugin<Schemes, AreaExtra>;
  connection: ConnectionPlugin<Schemes, AreaExtra>;
  history: GroupedHistory;
  arrange: AutoArrangePlugin<Schemes, AreaExtra>;
  sockets: NodeSocketWatcher;
  /** Which node and link views are mounted (those near the viewport). */
  culler: ViewCuller;
  selectable: { select(id: string, accumulate: boolean): Promise<void>; unselect(id: string): Promise<void> };
  selector: ReturnType<typeof AreaExtensions.selector>;
  /** Whether a modifier that adds to the selection (Ctrl, Cmd, Shift) is held. */
  accumulating: { active(): boolean };
}

export interface SetupOptions {
  container: HTMLElement;
  catalog: CatalogIndex;
  env: NodeEnv;
  /** Context-menu entries for the canvas (`'root'`) or a node/link. */
  menuItems(context: 'root' | LoomNode | Schemes['Connection']): { searchBar: boolean; list: Item[] };
  refused(reason: string): void;
}

function modifierTracker(): { active(): boolean } {
  let held = false;
  const update = (e: KeyboardEvent | PointerEvent) => (held = e.ctrlKey || e.metaKey || e.shiftKey);
  window.addEventListener('keydown', update, true);
  window.addEventListener('keyup', update, true);
  window.addEventListener('pointerdown', update, true);
  return { active: () => held };
}

export function setupPlugins(options: SetupOptions): Plugins {
  const { container, catalog, env } = options;
  const editor = new IndexedNodeEditor();
  const area = new AreaPlugin<Schemes, AreaExtra>(container);
  // Before the React plugin joins the area, so the culler sees every render first.
  const culler = new ViewCuller(editor, area);
  const connection = new ConnectionPlugin<Schemes, AreaExtra>();
  const render = new ReactPlugin<Schemes, AreaExtra>({ createRoot });
  const history = new GroupedHistory();
  const arrange = new AutoArrangePlugin<Schemes, AreaExtra>();
  const sockets = new NodeSocketWatcher();
  // The menu type is wider than the plugin's (it also offers link actions), hence the cast at this boundary.
  const menu = new ContextMenuPlugin<Schemes>({ delay: 300, items: options.menuItems as ConstructorParameters<typeof ContextMenuPlugin<Schemes>>[0]['items'] });

  const ConnectionView = connectionView((type) => catalog.color(type));
  new LodCanvas(editor, area, culler, (type) => catalog.color(type));
  new Minimap(editor, area, culler);
  // One component for every node: a new function per render would remount nodes and drop focus.
  const NodeComponent = (props: Omit<Parameters<typeof NodeView>[0], 'env'>) => createElement(NodeView, { ...props, env });
  render.addPreset(
    Presets.classic.setup({
      socketPositionWatcher: sockets,
      customize: {
        node: () => NodeComponent,
        socket: () => SocketView,
        connection: () => ConnectionView,
      },
    }),
  );
  render.addPreset(nodeMenuPreset(catalog));

  connection.addPreset(() => checkedFlow(editor, options.refused));
  history.addPreset(HistoryPresets.classic.setup());
  arrange.addPreset(ArrangePresets.classic.setup());

  editor.use(area);
  area.use(connection);
  area.use(render);
  area.use(menu);
  area.use(history);
  area.use(arrange);

  const selector = AreaExtensions.selector();
  const accumulating = modifierTracker();
  const selectable = AreaExtensions.selectableNodes(area, selector, { accumulating });
  AreaExtensions.simpleNodesOrder(area);
  // Far enough out that Fit shows a 5,000-node graph.
  AreaExtensions.restrictor(area, { scaling: () => ({ min: 0.01, max: 2.5 }) });
  enableFarPick(editor, area, culler, history);

  return { editor, area, connection, history, arrange, sockets, culler, selectable, selector, accumulating };
}

/**
 * Rete v2 wiring: the core editor, the 2D area (selection, ordering, zoom limits), connections with
 * type checks, React rendering with our node/socket/link views, the context menu, the minimap, undo
 * history and ELK auto-arrange. Returns the plugins for {@link LoomEditor} to drive.
 */
import { createElement } from 'react';
import { createRoot } from 'react-dom/client';
import { NodeEditor } from 'rete';
import { AreaExtensions, AreaPlugin } from 'rete-area-plugin';
import { AutoArrangePlugin, Presets as ArrangePresets } from 'rete-auto-arrange-plugin';
import { ConnectionPlugin } from 'rete-connection-plugin';
import { ContextMenuPlugin } from 'rete-context-menu-plugin';
import { Presets as HistoryPresets } from 'rete-history-plugin';
import { MinimapPlugin } from 'rete-minimap-plugin';
import { Presets, ReactPlugin } from 'rete-react-plugin';
import type { AreaExtra } from './area-extra.ts';
import type { CatalogIndex } from './catalog-index.ts';
import { checkedFlow } from './connection-rules.ts';
import { GroupedHistory } from './grouped-history.ts';
import type { LoomNode, Schemes } from './loom-node.ts';
import type { NodeEnv } from './node-env.ts';
import { nodeMenuPreset, type Item } from './node-menu.tsx';
import { LodCanvas } from './lod-canvas.ts';
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

/** Above this many nodes the minimap waits for the view to rest before it redraws. */
const BIG_GRAPH = 300;
const MINIMAP_REST_MS = 150;

/**
 * The minimap plugin redraws (every node's box, through React) on each node event: O(n²) while a
 * graph loads and a full redraw per pointer move. It redraws at most once per frame instead, in the
 * culler's frame (so not at all while a graph is being loaded), and on a big graph only once a pan
 * or zoom has paused, since a thousand boxes through React cost more than a frame. Its `render` is
 * private in the typings, hence the cast.
 */
function calmMinimap(minimap: MinimapPlugin<Schemes>, editor: NodeEditor<Schemes>, culler: ViewCuller): void {
  const target = minimap as unknown as { render(): void };
  const draw = target.render.bind(minimap);
  let dirty = false;
  let asked = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  target.render = () => {
    dirty = true;
    asked = performance.now();
    culler.schedule();
  };
  culler.onFrame(() => {
    if (!dirty) return;
    if (editor.getNodes().length > BIG_GRAPH && performance.now() - asked < MINIMAP_REST_MS) {
      clearTimeout(timer);
      timer = setTimeout(() => culler.schedule(), MINIMAP_REST_MS);
      return;
    }
    dirty = false;
    draw();
  });
}

export function setupPlugins(options: SetupOptions): Plugins {
  const { container, catalog, env } = options;
  const editor = new NodeEditor<Schemes>();
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
  const minimap = new MinimapPlugin<Schemes>({ boundViewport: true });
  calmMinimap(minimap, editor, culler);

  const ConnectionView = connectionView((type) => catalog.color(type));
  new LodCanvas(editor, area, culler, (type) => catalog.color(type));
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
  render.addPreset(Presets.minimap.setup({ size: 130 }));

  connection.addPreset(() => checkedFlow(editor, options.refused));
  history.addPreset(HistoryPresets.classic.setup());
  arrange.addPreset(ArrangePresets.classic.setup());

  editor.use(area);
  area.use(connection);
  area.use(render);
  area.use(menu);
  area.use(minimap);
  area.use(history);
  area.use(arrange);

  const selector = AreaExtensions.selector();
  const accumulating = modifierTracker();
  const selectable = AreaExtensions.selectableNodes(area, selector, { accumulating });
  AreaExtensions.simpleNodesOrder(area);
  // Far enough out that Fit shows a 5,000-node graph.
  AreaExtensions.restrictor(area, { scaling: () => ({ min: 0.01, max: 2.5 }) });

  return { editor, area, connection, history, arrange, sockets, culler, selectable, selector, accumulating };
}

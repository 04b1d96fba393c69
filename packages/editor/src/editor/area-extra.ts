/** The render signals every plugin of the editor area shares (React views, context menu). */
import type { ContextMenuExtra } from 'rete-context-menu-plugin';
import type { ReactArea2D } from 'rete-react-plugin';
import type { Schemes } from './loom-node.ts';

export type AreaExtra = ReactArea2D<Schemes> | ContextMenuExtra;

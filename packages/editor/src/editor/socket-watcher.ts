/**
 * Socket positions for drawing connections. Rete's DOM watcher measures a socket once when it is
 * rendered and again only for outputs on `noderesized`; our nodes change height on their own (a
 * text area is resized, a linked parameter hides its widget, a result image appears), so every socket
 * of a node is re-measured when the node's size changes.
 */
import { DOMSocketPosition } from 'rete-render-utils';
import type { AreaExtra } from './area-extra.ts';
import type { Schemes } from './loom-node.ts';

export class NodeSocketWatcher extends DOMSocketPosition<Schemes, AreaExtra> {
  constructor() {
    // Connections end at the socket's centre (sockets are drawn over the line's end).
    super({ offset: (position) => position });
  }

  /** Re-measures all sockets of one node and moves the connections attached to them. */
  async refresh(nodeId: string): Promise<void> {
    const items = this.sockets.snapshot().filter((s) => s.nodeId === nodeId);
    await Promise.all(
      items.map(async (item) => {
        if (!item.element.isConnected) return;
        const position = await this.calculatePosition(item.nodeId, item.side, item.key, item.element);
        if (position) item.position = position;
      }),
    );
    this.emitter.emit({ nodeId });
  }
}

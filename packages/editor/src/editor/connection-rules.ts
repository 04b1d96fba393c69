/**
 * How connections are made by hand: Rete's classic flow, with every drop checked first. A link is
 * refused, with the reason shown to the user, when the types do not fit (the engine's rule: equal
 * names, or INT into FLOAT), when it joins a node to itself, or when it would close a cycle. The check
 * runs before the flow replaces an input's existing link, so a refused drop changes nothing.
 */
import type { NodeEditor } from 'rete';
import { ClassicFlow, getSourceTarget, type SocketData } from 'rete-connection-plugin';
import { linkRefusal, wouldCycle } from '../graph/port-compat.ts';
import { LoomConnection, type Schemes } from './loom-node.ts';

/** Source (output) and target (input) of a drop, in either drag direction; null for same-side ends. */
function linkEnds(from: SocketData, to: SocketData): [SocketData, SocketData] | null {
  const ends = getSourceTarget(from, to);
  return ends && ends[0] && ends[1] ? [ends[0], ends[1]] : null;
}

/** The reason a drop from `from` onto `to` is refused, or null when allowed. */
export function refusalFor(editor: NodeEditor<Schemes>, from: SocketData, to: SocketData): string | null {
  const ends = linkEnds(from, to);
  if (!ends) return `Connect an output to an input (both ends are ${from.side}s).`;
  const [source, target] = ends;
  const sourceNode = editor.getNode(source.nodeId);
  const targetNode = editor.getNode(target.nodeId);
  const output = sourceNode?.outputs[source.key];
  const input = targetNode?.inputs[target.key];
  if (!sourceNode || !targetNode || !output || !input) return 'That socket no longer exists.';
  const refusal = linkRefusal(output.socket.type, input.socket.type, {
    from: `${sourceNode.type}.${source.key}`,
    to: `${targetNode.type}.${target.key}`,
  });
  if (refusal) return refusal;
  const others = editor.getConnections().filter((c) => !(c.target === target.nodeId && c.targetInput === target.key));
  if (wouldCycle(source.nodeId, target.nodeId, others)) {
    return source.nodeId === target.nodeId
      ? `Cannot connect ${sourceNode.type} to itself.`
      : `Cannot connect ${sourceNode.type}.${source.key} to ${targetNode.type}.${target.key}: it would make a cycle, and graphs run top to bottom.`;
  }
  return null;
}

/** A connection object for two sockets (typed, for colouring). */
export function connectionFor(
  editor: NodeEditor<Schemes>,
  source: { nodeId: string; key: string },
  target: { nodeId: string; key: string },
): LoomConnection | null {
  const sourceNode = editor.getNode(source.nodeId);
  const targetNode = editor.getNode(target.nodeId);
  const output = sourceNode?.outputs[source.key];
  if (!sourceNode || !targetNode || !output || !targetNode.inputs[target.key]) return null;
  const connection = new LoomConnection(sourceNode, source.key, targetNode, target.key);
  connection.portType = output.socket.type;
  return connection;
}

/** The flow for the connection plugin; `refused` shows the reason and ends the drag. */
export function checkedFlow(editor: NodeEditor<Schemes>, refused: (reason: string) => void): ClassicFlow<Schemes, unknown[]> {
  return new ClassicFlow<Schemes, unknown[]>({
    canMakeConnection(from, to) {
      // Output onto output (or a click back on the picked socket) is no attempt to link: stay silent.
      if (!linkEnds(from, to)) return false;
      const reason = refusalFor(editor, from, to);
      if (reason !== null) refused(reason);
      return reason === null;
    },
    makeConnection(from, to) {
      const ends = linkEnds(from, to);
      const connection = ends && connectionFor(editor, ends[0], ends[1]);
      if (!connection) return false;
      void editor.addConnection(connection);
      return true;
    },
  });
}

/** A typed socket: a dot in its port type's colour, named on hover. */
import type { ReactNode } from 'react';
import type { LoomSocket } from '../loom-node.ts';

export function SocketView({ data }: { data: LoomSocket }): ReactNode {
  return <div className="loom-socket" data-type={data.type} style={{ background: data.color }} title={`${data.type}: ${data.description}`} />;
}

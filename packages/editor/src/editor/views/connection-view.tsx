/** A link, drawn in the colour of the type it carries. */
import type { ReactNode } from 'react';
import { Presets } from 'rete-react-plugin';
import type { LoomConnection } from '../loom-node.ts';

export function connectionView(color: (type: string) => string) {
  return function ConnectionView({ data }: { data: LoomConnection & { isPseudo?: boolean } }): ReactNode {
    const { path } = Presets.classic.useConnection();
    if (!path) return null;
    return (
      <svg
        className={`loom-connection${data.isPseudo ? ' pseudo' : ''}`}
        data-testid="connection"
        data-source={data.source}
        data-output={String(data.sourceOutput)}
        data-target={data.target}
        data-input={String(data.targetInput)}
      >
        <path d={path} stroke={data.portType ? color(data.portType) : '#cfd8dc'} />
      </svg>
    );
  };
}

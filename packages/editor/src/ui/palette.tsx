/**
 * The node palette, built from the server's catalog: a search over type, category and description,
 * then categories. Click adds a node in the middle of the view; drag drops it where it lands.
 */
import { useState, type ReactNode } from 'react';
import type { CatalogEntry } from '../api/types.ts';
import type { CatalogIndex } from '../editor/catalog-index.ts';

export const PALETTE_MIME = 'application/x-loom-node';

function Entry({ entry, onAdd }: { entry: CatalogEntry; onAdd(type: string): void }): ReactNode {
  return (
    <li
      draggable
      data-testid={`palette-${entry.type}`}
      title={entry.description}
      onDragStart={(e) => e.dataTransfer.setData(PALETTE_MIME, entry.type)}
      onClick={() => onAdd(entry.type)}
    >
      <span className="palette-type">{entry.type}</span>
      <span className="palette-desc">{entry.description}</span>
    </li>
  );
}

export function Palette({ catalog, onAdd }: { catalog: CatalogIndex; onAdd(type: string): void }): ReactNode {
  const [query, setQuery] = useState('');
  const [closed, setClosed] = useState<Set<string>>(new Set());
  const toggle = (category: string) => setClosed((s) => (s.has(category) ? new Set([...s].filter((c) => c !== category)) : new Set([...s, category])));
  return (
    <aside className="palette" aria-label="Node palette">
      <input
        className="palette-search"
        type="search"
        placeholder="Search nodes…"
        aria-label="Search the palette"
        value={query}
        onChange={(e) => setQuery(e.target.value)}
      />
      <div className="palette-scroll">
        {query.trim() ? (
          <ul className="palette-list">
            {catalog.search(query).map((e) => (
              <Entry key={e.type} entry={e} onAdd={onAdd} />
            ))}
          </ul>
        ) : (
          catalog.categories().map(([category, entries]) => (
            <section key={category}>
              <h3 onClick={() => toggle(category)} className={closed.has(category) ? 'closed' : ''}>
                {category}
              </h3>
              {!closed.has(category) && (
                <ul className="palette-list">
                  {entries.map((e) => (
                    <Entry key={e.type} entry={e} onAdd={onAdd} />
                  ))}
                </ul>
              )}
            </section>
          ))
        )}
      </div>
      <p className="palette-hint">Right-click the canvas or press Space to search; drag from a socket to link.</p>
    </aside>
  );
}

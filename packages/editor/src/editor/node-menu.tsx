/**
 * The context menu, rendered by us for Rete's context-menu plugin: on the canvas, a searchable list of
 * node types (matching type, category or description; arrows and Enter pick; the description of the
 * highlighted type is shown); on a node or link, its actions. It keeps itself inside the window.
 */
import { useEffect, useLayoutEffect, useMemo, useRef, useState, type ReactElement, type ReactNode } from 'react';
import type { ContextMenuExtra } from 'rete-context-menu-plugin';
import type { CatalogIndex } from './catalog-index.ts';

/** A context-menu entry (rete-context-menu-plugin's item shape); node types use the type as key. */
export interface Item {
  label: string;
  key: string;
  handler(): void | Promise<void>;
}

interface MenuProps {
  items: Item[];
  searchBar: boolean;
  onHide(): void;
  catalog: CatalogIndex;
}

function NodeMenu({ items, searchBar, onHide, catalog }: MenuProps): ReactNode {
  const [query, setQuery] = useState('');
  const [active, setActive] = useState(0);
  const box = useRef<HTMLDivElement>(null);
  const shown = useMemo(() => {
    if (!searchBar) return items;
    const byType = new Map(items.map((i) => [i.key, i]));
    const ranked = catalog.search(query).flatMap((e) => byType.get(e.type) ?? []);
    return ranked;
  }, [items, query, searchBar, catalog]);
  const pick = (item: Item | undefined) => {
    if (!item) return;
    onHide();
    void item.handler();
  };
  useEffect(() => {
    // The plugin hides the menu on canvas clicks only; clicks elsewhere and Escape close it too.
    const outside = (e: PointerEvent) => {
      if (box.current && !box.current.contains(e.target as Node)) onHide();
    };
    const escape = (e: KeyboardEvent) => e.key === 'Escape' && onHide();
    window.addEventListener('pointerdown', outside, true);
    window.addEventListener('keydown', escape);
    return () => {
      window.removeEventListener('pointerdown', outside, true);
      window.removeEventListener('keydown', escape);
    };
  }, [onHide]);
  useLayoutEffect(() => {
    // The plugin places the menu at the pointer; shift it back inside the window if it would overflow.
    const el = box.current;
    if (!el) return;
    const r = el.getBoundingClientRect();
    const dx = Math.min(0, window.innerWidth - 8 - r.right);
    const dy = Math.min(0, window.innerHeight - 8 - r.bottom);
    el.style.transform = `translate(${dx}px, ${dy}px)`;
  }, [shown.length]);
  const current = shown[Math.min(active, shown.length - 1)];
  const description = current && catalog.entries.get(current.key)?.description;
  return (
    <div
      ref={box}
      className="node-menu"
      data-testid="context-menu"
      onWheel={(e) => e.stopPropagation()}
      onPointerDown={(e) => e.stopPropagation()}
      onContextMenu={(e) => e.preventDefault()}
    >
      {searchBar && (
        <input
          className="menu-search"
          autoFocus
          placeholder="Search nodes…"
          aria-label="Search nodes"
          value={query}
          onChange={(e) => {
            setQuery(e.target.value);
            setActive(0);
          }}
          onKeyDown={(e) => {
            if (e.key === 'ArrowDown') setActive((a) => Math.min(a + 1, shown.length - 1));
            else if (e.key === 'ArrowUp') setActive((a) => Math.max(a - 1, 0));
            else if (e.key === 'Enter') pick(current);
            else return;
            e.preventDefault();
          }}
        />
      )}
      <ul className="menu-list" role="menu">
        {shown.length === 0 && <li className="menu-empty">No node matches “{query}”.</li>}
        {shown.map((item, i) => {
          const entry = catalog.entries.get(item.key);
          return (
            <li
              key={item.key}
              role="menuitem"
              className={i === active ? 'active' : ''}
              data-testid={`menu-item-${item.key}`}
              onMouseEnter={() => setActive(i)}
              onClick={() => pick(item)}
            >
              <span className="menu-label">{item.label}</span>
              {entry && <span className="menu-category">{entry.category}</span>}
            </li>
          );
        })}
      </ul>
      {description && <p className="menu-description">{description}</p>}
    </div>
  );
}

/** The React render preset that draws the plugin's menus. */
type MenuRender = Extract<ContextMenuExtra, { type: 'render' }>;

export function nodeMenuPreset(catalog: CatalogIndex): { render(context: MenuRender): ReactElement | null } {
  return {
    render(context) {
      if (context.data.type !== 'contextmenu') return null;
      const { items, searchBar, onHide } = context.data;
      return <NodeMenu items={items} searchBar={searchBar === true} onHide={onHide} catalog={catalog} />;
    },
  };
}

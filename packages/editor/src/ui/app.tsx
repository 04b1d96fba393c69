/**
 * The editor page: toolbar, palette, canvas (with minimap, toasts and file drop), run panel with the
 * gallery, status bar and dialogs. Loads the catalog first; the canvas is created once it is known.
 */
import { useEffect, useRef, useState, type DragEvent, type ReactNode } from 'react';
import { api } from '../api/client.ts';
import { CatalogIndex } from '../editor/catalog-index.ts';
import { AppController } from './app-controller.ts';
import { appState } from './app-state.ts';
import { Dialogs } from './dialogs.tsx';
import { Palette, PALETTE_MIME } from './palette.tsx';
import { installShortcuts } from './shortcuts.ts';
import { SidePanel } from './side-panel.tsx';
import { StatusBar } from './status-bar.tsx';
import { useStore } from './store.ts';
import { Toasts } from './toasts.tsx';
import { Toolbar } from './toolbar.tsx';

/** Test hook: the running app, for end-to-end tests that read state the page does not print. */
declare global {
  interface Window {
    loom?: AppController;
  }
}

function Workspace({ catalog }: { catalog: CatalogIndex }): ReactNode {
  const host = useRef<HTMLDivElement>(null);
  const canvas = useRef<HTMLDivElement>(null);
  const fileInput = useRef<HTMLInputElement>(null);
  const [app, setApp] = useState<AppController | null>(null);
  const [dropping, setDropping] = useState(false);
  const { minimap, dirty, documentName, nodeCount } = useStore(appState);

  useEffect(() => {
    if (!canvas.current || !host.current) return;
    const controller = new AppController(canvas.current, host.current, catalog);
    const pointer = { x: 0, y: 0 };
    const track = (e: PointerEvent) => Object.assign(pointer, { x: e.clientX, y: e.clientY });
    host.current.addEventListener('pointermove', track);
    const removeShortcuts = installShortcuts(controller, pointer);
    window.loom = controller;
    setApp(controller);
    void controller.start();
    return () => {
      removeShortcuts();
      controller.destroy();
      delete window.loom;
    };
  }, [catalog]);

  useEffect(() => {
    document.title = `${dirty ? '● ' : ''}${documentName} — Loom`;
    const warn = (e: BeforeUnloadEvent) => {
      if (dirty) e.preventDefault();
    };
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [dirty, documentName]);

  const addAtCentre = (type: string) => {
    const rect = canvas.current?.getBoundingClientRect();
    if (!app || !rect) return;
    const { area } = app.loom.plugins;
    const { x, y, k } = area.area.transform;
    void app.loom.addNode(type, app.loom.freeSpot({ x: (rect.width / 2 - x) / k - 130, y: (rect.height / 2 - y) / k - 60 }));
  };

  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setDropping(false);
    if (!app) return;
    const type = e.dataTransfer.getData(PALETTE_MIME);
    if (type) {
      app.loom.plugins.area.area.setPointerFrom(e.nativeEvent);
      void app.loom.addNode(type);
      return;
    }
    const file = e.dataTransfer.files[0];
    if (file) void app.importFile(file);
  };

  return (
    <div className="app">
      {app && <Toolbar app={app} onImport={() => fileInput.current?.click()} />}
      <input
        ref={fileInput}
        type="file"
        hidden
        accept=".json,.png,application/json,image/png"
        data-testid="import-input"
        onChange={(e) => {
          const file = e.target.files?.[0];
          if (file && app) void app.importFile(file);
          e.target.value = '';
        }}
      />
      <div className="main">
        <Palette catalog={catalog} onAdd={addAtCentre} />
        <div
          ref={host}
          className={`canvas-host${dropping ? ' dropping' : ''}${minimap ? '' : ' no-minimap'}`}
          data-testid="canvas"
          onDragOver={(e) => {
            e.preventDefault();
            setDropping(e.dataTransfer.types.includes('Files'));
          }}
          onDragLeave={() => setDropping(false)}
          onDrop={onDrop}
        >
          <div ref={canvas} className="canvas" />
          {nodeCount === 0 && (
            <div className="canvas-empty">Right-click or press Space to add a node, pick one from the palette, or drop a graph JSON or a Loom PNG here.</div>
          )}
          <Toasts />
        </div>
        {app && <SidePanel app={app} />}
      </div>
      {app && <StatusBar app={app} />}
      {app && <Dialogs app={app} />}
    </div>
  );
}

export function App(): ReactNode {
  const [catalog, setCatalog] = useState<CatalogIndex | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api.catalog().then(
      (c) => setCatalog(new CatalogIndex(c)),
      (err: Error) => setError(err.message),
    );
  }, []);
  if (error) return <div className="fatal">Cannot load the node catalog from the Loom server: {error}. Is the server running?</div>;
  if (!catalog) return <div className="fatal">Loading node catalog…</div>;
  return <Workspace catalog={catalog} />;
}

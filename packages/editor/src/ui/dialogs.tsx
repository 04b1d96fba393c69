/** Modal dialogs: open a template, save as, shortcuts, image viewer, rename a node, confirm. */
import { useEffect, useState, type ReactNode } from 'react';
import { api } from '../api/client.ts';
import { parseA1111Parameters, type A1111Parameters } from '../graph/a1111-parameters.ts';
import { readPngText } from '../graph/png-text.ts';
import type { AppController } from './app-controller.ts';
import { appState, closeDialog, toast, type Dialog } from './app-state.ts';
import { SHORTCUTS } from './shortcuts.ts';
import { useStore } from './store.ts';

function Modal({ title, children, testId }: { title: string; children: ReactNode; testId: string }): ReactNode {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && closeDialog();
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
  return (
    <div className="modal-backdrop" onPointerDown={(e) => e.target === e.currentTarget && closeDialog()}>
      <div className="modal" role="dialog" aria-label={title} data-testid={testId}>
        <h2>{title}</h2>
        {children}
      </div>
    </div>
  );
}

function OpenDialog({ app, dialog }: { app: AppController; dialog: Extract<Dialog, { kind: 'open' }> }): ReactNode {
  useEffect(() => {
    if (dialog.templates === null) {
      api.templates().then(
        (templates) => appState.set({ dialog: { kind: 'open', templates } }),
        (err: Error) => toast(`Cannot list templates: ${err.message}`, 'error'),
      );
    }
  }, [dialog.templates]);
  return (
    <Modal title="Open a template" testId="open-dialog">
      {dialog.templates === null ? (
        <p>Loading…</p>
      ) : (
        <ul className="template-list">
          {dialog.templates.map((t) => (
            <li key={t.name}>
              <button
                data-testid={`template-${t.name}`}
                onClick={() => {
                  closeDialog();
                  void app.openTemplate(t.name);
                }}
              >
                <strong>{t.title ?? t.name}</strong>
                <span className="template-name">graphs/{t.name}.json</span>
                {t.description && <span className="template-desc">{t.description}</span>}
              </button>
            </li>
          ))}
          {dialog.templates.length === 0 && <li>No templates in graphs/ yet.</li>}
        </ul>
      )}
      <div className="modal-actions">
        <button onClick={closeDialog}>Close</button>
      </div>
    </Modal>
  );
}

function SaveAsDialog({ app }: { app: AppController }): ReactNode {
  const [name, setName] = useState(appState.get().templateName ?? '');
  const [title, setTitle] = useState(typeof app.loom.meta.title === 'string' ? app.loom.meta.title : '');
  const submit = async () => {
    if (await app.saveAs(name.trim(), title.trim() || undefined)) closeDialog();
  };
  return (
    <Modal title="Save as template" testId="save-as-dialog">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <label>
          File name (graphs/<em>name</em>.json)
          <input
            autoFocus
            data-testid="save-as-name"
            value={name}
            pattern="[A-Za-z0-9][A-Za-z0-9_\-]{0,99}"
            required
            onChange={(e) => setName(e.target.value)}
          />
        </label>
        <label>
          Title (optional)
          <input data-testid="save-as-title" value={title} onChange={(e) => setTitle(e.target.value)} />
        </label>
        <div className="modal-actions">
          <button type="button" onClick={closeDialog}>
            Cancel
          </button>
          <button type="submit" className="primary" data-testid="save-as-submit">
            Save
          </button>
        </div>
      </form>
    </Modal>
  );
}

function RenameDialog({ app, dialog }: { app: AppController; dialog: Extract<Dialog, { kind: 'rename' }> }): ReactNode {
  const [title, setTitle] = useState(dialog.title);
  const apply = () => {
    const node = app.loom.plugins.editor.getNode(dialog.nodeId);
    if (node) {
      node.title = title.trim() && title.trim() !== node.type ? title.trim() : undefined;
      void app.loom.plugins.area.update('node', node.id);
      app.loom.changed();
    }
    closeDialog();
  };
  return (
    <Modal title="Rename node" testId="rename-dialog">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          apply();
        }}
      >
        <input autoFocus value={title} onChange={(e) => setTitle(e.target.value)} aria-label="Node title" />
        <div className="modal-actions">
          <button type="button" onClick={closeDialog}>
            Cancel
          </button>
          <button type="submit" className="primary">
            Rename
          </button>
        </div>
      </form>
    </Modal>
  );
}

/** The prompt, seed and size of an output, from its PNG's A1111 parameters and its pixels. */
function ImageFacts({ url, size }: { url: string; size: string | null }): ReactNode {
  const [params, setParams] = useState<A1111Parameters | null>(null);
  useEffect(() => {
    let live = true;
    void fetch(url)
      .then((r) => r.arrayBuffer())
      .then((buffer) => {
        const text = readPngText(new Uint8Array(buffer)).parameters;
        if (live && text !== undefined) setParams(parseA1111Parameters(text));
      })
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, [url]);
  const seed = params?.settings['Seed'];
  return (
    <dl className="image-facts" data-testid="image-facts">
      {params?.prompt && (
        <>
          <dt>Prompt</dt>
          <dd data-testid="image-prompt">{params.prompt}</dd>
        </>
      )}
      {params?.negativePrompt && (
        <>
          <dt>Negative</dt>
          <dd>{params.negativePrompt}</dd>
        </>
      )}
      {seed && (
        <>
          <dt>Seed</dt>
          <dd data-testid="image-seed">{seed}</dd>
        </>
      )}
      {size && (
        <>
          <dt>Size</dt>
          <dd data-testid="image-size">{size}</dd>
        </>
      )}
    </dl>
  );
}

function ImageDialog({ app, url }: { app: AppController; url: string }): ReactNode {
  const [size, setSize] = useState<string | null>(null);
  const loadGraph = async () => {
    closeDialog();
    const blob = await (await fetch(url)).blob();
    await app.importFile(new File([blob], new URL(url, location.href).searchParams.get('filename') ?? 'image.png', { type: blob.type }));
  };
  return (
    <Modal title="Output" testId="image-dialog">
      <img className="viewer" src={url} alt="output" onLoad={(e) => setSize(`${e.currentTarget.naturalWidth}×${e.currentTarget.naturalHeight}`)} />
      <ImageFacts url={url} size={size} />
      <div className="modal-actions">
        <a href={url} target="_blank" rel="noreferrer">
          Open in a new tab
        </a>
        <button onClick={() => void loadGraph()}>Load its graph</button>
        <button className="primary" onClick={closeDialog}>
          Close
        </button>
      </div>
    </Modal>
  );
}

export function Dialogs({ app }: { app: AppController }): ReactNode {
  const { dialog } = useStore(appState);
  switch (dialog.kind) {
    case 'open':
      return <OpenDialog app={app} dialog={dialog} />;
    case 'save-as':
      return <SaveAsDialog app={app} />;
    case 'rename':
      return <RenameDialog app={app} dialog={dialog} />;
    case 'image':
      return <ImageDialog app={app} url={dialog.url} />;
    case 'help':
      return (
        <Modal title="Keyboard and mouse" testId="help-dialog">
          <table className="shortcuts">
            <tbody>
              {SHORTCUTS.map((s) => (
                <tr key={s.keys}>
                  <th>{s.keys}</th>
                  <td>{s.what}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <div className="modal-actions">
            <button className="primary" onClick={closeDialog}>
              Close
            </button>
          </div>
        </Modal>
      );
    case 'confirm': {
      const answer = (ok: boolean) => {
        dialog.resolve(ok);
        closeDialog();
      };
      return (
        <Modal title="Please confirm" testId="confirm-dialog">
          <p>{dialog.text}</p>
          <div className="modal-actions">
            <button onClick={() => answer(false)}>Keep</button>
            <button className="primary" data-testid="confirm-ok" onClick={() => answer(true)}>
              Discard
            </button>
          </div>
        </Modal>
      );
    }
    default:
      return null;
  }
}

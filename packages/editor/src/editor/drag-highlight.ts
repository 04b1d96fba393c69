/**
 * While a link is being dragged, sockets that could take it light up and the others fade, so a type
 * mismatch is visible before the drop. The rule is written for the picked type (engine rule: equal
 * types, or INT into FLOAT) into one style element.
 */
import { acceptedOutputTypes, acceptingInputTypes } from '../graph/port-compat.ts';

const STYLE_ID = 'loom-drag-highlight';

function styleElement(): HTMLStyleElement {
  let style = document.getElementById(STYLE_ID) as HTMLStyleElement | null;
  if (!style) {
    style = document.createElement('style');
    style.id = STYLE_ID;
    document.head.appendChild(style);
  }
  return style;
}

/** Highlights the sockets that fit a link picked at a socket of `type` on `side`; null clears. */
export function highlightFor(picked: { type: string; side: 'input' | 'output' } | null): void {
  const style = styleElement();
  if (!picked) {
    style.textContent = '';
    return;
  }
  const otherSide = picked.side === 'output' ? 'input' : 'output';
  const fits = picked.side === 'output' ? acceptingInputTypes(picked.type) : acceptedOutputTypes(picked.type);
  const fit = fits.map((t) => `[data-type="${CSS.escape(t)}"]`).join(',');
  style.textContent = `
    .socket-ref.${otherSide} .loom-socket:not(${fit}), .socket-ref.${picked.side} .loom-socket { opacity: 0.2; }
    .socket-ref.${otherSide} .loom-socket:is(${fit}) { box-shadow: 0 0 0 3px #ffffff55, 0 0 10px 2px currentColor; transform: scale(1.25); }
  `;
}

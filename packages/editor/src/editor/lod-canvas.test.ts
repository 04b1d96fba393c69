import assert from 'node:assert/strict';
import { test } from 'node:test';
import { changesDrawing, movedDrawing } from './lod-canvas.ts';

// Hand-worked: the canvas is drawn 256 px beyond each edge of a 1000 × 800 view.
const size = { width: 1000, height: 800 };
const drawn = { x: 0, y: 0, k: 1 };

test('a pan within the drawn margin shifts the drawing by the pan', () => {
  assert.equal(movedDrawing(drawn, { x: 100, y: -50, k: 1 }, size), 'translate(100px, -50px) scale(1)');
});

test('a pan past the drawn margin needs a redraw', () => {
  assert.equal(movedDrawing(drawn, { x: 300, y: 0, k: 1 }, size), null);
});

test('a zoom in about the view centre scales the drawing about that centre', () => {
  // k 1 → 1.5 keeping (500, 400) in place: t = c − 1.5 c. Area point 500 (canvas x 756) lands at
  // −256 + tx + 1.5 · 756 = 500 with tx = −378.
  assert.equal(movedDrawing(drawn, { x: -250, y: -200, k: 1.5 }, size), 'translate(-378px, -328px) scale(1.5)');
});

test('magnified past 2× or zoomed out beyond the drawn margin, the drawing is redrawn instead', () => {
  assert.equal(movedDrawing(drawn, { x: -750, y: -600, k: 2.5 }, size), null);
  // k 0.5 about the centre: the view reaches area x −500, the drawing only −256.
  assert.equal(movedDrawing(drawn, { x: 250, y: 200, k: 0.5 }, size), null);
});

test('only node and link views, moves and graph edits make the drawing stale; a menu hiding on pointerdown does not', () => {
  const view = { id: 'node view' };
  const menu = { id: 'context menu' };
  const isView = (element: unknown) => element === view;
  // rete-context-menu-plugin sends this on every pointerdown outside its menu.
  assert.equal(changesDrawing({ type: 'unmount', data: { element: menu } }, isView), false);
  assert.equal(changesDrawing({ type: 'unmount', data: { element: view } }, isView), true);
  assert.equal(changesDrawing({ type: 'render', data: { type: 'contextmenu', element: menu } }, isView), false);
  assert.equal(changesDrawing({ type: 'render', data: { type: 'socket', element: menu } }, isView), false);
  assert.equal(changesDrawing({ type: 'render', data: { type: 'node', element: view } }, isView), true);
  assert.equal(changesDrawing({ type: 'render', data: { type: 'connection', element: view } }, isView), true);
  assert.equal(changesDrawing({ type: 'nodetranslated', data: {} }, isView), true);
  assert.equal(changesDrawing({ type: 'translated', data: {} }, isView), false);
  assert.equal(changesDrawing({ type: 'pointerdown', data: {} }, isView), false);
});

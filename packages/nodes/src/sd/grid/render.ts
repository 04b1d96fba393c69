/**
 * The labelled grid image: a header row with the variant labels, a left column with the row labels,
 * and the cells in between, `gap` pixels apart, on white. Labels are SVG text rendered by sharp
 * (librsvg + Pango, any installed sans-serif font).
 *
 * Labels wrap at spaces (or anywhere, for long words) into as many lines of 1.2·font as their box holds;
 * what still does not fit ends in "…".
 *
 * Layout (all in pixels): font = clamp(round(cellWidth / 10), 10, 28); header height = 3·font;
 * label column width = 7·font; width = labelWidth + columns·(cellWidth + gap) + gap;
 * height = header + rows·(cellHeight + gap) + gap. Cell (r, c) sits at
 * x = labelWidth + gap + c·(cellWidth + gap), y = header + gap + r·(cellHeight + gap).
 */
import sharp, { type OverlayOptions } from 'sharp';

export interface GridLayout {
  width: number;
  height: number;
  font: number;
  header: number;
  labelWidth: number;
  gap: number;
  cell: { width: number; height: number };
}

export interface LabelBox {
  text: string;
  left: number;
  top: number;
  width: number;
  height: number;
}

export function gridLayout(columns: number, rows: number, cellWidth: number, cellHeight: number, gap = 4): GridLayout {
  const font = Math.min(28, Math.max(10, Math.round(cellWidth / 10)));
  const header = 3 * font;
  const labelWidth = 7 * font;
  return {
    width: labelWidth + columns * (cellWidth + gap) + gap,
    height: header + rows * (cellHeight + gap) + gap,
    font,
    header,
    labelWidth,
    gap,
    cell: { width: cellWidth, height: cellHeight },
  };
}

export function cellOrigin(layout: GridLayout, row: number, column: number): { left: number; top: number } {
  return {
    left: layout.labelWidth + layout.gap + column * (layout.cell.width + layout.gap),
    top: layout.header + layout.gap + row * (layout.cell.height + layout.gap),
  };
}

const xml = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Splits text into lines of at most `perLine` characters, at spaces where possible, at most `lines` lines. */
export function wrapLabel(text: string, perLine: number, lines: number): string[] {
  const out: string[] = [];
  let rest = text.trim();
  while (rest.length > 0 && out.length < lines) {
    if (rest.length <= perLine) {
      out.push(rest);
      rest = '';
      break;
    }
    const space = rest.lastIndexOf(' ', perLine);
    const cut = space > 0 ? space : perLine;
    out.push(rest.slice(0, cut).trim());
    rest = rest.slice(cut).trim();
  }
  if (rest.length > 0 && out.length > 0) {
    const last = out[out.length - 1] as string;
    out[out.length - 1] = `${last.slice(0, Math.max(1, perLine - 1))}…`;
  }
  return out;
}

async function label(box: LabelBox, font: number): Promise<OverlayOptions> {
  // ≈0.6·font per character in a sans-serif face; lines 1.2·font apart, centred in the box.
  const lines = wrapLabel(box.text, Math.max(1, Math.floor(box.width / (0.6 * font))), Math.max(1, Math.floor(box.height / (1.2 * font))));
  const top = box.height / 2 - ((lines.length - 1) * 1.2 * font) / 2;
  const spans = lines.map((line, i) => `<tspan x="${box.width / 2}" y="${top + i * 1.2 * font}">${xml(line)}</tspan>`).join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${box.width}" height="${box.height}"><text font-family="sans-serif" font-size="${font}" fill="#111" text-anchor="middle" dominant-baseline="central">${spans}</text></svg>`;
  return { input: Buffer.from(svg), left: box.left, top: box.top };
}

/**
 * Composes the grid from 8-bit RGB cells (`cells[row][column]`, each cell.width × cell.height).
 * Returns RGB bytes and the label boxes that were drawn.
 */
export async function renderGrid(
  layout: GridLayout,
  columnLabels: string[],
  rowLabels: string[],
  cells: (Buffer | undefined)[][],
): Promise<{ rgb: Buffer; labels: LabelBox[] }> {
  const labels: LabelBox[] = [
    ...columnLabels.map((text, c) => ({ text, left: cellOrigin(layout, 0, c).left, top: 0, width: layout.cell.width, height: layout.header })),
    ...rowLabels.map((text, r) => ({ text, left: 0, top: cellOrigin(layout, r, 0).top, width: layout.labelWidth, height: layout.cell.height })),
  ];
  const overlays: OverlayOptions[] = await Promise.all(labels.map((box) => label(box, layout.font)));
  cells.forEach((row, r) =>
    row.forEach((cell, c) => {
      if (cell) overlays.push({ input: cell, raw: { width: layout.cell.width, height: layout.cell.height, channels: 3 }, ...cellOrigin(layout, r, c) });
    }),
  );
  const rgb = await sharp({ create: { width: layout.width, height: layout.height, channels: 3, background: '#ffffff' } })
    .composite(overlays)
    .removeAlpha()
    .raw()
    .toBuffer();
  return { rgb, labels };
}

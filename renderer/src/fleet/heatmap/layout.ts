/**
 * Where the heatmap draws each GPU, and which GPU is under a point, by arithmetic alone.
 *
 * Every node gets a tile of the same size (its name on top, its GPUs below in rows of at most
 * `maxCols`), and tiles flow left to right in rows. Equal tiles make hit-testing a pair of
 * divisions, whatever the fleet's size.
 */

export interface HeatmapGroupShape {
  /** GPUs of this node. */
  cells: number;
}

export interface LayoutOptions {
  /** Edge of one GPU cell, CSS px. */
  cell: number;
  /** Space between cells of a node. */
  gap: number;
  /** Space between node tiles, across and down. */
  tileGapX: number;
  tileGapY: number;
  /** Height of the node-name line above a tile's cells (0: no names). */
  labelHeight: number;
  /** Most cells in one row of a tile. */
  maxCols: number;
  /** Narrowest tile, so short names stay readable above a node with one or two GPUs. */
  minTileWidth: number;
}

export interface HeatmapLayout {
  options: LayoutOptions;
  width: number;
  height: number;
  groups: number;
  /** Cells across and down inside every tile. */
  tileCols: number;
  tileRows: number;
  tileWidth: number;
  tileHeight: number;
  tilesPerRow: number;
  rows: number;
  /** Cells of each group (what is drawn), and their sum. */
  cellCounts: readonly number[];
  totalCells: number;
  /**
   * Runs of consecutive groups drawn together (a label's nodes when grouped): each starts a new
   * row of tiles under a heading line `sectionHeading` px tall. One section without heading when
   * not grouped.
   */
  sections: readonly LayoutSection[];
  sectionHeading: number;
  /** The section of each group. */
  sectionOf: Int32Array;
}

export interface LayoutSection {
  /** First group of the section, and how many. */
  start: number;
  count: number;
  /** Top of its heading, and of its first row of tiles. */
  y: number;
  tilesY: number;
  rows: number;
}

export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

export const DEFAULT_LAYOUT: Omit<LayoutOptions, 'cell'> = { gap: 2, tileGapX: 10, tileGapY: 6, labelHeight: 14, maxCols: 8, minTileWidth: 56 };

/** Height of a section's heading line when the heatmap is grouped. */
export const SECTION_HEADING_PX = 18;

export function computeLayout(
  groups: readonly HeatmapGroupShape[],
  width: number,
  options: LayoutOptions,
  /** Sizes of the runs of groups drawn as sections (summing to groups.length); none: one plain section. */
  sectionCounts: readonly number[] | null = null,
): HeatmapLayout {
  const cellCounts = groups.map((g) => Math.max(0, Math.floor(g.cells)));
  const most = Math.max(1, ...cellCounts);
  const tileCols = Math.max(1, Math.min(options.maxCols, most));
  const tileRows = Math.ceil(most / tileCols);
  const cellsWidth = tileCols * options.cell + (tileCols - 1) * options.gap;
  const tileWidth = Math.max(cellsWidth, options.minTileWidth);
  const tileHeight = options.labelHeight + tileRows * options.cell + (tileRows - 1) * options.gap;
  const tilesPerRow = Math.max(1, Math.floor((Math.max(width, tileWidth) + options.tileGapX) / (tileWidth + options.tileGapX)));
  const heading = sectionCounts === null ? 0 : SECTION_HEADING_PX;
  const counts = sectionCounts ?? [groups.length];
  const sections: LayoutSection[] = [];
  const sectionOf = new Int32Array(groups.length);
  let y = 0;
  let start = 0;
  let rows = 0;
  for (const count of counts) {
    if (count <= 0) continue;
    const sectionRows = Math.ceil(count / tilesPerRow);
    if (sections.length > 0) y += options.tileGapY * 2;
    sections.push({ start, count, y, tilesY: y + heading, rows: sectionRows });
    sectionOf.fill(sections.length - 1, start, Math.min(groups.length, start + count));
    y += heading + sectionRows * tileHeight + (sectionRows - 1) * options.tileGapY;
    start += count;
    rows += sectionRows;
  }
  const height = sections.length === 0 ? 0 : y;
  return {
    options,
    width,
    height,
    groups: groups.length,
    tileCols,
    tileRows,
    tileWidth,
    tileHeight,
    tilesPerRow,
    rows,
    cellCounts,
    totalCells: cellCounts.reduce((a, b) => a + b, 0),
    sections,
    sectionHeading: heading,
    sectionOf,
  };
}

/**
 * The largest cell size (from `sizes`, largest first) whose layout fits `maxHeight`; the
 * smallest when none does. A handful of nodes get big cells, a thousand GPUs still fit a screen.
 */
export function fitLayout(
  groups: readonly HeatmapGroupShape[],
  width: number,
  maxHeight: number,
  sizes: readonly number[] = [22, 18, 15, 12, 10, 8],
  base: Omit<LayoutOptions, 'cell'> = DEFAULT_LAYOUT,
  sectionCounts: readonly number[] | null = null,
): HeatmapLayout {
  let layout: HeatmapLayout | null = null;
  for (const cell of sizes) {
    layout = computeLayout(groups, width, { ...base, cell, gap: cell >= 12 ? base.gap : 1 }, sectionCounts);
    if (layout.height <= maxHeight) return layout;
  }
  return layout ?? computeLayout(groups, width, { ...base, cell: 10 }, sectionCounts);
}

export function tileRect(layout: HeatmapLayout, group: number): Rect {
  const section = layout.sections[layout.sectionOf[group] ?? 0] ?? { start: 0, tilesY: 0 };
  const local = group - section.start;
  const col = local % layout.tilesPerRow;
  const row = Math.floor(local / layout.tilesPerRow);
  return {
    x: col * (layout.tileWidth + layout.options.tileGapX),
    y: section.tilesY + row * (layout.tileHeight + layout.options.tileGapY),
    w: layout.tileWidth,
    h: layout.tileHeight,
  };
}

export function cellRect(layout: HeatmapLayout, group: number, cell: number): Rect {
  const tile = tileRect(layout, group);
  const { cell: size, gap, labelHeight } = layout.options;
  const cx = cell % layout.tileCols;
  const cy = Math.floor(cell / layout.tileCols);
  return { x: tile.x + cx * (size + gap), y: tile.y + labelHeight + cy * (size + gap), w: size, h: size };
}

export interface Hit {
  group: number;
  /** The GPU under the point, or null over the node's name or an empty slot of its tile. */
  cell: number | null;
}

/**
 * What is under (x, y), in CSS px from the canvas's top left: a node's tile and maybe one of its
 * cells; null between tiles or past the last. The gaps between a tile's cells count as the cell
 * to their left/above, so the pointer never flickers between cells.
 */
export function hitTest(layout: HeatmapLayout, x: number, y: number): Hit | null {
  if (x < 0 || y < 0 || layout.groups === 0) return null;
  const { tileGapX, tileGapY, labelHeight, cell: size, gap } = layout.options;
  // The section under y: the last whose tiles start above it (few sections: a binary search).
  const sections = layout.sections;
  let lo = 0;
  let hi = sections.length - 1;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (sections[mid]!.tilesY <= y) lo = mid;
    else hi = mid - 1;
  }
  const section = sections[lo];
  if (!section || y < section.tilesY) return null;
  const sy = y - section.tilesY;
  const col = Math.floor(x / (layout.tileWidth + tileGapX));
  const row = Math.floor(sy / (layout.tileHeight + tileGapY));
  if (col >= layout.tilesPerRow || row >= section.rows) return null;
  const lx = x - col * (layout.tileWidth + tileGapX);
  const ly = sy - row * (layout.tileHeight + tileGapY);
  if (lx >= layout.tileWidth || ly >= layout.tileHeight) return null;
  const local = row * layout.tilesPerRow + col;
  if (local >= section.count) return null;
  const group = section.start + local;
  const cy = ly - labelHeight;
  if (cy < 0) return { group, cell: null };
  const cxIndex = Math.floor(lx / (size + gap));
  const cyIndex = Math.floor(cy / (size + gap));
  if (cxIndex >= layout.tileCols || cyIndex >= layout.tileRows) return { group, cell: null };
  const cell = cyIndex * layout.tileCols + cxIndex;
  return { group, cell: cell < layout.cellCounts[group]! ? cell : null };
}

/**
 * Keyboard movement over the cells: left/right step through GPUs across nodes, up/down jump to
 * the same GPU (or the last one) of the previous/next node. Returns the new position or the same.
 */
export function moveFocus(
  layout: HeatmapLayout,
  at: { group: number; cell: number } | null,
  key: 'left' | 'right' | 'up' | 'down' | 'home' | 'end',
): { group: number; cell: number } | null {
  const counts = layout.cellCounts;
  const firstFrom = (g: number, step: 1 | -1): number | null => {
    for (let i = g; i >= 0 && i < counts.length; i += step) if (counts[i]! > 0) return i;
    return null;
  };
  if (at === null || key === 'home') {
    const g = firstFrom(0, 1);
    return g === null ? null : { group: g, cell: 0 };
  }
  if (key === 'end') {
    const g = firstFrom(counts.length - 1, -1);
    return g === null ? null : { group: g, cell: counts[g]! - 1 };
  }
  if (key === 'right') {
    if (at.cell + 1 < counts[at.group]!) return { group: at.group, cell: at.cell + 1 };
    const g = firstFrom(at.group + 1, 1);
    return g === null ? at : { group: g, cell: 0 };
  }
  if (key === 'left') {
    if (at.cell > 0) return { group: at.group, cell: at.cell - 1 };
    const g = firstFrom(at.group - 1, -1);
    return g === null ? at : { group: g, cell: counts[g]! - 1 };
  }
  const g = key === 'down' ? firstFrom(at.group + 1, 1) : firstFrom(at.group - 1, -1);
  return g === null ? at : { group: g, cell: Math.min(at.cell, counts[g]! - 1) };
}

// Layout of the virtualised gallery grid: which rows are in view, where each cell goes, how to keep a cell visible.

export interface GridLayout {
  columns: number;
  cellWidth: number;
  cellHeight: number;
  rows: number;
  totalHeight: number;
}

/** Columns fill the width with cells at least `minCell` wide; cells stretch to share the leftover space. */
export function gridLayout(count: number, width: number, minCell: number, labelHeight: number, gap: number): GridLayout {
  const usable = Math.max(0, width - gap);
  const columns = Math.max(1, Math.floor(usable / (minCell + gap)));
  const cellWidth = Math.max(1, Math.floor(usable / columns) - gap);
  const cellHeight = cellWidth + labelHeight;
  const rows = Math.ceil(count / columns);
  return { columns, cellWidth, cellHeight, rows, totalHeight: rows * (cellHeight + gap) + gap };
}

/** Item positions [start, end) to render for a viewport, with `overscan` extra rows above and below. */
export function visibleRange(layout: GridLayout, count: number, scrollTop: number, viewHeight: number, gap: number, overscan: number): { start: number; end: number } {
  const rowH = layout.cellHeight + gap;
  const firstRow = Math.max(0, Math.floor(scrollTop / rowH) - overscan);
  const lastRow = Math.min(layout.rows - 1, Math.floor((scrollTop + viewHeight) / rowH) + overscan);
  if (lastRow < firstRow) return { start: 0, end: 0 };
  return { start: firstRow * layout.columns, end: Math.min(count, (lastRow + 1) * layout.columns) };
}

export function cellPosition(layout: GridLayout, index: number, gap: number): { x: number; y: number } {
  const row = Math.floor(index / layout.columns);
  const col = index % layout.columns;
  return { x: gap + col * (layout.cellWidth + gap), y: gap + row * (layout.cellHeight + gap) };
}

/** The scrollTop that brings item `index` fully into view, or null when it already is. */
export function scrollToReveal(layout: GridLayout, index: number, scrollTop: number, viewHeight: number, gap: number): number | null {
  const { y } = cellPosition(layout, index, gap);
  if (y < scrollTop) return Math.max(0, y - gap);
  const bottom = y + layout.cellHeight + gap;
  if (bottom > scrollTop + viewHeight) return bottom - viewHeight;
  return null;
}

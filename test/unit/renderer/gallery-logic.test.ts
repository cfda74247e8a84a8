// Unit tests of the gallery's pure logic: grid layout and visible range, selection rules, filter -> query.
import { describe, expect, it } from 'vitest';
import { cellPosition, gridLayout, scrollToReveal, visibleRange } from '../../../src-renderer/gallery/virtual.js';
import { clickAt, emptySelection, moveFocus, reconcile, selectAll } from '../../../src-renderer/gallery/selection.js';
import { defaultFilter, filterIsActive, parseFilter, toQuery } from '../../../src-renderer/gallery/query.js';

describe('virtual grid', () => {
  const gap = 8;
  it('fits as many columns as the width allows and stretches cells', () => {
    const l = gridLayout(7049, 1264, 128, 22, gap);
    expect(l.columns).toBe(9); // 9 * (128 + 8) = 1224 <= 1256 < 10 * 136
    expect(l.cellWidth).toBeGreaterThanOrEqual(128);
    expect(l.columns * (l.cellWidth + gap)).toBeLessThanOrEqual(1264 - gap);
    expect(l.rows).toBe(Math.ceil(7049 / 9));
    expect(l.totalHeight).toBe(l.rows * (l.cellHeight + gap) + gap);
  });

  it('renders only the rows in view plus overscan, for any scroll position', () => {
    const l = gridLayout(7049, 1264, 128, 22, gap);
    const rowH = l.cellHeight + gap;
    const top = visibleRange(l, 7049, 0, 600, gap, 2);
    expect(top.start).toBe(0);
    expect(top.end).toBe((Math.floor(600 / rowH) + 3) * l.columns);
    const mid = visibleRange(l, 7049, rowH * 300 + 5, 600, gap, 2);
    expect(mid.start).toBe(298 * l.columns);
    expect(mid.end - mid.start).toBeLessThanOrEqual((Math.ceil(600 / rowH) + 5) * l.columns);
    const end = visibleRange(l, 7049, l.totalHeight - 600, 600, gap, 2);
    expect(end.end).toBe(7049);
    expect(visibleRange(gridLayout(0, 1264, 128, 22, gap), 0, 0, 600, gap, 2)).toEqual({ start: 0, end: 0 });
  });

  it('places cells row by row and scrolls just enough to reveal one', () => {
    const l = gridLayout(100, 500, 100, 20, gap);
    expect(l.columns).toBe(4);
    expect(cellPosition(l, 0, gap)).toEqual({ x: gap, y: gap });
    expect(cellPosition(l, 5, gap)).toEqual({ x: gap + (l.cellWidth + gap), y: gap + (l.cellHeight + gap) });
    const rowH = l.cellHeight + gap;
    expect(scrollToReveal(l, 0, 0, 300, gap)).toBeNull();
    const down = scrollToReveal(l, 40, 0, 300, gap)!; // row 10
    expect(down).toBe(gap + 10 * rowH + l.cellHeight + gap - 300);
    expect(scrollToReveal(l, 0, 500, 300, gap)).toBe(0);
  });
});

describe('selection', () => {
  const ids = [10, 11, 12, 13, 14, 15];
  it('click selects one, ctrl toggles, shift selects a range from the anchor', () => {
    let s = clickAt(emptySelection(), ids, 1, { ctrl: false, shift: false });
    expect([...s.selected]).toEqual([11]);
    s = clickAt(s, ids, 3, { ctrl: true, shift: false });
    expect([...s.selected].sort()).toEqual([11, 13]);
    s = clickAt(s, ids, 3, { ctrl: true, shift: false });
    expect([...s.selected]).toEqual([11]);
    s = clickAt(s, ids, 1, { ctrl: false, shift: false });
    s = clickAt(s, ids, 4, { ctrl: false, shift: true });
    expect([...s.selected].sort()).toEqual([11, 12, 13, 14]);
    expect(s.focus).toBe(4);
    // Shift+Ctrl adds a second range to what is there.
    s = clickAt({ ...s, anchor: 5 }, ids, 5, { ctrl: true, shift: true });
    expect(s.selected.has(15) && s.selected.has(11)).toBe(true);
  });

  it('arrows move focus within bounds; shift extends from the anchor; ctrl+A selects every id', () => {
    let s = moveFocus(emptySelection(), ids, 1, false);
    expect(s.focus).toBe(0); // first key press lands on the first item
    s = moveFocus(s, ids, 4, false);
    expect(s.focus).toBe(4);
    expect([...s.selected]).toEqual([14]);
    s = moveFocus(s, ids, 100, false);
    expect(s.focus).toBe(5);
    s = moveFocus(s, ids, -2, true);
    expect([...s.selected].sort()).toEqual([13, 14, 15]);
    expect(selectAll(s, ids).selected.size).toBe(6);
  });

  it('keeps focus on the same sample and drops vanished ids when the list changes', () => {
    const s = clickAt(clickAt(emptySelection(), ids, 2, { ctrl: false, shift: false }), ids, 4, { ctrl: true, shift: false });
    const next = reconcile(s, ids, [10, 14, 15]);
    expect([...next.selected]).toEqual([14]);
    expect(next.focus).toBe(1);
  });
});

describe('filter to query', () => {
  it('maps every control onto the service query', () => {
    expect(toQuery(defaultFilter())).toEqual({ sort: 'id' });
    expect(filterIsActive(defaultFilter())).toBe(false);
    const f = { ...defaultFilter(), minMissing: 2, maxMissing: 11, missingKeypoint: 3, split: 'val' as const, tag: 'blurry', text: '  lfpw ', sort: 'missing-desc' as const };
    expect(toQuery(f)).toEqual({ sort: 'missing-desc', minMissing: 2, maxMissing: 11, missingKeypoint: 3, split: 'val', tag: 'blurry', text: 'lfpw' });
    expect(filterIsActive(f)).toBe(true);
  });

  it('filters by the face detector result, and reads it back from a saved filter', () => {
    expect(toQuery({ ...defaultFilter(), face: 'none' })).toEqual({ sort: 'id', face: 'none' });
    expect(filterIsActive({ ...defaultFilter(), face: 'found' })).toBe(true);
    expect(parseFilter(JSON.stringify({ face: 'pending' })).face).toBe('pending');
    expect(parseFilter(JSON.stringify({ face: 'maybe' })).face).toBeNull();
  });

  it('uses the review state as the tag filter, and needs a run to sort by error', () => {
    expect(toQuery({ ...defaultFilter(), tag: 'blurry', review: 'needs review' }).tag).toBe('needs review');
    expect(toQuery({ ...defaultFilter(), sort: 'error-desc' })).toEqual({ sort: 'id' });
    expect(toQuery({ ...defaultFilter(), sort: 'error-desc', runId: 'r1' })).toEqual({ sort: 'error-desc', runId: 'r1' });
  });

  it('reads a saved filter field by field and ignores junk', () => {
    expect(parseFilter(null)).toEqual(defaultFilter());
    expect(parseFilter('not json')).toEqual(defaultFilter());
    const f = parseFilter(JSON.stringify({ missingKeypoint: 4, split: 'nope', sort: 'missing-asc', review: 'reviewed', text: 7 }));
    expect(f).toEqual({ ...defaultFilter(), missingKeypoint: 4, sort: 'missing-asc', review: 'reviewed' });
  });
});

// Gallery selection: a focused position plus a set of selected sample ids, with Ctrl/Shift click and keyboard rules.

export interface Selection {
  /** Position (index into the ordered id list) with keyboard focus, or -1 when none. */
  focus: number;
  /** Position where a Shift range starts. */
  anchor: number;
  selected: Set<number>;
}

export const emptySelection = (): Selection => ({ focus: -1, anchor: -1, selected: new Set() });

function range(ids: readonly number[], a: number, b: number): number[] {
  const lo = Math.max(0, Math.min(a, b));
  const hi = Math.min(ids.length - 1, Math.max(a, b));
  return ids.slice(lo, hi + 1);
}

/** Plain click selects one; Ctrl/Cmd toggles one; Shift selects the range from the anchor (adding to it with Ctrl). */
export function clickAt(sel: Selection, ids: readonly number[], pos: number, mods: { ctrl: boolean; shift: boolean }): Selection {
  if (pos < 0 || pos >= ids.length) return sel;
  const id = ids[pos];
  if (mods.shift && sel.anchor >= 0) {
    const next = mods.ctrl ? new Set(sel.selected) : new Set<number>();
    for (const r of range(ids, sel.anchor, pos)) next.add(r);
    return { focus: pos, anchor: sel.anchor, selected: next };
  }
  if (mods.ctrl) {
    const next = new Set(sel.selected);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    return { focus: pos, anchor: pos, selected: next };
  }
  return { focus: pos, anchor: pos, selected: new Set([id]) };
}

/** Arrow keys: move focus by `delta` positions (clamped); plain moves select the focused item, Shift extends from the anchor. */
export function moveFocus(sel: Selection, ids: readonly number[], delta: number, extend: boolean): Selection {
  if (ids.length === 0) return sel;
  const from = sel.focus < 0 ? 0 : sel.focus;
  const pos = sel.focus < 0 ? 0 : Math.max(0, Math.min(ids.length - 1, from + delta));
  if (extend) {
    const anchor = sel.anchor >= 0 ? sel.anchor : from;
    return { focus: pos, anchor, selected: new Set(range(ids, anchor, pos)) };
  }
  return { focus: pos, anchor: pos, selected: new Set([ids[pos]]) };
}

export function selectAll(sel: Selection, ids: readonly number[]): Selection {
  return { focus: sel.focus < 0 && ids.length ? 0 : sel.focus, anchor: sel.anchor, selected: new Set(ids) };
}

/** After the id list changes (filter, delete, undo), keep what still exists and the focus on the same sample where possible. */
export function reconcile(sel: Selection, oldIds: readonly number[], newIds: readonly number[]): Selection {
  const present = new Set(newIds);
  const selected = new Set([...sel.selected].filter((id) => present.has(id)));
  const focusedId = sel.focus >= 0 ? oldIds[sel.focus] : undefined;
  let focus = focusedId !== undefined ? newIds.indexOf(focusedId) : -1;
  if (focus < 0 && sel.focus >= 0 && newIds.length) focus = Math.min(sel.focus, newIds.length - 1);
  const anchorId = sel.anchor >= 0 ? oldIds[sel.anchor] : undefined;
  const anchor = anchorId !== undefined ? newIds.indexOf(anchorId) : -1;
  return { focus, anchor: anchor >= 0 ? anchor : focus, selected };
}

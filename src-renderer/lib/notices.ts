// The rules of the notice stack (toasts), kept pure so they can be tested without a page: cap, repeats, lifetimes.

export interface Notice {
  id: number;
  kind: 'error' | 'warning' | 'info';
  text: string;
  /** How many times this same notice was raised while it was showing (shown as ×N when above 1). */
  count: number;
  /** Notices with a key replace an older one with the same key, and can be cleared by it (e.g. when the action later succeeds). */
  key?: string;
}

/** At most this many notices are stacked; the oldest go first. */
export const MAX_NOTICES = 3;
/** How long a notice shows before it goes by itself (hovering holds it). Errors and warnings stay longer: they name a file and a record to read. */
export const NOTICE_MS: Record<Notice['kind'], number> = { info: 4000, warning: 10000, error: 10000 };

/**
 * The stack after raising `n`: the same kind and text (or the same key) replaces the earlier one and counts the
 * repeat, and the newest MAX_NOTICES stay. Returns the new list and the ids dropped (their timers can stop).
 */
export function pushNotice(list: readonly Notice[], n: Omit<Notice, 'count'>): { list: Notice[]; dropped: number[] } {
  const same = list.find((x) => (n.key !== undefined && x.key === n.key) || (x.kind === n.kind && x.text === n.text));
  const count = same && same.kind === n.kind && same.text === n.text ? same.count + 1 : 1;
  const rest = list.filter((x) => x !== same);
  const next = [...rest, { ...n, count }];
  const cut = Math.max(0, next.length - MAX_NOTICES);
  return { list: next.slice(cut), dropped: [...(same ? [same.id] : []), ...next.slice(0, cut).map((x) => x.id)] };
}

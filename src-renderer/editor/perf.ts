// Editor latency figures (drag redraw, opening a sample), kept in small ring buffers on window for the benchmark to read.

export interface EditorPerf {
  /** Milliseconds from a pointer event's timestamp to the end of the synchronous redraw it caused. */
  drag: number[];
  /** Milliseconds from the page starting to handle that pointer event to the end of the redraw (the app's own work). */
  dragWork: number[];
  /** Milliseconds from a navigation request (key press or button) to the new sample drawn on the canvas. */
  open: number[];
}

const MAX = 2000;

declare global {
  interface Window {
    __kpsEditorPerf?: EditorPerf;
  }
}

function buffers(): EditorPerf | null {
  if (typeof window === 'undefined') return null;
  window.__kpsEditorPerf ??= { drag: [], dragWork: [], open: [] };
  return window.__kpsEditorPerf;
}

function push(list: number[], v: number): void {
  list.push(v);
  if (list.length > MAX) list.splice(0, list.length - MAX);
}

let dispatchedAt = 0;
if (typeof window !== 'undefined') {
  // Capture phase on window runs before any other handler of the event (Konva's drag listens in the bubble phase).
  const mark = () => (dispatchedAt = performance.now());
  window.addEventListener('mousemove', mark, true);
  window.addEventListener('pointermove', mark, true);
  window.addEventListener('touchmove', mark, true);
  window.addEventListener('pointerrawupdate', mark, true);
}

/** `since` is the event's timeStamp (same clock as performance.now()): when the browser received the input. */
export function recordDrag(since: number): void {
  const b = buffers();
  if (!b || !(since > 0)) return;
  const now = performance.now();
  push(b.drag, now - since);
  if (dispatchedAt > 0) push(b.dragWork, now - dispatchedAt);
}

let openStart: { at: number; target: number | null } | null = null;

/** Marks the start of a navigation to `target` (null: not known yet, e.g. the next sample with missing keypoints). */
export function markOpenStart(at: number, target: number | null): void {
  openStart = { at, target };
}

/** Called once a sample is drawn; records the time since the matching markOpenStart. */
export function markOpenEnd(sampleId: number): void {
  const b = buffers();
  if (!b || !openStart) return;
  if (openStart.target !== null && openStart.target !== sampleId) return;
  push(b.open, performance.now() - openStart.at);
  openStart = null;
}

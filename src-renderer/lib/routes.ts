// Views of the app and their URL hashes (`#/gallery`, `#/editor/12`): the hash keeps the view across reloads.

export type View = 'home' | 'import' | 'stats' | 'gallery' | 'editor' | 'review' | 'train' | 'runs' | 'compare' | 'photo' | 'qc';

export interface Route {
  view: View;
  sampleId: number | null;
  /** The run of the compare view (`#/compare/<run id>`). */
  runId?: string;
}

/** `#/gallery`, `#/editor/12`, ...: the hash keeps the view across reloads and gives the back button meaning. */
export function parseHash(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/');
  const view = parts[0] as View;
  if (view === 'editor') {
    const id = Number(parts[1]);
    if (Number.isInteger(id) && id > 0) return { view, sampleId: id };
    return { view: 'gallery', sampleId: null };
  }
  if (view === 'compare' && parts[1]) return { view, sampleId: null, runId: decodeURIComponent(parts[1]) };
  if (view === 'train' || view === 'runs' || view === 'photo' || view === 'compare' || view === 'qc') return { view, sampleId: null };
  if (view === 'import' || view === 'stats' || view === 'gallery' || view === 'review' || view === 'home') return { view, sampleId: null };
  return { view: 'home', sampleId: null };
}

export function routeHash(r: Route): string {
  if (r.view === 'compare' && r.runId) return `#/compare/${encodeURIComponent(r.runId)}`;
  return r.view === 'editor' && r.sampleId !== null ? `#/editor/${r.sampleId}` : `#/${r.view}`;
}

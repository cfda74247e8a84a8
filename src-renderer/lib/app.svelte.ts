// App-wide reactive state: the open project, the current view (kept in the URL hash), jobs, notices and settings.
import type { JobStatus, ProjectInfo } from '../../src-main/api/ops.js';
import { api, errorMessage, ServiceError, setImageScope } from './api.js';
import { gallery } from '../gallery/model.svelte.js';
import { loadSettings, rememberProject, saveSettings, type Settings, type Theme } from './settings.js';
import { NOTICE_MS, pushNotice, type Notice } from './notices.js';

export { parseHash, routeHash, type Route, type View } from './routes.js';
import { parseHash, routeHash, type Route } from './routes.js';

function localStore(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

export type { Notice };

class AppState {
  project = $state<ProjectInfo | null>(null);
  route = $state<Route>(parseHash(typeof location !== 'undefined' ? location.hash : ''));
  /** The job shown in the progress bar: the running one, or the last one that ended (until dismissed). */
  job = $state<JobStatus | null>(null);
  notices = $state<Notice[]>([]);
  settings = $state<Settings>(loadSettings(localStore()));
  systemDark = $state(typeof matchMedia !== 'undefined' && matchMedia('(prefers-color-scheme: dark)').matches);
  ready = $state(false);
  private noticeSeq = 0;
  private noticeTimers = new Map<number, ReturnType<typeof setTimeout>>();

  get theme(): Theme {
    return this.settings.theme ?? (this.systemDark ? 'dark' : 'light');
  }

  go(r: Route): void {
    const hash = routeHash(r);
    if (location.hash !== hash) location.hash = hash;
    this.route = r;
  }

  updateSettings(patch: Partial<Settings>): void {
    this.settings = { ...this.settings, ...patch };
    saveSettings(localStore(), this.settings);
  }

  toggleTheme(): void {
    this.updateSettings({ theme: this.theme === 'dark' ? 'light' : 'dark' });
  }

  /** Shows a notice (see lib/notices.ts: at most a few stacked, repeats counted, gone after a few seconds unless hovered). */
  notify(kind: Notice['kind'], text: string, key?: string): void {
    const id = ++this.noticeSeq;
    const { list, dropped } = pushNotice(this.notices, { id, kind, text, ...(key === undefined ? {} : { key }) });
    for (const d of dropped) this.stopTimer(d);
    this.notices = list;
    this.holdNotice(id, false);
  }

  /** Hovering a notice holds it (`held`); leaving it gives it a fresh lifetime. */
  holdNotice(id: number, held: boolean): void {
    this.stopTimer(id);
    const n = this.notices.find((x) => x.id === id);
    if (!n || held) return;
    this.noticeTimers.set(id, setTimeout(() => this.dismiss(id), NOTICE_MS[n.kind]));
  }

  private stopTimer(id: number): void {
    const t = this.noticeTimers.get(id);
    if (t !== undefined) clearTimeout(t);
    this.noticeTimers.delete(id);
  }

  dismiss(id: number): void {
    this.stopTimer(id);
    this.notices = this.notices.filter((n) => n.id !== id);
  }

  /** Clears the notices raised with `key` (an action that failed before and has now succeeded), or all of them. */
  clearNotices(key?: string): void {
    for (const n of this.notices) if (key === undefined || n.key === key) this.stopTimer(n.id);
    this.notices = key === undefined ? [] : this.notices.filter((n) => n.key !== key);
  }

  /**
   * Runs a call and turns a failure into a visible notice; returns null on failure. With `key`, the notice replaces an
   * earlier failure of the same kind of action, and a success clears it.
   */
  async attempt<T>(what: string, fn: () => Promise<T>, key?: string): Promise<T | null> {
    try {
      const out = await fn();
      if (key !== undefined) this.clearNotices(key);
      return out;
    } catch (err) {
      this.notify('error', `${what}: ${errorMessage(err)}`, key);
      return null;
    }
  }

  setProject(p: ProjectInfo | null): void {
    // Notices belong to the project they were raised in: another project starts with none.
    if ((p?.path ?? null) !== (this.project?.path ?? null)) this.clearNotices();
    this.project = p;
    if (p) {
      this.settings = rememberProject(this.settings, p.path);
      saveSettings(localStore(), this.settings);
    }
    setImageScope(p?.path ?? null);
  }

  /** Re-reads the open project's info (sample count) unless another project was opened meanwhile. */
  async refreshProjectInfo(): Promise<void> {
    const path = this.project?.path;
    const p = await api.call('project.info', {}).catch(() => null);
    // Replaced only when something changed: views keyed on the project's schema need not redraw for nothing.
    if (p && path === p.path && this.project?.path === path && JSON.stringify(p) !== JSON.stringify($state.snapshot(this.project))) this.project = p;
  }

  async start(): Promise<void> {
    // The project can change under the page: the Electron menu (New, Open) or another tab in web mode.
    api.on('project.changed', ({ project }) => {
      const switched = (project?.path ?? null) !== (this.project?.path ?? null);
      if (switched) gallery.clear();
      this.setProject(project);
      if (switched) this.go({ view: project ? (project.sampleCount > 0 ? 'gallery' : 'import') : 'home', sampleId: null });
    });
    // Deletes, their undo and redo, imports and added photos change the sample count in the top bar, from any window.
    let infoTimer: ReturnType<typeof setTimeout> | undefined;
    api.on('dataset.changed', ({ reason }) => {
      if (!this.project || reason === 'labels' || reason === 'tag' || reason === 'split') return;
      clearTimeout(infoTimer);
      infoTimer = setTimeout(() => void this.refreshProjectInfo(), 100);
    });
    api.on('job.progress', (s) => {
      this.job = s;
    });
    api.on('job.ended', (s) => {
      this.job = s;
      // An import (from this page or the Electron menu) changes the sample count in the top bar.
      if (s.state === 'done' && this.project) void this.refreshProjectInfo();
    });
    let p: ProjectInfo | null = null;
    try {
      p = await api.call('project.info', {});
    } catch (err) {
      this.notify('error', `Cannot reach the service: ${errorMessage(err)}`);
    }
    // Reopen the last project when the service has none open (a fresh app start); a failure leaves the home view.
    if (!p && this.settings.lastProject) {
      try {
        p = await api.call('project.open', { path: this.settings.lastProject });
      } catch (err) {
        this.notify('error', `Could not reopen ${this.settings.lastProject}: ${errorMessage(err)}`);
      }
    }
    this.setProject(p);
    if (!p && this.route.view !== 'home') this.go({ view: 'home', sampleId: null });
    else if (p && this.route.view === 'home' && !location.hash) this.go({ view: 'gallery', sampleId: null });
    this.ready = true;
  }

  /** Follows a job to its end through events, with job.wait as the authority (events may be missed on a reconnect). */
  /** `expected`: a failure the caller handles itself (asks the user), so no error notice is shown for it. */
  async runJob(start: () => Promise<{ jobId: string }>, what: string, expected?: (end: JobStatus) => boolean): Promise<JobStatus | null> {
    const ref = await this.attempt(what, start);
    if (!ref) return null;
    this.job = { jobId: ref.jobId, kind: what, state: 'running', done: 0, total: 0, message: 'starting' };
    const end = await this.attempt(what, () => api.call('job.wait', ref));
    if (!end) return null;
    this.job = end;
    if (end.state === 'failed' && !expected?.(end)) this.notify('error', `${what} failed: ${end.error ? errorMessage(new ServiceError(end.error)) : end.message}`);
    return end;
  }
}

export const app = new AppState();

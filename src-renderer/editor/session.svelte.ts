// The editor's session: the open sample, its keypoints as shown, the selection, fill mode and the view, and every edit
// made on them (a class with $state fields, like gallery/model.svelte.ts). Editor.svelte wires it to the canvas, the
// loader, the keyboard table and the panels; this class holds no DOM and is unit-tested with a fake canvas
// (test/unit/editor/session.svelte.test.ts).
import type { KeypointSchema, LabelledKeypoint, SampleDetail } from '../../src-main/core/types.js';
import type { KeypointEdit } from '../../src-main/api/ops.js';
import { isPredictedProvenance } from '../../src-main/core/provenance.js';
import { acceptEdits, ghostAt, modelActor, type GhostPoint } from './assist.js';
import type { EditorCanvas } from './canvasView.js';
import { applyEdits, deleteEdit, hasPosition, moveEdit, nudgeEdit, outsideImage, toggleOccludedEdit } from './edits.js';
import { afterPlace, isMissing, missingIndices, skipBackward, skipForward, startFill, type FillState } from './fillMode.js';
import { NOT_SENT, type LabelSaves } from './labelSaves.js';
import type { NudgeLink, NudgeRuns } from './nudgeRun.js';
import { withZoom, zoomFor, type EditorPrefs } from './prefs.js';
import type { SampleCache } from './sampleCache.js';
import { fitTransform, rememberZoom, restoreZoom, zoomBy, type ViewTransform } from './transform.js';

/** What the session draws on: the Konva stage (canvasView.ts) in the app, a recorder in the tests. */
export type SessionCanvas = Pick<
  EditorCanvas,
  'size' | 'setSchema' | 'setImage' | 'setKeypoints' | 'setSelected' | 'setTransform' | 'drawNow' | 'setShowNames' | 'setSmoothing'
>;

export interface SessionDeps {
  /** The editor's preferences (a $state object the editor owns and persists). */
  prefs: () => EditorPrefs;
  persistPrefs: () => void;
  cache: Pick<SampleCache<unknown>, 'update' | 'projectPath'>;
  labelSaves: Pick<LabelSaves, 'enqueue'>;
  nudgeRuns: Pick<NudgeRuns, 'nudge' | 'end'>;
  /** Edits of the sample sent but not yet acknowledged: they go on top of what the store sent. */
  unsentEdits: (sampleId: number) => KeypointEdit[];
  /** A save refused for good: show what the store really holds. */
  reload: (sampleId: number) => void;
  /** The chosen run while it exists, and its ghosts for the open sample (assistSession.svelte.ts). */
  assistRun: () => string | null;
  ghosts: () => GhostPoint[];
  /** Fill mode placed the sample's last missing keypoint. */
  fillComplete: () => void;
}

type ImageLike = (CanvasImageSource & { naturalWidth: number; naturalHeight: number }) | null;

export class EditorSession {
  schema = $state<KeypointSchema | null>(null);
  detail = $state<SampleDetail | null>(null);
  /** The open sample's keypoints as shown: the store's, with this page's unacknowledged edits on top. */
  kps = $state<LabelledKeypoint[]>([]);
  selected = $state<number | null>(null);
  hovered = $state<number | null>(null);
  fill = $state<FillState | null>(null);
  view = $state<ViewTransform>({ scale: 1, offsetX: 0, offsetY: 0 });
  ready = $state(false);
  loadError = $state<string | null>(null);
  imageError = $state<string | null>(null);
  /** Natural size of the decoded image on the stage (0 x 0 when none): a test hook that the pixels belong to the sample. */
  imageShown = $state({ width: 0, height: 0 });
  flash = $state<string | null>(null);
  /** Bumped when the journal changed (the history panel refetches). */
  historyKey = $state(0);

  readonly fillTarget = $derived(this.fill?.current ?? null);
  readonly missingCount = $derived(missingIndices(this.kps).length);
  readonly tags = $derived(this.detail?.tags ?? []);
  /** Keypoints of the sample a model placed and no person has confirmed yet. */
  readonly predictedIdx = $derived(
    this.kps.map((k, i) => (k.state !== 'missing' && isPredictedProvenance(k.provenance) ? i : -1)).filter((i) => i >= 0),
  );

  canvas: SessionCanvas | null = null;
  private flashTimer: ReturnType<typeof setTimeout> | undefined;
  private zoomSaveTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly deps: SessionDeps) {}

  say(text: string): void {
    this.flash = text;
    clearTimeout(this.flashTimer);
    this.flashTimer = setTimeout(() => (this.flash = null), 2500);
  }

  kpName(i: number): string {
    return this.schema?.keypoints[i]?.name ?? `keypoint ${i}`;
  }

  /** The canvas is ready (or gone): it gets the view options and the schema already known. */
  attach(canvas: SessionCanvas | null): void {
    this.canvas = canvas;
    if (!canvas) return;
    const prefs = this.deps.prefs();
    canvas.setSmoothing(prefs.smoothing);
    canvas.setShowNames(prefs.showNames);
    if (this.schema) canvas.setSchema(this.schema);
  }

  setSchema(schema: KeypointSchema | null): void {
    this.schema = schema;
    if (schema) this.canvas?.setSchema(schema);
  }

  /** A sample starts opening: nothing sample-wide acts until show() says it is on screen. */
  opening(): void {
    this.ready = false;
    this.loadError = null;
  }

  failed(message: string): void {
    this.loadError = message;
  }

  // ---- showing a sample ---------------------------------------------------------------------------

  show(d: SampleDetail, image: ImageLike, imgErr: string | null): void {
    const sameSample = this.detail?.id === d.id;
    this.detail = d;
    this.kps = applyEdits(d.keypoints, this.deps.unsentEdits(d.id), { provenance: 'annotator' });
    this.imageError = imgErr;
    if (!sameSample) {
      this.selected = null;
      this.fill = this.deps.prefs().fillMode ? startFill(this.kps) : null;
    } else if (this.fill && (this.fill.current === null || !isMissing(this.kps[this.fill.current]))) {
      // The same sample changed under fill mode (an undo, another window): go on from its first missing keypoint.
      this.fill = startFill(this.kps);
    }
    const canvas = this.canvas;
    if (!canvas) return;
    const size = { width: d.width, height: d.height };
    canvas.setImage(image, size);
    this.imageShown = { width: image?.naturalWidth ?? 0, height: image?.naturalHeight ?? 0 };
    canvas.setKeypoints(this.kps);
    canvas.setSelected(this.selected);
    if (!sameSample) {
      const vs = canvas.size;
      const z = zoomFor(this.deps.prefs(), this.deps.cache.projectPath());
      this.view = z ? restoreZoom(z, size, vs) : fitTransform(size, vs);
      canvas.setTransform(this.view);
    }
    canvas.drawNow();
    this.ready = true;
  }

  // ---- editing ------------------------------------------------------------------------------------

  /** Shows the edits at once and sends them as one labels.set (actor: who made them; link: a nudge run). */
  commit(edits: KeypointEdit[], label: string, actor = 'annotator', link?: NudgeLink): void {
    const detail = this.detail;
    if (!detail || edits.length === 0) return;
    const id = detail.id;
    if (!link) this.deps.nudgeRuns.end();
    this.kps = applyEdits(this.kps, edits, { provenance: actor });
    this.canvas?.setKeypoints(this.kps);
    const snapshot: SampleDetail = { ...$state.snapshot(detail), keypoints: $state.snapshot(this.kps) as LabelledKeypoint[] };
    void this.deps.cache.update(snapshot);
    this.deps.labelSaves
      .enqueue({ project: this.deps.cache.projectPath() ?? '', sampleId: id, edits, label, ...(actor !== 'annotator' ? { actor } : {}) }, link)
      .then((res) => {
        if (res === NOT_SENT) return;
        if (this.detail?.id === id) this.detail.revision = res.revision;
        this.historyKey++;
      })
      .catch(() => this.deps.reload(id));
  }

  place(index: number, x: number, y: number, verb = 'move', fromPointer = true): void {
    if (!this.detail) return;
    this.commit([moveEdit(index, this.kps[index], x, y, this.detail, fromPointer)], `${verb} ${this.kpName(index)}`);
  }

  /** A coordinate typed in the list: stored as typed inside the image, refused with a message outside it. */
  setTyped(index: number, x: number, y: number): string | null {
    if (!this.detail) return 'no sample is open';
    const refused = outsideImage(x, y, this.detail);
    if (refused) {
      this.say(`${this.kpName(index)}: ${refused}`);
      return refused;
    }
    this.place(index, x, y, 'set', false);
    return null;
  }

  /** A click on the image (image coordinates): accept a ghost, place the fill target or the selected missing point, or deselect. */
  click(p: { x: number; y: number }): void {
    const detail = this.detail;
    if (!detail) return;
    if (p.x < -0.5 || p.y < -0.5 || p.x > detail.width - 0.5 || p.y > detail.height - 0.5) return;
    // A click on a ghost accepts that prediction (before fill mode would place the target there).
    const g = ghostAt(this.deps.ghosts(), p, this.view.scale);
    if (g) {
      this.acceptGhosts([g]);
      return;
    }
    if (this.fill && this.fill.current !== null) {
      const i = this.fill.current;
      this.place(i, p.x, p.y, 'place');
      this.fill = afterPlace(this.fill, this.kps);
      if (this.fill.current === null) this.deps.fillComplete();
      return;
    }
    // A missing keypoint selected in the list: a click places it.
    if (this.selected !== null && !hasPosition(this.kps[this.selected])) {
      this.place(this.selected, p.x, p.y, 'place');
      return;
    }
    this.select(null);
  }

  select(i: number | null): void {
    this.selected = i;
    this.canvas?.setSelected(i);
  }

  selectStep(step: 1 | -1): void {
    const n = this.kps.length;
    if (n === 0) return;
    const s = this.selected;
    this.select(s === null ? (step > 0 ? 0 : n - 1) : (s + step + n) % n);
  }

  nudge(dx: number, dy: number, now: number): void {
    const { selected, detail } = this;
    if (selected === null || !detail) return;
    const e = nudgeEdit(selected, this.kps[selected], dx, dy, detail);
    if (e) this.commit([e], `nudge ${this.kpName(selected)}`, 'annotator', this.deps.nudgeRuns.nudge(detail.id, selected, now));
  }

  markMissing(i: number | null): void {
    if (i === null || !hasPosition(this.kps[i])) return;
    this.commit([deleteEdit(i)], `delete ${this.kpName(i)}`);
    if (this.fill) this.fill = { current: this.fill.current ?? i, skipped: this.fill.skipped };
  }

  toggleOccluded(i: number | null): void {
    if (i === null) return;
    const e = toggleOccludedEdit(i, this.kps[i]);
    if (e) this.commit([e], `${e.state === 'occluded' ? 'occlude' : 'unocclude'} ${this.kpName(i)}`);
  }

  setState(i: number, state: 'missing' | 'occluded' | 'labelled'): void {
    if (state === 'missing') this.markMissing(i);
    else if (state !== this.kps[i].state) this.toggleOccluded(i);
  }

  // ---- model predictions --------------------------------------------------------------------------

  /** Writes ghosts as labels with provenance `model:<run id>`; false when there was nothing to accept. */
  acceptGhosts(gs: readonly GhostPoint[]): boolean {
    const run = this.deps.assistRun();
    if (!run || gs.length === 0) return false;
    const label = gs.length === 1 ? `accept prediction of ${this.kpName(gs[0].index)}` : `accept ${gs.length} predictions`;
    const fill = this.fill;
    const fillWasOn = fill !== null && gs.some((g) => g.index === fill.current);
    this.commit(acceptEdits(gs), label, modelActor(run));
    if (this.fill && fillWasOn) this.fill = afterPlace(this.fill, this.kps);
    this.say(gs.length === 1 ? `Accepted ${this.kpName(gs[0].index)} from run ${run}` : `Accepted ${gs.length} predictions from run ${run}`);
    return true;
  }

  /** Confirms predicted values as they stand: the same coordinates and state, now the annotator's (one undoable edit). */
  confirmPredicted(indices: number[]): boolean {
    const todo = indices.filter((i) => this.predictedIdx.includes(i));
    if (todo.length === 0) return false;
    const edits = todo.map((i) => ({ index: i, x: this.kps[i].x, y: this.kps[i].y, state: this.kps[i].state }));
    this.commit(edits, todo.length === 1 ? `confirm ${this.kpName(todo[0])}` : `confirm ${todo.length} predicted keypoints`);
    this.say(todo.length === 1 ? `Confirmed ${this.kpName(todo[0])}` : `Confirmed ${todo.length} predicted keypoints`);
    return true;
  }

  // ---- fill mode ----------------------------------------------------------------------------------

  toggleFill(): void {
    const prefs = this.deps.prefs();
    prefs.fillMode = !prefs.fillMode;
    this.deps.persistPrefs();
    this.fill = prefs.fillMode ? startFill(this.kps) : null;
    if (this.fill && this.fill.current === null) this.say('No missing keypoints here: press N for the next sample with missing keypoints.');
  }

  /** Tab / Shift+Tab in fill mode; false when fill mode is off (the key then does its default). */
  fillSkip(forward: boolean): boolean {
    if (this.fill === null) return false;
    this.fill = forward ? skipForward(this.fill, this.kps) : skipBackward(this.fill, this.kps);
    return true;
  }

  /** No other sample has missing keypoints: fill mode ends. */
  endFill(): void {
    this.fill = null;
  }

  // ---- view ---------------------------------------------------------------------------------------

  /** A new view (from the canvas's own wheel or pan when fromCanvas), remembered per project. */
  setView(t: ViewTransform, fromCanvas = false): void {
    this.view = t;
    if (!fromCanvas) this.canvas?.setTransform(t);
    const { detail, canvas } = this;
    if (!detail || !canvas) return;
    const prefs = this.deps.prefs();
    prefs.zooms = withZoom(prefs, this.deps.cache.projectPath(), rememberZoom(t, detail, canvas.size)).zooms;
    clearTimeout(this.zoomSaveTimer);
    this.zoomSaveTimer = setTimeout(() => this.deps.persistPrefs(), 300);
  }

  zoomStep(steps: number): void {
    if (!this.canvas) return;
    const s = this.canvas.size;
    this.setView(zoomBy(this.view, steps, { x: s.width / 2, y: s.height / 2 }));
  }

  zoomFit(): void {
    if (!this.canvas || !this.detail) return;
    this.setView(fitTransform(this.detail, this.canvas.size));
  }

  /** The stage changed size (before: its size until now): the same part of the image stays in view. */
  resized(before: { width: number; height: number }): void {
    if (!this.detail || !this.canvas) return;
    const t = restoreZoom(rememberZoom(this.view, this.detail, before), this.detail, this.canvas.size);
    this.view = t;
    this.canvas.setTransform(t);
  }

  toggleView(key: 'showNames' | 'smoothing'): void {
    const prefs = this.deps.prefs();
    prefs[key] = !prefs[key];
    if (key === 'showNames') this.canvas?.setShowNames(prefs.showNames);
    else this.canvas?.setSmoothing(prefs.smoothing);
    this.deps.persistPrefs();
  }

  dispose(): void {
    clearTimeout(this.flashTimer);
    clearTimeout(this.zoomSaveTimer);
    this.canvas = null;
  }
}

// The editor's Konva canvas: image, edges, keypoint markers, drag, wheel zoom and pan. Imperative, so a drag redraws without Svelte in the loop.
import Konva from 'konva';
import { isPredictedProvenance } from '../../src-main/core/provenance.js';
import type { Keypoint, KeypointSchema } from '../../src-main/core/types.js';
import { hasPosition } from './edits.js';
import { recordDrag } from './perf.js';
import { imageRect, imageToScreen, panBy, screenToImage, zoomBy, type Point, type Size, type ViewTransform } from './transform.js';

export interface CanvasCallbacks {
  onSelect(index: number | null): void;
  onHover(index: number | null): void;
  /** Image coordinates, unrounded, while a keypoint is dragged. */
  onDragMove(index: number, p: Point): void;
  onDragEnd(index: number, p: Point): void;
  /** A click on the image (not on a keypoint), in image coordinates. */
  onImageClick(p: Point): void;
  /** The user zoomed or panned. */
  onTransform(t: ViewTransform): void;
}

// A model's prediction shown as a ghost for a missing keypoint; defined in assist.ts (DOM-free, unit-tested).
import type { GhostPoint } from './assist.js';
export type { GhostPoint };

const MARKER_R = 5;
const HIT_R = 10;

type Marker = Konva.Shape;

export class EditorCanvas {
  readonly stage: Konva.Stage;
  private readonly imageLayer: Konva.Layer;
  private readonly ghostLayer: Konva.Layer;
  private readonly kpLayer: Konva.Layer;
  private readonly imageNode: Konva.Image;
  private readonly placeholder: Konva.Rect;
  private readonly edgesNode: Konva.Shape;
  private readonly ghostNode: Konva.Shape;
  private readonly namesNode: Konva.Shape;
  private showNames = false;
  private readonly label: Konva.Label;
  private markers: Marker[] = [];
  private schema: KeypointSchema | null = null;
  private kps: Keypoint[] = [];
  private ghosts: GhostPoint[] | null = null;
  private ghostFocus: number | null = null;
  private imageSize: Size = { width: 1, height: 1 };
  private t: ViewTransform = { scale: 1, offsetX: 0, offsetY: 0 };
  private selected: number | null = null;
  private hovered: number | null = null;
  private dragging: number | null = null;
  private spaceHeld = false;
  private pan: { x: number; y: number; pointerId: number } | null = null;
  private suppressClick = false;
  private downPointer: Point | null = null;
  /** Grab offset and container origin of the drag in progress, for the raw pointer path. */
  private rawDrag: { index: number; dx: number; dy: number; left: number; top: number; last: Point | null } | null = null;
  private readonly onRawMove = (ev: Event) => this.rawMove(ev as PointerEvent);
  private readonly cleanups: (() => void)[] = [];

  constructor(
    private readonly container: HTMLDivElement,
    private readonly cb: CanvasCallbacks,
  ) {
    this.stage = new Konva.Stage({ container, width: Math.max(1, container.clientWidth), height: Math.max(1, container.clientHeight) });
    this.imageLayer = new Konva.Layer({ listening: true, imageSmoothingEnabled: false });
    this.ghostLayer = new Konva.Layer({ listening: false });
    this.kpLayer = new Konva.Layer();
    this.placeholder = new Konva.Rect({ fill: '#777', visible: false });
    this.imageNode = new Konva.Image({ image: undefined, x: 0, y: 0 });
    this.imageLayer.add(this.placeholder, this.imageNode);
    this.edgesNode = new Konva.Shape({
      listening: false,
      sceneFunc: (ctx) => this.drawEdges(ctx),
    });
    this.ghostNode = new Konva.Shape({ listening: false, sceneFunc: (ctx) => this.drawGhosts(ctx) });
    this.ghostLayer.add(this.ghostNode);
    this.label = new Konva.Label({ visible: false, listening: false });
    this.label.add(new Konva.Tag({ fill: 'rgba(0,0,0,0.75)', cornerRadius: 3 }));
    this.label.add(new Konva.Text({ text: '', fontSize: 12, padding: 4, fill: '#fff', fontFamily: 'system-ui, sans-serif' }));
    // Names on demand (issue 11): one shape drawing every name, under the markers so they stay easy to grab.
    this.namesNode = new Konva.Shape({ listening: false, visible: false, sceneFunc: (ctx) => this.drawNames(ctx) });
    this.kpLayer.add(this.edgesNode, this.namesNode, this.label);
    this.stage.add(this.imageLayer, this.ghostLayer, this.kpLayer);

    this.stage.on('wheel', (e) => {
      e.evt.preventDefault();
      const p = this.stage.getPointerPosition();
      if (!p) return;
      // Mouse wheels send about 100 per notch; trackpads send small deltas: zoom proportionally either way.
      const steps = Math.max(-3, Math.min(3, -e.evt.deltaY / 100));
      this.setTransform(zoomBy(this.t, steps, p));
      this.cb.onTransform(this.t);
    });
    this.stage.on('click tap', (e) => {
      if (this.suppressClick) {
        this.suppressClick = false;
        return;
      }
      if (e.evt instanceof MouseEvent && e.evt.button !== 0) return;
      if (this.markers.includes(e.target as Marker)) return;
      const p = this.stage.getPointerPosition();
      if (p) this.cb.onImageClick(screenToImage(this.t, p));
    });

    // Pan: middle button, or left button with space held. Captured before Konva sees the press, so no keypoint drag starts.
    const down = (ev: PointerEvent) => {
      if (ev.button === 1 || (ev.button === 0 && this.spaceHeld)) {
        ev.preventDefault();
        ev.stopPropagation();
        this.pan = { x: ev.clientX, y: ev.clientY, pointerId: ev.pointerId };
        container.setPointerCapture?.(ev.pointerId);
        container.style.cursor = 'grabbing';
      }
    };
    const move = (ev: PointerEvent) => {
      if (!this.pan || ev.pointerId !== this.pan.pointerId) return;
      ev.stopPropagation();
      const dx = ev.clientX - this.pan.x;
      const dy = ev.clientY - this.pan.y;
      this.pan.x = ev.clientX;
      this.pan.y = ev.clientY;
      this.setTransform(panBy(this.t, dx, dy));
      this.cb.onTransform(this.t);
    };
    const up = (ev: PointerEvent) => {
      if (!this.pan || ev.pointerId !== this.pan.pointerId) return;
      ev.stopPropagation();
      this.pan = null;
      this.suppressClick = true;
      // The click that follows a pan's release (if any) comes at once; forget the flag after it.
      setTimeout(() => (this.suppressClick = false), 0);
      container.releasePointerCapture?.(ev.pointerId);
      this.updateCursor();
    };
    const aux = (ev: MouseEvent) => {
      if (ev.button === 1) ev.preventDefault();
    };
    container.addEventListener('pointerdown', down, true);
    container.addEventListener('pointermove', move, true);
    container.addEventListener('pointerup', up, true);
    container.addEventListener('pointercancel', up, true);
    container.addEventListener('auxclick', aux);
    // Middle-button press would start the browser's autoscroll.
    container.addEventListener('mousedown', aux);
    this.cleanups.push(() => {
      container.removeEventListener('pointerdown', down, true);
      container.removeEventListener('pointermove', move, true);
      container.removeEventListener('pointerup', up, true);
      container.removeEventListener('pointercancel', up, true);
      container.removeEventListener('auxclick', aux);
      container.removeEventListener('mousedown', aux);
    });
  }

  get transform(): ViewTransform {
    return this.t;
  }

  get size(): Size {
    return { width: this.stage.width(), height: this.stage.height() };
  }

  isDragging(): boolean {
    return this.dragging !== null;
  }

  resize(width: number, height: number): void {
    this.stage.size({ width: Math.max(1, width), height: Math.max(1, height) });
  }

  setSchema(schema: KeypointSchema): void {
    if (this.schema === schema) return;
    this.schema = schema;
    for (const m of this.markers) m.destroy();
    this.markers = schema.keypoints.map((def, i) => this.makeMarker(def.side, def.color, i));
    for (const m of this.markers) this.kpLayer.add(m);
    this.label.moveToTop();
  }

  setImage(image: CanvasImageSource | null, size: Size): void {
    this.imageSize = size;
    this.imageNode.image(image ?? undefined);
    this.imageNode.visible(image !== null);
    this.placeholder.visible(image === null);
  }

  /** Shows every placed keypoint's name beside its marker. */
  setShowNames(on: boolean): void {
    this.showNames = on;
    this.namesNode.visible(on);
    this.kpLayer.batchDraw();
  }

  setSmoothing(on: boolean): void {
    this.imageLayer.imageSmoothingEnabled(on);
    this.imageLayer.batchDraw();
  }

  setKeypoints(kps: readonly Keypoint[]): void {
    this.kps = kps.map((k) => ({ ...k }));
    this.layoutMarkers();
  }

  setSelected(index: number | null): void {
    this.selected = index;
    this.styleMarkers();
    this.updateLabel();
    this.kpLayer.batchDraw();
  }

  /** Ghost predictions for missing keypoints; null hides them. */
  setGhosts(ghosts: GhostPoint[] | null): void {
    this.ghosts = ghosts;
    this.ghostLayer.batchDraw();
  }

  /** The ghost Enter would accept (drawn filled), or null. */
  setGhostFocus(index: number | null): void {
    if (this.ghostFocus === index) return;
    this.ghostFocus = index;
    this.ghostLayer.batchDraw();
  }

  setSpaceHeld(held: boolean): void {
    this.spaceHeld = held;
    for (const m of this.markers) m.draggable(!held);
    this.updateCursor();
  }

  setTransform(t: ViewTransform): void {
    this.t = t;
    const r = imageRect(t, this.imageSize);
    this.imageNode.position({ x: r.x, y: r.y });
    this.imageNode.size({ width: r.width, height: r.height });
    this.placeholder.position({ x: r.x, y: r.y });
    this.placeholder.size({ width: r.width, height: r.height });
    this.layoutMarkers();
    this.imageLayer.batchDraw();
    this.ghostLayer.batchDraw();
  }

  /** Draws everything now (not on the next frame): used when a sample opens so it is on screen when this returns. */
  drawNow(): void {
    this.imageLayer.draw();
    this.ghostLayer.draw();
    this.kpLayer.draw();
  }

  destroy(): void {
    this.endRawDrag();
    for (const c of this.cleanups) c();
    this.stage.destroy();
  }

  private updateCursor(): void {
    this.container.style.cursor = this.pan ? 'grabbing' : this.spaceHeld ? 'grab' : this.hovered !== null ? 'move' : 'crosshair';
  }

  private makeMarker(side: 'left' | 'right' | 'center', color: string, index: number): Marker {
    // Shape tells left from right at a glance: circle = subject's left, square = right, diamond = midline.
    const common = { fill: color, stroke: '#000', strokeWidth: 1, draggable: true, hitStrokeWidth: HIT_R, visible: false };
    const m: Marker =
      (side === 'left'
        ? new Konva.Circle({ ...common, radius: MARKER_R })
        : side === 'right'
          ? new Konva.Rect({ ...common, width: MARKER_R * 1.8, height: MARKER_R * 1.8, offsetX: MARKER_R * 0.9, offsetY: MARKER_R * 0.9 })
          : new Konva.RegularPolygon({ ...common, sides: 4, radius: MARKER_R * 1.3 })) as Marker;
    m.dragBoundFunc((pos) => {
      // Keep the marker on the image: pixel edges run from -0.5 to size - 0.5.
      const r = imageRect(this.t, this.imageSize);
      return { x: Math.min(r.x + r.width, Math.max(r.x, pos.x)), y: Math.min(r.y + r.height, Math.max(r.y, pos.y)) };
    });
    m.on('mouseenter', () => {
      this.hovered = index;
      this.updateLabel();
      this.updateCursor();
      this.kpLayer.batchDraw();
      this.cb.onHover(index);
    });
    m.on('mouseleave', () => {
      if (this.hovered === index) this.hovered = null;
      this.updateLabel();
      this.updateCursor();
      this.kpLayer.batchDraw();
      this.cb.onHover(null);
    });
    m.on('mousedown touchstart', (e) => {
      if (e.evt instanceof MouseEvent && e.evt.button !== 0) return;
      // Konva measures the grab offset from the press; the raw pointer path must use the same one.
      this.downPointer = this.stage.getPointerPosition();
      if (this.selected !== index) this.cb.onSelect(index);
    });
    m.on('dragstart', (e) => {
      this.dragging = index;
      if (this.selected !== index) this.cb.onSelect(index);
      const ev = e.evt as MouseEvent | undefined;
      if (ev && this.downPointer && 'onpointerrawupdate' in window) {
        const rect = this.container.getBoundingClientRect();
        const pos = m.position();
        this.rawDrag = { index, dx: this.downPointer.x - pos.x, dy: this.downPointer.y - pos.y, left: rect.left, top: rect.top, last: null };
        window.addEventListener('pointerrawupdate', this.onRawMove);
      }
    });
    m.on('dragmove', (e) => {
      const pos = m.position();
      // The raw pointer path has already drawn this position: nothing left to do for the frame-aligned event.
      if (this.rawDrag?.last && this.rawDrag.last.x === pos.x && this.rawDrag.last.y === pos.y) return;
      this.moveDragged(index, pos, e.evt.timeStamp);
    });
    m.on('dragend', () => {
      this.dragging = null;
      this.endRawDrag();
      const p = screenToImage(this.t, m.position());
      this.cb.onDragEnd(index, p);
    });
    return m;
  }

  /** Moves the dragged marker to `pos` (screen) and redraws at once, inside the pointer event. */
  private moveDragged(index: number, pos: Point, eventTime: number): void {
    const p = screenToImage(this.t, pos);
    this.kps[index] = { x: p.x, y: p.y, state: this.kps[index].state === 'missing' ? 'labelled' : this.kps[index].state };
    this.updateLabel();
    // Draw the scene now rather than on the next animation frame; the hit canvas waits for the frame (batchDraw).
    this.kpLayer.drawScene();
    recordDrag(eventTime);
    this.cb.onDragMove(index, p);
  }

  /**
   * pointerrawupdate arrives as soon as the pointer moves, while mousemove waits for the next frame: following it puts
   * the dragged point on the canvas up to a frame earlier. Konva's own drag still runs and lands on the same position.
   */
  private rawMove(ev: PointerEvent): void {
    const d = this.rawDrag;
    if (!d || this.dragging !== d.index || this.pan) return;
    const m = this.markers[d.index];
    const bound = m.dragBoundFunc();
    // Mouse events carry whole CSS pixels and pointer events fractions: use whole pixels so Konva's drag agrees.
    const want = { x: Math.floor(ev.clientX) - d.left - d.dx, y: Math.floor(ev.clientY) - d.top - d.dy };
    const pos = bound ? bound.call(m, want, ev) : want;
    const cur = m.position();
    if (cur.x === pos.x && cur.y === pos.y) return;
    m.position(pos);
    d.last = pos;
    this.moveDragged(d.index, pos, ev.timeStamp);
  }

  private endRawDrag(): void {
    if (!this.rawDrag) return;
    window.removeEventListener('pointerrawupdate', this.onRawMove);
    this.rawDrag = null;
  }

  private layoutMarkers(): void {
    this.markers.forEach((m, i) => {
      const kp = this.kps[i];
      if (!kp || !hasPosition(kp)) {
        m.visible(false);
        return;
      }
      if (i !== this.dragging) m.position(imageToScreen(this.t, kp));
      m.visible(true);
    });
    this.styleMarkers();
    this.updateLabel();
    this.kpLayer.batchDraw();
  }

  private styleMarkers(): void {
    this.markers.forEach((m, i) => {
      const def = this.schema?.keypoints[i];
      const kp = this.kps[i];
      if (!def || !kp) return;
      const selected = i === this.selected;
      const occluded = kp.state === 'occluded';
      const predicted = isPredicted(kp);
      // Occluded: hollow with a dashed outline in the keypoint's colour; predicted, unconfirmed: the colour inside a
      // dashed white ring; selected: a thick white ring and a larger marker.
      m.fill(occluded ? 'rgba(0,0,0,0.25)' : def.color);
      m.stroke(selected ? '#fff' : occluded ? def.color : predicted ? '#fff' : '#000');
      m.strokeWidth(selected ? 3 : occluded || predicted ? 2 : 1);
      m.dash(!selected && (occluded || predicted) ? (predicted ? [2, 2] : [3, 2]) : []);
      m.scale({ x: selected ? 1.4 : 1, y: selected ? 1.4 : 1 });
      m.shadowColor(selected ? '#000' : '');
      m.shadowBlur(selected ? 4 : 0);
      if (selected) m.moveToTop();
    });
    this.label.moveToTop();
  }

  private updateLabel(): void {
    const i = this.hovered ?? this.dragging;
    const kp = i !== null ? this.kps[i] : undefined;
    const def = i !== null ? this.schema?.keypoints[i] : undefined;
    if (i === null || !kp || !def || !hasPosition(kp)) {
      this.label.visible(false);
      return;
    }
    const p = imageToScreen(this.t, kp);
    const notes = [kp.state === 'occluded' ? 'occluded' : '', isPredicted(kp) ? 'predicted, unconfirmed' : ''].filter((n) => n !== '');
    (this.label.getText() as Konva.Text).text(`${def.name}${notes.length ? ` (${notes.join(', ')})` : ''}  ${kp.x.toFixed(2)}, ${kp.y.toFixed(2)}`);
    this.label.position({ x: p.x + 10, y: p.y - 26 });
    this.label.visible(true);
  }

  private drawEdges(ctx: Konva.Context): void {
    if (!this.schema) return;
    const c = ctx._context;
    c.save();
    c.lineWidth = 1.5;
    c.strokeStyle = 'rgba(255,255,255,0.7)';
    c.beginPath();
    for (const [a, b] of this.schema.edges) {
      const ka = this.kps[a];
      const kb = this.kps[b];
      if (!ka || !kb || !hasPosition(ka) || !hasPosition(kb)) continue;
      const pa = imageToScreen(this.t, ka);
      const pb = imageToScreen(this.t, kb);
      c.moveTo(pa.x, pa.y);
      c.lineTo(pb.x, pb.y);
    }
    c.stroke();
    c.restore();
  }

  private drawNames(ctx: Konva.Context): void {
    if (!this.showNames || !this.schema) return;
    const c = ctx._context;
    c.save();
    c.font = '11px system-ui, sans-serif';
    c.textBaseline = 'middle';
    c.lineJoin = 'round';
    c.lineWidth = 3;
    c.strokeStyle = 'rgba(0,0,0,0.85)';
    c.fillStyle = '#fff';
    this.kps.forEach((kp, i) => {
      const def = this.schema?.keypoints[i];
      if (!def || !hasPosition(kp)) return;
      const p = imageToScreen(this.t, kp);
      // A dark outline keeps the white text readable on light and dark pixels alike.
      c.strokeText(def.name, p.x + MARKER_R + 4, p.y - MARKER_R);
      c.fillText(def.name, p.x + MARKER_R + 4, p.y - MARKER_R);
    });
    c.restore();
  }

  private drawGhosts(ctx: Konva.Context): void {
    if (!this.ghosts || !this.schema) return;
    const c = ctx._context;
    c.save();
    c.setLineDash([2, 2]);
    c.lineWidth = 1.5;
    for (const g of this.ghosts) {
      const def = this.schema.keypoints[g.index];
      if (!def || !Number.isFinite(g.x) || !Number.isFinite(g.y)) continue;
      const p = imageToScreen(this.t, g);
      c.strokeStyle = def.color;
      c.globalAlpha = 0.8;
      c.beginPath();
      c.arc(p.x, p.y, MARKER_R + 1, 0, Math.PI * 2);
      if (g.index === this.ghostFocus) {
        // The ghost Enter accepts: filled faintly, with a white ring.
        c.fillStyle = def.color;
        c.globalAlpha = 0.45;
        c.fill();
        c.globalAlpha = 1;
        c.strokeStyle = '#fff';
      }
      c.stroke();
    }
    c.restore();
  }
}

/** A value a model placed and no person has confirmed: drawn apart from hand labels. */
function isPredicted(kp: Keypoint): boolean {
  return kp.state !== 'missing' && isPredictedProvenance((kp as { provenance?: string }).provenance);
}

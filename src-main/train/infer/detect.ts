// Face detection on photos with @vladmandic/face-api (SSD MobileNet v1 or Tiny Face Detector; weights ship in the package).
import * as tf from '@tensorflow/tfjs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { currentBackend, ensureBackend } from '../backend.js';
import { type PhotoImage, type PhotoInput, loadPhoto } from './photo.js';
import { KpsError } from '../../core/errors.js';

export type DetectorName = 'ssd-mobilenetv1' | 'tiny-face-detector';

/**
 * A face box in the project's pixel convention (pixel centres at integers): (x, y) is the box's top-left edge,
 * so a box covering the whole image is { x: -0.5, y: -0.5, width: W, height: H }.
 */
export interface FaceBox {
  x: number;
  y: number;
  width: number;
  height: number;
  /** Detector confidence in [0, 1]; 0 for a fallback box. */
  score: number;
  /** The 68 iBUG landmarks face-api found in this box (project coordinates), when landmarks were asked for. */
  landmarks?: { x: number; y: number }[];
}

export interface FaceDetection {
  source: string;
  imageWidth: number;
  imageHeight: number;
  /** Faces found, best score first; empty when none was found or the detector could not run. */
  faces: FaceBox[];
  /** The detector that ran, or 'none' when it could not. */
  detector: DetectorName | 'none';
  /** TensorFlow.js backend the detector ran on. */
  backend: string | null;
  ms: number;
  /** Present when `faces` is empty: a centred square box to use instead, and why. */
  fallback?: { box: FaceBox; reason: string };
}

export interface DetectOptions {
  detector?: DetectorName;
  /** Minimum confidence (default 0.5 for SSD, 0.4 for Tiny). */
  minScore?: number;
  maxFaces?: number;
  /** Also find face-api's 68 landmarks per face (default true): the crop is then placed from the eyes and mouth. */
  landmarks?: boolean;
  /** Folder with face-api's weight files; default the `model/` folder of the npm package. */
  modelDir?: string;
  /** Larger photos are scaled down to this longer side for detection (SSD looks at 512 x 512 anyway); default 1280. */
  maxSide?: number;
}

/** The part of face-api this module uses; the package's own typings reference DOM types that Node code lacks. */
interface FaceApiNet {
  loadFromDisk(dir: string): Promise<void>;
  isLoaded: boolean;
}
interface FaceApiDetection {
  score: number;
  box: { x: number; y: number; width: number; height: number };
}
interface FaceApiWithLandmarks {
  detection: FaceApiDetection;
  landmarks: { positions: { x: number; y: number }[] };
}
interface FaceApiTask extends PromiseLike<FaceApiDetection[]> {
  withFaceLandmarks(): PromiseLike<FaceApiWithLandmarks[]>;
}
interface FaceApi {
  version: string;
  nets: { ssdMobilenetv1: FaceApiNet; tinyFaceDetector: FaceApiNet; faceLandmark68Net: FaceApiNet };
  detectAllFaces(input: tf.Tensor3D, options: unknown): FaceApiTask;
  SsdMobilenetv1Options: new (o: { minConfidence?: number; maxResults?: number }) => unknown;
  TinyFaceDetectorOptions: new (o: { inputSize?: number; scoreThreshold?: number }) => unknown;
}

// Not named `require`: electron-vite injects a `require` of its own into ES module bundles.
const nodeRequire = createRequire(import.meta.url);
let faceApi: FaceApi | null = null;
/**
 * Nets loaded or loading, as "name@folder". Calls made while a net is still loading wait for that one load: a second
 * loadFromDisk of the same net while the first runs left the net half set up, and those calls found no face.
 */
const loading = new Map<string, Promise<void>>();

/** Folder of the detector weights inside the npm package. */
export function detectorModelDir(): string {
  return join(dirname(nodeRequire.resolve('@vladmandic/face-api/package.json')), 'model');
}

async function ensureDetector(name: DetectorName, landmarks: boolean, dir: string): Promise<FaceApi> {
  await ensureBackend();
  if (!faceApi) {
    // The Node WebAssembly build: it uses the same @tensorflow/tfjs instance as the trainer and whatever backend is active.
    faceApi = nodeRequire('@vladmandic/face-api/dist/face-api.node-wasm.js') as FaceApi;
  }
  const api = faceApi;
  const load = (key: string, net: FaceApiNet): Promise<void> => {
    const id = `${key}@${dir}`;
    let p = loading.get(id);
    if (!p) {
      p = net.loadFromDisk(dir).catch((err: unknown) => {
        // Not kept: a missing weight folder may be fixed while the app runs.
        loading.delete(id);
        throw err;
      });
      loading.set(id, p);
    }
    return p;
  };
  await load(name, name === 'ssd-mobilenetv1' ? api.nets.ssdMobilenetv1 : api.nets.tinyFaceDetector);
  if (landmarks) await load('landmarks', api.nets.faceLandmark68Net);
  return api;
}

/** The documented fallback when no face is found: the largest centred square, reported as such. */
export function centreSquareBox(width: number, height: number): FaceBox {
  const side = Math.min(width, height);
  return { x: (width - side) / 2 - 0.5, y: (height - side) / 2 - 0.5, width: side, height: side, score: 0 };
}

/**
 * Finds faces in a photo. Never throws for a readable photo: when the detector cannot load or finds no face,
 * `faces` is empty and `fallback` holds a centred square with the reason (unreadable photos throw a KpsError).
 */
export async function detectFaces(input: PhotoInput, opts: DetectOptions = {}): Promise<FaceDetection> {
  const photo: PhotoImage = await loadPhoto(input);
  const detector = opts.detector ?? 'ssd-mobilenetv1';
  const t0 = performance.now();
  const base = { source: photo.source, imageWidth: photo.width, imageHeight: photo.height };
  let api: FaceApi;
  try {
    api = await ensureDetector(detector, opts.landmarks !== false, opts.modelDir ?? detectorModelDir());
  } catch (err) {
    // Not cached: a missing weight folder may be fixed while the app runs.
    const reason = `face detector ${detector} could not load: ${(err as Error).message.split('\n')[0]}`;
    return { ...base, faces: [], detector: 'none', backend: currentBackend()?.name ?? null, ms: performance.now() - t0, fallback: { box: centreSquareBox(photo.width, photo.height), reason } };
  }
  const minScore = opts.minScore ?? (detector === 'ssd-mobilenetv1' ? 0.5 : 0.4);
  const options =
    detector === 'ssd-mobilenetv1'
      ? new api.SsdMobilenetv1Options({ minConfidence: minScore, maxResults: opts.maxFaces ?? 100 })
      : new api.TinyFaceDetectorOptions({ inputSize: 416, scoreThreshold: minScore });
  // face-api wants RGB; a grey photo is repeated into three channels. Big photos are scaled down first:
  // a 12-megapixel int32 tensor costs 144 MB and the detector resizes to 512 px anyway.
  let rgb = photo.channels === 3 ? photo.data : greyToRgb(photo.data);
  const maxSide = opts.maxSide ?? 1280;
  const scale = Math.min(1, maxSide / Math.max(photo.width, photo.height));
  let w = photo.width;
  let h = photo.height;
  if (scale < 1) {
    w = Math.max(1, Math.round(photo.width * scale));
    h = Math.max(1, Math.round(photo.height * scale));
    rgb = new Uint8Array(await sharp(Buffer.from(rgb.buffer, rgb.byteOffset, rgb.byteLength), { raw: { width: photo.width, height: photo.height, channels: 3 } }).resize(w, h, { fit: 'fill' }).raw().toBuffer());
  }
  const withLandmarks = opts.landmarks !== false;
  let faces = await runDetector(api, options, rgb, w, h, { pad: 0, sx: w / photo.width, sy: h / photo.height }, withLandmarks);
  if (faces.length === 0) {
    // Both detectors miss faces that fill the whole frame (tight crops such as LFPW's): look again with a border.
    const pad = Math.round(0.3 * Math.max(w, h));
    faces = await runDetector(api, options, padRgb(rgb, w, h, pad), w + 2 * pad, h + 2 * pad, { pad, sx: w / photo.width, sy: h / photo.height }, withLandmarks);
  }
  faces = faces.sort((a, b) => b.score - a.score).slice(0, opts.maxFaces ?? 100);
  const result: FaceDetection = { ...base, faces, detector, backend: currentBackend()?.name ?? tf.getBackend(), ms: performance.now() - t0 };
  if (faces.length === 0) result.fallback = { box: centreSquareBox(photo.width, photo.height), reason: `no face found by ${detector} (minimum score ${minScore})` };
  return result;
}

/** How detector coordinates relate to the photo: a border of `pad` pixels, and the photo scaled by (sx, sy) before. */
interface DetectorFrame {
  pad: number;
  sx: number;
  sy: number;
}

async function runDetector(api: FaceApi, options: unknown, rgb: Uint8Array, width: number, height: number, frame: DetectorFrame, landmarks: boolean): Promise<FaceBox[]> {
  const input3d = tf.tensor3d(rgb, [height, width, 3], 'int32');
  // face-api measures from pixel edges; the project puts pixel centres at integers (hence the 0.5).
  const ex = (x: number) => (x - frame.pad) / frame.sx - 0.5;
  const ey = (y: number) => (y - frame.pad) / frame.sy - 0.5;
  const toBox = (d: FaceApiDetection): FaceBox => ({ x: ex(d.box.x), y: ey(d.box.y), width: d.box.width / frame.sx, height: d.box.height / frame.sy, score: d.score });
  try {
    if (!landmarks) return (await api.detectAllFaces(input3d, options)).map(toBox);
    const found = await api.detectAllFaces(input3d, options).withFaceLandmarks();
    return found.map((f) => ({ ...toBox(f.detection), landmarks: f.landmarks.positions.map((p) => ({ x: ex(p.x), y: ey(p.y) })) }));
  } finally {
    input3d.dispose();
  }
}

/** The photo inside a border of `pad` pixels of its mean colour. */
function padRgb(rgb: Uint8Array, width: number, height: number, pad: number): Uint8Array {
  const W = width + 2 * pad;
  const H = height + 2 * pad;
  const mean = [0, 0, 0];
  for (let i = 0; i < rgb.length; i += 3) for (let c = 0; c < 3; c++) mean[c] += rgb[i + c];
  const n = width * height;
  const out = new Uint8Array(W * H * 3);
  for (let i = 0; i < W * H; i++) for (let c = 0; c < 3; c++) out[i * 3 + c] = Math.round(mean[c] / n);
  for (let y = 0; y < height; y++) out.set(rgb.subarray(y * width * 3, (y + 1) * width * 3), ((y + pad) * W + pad) * 3);
  return out;
}

function greyToRgb(grey: Uint8Array): Uint8Array {
  const out = new Uint8Array(grey.length * 3);
  for (let i = 0, j = 0; i < grey.length; i++, j += 3) out[j] = out[j + 1] = out[j + 2] = grey[i];
  return out;
}

/** A face asked for by its place in the detector's list (best score first): 0 always (none found is not an error), others must exist. */
export function checkFaceIndex(index: number | undefined, found: number, source: string): number {
  const i = index ?? 0;
  if (!Number.isInteger(i) || i < 0) throw new KpsError('bad-input', `faceIndex must be a non-negative integer, got ${String(index)}`);
  if (i > 0 && i >= found) throw new KpsError('bad-input', `${source}: face ${i + 1} asked for, but ${found} face${found === 1 ? ' was' : 's were'} found`, { file: source });
  return i;
}

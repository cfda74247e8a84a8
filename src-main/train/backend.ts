// Chooses and initialises the TensorFlow.js backend: tfjs-node-gpu (on CUDA), then tfjs-node, then WebAssembly (with our kernels), or 'cpu' on request.
import * as tf from '@tensorflow/tfjs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { registerWasmKernels } from './kernels/index.js';

/** Backend names as the user sees them. 'tensorflow' is tfjs-node (CPU), 'tensorflow-gpu' is tfjs-node-gpu (CUDA). */
export type BackendName = 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';
/** What the caller asks for: 'auto' walks the chain; a name insists on that backend (and fails if it cannot load). */
export type BackendPreference = 'auto' | BackendName;

export interface BackendInfo {
  /** The backend that is now active. */
  name: BackendName;
  /** Why it was chosen, e.g. "wasm: tfjs-node-gpu not installed; tfjs-node not installed". */
  reason: string;
}

// Not named `require`: electron-vite injects a `require` of its own into ES module bundles.
const nodeRequire = createRequire(import.meta.url);
let current: BackendInfo | null = null;

export const BACKEND_NAMES: readonly BackendName[] = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'];

export function isBackendPreference(value: string): value is BackendPreference {
  return value === 'auto' || (BACKEND_NAMES as readonly string[]).includes(value);
}

/** The accepted preference names, for error messages. */
const ACCEPTED = ['auto', ...BACKEND_NAMES].join(', ');

/** Folder holding the .wasm binaries of @tensorflow/tfjs-backend-wasm, with a trailing slash. */
export function wasmBinaryDir(): string {
  const main = nodeRequire.resolve('@tensorflow/tfjs-backend-wasm');
  // The package's "main" lives in dist/, which is where the .wasm files are.
  return path.dirname(main) + path.sep;
}

/** Explains an import failure in a few words: "not installed" or the loader's first line. */
function describeLoadFailure(err: unknown): string {
  const e = err as { code?: string; message?: string };
  if (e && (e.code === 'ERR_MODULE_NOT_FOUND' || e.code === 'MODULE_NOT_FOUND') && /tfjs-node/.test(e.message ?? '')) {
    return 'not installed';
  }
  const first = String(e?.message ?? err).split('\n')[0].slice(0, 160);
  return `failed to load (${first})`;
}

/** Imports a tfjs-node package by name; the specifier is a variable so the bundler and typechecker do not require it. */
async function tryNative(pkg: '@tensorflow/tfjs-node-gpu' | '@tensorflow/tfjs-node'): Promise<string | null> {
  try {
    const spec: string = pkg;
    await import(spec);
    // tfjs-node registers its backend under the name 'tensorflow' in the tfjs-core it loads.
    if (!tf.findBackend('tensorflow')) return 'loaded but registered no "tensorflow" backend in this tfjs-core (version mismatch?)';
    const ok = await tf.setBackend('tensorflow');
    if (!ok) return 'backend failed to initialise';
    await tf.ready();
    return null;
  } catch (err) {
    return describeLoadFailure(err);
  }
}

/**
 * Whether the active 'tensorflow' backend computes on a CUDA device. tfjs-node-gpu loads and runs on the CPU when
 * it finds no usable GPU (no driver, no CUDA libraries), so loading it proves nothing; its backend object says.
 */
function nativeOnCuda(): boolean {
  const be = tf.backend() as unknown as { isGPUPackage?: unknown; isUsingGpuDevice?: unknown };
  return be.isGPUPackage === true && be.isUsingGpuDevice === true;
}

let wasmPathsSet = false;
async function initWasm(): Promise<string | null> {
  try {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    if (!wasmPathsSet) {
      // In Node the default locateFile points at the bundle's own folder only by accident; set it explicitly.
      wasm.setWasmPaths(wasmBinaryDir());
      wasmPathsSet = true;
    }
    registerWasmKernels();
    const ok = await tf.setBackend('wasm');
    if (!ok) return 'backend failed to initialise';
    await tf.ready();
    return null;
  } catch (err) {
    return describeLoadFailure(err);
  }
}

async function initCpu(): Promise<void> {
  await tf.setBackend('cpu');
  await tf.ready();
}

/** How each backend is brought up; tests inject their own to walk the choices without the packages. */
export interface BackendLoaders {
  /** Loads a tfjs-node package and activates its 'tensorflow' backend: null, or why it could not. */
  native(pkg: '@tensorflow/tfjs-node-gpu' | '@tensorflow/tfjs-node'): Promise<string | null>;
  /** Whether the active native backend computes on a CUDA device. */
  onCuda(): boolean;
  /** Activates WebAssembly with our kernels: null, or why it could not. */
  wasm(): Promise<string | null>;
  cpu(): Promise<void>;
}

export const defaultLoaders: BackendLoaders = { native: tryNative, onCuda: nativeOnCuda, wasm: initWasm, cpu: initCpu };

/** The preference in KPS_BACKEND: unset or empty is 'auto'; anything else must be a backend name. */
export function envPreference(env: NodeJS.ProcessEnv = process.env): BackendPreference {
  const v = env.KPS_BACKEND;
  if (v === undefined || v === '') return 'auto';
  if (!isBackendPreference(v)) throw new Error(`KPS_BACKEND=${JSON.stringify(v)} is not a backend: use one of ${ACCEPTED}`);
  return v;
}

/** Starts of backends run one after another: two at once (eight photos detected together on a cold start) left wasm half set up and failed. */
let initQueue: Promise<unknown> = Promise.resolve();

/**
 * Activates a backend and says which and why. With 'auto' (the default, or the KPS_BACKEND environment variable)
 * it tries tfjs-node-gpu, tfjs-node, then WebAssembly. 'tensorflow-gpu' is reported only when tfjs-node-gpu runs on
 * a CUDA device. The slow pure-JS 'cpu' backend is used only when asked for: when WebAssembly fails, that is an error.
 */
export function initBackend(prefer?: BackendPreference, loaders: BackendLoaders = defaultLoaders): Promise<BackendInfo> {
  const run = initQueue.then(() => startBackend(prefer, loaders));
  initQueue = run.catch(() => undefined);
  return run;
}

async function startBackend(prefer: BackendPreference | undefined, loaders: BackendLoaders): Promise<BackendInfo> {
  const want: BackendPreference = prefer ?? envPreference();
  if (!isBackendPreference(want)) throw new Error(`unknown backend ${JSON.stringify(want)}: use one of ${ACCEPTED}`);
  const notes: string[] = [];

  if (want === 'cpu') {
    await loaders.cpu();
    current = { name: 'cpu', reason: 'cpu: requested (pure-JS reference backend, slow)' };
    return current;
  }
  if (want === 'auto' || want === 'tensorflow-gpu') {
    const why = await loaders.native('@tensorflow/tfjs-node-gpu');
    if (why === null) {
      if (loaders.onCuda()) {
        current = { name: 'tensorflow-gpu', reason: 'tensorflow-gpu: tfjs-node-gpu loaded, on a CUDA device' };
        return current;
      }
      if (want === 'tensorflow-gpu') throw new Error('Backend tensorflow-gpu requested but tfjs-node-gpu found no CUDA device (it would run on the CPU)');
      // Loaded, so its 'tensorflow' backend is the active one (tfjs-node would register the same name): say it is the CPU.
      current = { name: 'tensorflow', reason: 'tensorflow: tfjs-node-gpu loaded but found no CUDA device, so it runs on the CPU' };
      return current;
    }
    notes.push(`tfjs-node-gpu ${why}`);
    if (want === 'tensorflow-gpu') throw new Error(`Backend tensorflow-gpu requested but tfjs-node-gpu ${why}`);
  }
  if (want === 'auto' || want === 'tensorflow') {
    const why = await loaders.native('@tensorflow/tfjs-node');
    if (why === null) {
      current = { name: 'tensorflow', reason: ['tensorflow', ...notes].join(': ') + (notes.length ? '' : ': tfjs-node loaded') };
      return current;
    }
    notes.push(`tfjs-node ${why}`);
    if (want === 'tensorflow') throw new Error(`Backend tensorflow requested but tfjs-node ${why}`);
  }
  const why = await loaders.wasm();
  if (why !== null) {
    if (want === 'wasm') throw new Error(`Backend wasm requested but WebAssembly ${why}`);
    throw new Error(`no training backend could start: ${[...notes, `wasm ${why}`].join('; ')}; KPS_BACKEND=cpu runs the slow pure-JS backend`);
  }
  current = { name: 'wasm', reason: notes.length ? `wasm: ${notes.join('; ')}` : 'wasm: requested' };
  return current;
}

/**
 * The active backend, chosen now (auto) when none is yet: what inference on the service's thread calls first, so it
 * runs on the fast backend rather than tf's pure-JS default.
 */
export async function ensureBackend(): Promise<BackendInfo> {
  return current ?? initBackend();
}

/**
 * As ensureBackend, but a backend already active in tf (set with tf.setBackend by whoever hosts the model, a test
 * comparing against cpu for one) is kept instead of being replaced: what loading a run's model calls.
 */
export async function ensureSomeBackend(): Promise<void> {
  if (current) return;
  if ((tf.engine() as unknown as { backendName?: string | null }).backendName) return;
  await initBackend();
}

/** The backend chosen by the last initBackend call, or null before any. */
export function currentBackend(): BackendInfo | null {
  return current;
}

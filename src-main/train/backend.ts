// Chooses and initialises the TensorFlow.js backend: tfjs-node-gpu, then tfjs-node, then WebAssembly (with our kernels), or 'cpu' on request.
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

/**
 * Activates a backend and says which and why. With 'auto' (the default, or the KPS_BACKEND
 * environment variable) it tries tfjs-node-gpu, tfjs-node, then WebAssembly.
 */
export async function initBackend(prefer?: BackendPreference): Promise<BackendInfo> {
  const envPref = process.env.KPS_BACKEND;
  const want: BackendPreference = prefer ?? (envPref && isBackendPreference(envPref) ? envPref : 'auto');
  const notes: string[] = [];

  if (want === 'cpu') {
    await tf.setBackend('cpu');
    await tf.ready();
    current = { name: 'cpu', reason: 'cpu: requested (pure-JS reference backend, slow)' };
    return current;
  }
  if (want === 'auto' || want === 'tensorflow-gpu') {
    const why = await tryNative('@tensorflow/tfjs-node-gpu');
    if (why === null) {
      current = { name: 'tensorflow-gpu', reason: 'tensorflow-gpu: tfjs-node-gpu loaded' };
      return current;
    }
    notes.push(`tfjs-node-gpu ${why}`);
    if (want === 'tensorflow-gpu') throw new Error(`Backend tensorflow-gpu requested but tfjs-node-gpu ${why}`);
  }
  if (want === 'auto' || want === 'tensorflow') {
    const why = await tryNative('@tensorflow/tfjs-node');
    if (why === null) {
      current = { name: 'tensorflow', reason: ['tensorflow', ...notes].join(': ') + (notes.length ? '' : ': tfjs-node loaded') };
      return current;
    }
    notes.push(`tfjs-node ${why}`);
    if (want === 'tensorflow') throw new Error(`Backend tensorflow requested but tfjs-node ${why}`);
  }
  const why = await initWasm();
  if (why !== null) {
    notes.push(`wasm ${why}`);
    // The pure-JS backend always works; it is slow, and the reason says so.
    await tf.setBackend('cpu');
    await tf.ready();
    current = { name: 'cpu', reason: `cpu (slow fallback): ${notes.join('; ')}` };
    return current;
  }
  current = { name: 'wasm', reason: notes.length ? `wasm: ${notes.join('; ')}` : 'wasm: requested' };
  return current;
}

/** The backend chosen by the last initBackend call, or null before any. */
export function currentBackend(): BackendInfo | null {
  return current;
}

// Small helpers for our WebAssembly kernels: call the backend's own kernels directly, allocate and free heap tensors.
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

export type TensorInfo = tf.TensorInfo;
export type Attrs = tf.NamedAttrMap;

/** The kernel function signature the engine calls, narrowed to the wasm backend. */
export type WasmKernelArgs = { inputs: Record<string, TensorInfo>; backend: BackendWasm; attrs: Attrs };

/** Calls a kernel that the wasm backend itself registered, bypassing the engine (so nothing lands on the gradient tape). */
export function runWasmKernel(name: string, backend: BackendWasm, inputs: Record<string, TensorInfo>, attrs: Attrs = {}): TensorInfo {
  const k = builtins.get(name) ?? tf.getKernel(name, 'wasm');
  if (!k) throw new Error(`wasm backend has no ${name} kernel`);
  const out = k.kernelFunc({ inputs: inputs as tf.NamedTensorInfoMap, backend, attrs });
  if (Array.isArray(out)) throw new Error(`wasm kernel ${name} returned several outputs`);
  return out;
}

/** Kernels of the stock backend that we replace but still want to call (set before we override them). */
const builtins = new Map<string, tf.KernelConfig>();
export function rememberBuiltin(name: string): void {
  if (builtins.has(name)) return;
  const k = tf.getKernel(name, 'wasm');
  if (k) builtins.set(name, k);
}

export function alloc(backend: BackendWasm, shape: number[], dtype: tf.DataType = 'float32'): TensorInfo {
  return backend.makeOutput(shape, dtype);
}

/** A Float32Array view of a tensor on the wasm heap. Take views only after all allocations: heap growth detaches them. */
export function view(backend: BackendWasm, t: TensorInfo): Float32Array {
  return backend.typedArrayFromHeap(t) as Float32Array;
}

export function free(backend: BackendWasm, ...ts: TensorInfo[]): void {
  for (const t of ts) backend.disposeData(t.dataId);
}

/** A tensor that aliases another's data with a new shape (no copy); free it like any other. */
export function reshapeInfo(backend: BackendWasm, t: TensorInfo, shape: number[]): TensorInfo {
  backend.incRef(t.dataId);
  return { dataId: t.dataId, shape, dtype: t.dtype };
}

export function transpose(backend: BackendWasm, x: TensorInfo, perm: number[]): TensorInfo {
  return runWasmKernel('Transpose', backend, { x }, { perm });
}

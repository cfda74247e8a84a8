// Registers our WebAssembly kernels (missing or slow in tfjs-backend-wasm 4.22) with TensorFlow.js.
import * as tf from '@tensorflow/tfjs';
import { conv2DBackpropFilterWasm, conv2DBackpropInputWasm } from './conv2d-backprop.js';
import { rememberBuiltin } from './wasm-util.js';

type AnyKernelFunc = tf.KernelFunc;

/** Our kernels, by kernel name. Each is tested against the 'cpu' backend in test/unit/train/kernels*.test.ts. */
export const WASM_KERNELS: ReadonlyArray<{ name: string; func: AnyKernelFunc; why: string }> = [
  { name: 'Conv2DBackpropFilter', func: conv2DBackpropFilterWasm as unknown as AnyKernelFunc, why: 'missing in tfjs-backend-wasm 4.22' },
  { name: 'Conv2DBackpropInput', func: conv2DBackpropInputWasm as unknown as AnyKernelFunc, why: 'stock kernel is a scalar loop, ~20x slower than XNNPACK' },
];

let registered = false;

/** Registers (or re-registers over the stock ones) our kernels for the 'wasm' backend. Idempotent. */
export function registerWasmKernels(): void {
  if (registered) return;
  for (const k of WASM_KERNELS) {
    rememberBuiltin(k.name);
    if (tf.getKernel(k.name, 'wasm')) tf.unregisterKernel(k.name, 'wasm');
    tf.registerKernel({ kernelName: k.name, backendName: 'wasm', kernelFunc: k.func });
  }
  registered = true;
}

/** Kernel names that gradients of common layers need but the wasm backend lacks even after our registration. */
export function missingWasmKernels(needed: readonly string[]): string[] {
  return needed.filter((n) => !tf.getKernel(n, 'wasm'));
}

// Registers our WebAssembly kernels (missing or slow in tfjs-backend-wasm 4.22) with TensorFlow.js.
import * as tf from '@tensorflow/tfjs';
import { conv2DBackpropFilterWasm, conv2DBackpropInputWasm } from './conv2d-backprop.js';
import { depthwiseConv2dNativeBackpropFilterWasm, depthwiseConv2dNativeBackpropInputWasm } from './depthwise-backprop.js';
import { batchMatMulWasm, identityWasm, maxPoolGradWasm, meanWasm, sumWasm, tileWasm } from './matmul-pool-sum.js';
import { rememberBuiltin } from './wasm-util.js';

type AnyKernelFunc = tf.KernelFunc;

/** Our kernels, by kernel name. Each is tested against the 'cpu' backend in test/unit/train/*kernels.test.ts. */
export const WASM_KERNELS: ReadonlyArray<{ name: string; func: AnyKernelFunc; why: string }> = [
  { name: 'Conv2DBackpropFilter', func: conv2DBackpropFilterWasm as unknown as AnyKernelFunc, why: 'missing in tfjs-backend-wasm 4.22' },
  { name: 'Conv2DBackpropInput', func: conv2DBackpropInputWasm as unknown as AnyKernelFunc, why: 'stock kernel is a scalar loop, ~15x slower than XNNPACK' },
  { name: 'DepthwiseConv2dNativeBackpropFilter', func: depthwiseConv2dNativeBackpropFilterWasm as unknown as AnyKernelFunc, why: 'missing in tfjs-backend-wasm 4.22 (depthwise-separable nets such as face-api cannot train)' },
  { name: 'DepthwiseConv2dNativeBackpropInput', func: depthwiseConv2dNativeBackpropInputWasm as unknown as AnyKernelFunc, why: 'missing in tfjs-backend-wasm 4.22' },
  { name: 'BatchMatMul', func: batchMatMulWasm as unknown as AnyKernelFunc, why: 'stock kernel leaves XNNPACK for a scalar loop when an operand is transposed (dense-layer gradients)' },
  { name: 'MaxPoolGrad', func: maxPoolGradWasm as unknown as AnyKernelFunc, why: 'stock kernel ~15x slower than one pass with running maxima' },
  { name: 'Tile', func: tileWasm as unknown as AnyKernelFunc, why: 'stock kernel is a per-element loop; batch-norm gradients tile a channel vector to the full activation' },
  { name: 'Mean', func: meanWasm as unknown as AnyKernelFunc, why: 'stock kernel transposes before reducing leading axes (batch-norm moments)' },
  { name: 'Identity', func: identityWasm as unknown as AnyKernelFunc, why: 'stock kernel copies; sharing the immutable buffer saves ~50 copies per training step' },
  { name: 'Sum', func: sumWasm as unknown as AnyKernelFunc, why: 'stock kernel transposes the whole tensor before summing leading axes (bias and batch-norm gradients)' },
];

let registered = false;

/** Registers (or re-registers over the stock ones) our kernels for the 'wasm' backend. Idempotent. */
export function registerWasmKernels(): void {
  if (registered) return;
  for (const k of WASM_KERNELS) {
    rememberBuiltin(k.name);
    const stock = tf.getKernel(k.name, 'wasm');
    if (stock) tf.unregisterKernel(k.name, 'wasm');
    // Keep the stock setup: it binds the wasm function that our kernel still calls for the cases it delegates.
    tf.registerKernel({ kernelName: k.name, backendName: 'wasm', kernelFunc: k.func, ...(stock?.setupFunc ? { setupFunc: stock.setupFunc } : {}) });
  }
  registered = true;
}

/** Kernel names that gradients of common layers need but the wasm backend lacks even after our registration. */
export function missingWasmKernels(needed: readonly string[]): string[] {
  return needed.filter((n) => !tf.getKernel(n, 'wasm'));
}

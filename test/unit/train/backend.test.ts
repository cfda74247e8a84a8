// Backend choice: tfjs-node-gpu, then tfjs-node, then WebAssembly; a missing optional package is reported, never fatal.
import { afterAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { createRequire } from 'node:module';
import { currentBackend, initBackend, isBackendPreference, wasmBinaryDir } from '../../../src-main/train/backend.js';
import { existsSync } from 'node:fs';
import path from 'node:path';

const require = createRequire(import.meta.url);
function installed(pkg: string): boolean {
  try {
    require.resolve(pkg);
    return true;
  } catch {
    return false;
  }
}
const nativeInstalled = installed('@tensorflow/tfjs-node') || installed('@tensorflow/tfjs-node-gpu');

afterAll(async () => {
  await initBackend('wasm');
});

describe('initBackend', () => {
  it('auto picks the first backend that loads and says why the others did not', async () => {
    const info = await initBackend('auto');
    expect(tf.getBackend()).toBe(info.name === 'tensorflow-gpu' ? 'tensorflow' : info.name);
    expect(currentBackend()).toEqual(info);
    if (!nativeInstalled) {
      // The development machines: neither optional package is installed.
      expect(info.name).toBe('wasm');
      expect(info.reason).toBe('wasm: tfjs-node-gpu not installed; tfjs-node not installed');
    }
  });

  it('wasm registers the kernels that training needs', async () => {
    const info = await initBackend('wasm');
    expect(info.name).toBe('wasm');
    const names = tf.getKernelsForBackend('wasm').map((k) => k.kernelName);
    expect(names).toContain('Conv2DBackpropFilter');
    // A conv net's gradient runs (it throws on the stock wasm backend, which lacks Conv2DBackpropFilter).
    const x = tf.ones([1, 5, 5, 1]) as tf.Tensor4D;
    const f = tf.ones([3, 3, 1, 2]) as tf.Tensor4D;
    const g = tf.grad((w: tf.Tensor) => tf.conv2d(x, w as tf.Tensor4D, 1, 'valid').sum())(f);
    expect(Array.from(await g.data())).toEqual(new Array(18).fill(9));
    tf.dispose([x, f, g]);
  });

  it('cpu on request, with a reason that says it is the slow reference', async () => {
    const info = await initBackend('cpu');
    expect(info.name).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect(info.reason).toMatch(/reference/);
  });

  it('naming tfjs-node loads it where installed, else is a clear error', async () => {
    if (installed('@tensorflow/tfjs-node')) {
      expect((await initBackend('tensorflow')).name).toBe('tensorflow');
    } else {
      await expect(initBackend('tensorflow')).rejects.toThrow(/tfjs-node not installed/);
    }
    if (!installed('@tensorflow/tfjs-node-gpu')) {
      await expect(initBackend('tensorflow-gpu')).rejects.toThrow(/tfjs-node-gpu not installed/);
    }
  });

  it('finds the .wasm binaries', () => {
    expect(existsSync(path.join(wasmBinaryDir(), 'tfjs-backend-wasm-simd.wasm'))).toBe(true);
  });

  it('validates preference names', () => {
    expect(isBackendPreference('wasm')).toBe(true);
    expect(isBackendPreference('auto')).toBe(true);
    expect(isBackendPreference('webgl')).toBe(false);
  });
});

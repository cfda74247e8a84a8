// Backend choice: tfjs-node-gpu (on CUDA only), then tfjs-node, then WebAssembly; a missing optional package is reported, a failed WebAssembly or an unknown name is an error.
import { afterAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { createRequire } from 'node:module';
import { currentBackend, envPreference, initBackend, isBackendPreference, wasmBinaryDir, type BackendLoaders } from '../../../src-main/train/backend.js';
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

/** Loaders that load nothing: each says what the fake machine has, and records what was tried. */
function fake(machine: { gpuPkg?: string | null; cuda?: boolean; nodePkg?: string | null; wasm?: string | null }): BackendLoaders & { tried: string[] } {
  const tried: string[] = [];
  return {
    tried,
    async native(pkg) {
      tried.push(pkg);
      // null: it loads; a string: why it does not; absent: not installed.
      const v = pkg === '@tensorflow/tfjs-node-gpu' ? machine.gpuPkg : machine.nodePkg;
      return v === undefined ? 'not installed' : v;
    },
    onCuda: () => machine.cuda === true,
    async wasm() {
      tried.push('wasm');
      return machine.wasm === undefined ? null : machine.wasm;
    },
    async cpu() {
      tried.push('cpu');
    },
  };
}

describe('initBackend choices (loaders injected)', () => {
  it('reports tensorflow-gpu only when tfjs-node-gpu runs on a CUDA device', async () => {
    const gpu = await initBackend('auto', fake({ gpuPkg: null, cuda: true }));
    expect(gpu).toEqual({ name: 'tensorflow-gpu', reason: 'tensorflow-gpu: tfjs-node-gpu loaded, on a CUDA device' });
    const noCuda = fake({ gpuPkg: null, cuda: false });
    const info = await initBackend('auto', noCuda);
    expect(info.name).toBe('tensorflow');
    expect(info.reason).toMatch(/tfjs-node-gpu loaded but found no CUDA device/);
    // tfjs-node-gpu's backend is already the active 'tensorflow' one: tfjs-node is not loaded on top.
    expect(noCuda.tried).toEqual(['@tensorflow/tfjs-node-gpu']);
  });

  it('asking for tensorflow-gpu where there is no CUDA device is an error', async () => {
    await expect(initBackend('tensorflow-gpu', fake({ gpuPkg: null, cuda: false }))).rejects.toThrow(/tensorflow-gpu requested but tfjs-node-gpu found no CUDA device/);
  });

  it('auto walks on to tfjs-node, then WebAssembly, saying why', async () => {
    expect(await initBackend('auto', fake({ nodePkg: null }))).toEqual({ name: 'tensorflow', reason: 'tensorflow: tfjs-node-gpu not installed' });
    const w = fake({});
    expect(await initBackend('auto', w)).toEqual({ name: 'wasm', reason: 'wasm: tfjs-node-gpu not installed; tfjs-node not installed' });
    expect(w.tried).toEqual(['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node', 'wasm']);
  });

  it('a failed WebAssembly backend is an error, never a silent fall to cpu', async () => {
    const auto = fake({ wasm: 'failed to load (no SIMD)' });
    await expect(initBackend('auto', auto)).rejects.toThrow(
      'no training backend could start: tfjs-node-gpu not installed; tfjs-node not installed; wasm failed to load (no SIMD); KPS_BACKEND=cpu runs the slow pure-JS backend',
    );
    expect(auto.tried).not.toContain('cpu');
    const asked = fake({ wasm: 'backend failed to initialise' });
    await expect(initBackend('wasm', asked)).rejects.toThrow('Backend wasm requested but WebAssembly backend failed to initialise');
    expect(asked.tried).toEqual(['wasm']);
  });

  it('cpu only on request', async () => {
    const c = fake({});
    expect((await initBackend('cpu', c)).name).toBe('cpu');
    expect(c.tried).toEqual(['cpu']);
  });
});

describe('KPS_BACKEND', () => {
  it('is auto when unset or empty, and a backend name otherwise', () => {
    expect(envPreference({})).toBe('auto');
    expect(envPreference({ KPS_BACKEND: '' })).toBe('auto');
    expect(envPreference({ KPS_BACKEND: 'wasm' })).toBe('wasm');
  });

  it('refuses an unknown value, naming the accepted ones', () => {
    expect(() => envPreference({ KPS_BACKEND: 'webgl' })).toThrow('KPS_BACKEND="webgl" is not a backend: use one of auto, tensorflow-gpu, tensorflow, wasm, cpu');
  });

  it('initBackend without a preference reads it and refuses an unknown value before loading anything', async () => {
    const before = process.env.KPS_BACKEND;
    process.env.KPS_BACKEND = 'gpu';
    try {
      const f = fake({});
      await expect(initBackend(undefined, f)).rejects.toThrow(/KPS_BACKEND="gpu" is not a backend: use one of auto, tensorflow-gpu/);
      expect(f.tried).toEqual([]);
    } finally {
      if (before === undefined) delete process.env.KPS_BACKEND;
      else process.env.KPS_BACKEND = before;
    }
  });
});

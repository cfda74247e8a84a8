// electron-vite config: the main process (src-main/electron/main.ts), the sandboxed preload (CommonJS), and the Svelte renderer.
import { defineConfig } from 'electron-vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { fileURLToPath } from 'node:url';

const r = (p: string): string => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  main: {
    build: {
      outDir: r('./out/main'),
      // Native and heavy packages stay in node_modules (asarUnpack-ed by electron-builder).
      externalizeDeps: true,
      rollupOptions: {
        // The training engine's worker threads are entries of their own beside index.js; main.ts points
        // KPS_WORKER_DIR at this folder (src-main/train/worker-files.ts).
        input: {
          index: r('./src-main/electron/main.ts'),
          'train-worker': r('./src-main/train/worker.ts'),
          'train-parallel-worker': r('./src-main/train/parallel/worker.ts'),
        },
        output: { format: 'es', entryFileNames: '[name].js' },
      },
    },
  },
  preload: {
    build: {
      outDir: r('./out/preload'),
      // A sandboxed preload cannot be an ES module and can require only `electron`: bundle everything into one CJS file.
      externalizeDeps: false,
      rollupOptions: {
        input: { index: r('./src-main/electron/preload.ts') },
        external: ['electron'],
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: r('./src-renderer'),
    base: './',
    plugins: [svelte()],
    build: {
      outDir: r('./out/renderer'),
      rollupOptions: { input: { index: r('./src-renderer/index.html') } },
    },
  },
});

// Vite config for the compiled `kps` CLI (bin/kps.js runs it): a Node (SSR) build of src-main/cli/main.ts into out/cli,
// with the training workers as entries of their own beside it; every package stays in node_modules.
import { defineConfig } from 'vite';
import { fileURLToPath } from 'node:url';

const r = (p: string): string => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  logLevel: 'warn',
  build: {
    ssr: true,
    target: 'node20',
    outDir: r('./out/cli'),
    emptyOutDir: true,
    minify: false,
    // Keep the built files readable in stack traces without shipping maps.
    sourcemap: false,
    rollupOptions: {
      // The workers' names are BUILT_WORKERS (src-main/train/worker-files.ts); bin/kps.js points KPS_WORKER_DIR here.
      input: {
        main: r('./src-main/cli/main.ts'),
        'train-worker': r('./src-main/train/worker.ts'),
        'train-parallel-worker': r('./src-main/train/parallel/worker.ts'),
      },
      output: { format: 'es', entryFileNames: '[name].js', chunkFileNames: 'chunks/[name]-[hash].js' },
    },
  },
  ssr: { target: 'node' },
});

// Bundles the compiled CLI (dist/src) into dist/bundle for start-up: loading one entry and a few shared chunks
// costs ~50 ms less than resolving and compiling ~140 ES modules one by one, on every `moat` run. The
// entries keep their names side by side — the analysis worker, the sandbox sink and the identify batch worker are found next to the
// code that starts them (new URL('./worker.js', import.meta.url)) — and commands stay lazily loaded chunks.
// Packages from node_modules stay imports (native addons among them). Tests run the unbundled dist/src.
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

// Chunk names carry content hashes: old ones would pile up.
rmSync('dist/bundle', { recursive: true, force: true });

await build({
  entryPoints: {
    main: 'dist/src/cli/main.js',
    worker: 'dist/src/pipeline/worker.js',
    sink: 'dist/src/sandbox/sink.js',
    'batch-worker-thread': 'dist/src/api/batch-worker-thread.js',
    'cnn-worker-thread': 'dist/src/ml/cnn-worker-thread.js',
  },
  outdir: 'dist/bundle',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  chunkNames: 'chunk-[hash]',
  sourcemap: 'linked',
  logLevel: 'warning',
});

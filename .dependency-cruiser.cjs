/**
 * The planned architecture (../shared/design/architecture.md), checked on every `npm run lint`:
 * a one-way pipeline, commands at the top, each folder's public surface its index.ts.
 * Runtime imports only: `import type` creates no load-order edge and no cycle at run time.
 */
const DOMAINS = '^src/(?!cli/)[^/]+/';
const PACKET_PATH = '^src/(decode|flow|proto)/';

module.exports = {
  forbidden: [
    {
      name: 'no-folder-cycles',
      severity: 'error',
      comment: 'Top-level folders of src/ form no cycle of runtime imports.',
      scope: 'folder',
      from: { path: '^src/[^/]+$' },
      to: { circular: true, dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'no-domain-imports-cli',
      severity: 'error',
      comment: 'Commands live at the top: no domain folder imports cli/.',
      from: { path: DOMAINS },
      to: { path: '^src/cli/' },
    },
    {
      name: 'packet-path-one-way',
      severity: 'error',
      comment: 'decode, flow and proto never import the inspectors or the output.',
      from: { path: PACKET_PATH },
      to: { path: '^src/(detect|tlsmon|security|output)/' },
    },
    {
      name: 'flow-knows-no-protocol',
      severity: 'error',
      comment: 'flow/ owns the parser contract; proto/ implements it and the pipeline injects the registry.',
      from: { path: '^src/flow/' },
      to: { path: '^src/proto/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'index-only-across-folders',
      severity: 'error',
      comment: 'Another folder is reached only through its index.ts.',
      from: { path: '^src/([^/]+)/' },
      // framework/errors.ts is the one exception: the typed errors every folder throws, imported on their own
      // because the framework's index also loads the message bus and zod (~0.2 s) that `moat analyze` never needs.
      to: {
        path: '^src/([^/]+)/',
        pathNot: ['^src/$1/', '^src/[^/]+/index\\.ts$', '^src/framework/errors\\.ts$'],
      },
    },
    {
      name: 'no-module-cycles',
      severity: 'error',
      comment: 'No runtime import cycle between modules.',
      from: { path: '^src/' },
      to: {
        circular: true,
        dependencyTypesNot: ['type-only'],
        viaOnly: { dependencyTypesNot: ['type-only'] },
      },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default'],
    },
    exclude: { path: '^(dist|node_modules)/' },
  },
};

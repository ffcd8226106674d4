// The package's root, for the tools' own files (bench/, bin/, dist/esm/tools/): the core finds it.
export { packageRoot } from '../core/package.js';

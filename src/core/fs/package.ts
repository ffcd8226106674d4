import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

// This module's URL. The CommonJS type-check rejects import.meta (TS1343) although
// scripts/build.mjs rewrites it for the CommonJS copy, hence the ts-ignore.
// @ts-ignore -- TS1343 under tsconfig.cjs.json only
const SELF_URL: string = import.meta.url;
const NAME = 'concurrent-log';

let root: string | null = null;

/**
 * The package's root folder (package.json, prebuilds/, dist/), found by walking up from this module:
 * it sits at a different depth in the module build (dist/esm/core/, dist/cjs/core/) and in the
 * bundle (dist/bundle/ or a chunk under it), so no fixed "../.." is right for all.
 */
export function packageRoot(): string {
  if (root !== null) return root;
  for (let dir = dirname(fileURLToPath(SELF_URL)); ; dir = dirname(dir)) {
    if (isOurs(join(dir, 'package.json'))) return (root = dir);
    if (dirname(dir) === dir) throw new Error(`${NAME}: no package.json of ${NAME} above ${fileURLToPath(SELF_URL)}`);
  }
}

function isOurs(path: string): boolean {
  try {
    return (JSON.parse(readFileSync(path, 'utf8')) as { name?: unknown }).name === NAME;
  } catch {
    return false;
  }
}

/**
 * The flusher thread's entry: the bundled one, whichever build starts it (a worker thread runs an ES
 * module whatever the format of the code that starts it), so that its start costs one file to load.
 */
export function flusherEntry(): URL {
  return pathToFileURL(join(packageRoot(), 'dist', 'bundle', 'flusher.js'));
}

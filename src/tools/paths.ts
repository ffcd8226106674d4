import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// This module's URL. The CommonJS type-check rejects import.meta (TS1343) although
// scripts/build.mjs rewrites it for the CommonJS copy, hence the ts-ignore.
// @ts-ignore TS1343 under tsconfig.cjs.json only
const SELF_URL: string = import.meta.url;

/** The package's root folder (where package.json and bin/ are), found from this module's place. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(SELF_URL));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'bin', 'concurrent-log.mjs'))) return dir;
    const up = dirname(dir);
    if (up === dir) return process.cwd();
    dir = up;
  }
}

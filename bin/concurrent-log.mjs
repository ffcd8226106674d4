#!/usr/bin/env node
// `concurrent-log <command> [args]`: each command is a module exporting `main(argv: string[]):
// Promise<number>` (the exit code) and `usage: string`: the user's tools in src/tools/cli/, and the
// development tools in src/dev/, which are not in the published package (they need a clone: the
// CPython vectors, the peers, the Python seed).
import { existsSync } from 'node:fs';

const COMMANDS = {
  verify: ["verify a stress run's rotated files: lost, duplicated, torn, misplaced", 'tools/cli/verify.js'],
  follow: [
    'print every line of a rotating log series once, by the rotation journal (for log shippers)',
    'tools/cli/follow.js',
  ],
  stress: ['run the multi-process stress benchmark and verify every line (a clone only)', 'dev/stress.js'],
  conformance: [
    'CPython 3.13 conformance: check rotation vectors, default test/fixtures/oracle (a clone only)',
    'dev/conformance.js',
  ],
};
const moduleOf = (cmd) => new URL(`../dist/esm/${COMMANDS[cmd][1]}`, import.meta.url);

const [cmd, ...rest] = process.argv.slice(2);
if (!cmd || cmd === '-h' || cmd === '--help' || !(cmd in COMMANDS)) {
  const lines = Object.entries(COMMANDS).map(([k, [v]]) => `  ${k.padEnd(12)} ${v}`);
  const out = `usage: concurrent-log <command> [options]\n\ncommands:\n${lines.join('\n')}\n\nRun 'concurrent-log <command> --help' for a command's options.\n`;
  if (cmd && cmd !== '-h' && cmd !== '--help') {
    process.stderr.write(`concurrent-log: unknown command '${cmd}'\n\n${out}`);
    process.exit(2);
  }
  process.stdout.write(out);
  process.exit(cmd ? 0 : 2);
}
if (!existsSync(moduleOf(cmd))) {
  process.stderr.write(
    `concurrent-log: '${cmd}' is a development command, not in the published package: run it from a clone of the repository (npm run ${cmd})\n`,
  );
  process.exit(2);
}
const mod = await import(moduleOf(cmd).href);
process.exitCode = await mod.main(rest);

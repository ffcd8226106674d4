#!/usr/bin/env node
// `concurrent-log <command> [args]`: each command is a module in src/tools/cli/ exporting
// `main(argv: string[]): Promise<number>` (the exit code) and `usage: string`.
const COMMANDS = {
  conformance: 'CPython 3.13 conformance: check rotation vectors (default: test/fixtures/oracle in a clone)',
  verify: "verify a stress run's rotated files: lost, duplicated, torn, misplaced",
  stress: 'run the multi-process stress benchmark and verify every line',
  follow: 'print every line of a rotating log series once, by the rotation journal (for log shippers)',
};

const [cmd, ...rest] = process.argv.slice(2);
if (!cmd || cmd === '-h' || cmd === '--help' || !(cmd in COMMANDS)) {
  const lines = Object.entries(COMMANDS).map(([k, v]) => `  ${k.padEnd(12)} ${v}`);
  const out = `usage: concurrent-log <command> [options]\n\ncommands:\n${lines.join('\n')}\n\nRun 'concurrent-log <command> --help' for a command's options.\n`;
  if (cmd && cmd !== '-h' && cmd !== '--help') {
    process.stderr.write(`concurrent-log: unknown command '${cmd}'\n\n${out}`);
    process.exit(2);
  }
  process.stdout.write(out);
  process.exit(cmd ? 0 : 2);
}
const mod = await import(new URL(`../dist/esm/tools/cli/${cmd}.js`, import.meta.url).href);
process.exitCode = await mod.main(rest);

// `concurrent-log verify BASEFILE ...`: the stress-run verifier (same output as ../shared/stress/verify.py).
import { stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { formatVerifyJson, formatVerifyTable, formatVerifyVerdict, unitFor, verifyRun } from '../verify.js';
import { parseArgs, usageExit, UsageError } from '../args.js';

export const usage = `usage: concurrent-log verify BASEFILE [--when S] [--interval 1] [--tasks 100] [--n 1000] [--utc] [--all] [--json]

Verifies the files of a stress run: BASEFILE and its rotated siblings (BASEFILE.<suffix>), every
record '<level>-<task>-<i>' in the seed's text format or as a JSON line with msg/time.
Reports lost, duplicated, torn (unparseable) and misplaced (outside its file's period) records,
with the same definitions and output as ../shared/stress/verify.py.

options:
  --when W        the handler's when: S, M, H, D, MIDNIGHT, W0-W6 (default S)
  --interval N    the handler's interval (default 1)
  --tasks N       tasks in the run (default 100)
  --n N           iterations per task, 5 records each (default 1000)
  --utc           read times and suffixes as UTC (default: local time)
  --all           read every file in BASEFILE's folder whose name starts with its stem
                  (peers that name rotated files their own way); no misplaced check
  --json          print one JSON object instead of the table

exit status: 0 when nothing is lost, duplicated or torn; 1 otherwise; 2 on bad arguments.
`;

export async function main(argv: string[]): Promise<number> {
  let a;
  try {
    a = parseArgs(
      argv,
      {
        when: 'string',
        interval: 'int',
        tasks: 'int',
        n: 'int',
        utc: 'bool',
        all: 'bool',
        json: 'bool',
        help: 'bool',
      },
      { positionals: 1 },
    );
    if (a.flags['help']) {
      process.stdout.write(usage);
      return 0;
    }
    if (a.positionals.length !== 1) throw new UsageError('BASEFILE is required');
    const when = (a.flags['when'] as string | undefined) ?? 'S';
    if (!unitFor(when, 1)) throw new UsageError(`unsupported --when '${when}'`);
    const dir = dirname(resolve(a.positionals[0]!));
    const st = await stat(dir).catch(() => null);
    if (!st?.isDirectory()) throw new UsageError(`no such folder: ${dir}`);
  } catch (err) {
    return usageExit('verify', err, usage);
  }
  const f = a.flags;
  const r = await verifyRun(a.positionals[0]!, {
    when: (f['when'] as string | undefined) ?? 'S',
    interval: (f['interval'] as number | undefined) ?? 1,
    tasks: (f['tasks'] as number | undefined) ?? 100,
    n: (f['n'] as number | undefined) ?? 1000,
    utc: Boolean(f['utc']),
    all: Boolean(f['all']),
  });
  if (f['json']) process.stdout.write(formatVerifyJson(r) + '\n' + formatVerifyVerdict(r) + '\n');
  else process.stdout.write(formatVerifyTable(r));
  return r.ok ? 0 : 1;
}

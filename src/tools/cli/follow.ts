// `concurrent-log follow BASEFILE`: prints every line of a rotating series once, by the handler's journal.
import { Follower } from '../follow.js';
import { parseArgs, usageExit, UsageError } from '../args.js';

export const usage = `usage: concurrent-log follow BASEFILE [--checkpoint FILE] [--from-start] [--lock-file FILE] [--poll-ms 100]

Prints every line written to BASEFILE and its rotated files to stdout, once each and in order per
file, following rotations by the handler's own journal (the state in its lock file), reading .gz
files, and resuming after a stop or a crash from its checkpoint. The input for a log shipper:
  concurrent-log follow logs/app.log --checkpoint app.pos | logger --tcp -n 127.0.0.1 -P 514

options:
  --checkpoint FILE  where to keep its place (written atomically after each batch is printed);
                     after a crash at most the lines printed since the last checkpoint are repeated
  --from-start       with no checkpoint yet: print the rotated files the journal lists and the base
                     file from their start (default: only lines written from now on)
  --lock-file FILE   the handler's lockFile, if not the default .<basename>.lock beside the log
  --poll-ms N        how often to look for new lines when idle (default 100)
  --once             one pass, then exit (for scripts and tests)

SIGTERM or SIGINT: finishes the pass, saves the checkpoint, exits 0.
`;

export async function main(argv: string[]): Promise<number> {
  let a;
  try {
    a = parseArgs(
      argv,
      {
        checkpoint: 'string',
        'from-start': 'bool',
        'lock-file': 'string',
        'poll-ms': 'int',
        once: 'bool',
        help: 'bool',
      },
      { positionals: 1 },
    );
    if (a.flags['help']) {
      process.stdout.write(usage);
      return 0;
    }
    if (a.positionals.length !== 1) throw new UsageError('BASEFILE is required');
  } catch (err) {
    return usageExit('follow', err, usage);
  }
  const f = a.flags;
  let follower: Follower;
  try {
    follower = new Follower({
      filename: a.positionals[0]!,
      checkpoint: (f['checkpoint'] as string | undefined) ?? null,
      lockFile: (f['lock-file'] as string | undefined) ?? null,
      fromStart: Boolean(f['from-start']),
      write: (chunk) =>
        new Promise<void>((res, rej) => {
          process.stdout.write(chunk, (err) => (err ? rej(err) : res()));
        }),
    });
  } catch (err) {
    return failed(err);
  }
  const stop = new AbortController();
  const onSignal = (): void => stop.abort();
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  try {
    if (f['once']) await follower.poll();
    else {
      // On stderr, so that a script (or a test) knows from when on lines will be printed.
      const started = (): void => {
        const missing = follower.missingFolder();
        if (missing !== null)
          process.stderr.write(`concurrent-log follow: ${missing} does not exist yet; waiting for it\n`);
        process.stderr.write(`concurrent-log follow: following ${a.positionals[0]}\n`);
      };
      await follower.run((f['poll-ms'] as number | undefined) ?? 100, stop.signal, started);
    }
  } catch (err) {
    return failed(err);
  } finally {
    follower.close();
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  }
  return 0;
}

/** A path or I/O problem: one line on stderr, exit 1 (usage errors exit 2). */
function failed(err: unknown): number {
  process.stderr.write(`concurrent-log follow: ${(err as Error).message}\n`);
  return 1;
}

// A small strict flag parser shared by the CLI commands: `--name value`, `--name=value`, booleans.
export class UsageError extends Error {}

export type FlagKind = 'string' | 'int' | 'bool';

export interface ParsedArgs {
  flags: Record<string, string | number | boolean>;
  positionals: string[];
}

export function parseArgs(
  argv: string[],
  spec: Record<string, FlagKind>,
  opts: { positionals?: number } = {},
): ParsedArgs {
  const flags: Record<string, string | number | boolean> = {};
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '-h') {
      flags['help'] = true;
      continue;
    }
    if (!arg.startsWith('--') || arg === '--') {
      positionals.push(arg);
      if (positionals.length > (opts.positionals ?? 0)) throw new UsageError(`unexpected argument '${arg}'`);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq >= 0 ? eq : undefined);
    const kind = spec[name];
    if (!kind) throw new UsageError(`unknown option '--${name}'`);
    if (kind === 'bool') {
      if (eq >= 0) throw new UsageError(`--${name} takes no value`);
      flags[name] = true;
      continue;
    }
    let value: string | undefined;
    if (eq >= 0) value = arg.slice(eq + 1);
    else {
      value = argv[++i];
      if (value === undefined) throw new UsageError(`--${name} needs a value`);
    }
    if (kind === 'int') {
      if (!/^\d+$/.test(value)) throw new UsageError(`--${name} needs a non-negative integer, not '${value}'`);
      flags[name] = Number(value);
    } else flags[name] = value;
  }
  return { flags, positionals };
}

/**
 * A command's answer to a bad invocation: a UsageError is printed (with the usage text, if given)
 * and gives exit status 2; anything else is not a usage problem and is thrown on.
 */
export function usageExit(command: string, err: unknown, usage = ''): number {
  if (!(err instanceof UsageError)) throw err;
  process.stderr.write(`concurrent-log ${command}: ${err.message}\n${usage ? `\n${usage}` : ''}`);
  return 2;
}

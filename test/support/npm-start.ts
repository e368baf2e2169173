import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');

/** `npm start`'s program as a child process, once it has printed that it is ready. */
export interface StartedStack {
  readonly child: ChildProcess;
  /** Everything it printed to stdout so far. */
  readonly out: () => string;
  readonly exited: Promise<number | null>;
}

/**
 * Spawns local-cloud/commands/start.ts on random ports (20 ms activation), without the caller's local
 * access key overrides, and waits for its `ready in N ms` line; fails with its output if it exits first.
 */
export async function startNpmStart(args: readonly string[] = []): Promise<StartedStack> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'local-cloud/commands/start.ts', '--port', '0', '--cloud-port', '0', '--activation-ms', '20', ...args],
    {
      cwd: root,
      env: { ...process.env, ESGUARD_LOCAL_ACCESS_KEY_ID: '', ESGUARD_LOCAL_ACCESS_KEY_SECRET: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  let err = '';
  child.stdout!.on('data', (c: Buffer) => {
    out += c.toString();
  });
  child.stderr!.on('data', (c: Buffer) => {
    err += c.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  while (!/ready in \d+ ms/.test(out)) {
    if (child.exitCode !== null) throw new Error(`the stack exited early: ${out}${err}`);
    await new Promise((r) => setTimeout(r, 25));
  }
  return { child, out: () => out, exited };
}

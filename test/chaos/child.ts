import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { FcContext } from '../../shared/triggers';

export interface KilledRun {
  /** SIGKILL: the crash hook fired, or the run was killed at `killAfterMs`. */
  readonly signal: NodeJS.Signals | null;
  readonly code: number | null;
  readonly output: string;
  /** Set when the handler got to answer before it was killed. */
  readonly outcome: { readonly ok: boolean; readonly error?: { readonly name: string; readonly code?: string; readonly status?: number; readonly message: string } } | undefined;
}

/**
 * Runs a bundled handler once in its own node process, as an FC instance does, and SIGKILLs it after
 * `killAfterMs` if it is still running: a crash at an arbitrary point, inside a step as often as between.
 */
export function runAndKill(bundleFile: string, event: Buffer, ctx: FcContext, env: Record<string, string>, killAfterMs?: number): Promise<KilledRun> {
  const runner = join(dirname(bundleFile), 'chaos-runner.cjs');
  writeFileSync(
    runner,
    `const { handler } = require(process.argv[2]);
const report = (o) => { process.stderr.write('OUTCOME ' + JSON.stringify(o) + '\\n'); process.exit(o.ok ? 0 : 1); };
handler(Buffer.from(process.argv[3], 'base64'), JSON.parse(process.argv[4])).then(
  () => report({ ok: true }),
  (e) => report({ ok: false, error: { name: e.name, code: e.code, status: e.status, message: e.message } }),
);
`,
  );
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [runner, bundleFile, event.toString('base64'), JSON.stringify(ctx)], {
      env: { PATH: process.env['PATH'] ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (output += c.toString('utf8')));
    const timer = killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      const line = output.split('\n').find((l) => l.startsWith('OUTCOME '));
      resolve({ code, signal, output, outcome: line === undefined ? undefined : (JSON.parse(line.slice(8)) as KilledRun['outcome']) });
    });
  });
}

import { writeSync } from 'node:fs';
import { createRequire } from 'node:module';

/**
 * How a child talks to the bench: its config as JSON in argv[2], its results as JSON lines on fd 3, so
 * that the function's own logs (stdout) never mix with them.
 */
export function readConfig<T>(): T {
  const text = process.argv[2];
  if (!text) throw new Error('child: missing JSON config argument');
  return JSON.parse(text) as T;
}

export function report(value: unknown): void {
  writeSync(3, `${JSON.stringify(value)}\n`);
}

export type FcHandler = (event: Buffer, context: unknown) => Promise<unknown>;

const requireAtRunTime = createRequire(__filename);

/** `require` by path at run time: the bundle under test is never part of the child's own file. */
export function loadBundle(path: string): { handler: FcHandler } {
  const mod = requireAtRunTime(path) as { handler?: unknown };
  if (typeof mod.handler !== 'function') throw new Error(`${path} exports no handler`);
  return { handler: mod.handler as FcHandler };
}

export const elapsedMs = (from: bigint): number => Number(process.hrtime.bigint() - from) / 1e6;

export function statusOf(response: unknown): number | undefined {
  const s = (response as { statusCode?: unknown } | null | undefined)?.statusCode;
  return typeof s === 'number' ? s : undefined;
}

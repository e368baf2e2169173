import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { LocalStack } from '../../local-cloud/runner/stack';

export const ROOT = join(__dirname, '..', '..');
/** The built CLI, as `npm run build` (which `npm test` runs first) leaves it; the launcher runs this file. */
export const CLI = join(ROOT, 'dist', 'cli', 'es-guard.js');

/** Builds dist/cli when a single test file runs without `npm run build` before it. */
export async function ensureBuilt(): Promise<void> {
  if (existsSync(CLI)) return;
  const mod = (await import(pathToFileURL(join(ROOT, 'scripts', 'build.mjs')).href)) as { buildCli: () => Promise<number> };
  await mod.buildCli();
}

export interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * A clean environment as a user's shell might have it: none of the test runner's or the developer's cloud
 * keys (a loopback --endpoint then uses the local cloud's own key), and short polls for a fast emulator.
 */
export function cliEnv(extra: Readonly<Record<string, string>> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env))
    if (!/^(ALIBABA_CLOUD_|ESGUARD_|ES_ENDPOINT|KMS_ENDPOINT|FC_|ECS_ENDPOINT|NODE_OPTIONS|VITEST|TSX_)/.test(k)) env[k] = v;
  return { ...env, INSTANCE_POLL_MS: '50', ROTATION_TEST_POLL_MS: '50', WHITELIST_WAIT_POLL_MS: '50', ...extra };
}

/** The local cloud's change store (Tablestore, its own port): whitelist writes are recorded there first, as the function's are. */
export function storeEnv(cloud: { env: Readonly<Record<string, string>> }): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of ['WHITELIST_TABLESTORE_ENDPOINT', 'WHITELIST_TABLESTORE_INSTANCE', 'WHITELIST_TABLE'])
    if (cloud.env[k] !== undefined) out[k] = cloud.env[k]!;
  return out;
}

/** Spawns the CLI as a user would (`node dist/cli/es-guard.js ...`), asynchronously: the local cloud lives in this process. */
export function runCli(args: readonly string[], env: NodeJS.ProcessEnv = cliEnv()): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env, cwd: ROOT, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** stdout of a --json run, parsed (the test fails with the output if it is not one JSON document). */
export function json<T = Record<string, unknown>>(run: Run): T {
  try {
    return JSON.parse(run.stdout) as T;
  } catch {
    throw new Error(`not JSON (exit ${run.code}):\n${run.stdout}\n--- stderr\n${run.stderr}`);
  }
}

/**
 * The local stack in this process, as `npm start` runs it, with the CLI built: one instance `id` holding
 * 10.0.0.1, 50 ms activation windows, no timers; `auth: 'function'` makes its HTTP triggers require signatures.
 */
export async function startCliStack(id: string, auth?: 'function'): Promise<LocalStack> {
  await ensureBuilt();
  const { startLocalStack } = await import('../../local-cloud/runner/stack');
  return startLocalStack({
    root: ROOT,
    activationMs: 50,
    schedule: false,
    ...(auth && { auth }),
    seed: { instances: [{ instanceId: id, adminPassword: 'Start-Passw0rd', privateNetworkIpWhiteList: ['10.0.0.1'] }] },
  });
}

import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { Env } from '../../shared/config';
import { LOCAL_TABLESTORE_INSTANCE } from '../tablestore';

/**
 * s.yaml as `s deploy` sees it. The local stack does not resolve `${...}` itself: it asks the real
 * Serverless Devs CLI (`@serverless-devs/s`, a devDependency) to render the file (`s preview -o json`,
 * which works offline and without credentials), so the local stack and a deployment cannot read the
 * file differently. The CLI parses the YAML first and then compiles each string value on its own
 * (see s.yaml's header for the rules that follow).
 */

/** A trigger of one function as the CLI renders it. */
export interface TriggerSpec {
  readonly triggerName: string;
  readonly triggerType: 'http' | 'timer' | 'eventbridge' | string;
  readonly triggerConfig: Readonly<Record<string, unknown>>;
  /** EventBridge triggers only: `triggerConfig.eventSourceConfig.eventSourceType` (Default, MNS, RocketMQ, ...). */
  readonly eventSourceType?: string;
  /**
   * EventBridge triggers only: how events reach the function (FC 3.0 API, struct RunOptions.mode):
   * `event-driven` passes one CloudEvent per invocation (the only mode of the Default bus), `event-streaming`
   * pushes arrays. `runOptions.mode` when set; otherwise event-driven for the Default bus, as it has no other.
   */
  readonly deliveryMode?: 'event-driven' | 'event-streaming';
}

export interface FunctionSpec {
  /** The resource key in s.yaml, which is also the folder under functions/ and dist/. */
  readonly name: string;
  readonly functionName: string;
  readonly timeout: number;
  readonly memorySize: number;
  readonly environmentVariables: Readonly<Record<string, string>>;
  readonly triggers: readonly TriggerSpec[];
  /** The code folder as written (`./dist/<name>`), relative to s.yaml. */
  readonly code: string;
  /** `asyncInvokeConfig.asyncTask`: whether FC takes `x-fc-async-task-id` for this function. */
  readonly asyncTask: boolean;
}

/**
 * The variables s.yaml requires (`${env('X')}` without a default: a deployment must name its roles,
 * dead-letter destination and VPC). The local stack has none of these resources; it renders with a
 * stand-in of the right form for each, found in s.yaml itself so a variable added there needs nothing here.
 */
export function requiredVariables(text: string): string[] {
  const code = text
    .split('\n')
    .filter((l) => !l.trimStart().startsWith('#'))
    .join('\n');
  return [...new Set([...code.matchAll(/\benv\(\s*'([A-Za-z0-9_]+)'\s*\)/g)].map((m) => m[1]!))];
}

export function localStandIn(name: string): string {
  // The local cloud's own Tablestore instance, so the whitelist's change records land in the emulator.
  if (name === 'WHITELIST_TABLESTORE_INSTANCE') return LOCAL_TABLESTORE_INSTANCE;
  if (name.endsWith('_ROLE_ARN')) return 'acs:ram::000000000000:role/es-guard-local';
  if (name.endsWith('_ARN')) return 'acs:mns:cn-hangzhou:000000000000:/queues/es-guard-local/messages';
  if (name.endsWith('_VPC_ID')) return 'vpc-local';
  if (name.endsWith('_VSWITCH_ID')) return 'vsw-local';
  if (name.endsWith('_SECURITY_GROUP_ID')) return 'sg-local';
  return 'local';
}

/** The CLI's entry script, from the installed package (never a global `s`). */
export function serverlessDevsCli(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('@serverless-devs/s/package.json')), 'bin', 's');
}

export interface RenderedTemplate {
  readonly vars?: Readonly<Record<string, unknown>>;
  readonly resources?: Readonly<Record<string, { readonly component?: string; readonly props?: Readonly<Record<string, unknown>> }>>;
  readonly [key: string]: unknown;
}

const cache = new Map<string, RenderedTemplate>();

/**
 * `s preview -o json -t <file>` with exactly `env` as the deploying shell's environment, HOME in a scratch
 * folder (the CLI writes its config and logs there), and the CLI's CI/CD switch set so that it starts no
 * update or telemetry daemons. Rendering is cached per file content and environment within a process.
 */
export function renderTemplate(file: string, env: Env): RenderedTemplate {
  const path = resolve(file);
  const text = readFileSync(path, 'utf8');
  const childEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && k !== 'NODE_OPTIONS' && k !== 'HOME') childEnv[k] = v;
  const key = JSON.stringify([path, text, Object.entries(childEnv).sort()]);
  const hit = cache.get(key);
  if (hit) return hit;
  const home = mkdtempSync(join(tmpdir(), 'es-guard-s-'));
  try {
    // analysis: disable is the CLI's own opt-out of its report daemon (set-config.yml in its home).
    mkdirSync(join(home, '.s'), { recursive: true });
    writeFileSync(join(home, '.s', 'set-config.yml'), 'analysis: disable\n');
    const run = spawnSync(process.execPath, [serverlessDevsCli(), 'preview', '-o', 'json', '--silent', '-t', path], {
      cwd: dirname(path),
      env: { ...childEnv, HOME: home, USERPROFILE: home, SERVERLESS_DEVS_CICD: 'true' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    if (run.error) throw new Error(`s.yaml: could not run the Serverless Devs CLI: ${run.error.message}`);
    const out = run.stdout ?? '';
    const start = out.indexOf('{');
    if (run.status !== 0 || start < 0)
      throw new Error(`s.yaml: the Serverless Devs CLI refused ${path}: ${cliError(out + (run.stderr ?? ''), run.status)}`);
    const rendered = JSON.parse(out.slice(start)) as RenderedTemplate;
    cache.set(key, rendered);
    return rendered;
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

/** The CLI's own "Error Message" block, without its log-file and feedback lines. */
function cliError(output: string, status: number | null): string {
  const lines = output.split('\n').map((l) => l.trimEnd());
  const from = lines.findIndex((l) => l.startsWith('Error Message'));
  const body = (from >= 0 ? lines.slice(from + 1) : lines).filter(
    (l) => l.trim() !== '' && !/^(A complete log|Env:|Logs:|Feedback:)/.test(l.trim()),
  );
  return body.join(' | ').slice(0, 2000) || `exit status ${String(status)}`;
}

function record(v: unknown): Readonly<Record<string, unknown>> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

function triggerSpec(raw: unknown): TriggerSpec {
  const t = record(raw);
  const triggerConfig = record(t['triggerConfig']);
  const base = { triggerName: String(t['triggerName'] ?? ''), triggerType: String(t['triggerType'] ?? ''), triggerConfig };
  if (base.triggerType !== 'eventbridge') return base;
  const eventSourceType = String(record(triggerConfig['eventSourceConfig'])['eventSourceType'] ?? 'Default');
  const mode = record(triggerConfig['runOptions'])['mode'];
  const deliveryMode =
    mode === 'event-streaming' || mode === 'event-driven' ? mode : eventSourceType === 'Default' ? 'event-driven' : 'event-streaming';
  return { ...base, eventSourceType, deliveryMode };
}

/**
 * The fc3 functions of s.yaml, rendered by the real CLI with `env` as the deploying shell's environment
 * (required variables it lacks take the local stand-ins above).
 */
export function loadFunctionSpecs(file: string, env: Env = process.env): FunctionSpec[] {
  const standIns = Object.fromEntries(requiredVariables(readFileSync(file, 'utf8')).map((n) => [n, localStandIn(n)]));
  const doc = renderTemplate(file, { ...standIns, ...definedOnly(env) });
  const specs: FunctionSpec[] = [];
  for (const [name, resource] of Object.entries(doc.resources ?? {})) {
    if (resource.component !== 'fc3' || !resource.props) continue;
    const p = resource.props;
    const envVars: Record<string, string> = {};
    for (const [k, v] of Object.entries(record(p['environmentVariables']))) envVars[k] = v === null || v === undefined ? '' : String(v);
    specs.push({
      name,
      functionName: String(p['functionName'] ?? name),
      timeout: Number(p['timeout'] ?? 60),
      memorySize: Number(p['memorySize'] ?? 128),
      environmentVariables: envVars,
      triggers: (Array.isArray(p['triggers']) ? (p['triggers'] as unknown[]) : []).map(triggerSpec),
      code: String(p['code'] ?? ''),
      asyncTask: record(p['asyncInvokeConfig'])['asyncTask'] === true,
    });
  }
  return specs;
}

function definedOnly(env: Env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v;
  return out;
}

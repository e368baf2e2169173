import { join } from 'node:path';
import type { LocalCloud } from '../../local-cloud';
import type { Handler } from '../support/fc';
import { loadBundle, registerBundle } from '../support/functions';
import { captureStreams } from '../support/stdout';

const root = join(__dirname, '..', '..');

export interface Bundles {
  readonly dir: string;
  readonly fleet: Handler;
  readonly rotate: Handler;
}

/** rotate-fleet and rotate-password as `npm run build` left them in dist/ (npm test builds first). */
export async function buildBundles(): Promise<Bundles> {
  return {
    dir: join(root, 'dist'),
    fleet: loadBundle('rotate-fleet') as unknown as Handler,
    rotate: loadBundle('rotate-password') as unknown as Handler,
  };
}

/** Settings that make activation waits and login polls take milliseconds (the data plane is local). */
export const FAST_ENV: Readonly<Record<string, string>> = {
  INSTANCE_POLL_MS: '2',
  ROTATION_TEST: 'true',
  ROTATION_TEST_POLL_MS: '2',
  ROTATION_TEST_TIMEOUT_SECONDS: '30',
  DATA_PLANE_TIMEOUT_MS: '2000',
  LOG_LEVEL: 'info',
};

/** Every setting either function reads, so one test's choice does not leak into the next. */
export const FLEET_VARIABLES = [
  'FLEET_TAG_KEY',
  'FLEET_TAG_VALUE',
  'FLEET_REGIONS',
  'ROTATION_INTERVAL_DAYS',
  'ROTATION_INTERVAL_SECONDS',
  'FLEET_CONCURRENCY',
  'FLEET_SPREAD_SECONDS',
  'ROTATE_FUNCTION_NAME',
  'ROTATE_FUNCTION_QUALIFIER',
  'FLEET_TRANSPORT',
  'FC2_SERVICE_NAME',
  'ALLOWED_INSTANCE_IDS',
  'SECRET_NAME_TEMPLATE',
  'FLEET_RESUME_PENDING_AFTER_SECONDS',
] as const;

export function resetFleetEnv(): void {
  for (const name of FLEET_VARIABLES) delete process.env[name];
}

/**
 * Registers the bundled rotate-password (dist/, in isolated FC instances as FC runs it) under its FC 3.0
 * name and FC 2.0 service `es-guard`, with FAST_ENV (plus `environmentVariables`) as its environment.
 * While `hold()` is in force, rotations queue but do not start (the emulator's FC holds them), so a test
 * can fire the fleet again while the first run's rotations are still pending. `peak` is the most rotations
 * that ran at once (busy instances), `runs` the attempts started. The handler argument is not used: FC
 * runs the code package, not a closure of the test.
 */
export function registerRotate(
  cloud: LocalCloud,
  _rotate?: Handler,
  environmentVariables: Readonly<Record<string, string>> = {},
): { hold(): void; release(): void; readonly peak: number; readonly runs: number } {
  const name = 'es-guard-rotate-password';
  const before = new Set(cloud.fc.invocations.filter((i) => i.functionName === name));
  registerBundle(cloud, 'rotate-password', {
    functionName: name,
    environmentVariables: { ...FAST_ENV, ...environmentVariables },
    timeout: 60,
    maxAsyncRetryAttempts: 3,
    fc2Service: 'es-guard',
  });
  return {
    hold() {
      cloud.fc.hold(name);
    },
    release() {
      cloud.fc.release(name);
    },
    get peak() {
      return cloud.fc.instanceStats(name)?.peakBusy ?? 0;
    },
    get runs() {
      return cloud.fc.invocations.filter((i) => i.functionName === name && !before.has(i)).reduce((n, i) => n + i.attempts, 0);
    },
  };
}

export const DAY_MS = 86_400_000;

export interface SeedOptions {
  readonly prefix: string;
  readonly count: number;
  readonly tags?: readonly { tagKey: string; tagValue: string }[];
  /** What each instance's secret looks like, by index. */
  readonly secret: (i: number) => 'none' | 'placeholder' | { readonly ageMs: number };
}

export interface Seeded {
  readonly instanceId: string;
  readonly secretName: string;
  readonly initialPassword: string;
  readonly secret: 'none' | 'placeholder' | { readonly ageMs: number };
}

/** Instances with a known password and (per `secret`) a KMS secret holding it, written `ageMs` ago. */
export function seedInstances(cloud: LocalCloud, options: SeedOptions): Seeded[] {
  const out: Seeded[] = [];
  for (let i = 0; i < options.count; i++) {
    const instanceId = `es-cn-${options.prefix}${String(i).padStart(4, '0')}`;
    const initialPassword = `Init-${options.prefix}-${i}-Pw9`;
    cloud.es.addInstance({
      instanceId,
      adminPassword: initialPassword,
      tags: options.tags ?? [{ tagKey: 'es-guard:rotate', tagValue: 'true' }],
    });
    const secretName = `es-guard/${instanceId}/elastic`;
    const secret = options.secret(i);
    if (secret === 'placeholder') {
      cloud.kms.addSecret({
        secretName,
        versionId: 'es-guard-initial',
        secretData: JSON.stringify({ username: 'elastic', password: null, instanceId }),
      });
    } else if (secret !== 'none') {
      cloud.kms.addSecret({
        secretName,
        versionId: `v-${instanceId}`,
        secretData: JSON.stringify({ username: 'elastic', password: initialPassword, instanceId }),
        createTime: new Date(Date.now() - secret.ageMs).toISOString(),
      });
    }
    out.push({ instanceId, secretName, initialPassword, secret });
  }
  return out;
}

export function timerEvent(payload: unknown = {}): Buffer {
  return Buffer.from(
    JSON.stringify({
      triggerTime: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      triggerName: 'schedule',
      payload: JSON.stringify(payload),
    }),
  );
}

export function httpEvent(path: string, query: Record<string, string> = {}, method = 'POST'): Buffer {
  return Buffer.from(
    JSON.stringify({
      version: 'v1',
      rawPath: path,
      body: '',
      isBase64Encoded: false,
      headers: {},
      queryParameters: query,
      requestContext: {
        accountId: '1234567890123456',
        domainName: 'es-guard-fleet.cn-hangzhou.fcapp.run',
        domainPrefix: 'es-guard-fleet',
        http: { method, path, protocol: 'HTTP/1.1', sourceIp: '10.0.0.9', userAgent: 'test' },
        requestId: 'gw-fleet',
        time: '01/May/2024:03:00:00 +0000',
        timeEpoch: '1714532400000',
      },
    }),
  );
}

/** UpdateAdminPassword applications the emulator recorded for `instanceId`. */
export function passwordChanges(cloud: LocalCloud, instanceId: string): number {
  return cloud.es.changes.filter((c) => c.operation === 'UpdateAdminPassword' && c.instanceId === instanceId).length;
}

/** The password ACSCurrent holds, or undefined without a secret. */
export function currentPassword(cloud: LocalCloud, secretName: string): string | null | undefined {
  const data = cloud.kms.value(secretName, 'ACSCurrent');
  return data === undefined ? undefined : (JSON.parse(data) as { password: string | null }).password;
}

/**
 * Takes over stdout (where the functions' JSON logs go) until `stop()`, through the suites' one capture
 * (test/support/stdout.ts). `mark()` and the `from` arguments let a test look at what one call wrote.
 */
export function captureLogs(): {
  mark(): number;
  text(from?: number): string;
  records(from?: number): Record<string, unknown>[];
  stop(): void;
} {
  const chunks: string[] = [];
  const stop = captureStreams([process.stdout], (text) => chunks.push(text));
  const text = (from = 0): string => chunks.slice(from).join('');
  return {
    mark: () => chunks.length,
    text,
    records: (from = 0) =>
      text(from)
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    stop,
  };
}

export type { Handler } from '../support/fc';

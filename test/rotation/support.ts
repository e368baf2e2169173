import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CallHold, type HookedCall, type LocalCloud, startLocalCloud } from '../../local-cloud';
import { ApiClient, ElasticsearchApi, KmsApi } from '../../shared/api';
import type { FcContext } from '../../shared/triggers';
import type { Handler } from '../support/fc';
import { loadBundle } from '../support/functions';

const root = join(__dirname, '..', '..');

export interface Bundle {
  readonly file: string;
  readonly handler: Handler;
}

/** rotate-password as `npm run build` left it in dist/ (npm test builds first): the code FC would run. */
export async function buildBundle(): Promise<Bundle> {
  const file = join(root, 'dist', 'rotate-password', 'index.js');
  return { file, handler: loadBundle('rotate-password') as unknown as Handler };
}

/** Settings that make the emulator's activation windows and every poll take milliseconds. */
export const FAST_ENV: Readonly<Record<string, string>> = {
  INSTANCE_POLL_MS: '5',
  ROTATION_TEST_POLL_MS: '5',
  ROTATION_TEST_TIMEOUT_SECONDS: '20',
  DATA_PLANE_TIMEOUT_MS: '2000',
  ROTATION_UNVERIFIED_WAIT_SECONDS: '0',
  LOG_LEVEL: 'debug',
};

export async function startCloud(): Promise<LocalCloud> {
  return startLocalCloud({ activationMs: 25 });
}

/** The FC context the function gets; the local cloud's long-term key stands in for the role's credentials. */
export function context(cloud: LocalCloud, requestId: string, timeoutSeconds = 60): FcContext {
  return {
    requestId,
    credentials: { accessKeyId: cloud.accessKey.accessKeyId, accessKeySecret: cloud.accessKey.accessKeySecret },
    function: { name: 'es-guard-rotate-password', handler: 'index.handler', memory: 256, timeout: timeoutSeconds },
    region: 'cn-hangzhou',
    accountId: '1234567890123456',
    retryCount: 0,
  };
}

export function apis(cloud: LocalCloud): { es: ElasticsearchApi; kms: KmsApi } {
  const client = new ApiClient({ endpoint: cloud.url, credentials: () => Promise.resolve(cloud.accessKey) });
  return { es: new ElasticsearchApi(client), kms: new KmsApi(client) };
}

export const timerEvent = (payload: unknown): Buffer =>
  Buffer.from(JSON.stringify({ triggerTime: '2024-05-01T03:00:00Z', triggerName: 'schedule', payload: JSON.stringify(payload) }));

export function httpEvent(instanceId: string, body: string, method = 'POST', query: Readonly<Record<string, string>> = {}): Buffer {
  const rawPath = `/openapi/instances/${instanceId}/admin-pwd`;
  return Buffer.from(
    JSON.stringify({
      version: 'v1',
      rawPath,
      body,
      isBase64Encoded: false,
      headers: { 'Content-Type': 'application/json' },
      queryParameters: query,
      requestContext: {
        accountId: '1234567890123456',
        domainName: 'es-guard.cn-hangzhou.fcapp.run',
        domainPrefix: 'es-guard',
        http: { method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: '10.0.0.8', userAgent: 'test' },
        requestId: 'gw-1',
        time: '01/May/2024:03:00:00 +0000',
        timeEpoch: '1714532400000',
      },
    }),
  );
}

export function cloudEvent(id: string, data: unknown): Record<string, unknown> {
  return {
    id,
    source: 'es-guard.incident',
    specversion: '1.0',
    type: 'es-guard:rotate',
    datacontenttype: 'application/json;charset=utf-8',
    time: '2024-05-01T03:00:00Z',
    aliyunaccountid: '1234567890123456',
    aliyuneventbusname: 'default',
    aliyunregionid: 'cn-hangzhou',
    data,
  };
}

export interface SecretRecord {
  readonly username: string;
  readonly password: string | null;
  readonly instanceId: string;
  readonly endpoint?: string;
}

export function secretAt(cloud: LocalCloud, secretName: string, stage: string): { versionId: string; record: SecretRecord } | undefined {
  const v = cloud.kms.getSecret(secretName)?.versions.find((x) => x.versionStages.includes(stage));
  return v && { versionId: v.versionId, record: JSON.parse(v.secretData) as SecretRecord };
}

/** GET /_security/_authenticate on the instance's data plane: the cluster login, over real HTTP. */
export async function logsIn(cloud: LocalCloud, instanceId: string, password: string): Promise<boolean> {
  const { url } = await cloud.es.endpoint(instanceId);
  const res = await fetch(`${url}/_security/_authenticate`, {
    headers: { authorization: `Basic ${Buffer.from(`elastic:${password}`).toString('base64')}` },
  });
  await res.arrayBuffer();
  return res.status === 200;
}

/** Every password the emulator knows of: each instance's, and each secret version's. */
export function knownPasswords(cloud: LocalCloud): string[] {
  const out: string[] = [];
  for (const i of cloud.es.instances()) out.push(i.effectivePassword, ...(i.pendingPassword ? [i.pendingPassword] : []));
  for (const i of cloud.es.instances()) {
    const secret = cloud.kms.getSecret(`es-guard/${i.instanceId}/elastic`);
    for (const v of secret?.versions ?? []) {
      try {
        const p = (JSON.parse(v.secretData) as { password?: unknown }).password;
        if (typeof p === 'string') out.push(p);
      } catch {
        out.push(v.secretData);
      }
    }
  }
  return out;
}

/** The rotation steps a child run can be killed right after (`test`: right before finish's first write). */
export type CrashStep = 'create' | 'set' | 'test' | 'finish';

const stages = (call: HookedCall): string => call.params['VersionStages'] ?? call.params['VersionStage'] ?? '';

/**
 * Holds the call that completes `step` of a rotation of this instance and secret, for the test to kill
 * the caller there: the local cloud says when the call was made, the function carries no crash points.
 * - create: after the write that made a version ACSPending (PutSecretValue, or a stage move taking it up again);
 * - set: after UpdateAdminPassword (the service accepted it; the caller never sees the answer);
 * - test: before the ACSCurrent stage move, the first write after the login test;
 * - finish: after ACSPending is removed, finish's last write.
 */
export function crashAt(cloud: LocalCloud, step: CrashStep, names: { instanceId: string; secretName: string }): CallHold {
  const ofSecret = (c: HookedCall) => c.params['SecretName'] === names.secretName;
  switch (step) {
    case 'create':
      return cloud.faults.hooks.hold(
        'after',
        (c) =>
          ofSecret(c) &&
          ((c.operation === 'PutSecretValue' && stages(c).includes('ACSPending')) ||
            (c.operation === 'UpdateSecretVersionStage' && stages(c) === 'ACSPending' && c.params['MoveToVersion'] !== undefined)),
      );
    case 'set':
      return cloud.faults.hooks.hold('after', (c) => c.operation === 'UpdateAdminPassword' && c.params['InstanceId'] === names.instanceId);
    case 'test':
      return cloud.faults.hooks.hold(
        'before',
        (c) => ofSecret(c) && c.operation === 'UpdateSecretVersionStage' && stages(c) === 'ACSCurrent',
      );
    case 'finish':
      return cloud.faults.hooks.hold(
        'after',
        (c) =>
          ofSecret(c) &&
          c.operation === 'UpdateSecretVersionStage' &&
          stages(c) === 'ACSPending' &&
          c.params['MoveToVersion'] === undefined,
      );
  }
}

export interface ChildRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /** What the handler returned or threw, when it got that far. */
  readonly outcome:
    | { ok: true; value: unknown }
    | { ok: false; error: { name: string; code?: string; status?: number; message: string } }
    | undefined;
}

let runnerDir: string | undefined;

/**
 * Runs the bundled handler once in its own node process, as an FC instance would, and reports how it
 * ended; with `killAfterMs` it is SIGKILLed then if still running (a crash at an arbitrary point), with
 * `killWhen` once that settles (a crash at a known point: see crashAt).
 */
export function runChild(
  bundle: Pick<Bundle, 'file'>,
  event: Buffer,
  ctx: FcContext,
  env: Record<string, string>,
  killAfterMs?: number,
  killWhen?: Promise<unknown>,
): Promise<ChildRun> {
  // Beside the test, never in dist/: the code package holds only what FC should run.
  runnerDir ??= mkdtempSync(join(tmpdir(), 'es-guard-runner-'));
  const runner = join(runnerDir, 'runner.cjs');
  writeFileSync(
    runner,
    `const { handler } = require(process.argv[2]);
const report = (o) => { process.stderr.write('OUTCOME ' + JSON.stringify(o) + '\\n'); process.exit(o.ok ? 0 : 1); };
handler(Buffer.from(process.argv[3], 'base64'), JSON.parse(process.argv[4])).then(
  (value) => report({ ok: true, value }),
  (e) => report({ ok: false, error: { name: e.name, code: e.code, status: e.status, message: e.message } }),
);
`,
  );
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [runner, bundle.file, event.toString('base64'), JSON.stringify(ctx)], {
      env: { PATH: process.env['PATH'] ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    const timer = killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    void killWhen?.then(() => child.kill('SIGKILL'));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      const line = stderr.split('\n').find((l) => l.startsWith('OUTCOME '));
      resolve({
        code,
        signal,
        stdout,
        stderr,
        outcome: line === undefined ? undefined : (JSON.parse(line.slice(8)) as ChildRun['outcome']),
      });
    });
  });
}

export type { Handler } from '../support/fc';

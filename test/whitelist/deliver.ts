import { Readable } from 'node:stream';
import * as $FC from '@alicloud/fc20230330';
import * as $dara from '@darabonba/typescript';
import { type LocalCloud, startLocalCloud } from '../../local-cloud';
import { cloudEvent, httpTriggerEvent } from '../../local-cloud/runner/fc-events';
import { WHITELIST_TABLE } from '../../local-cloud/tablestore';
import { TablestoreApi } from '../../shared/api';
import { bodyText, fcClient } from '../local-cloud/support';
import { registerBundle } from '../support/functions';

/**
 * Deliveries as FC makes them: the built whitelist bundle registered in the local cloud's FC, every
 * invocation through the official FC 3.0 SDK's InvokeFunction, so concurrent invocations run in separate
 * isolated instances with no shared memory (the emulator's instance pool), one event per invocation as
 * the Default bus delivers, arrays only where a test says it is an event-streaming source.
 */
export interface Delivery {
  readonly cloud: LocalCloud;
  readonly functionName: string;
  invoke(payload: unknown): Promise<{ ok: boolean; answer: Record<string, unknown> }>;
  http(
    method: 'GET' | 'POST',
    path: string,
    opts?: { query?: Record<string, string>; body?: unknown },
  ): Promise<{ status: number; json: Record<string, unknown> }>;
  /** Every change record in the change table, as stored. */
  records(instanceId: string): { key: string; attrs: Record<string, unknown> }[];
  close(): Promise<void>;
}

export async function startDelivery(opts: {
  activationMs: number;
  env?: Record<string, string>;
  timeout?: number;
  functionName?: string;
}): Promise<Delivery> {
  const cloud = await startLocalCloud({ activationMs: opts.activationMs, fc: { concurrency: 8, retryDelayMs: 5 } });
  const functionName = opts.functionName ?? 'es-guard-whitelist';
  const environmentVariables = {
    INSTANCE_POLL_MS: '20',
    LOG_LEVEL: 'warn',
    WHITELIST_LEASE_MS: '2000',
    WHITELIST_WAIT_POLL_MS: '200',
    ...opts.env,
  };
  // WHITELIST_BUNDLE_DIR runs these tests against another build (an older commit's, to see a test fail before its fix).
  const other = process.env['WHITELIST_BUNDLE_DIR'];
  if (other)
    cloud.fc.registerCode(functionName, {
      codeDir: other,
      handler: 'index.handler',
      environmentVariables,
      timeout: opts.timeout ?? 60,
      memory: 256,
    });
  else registerBundle(cloud, 'whitelist', { functionName, timeout: opts.timeout ?? 60, environmentVariables });
  const sdk = fcClient(cloud, { readTimeout: 120_000, connectTimeout: 60_000 });
  const invoke = async (payload: unknown) => {
    const res = await sdk.invokeFunctionWithOptions(
      functionName,
      new $FC.InvokeFunctionRequest({ body: Readable.from([Buffer.from(JSON.stringify(payload))]) }),
      new $FC.InvokeFunctionHeaders({ xFcInvocationType: 'Sync' }),
      new $dara.RuntimeOptions({ readTimeout: 120_000, connectTimeout: 60_000 }),
    );
    const text = await bodyText(res.body);
    return { ok: res.headers?.['x-fc-error-type'] === undefined, answer: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  };
  return {
    cloud,
    functionName,
    invoke,
    async http(method, path, o = {}) {
      const ev = httpTriggerEvent({
        method,
        rawPath: path,
        ...(o.query && { query: o.query }),
        headers: { 'content-type': 'application/json' },
        ...(o.body !== undefined && { body: JSON.stringify(o.body) }),
      });
      const { answer } = await invoke(ev);
      const body =
        typeof answer['body'] === 'string'
          ? answer['isBase64Encoded']
            ? Buffer.from(answer['body'], 'base64').toString('utf8')
            : answer['body']
          : '';
      return { status: Number(answer['statusCode']), json: body ? (JSON.parse(body) as Record<string, unknown>) : {} };
    },
    records(instanceId) {
      return (cloud.tablestore.table(WHITELIST_TABLE.name)?.dump() ?? [])
        .filter((r) => r.primaryKey[0]?.value === instanceId && String(r.primaryKey[1]?.value).startsWith('c:'))
        .map((r) => ({
          key: String(r.primaryKey[1]!.value),
          attrs: Object.fromEntries(r.attributes.map((a) => [a.name, typeof a.value === 'bigint' ? Number(a.value) : a.value])),
        }));
    },
    close: () => cloud.close(),
  };
}

export const change = (id: string, data: Record<string, unknown>) =>
  cloudEvent({ id, source: 'acs.test', type: 'es-guard:whitelist:change', data });

/** UpdatePrivateNetworkWhiteIps calls the service answered, and the ones it refused as busy (inside an activation window). */
export function writeCalls(cloud: LocalCloud, instanceId: string): { accepted: number; busy: number; attempts: number } {
  const calls = cloud.calls().filter((c) => c.operation === 'UpdatePrivateNetworkWhiteIps' && c.instanceId === instanceId);
  return {
    accepted: calls.filter((c) => c.status === 200 && !c.replayed).length,
    busy: calls.filter((c) => c.code === 'InstanceActivating' || c.code === 'ConcurrencyUpdateInstanceConflict').length,
    attempts: calls.length,
  };
}

/** The local cloud's Tablestore as the whitelist function reaches it, for tests that read its records. */
export function tablestoreOf(cloud: LocalCloud): TablestoreApi {
  const env = cloud.env;
  return new TablestoreApi({
    endpoint: env['WHITELIST_TABLESTORE_ENDPOINT']!,
    instanceName: env['WHITELIST_TABLESTORE_INSTANCE']!,
    credentials: async () => ({
      accessKeyId: cloud.accessKey.accessKeyId,
      accessKeySecret: cloud.accessKey.accessKeySecret,
      securityToken: undefined,
    }),
  });
}

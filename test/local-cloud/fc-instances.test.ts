import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import * as $FC from '@alicloud/fc20230330';
import * as $dara from '@darabonba/typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalCloud, startLocalCloud } from '../../local-cloud';
import { bodyText, type FcClient, fcClient } from './support';

/*
 * FC 3.0 standard runtimes have no instance concurrency ("Comparison between Function Compute 3.0 and
 * 2.0"): a function registered by its code runs each concurrently busy request in its own instance, and
 * a warm instance serves the next request. The fixture keeps state in its module, as real code would.
 */

const FIXTURE = `
let served = 0;
let inFlight = 0;
exports.handler = async (event, context) => {
  const req = JSON.parse(event.toString());
  served += 1;
  inFlight += 1;
  try {
    if (req.barrier) await (await fetch(req.barrier)).text();
    if (req.spin) while (true) {}
    if (req.crash) process.exit(3);
    console.log(JSON.stringify({ msg: 'fixture.served', served }));
    context.logger.info('served %d', served);
    return {
      instance: process.env.FC_INSTANCE_ID,
      served,
      inFlight,
      env: Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('ALIBABA_CLOUD_')).sort()),
      hasRoleKey: process.env.ALIBABA_CLOUD_ACCESS_KEY_ID === context.credentials.accessKeyId,
    };
  } finally {
    inFlight -= 1;
  }
};
`;

interface Answer {
  readonly instance: string;
  readonly served: number;
  readonly inFlight: number;
  readonly env: Record<string, string>;
  readonly hasRoleKey: boolean;
}

let cloud: LocalCloud;
let sdk: FcClient;
let barrier: { server: Server; url: string; waiting: ServerResponse[]; expect: number };
let codeDir: string;

beforeAll(async () => {
  codeDir = mkdtempSync(join(tmpdir(), 'es-guard-fc-fixture-'));
  writeFileSync(join(codeDir, 'index.js'), FIXTURE);
  cloud = await startLocalCloud({ activationMs: 10, fc: { concurrency: 4, retryDelayMs: 1 } });
  sdk = fcClient(cloud);
  // Answers nobody until `expect` requests wait at once: only concurrently running handlers get through.
  const waiting: ServerResponse[] = [];
  const server = createServer((_req, res) => {
    waiting.push(res);
    if (waiting.length >= barrier.expect) for (const r of waiting.splice(0)) r.end('go');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  barrier = { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, waiting, expect: 2 };
});

afterAll(async () => {
  barrier?.server.close();
  await cloud?.close();
});

async function invokeSync(name: string, body: unknown): Promise<{ answer: unknown; errorType: string | undefined }> {
  const res = await sdk.invokeFunctionWithOptions(
    name,
    new $FC.InvokeFunctionRequest({ body: Readable.from([Buffer.from(JSON.stringify(body))]) }),
    new $FC.InvokeFunctionHeaders({ xFcInvocationType: 'Sync' }),
    new $dara.RuntimeOptions({}),
  );
  const text = await bodyText(res.body);
  return { answer: text ? (JSON.parse(text) as unknown) : undefined, errorType: res.headers?.['x-fc-error-type'] };
}

describe('a function registered by code runs in isolated instances', () => {
  it('two concurrent invocations run in two instances that share no module state; the next one reuses a warm instance', async () => {
    cloud.fc.registerCode('stateful', { codeDir, timeout: 30, memory: 128, environmentVariables: { GREETING: 'hi' } });
    barrier.expect = 2;
    // Both must be inside the handler at once for the barrier to open: they ran concurrently.
    const [a, b] = (
      await Promise.all([invokeSync('stateful', { barrier: barrier.url }), invokeSync('stateful', { barrier: barrier.url })])
    ).map((r) => r.answer as Answer);
    expect(a!.instance).not.toBe(b!.instance);
    expect([a!.served, a!.inFlight, b!.served, b!.inFlight]).toEqual([1, 1, 1, 1]);

    const c = (await invokeSync('stateful', {})).answer as Answer;
    expect([a!.instance, b!.instance]).toContain(c.instance);
    expect(c.served).toBe(2);
    expect(c.inFlight).toBe(1);

    const stats = cloud.fc.instanceStats('stateful')!;
    expect(stats.started).toBe(2);
    expect(stats.peakBusy).toBe(2);
    expect(Object.values(stats.served).sort()).toEqual([1, 2]);
  });

  it("gives each instance the function's environment and FC's variables, not this process's", async () => {
    process.env['ES_GUARD_PARENT_ONLY'] = 'leak';
    try {
      cloud.fc.registerCode('env', { codeDir, timeout: 30, memory: 256, environmentVariables: { GREETING: 'hi', FC_REGION: 'not-mine' } });
      const { answer } = await invokeSync('env', {});
      const { env, hasRoleKey } = answer as Answer;
      expect(env['ES_GUARD_PARENT_ONLY']).toBeUndefined();
      expect(env).toMatchObject({
        GREETING: 'hi',
        FC_FUNCTION_NAME: 'env',
        FC_FUNCTION_HANDLER: 'index.handler',
        FC_FUNCTION_MEMORY_SIZE: '256',
        FC_REGION: 'cn-hangzhou',
        FC_ACCOUNT_ID: '1234567890123456',
        FC_FUNC_CODE_PATH: codeDir,
        ES_ENDPOINT: cloud.url,
        KMS_ENDPOINT: cloud.url,
      });
      // Nothing else: FC's variables, the function's own, and the local cloud's endpoint overrides (cloud.env).
      const fcVariables = [
        'FC_ACCOUNT_ID',
        'FC_FUNCTION_HANDLER',
        'FC_FUNCTION_MEMORY_SIZE',
        'FC_FUNCTION_NAME',
        'FC_FUNC_CODE_PATH',
        'FC_INSTANCE_ID',
        'FC_REGION',
      ];
      const allowed = new Set([...fcVariables, 'GREETING', ...Object.keys(cloud.env)]);
      expect(Object.keys(env).filter((k) => !allowed.has(k))).toEqual([]);
      expect(Object.keys(env)).toEqual(
        expect.arrayContaining([...fcVariables, 'GREETING', 'ES_ENDPOINT', 'KMS_ENDPOINT', 'FC_ENDPOINT', 'ECS_ENDPOINT']),
      );
      expect(hasRoleKey).toBe(true);
    } finally {
      delete process.env['ES_GUARD_PARENT_ONLY'];
    }
  });

  it("keeps the instance's stdout and context.logger lines in the invocation record", async () => {
    cloud.fc.registerCode('logs', { codeDir, timeout: 30 });
    await invokeSync('logs', {});
    const record = cloud.fc.invocations.filter((i) => i.functionName === 'logs').at(-1)!;
    expect(record.status).toBe('Succeeded');
    expect(record.logs.some((l) => l.includes('"fixture.served"'))).toBe(true);
    expect(record.logs.some((l) => l.includes(`${record.requestId} [INFO] served 1`))).toBe(true);
  });

  it('stops an instance whose handler outlives the timeout, and the next request gets a fresh one', async () => {
    cloud.fc.registerCode('spin', { codeDir, timeout: 1 });
    const spun = await invokeSync('spin', { spin: true });
    expect(spun.errorType).toBe('UnhandledInvocationError');
    expect(spun.answer).toMatchObject({ errorType: 'FunctionTimeoutError' });
    const next = (await invokeSync('spin', {})).answer as Answer;
    expect(next.served).toBe(1);
    expect(cloud.fc.instanceStats('spin')!.started).toBe(2);
  });

  it('fails the request of an instance that exits, and retries an async one on a new instance', async () => {
    cloud.fc.registerCode('crash', { codeDir, timeout: 30, maxAsyncRetryAttempts: 1 });
    const crashed = await invokeSync('crash', { crash: true });
    expect(crashed.answer).toMatchObject({ errorType: 'InstanceExited' });
    await sdk.invokeFunctionWithOptions(
      'crash',
      new $FC.InvokeFunctionRequest({ body: Readable.from([Buffer.from('{"crash":true}')]) }),
      new $FC.InvokeFunctionHeaders({ xFcInvocationType: 'Async' }),
      new $dara.RuntimeOptions({}),
    );
    await cloud.fc.idle();
    const record = cloud.fc.invocations.filter((i) => i.functionName === 'crash').at(-1)!;
    expect(record).toMatchObject({ status: 'Failed', attempts: 2, error: { errorType: 'InstanceExited' } });
    expect(cloud.fc.instanceStats('crash')!.started).toBe(3);
  });

  it('a missing export is an initialisation error of the invocation, not a crash of the emulator', async () => {
    cloud.fc.registerCode('no-export', { codeDir, handler: 'index.missing', timeout: 30 });
    const { answer } = await invokeSync('no-export', {});
    expect(answer).toMatchObject({ errorMessage: expect.stringContaining('exports no function "missing"') });
  });

  it('stops an instance left idle past idleMs; the next request starts a new one', async () => {
    cloud.fc.registerCode('reaped', { codeDir, timeout: 30, idleMs: 20 });
    expect(((await invokeSync('reaped', {})).answer as Answer).served).toBe(1);
    await expect.poll(() => cloud.fc.instanceStats('reaped')!.idle).toBe(0);
    expect(((await invokeSync('reaped', {})).answer as Answer).served).toBe(1);
    expect(cloud.fc.instanceStats('reaped')!.started).toBe(2);
  });

  it('holds async invocations of a function while a test asks it to, then runs them', async () => {
    cloud.fc.registerCode('held', { codeDir, timeout: 30 });
    cloud.fc.hold('held');
    await sdk.invokeFunctionWithOptions(
      'held',
      new $FC.InvokeFunctionRequest({ body: Readable.from([Buffer.from('{}')]) }),
      new $FC.InvokeFunctionHeaders({ xFcInvocationType: 'Async' }),
      new $dara.RuntimeOptions({}),
    );
    const record = cloud.fc.invocations.filter((i) => i.functionName === 'held').at(-1)!;
    expect(record.status).toBe('Enqueued');
    cloud.fc.release('held');
    await cloud.fc.idle();
    expect(record.status).toBe('Succeeded');
  });
});

import { Readable } from 'node:stream';
import * as $FC from '@alicloud/fc20230330';
import * as $dara from '@darabonba/typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalCloud, startLocalCloud } from '../../local-cloud';
import { classify } from '../../shared/api';
import { bodyText, type FcClient, fcClient, sdkError } from './support';

/*
 * The official FC 3.0 SDK (@alicloud/fc20230330) as the client of the emulated InvokeFunction: sync and
 * async calls, the async task id (only with the async task feature), and the error paths. What the SDK
 * returns or throws is what a real caller would see.
 */
let cloud: LocalCloud;
let sdk: FcClient;

beforeAll(async () => {
  cloud = await startLocalCloud({ fc: { concurrency: 2, retryDelayMs: 1 } });
  sdk = fcClient(cloud);
});
afterAll(() => cloud.close());

const body = (json: unknown) => Readable.from([Buffer.from(JSON.stringify(json))]);
const invoke = (
  name: string,
  payload: unknown,
  headers: ConstructorParameters<typeof $FC.InvokeFunctionHeaders>[0] = {},
  qualifier?: string,
) =>
  sdk.invokeFunctionWithOptions(
    name,
    new $FC.InvokeFunctionRequest({ body: body(payload), ...(qualifier && { qualifier }) }),
    new $FC.InvokeFunctionHeaders(headers),
    new $dara.RuntimeOptions({}),
  );

describe('FC 3.0 InvokeFunction through the official SDK', () => {
  it('sync: the handler result as the body, x-fc-request-id in the headers', async () => {
    cloud.fc.register('sdk-sum', (event) => {
      const { a, b } = JSON.parse(event.toString()) as { a: number; b: number };
      return { sum: a + b };
    });
    const res = await invoke('sdk-sum', { a: 2, b: 5 }, { xFcInvocationType: 'Sync' });
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(await bodyText(res.body))).toEqual({ sum: 7 });
    expect(res.headers?.['x-fc-request-id']).toMatch(/^1-/);
  });

  it('sync: a thrown error is 200 with X-Fc-Error-Type UnhandledInvocationError and errorType/errorMessage', async () => {
    cloud.fc.register('sdk-boom', () => {
      throw new TypeError('no such field');
    });
    const res = await invoke('sdk-boom', {}, { xFcInvocationType: 'Sync' });
    expect(res.statusCode).toBe(200);
    expect(res.headers?.['x-fc-error-type']).toBe('UnhandledInvocationError');
    expect(JSON.parse(await bodyText(res.body))).toMatchObject({ errorType: 'TypeError', errorMessage: 'no such field' });
  });

  it('async: 202, and the handler runs once with the payload; the qualifier reaches the record', async () => {
    cloud.fc.register('sdk-async', (event) => JSON.parse(event.toString()) as unknown);
    const res = await invoke('sdk-async', { from: 'sdk' }, { xFcInvocationType: 'Async' }, 'LATEST');
    expect(res.statusCode).toBe(202);
    await cloud.fc.idle();
    const record = cloud.fc.invocations.find((i) => i.functionName === 'sdk-async');
    expect(record).toMatchObject({ status: 'Succeeded', result: { from: 'sdk' }, qualifier: 'LATEST', api: '2023-03-30' });
  });

  it('async task id: echoed, and a repeat is refused with 409 so the work runs once', async () => {
    let runs = 0;
    cloud.fc.register('sdk-task', () => {
      runs += 1;
    });
    const first = await invoke('sdk-task', {}, { xFcInvocationType: 'Async', xFcAsyncTaskId: 'sdk_task_1' });
    expect(first.statusCode).toBe(202);
    expect(first.headers?.['x-fc-async-task-id']).toBe('sdk_task_1');
    const again = await sdkError(() => invoke('sdk-task', {}, { xFcInvocationType: 'Async', xFcAsyncTaskId: 'sdk_task_1' }));
    expect(again).toMatchObject({ statusCode: 409 });
    expect(classify(Object.assign(new Error(again.message), again))).toBe('conflict');
    await cloud.fc.idle();
    expect(runs).toBe(1);
  });

  it('async task id without the async task feature: not a task, no dedup (assumed: FC ignores it)', async () => {
    let runs = 0;
    cloud.fc.register(
      'sdk-no-task',
      () => {
        runs += 1;
      },
      { asyncTask: false },
    );
    for (let i = 0; i < 2; i++) {
      const res = await invoke('sdk-no-task', {}, { xFcInvocationType: 'Async', xFcAsyncTaskId: 'same_id' });
      expect(res.statusCode).toBe(202);
      expect(res.headers?.['x-fc-async-task-id']).toBeUndefined();
    }
    await cloud.fc.idle();
    expect(runs).toBe(2);
  });

  it('refuses a task id outside the documented form (letter or underscore first, letters, digits, _ and -, at most 128)', async () => {
    cloud.fc.register('sdk-id-rules', () => undefined);
    for (const id of ['9starts-with-digit', 'has space', 'x'.repeat(129)]) {
      expect(await sdkError(() => invoke('sdk-id-rules', {}, { xFcInvocationType: 'Async', xFcAsyncTaskId: id }))).toMatchObject({
        code: 'InvalidArgument',
        statusCode: 400,
      });
    }
  });

  it('errors: an unknown function is FunctionNotFound (404), an unknown invocation type InvalidArgument (400)', async () => {
    const missing = await sdkError(() => invoke('sdk-nope', {}, { xFcInvocationType: 'Sync' }));
    expect(missing).toMatchObject({ code: 'FunctionNotFound', statusCode: 404 });
    expect(classify(Object.assign(new Error(missing.message), missing))).toBe('not-found');
    cloud.fc.register('sdk-typed', () => undefined);
    expect(await sdkError(() => invoke('sdk-typed', {}, { xFcInvocationType: 'Later' }))).toMatchObject({
      code: 'InvalidArgument',
      statusCode: 400,
    });
  });
});

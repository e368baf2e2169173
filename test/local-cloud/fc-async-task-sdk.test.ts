import { Readable } from 'node:stream';
import * as $FC from '@alicloud/fc20230330';
import * as $dara from '@darabonba/typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalCloud, startLocalCloud } from '../../local-cloud';
import { ApiClient, FcApi } from '../../shared/api';
import { type FcClient, fcClient, sdkError } from './support';

/*
 * The emulated GetAsyncTask (`GET /2023-03-30/functions/{fn}/async-tasks/{taskId}`) with the official FC 3.0
 * SDK as its client (`getAsyncTaskWithOptions`, model AsyncTask), then the product's FcApi.getAsyncTask
 * against the same answers. rotate-fleet reads it before it resumes a stuck rotation.
 */
let cloud: LocalCloud;
let sdk: FcClient;
let fc: FcApi;

beforeAll(async () => {
  cloud = await startLocalCloud({ fc: { concurrency: 2, retryDelayMs: 1 } });
  sdk = fcClient(cloud);
  fc = new FcApi(new ApiClient({ endpoint: cloud.url, credentials: () => Promise.resolve(cloud.accessKey) }));
});
afterAll(() => cloud.close());

const invokeAsync = (name: string, taskId: string) =>
  sdk.invokeFunctionWithOptions(
    name,
    new $FC.InvokeFunctionRequest({ body: Readable.from([Buffer.from('{}')]) }),
    new $FC.InvokeFunctionHeaders({ xFcInvocationType: 'Async', xFcAsyncTaskId: taskId }),
    new $dara.RuntimeOptions({}),
  );
const getTask = (name: string, taskId: string) =>
  sdk.getAsyncTaskWithOptions(name, taskId, new $FC.GetAsyncTaskRequest({}), {}, new $dara.RuntimeOptions({}));

describe('GetAsyncTask', () => {
  it('follows a task from Enqueued (held) to Succeeded, in the AsyncTask shape the SDK reads', async () => {
    cloud.fc.register('task-ok', () => ({ ok: true }));
    cloud.fc.hold('task-ok');
    await invokeAsync('task-ok', 'task_ok_1');
    const queued = await getTask('task-ok', 'task_ok_1');
    expect(queued.statusCode).toBe(200);
    expect(queued.body).toMatchObject({
      taskId: 'task_ok_1',
      status: 'Enqueued',
      functionArn: 'acs:fc:cn-hangzhou:1234567890123456:functions/task-ok',
    });
    expect(await fc.getAsyncTask({ functionName: 'task-ok', taskId: 'task_ok_1' })).toEqual({ status: 'Enqueued' });
    cloud.fc.release('task-ok');
    await cloud.fc.idle();
    const done = await getTask('task-ok', 'task_ok_1');
    expect(done.body).toMatchObject({
      taskId: 'task_ok_1',
      status: 'Succeeded',
      alreadyRetriedTimes: 0,
      startedTime: expect.any(Number),
      endTime: expect.any(Number),
    });
    expect(await fc.getAsyncTask({ functionName: 'task-ok', taskId: 'task_ok_1' })).toEqual({ status: 'Succeeded' });
  });

  it('a task whose attempts all fail ends Failed after its retries, with the error type', async () => {
    cloud.fc.register(
      'task-fail',
      () => {
        throw new Error('always');
      },
      { maxAsyncRetryAttempts: 2 },
    );
    await invokeAsync('task-fail', 'task_fail_1');
    await cloud.fc.idle();
    const failed = await getTask('task-fail', 'task_fail_1');
    expect(failed.body).toMatchObject({ status: 'Failed', alreadyRetriedTimes: 2, taskErrorMessage: 'Error' });
  });

  it('an unknown task is 404 (the product reads it as "no such task"); an unknown function 404 FunctionNotFound', async () => {
    cloud.fc.register('task-none', () => null);
    expect(await sdkError(() => getTask('task-none', 'never_queued'))).toMatchObject({ statusCode: 404, code: 'AsyncTaskNotFound' });
    expect(await fc.getAsyncTask({ functionName: 'task-none', taskId: 'never_queued' })).toBeUndefined();
    expect(await sdkError(() => getTask('no-such-function', 'x'))).toMatchObject({ statusCode: 404, code: 'FunctionNotFound' });
  });
});

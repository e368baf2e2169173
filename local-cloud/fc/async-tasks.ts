import { ApiFaultError } from '../errors';
import { type Operation, roa } from '../operation';
import type { FcService } from './service';

/**
 * FC 3.0 GetAsyncTask, `GET /2023-03-30/functions/{functionName}/async-tasks/{taskId}`
 * (https://help.aliyun.com/zh/functioncompute/api-fc-2023-03-30-getasynctask; @alicloud/fc20230330
 * `getAsyncTaskWithOptions` and model AsyncTask): the task's record as the emulator's FC kept it. A failed
 * attempt waiting for its async retry is `Retrying`, as the model's status list names it.
 */
export function getAsyncTaskOperation(fc: FcService, region: string, accountId: string): Operation {
  return {
    name: 'GetAsyncTask',
    service: 'fc',
    routes: [roa('2023-03-30', ['GET'], '/2023-03-30/functions/{functionName}/async-tasks/{taskId}', 'fc3')],
    handle(req) {
      const functionName = req.params['functionName'] ?? '';
      const taskId = req.params['taskId'] ?? '';
      if (!fc.has(functionName)) throw new ApiFaultError(404, 'FunctionNotFound', `function '${functionName}' does not exist`);
      const record = [...fc.invocations].reverse().find((r) => r.taskId === taskId && r.functionName === functionName);
      // The 404 code is *assumed*: the API page names none for a missing task.
      if (!record) throw new ApiFaultError(404, 'AsyncTaskNotFound', `async task '${taskId}' does not exist`);
      const status = record.status === 'Enqueued' && record.attempts > 0 ? 'Retrying' : record.status;
      return {
        json: {
          taskId,
          requestId: record.requestId,
          status,
          functionArn: `acs:fc:${region}:${accountId}:functions/${functionName}`,
          ...(record.qualifier !== undefined && { qualifier: record.qualifier }),
          alreadyRetriedTimes: Math.max(0, record.attempts - 1),
          ...(record.startedAt !== undefined && { startedTime: record.startedAt }),
          ...(record.endedAt !== undefined && {
            endTime: record.endedAt,
            ...(record.startedAt !== undefined && { durationMs: record.endedAt - record.startedAt }),
          }),
          taskPayload: record.payload.toString('utf8'),
          ...(record.error && { taskErrorMessage: record.error.errorType }),
        },
      };
    },
  };
}

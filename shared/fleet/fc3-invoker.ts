import { ApiError, type FcApi, retryReason } from '../api';
import { DispatchError } from './errors';
import type { Invoker } from './invoker';

/** FC 3.0 InvokeFunction (2023-03-30) through the shared V3 signer: `x-fc-async-task-id`. */
export function fc3Invoker(fc: FcApi): Invoker {
  return {
    api: 'fc3',
    async invoke(req, deadline) {
      try {
        const res = await fc.invokeAsync(
          {
            functionName: req.functionName,
            payload: req.payload,
            taskId: req.taskId,
            ...(req.qualifier !== undefined && { qualifier: req.qualifier }),
          },
          { deadline, retry: { maxAttempts: 1 } },
        );
        return { kind: 'queued', requestId: res.requestId };
      } catch (error) {
        if (error instanceof ApiError && error.status === 409) return { kind: 'exists' };
        const code = error instanceof ApiError ? error.code : ((error as { code?: string }).code ?? 'Error');
        throw new DispatchError(code, error instanceof Error ? error.message : String(error), retryReason(error) !== undefined, error);
      }
    },
    async taskStatus(req, deadline) {
      const task = await fc.getAsyncTask(
        { functionName: req.functionName, taskId: req.taskId, ...(req.qualifier !== undefined && { qualifier: req.qualifier }) },
        { deadline, retry: { maxAttempts: 2 } },
      );
      return task === undefined ? undefined : (task.status ?? 'Unknown');
    },
  };
}

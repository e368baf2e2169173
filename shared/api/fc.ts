import { path, type ApiClient, type CallOptions } from './client';

const VERSION = '2023-03-30';

/** Function Compute 3.0 (2023-03-30, ROA, V3 signed). */
export class FcApi {
  constructor(private readonly client: ApiClient) {}

  /**
   * Queues an asynchronous invocation. With `taskId` FC runs it as an async task whose id is unique:
   * re-sending the same id cannot start the work twice.
   */
  async invokeAsync(req: { functionName: string; payload: unknown; qualifier?: string; taskId?: string }, opts?: CallOptions): Promise<{ requestId: string | undefined; status: number }> {
    const headers: Record<string, string> = { 'x-fc-invocation-type': 'Async' };
    if (req.taskId !== undefined) headers['x-fc-async-task-id'] = req.taskId;
    const res = await this.client.call<unknown>(
      {
        action: 'InvokeFunction',
        version: VERSION,
        method: 'POST',
        path: path`/2023-03-30/functions/${req.functionName}/invocations`,
        query: { qualifier: req.qualifier },
        headers,
        body: req.payload,
      },
      opts,
    );
    return { requestId: res.requestId ?? firstHeader(res.headers['x-fc-request-id']), status: res.status };
  }
}

function firstHeader(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

import { type CredentialSource, classifyCode, isRetryable } from '../api';
import { DispatchError } from './errors';
import type { Invoker } from './invoker';

type Fc2Client = InstanceType<typeof import('@alicloud/fc2')>;

let sdk: Promise<typeof import('@alicloud/fc2')> | undefined;

/**
 * The FC 2.0 SDK, loaded on first use: it pulls in axios, ali-oss and ws (the build keeps it in a file of
 * its own beside index.js), which a deployment on the FC 3.0 API never needs at cold start.
 */
function loadSdk(): Promise<typeof import('@alicloud/fc2')> {
  sdk ??= import('@alicloud/fc2').then(
    (m) => ((m as unknown as { default?: typeof import('@alicloud/fc2') }).default ?? m) as typeof import('@alicloud/fc2'),
  );
  return sdk;
}

export interface Fc2Options {
  readonly accountId: string;
  readonly region: string;
  /** Base URL of the FC endpoint (FC_ENDPOINT, or https://<account>.<region>.fc.aliyuncs.com). */
  readonly endpoint: string;
  readonly serviceName: string;
  readonly credentials: CredentialSource;
  readonly timeoutMs?: number;
}

/**
 * FC 2.0 InvokeFunction through `@alicloud/fc2` (`services/{service}/functions/{fn}/invocations`, its own
 * `FC` signature), for deployments still on the FC 2.0 API. The task id goes in
 * `x-fc-stateful-async-invocation-id`, FC 2.0's name for it.
 */
export async function fc2Invoker(options: Fc2Options): Promise<Invoker> {
  const FC = await loadSdk();
  const key = await options.credentials();
  const client: Fc2Client = new FC(options.accountId, {
    accessKeyID: key.accessKeyId,
    accessKeySecret: key.accessKeySecret,
    ...(key.securityToken !== undefined && { securityToken: key.securityToken }),
    region: options.region,
    endpoint: options.endpoint.replace(/\/+$/, ''),
    secure: options.endpoint.startsWith('https:'),
    timeout: options.timeoutMs ?? 10_000,
  });
  return {
    api: 'fc2',
    async invoke(req) {
      try {
        const res = await client.invokeFunction(
          options.serviceName,
          req.functionName,
          JSON.stringify(req.payload),
          { 'x-fc-invocation-type': 'Async', 'x-fc-stateful-async-invocation-id': req.taskId },
          req.qualifier,
        );
        const id = res.headers['x-fc-request-id'];
        return { kind: 'queued', requestId: Array.isArray(id) ? id[0] : id };
      } catch (error) {
        const e = error as { name?: string; code?: unknown; message?: string };
        const message = e.message ?? String(error);
        // The SDK puts the HTTP status only in its message: "POST /services/... failed with 409. requestid: ...".
        const status = Number(/failed with (\d{3})\./.exec(message)?.[1] ?? 0);
        const code = typeof e.code === 'string' && e.code !== '' ? e.code : status > 0 ? `HTTP${status}` : (e.name ?? 'Error');
        if (status === 409 || code === 'StatefulAsyncInvocationAlreadyExists') return { kind: 'exists' };
        // The one classifier (shared/api/classify.ts); the SDK's timeout comes as name RequestTimeoutError.
        const cls = classifyCode(e.name === 'RequestTimeoutError' ? e.name : code, status);
        throw new DispatchError(code, message, isRetryable(cls));
      }
    },
  };
}

import { endpointFor, type Service } from '../config';
import { credentialsFor } from '../credentials';
import { ApiClient, type ApiClientOptions, type RetryEvent } from './client';
import { EcsApi } from './ecs';
import { ElasticsearchApi } from './elasticsearch';
import { FcApi } from './fc';
import { KmsApi } from './kms';

export { classify, classifyCode, isFinal, isRetryable } from './classify';
export type { CallOptions, CredentialSource, RetryEvent } from './client';
export { ApiClient, path } from './client';
export { EcsApi } from './ecs';
export type { InstanceDescription, ModifyMode, Tag, WhiteIpGroup } from './elasticsearch';
export { ElasticsearchApi } from './elasticsearch';
export { ApiError, instanceNotWritable, TablestoreConditionFailedError } from './errors';
export { FcApi } from './fc';
export type { SecretValue } from './kms';
export { KmsApi } from './kms';
export { backoffDelay, DEFAULT_RETRY, retryReason } from './retry';

export interface Cloud {
  readonly es: ElasticsearchApi;
  readonly kms: KmsApi;
  readonly fc: FcApi;
  readonly ecs: EcsApi;
}

export interface CloudOptions {
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly timeoutMs?: number;
  readonly onRetry?: (event: RetryEvent) => void;
  readonly retry?: ApiClientOptions['retry'];
}

/**
 * The typed APIs for one invocation, signed with that invocation's credentials. Clients are built on
 * first use, so a function that only talks to Elasticsearch never resolves the FC endpoint.
 */
export function cloudFor(context: unknown, options: CloudOptions = {}): Cloud {
  const env = options.env ?? process.env;
  const credentials = credentialsFor(context);
  const ctx = (context ?? {}) as { region?: string; accountId?: string };
  const client = (service: Service): ApiClient =>
    new ApiClient({
      endpoint: endpointFor(service, env, ctx),
      credentials,
      userAgent: 'es-guard/0.1',
      ...(options.timeoutMs !== undefined && { timeoutMs: options.timeoutMs }),
      ...(options.onRetry && { onRetry: options.onRetry }),
      ...(options.retry && { retry: options.retry }),
    });
  return lazily<Cloud>({
    es: () => new ElasticsearchApi(client('elasticsearch')),
    kms: () => new KmsApi(client('kms')),
    fc: () => new FcApi(client('fc')),
    ecs: () => new EcsApi(client('ecs')),
  });
}

/** An object whose properties are each built on first read, then kept. */
function lazily<T extends object>(make: { readonly [K in keyof T]: () => T[K] }): T {
  const out = {} as T;
  for (const key of Object.keys(make) as (keyof T)[]) {
    Object.defineProperty(out, key, {
      enumerable: true,
      configurable: true,
      get: () => {
        const value = make[key]();
        Object.defineProperty(out, key, { value, enumerable: true });
        return value;
      },
    });
  }
  return out;
}

export { EventBridgeApi } from './eventbridge';
export type { TsColumnCondition, TsPrimaryKey, TsRow } from './tablestore';
export { isRetryableTablestoreError, TablestoreApi } from './tablestore';
export { toCallerError } from './to-caller-error';

import type { ApiClient, CallOptions } from './client';

const VERSION = '2016-01-20';

export interface SecretValue {
  readonly secretName: string;
  readonly versionId: string;
  readonly secretData: string;
  readonly versionStages: readonly string[];
  readonly createTime: string | undefined;
  readonly requestId: string | undefined;
}

interface GetSecretValueBody {
  RequestId?: string;
  SecretName: string;
  VersionId: string;
  SecretData: string;
  CreateTime?: string;
  VersionStages?: { VersionStage?: string[] };
}

/** What a call that only acknowledges answers. */
interface AcknowledgedBody {
  RequestId?: string;
}

export interface Acknowledged {
  readonly requestId: string | undefined;
}

/**
 * RPC parameters from the named fields of a request: KMS names each parameter as the field with its
 * first letter capitalised (`secretName` -> `SecretName`, as the SDK's request models map them). Only the
 * named fields go, so a caller's object with more properties cannot add a parameter; unset ones are left
 * out by the client.
 */
function queryOf<K extends string>(req: { readonly [P in K]?: string }, fields: readonly K[]): Record<string, string | undefined> {
  const query: Record<string, string | undefined> = {};
  for (const field of fields) query[field.charAt(0).toUpperCase() + field.slice(1)] = req[field];
  return query;
}

const acknowledged = (res: { readonly requestId: string | undefined }): Acknowledged => ({ requestId: res.requestId });

/** Typed calls of KMS Secrets Manager (2016-01-20, RPC: parameters in the query, V3 signed). */
export class KmsApi {
  constructor(private readonly client: ApiClient) {}

  private rpc<T>(action: string, query: Record<string, string | undefined>, opts?: CallOptions) {
    return this.client.call<T>({ action, version: VERSION, method: 'POST', path: '/', query }, opts);
  }

  async getSecretValue(req: { secretName: string; versionStage?: string; versionId?: string }, opts?: CallOptions): Promise<SecretValue> {
    const res = await this.rpc<GetSecretValueBody>(
      'GetSecretValue',
      { SecretName: req.secretName, VersionStage: req.versionStage, VersionId: req.versionId, FetchExtendedConfig: undefined },
      opts,
    );
    const d = res.data;
    return {
      secretName: d.SecretName,
      versionId: d.VersionId,
      secretData: d.SecretData,
      versionStages: d.VersionStages?.VersionStage ?? [],
      createTime: d.CreateTime,
      requestId: res.requestId,
    };
  }

  /** Idempotent by VersionId: the same id with the same data succeeds again without a new version. */
  async putSecretValue(
    req: { secretName: string; versionId: string; secretData: string; versionStages?: readonly string[] },
    opts?: CallOptions,
  ): Promise<{ requestId: string | undefined; versionId: string }> {
    const res = await this.rpc<{ RequestId?: string; VersionId?: string }>(
      'PutSecretValue',
      {
        SecretName: req.secretName,
        VersionId: req.versionId,
        SecretData: req.secretData,
        SecretDataType: 'text',
        VersionStages: req.versionStages === undefined ? undefined : JSON.stringify(req.versionStages),
      },
      opts,
    );
    return { requestId: res.requestId, versionId: res.data.VersionId ?? req.versionId };
  }

  async createSecret(
    req: { secretName: string; versionId: string; secretData: string; description?: string },
    opts?: CallOptions,
  ): Promise<Acknowledged> {
    const query = { ...queryOf(req, ['secretName', 'versionId', 'secretData', 'description']), SecretDataType: 'text' };
    return acknowledged(await this.rpc<AcknowledgedBody>('CreateSecret', query, opts));
  }

  async updateSecretVersionStage(
    req: { secretName: string; versionStage: string; removeFromVersion?: string; moveToVersion?: string },
    opts?: CallOptions,
  ): Promise<Acknowledged> {
    const query = queryOf(req, ['secretName', 'versionStage', 'removeFromVersion', 'moveToVersion']);
    return acknowledged(await this.rpc<AcknowledgedBody>('UpdateSecretVersionStage', query, opts));
  }
}

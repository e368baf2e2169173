import { request } from 'node:http';
import type { Readable } from 'node:stream';
import Elasticsearch from '@alicloud/elasticsearch20170613';
import FC from '@alicloud/fc20230330';
import { $OpenApiUtil } from '@alicloud/openapi-core';
import type { LocalCloud } from '../../local-cloud';
import { type AccessKey, acsEncode, type SignOptions, signRequest } from '../../shared/signing';

export interface RawResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Buffer;
  /** The body parsed as JSON, or undefined when it is empty or not JSON. */
  readonly json: Record<string, unknown> | undefined;
}

/** One HTTP request to 127.0.0.1 with exactly these headers and body. */
export function rawRequest(
  port: number,
  init: { method: string; target: string; headers: Record<string, string>; body?: Buffer | string },
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: init.method, path: init.target, headers: init.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        let json: Record<string, unknown> | undefined;
        try {
          json = body.length ? (JSON.parse(body.toString('utf8')) as Record<string, unknown>) : undefined;
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json });
      });
    });
    req.on('error', reject);
    if (init.body !== undefined) req.write(init.body);
    req.end();
  });
}

export interface SignedInit {
  readonly method: string;
  readonly path: string;
  readonly query?: Record<string, string>;
  readonly headers?: Record<string, string>;
  readonly body?: string;
  readonly action: string;
  readonly version: string;
  readonly key?: AccessKey;
  readonly date?: SignOptions['date'];
  readonly nonce?: string;
}

export function encodeQuery(query: Record<string, string> | undefined): string {
  const q = Object.entries(query ?? {})
    .map(([k, v]) => `${acsEncode(k)}=${acsEncode(v)}`)
    .join('&');
  return q ? `?${q}` : '';
}

/** Builds the signed headers for a request to the local cloud (the caller may then tamper with them). */
export function signFor(
  cloud: LocalCloud,
  init: SignedInit,
): { target: string; headers: Record<string, string>; body: string | undefined } {
  const headers: Record<string, string> = { host: `127.0.0.1:${cloud.port}`, ...init.headers };
  if (init.body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type'))
    headers['content-type'] = 'application/json; charset=utf-8';
  const signed = signRequest(
    { method: init.method, path: init.path, query: init.query ?? {}, headers, body: init.body },
    init.key ?? cloud.accessKey,
    {
      action: init.action,
      version: init.version,
      ...(init.date !== undefined && { date: init.date }),
      ...(init.nonce !== undefined && { nonce: init.nonce }),
    },
  );
  return { target: `${init.path}${encodeQuery(init.query)}`, headers: signed, body: init.body };
}

export function signedCall(cloud: LocalCloud, init: SignedInit): Promise<RawResponse> {
  const { target, headers, body } = signFor(cloud, init);
  return rawRequest(cloud.port, { method: init.method, target, headers, ...(body !== undefined && { body }) });
}

/** RPC call (KMS, ECS): POST / with the parameters in the query. */
export function rpc(
  cloud: LocalCloud,
  version: string,
  action: string,
  query: Record<string, string>,
  key?: AccessKey,
): Promise<RawResponse> {
  return signedCall(cloud, { method: 'POST', path: '/', query, action, version, ...(key && { key }) });
}

type EsClient = InstanceType<typeof Elasticsearch>;

/** The official Elasticsearch SDK pointed at the local cloud over plain HTTP. */
export function esClient(cloud: LocalCloud, key: AccessKey = cloud.accessKey): EsClient {
  // The package is CommonJS with `exports.default`; depending on interop the class is one level down.
  const Client = ((Elasticsearch as unknown as { default?: typeof Elasticsearch }).default ?? Elasticsearch) as typeof Elasticsearch;
  return new Client(
    new $OpenApiUtil.Config({
      accessKeyId: key.accessKeyId,
      accessKeySecret: key.accessKeySecret,
      ...(key.securityToken ? { securityToken: key.securityToken } : {}),
      endpoint: `127.0.0.1:${cloud.port}`,
      protocol: 'http',
      regionId: 'cn-hangzhou',
    }),
  );
}

/** Runs `fn` expecting the SDK to throw, and returns the error's code and HTTP status. */
export type FcClient = InstanceType<typeof FC>;

/** The official FC 3.0 client (@alicloud/fc20230330) against the local cloud; timeouts in ms when a call runs long. */
export function fcClient(cloud: LocalCloud, timeouts: { readTimeout?: number; connectTimeout?: number } = {}): FcClient {
  // CommonJS with `exports.default`, as the Elasticsearch package above.
  const Client = ((FC as unknown as { default?: typeof FC }).default ?? FC) as typeof FC;
  return new Client(
    new $OpenApiUtil.Config({
      ...cloud.accessKey,
      endpoint: `127.0.0.1:${cloud.port}`,
      protocol: 'http',
      regionId: 'cn-hangzhou',
      ...timeouts,
    }),
  );
}

/** An SDK answer's body stream (InvokeFunction's `body`) read to the end as UTF-8. */
export async function bodyText(stream: Readable | undefined): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream ?? []) chunks.push(Buffer.from(c as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

export async function sdkError(fn: () => Promise<unknown>): Promise<{ code: string; statusCode: number; message: string }> {
  try {
    await fn();
  } catch (error) {
    const e = error as { code?: string; statusCode?: number; message?: string };
    return { code: String(e.code), statusCode: Number(e.statusCode), message: String(e.message) };
  }
  throw new Error('expected the SDK call to fail, but it succeeded');
}

let counter = 0;
/** A fresh instance ID per test, so tests sharing one emulator do not see each other's changes. */
export function nextInstanceId(): string {
  counter += 1;
  return `es-cn-test${String(counter).padStart(4, '0')}`;
}

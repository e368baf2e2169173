import { setTimeout as sleepFor } from 'node:timers/promises';
import { urlToHttpOptions } from 'node:url';
import { firstHeader, type HttpResponse, type RequestTarget, send, TransportError } from '../http-client';
import { encodePathSegment, signRequest } from '../signing';
import { ApiError } from './errors';
import { backoffDelay, DEFAULT_RETRY, type RetryPolicy, type RetryReason, retryReason } from './retry';

export type { CredentialSource } from '../credentials';

import type { CredentialSource } from '../credentials';

export interface ApiRequest {
  readonly action: string;
  readonly version: string;
  readonly method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  /** ROA: the resource path with every segment already encoded (see `path`). RPC: `/`. */
  readonly path: string;
  readonly query?: Readonly<Record<string, string | undefined>>;
  /** Serialised as JSON (ROA). */
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface ApiResponse<T> {
  readonly status: number;
  readonly requestId: string | undefined;
  readonly headers: HttpResponse['headers'];
  readonly data: T;
}

export interface CallOptions {
  /** Epoch ms after which no new attempt starts (taken from the function's own timeout). */
  readonly deadline?: number;
  readonly retry?: Partial<RetryPolicy>;
  /**
   * Asked before retrying InstanceStatusNotSupportCurrentAction: resolves true when the instance is
   * only settling (`activating`), so the answer is a busy one; throws its own error otherwise. Without
   * it the code is retried like a failing service, a bounded number of times.
   */
  readonly instanceBusy?: () => Promise<boolean>;
}

export interface RetryEvent {
  readonly action: string;
  readonly attempt: number;
  readonly reason: RetryReason;
  readonly delayMs: number;
  readonly code: string;
}

export interface ApiClientOptions {
  readonly endpoint: string;
  readonly credentials: CredentialSource;
  readonly timeoutMs?: number;
  readonly retry?: Partial<RetryPolicy>;
  readonly userAgent?: string;
  readonly onRetry?: (event: RetryEvent) => void;
  /** Injectable for deterministic tests. */
  readonly random?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** Builds a ROA path from literal parts and values, encoding only the values. */
export function path(strings: TemplateStringsArray, ...values: string[]): string {
  let out = strings[0] ?? '';
  for (let i = 0; i < values.length; i++) out += encodePathSegment(values[i]!) + (strings[i + 1] ?? '');
  return out;
}

function parseBody(res: HttpResponse): unknown {
  if (res.body.length === 0) return undefined;
  try {
    return JSON.parse(res.body.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

function field(obj: unknown, name: string): string | undefined {
  if (obj && typeof obj === 'object' && name in obj) {
    const v = (obj as Record<string, unknown>)[name];
    return typeof v === 'string' ? v : undefined;
  }
  return undefined;
}

/**
 * One signed Alibaba Cloud API endpoint. Every attempt is signed afresh (new date and nonce) but the
 * request itself, its clientToken included, is built once: a retried write is the same write.
 */
export class ApiClient {
  readonly endpoint: URL;
  private readonly options: ApiClientOptions;
  private readonly policy: RetryPolicy;
  /** The endpoint as node:http takes it, split once: a call only adds its path and query. */
  private readonly target: RequestTarget;

  constructor(options: ApiClientOptions) {
    this.options = options;
    this.endpoint = new URL(options.endpoint);
    this.target = urlToHttpOptions(this.endpoint);
    this.policy = { ...DEFAULT_RETRY, ...options.retry };
  }

  async call<T>(req: ApiRequest, opts: CallOptions = {}): Promise<ApiResponse<T>> {
    const policy = opts.retry === undefined ? this.policy : { ...this.policy, ...opts.retry };
    const body = req.body === undefined ? undefined : JSON.stringify(req.body);
    const sleep = this.options.sleep ?? sleepFor;
    const busyUntilDeadline = policy.busyUntilDeadline && opts.deadline !== undefined;
    let counted = 0;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.attempt<T>(req, body, attempt);
      } catch (error) {
        let reason = retryReason(error);
        if (reason === undefined) throw error;
        if (reason === 'instance-state' && opts.instanceBusy) {
          if (!(await opts.instanceBusy())) throw error;
          reason = 'busy';
        }
        if (!(reason === 'busy' && busyUntilDeadline)) counted += 1;
        if (counted >= policy.maxAttempts) throw error;
        const delayMs = backoffDelay(policy, attempt, error, this.options.random);
        if (opts.deadline !== undefined && Date.now() + delayMs >= opts.deadline) throw error;
        const code = error instanceof ApiError || error instanceof TransportError ? error.code : 'Unknown';
        this.options.onRetry?.({ action: req.action, attempt: attempt + 1, reason, delayMs, code });
        await sleep(delayMs);
      }
    }
  }

  private async attempt<T>(req: ApiRequest, body: string | undefined, attempt: number): Promise<ApiResponse<T>> {
    const key = await this.options.credentials();
    const query = definedOnly(req.query);
    const headers: Record<string, string> = {
      host: this.endpoint.host,
      accept: 'application/json',
      'user-agent': this.options.userAgent ?? 'es-guard',
      ...req.headers,
    };
    if (body !== undefined) headers['content-type'] = 'application/json; charset=utf-8';
    // The SDK announces its retries the same way; the gateway may use it to relax throttling.
    if (attempt > 0) headers['x-acs-retry-attempts'] = String(attempt);
    const signed = signRequest({ method: req.method, path: req.path, query, headers, body }, key, {
      action: req.action,
      version: req.version,
    });

    const search = encodeQuery(query);
    // The path as signed, not re-serialised by a URL (which would also fold `.` and `..` segments).
    const url: RequestTarget = { ...this.target, path: search === '' ? req.path : `${req.path}?${search}` };
    const res = await send({ url, method: req.method, headers: signed, body, timeoutMs: this.options.timeoutMs ?? 10_000 });
    const parsed = parseBody(res);
    const requestId =
      field(parsed, 'RequestId') ?? firstHeader(res.headers['x-acs-request-id']) ?? firstHeader(res.headers['x-fc-request-id']);
    if (res.status >= 200 && res.status < 300) return { status: res.status, requestId, headers: res.headers, data: parsed as T };
    const retryAfter = Number.parseInt(firstHeader(res.headers['x-acs-retry-after']) ?? '', 10);
    throw new ApiError({
      action: req.action,
      status: res.status,
      code: field(parsed, 'Code') ?? field(parsed, 'code') ?? `HTTP${res.status}`,
      message: field(parsed, 'Message') ?? field(parsed, 'message') ?? 'no error message in the response',
      requestId,
      retryAfterMs: Number.isNaN(retryAfter) ? undefined : retryAfter,
    });
  }
}

/** The query as sent must decode to exactly what was signed: same encoder both ways. */
function encodeQuery(query: Readonly<Record<string, string>>): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(query)) {
    parts.push(`${encodePathSegment(k)}=${encodePathSegment(v)}`);
  }
  return parts.join('&');
}

/** Unset optional parameters are left out, not sent empty: `key=` would mean something else. */
function definedOnly(query: ApiRequest['query']): Record<string, string> {
  const out: Record<string, string> = {};
  if (query) for (const [k, v] of Object.entries(query)) if (v !== undefined) out[k] = v;
  return out;
}

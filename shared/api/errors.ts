/** An answer from an Alibaba Cloud API that is not a success, with what the service said. */
export class ApiError extends Error {
  readonly code: string;
  readonly status: number;
  readonly requestId: string | undefined;
  readonly action: string;
  /** Milliseconds the service asked us to wait (x-acs-retry-after), when it said. */
  readonly retryAfterMs: number | undefined;

  constructor(init: { action: string; code: string; status: number; message: string; requestId?: string | undefined; retryAfterMs?: number | undefined }) {
    super(`${init.action} failed: ${init.code}: ${init.message}${init.requestId ? ` (RequestId ${init.requestId})` : ''}`);
    this.name = 'ApiError';
    this.action = init.action;
    this.code = init.code;
    this.status = init.status;
    this.requestId = init.requestId;
    this.retryAfterMs = init.retryAfterMs;
  }
}

/**
 * Codes that mean "the instance is busy with an earlier change", not "your request is wrong". Terraform's
 * alicloud provider retries the same set; each resolves itself once the instance is active again.
 */
export const BUSY_INSTANCE_CODES: ReadonlySet<string> = new Set([
  'InstanceActivating',
  'ConcurrencyUpdateInstanceConflict',
  'InstanceStatusNotSupportCurrentAction',
  'TokenPreviousRequestProcessError',
]);

export function isThrottling(code: string, status: number): boolean {
  return status === 429 || code.startsWith('Throttling');
}

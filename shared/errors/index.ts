/**
 * The errors es-guard raises on purpose. Each carries the HTTP status an HTTP caller gets and a stable
 * code; messages are written for the caller and never contain secrets. Anything else that escapes a
 * handler is a bug and answers 500 without detail.
 */
export interface FieldIssue {
  /** Dotted path of the offending field, e.g. `whiteIpGroup.ips[2]`. */
  readonly field: string;
  /** Short name of the rule broken, e.g. `cidr-host-bits`, `max-length`. */
  readonly rule: string;
  readonly message: string;
}

export class EsGuardError extends Error {
  override readonly name: string = 'EsGuardError';
  readonly status: number;
  readonly code: string;
  /** Seconds a caller should wait before retrying (409/429/503 answers). */
  readonly retryAfterSeconds: number | undefined;

  constructor(status: number, code: string, message: string, options?: { cause?: unknown; retryAfterSeconds?: number }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.status = status;
    this.code = code;
    this.retryAfterSeconds = options?.retryAfterSeconds;
  }
}

export class ValidationError extends EsGuardError {
  override readonly name: string = 'ValidationError';
  readonly issues: readonly FieldIssue[];
  constructor(issues: readonly FieldIssue[]) {
    super(400, 'InvalidParameter', issues.map((i) => `${i.field}: ${i.message} (${i.rule})`).join('; ') || 'invalid input');
    this.issues = issues;
  }
}

/** A request that is valid but that es-guard's own safety rules refuse. */
export class GuardrailError extends EsGuardError {
  override readonly name: string = 'GuardrailError';
  readonly rule: string;
  constructor(rule: string, message: string) {
    super(403, `Forbidden.${rule}`, message);
    this.rule = rule;
  }
}

export class NotFoundError extends EsGuardError {
  override readonly name: string = 'NotFoundError';
  constructor(code: string, message: string) {
    super(404, code, message);
  }
}

/** The instance stayed busy past the deadline: the caller may retry later. */
export class BusyError extends EsGuardError {
  override readonly name: string = 'BusyError';
  constructor(code: string, message: string, retryAfterSeconds: number) {
    super(409, code, message, { retryAfterSeconds });
  }
}

/** The cloud API failed in a way the caller cannot fix. */
export class UpstreamError extends EsGuardError {
  override readonly name: string = 'UpstreamError';
  constructor(code: string, message: string, cause?: unknown) {
    super(502, code, message, cause === undefined ? undefined : { cause });
  }
}

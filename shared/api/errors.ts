import { EsGuardError } from '../errors';

/** An answer from an Alibaba Cloud API that is not a success, with what the service said. */
export class ApiError extends Error {
  readonly code: string;
  readonly status: number;
  readonly requestId: string | undefined;
  readonly action: string;
  /** The service's own Message, without the action, code or request id around it. */
  readonly serviceMessage: string;
  /** Milliseconds the service asked us to wait (x-acs-retry-after), when it said. */
  readonly retryAfterMs: number | undefined;

  constructor(init: {
    action: string;
    code: string;
    status: number;
    message: string;
    requestId?: string | undefined;
    retryAfterMs?: number | undefined;
  }) {
    super(`${init.action} failed: ${init.code}: ${init.message}${init.requestId ? ` (RequestId ${init.requestId})` : ''}`);
    this.name = 'ApiError';
    this.action = init.action;
    this.code = init.code;
    this.status = init.status;
    this.requestId = init.requestId;
    this.serviceMessage = init.message;
    this.retryAfterMs = init.retryAfterMs;
  }
}

/**
 * A Tablestore call failed: to es-guard's caller a 502 with the Tablestore code (the change store is
 * es-guard's own dependency; nothing the caller sent can fix it). `httpStatus` is Tablestore's answer.
 */
export class TablestoreError extends EsGuardError {
  override readonly name: string = 'TablestoreError';
  constructor(
    code: string,
    readonly httpStatus: number | undefined,
    message: string,
  ) {
    super(502, code, message);
  }
}

/** The row's condition (existence or a column condition) did not hold: nothing was written. */
export class TablestoreConditionFailedError extends TablestoreError {
  override readonly name: string = 'TablestoreConditionFailedError';
  constructor(message: string) {
    super('OTSConditionCheckFail', 403, message);
  }
}

/**
 * An instance whose status no wait can change into `active`: `inactive` (the SDK's remarks call it
 * "freeze (inactive)"), `invalid`, or a status es-guard does not know (`unknown` included). Refused at
 * once, without Retry-After: waiting out the deadline would only delay the same answer.
 */
export function instanceNotWritable(instanceId: string, status: string): EsGuardError {
  return new EsGuardError(
    409,
    'InstanceNotWritable',
    `instance ${instanceId} is ${status || 'in no reported status'}; es-guard changes only active instances, ` +
      `and ${status || 'this status'} does not become active by waiting`,
  );
}

/** Statuses that become `active` by themselves. */
export const SETTLING_STATUSES: ReadonlySet<string> = new Set(['activating']);

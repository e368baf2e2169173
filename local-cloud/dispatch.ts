import { ApiFaultError } from './errors';
import type { Fault, FaultPlan } from './faults';
import type { IdempotencyStore } from './idempotency';
import type { Answer, Operation, OperationName, OperationRequest, ServiceName } from './operation';
import { firstHeader } from './request';
import { recordForm } from './undocumented';

export interface CallRecord {
  readonly requestId: string;
  /** Undefined when the request was refused before an operation was found (signature gate, unknown API). */
  readonly operation: OperationName | undefined;
  readonly service: ServiceName | undefined;
  readonly accessKeyId: string | undefined;
  readonly at: number;
  /** 0 when the connection was dropped. */
  readonly status: number;
  readonly code: string | undefined;
  readonly replayed: boolean;
  readonly fault: Fault['kind'] | undefined;
  /** The instance the call names (Operation.instanceId), for instance-scoped calls. */
  readonly instanceId?: string;
  /** What the caller said in `x-acs-retry-attempts`: 0 for a first attempt, n for its n-th retry. */
  readonly retryAttempt?: number;
  /** Ids of the undocumented request forms (local-cloud/undocumented.ts) this request had, if any. */
  readonly undocumented?: readonly string[];
}

/** What a fault may do to a service's state besides the call itself (RunningService.faultEffects). */
export interface FaultEffects {
  /** Puts the instance into `activating` for `ms` if it is `active`. */
  activate(instanceId: string, ms: number): void;
}

export type Outcome =
  | { readonly kind: 'answer'; readonly answer: Answer }
  | { readonly kind: 'error'; readonly error: ApiFaultError }
  | { readonly kind: 'drop' };

function wait(fault: { ms: number } | { until: Promise<unknown> }): Promise<unknown> {
  if ('until' in fault) return fault.until.catch(() => undefined);
  return new Promise((resolve) => setTimeout(resolve, fault.ms));
}

/** The last calls, oldest first; bounded so a long-running emulator does not grow without end. */
export class CallLog {
  private readonly records: CallRecord[] = [];
  constructor(private readonly capacity = 10_000) {}

  add(record: CallRecord): void {
    this.records.push(record);
    if (this.records.length > this.capacity) this.records.splice(0, this.records.length - this.capacity);
  }

  list(): readonly CallRecord[] {
    return [...this.records];
  }

  clear(): void {
    this.records.length = 0;
  }
}

/**
 * The one place every API call goes through once its operation is known: fault injection, clientToken
 * idempotency and the call log live here, so that no service has to know about any of them.
 */
export class Dispatcher {
  constructor(
    private readonly faults: FaultPlan,
    private readonly tokens: IdempotencyStore,
    private readonly log: CallLog,
    private readonly effects: readonly FaultEffects[] = [],
  ) {}

  async dispatch(op: Operation, req: OperationRequest): Promise<Outcome> {
    const instanceId = op.instanceId?.(req);
    const fault = this.faults.take(op.name, instanceId !== undefined);
    const retryAttempt = Number.parseInt(firstHeader(req.headers['x-acs-retry-attempts']) ?? '0', 10);
    // Every request's form is recorded before anything can refuse it: the recording harness fails a
    // suite whose product code sent a form the ledger marks undocumented, even if the emulator refused it.
    const undocumented = recordForm({
      operation: op.name,
      method: req.method,
      query: req.query,
      body: req.body,
      requestId: req.requestId,
      userAgent: firstHeader(req.headers['user-agent']),
      accessKeyId: req.caller.accessKeyId,
    });
    const { outcome, replayed } = await this.run(this.faults.hooks.around(op), req, fault, instanceId);
    this.log.add({
      requestId: req.requestId,
      operation: op.name,
      service: op.service,
      accessKeyId: req.caller.accessKeyId,
      at: Date.now(),
      status: outcome.kind === 'drop' ? 0 : outcome.kind === 'error' ? outcome.error.status : (outcome.answer.status ?? 200),
      code: outcome.kind === 'error' ? outcome.error.code : undefined,
      replayed,
      fault: fault?.kind,
      ...(instanceId !== undefined && { instanceId }),
      retryAttempt: Number.isInteger(retryAttempt) && retryAttempt > 0 ? retryAttempt : 0,
      ...(undocumented.length > 0 && { undocumented }),
    });
    return outcome;
  }

  private async run(
    op: Operation,
    req: OperationRequest,
    fault: Fault | undefined,
    instanceId: string | undefined,
  ): Promise<{ outcome: Outcome; replayed: boolean }> {
    const done = (outcome: Outcome, replayed = false) => ({ outcome, replayed });
    if (fault?.kind === 'activating' && instanceId !== undefined) for (const e of this.effects) e.activate(instanceId, fault.ms);
    if (fault?.kind === 'reset') return done({ kind: 'drop' });
    if (fault?.kind === 'error') {
      const headers: Record<string, string> = fault.retryAfterMs === undefined ? {} : { 'x-acs-retry-after': String(fault.retryAfterMs) };
      return done({
        kind: 'error',
        error: new ApiFaultError(fault.status, fault.code, fault.message ?? `Injected fault: ${fault.code}.`, headers),
      });
    }
    if (fault?.kind === 'delay') await wait(fault);

    let admitted: { key: string; fingerprint: string } | undefined;
    try {
      const idem = op.idempotency?.(req);
      if (idem) {
        const admission = this.tokens.admit(idem.key, idem.fingerprint);
        if (admission.kind === 'replay')
          return done(fault?.kind === 'lost' ? { kind: 'drop' } : { kind: 'answer', answer: admission.answer }, true);
        admitted = idem;
      }
      const answer = await op.handle(req);
      if (fault?.kind === 'slow') await wait(fault);
      if (admitted) this.tokens.complete(admitted.key, admitted.fingerprint, answer);
      return done(fault?.kind === 'lost' ? { kind: 'drop' } : { kind: 'answer', answer });
    } catch (error) {
      if (admitted) this.tokens.abandon(admitted.key);
      if (error instanceof ApiFaultError) return done({ kind: 'error', error });
      // An emulator bug must still look like a service failure to the client, and be visible here.
      console.error(`[local-cloud] ${op.name} failed unexpectedly:`, error);
      return done({
        kind: 'error',
        error: new ApiFaultError(500, 'InternalError', 'The request processing has failed due to some unknown error.'),
      });
    }
  }
}

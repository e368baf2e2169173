import { toCallerError } from '../api';
import { EsGuardError } from '../errors';
import type { Logger } from '../logging';
import { publishOutcome } from '../outcomes';
import type { FcContext } from '../triggers';
import type { NewChange } from './records';
import type { ChangeState } from './submit';

/** A change from automation that no retry can make acceptable: refused when decoded, or by the reconciler in order. */
export interface Refusal {
  readonly source: string;
  readonly changeId: string | undefined;
  readonly instanceId: string | undefined;
  readonly status: number;
  readonly code: string;
  readonly message: string;
}

/** Why an event was refused before it was recorded, as its caller's error would say it. */
export function refusalOf(error: unknown, source: string, changeId: string, data: unknown): Refusal {
  const e = toCallerError(error);
  const err = e instanceof EsGuardError ? e : new EsGuardError(500, 'InternalError', e instanceof Error ? e.message : String(e));
  const instanceId =
    typeof (data as { instanceId?: unknown } | null)?.instanceId === 'string' ? (data as { instanceId: string }).instanceId : undefined;
  return { source, changeId, instanceId, status: err.status, code: err.code, message: err.message };
}

/** The recorded changes the reconciler refused in the order of application (the seed's rules), in submission order. */
export function refusedInOrder(states: readonly ChangeState[], changes: readonly NewChange[]): Refusal[] {
  const out: Refusal[] = [];
  for (const s of states) {
    if (s.outcome?.state !== 'refused') continue;
    const c = changes.find((x) => x.id === s.changeId)!;
    out.push({
      source: c.source,
      changeId: s.changeId,
      instanceId: s.instanceId,
      status: s.outcome.status,
      code: s.outcome.code,
      message: s.outcome.message,
    });
  }
  return out;
}

/** A refused automation event reaches an operator: an error log line and an outcome event on the bus. */
export async function reportRefusals(refusals: readonly Refusal[], context: FcContext, deadline: number, log: Logger): Promise<void> {
  for (const r of refusals) {
    log.error('whitelist.rejected', { source: r.source, changeId: r.changeId, instanceId: r.instanceId, code: r.code, reason: r.message });
    await publishOutcome(
      {
        type: 'es-guard:whitelist:refused',
        subject: r.instanceId ?? 'unknown',
        ...(r.changeId && { id: r.changeId }),
        data: { source: r.source, changeId: r.changeId ?? null, code: r.code, status: r.status, message: r.message },
      },
      { context, deadline },
    );
  }
}

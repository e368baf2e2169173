import { mapPool } from '../concurrency';
import type { FleetDeps } from './deps';
import { assess, type PendingFacts } from './due';
import type { Candidate } from './list-fleet';
import { fleetTaskId, resumeTaskId } from './schedule';
import type { PendingRotation, PlannedRotation, RunRecord } from './summary';

/** A due rotation before the schedule gives it a start. */
export type DueRotation = Omit<PlannedRotation, 'startOffsetMs'>;

/** Which are due: one secret read each, `concurrency` at a time; the due ones in instance order. */
export async function assessFleet(
  deps: FleetDeps,
  candidates: readonly Candidate[],
  startedAt: number,
  period: number,
  run: RunRecord,
): Promise<DueRotation[]> {
  const { settings } = deps;
  const { failed, skipped, pending, currentAges } = run;
  const assessed = await mapPool(candidates, settings.concurrency, async (c) => ({
    c,
    a: await assess(deps.apis(c.region).kms, c, settings.intervalSeconds, startedAt, deps.deadline, settings.resumePendingAfterSeconds),
  }));
  const due: DueRotation[] = [];
  const notePending = (c: Candidate, p: PendingFacts, state: PendingRotation['state'], extra: Partial<PendingRotation> = {}): void => {
    pending.set(c.instanceId, {
      instanceId: c.instanceId,
      secretName: c.secretName,
      versionId: p.versionId,
      ageSeconds: p.ageSeconds,
      state,
      ...extra,
    });
  };
  for (const { c, a } of assessed) {
    if (a.kind === 'failed') {
      failed.push({ instanceId: c.instanceId, region: c.region, stage: 'assess', code: a.code, message: a.message });
      continue;
    }
    currentAges.push({ instanceId: c.instanceId, ageSeconds: a.ageSeconds ?? null });
    if (a.kind === 'stuck') {
      const taskId = resumeTaskId(c.instanceId, a.pending.versionId, a.resumeIndex);
      notePending(c, a.pending, 'stuck', { action: 'planned', taskId });
      due.push({
        ...c,
        reason: 'stuck',
        ageSeconds: a.ageSeconds,
        taskId,
        resume: { pendingVersionId: a.pending.versionId, pendingAgeSeconds: a.pending.ageSeconds, index: a.resumeIndex },
      });
      continue;
    }
    if (a.kind === 'pending') {
      notePending(c, a.pending, 'under-way');
      skipped.push({
        instanceId: c.instanceId,
        reason: 'rotation-pending',
        ...(a.ageSeconds !== undefined && { ageSeconds: a.ageSeconds }),
      });
      continue;
    }
    if (a.pending) notePending(c, a.pending, 'stale');
    if (a.kind === 'fresh') skipped.push({ instanceId: c.instanceId, reason: 'fresh', ageSeconds: a.ageSeconds });
    else
      due.push({ ...c, reason: a.reason, ageSeconds: a.ageSeconds, taskId: fleetTaskId(c.instanceId, period, settings.intervalSeconds) });
  }
  due.sort((x, y) => (x.instanceId < y.instanceId ? -1 : x.instanceId > y.instanceId ? 1 : 0));
  return due;
}

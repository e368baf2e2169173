import { setTimeout as sleepFor } from 'node:timers/promises';
import { mapPool } from '../concurrency';
import type { FleetDeps } from './deps';
import { dispatch } from './dispatch';
import { errorFields } from './due';
import { FAILED_TASK_STATES, type Invoker } from './invoker';
import { resumeHold } from './resume';
import type { PendingRotation, PlannedRotation, RunRecord } from './summary';

/** Fan out. Workers take rotations in start order and wait for each one's slot. */
export async function fanOut(deps: FleetDeps, plan: readonly PlannedRotation[], period: number, run: RunRecord): Promise<void> {
  const now = deps.now ?? Date.now;
  const sleep = deps.sleep ?? sleepFor;
  const { settings } = deps;
  const { failed, skipped, pending, dispatched, failedRotations } = run;
  const dispatchStart = now();
  const invokers = new Map<string, Promise<Invoker>>();
  const invokerFor = (region: string): Promise<Invoker> => {
    let p = invokers.get(region);
    if (!p) {
      p = deps.apis(region).invoker();
      invokers.set(region, p);
    }
    return p;
  };
  await mapPool(plan, settings.concurrency, async (p) => {
    const startAt = dispatchStart + p.startOffsetMs;
    if (startAt >= deps.deadline) {
      failed.push({
        instanceId: p.instanceId,
        region: p.region,
        stage: 'dispatch',
        code: 'DeadlineReached',
        message: 'not dispatched before the function deadline; the next run picks it up',
      });
      return;
    }
    const wait = startAt - now();
    if (wait > 0) await sleep(wait);
    let invoker: Invoker;
    try {
      invoker = await invokerFor(p.region);
    } catch (error) {
      failed.push({ instanceId: p.instanceId, region: p.region, stage: 'dispatch', ...errorFields(error) });
      return;
    }
    const target = { functionName: settings.functionName, qualifier: settings.qualifier };
    const stuck = pending.get(p.instanceId);
    const markStuck = (action: NonNullable<PendingRotation['action']>): void => {
      if (p.resume && stuck) pending.set(p.instanceId, { ...stuck, action });
    };
    if (p.resume) {
      let hold: Awaited<ReturnType<typeof resumeHold>>;
      try {
        hold = await resumeHold(
          invoker,
          { instanceId: p.instanceId, ...p.resume },
          {
            ...target,
            period,
            intervalSeconds: settings.intervalSeconds,
            windowSeconds: settings.resumePendingAfterSeconds,
            deadline: deps.deadline,
          },
        );
      } catch (error) {
        failed.push({ instanceId: p.instanceId, region: p.region, stage: 'dispatch', ...errorFields(error) });
        markStuck('failed');
        return;
      }
      if (hold !== undefined) {
        skipped.push({ instanceId: p.instanceId, reason: hold });
        markStuck('in-flight');
        return;
      }
    }
    const result = await dispatch(
      invoker,
      { ...target, payload: { instanceId: p.instanceId, secretName: p.secretName }, taskId: p.taskId },
      { deadline: deps.deadline, sleep },
    );
    if (result.kind === 'dispatched') {
      dispatched.push({ instanceId: p.instanceId, taskId: p.taskId, requestId: result.requestId, attempts: result.attempts });
      markStuck('resumed');
    } else if (result.kind === 'exists') {
      skipped.push({ instanceId: p.instanceId, reason: 'already-dispatched' });
      markStuck('already-dispatched');
      // The period's rotation ran and the instance is still due: say whether it failed (best effort).
      if (!p.resume && invoker.taskStatus) {
        const status = await invoker.taskStatus({ ...target, taskId: p.taskId }, deps.deadline).catch(() => undefined);
        if (status !== undefined && FAILED_TASK_STATES.has(status))
          failedRotations.push({ instanceId: p.instanceId, taskId: p.taskId, status });
      }
    } else {
      failed.push({ instanceId: p.instanceId, region: p.region, stage: 'dispatch', code: result.code, message: result.message });
      markStuck('failed');
    }
  });
}

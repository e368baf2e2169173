import { toCallerError } from '../api';
import { answer, dryRunAnswer, type RotationPlan, type RotationResult } from './answer';
import { createPending } from './create-pending';
import { abandon, decide, replay } from './decide';
import { finishRotation, removePending } from './finish-rotation';
import { guard } from './guard';
import { type Pending, type RotationDeps, type RotationRequest, type RotationRun, startRun } from './run-state';
import { setPassword } from './set-password';
import { testPassword } from './test-password';

export type { RotationPlan, RotationResult } from './answer';
export type { RotationDeps, RotationRequest, RotationStep } from './run-state';

/**
 * Rotates the `elastic` password of one instance and keeps it in its KMS secret: create, set, test,
 * finish, as AWS's rotation functions do. Every step is safe to re-run after a crash anywhere, because each
 * begins by reading where the last run got to; the new password is in KMS before the cluster is touched.
 *
 * The promise to readers: at every instant either ACSCurrent or ACSPending holds the password the cluster
 * accepts. ACSCurrent moves only to a password proven in effect: by a login (ROTATION_TEST=true), or by
 * this run's own accepted UpdateAdminPassword followed by the instance's return to `active` and
 * ROTATION_UNVERIFIED_WAIT_SECONDS (ROTATION_TEST=false). A replayed success proves nothing, so every run
 * that sets the password uses a clientToken of its own.
 * Errors are the caller's (`EsGuardError`) and never carry a password.
 */
export async function rotatePassword(request: RotationRequest, deps: RotationDeps): Promise<RotationResult> {
  const run = startRun(request, deps);
  try {
    return await rotate(run);
  } catch (error) {
    const shown = toCallerError(error);
    if (typeof shown === 'object' && shown !== null) {
      // Read by the outcome publisher (shared/outcomes stepOf); not enumerable, so answers do not grow a field.
      if (!Object.hasOwn(shown, 'step')) Object.defineProperty(shown, 'step', { value: run.step, enumerable: false });
    }
    throw shown;
  }
}

/** The sequence: guard (reads, replay, decide), then create (unless a pending version is taken up), set, test, finish. */
async function rotate(run: RotationRun): Promise<RotationResult> {
  const { request } = run;
  const { current, pending } = await guard(run);
  if (request.clientToken !== undefined) {
    const replayed = await replay(run, current);
    if (replayed) return replayed;
  }
  if (pending !== undefined && pending.versionId === current?.versionId) {
    // A finish that moved ACSCurrent and crashed before removing ACSPending: only the label is left.
    if (request.dryRun) return dryRunAnswer(run, 'finish', current, pending);
    run.step = 'finish';
    await removePending(run, pending.versionId);
    return answer(run, pending.versionId, true);
  }
  const decision = pending === undefined ? undefined : await decide(run, current, pending);
  if (request.dryRun) {
    const plan: RotationPlan = decision === undefined ? 'rotate' : decision.kind === 'abandon' ? 'abandon-stale-and-rotate' : decision.kind;
    return dryRunAnswer(run, plan, current, pending);
  }
  let target: Pending;
  if (decision !== undefined && decision.kind !== 'abandon') target = decision.pending;
  else {
    if (pending !== undefined) await abandon(run, pending);
    run.step = 'create';
    const created = await createPending(run, current);
    if ('completed' in created) return answer(run, created.completed, true);
    target = created;
  }
  run.step = 'set';
  await setPassword(run, target);
  run.step = 'test';
  await testPassword(run, target);
  run.step = 'finish';
  await finishRotation(run, target);
  run.log.info('rotation complete', { versionId: target.token, resumed: target.resumed });
  return answer(run, target.token, target.resumed);
}

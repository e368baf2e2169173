import { EsGuardError, UpstreamError } from '../errors';
import { STAGE } from './layout';
import type { Pending, RotationRun } from './run-state';
import { isRefusal } from './secret';

/**
 * Step 4. Safe to repeat: each stage move is decided on a fresh read of who holds the stage. ACSCurrent
 * moves first (readers are waiting for it), as a compare-and-swap: RemoveFromVersion names the holder just
 * read, so KMS refuses the move if someone moved it since. If ACSCurrent is no longer the version this
 * rotation replaces, it is taken over only when the new password logs in now.
 */
export async function finishRotation(run: RotationRun, pending: Pending): Promise<void> {
  let replaced: string | undefined;
  for (let round = 0; ; round++) {
    const current = await run.store.stage(STAGE.current);
    if (current?.versionId === pending.token) break;
    if (round >= 5)
      throw new UpstreamError(
        'RotationFinishFailed',
        `ACSCurrent of ${run.request.secretName} could not be moved to version ${pending.token}; a re-run resumes`,
      );
    if (current !== undefined && current.versionId !== pending.base.versionId) {
      const proven = run.deps.settings.test && (await run.dataPlane.login(pending.password, { probe: false })) === 'ok';
      if (!proven) {
        throw new EsGuardError(
          409,
          'SecretChangedDuringRotation',
          `ACSCurrent of ${run.request.secretName} moved to ${current.versionId} during the rotation; the next run decides again`,
          {
            retryAfterSeconds: 5,
          },
        );
      }
    }
    try {
      replaced = current?.versionId;
      await run.store.moveStage(
        STAGE.current,
        current ? { removeFromVersion: current.versionId, moveToVersion: pending.token } : { moveToVersion: pending.token },
      );
    } catch (error) {
      // Someone else moved a stage between our read and our write (or our own move's answer was lost): read again.
      if (!isRefusal(error)) throw error;
    }
  }
  run.log.info('step finish: ACSCurrent moved to the new version', { step: 'finish', versionId: pending.token });
  const from = replaced ?? (pending.base.versionId !== pending.token ? pending.base.versionId : undefined);
  if (from !== undefined) await previousTo(run, from);
  await removePending(run, pending.token);
}

async function previousTo(run: RotationRun, versionId: string): Promise<void> {
  try {
    const previous = await run.store.stage(STAGE.previous);
    if (previous?.versionId === versionId) return;
    await run.store.moveStage(STAGE.previous, { ...(previous && { removeFromVersion: previous.versionId }), moveToVersion: versionId });
  } catch (error) {
    if (!isRefusal(error)) throw error;
    run.log.warn('ACSPrevious could not be moved to the replaced version', { versionId });
  }
}

/** Also all a re-run has left to do after a finish that moved ACSCurrent and crashed before this. */
export async function removePending(run: RotationRun, versionId: string): Promise<void> {
  for (let round = 0; ; round++) {
    const still = await run.store.stage(STAGE.pending);
    if (still?.versionId !== versionId) return;
    if (round >= 5)
      throw new UpstreamError(
        'RotationFinishFailed',
        `ACSPending could not be removed from version ${versionId} of ${run.request.secretName}; a re-run resumes`,
      );
    try {
      await run.store.moveStage(STAGE.pending, { removeFromVersion: versionId });
    } catch (error) {
      if (!isRefusal(error)) throw error;
    }
  }
}

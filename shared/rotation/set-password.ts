import { setTimeout as sleepFor } from 'node:timers/promises';
import { classify } from '../api';
import { EsGuardError, UpstreamError } from '../errors';
import { STAGE } from './layout';
import { type Pending, type RotationRun, waitActive } from './run-state';
import { setClientToken } from './token';

/** Failed UpdateAdminPassword attempts one run makes before it gives up (each preceded by a fresh look). */
const MAX_SET_FAILURES = 30;

const retryAfterOf = (error: unknown): number => {
  const ms = typeof error === 'object' && error !== null ? (error as { retryAfterMs?: unknown }).retryAfterMs : undefined;
  return typeof ms === 'number' ? ms : 0;
};

/**
 * Step 2. Safe to repeat: a password that already logs in is not set again. Before each attempt the run
 * checks that its version is still ACSPending and ACSCurrent still the one it replaces, so a run that was
 * overtaken never sets an outdated password over a newer one.
 */
export async function setPassword(run: RotationRun, pending: Pending): Promise<void> {
  if (pending.proven) return;
  let prepared = false;
  let failures = 0;
  for (;;) {
    // Waited out first: a change still running (maybe a concurrent run's set of this password) must land
    // before the login below can tell whether the password is already in place.
    await waitActive(run);
    if (run.dataPlane.probing && (await run.dataPlane.login(pending.password, { probe: true })) === 'ok') {
      run.log.info('step set: the pending password already logs in; not set again', { step: 'set', versionId: pending.token });
      pending.proven = true;
      return;
    }
    await checkPasswordUnchanged(run, pending);
    await checkStillPending(run, pending);
    if (!prepared) {
      await preparePrevious(run, pending);
      prepared = true;
    }
    try {
      const { requestId, result } = await run.deps.es.updateAdminPassword(
        run.request.instanceId,
        { password: pending.password, clientToken: setClientToken(pending.token) },
        // One attempt: a retry that lands later (after a busy answer, say) could set this password over a
        // newer rotation's. Every failure goes back to the top: log in, wait for active, read the stages.
        { deadline: run.deps.deadline, retry: { maxAttempts: 1 } },
      );
      if (!result)
        throw new UpstreamError(
          'UpdateAdminPasswordFailed',
          `UpdateAdminPassword answered Result=false${requestId ? ` (RequestId ${requestId})` : ''}`,
        );
      run.setAcceptedAt = Date.now();
      run.log.info('step set: UpdateAdminPassword accepted', { step: 'set', versionId: pending.token, updateRequestId: requestId });
      return;
    } catch (error) {
      const cls = classify(error);
      const pause =
        cls === 'throttling' ? Math.max(run.deps.settings.instancePollMs, retryAfterOf(error)) : run.deps.settings.instancePollMs;
      // Busy (another change, maybe a concurrent run's set of this same password), throttled, or lost on
      // the way (it may have been applied): wait, then look again from the top.
      if (
        (cls === 'busy' || cls === 'instance-state' || cls === 'throttling' || cls === 'transient') &&
        Date.now() + pause < run.deps.deadline &&
        ++failures < MAX_SET_FAILURES
      ) {
        run.log.info('step set: UpdateAdminPassword not accepted this time; looking again', { step: 'set', errorClass: cls });
        await (run.deps.sleep ?? sleepFor)(pause);
        continue;
      }
      throw error;
    }
  }
}

/**
 * A password that logged in when this run began and no longer does, while the pending one does not
 * either, was changed by someone else (by hand, say) after this run read the secret. Setting the pending
 * password now would overwrite that change, and whatever the other party then saves as ACSCurrent would
 * name a password the cluster no longer has. Stop; the next run reads the secret again and decides.
 */
async function checkPasswordUnchanged(run: RotationRun, pending: Pending): Promise<void> {
  const password = pending.base.content?.password;
  if (!run.currentLoggedIn || !password || pending.base.versionId === pending.token) return;
  if ((await run.dataPlane.login(password, { probe: true })) !== 'denied') return;
  throw new EsGuardError(
    409,
    'PasswordChangedOutside',
    `the password of instance ${run.request.instanceId} changed outside this rotation (ACSCurrent's no longer logs ` +
      `in, version ${pending.token}'s does not yet); not set over it; the next run decides again`,
    { retryAfterSeconds: 60 },
  );
}

async function checkStillPending(run: RotationRun, pending: Pending): Promise<void> {
  const [now, current] = [await run.store.stage(STAGE.pending), await run.store.stage(STAGE.current)];
  if (now?.versionId !== pending.token) {
    throw new EsGuardError(
      409,
      'RotationSuperseded',
      `version ${pending.token} of ${run.request.secretName} is no longer ACSPending; the next run decides again`,
      { retryAfterSeconds: 5 },
    );
  }
  if (current?.versionId !== pending.base.versionId) {
    throw new EsGuardError(
      409,
      'SecretChangedDuringRotation',
      `ACSCurrent of ${run.request.secretName} moved to ${current?.versionId ?? 'nothing'} during the rotation; the ` +
        `next run decides again`,
      {
        retryAfterSeconds: 5,
      },
    );
  }
}

/**
 * ACSPrevious goes to the version being replaced before the cluster is touched, so that finish has one
 * stage move left: the soft lockout (ACSCurrent refused while the new password works) lasts one KMS call
 * after the login that proves the new password.
 */
async function preparePrevious(run: RotationRun, pending: Pending): Promise<void> {
  if (pending.base.versionId === pending.token || pending.base.stages.includes(STAGE.previous)) return;
  try {
    const previous = await run.store.stage(STAGE.previous);
    if (previous?.versionId === pending.base.versionId) return;
    await run.store.moveStage(STAGE.previous, {
      ...(previous && { removeFromVersion: previous.versionId }),
      moveToVersion: pending.base.versionId,
    });
  } catch (error) {
    // Someone moved it meanwhile, or KMS is failing: ACSPrevious is a courtesy to readers, finish tries again.
    run.log.warn('ACSPrevious not moved before the set; finish tries again', { errorClass: classify(error) });
  }
}

import { EsGuardError, UpstreamError } from '../errors';
import { registerSecret } from '../redaction';
import { checkOwner } from './guard';
import { ADMIN_USERNAME, type SecretContent, STAGE } from './layout';
import { generatePassword } from './password';
import { type Pending, type RotationRun, tokenFor } from './run-state';
import { isRefusal, type StoredVersion } from './secret';
import { requestTokenHash } from './token';

/**
 * Step 1. Safe to repeat: the token is derived from the version being replaced, so a re-run (or a
 * concurrent run) computes the same VersionId, and KMS keeps whichever data reached it first; the version
 * read back, not the one this run generated, is the one rotated to. A version of that token that lost
 * its ACSPending stage is taken up again, never followed by a new one: one version per rotation keeps
 * ACSCurrent and ACSPrevious among the newest, safe from KMS's 10-version limit.
 */
export async function createPending(run: RotationRun, found: StoredVersion | undefined): Promise<Pending | { completed: string }> {
  let base = found;
  if (base === undefined) {
    // ACSCurrent must never name a password the cluster does not have, so a new secret starts without one.
    const created = await run.store.createWithPlaceholder(content(run, null));
    run.log.info(created ? 'secret created with a password-less placeholder version' : 'secret was created concurrently');
    base = await run.store.stage(STAGE.current);
    checkOwner(run, base);
    if (base === undefined)
      throw new UpstreamError('SecretHasNoCurrentVersion', `secret ${run.request.secretName} has no ACSCurrent version`);
  }
  const token = tokenFor(run, base);
  const generated = run.request.password ?? generatePassword(run.deps.settings.passwordLength);
  registerSecret(generated);
  for (let round = 0; round < 3; round++) {
    const existing = await run.store.version(token);
    if (existing === undefined) {
      try {
        await run.store.putPending(token, content(run, generated));
        run.log.info('step create: new password stored as the pending version', { step: 'create', versionId: token });
      } catch (error) {
        if (!isRefusal(error)) throw error;
      }
    } else {
      checkOwner(run, existing);
      if (existing.stages.includes(STAGE.current)) {
        run.log.info('step create: a concurrent rotation already completed', { step: 'create', versionId: token });
        return { completed: token };
      }
      if (!existing.stages.includes(STAGE.pending)) {
        const password = existing.content?.password;
        if (!password)
          throw new EsGuardError(
            409,
            'PendingVersionUnreadable',
            `version ${token} of ${run.request.secretName} is not an es-guard password record`,
          );
        refuseOtherPassword(run, existing.versionId, password);
        try {
          await run.store.moveStage(STAGE.pending, { moveToVersion: token });
          run.log.info('step create: the version of this rotation had lost its ACSPending stage; taking it up again', {
            step: 'create',
            versionId: token,
          });
        } catch (error) {
          if (!isRefusal(error)) throw error;
        }
      }
    }
    const pending = await run.store.stage(STAGE.pending);
    if (pending === undefined) continue;
    checkOwner(run, pending);
    const password = pending.content?.password;
    if (pending.versionId !== token || !password) {
      throw new EsGuardError(
        409,
        'RotationInProgress',
        `version ${pending.versionId} of ${run.request.secretName} became ACSPending meanwhile; the next run decides again`,
        { retryAfterSeconds: 5 },
      );
    }
    // A clientToken does not refuse here: this run's own version, or one it raced for, is completed and answered.
    refuseOtherPassword(run, pending.versionId, password);
    const resumed = password !== generated;
    if (resumed)
      run.log.info('step create: another rotation stored its pending version first; completing that one', {
        step: 'create',
        versionId: token,
      });
    return { token, password, resumed, base, proven: false };
  }
  throw new UpstreamError('PendingVersionUnstable', `the ACSPending stage of ${run.request.secretName} keeps being removed; investigate`);
}

function refuseOtherPassword(run: RotationRun, versionId: string, password: string): void {
  if (run.request.password !== undefined && run.request.password !== password) {
    throw new EsGuardError(
      409,
      'RotationInProgress',
      `a rotation of instance ${run.request.instanceId} is in progress (version ${versionId}); retry once it has completed`,
      {
        retryAfterSeconds: 60,
      },
    );
  }
}

function content(run: RotationRun, password: string | null): SecretContent {
  return {
    username: ADMIN_USERNAME,
    password,
    instanceId: run.request.instanceId,
    ...(run.endpoint !== undefined && { endpoint: run.endpoint }),
    ...(password !== null && run.request.clientToken !== undefined && { requestToken: requestTokenHash(run.request.clientToken) }),
  };
}

import { EsGuardError } from '../errors';
import { registerSecret } from '../redaction';
import { answer, dryRunAnswer, type RotationResult } from './answer';
import { STAGE } from './layout';
import { type Pending, type RotationRun, tokenFor } from './run-state';
import { isRefusal, type StoredVersion } from './secret';
import { requestTokenHash } from './token';

/*
 * What the guard's reads lead to, before any step writes: a replayed answer, or what becomes of a version
 * found in ACSPending (finished, resumed, or abandoned for a new rotation).
 */

export type Decision = { readonly kind: 'finish' | 'resume'; readonly pending: Pending } | { readonly kind: 'abandon' };

const olderThan = (a: StoredVersion, b: StoredVersion): boolean =>
  a.createTime !== undefined && b.createTime !== undefined && Date.parse(a.createTime) < Date.parse(b.createTime);

/** A repeated HTTP clientToken whose rotation is done (ACSCurrent or ACSPrevious carries its hash) answers again, changing nothing. */
export async function replay(run: RotationRun, current: StoredVersion | undefined): Promise<RotationResult | undefined> {
  const hash = requestTokenHash(run.request.clientToken!);
  const previous = await run.store.stage(STAGE.previous);
  for (const version of [current, previous]) {
    if (version?.content?.requestToken !== hash) continue;
    if (run.request.password !== undefined && version.content.password !== run.request.password) {
      throw new EsGuardError(409, 'IdempotentParameterMismatch', 'the clientToken was already used for a rotation to another password');
    }
    run.log.info('clientToken seen before: answering its rotation again, nothing changed', { versionId: version.versionId });
    if (run.request.dryRun) return dryRunAnswer(run, 'replay', current, undefined, version.versionId);
    return { ...answer(run, version.versionId, false), replayed: true };
  }
  return undefined;
}

/**
 * What to do with a version found in ACSPending. It wins only on evidence: a pending password that logs
 * in is finished whatever else changed (the cluster has it; ACSCurrent cannot be working). One that does
 * not log in is resumed only if it was started from the version that is ACSCurrent now (its token is that
 * version's and it is not older); otherwise it is stale, left from before a newer recovery, and abandoned.
 * Without a login (ROTATION_TEST=false) a stale one is refused: nothing tells which password the cluster
 * has, and either choice could lock readers out.
 */
export async function decide(run: RotationRun, current: StoredVersion | undefined, found: StoredVersion): Promise<Decision> {
  const password = found.content?.password;
  if (!password) {
    throw new EsGuardError(
      409,
      'PendingVersionUnreadable',
      `version ${found.versionId} of ${run.request.secretName} holds ACSPending but is not an es-guard password ` +
        `record; remove its ACSPending stage and retry`,
    );
  }
  registerSecret(password);
  refuseOtherCaller(run, found, password);
  const derived = current !== undefined && found.versionId === tokenFor(run, current) && !olderThan(found, current);
  const pending = (proven: boolean): Pending => ({ token: found.versionId, password, resumed: true, base: current ?? found, proven });
  if (run.deps.settings.test) {
    const login = await run.dataPlane.login(password, { probe: false });
    if (login === 'ok') {
      run.log.info('the pending password logs in: finishing its rotation', { versionId: found.versionId, derived });
      return { kind: 'finish', pending: pending(true) };
    }
    if (derived) {
      run.log.info('resuming the pending rotation', { versionId: found.versionId });
      return { kind: 'resume', pending: pending(false) };
    }
    if (login === 'unreachable') {
      throw new EsGuardError(
        503,
        'PendingNotVerifiable',
        `version ${found.versionId} holds ACSPending but was not started from ACSCurrent, and the cluster cannot be ` +
          `reached to tell which password it has`,
        {
          retryAfterSeconds: 60,
        },
      );
    }
    run.log.warn('a stale pending version (not started from ACSCurrent) does not log in: abandoning it', {
      versionId: found.versionId,
      currentVersionId: current?.versionId,
    });
    return { kind: 'abandon' };
  }
  if (derived) {
    run.log.info('resuming the pending rotation', { versionId: found.versionId });
    return { kind: 'resume', pending: pending(false) };
  }
  throw new EsGuardError(
    409,
    'PendingVersionStale',
    `version ${found.versionId} of ${run.request.secretName} holds ACSPending but was not started from ACSCurrent ` +
      `(${current?.versionId ?? 'none'}); ` +
      `with ROTATION_TEST=false es-guard cannot tell which of the two the cluster accepts: remove ACSPending from ` +
      `${found.versionId} if ACSCurrent's password works, ` +
      `or move ACSCurrent to it if its password works`,
  );
}

/** An HTTP caller with its own password or clientToken is not answered with somebody else's rotation. */
function refuseOtherCaller(run: RotationRun, found: StoredVersion, password: string): void {
  const other =
    (run.request.password !== undefined && run.request.password !== password) ||
    (run.request.clientToken !== undefined && found.content?.requestToken !== requestTokenHash(run.request.clientToken));
  if (other) {
    throw new EsGuardError(
      409,
      'RotationInProgress',
      `a rotation of instance ${run.request.instanceId} is in progress (version ${found.versionId}); retry once it has completed`,
      {
        retryAfterSeconds: 60,
      },
    );
  }
}

export async function abandon(run: RotationRun, stale: StoredVersion): Promise<void> {
  try {
    await run.store.moveStage(STAGE.pending, { removeFromVersion: stale.versionId });
  } catch (error) {
    // Someone moved or removed it first: the create below reads again.
    if (!isRefusal(error)) throw error;
  }
}

import { setTimeout as sleepFor } from 'node:timers/promises';
import { EsGuardError } from '../errors';
import { type Pending, type RotationRun, waitActive } from './run-state';

/**
 * Step 3. Reads only. The service applies a new password asynchronously (about 5 minutes), so the login is
 * polled; on timeout the rotation stays pending (ACSCurrent still holds the old password, which keeps
 * working until the new one takes over; then ACSPending does) and the next run resumes it. Without a
 * login, the proof is this run's own accepted set, the instance back to `active` and the configured wait.
 */
export async function testPassword(run: RotationRun, pending: Pending): Promise<void> {
  if (pending.proven) return;
  const { settings } = run.deps;
  const sleep = run.deps.sleep ?? sleepFor;
  if (!settings.test) {
    const acceptedAt = run.setAcceptedAt ?? Date.now();
    const until = acceptedAt + settings.unverifiedWaitMs;
    if (until > run.deps.deadline) {
      throw new EsGuardError(
        503,
        'RotationNotVerified',
        `ROTATION_UNVERIFIED_WAIT_SECONDS outlasts this invocation; version ${pending.token} stays pending and the ` +
          `next run sets it again`,
        {
          retryAfterSeconds: 60,
        },
      );
    }
    if (until > Date.now()) await sleep(until - Date.now());
    await waitActive(run);
    // Where the cluster can be reached after all, a refused login outweighs the control plane's word.
    if ((await run.dataPlane.login(pending.password, { probe: true })) === 'denied') {
      throw new EsGuardError(
        503,
        'RotationNotVerified',
        `the instance is active again but the new password does not log in yet; version ${pending.token} stays ` +
          `pending and the next run resumes it`,
        {
          retryAfterSeconds: 60,
        },
      );
    }
    run.log.info("step test: no login test (ROTATION_TEST=false); the instance is active again after this run's own password change", {
      step: 'test',
      versionId: pending.token,
    });
    return;
  }
  if (run.endpoint === undefined) {
    throw new EsGuardError(
      500,
      'ClusterEndpointUnknown',
      `DescribeInstance gives no domain for instance ${run.request.instanceId}, so the new password cannot be ` +
        `tested; set ROTATION_TEST=false to rotate without the test`,
    );
  }
  const startedAt = Date.now();
  const until = Math.min(run.deps.deadline, startedAt + settings.testTimeoutMs);
  for (let attempt = 1; ; attempt++) {
    const login = await run.dataPlane.login(pending.password, { probe: false });
    if (login === 'ok') {
      run.log.info('step test: the new password logs in', { step: 'test', versionId: pending.token, attempts: attempt });
      pending.proven = true;
      return;
    }
    if (Date.now() + settings.testPollMs >= until) {
      throw new EsGuardError(
        503,
        'RotationNotVerified',
        `the new password did not log in on ${run.endpoint} within ${Math.ceil((Date.now() - startedAt) / 1000)} s ` +
          `(last attempt: ${login === 'denied' ? 'login refused' : 'cluster unreachable'}); version ${pending.token} ` +
          `stays pending and the next rotation resumes it`,
        { retryAfterSeconds: 60 },
      );
    }
    await sleep(settings.testPollMs);
  }
}

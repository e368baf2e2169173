import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalCloud, startLocalCloud } from '../../local-cloud';
import { publishOutcome } from '../../shared/outcomes';
import { registerSecret } from '../../shared/redaction';
import { captureStdout } from '../support/stdout';

/* publishOutcome: off unless configured, never throws, never lets a secret out, and publishes one CloudEvent. */

let cloud: LocalCloud;
const BUS = 'ops';
const context = () => ({
  requestId: 'r-1',
  credentials: { accessKeyId: cloud.accessKey.accessKeyId, accessKeySecret: cloud.accessKey.accessKeySecret },
});

beforeAll(async () => {
  cloud = await startLocalCloud({ eventBuses: [BUS] });
});
afterAll(() => cloud.close());

describe('publishOutcome', () => {
  it('does nothing when OUTCOME_EVENT_BUS is unset', async () => {
    cloud.eventbridge.clear();
    const r = await publishOutcome(
      { type: 'es-guard:rotation:succeeded', subject: 'es-cn-a', data: {} },
      { context: context(), env: { ...cloud.env } },
    );
    expect(r).toEqual({ published: false, reason: 'not-configured' });
    expect(cloud.eventbridge.events()).toHaveLength(0);
  });

  it('publishes one CloudEvent with type, subject, source and the data', async () => {
    cloud.eventbridge.clear();
    const r = await publishOutcome(
      {
        type: 'es-guard:rotation:failed',
        subject: 'es-cn-a',
        id: 'rot-1',
        data: { step: 'test', code: 'RotationNotVerified', versionId: 'v2', attempts: 3, resumed: false },
      },
      { context: context(), env: { ...cloud.env, OUTCOME_EVENT_BUS: BUS } },
    );
    expect(r).toMatchObject({ published: true, eventId: 'rot-1' });
    const [e] = cloud.eventbridge.events(BUS);
    expect(e?.event).toMatchObject({
      id: 'rot-1',
      source: 'es-guard',
      type: 'es-guard:rotation:failed',
      subject: 'es-cn-a',
      specversion: '1.0',
      data: { step: 'test', code: 'RotationNotVerified', versionId: 'v2', attempts: 3, resumed: false },
    });
    expect(Date.parse(String(e?.event['time']))).not.toBeNaN();
  });

  it("logs EventBridge's RequestId as apiRequestId, never in the invocation's requestId", async () => {
    cloud.eventbridge.clear();
    const out = captureStdout();
    let r: Awaited<ReturnType<typeof publishOutcome>>;
    try {
      r = await publishOutcome(
        { type: 'es-guard:rotation:succeeded', subject: 'es-cn-a', data: {} },
        { context: context(), env: { ...cloud.env, OUTCOME_EVENT_BUS: BUS } },
      );
    } finally {
      out.restore();
    }
    expect(r).toMatchObject({ published: true });
    const apiRequestId = r.published ? r.requestId : undefined;
    expect(apiRequestId).toBeTruthy();
    const line = out.records().find((x) => x['msg'] === 'outcome published');
    expect(line).toBeDefined();
    expect(line?.['apiRequestId']).toBe(apiRequestId);
    expect(line?.['requestId']).not.toBe(apiRequestId);
  });

  it('drops secret-named fields and scrubs registered secrets from every string', async () => {
    cloud.eventbridge.clear();
    const password = 'Sup3r-Secret-Passw0rd!';
    registerSecret(password);
    await publishOutcome(
      {
        type: 'es-guard:rotation:failed',
        subject: 'es-cn-a',
        data: { password, esAdminPassword: password, message: `login with ${password} refused`, secretName: 'es-guard/es-cn-a/elastic' },
      },
      { context: context(), env: { ...cloud.env, OUTCOME_EVENT_BUS: BUS } },
    );
    const [e] = cloud.eventbridge.events(BUS);
    expect(JSON.stringify(e?.event)).not.toContain(password);
    expect(e?.event['data']).toEqual({ message: 'login with [REDACTED] refused', secretName: 'es-guard/es-cn-a/elastic' });
  });

  it('never throws: an unreachable endpoint, a refused bus, a bad setting each come back as not published', async () => {
    const unreachable = await publishOutcome(
      { type: 'es-guard:x:y', subject: 's', data: {} },
      {
        context: context(),
        env: { ...cloud.env, OUTCOME_EVENT_BUS: BUS, EVENTBRIDGE_ENDPOINT: 'http://127.0.0.1:1', OUTCOME_TIMEOUT_MS: '500' },
      },
    );
    expect(unreachable).toMatchObject({ published: false, reason: 'failed' });
    const refused = await publishOutcome(
      { type: 'es-guard:x:y', subject: 's', data: {} },
      { context: context(), env: { ...cloud.env, OUTCOME_EVENT_BUS: 'no-such-bus' } },
    );
    expect(refused).toEqual({ published: false, reason: 'refused', code: 'EventBusNotExist' });
    const badBus = await publishOutcome(
      { type: 'es-guard:x:y', subject: 's', data: {} },
      { context: context(), env: { ...cloud.env, OUTCOME_EVENT_BUS: 'bad bus!' } },
    );
    expect(badBus).toMatchObject({ published: false, reason: 'invalid-configuration' });
    for (const value of ['abc', '50', '600000', '1.5']) {
      const badTimeout = await publishOutcome(
        { type: 'es-guard:x:y', subject: 's', data: {} },
        { context: context(), env: { ...cloud.env, OUTCOME_EVENT_BUS: BUS, OUTCOME_TIMEOUT_MS: value } },
      );
      expect(badTimeout, value).toEqual({ published: false, reason: 'invalid-configuration', code: 'InvalidConfiguration' });
    }
    const noAccount = await publishOutcome(
      { type: 'es-guard:x:y', subject: 's', data: {} },
      { context: context(), env: { OUTCOME_EVENT_BUS: BUS } },
    );
    expect(noAccount).toMatchObject({ published: false, reason: 'failed' });
    const denied = await publishOutcome(
      { type: 'es-guard:x:y', subject: 's', data: {} },
      {
        context: { requestId: 'r', credentials: { accessKeyId: 'nobody', accessKeySecret: 'x' } },
        env: { ...cloud.env, OUTCOME_EVENT_BUS: BUS },
      },
    );
    expect(denied).toEqual({ published: false, reason: 'failed', code: 'InvalidAccessKeyId' });
  });

  it("keeps an event under PutEvents' 64 KB: long lists are summarised, ids and codes kept", async () => {
    cloud.eventbridge.clear();
    const ips = Array.from({ length: 100 }, (_, i) => `10.${i}.0.0/16 `.repeat(60));
    const r = await publishOutcome(
      { type: 'es-guard:whitelist:refused', subject: 'es-cn-a', data: { code: 'Forbidden.TooBroad', ips } },
      { context: context(), env: { ...cloud.env, OUTCOME_EVENT_BUS: BUS } },
    );
    expect(r).toMatchObject({ published: true });
    const [e] = cloud.eventbridge.events(BUS);
    expect(e?.event['data']).toEqual({ code: 'Forbidden.TooBroad', ips: '[100 items, left out: the event would exceed 64 KB]' });
  });
});

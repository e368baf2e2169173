import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dispatch } from '../../shared/fleet/dispatch';
import { DispatchError } from '../../shared/fleet/errors';
import type { InvokeOutcome, Invoker } from '../../shared/fleet/invoker';
import { effectiveWindow, fleetTaskId, rotationPeriod, startOffsets } from '../../shared/fleet/schedule';
import { fleetSettings } from '../../shared/fleet/settings';

/* The pure parts of rotate-fleet: periods, task ids, start offsets, the retry rules, the settings. */

const instanceIdArb = fc
  .array(fc.stringMatching(/^[a-z0-9]{1,12}$/), { minLength: 1, maxLength: 4 })
  .map((parts) => `es-${parts.join('-')}`)
  .filter((id) => id.length <= 64);

describe('rotation period and task id', () => {
  it('every instant of one period gives the same number; the next period the next number', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3650 * 86_400 }), fc.integer({ min: 0, max: 2 ** 40 }), (interval, t) => {
        const p = rotationPeriod(t, interval);
        const start = p * interval * 1000;
        expect(rotationPeriod(start, interval)).toBe(p);
        expect(rotationPeriod(start + interval * 1000 - 1, interval)).toBe(p);
        expect(rotationPeriod(start + interval * 1000, interval)).toBe(p + 1);
      }),
    );
  });

  it('task ids are valid FC task ids, fixed by (instance, period, interval) and different when any of them differs', () => {
    const TASK_ID = /^[A-Za-z_][A-Za-z0-9_-]{0,127}$/;
    fc.assert(
      fc.property(instanceIdArb, instanceIdArb, fc.nat(), fc.integer({ min: 1, max: 10 ** 9 }), (a, b, period, interval) => {
        const id = fleetTaskId(a, period, interval);
        expect(id).toMatch(TASK_ID);
        expect(fleetTaskId(a, period, interval)).toBe(id);
        expect(fleetTaskId(a, period + 1, interval) === id).toBe(false);
        expect(fleetTaskId(a, period, interval + 1) === id).toBe(false);
        if (a !== b) expect(fleetTaskId(b, period, interval) === id).toBe(false);
      }),
    );
    expect(fleetTaskId('es-cn-abc', 20000, 2592000)).toBe('rotate-es-cn-abc-i2592000-p20000');
    // Anything that would not be a valid task id is hashed instead of sent.
    expect(fleetTaskId('x'.repeat(200), 1, 1)).toMatch(/^rotate-[0-9a-f]{40}$/);
  });
});

describe('start offsets', () => {
  it('one per slot of the window, in order, below the window, and the same every time', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(instanceIdArb, { minLength: 1, maxLength: 300 }),
        fc.integer({ min: 1, max: 3_600_000 }),
        fc.string(),
        (keys, windowMs, salt) => {
          const offsets = startOffsets(keys, windowMs, salt);
          expect(offsets).toHaveLength(keys.length);
          expect(startOffsets(keys, windowMs, salt)).toEqual(offsets);
          const slot = windowMs / keys.length;
          offsets.forEach((o, i) => {
            expect(Number.isInteger(o)).toBe(true);
            expect(o).toBeGreaterThanOrEqual(Math.floor(i * slot));
            expect(o).toBeLessThan(windowMs);
            if (slot >= 1) expect(o).toBeLessThan(Math.ceil((i + 1) * slot));
            if (i > 0) expect(o).toBeGreaterThanOrEqual(offsets[i - 1]!);
          });
        },
      ),
    );
  });

  it('a zero window starts everything at once', () => {
    expect(startOffsets(['es-a', 'es-b'], 0, 'p')).toEqual([0, 0]);
  });

  it('the window leaves the last call time before the deadline', () => {
    fc.assert(
      fc.property(fc.nat(86_400_000), fc.integer({ min: -1000, max: 900_000 }), (configured, remaining) => {
        const w = effectiveWindow(configured, 0, remaining);
        expect(w).toBeGreaterThanOrEqual(0);
        expect(w).toBeLessThanOrEqual(configured);
        if (remaining > 0) expect(w).toBeLessThanOrEqual(remaining - Math.min(10_000, remaining / 5));
        else expect(w).toBe(0);
      }),
    );
  });
});

describe('dispatch retry rules', () => {
  const req = { functionName: 'f', qualifier: undefined, payload: { instanceId: 'es-a', secretName: 's' }, taskId: 'rotate-es-a' };
  function scripted(steps: Array<InvokeOutcome | DispatchError>): Invoker & { calls: number } {
    const invoker = {
      api: 'fc3' as const,
      calls: 0,
      invoke: async () => {
        const step = steps[invoker.calls++];
        if (step === undefined) throw new Error('no more steps');
        if (step instanceof DispatchError) throw step;
        return step;
      },
    };
    return invoker;
  }
  const opts = { deadline: Date.now() + 60_000, sleep: async () => undefined };

  it('a first-attempt 409 is someone else’s task: exists', async () => {
    expect(await dispatch(scripted([{ kind: 'exists' }]), req, opts)).toEqual({ kind: 'exists' });
  });

  it('a 409 after a retryable failure is our own earlier attempt: dispatched', async () => {
    const inv = scripted([new DispatchError('ECONNRESET', 'lost', true), { kind: 'exists' }]);
    expect(await dispatch(inv, req, opts)).toEqual({ kind: 'dispatched', requestId: undefined, attempts: 2 });
  });

  it('stops at a final error, and after maxAttempts retryable ones', async () => {
    expect(await dispatch(scripted([new DispatchError('AccessDenied', 'no', false)]), req, opts)).toMatchObject({
      kind: 'failed',
      code: 'AccessDenied',
      attempts: 1,
    });
    const busy = scripted(Array.from({ length: 10 }, () => new DispatchError('ServiceUnavailable', 'busy', true)));
    expect(await dispatch(busy, req, { ...opts, maxAttempts: 4 })).toMatchObject({
      kind: 'failed',
      code: 'ServiceUnavailable',
      attempts: 4,
    });
    expect(busy.calls).toBe(4);
  });

  it('does not retry past the deadline', async () => {
    const inv = scripted([new DispatchError('ServiceUnavailable', 'busy', true), { kind: 'queued', requestId: 'r' }]);
    expect(await dispatch(inv, req, { deadline: Date.now() - 1, sleep: opts.sleep, random: () => 0.5 })).toMatchObject({
      kind: 'failed',
      attempts: 1,
    });
  });
});

describe('fleetSettings', () => {
  it('has the documented defaults', () => {
    expect(fleetSettings({})).toEqual({
      tag: { tagKey: 'es-guard:rotate', tagValue: 'true' },
      regions: [],
      intervalSeconds: 30 * 86_400,
      concurrency: 16,
      spreadSeconds: 0,
      functionName: 'es-guard-rotate-password',
      qualifier: undefined,
      transport: 'fc3',
      fc2ServiceName: undefined,
      secretNameTemplate: 'es-guard/{instanceId}/elastic',
      allowedInstanceIds: [],
      resumePendingAfterSeconds: 3 * 3600,
    });
  });

  it('ROTATION_INTERVAL_SECONDS wins over ROTATION_INTERVAL_DAYS', () => {
    expect(fleetSettings({ ROTATION_INTERVAL_DAYS: '7', ROTATION_INTERVAL_SECONDS: '90' }).intervalSeconds).toBe(90);
    expect(fleetSettings({ ROTATION_INTERVAL_DAYS: '7' }).intervalSeconds).toBe(7 * 86_400);
  });

  it.each([
    [{ FLEET_TRANSPORT: 'fc4' }, 'FLEET_TRANSPORT'],
    [{ FLEET_TRANSPORT: 'fc2' }, 'FC2_SERVICE_NAME'],
    [{ FLEET_CONCURRENCY: '0' }, 'FLEET_CONCURRENCY'],
    [{ FLEET_RESUME_PENDING_AFTER_SECONDS: '0' }, 'FLEET_RESUME_PENDING_AFTER_SECONDS'],
    [{ FLEET_RESUME_PENDING_AFTER_SECONDS: '2h' }, 'FLEET_RESUME_PENDING_AFTER_SECONDS'],
    [{ FLEET_SPREAD_SECONDS: '-1' }, 'FLEET_SPREAD_SECONDS'],
    [{ ROTATION_INTERVAL_DAYS: '1.5' }, 'ROTATION_INTERVAL_DAYS'],
    [{ FLEET_REGIONS: 'cn-hangzhou,Mars' }, 'FLEET_REGIONS'],
    [{ ROTATE_FUNCTION_NAME: 'bad name' }, 'ROTATE_FUNCTION_NAME'],
    [{ SECRET_NAME_TEMPLATE: 'one-for-all' }, 'SECRET_NAME_TEMPLATE'],
  ])('%j is refused, naming %s', (env, variable) => {
    expect(() => fleetSettings(env)).toThrow(
      expect.objectContaining({ code: 'InvalidConfiguration', message: expect.stringContaining(variable) }),
    );
  });
});

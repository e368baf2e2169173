import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../shared/errors';
import { rotationSettings } from '../../shared/rotation';
import { generatePassword, PASSWORD_ALPHABET } from '../../shared/rotation/password';
import { rotationRequests } from '../../shared/rotation/request';
import { rotationToken } from '../../shared/rotation/token';
import { decodeTrigger } from '../../shared/triggers';
import { PASSWORD_CLASSES, type PasswordClass } from '../../shared/validation';
import { isValidPassword, PASSWORD_SPECIALS, passwordRulesBroken } from '../../shared/validation/password';

const CLASS_NAMES = Object.keys(PASSWORD_CLASSES) as PasswordClass[];
const classOf = (c: string): PasswordClass => CLASS_NAMES.find((k) => PASSWORD_CLASSES[k].includes(c))!;

/** Pearson's statistic of observed counts against a uniform expectation. */
function chiSquare(counts: ReadonlyMap<string, number>, alphabet: string): number {
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  const expected = total / alphabet.length;
  let x2 = 0;
  for (const c of alphabet) x2 += ((counts.get(c) ?? 0) - expected) ** 2 / expected;
  return x2;
}

describe('generatePassword', () => {
  it('draws from exactly the policy alphabet: A-Z a-z 0-9 and !@#$%^&*()_+-=, each character once', () => {
    expect(PASSWORD_SPECIALS).toBe('!@#$%^&*()_+-=');
    expect(PASSWORD_ALPHABET).toHaveLength(26 + 26 + 10 + 14);
    expect(new Set(PASSWORD_ALPHABET).size).toBe(PASSWORD_ALPHABET.length);
    expect([...PASSWORD_ALPHABET].sort().join('')).toBe(
      [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!@#$%^&*()_+-='].sort().join(''),
    );
  });

  it('meets the policy in 100,000 samples, with every length 8-32, every class and every character represented, roughly uniform', () => {
    const SAMPLES = 100_000;
    const counts = new Map<string, number>();
    const long = new Map<string, number>();
    const first = new Map<string, number>();
    const lengths = new Map<number, number>();
    const classCounts = new Map<number, number>();
    const missing = new Map<PasswordClass, number>();
    const seen = new Set<string>();
    for (let i = 0; i < SAMPLES; i++) {
      const length = 8 + (i % 25);
      const p = generatePassword(length);
      expect(p.length).toBe(length);
      if (passwordRulesBroken(p).length > 0) throw new Error(`sample ${i} breaks ${passwordRulesBroken(p).join(', ')}`);
      seen.add(p);
      lengths.set(length, (lengths.get(length) ?? 0) + 1);
      const classes = new Set<PasswordClass>();
      for (const c of p) {
        counts.set(c, (counts.get(c) ?? 0) + 1);
        if (length === 32) long.set(c, (long.get(c) ?? 0) + 1);
        classes.add(classOf(c));
      }
      if (length === 32) first.set(p[0]!, (first.get(p[0]!) ?? 0) + 1);
      classCounts.set(classes.size, (classCounts.get(classes.size) ?? 0) + 1);
      for (const k of CLASS_NAMES) if (!classes.has(k)) missing.set(k, (missing.get(k) ?? 0) + 1);
    }
    expect([...lengths.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: 25 }, (_, i) => 8 + i));
    expect(seen.size).toBe(SAMPLES);
    // Never fewer than three classes; both three and four occur, and each class is sometimes the one left out.
    expect([...classCounts.keys()].sort()).toEqual([3, 4]);
    expect([...missing.keys()].sort()).toEqual([...CLASS_NAMES].sort());
    // Every character of the alphabet is used, and nothing else.
    expect([...counts.keys()].sort()).toEqual([...PASSWORD_ALPHABET].sort());
    // 75 degrees of freedom: the statistic is about 75 ± 12 for a uniform source. The bounds are far out
    // (p < 1e-15), so only a real bias fails them; the class rejection at short lengths adds far less.
    expect(chiSquare(long, PASSWORD_ALPHABET)).toBeLessThan(250);
    expect(chiSquare(first, PASSWORD_ALPHABET)).toBeLessThan(250);
    expect(chiSquare(counts, PASSWORD_ALPHABET)).toBeLessThan(250);
    // A biased generator (say, one that always puts a special first) is far beyond them.
    const biased = new Map(first);
    biased.set('!', (biased.get('!') ?? 0) + 500);
    expect(chiSquare(biased, PASSWORD_ALPHABET)).toBeGreaterThan(250);
  });

  it('defaults to 32 characters and refuses lengths outside 8-32', () => {
    expect(generatePassword()).toHaveLength(32);
    for (const bad of [7, 33, 0, 12.5, Number.NaN]) expect(() => generatePassword(bad)).toThrow(RangeError);
  });
});

describe('rotationToken', () => {
  it(
    'is derived: the same instance, secret and base version give the same token; any other secret, version or creation ' + 'time another',
    () => {
      fc.assert(
        fc.property(
          fc.stringMatching(/^es-[a-z0-9]{1,20}$/),
          fc.stringMatching(/^[a-z0-9/]{1,40}$/),
          fc.string({ minLength: 1, maxLength: 64 }),
          fc.integer({ min: 0, max: 2_000_000_000 }),
          (instanceId, secretName, versionId, seconds) => {
            const createTime = new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
            const base = { instanceId, secretName, versionId, createTime };
            const token = rotationToken(base);
            expect(token).toMatch(/^rot-[0-9a-f]{32}$/);
            expect(rotationToken({ ...base })).toBe(token);
            expect(rotationToken({ ...base, versionId: `${versionId}x` })).not.toBe(token);
            expect(rotationToken({ ...base, instanceId: `${instanceId}x` })).not.toBe(token);
            expect(rotationToken({ ...base, secretName: `${secretName}x` })).not.toBe(token);
            expect(rotationToken({ ...base, createTime: new Date((seconds + 1) * 1000).toISOString() })).not.toBe(token);
          },
        ),
      );
      // Two secrets of one instance that both start from the placeholder (issue 11, item 5).
      const placeholder = { instanceId: 'es-cn-a', versionId: 'es-guard-initial', createTime: '2026-12-01T08:00:00Z' };
      expect(rotationToken({ ...placeholder, secretName: 'es-guard/es-cn-a/elastic' })).not.toBe(
        rotationToken({ ...placeholder, secretName: 'es-guard-v2/es-cn-a' }),
      );
    },
  );
});

describe('rotationRequests', () => {
  const template = 'es-guard/{instanceId}/elastic';
  const decode = (event: unknown) => decodeTrigger(Buffer.from(JSON.stringify(event)));

  it('reads a CloudEvent whose data arrived as JSON text, and applies the secret name template', () => {
    const event = { specversion: '1.0', id: 'e1', source: 's', type: 't', data: JSON.stringify({ instanceId: 'es-cn-abc' }) };
    expect(rotationRequests(decode(event), template)).toEqual([{ instanceId: 'es-cn-abc', secretName: 'es-guard/es-cn-abc/elastic' }]);
  });

  it('names the field and rule of a bad target in a batch, without echoing values', () => {
    const events = [
      { specversion: '1.0', id: 'e1', source: 's', type: 't', data: { instanceId: 'es-cn-abc' } },
      { specversion: '1.0', id: 'e2', source: 's', type: 't', data: { instanceId: 'es-cn-abc', secretName: 'bad name with spaces' } },
    ];
    try {
      rotationRequests(decode(events), template);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).issues).toEqual([
        expect.objectContaining({ field: 'events[1].data.secretName', rule: 'secret-name-format' }),
      ]);
      expect((error as Error).message).not.toContain('bad name with spaces');
    }
  });

  it('accepts an HTTP body esAdminPassword only when it meets the policy', () => {
    const http = (body: string) => ({
      version: 'v1',
      rawPath: '/openapi/instances/es-cn-abc/admin-pwd',
      body,
      headers: {},
      queryParameters: {},
      requestContext: { http: { method: 'PATCH', path: '/openapi/instances/es-cn-abc/admin-pwd', sourceIp: '10.0.0.1' }, requestId: 'r' },
    });
    expect(rotationRequests(decode(http('{"esAdminPassword":"Good_Pass-123"}')), template)).toEqual([
      { instanceId: 'es-cn-abc', secretName: 'es-guard/es-cn-abc/elastic', password: 'Good_Pass-123' },
    ]);
    expect(isValidPassword('Good_Pass-123')).toBe(true);
    expect(rotationRequests(decode(http('{}')), template)).toEqual([{ instanceId: 'es-cn-abc', secretName: 'es-guard/es-cn-abc/elastic' }]);
    expect(() => rotationRequests(decode(http('{"esAdminPassword":"NoDigitsOrSpecials"}')), template)).toThrow(
      /esAdminPassword: must use at least 3 of/,
    );
  });
});

describe('rotationSettings', () => {
  it('has the documented defaults and refuses bad values naming the variable', () => {
    expect(rotationSettings({})).toEqual({
      secretNameTemplate: 'es-guard/{instanceId}/elastic',
      passwordLength: 32,
      test: true,
      unverifiedWaitMs: 300_000,
      testTimeoutMs: 600_000,
      testPollMs: 10_000,
      instancePollMs: 5_000,
      dataPlaneTimeoutMs: 5_000,
      allowedInstanceIds: [],
    });
    expect(() => rotationSettings({ PASSWORD_LENGTH: '7' })).toThrow(/PASSWORD_LENGTH: must be between 8 and 32/);
    expect(() => rotationSettings({ SECRET_NAME_TEMPLATE: 'one-secret-for-all' })).toThrow(
      /SECRET_NAME_TEMPLATE: must contain \{instanceId\}/,
    );
    expect(() => rotationSettings({ ROTATION_TEST: 'maybe' })).toThrow(/ROTATION_TEST/);
  });
});

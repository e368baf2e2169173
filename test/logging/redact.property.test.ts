import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Logger } from '../../shared/logging';
import { REDACTED, registerSecret } from '../../shared/redaction';
import { clearSecrets } from '../../shared/redaction/redact';
import { captureEachTest } from '../support/stdout';

const out = captureEachTest();

const SECRET_KEYS = [
  'password',
  'Password',
  'esAdminPassword',
  'accessKeySecret',
  'AccessKeySecret',
  'securityToken',
  'SecurityToken',
  'x-acs-security-token',
  'authorization',
  'Authorization',
  'credentials',
  'ALIBABA_CLOUD_ACCESS_KEY_SECRET',
  'api_key',
];

// Text every record holds whatever it is given. A "secret" that is a piece of it would be printed by any
// log line at all; no real secret is.
const STRUCTURE = [
  '{"time":"2000-01-01T00:00:00.000Z","level":"debug","level":"info","level":"warn","level":"error","msg":""}',
  `${REDACTED} record withheld: it still held a registered secret after redaction`,
  '[Circular][Truncated][Unserializable]',
  ...SECRET_KEYS,
].join('\n');
const plausible = (s: string): boolean => !STRUCTURE.includes(s) && !/^[\d:.TZ"-]*$/.test(s);

/** Forms a secret could take in a printed line. */
const printedForms = (secret: string): string[] => [secret, JSON.stringify(secret).slice(1, -1)];

const secretArb = fc
  .oneof(
    // What real ones look like: the UpdateAdminPassword character set, STS-token-like base64.
    fc.stringMatching(/^[A-Za-z0-9!@#$%^&*()_+\-=]{8,32}$/),
    fc.base64String({ minLength: 12, maxLength: 64 }),
    // And anything at all, lone surrogates, quotes and backslashes included.
    fc.string({ unit: 'binary', minLength: 8, maxLength: 24 }),
  )
  .filter(plausible);

/** A record tree where the secret may hide in any string: values, keys, error messages, causes, stacks. */
function recordWith(secret: string) {
  const text = fc.oneof(
    fc.string({ maxLength: 12 }),
    fc.tuple(fc.string({ maxLength: 6 }), fc.string({ maxLength: 6 })).map(([a, b]) => `${a}${secret}${b}`),
  );
  const { node } = fc.letrec<{ node: unknown; array: unknown[]; object: Record<string, unknown>; error: Error }>((tie) => ({
    node: fc.oneof({ depthSize: 'small' }, text, fc.integer(), fc.boolean(), fc.constant(null), tie('array'), tie('object'), tie('error')),
    array: fc.array(tie('node'), { maxLength: 4 }),
    object: fc.dictionary(fc.oneof(fc.string({ maxLength: 8 }), text), tie('node'), { maxKeys: 4 }),
    error: fc.tuple(text, tie('node')).map(([message, cause]) => Object.assign(new Error(message, { cause }), { detail: cause })),
  }));
  return fc.record({ msg: text, fields: fc.dictionary(fc.oneof(fc.string({ maxLength: 8 }), text), node, { maxKeys: 5 }), bindings: node });
}

describe('redaction, property-based', () => {
  it('never prints a registered secret, wherever it is embedded', () => {
    fc.assert(
      fc.property(
        secretArb.chain((secret) => fc.tuple(fc.constant(secret), recordWith(secret))),
        ([secret, { msg, fields, bindings }]) => {
          clearSecrets();
          registerSecret(secret);
          const before = out.text().length;
          const log = new Logger({ requestId: 'req-p' }, { level: 'debug' }).child({ ctx: bindings });
          log.error(msg, fields);
          log.child(fields).debug('again', { err: new Error(`failed with ${secret}`) });
          const printed = out.text().slice(before);
          for (const form of printedForms(secret)) expect(printed).not.toContain(form);
          // Still one JSON object per line.
          const lines = printed.split('\n').filter(Boolean);
          expect(lines).toHaveLength(2);
          for (const line of lines) expect(typeof JSON.parse(line)).toBe('object');
        },
      ),
      { numRuns: 600 },
    );
  });

  it('never prints values under secret-named keys, registered or not', () => {
    const value = fc.stringMatching(/^[A-Za-z0-9!@#$%^&*()_+\-=]{10,32}$/).filter(plausible);
    const nested = fc.oneof(
      value,
      fc.array(value, { minLength: 1, maxLength: 3 }),
      fc.dictionary(fc.constantFrom('a', 'b', 'inner'), value, { minKeys: 1 }),
    );
    const entry = fc.tuple(fc.constantFrom(...SECRET_KEYS), nested);
    fc.assert(
      fc.property(
        fc.array(entry, { minLength: 1, maxLength: 4 }),
        fc.array(fc.constantFrom('outer', 'list', 'deep'), { maxLength: 3 }),
        (entries, path) => {
          const before = out.text().length;
          let payload: unknown = Object.fromEntries(entries);
          for (const step of path) payload = step === 'list' ? [payload] : { [step]: payload };
          new Logger().info('call', { payload });
          const printed = out.text().slice(before);
          const secrets = entries.flatMap(([, v]) => (typeof v === 'string' ? [v] : Array.isArray(v) ? v : Object.values(v)));
          for (const secret of secrets) for (const form of printedForms(secret)) expect(printed).not.toContain(form);
          expect(printed).toContain(REDACTED);
        },
      ),
      { numRuns: 600 },
    );
  });
});

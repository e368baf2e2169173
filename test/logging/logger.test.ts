import { afterEach, describe, expect, it } from 'vitest';
import { BusyError, ValidationError } from '../../shared/errors';
import { Logger, logger } from '../../shared/logging';
import { withLogger } from '../../shared/logging/current';
import { levelFromEnv } from '../../shared/logging/logger';
import { REDACTED, registerSecret } from '../../shared/redaction';
import { unregisterSecret } from '../../shared/redaction/redact';
import { captureEachTest } from '../support/stdout';

const out = captureEachTest();
afterEach(() => {
  delete process.env['LOG_LEVEL'];
});

describe('Logger', () => {
  it('writes one JSON object per line with time, level, msg, bindings and fields', () => {
    const log = new Logger({ requestId: 'req-1', function: 'es-guard-whitelist' });
    log.info('whitelist updated', { instanceId: 'es-cn-abc', ips: 3 });
    log.child({ trigger: 'http' }).warn('slow', { durationMs: 1200 });
    const [first, second] = out.records();
    expect(first).toEqual({
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      level: 'info',
      msg: 'whitelist updated',
      requestId: 'req-1',
      function: 'es-guard-whitelist',
      instanceId: 'es-cn-abc',
      ips: 3,
    });
    expect(Object.keys(first!).slice(0, 4)).toEqual(['time', 'level', 'msg', 'requestId']);
    expect(second).toMatchObject({ level: 'warn', msg: 'slow', requestId: 'req-1', trigger: 'http', durationMs: 1200 });
    expect(out.text().split('\n')).toHaveLength(3);
  });

  it('takes its level from LOG_LEVEL, default info', () => {
    expect(levelFromEnv(undefined)).toBe('info');
    expect(levelFromEnv('DEBUG')).toBe('debug');
    expect(levelFromEnv('verbose')).toBe('info');
    process.env['LOG_LEVEL'] = 'warn';
    const log = new Logger();
    log.debug('d');
    log.info('i');
    log.warn('w');
    log.error('e');
    expect(out.records().map((r) => r['level'])).toEqual(['warn', 'error']);
    process.env['LOG_LEVEL'] = 'debug';
    new Logger().debug('now visible');
    expect(out.records().at(-1)).toMatchObject({ level: 'debug', msg: 'now visible' });
  });

  it('does not let fields overwrite time, level or msg', () => {
    new Logger().info('real', { msg: 'fake', level: 'error', time: 'then' });
    expect(out.records()[0]).toMatchObject({ msg: 'real', level: 'info', msg_: 'fake', level_: 'error', time_: 'then' });
  });

  it('serialises errors with code, status, issues, stack and cause', () => {
    const cause = new Error('ECONNRESET');
    const err = new ValidationError([{ field: 'ips[0]', rule: 'cidr', message: 'not a CIDR' }]);
    Object.defineProperty(err, 'cause', { value: cause });
    new Logger().error('failed', { err, busy: new BusyError('Busy', 'busy', 5) });
    const record = out.records()[0]!;
    expect(record['err']).toMatchObject({
      name: 'ValidationError',
      message: 'ips[0]: not a CIDR (cidr)',
      status: 400,
      code: 'InvalidParameter',
      issues: [{ field: 'ips[0]', rule: 'cidr', message: 'not a CIDR' }],
      stack: expect.stringContaining('ValidationError: ips[0]: not a CIDR'),
      cause: { name: 'Error', message: 'ECONNRESET' },
    });
    expect(record['busy']).toMatchObject({ name: 'BusyError', status: 409, retryAfterSeconds: 5 });
  });

  it('survives cycles, bigints, binary data, throwing getters and huge strings', () => {
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic['self'] = cyclic;
    const shared = { x: 1 };
    const hostile = Object.defineProperty({}, 'boom', {
      enumerable: true,
      get() {
        throw new Error('getter');
      },
    });
    new Logger().info('odd', {
      cyclic,
      pair: [shared, shared],
      n: 10n,
      buf: Buffer.from('secret bytes'),
      hostile,
      big: 'y'.repeat(100_000),
      date: new Date(0),
      set: new Set([1]),
      map: new Map([['k', 'v']]),
      fn: () => 1,
    });
    const record = out.records()[0]!;
    expect(record).toMatchObject({
      cyclic: { name: 'loop', self: '[Circular]' },
      pair: [{ x: 1 }, { x: 1 }],
      n: '10',
      buf: '[Binary 12 bytes]',
      hostile: { boom: '[Unserializable]' },
      date: '1970-01-01T00:00:00.000Z',
      set: [1],
      map: [['k', 'v']],
    });
    expect(record).not.toHaveProperty('fn');
    expect(record['big']).toMatch(/^y{16384}\.\.\.\[83616 more chars\]$/);
  });
});

describe('redaction', () => {
  it('replaces values under secret-named keys, nested, in arrays, any case', () => {
    new Logger().info('request', {
      headers: {
        Authorization: 'ACS3-HMAC-SHA256 Credential=x,Signature=abc',
        'x-acs-security-token': 'tok-1',
        host: 'es.cn-hangzhou.aliyuncs.com',
      },
      body: { esAdminPassword: 'pw-1', nested: [{ PASSWORD: 'pw-2' }, { accessKeySecret: 'aks-1', accessKeyId: 'LTAI-id' }] },
      credentials: { anything: 'goes' },
      securityToken: { deep: 'tok-2' },
      secretName: 'es-guard/es-cn-abc/elastic',
      clientToken: 'idem-1',
    });
    const record = out.records()[0]!;
    expect(record['headers']).toEqual({ Authorization: REDACTED, 'x-acs-security-token': REDACTED, host: 'es.cn-hangzhou.aliyuncs.com' });
    expect(record['body']).toEqual({
      esAdminPassword: REDACTED,
      nested: [{ PASSWORD: REDACTED }, { accessKeySecret: REDACTED, accessKeyId: 'LTAI-id' }],
    });
    expect(record['credentials']).toBe(REDACTED);
    expect(record['securityToken']).toBe(REDACTED);
    // Identifiers that only sound secret stay readable.
    expect(record['secretName']).toBe('es-guard/es-cn-abc/elastic');
    expect(record['clientToken']).toBe('idem-1');
    for (const value of ['tok-1', 'pw-1', 'pw-2', 'aks-1', 'tok-2', 'goes', 'Signature=abc']) expect(out.text()).not.toContain(value);
  });

  it('scrubs registered values from every string: msg, fields, keys, error messages and stacks', () => {
    const password = 'N3w!Elastic#Pass_2024';
    registerSecret(password);
    const err = new Error(`UpdateAdminPassword failed for ${password}`, { cause: new Error(`retry with ${password}`) });
    new Logger({ requestId: 'r' }).error(`rotating to ${password}`, {
      err,
      note: `was ${password}.`,
      [password]: 'as a key',
      list: [[`x${password}y`]],
      jsonText: JSON.stringify({ p: password }),
      url: `https://es/_security?pw=${encodeURIComponent(password)}`,
    });
    const text = out.text();
    expect(text).not.toContain(password);
    expect(text).not.toContain(encodeURIComponent(password));
    const record = out.records()[0]!;
    expect(record['msg']).toBe('rotating to [REDACTED]');
    expect(record['note']).toBe('was [REDACTED].');
    expect(record['[REDACTED]']).toBe('as a key');
    expect(record['list']).toEqual([['x[REDACTED]y']]);
    expect(record['url']).toBe('https://es/_security?pw=[REDACTED]');
    expect((record['err'] as { stack: string }).stack).toContain('UpdateAdminPassword failed for [REDACTED]');
    expect((record['err'] as { cause: { message: string } }).cause.message).toBe('retry with [REDACTED]');
  });

  it('scrubs JSON-escaped forms and cuts out the longer of two overlapping secrets whole', () => {
    registerSecret('quo"te\\slash-secret');
    registerSecret('abcdefgh');
    registerSecret('abcdefgh-ijklmnop');
    new Logger().info('x', {
      raw: 'quo"te\\slash-secret',
      escaped: JSON.stringify({ s: 'quo"te\\slash-secret' }),
      both: 'abcdefgh-ijklmnop and abcdefgh',
    });
    const text = out.text();
    expect(text).not.toContain('slash-secret');
    expect(out.records()[0]).toMatchObject({ raw: REDACTED, escaped: '{"s":"[REDACTED]"}', both: '[REDACTED] and [REDACTED]' });
  });

  it('ignores values too short to be secrets and can forget a value', () => {
    registerSecret('short');
    registerSecret('');
    registerSecret(undefined);
    registerSecret('forget-me-later');
    unregisterSecret('forget-me-later');
    new Logger().info('short forget-me-later');
    expect(out.records()[0]!['msg']).toBe('short forget-me-later');
  });

  it('withholds a record where a secret re-forms across JSON syntax', () => {
    registerSecret('a","b":"c');
    new Logger().info('m', { x: 'a', b: 'c' });
    const record = out.records()[0]!;
    expect(record['msg']).toMatch(/record withheld/);
    expect(out.text()).not.toContain('a","b":"c');
  });
});

describe('logger()', () => {
  it('returns the bound logger inside withLogger and a base logger outside', () => {
    process.env['FC_FUNCTION_NAME'] = 'es-guard-rotate';
    try {
      withLogger(new Logger({ requestId: 'inner' }), () => logger().info('in'));
      logger().info('out');
      const [inner, outer] = out.records();
      expect(inner).toMatchObject({ requestId: 'inner', msg: 'in' });
      expect(outer).toMatchObject({ function: 'es-guard-rotate', msg: 'out' });
      expect(outer).not.toHaveProperty('requestId');
    } finally {
      delete process.env['FC_FUNCTION_NAME'];
    }
  });
});

import { describe, expect, it } from 'vitest';
import { ValidationError, type FieldIssue } from '../../shared/errors';
import { parseWhitelistHttpRequest, parseWhitelistRequest } from '../../shared/validation';
import { parse } from '../../shared/validation/parse';
import { createWhitelistValidation, whitelistHttpBodySchema, whitelistRequestSchema } from '../../shared/validation/whitelist';

const ID = 'es-cn-tl329rbpc0001abcd';

function issuesOf(fn: () => unknown): FieldIssue[] {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError);
    return [...(e as ValidationError).issues];
  }
  return expect.unreachable('expected a ValidationError');
}
const pairs = (fn: () => unknown) => issuesOf(fn).map((i) => [i.field, i.rule]);

describe('whitelist request: accepted forms', () => {
  it('accepts the seed\'s group sample, dropping its "" entry, defaulting Cover and PRIVATE_ES', () => {
    expect(parseWhitelistRequest({ instanceId: ID, whiteIpGroup: { groupName: 'test_group_name', ips: ['', '10.2.0.1'] } })).toEqual({
      instanceId: ID,
      modifyMode: 'Cover',
      whiteIpGroup: { groupName: 'test_group_name', ips: ['10.2.0.1'], whiteIpType: 'PRIVATE_ES' },
    });
  });

  it("accepts the seed's plain-list sample", () => {
    expect(parseWhitelistRequest({ instanceId: ID, privateNetworkIpWhiteList: ['192.168.1.0/25'] })).toEqual({
      instanceId: ID,
      modifyMode: 'Cover',
      privateNetworkIpWhiteList: ['192.168.1.0/25'],
    });
  });

  it('canonicalises and dedupes entries in first-seen order and keeps the client token', () => {
    const r = parseWhitelistRequest({
      instanceId: ID,
      modifyMode: 'Append',
      clientToken: '5A2CFF0E-5718-45B5-9D4D-70B3FF000000',
      privateNetworkIpWhiteList: ['10.0.0.2/32', '', '2001:DB8::1', '10.0.0.2', '2001:db8:0:0:0:0:0:1/128', '10.1.0.0/16'],
    });
    expect(r).toEqual({
      instanceId: ID,
      modifyMode: 'Append',
      clientToken: '5A2CFF0E-5718-45B5-9D4D-70B3FF000000',
      privateNetworkIpWhiteList: ['10.0.0.2', '2001:db8::1', '10.1.0.0/16'],
    });
  });

  it('allows Cover with an empty group (it deletes the group), also when ips held only ""', () => {
    for (const ips of [[], [''], ['', '']]) {
      expect(
        parseWhitelistRequest({ instanceId: ID, modifyMode: 'Cover', whiteIpGroup: { groupName: 'old_group', ips } }).whiteIpGroup?.ips,
      ).toEqual([]);
    }
  });

  it('accepts an explicit whiteIpType PRIVATE_ES and every modify mode', () => {
    for (const modifyMode of ['Cover', 'Append', 'Delete']) {
      const r = parseWhitelistRequest({
        instanceId: ID,
        modifyMode,
        whiteIpGroup: { groupName: 'g1', ips: ['10.0.0.1'], whiteIpType: 'PRIVATE_ES' },
      });
      expect(r.modifyMode).toBe(modifyMode);
    }
  });

  it('accepts group names of 1 and 30 characters', () => {
    for (const groupName of ['a', `a${'b'.repeat(29)}`, 'default', 'Group_1']) {
      expect(parseWhitelistRequest({ instanceId: ID, whiteIpGroup: { groupName, ips: ['10.0.0.1'] } }).whiteIpGroup?.groupName).toBe(
        groupName,
      );
    }
  });
});

describe('whitelist request: each rule names its field', () => {
  const group = (over: object) => ({ instanceId: ID, whiteIpGroup: { groupName: 'g1', ips: ['10.0.0.1'], ...over } });
  it.each<[string, unknown, [string, string][]]>([
    [
      'both body forms',
      { instanceId: ID, privateNetworkIpWhiteList: ['10.0.0.1'], whiteIpGroup: { groupName: 'g', ips: ['10.0.0.1'] } },
      [['request', 'one-body-form']],
    ],
    ['neither body form', { instanceId: ID }, [['request', 'body-form-required']]],
    [
      'an array of groups',
      {
        instanceId: ID,
        whiteIpGroup: [
          { groupName: 'a', ips: ['10.0.0.1'] },
          { groupName: 'b', ips: ['10.0.0.2'] },
        ],
      },
      [['whiteIpGroup', 'one-group-per-call']],
    ],
    [
      'Cover of an empty plain list',
      { instanceId: ID, privateNetworkIpWhiteList: [] },
      [['privateNetworkIpWhiteList', 'cover-empty-list']],
    ],
    [
      'Cover of a plain list of ""',
      { instanceId: ID, modifyMode: 'Cover', privateNetworkIpWhiteList: [''] },
      [['privateNetworkIpWhiteList', 'cover-empty-list']],
    ],
    [
      'Append with no ips (list)',
      { instanceId: ID, modifyMode: 'Append', privateNetworkIpWhiteList: [''] },
      [['privateNetworkIpWhiteList', 'ips-required']],
    ],
    [
      'Delete with no ips (list)',
      { instanceId: ID, modifyMode: 'Delete', privateNetworkIpWhiteList: [] },
      [['privateNetworkIpWhiteList', 'ips-required']],
    ],
    [
      'Append with no ips (group)',
      { instanceId: ID, modifyMode: 'Append', whiteIpGroup: { groupName: 'g', ips: [''] } },
      [['whiteIpGroup.ips', 'ips-required']],
    ],
    [
      'Delete with no ips (group)',
      { instanceId: ID, modifyMode: 'Delete', whiteIpGroup: { groupName: 'g', ips: [] } },
      [['whiteIpGroup.ips', 'ips-required']],
    ],
    ['a CIDR with host bits', group({ ips: ['10.0.0.1', '', '10.0.0.1/24'] }), [['whiteIpGroup.ips[2]', 'cidr-host-bits']]],
    [
      'a bad prefix',
      { instanceId: ID, privateNetworkIpWhiteList: ['10.0.0.0/33'] },
      [['privateNetworkIpWhiteList[0]', 'cidr-prefix-range']],
    ],
    [
      'a leading zero',
      { instanceId: ID, privateNetworkIpWhiteList: ['010.0.0.1'] },
      [['privateNetworkIpWhiteList[0]', 'ipv4-leading-zero']],
    ],
    ['a zone id', { instanceId: ID, privateNetworkIpWhiteList: ['fe80::1%eth0'] }, [['privateNetworkIpWhiteList[0]', 'ip-zone-id']]],
    [
      'a non-string entry',
      group({ ips: ['10.0.0.1', 7, null] }),
      [
        ['whiteIpGroup.ips[1]', 'type'],
        ['whiteIpGroup.ips[2]', 'type'],
      ],
    ],
    ['ips not a list', group({ ips: '10.0.0.1' }), [['whiteIpGroup.ips', 'type']]],
    ['ips missing', { instanceId: ID, whiteIpGroup: { groupName: 'g' } }, [['whiteIpGroup.ips', 'required']]],
    ['groupName missing', { instanceId: ID, whiteIpGroup: { ips: ['10.0.0.1'] } }, [['whiteIpGroup.groupName', 'required']]],
    ['groupName empty', group({ groupName: '' }), [['whiteIpGroup.groupName', 'required']]],
    ['groupName too long', group({ groupName: `a${'b'.repeat(30)}` }), [['whiteIpGroup.groupName', 'max-length']]],
    ['groupName starting with a digit', group({ groupName: '1group' }), [['whiteIpGroup.groupName', 'group-name-format']]],
    ['groupName with a hyphen', group({ groupName: 'my-group' }), [['whiteIpGroup.groupName', 'group-name-format']]],
    ['groupName with a slash', group({ groupName: 'a/../b' }), [['whiteIpGroup.groupName', 'group-name-format']]],
    ['groupName not a string', group({ groupName: 5 }), [['whiteIpGroup.groupName', 'type']]],
    ['another whitelist type', group({ whiteIpType: 'PUBLIC_ES' }), [['whiteIpGroup.whiteIpType', 'enum']]],
    ['an unknown group field', group({ ip: ['10.0.0.2'] }), [['whiteIpGroup.ip', 'unknown-field']]],
    [
      'an unknown top-level field',
      { instanceId: ID, modifymode: 'Delete', privateNetworkIpWhiteList: ['10.0.0.1'] },
      [['modifymode', 'unknown-field']],
    ],
    [
      'the response field name instead of the request one',
      { instanceId: ID, esIPWhitelist: ['10.0.0.1'] },
      [
        ['esIPWhitelist', 'unknown-field'],
        ['request', 'body-form-required'],
      ],
    ],
    ['a lower-case mode', { instanceId: ID, modifyMode: 'cover', privateNetworkIpWhiteList: ['10.0.0.1'] }, [['modifyMode', 'enum']]],
    ['a missing instance id', { privateNetworkIpWhiteList: ['10.0.0.1'] }, [['instanceId', 'required']]],
    ['a -worker id', { instanceId: `${ID}-worker`, privateNetworkIpWhiteList: ['10.0.0.1'] }, [['instanceId', 'instance-id-format']]],
    [
      'a client token with a space',
      { instanceId: ID, clientToken: 'a b', privateNetworkIpWhiteList: ['10.0.0.1'] },
      [['clientToken', 'client-token-charset']],
    ],
    ['a null client token', { instanceId: ID, clientToken: null, privateNetworkIpWhiteList: ['10.0.0.1'] }, [['clientToken', 'type']]],
    ['a list as the request', [], [['request', 'type']]],
    ['null as the request', null, [['request', 'type']]],
    ['nothing as the request', undefined, [['request', 'required']]],
    ['a string as the request', '{"instanceId":"es-cn-x"}', [['request', 'type']]],
  ])('%s', (_name, input, expected) => {
    expect(pairs(() => parseWhitelistRequest(input))).toEqual(expected);
  });

  it('reports field issues from several fields at once', () => {
    expect(
      pairs(() =>
        parseWhitelistRequest({ instanceId: 'ES/../x', modifyMode: 'Replace', whiteIpGroup: { groupName: '_', ips: ['1.2.3'] } }),
      ),
    ).toEqual([
      ['instanceId', 'instance-id-format'],
      ['modifyMode', 'enum'],
      ['whiteIpGroup.groupName', 'group-name-format'],
      ['whiteIpGroup.ips[0]', 'ip-format'],
    ]);
  });

  it('the host-bits message names the network probably meant', () => {
    const [issue] = issuesOf(() => parseWhitelistRequest({ instanceId: ID, privateNetworkIpWhiteList: ['10.0.0.1/24'] }));
    expect(issue?.message).toContain('10.0.0.0/24');
  });
});

describe('whitelist request: limits', () => {
  it('refuses more than 1000 entries with one issue, before looking at the entries', () => {
    const ips = Array.from({ length: 1001 }, () => ({ not: 'an ip' }));
    expect(pairs(() => parseWhitelistRequest({ instanceId: ID, privateNetworkIpWhiteList: ips }))).toEqual([
      ['privateNetworkIpWhiteList', 'max-entries'],
    ]);
    const ok = Array.from({ length: 1000 }, (_, i) => `10.0.${i >> 8}.${i & 255}`);
    expect(parseWhitelistRequest({ instanceId: ID, privateNetworkIpWhiteList: ok }).privateNetworkIpWhiteList).toHaveLength(1000);
  });

  it('takes other limits through createWhitelistValidation', () => {
    const v = createWhitelistValidation({ maxEntries: 2 });
    expect(
      v.parseRequest({ instanceId: ID, whiteIpGroup: { groupName: 'g', ips: ['10.0.0.1', '10.0.0.2'] } }).whiteIpGroup?.ips,
    ).toHaveLength(2);
    expect(
      pairs(() => v.parseRequest({ instanceId: ID, whiteIpGroup: { groupName: 'g', ips: ['10.0.0.1', '10.0.0.2', '10.0.0.3'] } })),
    ).toEqual([['whiteIpGroup.ips', 'max-entries']]);
    expect(pairs(() => v.parseHttpRequest({ instanceId: ID }, { privateNetworkIpWhiteList: ['1.1.1.1', '1.1.1.2', '1.1.1.3'] }))).toEqual([
      ['privateNetworkIpWhiteList', 'max-entries'],
    ]);
  });

  it('caps a flood of bad entries at 20 issues plus a count of the rest', () => {
    const issues = issuesOf(() =>
      parseWhitelistRequest({ instanceId: ID, privateNetworkIpWhiteList: Array.from({ length: 500 }, () => 'bad') }),
    );
    expect(issues).toHaveLength(21);
    expect(issues[19]).toMatchObject({ field: 'privateNetworkIpWhiteList[19]', rule: 'ip-format' });
    expect(issues[20]).toMatchObject({ field: 'request', rule: 'too-many-issues', message: '480 more issues not shown' });
  });
});

describe('whitelist request: HTTP form (path/query values apart from the body)', () => {
  it('assembles the same normalised request', () => {
    expect(
      parseWhitelistHttpRequest(
        { instanceId: ID, modifyMode: 'Delete', clientToken: 'tok-1' },
        { whiteIpGroup: { groupName: 'g', ips: ['10.0.0.1/32'] } },
      ),
    ).toEqual({
      instanceId: ID,
      modifyMode: 'Delete',
      clientToken: 'tok-1',
      whiteIpGroup: { groupName: 'g', ips: ['10.0.0.1'], whiteIpType: 'PRIVATE_ES' },
    });
    expect(parseWhitelistHttpRequest({ instanceId: ID }, { privateNetworkIpWhiteList: ['10.0.0.1'] }).modifyMode).toBe('Cover');
  });

  it('a body cannot carry instanceId, modifyMode or clientToken (they come from the path and query)', () => {
    expect(
      pairs(() =>
        parseWhitelistHttpRequest(
          { instanceId: ID },
          { instanceId: 'es-cn-other', modifyMode: 'Cover', privateNetworkIpWhiteList: ['10.0.0.1'] },
        ),
      ),
    ).toEqual([
      ['instanceId', 'unknown-field'],
      ['modifyMode', 'unknown-field'],
    ]);
  });

  it('refuses unknown query parameters, so a misspelt modifyMode is not read as Cover', () => {
    expect(
      pairs(() => parseWhitelistHttpRequest({ instanceId: ID, modifymode: 'Delete' }, { privateNetworkIpWhiteList: ['10.0.0.1'] })),
    ).toEqual([['modifymode', 'unknown-field']]);
  });

  it('reports query and body issues together, then cross-field rules with body field names', () => {
    expect(pairs(() => parseWhitelistHttpRequest({ instanceId: 'bad id', modifyMode: 'x' }, 'not json object'))).toEqual([
      ['instanceId', 'instance-id-format'],
      ['modifyMode', 'enum'],
      ['body', 'type'],
    ]);
    expect(
      pairs(() => parseWhitelistHttpRequest({ instanceId: ID, modifyMode: 'Append' }, { whiteIpGroup: { groupName: 'g', ips: [] } })),
    ).toEqual([['whiteIpGroup.ips', 'ips-required']]);
    expect(pairs(() => parseWhitelistHttpRequest({ instanceId: ID }, {}))).toEqual([['body', 'body-form-required']]);
    expect(
      pairs(() =>
        parseWhitelistHttpRequest(
          { instanceId: ID },
          { privateNetworkIpWhiteList: ['10.0.0.1'], whiteIpGroup: { groupName: 'g', ips: [] } },
        ),
      ),
    ).toEqual([['body', 'one-body-form']]);
  });

  it('the body schema alone checks fields but leaves the mode-dependent rules to the request', () => {
    expect(parse(whitelistHttpBodySchema, { whiteIpGroup: { groupName: 'g', ips: ['', '10.0.0.1'] } }, 'body')).toEqual({
      whiteIpGroup: { groupName: 'g', ips: ['10.0.0.1'] },
    });
    expect(pairs(() => parse(whitelistHttpBodySchema, { whiteIpGroup: [] }, 'body'))).toEqual([['whiteIpGroup', 'one-group-per-call']]);
  });

  it('the full-request schema is usable with parse()', () => {
    expect(parse(whitelistRequestSchema, { instanceId: ID, privateNetworkIpWhiteList: ['::1'] })).toMatchObject({
      privateNetworkIpWhiteList: ['::1'],
    });
  });
});

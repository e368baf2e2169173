import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../shared/errors';
import { computeDrift, type ExposureDescription } from '../../shared/lockdown/drift';
import { planFor } from '../../shared/lockdown/plan';
import { parsePolicy } from '../../shared/lockdown/policy';
import { whitelistSettings } from '../../shared/whitelist';

/*
 * The policy's own rules (issue 15: private only, minimum prefix, never open to all, maximum entries, keep)
 * and the plan's order and guardrails, on plain descriptions shaped like DescribeInstance's Result.
 */

const guard = whitelistSettings({});

function issuesOf(input: unknown): { field: string; rule: string }[] {
  try {
    parsePolicy(input, guard);
  } catch (error) {
    if (error instanceof ValidationError) return error.issues.map((i) => ({ field: i.field, rule: i.rule }));
    throw error;
  }
  return [];
}

const one = (rule: Record<string, unknown>) => ({
  version: 1,
  policies: [{ name: 'p', select: { instanceIds: ['es-cn-abc0001'] }, ...rule }],
});

describe('policy validation names the path and the rule', () => {
  it.each([
    [{ version: 2, policies: [] }, 'version', 'enum'],
    [{ version: 1, policies: [{ name: 'p', select: {} }] }, 'policies[0].select', 'required'],
    [one({ exposure: { kibanaPublic: 1 } }), 'policies[0].exposure.kibanaPublic', 'type'],
    [one({ exposure: { ssh: false } }), 'policies[0].exposure.ssh', 'unknown-field'],
    [one({ whitelists: { PRIVATE_LOGSTASH: { groups: {} } } }), 'policies[0].whitelists.PRIVATE_LOGSTASH', 'unknown-field'],
    [
      one({ whitelists: { PRIVATE_ES: { groups: { g: { entries: ['::/0'] } } } } }),
      'policies[0].whitelists.PRIVATE_ES.groups.g.entries[0]',
      'open-to-all',
    ],
    [
      one({ whitelists: { PRIVATE_ES: { groups: { g: { entries: ['10.0.0.0/8'] } }, rules: { neverOpenToAll: false } } } }),
      'policies[0].whitelists.PRIVATE_ES.rules.neverOpenToAll',
      'open-to-all',
    ],
    [
      one({ whitelists: { PRIVATE_ES: { groups: { g: { entries: ['10.0.0.0/8'] } }, rules: { privateOnly: false } } } }),
      'policies[0].whitelists.PRIVATE_ES.rules.privateOnly',
      'private-only',
    ],
    [
      one({ whitelists: { PUBLIC_ES: { groups: { g: { entries: ['192.168.1.0/24'] } } } } }),
      'policies[0].whitelists.PUBLIC_ES.groups.g.entries[0]',
      'public-only',
    ],
    [
      one({ whitelists: { PRIVATE_ES: { groups: { g: { entries: ['10.1.0.0/24', '10.2.0.0/24'] } }, rules: { maxEntries: 1 } } } }),
      'policies[0].whitelists.PRIVATE_ES.groups.g.entries',
      'max-entries',
    ],
    [
      one({ whitelists: { PRIVATE_ES: { groups: { g: { entries: ['10.0.0.0/7'] } } } } }),
      'policies[0].whitelists.PRIVATE_ES.groups.g.entries[0]',
      'min-prefix',
    ],
    [
      one({ whitelists: { PRIVATE_ES: { groups: { g: { entries: ['10.1.0.0/24'] } }, keep: ['10.2.0.0/24'] } } }),
      'policies[0].whitelists.PRIVATE_ES.keep[0]',
      'keep-not-declared',
    ],
  ])('%#: %s', (input, field, rule) => {
    expect(issuesOf(input)).toContainEqual({ field, rule });
  });

  it('a group gives entries or rulesOnly, exactly one', () => {
    expect(issuesOf(one({ whitelists: { PRIVATE_ES: { groups: { g: { entries: ['10.1.0.0/24'], rulesOnly: true } } } } }))).toContainEqual({
      field: 'policies[0].whitelists.PRIVATE_ES.groups.g',
      rule: 'one-of',
    });
    expect(issuesOf(one({ whitelists: { PRIVATE_ES: { groups: { g: {} } } } }))).toContainEqual({
      field: 'policies[0].whitelists.PRIVATE_ES.groups.g.entries',
      rule: 'required',
    });
    expect(issuesOf(one({ whitelists: { PRIVATE_ES: { groups: { g: { rulesOnly: true } } } } }))).toEqual([]);
  });

  it('an instance selected by two policies is an error', () => {
    const p = (name: string) => ({ name, select: { instanceIds: ['es-cn-abc0001'] } });
    expect(issuesOf({ version: 1, policies: [p('a'), p('b')] })).toContainEqual({
      field: 'policies[1].select.instanceIds[0]',
      rule: 'duplicate-selection',
    });
  });

  it('the shipped example is valid', async () => {
    const { readFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    expect(() =>
      parsePolicy(JSON.parse(readFileSync(join(__dirname, '..', '..', 'config', 'lockdown.policy.json'), 'utf8')), guard),
    ).not.toThrow();
  });
});

describe('drift and plan', () => {
  const policy = parsePolicy(
    one({
      exposure: { elasticsearchPublic: false, kibanaPublic: true, https: true },
      whitelists: { PRIVATE_ES: { groups: { es_guard: { entries: ['10.1.0.0/24'] } }, keep: ['10.1.0.0/24'] } },
    }),
    guard,
  ).policies[0]!;
  const describeAs = (over: Partial<ExposureDescription>): ExposureDescription => ({
    instanceId: 'es-cn-abc0001',
    status: 'active',
    enablePublic: false,
    enableKibanaPublicNetwork: true,
    enableKibanaPrivateNetwork: false,
    protocol: 'HTTPS',
    networkConfig: {
      whiteIpGroupList: [
        { groupName: 'es_guard', ips: ['10.1.0.0/24'], whiteIpType: 'PRIVATE_ES' },
        { groupName: 'default', ips: ['10.9.0.0/16'], whiteIpType: 'PRIVATE_ES' },
      ],
    },
    ...over,
  });

  it('a compliant instance has no drift; undeclared switches and groups are reported as observed', () => {
    const d = computeDrift(describeAs({}), policy, guard);
    expect(d.items).toEqual([]);
    expect(d.undeclared.switches).toEqual({ kibanaPrivate: false });
    expect(d.undeclared.groups).toEqual([{ whiteIpType: 'PRIVATE_ES', groupName: 'default', ips: ['10.9.0.0/16'] }]);
  });

  it('closes first, fixes whitelists next, opens last', () => {
    const desc = describeAs({
      enablePublic: true,
      enableKibanaPublicNetwork: false,
      protocol: 'HTTP',
      networkConfig: { whiteIpGroupList: [{ groupName: 'es_guard', ips: ['10.1.0.0/24', '10.7.0.0/16'], whiteIpType: 'PRIVATE_ES' }] },
    });
    const d = computeDrift(desc, policy, guard);
    const plan = planFor(d, policy, guard, desc, () => true);
    expect(plan.steps.map((s) => s.call)).toEqual([
      { action: 'TriggerNetwork', body: { nodeType: 'WORKER', networkType: 'PUBLIC', actionType: 'CLOSE' } },
      {
        action: 'ModifyWhiteIps',
        body: { modifyMode: 'Cover', whiteIpGroup: { groupName: 'es_guard', ips: ['10.1.0.0/24'], whiteIpType: 'PRIVATE_ES' } },
      },
      { action: 'OpenHttps' },
      { action: 'TriggerNetwork', body: { nodeType: 'KIBANA', networkType: 'PUBLIC', actionType: 'OPEN' } },
    ]);
  });

  it('a switch the service does not report is unknown, never planned', () => {
    const { enablePublic: _drop, ...rest } = describeAs({});
    const d = computeDrift(rest, policy, guard);
    expect(d.unknown).toEqual(['elasticsearchPublic']);
    expect(d.items).toEqual([]);
  });
});

describe('fight ledger', () => {
  it('counts the same drift in a row within the window; later, or another drift, starts again', async () => {
    const { FightLedger } = await import('../../shared/lockdown/ledger');
    let now = Date.parse('2026-12-01T00:00:00Z');
    const ledger = new FightLedger(undefined, 60_000, () => now);
    expect(ledger.count('es-cn-a', 'switch:https', 'x=false')).toBe(0);
    ledger.remediated('es-cn-a', 'switch:https', 'x=false');
    ledger.remediated('es-cn-a', 'switch:https', 'x=false');
    expect(ledger.count('es-cn-a', 'switch:https', 'x=false')).toBe(2);
    expect(ledger.count('es-cn-a', 'switch:https', 'x=other')).toBe(0);
    now += 61_000;
    expect(ledger.count('es-cn-a', 'switch:https', 'x=false')).toBe(0);
    ledger.remediated('es-cn-a', 'switch:https', 'x=false');
    expect(ledger.count('es-cn-a', 'switch:https', 'x=false')).toBe(1);
  });
});

describe('guardrails of the plan (the whitelist function`s)', () => {
  it('a PRIVATE_ES write that would take the whole private whitelist past WHITELIST_MAX_TOTAL_ENTRIES is blocked', () => {
    const small = whitelistSettings({ WHITELIST_MAX_TOTAL_ENTRIES: '2' });
    const rule = parsePolicy(
      one({ whitelists: { PRIVATE_ES: { groups: { es_guard: { entries: ['10.1.0.0/24', '10.2.0.0/24'] } } } } }),
      small,
    ).policies[0]!;
    const desc: ExposureDescription = {
      instanceId: 'es-cn-abc0001',
      status: 'active',
      networkConfig: { whiteIpGroupList: [{ groupName: 'default', ips: ['10.9.0.0/16'], whiteIpType: 'PRIVATE_ES' }] },
    };
    const plan = planFor(computeDrift(desc, rule, small), rule, small, desc, () => true);
    expect(plan.steps).toEqual([]);
    expect(plan.blocked.map((b) => b.rule)).toEqual(['TooManyEntries']);
  });
});

describe('which instance an ActionTrail event is about', () => {
  const base = { specversion: '1.0', id: 'e1', type: 'elasticsearch:ActionTrail:ApiCall' };
  it('finds it in requestParameters, in any referencedResources list or in the subject, whatever the source', async () => {
    const { instanceOfEvent } = await import('../../shared/lockdown/handler');
    for (const source of ['acs.elasticsearch', 'acs.actiontrail']) {
      expect(
        instanceOfEvent({ ...base, source, data: { eventName: 'TriggerNetwork', requestParameters: { InstanceId: 'es-cn-abc0001' } } }),
      ).toBe('es-cn-abc0001');
      expect(
        instanceOfEvent({
          ...base,
          source,
          data: { eventName: 'ModifyWhiteIps', referencedResources: { 'ACS::Elasticsearch::Cluster': ['es-cn-abc0002'] } },
        }),
      ).toBe('es-cn-abc0002');
      expect(
        instanceOfEvent({
          ...base,
          source,
          subject: 'acs:elasticsearch:cn-hangzhou:1:instances/es-cn-abc0003',
          data: { eventName: 'OpenHttps' },
        }),
      ).toBe('es-cn-abc0003');
    }
  });

  it('ignores other event types, unwatched operations and ids that are not instance ids', async () => {
    const { instanceOfEvent } = await import('../../shared/lockdown/handler');
    expect(
      instanceOfEvent({
        ...base,
        source: 'x',
        type: 'ecs:Instance:StateChange',
        data: { eventName: 'TriggerNetwork', requestParameters: { InstanceId: 'es-cn-abc0001' } },
      }),
    ).toBeUndefined();
    expect(
      instanceOfEvent({ ...base, source: 'x', data: { eventName: 'RestartInstance', requestParameters: { InstanceId: 'es-cn-abc0001' } } }),
    ).toBeUndefined();
    expect(
      instanceOfEvent({ ...base, source: 'x', data: { eventName: 'TriggerNetwork', requestParameters: { InstanceId: '../../etc' } } }),
    ).toBeUndefined();
  });
});

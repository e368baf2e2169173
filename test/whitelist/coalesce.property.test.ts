import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { coalesce, type SourcedChange } from '../../shared/whitelist/coalesce';
import { RuleViolation, applyChange, type Groups } from '../../shared/whitelist/model';

// Small pools so that generated changes collide on groups and entries, where coalescing could go wrong.
const ip = fc.constantFrom('10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.1.0/24', '192.168.0.9');
const target = fc.oneof(fc.constant({ kind: 'list' as const }), fc.constantFrom('default', 'apps', 'ci').map((groupName) => ({ kind: 'group' as const, groupName })));
const change = fc.record({
  instanceId: fc.constantFrom('es-cn-a', 'es-cn-b'),
  mode: fc.constantFrom('Cover' as const, 'Append' as const, 'Delete' as const),
  target,
  ips: fc.uniqueArray(ip, { minLength: 0, maxLength: 3 }),
});

type State = Map<string, Groups>;

/** Applies changes one by one; a change the rules refuse leaves the state as it was (as the API does). */
function run(initial: State, changes: readonly { instanceId: string; mode: SourcedChange['mode']; target: SourcedChange['target']; ips: readonly string[] }[]): { state: State; refused: number } {
  const state = new Map(initial);
  let refused = 0;
  for (const c of changes) {
    try {
      state.set(c.instanceId, applyChange(state.get(c.instanceId) ?? new Map(), c).groups);
    } catch (e) {
      if (!(e instanceof RuleViolation)) throw e;
      refused += 1;
    }
  }
  return { state, refused };
}

const initial: State = new Map([
  ['es-cn-a', new Map([['default', ['10.0.0.1']], ['apps', ['10.0.0.2']]])],
  ['es-cn-b', new Map([['default', ['192.168.0.9']]])],
]);

const snapshot = (s: State) => [...s].map(([k, g]) => [k, [...g].map(([n, ips]) => [n, [...ips].sort()]).sort()]).sort();

describe('coalesce', () => {
  it('gives the same final whitelist as applying every change in order, whenever no change is refused', () => {
    fc.assert(
      fc.property(fc.array(change, { maxLength: 25 }), (raw) => {
        const changes: SourcedChange[] = raw.map((c, i) => ({ ...c, ips: c.mode === 'Cover' && c.target.kind === 'list' && c.ips.length === 0 ? ['10.0.0.3'] : c.ips, source: `e#${i}` }));
        const sequential = run(initial, changes);
        fc.pre(sequential.refused === 0);
        const merged = coalesce(changes);
        const viaMerged = run(initial, merged);
        expect(viaMerged.refused).toBe(0);
        expect(snapshot(viaMerged.state)).toEqual(snapshot(sequential.state));
        // Every source is accounted for exactly once.
        expect(merged.flatMap((m) => m.sources).sort()).toEqual(changes.map((c) => c.source).sort());
        expect(merged.length).toBeLessThanOrEqual(changes.length);
      }),
      { numRuns: 5000 },
    );
  });

  it('folds 50 Appends to one group into one write with all 50 entries', () => {
    const changes: SourcedChange[] = Array.from({ length: 50 }, (_, i) => ({
      instanceId: 'es-cn-a',
      mode: 'Append',
      target: { kind: 'group', groupName: 'apps' },
      ips: [`10.9.0.${i + 1}`],
      source: `e#${i}`,
    }));
    const merged = coalesce(changes);
    expect(merged).toHaveLength(1);
    expect(merged[0]!.ips).toHaveLength(50);
    expect(merged[0]!.sources).toHaveLength(50);
  });

  it('keeps writes to different instances, groups or conflicting modes apart', () => {
    const base = { target: { kind: 'group' as const, groupName: 'apps' }, source: 's' };
    const merged = coalesce([
      { ...base, instanceId: 'es-cn-a', mode: 'Append', ips: ['10.0.0.1'] },
      { ...base, instanceId: 'es-cn-b', mode: 'Append', ips: ['10.0.0.1'] },
      { ...base, instanceId: 'es-cn-a', mode: 'Delete', ips: ['10.0.0.1'] },
      { ...base, instanceId: 'es-cn-a', mode: 'Append', ips: ['10.0.0.1'] },
    ]);
    expect(merged.map((m) => `${m.instanceId}:${m.mode}`)).toEqual(['es-cn-a:Append', 'es-cn-b:Append', 'es-cn-a:Delete', 'es-cn-a:Append']);
  });
});

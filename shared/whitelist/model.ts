import type { ModifyMode, WhiteIpGroup } from '../api';
import { RuleViolationError } from './errors';

/**
 * The seed's rules for UpdatePrivateNetworkWhiteIps as a pure function over the PRIVATE_ES groups. The
 * plain-list form (`privateNetworkIpWhiteList`) acts on the `default` group. Entries are compared in
 * canonical form (the validation module's), so `10.0.0.1` and `10.0.0.1/32` are one entry.
 */
export const DEFAULT_GROUP = 'default';

export type Target = { readonly kind: 'list' } | { readonly kind: 'group'; readonly groupName: string };

export interface WhitelistChange {
  readonly mode: ModifyMode;
  readonly target: Target;
  /** Canonical entries, deduplicated, `""` already dropped. */
  readonly ips: readonly string[];
}

/** PRIVATE_ES groups by name, each a list of canonical entries in the service's order. */
export type Groups = ReadonlyMap<string, readonly string[]>;

export interface Outcome {
  readonly groups: Groups;
  readonly groupName: string;
  readonly added: readonly string[];
  readonly removed: readonly string[];
  readonly groupCreated: boolean;
  readonly groupDeleted: boolean;
}

export function groupNameOf(target: Target): string {
  return target.kind === 'list' ? DEFAULT_GROUP : target.groupName;
}

export function privateGroups(list: readonly WhiteIpGroup[] | undefined, canonical: (ip: string) => string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const g of list ?? []) {
    if (g.whiteIpType !== undefined && g.whiteIpType !== 'PRIVATE_ES') continue;
    const seen = new Set(out.get(g.groupName) ?? []);
    for (const ip of g.ips) if (ip !== '') seen.add(canonical(ip));
    out.set(g.groupName, [...seen]);
  }
  return out;
}

export function applyChange(groups: Groups, change: WhitelistChange): Outcome {
  const name = groupNameOf(change.target);
  const current = groups.get(name);
  const next = new Map(groups);
  const result = (ips: readonly string[] | undefined, created: boolean): Outcome => {
    const before = new Set(current ?? []);
    const after = new Set(ips ?? []);
    if (ips === undefined) next.delete(name);
    else next.set(name, ips);
    return {
      groups: next,
      groupName: name,
      added: [...after].filter((ip) => !before.has(ip)),
      removed: [...before].filter((ip) => !after.has(ip)),
      groupCreated: created,
      groupDeleted: ips === undefined && current !== undefined,
    };
  };

  switch (change.mode) {
    case 'Cover':
      if (change.ips.length === 0) {
        if (change.target.kind === 'list')
          throw new RuleViolationError(
            'InvalidParameter',
            'cover-empty-list',
            'Cover with an empty privateNetworkIpWhiteList would remove every entry; at least one IP must remain',
          );
        return result(undefined, false);
      }
      return result([...change.ips], current === undefined);
    case 'Append': {
      // Append and Delete never create or delete a group (seed), the Default group included: after a
      // Cover with no entries removed it, only a Cover brings it back.
      if (current === undefined) {
        throw new RuleViolationError(
          'NotFound',
          'append-missing-group',
          `whitelist group "${name}" does not exist; create it with modifyMode Cover first`,
        );
      }
      const merged = [...current];
      const have = new Set(merged);
      for (const ip of change.ips) {
        if (have.has(ip)) continue;
        merged.push(ip);
        have.add(ip);
      }
      return result(merged, false);
    }
    case 'Delete': {
      if (current === undefined) {
        throw new RuleViolationError('NotFound', 'delete-missing-group', `whitelist group "${name}" does not exist`);
      }
      if (change.target.kind === 'list') assertListDeletable(groups, current, change.ips);
      const drop = new Set(change.ips);
      const kept = current.filter((ip) => !drop.has(ip));
      if (kept.length === 0) {
        throw new RuleViolationError(
          'InvalidParameter',
          'delete-leaves-empty',
          `Delete would leave ${change.target.kind === 'list' ? 'the whitelist' : `group "${name}"`}` +
            ` empty; at least one IP must remain (delete a group with Cover and empty ips)`,
        );
      }
      return result(kept, false);
    }
  }
}

/**
 * A plain-list write acts on the Default group only, while the effective whitelist is every group's
 * union: deleting through the list an address that only another group holds would answer "unchanged"
 * and leave the address admitted. Refused, naming the group that holds it.
 */
function assertListDeletable(groups: Groups, defaults: readonly string[], ips: readonly string[]): void {
  const inDefault = new Set(defaults);
  for (const ip of ips) {
    if (inDefault.has(ip)) continue;
    for (const [name, list] of groups) {
      if (name !== DEFAULT_GROUP && list.includes(ip)) {
        throw new RuleViolationError(
          'InvalidParameter',
          'entry-in-other-group',
          `${ip} is not in the Default group but in group "${name}"; ` +
            `the plain list changes only the Default group, so delete it with whiteIpGroup {groupName: "${name}"}`,
        );
      }
    }
  }
}

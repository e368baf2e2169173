import { ApiFaultError, invalidParameter } from '../errors';
import { entryKey } from '../ip';
import type { ModifyMode, WhiteIpGroup, WhiteIpType } from './model';

/** One group change of UpdatePrivateNetworkWhiteIps or ModifyWhiteIps, with what the calling API says where the two differ. */
export interface GroupChange {
  readonly type: WhiteIpType;
  readonly groupName: string;
  readonly mode: ModifyMode;
  readonly ips: readonly string[];
  /** Set for a plain-list call: a Cover with no entries is refused with this message instead of deleting the group. */
  readonly emptyCoverRefusal?: string;
  /** ModifyWhiteIps' plain list appends to its Default group even when it has none yet. */
  readonly appendCreates: boolean;
  /** The refusal of a Delete that would leave the group empty. */
  readonly emptyDeleteRefusal: string;
}

/**
 * The seed page's group rules within one whitelist type (other groups are left as they are): Cover replaces
 * the group and creates it when missing, Cover with no entries deletes it, Append needs the group, Delete
 * must leave at least one entry. Entries are compared by network, so `10.0.0.1` and `10.0.0.1/32` are one.
 */
export function applyGroupChange(groups: readonly WhiteIpGroup[], change: GroupChange): WhiteIpGroup[] {
  const { type, groupName: name } = change;
  const index = groups.findIndex((g) => g.whiteIpType === type && g.groupName === name);
  const current = index === -1 ? undefined : groups[index];
  const replace = (ips: readonly string[] | undefined): WhiteIpGroup[] => {
    const next = [...groups];
    if (ips === undefined) next.splice(index, 1);
    else if (index === -1) next.push({ groupName: name, ips: [...ips], whiteIpType: type });
    else next[index] = { groupName: name, ips: [...ips], whiteIpType: type };
    return next;
  };
  const keys = (ips: readonly string[]) => new Set(ips.map((ip) => entryKey(ip) ?? ip));

  switch (change.mode) {
    case 'Cover':
      if (change.ips.length > 0) return replace(change.ips);
      if (change.emptyCoverRefusal !== undefined) throw invalidParameter(change.emptyCoverRefusal);
      if (current === undefined) throw new ApiFaultError(404, 'NotFound', `The whitelist group ${name} does not exist.`);
      return replace(undefined);
    case 'Append': {
      if (current === undefined && !change.appendCreates) {
        throw new ApiFaultError(404, 'NotFound', `The whitelist group ${name} does not exist; create it with modifyMode Cover.`);
      }
      const have = keys(current?.ips ?? []);
      return replace([...(current?.ips ?? []), ...change.ips.filter((ip) => !have.has(entryKey(ip) ?? ip))]);
    }
    case 'Delete': {
      if (current === undefined) throw new ApiFaultError(404, 'NotFound', `The whitelist group ${name} does not exist.`);
      const drop = keys(change.ips);
      const kept = current.ips.filter((ip) => ip !== '' && !drop.has(entryKey(ip) ?? ip));
      if (kept.length === 0) throw invalidParameter(change.emptyDeleteRefusal);
      return replace(kept);
    }
  }
}

/**
 * A list parameter's entries as both whitelist APIs read them: strings, blanks dropped, each a valid
 * address or CIDR block, repeats (by address) kept once in first-seen order. `check` adds the API's own
 * rule for an entry (which addresses the list takes), throwing its InvalidParameter.
 */
export function listEntries(field: string, value: unknown, check: (ip: string, key: string) => void): string[] {
  if (!Array.isArray(value)) throw invalidParameter(`${field} must be an array of IP addresses or CIDR blocks.`);
  const out: string[] = [];
  const seen = new Set<string>();
  for (const item of value) {
    if (typeof item !== 'string') throw invalidParameter(`${field} must contain only strings.`);
    const ip = item.trim();
    if (ip === '') continue;
    const key = entryKey(ip);
    if (key === undefined) throw invalidParameter(`${field} contains "${ip}", which is not a valid IPv4/IPv6 address or CIDR block.`);
    check(ip, key);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(ip);
  }
  return out;
}

import { assertInstanceAllowed as assertAllowed } from '../config/allow-list';
import { GuardrailError } from '../errors';
import { isPrivateAddressRange, parseIpEntry } from '../validation';
import type { WhitelistChange } from './model';
import type { WhitelistSettings } from './settings';

/** es-guard's own safety rules, stricter than the API: refused before anything is sent. */
export function assertInstanceAllowed(instanceId: string, settings: WhitelistSettings): void {
  assertAllowed(settings.allowedInstanceIds, instanceId);
}

/** Entries being added (Cover and Append); a Delete can only narrow access, so it is never refused here. */
export function assertEntriesAllowed(change: WhitelistChange, settings: WhitelistSettings): void {
  if (change.mode === 'Delete') return;
  for (const ip of change.ips) {
    const entry = parseIpEntry(ip);
    if (entry.prefix === 0) {
      throw new GuardrailError('OpenToAll', `${ip} would open the cluster to every address; list the networks that need access instead`);
    }
    const min = entry.family === 4 ? settings.minPrefixV4 : settings.minPrefixV6;
    if (entry.prefix < min) {
      throw new GuardrailError('PrefixTooBroad', `${ip} is broader than /${min} (WHITELIST_MIN_PREFIX_V${entry.family})`);
    }
    if (!settings.allowPublic && !isPrivateAddressRange(entry)) {
      throw new GuardrailError('PublicAddress', `${ip} is not a private address; a private-network whitelist admits only VPC addresses unless WHITELIST_ALLOW_PUBLIC is on`);
    }
  }
}

export function assertSizeAllowed(groupName: string, size: number, settings: WhitelistSettings): void {
  if (size > settings.maxEntries) {
    throw new GuardrailError('TooManyEntries', `group "${groupName}" would hold ${size} entries, more than WHITELIST_MAX_ENTRIES (${settings.maxEntries})`);
  }
}

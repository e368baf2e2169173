import { allowedInstanceIds } from '../config/allow-list';
import { boolSetting, intSetting, stringSetting } from '../config/settings';

type Env = Readonly<Record<string, string | undefined>>;

export interface WhitelistSettings {
  /** Entries broader than these prefixes are refused (0.0.0.0/0 and ::/0 always are). */
  readonly minPrefixV4: number;
  readonly minPrefixV6: number;
  /** Public addresses in a private-network whitelist are refused unless this is on. */
  readonly allowPublic: boolean;
  /** Most entries a group (or the plain list) may hold after a change. */
  readonly maxEntries: number;
  /** Instance IDs the function may touch; empty means every instance its role can reach. */
  readonly allowedInstanceIds: readonly string[];
  /** DescribeInstance polling interval while waiting for `active`. */
  readonly pollMs: number;
  /** ECS state events keep this instance's group in step with the fleet; off when unset. */
  readonly ecsSync: { readonly instanceId: string; readonly groupName: string } | undefined;
}

export function whitelistSettings(env: Env = process.env): WhitelistSettings {
  const ecsInstance = stringSetting(env, 'ECS_SYNC_INSTANCE_ID');
  const ecsGroup = stringSetting(env, 'ECS_SYNC_GROUP');
  return {
    minPrefixV4: intSetting(env, 'WHITELIST_MIN_PREFIX_V4', 8, { min: 1, max: 32 }),
    minPrefixV6: intSetting(env, 'WHITELIST_MIN_PREFIX_V6', 32, { min: 1, max: 128 }),
    allowPublic: boolSetting(env, 'WHITELIST_ALLOW_PUBLIC', false),
    maxEntries: intSetting(env, 'WHITELIST_MAX_ENTRIES', 300, { min: 1, max: 10_000 }),
    allowedInstanceIds: allowedInstanceIds(env),
    pollMs: intSetting(env, 'INSTANCE_POLL_MS', 5000, { min: 1, max: 60_000 }),
    ecsSync: ecsInstance && ecsGroup ? { instanceId: ecsInstance, groupName: ecsGroup } : undefined,
  };
}

import { invalidParameter } from '../errors';
import { entryKey, hasHostBits, isPrivateEntry } from '../ip';
import { applyGroupChange, listEntries } from './group-rules';
import { DEFAULT_GROUP, type ModifyMode, type WhiteIpGroup } from './model';

export type WhitelistTarget = { readonly kind: 'list' } | { readonly kind: 'group'; readonly groupName: string };

export interface WhitelistChange {
  readonly mode: ModifyMode;
  readonly target: WhitelistTarget;
  /** Validated entries as sent (trimmed), `""` dropped, deduplicated by address. */
  readonly ips: readonly string[];
}

const MODES: readonly ModifyMode[] = ['Cover', 'Append', 'Delete'];

export function parseModifyMode(value: string | undefined): ModifyMode {
  if (value === undefined || value === '') return 'Cover';
  if ((MODES as readonly string[]).includes(value)) return value as ModifyMode;
  throw invalidParameter(`modifyMode must be one of Cover, Append, Delete; got "${value}".`);
}

/**
 * The seed's sample sends `["", "10.2.XX.XX"]`: empty entries are ignored, others must be IPs or CIDRs.
 * Entries with host bits (`10.0.0.1/24`) are refused: no page says what the service does with them, and
 * a stored one would never equal the network es-guard deletes (*assumed*, FIDELITY.md). The private
 * whitelist refuses public addresses (SDK remark on UpdatePrivateNetworkWhiteIps). Both are checked on
 * entries being added; a Delete names what to remove (host bits masked), which can only narrow access.
 */
function cleanIps(field: string, value: unknown, adding: boolean): string[] {
  return listEntries(field, value, (ip) => {
    if (adding && hasHostBits(ip))
      throw invalidParameter(`${field} contains "${ip}", a CIDR block with host bits set; give its network address.`);
    if (adding && !isPrivateEntry(ip))
      throw invalidParameter(
        `${field} contains "${ip}", a public address; the private network whitelist does not accept public IP addresses.`,
      );
  });
}

/**
 * Reads the two body forms; exactly one must be present. `modifyMode` is the raw query value: the SDK
 * remarks say the plain list takes only `privateNetworkIpWhiteList` (it overwrites the Default group) and
 * `modifyMode` belongs to the group form, so a plain list with any modifyMode is refused rather than
 * given a meaning the service never documented (FIDELITY.md marks the form undocumented).
 */
export function parseWhitelistRequest(modifyMode: string | undefined, body: Record<string, unknown>): WhitelistChange {
  const mode = parseModifyMode(modifyMode);
  const modeGiven = modifyMode !== undefined && modifyMode !== '';
  const hasList = body['privateNetworkIpWhiteList'] !== undefined && body['privateNetworkIpWhiteList'] !== null;
  const hasGroup = body['whiteIpGroup'] !== undefined && body['whiteIpGroup'] !== null;
  if (hasList && hasGroup) throw invalidParameter('privateNetworkIpWhiteList and whiteIpGroup cannot be specified at the same time.');
  if (!hasList && !hasGroup) throw invalidParameter('Either privateNetworkIpWhiteList or whiteIpGroup is required.');
  if (hasList) {
    if (modeGiven) {
      throw invalidParameter(
        `modifyMode applies to whiteIpGroup only; privateNetworkIpWhiteList alone overwrites the Default group. ` +
          `Use whiteIpGroup with groupName default and modifyMode ${mode} to change it.`,
      );
    }
    return { mode, target: { kind: 'list' }, ips: cleanIps('privateNetworkIpWhiteList', body['privateNetworkIpWhiteList'], true) };
  }

  const group = body['whiteIpGroup'];
  if (typeof group !== 'object' || group === null || Array.isArray(group)) throw invalidParameter('whiteIpGroup must be an object.');
  const { groupName, ips, whiteIpType } = group as Record<string, unknown>;
  if (typeof groupName !== 'string' || groupName.trim() === '') throw invalidParameter('whiteIpGroup.groupName is required.');
  if (ips === undefined) throw invalidParameter('whiteIpGroup.ips is required.');
  if (whiteIpType !== undefined && whiteIpType !== 'PRIVATE_ES') {
    throw invalidParameter(`whiteIpGroup.whiteIpType must be PRIVATE_ES for the private network whitelist; got "${String(whiteIpType)}".`);
  }
  return { mode, target: { kind: 'group', groupName }, ips: cleanIps('whiteIpGroup.ips', ips, mode !== 'Delete') };
}

const isPrivate = (g: WhiteIpGroup): boolean => g.whiteIpType === 'PRIVATE_ES';

/**
 * The seed's rules over the PRIVATE_ES groups; the list form acts on the `default` group. Returns the
 * new group list (other whitelist types untouched) or throws the service's refusal.
 * - Cover replaces the group's IPs; with no IPs it deletes the group; an unknown name creates it.
 * - Append adds missing IPs; the group must exist (NotFound).
 * - Delete removes IPs; the group must exist and keep at least one IP.
 */
export function applyWhitelistChange(groups: readonly WhiteIpGroup[], change: WhitelistChange): WhiteIpGroup[] {
  const list = change.target.kind === 'list';
  const name = list ? DEFAULT_GROUP : change.target.groupName;
  return applyGroupChange(groups, {
    type: 'PRIVATE_ES',
    groupName: name,
    mode: change.mode,
    ips: change.ips,
    ...(list && {
      emptyCoverRefusal:
        'privateNetworkIpWhiteList cannot be empty with modifyMode Cover: the whitelist must keep at least one IP address.',
    }),
    // Groups are created and deleted only through Cover (seed), the Default group included.
    appendCreates: false,
    emptyDeleteRefusal:
      `Deleting these IP addresses would leave ${list ? 'the whitelist' : `the whitelist group ${name}`} ` +
      'empty; at least one IP address must remain.',
  });
}

/** The effective private whitelist: every PRIVATE_ES group's entries, first occurrence kept. */
export function privateWhitelist(groups: readonly WhiteIpGroup[]): string[] {
  return unionOf(groups.filter(isPrivate));
}

export function unionOf(groups: readonly WhiteIpGroup[]): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const g of groups) {
    for (const ip of g.ips) {
      const key = entryKey(ip) ?? ip;
      if (ip === '' || seen.has(key)) continue;
      seen.add(key);
      out.push(ip);
    }
  }
  return out;
}

/**
 * Strict IPv4/IPv6 address and CIDR parsing for whitelist entries, with one canonical text form per
 * range so that entries can be compared as strings: `10.0.0.1` and `10.0.0.1/32` are the same entry.
 * Hand-written (no dependency, no regex backtracking) because whitelist text reaches a security boundary
 * and every accepted spelling must be one we meant to accept.
 */
import { ValidationError } from '../errors';

export type IpFamily = 4 | 6;

export interface IpEntry {
  /** `a.b.c.d` or `a.b.c.d/n`; IPv6 in RFC 5952 form; the prefix only when shorter than the address. */
  readonly canonical: string;
  readonly family: IpFamily;
  /** 0-32 for IPv4, 0-128 for IPv6; a plain address has the full length. */
  readonly prefix: number;
  /** The network address (host bits are always zero) as an unsigned integer of 32 or 128 bits. */
  readonly network: bigint;
}

/** Why an entry was refused: `rule` is stable, `message` never repeats the raw input. */
export interface IpProblem {
  readonly rule: IpRule;
  readonly message: string;
}

export type IpRule = 'type' | 'ip-format' | 'ipv4-leading-zero' | 'ip-zone-id' | 'cidr-prefix-range' | 'cidr-host-bits';

export type IpParseResult = { readonly ok: true; readonly entry: IpEntry } | { readonly ok: false; readonly problem: IpProblem };

/** Longest valid entry is 49 characters (`ffff:` x6 + dotted quad + `/128`); refuse long input before any work. */
export const MAX_IP_ENTRY_LENGTH = 64;

const BITS: Record<IpFamily, number> = { 4: 32, 6: 128 };

const fail = (rule: IpRule, message: string): IpParseResult => ({ ok: false, problem: { rule, message } });

export function tryParseIpEntry(input: unknown): IpParseResult {
  if (typeof input !== 'string') return fail('type', 'must be a string holding an IP address or CIDR block');
  if (input === '') return fail('ip-format', 'is empty; expected an IP address or CIDR block');
  if (input.length > MAX_IP_ENTRY_LENGTH)
    return fail('ip-format', `is longer than ${MAX_IP_ENTRY_LENGTH} characters; expected an IP address or CIDR block`);
  for (let i = 0; i < input.length; i++) {
    const c = input.charCodeAt(i);
    if (c <= 0x20 || c >= 0x7f) return fail('ip-format', 'contains whitespace, control or non-ASCII characters');
  }
  if (input.includes('%')) return fail('ip-zone-id', 'IPv6 zone ids (%...) are not allowed in a whitelist');

  const slash = input.indexOf('/');
  const addressText = slash === -1 ? input : input.slice(0, slash);
  const family: IpFamily = addressText.includes(':') ? 6 : 4;
  const parsed = family === 4 ? parseIPv4(addressText) : parseIPv6(addressText);
  if (typeof parsed !== 'bigint') return { ok: false, problem: parsed };

  const bits = BITS[family];
  let prefix = bits;
  if (slash !== -1) {
    const prefixText = input.slice(slash + 1);
    if (!/^(0|[1-9][0-9]{0,2})$/.test(prefixText)) {
      return fail('ip-format', 'has a prefix length that is not a plain decimal number (e.g. /24)');
    }
    prefix = Number(prefixText);
    if (prefix > bits) return fail('cidr-prefix-range', `prefix length must be between 0 and ${bits} for IPv${family}`);
  }

  const network = parsed & netmask(family, prefix);
  if (network !== parsed) {
    const meant = format(family, network, prefix);
    return fail('cidr-host-bits', `has host bits set after the /${prefix} prefix; the network is ${meant}`);
  }
  return { ok: true, entry: { canonical: format(family, network, prefix), family, prefix, network } };
}

/** Parses one entry or throws a ValidationError naming `field` and the rule broken. */
export function parseIpEntry(input: unknown, field = 'ip'): IpEntry {
  const r = tryParseIpEntry(input);
  if (!r.ok) throw new ValidationError([{ field, rule: r.problem.rule, message: r.problem.message }]);
  return r.entry;
}

export function canonicalIp(input: string, field = 'ip'): string {
  return parseIpEntry(input, field).canonical;
}

/**
 * Drops `""` entries (the API's own sample sends one), canonicalises and dedupes keeping first-seen order.
 * Every bad entry is reported, each as `field[index]`.
 */
export function normalizeIpList(list: readonly unknown[], field = 'ips'): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const issues: { field: string; rule: string; message: string }[] = [];
  list.forEach((item, i) => {
    if (item === '') return;
    const r = tryParseIpEntry(item);
    if (!r.ok) {
      issues.push({ field: `${field}[${i}]`, rule: r.problem.rule, message: r.problem.message });
      return;
    }
    if (!seen.has(r.entry.canonical)) {
      seen.add(r.entry.canonical);
      out.push(r.entry.canonical);
    }
  });
  if (issues.length > 0) throw new ValidationError(issues);
  return out;
}

export function prefixLength(entry: IpEntry | string): number {
  return (typeof entry === 'string' ? parseIpEntry(entry) : entry).prefix;
}

/** Number of addresses in the range, e.g. 256 for a /24. */
export function rangeSize(entry: IpEntry): bigint {
  return 1n << BigInt(BITS[entry.family] - entry.prefix);
}

/** True when every address of `inner` is also in `outer` (same family only). */
export function rangeContains(outer: IpEntry, inner: IpEntry): boolean {
  return (
    outer.family === inner.family && outer.prefix <= inner.prefix && (inner.network & netmask(outer.family, outer.prefix)) === outer.network
  );
}

const range = (family: IpFamily, network: bigint, prefix: number): IpEntry => ({ canonical: '', family, prefix, network });
// Written as numbers rather than parsed at load: module load time is cold-start time.
/** Private, shared (CGNAT), loopback and link-local space: never routed on the Internet. */
const PRIVATE_V4: readonly IpEntry[] = [
  range(4, 0x0a000000n, 8), // 10.0.0.0/8
  range(4, 0xac100000n, 12), // 172.16.0.0/12
  range(4, 0xc0a80000n, 16), // 192.168.0.0/16
  range(4, 0x64400000n, 10), // 100.64.0.0/10
  range(4, 0x7f000000n, 8), // 127.0.0.0/8
  range(4, 0xa9fe0000n, 16), // 169.254.0.0/16
];
const PRIVATE_V6: readonly IpEntry[] = [
  range(6, 1n, 128), // ::1
  range(6, 0xfcn << 120n, 7), // fc00::/7
  range(6, 0xfe80n << 112n, 10), // fe80::/10
];
const V4_MAPPED = range(6, 0xffffn << 32n, 96); // ::ffff:0:0/96
// IPv6 prefixes whose last 32 bits carry an IPv4 address (RFC 4291 2.5.5.2, RFC 6052 2.1): an entry
// there admits IPv4 clients and must be judged as the IPv4 range it carries, not as a narrow IPv6 one.
const V4_EMBEDDINGS: readonly IpEntry[] = [V4_MAPPED, range(6, 0x64ff9bn << 96n, 96) /* 64:ff9b::/96, NAT64 */];

/**
 * The IPv4 range an IPv6 entry stands for when it lies in IPv4-mapped or NAT64 space, `'all'` when it
 * covers one of those /96 prefixes whole (`::ffff:0.0.0.0/96` is every IPv4 address), else undefined.
 */
export function embeddedIPv4(entry: IpEntry): IpEntry | 'all' | undefined {
  if (entry.family !== 6) return undefined;
  for (const space of V4_EMBEDDINGS) {
    if (rangeContains(entry, space)) return 'all';
    if (rangeContains(space, entry)) {
      const prefix = entry.prefix - 96;
      const network = entry.network & 0xffffffffn;
      return { canonical: format(4, network, prefix), family: 4, prefix, network };
    }
  }
  return undefined;
}

/**
 * True when the whole range lies inside private or reserved space (so it is fit for a private-network
 * whitelist). An IPv4-mapped IPv6 range counts as the IPv4 range it maps.
 */
export function isPrivateAddressRange(entry: IpEntry): boolean {
  if (entry.family === 6 && rangeContains(V4_MAPPED, entry)) {
    const inner: IpEntry = { canonical: '', family: 4, prefix: entry.prefix - 96, network: entry.network & 0xffffffffn };
    return PRIVATE_V4.some((r) => rangeContains(r, inner));
  }
  // NAT64 addresses are translated to IPv4 Internet hosts: never private, whatever they embed.
  return (entry.family === 4 ? PRIVATE_V4 : PRIVATE_V6).some((r) => rangeContains(r, entry));
}

function netmask(family: IpFamily, prefix: number): bigint {
  const bits = BITS[family];
  const all = (1n << BigInt(bits)) - 1n;
  return all ^ ((1n << BigInt(bits - prefix)) - 1n);
}

function parseIPv4(text: string): bigint | IpProblem {
  const parts = text.split('.');
  if (parts.length !== 4)
    return { rule: 'ip-format', message: 'is not a valid IPv4 address: expected four dot-separated numbers (a.b.c.d)' };
  let value = 0n;
  for (const part of parts) {
    if (!/^[0-9]{1,3}$/.test(part))
      return { rule: 'ip-format', message: 'is not a valid IPv4 address: each part must be a decimal number from 0 to 255' };
    if (part.length > 1 && part.startsWith('0')) {
      return {
        rule: 'ipv4-leading-zero',
        message: 'has an IPv4 part with a leading zero, which some systems read as octal; write it without the zero',
      };
    }
    const n = Number(part);
    if (n > 255) return { rule: 'ip-format', message: 'is not a valid IPv4 address: each part must be a decimal number from 0 to 255' };
    value = (value << 8n) | BigInt(n);
  }
  return value;
}

const BAD_V6: IpProblem = { rule: 'ip-format', message: 'is not a valid IPv6 address' };

function parseIPv6(text: string): bigint | IpProblem {
  const halves = text.split('::');
  if (halves.length > 2) return { rule: 'ip-format', message: 'is not a valid IPv6 address: "::" may appear only once' };
  const head = halves[0] === '' ? [] : (halves[0] ?? '').split(':');
  const tail = halves.length === 2 ? (halves[1] === '' ? [] : (halves[1] ?? '').split(':')) : [];
  const pieces = [...head, ...tail];

  // An embedded dotted quad may only be the last piece of the text and stands for two groups.
  let trailingV4: bigint | undefined;
  const lastPart = halves.length === 2 ? tail : head;
  const last = lastPart[lastPart.length - 1];
  if (last?.includes('.')) {
    const r = parseIPv4(last);
    if (typeof r !== 'bigint') return r;
    trailingV4 = r;
    pieces.pop();
    lastPart.pop();
  }
  for (const p of pieces) if (!/^[0-9a-fA-F]{1,4}$/.test(p)) return BAD_V6;

  const groupsNeeded = trailingV4 === undefined ? 8 : 6;
  const given = head.length + tail.length;
  if (halves.length === 2 ? given > groupsNeeded - 1 : given !== groupsNeeded) {
    return { rule: 'ip-format', message: 'is not a valid IPv6 address: wrong number of groups' };
  }
  const groups = [...head, ...Array<string>(groupsNeeded - given).fill('0'), ...tail];
  let value = 0n;
  for (const g of groups) value = (value << 16n) | BigInt(parseInt(g, 16));
  if (trailingV4 !== undefined) value = (value << 32n) | trailingV4;
  return value;
}

function format(family: IpFamily, address: bigint, prefix: number): string {
  const text = family === 4 ? formatIPv4(address) : formatIPv6(address);
  return prefix === BITS[family] ? text : `${text}/${prefix}`;
}

function formatIPv4(value: bigint): string {
  return [24n, 16n, 8n, 0n].map((s) => String((value >> s) & 0xffn)).join('.');
}

/**
 * RFC 5952: lower case, no leading zeros, the longest (first on a tie) run of two or more zero groups as
 * `::`; IPv4-mapped addresses end in a dotted quad (section 5).
 */
function formatIPv6(value: bigint): string {
  const groups: number[] = [];
  for (let i = 7; i >= 0; i--) groups.push(Number((value >> BigInt(i * 16)) & 0xffffn));
  const mapped = value >> 32n === 0xffffn;
  const shown = mapped ? groups.slice(0, 6) : groups;

  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < shown.length; ) {
    if (shown[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < shown.length && shown[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }

  const hex = (gs: number[]) => gs.map((g) => g.toString(16)).join(':');
  let text: string;
  if (bestStart === -1) text = hex(shown);
  else text = `${hex(shown.slice(0, bestStart))}::${hex(shown.slice(bestStart + bestLen))}`;
  if (!mapped) return text;
  return `${text}${text.endsWith(':') ? '' : ':'}${formatIPv4(value & 0xffffffffn)}`;
}

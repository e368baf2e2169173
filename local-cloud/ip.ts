/**
 * A deliberately small IP/CIDR parser for whitelist entries. It gives each valid entry a comparison key
 * in which a bare address equals its host route (`10.0.0.1` is `10.0.0.1/32`, `::1` is `::1/128`), so
 * Append and Delete treat them as one entry. The emulator keeps its own parser so that it does not trust
 * the product's validation to agree with itself.
 */

const V4_OCTET = /^(0|[1-9]\d{0,2})$/;

function v4(address: string): string | undefined {
  const parts = address.split('.');
  if (parts.length !== 4) return undefined;
  for (const p of parts) if (!V4_OCTET.test(p) || Number(p) > 255) return undefined;
  return parts.join('.');
}

function v6(address: string): string | undefined {
  let text = address;
  const lastColon = text.lastIndexOf(':');
  if (lastColon === -1) return undefined;
  // An embedded IPv4 tail (::ffff:10.0.0.1) stands for the last two groups.
  const last = text.slice(lastColon + 1);
  if (last.includes('.')) {
    const quad = v4(last);
    if (quad === undefined) return undefined;
    const [a, b, c, d] = quad.split('.').map(Number) as [number, number, number, number];
    text = `${text.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  if (!/^[0-9a-fA-F:]+$/.test(text)) return undefined;
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = (s: string): string[] | undefined => {
    if (s === '') return [];
    const g = s.split(':');
    return g.every((x) => /^[0-9a-fA-F]{1,4}$/.test(x)) ? g.map((x) => parseInt(x, 16).toString(16)) : undefined;
  };
  const head = groups(halves[0] ?? '');
  const rest = halves.length === 2 ? groups(halves[1] ?? '') : [];
  if (!head || !rest) return undefined;
  if (halves.length === 1) return head.length === 8 ? head.join(':') : undefined;
  const missing = 8 - head.length - rest.length;
  return missing >= 1 ? [...head, ...Array<string>(missing).fill('0'), ...rest].join(':') : undefined;
}

/** The comparison key of a whitelist entry, or undefined when it is not an IPv4/IPv6 address or CIDR. */
export function entryKey(entry: string): string | undefined {
  const slash = entry.indexOf('/');
  const address = slash === -1 ? entry : entry.slice(0, slash);
  const prefixText = slash === -1 ? undefined : entry.slice(slash + 1);
  if (prefixText !== undefined && !/^(0|[1-9]\d{0,2})$/.test(prefixText)) return undefined;
  const isV6 = address.includes(':');
  const normal = isV6 ? v6(address) : v4(address);
  if (normal === undefined) return undefined;
  const max = isV6 ? 128 : 32;
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (prefix > max) return undefined;
  return `${normal}/${prefix}`;
}

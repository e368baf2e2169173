import { BlockList, isIP } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../shared/errors';
import {
  canonicalIp,
  embeddedIPv4,
  isPrivateAddressRange,
  parseIpEntry,
  rangeContains,
  tryParseIpEntry,
  type IpEntry,
} from '../../shared/validation';
import { normalizeIpList, prefixLength, rangeSize } from '../../shared/validation/ip';
import { dotted, groupsOf, ipishText, ipTokenText, rangeArb, spellingArb, type GeneratedRange } from './arbitraries';

const ruleOf = (input: unknown): string | undefined => {
  const r = tryParseIpEntry(input);
  return r.ok ? undefined : r.problem.rule;
};

describe('parseIpEntry: accepted spellings and their canonical form', () => {
  it.each([
    ['10.0.0.1', '10.0.0.1', 4, 32],
    ['10.0.0.1/32', '10.0.0.1', 4, 32],
    ['0.0.0.0/0', '0.0.0.0/0', 4, 0],
    ['192.168.0.0/16', '192.168.0.0/16', 4, 16],
    ['255.255.255.255', '255.255.255.255', 4, 32],
    ['0.0.0.0', '0.0.0.0', 4, 32],
    ['::1', '::1', 6, 128],
    ['::1/128', '::1', 6, 128],
    ['::', '::', 6, 128],
    ['::/0', '::/0', 6, 0],
    ['2001:DB8:0:0:0:0:2:1', '2001:db8::2:1', 6, 128],
    ['2001:0db8:0000:0000:0000:0000:0002:0001', '2001:db8::2:1', 6, 128],
    ['2001:db8::/32', '2001:db8::/32', 6, 32],
    // RFC 5952 4.2.2: a single zero group is not compressed; 4.2.3: the longest run, the first on a tie.
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1', 6, 128],
    ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1', 6, 128],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1', 6, 128],
    ['1:2:3:4:5:6:7::', '1:2:3:4:5:6:7:0', 6, 128],
    ['::2:3:4:5:6:7:8', '0:2:3:4:5:6:7:8', 6, 128],
    ['fe80::/10', 'fe80::/10', 6, 10],
    ['FC00::/7', 'fc00::/7', 6, 7],
    // IPv4-mapped: RFC 5952 section 5 keeps the dotted quad.
    ['::ffff:10.0.0.1', '::ffff:10.0.0.1', 6, 128],
    ['::FFFF:a00:1', '::ffff:10.0.0.1', 6, 128],
    ['0:0:0:0:0:ffff:10.0.0.1', '::ffff:10.0.0.1', 6, 128],
    ['::ffff:10.0.0.0/104', '::ffff:10.0.0.0/104', 6, 104],
    ['::1.2.3.4', '::102:304', 6, 128],
    ['1:2:3:4:5:6:1.2.3.4', '1:2:3:4:5:6:102:304', 6, 128],
  ])('%s -> %s', (input, canonical, family, prefix) => {
    const e = parseIpEntry(input);
    expect(e).toMatchObject({ canonical, family, prefix });
    expect(canonicalIp(input)).toBe(canonical);
  });
});

describe('parseIpEntry: refused input names the rule', () => {
  it.each([
    ['', 'ip-format'],
    ['1.2.3', 'ip-format'],
    ['1.2.3.4.5', 'ip-format'],
    ['1.2.3.4.', 'ip-format'],
    ['256.0.0.1', 'ip-format'],
    ['1.2.3.-4', 'ip-format'],
    ['1.2.3.+4', 'ip-format'],
    ['0x7f.0.0.1', 'ip-format'],
    ['1.2.3.4 ', 'ip-format'],
    [' 1.2.3.4', 'ip-format'],
    ['1.2.3.4\n', 'ip-format'],
    ['1.2.3.٣', 'ip-format'],
    ['010.0.0.1', 'ipv4-leading-zero'],
    ['10.0.0.01', 'ipv4-leading-zero'],
    ['10.00.0.1', 'ipv4-leading-zero'],
    ['::ffff:01.2.3.4', 'ipv4-leading-zero'],
    ['fe80::1%eth0', 'ip-zone-id'],
    ['fe80::1%25eth0', 'ip-zone-id'],
    ['10.0.0.1%1', 'ip-zone-id'],
    ['[::1]', 'ip-format'],
    ['1::2::3', 'ip-format'],
    [':::', 'ip-format'],
    [':1::', 'ip-format'],
    ['1::2:', 'ip-format'],
    ['1:2:3:4:5:6:7', 'ip-format'],
    ['1:2:3:4:5:6:7:8:9', 'ip-format'],
    ['1::2:3:4:5:6:7:8', 'ip-format'],
    ['12345::1', 'ip-format'],
    ['g::1', 'ip-format'],
    ['1.2.3.4::', 'ip-format'],
    ['1:2:3:4:5:6:7:1.2.3.4', 'ip-format'],
    ['::1.2.3', 'ip-format'],
    ['10.0.0.0/', 'ip-format'],
    ['10.0.0.0/a', 'ip-format'],
    ['10.0.0.0/08', 'ip-format'],
    ['10.0.0.0/+8', 'ip-format'],
    ['10.0.0.0/8/8', 'ip-format'],
    ['/8', 'ip-format'],
    ['10.0.0.0/33', 'cidr-prefix-range'],
    ['10.0.0.0/999', 'cidr-prefix-range'],
    ['::/129', 'cidr-prefix-range'],
    ['10.0.0.1/24', 'cidr-host-bits'],
    ['2001:db8::1/64', 'cidr-host-bits'],
    ['1'.repeat(65), 'ip-format'],
  ])('%j -> %s', (input, rule) => {
    expect(ruleOf(input)).toBe(rule);
    try {
      parseIpEntry(input, 'whiteIpGroup.ips[2]');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ValidationError);
      expect((e as ValidationError).issues).toEqual([expect.objectContaining({ field: 'whiteIpGroup.ips[2]', rule })]);
    }
  });

  it.each([[1], [null], [undefined], [{}], [['10.0.0.1']]])('non-string %j -> type', (input) => {
    expect(ruleOf(input)).toBe('type');
  });

  it('names the network a CIDR with host bits probably meant', () => {
    const r = tryParseIpEntry('10.0.0.1/24');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problem.message).toContain('10.0.0.0/24');
    const r6 = tryParseIpEntry('2001:DB8::1:0:0:1/64');
    if (!r6.ok) expect(r6.problem.message).toContain('2001:db8::/64');
    else expect.unreachable();
  });
});

describe('normalizeIpList', () => {
  it('drops "", dedupes by canonical form and keeps first-seen order', () => {
    expect(normalizeIpList(['', '10.0.0.2', '10.0.0.1/32', '10.0.0.2/32', '10.0.0.1', '::1', '0:0::1/128', ''])).toEqual([
      '10.0.0.2',
      '10.0.0.1',
      '::1',
    ]);
  });

  it('reports every bad entry by index', () => {
    try {
      normalizeIpList(['10.0.0.1', '10.0.0.1/24', 7, '1.2.3'], 'privateNetworkIpWhiteList');
      expect.unreachable();
    } catch (e) {
      expect((e as ValidationError).issues.map((i) => [i.field, i.rule])).toEqual([
        ['privateNetworkIpWhiteList[1]', 'cidr-host-bits'],
        ['privateNetworkIpWhiteList[2]', 'type'],
        ['privateNetworkIpWhiteList[3]', 'ip-format'],
      ]);
    }
  });
});

describe('ranges', () => {
  const e = (s: string): IpEntry => parseIpEntry(s);

  it.each([
    ['10.0.0.0/8', '10.1.2.0/24', true],
    ['10.0.0.0/8', '10.0.0.0/8', true],
    ['10.0.0.0/8', '11.0.0.0/8', false],
    ['10.0.0.0/24', '10.0.0.0/8', false],
    ['0.0.0.0/0', '203.0.113.7', true],
    ['::/0', '10.0.0.1', false],
    ['2001:db8::/32', '2001:db8:ffff::1', true],
    ['2001:db8::/32', '2001:db9::', false],
  ])('rangeContains(%s, %s) = %s', (outer, inner, expected) => {
    expect(rangeContains(e(outer), e(inner))).toBe(expected);
  });

  it('prefixLength and rangeSize', () => {
    expect(prefixLength('10.0.0.0/8')).toBe(8);
    expect(prefixLength(e('::1'))).toBe(128);
    expect(rangeSize(e('10.0.0.0/24'))).toBe(256n);
    expect(rangeSize(e('::/0'))).toBe(2n ** 128n);
  });

  it.each([
    ['10.0.0.0/8', true],
    ['10.255.255.255', true],
    ['9.255.255.255', false],
    ['11.0.0.0', false],
    ['10.0.0.0/7', false],
    ['172.16.0.0/12', true],
    ['172.31.255.255', true],
    ['172.32.0.0', false],
    ['172.15.255.255', false],
    ['172.0.0.0/11', false],
    ['192.168.1.0/24', true],
    ['192.169.0.0', false],
    ['100.64.0.0/10', true],
    ['100.127.255.255', true],
    ['100.128.0.0', false],
    ['127.0.0.1', true],
    ['169.254.169.254', true],
    ['0.0.0.0/0', false],
    ['8.8.8.8', false],
    ['::1', true],
    ['::', false],
    ['::2', false],
    ['fc00::/7', true],
    ['fd12:3456::1', true],
    ['fe00::', false],
    ['fe80::/10', true],
    ['febf:ffff::1', true],
    ['fec0::', false],
    ['2001:db8::1', false],
    ['::/0', false],
    ['::ffff:10.0.0.1', true],
    ['::ffff:10.0.0.0/104', true],
    ['::ffff:8.8.8.8', false],
    ['::ffff:0.0.0.0/96', false],
  ])('isPrivateAddressRange(%s) = %s', (s, expected) => {
    expect(isPrivateAddressRange(e(s))).toBe(expected);
  });
});

const referenceCanonical = (r: GeneratedRange): string => {
  let text: string;
  if (r.family === 4) text = dotted(r.network);
  else if (r.network >> 32n === 0xffffn) text = `::ffff:${dotted(r.network & 0xffffffffn)}`;
  // WHATWG's IPv6 serialiser is RFC 5952's compression, so the URL parser is an independent oracle.
  else
    text = new URL(
      `http://[${groupsOf(r.network)
        .map((g) => g.toString(16))
        .join(':')}]/`,
    ).hostname.slice(1, -1);
  return r.prefix === (r.family === 4 ? 32 : 128) ? text : `${text}/${r.prefix}`;
};

describe('properties', () => {
  it('random valid CIDRs in any legal spelling round-trip to the reference canonical form', () => {
    fc.assert(
      fc.property(
        rangeArb.chain((r) => fc.tuple(fc.constant(r), spellingArb(r), fc.boolean())),
        ([r, spelled, explicitPrefix]) => {
          const full = r.family === 4 ? 32 : 128;
          const text = r.prefix === full && !explicitPrefix ? spelled : `${spelled}/${r.prefix}`;
          const entry = parseIpEntry(text);
          expect(entry).toMatchObject({ family: r.family, prefix: r.prefix, network: r.network });
          expect(entry.canonical).toBe(referenceCanonical(r));
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('canonicalisation is idempotent', () => {
    fc.assert(
      fc.property(
        rangeArb.chain((r) => spellingArb(r).map((s) => `${s}/${r.prefix}`)),
        (text) => {
          const once = canonicalIp(text);
          expect(canonicalIp(once)).toBe(once);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('an address and the same address with /32 or /128 normalise to one entry', () => {
    fc.assert(
      fc.property(
        rangeArb.chain((r) => spellingArb({ ...r, prefix: r.family === 4 ? 32 : 128 }).map((s) => [s, r.family] as const)),
        ([addr, family]) => {
          const full = family === 4 ? 32 : 128;
          expect(normalizeIpList([addr, `${addr}/${full}`])).toEqual([canonicalIp(addr)]);
          expect(canonicalIp(addr)).not.toContain('/');
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('setting any host bit is refused as cidr-host-bits, and the message names the true network', () => {
    fc.assert(
      fc.property(
        rangeArb.filter((r) => r.prefix < (r.family === 4 ? 32 : 128)),
        fc.nat(),
        (r, k) => {
          const hostBits = (r.family === 4 ? 32 : 128) - r.prefix;
          const withHost = r.network | (1n << BigInt(k % hostBits));
          const text = `${
            r.family === 4
              ? dotted(withHost)
              : groupsOf(withHost)
                  .map((g) => g.toString(16))
                  .join(':')
          }/${r.prefix}`;
          const res = tryParseIpEntry(text);
          expect(res.ok).toBe(false);
          if (!res.ok) {
            expect(res.problem.rule).toBe('cidr-host-bits');
            expect(res.problem.message).toContain(referenceCanonical(r));
          }
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('plain addresses are accepted exactly when node:net accepts them (zone ids aside)', () => {
    fc.assert(
      fc.property(ipishText, (s) => {
        const ours = tryParseIpEntry(s).ok;
        const node = isIP(s) !== 0 && !s.includes('%');
        if (!s.includes('/')) expect(ours).toBe(node);
      }),
      { numRuns: 5000 },
    );
    fc.assert(
      fc.property(ipTokenText, (s) => {
        expect(tryParseIpEntry(s).ok).toBe(isIP(s) !== 0 && !s.includes('%'));
      }),
      { numRuns: 10000 },
    );
    // Random text rarely forms an address, so also mutate valid spellings one character at a time.
    fc.assert(
      fc.property(
        rangeArb.chain((r) => spellingArb({ ...r, prefix: r.family === 4 ? 32 : 128 })),
        fc.nat(),
        fc.constantFrom(...'0123456789abcdefF:.%', ''),
        (s, at, c) => {
          const i = at % (s.length + 1);
          const mutated = s.slice(0, i) + c + s.slice(i + 1);
          expect(tryParseIpEntry(mutated).ok).toBe(isIP(mutated) !== 0 && !mutated.includes('%'));
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('isPrivateAddressRange agrees with a node:net BlockList of the private blocks on both ends of the range', () => {
    const blocks = new BlockList();
    for (const [net, prefix] of [
      ['10.0.0.0', 8],
      ['172.16.0.0', 12],
      ['192.168.0.0', 16],
      ['100.64.0.0', 10],
      ['127.0.0.0', 8],
      ['169.254.0.0', 16],
    ] as const)
      blocks.addSubnet(net, prefix, 'ipv4');
    blocks.addAddress('::1', 'ipv6');
    blocks.addSubnet('fc00::', 7, 'ipv6');
    blocks.addSubnet('fe80::', 10, 'ipv6');
    const starts4 = [0x0a000000n, 0xac100000n, 0xc0a80000n, 0x64400000n, 0x7f000000n, 0xa9fe0000n];
    const near: fc.Arbitrary<GeneratedRange> = fc.oneof(
      // Ranges around the edges of each private block, where off-by-one errors live.
      fc
        .tuple(
          fc.constantFrom(...starts4),
          fc.integer({ min: -3, max: 3 }),
          fc.integer({ min: 0, max: 24 }),
          fc.integer({ min: 6, max: 32 }),
        )
        .map(([s, d, shift, prefix]) => {
          const a = (s + BigInt(d) * (1n << BigInt(shift))) & 0xffffffffn;
          return { family: 4 as const, network: a & (((1n << 32n) - 1n) ^ ((1n << BigInt(32 - prefix)) - 1n)), prefix };
        }),
      rangeArb,
    );
    fc.assert(
      fc.property(near, (r) => {
        const bits = r.family === 4 ? 32 : 128;
        const last = r.network | ((1n << BigInt(bits - r.prefix)) - 1n);
        const text = (v: bigint) =>
          r.family === 4
            ? dotted(v)
            : groupsOf(v)
                .map((g) => g.toString(16))
                .join(':');
        const type = r.family === 4 ? 'ipv4' : 'ipv6';
        const expected = blocks.check(text(r.network), type) && blocks.check(text(last), type);
        expect(isPrivateAddressRange(parseIpEntry(`${text(r.network)}/${r.prefix}`))).toBe(expected);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('IPv6 entries that carry IPv4 addresses', () => {
  const carried = (ip: string) => {
    const r = embeddedIPv4(parseIpEntry(ip));
    return r === 'all' || r === undefined ? r : r.canonical;
  };
  it.each([
    ['::ffff:0.0.0.0/96', 'all'],
    ['::fffe:0:0/95', 'all'],
    ['64:ff9b::/96', 'all'],
    ['::ffff:0.0.0.0/97', '0.0.0.0/1'],
    ['::ffff:10.0.0.0/104', '10.0.0.0/8'],
    ['::ffff:10.1.2.3', '10.1.2.3'],
    ['64:ff9b::a01:203', '10.1.2.3'],
    ['2001:db8::/32', undefined],
    ['10.0.0.0/8', undefined],
  ])('%s carries %s', (ip, expected) => {
    expect(carried(ip)).toBe(expected);
  });

  it('NAT64 space is never private, whatever it carries', () => {
    expect(isPrivateAddressRange(parseIpEntry('64:ff9b::a01:203'))).toBe(false);
    expect(isPrivateAddressRange(parseIpEntry('::ffff:10.1.2.3'))).toBe(true);
  });
});

import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

/*
 * The RAM policies in ram/ grant exactly what the code calls. Actions are read from the code, not listed
 * by hand: shared/api's typed methods each name their action; a function needs an action when a module
 * in its bundle (esbuild's own list of inputs) calls that method. Each function's policy must grant
 * exactly those actions, on resources of the right service and no wider than intended; es-guard-policy.json,
 * for a deployment with one role for all three, is exactly their union.
 */

const root = join(__dirname, '..', '..');
const SERVICE_OF_FILE: Record<string, string> = { 'elasticsearch.ts': 'elasticsearch', 'kms.ts': 'kms', 'ecs.ts': 'ecs', 'fc.ts': 'fc' };
/** Calls made through an SDK rather than shared/api: @alicloud/fc2's invokeFunction (FLEET_TRANSPORT=fc2). */
const SDK_METHODS: Record<string, string> = { invokeFunction: 'fc:InvokeFunction' };
/** How wide each service's resources may be. */
const RESOURCES: Record<string, RegExp> = {
  elasticsearch: /^acs:elasticsearch:\*:\*:instances\/\*$/,
  kms: /^acs:kms:\*:\*:secret\/es-guard\/\*$/,
  ecs: /^acs:ecs:\*:\*:instance\/\*$/,
  fc: /^acs:fc:\*:\*:(?:services\/\*\/)?functions\/es-guard-rotate-password$/,
};

interface Policy {
  readonly Version: string;
  readonly Statement: readonly { readonly Effect: string; readonly Action: readonly string[]; readonly Resource: readonly string[]; readonly Condition?: unknown }[];
}

/** method name -> `service:Action`, from shared/api's typed clients. */
function methodActions(): Map<string, string> {
  const map = new Map<string, string>(Object.entries(SDK_METHODS));
  for (const [file, service] of Object.entries(SERVICE_OF_FILE)) {
    const source = readFileSync(join(root, 'shared', 'api', file), 'utf8');
    const methods = [...source.matchAll(/^ {2}async (\w+)\(/gm)];
    methods.forEach((m, i) => {
      const body = source.slice(m.index, methods[i + 1]?.index ?? source.length);
      const action = /action: '(\w+)'/.exec(body)?.[1] ?? /rpc<[^>]*>\(\s*'(\w+)'/.exec(body)?.[1];
      if (action) map.set(m[1]!, `${service}:${action}`);
    });
  }
  return map;
}

/** Every action name written in shared/api, to prove the method map misses none. */
function actionsInApi(): Set<string> {
  const out = new Set<string>();
  for (const [file, service] of Object.entries(SERVICE_OF_FILE)) {
    const source = readFileSync(join(root, 'shared', 'api', file), 'utf8');
    for (const m of source.matchAll(/action: '(\w+)'|rpc<[^>]*>\(\s*'(\w+)'/g)) out.add(`${service}:${m[1] ?? m[2]}`);
  }
  return out;
}

/** The function's own code as esbuild bundles it, tree-shaken: code it imports but never uses is gone. */
async function bundledCode(fn: string): Promise<string> {
  const result = await build({ entryPoints: [join(root, 'functions', fn, 'index.ts')], bundle: true, platform: 'node', format: 'esm', write: false, packages: 'external', logLevel: 'silent' });
  return result.outputFiles[0]!.text;
}

/** Actions whose method is called (`.method(`); the API classes only define theirs (`async method(`). */
async function requiredActions(fn: string, methods: Map<string, string>): Promise<Set<string>> {
  const code = await bundledCode(fn);
  const out = new Set<string>();
  for (const [method, action] of methods) if (new RegExp(`\\.${method}\\(`).test(code)) out.add(action);
  return out;
}

function policy(name: string): Policy {
  return JSON.parse(readFileSync(join(root, 'ram', name), 'utf8')) as Policy;
}

function granted(p: Policy): Set<string> {
  return new Set(p.Statement.flatMap((s) => s.Action));
}

const functions = readdirSync(join(root, 'functions'), { withFileTypes: true })
  .filter((d) => d.isDirectory() && readdirSync(join(root, 'functions', d.name)).includes('index.ts'))
  .map((d) => d.name);

describe('least-privilege RAM policies', () => {
  const methods = methodActions();

  it('reads an action for every API method, and every action written in shared/api has a method', () => {
    const fromApi = new Map([...methods].filter(([m]) => !(m in SDK_METHODS)));
    expect(new Set(fromApi.values())).toEqual(actionsInApi());
    expect(methods.get('updatePrivateNetworkWhiteIps')).toBe('elasticsearch:UpdatePrivateNetworkWhiteIps');
    expect(methods.get('getSecretValue')).toBe('kms:GetSecretValue');
  });

  it.each(functions)('ram/%s.json grants exactly the actions the function calls', async (fn) => {
    const required = await requiredActions(fn, methods);
    expect(required.size).toBeGreaterThan(0);
    console.log(`[ram] ${fn}: ${[...required].sort().join(', ')}`);
    expect([...granted(policy(`${fn}.json`))].sort()).toEqual([...required].sort());
  });

  it('the rotation function may touch the admin password and es-guard secrets only; the whitelist function neither', async () => {
    const rotate = granted(policy('rotate-password.json'));
    const whitelist = granted(policy('whitelist.json'));
    expect(rotate.has('elasticsearch:UpdatePrivateNetworkWhiteIps')).toBe(false);
    expect([...whitelist].some((a) => a.startsWith('kms:') || a === 'elasticsearch:UpdateAdminPassword')).toBe(false);
    expect(granted(policy('rotate-fleet.json')).has('elasticsearch:UpdateAdminPassword')).toBe(false);
  });

  it.each(['whitelist.json', 'rotate-password.json', 'rotate-fleet.json', 'es-guard-policy.json'])('%s allows only named actions on resources of their own service, never "*"', (file) => {
    const p = policy(file);
    expect(p.Version).toBe('1');
    for (const s of p.Statement) {
      expect(s.Effect).toBe('Allow');
      for (const action of s.Action) {
        expect(action).toMatch(/^(elasticsearch|kms|ecs|fc):[A-Z][A-Za-z]+$/);
        for (const resource of s.Resource) expect(resource).toMatch(RESOURCES[action.split(':')[0]!]!);
      }
    }
  });

  it('es-guard-policy.json (one role for all functions) is exactly the union of the three', () => {
    const union = new Set(['whitelist.json', 'rotate-password.json', 'rotate-fleet.json'].flatMap((f) => [...granted(policy(f))]));
    expect([...granted(policy('es-guard-policy.json'))].sort()).toEqual([...union].sort());
    const resourcesOf = (p: Policy) => new Set(p.Statement.flatMap((s) => s.Resource));
    expect([...resourcesOf(policy('es-guard-policy.json'))].sort()).toEqual([...new Set(['whitelist.json', 'rotate-password.json', 'rotate-fleet.json'].flatMap((f) => [...resourcesOf(policy(f))]))].sort());
    expect(relative(root, join(root, 'ram'))).toBe('ram');
  });
});

import { describe, expect, it } from 'vitest';
import { exampleLines, examples } from '../../local-cloud/runner/examples';
import { startNpmStart as start } from '../support/npm-start';

/* `npm start`'s program as a newcomer runs it (random ports here): what it prints and what GET / answers. */

/** The banner's "Try:" block, without its indentation. */
function tryBlock(out: string): string[] {
  const lines = out.split('\n');
  const from = lines.findIndex((l) => l.startsWith('Try'));
  const to = lines.findIndex((l, i) => i > from && l.trim() === '');
  return lines.slice(from + 1, to).map((l) => l.trim());
}

describe('npm start (local-cloud/commands/start.ts)', () => {
  it("prints each instance's Elasticsearch endpoint and the examples; GET / lists instances, endpoints and functions", async () => {
    const s = await start([]);
    try {
      const control = /overview \(GET \/\): (http:\/\/127\.0\.0\.1:\d+)/.exec(s.out())?.[1];
      expect(control).toBeDefined();
      const overview = (await (await fetch(`${control}/`)).json()) as {
        cloud: { url: string };
        httpTriggers: Record<string, string>;
        instances: { instanceId: string; status: string; endpoint: string }[];
        functions: { functionName: string }[];
      };
      expect(overview.instances.length).toBe(3);
      for (const i of overview.instances)
        expect(s.out()).toContain(`instance ${i.instanceId} (${i.status}): Elasticsearch ${i.endpoint}   user elastic`);
      expect(overview.functions.map((f) => f.functionName)).toEqual(
        expect.arrayContaining(['es-guard-whitelist', 'es-guard-rotate-password', 'es-guard-rotate-fleet']),
      );
      const expected = exampleLines(
        examples({
          httpTriggers: overview.httpTriggers,
          controlUrl: control!,
          cloudUrl: overview.cloud.url,
          instances: ['es-cn-local0001', 'es-cn-local0002'],
        }),
      );
      expect(tryBlock(s.out())).toEqual(expected);
    } finally {
      s.child.kill('SIGTERM');
    }
    expect(await s.exited).toBe(0);
  });

  it(
    'with --auth function shows the signed CLI call (es-guard invoke) for every HTTP trigger example, ' +
      'and no unsigned curl to a trigger',
    async () => {
      const s = await start(['--auth', 'function']);
      try {
        const block = tryBlock(s.out());
        const triggerUrls = [...s.out().matchAll(/HTTP trigger \S+\s+(http:\/\/127\.0\.0\.1:\d+)/g)].map((m) => m[1]!);
        expect(triggerUrls.length).toBeGreaterThanOrEqual(3);
        for (const url of triggerUrls) expect(block.some((l) => l.startsWith('curl') && l.includes(url))).toBe(false);
        const invokes = block.filter((l) => l.startsWith('npx es-guard invoke '));
        // The four trigger examples (read, append, dry run, rotate), each as a signed call.
        expect(invokes.length).toBe(4);
        for (const l of invokes)
          expect(l).toMatch(
            new RegExp(
              `^npx es-guard invoke es-guard-[a-z-]+ (GET|POST) '/openapi/instances/[^']+'( --data '[^']+')?` +
                String.raw` --stack http://127\.0\.0\.1:\d+ --endpoint http://127\.0\.0\.1:\d+$`,
            ),
          );
      } finally {
        s.child.kill('SIGTERM');
      }
      expect(await s.exited).toBe(0);
    },
  );
});

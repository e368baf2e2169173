import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

/* The deployment's own guarantees, read from s.yaml as Serverless Devs reads it. */

interface Trigger {
  readonly triggerName: string;
  readonly triggerType: string;
  readonly triggerConfig: Record<string, unknown>;
}
interface Resource {
  readonly component: string;
  readonly props: { readonly functionName: string; readonly code: string; readonly role?: string; readonly environmentVariables?: Record<string, string>; readonly triggers?: readonly Trigger[] };
}

const root = join(__dirname, '..', '..');
const doc = parse(readFileSync(join(root, 's.yaml'), 'utf8')) as { resources: Record<string, Resource> };
const resources = Object.entries(doc.resources);
const functions = readdirSync(join(root, 'functions'), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);

describe('s.yaml', () => {
  it('deploys every function in functions/ from its bundle', () => {
    expect(resources.map(([name]) => name).sort()).toEqual([...functions].sort());
    for (const [name, r] of resources) {
      expect(r.component).toBe('fc3');
      expect(r.props.code).toBe(`./dist/${name}`);
      expect(r.props.functionName).toBe(`es-guard-${name}`);
    }
  });

  it.each(resources)('%s: every HTTP trigger requires signed callers (authType: function) and has no public URL', (_, r) => {
    const http = (r.props.triggers ?? []).filter((t) => t.triggerType === 'http');
    expect(http.length).toBeGreaterThan(0);
    for (const t of http) {
      expect(t.triggerConfig['authType']).toBe('function');
      expect(t.triggerConfig['disableURLInternet']).toBe(true);
    }
  });

  it.each(resources)('%s: runs as a role and reads ALLOWED_INSTANCE_IDS from the deploying environment', (_, r) => {
    expect(r.props.role).toMatch(/^\$\{vars\.(whitelist|rotatePassword|rotateFleet)Role\}$/);
    expect(r.props.environmentVariables?.['ALLOWED_INSTANCE_IDS']).toMatch(/ALLOWED_INSTANCE_IDS/);
  });

  it('puts no secret in trigger configuration or environment (payloads and variables are stored in plain text)', () => {
    const text = JSON.stringify(doc);
    expect(text).not.toMatch(/esAdminPassword|AccessKeySecret|ACCESS_KEY_SECRET|SECURITY_TOKEN/i);
  });
});

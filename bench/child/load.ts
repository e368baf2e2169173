// One cold module load: the time `require` takes inside a fresh node process, and its memory after.
import { loadBundle, readConfig, report } from './protocol';

const { bundle } = readConfig<{ bundle: string | null }>();
const start = process.hrtime.bigint();
if (bundle) loadBundle(bundle);
const requireMs = Number(process.hrtime.bigint() - start) / 1e6;
const { rss, heapUsed } = process.memoryUsage();
report({ requireMs, sinceProcessStartMs: performance.now(), rssBytes: rss, heapUsedBytes: heapUsed });

import type { ElasticsearchApi, InstanceDescription, Tag } from '../api';
import { PAGE_SIZE } from './settings';

/** A guard against a listing that never ends (a service that ignores `page`): 1 000 pages of 100. */
const MAX_PAGES = 1000;

export interface Listing {
  readonly instances: readonly InstanceDescription[];
  readonly pages: number;
  /** X-Total-Count of the last page: what the service says matched. */
  readonly reportedTotal: number;
}

/**
 * Every instance ListInstance returns for `tag`, page by page (100 each) until a page comes back short.
 * The service's count is not trusted to end the loop: a page answer without the header would otherwise
 * look like "all done" after page one. An instance seen on two pages (the list shifted while paging) is
 * kept once.
 */
export async function listTagged(es: ElasticsearchApi, tag: Tag, deadline: number): Promise<Listing> {
  const seen = new Map<string, InstanceDescription>();
  let reportedTotal = 0;
  for (let page = 1; ; page++) {
    if (page > MAX_PAGES) throw new Error(`ListInstance returned more than ${MAX_PAGES} full pages; refusing to go on`);
    const res = await es.listInstance({ page, size: PAGE_SIZE, tags: [tag] }, { deadline });
    reportedTotal = res.totalCount;
    for (const instance of res.instances) if (!seen.has(instance.instanceId)) seen.set(instance.instanceId, instance);
    if (res.instances.length < PAGE_SIZE) return { instances: [...seen.values()], pages: page, reportedTotal };
  }
}

/** Whether the listing really carries the tag: the filter is the service's, the rotation is ours. */
export function hasTag(instance: InstanceDescription, tag: Tag): boolean {
  return (instance.tags ?? []).some((t) => t.tagKey === tag.tagKey && t.tagValue === tag.tagValue);
}

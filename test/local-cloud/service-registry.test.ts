import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineService, type LocalCloud, SERVICES, seedPart, startLocalCloud } from '../../local-cloud';
import { rpc } from './support';

/*
 * A service is one folder's definition plus its line in local-cloud/services.ts. The toy below is such a
 * folder, written inline: an RPC product with one action, a seed part and a facade, registered by passing
 * the list with it added.
 */

const TOY = '2099-01-01';

declare module '../../local-cloud/operation' {
  interface OperationNames {
    DescribeToys: 'toy';
  }
}

interface ToySeed {
  readonly name: string;
  readonly colour?: string;
}

const toySeedSchema = z.object({ name: z.string().min(1), colour: z.string().optional() });

const toyService = defineService({
  name: 'toy',
  seed: seedPart<'toys', ToySeed>('toys', toySeedSchema),
  start: (setup, options: { readonly toyPrefix?: string }) => {
    const toys: ToySeed[] = [...setup.seed];
    return {
      operations: [
        {
          name: 'DescribeToys',
          service: 'toy',
          routes: [{ style: 'rpc', version: TOY }],
          handle: (req) => ({ json: { RequestId: req.requestId, Toys: toys.map((t) => `${options.toyPrefix ?? ''}${t.name}`) } }),
        },
      ],
      endpointVariables: ['TOY_ENDPOINT'],
      facades: {
        toy: {
          add: (toy: ToySeed) => toys.push(setup.checkSeed(toy, 'toy')),
          names: () => toys.map((t) => t.name),
        },
      },
    };
  },
});

describe('a service registered by its definition', () => {
  let cloud: Awaited<ReturnType<typeof start>>;
  const start = () =>
    startLocalCloud({
      services: [...SERVICES, toyService],
      seed: { toys: [{ name: 'kite', colour: 'red' }], secrets: [{ secretName: 'kept', secretData: 'x' }] },
      toyPrefix: 'a ',
      activationMs: 10,
    });

  beforeAll(async () => {
    cloud = await start();
  });
  afterAll(() => cloud.close());

  it('answers its action to a V3-signed request, from its part of the seed, and puts its facade on the handle', async () => {
    const res = await rpc(cloud, TOY, 'DescribeToys', {});
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ RequestId: res.headers['x-acs-request-id'], Toys: ['a kite'] });
    expect(cloud.calls().at(-1)).toMatchObject({
      operation: 'DescribeToys',
      service: 'toy',
      status: 200,
      accessKeyId: cloud.accessKey.accessKeyId,
    });

    cloud.toy.add({ name: 'yo-yo' });
    expect(cloud.toy.names()).toEqual(['kite', 'yo-yo']);
    expect((await rpc(cloud, TOY, 'DescribeToys', {})).json?.['Toys']).toEqual(['a kite', 'a yo-yo']);
    expect(cloud.env['TOY_ENDPOINT']).toBe(cloud.url);
  });

  it('keeps every listed service beside it, and its seed entries are checked by its schema', async () => {
    expect(cloud.kms.value('kept')).toBe('x');
    expect(() => cloud.toy.add({ name: '' })).toThrow('toy is not a valid seed file:\n  toys.0.name:');
    await expect(startLocalCloud({ services: [toyService], seed: { toys: [{ name: '' }] } })).rejects.toThrow(
      'options.seed is not a valid seed file:\n  toys.0.name:',
    );
  });

  it('is refused as unknown by a cloud started without it', async () => {
    const plain: LocalCloud = await startLocalCloud({ activationMs: 10 });
    try {
      // @ts-expect-error the default services have no toy facade
      expect(plain.toy).toBeUndefined();
      const res = await rpc(plain, TOY, 'DescribeToys', {});
      expect(res.status).toBe(400);
      expect(res.json).toMatchObject({ Code: 'InvalidVersion' });
      expect(plain.calls().at(-1)).toMatchObject({ operation: undefined, code: 'InvalidVersion' });
      // With the toy registered, an action its version lacks is the gateway's not-found.
      const other = await rpc(cloud, TOY, 'DescribeKites', {});
      expect(other.status).toBe(404);
      expect(other.json).toMatchObject({ Code: 'InvalidAction.NotFound' });
    } finally {
      await plain.close();
    }
  });
});

// The domain table (service/domains.ts): loading one domain's module alone registers every op of that domain, so the
// service can load only the module an op needs; the compiler already refuses an op without a domain.
import { describe, expect, it, vi } from 'vitest';
import { OP_NAMES } from '../../../src-main/api/ops.js';
import { OP_DOMAIN, type Domain } from '../../../src-main/service/domains.js';

const DOMAINS = [...new Set(Object.values(OP_DOMAIN))].filter((d): d is Exclude<Domain, 'core'> => d !== 'core');

describe('service domains', () => {
  it('gives every op a domain and every non-core domain a loader', async () => {
    expect(Object.keys(OP_DOMAIN).sort()).toEqual([...OP_NAMES].sort());
    const { DOMAIN_LOADERS } = await import('../../../src-main/service/domains.js');
    expect(Object.keys(DOMAIN_LOADERS).sort()).toEqual([...DOMAINS].sort());
  });

  for (const domain of DOMAINS) {
    it(`loading the ${domain} module alone registers all of its ops`, async () => {
      vi.resetModules();
      const { registeredOps } = await import('../../../src-main/service/registry.js');
      const { DOMAIN_LOADERS } = await import('../../../src-main/service/domains.js');
      expect(registeredOps().filter((op) => OP_DOMAIN[op as keyof typeof OP_DOMAIN] === domain)).toEqual([]);
      await DOMAIN_LOADERS[domain]();
      const mine = OP_NAMES.filter((op) => OP_DOMAIN[op] === domain);
      expect(mine.length).toBeGreaterThan(0);
      expect(registeredOps()).toEqual(expect.arrayContaining(mine));
    }, 60_000);
  }

  it('a core op is never registered by a module (the service implements those itself)', async () => {
    vi.resetModules();
    const { registeredOps } = await import('../../../src-main/service/registry.js');
    const { loadExtensions } = await import('../../../src-main/service/extensions.js');
    await loadExtensions();
    const registered = registeredOps();
    expect(registered.filter((op) => OP_DOMAIN[op as keyof typeof OP_DOMAIN] === 'core')).toEqual([]);
    expect(registered.sort()).toEqual(OP_NAMES.filter((op) => OP_DOMAIN[op] !== 'core').sort());
  }, 120_000);
});

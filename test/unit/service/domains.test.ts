// The domain table (service/domains.ts): every op has a domain by its name's prefix, each domain's module creates a
// handler for every op of its domain (the compiler checks that too: see the @ts-expect-error below), and an op's
// call loads only its own domain's module.
import { describe, expect, it } from 'vitest';
import { OP_CHECKS, OP_NAMES } from '../../../src-main/api/ops.js';
import { PREFIX_DOMAIN, domainOf, type Domain } from '../../../src-main/service/domains.js';
import { DOMAIN_LOADERS } from '../../../src-main/service/loaders.js';
import type { DomainHandlers } from '../../../src-main/service/context.js';
import { Service } from '../../../src-main/service/service.js';
import { fakeDeps } from './fakes.js';

const DOMAINS = Object.keys(DOMAIN_LOADERS) as Domain[];

// Compile-time: a domain's handler object lacking one of its ops does not type-check (npm run typecheck fails if
// this line stops being an error).
// @ts-expect-error 'qc.list', 'qc.dismiss', 'qc.restore' and 'changes.summary' are missing
const _incomplete: DomainHandlers<'qc'> = { 'qc.run': (_req, ctx) => ctx.startJob('qc', {}) };
void _incomplete;

describe('service domains', () => {
  it('gives every op a check and a domain, and every domain a loader', () => {
    expect(Object.keys(OP_CHECKS).sort()).toEqual([...OP_NAMES].sort());
    for (const op of OP_NAMES) expect(DOMAINS, op).toContain(domainOf(op));
    expect([...new Set(Object.values(PREFIX_DOMAIN))].sort()).toEqual([...DOMAINS].sort());
  });

  for (const domain of DOMAINS) {
    it(`the ${domain} module creates a handler for each op of its domain and no other`, async () => {
      const mod = await DOMAIN_LOADERS[domain]();
      const { handlers, jobKinds } = mod.createHandlers();
      const mine = OP_NAMES.filter((op) => domainOf(op) === domain);
      expect(mine.length).toBeGreaterThan(0);
      expect(Object.keys(handlers).sort()).toEqual([...mine].sort());
      for (const h of Object.values(handlers)) expect(typeof h).toBe('function');
      for (const k of Object.values(jobKinds ?? {})) expect(typeof k).toBe('function');
    }, 60_000);
  }

  it('each Service instance creates its own handlers, and a bad request is refused before any module loads', async () => {
    const a = new Service({ mode: 'web', deps: fakeDeps() });
    const b = new Service({ mode: 'web', deps: fakeDeps() });
    try {
      // The check runs first: no project is needed to be told the request is malformed.
      await expect(a.callUnknown('qc.list', { limit: -1 })).rejects.toMatchObject({ code: 'bad-input', message: 'qc.list: "limit" must be an integer of at least 0, got -1' });
      await expect(a.callUnknown('qc.list', {})).rejects.toMatchObject({ code: 'no-project' });
      expect(a.state).not.toBe(b.state);
      expect((await a.call('app.info', {})).backend).toBeNull();
    } finally {
      await a.shutdown();
      await b.shutdown();
    }
  });
});

// Handlers of the augment domain: `augment.preview` (implementation in service/augment-preview.ts).
import { augmentPreview } from '../augment-preview.js';
import type { DomainModule } from '../context.js';

export function createHandlers(): DomainModule<'augment'> {
  return {
    handlers: {
      'augment.preview': (req, ctx) => augmentPreview(ctx.store(), req),
    },
  };
}

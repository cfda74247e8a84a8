// Handlers of the augment domain: `augment.preview` (implementation in service/augment-preview.ts); loaded lazily by service/extensions.ts.
import { KpsError } from '../../core/errors.js';
import { registerOp } from '../registry.js';
import { augmentPreview } from '../augment-preview.js';

registerOp('augment.preview', (req, ctx) => augmentPreview(ctx.store(), req), (req, op) => {
  // Shape check at the border; augmentPreview checks ranges and explains them.
  if (typeof req.count !== 'number') throw new KpsError('bad-input', `${op}: "count" must be a number`);
});

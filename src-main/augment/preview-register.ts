// Registers the `augment.preview` operation with the service; loaded as a service extension (service/extensions.ts).
import { KpsError } from '../core/errors.js';
import { registerOp } from '../service/service.js';
import { augmentPreview } from './preview-op.js';

registerOp('augment.preview', (req, ctx) => augmentPreview(ctx.store(), req), (req, op) => {
  // Shape check at the border; augmentPreview checks ranges and explains them.
  if (typeof req.count !== 'number') throw new KpsError('bad-input', `${op}: "count" must be a number`);
});

// Wires the augmentation preview (augment/preview-op.ts, which validates its own request) into the service as `augment.preview`.
import { augmentPreview } from '../augment/preview-op.js';
import { registerOp } from './service.js';

registerOp('augment.preview', (req, ctx) => augmentPreview(ctx.store(), req));

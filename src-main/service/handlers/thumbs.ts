// Handlers of the thumbs domain: thumbs.batch, many embedded samples' pixels in one call as tiny uncompressed BMPs,
// so a scrolling gallery needs no request or PNG per image (at most THUMBS_MAX_IDS per call, api/ops.ts).
import { KpsError } from '../../core/errors.js';
import type { ThumbItem } from '../../api/ops.js';
import { greyBmp } from '../../imaging/bmp.js';
import type { DomainModule } from '../context.js';

export function createHandlers(): DomainModule<'thumbs'> {
  return {
    handlers: {
      'thumbs.batch': (req, ctx) => {
        const store = ctx.store();
        const items: ThumbItem[] = req.ids.map((id) => {
          let image;
          try {
            image = store.getSample(id).image;
          } catch (err) {
            // A sample deleted since the gallery listed it: say so for this id and serve the rest of the batch.
            if (err instanceof KpsError && err.code === 'not-found') return { id, kind: 'none' };
            throw err;
          }
          if (image.kind !== 'embedded') return { id, kind: image.kind === 'file' ? 'file' : 'none' };
          const pixels = store.getPixels(id);
          if (!pixels) return { id, kind: 'none' };
          if (pixels.length !== image.width * image.height) {
            throw new KpsError('internal', `sample ${id}: ${pixels.length} stored pixels for a ${image.width}x${image.height} image`);
          }
          return { id, kind: 'bmp', width: image.width, height: image.height, bmp: greyBmp(image.width, image.height, pixels).toString('base64') };
        });
        return { items };
      },
    },
  };
}

// Child process of the crash test: applies label edits one by one and prints "ack <i>" once each is acknowledged.
// Usage: node --import tsx crash-child.ts <store|service|import> <project.kps> <edits or samples>
import { openProject } from '../../../src-main/store/project.js';
import type { KeypointEdit } from '../../../src-main/api/ops.js';
import type { ImportedSample } from '../../../src-main/formats/types.js';

const [mode, path, countText] = process.argv.slice(2);
const count = Number(countText);

/**
 * Edit i fills one distinct (sample, keypoint) slot with values derived from i, so the parent can check each one
 * (crash.test.ts repeats the formula); inside the 96x96 image for i < 34,560, as labels.set requires.
 */
export function editFor(i: number, k: number): { sampleId: number; edit: KeypointEdit } {
  return { sampleId: Math.floor(i / k) + 1, edit: { index: i % k, x: (i % 90) + 0.25, y: Math.floor(i / 90) * 0.25, state: 'labelled' } };
}

async function main(): Promise<void> {
  if (mode === 'import') {
    // One large import: it must land whole or not at all.
    const store = openProject(path);
    const k = store.schema.keypoints.length;
    const samples: ImportedSample[] = [];
    for (let r = 1; r <= count; r++) {
      const pixels = new Uint8Array(96 * 96).fill(r & 0xff);
      samples.push({
        source: '/synthetic/big.csv',
        record: r,
        image: { kind: 'embedded', width: 96, height: 96, channels: 1, pixels },
        groupId: null,
        keypoints: Array.from({ length: k }, (_, i) => ({ x: i, y: r % 90, state: 'labelled' as const })),
      });
    }
    // The store reads each sample's image twice: to validate, then to write. The second read of the last one
    // marks the end of the writes, just before the commit: the parent can aim its kill at the commit from there.
    const last = samples[samples.length - 1];
    const image = last.image;
    let reads = 0;
    Object.defineProperty(last, 'image', {
      get() {
        if (++reads === 2) process.stdout.write('last-row\n');
        return image;
      },
    });
    process.stdout.write('ready\n');
    store.importSamples(samples, 'import');
    process.stdout.write('ack import\n');
    store.close();
  } else if (mode === 'store') {
    const store = openProject(path);
    const k = store.schema.keypoints.length;
    process.stdout.write('ready\n');
    for (let i = 0; i < count; i++) {
      const { sampleId, edit } = editFor(i, k);
      store.setLabels(sampleId, [edit], 'annotator:crash-test');
      // stdout to a pipe is synchronous on Linux: the ack is out before the next edit starts.
      process.stdout.write(`ack ${i}\n`);
    }
    store.close();
  } else {
    const { Service } = await import('../../../src-main/service/service.js');
    const service = await Service.create({ mode: 'web' });
    const info = await service.call('project.open', { path });
    const k = info.schema.keypoints.length;
    process.stdout.write('ready\n');
    for (let i = 0; i < count; i++) {
      const { sampleId, edit } = editFor(i, k);
      await service.call('labels.set', { sampleId, edits: [edit], actor: 'annotator:crash-test' });
      process.stdout.write(`ack ${i}\n`);
    }
    await service.call('project.close', {});
  }
  process.stdout.write('done\n');
}

main().catch((err: unknown) => {
  process.stderr.write(`crash-child: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(2);
});

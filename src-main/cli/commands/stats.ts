// `kps stats <project.kps> [--json]`: the data inspection figures (image shape, pixels, per-keypoint counts and ranges).
import type { Command } from 'commander';
import type { DatasetStats } from '../../api/ops.js';
import { action, openProjectToRead, printJson, withService, type CliCommand } from '../context.js';

function num(v: number | null, digits = 2): string {
  return v === null || !Number.isFinite(v) ? '-' : v.toFixed(digits);
}

function table(rows: string[][], rightAlignFrom: number): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows
    .map((r) => r.map((cell, c) => (c >= rightAlignFrom ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join('  ').trimEnd())
    .join('\n');
}

/** A readable report of DatasetStats for a terminal. */
export function formatStats(s: DatasetStats, title: string): string {
  const lines: string[] = [];
  lines.push(`${title}: ${s.sampleCount} samples`);
  const shapes = s.imageShapes.map((i) => `${i.width}x${i.height}x${i.channels} (${i.count})`).join(', ');
  lines.push(`Image shapes: ${shapes || '-'}   dtype: ${s.dtype}`);
  lines.push(
    s.pixel
      ? `Pixels: min ${s.pixel.min}  max ${s.pixel.max}  mean ${num(s.pixel.mean)}  (over ${s.pixel.sampled} images)`
      : 'Pixels: - (no embedded pixels)',
  );
  lines.push(`Complete rows: ${s.completeRows} of ${s.sampleCount}`);
  lines.push(`Splits: ${Object.entries(s.splits).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  lines.push('');
  const rows = [['#', 'keypoint', 'labelled', 'missing', 'occluded', 'x min', 'x max', 'x mean', 'y min', 'y max', 'y mean']];
  s.keypoints.forEach((k, i) =>
    rows.push([String(i), k.name, String(k.labelled), String(k.missing), String(k.occluded), num(k.xMin), num(k.xMax), num(k.xMean), num(k.yMin), num(k.yMax), num(k.yMean)]),
  );
  lines.push(table(rows, 2));
  lines.push('');
  lines.push('Labelled keypoints per row:');
  const max = Math.max(1, ...s.labelledPerRowHistogram);
  s.labelledPerRowHistogram.forEach((count, k) => {
    if (count === 0) return;
    lines.push(`  ${String(k).padStart(3)}: ${String(count).padStart(7)} ${'#'.repeat(Math.max(1, Math.round((40 * count) / max)))}`);
  });
  return lines.join('\n') + '\n';
}

export const statsCommand: CliCommand = {
  name: 'stats',
  register(program: Command) {
    program
      .command('stats')
      .description('dataset statistics: image shape and pixels, per-keypoint counts and ranges, complete rows, mean shape')
      .argument('<project.kps>', 'an existing project file')
      .option('--json', 'print DatasetStats as one JSON object')
      .action(
        action(async (project: string, opts: { json?: boolean }) => {
          await withService(async (service) => {
            await openProjectToRead(service, project);
            const stats = await service.call('stats.get', {});
            if (opts.json) printJson(stats);
            else process.stdout.write(formatStats(stats, project));
          });
        }),
      );
  },
};

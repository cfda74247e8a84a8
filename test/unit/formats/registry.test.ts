// The format registry (api/formats.ts) and the importers and exporters bound to it (formats/index.ts) name the same formats.
import { describe, expect, it } from 'vitest';
import { EXPORT_FORMAT_IDS, FORMATS, IMPORT_FORMAT_IDS, formatInfo } from '../../../src-main/api/formats.js';
import { exporters, importers } from '../../../src-main/formats/index.js';

describe('format registry', () => {
  it('has an importer for every import format and an exporter for every export format, and no others', () => {
    expect(Object.keys(importers).sort()).toEqual([...IMPORT_FORMAT_IDS].sort());
    expect(Object.keys(exporters).sort()).toEqual([...EXPORT_FORMAT_IDS].sort());
    expect(IMPORT_FORMAT_IDS).toEqual(['kaggle-csv', 'kaggle-test-csv', 'kaggle-labels', 'coco', 'pts', 'asf']);
    expect(EXPORT_FORMAT_IDS).toEqual(['kaggle-csv', 'coco', 'pts']);
  });

  it('gives each format a unique id and label and the extensions of its file or annotation files', () => {
    expect(new Set(FORMATS.map((f) => f.id)).size).toBe(FORMATS.length);
    expect(new Set(FORMATS.map((f) => f.label)).size).toBe(FORMATS.length);
    for (const f of FORMATS) expect(f.extensions.every((e) => /^[a-z]+$/.test(e)), f.id).toBe(true);
    expect(formatInfo('coco')).toMatchObject({ kind: 'file', extensions: ['json'] });
    expect(formatInfo('pts')).toMatchObject({ kind: 'folder', extensions: ['pts'] });
  });
});

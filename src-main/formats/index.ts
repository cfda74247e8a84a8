// Every importer and exporter by its command-line name (the registry of ids, labels and extensions is api/formats.ts),
// plus the Kaggle submission writer.
import type { ExportFormat, ImportFormat } from '../api/formats.js';
import { importAsf } from './asf.js';
import { exportCoco, importCoco } from './coco.js';
import { exportKaggleCsv, importKaggleCsv, importKaggleLabels, importKaggleTestCsv } from './kaggle-csv.js';
import { exportPts, importPts } from './pts.js';
import type { Exporter, Importer } from './types.js';

export const importers: Record<ImportFormat, Importer> = {
  'kaggle-csv': importKaggleCsv,
  'kaggle-test-csv': importKaggleTestCsv,
  'kaggle-labels': importKaggleLabels,
  pts: importPts,
  asf: importAsf,
  coco: importCoco,
};

export const exporters: Record<ExportFormat, Exporter> = {
  'kaggle-csv': exportKaggleCsv,
  coco: exportCoco,
  pts: exportPts,
};

export { kaggleCsvExporter } from './kaggle-csv.js';
export { writeKaggleSubmission, type SubmissionOptions } from './kaggle-submission.js';
export { listBuiltinSchemas, loadBuiltinSchema, loadSchemaFile, resolveSchema } from './schemas.js';
export { quietContext, groupIdFromName } from './common.js';

// What importers produce and exporters consume: declared in the contract (api/formats.ts), re-exported here.
export type {
  ExportOptions,
  Exporter,
  ExportSample,
  ExportSource,
  ExportWritten,
  ImportedImage,
  ImportedSample,
  Importer,
  JobContext,
} from '../api/formats.js';

// What the service needs from the store and the formats, as one injectable object (tests pass fakes; the app loads the real modules).
import type { KeypointSchema } from '../core/types.js';
import type { Exporter, Importer } from '../formats/types.js';
import type { ProjectStore } from '../store/types.js';
import type { ExportFormat, ImportFormat } from '../api/ops.js';

export interface ServiceDeps {
  createProject(path: string, schema: KeypointSchema): ProjectStore | Promise<ProjectStore>;
  openProject(path: string, opts?: { readOnly?: boolean }): ProjectStore | Promise<ProjectStore>;
  importers: Partial<Record<ImportFormat, Importer>>;
  exporters: Partial<Record<ExportFormat, Exporter>>;
  listSchemas(): KeypointSchema[] | Promise<KeypointSchema[]>;
  /** A built-in schema id or a path to a schema JSON file; throws a KpsError when unknown or invalid. */
  resolveSchema(idOrPath: string): KeypointSchema | Promise<KeypointSchema>;
}

/** The real store and formats modules. */
export async function loadDefaultDeps(): Promise<ServiceDeps> {
  // Loaded lazily so that importing the service (e.g. for its types) does not load SQLite and sharp.
  const [store, formats, schemas, kaggleFit] = await Promise.all([
    import('../store/project.js'),
    import('../formats/index.js'),
    import('../formats/schemas.js'),
    import('./kaggle-fit.js'),
  ]);
  return {
    createProject: (path, schema) => store.createProject(path, schema),
    openProject: (path, opts) => store.openProject(path, opts),
    importers: formats.importers,
    // The Kaggle CSV exporter with its crop for samples that are not 96x96 (otherSizes 'crop'), which formats cannot import.
    exporters: { ...formats.exporters, 'kaggle-csv': formats.kaggleCsvExporter(kaggleFit.fitToKaggle) },
    listSchemas: () => schemas.listBuiltinSchemas(),
    resolveSchema: (idOrPath) => schemas.resolveSchema(idOrPath),
  };
}

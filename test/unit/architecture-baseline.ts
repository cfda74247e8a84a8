// Known layering violations and import cycles on main when the check landed (issue 9). The list may only
// shrink: architecture.test.ts fails on any violation not listed here, and on any entry that no longer occurs.
// With this list empty the check fails on that main; each entry is a move still to make.
export const KNOWN_VIOLATIONS: readonly string[] = [
  'import cycle: src-main/train/data.ts <-> src-main/train/facecrop.ts <-> src-main/train/faces.ts',
  "src-main/cli/commands/bench-train.ts imports src-main/train/backend.ts: layer 'cli' may import only [core, api, service, transport]",
  "src-main/cli/commands/bench-train.ts imports src-main/train/models/names.ts: layer 'cli' may import only [core, api, service, transport]",
  "src-main/cli/commands/bench-train.ts imports src-main/train/parallel/step-timing.ts: layer 'cli' may import only [core, api, service, transport]",
  "src-main/formats/kaggle-fit.ts imports src-main/train/infer/crop.ts: layer 'formats' may import only [core, api, imaging]",
  "src-main/formats/kaggle-fit.ts imports src-main/train/infer/photo.ts: layer 'formats' may import only [core, api, imaging]",
  "src-main/qc/pipeline.ts imports src-main/store/types.ts: layer 'qc' may import only [core, api, train]",
  "src-main/store/mapping.ts imports src-main/train/pretrained/mapping.ts: layer 'store' may import only [core, api]",
];
